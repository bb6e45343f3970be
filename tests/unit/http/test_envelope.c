/* The error envelope and the list envelope every handler answers with. */
#include "support/cm.h"

#include "http/internal.h"
#include <stdlib.h>
#include <string.h>

static http_req_t *fake_request(void)
{
    arena_t *a = arena_new(4096);
    http_req_t *req = arena_alloc(a, sizeof *req);
    req->arena = a;
    req->method = "GET";
    req->path = "/api/v1/test";
    strcpy(req->request_id, "req-1");
    return req;
}

static void release(http_req_t *req)
{
    if (req->resp_owned)
        free(req->resp_body);
    arena_free(req->arena);
}

static json_t *body_of(http_req_t *req)
{
    json_error_t e;
    json_t *j = json_loadb(req->resp_body, req->resp_len, 0, &e);
    if (!j)
        fail_msg("response is not JSON: %.*s", (int)req->resp_len, req->resp_body);
    return j;
}

static void errors_carry_status_code_and_message(void **state)
{
    (void)state;
    http_req_t *req = fake_request();
    http_error(req, 404, "not_found", "组织 %d 不存在", 7);
    assert_int_equal(req->status, 404);
    assert_string_equal(req->ctype, "application/json; charset=utf-8");
    json_t *j = body_of(req);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "code")), "not_found");
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "message")),
                        "组织 7 不存在");
    assert_int_equal(json_object_size(j), 1);
    json_decref(j);
    release(req);
}

static void field_errors_are_422_with_a_reason_per_field(void **state)
{
    (void)state;
    http_req_t *req = fake_request();
    http_error_fields(req, json_pack("{s:s,s:s}", "name", "必填", "code", "组织编码已存在"));
    assert_int_equal(req->status, 422);
    json_t *j = body_of(req), *e = json_object_get(j, "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "invalid_fields");
    assert_string_equal(json_string_value(json_object_get(json_object_get(e, "fields"), "code")),
                        "组织编码已存在");
    json_decref(j);
    release(req);
}

static void a_second_answer_is_ignored_and_invalid_utf8_never_reaches_the_client(void **state)
{
    (void)state;
    http_req_t *req = fake_request();
    http_error(req, 400, "bad_request", "%s", "\xff\xfe");
    http_error(req, 500, "internal", "later");
    assert_int_equal(req->status, 400);
    json_t *j = body_of(req); /* jansson refuses invalid UTF-8: parsing proves it is valid */
    json_decref(j);
    release(req);
}

static void lists_have_items_total_page_and_page_size(void **state)
{
    (void)state;
    http_req_t *req = fake_request();
    http_list(req, json_pack("[i,i]", 1, 2), 42, 3, 2);
    json_t *j = body_of(req);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 2);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 42);
    assert_int_equal(json_integer_value(json_object_get(j, "page")), 3);
    assert_int_equal(json_integer_value(json_object_get(j, "page_size")), 2);
    json_decref(j);
    release(req);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(errors_carry_status_code_and_message),
        cmocka_unit_test(field_errors_are_422_with_a_reason_per_field),
        cmocka_unit_test(a_second_answer_is_ignored_and_invalid_utf8_never_reaches_the_client),
        cmocka_unit_test(lists_have_items_total_page_and_page_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
