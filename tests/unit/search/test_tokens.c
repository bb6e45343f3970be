/* test_tokens.c — what the search service makes of text: normalised CJK
 * bigrams, the last character of each run and Latin words as index tokens;
 * the same normalisation on the query side (traditional, full-width); the
 * match expressions of both backends; snippets that are escaped, marked and
 * never cut inside a UTF-8 character. */
#include "support/cm.h"

#include "modules/search/internal.h"
#include "text/normalize.h"
#include <stdlib.h>
#include <string.h>

static int setup(void **state)
{
    (void)state;
    char err[256];
    return norm_init(err, sizeof err);
}

static bool has_token(const char *toks, const char *t)
{
    size_t n = strlen(t);
    for (const char *p = toks; (p = strstr(p, t)) != NULL; p += n)
        if ((p == toks || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
            return true;
    return false;
}

static void index_tokens_are_bigrams_run_ends_and_words(void **state)
{
    (void)state;
    const char *text = "學習黨的建設，ＡＩ助手2026";
    char *t = search_tokenize(text, strlen(text), NULL);
    assert_non_null(t);
    assert_true(has_token(t, "学习"));
    assert_true(has_token(t, "党的"));
    assert_true(has_token(t, "建设"));
    assert_true(has_token(t, "设")); /* the run ends at the comma */
    assert_false(has_token(t, "设助"));
    assert_true(has_token(t, "ai"));
    assert_true(has_token(t, "助手"));
    assert_true(has_token(t, "2026"));
    assert_false(has_token(t, "设,"));
    free(t);
    size_t n = 9;
    t = search_tokenize("", 0, &n);
    assert_string_equal(t, "");
    assert_int_equal(n, 0);
    free(t);
    assert_null(search_tokenize("\xff\xfe", 2, NULL));
}

static void queries_become_the_same_terms_on_both_backends(void **state)
{
    (void)state;
    search_terms_t q;
    assert_int_equal(search_terms_parse("黨建工作 党 ＡＩ", &q), 0);
    char *fts = search_terms_expr(&q, false, NULL), *pg = search_terms_expr(&q, true, NULL);
    assert_string_equal(fts, "\"党建\" AND \"建工\" AND \"工作\" AND \"党\"* AND \"ai\"");
    assert_string_equal(pg, "'党建' & '建工' & '工作' & '党':* & 'ai'");
    free(fts);
    free(pg);
    search_terms_free(&q);
    size_t n = 7;
    assert_int_equal(search_terms_parse("？！…", &q), 0);
    free(search_terms_expr(&q, false, &n));
    assert_int_equal(n, 0);
    search_terms_free(&q);
}

static void snippets_are_escaped_marked_and_cut_at_characters(void **state)
{
    (void)state;
    search_terms_t q;
    assert_int_equal(search_terms_parse("党的建设", &q), 0);
    char *s = search_highlight("<b>新时代黨的建設</b>总要求", &q, 0);
    assert_string_equal(s, "&lt;b&gt;新时代<mark>黨的建設</mark>&lt;/b&gt;总要求");
    free(s);
    /* a long text: a window around the first match, "…" at both cuts */
    char long_text[4096] = "";
    for (int i = 0; i < 100; i++)
        strcat(long_text, "基层");
    strcat(long_text, "党的建设");
    for (int i = 0; i < 100; i++)
        strcat(long_text, "治理");
    s = search_highlight(long_text, &q, 40);
    assert_non_null(strstr(s, "<mark>党的建设</mark>"));
    assert_true(!strncmp(s, "…", strlen("…")));
    assert_true(strlen(s) > 3 && !strcmp(s + strlen(s) - strlen("…"), "…"));
    /* only whole characters: everything but the marks is valid UTF-8 */
    assert_int_equal(norm_utf8_check(s, strlen(s)), strlen(s));
    free(s);
    search_terms_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(index_tokens_are_bigrams_run_ends_and_words),
        cmocka_unit_test(queries_become_the_same_terms_on_both_backends),
        cmocka_unit_test(snippets_are_escaped_marked_and_cut_at_characters),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
