/* str.h — byte buffers and UTF-8 helpers shared by every module.
 * sbuf_t is a growable heap buffer, always NUL-terminated; the owner calls
 * sbuf_free(). Allocation failure aborts (see arena.h for why). */
#ifndef ZD_STR_H
#define ZD_STR_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *data; /* NUL-terminated; NULL until the first append */
    size_t len, cap;
} sbuf_t;

void sbuf_init(sbuf_t *b);
void sbuf_free(sbuf_t *b); /* leaves b empty and reusable */
void sbuf_reserve(sbuf_t *b, size_t extra);
void sbuf_append(sbuf_t *b, const void *data, size_t n);
void sbuf_puts(sbuf_t *b, const char *s);
void sbuf_putc(sbuf_t *b, char c);
void sbuf_printf(sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_vprintf(sbuf_t *b, const char *fmt, va_list ap);
/* Appends s as the inside of a JSON string (no quotes), escaping as needed. */
void sbuf_json_escape(sbuf_t *b, const char *s, size_t n);
/* Hands the buffer to the caller (free()), leaves b empty. Never NULL. */
char *sbuf_detach(sbuf_t *b);

/* UTF-8 */
/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
bool utf8_valid(const char *s, size_t n);
/* Length of the longest prefix of s[0..n) with at most max_chars code points
 * that does not cut a character in half. */
size_t utf8_prefix(const char *s, size_t n, size_t max_chars);
/* Start of the longest suffix of s[0..n) with at most max_chars code points
 * that does not begin inside a character. */
size_t utf8_suffix(const char *s, size_t n, size_t max_chars);
/* Number of code points in well-formed s[0..n). */
size_t utf8_count(const char *s, size_t n);
/* Decodes one code point at s (n bytes available); returns its byte length,
 * or 0 on malformed input (then *cp is set to U+FFFD). */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Encodes cp into out (4 bytes room); returns the byte length. */
size_t utf8_encode(uint32_t cp, char *out);

/* Misc */
bool str_starts_with(const char *s, const char *prefix);
/* A User-Agent header in words: "Chrome 120 · Windows 10/11", "微信 8 · iOS",
 * "curl 8 · 未知系统"; "" for NULL or empty. out needs 64 bytes. */
char *str_user_agent(const char *ua, char *out, size_t outsz);
bool str_ends_with(const char *s, const char *suffix);
/* Parses a whole decimal int64; false on junk, empty or overflow. */
bool str_to_int64(const char *s, int64_t *out);
/* Copies at most dstsz-1 bytes, always NUL-terminates; returns strlen(src). */
size_t str_lcpy(char *dst, const char *src, size_t dstsz);
/* Constant-time comparison of two equal-length secrets. */
bool str_ct_equal(const void *a, const void *b, size_t n);
/* Lower-case hex of n bytes into out (2n+1 bytes). */
void str_hex(const unsigned char *in, size_t n, char *out);

/* A copy of s with ASCII letters in lower case (malloc'd; aborts when out of memory). */
char *str_ascii_lower(const char *s);

#endif
