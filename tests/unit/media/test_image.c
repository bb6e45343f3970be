/* Photos: probe (format, size as displayed, EXIF, GPS, time taken), the
 * pixel limit checked on the header, derivatives without metadata and
 * with the orientation applied, refusal of what is not a photo. The
 * inputs are made here: pixels with libvips, EXIF with libexif, spliced
 * into the JPEG as an APP1 segment. */
#include "support/cm.h"
#include "support/testutil.h"

#include "core/timeutil.h"
#include "media/image.h"
#include <libexif/exif-data.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

static char *dir;

static int setup(void **state)
{
    (void)state;
    char err[256];
    if (media_image_init("test_image", err, sizeof err) != 0) {
        fprintf(stderr, "media_image_init: %s\n", err);
        return -1;
    }
    dir = tu_tempdir();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (!getenv("ZD_KEEP")) /* ZD_KEEP=1: keep the inputs and outputs to look at */
        tu_rmrf(dir);
    free(dir);
    media_image_shutdown();
    return 0;
}

static void path_of(char *out, size_t outsz, const char *name) { snprintf(out, outsz, "%s/%s", dir, name); }

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n + 1);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static bool contains(const unsigned char *hay, size_t n, const char *needle)
{
    size_t l = strlen(needle);
    for (size_t i = 0; i + l <= n; i++)
        if (!memcmp(hay + i, needle, l))
            return true;
    return false;
}

/* ---- making inputs ---- */

typedef struct {
    const char *make, *model, *taken, *offset; /* NULL: absent */
    int orientation;                           /* 0: absent */
    bool gps;
    double lat, lon; /* signed degrees */
} exif_spec_t;

static ExifEntry *put(ExifData *ed, ExifIfd ifd, ExifTag tag, ExifFormat fmt, unsigned n)
{
    ExifMem *mem = exif_mem_new_default();
    ExifEntry *e = exif_entry_new_mem(mem);
    e->size = exif_format_get_size(fmt) * n;
    e->data = exif_mem_alloc(mem, e->size);
    e->tag = tag;
    e->format = fmt;
    e->components = n;
    exif_content_add_entry(ed->ifd[ifd], e);
    exif_mem_unref(mem);
    exif_entry_unref(e);
    return e;
}

static void put_ascii(ExifData *ed, ExifIfd ifd, ExifTag tag, const char *s)
{
    ExifEntry *e = put(ed, ifd, tag, EXIF_FORMAT_ASCII, (unsigned)strlen(s) + 1);
    memcpy(e->data, s, strlen(s) + 1);
}

static void put_rationals(ExifData *ed, ExifIfd ifd, ExifTag tag, const ExifRational *r, unsigned n)
{
    ExifEntry *e = put(ed, ifd, tag, EXIF_FORMAT_RATIONAL, n);
    for (unsigned i = 0; i < n; i++)
        exif_set_rational(e->data + 8 * i, EXIF_BYTE_ORDER_INTEL, r[i]);
}

static void put_dms(ExifData *ed, ExifTag tag, ExifTag ref_tag, double v, const char *pos, const char *neg)
{
    double a = fabs(v);
    unsigned d = (unsigned)a, m = (unsigned)((a - d) * 60);
    double s = (a - d - m / 60.0) * 3600;
    ExifRational r[3] = {{d, 1}, {m, 1}, {(ExifLong)llround(s * 100), 100}};
    put_rationals(ed, EXIF_IFD_GPS, tag, r, 3);
    put_ascii(ed, EXIF_IFD_GPS, ref_tag, v < 0 ? neg : pos);
}

