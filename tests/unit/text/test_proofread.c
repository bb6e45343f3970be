/* test_proofread.c — the proofreading engine: findings and their offsets in
 * the original text (interference characters, traditional and full-width
 * text, whitelist, overlaps, Latin word boundaries, invalid UTF-8), typo
 * confirmation by the language model (and by segmentation on request), the
 * model loaded once by whichever of many threads needs it first, and hot
 * reload under concurrent checks. */
#include "support/cm.h"

#include "text/acmatch.h"
#include "text/normalize.h"
#include "text/proofread.h"
#include "text/segment.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define E(w, s, c, v)                                                                                        \
    {                                                                                                        \
        (w), (s), "测试词库", 1, 0, (c), (v)                                                                 \
    }

static pr_lexset_t *build(const pr_entry_t *e, size_t n)
{
    char err[256];
    pr_lexset_t *ls = pr_lexset_build(e, n, 0, err, sizeof err);
    if (!ls)
        fail_msg("build: %s", err);
    return ls;
}

static void check(pr_lexset_t *ls, const char *text, pr_result_t *r)
{
    size_t bad = 0;
    if (pr_check(ls, text, strlen(text), NULL, r, &bad) != 0)
        fail_msg("pr_check failed at byte %zu", bad);
}

/* the finding's text as it stands in the original */
static char *span(const char *text, const pr_finding_t *f)
{
    return strndup(text + f->byte_start, f->byte_end - f->byte_start);
}

static void assert_finding(const char *text, const pr_finding_t *f, size_t start, size_t end,
                           const char *want)
{
    assert_int_equal(f->start, start);
    assert_int_equal(f->end, end);
    char *s = span(text, f);
    assert_string_equal(s, want);
    free(s);
}

static void typo_finding_has_code_point_and_byte_offsets(void **state)
{
    (void)state;
    pr_entry_t e[] = {E("按装", "安装", PR_TYPO, PR_WARN)};
    pr_lexset_t *ls = build(e, 1);
    pr_result_t r;
    const char *text = "请按装软件";
    check(ls, text, &r);
    assert_int_equal(r.n, 1);
    assert_finding(text, &r.items[0], 1, 3, "按装");
    assert_int_equal(r.items[0].byte_start, 3);
    assert_int_equal(r.items[0].byte_end, 9);
    assert_string_equal(r.items[0].suggestion, "安装");
    assert_int_equal(r.items[0].category, PR_TYPO);
    assert_int_equal(r.by_category[PR_TYPO], 1);
    assert_string_equal(pr_result_verdict(&r), "warn");
    pr_result_free(&r);
    pr_lexset_release(ls);
}

static void interference_characters_are_skipped_and_offsets_cover_them(void **state)
{
    (void)state;
    pr_entry_t e[] = {E("法轮功", NULL, PR_SENSITIVE, PR_BLOCK)};
    pr_lexset_t *ls = build(e, 1);
    pr_result_t r;
    /* space, zero-width space, full-width punctuation, an emoji */
    const char *text = "甲法 轮\u200b功乙，法＊轮😀功";
    check(ls, text, &r);
    assert_int_equal(r.n, 2);
    assert_finding(text, &r.items[0], 1, 6, "法 轮\u200b功");
    assert_finding(text, &r.items[1], 8, 13, "法＊轮😀功");
    assert_string_equal(pr_result_verdict(&r), "block");
    pr_result_free(&r);
    pr_lexset_release(ls);
}

static void typo_entries_do_not_match_across_punctuation(void **state)
{
    (void)state;
    pr_entry_t e[] = {E("按装", "安装", PR_TYPO, PR_WARN)};
    pr_lexset_t *ls = build(e, 1);
    pr_result_t r;
    check(ls, "先按，装好", &r);
    assert_int_equal(r.n, 0);
    pr_result_free(&r);
    const char *text = "请按 装软件";
    check(ls, text, &r);
    assert_int_equal(r.n, 1);
    assert_finding(text, &r.items[0], 1, 4, "按 装");
    pr_result_free(&r);
    pr_lexset_release(ls);
}

static void a_word_wrapped_over_two_lines_is_found_but_not_across_a_paragraph(void **state)
{
    (void)state;
    pr_entry_t e[] = {E("法轮功", NULL, PR_SENSITIVE, PR_BLOCK), E("按装", "安装", PR_TYPO, PR_WARN)};
    pr_lexset_t *ls = build(e, 2);
    pr_result_t r;
    /* a line break between two Chinese characters is interference, like a
     * space (PDF, Word and OCR text wraps in the middle of words) */
    static const char *const wrapped[][2] = {
        {"他宣扬法轮\n功的言论", "法轮\n功"}, {"他宣扬法\r\n轮功", "法\r\n轮功"},
        {"法轮 \n  功", "法轮 \n  功"},       {"法轮\xe2\x80\xa8功", "法轮\xe2\x80\xa8功"},
        {"我们要按\n装设备", "按\n装"},
    };
    for (size_t i = 0; i < sizeof wrapped / sizeof *wrapped; i++) {
        check(ls, wrapped[i][0], &r);
        if (r.n != 1)
            fail_msg("%zu findings in %s", r.n, wrapped[i][0]);
        char *sp = span(wrapped[i][0], &r.items[0]);
        assert_string_equal(sp, wrapped[i][1]);
        free(sp);
        pr_result_free(&r);
    }
    /* a blank line, a page break, punctuation before the break, or Latin
     * text on either side still separate */
    static const char *const apart[] = {"法轮\n\n功", "法轮\r\n\r\n功", "法轮\f功",
                                        "法轮。\n功", "法轮\nabc功",    "按\n\n装设备"};
    for (size_t i = 0; i < sizeof apart / sizeof *apart; i++) {
        check(ls, apart[i], &r);
        if (r.n != 0)
            fail_msg("%zu findings in %s", r.n, apart[i]);
        pr_result_free(&r);
    }
    pr_lexset_release(ls);
}

