/* test_lexicons.c — the built-in lexicons: every entry compiles, each
 * wrong form differs from its correction and is found where it stands, the
 * canonical formulations and corrections themselves pass clean (no
 * finding on correct text), and the fast JSON writer agrees with the
 * jansson one. Also the OCR TSV parser. */
#include "support/cm.h"

#include "core/embed.h"
#include "media/ocr.h"
#include "modules/proofread/internal.h"
#include "text/proofread.h"
#include "text/segment.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pr_lexset_t *builtin_set(pr_entry_t **v, size_t *n, arena_t **a)
{
    size_t cap = 0;
    *v = NULL;
    *n = 0;
    *a = arena_new(1 << 16);
    assert_int_equal(proofread_lexicon_collect_builtin(*a, v, n, &cap), 0);
    char err[256];
    pr_lexset_t *ls = pr_lexset_build(*v, *n, 0, err, sizeof err);
    if (!ls)
        fail_msg("%s", err);
    return ls;
}

static void every_builtin_entry_compiles_and_is_found_alone(void **state)
{
    (void)state;
    pr_entry_t *v;
    size_t n;
    arena_t *a;
    pr_lexset_t *ls = builtin_set(&v, &n, &a);
    assert_true(n > 600);
    assert_int_equal(pr_lexset_stats(ls)->invalid, 0);
    assert_int_equal(pr_lexset_stats(ls)->entries, n);
    for (size_t i = 0; i < n; i++) {
        if (v[i].suggestion) {
            char *w = pr_normalize_word(v[i].word), *s = pr_normalize_word(v[i].suggestion);
            if (!strcmp(w, s))
                fail_msg("%s: the correction equals the wrong form", v[i].word);
            free(w);
            free(s);
        }
        if (v[i].category == PR_WHITELIST)
            continue; /* never reported: it suppresses */
        /* the wrong form on its own (as a sentence) is reported */
        char text[600];
        snprintf(text, sizeof text, "%s。", v[i].word);
        pr_result_t r;
        assert_int_equal(pr_check(ls, text, strlen(text), NULL, &r, NULL), 0);
        bool found = false;
        for (size_t k = 0; k < r.n; k++)
            found |= r.items[k].entry && !strcmp(r.items[k].entry->word, v[i].word);
        if (!found)
            fail_msg("%s (%s) is not reported on its own", v[i].word, v[i].lexicon);
        pr_result_free(&r);
    }
    pr_lexset_release(ls);
    free(v);
    arena_free(a);
}

static void corrections_pass_clean(void **state)
{
    (void)state;
    pr_entry_t *v;
    size_t n;
    arena_t *a;
    pr_lexset_t *ls = builtin_set(&v, &n, &a);
    for (size_t i = 0; i < n; i++) {
        /* corrections that are full replacements (not advice in brackets) */
        if (!v[i].suggestion || strstr(v[i].suggestion, "（"))
            continue;
        char text[600];
        snprintf(text, sizeof text, "%s。", v[i].suggestion);
        pr_result_t r;
        assert_int_equal(pr_check(ls, text, strlen(text), NULL, &r, NULL), 0);
        if (r.n)
            fail_msg("the correction %s is itself reported (%s → %s)", v[i].suggestion,
                     r.items[0].entry->word, r.items[0].suggestion ? r.items[0].suggestion : "");
        pr_result_free(&r);
    }
    pr_lexset_release(ls);
    free(v);
    arena_free(a);
}

/* A passage in the canonical wording of party documents, and everyday
 * text around words that contain wrong forms: no finding at all. */