/* The APP1 segment's payload ("Exif\0\0" + TIFF) for spec; caller frees. */
static unsigned char *exif_block(const exif_spec_t *x, unsigned *len)
{
    ExifData *ed = exif_data_new();
    exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
    exif_data_set_byte_order(ed, EXIF_BYTE_ORDER_INTEL);
    if (x->make)
        put_ascii(ed, EXIF_IFD_0, EXIF_TAG_MAKE, x->make);
    if (x->model)
        put_ascii(ed, EXIF_IFD_0, EXIF_TAG_MODEL, x->model);
    put_ascii(ed, EXIF_IFD_0, EXIF_TAG_SOFTWARE, "zhendi-test");
    if (x->orientation) {
        ExifEntry *e = put(ed, EXIF_IFD_0, EXIF_TAG_ORIENTATION, EXIF_FORMAT_SHORT, 1);
        exif_set_short(e->data, EXIF_BYTE_ORDER_INTEL, (ExifShort)x->orientation);
    }
    if (x->taken)
        put_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, x->taken);
    if (x->offset)
        put_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME_ORIGINAL, x->offset);
    ExifRational exposure = {1, 125}, fnum = {28, 10}, focal = {50, 1};
    put_rationals(ed, EXIF_IFD_EXIF, EXIF_TAG_EXPOSURE_TIME, &exposure, 1);
    put_rationals(ed, EXIF_IFD_EXIF, EXIF_TAG_FNUMBER, &fnum, 1);
    put_rationals(ed, EXIF_IFD_EXIF, EXIF_TAG_FOCAL_LENGTH, &focal, 1);
    ExifEntry *iso = put(ed, EXIF_IFD_EXIF, EXIF_TAG_ISO_SPEED_RATINGS, EXIF_FORMAT_SHORT, 1);
    exif_set_short(iso->data, EXIF_BYTE_ORDER_INTEL, 200);
    if (x->gps) {
        put_dms(ed, EXIF_TAG_GPS_LATITUDE, EXIF_TAG_GPS_LATITUDE_REF, x->lat, "N", "S");
        put_dms(ed, EXIF_TAG_GPS_LONGITUDE, EXIF_TAG_GPS_LONGITUDE_REF, x->lon, "E", "W");
    }
    unsigned char *buf = NULL;
    exif_data_save_data(ed, &buf, len);
    exif_data_unref(ed);
    assert_non_null(buf);
    return buf;
}

/* A w × h JPEG (or PNG) at path: the left half red, the right half blue,
 * with the EXIF of x when given (JPEG only). */
static void make_image(const char *path, int w, int h, const exif_spec_t *x, bool png)
{
    unsigned char *px = malloc((size_t)w * h * 3);
    for (int y = 0; y < h; y++)
        for (int i = 0; i < w; i++) {
            unsigned char *p = px + ((size_t)y * w + i) * 3;
            p[0] = i < w / 2 ? 230 : 10;
            p[1] = 10;
            p[2] = i < w / 2 ? 10 : 230;
        }
    VipsImage *img = vips_image_new_from_memory_copy(px, (size_t)w * h * 3, w, h, 3, VIPS_FORMAT_UCHAR);
    free(px);
    assert_non_null(img);
    void *buf = NULL;
    size_t len = 0;
    int rc = png ? vips_pngsave_buffer(img, &buf, &len, "strip", TRUE, NULL)
                 : vips_jpegsave_buffer(img, &buf, &len, "Q", 90, "strip", TRUE, NULL);
    g_object_unref(img);
    assert_int_equal(rc, 0);
    if (!x || png) {
        write_file(path, buf, len);
        g_free(buf);
        return;
    }
    unsigned elen;
    unsigned char *ex = exif_block(x, &elen);
    size_t seg = elen + 2;
    unsigned char *out = malloc(len + seg + 2);
    memcpy(out, buf, 2); /* SOI */
    out[2] = 0xFF;
    out[3] = 0xE1;
    out[4] = (unsigned char)(seg >> 8);
    out[5] = (unsigned char)(seg & 0xFF);
    memcpy(out + 6, ex, elen);
    memcpy(out + 6 + elen, (unsigned char *)buf + 2, len - 2);
    write_file(path, out, len + seg + 2);
    free(out);
    free(ex);
    g_free(buf);
}

static const exif_spec_t SHANGHAI = {.make = "Canon",
                                     .model = "Canon EOS R5",
                                     .taken = "2024:05:01 10:20:30",
                                     .orientation = 6,
                                     .gps = true,
                                     .lat = 31.2304,
                                     .lon = 121.4737};

/* ---- probe ---- */