static void full_width_letters_and_digits_with_spaces_between_them_are_found(void **state)
{
    (void)state;
    pr_entry_t e[] = {E("falun", NULL, PR_SENSITIVE, PR_BLOCK), E("1989", NULL, PR_SENSITIVE, PR_BLOCK),
                      E("sex", NULL, PR_SENSITIVE, PR_BLOCK)};
    pr_lexset_t *ls = build(e, 3);
    pr_result_t r;
    static const char *const spaced[][2] = {
        {"宣扬ｆ ａ ｌ ｕ ｎ的", "ｆ ａ ｌ ｕ ｎ"},
        {"宣扬ＦＡ\xe3\x80\x80ＬＵＮ的", "ＦＡ\xe3\x80\x80ＬＵＮ"},
        {"ｆａ\xe2\x80\x8bｌｕ ｎ", "ｆａ\xe2\x80\x8bｌｕ ｎ"},
        {"那年是１ ９ ８ ９年", "１ ９ ８ ９"},
        {"那年是１９ ８９年", "１９ ８９"},
    };
    for (size_t i = 0; i < sizeof spaced / sizeof *spaced; i++) {
        check(ls, spaced[i][0], &r);
        if (r.n != 1)
            fail_msg("%zu findings in %s", r.n, spaced[i][0]);
        char *sp = span(spaced[i][0], &r.items[0]);
        assert_string_equal(sp, spaced[i][1]);
        free(sp);
        pr_result_free(&r);
    }
    /* half-width words keep their spaces: "this exam" holds no "sex" */
    static const char *const apart[] = {"this exam", "ｔｈｉｓ ｅｘａｍ", "fa lun", "19 89"};
    for (size_t i = 0; i < sizeof apart / sizeof *apart; i++) {
        check(ls, apart[i], &r);
        if (r.n != 0)
            fail_msg("%zu findings in %s", r.n, apart[i]);
        pr_result_free(&r);
    }
    pr_lexset_release(ls);
}

static void a_run_of_one_repeated_character_matches_it_once_for_sensitive_words(void **state)
{
    (void)state;
    pr_entry_t e[] = {E("法轮功", NULL, PR_SENSITIVE, PR_BLOCK),
                      E("按装", "安装", PR_TYPO, PR_WARN),
                      E("测试", NULL, PR_CUSTOM, PR_WARN),
                      E("天天向上", NULL, PR_SENSITIVE, PR_INFO),
                      {"演练", NULL, "测试词库", 1, 0, PR_CUSTOM, PR_WARN, PR_REPEATS_ON},
                      {"违规", NULL, "测试词库", 1, 0, PR_SENSITIVE, PR_WARN, PR_REPEATS_OFF}};
    pr_lexset_t *ls = build(e, 6);
    pr_result_t r;
    static const char *const found[][2] = {
        {"他宣扬法法轮轮功功的言论", "法法轮轮功功"}, /* every character doubled */
        {"法轮功功功。", "法轮功功功"},               /* the run after it too */
        {"法轮轮轮功", "法轮轮轮功"},                 /* one tripled */
        {"法 法＊轮轮 功", "法 法＊轮轮 功"},         /* with interference too */
        {"法轮功", "法轮功"},
        {"天天向上", "天天向上"}, /* an entry with a doubled character of its own */
        {"演演练", "演演练"},     /* a custom lexicon that asked for it */
    };
    for (size_t i = 0; i < sizeof found / sizeof *found; i++) {
        check(ls, found[i][0], &r);
        if (r.n != 1)
            fail_msg("%zu findings in %s", r.n, found[i][0]);
        char *sp = span(found[i][0], &r.items[0]);
        assert_string_equal(sp, found[i][1]);
        free(sp);
        pr_result_free(&r);
    }
    /* never for typo entries; not by default for custom ones; not when the
     * lexicon said no */
    static const char *const plain[][2] = {{"请按按装软件", "按装"}, {"测测试", "测试"}};
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++) {
        check(ls, plain[i][0], &r);
        if (r.n != 1)
            fail_msg("%zu findings in %s", r.n, plain[i][0]);
        char *sp = span(plain[i][0], &r.items[0]);
        assert_string_equal(sp, plain[i][1]);
        free(sp);
        pr_result_free(&r);
    }
    check(ls, "违违规", &r);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.items[0].start, 1);
    pr_result_free(&r);
    check(ls, "天向上，法轮\n\n功功", &r);
    assert_int_equal(r.n, 0);
    pr_result_free(&r);
    pr_lexset_release(ls);
}

