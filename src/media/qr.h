/* qr.h — QR codes (libqrencode, error correction M, 8-bit mode) as SVG or
 * PNG: the one encoder of the server (TOTP enrolment, course codes).
 * Thread-safe, no image library needed. */
#ifndef ZD_MEDIA_QR_H
#define ZD_MEDIA_QR_H
#include <stddef.h>

/* The text as an SVG document with a 4-module quiet zone, one unit per
 * module (scales to any size). Caller frees; NULL on failure (text too
 * long for a QR code, out of memory). */
char *media_qr_svg(const char *text);

/* The text as a greyscale PNG, scale pixels per module (1–32) and a
 * 4-module quiet zone. Caller frees *png (g_free-compatible: free());
 * 0, or -1 on failure. */
int media_qr_png(const char *text, int scale, void **png, size_t *len);

#endif
