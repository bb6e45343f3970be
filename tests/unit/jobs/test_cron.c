/* Cron expressions: parsing, errors, and the next firing time. */
#include "support/cm.h"

#include "core/timeutil.h"
#include "jobs/cron.h"
#include <string.h>

static int64_t at(const char *iso)
{
    int64_t ms;
    assert_true(time_parse_iso8601(iso, &ms));
    return ms;
}

static void next_is(const char *expr, const char *after, const char *want)
{
    cron_t c;
    char err[200];
    if (cron_parse(expr, &c, err, sizeof err) != 0)
        fail_msg("%s: %s", expr, err);
    int64_t n = cron_next(&c, at(after));
    char buf[40];
    if (n != at(want))
        fail_msg("%s after %s: got %s, want %s", expr, after, time_iso8601(n, buf, sizeof buf), want);
}

static void daily_and_hourly_schedules_fire_at_the_right_minute(void **state)
{
    (void)state;
    next_is("30 2 * * *", "2026-11-29T10:00:00+08:00", "2026-11-30T02:30:00+08:00");
    next_is("30 2 * * *", "2026-11-30T02:29:59+08:00", "2026-11-30T02:30:00+08:00");
    next_is("30 2 * * *", "2026-11-30T02:30:00+08:00", "2026-12-01T02:30:00+08:00"); /* strictly after */
    next_is("@hourly", "2026-11-29T10:15:00+08:00", "2026-11-29T11:00:00+08:00");
    next_is("*/15 * * * *", "2026-11-29T10:16:00+08:00", "2026-11-29T10:30:00+08:00");
    next_is("5 9-17/4 * * *", "2026-11-29T14:00:00+08:00", "2026-11-29T17:05:00+08:00");
}

static void weekdays_months_and_names(void **state)
{
    (void)state;
    next_is("0 4 * * 0", "2026-11-29T05:00:00+08:00",
            "2026-12-06T04:00:00+08:00"); /* 29 Nov 2026 is a Sunday */
    next_is("0 4 * * SUN", "2026-11-29T03:00:00+08:00", "2026-11-29T04:00:00+08:00");
    next_is("0 4 * * 7", "2026-11-29T03:00:00+08:00", "2026-11-29T04:00:00+08:00");
    next_is("0 9 * * MON-FRI", "2026-11-28T10:00:00+08:00", "2026-11-30T09:00:00+08:00");
    next_is("0 0 1 JAN,JUL *", "2026-11-29T00:00:00+08:00", "2027-01-01T00:00:00+08:00");
    next_is("0 0 29 2 *", "2026-03-01T00:00:00+08:00", "2028-02-29T00:00:00+08:00");
    /* both day fields restricted: either matches */
    next_is("0 0 1 * MON", "2026-11-29T00:00:00+08:00", "2026-11-30T00:00:00+08:00");
}

static void impossible_dates_never_fire(void **state)
{
    (void)state;
    cron_t c;
    char err[200];
    assert_int_equal(cron_parse("0 0 31 2 *", &c, err, sizeof err), 0);
    assert_int_equal(cron_next(&c, at("2026-01-01T00:00:00+08:00")), -1);
}

static void malformed_expressions_are_refused_with_the_field_named(void **state)
{
    (void)state;
    const char *bad[] = {"",          "* * * *",      "* * * * * *", "60 * * * *",  "* 24 * * *",
                         "* * 0 * *", "* * * 13 *",   "* * * * 8",   "*/0 * * * *", "5-1 * * * *",
                         "a * * * *", "1,,2 * * * *", "1, * * * *",  "* * * FOO *", "1000 * * * *"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cron_t c;
        char err[200] = "";
        if (cron_parse(bad[i], &c, err, sizeof err) == 0)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_true(strlen(err) > 0);
    }
    cron_t c;
    char err[200];
    assert_int_equal(cron_parse("61 * * * *", &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "分钟"));
}

static int setup(void **state)
{
    (void)state;
    return time_set_zone("Asia/Shanghai") ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(daily_and_hourly_schedules_fire_at_the_right_minute),
        cmocka_unit_test(weekdays_months_and_names),
        cmocka_unit_test(impossible_dates_never_fire),
        cmocka_unit_test(malformed_expressions_are_refused_with_the_field_named),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
