/* test_multipart.c — the multipart/form-data parser: fields and files,
 * the same result whatever the piece sizes, limits, file name
 * sanitisation and malformed bodies. */
#include "support/cm.h"

#include "core/str.h"
#include "http/multipart.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CT "multipart/form-data; boundary=----zdBoundary7MA4YWxk"
#define B  "------zdBoundary7MA4YWxk"

static const char BODY[] =
    "preamble to ignore\r\n" B "\r\n"
    "Content-Disposition: form-data; name=\"title\"\r\n\r\n"
    "标题 with \r\n-- dashes\r\n" B "\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"C:\\\\Users\\\\me\\\\..\\\\图片.png\"\r\n"
    "Content-Type: image/png\r\n\r\n"
    "\x89PNG\r\n\x1a\n\r\n--not-the-boundary\r\r\n\x00\xff"
    "\r\n" B "--\r\nepilogue";

static void whole_body_gives_fields_and_files(void **state)
{
    (void)state;
    multipart_form_t f;
    char err[200];
    assert_int_equal(multipart_parse(BODY, sizeof BODY - 1, CT, NULL, &f, err, sizeof err), 0);
    assert_int_equal(f.n, 2);
    const multipart_part_t *t = multipart_get(&f, "title");
    assert_non_null(t);
    assert_null(t->filename);
    assert_int_equal(t->len, strlen("标题 with \r\n-- dashes"));
    assert_memory_equal(t->data, "标题 with \r\n-- dashes", t->len);
    const multipart_part_t *p = multipart_get(&f, "file");
    assert_non_null(p);
    assert_string_equal(p->filename, "图片.png");
    assert_string_equal(p->content_type, "image/png");
    static const char want[] = "\x89PNG\r\n\x1a\n\r\n--not-the-boundary\r\r\n\x00\xff";
    assert_int_equal(p->len, sizeof want - 1);
    assert_memory_equal(p->data, want, p->len);
    /* data points into the body: nothing was copied */
    assert_true(p->data > BODY && p->data < BODY + sizeof BODY);
    multipart_form_free(&f);
}

typedef struct {
    char log[4096];
    size_t n;
} trace_t;

static int t_part(void *ud, const multipart_head_t *h)
{
    trace_t *t = ud;
    t->n += (size_t)snprintf(t->log + t->n, sizeof t->log - t->n, "[part %s|%s|%s]", h->name,
                             h->filename ? h->filename : "-", h->content_type ? h->content_type : "-");
    return 0;
}
static int t_data(void *ud, const char *d, size_t n)
{
    trace_t *t = ud;
    if (t->n + n < sizeof t->log) {
        memcpy(t->log + t->n, d, n);
        t->n += n;
    }
    return 0;
}
static int t_end(void *ud)
{
    trace_t *t = ud;
    t->n += (size_t)snprintf(t->log + t->n, sizeof t->log - t->n, "[end]");
    return 0;
}

static void any_piece_size_gives_the_same_result(void **state)
{
    (void)state;
    multipart_cb_t cb = {t_part, t_data, t_end};
    trace_t whole = {0};
    multipart_t *p = multipart_new("----zdBoundary7MA4YWxk", NULL, &cb, &whole);
    assert_int_equal(multipart_feed(p, BODY, sizeof BODY - 1), 0);
    assert_int_equal(multipart_finish(p), 0);
    multipart_free(p);
    for (size_t step = 1; step <= 40; step++) {
        trace_t t = {0};
        p = multipart_new("----zdBoundary7MA4YWxk", NULL, &cb, &t);
        for (size_t i = 0; i < sizeof BODY - 1; i += step) {
            size_t n = sizeof BODY - 1 - i < step ? sizeof BODY - 1 - i : step;
            assert_int_equal(multipart_feed(p, BODY + i, n), 0);
        }
        assert_int_equal(multipart_finish(p), 0);
        multipart_free(p);
        assert_int_equal(t.n, whole.n);
        assert_memory_equal(t.log, whole.log, t.n);
    }
}

static void malformed_bodies_are_refused_with_a_reason(void **state)
{
    (void)state;
    const char *bad[] = {
        /* no closing delimiter */
        B "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue",
        /* no name */
        B "\r\nContent-Disposition: form-data\r\n\r\nx\r\n" B "--",
        /* not form-data */
        B "\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n" B "--",
        /* no headers at all */
        B "\r\n\r\nx\r\n" B "--",
        /* garbage after the delimiter */
        B "x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n" B "--",
        /* unterminated quoted name */
        B "\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n" B "--",
        /* control character in the name */
        B "\r\nContent-Disposition: form-data; name=\"a\x01\"\r\n\r\nx\r\n" B "--",
        /* nothing */
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        multipart_form_t f;
        char err[200] = "";
        assert_int_equal(multipart_parse(bad[i], strlen(bad[i]), CT, NULL, &f, err, sizeof err), -1);
        assert_true(err[0] != 0);
        assert_true(utf8_valid(err, strlen(err)));
    }
    multipart_form_t f;
    char err[200];
    assert_int_equal(multipart_parse(BODY, sizeof BODY - 1, "multipart/form-data", NULL, &f, err, sizeof err),
                     -1);
    assert_int_equal(
        multipart_parse(BODY, sizeof BODY - 1, "text/plain; boundary=x", NULL, &f, err, sizeof err), -1);
}

