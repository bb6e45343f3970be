/* image.c — photos with libvips and libexif; see image.h.
 *
 * Only the formats the header names are accepted (JPEG, PNG, WebP, GIF,
 * TIFF, HEIF/AVIF): libvips can also open PDF, SVG and, through
 * ImageMagick, dozens of others, and an upload must not reach those
 * parsers under a photo's name. The loader is chosen by content
 * (vips_foreign_find_load sniffs the bytes), never by the extension.
 *
 * Every other loader is blocked process-wide at init (libvips's own
 * "untrusted" set included), so that even a file that changes between the
 * sniff and the load cannot reach them. Files are opened as VipsSource:
 * vips_image_new_from_file() would read "name.jpg[option=...]" as options.
 *
 * The pixel limit is checked on the header before any pixel is decoded;
 * the derivative is made by vips_thumbnail (shrink-on-load, orientation
 * applied) and saved with strip, after the metadata fields have also been
 * removed from the image itself.
 *
 * Thread safety: libvips operations are thread-safe; its error buffer is
 * one per process, so under concurrent failures a message may carry
 * another thread's text (only the wording of err is affected).
 */
#include "media/image.h"
#include "core/dynlib.h"
#include "core/str.h"
#include "core/timeutil.h"
#include <dlfcn.h>
#include <errno.h>
#include <libexif/exif-data.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vips/vips.h>
#include <webp/mux.h>

/* libvips is opened with dlopen() by media_image_init(), not linked: its
 * hundred-odd dependencies (cairo, poppler, OpenEXR, HDF5, ImageMagick …)
 * cost every start of the binary ≈ 80 ms of CPU in the dynamic loader, also
 * for the commands that never touch an image (`zhendi proofread --text`,
 * issue 16). The functions used here are looked up once; the names below
 * stand for the pointers. */
#define ZD_VIPS_FUNCS(X)                                                                                     \
    X(vips_area_unref)                                                                                       \
    X(vips_array_double_newv)                                                                                \
    X(vips_block_untrusted_set)                                                                              \
    X(vips_cache_set_max)                                                                                    \
    X(vips_cache_set_max_files)                                                                              \
    X(vips_cache_set_max_mem)                                                                                \
    X(vips_cast_uchar)                                                                                       \
    X(vips_colourspace)                                                                                      \
    X(vips_copy)                                                                                             \
    X(vips_error)                                                                                            \
    X(vips_error_buffer_copy)                                                                                \
    X(vips_error_clear)                                                                                      \
    X(vips_error_system)                                                                                     \
    X(vips_flatten)                                                                                          \
    X(vips_foreign_find_load_source)                                                                         \
    X(vips_image_get_blob)                                                                                   \
    X(vips_image_get_fields)                                                                                 \
    X(vips_image_get_format)                                                                                 \
    X(vips_image_get_height)                                                                                 \
    X(vips_image_get_int)                                                                                    \
    X(vips_image_get_interpretation)                                                                         \
    X(vips_image_get_typeof)                                                                                 \
    X(vips_image_get_width)                                                                                  \
    X(vips_image_hasalpha)                                                                                   \
    X(vips_image_new_from_source)                                                                            \
    X(vips_image_remove)                                                                                     \
    X(vips_init)                                                                                             \
    X(vips_jpegsave)                                                                                         \
    X(vips_nickname_find)                                                                                    \
    X(vips_operation_block_set)                                                                              \
    X(vips_shutdown)                                                                                         \
    X(vips_source_new_from_file)                                                                             \
    X(vips_thumbnail_source)                                                                                 \
    X(vips_version)                                                                                          \
    X(vips_webpsave_buffer)

static ZD_DL_TABLE(ZD_VIPS_FUNCS) vx;

/* 0 with every function found; -1 with a reason in err */
static int vips_open(char *err, size_t errlen)
{
    char so[64];
    snprintf(so, sizeof so, "libvips.so.%d", VIPS_LIBRARY_CURRENT - VIPS_LIBRARY_AGE);
    int rc;
    ZD_DL_LOAD(rc, vx, ZD_VIPS_FUNCS, so, RTLD_GLOBAL, err, errlen);
    return rc;
}

