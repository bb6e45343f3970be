/* mime.h — content type sniffing with libmagic: never trust a file name or
 * a client's Content-Type. One magic cookie is shared behind a mutex
 * (libmagic cookies are not thread-safe); the database is loaded on first
 * use. Thread-safe. */
#ifndef ZD_MIME_H
#define ZD_MIME_H
#include <stdbool.h>
#include <stddef.h>

/* The MIME type of buf[0..len) ("image/png", "video/mp4", ...) into out.
 * -1 when libmagic is unavailable or fails (out then holds
 * "application/octet-stream"). */
int mime_sniff(const void *buf, size_t len, char *out, size_t outsz);
/* The same for a file's first bytes. */
int mime_sniff_file(const char *path, char *out, size_t outsz);
/* True when type equals one of the NULL-terminated list. */
bool mime_in(const char *type, const char *const *allowed);

#endif
