/* hanlatin.c — see hanlatin.h. */
#include "text/hanlatin.h"
#include "core/log.h"
#include "core/str.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>

/* readings ICU's Han-Latin gives wrong in Shanghai's place and
 * organisation names, put in before the transliteration (Latin stays Latin) */
static const struct {
    const char *han, *latin;
} FIX[] = {
    {"长宁", " chang ning "}, {"长征", " chang zheng "}, {"长江", " chang jiang "}, {"长兴", " chang xing "},
    {"长风", " chang feng "}, {"长白", " chang bai "},   {"长寿", " chang shou "},  {"闵行", " min hang "},
    {"银行", " yin hang "},   {"行业", " hang ye "},     {"重固", " zhong gu "},    {"曹行", " cao hang "},
    {"六合", " lu he "},      {"单位", " dan wei "},     {"会计", " kuai ji "},
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static UTransliterator *tr;
static int failed;

/* The text with FIX applied (malloc'd). */
static char *fixed(const char *s)
{
    sbuf_t b = {0};
    while (*s) {
        size_t k = 0;
        for (; k < sizeof FIX / sizeof FIX[0]; k++)
            if (!strncmp(s, FIX[k].han, strlen(FIX[k].han)))
                break;
        if (k < sizeof FIX / sizeof FIX[0]) {
            sbuf_puts(&b, FIX[k].latin);
            s += strlen(FIX[k].han);
        } else
            sbuf_putc(&b, *s++);
    }
    if (!b.len)
        sbuf_puts(&b, "");
    return sbuf_detach(&b);
}

/* The transliteration of s as UTF-8 (malloc'd), or NULL. Under mu. */
static char *latin(const char *s)
{
    UErrorCode e = U_ZERO_ERROR;
    if (!tr && !failed) {
        UChar id[40];
        u_uastrcpy(id, "Han-Latin; Latin-ASCII; Lower");
        tr = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &e);
        if (U_FAILURE(e)) {
            failed = 1;
            log_msg(LOG_APP, LOG_WARN, "text.pinyin_unavailable", "ICU 汉字转拼音不可用：%s", u_errorName(e));
        }
    }
    if (!tr)
        return NULL;
    int32_t n = 0;
    e = U_ZERO_ERROR;
    u_strFromUTF8(NULL, 0, &n, s, -1, &e);
    int32_t cap = n * 8 + 16; /* a character becomes at most a few letters and a space */
    UChar *u = malloc((size_t)cap * sizeof *u);
    if (!u)
        return NULL;
    e = U_ZERO_ERROR;
    u_strFromUTF8(u, cap, &n, s, -1, &e);
    int32_t limit = n;
    if (U_SUCCESS(e))
        utrans_transUChars(tr, u, &n, cap, 0, &limit, &e);
    char *out = NULL;
    int32_t m = 0;
    if (U_SUCCESS(e)) {
        e = U_ZERO_ERROR;
        u_strToUTF8(NULL, 0, &m, u, n, &e);
        out = malloc((size_t)m + 1);
        e = U_ZERO_ERROR;
        if (out)
            u_strToUTF8(out, m + 1, &m, u, n, &e);
        if (U_FAILURE(e)) {
            free(out);
            out = NULL;
        }
    }
    free(u);
    return out;
}

char *hanlatin_key(const char *utf8)
{
    if (!utf8)
        return NULL;
    char *f = fixed(utf8);
    pthread_mutex_lock(&mu);
    char *l = f ? latin(f) : NULL;
    pthread_mutex_unlock(&mu);
    free(f);
    if (!l)
        return NULL;
    /* words: runs of ASCII letters and digits */
    sbuf_t full = {0}, initials = {0};
    for (const char *p = l; *p;) {
        while (*p && !((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
            p++;
        if (!*p)
            break;
        sbuf_putc(&initials, *p);
        while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
            sbuf_putc(&full, *p++);
    }
    free(l);
    sbuf_putc(&full, ' ');
    if (initials.len)
        sbuf_append(&full, initials.data, initials.len);
    sbuf_free(&initials);
    return sbuf_detach(&full);
}