#define vips_area_unref               (*vx.vips_area_unref)
#define vips_array_double_newv        (*vx.vips_array_double_newv)
#define vips_block_untrusted_set      (*vx.vips_block_untrusted_set)
#define vips_cache_set_max            (*vx.vips_cache_set_max)
#define vips_cache_set_max_files      (*vx.vips_cache_set_max_files)
#define vips_cache_set_max_mem        (*vx.vips_cache_set_max_mem)
#define vips_cast_uchar               (*vx.vips_cast_uchar)
#define vips_colourspace              (*vx.vips_colourspace)
#define vips_copy                     (*vx.vips_copy)
#define vips_error                    (*vx.vips_error)
#define vips_error_buffer_copy        (*vx.vips_error_buffer_copy)
#define vips_error_clear              (*vx.vips_error_clear)
#define vips_error_system             (*vx.vips_error_system)
#define vips_flatten                  (*vx.vips_flatten)
#define vips_foreign_find_load_source (*vx.vips_foreign_find_load_source)
#define vips_image_get_blob           (*vx.vips_image_get_blob)
#define vips_image_get_fields         (*vx.vips_image_get_fields)
#define vips_image_get_format         (*vx.vips_image_get_format)
#define vips_image_get_height         (*vx.vips_image_get_height)
#define vips_image_get_int            (*vx.vips_image_get_int)
#define vips_image_get_interpretation (*vx.vips_image_get_interpretation)
#define vips_image_get_typeof         (*vx.vips_image_get_typeof)
#define vips_image_get_width          (*vx.vips_image_get_width)
#define vips_image_hasalpha           (*vx.vips_image_hasalpha)
#define vips_image_new_from_source    (*vx.vips_image_new_from_source)
#define vips_image_remove             (*vx.vips_image_remove)
#define vips_init                     (*vx.vips_init)
#define vips_jpegsave                 (*vx.vips_jpegsave)
#define vips_nickname_find            (*vx.vips_nickname_find)
#define vips_operation_block_set      (*vx.vips_operation_block_set)
#define vips_shutdown                 (*vx.vips_shutdown)
#define vips_source_new_from_file     (*vx.vips_source_new_from_file)
#define vips_thumbnail_source         (*vx.vips_thumbnail_source)
#define vips_version                  (*vx.vips_version)
#define vips_webpsave_buffer          (*vx.vips_webpsave_buffer)

#define DEFAULT_MAX_PIXELS 100000000LL /* 100 million: a 10000 × 10000 photo */

/* the loader classes of the formats accepted (and their File, Buffer and
 * Source subclasses); every other loader is blocked */
static const char *const LOADERS[] = {"VipsForeignLoadJpeg",  "VipsForeignLoadPng",  "VipsForeignLoadWebp",
                                      "VipsForeignLoadNsgif", "VipsForeignLoadTiff", "VipsForeignLoadHeif"};

/* 0: never started; 1: ready; -1: VIPS_INIT failed; 2: shut down (libvips
 * cannot be started again in the same process) */
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int vips_state;

int media_image_init(const char *argv0, char *err, size_t errlen)
{
    pthread_mutex_lock(&init_lock);
    int st = atomic_load(&vips_state);
    char why[256] = "";
    if (st == 0) {
        if (vips_open(why, sizeof why) != 0 || VIPS_INIT(argv0 ? argv0 : "zhendi") != 0) {
            st = -1;
        } else {
            /* no operation cache: every call opens its file afresh and
             * memory stays bounded by the images in flight */
            vips_cache_set_max(0);
            vips_cache_set_max_mem(0);
            vips_cache_set_max_files(0);
            vips_block_untrusted_set(TRUE);
            vips_operation_block_set("VipsForeignLoad", TRUE);
            for (size_t i = 0; i < sizeof LOADERS / sizeof LOADERS[0]; i++)
                vips_operation_block_set(LOADERS[i], FALSE);
            st = 1;
        }
        atomic_store(&vips_state, st);
    }
    pthread_mutex_unlock(&init_lock);
    if (st == 1)
        return 0;
    if (st == 2)
        snprintf(err, errlen, "图片处理组件已关闭");
    else
        snprintf(err, errlen, "图片处理组件 (libvips) 无法启动%s%s", *why ? ": " : "", why);
    return -1;
}

