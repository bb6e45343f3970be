/* crypto.c — see crypto.h. */
#include "core/crypto.h"
#include "core/str.h"
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

void crypto_hmac_sm3_hex(const void *key, size_t keylen, const void *data, size_t n, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD *m = EVP_MD_fetch(NULL, "SM3", NULL);
    if (!m || !HMAC(m, key, (int)keylen, data, n, md, &len))
        abort(); /* SM3 is in OpenSSL 3's default provider (Debian 12) */
    EVP_MD_free(m);
    str_hex(md, len, out);
}

char *crypto_base64(const unsigned char *in, size_t n)
{
    size_t cap = 4 * ((n + 2) / 3) + 1;
    char *out = malloc(cap);
    if (!out)
        abort();
    EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    return out;
}

unsigned char *crypto_unbase64(const char *in, size_t *outlen)
{
    size_t n = strlen(in);
    if (n % 4 != 0)
        return NULL;
    unsigned char *out = malloc(n / 4 * 3 + 1);
    if (!out)
        abort();
    int len = EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);
    if (len < 0) {
        free(out);
        return NULL;
    }
    /* EVP_DecodeBlock counts padding as zero bytes */
    if (n >= 1 && in[n - 1] == '=')
        len--;
    if (n >= 2 && in[n - 2] == '=')
        len--;
    *outlen = (size_t)len;
    return out;
}

static struct {
    pthread_mutex_t mu;
    bool set;
    unsigned char enc[16], mac[32], audit[32], ticket[32];
} K = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void derive(const unsigned char master[32], const char *label, unsigned char *out, size_t n)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD *m = EVP_MD_fetch(NULL, "SM3", NULL);
    if (!m || !HMAC(m, master, 32, (const unsigned char *)label, strlen(label), md, &len) || len < n)
        abort();
    EVP_MD_free(m);
    memcpy(out, md, n);
}

void crypto_set_master_key(const unsigned char key[32])
{
    pthread_mutex_lock(&K.mu);
    derive(key, "zhendi-field-enc-v1", K.enc, sizeof K.enc);
    derive(key, "zhendi-field-mac-v1", K.mac, sizeof K.mac);
    derive(key, "zhendi-audit-chain-v1", K.audit, sizeof K.audit);
    derive(key, "zhendi-ticket-v1", K.ticket, sizeof K.ticket);
    K.set = true;
    pthread_mutex_unlock(&K.mu);
}

int crypto_load_master_key(const char *path, char *err, size_t errlen)
{
    unsigned char key[32];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        crypto_random(key, sizeof key);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, key, sizeof key) != (ssize_t)sizeof key || fsync(fd) != 0) {
            snprintf(err, errlen, "cannot create key file %s: %s", path, strerror(errno));
            if (fd >= 0)
                close(fd);
            return -1;
        }
        close(fd);
        crypto_set_master_key(key);
        return 0;
    }
    if (fd < 0) {
        snprintf(err, errlen, "cannot read key file %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    ssize_t got = read(fd, key, sizeof key);
    bool loose = fstat(fd, &st) == 0 && (st.st_mode & 077);
    close(fd);
    if (got != (ssize_t)sizeof key) {
        snprintf(err, errlen, "key file %s must hold exactly 32 bytes", path);
        return -1;
    }
    if (loose) {
        snprintf(err, errlen, "key file %s is readable by others; chmod 600 it", path);
        return -1;
    }
    crypto_set_master_key(key);
    return 0;
}

static void keyed_mac_hex(const unsigned char *which, const void *data, size_t n, char out[65])
{
    pthread_mutex_lock(&K.mu);
    bool set = K.set;
    unsigned char key[32];
    memcpy(key, which, sizeof key);
    pthread_mutex_unlock(&K.mu);
    if (!set)
        abort(); /* a programming error: the identity module loads the key first */
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD *m = EVP_MD_fetch(NULL, "SM3", NULL);
    if (!m || !HMAC(m, key, sizeof key, data, n, md, &len))
        abort();
    EVP_MD_free(m);
    for (unsigned int i = 0; i < len && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    out[64] = 0;
}

void crypto_audit_mac_hex(const void *data, size_t n, char out[65]) { keyed_mac_hex(K.audit, data, n, out); }

void crypto_ticket_mac_hex(const void *data, size_t n, char out[65])
{
    keyed_mac_hex(K.ticket, data, n, out);
}

static bool sm4_ctr(const unsigned char *key, const unsigned char iv[16], const unsigned char *in, size_t n,
                    unsigned char *out)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "SM4-CTR", NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int len = 0, fin = 0;
    bool ok = c && ctx && EVP_EncryptInit_ex2(ctx, c, key, iv, NULL) == 1 &&
              EVP_EncryptUpdate(ctx, out, &len, in, (int)n) == 1 &&
              EVP_EncryptFinal_ex(ctx, out + len, &fin) == 1;
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
    return ok;
}

static void mac_of(const unsigned char *data, size_t n, unsigned char out[32])
{
    unsigned int len = 0;
    EVP_MD *m = EVP_MD_fetch(NULL, "SM3", NULL);
    if (!m || !HMAC(m, K.mac, sizeof K.mac, data, n, out, &len))
        abort();
    EVP_MD_free(m);
}

char *crypto_seal(const char *plaintext)
{
    if (!K.set || !plaintext)
        return NULL;
    size_t n = strlen(plaintext);
    unsigned char *buf = malloc(16 + n + 32);
    if (!buf)
        abort();
    crypto_random(buf, 16);
    if (!sm4_ctr(K.enc, buf, (const unsigned char *)plaintext, n, buf + 16)) {
        free(buf);
        return NULL;
    }
    mac_of(buf, 16 + n, buf + 16 + n);
    char *b64 = crypto_base64(buf, 16 + n + 32);
    free(buf);
    char *out = malloc(strlen(b64) + 4);
    if (!out)
        abort();
    memcpy(out, "v1.", 3);
    strcpy(out + 3, b64);
    free(b64);
    return out;
}

char *crypto_open(const char *sealed)
{
    if (!K.set || !sealed || strncmp(sealed, "v1.", 3) != 0)
        return NULL;
    size_t n = 0;
    unsigned char *buf = crypto_unbase64(sealed + 3, &n);
    if (!buf || n < 48) {
        free(buf);
        return NULL;
    }
    unsigned char mac[32];
    mac_of(buf, n - 32, mac);
    char *out = NULL;
    if (str_ct_equal(mac, buf + n - 32, 32)) {
        out = malloc(n - 48 + 1);
        if (!out)
            abort();
        if (sm4_ctr(K.enc, buf, buf + 16, n - 48, (unsigned char *)out))
            out[n - 48] = 0;
        else {
            free(out);
            out = NULL;
        }
    }
    free(buf);
    return out;
}
