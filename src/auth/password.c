/* password.c — see password.h. */
#include "auth/password.h"
#include "core/crypto.h"
#include "core/str.h"
#include <argon2.h>
#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static _Atomic uint32_t cost_t = 2, cost_m = 32768, cost_p = 1;

void password_set_cost(uint32_t t, uint32_t m, uint32_t p)
{
    cost_t = t ? t : 2;
    cost_m = m >= 8 ? m : 32768;
    cost_p = p ? p : 1;
}

int password_hash(const char *pw, char *out, size_t outsz)
{
    unsigned char salt[16];
    crypto_random(salt, sizeof salt);
    return argon2id_hash_encoded(cost_t, cost_m, cost_p, pw, strlen(pw), salt, sizeof salt, 32, out, outsz) ==
                   ARGON2_OK
               ? 0
               : -1;
}

bool password_verify(const char *encoded, const char *pw)
{
    if (!encoded || !pw || strlen(pw) > PASSWORD_MAX_LEN)
        return false;
    return argon2id_verify(encoded, pw, strlen(pw)) == ARGON2_OK;
}

void password_dummy_verify(const char *pw)
{
    static char dummy[PASSWORD_HASH_MAX];
    static atomic_bool ready;
    if (!atomic_load(&ready)) {
        char tmp[PASSWORD_HASH_MAX];
        if (password_hash("zhendi-dummy-password", tmp, sizeof tmp) == 0) {
            memcpy(dummy, tmp, sizeof dummy);
            atomic_store(&ready, true);
        }
    }
    (void)password_verify(dummy, pw ? pw : "");
}

static bool contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (n < 3)
        return false;
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, n) == 0)
            return true;
    return false;
}

const char *password_check(const char *pw, const char *username, int min_length, int min_classes)
{
    static _Thread_local char msg[160];
    size_t len = strlen(pw);
    if (!utf8_valid(pw, len))
        return "密码包含无效字符";
    size_t chars = utf8_count(pw, len);
    if ((int)chars < min_length) {
        snprintf(msg, sizeof msg, "密码至少 %d 个字符", min_length);
        return msg;
    }
    if (len > PASSWORD_MAX_LEN)
        return "密码过长（最多 128 字节）";
    int lower = 0, upper = 0, digit = 0, other = 0;
    for (const char *p = pw; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f)
            return "密码不能包含控制字符";
        if (islower(c))
            lower = 1;
        else if (isupper(c))
            upper = 1;
        else if (isdigit(c))
            digit = 1;
        else
            other = 1;
    }
    if (lower + upper + digit + other < min_classes) {
        snprintf(msg, sizeof msg, "密码须包含大写字母、小写字母、数字、符号中的至少 %d 类", min_classes);
        return msg;
    }
    if (username && contains_ci(pw, username))
        return "密码不能包含用户名";
    return NULL;
}

void password_generate(char *out, size_t len)
{
    static const char *classes[] = {"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789",
                                    "!@#$%^&*-_+=?"};
    if (len < 12)
        len = 12;
    unsigned char r[128];
    if (len > sizeof r)
        len = sizeof r;
    crypto_random(r, len);
    for (size_t i = 0; i < len; i++) {
        const char *set = classes[i < 4 ? i : r[i] % 4];
        out[i] = set[r[i] % strlen(set)];
    }
    /* shuffle so the first four are not always in class order */
    for (size_t i = len - 1; i > 0; i--) {
        size_t j = r[i] % (i + 1);
        char t = out[i];
        out[i] = out[j];
        out[j] = t;
    }
    out[len] = 0;
}
