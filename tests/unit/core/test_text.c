/* UTF-8 helpers, JSON escaping, ISO 8601 and the query builder. */
#include "support/cm.h"

#include "core/qb.h"
#include "core/str.h"
#include "core/timeutil.h"
#include <stdlib.h>
#include <string.h>

static void utf8_is_validated_and_never_cut_in_half(void **state)
{
    (void)state;
    const char *s = "阵地abc党群";
    assert_true(utf8_valid(s, strlen(s)));
    assert_int_equal(utf8_count(s, strlen(s)), 7);
    assert_int_equal(utf8_prefix(s, strlen(s), 1), 3);
    assert_int_equal(utf8_prefix(s, strlen(s), 3), 7);
    assert_int_equal(utf8_prefix(s, 4, 2), 4); /* a cut character counts as one byte each */
    assert_int_equal(utf8_suffix(s, strlen(s), 1), 12);
    assert_int_equal(utf8_suffix(s, strlen(s), 3), 8);
    assert_int_equal(utf8_suffix(s, strlen(s), 9), 0);
    assert_int_equal(utf8_suffix(s, 5, 1), 4); /* the cut-off 群's bytes count one each */
    assert_int_equal(utf8_suffix("\x80\x80"
                                 "a",
                                 3, 2),
                     1);
    const char *bad[] = {"\xff", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe4\xb8"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(utf8_valid(bad[i], strlen(bad[i])));
    char out[4];
    assert_int_equal(utf8_encode(0x9635, out), 3);
    assert_memory_equal(out, "阵", 3);
}

static void json_escaping_handles_quotes_and_control_characters(void **state)
{
    (void)state;
    sbuf_t b;
    sbuf_init(&b);
    const char in[] = "a\"b\\c\n\x01中";
    sbuf_json_escape(&b, in, sizeof in - 1);
    assert_string_equal(b.data, "a\\\"b\\\\c\\n\\u0001中");
    sbuf_free(&b);
}

static void iso8601_round_trips_in_shanghai_time(void **state)
{
    (void)state;
    int64_t ms;
    assert_true(time_parse_iso8601("2026-11-29T10:47:21+08:00", &ms));
    char buf[40];
    assert_string_equal(time_iso8601(ms, buf, sizeof buf), "2026-11-29T10:47:21+08:00");
    assert_true(time_parse_iso8601("2026-11-29T02:47:21.5Z", &ms));
    assert_string_equal(time_iso8601(ms, buf, sizeof buf), "2026-11-29T10:47:21.500+08:00");
    assert_true(time_parse_iso8601("2028-02-29", &ms));
    assert_false(time_parse_iso8601("2026-02-29", &ms));
    assert_false(time_parse_iso8601("2026-13-01", &ms));
    assert_false(time_parse_iso8601("2026-11-29T10:47:21+8", &ms));
    assert_false(time_parse_iso8601("yesterday", &ms));
}

static void the_query_builder_binds_every_value(void **state)
{
    (void)state;
    qb_t q, c;
    qb_init(&q, "SELECT 1 FROM t WHERE a = ");
    qb_text(&q, "x'; DROP TABLE t; --");
    static const char *const cols[] = {"name", "code"};
    qb_like_any(&q, cols, 2, "50%_off");
    assert_string_equal(qb_text_sql(&q),
                        "SELECT 1 FROM t WHERE a = ? AND (name LIKE ? ESCAPE '\\' OR code LIKE ? "
                        "ESCAPE '\\')");
    assert_int_equal(q.n, 3);
    assert_string_equal(q.p[1].s, "%50\\%\\_off%");
    qb_init(&c, "SELECT COUNT(*)");
    qb_append(&c, &q);
    assert_int_equal(c.n, 3);
    qb_free(&q);
    qb_free(&c);
}

static int setup(void **state)
{
    (void)state;
    return time_set_zone("Asia/Shanghai") ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utf8_is_validated_and_never_cut_in_half),
        cmocka_unit_test(json_escaping_handles_quotes_and_control_characters),
        cmocka_unit_test(iso8601_round_trips_in_shanghai_time),
        cmocka_unit_test(the_query_builder_binds_every_value),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
