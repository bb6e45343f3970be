/* totp.h — RFC 6238 TOTP (liboath): 30-second steps, 6 digits, SHA-1, as the
 * authenticator apps expect; enrolment URIs and QR codes (libqrencode).
 * Thread-safe after totp_init(). */
#ifndef ZD_TOTP_H
#define ZD_TOTP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int totp_init(void);
/* A new random secret as base32 (32 characters) into out (≥ 33 bytes). */
void totp_new_secret(char *out, size_t outsz);
bool totp_secret_valid(const char *b32);
/* The code for time now_s (tests and tools). 0 on success. */
int totp_code(const char *b32, int64_t now_s, char out[7]);
/* Checks code against now_s ±1 step. On success returns the matched step
 * (> last_step, which prevents reuse of a code); -1 when wrong or reused. */
int64_t totp_check(const char *b32, const char *code, int64_t now_s, int64_t last_step);
/* otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=... (caller frees) */
char *totp_uri(const char *issuer, const char *account, const char *b32);
/* The text as a QR code in SVG (caller frees), NULL on failure. */
char *totp_qr_svg(const char *text);

#endif
