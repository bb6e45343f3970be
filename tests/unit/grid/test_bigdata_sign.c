/* The big-data center's request signature (docs/bigdata-protocol.md):
 * HMAC-SM3 and HMAC-SHA256 over the five lines, checked against values
 * computed independently (Node's crypto over OpenSSL), SM3 of the empty
 * string against GB/T 32905's published value; the push backoff. */
#include "support/cm.h"

#include "modules/grid/bigdata.h"
#include <string.h>

static void hmac_sm3_signature_matches_an_independent_implementation(void **state)
{
    (void)state;
    char digest[65], sig[65];
    bd_sign("HMAC-SM3", "Zd-Secret", "GET", "/gw/v1/grids?cursor=&limit=500", "1764950400",
            "0123456789abcdef0123456789abcdef", NULL, 0, digest, sig);
    assert_string_equal(digest, "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b");
    assert_string_equal(sig, "f8e79e3dd8d37ea89eafec4452c30ea041669973a624322fc13597141da3e00f");
}

static void hmac_sha256_is_the_documented_fallback(void **state)
{
    (void)state;
    char digest[65], sig[65];
    const char *body = "{\"a\":1}";
    bd_sign("HMAC-SHA256", "Zd-Secret", "PUT", "/v1/sites/abc", "1764950400",
            "0123456789abcdef0123456789abcdef", body, strlen(body), digest, sig);
    assert_string_equal(digest, "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862");
    assert_string_equal(sig, "45b4dc0d065007368542b7cdf58d6725820bd2cd287ec10ad15f5af0b164a192");
}

static void push_backoff_doubles_from_30_seconds_up_to_an_hour(void **state)
{
    (void)state;
    assert_int_equal(bd_backoff_ms(1), 30000);
    assert_int_equal(bd_backoff_ms(2), 60000);
    assert_int_equal(bd_backoff_ms(3), 120000);
    assert_int_equal(bd_backoff_ms(8), 3600000);
    assert_int_equal(bd_backoff_ms(100), 3600000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hmac_sm3_signature_matches_an_independent_implementation),
        cmocka_unit_test(hmac_sha256_is_the_documented_fallback),
        cmocka_unit_test(push_backoff_doubles_from_30_seconds_up_to_an_hour),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
