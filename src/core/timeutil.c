/* timeutil.c — see timeutil.h. */
#include "core/timeutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int64_t time_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

char *time_iso8601(int64_t ms, char *buf, size_t bufsz)
{
    time_t sec = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    int milli = (int)(ms - (int64_t)sec * 1000);
    struct tm tm;
    localtime_r(&sec, &tm);
    long off = tm.tm_gmtoff / 60;
    char sign = off < 0 ? '-' : '+';
    if (off < 0)
        off = -off;
    if (milli)
        snprintf(buf, bufsz, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%c%02ld:%02ld", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, milli, sign, off / 60,
                 off % 60);
    else
        snprintf(buf, bufsz, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, sign, off / 60, off % 60);
    return buf;
}

char *time_local(int64_t ms, char *buf, size_t bufsz)
{
    if (ms <= 0) {
        if (bufsz)
            buf[0] = 0;
        return buf;
    }
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&sec, &tm);
    snprintf(buf, bufsz, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static int days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return d[m - 1];
}

bool time_parse_iso8601(const char *s, int64_t *ms)
{
    int Y, M, D, h = 0, mi = 0, sec = 0, frac = 0;
    if (!s || !digits(s, 4, &Y) || s[4] != '-' || !digits(s + 5, 2, &M) || s[7] != '-' ||
        !digits(s + 8, 2, &D))
        return false;
    const char *p = s + 10;
    if (*p == 'T' || *p == ' ') {
        if (!digits(p + 1, 2, &h) || p[3] != ':' || !digits(p + 4, 2, &mi))
            return false;
        p += 6;
        if (*p == ':') {
            if (!digits(p + 1, 2, &sec))
                return false;
            p += 3;
            if (*p == '.') {
                p++;
                int n = 0;
                while (*p >= '0' && *p <= '9') {
                    if (n < 3)
                        frac = frac * 10 + (*p - '0');
                    n++, p++;
                }
                if (n == 0)
                    return false;
                for (; n < 3; n++)
                    frac *= 10;
            }
        }
    }
    if (Y < 1900 || Y > 9999 || M < 1 || M > 12 || D < 1 || D > days_in_month(Y, M) || h > 23 || mi > 59 ||
        sec > 60)
        return false;
    struct tm tm = {.tm_year = Y - 1900,
                    .tm_mon = M - 1,
                    .tm_mday = D,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = sec,
                    .tm_isdst = -1};
    time_t t;
    if (*p == 0) {
        t = mktime(&tm);
    } else {
        long off;
        if (*p == 'Z' && p[1] == 0) {
            off = 0;
        } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
            int oh, om;
            if (!digits(p + 1, 2, &oh) || !digits(p + 4, 2, &om) || oh > 14 || om > 59)
                return false;
            off = (oh * 60L + om) * 60L * (*p == '-' ? -1 : 1);
        } else {
            return false;
        }
        t = timegm(&tm) - off;
    }
    *ms = (int64_t)t * 1000 + frac;
    return true;
}

bool time_set_zone(const char *tz)
{
    char path[512];
    if (!tz || !*tz || strstr(tz, ".."))
        return false;
    if (strcmp(tz, "UTC") != 0) {
        snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
        if (access(path, R_OK) != 0)
            return false;
    }
    setenv("TZ", tz, 1);
    tzset();
    return true;
}

void time_http_date(int64_t ms, char *out, size_t outsz)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, outsz, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

int64_t time_parse_http_date(const char *s)
{
    struct tm tm = {0};
    const char *end = s ? strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm) : NULL;
    if (!end)
        return -1;
    return (int64_t)timegm(&tm) * 1000;
}

int64_t time_shanghai_day_start(int64_t ms)
{
    const int64_t off = 8 * 3600000LL, day = 86400000LL;
    return (ms + off) / day * day - off;
}