static void probe_reads_size_orientation_exif_and_gps(void **state)
{
    (void)state;
    char p[1100], err[256];
    path_of(p, sizeof p, "exif.jpg");
    make_image(p, 200, 100, &SHANGHAI, false);
    media_image_info_t in;
    assert_int_equal(media_image_probe(p, 0, &in, err, sizeof err), 0);
    assert_string_equal(in.format, "jpeg");
    assert_int_equal(in.orientation, 6);
    assert_int_equal(in.width, 100); /* as displayed: turned a quarter */
    assert_int_equal(in.height, 200);
    assert_string_equal(in.camera, "Canon EOS R5");
    assert_true(in.has_gps);
    assert_true(fabs(in.gps_lat - 31.2304) < 1e-4);
    assert_true(fabs(in.gps_lon - 121.4737) < 1e-4);
    int64_t want;
    assert_true(time_parse_iso8601("2024-05-01T10:20:30+08:00", &want));
    assert_int_equal(in.taken_at_ms, want);
    assert_non_null(in.exif);
    assert_string_equal(json_string_value(json_object_get(in.exif, "taken_at")), "2024-05-01T10:20:30+08:00");
    assert_string_equal(json_string_value(json_object_get(in.exif, "camera")), "Canon EOS R5");
    assert_string_equal(json_string_value(json_object_get(in.exif, "exposure")), "1/125 s");
    assert_string_equal(json_string_value(json_object_get(in.exif, "f_number")), "f/2.8");
    assert_string_equal(json_string_value(json_object_get(in.exif, "iso")), "ISO 200");
    assert_string_equal(json_string_value(json_object_get(in.exif, "focal_length")), "50 mm");
    assert_string_equal(json_string_value(json_object_get(in.exif, "software")), "zhendi-test");
    /* the location stays out of the searchable metadata */
    char *dump = json_dumps(in.exif, 0);
    assert_null(strstr(dump, "31.2"));
    assert_null(strstr(dump, "gps"));
    free(dump);
    media_image_info_free(&in);
    media_image_info_free(NULL);
}

static void probe_southern_western_gps_and_recorded_offset(void **state)
{
    (void)state;
    char p[1100], err[256];
    path_of(p, sizeof p, "south.jpg");
    exif_spec_t x = {.make = "NIKON CORPORATION",
                     .model = "NIKON Z 6",
                     .taken = "2023:12:31 23:59:59",
                     .offset = "-03:00",
                     .gps = true,
                     .lat = -34.6037,
                     .lon = -58.3816};
    make_image(p, 64, 48, &x, false);
    media_image_info_t in;
    assert_int_equal(media_image_probe(p, 0, &in, err, sizeof err), 0);
    assert_int_equal(in.orientation, 1);
    assert_int_equal(in.width, 64);
    assert_int_equal(in.height, 48);
    assert_string_equal(in.camera, "NIKON Z 6");
    assert_true(in.has_gps);
    assert_true(fabs(in.gps_lat + 34.6037) < 1e-4);
    assert_true(fabs(in.gps_lon + 58.3816) < 1e-4);
    int64_t want;
    assert_true(time_parse_iso8601("2024-01-01T02:59:59Z", &want));
    assert_int_equal(in.taken_at_ms, want);
    media_image_info_free(&in);
}

static void probe_png_without_exif(void **state)
{
    (void)state;
    char p[1100], err[256];
    path_of(p, sizeof p, "plain.png");
    make_image(p, 30, 20, NULL, true);
    media_image_info_t in;
    assert_int_equal(media_image_probe(p, 0, &in, err, sizeof err), 0);
    assert_string_equal(in.format, "png");
    assert_int_equal(in.width, 30);
    assert_int_equal(in.height, 20);
    assert_int_equal(in.orientation, 1);
    assert_int_equal(in.taken_at_ms, 0);
    assert_false(in.has_gps);
    assert_string_equal(in.camera, "");
    assert_null(in.exif);
    media_image_info_free(&in);
}

/* A JPEG whose frame header claims 60000 × 60000 pixels: refused from the
 * header, at once, by probe and by derive. */