void media_image_shutdown(void)
{
    pthread_mutex_lock(&init_lock);
    if (atomic_load(&vips_state) == 1) {
        vips_shutdown();
        atomic_store(&vips_state, 2);
    }
    pthread_mutex_unlock(&init_lock);
}

static bool ready(char *err, size_t errlen)
{
    if (atomic_load(&vips_state) == 1)
        return true;
    snprintf(err, errlen, "图片处理组件未初始化");
    return false;
}

/* The message of the failed vips call (first line), and the error buffer
 * cleared for the next call on this thread. */
static void vips_reason(char *out, size_t outsz)
{
    char *m = vips_error_buffer_copy();
    vips_error_clear();
    size_t n = m ? strcspn(m, "\n") : 0;
    snprintf(out, outsz, "%.*s", (int)(n < 200 ? n : 200), m ? m : "");
    g_free(m);
}

/* ---- opening ---- */

static const struct {
    const char *nick; /* the loader operation's nickname */
    const char *format;
} FORMATS[] = {
    {"jpegload", "jpeg"}, {"pngload", "png"},   {"webpload", "webp"},
    {"gifload", "gif"},   {"tiffload", "tiff"}, {"heifload", "heif"},
};

/* A source on path, or NULL with err. */
static VipsSource *open_source(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (!path || stat(path, &st) != 0 || !S_ISREG(st.st_mode) || access(path, R_OK) != 0) {
        snprintf(err, errlen, "图片文件不存在或无法读取");
        return NULL;
    }
    VipsSource *src = vips_source_new_from_file(path);
    if (!src) {
        vips_error_clear();
        snprintf(err, errlen, "图片文件无法打开");
    }
    return src;
}

/* The header of source (no pixels decoded) with its format, or NULL with
 * err when the format is not accepted or the image has more than
 * max_pixels (0: the default). */
static VipsImage *open_header(VipsSource *source, int64_t max_pixels, char format[16], char *err,
                              size_t errlen)
{
    const char *loader = vips_foreign_find_load_source(source);
    if (!loader) {
        vips_error_clear();
        snprintf(err, errlen, "不是可以识别的图片文件");
        return NULL;
    }
    const char *nick = vips_nickname_find(g_type_from_name(loader));
    const char *fmt = NULL;
    for (size_t i = 0; nick && i < sizeof FORMATS / sizeof FORMATS[0] && !fmt; i++)
        if (str_starts_with(nick, FORMATS[i].nick))
            fmt = FORMATS[i].format;
    if (!fmt) {
        char kind[32];
        snprintf(kind, sizeof kind, "%.*s", nick ? (int)strcspn(nick, "_") : 0, nick ? nick : "");
        size_t kl = strlen(kind);
        if (kl > 4 && !strcmp(kind + kl - 4, "load"))
            kind[kl - 4] = 0;
        snprintf(err, errlen, "不支持的图片格式（%s），请上传 JPEG、PNG、WebP、GIF、TIFF 或 HEIF 图片",
                 kind[0] ? kind : "未知");
        return NULL;
    }
    VipsImage *img = vips_image_new_from_source(source, "", "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    if (!img) {
        vips_error_clear();
        snprintf(err, errlen, "图片文件已损坏或格式无法识别");
        return NULL;
    }
    int64_t limit = max_pixels > 0 ? max_pixels : DEFAULT_MAX_PIXELS;
    int64_t px = (int64_t)vips_image_get_width(img) * vips_image_get_height(img);
    if (px <= 0 || px > limit) {
        if (limit >= 10000)
            snprintf(err, errlen, "图片尺寸过大（%d × %d 像素，上限 %lld 万像素）", vips_image_get_width(img),
                     vips_image_get_height(img), (long long)(limit / 10000));
        else
            snprintf(err, errlen, "图片尺寸过大（%d × %d 像素，上限 %lld 像素）", vips_image_get_width(img),
                     vips_image_get_height(img), (long long)limit);
        g_object_unref(img);
        return NULL;
    }
    str_lcpy(format, fmt, 16);
    return img;
}

/* ---- EXIF ---- */

static ExifEntry *entry(ExifData *ed, ExifIfd ifd, ExifTag tag)
{
    return ed->ifd[ifd] ? exif_content_get_entry(ed->ifd[ifd], tag) : NULL;
}

