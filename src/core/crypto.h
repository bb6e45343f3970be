/* crypto.h — thin, typed wrappers over OpenSSL 3 for what the platform
 * needs: a CSPRNG, digests (SHA-256, SM3), HMAC and random tokens.
 * All functions are thread-safe. */
#ifndef ZD_CRYPTO_H
#define ZD_CRYPTO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fills buf with n cryptographically secure random bytes; aborts if the
 * system cannot provide them (continuing would issue guessable tokens). */
void crypto_random(void *buf, size_t n);
/* Random token: n random bytes as lower-case hex into out (2n+1 bytes). */
void crypto_random_hex(size_t n, char *out);
/* Digest of data as lower-case hex: sha256 → 65 bytes, sm3 → 65 bytes. */
void crypto_sha256_hex(const void *data, size_t n, char out[65]);
void crypto_sm3_hex(const void *data, size_t n, char out[65]);
/* HMAC-SHA256 as hex. */
void crypto_hmac_sha256_hex(const void *key, size_t keylen, const void *data, size_t n, char out[65]);

#endif
