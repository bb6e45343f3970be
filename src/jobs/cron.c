/* cron.c — see cron.h. */
#include "jobs/cron.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct {
    const char *name;
    int lo, hi;
    const char *const *names; /* names[i] is value lo+i (or i for dow) */
} field_t;

static const char *const MONTHS[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL",
                                     "AUG", "SEP", "OCT", "NOV", "DEC", NULL};
static const char *const DAYS[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL};

static const field_t FIELDS[5] = {
    {"分钟", 0, 59, NULL}, {"小时", 0, 23, NULL}, {"日", 1, 31, NULL},
    {"月", 1, 12, MONTHS}, {"星期", 0, 7, DAYS},
};

/* Reads a number or a name at *p; -1 on failure. */
static int read_value(const char **p, const field_t *f)
{
    const char *s = *p;
    if (isdigit((unsigned char)*s)) {
        int v = 0, n = 0;
        while (isdigit((unsigned char)*s) && n < 3)
            v = v * 10 + (*s++ - '0'), n++;
        if (isdigit((unsigned char)*s))
            return -1;
        *p = s;
        return v;
    }
    if (f->names)
        for (int i = 0; f->names[i]; i++)
            if (strncasecmp(s, f->names[i], 3) == 0 && !isalpha((unsigned char)s[3])) {
                *p = s + 3;
                return f == &FIELDS[3] ? i + 1 : i;
            }
    return -1;
}

static int parse_field(const char *s, const field_t *f, uint64_t *bits, bool *any, char *err, size_t errlen)
{
    *bits = 0;
    *any = strcmp(s, "*") == 0 || strcmp(s, "?") == 0;
    const char *p = s;
    while (*p) {
        int lo, hi, step = 1;
        bool single = false;
        if (*p == '*' || *p == '?') {
            lo = f->lo;
            hi = f->hi == 7 ? 6 : f->hi;
            p++;
        } else {
            lo = read_value(&p, f);
            if (lo < 0)
                goto bad;
            hi = lo;
            single = *p != '-';
            if (*p == '-') {
                p++;
                hi = read_value(&p, f);
                if (hi < 0)
                    goto bad;
            }
        }
        if (*p == '/') {
            p++;
            const char *q = p;
            step = 0;
            while (isdigit((unsigned char)*p) && p - q < 3)
                step = step * 10 + (*p++ - '0');
            if (p == q || step <= 0)
                goto bad;
            if (single)
                hi = f->hi == 7 ? 6 : f->hi; /* N/S: from N to the end */
        }
        if (lo < f->lo || hi > f->hi || lo > hi)
            goto range;
        for (int v = lo; v <= hi; v += step)
            *bits |= 1ULL << (f->hi == 7 && v == 7 ? 0 : v);
        if (*p == ',') {
            p++;
            if (!*p)
                goto bad;
        } else if (*p) {
            goto bad;
        }
    }
    if (!*bits)
        goto bad;
    return 0;
range:
    snprintf(err, errlen, "%s字段“%s”超出范围 %d–%d", f->name, s, f->lo, f->hi);
    return -1;
bad:
    snprintf(err, errlen, "%s字段“%s”格式错误", f->name, s);
    return -1;
}

int cron_parse(const char *expr, cron_t *out, char *err, size_t errlen)
{
    static const struct {
        const char *macro, *expansion;
    } macros[] = {{"@hourly", "0 * * * *"},  {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
                  {"@weekly", "0 0 * * 0"},  {"@monthly", "0 0 1 * *"}, {"@yearly", "0 0 1 1 *"},
                  {"@annually", "0 0 1 1 *"}};
    memset(out, 0, sizeof *out);
    if (!expr) {
        snprintf(err, errlen, "cron 表达式为空");
        return -1;
    }
    for (size_t i = 0; i < sizeof macros / sizeof macros[0]; i++)
        if (strcasecmp(expr, macros[i].macro) == 0)
            expr = macros[i].expansion;
    char buf[256];
    if (strlen(expr) >= sizeof buf) {
        snprintf(err, errlen, "cron 表达式过长");
        return -1;
    }
    strcpy(buf, expr);
    char *fields[6];
    int n = 0;
    for (char *save = NULL, *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        if (n == 5) {
            n = 6;
            break;
        }
        fields[n++] = t;
    }
    if (n != 5) {
        snprintf(err, errlen, "cron 表达式应有 5 个字段（分 时 日 月 星期），例如“30 2 * * *”");
        return -1;
    }
    uint64_t bits[5];
    bool any[5];
    for (int i = 0; i < 5; i++)
        if (parse_field(fields[i], &FIELDS[i], &bits[i], &any[i], err, errlen) != 0)
            return -1;
    out->minute = bits[0];
    out->hour = (uint32_t)bits[1];
    out->dom = (uint32_t)bits[2];
    out->month = (uint16_t)bits[3];
    out->dow = (uint8_t)bits[4];
    out->dom_any = any[2];
    out->dow_any = any[4];
    return 0;
}

static bool day_matches(const cron_t *c, const struct tm *tm)
{
    bool dom = (c->dom >> tm->tm_mday) & 1, dow = (c->dow >> tm->tm_wday) & 1;
    if (c->dom_any && c->dow_any)
        return true;
    if (c->dom_any)
        return dow;
    if (c->dow_any)
        return dom;
    return dom || dow;
}

int64_t cron_next(const cron_t *c, int64_t after_ms)
{
    time_t t = (time_t)(after_ms / 1000) + 60;
    struct tm tm;
    localtime_r(&t, &tm);
    tm.tm_sec = 0;
    int limit_year = tm.tm_year + 5;
    for (int guard = 0; guard < 100000; guard++) {
        tm.tm_isdst = -1;
        t = mktime(&tm); /* normalise overflowed fields */
        localtime_r(&t, &tm);
        if (tm.tm_year > limit_year)
            return -1;
        if (!((c->month >> (tm.tm_mon + 1)) & 1)) {
            tm.tm_mon++, tm.tm_mday = 1, tm.tm_hour = 0, tm.tm_min = 0;
            continue;
        }
        if (!day_matches(c, &tm)) {
            tm.tm_mday++, tm.tm_hour = 0, tm.tm_min = 0;
            continue;
        }
        if (!((c->hour >> tm.tm_hour) & 1)) {
            tm.tm_hour++, tm.tm_min = 0;
            continue;
        }
        if (!((c->minute >> tm.tm_min) & 1)) {
            tm.tm_min++;
            continue;
        }
        return (int64_t)t * 1000;
    }
    return -1;
}
