/* cron.h — 5-field cron expressions (minute hour day-of-month month
 * day-of-week) in the server's time zone.
 * Each field: *, N, N-M, every-S ("*" "/" S), N-M/S, N/S and comma lists; months JAN–DEC and
 * days SUN–SAT by name; day-of-week 7 is Sunday. Macros @hourly, @daily,
 * @weekly, @monthly, @yearly. When both day fields are restricted a day
 * matching either fires (as in Vixie cron). Pure functions, thread-safe. */
#ifndef ZD_CRON_H
#define ZD_CRON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t minute; /* bit n: minute n */
    uint32_t hour;
    uint32_t dom;   /* bits 1..31 */
    uint16_t month; /* bits 1..12 */
    uint8_t dow;    /* bits 0..6, Sunday = 0 */
    bool dom_any, dow_any;
} cron_t;

/* 0 on success; -1 with a Chinese reason naming the field in err. */
int cron_parse(const char *expr, cron_t *out, char *err, size_t errlen);
/* First firing strictly after after_ms (ms since epoch), or -1 when none
 * within five years (e.g. 0 0 31 2 *). */
int64_t cron_next(const cron_t *c, int64_t after_ms);

#endif