static void lexicons_matching_by_pinyin_find_spellings_initials_and_homophones(void **state)
{
    (void)state;
    pr_entry_t e[] = {{"法轮功", NULL, "测试词库", 1, 0, PR_SENSITIVE, PR_BLOCK, PR_REPEATS_DEFAULT, true},
                      {"制毒", NULL, "测试词库", 1, 0, PR_SENSITIVE, PR_BLOCK, PR_REPEATS_DEFAULT, true},
                      {"按装", "安装", "测试词库", 1, 0, PR_TYPO, PR_WARN, PR_REPEATS_DEFAULT, true},
                      {"拼音测试", NULL, "测试词库", 1, 0, PR_CUSTOM, PR_WARN, PR_REPEATS_DEFAULT, false}};
    pr_lexset_t *ls = build(e, 4);
    assert_true(pr_lexset_stats(ls)->pinyin >= 3); /* falungong, flg, zhidu */
    pr_result_t r;
    static const char *const found[][2] = {
        {"他练发轮功。", "发轮功"},                         /* homophones */
        {"他练falungong。", "falungong"},                   /* full spelling */
        {"他练 Fa Lun Gong 。", "Fa Lun Gong"},             /* spaced, capitals */
        {"他练法lun功。", "法lun功"},                       /* mixed */
        {"他练FLG。", "FLG"},                               /* initials, one word */
        {"他练ｆａｌｕｎｇｏｎｇ。", "ｆａｌｕｎｇｏｎｇ"}, /* full-width */
        {"有人zhi du。", "zhi du"},                         /* a two-character entry, in Latin letters */
        {"𠮷😀发轮功", "发轮功"},                            /* astral characters before it */
    };
    for (size_t i = 0; i < sizeof found / sizeof *found; i++) {
        check(ls, found[i][0], &r);
        if (r.n != 1)
            fail_msg("%zu findings in %s", r.n, found[i][0]);
        assert_int_equal(r.items[0].rule, PR_RULE_PINYIN);
        char *sp = span(found[i][0], &r.items[0]);
        assert_string_equal(sp, found[i][1]);
        free(sp);
        pr_result_free(&r);
    }
    /* code point offsets */
    check(ls, "𠮷😀发轮功", &r);
    assert_int_equal(r.items[0].start, 2);
    assert_int_equal(r.items[0].end, 5);
    pr_result_free(&r);
    /* written as itself: one finding, by the lexicon */
    check(ls, "法轮功", &r);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.items[0].rule, PR_RULE_LEXICON);
    pr_result_free(&r);
    /* not: two-character homophones (制度), across punctuation, inside a
     * longer Latin word, initials spread over words, a typo lexicon, a
     * lexicon without the option, homophones read as other words in context */
    static const char *const none[] = {"完善制度建设",   "发轮，功",       "falungongs", "f l g 检查",
                                       "我们要安装设备", "pin yin ce shi", "沙发轮流坐"};
    for (size_t i = 0; i < sizeof none / sizeof *none; i++) {
        check(ls, none[i], &r);
        if (r.n != 0)
            fail_msg("%zu findings in %s", r.n, none[i]);
        pr_result_free(&r);
    }
    pr_lexset_release(ls);
}

static void traditional_characters_match_simplified_entries(void **state)
{
    (void)state;
    pr_entry_t e[] = {E("中国共产党第二十次全国代表大会", NULL, PR_FORMULATION, PR_INFO),
                      E("發展", NULL, PR_CUSTOM, PR_INFO)};
    pr_lexset_t *ls = build(e, 2);
    pr_result_t r;
    const char *text = "慶祝中國共產黨第二十次全國代表大會勝利召開，推動发展";
    check(ls, text, &r);
    assert_int_equal(r.n, 2);
    assert_finding(text, &r.items[0], 2, 17, "中國共產黨第二十次全國代表大會");
    assert_finding(text, &r.items[1], 24, 26, "发展");  /* the entry was traditional */
    assert_string_equal(pr_result_verdict(&r), "pass"); /* info alone passes */
    pr_result_free(&r);
    pr_lexset_release(ls);
}

/* Traditional text is converted at PHRASE level (OpenCC t2s once per text):
 * 乾淨 is 干净 and 頭髮 头发, while 乾隆 stays 乾隆 (character by character 乾 would
 * be 干); offsets stay exact in the original text. */
static void traditional_phrases_are_converted_at_phrase_level_with_exact_offsets(void **state)
{
    (void)state;
    pr_entry_t e[] = {E("干净", NULL, PR_CUSTOM, PR_INFO), E("头发", NULL, PR_CUSTOM, PR_INFO),
                      E("干隆", NULL, PR_CUSTOM, PR_INFO), E("乾隆", NULL, PR_SENSITIVE, PR_WARN),
                      E("沉默", NULL, PR_CUSTOM, PR_INFO)};
    pr_lexset_t *ls = build(e, 5);
    pr_result_t r;
    /* 😀 is one code point of four bytes */
    const char *text = "😀乾隆皇帝的頭髮很乾淨，他一直沈默。";
    check(ls, text, &r);
    assert_int_equal(r.n, 4);
    assert_finding(text, &r.items[0], 1, 3, "乾隆");
    assert_int_equal(r.items[0].category, PR_SENSITIVE);
    assert_int_equal(r.items[0].byte_start, 4);
    assert_finding(text, &r.items[1], 6, 8, "頭髮");
    assert_finding(text, &r.items[2], 9, 11, "乾淨");
    assert_finding(text, &r.items[3], 15, 17, "沈默");
    pr_result_free(&r);
    /* simplified text: no conversion, 乾 still matches only where written */
    text = "干净的头发，乾隆年间";
    check(ls, text, &r);
    assert_int_equal(r.n, 3);
    assert_finding(text, &r.items[0], 0, 2, "干净");
    assert_finding(text, &r.items[1], 3, 5, "头发");
    assert_finding(text, &r.items[2], 6, 8, "乾隆");
    pr_result_free(&r);
    /* spaces and invisible characters inside a phrase are interference */
    text = "他很乾 淨，乾\u200b隆";
    check(ls, text, &r);
    assert_int_equal(r.n, 2);
    assert_finding(text, &r.items[0], 2, 5, "乾 淨");
    assert_finding(text, &r.items[1], 6, 9, "乾\u200b隆");
    assert_int_equal(r.items[1].category, PR_SENSITIVE);
    pr_result_free(&r);
    /* a traditional character after malformed UTF-8: the error's offset */
    size_t bad = 0;
    const char badtext[] = "頭髮\xff乾淨";
    assert_int_equal(pr_check(ls, badtext, sizeof badtext - 1, NULL, &r, &bad), -1);
    assert_int_equal(bad, 6);
    pr_result_free(&r);
    /* entries written in traditional characters normalise the same way */
    char *w = pr_normalize_word("乾淨的頭髮");
    assert_string_equal(w, "干净的头发");
    free(w);
    w = pr_normalize_word("乾隆");
    assert_string_equal(w, "乾隆");
    free(w);
    pr_lexset_release(ls);
}

