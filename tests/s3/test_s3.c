/* test_s3.c — the S3 object store (blob_s3.c) against a real S3-compatible
 * server: tests/s3/run.sh starts Ceph's RADOS Gateway on a throw-away
 * single-node cluster, creates a bucket and runs this with
 *
 *   ZHENDI_S3_ENDPOINT   http://127.0.0.1:PORT (path style)
 *   ZHENDI_S3_VHOST      http://localhost:PORT (virtual-host style: curl
 *                        resolves <bucket>.localhost to 127.0.0.1 itself)
 *   ZHENDI_S3_BUCKET, ZHENDI_S3_ACCESS_KEY, ZHENDI_S3_SECRET_KEY
 *
 * Every operation of blob.h: put (single and multipart, copy and move,
 * overwrite), stat, read_at ranges, fetch, remove (key, prefix), list
 * (pages), open_fd and local_path; the store's key prefix; errors carrying
 * S3's Code (wrong secret, missing bucket, a multipart upload the server
 * refuses — aborted, nothing left behind); threads sharing one store. Each
 * run works under its own key prefix, so runs never see each other. */
#include "support/cm.h"

#include "core/str.h"
#include "modules/storage/blob.h"
#include "modules/storage/blob_internal.h"
#include "support/testutil.h"
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MIB ((int64_t)1 << 20)

static const char *endpoint, *vhost, *bucket, *ak, *sk;
static char run_prefix[64];
static char *dir;

static blob_store_t *store(const char *ep, bool path_style, const char *prefix, const char *secret)
{
    blob_s3_config_t c = {
        .endpoint = ep,
        .region = "us-east-1",
        .bucket = bucket,
        .prefix = prefix,
        .access_key = ak,
        .secret_key = secret,
        .path_style = path_style,
        .verify_tls = true,
        .timeout_s = 60,
    };
    char err[512];
    blob_store_t *b = blob_s3_new(&c, err, sizeof err);
    if (!b)
        fail_msg("blob_s3_new: %s", err);
    return b;
}

static blob_store_t *main_store(void) { return store(endpoint, true, run_prefix, sk); }

static void sha(char out[65], unsigned n)
{
    for (int i = 0; i < 8; i++)
        snprintf(out + i * 8, 9, "%08x", n * 2654435761u + (unsigned)i);
}

