/* JSON request bodies: limits and the field validator behind 400/422. */
#include "support/cm.h"

#include "http/jsonbody.h"
#include "http/valid.h"
#include <stdlib.h>
#include <string.h>

static void deep_nesting_duplicates_and_bad_utf8_are_refused(void **state)
{
    (void)state;
    char err[160];
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    assert_null(jsonbody_parse(deep, sizeof deep, err, sizeof err));
    assert_non_null(strstr(err, "嵌套"));
    /* brackets inside strings do not count */
    const char *str = "{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}";
    json_t *j = jsonbody_parse(str, strlen(str), err, sizeof err);
    assert_non_null(j);
    json_decref(j);
    const char *dup = "{\"a\":1,\"a\":2}";
    assert_null(jsonbody_parse(dup, strlen(dup), err, sizeof err));
    const char *bad = "{\"a\":\"\xff\"}";
    assert_null(jsonbody_parse(bad, strlen(bad), err, sizeof err));
    const char *nul = "{\"a\":\"x\\u0000y\"}";
    assert_null(jsonbody_parse(nul, strlen(nul), err, sizeof err));
}

static const char *const TYPES[] = {"city", "branch", NULL};

static void validation_explains_each_field(void **state)
{
    (void)state;
    vfield_t name = {"name", V_STR, true, 1, 5, NULL, NULL};
    vfield_t type = {"type", V_ENUM, true, 0, 0, TYPES, NULL};
    vfield_t n = {"n", V_INT, false, 1, 10, NULL, NULL};
    vfield_t when = {"when", V_TIME, false, 0, 0, NULL, NULL};
    json_t *v;
    v = json_string("党群服务阵地"); /* 6 characters, 18 bytes */
    assert_non_null(valid_value(&name, v));
    json_decref(v);
    v = json_string("党群服务");
    assert_null(valid_value(&name, v));
    json_decref(v);
    v = json_string("a\nb");
    assert_non_null(valid_value(&name, v));
    json_decref(v);
    v = json_string("   ");
    assert_non_null(valid_value(&name, v));
    json_decref(v);
    v = json_string("town");
    assert_non_null(strstr(valid_value(&type, v), "city"));
    json_decref(v);
    v = json_integer(11);
    assert_non_null(valid_value(&n, v));
    json_decref(v);
    v = json_real(3.0);
    assert_non_null(valid_value(&n, v));
    json_decref(v);
    v = json_string("2026-11-29");
    assert_null(valid_value(&when, v));
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deep_nesting_duplicates_and_bad_utf8_are_refused),
        cmocka_unit_test(validation_explains_each_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
