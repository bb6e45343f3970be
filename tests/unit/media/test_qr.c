/* QR codes: the PNG decodes (zbarimg, zbar-tools) to the text it was made
 * from, at several scales; the SVG is one path of unit squares in a
 * viewBox with the quiet zone; what cannot be a code is refused. */
#include "support/cm.h"
#include "support/testutil.h"

#include "media/image.h"
#include "media/qr.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dir;

static int setup(void **state)
{
    (void)state;
    char err[256];
    if (media_image_init("test_qr", err, sizeof err) != 0) {
        fprintf(stderr, "media_image_init: %s\n", err);
        return -1;
    }
    dir = tu_tempdir();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tu_rmrf(dir);
    free(dir);
    media_image_shutdown();
    return 0;
}

/* zbarimg's reading of a PNG, or "" when it finds no code */
static void decode(const void *png, size_t len, char *out, size_t n)
{
    char path[512], cmd[700];
    snprintf(path, sizeof path, "%s/qr.png", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(png, 1, len, f), len);
    fclose(f);
    snprintf(cmd, sizeof cmd, "zbarimg --quiet --raw '%s' 2>/dev/null", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    out[0] = 0;
    size_t k = fread(out, 1, n - 1, p);
    out[k] = 0;
    pclose(p);
    while (k && (out[k - 1] == '\n' || out[k - 1] == '\r'))
        out[--k] = 0;
}

static void png_decodes_to_the_text(void **state)
{
    (void)state;
    const char *url = "https://dj.example.cn/m/courses/12345";
    int scales[] = {3, 8, 16};
    for (size_t i = 0; i < sizeof scales / sizeof scales[0]; i++) {
        void *png;
        size_t len;
        assert_int_equal(media_qr_png(url, scales[i], &png, &len), 0);
        assert_true(len > 8 && !memcmp(png, "\x89PNG\r\n\x1a\n", 8));
        char got[256];
        decode(png, len, got, sizeof got);
        assert_string_equal(got, url);
        free(png);
    }
}

static void svg_is_a_path_in_a_viewbox(void **state)
{
    (void)state;
    char *svg = media_qr_svg("二维码 · 党课");
    assert_non_null(svg);
    assert_non_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "));
    assert_non_null(strstr(svg, "<path fill=\"#000\" d=\"M"));
    assert_int_equal(strcmp(svg + strlen(svg) - 6, "</svg>"), 0);
    free(svg);
}

static void what_cannot_be_a_code_is_refused(void **state)
{
    (void)state;
    void *png = (void *)1;
    size_t len = 1;
    assert_int_equal(media_qr_png(NULL, 8, &png, &len), -1);
    assert_null(png);
    assert_int_equal(len, 0);
    assert_int_equal(media_qr_png("x", 0, &png, &len), -1);
    assert_int_equal(media_qr_png("x", 33, &png, &len), -1);
    assert_null(media_qr_svg(NULL));
    /* beyond the largest code (version 40, level M: 2,331 bytes) */
    char *big = malloc(4000);
    memset(big, 'a', 3999);
    big[3999] = 0;
    assert_null(media_qr_svg(big));
    assert_int_equal(media_qr_png(big, 4, &png, &len), -1);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(png_decodes_to_the_text),
        cmocka_unit_test(svg_is_a_path_in_a_viewbox),
        cmocka_unit_test(what_cannot_be_a_code_is_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