/* a file of n bytes of a position-dependent pattern (seed varies it) */
static void make_file(char *path, size_t pathsz, const char *name, int64_t n, unsigned seed)
{
    snprintf(path, pathsz, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    unsigned char buf[65536];
    for (int64_t off = 0; off < n; off += (int64_t)sizeof buf) {
        size_t len = n - off < (int64_t)sizeof buf ? (size_t)(n - off) : sizeof buf;
        for (size_t i = 0; i < len; i++) {
            uint64_t p = (uint64_t)(off + (int64_t)i);
            buf[i] = (unsigned char)((p * 31 + (p >> 13) + seed) & 0xff);
        }
        assert_int_equal(fwrite(buf, 1, len, f), len);
    }
    assert_int_equal(fclose(f), 0);
}

static unsigned char pattern_at(int64_t p, unsigned seed)
{
    return (unsigned char)(((uint64_t)p * 31 + ((uint64_t)p >> 13) + seed) & 0xff);
}

static bool same_files(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    bool same = fa && fb;
    static unsigned char x[1 << 16], y[1 << 16];
    while (same) {
        size_t na = fread(x, 1, sizeof x, fa), nb = fread(y, 1, sizeof y, fb);
        same = na == nb && memcmp(x, y, na) == 0;
        if (na == 0)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

static void put(blob_store_t *b, const char *key, const char *src, bool move)
{
    char err[512];
    if (b->ops->put_file(b, key, src, move, err, sizeof err) != 0)
        fail_msg("put %s: %s", key, err);
}

static int64_t size_of(blob_store_t *b, const char *key)
{
    char err[512];
    int64_t size = -1;
    int rc = b->ops->stat(b, key, &size, err, sizeof err);
    if (rc < 0)
        fail_msg("stat %s: %s", key, err);
    return rc == 1 ? size : -1;
}

/* ---- the raw S3 API, for what blob.h does not show ---- */

static size_t sink(char *p, size_t size, size_t n, void *ud)
{
    sbuf_append(ud, p, size * n);
    return size * n;
}

/* GET on the bucket with a canonical query; the body (caller frees) */
static char *raw_get(const char *query)
{
    char url[1024], sig[64] = "aws:amz:us-east-1:s3";
    snprintf(url, sizeof url, "%s/%s?%s", endpoint, bucket, query);
    CURL *h = curl_easy_init();
    sbuf_t body;
    sbuf_init(&body);
    struct curl_slist *hd = curl_slist_append(
        NULL, "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sig);
    curl_easy_setopt(h, CURLOPT_USERNAME, ak);
    curl_easy_setopt(h, CURLOPT_PASSWORD, sk);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
    if (status != 200)
        fail_msg("GET ?%s: HTTP %ld %s", query, status, body.data ? body.data : "");
    return sbuf_detach(&body);
}

/* Multipart uploads still open under this run's prefix. */
static int open_uploads(void)
{
    char q[256];
    snprintf(q, sizeof q, "prefix=%.*s%%2F&uploads=", (int)strlen(run_prefix) - 1, run_prefix);
    char *x = raw_get(q);
    int n = 0;
    for (const char *p = x; (p = strstr(p, "<Upload>")); p++)
        n++;
    free(x);
    return n;
}

/* ---- tests ---- */

static void put_stat_read_fetch(void **state)
{
    (void)state;
    blob_store_t *b = main_store();
    assert_string_equal(b->ops->name, "s3");
    char s[65], src[1200], dst[1200], err[512], buf[64];
    sha(s, 1);
    make_file(src, sizeof src, "small", 1000, 1);
    put(b, s, src, false);
    assert_int_equal(access(src, F_OK), 0);
    assert_int_equal(size_of(b, s), 1000);

    /* ranges */
    assert_int_equal(b->ops->read_at(b, s, 0, buf, 10, err, sizeof err), 10);
    for (int i = 0; i < 10; i++)
        assert_int_equal((unsigned char)buf[i], pattern_at(i, 1));
    assert_int_equal(b->ops->read_at(b, s, 500, buf, 7, err, sizeof err), 7);
    for (int i = 0; i < 7; i++)
        assert_int_equal((unsigned char)buf[i], pattern_at(500 + i, 1));
    assert_int_equal(b->ops->read_at(b, s, 990, buf, sizeof buf, err, sizeof err), 10);
    assert_int_equal((unsigned char)buf[9], pattern_at(999, 1));
    assert_int_equal(b->ops->read_at(b, s, 1000, buf, sizeof buf, err, sizeof err), 0);
    assert_int_equal(b->ops->read_at(b, s, 5000, buf, sizeof buf, err, sizeof err), 0);
    assert_int_equal(b->ops->read_at(b, s, 3, buf, 0, err, sizeof err), 0);
    assert_int_equal(b->ops->read_at(b, s, -1, buf, 4, err, sizeof err), -1);

    /* fetch */
    snprintf(dst, sizeof dst, "%s/fetched", dir);
    assert_int_equal(b->ops->fetch(b, s, dst, err, sizeof err), 0);
    assert_true(same_files(src, dst));
    struct stat st;
    assert_int_equal(stat(dst, &st), 0);
    assert_int_equal(st.st_mode & 0777 & ~0640u, 0);

    /* move consumes; an empty object is fine */
    char k[300];
    snprintf(k, sizeof k, "d/%s/empty.txt", s);
    make_file(src, sizeof src, "empty", 0, 0);
    put(b, k, src, true);
    assert_int_equal(access(src, F_OK), -1);
    assert_int_equal(size_of(b, k), 0);
    assert_int_equal(b->ops->read_at(b, k, 0, buf, sizeof buf, err, sizeof err), 0);
    assert_int_equal(b->ops->fetch(b, k, dst, err, sizeof err), 0);
    assert_int_equal(stat(dst, &st), 0);
    assert_int_equal(st.st_size, 0);

    /* overwrite */
    make_file(src, sizeof src, "other", 33, 9);
    put(b, s, src, false);
    assert_int_equal(size_of(b, s), 33);
    assert_int_equal(b->ops->read_at(b, s, 0, buf, sizeof buf, err, sizeof err), 33);
    assert_int_equal((unsigned char)buf[32], pattern_at(32, 9));

    /* no descriptors, no local files */
    errno = 0;
    assert_int_equal(b->ops->open_fd(b, s), -1);
    assert_int_equal(errno, ENOTSUP);
    assert_false(b->ops->local_path(b, s, buf, sizeof buf));
    blob_free(b);
}

static void absent_keys(void **state)
{
    (void)state;
    blob_store_t *b = main_store();
    char s[65], err[512] = "", buf[8], dst[1200];
    sha(s, 2);
    assert_int_equal(size_of(b, s), -1);
    assert_int_equal(b->ops->read_at(b, s, 0, buf, sizeof buf, err, sizeof err), -1);
    assert_non_null(strstr(err, "NoSuchKey"));
    snprintf(dst, sizeof dst, "%s/absent", dir);
    assert_int_equal(b->ops->fetch(b, s, dst, err, sizeof err), -1);
    assert_non_null(strstr(err, "NoSuchKey"));
    assert_int_equal(access(dst, F_OK), -1);
    assert_int_equal(b->ops->remove(b, s, false, err, sizeof err), 0);
    /* the key rules hold before any request */
    assert_int_equal(b->ops->stat(b, "../x", NULL, err, sizeof err), -1);
    assert_int_equal(b->ops->remove(b, "", true, err, sizeof err), -1);
    blob_free(b);
}

static void multipart_with_small_parts(void **state)
{
    (void)state;
    blob_store_t *b = main_store();
    blob_s3_tune(b, 5 * MIB, 5 * MIB, 0);
    char s[65], src[1200], dst[1200], err[512], buf[32];
    sha(s, 3);
    int64_t n = 12 * MIB + 3; /* three parts: 5, 5, 2 MiB + 3 */
    make_file(src, sizeof src, "mp", n, 3);
    put(b, s, src, true);
    assert_int_equal(access(src, F_OK), -1);
    assert_int_equal(size_of(b, s), n);
    /* across the first part boundary */
    int64_t at = 5 * MIB - 16;
    assert_int_equal(b->ops->read_at(b, s, at, buf, sizeof buf, err, sizeof err), sizeof buf);
    for (int i = 0; i < (int)sizeof buf; i++)
        assert_int_equal((unsigned char)buf[i], pattern_at(at + i, 3));
    make_file(src, sizeof src, "mp", n, 3);
    snprintf(dst, sizeof dst, "%s/mp.fetched", dir);
    assert_int_equal(b->ops->fetch(b, s, dst, err, sizeof err), 0);
    assert_true(same_files(src, dst));
    /* a multipart object's ETag is not an MD5: the test would not notice,
     * the whole-file compare above does */
    assert_int_equal(open_uploads(), 0);
    blob_free(b);
}

static void multipart_above_64_mib(void **state)
{
    (void)state;
    blob_store_t *b = main_store(); /* default sizes: 64 MiB threshold, 16 MiB parts */
    char s[65], src[1200], dst[1200], err[512];
    sha(s, 4);
    int64_t n = 64 * MIB + 4097;
    make_file(src, sizeof src, "big", n, 4);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    put(b, s, src, false);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(stderr, "  64 MiB + 4097 B multipart put: %.2f s\n",
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    assert_int_equal(size_of(b, s), n);
    snprintf(dst, sizeof dst, "%s/big.fetched", dir);
    assert_int_equal(b->ops->fetch(b, s, dst, err, sizeof err), 0);
    assert_true(same_files(src, dst));
    unlink(dst);
    unlink(src);
    assert_int_equal(b->ops->remove(b, s, false, err, sizeof err), 0);
    assert_int_equal(size_of(b, s), -1);
    assert_int_equal(open_uploads(), 0);
    blob_free(b);
}

static void a_refused_multipart_upload_is_aborted(void **state)
{
    (void)state;
    blob_store_t *b = main_store();
    char s[65], src[1200], err[512] = "";
    sha(s, 5);
    make_file(src, sizeof src, "keep", 10, 5);
    put(b, s, src, false);
    /* 1 MiB parts: the server takes each, then refuses to complete
     * (EntityTooSmall); the upload must be aborted, the key unchanged */
    blob_s3_tune(b, 1 * MIB, 1 * MIB, 0);
    make_file(src, sizeof src, "parts", 3 * MIB, 6);
    assert_int_equal(b->ops->put_file(b, s, src, true, err, sizeof err), -1);
    fprintf(stderr, "  refused: %s\n", err);
    assert_non_null(strstr(err, "EntityTooSmall"));
    assert_int_equal(access(src, F_OK), 0); /* not consumed on failure */
    assert_int_equal(size_of(b, s), 10);
    assert_int_equal(open_uploads(), 0);
    blob_free(b);
}

typedef struct {
    char keys[64][BLOB_KEY_MAX + 1];
    int64_t sizes[64];
    int n, stop_after;
} seen_t;

static int record(const char *key, int64_t size, void *ud)
{
    seen_t *v = ud;
    if (v->n < 64) {
        snprintf(v->keys[v->n], sizeof v->keys[0], "%s", key);
        v->sizes[v->n] = size;
    }
    v->n++;
    return v->stop_after && v->n >= v->stop_after ? 9 : 0;
}

static bool seen(const seen_t *v, const char *key)
{
    for (int i = 0; i < v->n && i < 64; i++)
        if (!strcmp(v->keys[i], key))
            return true;
    return false;
}

static int list_count(blob_store_t *b, const char *prefix, seen_t *v)
{
    char err[512];
    memset(v, 0, sizeof *v);
    int rc = b->ops->list(b, prefix, record, v, err, sizeof err);
    if (rc != 0)
        fail_msg("list %s: %s", prefix, err);
    return v->n;
}

static void list_and_remove_by_prefix(void **state)
{
    (void)state;
    /* a prefix of its own, so that the other tests' keys do not count */
    char prefix[128], src[1200], s1[65], s2[65], k[6][300], p[300], err[512];
    snprintf(prefix, sizeof prefix, "%slist/", run_prefix);
    blob_store_t *b = store(endpoint, true, prefix, sk);
    blob_s3_tune(b, 0, 0, 2); /* two keys a page: continuation tokens */
    sha(s1, 10);
    sha(s2, 11);
    make_file(src, sizeof src, "li", 5, 0);
    put(b, s1, src, false);
    put(b, s2, src, false);
    snprintf(k[0], 300, "d/%s/thumb.webp", s1);
    snprintf(k[1], 300, "d/%s/hls/720p/seg_0.m4s", s1);
    snprintf(k[2], 300, "d/%s/hls/720p/seg_1.m4s", s1);
    snprintf(k[3], 300, "d/%s/hls/480p/seg_0.m4s", s1);
    snprintf(k[4], 300, "d/%s/hls/index.m3u8", s1);
    snprintf(k[5], 300, "d/%s/poster.jpg", s2);
    for (int i = 0; i < 6; i++)
        put(b, k[i], src, false);

    seen_t *v = calloc(1, sizeof *v);
    assert_int_equal(list_count(b, "", v), 8);
    assert_true(seen(v, s1) && seen(v, s2));
    for (int i = 0; i < 6; i++)
        assert_true(seen(v, k[i]));
    for (int i = 0; i < 8; i++)
        assert_int_equal(v->sizes[i], 5);
    assert_int_equal(list_count(b, "d/", v), 6);
    snprintf(p, sizeof p, "d/%s/hls/", s1);
    assert_int_equal(list_count(b, p, v), 4);
    snprintf(p, sizeof p, "%.3s", s2);
    assert_int_equal(list_count(b, p, v), 1);
    assert_string_equal(v->keys[0], s2);
    /* the callback stops the walk */
    memset(v, 0, sizeof *v);
    v->stop_after = 3;
    assert_int_equal(b->ops->list(b, "", record, v, err, sizeof err), 9);
    assert_int_equal(v->n, 3);
    assert_int_equal(b->ops->list(b, "/x", record, v, err, sizeof err), -1);

    /* a derivative folder goes (DeleteObjects), the rest stays */
    snprintf(p, sizeof p, "d/%s/", s1);
    assert_int_equal(b->ops->remove(b, p, true, err, sizeof err), 0);
    assert_int_equal(list_count(b, "", v), 3);
    assert_true(seen(v, s1) && seen(v, s2) && seen(v, k[5]));
    assert_int_equal(b->ops->remove(b, p, true, err, sizeof err), 0);

    /* the store's prefix is part of every object name */
    blob_store_t *bare = store(endpoint, true, "", sk);
    assert_int_equal(size_of(bare, s2), -1);
    blob_free(bare);
    free(v);
    blob_free(b);
}

static void virtual_host_style(void **state)
{
    (void)state;
    if (!vhost)
        skip();
    blob_store_t *b = store(vhost, false, run_prefix, sk);
    char s[65], src[1200], err[512], buf[16], k[300];
    sha(s, 20);
    make_file(src, sizeof src, "vh", 100, 20);
    put(b, s, src, false);
    assert_int_equal(size_of(b, s), 100);
    assert_int_equal(b->ops->read_at(b, s, 95, buf, sizeof buf, err, sizeof err), 5);
    snprintf(k, sizeof k, "d/%s/x.bin", s);
    put(b, k, src, false);
    seen_t *v = calloc(1, sizeof *v);
    snprintf(buf, sizeof buf, "d/%.8s", s);
    assert_int_equal(list_count(b, buf, v), 1);
    snprintf(k, sizeof k, "d/%s/", s);
    assert_int_equal(b->ops->remove(b, k, true, err, sizeof err), 0);
    assert_int_equal(list_count(b, buf, v), 0);
    assert_int_equal(b->ops->remove(b, s, false, err, sizeof err), 0);
    free(v);
    blob_free(b);
}

static void errors_carry_the_s3_code(void **state)
{
    (void)state;
    char s[65], src[1200], err[512] = "";
    sha(s, 30);
    make_file(src, sizeof src, "e", 10, 0);
    blob_store_t *b = store(endpoint, true, run_prefix, "not-the-secret");
    assert_int_equal(b->ops->put_file(b, s, src, false, err, sizeof err), -1);
    fprintf(stderr, "  wrong secret: %s\n", err);
    assert_non_null(strstr(err, "SignatureDoesNotMatch"));
    assert_non_null(strstr(err, "403"));
    int64_t size;
    assert_int_equal(b->ops->stat(b, s, &size, err, sizeof err), -1);
    assert_non_null(strstr(err, "403"));
    blob_free(b);

    blob_s3_config_t c = {.endpoint = endpoint,
                          .bucket = "zhendi-no-such-bucket",
                          .access_key = ak,
                          .secret_key = sk,
                          .path_style = true};
    b = blob_s3_new(&c, err, sizeof err);
    assert_non_null(b);
    assert_int_equal(b->ops->put_file(b, s, src, false, err, sizeof err), -1);
    fprintf(stderr, "  missing bucket: %s\n", err);
    assert_non_null(strstr(err, "NoSuchBucket"));
    seen_t *v = calloc(1, sizeof *v);
    assert_int_equal(b->ops->list(b, "", record, v, err, sizeof err), -1);
    assert_non_null(strstr(err, "NoSuchBucket"));
    free(v);
    blob_free(b);
}

typedef struct {
    blob_store_t *b;
    int id;
    atomic_int *bad;
} worker_t;

static void *worker(void *arg)
{
    worker_t *w = arg;
    blob_store_t *b = w->b;
    char s[65], src[1200], err[512], name[32];
    unsigned char buf[8];
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof name, "w%d_%d", w->id, i);
        sha(s, (unsigned)(100 + w->id * 10 + i));
        snprintf(src, sizeof src, "%s/%s", dir, name);
        FILE *f = fopen(src, "wb");
        fwrite(name, 1, strlen(name), f);
        fclose(f);
        int64_t size = 0;
        bool ok = b->ops->put_file(b, s, src, true, err, sizeof err) == 0 &&
                  b->ops->stat(b, s, &size, err, sizeof err) == 1 && size == (int64_t)strlen(name) &&
                  b->ops->read_at(b, s, 0, buf, 2, err, sizeof err) == 2 && buf[0] == 'w' &&
                  b->ops->remove(b, s, false, err, sizeof err) == 0 &&
                  b->ops->stat(b, s, &size, err, sizeof err) == 0;
        if (!ok) {
            fprintf(stderr, "worker %d step %d: %s\n", w->id, i, err);
            atomic_fetch_add(w->bad, 1);
        }
    }
    return NULL;
}

static void threads_share_one_store(void **state)
{
    (void)state;
    blob_store_t *b = main_store();
    atomic_int bad = 0;
    worker_t w[8];
    pthread_t t[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (worker_t){b, i, &bad};
        assert_int_equal(pthread_create(&t[i], NULL, worker, &w[i]), 0);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&bad), 0);
    blob_free(b);
}

int main(void)
{
    endpoint = getenv("ZHENDI_S3_ENDPOINT");
    vhost = getenv("ZHENDI_S3_VHOST");
    bucket = getenv("ZHENDI_S3_BUCKET");
    ak = getenv("ZHENDI_S3_ACCESS_KEY");
    sk = getenv("ZHENDI_S3_SECRET_KEY");
    if (!endpoint || !bucket || !ak || !sk) {
        fprintf(
            stderr,
            "test_s3: set ZHENDI_S3_ENDPOINT, _BUCKET, _ACCESS_KEY, _SECRET_KEY (tests/s3/run.sh does)\n");
        return 2;
    }
    snprintf(run_prefix, sizeof run_prefix, "run-%ld-%d/", (long)time(NULL), (int)getpid());
    dir = tu_tempdir();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(put_stat_read_fetch),
        cmocka_unit_test(absent_keys),
        cmocka_unit_test(multipart_with_small_parts),
        cmocka_unit_test(multipart_above_64_mib),
        cmocka_unit_test(a_refused_multipart_upload_is_aborted),
        cmocka_unit_test(list_and_remove_by_prefix),
        cmocka_unit_test(virtual_host_style),
        cmocka_unit_test(errors_carry_the_s3_code),
        cmocka_unit_test(threads_share_one_store),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    tu_rmrf(dir);
    free(dir);
    curl_global_cleanup();
    return rc;
}