static void pixel_limit_refuses_before_decoding(void **state)
{
    (void)state;
    char p[1100], bomb[1100], out[1100], err[256];
    path_of(p, sizeof p, "small.jpg");
    path_of(bomb, sizeof bomb, "bomb.jpg");
    path_of(out, sizeof out, "bomb-thumb.jpg");
    make_image(p, 64, 64, NULL, false);
    media_image_info_t in;
    assert_int_equal(media_image_probe(p, 64 * 64 - 1, &in, err, sizeof err), -1);
    assert_non_null(strstr(err, "过大"));
    assert_int_equal(media_image_probe(p, 64 * 64, &in, err, sizeof err), 0);
    media_image_info_free(&in);

    size_t len;
    unsigned char *b = read_file(p, &len);
    bool patched = false;
    for (size_t i = 2; i + 9 < len;) { /* walk the markers to the frame header */
        assert_int_equal(b[i], 0xFF);
        unsigned m = b[i + 1], seglen = (unsigned)b[i + 2] << 8 | b[i + 3];
        if (m == 0xC0 || m == 0xC2) {
            b[i + 5] = b[i + 7] = 0xEA; /* 0xEA60 = 60000 */
            b[i + 6] = b[i + 8] = 0x60;
            patched = true;
            break;
        }
        i += 2 + seglen;
    }
    assert_true(patched);
    write_file(bomb, b, len);
    free(b);
    int64_t t0 = time_mono_ns();
    assert_int_equal(media_image_probe(bomb, 0, &in, err, sizeof err), -1);
    assert_non_null(strstr(err, "60000 × 60000"));
    media_image_info_free(&in);
    media_derive_opts_t o = {.max_side = 100};
    int w = -1, h = -1;
    assert_int_equal(media_image_derive(bomb, out, &o, &w, &h, err, sizeof err), -1);
    assert_non_null(strstr(err, "过大"));
    assert_int_equal(w, 0);
    assert_true((time_mono_ns() - t0) / 1000000 < 1000);
    assert_int_equal(access(out, F_OK), -1);
}

/* ---- derive ---- */

static void pixel_at(const char *path, int x, int y, double rgb[3])
{
    VipsImage *img = vips_image_new_from_file(path, NULL);
    assert_non_null(img);
    double *v = NULL;
    int n = 0;
    assert_int_equal(vips_getpoint(img, &v, &n, x, y, NULL), 0);
    assert_true(n >= 3);
    memcpy(rgb, v, 3 * sizeof *v);
    g_free(v);
    g_object_unref(img);
}

static void derive_applies_orientation_and_strips_metadata(void **state)
{
    (void)state;
    char p[1100], out[1100], err[256];
    path_of(p, sizeof p, "orient.jpg");
    path_of(out, sizeof out, "orient-thumb.jpg");
    make_image(p, 200, 100, &SHANGHAI, false);
    media_derive_opts_t o = {.max_side = 64};
    int w = 0, h = 0;
    if (media_image_derive(p, out, &o, &w, &h, err, sizeof err) != 0)
        fail_msg("derive: %s", err);
    assert_int_equal(w, 32);
    assert_int_equal(h, 64);
    /* orientation 6: the stored left (red) is the displayed top */
    double top[3], bottom[3];
    pixel_at(out, 16, 4, top);
    pixel_at(out, 16, 60, bottom);
    assert_true(top[0] > 180 && top[2] < 70);
    assert_true(bottom[2] > 180 && bottom[0] < 70);

    media_image_info_t in;
    assert_int_equal(media_image_probe(out, 0, &in, err, sizeof err), 0);
    assert_string_equal(in.format, "jpeg");
    assert_int_equal(in.width, 32);
    assert_int_equal(in.height, 64);
    assert_int_equal(in.orientation, 1);
    assert_false(in.has_gps);
    assert_null(in.exif);
    media_image_info_free(&in);
    size_t len;
    unsigned char *b = read_file(out, &len);
    assert_false(contains(b, len, "Exif"));
    assert_false(contains(b, len, "Canon"));
    assert_false(contains(b, len, "zhendi-test"));
    assert_false(contains(b, len, "http://ns.adobe.com")); /* XMP */
    assert_false(contains(b, len, "ICC_PROFILE"));
    free(b);
}

