/* qr.c — QR codes with libqrencode, written as SVG (a path of unit squares)
 * or PNG (a one-bit greyscale image, deflated with zlib: a QR code needs no
 * image library, and the commands that never show one never load libvips);
 * see qr.h. */
#include "media/qr.h"
#include "core/str.h"
#include <qrencode.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

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

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Appends one PNG chunk (length, type, data, CRC over type and data). */
static void png_chunk(sbuf_t *b, const char *type, const unsigned char *data, size_t n)
{
    unsigned char hdr[8];
    put32(hdr, (uint32_t)n);
    memcpy(hdr + 4, type, 4);
    sbuf_append(b, hdr, 8);
    if (n)
        sbuf_append(b, data, n);
    uLong crc = crc32(0L, (const Bytef *)type, 4);
    if (n)
        crc = crc32(crc, data, (uInt)n);
    unsigned char c[4];
    put32(c, (uint32_t)crc);
    sbuf_append(b, c, 4);
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
    /* rows of one bit per pixel (1 white), each after its filter byte 0 */
    size_t stride = 1 + ((size_t)side + 7) / 8, raw_len = stride * (size_t)side;
    unsigned char *raw = malloc(raw_len);
    uLongf zlen = compressBound((uLong)raw_len);
    unsigned char *z = malloc(zlen);
    int rc = -1;
    if (!raw || !z)
        goto out;
    for (int py = 0; py < side; py++) {
        unsigned char *row = raw + (size_t)py * stride;
        memset(row, 0, stride);
        for (int px = 0; px < side; px++) {
            int mx = px / scale - MARGIN, my = py / scale - MARGIN;
            bool dark = mx >= 0 && my >= 0 && mx < w && my < w && (qr->data[my * w + mx] & 1);
            if (!dark)
                row[1 + px / 8] |= (unsigned char)(0x80 >> (px % 8));
        }
    }
    if (compress2(z, &zlen, raw, (uLong)raw_len, 9) != Z_OK)
        goto out;
    sbuf_t b;
    sbuf_init(&b);
    sbuf_append(&b, "\x89PNG\r\n\x1a\n", 8);
    unsigned char ihdr[13];
    put32(ihdr, (uint32_t)side);
    put32(ihdr + 4, (uint32_t)side);
    ihdr[8] = 1;  /* bit depth */
    ihdr[9] = 0;  /* greyscale */
    ihdr[10] = 0; /* deflate */
    ihdr[11] = 0; /* filter method */
    ihdr[12] = 0; /* no interlace */
    png_chunk(&b, "IHDR", ihdr, sizeof ihdr);
    png_chunk(&b, "IDAT", z, zlen);
    png_chunk(&b, "IEND", NULL, 0);
    *len = b.len;
    *png = sbuf_detach(&b);
    rc = *png ? 0 : -1;
out:
    free(raw);
    free(z);
    QRcode_free(qr);
    return rc;
}