/* Many threads converting traditional text at once share one OpenCC
 * converter, opened by whichever needs it first. */
typedef struct {
    pr_lexset_t *ls;
    int bad;
} trad_job_t;

static void *trad_thread(void *arg)
{
    trad_job_t *j = arg;
    const char *text = "乾隆皇帝的頭髮很乾淨，後來他一直沈默。";
    for (int i = 0; i < 20; i++) {
        pr_result_t r;
        if (pr_check(j->ls, text, strlen(text), NULL, &r, NULL) != 0 || r.n != 4 || r.items[0].start != 0 ||
            r.items[3].end != 18)
            j->bad++;
        pr_result_free(&r);
    }
    return NULL;
}

static void traditional_text_on_many_threads_shares_one_converter(void **state)
{
    (void)state;
    pr_entry_t e[] = {E("干净", NULL, PR_CUSTOM, PR_INFO), E("头发", NULL, PR_CUSTOM, PR_INFO),
                      E("乾隆", NULL, PR_CUSTOM, PR_INFO), E("沉默", NULL, PR_CUSTOM, PR_INFO)};
    pr_lexset_t *ls = build(e, 4);
    pthread_t t[8];
    trad_job_t j[8];
    for (int i = 0; i < 8; i++) {
        j[i] = (trad_job_t){ls, 0};
        assert_int_equal(pthread_create(&t[i], NULL, trad_thread, &j[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(j[i].bad, 0);
    }
    pr_lexset_release(ls);
}

/* The normaliser's phrase level and its offset map. */
static void normaliser_converts_phrases_and_maps_back_to_the_original(void **state)
{
    (void)state;
    norm_text_t nt;
    const char *text = "Ａ乾隆，乾淨頭髮";
    assert_int_equal(norm_text(text, strlen(text), &nt, NULL), 0);
    assert_string_equal(nt.text, "a乾隆干净头发");
    assert_int_equal(nt.nchars, 7);
    size_t want_cp[] = {0, 1, 2, 4, 5, 6, 7}, want_byte[] = {0, 3, 6, 12, 15, 18, 21};
    for (size_t i = 0; i < nt.nchars; i++) {
        assert_int_equal(nt.orig_start[i], want_cp[i]);
        assert_int_equal(nt.orig_byte[i], want_byte[i]);
    }
    norm_text_free(&nt);
    /* text without a traditional character is not converted (沈默 is
     * 沉默 only in a traditional text; in a simplified one it is a typo) */
    norm_phrase_t *ov = NULL;
    size_t n = 9;
    assert_int_equal(norm_phrase("他一直沈默，干部们", strlen("他一直沈默，干部们"), &ov, &n), 0);
    assert_int_equal(n, 0);
    assert_null(ov);
    /* only the characters that differ from the per-character map */
    text = "乾隆的頭髮很乾淨";
    assert_int_equal(norm_phrase(text, strlen(text), &ov, &n), 0);
    assert_int_equal(n, 1); /* 乾 of 乾隆 (干 per character); 乾淨 → 干净 as per character */
    assert_int_equal(ov[0].ci, 0);
    assert_int_equal(ov[0].cp, 0x4E7E); /* 乾 */
    free(ov);
}

static void full_width_and_upper_case_text_matches(void **state)
{
    (void)state;
    pr_entry_t e[] = {E("abc测试", NULL, PR_CUSTOM, PR_WARN), E("Falun Gong", NULL, PR_SENSITIVE, PR_BLOCK)};
    pr_lexset_t *ls = build(e, 2);
    pr_result_t r;
    const char *text = "这是ＡＢＣ测试，还有ＦＡＬＵＮ　ＧＯＮＧ和falun-gong";
    check(ls, text, &r);
    assert_int_equal(r.n, 3);
    assert_finding(text, &r.items[0], 2, 7, "ＡＢＣ测试");
    assert_finding(text, &r.items[1], 10, 20, "ＦＡＬＵＮ　ＧＯＮＧ");
    assert_finding(text, &r.items[2], 21, 31, "falun-gong");
    pr_result_free(&r);
    pr_lexset_release(ls);
}

static void latin_entries_match_whole_words_only(void **state)
{
    (void)state;
    pr_entry_t e[] = {E("sex", NULL, PR_SENSITIVE, PR_WARN)};
    pr_lexset_t *ls = build(e, 1);
    pr_result_t r;
    check(ls, "Essex is sexy, this exam", &r);
    assert_int_equal(r.n, 0);
    pr_result_free(&r);
    const char *text = "词语sex，SEX!";
    check(ls, text, &r);
    assert_int_equal(r.n, 2);
    assert_finding(text, &r.items[0], 2, 5, "sex");
    assert_finding(text, &r.items[1], 6, 9, "SEX");
    pr_result_free(&r);
    pr_lexset_release(ls);
}

static void whitelisted_longer_words_suppress_findings_inside_them(void **state)
{
    (void)state;
    pr_entry_t e[] = {E("大法", NULL, PR_SENSITIVE, PR_BLOCK), E("大法官", NULL, PR_WHITELIST, PR_INFO),
                      E("最高法院大法官", NULL, PR_WHITELIST, PR_INFO)};
    pr_lexset_t *ls = build(e, 3);
    pr_result_t r;
    check(ls, "最高法院大法官今天说", &r);
    assert_int_equal(r.n, 0);
    pr_result_free(&r);
    const char *text = "大法官说修炼大法";
    check(ls, text, &r);
    assert_int_equal(r.n, 1);
    assert_finding(text, &r.items[0], 6, 8, "大法");
    pr_result_free(&r);
    pr_lexset_release(ls);
}

static void overlapping_findings_are_resolved_by_category(void **state)
{
    (void)state;
    pr_entry_t e[] = {
        E("法轮", NULL, PR_SENSITIVE, PR_WARN),         E("法轮功", NULL, PR_SENSITIVE, PR_BLOCK),
        E("甲乙丙", NULL, PR_CUSTOM, PR_INFO),          E("乙丙丁", NULL, PR_CUSTOM, PR_WARN),
        E("轮功", "（测试）", PR_TYPO, PR_INFO),        E("法轮功", NULL, PR_CUSTOM, PR_INFO),
        E("法轮功", "同词两库", PR_SENSITIVE, PR_INFO),
    };
    pr_lexset_t *ls = build(e, 7);
    pr_result_t r;
    const char *text = "法轮功，甲乙丙丁";
    pr_options_t o = {.no_verify = true};
    assert_int_equal(pr_check(ls, text, strlen(text), &o, &r, NULL), 0);
    /* sensitive 法轮 inside 法轮功 dropped; the same word in two sensitive
     * lexicons reported once with the higher severity; custom and typo
     * findings on the same text kept; partly overlapping findings both kept */
    assert_int_equal(r.n, 5);
    assert_finding(text, &r.items[0], 0, 3, "法轮功");
    assert_finding(text, &r.items[1], 0, 3, "法轮功");
    assert_int_not_equal(r.items[0].category, r.items[1].category);
    for (int i = 0; i < 2; i++)
        if (r.items[i].category == PR_SENSITIVE)
            assert_int_equal(r.items[i].severity, PR_BLOCK);
    assert_finding(text, &r.items[2], 1, 3, "轮功");
    assert_int_equal(r.items[2].category, PR_TYPO);
    assert_finding(text, &r.items[3], 4, 7, "甲乙丙");
    assert_finding(text, &r.items[4], 5, 8, "乙丙丁");
    assert_int_equal(r.by_category[PR_SENSITIVE], 1);
    assert_int_equal(r.by_category[PR_CUSTOM], 3);
    pr_result_free(&r);
    pr_lexset_release(ls);
}

static void invalid_utf8_is_reported_with_its_offset(void **state)
{
    (void)state;
    pr_entry_t e[] = {E("测试", NULL, PR_CUSTOM, PR_WARN)};
    pr_lexset_t *ls = build(e, 1);
    pr_result_t r;
    const char *cases[][2] = {
        {"测试\xff测试", "6"},   {"测\xe6\xb5", "3"},       {"ab\xc0\xafz", "2"}, /* overlong '/' */
        {"x\xed\xa0\x80y", "1"}, {"\xf4\x90\x80\x80", "0"},                       /* surrogate, > U+10FFFF */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t bad = 99;
        assert_int_equal(pr_check(ls, cases[i][0], strlen(cases[i][0]), NULL, &r, &bad), -1);
        assert_int_equal(bad, (size_t)atoi(cases[i][1]));
        pr_result_free(&r);
    }
    pr_lexset_release(ls);
}

/* Two fixed constructions no n-gram window sees: 既…又… (both … and …) and
 * A与不A (whether to do A or not); 即使…也… keeps its typo. */
static void fixed_constructions_are_no_typos(void **state)
{
    (void)state;
    pr_entry_t e[] = {E("既使", "即使", PR_TYPO, PR_WARN), E("既将", "即将", PR_TYPO, PR_WARN),
                      E("干与", "干预", PR_TYPO, PR_WARN)};
    pr_lexset_t *ls = build(e, 3);
    pr_result_t r;
    const char *clean[] = {"要做到既使党员受教育，又使群众得实惠。",
                           "要既将学习成果转化为工作成效，又要防止形式主义。", "干与不干，结果大不一样。"};
    for (size_t i = 0; i < sizeof clean / sizeof clean[0]; i++) {
        check(ls, clean[i], &r);
        assert_int_equal(r.n, 0);
        pr_result_free(&r);
    }
    /* the same hits without the construction are typos */
    const char *typo = "既使困难再大，也要坚持。会议既将召开。又一次开会。";
    check(ls, typo, &r);
    assert_int_equal(r.n, 2);
    assert_finding(typo, &r.items[0], 0, 2, "既使");
    assert_finding(typo, &r.items[1], 14, 16, "既将");
    pr_result_free(&r);
    /* explained: the dropped hit says why */
    pr_options_t o = {.explain = true};
    assert_int_equal(pr_check(ls, clean[0], strlen(clean[0]), &o, &r, NULL), 0);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.ndropped, 1);
    assert_non_null(r.dropped[0].explain);
    assert_false(r.dropped[0].explain->kept);
    pr_result_free(&r);
    pr_lexset_release(ls);
}

static void typo_inside_a_longer_dictionary_word_is_not_reported(void **state)
{
    (void)state;
    pr_entry_t e[] = {E("以经", "已经", PR_TYPO, PR_WARN), E("安祥", "安详", PR_TYPO, PR_WARN)};
    pr_lexset_t *ls = build(e, 2);
    pr_result_t r;
    check(ls, "坚持以经济建设为中心，祝大家平安祥和", &r);
    assert_int_equal(r.n, 0);
    pr_result_free(&r);
    const char *text = "我们以经完成了任务，神态安祥";
    check(ls, text, &r);
    assert_int_equal(r.n, 2);
    assert_finding(text, &r.items[0], 2, 4, "以经");
    assert_finding(text, &r.items[1], 12, 14, "安祥");
    pr_result_free(&r);
    pr_lexset_release(ls);
}

/* the first test: the model is not loaded yet, and eight threads need it at once */
#define LM_THREADS 8
typedef struct {
    pr_lexset_t *ls;
    int found, wrong;
} lm_thread_t;

static void *lm_thread(void *arg)
{
    lm_thread_t *t = arg;
    const char *typo = "我们要按装设备", *fine = "请按装箱单清点物资";
    for (int i = 0; i < 20; i++) {
        pr_result_t r;
        if (pr_check(t->ls, typo, strlen(typo), NULL, &r, NULL) == 0 && r.n == 1 &&
            r.items[0].rule == PR_RULE_LM)
            t->found++;
        pr_result_free(&r);
        if (pr_check(t->ls, fine, strlen(fine), NULL, &r, NULL) != 0 || r.n != 0)
            t->wrong++;
        pr_result_free(&r);
    }
    return NULL;
}

static void typo_checks_on_many_threads_share_one_language_model(void **state)
{
    (void)state;
    pr_entry_t e[] = {E("按装", "安装", PR_TYPO, PR_WARN)};
    pr_lexset_t *ls = build(e, 1);
    pthread_t th[LM_THREADS];
    lm_thread_t t[LM_THREADS];
    for (int i = 0; i < LM_THREADS; i++) {
        t[i] = (lm_thread_t){ls, 0, 0};
        pthread_create(&th[i], NULL, lm_thread, &t[i]);
    }
    for (int i = 0; i < LM_THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(t[i].found, 20);
        assert_int_equal(t[i].wrong, 0);
    }
    pr_lexset_release(ls);
}

static void typos_in_ordinary_sentences_are_found_and_word_boundaries_are_not_typos(void **state)
{
    (void)state;
    pr_entry_t e[] = {E("按装", "安装", PR_TYPO, PR_WARN), E("既使", "即使", PR_TYPO, PR_WARN),
                      E("格守", "恪守", PR_TYPO, PR_WARN), E("以经", "已经", PR_TYPO, PR_WARN)};
    pr_lexset_t *ls = build(e, 4);
    static const char *const typos[][2] = {{"我们要按装设备", "按装"},     {"按装好设备", "按装"},
                                           {"请按装新的软件", "按装"},     {"既使遇到困难也不退缩", "既使"},
                                           {"党员要格守党的纪律", "格守"}, {"工作以经完成", "以经"}};
    for (size_t i = 0; i < sizeof typos / sizeof *typos; i++) {
        pr_result_t r;
        check(ls, typos[i][0], &r);
        if (r.n != 1)
            fail_msg("%s: %zu findings", typos[i][0], r.n);
        char *sp = span(typos[i][0], &r.items[0]);
        assert_string_equal(sp, typos[i][1]);
        free(sp);
        assert_int_equal(r.items[0].rule, PR_RULE_LM);
        pr_result_free(&r);
    }
    static const char *const fine[] = {"这次活动既使用了线上平台", "请按装箱单清点物资", "党员要严格守法",
                                       "坚持以经济建设为中心"};
    for (size_t i = 0; i < sizeof fine / sizeof *fine; i++) {
        pr_result_t r;
        check(ls, fine[i], &r);
        if (r.n != 0)
            fail_msg("%s: %zu findings", fine[i], r.n);
        pr_result_free(&r);
    }
    pr_lexset_release(ls);
}

static void explanations_show_both_readings_and_dropped_hits(void **state)
{
    (void)state;
    pr_entry_t e[] = {E("按装", "安装", PR_TYPO, PR_WARN), E("以经", "已经", PR_TYPO, PR_WARN),
                      E("违禁词", NULL, PR_SENSITIVE, PR_BLOCK)};
    pr_lexset_t *ls = build(e, 3);
    const char *text = "我们要按装设备，坚持以经济建设为中心，违禁词";
    pr_options_t o = {.explain = true};
    pr_result_t r;
    assert_int_equal(pr_check(ls, text, strlen(text), &o, &r, NULL), 0);
    assert_int_equal(r.n, 2);
    const pr_finding_t *f = &r.items[0];
    assert_int_equal(f->rule, PR_RULE_LM);
    assert_non_null(f->explain);
    assert_string_equal(f->explain->written, "我们/要/按/装/设备");
    assert_string_equal(f->explain->corrected, "我们/要/安装/设备");
    assert_true(f->explain->kept && !f->explain->attached);
    assert_true(f->explain->corrected_logp - f->explain->written_logp >= PR_LM_MARGIN);
    assert_int_equal(r.items[1].rule, PR_RULE_LEXICON);
    assert_null(r.items[1].explain);
    assert_int_equal(r.ndropped, 1);
    assert_int_equal(r.dropped[0].start, 10);
    assert_true(r.dropped[0].explain->attached && !r.dropped[0].explain->kept);
    assert_non_null(strstr(r.dropped[0].explain->written, "以/经济"));
    assert_int_equal(r.by_category[PR_TYPO], 1); /* dropped hits are not counted */
    json_t *j = pr_result_json(&r, text);
    json_t *x = json_object_get(json_array_get(json_object_get(j, "findings"), 0), "explain");
    assert_string_equal(json_string_value(json_object_get(x, "corrected")), "我们/要/安装/设备");
    assert_int_equal(json_array_size(json_object_get(j, "dropped")), 1);
    json_decref(j);
    /* the fast writer agrees */
    sbuf_t b;
    sbuf_init(&b);
    pr_finding_write(&b, f, text);
    json_t *w = json_loadb(b.data, b.len, 0, NULL);
    assert_non_null(w);
    assert_string_equal(json_string_value(json_object_get(w, "rule")), "language_model");
    assert_true(json_is_true(json_object_get(json_object_get(w, "explain"), "kept")));
    json_decref(w);
    sbuf_free(&b);
    pr_result_free(&r);
    /* the older segmentation rule on request */
    pr_options_t seg = {.verify = PR_VERIFY_SEGMENT};
    assert_int_equal(pr_check(ls, "我们以经完成了任务", strlen("我们以经完成了任务"), &seg, &r, NULL), 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.items[0].rule, PR_RULE_SEGMENT);
    pr_result_free(&r);
    pr_lexset_release(ls);
}

static void merged_external_findings_are_deduplicated(void **state)
{
    (void)state;
    pr_entry_t e[] = {E("按装", "安装", PR_TYPO, PR_WARN)};
    pr_lexset_t *ls = build(e, 1);
    pr_result_t r;
    const char *text = "请按装软件，外部词";
    check(ls, text, &r);
    pr_finding_t ext[] = {
        {.start = 1, .end = 3, .category = PR_TYPO, .severity = PR_WARN, .suggestion = "安装"},
        {.start = 6, .end = 8, .category = PR_SENSITIVE, .severity = PR_BLOCK, .message = "外部服务"},
        {.start = 8, .end = 20, .category = PR_SENSITIVE, .severity = PR_BLOCK}, /* out of range */
    };
    assert_int_equal(pr_result_merge(&r, text, strlen(text), ext, 3), 1);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.items[0].source, PR_SRC_LOCAL | PR_SRC_EXTERNAL);
    assert_finding(text, &r.items[1], 6, 8, "外部");
    assert_int_equal(r.items[1].source, PR_SRC_EXTERNAL);
    assert_string_equal(r.items[1].message, "外部服务");
    assert_string_equal(pr_result_verdict(&r), "block");
    json_t *j = pr_result_json(&r, text);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "summary"), "sensitive")), 1);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(j, "findings"), 0), "source")),
        "both");
    json_decref(j);
    pr_result_free(&r);
    pr_lexset_release(ls);
}