static void derive_webp_square_and_never_enlarged(void **state)
{
    (void)state;
    char p[1100], out[1100], err[256];
    path_of(p, sizeof p, "sq.jpg");
    path_of(out, sizeof out, "sq.webp");
    make_image(p, 200, 100, &SHANGHAI, false);
    media_derive_opts_t o = {.max_side = 64, .square = true, .format = "webp", .quality = 70};
    int w = 0, h = 0;
    if (media_image_derive(p, out, &o, &w, &h, err, sizeof err) != 0)
        fail_msg("derive: %s", err);
    assert_int_equal(w, 64);
    assert_int_equal(h, 64);
    media_image_info_t in;
    assert_int_equal(media_image_probe(out, 0, &in, err, sizeof err), 0);
    assert_string_equal(in.format, "webp");
    assert_int_equal(in.width, 64);
    assert_null(in.exif);
    assert_false(in.has_gps);
    media_image_info_free(&in);
    size_t len;
    unsigned char *b = read_file(out, &len);
    assert_false(contains(b, len, "EXIF"));
    assert_false(contains(b, len, "Exif"));
    assert_false(contains(b, len, "Canon"));
    assert_false(contains(b, len, "XMP "));
    assert_false(contains(b, len, "ICCP"));
    free(b);

    /* larger than the source: the square is the shorter side, the fit is the source */
    o = (media_derive_opts_t){.max_side = 5000, .square = true};
    path_of(out, sizeof out, "sq-big.jpg");
    assert_int_equal(media_image_derive(p, out, &o, &w, &h, err, sizeof err), 0);
    assert_int_equal(w, 100);
    assert_int_equal(h, 100);
    o.square = false;
    assert_int_equal(media_image_derive(p, out, &o, &w, &h, err, sizeof err), 0);
    assert_int_equal(w, 100);
    assert_int_equal(h, 200);

    /* bad options */
    o = (media_derive_opts_t){.max_side = 0};
    assert_int_equal(media_image_derive(p, out, &o, &w, &h, err, sizeof err), -1);
    o = (media_derive_opts_t){.max_side = 10, .format = "gif"};
    assert_int_equal(media_image_derive(p, out, &o, &w, &h, err, sizeof err), -1);
    assert_non_null(strstr(err, "gif"));
}

/* A transparent PNG: white in the JPEG, transparent still in the WebP */
static void derive_flattens_alpha_for_jpeg_only(void **state)
{
    (void)state;
    char p[1100], out[1100], err[256];
    path_of(p, sizeof p, "clear.png");
    VipsImage *black = NULL, *rgb = NULL, *rgba = NULL;
    assert_int_equal(vips_black(&black, 40, 30, "bands", 3, NULL), 0);
    assert_int_equal(vips_copy(black, &rgb, "interpretation", VIPS_INTERPRETATION_sRGB, NULL), 0);
    assert_int_equal(vips_bandjoin_const1(rgb, &rgba, 0, NULL), 0);
    assert_int_equal(vips_pngsave(rgba, p, NULL), 0);
    g_object_unref(rgba);
    g_object_unref(rgb);
    g_object_unref(black);
    media_derive_opts_t o = {.max_side = 20};
    int w, h;
    path_of(out, sizeof out, "clear.jpg");
    if (media_image_derive(p, out, &o, &w, &h, err, sizeof err) != 0)
        fail_msg("derive: %s", err);
    assert_int_equal(w, 20);
    assert_int_equal(h, 15);
    double px[3];
    pixel_at(out, 10, 7, px);
    assert_true(px[0] > 250 && px[1] > 250 && px[2] > 250);
    path_of(out, sizeof out, "clear.webp");
    o.format = "webp";
    assert_int_equal(media_image_derive(p, out, &o, &w, &h, err, sizeof err), 0);
    VipsImage *img = vips_image_new_from_file(out, NULL);
    assert_non_null(img);
    assert_int_equal(vips_image_get_bands(img), 4);
    g_object_unref(img);
}

