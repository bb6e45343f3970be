/* str.c — see str.h. */
#include "core/str.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(void)
{
    fputs("zhendi: out of memory\n", stderr);
    abort();
}

void sbuf_init(sbuf_t *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
}

void sbuf_free(sbuf_t *b)
{
    free(b->data);
    sbuf_init(b);
}

void sbuf_reserve(sbuf_t *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2)
            oom();
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p)
        oom();
    b->data = p;
    b->cap = cap;
}

void sbuf_append(sbuf_t *b, const void *data, size_t n)
{
    sbuf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = 0;
}

void sbuf_puts(sbuf_t *b, const char *s) { sbuf_append(b, s, strlen(s)); }

void sbuf_putc(sbuf_t *b, char c) { sbuf_append(b, &c, 1); }

void sbuf_vprintf(sbuf_t *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n <= 0) {
        sbuf_reserve(b, 0);
        return;
    }
    sbuf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void sbuf_printf(sbuf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sbuf_vprintf(b, fmt, ap);
    va_end(ap);
}

void sbuf_json_escape(sbuf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    sbuf_reserve(b, n);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        sbuf_append(b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': sbuf_append(b, "\\\"", 2); break;
        case '\\': sbuf_append(b, "\\\\", 2); break;
        case '\n': sbuf_append(b, "\\n", 2); break;
        case '\r': sbuf_append(b, "\\r", 2); break;
        case '\t': sbuf_append(b, "\\t", 2); break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            sbuf_append(b, u, 6);
        }
        }
    }
    sbuf_append(b, s + run, n - run);
}

char *sbuf_detach(sbuf_t *b)
{
    if (!b->data) {
        sbuf_reserve(b, 0);
        b->data[0] = 0;
    }
    char *p = b->data;
    sbuf_init(b);
    return p;
}

size_t utf8_decode(const char *str, size_t n, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    *cp = 0xFFFD;
    if (n == 0)
        return 0;
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

size_t utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

bool utf8_valid(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t l = utf8_decode(s + i, n - i, &cp);
        if (!l)
            return false;
        i += l;
    }
    return true;
}

size_t utf8_prefix(const char *s, size_t n, size_t max_chars)
{
    size_t i = 0, chars = 0;
    while (i < n && chars < max_chars) {
        uint32_t cp;
        size_t l = utf8_decode(s + i, n - i, &cp);
        if (!l)
            l = 1; /* a malformed byte counts as one character */
        i += l;
        chars++;
    }
    return i;
}

size_t utf8_suffix(const char *s, size_t n, size_t max_chars)
{
    size_t i = n, chars = 0;
    while (i > 0 && chars < max_chars) {
        size_t j = i - 1, k = 0; /* back over at most 3 continuation bytes */
        while (j > 0 && k < 3 && ((unsigned char)s[j] & 0xC0) == 0x80) {
            j--;
            k++;
        }
        uint32_t cp;
        /* a lead byte whose character ends at i, else the byte alone */
        i = utf8_decode(s + j, i - j, &cp) == i - j ? j : i - 1;
        chars++;
    }
    return i;
}

size_t utf8_count(const char *s, size_t n)
{
    size_t chars = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            chars++;
    return chars;
}

bool str_starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

bool str_ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

bool str_to_int64(const char *s, int64_t *out)
{
    if (!s || !*s)
        return false;
    const char *p = s;
    if (*p == '-' || *p == '+')
        p++;
    if (*p < '0' || *p > '9')
        return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

size_t str_lcpy(char *dst, const char *src, size_t dstsz)
{
    size_t n = strlen(src);
    if (dstsz) {
        size_t c = n < dstsz - 1 ? n : dstsz - 1;
        memcpy(dst, src, c);
        dst[c] = 0;
    }
    return n;
}

bool str_ct_equal(const void *a, const void *b, size_t n)
{
    const volatile unsigned char *x = a, *y = b;
    unsigned char d = 0;
    for (size_t i = 0; i < n; i++)
        d |= x[i] ^ y[i];
    return d == 0;
}

void str_hex(const unsigned char *in, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 15];
    }
    out[2 * n] = 0;
}

/* the major version after a token ("Chrome/120.0" → 120), or 0 */
static long ua_version(const char *ua, const char *token)
{
    const char *p = strstr(ua, token);
    return p ? strtol(p + strlen(token), NULL, 10) : 0;
}

char *str_user_agent(const char *ua, char *out, size_t outsz)
{
    if (!outsz)
        return out;
    out[0] = 0;
    if (!ua || !*ua)
        return out;
    /* the first token found names the browser: the specific before the generic */
    static const struct {
        const char *token, *name;
    } BROWSERS[] = {{"MicroMessenger/", "微信"},
                    {"Edg/", "Edge"},
                    {"OPR/", "Opera"},
                    {"Firefox/", "Firefox"},
                    {"HeadlessChrome/", "Chrome（无界面）"},
                    {"Chrome/", "Chrome"},
                    {"Version/", "Safari"},
                    {"curl/", "curl"},
                    {"node", "Node.js"},
                    {"python-requests/", "Python"}};
    static const struct {
        const char *token, *name;
    } SYSTEMS[] = {{"Windows NT 10", "Windows 10/11"},
                   {"Windows NT 6.3", "Windows 8.1"},
                   {"Windows NT 6.1", "Windows 7"},
                   {"Windows", "Windows"},
                   {"iPhone", "iOS"},
                   {"iPad", "iPadOS"},
                   {"Android", "Android"},
                   {"CrOS", "ChromeOS"},
                   {"Mac OS X", "macOS"},
                   {"Linux", "Linux"}};
    const char *browser = "未知浏览器", *system = "未知系统";
    long ver = 0;
    for (size_t i = 0; i < sizeof BROWSERS / sizeof BROWSERS[0]; i++)
        if (strstr(ua, BROWSERS[i].token)) {
            browser = BROWSERS[i].name;
            ver = ua_version(ua, BROWSERS[i].token);
            break;
        }
    for (size_t i = 0; i < sizeof SYSTEMS / sizeof SYSTEMS[0]; i++)
        if (strstr(ua, SYSTEMS[i].token)) {
            system = SYSTEMS[i].name;
            break;
        }
    if (ver > 0)
        snprintf(out, outsz, "%s %ld · %s", browser, ver, system);
    else
        snprintf(out, outsz, "%s · %s", browser, system);
    return out;
}

char *str_ascii_lower(const char *s)
{
    size_t n = strlen(s);
    char *o = malloc(n + 1);
    if (!o)
        abort();
    for (size_t i = 0; i <= n; i++)
        o[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
    return o;
}