static void canonical_texts_pass_clean(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "坚持以习近平新时代中国特色社会主义思想为指导，深刻领悟“两个确立”的决定性意义，增强“四个意识”、"
        "坚定“四个自信”、做到“两个维护”，坚决维护习近平总书记党中央的核心、全党的核心地位，坚决维护党中央"
        "权威和集中统一领导，在思想上政治上行动上同以习近平同志为核心的党中央保持高度一致。",
        "统筹推进经济建设、政治建设、文化建设、社会建设、生态文明建设“五位一体”总体布局，协调推进全面建设"
        "社会主义现代化国家、全面深化改革、全面依法治国、全面从严治党“四个全面”战略布局，贯彻创新、协调、"
        "绿色、开放、共享的新发展理念。",
        "倡导富强、民主、文明、和谐，倡导自由、平等、公正、法治，倡导爱国、敬业、诚信、友善，积极培育和践行"
        "社会主义核心价值观。一体推进不敢腐、不能腐、不想腐。",
        "中国共产党第二十次全国代表大会胜利召开，党的二十届三中全会审议通过了决定；第十四届全国人民代表大会"
        "第二次会议在北京举行。",
        "坚持以经济建设为中心，以经营为主业；他早已后悔，早已前往现场。祝大家平安祥和。竟相信了传言，"
        "他竟选择了放弃。教授于1990年到校，这种天赋于他是幸运。",
        "记叙文的写作要求一定单位在确定货物数量后按装修标准施工。",
    };
    pr_entry_t *v;
    size_t n;
    arena_t *a;
    pr_lexset_t *ls = builtin_set(&v, &n, &a);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        pr_result_t r;
        assert_int_equal(pr_check(ls, texts[i], strlen(texts[i]), NULL, &r, NULL), 0);
        for (size_t k = 0; k < r.n; k++)
            print_message("text %zu: %.*s (%s)\n", i, (int)(r.items[k].byte_end - r.items[k].byte_start),
                          texts[i] + r.items[k].byte_start, r.items[k].entry->word);
        assert_int_equal(r.n, 0);
        pr_result_free(&r);
    }
    pr_lexset_release(ls);
    free(v);
    arena_free(a);
}

static void fast_json_writer_matches_jansson(void **state)
{
    (void)state;
    pr_entry_t e[] = {{"按装", "安装", "词库\"引号\"", 3, 7, PR_TYPO, PR_WARN},
                      {"tab\there", NULL, NULL, 0, 0, PR_SENSITIVE, PR_BLOCK}};
    char err[128];
    pr_lexset_t *ls = pr_lexset_build(e, 2, 0, err, sizeof err);
    const char *text = "请按装\\软件 tab\there";
    pr_result_t r;
    assert_int_equal(pr_check(ls, text, strlen(text), NULL, &r, NULL), 0);
    pr_finding_t ext = {
        .start = 0, .end = 1, .category = PR_CUSTOM, .severity = PR_INFO, .message = "外部\n说明"};
    pr_result_merge(&r, text, strlen(text), &ext, 1);
    assert_int_equal(r.n, 3);
    for (size_t i = 0; i < r.n; i++) {
        sbuf_t b;
        sbuf_init(&b);
        pr_finding_write(&b, &r.items[i], text);
        json_t *fast = json_loads(b.data, 0, NULL), *slow = pr_finding_json(&r.items[i], text);
        assert_non_null(fast);
        assert_true(json_equal(fast, slow));
        json_decref(fast);
        json_decref(slow);
        sbuf_free(&b);
    }
    pr_result_free(&r);
    pr_lexset_release(ls);
}

