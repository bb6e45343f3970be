/* Router: patterns, parameters, specificity, 404/405. */
#include "support/cm.h"

#include "http/router.h"
#include <string.h>

static void h(http_req_t *r) { (void)r; }

static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/healthz", .handler = h, .perm = HTTP_LOGIN, .summary = "t"},
    {.method = "GET", .pattern = "/api/v1/orgs", .handler = h, .perm = HTTP_LOGIN, .summary = "t"},
    {.method = "POST",
     .pattern = "/api/v1/orgs",
     .handler = h,
     .perm = HTTP_LOGIN,
     .summary = "t",
     .flags = HTTP_NO_AUDIT},
    {.method = "GET", .pattern = "/api/v1/orgs/{id}", .handler = h, .perm = HTTP_LOGIN, .summary = "t"},
    {.method = "PATCH",
     .pattern = "/api/v1/orgs/{id}",
     .handler = h,
     .perm = HTTP_LOGIN,
     .summary = "t",
     .flags = HTTP_NO_AUDIT},
    {.method = "GET", .pattern = "/api/v1/orgs/import", .handler = h, .perm = HTTP_LOGIN, .summary = "t"},
    {.method = "GET",
     .pattern = "/api/v1/orgs/{id}/users/{uid}",
     .handler = h,
     .perm = HTTP_LOGIN,
     .summary = "t"},
};

static router_t *make(void)
{
    router_t *r = router_new();
    char err[200];
    assert_int_equal(router_add(r, routes, sizeof routes / sizeof routes[0], "test", err, sizeof err), 0);
    return r;
}

static void literal_and_params_match(void **state)
{
    (void)state;
    router_t *r = make();
    route_match_t m;
    assert_int_equal(router_match(r, "GET", "/healthz", &m), ROUTE_FOUND);
    assert_ptr_equal(m.route, &routes[0]);
    assert_int_equal(router_match(r, "GET", "/api/v1/orgs/42", &m), ROUTE_FOUND);
    assert_ptr_equal(m.route, &routes[3]);
    assert_int_equal(m.nparams, 1);
    assert_int_equal(m.params[0].len, 2);
    assert_memory_equal(m.params[0].value, "42", 2);
    assert_int_equal(router_match(r, "GET", "/api/v1/orgs/7/users/9", &m), ROUTE_FOUND);
    assert_int_equal(m.nparams, 2);
    assert_memory_equal(m.params[1].name, "uid", 3);
    router_free(r);
}

static void literal_beats_parameter(void **state)
{
    (void)state;
    router_t *r = make();
    route_match_t m;
    assert_int_equal(router_match(r, "GET", "/api/v1/orgs/import", &m), ROUTE_FOUND);
    assert_ptr_equal(m.route, &routes[5]);
    router_free(r);
}

static void wrong_method_is_405_with_allow(void **state)
{
    (void)state;
    router_t *r = make();
    route_match_t m;
    assert_int_equal(router_match(r, "DELETE", "/api/v1/orgs/3", &m), ROUTE_METHOD_NOT_ALLOWED);
    assert_non_null(strstr(m.allow, "GET"));
    assert_non_null(strstr(m.allow, "PATCH"));
    assert_int_equal(router_match(r, "HEAD", "/healthz", &m), ROUTE_FOUND); /* HEAD is GET */
    router_free(r);
}

static void odd_paths_do_not_match(void **state)
{
    (void)state;
    router_t *r = make();
    route_match_t m;
    const char *bad[] = {"",
                         "healthz",
                         "/healthz/",
                         "//healthz",
                         "/api/v1/orgs//",
                         "/api/v1/orgs/1/users/",
                         "/api/v1/orgs/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(router_match(r, "GET", bad[i], &m), ROUTE_NOT_FOUND);
    router_free(r);
}

static void duplicate_and_bad_patterns_are_refused(void **state)
{
    (void)state;
    router_t *r = make();
    char err[200];
    http_route_t dup[] = {
        {.method = "GET", .pattern = "/healthz", .handler = h, .perm = HTTP_LOGIN, .summary = "t"}};
    assert_int_equal(router_add(r, dup, 1, "test", err, sizeof err), -1);
    http_route_t bad[] = {
        {.method = "GET", .pattern = "/x/{", .handler = h, .perm = HTTP_LOGIN, .summary = "t"}};
    assert_int_equal(router_add(r, bad, 1, "test", err, sizeof err), -1);
    http_route_t badm[] = {{.method = "FETCH",
                            .pattern = "/y",
                            .handler = h,
                            .perm = HTTP_LOGIN,
                            .summary = "t",
                            .flags = HTTP_NO_AUDIT}};
    assert_int_equal(router_add(r, badm, 1, "test", err, sizeof err), -1);
    router_free(r);
}

/* The table carries the cross-cutting rules: a route without a permission,
 * a summary, or (when it changes something) an audit action is refused at
 * start-up, not served open or unrecorded. */
static void routes_without_permission_summary_or_audit_are_refused(void **state)
{
    (void)state;
    router_t *r = router_new();
    char err[200];
    http_route_t noperm[] = {{.method = "GET", .pattern = "/a", .handler = h, .summary = "t"}};
    assert_int_equal(router_add(r, noperm, 1, "test", err, sizeof err), -1);
    assert_non_null(strstr(err, "permission"));
    http_route_t nosummary[] = {{.method = "GET", .pattern = "/b", .handler = h, .perm = HTTP_LOGIN}};
    assert_int_equal(router_add(r, nosummary, 1, "test", err, sizeof err), -1);
    http_route_t noaudit[] = {
        {.method = "POST", .pattern = "/c", .handler = h, .perm = "x.write", .summary = "t"}};
    assert_int_equal(router_add(r, noaudit, 1, "test", err, sizeof err), -1);
    assert_non_null(strstr(err, "audit"));
    http_route_t publicperm[] = {
        {.method = "GET", .pattern = "/d", .handler = h, .perm = HTTP_ANYONE, .summary = "t"}};
    assert_int_equal(router_add(r, publicperm, 1, "test", err, sizeof err), -1);
    http_route_t ok[] = {{.method = "POST",
                          .pattern = "/e",
                          .handler = h,
                          .perm = "x.write",
                          .summary = "t",
                          .audit = "x.create"},
                         {.method = "GET",
                          .pattern = "/f",
                          .handler = h,
                          .perm = HTTP_ANYONE,
                          .flags = HTTP_PUBLIC,
                          .summary = "t"}};
    assert_int_equal(router_add(r, ok, 2, "test", err, sizeof err), 0);
    assert_string_equal(router_module_at(r, 0), "test");
    router_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(literal_and_params_match),
        cmocka_unit_test(literal_beats_parameter),
        cmocka_unit_test(wrong_method_is_405_with_allow),
        cmocka_unit_test(odd_paths_do_not_match),
        cmocka_unit_test(duplicate_and_bad_patterns_are_refused),
        cmocka_unit_test(routes_without_permission_summary_or_audit_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
