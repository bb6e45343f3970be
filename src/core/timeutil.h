/* timeutil.h — wall-clock and monotonic time, ISO 8601 in and out.
 * Stored times are int64 milliseconds since the Unix epoch (UTC) in every
 * backend; JSON shows them as ISO 8601 with the server's offset (+08:00 in
 * Shanghai). All functions are thread-safe. */
#ifndef ZD_TIMEUTIL_H
#define ZD_TIMEUTIL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int64_t time_now_ms(void);  /* wall clock, ms since epoch */
int64_t time_mono_ns(void); /* monotonic, for durations */
/* "2026-11-29T10:47:21.123+08:00" (millis omitted when zero if !always_ms).
 * buf needs 32 bytes. Returns buf. */
char *time_iso8601(int64_t ms, char *buf, size_t bufsz);
/* "2026-11-29 10:47:21" in the server's time zone, for people (exports);
 * "" for ms <= 0. buf needs 20 bytes. Returns buf. */
char *time_local(int64_t ms, char *buf, size_t bufsz);
/* 00:00 of the day of ms in Shanghai (UTC+8, no daylight saving), in ms. */
int64_t time_shanghai_day_start(int64_t ms);
/* Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff]]" with optional "Z" or
 * "+HH:MM"; without an offset the server's local time zone applies.
 * Returns false on anything else (including impossible dates). */
bool time_parse_iso8601(const char *s, int64_t *ms);
/* An HTTP date (RFC 7231 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"). */
void time_http_date(int64_t ms, char *out, size_t outsz);
/* ms of an IMF-fixdate, or -1. */
int64_t time_parse_http_date(const char *s);
/* Sets the process time zone (e.g. "Asia/Shanghai"); false if unknown. */
bool time_set_zone(const char *tz);

#endif