/* An ASCII entry as trimmed, well-formed UTF-8 without control characters;
 * false when absent or empty. */
static bool exif_text(ExifData *ed, ExifIfd ifd, ExifTag tag, char *out, size_t outsz)
{
    ExifEntry *e = entry(ed, ifd, tag);
    out[0] = 0;
    if (!e || !e->data || (e->format != EXIF_FORMAT_ASCII && e->format != EXIF_FORMAT_UNDEFINED))
        return false;
    size_t n = e->size < outsz - 1 ? e->size : outsz - 1;
    size_t o = 0;
    for (size_t i = 0; i < n && e->data[i]; i++)
        out[o++] = (char)((unsigned char)e->data[i] < 0x20 || e->data[i] == 0x7f ? ' ' : e->data[i]);
    out[o] = 0;
    while (o > 0 && out[o - 1] == ' ')
        out[--o] = 0;
    size_t lead = strspn(out, " ");
    memmove(out, out + lead, o - lead + 1);
    o -= lead;
    if (!utf8_valid(out, o)) /* a legacy encoding: not worth guessing */
        out[0] = 0;
    return out[0] != 0;
}

/* The index-th rational of an entry as a double; false when absent or x/0. */
static bool exif_rational(ExifData *ed, ExifIfd ifd, ExifTag tag, unsigned index, double *v)
{
    ExifEntry *e = entry(ed, ifd, tag);
    if (!e || !e->data || e->format != EXIF_FORMAT_RATIONAL || e->components <= index ||
        e->size < (index + 1) * 8)
        return false;
    ExifRational r = exif_get_rational(e->data + index * 8, exif_data_get_byte_order(ed));
    if (r.denominator == 0)
        return false;
    *v = (double)r.numerator / (double)r.denominator;
    return true;
}

/* A SHORT or LONG entry; false when absent. */
static bool exif_uint(ExifData *ed, ExifIfd ifd, ExifTag tag, unsigned *v)
{
    ExifEntry *e = entry(ed, ifd, tag);
    if (!e || !e->data || e->components < 1)
        return false;
    ExifByteOrder o = exif_data_get_byte_order(ed);
    if (e->format == EXIF_FORMAT_SHORT && e->size >= 2)
        *v = exif_get_short(e->data, o);
    else if (e->format == EXIF_FORMAT_LONG && e->size >= 4)
        *v = exif_get_long(e->data, o);
    else
        return false;
    return true;
}

/* Degrees from the three rationals (d, m, s) and the N/S or E/W reference;
 * negative is the upper-case letter of the negative half ('S', 'W'). */
static bool exif_coord(ExifData *ed, ExifTag tag, ExifTag ref_tag, char negative, double limit, double *out)
{
    double d, m, s;
    char ref[8];
    if (!exif_rational(ed, EXIF_IFD_GPS, tag, 0, &d) || !exif_rational(ed, EXIF_IFD_GPS, tag, 1, &m) ||
        !exif_rational(ed, EXIF_IFD_GPS, tag, 2, &s))
        return false;
    double v = d + m / 60.0 + s / 3600.0;
    if (exif_text(ed, EXIF_IFD_GPS, ref_tag, ref, sizeof ref) &&
        (ref[0] == negative || ref[0] == negative + 32))
        v = -v;
    if (!isfinite(v) || fabs(v) > limit)
        return false;
    *out = v;
    return true;
}

/* "1/125 s" below a second, "2.5 s" above */
static void fmt_exposure(double t, char *out, size_t outsz)
{
    if (t > 0 && t < 1)
        snprintf(out, outsz, "1/%.0f s", 1.0 / t);
    else
        snprintf(out, outsz, "%g s", t);
}

/* Reads the EXIF block libvips found in the header (JPEG APP1, PNG eXIf,
 * WebP and HEIF EXIF): libexif's own file loader only knows JPEG. */
