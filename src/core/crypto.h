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
/* HMAC-SM3 as hex (request signing, docs/bigdata-protocol.md). */
void crypto_hmac_sm3_hex(const void *key, size_t keylen, const void *data, size_t n, char out[65]);

/* Base64 (standard alphabet, padded). Caller frees; decode returns NULL on
 * malformed input and sets *outlen. */
char *crypto_base64(const unsigned char *in, size_t n);
unsigned char *crypto_unbase64(const char *in, size_t *outlen);

/* Field encryption with the national algorithms: SM4-CTR, authenticated with
 * HMAC-SM3 (encrypt-then-MAC), keys derived from one 32-byte master key.
 * The master key is read from path, or created there (mode 0600) when
 * missing; every node of a cluster must share the same file. */
int crypto_load_master_key(const char *path, char *err, size_t errlen);
/* Sets the master key directly (tests). */
void crypto_set_master_key(const unsigned char key[32]);
/* HMAC-SM3 of data as hex under the audit chain's key (derived from the
 * master key); aborts before a master key is set. */
void crypto_audit_mac_hex(const void *data, size_t n, char out[65]);
/* The same under a key of its own, for short-lived tickets the server hands
 * out and checks later (a share link unlocked by its password). */
void crypto_ticket_mac_hex(const void *data, size_t n, char out[65]);
/* "v1." + base64(iv | ciphertext | mac); NULL on failure. Caller frees. */
char *crypto_seal(const char *plaintext);
/* The plaintext, or NULL when sealed was altered or made with another key.
 * Caller frees. */
char *crypto_open(const char *sealed);

#endif
