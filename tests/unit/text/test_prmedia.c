/* test_prmedia.c — proofreading what is written in images and videos
 * through the C API: a word rendered into a generated image is found with
 * its box; a generated clip gives a finding with its time on screen,
 * progress reaches the end, a stop request is honoured and leaves no
 * temporary frames; a file that is not a video is refused. Needs
 * ImageMagick, ffmpeg, tesseract (chi_sim) and the Noto CJK font from
 * deps/apt.txt. */
#include "support/cm.h"

#include "support/testutil.h"
#include "text/prmedia.h"
#include "text/segment.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FONT "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

static char *dir;
static pr_lexset_t *ls;

static int setup(void **state)
{
    (void)state;
    dir = tu_tempdir();
    pr_entry_t e[] = {
        {"测试敏感词", NULL, "测试", 1, 1, PR_SENSITIVE, PR_BLOCK},
        {"第二十届全国代表大会", "第二十次全国代表大会", "提法", 2, 2, PR_FORMULATION, PR_BLOCK}};
    char err[256];
    ls = pr_lexset_build(e, 2, 0, err, sizeof err);
    return ls ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    pr_lexset_release(ls);
    tu_rmrf(dir);
    free(dir);
    seg_shutdown();
    return 0;
}

static void run(const char *cmd)
{
    if (system(cmd) != 0)
        fail_msg("failed: %s", cmd);
}

static void word_in_an_image_is_found_with_its_box(void **state)
{
    (void)state;
    char cmd[1400], png[1100];
    snprintf(png, sizeof png, "%s/w.png", dir);
    snprintf(cmd, sizeof cmd,
             "convert -size 900x200 xc:white -font " FONT " -pointsize 48 -fill black -annotate +40+120 "
             "'图片中含有测试敏感词，请核实' %s",
             png);
    run(cmd);
    prmedia_image_t img;
    char err[300];
    prmedia_options_t o = {.ocr = {.retry_block = true}};
    assert_int_equal(prmedia_image(ls, png, &o, &img, err, sizeof err), 0);
    assert_non_null(strstr(img.ocr.text, "测试敏感词"));
    assert_int_equal(img.res.n, 1);
    json_t *j = prmedia_finding_json(&img.res.items[0], &img.ocr);
    json_t *box = json_object_get(j, "box");
    int x = (int)json_integer_value(json_object_get(box, "x")),
        w = (int)json_integer_value(json_object_get(box, "w"));
    /* drawn from x = 40 + 5 × 48 */
    assert_in_range(x, 200, 340);
    assert_in_range(w, 150, 320);
    assert_int_equal(json_array_size(json_object_get(j, "boxes")), 1);
    json_decref(j);
    prmedia_image_free(&img);
}

typedef struct {
    int calls;
    int64_t last_done, last_total;
    int stop_after;
} prog_t;

static bool on_progress(void *ud, int64_t done, int64_t total, const char *note)
{
    prog_t *p = ud;
    assert_non_null(note);
    p->calls++;
    p->last_done = done;
    p->last_total = total;
    return !p->stop_after || p->calls < p->stop_after;
}

static int count_frame_dirs(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        n += strncmp(e->d_name, "proofread-frames-", 17) == 0;
    if (d)
        closedir(d);
    return n;
}

static void word_in_a_video_is_found_with_its_time_on_screen(void **state)
{
    (void)state;
    char cmd[1600], mp4[1100];
    snprintf(mp4, sizeof mp4, "%s/clip.mp4", dir);
    snprintf(cmd, sizeof cmd,
             "ffmpeg -hide_banner -loglevel error -f lavfi -i color=c=white:s=640x360:d=5:r=10 -vf "
             "\"drawtext=fontfile=" FONT
             ":text='第二十届全国代表大会':fontsize=40:fontcolor=black:x=40:y=150:"
             "enable='between(t,2,3.9)'\" -c:v libx264 -pix_fmt yuv420p -y %s",
             mp4);
    run(cmd);
    prmedia_options_t o = {.tmp_dir = dir, .interval_s = 1};
    prog_t p = {0};
    json_t *res = NULL;
    char err[300];
    assert_int_equal(prmedia_video(ls, mp4, &o, on_progress, &p, &res, err, sizeof err), 0);
    assert_int_equal(json_integer_value(json_object_get(res, "frames")), 5);
    json_t *f = json_array_get(json_object_get(res, "findings"), 0);
    assert_non_null(f);
    assert_int_equal(json_array_size(json_object_get(res, "findings")), 1);
    assert_string_equal(json_string_value(json_object_get(f, "suggestion")), "第二十次全国代表大会");
    assert_true(json_real_value(json_object_get(f, "time")) == 2.0);
    assert_true(json_real_value(json_object_get(f, "end_time")) == 4.0);
    assert_string_equal(json_string_value(json_object_get(f, "timecode")), "00:00:02");
    assert_string_equal(json_string_value(json_object_get(res, "verdict")), "block");
    assert_true(p.calls >= 5);
    assert_int_equal(p.last_done, 5);
    assert_int_equal(p.last_total, 5);
    json_decref(res);
    assert_int_equal(count_frame_dirs(), 0);

    /* a stop request ends the check and cleans up */
    prog_t stop = {.stop_after = 3};
    assert_int_equal(prmedia_video(ls, mp4, &o, on_progress, &stop, &res, err, sizeof err), -2);
    assert_null(res);
    assert_int_equal(count_frame_dirs(), 0);

    /* not a video */
    char txt[1100];
    snprintf(txt, sizeof txt, "%s/x.mp4", dir);
    FILE *fp = fopen(txt, "w");
    fputs("not a video", fp);
    fclose(fp);
    assert_int_equal(prmedia_video(ls, txt, &o, NULL, NULL, &res, err, sizeof err), -1);
    assert_true(err[0] != 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(word_in_an_image_is_found_with_its_box),
        cmocka_unit_test(word_in_a_video_is_found_with_its_time_on_screen),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