static void read_exif(VipsImage *img, media_image_info_t *o)
{
    const void *blob = NULL;
    size_t len = 0;
    if (!vips_image_get_typeof(img, VIPS_META_EXIF_NAME) ||
        vips_image_get_blob(img, VIPS_META_EXIF_NAME, &blob, &len) != 0 || !blob || len < 8) {
        vips_error_clear();
        return;
    }
    /* without FOLLOW_SPECIFICATION: libexif would otherwise "fix" the
     * block by adding the mandatory entries it lacks, with made-up values */
    ExifData *ed = exif_data_new();
    if (!ed)
        return;
    exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
    exif_data_load_data(ed, blob, (unsigned)len);
    json_t *j = json_object();
    char s[256], s2[128];
    unsigned u;
    double v;

    if (exif_text(ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, s, sizeof s) && strlen(s) >= 19 &&
        s[4] == ':' && s[7] == ':') {
        /* "YYYY:MM:DD HH:MM:SS", the camera's clock: in the offset the
         * camera recorded (EXIF 2.31 OffsetTimeOriginal "+HH:MM"), else
         * Shanghai time */
        char iso[40], off[16];
        if (!exif_text(ed, EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME_ORIGINAL, off, sizeof off) ||
            strlen(off) != 6 || (off[0] != '+' && off[0] != '-') || off[3] != ':')
            strcpy(off, "+08:00");
        snprintf(iso, sizeof iso, "%.4s-%.2s-%.2sT%.8s%s", s, s + 5, s + 8, s + 11, off);
        int64_t ms;
        if (time_parse_iso8601(iso, &ms)) {
            o->taken_at_ms = ms;
            json_object_set_new(j, "taken_at", json_string(iso));
        }
    }
    char make[96] = "", model[96] = "";
    exif_text(ed, EXIF_IFD_0, EXIF_TAG_MAKE, make, sizeof make);
    exif_text(ed, EXIF_IFD_0, EXIF_TAG_MODEL, model, sizeof model);
    /* "Canon" + "Canon EOS R5" → "Canon EOS R5"; "NIKON CORPORATION" + "NIKON Z 6" → "NIKON Z 6" */
    size_t w = strcspn(make, " ");
    if (make[0] && model[0] && (strncasecmp(model, make, w) != 0 || (model[w] != ' ' && model[w] != 0)))
        snprintf(o->camera, sizeof o->camera, "%.40s %.54s", make, model);
    else
        str_lcpy(o->camera, model[0] ? model : make, sizeof o->camera);
    if (o->camera[0])
        json_object_set_new(j, "camera", json_string(o->camera));
    if (exif_text(ed, EXIF_IFD_EXIF, EXIF_TAG_LENS_MODEL, s, sizeof s)) {
        if (exif_text(ed, EXIF_IFD_EXIF, EXIF_TAG_LENS_MAKE, s2, sizeof s2) &&
            strncasecmp(s, s2, strlen(s2)) != 0) {
            char both[400];
            snprintf(both, sizeof both, "%s %s", s2, s);
            json_object_set_new(j, "lens", json_string(both));
        } else {
            json_object_set_new(j, "lens", json_string(s));
        }
    }
    if (exif_rational(ed, EXIF_IFD_EXIF, EXIF_TAG_EXPOSURE_TIME, 0, &v) && v > 0) {
        fmt_exposure(v, s, sizeof s);
        json_object_set_new(j, "exposure", json_string(s));
    }
    if (exif_rational(ed, EXIF_IFD_EXIF, EXIF_TAG_FNUMBER, 0, &v) && v > 0) {
        snprintf(s, sizeof s, "f/%g", round(v * 10) / 10);
        json_object_set_new(j, "f_number", json_string(s));
    }
    if (exif_uint(ed, EXIF_IFD_EXIF, EXIF_TAG_ISO_SPEED_RATINGS, &u) && u > 0) {
        snprintf(s, sizeof s, "ISO %u", u);
        json_object_set_new(j, "iso", json_string(s));
    }
    if (exif_rational(ed, EXIF_IFD_EXIF, EXIF_TAG_FOCAL_LENGTH, 0, &v) && v > 0) {
        snprintf(s, sizeof s, "%g mm", round(v * 10) / 10);
        json_object_set_new(j, "focal_length", json_string(s));
    }
    if (exif_text(ed, EXIF_IFD_0, EXIF_TAG_SOFTWARE, s, sizeof s))
        json_object_set_new(j, "software", json_string(s));
    if (exif_uint(ed, EXIF_IFD_0, EXIF_TAG_ORIENTATION, &u) && u >= 1 && u <= 8) {
        o->orientation = (int)u;
        json_object_set_new(j, "orientation", json_integer(u));
    }
    double lat, lon;
    if (exif_coord(ed, EXIF_TAG_GPS_LATITUDE, EXIF_TAG_GPS_LATITUDE_REF, 'S', 90, &lat) &&
        exif_coord(ed, EXIF_TAG_GPS_LONGITUDE, EXIF_TAG_GPS_LONGITUDE_REF, 'W', 180, &lon)) {
        o->has_gps = true;
        o->gps_lat = lat;
        o->gps_lon = lon;
    }
    exif_data_unref(ed);
    if (json_object_size(j) > 0)
        o->exif = j;
    else
        json_decref(j);
}