/* ---- the automaton against brute force ---- */

static uint32_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (uint32_t)(*s >> 11);
}

static void automaton_reports_exactly_the_occurrences_brute_force_finds(void **state)
{
    (void)state;
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    for (int round = 0; round < 40; round++) {
        uint32_t alphabet = 2 + rnd(&seed) % 30;
        size_t np = 1 + rnd(&seed) % 200;
        uint32_t codes[200][8];
        ac_pattern_t p[200];
        for (size_t i = 0; i < np; i++) {
            uint32_t len = 1 + rnd(&seed) % 6;
            for (uint32_t j = 0; j < len; j++)
                codes[i][j] = 1 + rnd(&seed) % (alphabet - 1);
            p[i] = (ac_pattern_t){codes[i], len, (uint32_t)i};
        }
        char err[128];
        ac_t *a = ac_build(p, np, alphabet, err, sizeof err);
        assert_non_null(a);
        uint32_t text[400];
        for (int i = 0; i < 400; i++)
            text[i] = rnd(&seed) % alphabet; /* 0 included: not in any pattern */
        size_t found = 0, expect = 0;
        int32_t s = 0;
        for (int i = 0; i < 400; i++) {
            s = ac_step(a, s, text[i]);
            for (int32_t r = ac_report(a, s); r > 0; r = ac_next_report(a, r))
                for (uint32_t o = 0; o < a->aux[r].nout; o++) {
                    uint32_t v = ac_value(a, r, o), len = a->aux[r].len;
                    /* the reported occurrence really is there */
                    assert_int_equal(len, p[v].len);
                    assert_true((uint32_t)i + 1 >= len);
                    assert_memory_equal(&text[i + 1 - len], p[v].codes, len * sizeof(uint32_t));
                    found++;
                }
        }
        for (size_t i = 0; i < np; i++)
            for (int j = 0; j + (int)p[i].len <= 400; j++)
                expect += memcmp(&text[j], p[i].codes, p[i].len * sizeof(uint32_t)) == 0;
        assert_int_equal(found, expect);
        ac_free(a);
    }
}