static void limits_on_parts_headers_and_size_hold(void **state)
{
    (void)state;
    char body[8192];
    size_t n = 0;
    for (int i = 0; i < 5; i++)
        n += (size_t)snprintf(body + n, sizeof body - n,
                              B "\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\n0123456789\r\n", i);
    n += (size_t)snprintf(body + n, sizeof body - n, B "--\r\n");
    multipart_form_t f;
    char err[200];
    multipart_limits_t few = {.max_parts = 4};
    assert_int_equal(multipart_parse(body, n, CT, &few, &f, err, sizeof err), -1);
    assert_non_null(strstr(err, "分段过多"));
    multipart_limits_t small = {.max_part_bytes = 9};
    assert_int_equal(multipart_parse(body, n, CT, &small, &f, err, sizeof err), -1);
    assert_non_null(strstr(err, "过大"));
    multipart_limits_t hdr = {.max_header_bytes = 20};
    assert_int_equal(multipart_parse(body, n, CT, &hdr, &f, err, sizeof err), -1);
    assert_non_null(strstr(err, "过长"));
    multipart_limits_t ok = {.max_parts = 5, .max_part_bytes = 10};
    assert_int_equal(multipart_parse(body, n, CT, &ok, &f, err, sizeof err), 0);
    assert_int_equal(f.n, 5);
    multipart_form_free(&f);
}

static void file_names_are_sanitised(void **state)
{
    (void)state;
    static const char *cases[][2] = {
        {"../../etc/passwd", "passwd"},
        {"C:\\temp\\a.txt", "a.txt"},
        {".htaccess", "htaccess"},
        {"  ..  ", "file"},
        {"", "file"},
        {"a\x01"
         "b\x7f.txt",
         "a_b_.txt"},
        {"evil\xe2\x80\xaegpj.exe", "evil_gpj.exe"}, /* right-to-left override */
        {"bad\xff\xfeutf8.png", "bad__utf8.png"},
        {"what?<x>:\"y\"|*.doc", "what__x___y___.doc"},
        {"报告 2026.docx. ", "报告 2026.docx"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[MULTIPART_MAX_FILENAME + 1];
        multipart_sanitize_filename(cases[i][0], strlen(cases[i][0]), out, sizeof out);
        assert_string_equal(out, cases[i][1]);
    }
    /* long names are cut between characters */
    char longname[1200] = "";
    for (int i = 0; i < 300; i++)
        strcat(longname, "中");
    char out[MULTIPART_MAX_FILENAME + 1];
    multipart_sanitize_filename(longname, strlen(longname), out, sizeof out);
    assert_true(strlen(out) <= MULTIPART_MAX_FILENAME);
    assert_int_equal(strlen(out) % 3, 0);
    assert_true(utf8_valid(out, strlen(out)));
}

static void boundary_is_read_from_the_content_type(void **state)
{
    (void)state;
    char b[MULTIPART_MAX_BOUNDARY + 1];
    assert_true(multipart_boundary("multipart/form-data; boundary=abc", b, sizeof b));
    assert_string_equal(b, "abc");
    assert_true(multipart_boundary("Multipart/Form-Data;charset=utf-8; Boundary=\"a b'c\"", b, sizeof b));
    assert_string_equal(b, "a b'c");
    assert_false(multipart_boundary("multipart/form-data", b, sizeof b));
    assert_false(multipart_boundary("multipart/form-data; boundary=", b, sizeof b));
    assert_false(multipart_boundary("multipart/form-data; boundary=\"trailing \"", b, sizeof b));
    assert_false(multipart_boundary("multipart/form-data; boundary=a\x01", b, sizeof b));
    char longb[200];
    snprintf(longb, sizeof longb, "multipart/form-data; boundary=%071d", 0);
    assert_false(multipart_boundary(longb, b, sizeof b));
}

static void rfc5987_file_names_are_decoded(void **state)
{
    (void)state;
    static const char body[] =
        B "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"fallback.txt\"; "
          "filename*=UTF-8''%E6%8A%A5%E5%91%8A.txt\r\n\r\nx\r\n" B "--";
    multipart_form_t f;
    char err[200];
    assert_int_equal(multipart_parse(body, sizeof body - 1, CT, NULL, &f, err, sizeof err), 0);
    assert_string_equal(f.parts[0].filename, "报告.txt");
    multipart_form_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(whole_body_gives_fields_and_files),
        cmocka_unit_test(any_piece_size_gives_the_same_result),
        cmocka_unit_test(malformed_bodies_are_refused_with_a_reason),
        cmocka_unit_test(limits_on_parts_headers_and_size_hold),
        cmocka_unit_test(file_names_are_sanitised),
        cmocka_unit_test(boundary_is_read_from_the_content_type),
        cmocka_unit_test(rfc5987_file_names_are_decoded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
