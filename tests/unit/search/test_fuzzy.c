/* test_fuzzy.c — the edit distance of near-miss matching: on code points,
 * not bytes (one wrong Chinese character is distance 1, not 3), swaps of
 * neighbours cost 1, the bound is honoured, malformed UTF-8 is refused;
 * which runs may be expanded and by how much. */
#include "support/cm.h"

#include "core/str.h"
#include "modules/search/internal.h"
#include <stdlib.h>
#include <string.h>

static int d8(const char *a, const char *b, int max)
{
    return search_edit_distance_utf8(a, strlen(a), b, strlen(b), max);
}

static void distance_counts_characters_not_bytes(void **state)
{
    (void)state;
    assert_int_equal(d8("党建服务", "党建服物", 2), 1); /* one character, three bytes */
    assert_int_equal(d8("党建服务", "党建服务", 2), 0);
    assert_int_equal(d8("党建服务", "党建务", 2), 1);     /* one missing */
    assert_int_equal(d8("党建服务", "党建工服务", 2), 1); /* one extra */
    assert_int_equal(d8("党建服务", "建党服务", 2), 1);   /* two neighbours swapped */
    assert_int_equal(d8("nginx", "nginxx", 2), 1);
    assert_int_equal(d8("fascism", "fasicm", 2), 2);
    assert_int_equal(d8("fascism", "fasicm", 1), 2); /* beyond the bound: max + 1 */
    assert_int_equal(d8("kitten", "sitting", 5), 3);
    assert_int_equal(d8("", "abc", 5), 3);
    assert_int_equal(d8("abc", "", 1), 2);    /* the length difference alone exceeds the bound */
    assert_int_equal(d8("a😀b", "a😁b", 1), 1); /* four-byte characters */
    /* a bound of 0 is equality */
    assert_int_equal(d8("学习", "学习", 0), 0);
    assert_int_equal(d8("学习", "学刁", 0), 1);
}

static void distance_refuses_malformed_and_long_input(void **state)
{
    (void)state;
    assert_int_equal(search_edit_distance_utf8("\xe5\x85", 2, "x", 1, 2), -1); /* cut inside a character */
    assert_int_equal(search_edit_distance_utf8("x", 1, "\xc0\xaf", 2, 2), -1); /* overlong */
    char longs[SEARCH_EDIT_MAX_CHARS + 2];
    memset(longs, 'a', sizeof longs - 1);
    longs[sizeof longs - 1] = 0;
    assert_int_equal(d8(longs, "a", 2), -1);
}

static void distance_is_symmetric_and_bounded(void **state)
{
    (void)state;
    const char *w[] = {"党建",  "党建服务", "服务党建", "fascism", "fasicm",
                       "nginx", "nginxx",   "",         "ab",      "ba"};
    size_t n = sizeof w / sizeof *w;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int full = d8(w[i], w[j], 40);
            assert_int_equal(full, d8(w[j], w[i], 40));
            for (int k = 0; k < 4; k++) {
                int b = d8(w[i], w[j], k);
                assert_int_equal(b, full <= k ? full : k + 1);
            }
        }
}

static void which_runs_are_expanded(void **state)
{
    (void)state;
    uint32_t cjk4[] = {0x515A, 0x5EFA, 0x670D, 0x52A1}, cjk5[] = {1, 2, 3, 4, 5};
    for (size_t i = 0; i < 5; i++)
        cjk5[i] = 0x4E00 + (uint32_t)i;
    assert_int_equal(search_fuzzy_max_distance(cjk4, 4, true), 1);
    assert_int_equal(search_fuzzy_max_distance(cjk4, 2, true), 1);
    assert_int_equal(search_fuzzy_max_distance(cjk4, 1, true), 0); /* a lone character: a prefix already */
    assert_int_equal(search_fuzzy_max_distance(cjk5, 5, true), 0); /* not a short query */
    uint32_t w[8];
    const char *s = "fasicmxx";
    for (size_t i = 0; i < 8; i++)
        w[i] = (uint32_t)s[i];
    assert_int_equal(search_fuzzy_max_distance(w, 3, false), 0);
    assert_int_equal(search_fuzzy_max_distance(w, 4, false), 1);
    assert_int_equal(search_fuzzy_max_distance(w, 5, false), 1);
    assert_int_equal(search_fuzzy_max_distance(w, 6, false), 2);
    w[2] = '2'; /* numbers are never near misses */
    assert_int_equal(search_fuzzy_max_distance(w, 6, false), 0);
}