/* ---- hot reload ---- */

/* Lexicon A has the words 甲0…甲49, lexicon B 乙0…乙49; the text contains
 * all of both. Every check must see exactly one of them complete. */
typedef struct {
    pr_engine_t *eng;
    /* written before the readers start, read-only after: a reader must never
     * see it half built (see reload_text) */
    char text[1024];
    size_t len;
    atomic_bool stop;
    atomic_long checks, mixed;
    /* what the first bad check saw, for the failure message */
    pthread_mutex_t lock;
    bool bad_seen;
    size_t bad_a, bad_b, bad_other, bad_len;
} reload_t;

/* Built by the test's thread before pthread_create (which orders it before
 * everything the readers do). It used to be a static buffer that each
 * reader filled on first use when it found it empty: a reader starting
 * while another was still writing it saw a prefix ("甲0，乙0。…甲17"),
 * checked only part of the text and was counted as mixed, a failure of the
 * test and not of the engine. */
static void reload_text(reload_t *rt)
{
    size_t n = 0;
    for (int i = 0; i < 50; i++)
        n += (size_t)snprintf(rt->text + n, sizeof rt->text - n, "甲%d，乙%d。", i, i);
    assert_true(n < sizeof rt->text);
    rt->len = n;
}

static pr_lexset_t *reload_set(const char *prefix)
{
    pr_entry_t e[50];
    char words[50][16];
    for (int i = 0; i < 50; i++) {
        snprintf(words[i], sizeof words[i], "%s%d", prefix, i);
        e[i] = (pr_entry_t){words[i], NULL, prefix, 1, i + 1, PR_SENSITIVE, PR_WARN};
    }
    return build(e, 50);
}

