/* totp.c — see totp.h. */
#include "auth/totp.h"
#include "core/crypto.h"
#include "core/str.h"
#include "media/qr.h"
#include <liboath/oath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STEP 30

int totp_init(void) { return oath_init() == OATH_OK ? 0 : -1; }

void totp_new_secret(char *out, size_t outsz)
{
    unsigned char raw[20];
    crypto_random(raw, sizeof raw);
    char *b32 = NULL;
    size_t len = 0;
    if (oath_base32_encode((const char *)raw, sizeof raw, &b32, &len) != OATH_OK)
        abort();
    str_lcpy(out, b32, outsz);
    free(b32);
}

static int decode(const char *b32, char **raw, size_t *len)
{
    if (!b32 || !*b32 || strlen(b32) > 128)
        return -1;
    return oath_base32_decode(b32, strlen(b32), raw, len) == OATH_OK && *len >= 10 ? 0 : -1;
}

bool totp_secret_valid(const char *b32)
{
    char *raw = NULL;
    size_t len = 0;
    int rc = decode(b32, &raw, &len);
    free(raw);
    return rc == 0;
}

int totp_code(const char *b32, int64_t now_s, char out[7])
{
    char *raw = NULL;
    size_t len = 0;
    if (decode(b32, &raw, &len) != 0) {
        free(raw);
        return -1;
    }
    int rc = oath_totp_generate(raw, len, (time_t)now_s, STEP, 0, 6, out) == OATH_OK ? 0 : -1;
    free(raw);
    return rc;
}

int64_t totp_check(const char *b32, const char *code, int64_t now_s, int64_t last_step)
{
    if (!code || strlen(code) != 6)
        return -1;
    for (int i = 0; i < 6; i++)
        if (code[i] < '0' || code[i] > '9')
            return -1;
    char *raw = NULL;
    size_t len = 0;
    if (decode(b32, &raw, &len) != 0) {
        free(raw);
        return -1;
    }
    int pos = 0;
    int rc = oath_totp_validate2(raw, len, (time_t)now_s, STEP, 0, 1, &pos, code);
    free(raw);
    if (rc < 0)
        return -1;
    int64_t step = now_s / STEP + pos;
    return step > last_step ? step : -1;
}

static void url_escape(sbuf_t *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
            c == '.' || c == '_' || c == '~')
            sbuf_putc(b, (char)c);
        else
            sbuf_printf(b, "%%%02X", c);
    }
}

char *totp_uri(const char *issuer, const char *account, const char *b32)
{
    sbuf_t b;
    sbuf_init(&b);
    sbuf_puts(&b, "otpauth://totp/");
    url_escape(&b, issuer);
    sbuf_puts(&b, ":");
    url_escape(&b, account);
    sbuf_printf(&b, "?secret=%s&issuer=", b32);
    url_escape(&b, issuer);
    sbuf_puts(&b, "&algorithm=SHA1&digits=6&period=30");
    return sbuf_detach(&b);
}

char *totp_qr_svg(const char *text) { return media_qr_svg(text); }