int media_image_probe(const char *path, int64_t max_pixels, media_image_info_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->orientation = 1;
    if (!ready(err, errlen))
        return -1;
    VipsSource *source = open_source(path, err, errlen);
    if (!source)
        return -1;
    VipsImage *img = open_header(source, max_pixels, out->format, err, errlen);
    g_object_unref(source);
    if (!img)
        return -1;
    out->width = vips_image_get_width(img);
    out->height = vips_image_get_height(img);
    read_exif(img, out);
    /* formats whose orientation libvips reads outside EXIF */
    int orient = 0;
    if (out->orientation == 1 && vips_image_get_typeof(img, VIPS_META_ORIENTATION) &&
        vips_image_get_int(img, VIPS_META_ORIENTATION, &orient) == 0 && orient >= 1 && orient <= 8)
        out->orientation = orient;
    vips_error_clear();
    if (out->orientation >= 5) {
        int t = out->width;
        out->width = out->height;
        out->height = t;
    }
    g_object_unref(img);
    return 0;
}

void media_image_info_free(media_image_info_t *info)
{
    if (!info)
        return;
    json_decref(info->exif);
    info->exif = NULL;
}

/* ---- derivatives ---- */

/* Removes every metadata field of img: the blobs (EXIF, XMP, IPTC, ICC)
 * and the "exif-ifd*" strings libvips parsed out of the EXIF block, from
 * which its savers rebuild one. strip alone is not enough: the webpsave of
 * libvips 8.14.1 (Debian 12) writes EXIF with GPS despite strip. */
static void remove_metadata(VipsImage *img)
{
    gchar **fields = vips_image_get_fields(img);
    for (size_t i = 0; fields && fields[i]; i++)
        vips_image_remove(img, fields[i]); /* the header's own fields stay */
    g_strfreev(fields);
}

/* Writes the WebP in buf to dst without its EXIF, XMP and ICC chunks: the
 * webpsave of libvips 8.14 adds an EXIF chunk of its own (orientation,
 * resolution) even with strip. 0, or -1 with a vips error set. */
static int write_webp_bare(const void *buf, size_t len, const char *dst)
{
    WebPData in = {buf, len}, bare = {NULL, 0};
    WebPMux *mux = WebPMuxCreate(&in, 0);
    int rc = -1;
    if (!mux) {
        vips_error("webp", "the encoder's output cannot be parsed");
        return -1;
    }
    static const char *const CHUNKS[] = {"EXIF", "XMP ", "ICCP"};
    for (size_t i = 0; i < sizeof CHUNKS / sizeof CHUNKS[0]; i++)
        WebPMuxDeleteChunk(mux, CHUNKS[i]); /* WEBP_MUX_NOT_FOUND when absent */
    if (WebPMuxAssemble(mux, &bare) != WEBP_MUX_OK) {
        vips_error("webp", "cannot assemble the file");
        goto out;
    }
    FILE *f = fopen(dst, "wb");
    if (!f) {
        vips_error_system(errno, "webp", "cannot create %s", dst);
        goto out;
    }
    bool ok = fwrite(bare.bytes, 1, bare.size, f) == bare.size;
    if (fclose(f) != 0 || !ok) {
        vips_error_system(errno, "webp", "cannot write %s", dst);
        goto out;
    }
    rc = 0;
out:
    WebPDataClear(&bare);
    WebPMuxDelete(mux);
    return rc;
}