static void *reload_reader(void *arg)
{
    reload_t *rt = arg;
    while (!atomic_load(&rt->stop)) {
        pr_lexset_t *ls = pr_engine_acquire(rt->eng);
        pr_result_t r;
        size_t len = strlen(rt->text); /* = rt->len: the readers never change it */
        if (pr_check(ls, rt->text, len, NULL, &r, NULL) != 0)
            atomic_fetch_add(&rt->mixed, 1000);
        size_t a = 0, b = 0, other = 0;
        for (size_t i = 0; i < r.n; i++) {
            const char *w = r.items[i].entry->word;
            if (!strncmp(w, "甲", strlen("甲")))
                a++;
            else if (!strncmp(w, "乙", strlen("乙")))
                b++;
            else
                other++;
        }
        if (!((a == 50 && b == 0) || (a == 0 && b == 50)) || other) {
            atomic_fetch_add(&rt->mixed, 1);
            pthread_mutex_lock(&rt->lock);
            if (!rt->bad_seen) {
                rt->bad_seen = true;
                rt->bad_a = a;
                rt->bad_b = b;
                rt->bad_other = other;
                rt->bad_len = len;
            }
            pthread_mutex_unlock(&rt->lock);
        }
        pr_result_free(&r);
        pr_lexset_release(ls);
        atomic_fetch_add(&rt->checks, 1);
    }
    return NULL;
}

