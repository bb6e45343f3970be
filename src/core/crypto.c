/* crypto.c — see crypto.h. */
#include "core/crypto.h"
#include "core/str.h"
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>

void crypto_random(void *buf, size_t n)
{
    if (RAND_bytes(buf, (int)n) != 1) {
        fputs("zhendi: no secure random source\n", stderr);
        abort();
    }
}

void crypto_random_hex(size_t n, char *out)
{
    unsigned char b[128];
    if (n > sizeof b)
        abort();
    crypto_random(b, n);
    str_hex(b, n, out);
}

static void digest_hex(const char *alg, const void *data, size_t n, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD *m = EVP_MD_fetch(NULL, alg, NULL);
    if (!m || EVP_Digest(data, n, md, &len, m, NULL) != 1 || len != 32) {
        fprintf(stderr, "zhendi: digest %s unavailable\n", alg);
        abort();
    }
    EVP_MD_free(m);
    str_hex(md, len, out);
}

void crypto_sha256_hex(const void *data, size_t n, char out[65]) { digest_hex("SHA256", data, n, out); }
void crypto_sm3_hex(const void *data, size_t n, char out[65]) { digest_hex("SM3", data, n, out); }

void crypto_hmac_sha256_hex(const void *key, size_t keylen, const void *data, size_t n, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), key, (int)keylen, data, n, md, &len))
        abort();
    str_hex(md, len, out);
}