static void not_a_photo_is_refused_clearly(void **state)
{
    (void)state;
    char p[1100], out[1100], err[256];
    media_image_info_t in;
    media_derive_opts_t o = {.max_side = 64};
    int w, h;
    path_of(out, sizeof out, "never.jpg");
    static const struct {
        const char *name, *data, *says;
        size_t len; /* 0: strlen */
    } cases[] = {
        {"text.jpg", "hello, this is not a photo\n", "不是可以识别的图片"},
        {"numbers.jpg", "1 2 3\n4 5 6\n", "不支持的图片格式"}, /* libvips would read it as a matrix */
        {"vector.png", "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>",
         "不支持的图片格式"},
        {"bitmap.jpg", "P6\n2 2\n255\n\1\2\3\4\5\6\7\10\11\12\13\14", "不支持的图片格式（ppm）"},
        {"head.jpg", "\xFF\xD8\xFF\xE0\0\x10JFIF\0\1\1\0\0\1\0\1\0\0\xFF\xDB", "损坏", 22},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        path_of(p, sizeof p, cases[i].name);
        write_file(p, cases[i].data, cases[i].len ? cases[i].len : strlen(cases[i].data));
        assert_int_equal(media_image_probe(p, 0, &in, err, sizeof err), -1);
        if (!strstr(err, cases[i].says))
            fail_msg("%s: %s", cases[i].name, err);
        media_image_info_free(&in);
        assert_int_equal(media_image_derive(p, out, &o, &w, &h, err, sizeof err), -1);
        assert_int_equal(access(out, F_OK), -1);
    }
    path_of(p, sizeof p, "missing.jpg");
    assert_int_equal(media_image_probe(p, 0, &in, err, sizeof err), -1);
    assert_non_null(strstr(err, "不存在"));
    assert_int_equal(media_image_probe(dir, 0, &in, err, sizeof err), -1);

    /* a JPEG cut short after its header: no crash, a result or a reason */
    char good[1100];
    path_of(good, sizeof good, "whole.jpg");
    make_image(good, 300, 200, NULL, false);
    size_t len;
    unsigned char *b = read_file(good, &len);
    path_of(p, sizeof p, "cut.jpg");
    write_file(p, b, len / 3);
    free(b);
    if (media_image_derive(p, out, &o, &w, &h, err, sizeof err) == 0)
        assert_int_equal(w, 64);
    else
        assert_true(err[0] != 0);
}

/* ---- threads ---- */

static void *derive_many(void *arg)
{
    const char *src = arg;
    for (int i = 0; i < 8; i++) {
        char out[1200], err[256];
        snprintf(out, sizeof out, "%s-%lu-%d.jpg", src, (unsigned long)pthread_self(), i);
        media_derive_opts_t o = {.max_side = 40 + i, .square = i % 2};
        int w = 0, h = 0;
        if (media_image_derive(src, out, &o, &w, &h, err, sizeof err) != 0 || (w > h ? w : h) != 40 + i)
            return (void *)1;
        media_image_info_t in;
        int rc = media_image_probe(src, 0, &in, err, sizeof err);
        bool ok = rc == 0 && in.orientation == 6 && in.has_gps;
        media_image_info_free(&in);
        if (!ok)
            return (void *)1;
    }
    return NULL;
}

static void concurrent_calls_from_job_threads(void **state)
{
    (void)state;
    char p[1100];
    path_of(p, sizeof p, "threads.jpg");
    make_image(p, 400, 300, &SHANGHAI, false);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, derive_many, p), 0);
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        assert_null(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(probe_reads_size_orientation_exif_and_gps),
        cmocka_unit_test(probe_southern_western_gps_and_recorded_offset),
        cmocka_unit_test(probe_png_without_exif),
        cmocka_unit_test(pixel_limit_refuses_before_decoding),
        cmocka_unit_test(derive_applies_orientation_and_strips_metadata),
        cmocka_unit_test(derive_webp_square_and_never_enlarged),
        cmocka_unit_test(derive_flattens_alpha_for_jpeg_only),
        cmocka_unit_test(not_a_photo_is_refused_clearly),
        cmocka_unit_test(concurrent_calls_from_job_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