#define RELOAD_MAX_READERS 16

/* ZHENDI_STRESS=1 (or =N swaps): 8 readers and 2,000 (N) swaps instead of
 * 4 and 200, a longer run to look for rare interleavings. */
static void hot_reload_under_concurrent_checks_never_mixes_lexicons(void **state)
{
    (void)state;
    const char *stress = getenv("ZHENDI_STRESS");
    long n = stress ? strtol(stress, NULL, 10) : 0;
    int readers = n > 0 ? 8 : 4, swaps = n > 1 ? (int)(n < 1000000 ? n : 1000000) : n == 1 ? 2000 : 200;
    reload_t rt = {.eng = pr_engine_new()};
    reload_text(&rt);
    atomic_init(&rt.stop, false);
    atomic_init(&rt.checks, 0);
    atomic_init(&rt.mixed, 0);
    pthread_mutex_init(&rt.lock, NULL);
    pr_engine_swap(rt.eng, reload_set("甲"));
    pthread_t th[RELOAD_MAX_READERS];
    for (int i = 0; i < readers; i++)
        pthread_create(&th[i], NULL, reload_reader, &rt);
    /* the readers are checking before the swaps start (on a busy machine
     * the threads may start late), then the swaps */
    for (int i = 0; atomic_load(&rt.checks) == 0 && i < 10000; i++)
        usleep(1000);
    for (int i = 0; i < swaps; i++)
        pr_engine_swap(rt.eng, reload_set(i % 2 ? "甲" : "乙"));
    atomic_store(&rt.stop, true);
    for (int i = 0; i < readers; i++)
        pthread_join(th[i], NULL);
    if (atomic_load(&rt.mixed) != 0)
        fail_msg("%ld of %ld checks did not see exactly one lexicon; the first saw %zu of 甲, %zu of 乙, "
                 "%zu other findings in a text of %zu bytes (the whole text has %zu)",
                 atomic_load(&rt.mixed), atomic_load(&rt.checks), rt.bad_a, rt.bad_b, rt.bad_other,
                 rt.bad_len, rt.len);
    assert_true(atomic_load(&rt.checks) > 0);
    pthread_mutex_destroy(&rt.lock);
    pr_engine_free(rt.eng);
}

static void words_that_normalise_to_nothing_are_counted_invalid(void **state)
{
    (void)state;
    pr_entry_t e[] = {E("，。！", NULL, PR_CUSTOM, PR_WARN), E("\u200b", NULL, PR_CUSTOM, PR_WARN),
                      E("好", NULL, PR_CUSTOM, PR_WARN)};
    pr_lexset_t *ls = build(e, 3);
    assert_int_equal(pr_lexset_stats(ls)->entries, 1);
    assert_int_equal(pr_lexset_stats(ls)->invalid, 2);
    pr_lexset_release(ls);
    char *n = pr_normalize_word(" 中國　ＡＢＣ ");
    assert_string_equal(n, "中国abc");
    free(n);
}

static int teardown(void **state)
{
    (void)state;
    seg_shutdown();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* first, so that the threads race to open the converter */
        cmocka_unit_test(traditional_text_on_many_threads_shares_one_converter),
        cmocka_unit_test(typo_checks_on_many_threads_share_one_language_model),
        cmocka_unit_test(typo_finding_has_code_point_and_byte_offsets),
        cmocka_unit_test(interference_characters_are_skipped_and_offsets_cover_them),
        cmocka_unit_test(typo_entries_do_not_match_across_punctuation),
        cmocka_unit_test(a_word_wrapped_over_two_lines_is_found_but_not_across_a_paragraph),
        cmocka_unit_test(full_width_letters_and_digits_with_spaces_between_them_are_found),
        cmocka_unit_test(a_run_of_one_repeated_character_matches_it_once_for_sensitive_words),
        cmocka_unit_test(lexicons_matching_by_pinyin_find_spellings_initials_and_homophones),
        cmocka_unit_test(traditional_characters_match_simplified_entries),
        cmocka_unit_test(traditional_phrases_are_converted_at_phrase_level_with_exact_offsets),
        cmocka_unit_test(normaliser_converts_phrases_and_maps_back_to_the_original),
        cmocka_unit_test(full_width_and_upper_case_text_matches),
        cmocka_unit_test(latin_entries_match_whole_words_only),
        cmocka_unit_test(whitelisted_longer_words_suppress_findings_inside_them),
        cmocka_unit_test(overlapping_findings_are_resolved_by_category),
        cmocka_unit_test(invalid_utf8_is_reported_with_its_offset),
        cmocka_unit_test(typo_inside_a_longer_dictionary_word_is_not_reported),
        cmocka_unit_test(fixed_constructions_are_no_typos),
        cmocka_unit_test(typos_in_ordinary_sentences_are_found_and_word_boundaries_are_not_typos),
        cmocka_unit_test(explanations_show_both_readings_and_dropped_hits),
        cmocka_unit_test(merged_external_findings_are_deduplicated),
        cmocka_unit_test(automaton_reports_exactly_the_occurrences_brute_force_finds),
        cmocka_unit_test(hot_reload_under_concurrent_checks_never_mixes_lexicons),
        cmocka_unit_test(words_that_normalise_to_nothing_are_counted_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