static search_run_t run_of(const char *s, uint32_t *buf)
{
    size_t n = 0;
    for (size_t i = 0; s[i];) {
        uint32_t cp;
        i += utf8_decode(s + i, strlen(s + i), &cp);
        buf[n++] = cp;
    }
    return (search_run_t){buf, n, buf[0] >= 0x2E80};
}

static bool cand_is(const search_cand_t *c, const char *s)
{
    uint32_t b[32];
    search_run_t r = run_of(s, b);
    return c->n == r.n && !memcmp(c->cps, b, r.n * sizeof *b);
}

/* the in-memory vocabulary: document frequencies, Latin words through their
 * deletion keys, Chinese runs through bigrams and the segmenter's words */
static void vocabulary_candidates(void **state)
{
    (void)state;
    search_vocab_t *v = search_vocab_new();
    assert_non_null(v);
    /* tokens as the index makes them: bigrams, a last character, friso words of 3+, Latin words */
    assert_int_equal(search_vocab_add_doc(v, "党建 建服 服务 务 党建服务 nginx fascism 12345", false), 0);
    assert_int_equal(search_vocab_add_doc(v, "党建 建服 服务 务 nginx nginx", false), 0);
    assert_int_equal(search_vocab_add_doc(v, "服物 物 党建 kubernetes", true),
                     0); /* only new: 党建 stays 2 */
    json_t *st = search_vocab_stats(v);
    assert_int_equal(json_integer_value(json_object_get(st, "latin_words")), 3);
    assert_int_equal(json_integer_value(json_object_get(st, "cjk_words")), 1);
    assert_int_equal(json_integer_value(json_object_get(st, "cjk_bigrams")), 4);
    assert_true(json_integer_value(json_object_get(st, "bytes")) > 0);
    json_decref(st);
    search_vocab_install(v);
    uint32_t b[32];
    search_run_t r = run_of("nginx", b);
    assert_int_equal(search_fuzzy_df(&r), 2); /* two documents, not three tokens */
    r = run_of("党建服务", b);
    assert_int_equal(search_fuzzy_df(&r), 2); /* the smallest df of its bigrams */
    r = run_of("党建服物", b);
    assert_int_equal(search_fuzzy_df(&r), 1); /* 服物 came with the third document */
    r = run_of("党建服吴", b);
    assert_int_equal(search_fuzzy_df(&r), 0); /* 服吴 unknown */
    search_cand_t *c = NULL;
    size_t n = 0;
    r = run_of("nginxx", b);
    assert_int_equal(search_fuzzy_candidates(&r, &c, &n), 0);
    assert_int_equal(n, 1);
    assert_true(cand_is(&c[0], "nginx"));
    assert_int_equal(c[0].dist, 1);
    free(c);
    r = run_of("fasicm", b);
    assert_int_equal(search_fuzzy_candidates(&r, &c, &n), 0);
    assert_int_equal(n, 1);
    assert_true(cand_is(&c[0], "fascism"));
    assert_int_equal(c[0].dist, 2);
    free(c);
    r = run_of("kubernetis", b); /* wrong near the end: past the 7-letter prefix, still found */
    assert_int_equal(search_fuzzy_candidates(&r, &c, &n), 0);
    assert_int_equal(n, 1);
    assert_true(cand_is(&c[0], "kubernetes"));
    free(c);
    r = run_of("党建服吴", b); /* one character replaced: the segmenter's word first */
    assert_int_equal(search_fuzzy_candidates(&r, &c, &n), 0);
    assert_true(n >= 2);
    assert_true(cand_is(&c[0], "党建服务"));
    assert_int_equal(c[0].word, 1);
    assert_int_equal(c[0].df, 1);
    assert_true(cand_is(&c[1], "党建服物"));
    assert_int_equal(c[1].word, 0);
    free(c);
    r = run_of("建党服务", b); /* two neighbours swapped */
    assert_int_equal(search_fuzzy_candidates(&r, &c, &n), 0);
    assert_true(n >= 1 && cand_is(&c[0], "党建服务"));
    free(c);
    r = run_of("党建x", b); /* not expandable: nothing, no error */
    r.cjk = false;
    assert_int_equal(search_fuzzy_candidates(&r, &c, &n), 0);
    assert_int_equal(n, 0);
    search_fuzzy_shutdown();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(distance_counts_characters_not_bytes),
        cmocka_unit_test(distance_refuses_malformed_and_long_input),
        cmocka_unit_test(distance_is_symmetric_and_bounded),
        cmocka_unit_test(which_runs_are_expanded),
        cmocka_unit_test(vocabulary_candidates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
