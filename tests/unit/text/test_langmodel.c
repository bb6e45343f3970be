/* test_langmodel.c — the unigram language model over jieba's word
 * frequencies: maximum-probability segmentation, the forced and banned
 * spans that the typo confirmation uses, normalisation of dictionary words,
 * and lines the reader skips. */
#include "support/cm.h"

#include "support/testutil.h"

#include "core/str.h"
#include "text/langmodel.h"
#include "text/normalize.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "我们/要/安装/设备" of the best segmentation */
static char *segmented(const lm_t *m, const char *text, const lm_span_t *span, double *score)
{
    uint32_t c[128];
    uint16_t cut[129];
    size_t n = tu_cps(text, c);
    double s = lm_segment(m, c, n, span, cut);
    if (score)
        *score = s;
    char *out = calloc(1, n * 5 + 1), *o = out;
    for (size_t i = 0; i < n; i = cut[i]) {
        if (i)
            *o++ = '/';
        for (size_t j = i; j < cut[i]; j++)
            o += utf8_encode(c[j], o);
    }
    return out;
}

static void jieba_frequencies_give_the_most_probable_segmentation(void **state)
{
    (void)state;
    const lm_t *m = lm_get();
    if (!m)
        fail_msg("language model: %s", lm_error());
    assert_true(lm_words(m) > 300000);
    assert_ptr_equal(lm_get(), m); /* loaded once */
    char *s = segmented(m, "我们要安装设备", NULL, NULL);
    assert_string_equal(s, "我们/要/安装/设备");
    free(s);
    s = segmented(m, "坚持以經濟建設為中心", NULL, NULL); /* traditional reads like simplified */
    assert_string_equal(s, "坚持/以/经济/建设/为/中心");
    free(s);
    uint32_t w[4];
    bool found;
    size_t n = tu_cps("设备", w);
    double lp = lm_word_logp(m, w, n, &found);
    assert_true(found);
    assert_true(lp < 0 && lp > -20);
    n = tu_cps("按装", w);
    lm_word_logp(m, w, n, &found);
    assert_false(found);
}

static const char DICT[] =
    "安装 100 v\n按 50 p\n装 50 v\n装箱单 40 n\n設備 80 n\n箱 10 q\n单 10 n\n"
    "折衷 30 v\n折中 20 v\n折衷方案 5 n\n折中方案 5 n\n记叙文 5 n\n叙文 3 n\n序文 9 n\n"
    "no-count\nABC 5 x\n空 0 x\n太长太长太长太长太长太长太长太长太长 5 x";

static void forced_and_banned_spans_shape_the_two_readings(void **state)
{
    (void)state;
    char err[200];
    lm_t *m = lm_load_mem(DICT, sizeof DICT - 1, err, sizeof err);
    if (!m)
        fail_msg("%s", err);
    assert_int_equal(lm_words(m), 14); /* no count, zero count, Latin and overlong lines skipped */
    double free_s, forced_s;
    char *s = segmented(m, "按装箱单", NULL, &free_s);
    assert_string_equal(s, "按/装箱单");
    free(s);
    /* corrected reading: 安装 forced as one word, nothing crosses its edges */
    uint32_t sug[2];
    tu_cps("安装", sug);
    lm_span_t force = {0, 2, log(100.0) - lm_log_total(m), false, NULL, 0};
    s = segmented(m, "安装箱单", &force, &forced_s);
    assert_string_equal(s, "安装/箱/单");
    free(s);
    /* written reading: the wrong spelling is no word even when counted, nor
     * a longer word whose correct spelling is a word too (折衷方案/折中方案),
     * but a longer word stays when it is not (记叙文: no 记序文) */
    uint32_t zz[2], xw[2];
    tu_cps("折中", zz);
    lm_span_t ban = {0, 2, 0, true, zz, 2};
    s = segmented(m, "折衷方案", &ban, NULL);
    assert_string_equal(s, "折/衷/方/案");
    free(s);
    tu_cps("序文", xw);
    lm_span_t ban2 = {1, 3, 0, true, xw, 2};
    s = segmented(m, "记叙文", &ban2, NULL);
    assert_string_equal(s, "记叙文");
    free(s);
    s = segmented(m, "设备", NULL, NULL); /* 設備 was normalised when loaded */
    assert_string_equal(s, "设备");
    free(s);
    uint32_t c[1];
    assert_true(lm_segment(m, c, 0, NULL, NULL) == 0);
    lm_free(m);
    /* one line, one long word: its 16 prefixes outgrow a table sized by lines */
    static const char LONG[] = "一二三四五六七八九十甲乙丙丁戊己 5";
    m = lm_load_mem(LONG, sizeof LONG - 1, err, sizeof err);
    assert_non_null(m);
    s = segmented(m, "一二三四五六七八九十甲乙丙丁戊己", NULL, NULL);
    assert_string_equal(s, "一二三四五六七八九十甲乙丙丁戊己");
    free(s);
    lm_free(m);
    assert_null(lm_load_mem("no words here\n", 14, err, sizeof err));
    assert_non_null(strstr(err, "no words"));
    assert_null(lm_load("/nonexistent/dict.txt", err, sizeof err));
    assert_non_null(strstr(err, "python3-jieba"));
}

int main(void)
{
    char err[200];
    if (norm_init(err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jieba_frequencies_give_the_most_probable_segmentation),
        cmocka_unit_test(forced_and_banned_spans_shape_the_two_readings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