static void ocr_hocr_becomes_text_with_character_boxes(void **state)
{
    (void)state;
    static const char hocr[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n<html><head>"
        "<meta http-equiv=\"Content-Type\" content=\"text/html;charset=utf-8\"/></head><body>\n"
        "<div class='ocr_page' id='page_1' title='image \"x.png\"; bbox 0 0 900 200; ppageno 0'>\n"
        " <div class='ocr_carea' title=\"bbox 40 50 400 140\">\n  <p class='ocr_par' lang='chi_sim'>\n"
        "   <span class='ocr_line' title=\"bbox 40 50 190 90\">\n"
        "    <span class='ocrx_word' title='bbox 40 50 140 90; x_wconf 90'>\n"
        "     <span class='ocrx_cinfo' title='x_bboxes 40 52 70 90; x_conf 99.5'>测</span>\n"
        "     <span class='ocrx_cinfo' title='x_bboxes 75 50 140 88; x_conf 98'>试</span>\n"
        "    </span>\n"
        "    <span class='ocrx_word' title='bbox 140 50 190 90; x_wconf 80'>词</span>\n"
        "   </span>\n"
        "   <span class='ocr_line' title=\"bbox 40 100 280 140\">\n"
        "    <span class='ocrx_word' title='bbox 40 100 120 140; x_wconf 70' lang='eng'>Hello</span>\n"
        "    <span class='ocrx_word' title='bbox 200 100 280 140; x_wconf 60' "
        "lang='eng'>A&amp;B&#x4E2D;</span>\n"
        "   </span>\n  </p>\n </div>\n"
        " <div class='ocr_carea'><p class='ocr_par'><span class='ocr_line'>"
        "<span class='ocrx_word' title='bbox 40 150 80 190; x_wconf 50'>新</span></span></p></div>\n"
        "</div></body></html>\n";
    ocr_result_t r;
    assert_int_equal(ocr_parse_hocr(hocr, sizeof hocr - 1, &r), 0);
    /* words of a line joined (space only between Latin words), lines of a
     * paragraph with a space, blocks with a line break; entities decoded */
    assert_string_equal(r.text, "测试词 Hello A&B中\n新");
    assert_int_equal(r.nchars, 16);
    assert_int_equal(r.width, 900);
    assert_int_equal(r.height, 200);
    /* a run of Chinese characters shares its extent (40–190) one em each,
     * whatever tesseract said of each character */
    assert_int_equal(r.boxes[0].x, 40);
    assert_int_equal(r.boxes[0].w, 50);
    assert_int_equal(r.boxes[0].y, 50);
    assert_int_equal(r.boxes[0].h, 40);
    assert_int_equal(r.boxes[1].x, 90);
    assert_int_equal(r.boxes[1].w, 50);
    assert_int_equal(r.boxes[2].x, 140);
    assert_int_equal(r.boxes[2].w, 50);
    assert_int_equal(r.boxes[3].w, 0); /* the separator */
    /* a Latin word keeps its box, shared by letter: 16 px each ("Hello" is a
     * run of its own: the next word is too far) */
    assert_int_equal(r.boxes[4].x, 40);
    assert_int_equal(r.boxes[5].x, 56);
    assert_int_equal(r.lines[4], 1);
    assert_int_equal(r.lines[15], 2);
    assert_true(r.confidence > 69.9 && r.confidence < 70.1);
    ocr_result_free(&r);
    assert_int_equal(ocr_parse_hocr("not hocr", 8, &r), -1);
    ocr_result_free(&r);
}

/* tesseract 5's boxes for 请按装新的软件，大家好 drawn at x = 40 in 48 px Noto
 * Sans CJK (each character 48 px wide): they drift right along the run (按 at
 * 106, 件 at 383); the characters are drawn at 40 + 48 i. */
static void ocr_boxes_of_a_chinese_run_follow_the_characters_as_drawn(void **state)
{
    (void)state;
    static const int tess[][4] = {{42, 79, 86, 124},    {106, 79, 152, 124}, {156, 79, 182, 125},
                                  {205, 79, 260, 124},  {259, 80, 309, 124}, {308, 80, 374, 125},
                                  {383, 109, 392, 126}, {404, 75, 439, 136}, {438, 79, 470, 124},
                                  {484, 79, 518, 124},  {529, 80, 566, 125}};
    static const char *chars[] = {"请", "按", "装", "新", "的", "软", "件", "，", "大", "家", "好"};
    char hocr[8192];
    int n = snprintf(hocr, sizeof hocr,
                     "<html><body><div class='ocr_page' title='bbox 0 0 900 200'><div class='ocr_carea'>"
                     "<p class='ocr_par'><span class='ocr_line' title='bbox 42 79 566 126'>");
    for (int i = 0; i < 11; i++)
        n += snprintf(hocr + n, sizeof hocr - (size_t)n,
                      "<span class='ocrx_word' title='bbox %d %d %d %d; x_wconf 95'>"
                      "<span class='ocrx_cinfo' title='x_bboxes %d %d %d %d; x_conf 99'>%s</span></span>",
                      tess[i][0], tess[i][1], tess[i][2], tess[i][3], tess[i][0], tess[i][1], tess[i][2],
                      tess[i][3], chars[i]);
    n += snprintf(hocr + n, sizeof hocr - (size_t)n, "</span></p></div></div></body></html>");
    ocr_result_t r;
    assert_int_equal(ocr_parse_hocr(hocr, (size_t)n, &r), 0);
    assert_string_equal(r.text, "请按装新的软件，大家好");
    for (int i = 0; i < 11; i++) {
        int drawn = 40 + 48 * i;
        assert_true(r.boxes[i].x > drawn - 6 && r.boxes[i].x < drawn + 6);
        assert_true(r.boxes[i].w > 42 && r.boxes[i].w < 54);
    }
    ocr_result_free(&r);
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
        cmocka_unit_test(every_builtin_entry_compiles_and_is_found_alone),
        cmocka_unit_test(corrections_pass_clean),
        cmocka_unit_test(canonical_texts_pass_clean),
        cmocka_unit_test(fast_json_writer_matches_jansson),
        cmocka_unit_test(ocr_hocr_becomes_text_with_character_boxes),
        cmocka_unit_test(ocr_boxes_of_a_chinese_run_follow_the_characters_as_drawn),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
