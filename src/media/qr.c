/* qr.c — QR codes with libqrencode, written as SVG (a path of unit squares)
 * or PNG (libvips saves the module grid drawn at the asked scale); see qr.h. */
#include "media/qr.h"
#include "core/str.h"
#include <glib.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

#define MARGIN 4

char *media_qr_svg(const char *text)
{
    QRcode *qr = text ? QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) : NULL;
    if (!qr)
        return NULL;
    int w = qr->width, size = w + 2 * MARGIN;
    sbuf_t b;
    sbuf_init(&b);
    sbuf_printf(
        &b,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">"
        "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
        size, size);
    for (int y = 0; y < w; y++)
        for (int x = 0; x < w; x++)
            if (qr->data[y * w + x] & 1)
                sbuf_printf(&b, "M%d %dh1v1h-1z", x + MARGIN, y + MARGIN);
    sbuf_puts(&b, "\"/></svg>");
    QRcode_free(qr);
    return sbuf_detach(&b);
}

int media_qr_png(const char *text, int scale, void **png, size_t *len)
{
    *png = NULL;
    *len = 0;
    if (scale < 1 || scale > 32)
        return -1;
    QRcode *qr = text ? QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) : NULL;
    if (!qr)
        return -1;
    int w = qr->width, side = (w + 2 * MARGIN) * scale;
    unsigned char *px = malloc((size_t)side * (size_t)side);
    int rc = -1;
    if (!px)
        goto out;
    memset(px, 255, (size_t)side * (size_t)side);
    for (int y = 0; y < w; y++)
        for (int x = 0; x < w; x++)
            if (qr->data[y * w + x] & 1)
                for (int dy = 0; dy < scale; dy++)
                    memset(px + (size_t)((y + MARGIN) * scale + dy) * (size_t)side +
                               (size_t)(x + MARGIN) * scale,
                           0, (size_t)scale);
    VipsImage *img =
        vips_image_new_from_memory(px, (size_t)side * (size_t)side, side, side, 1, VIPS_FORMAT_UCHAR);
    if (!img)
        goto out;
    void *buf = NULL;
    size_t n = 0;
    if (vips_pngsave_buffer(img, &buf, &n, "compression", 9, NULL) == 0 && buf) {
        /* libvips allocates with g_malloc: hand the caller a malloc'd copy */
        *png = malloc(n);
        if (*png) {
            memcpy(*png, buf, n);
            *len = n;
            rc = 0;
        }
        g_free(buf);
    } else {
        vips_error_clear();
    }
    g_object_unref(img);
out:
    free(px);
    QRcode_free(qr);
    return rc;
}