int media_image_derive(const char *src, const char *dst, const media_derive_opts_t *opt, int *w, int *h,
                       char *err, size_t errlen)
{
    if (w)
        *w = 0;
    if (h)
        *h = 0;
    if (!ready(err, errlen))
        return -1;
    const char *fmt = opt->format && *opt->format ? opt->format : "jpeg";
    bool webp = !strcmp(fmt, "webp");
    if (!webp && strcmp(fmt, "jpeg") != 0) {
        snprintf(err, errlen, "不支持的输出格式：%.20s", fmt);
        return -1;
    }
    if (opt->max_side <= 0) {
        snprintf(err, errlen, "缩略图尺寸必须大于 0");
        return -1;
    }
    int quality = opt->quality > 0 && opt->quality <= 100 ? opt->quality : 82;
    char format[16], why[220];
    VipsSource *source = open_source(src, err, errlen);
    if (!source)
        return -1;
    VipsImage *hdr = open_header(source, opt->max_pixels, format, err, errlen);
    if (!hdr) {
        g_object_unref(source);
        return -1;
    }
    int sw = vips_image_get_width(hdr), sh = vips_image_get_height(hdr);
    g_object_unref(hdr);

    /* a square never larger than the shorter side (never enlarged) */
    int tw = opt->max_side, th = opt->max_side;
    if (opt->square) {
        int shorter = sw < sh ? sw : sh;
        if (tw > shorter)
            tw = th = shorter;
    }
    int rc = -1;
    VipsImage *t[4] = {NULL, NULL, NULL, NULL};
    /* the same source again: it rewinds, and the bytes sniffed are the
     * bytes decoded */
    int tr = vips_thumbnail_source(source, &t[0], tw, "height", th, "size", VIPS_SIZE_DOWN, "crop",
                                   opt->square ? VIPS_INTERESTING_CENTRE : VIPS_INTERESTING_NONE,
                                   "export_profile", "srgb", NULL);
    g_object_unref(source);
    if (tr != 0) {
        vips_reason(why, sizeof why);
        snprintf(err, errlen, "图片文件已损坏或无法解码（%s）", why);
        goto out;
    }
    VipsImage *cur = t[0];
    /* 8-bit sRGB (or grey), flattened on white for JPEG */
    VipsInterpretation in = vips_image_get_interpretation(cur);
    if (in != VIPS_INTERPRETATION_sRGB && in != VIPS_INTERPRETATION_B_W) {
        if (vips_colourspace(cur, &t[1], VIPS_INTERPRETATION_sRGB, NULL) != 0)
            goto vips_fail;
        cur = t[1];
    }
    if (!webp && vips_image_hasalpha(cur)) {
        VipsArrayDouble *white = vips_array_double_newv(1, 255.0);
        int fr = vips_flatten(cur, &t[2], "background", white, NULL);
        vips_area_unref(VIPS_AREA(white));
        if (fr != 0)
            goto vips_fail;
        cur = t[2];
    }
    if (vips_image_get_format(cur) != VIPS_FORMAT_UCHAR) {
        if (vips_cast_uchar(cur, &t[3], NULL) != 0)
            goto vips_fail;
        cur = t[3];
    }
    VipsImage *clean = NULL;
    if (vips_copy(cur, &clean, NULL) != 0)
        goto vips_fail;
    remove_metadata(clean);
    int sr;
    if (webp) {
        void *buf = NULL;
        size_t len = 0;
        sr = vips_webpsave_buffer(clean, &buf, &len, "Q", quality, "strip", TRUE, NULL);
        if (sr == 0)
            sr = write_webp_bare(buf, len, dst);
        g_free(buf);
    } else {
        sr = vips_jpegsave(clean, dst, "Q", quality, "strip", TRUE, "optimize_coding", TRUE, NULL);
    }
    if (sr == 0) {
        if (w)
            *w = vips_image_get_width(clean);
        if (h)
            *h = vips_image_get_height(clean);
        rc = 0;
    } else {
        vips_reason(why, sizeof why);
        snprintf(err, errlen, "无法写入图片（%s）", why);
        unlink(dst);
    }
    g_object_unref(clean);
    goto out;
vips_fail:
    vips_reason(why, sizeof why);
    snprintf(err, errlen, "图片转换失败（%s）", why);
out:
    for (int i = 3; i >= 0; i--)
        if (t[i])
            g_object_unref(t[i]);
    return rc;
}
