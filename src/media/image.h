/* image.h — photos with libvips and libexif: what a photo is (format,
 * pixels, EXIF), and the derivatives that are served (thumbnails, a
 * web-sized copy) with the orientation applied and every piece of metadata
 * (GPS, camera serial, the EXIF block as a whole) stripped.
 *
 * media_image_init() once per process before any other call (VIPS_INIT);
 * then thread-safe. Every call works on files, never on a caller's memory,
 * and refuses images beyond max_pixels (decompression bombs).
 */
#ifndef ZD_MEDIA_IMAGE_H
#define ZD_MEDIA_IMAGE_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int media_image_init(const char *argv0, char *err, size_t errlen);
void media_image_shutdown(void);

typedef struct {
    char format[16];     /* "jpeg", "png", "webp", "gif", "tiff", "heif" */
    int width, height;   /* as displayed: after the EXIF orientation */
    int orientation;     /* EXIF 1..8; 1 when absent */
    int64_t taken_at_ms; /* EXIF DateTimeOriginal → ms, in its OffsetTimeOriginal when recorded, else as
                             local time (Asia/Shanghai); 0 when absent */
    char camera[96];     /* "Make Model", or "" */
    bool has_gps;        /* the original carries a location: gps_lat, gps_lon in degrees, south and west
                            negative (kept out of exif: a location is not for search) */
    double gps_lat, gps_lon;
    json_t *exif; /* searchable metadata {"taken_at","camera","lens","exposure","f_number",
                             "iso","focal_length","software",...} of what is present (owned); NULL when none */
} media_image_info_t;

/* Reads the header and EXIF (not the pixels). -1 with a reason in err when
 * the file is not one of the formats above (chosen by content, never by
 * the name), or has more than max_pixels (0: 100 million). out is then
 * zeroed; free it with media_image_info_free() in both cases. */
int media_image_probe(const char *path, int64_t max_pixels, media_image_info_t *out, char *err,
                      size_t errlen);
void media_image_info_free(media_image_info_t *info); /* NULL is fine */

typedef struct {
    int max_side;       /* the longer side at most this many pixels (never enlarged) */
    int quality;        /* JPEG/WebP quality; 0: 82 */
    bool square;        /* crop to a centred square of max_side (a thumbnail for grids) */
    const char *format; /* "jpeg" (default) or "webp" */
    int64_t max_pixels; /* refuse larger sources, as media_image_probe (0: 100 million) */
} media_derive_opts_t;

/* Writes dst: orientation applied, resized, every metadata block removed
 * (EXIF, XMP, IPTC, ICC: the pixels are converted to sRGB first), alpha
 * flattened on white for JPEG; of a multi-page or animated source, the
 * first page. Sets the size written (*w, *h; NULL is fine). -1 with err,
 * and no dst left behind. */
int media_image_derive(const char *src, const char *dst, const media_derive_opts_t *opt, int *w, int *h,
                       char *err, size_t errlen);

#endif
