/* test_blob_local.c — the key rules (blob.c) and the local-disk object
 * store (blob_local.c): layout, atomic and durable put (copy and move, a
 * failed write leaving the key as it was), overwrite, read_at ranges,
 * fetch, open_fd, remove of one key and of a prefix (with the empty
 * directories it leaves), list with prefixes, leftovers in root/tmp, and
 * threads writing, reading and removing at once. */
#include "support/cm.h"

#include "modules/storage/blob.h"
#include "modules/storage/blob_internal.h"
#include "support/testutil.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

typedef struct {
    char *dir;
    char root[1100];
    blob_store_t *b;
} fx_t;

/* a well-formed blob key made from n */
static void sha(char out[65], unsigned n)
{
    for (int i = 0; i < 8; i++)
        snprintf(out + i * 8, 9, "%08x", n * 2654435761u + (unsigned)i);
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* a file of n bytes of c under the fixture's directory */
static void make_src(fx_t *f, char *path, size_t pathsz, const char *name, char c, size_t n)
{
    snprintf(path, pathsz, "%s/%s", f->dir, name);
    char *buf = malloc(n ? n : 1);
    memset(buf, c, n);
    write_file(path, buf, n);
    free(buf);
}

static void put(fx_t *f, const char *key, const char *src, bool move)
{
    char err[512];
    if (f->b->ops->put_file(f->b, key, src, move, err, sizeof err) != 0)
        fail_msg("put %s: %s", key, err);
}

static char *get(fx_t *f, const char *key, int64_t *len)
{
    char err[512];
    int64_t size = -1;
    assert_int_equal(f->b->ops->stat(f->b, key, &size, err, sizeof err), 1);
    char *buf = malloc((size_t)size + 1);
    assert_int_equal(f->b->ops->read_at(f->b, key, 0, buf, (size_t)size + 1, err, sizeof err), size);
    buf[size] = 0;
    *len = size;
    return buf;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static int tmp_entries(fx_t *f)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/tmp", f->root);
    return count_entries(p);
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    f->dir = tu_tempdir();
    snprintf(f->root, sizeof f->root, "%s/blobs/", f->dir); /* trailing '/' is fine */
    char err[512];
    f->b = blob_local_new(f->root, err, sizeof err);
    if (!f->b)
        fail_msg("blob_local_new: %s", err);
    f->root[strlen(f->root) - 1] = 0;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    blob_free(f->b);
    tu_rmrf(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

/* ---- keys ---- */

static void keys_are_checked(void **state)
{
    (void)state;
    char s[65], k[600];
    sha(s, 1);
    assert_true(blob_key_ok(s));
    snprintf(k, sizeof k, "d/%s/thumb_320.webp", s);
    assert_true(blob_key_ok(k));
    snprintf(k, sizeof k, "d/%s/hls/720p/seg_3.m4s", s);
    assert_true(blob_key_ok(k));
    snprintf(k, sizeof k, "d/%s/.hidden-ok_A-Z", s);
    assert_true(blob_key_ok(k));

    const char *bad[] = {"", "abc", "tmp/x", "d/x/y", "/etc/passwd", NULL};
    for (int i = 0; bad[i]; i++)
        assert_false(blob_key_ok(bad[i]));
    assert_false(blob_key_ok(NULL));
    /* the blob's hash: lower-case hex, 64 of them */
    char up[65];
    memcpy(up, s, 65);
    up[0] = 'A';
    assert_false(blob_key_ok(up));
    up[0] = 'g';
    assert_false(blob_key_ok(up));
    s[63] = 0;
    assert_false(blob_key_ok(s));
    sha(s, 1);
    /* derivative names */
    const char *names[] = {"",       "../../etc/passwd",
                           "a/../b", "..",
                           "a..b",   "/abs",
                           "a//b",   "a/",
                           "./a",    "a/./b",
                           "a/.",    ".",
                           "a b",    "a\\b",
                           "a%2f",   "a?b",
                           "a:b",    "\xe5\x9b\xbe.png",
                           "a\nb",   NULL};
    for (int i = 0; names[i]; i++) {
        snprintf(k, sizeof k, "d/%s/%s", s, names[i]);
        if (blob_key_ok(k))
            fail_msg("accepted %s", k);
    }
    snprintf(k, sizeof k, "/d/%s/x", s);
    assert_false(blob_key_ok(k));
    snprintf(k, sizeof k, "d//%s/x", s);
    assert_false(blob_key_ok(k));
    /* the length limit */
    int n = snprintf(k, sizeof k, "d/%s/", s);
    memset(k + n, 'x', BLOB_KEY_MAX - (size_t)n);
    k[BLOB_KEY_MAX] = 0;
    assert_true(blob_key_ok(k));
    k[BLOB_KEY_MAX] = 'x';
    k[BLOB_KEY_MAX + 1] = 0;
    assert_false(blob_key_ok(k));

    /* prefixes */
    assert_true(blob_prefix_ok(""));
    assert_true(blob_prefix_ok("d/"));
    assert_true(blob_prefix_ok("ab"));
    snprintf(k, sizeof k, "d/%s/hls/", s);
    assert_true(blob_prefix_ok(k));
    assert_false(blob_prefix_ok(NULL));
    assert_false(blob_prefix_ok("/d/"));
    assert_false(blob_prefix_ok("d/../"));
    assert_false(blob_prefix_ok("d//"));
    assert_false(blob_prefix_ok("d/a b"));
}

static void bad_keys_are_refused_by_every_operation(void **state)
{
    fx_t *f = *state;
    char err[512] = "", src[1200], buf[8];
    int64_t size;
    make_src(f, src, sizeof src, "src", 'a', 10);
    const char *bad = "../../escape";
    assert_int_equal(f->b->ops->put_file(f->b, bad, src, false, err, sizeof err), -1);
    assert_true(err[0] != 0);
    assert_int_equal(f->b->ops->stat(f->b, bad, &size, err, sizeof err), -1);
    errno = 0;
    assert_int_equal(f->b->ops->open_fd(f->b, bad), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(f->b->ops->read_at(f->b, bad, 0, buf, sizeof buf, err, sizeof err), -1);
    assert_int_equal(f->b->ops->fetch(f->b, bad, src, err, sizeof err), -1);
    assert_int_equal(f->b->ops->remove(f->b, bad, false, err, sizeof err), -1);
    assert_int_equal(f->b->ops->remove(f->b, "../", true, err, sizeof err), -1);
    assert_false(f->b->ops->local_path(f->b, bad, buf, sizeof buf));
    /* the empty prefix would remove everything: refused */
    assert_int_equal(f->b->ops->remove(f->b, "", true, err, sizeof err), -1);
    /* the source was not touched */
    struct stat st;
    assert_int_equal(stat(src, &st), 0);
    assert_int_equal(st.st_size, 10);
    char escaped[1200];
    snprintf(escaped, sizeof escaped, "%s/escape", f->dir);
    assert_int_equal(access(escaped, F_OK), -1);
}

/* ---- put ---- */

static void put_copies_into_the_fanned_out_layout(void **state)
{
    fx_t *f = *state;
    char s[65], src[1200], path[1200], want[1200];
    sha(s, 2);
    make_src(f, src, sizeof src, "upload.bin", 'x', 100000);
    put(f, s, src, false);
    assert_true(f->b->ops->local_path(f->b, s, path, sizeof path));
    snprintf(want, sizeof want, "%s/%.2s/%.2s/%s", f->root, s, s + 2, s);
    assert_string_equal(path, want);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 100000);
    assert_int_equal(st.st_mode & 0777, 0640);
    assert_int_equal(access(src, F_OK), 0); /* a copy: the source stays */
    assert_int_equal(tmp_entries(f), 0);
    int64_t size = 0;
    char err[512];
    assert_int_equal(f->b->ops->stat(f->b, s, &size, err, sizeof err), 1);
    assert_int_equal(size, 100000);
    sha(s, 3);
    assert_int_equal(f->b->ops->stat(f->b, s, &size, err, sizeof err), 0);
    assert_string_equal(f->b->ops->name, "local");
}

static void put_move_consumes_the_source(void **state)
{
    fx_t *f = *state;
    char s[65], src[1200], k[300];
    sha(s, 4);
    make_src(f, src, sizeof src, "moved.bin", 'm', 5000);
    chmod(src, 0600);
    put(f, s, src, true);
    assert_int_equal(access(src, F_OK), -1);
    int64_t n;
    char *got = get(f, s, &n);
    assert_int_equal(n, 5000);
    assert_int_equal(got[4999], 'm');
    free(got);
    char path[1200];
    struct stat st;
    f->b->ops->local_path(f->b, s, path, sizeof path);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    /* a derivative, deep */
    snprintf(k, sizeof k, "d/%s/hls/720p/seg_0.m4s", s);
    make_src(f, src, sizeof src, "seg.bin", 's', 300);
    put(f, k, src, true);
    got = get(f, k, &n);
    assert_int_equal(n, 300);
    free(got);
    assert_int_equal(tmp_entries(f), 0);
}

static void put_overwrites(void **state)
{
    fx_t *f = *state;
    char s[65], a[1200], b[1200];
    sha(s, 5);
    make_src(f, a, sizeof a, "a", 'a', 4096);
    make_src(f, b, sizeof b, "b", 'b', 10);
    put(f, s, a, false);
    put(f, s, b, false);
    int64_t n;
    char *got = get(f, s, &n);
    assert_int_equal(n, 10);
    assert_string_equal(got, "bbbbbbbbbb");
    free(got);
    put(f, s, a, true);
    got = get(f, s, &n);
    assert_int_equal(n, 4096);
    assert_int_equal(got[0], 'a');
    free(got);
}

static void a_failed_put_leaves_the_key_unchanged(void **state)
{
    fx_t *f = *state;
    char s[65], small[1200], big[1200], err[512];
    sha(s, 6);
    make_src(f, small, sizeof small, "small", 'o', 1000);
    put(f, s, small, false);
    /* the source is not a file, or is missing */
    assert_int_equal(f->b->ops->put_file(f->b, s, f->dir, false, err, sizeof err), -1);
    assert_int_equal(f->b->ops->put_file(f->b, s, "/nonexistent/x", true, err, sizeof err), -1);
    /* the disk fills up in the middle of the copy (a file-size limit makes
     * the write fail the way a full disk does) */
    make_src(f, big, sizeof big, "big", 'N', 1 << 20);
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    lim = old;
    lim.rlim_cur = 256 * 1024;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int rc = f->b->ops->put_file(f->b, s, big, false, err, sizeof err);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);
    assert_int_equal(rc, -1);
    assert_true(err[0] != 0);
    int64_t n;
    char *got = get(f, s, &n);
    assert_int_equal(n, 1000);
    assert_int_equal(got[999], 'o');
    free(got);
    assert_int_equal(tmp_entries(f), 0);
    assert_int_equal(access(big, F_OK), 0);
}

/* readers racing a writer that swaps a large object between two contents:
 * every read sees one whole version, never a mix or a short file */
typedef struct {
    fx_t *f;
    const char *key;
    atomic_bool stop;
    atomic_int bad, reads;
} swap_t;

#define SWAP_SIZE (2 << 20)

static void *swap_reader(void *arg)
{
    swap_t *w = arg;
    char *buf = malloc(SWAP_SIZE + 1);
    while (!atomic_load(&w->stop)) {
        int fd = w->f->b->ops->open_fd(w->f->b, w->key);
        if (fd < 0) {
            atomic_fetch_add(&w->bad, 1);
            continue;
        }
        ssize_t got = 0, r;
        while ((r = read(fd, buf + got, (size_t)(SWAP_SIZE + 1 - got))) > 0)
            got += r;
        close(fd);
        bool ok = got == SWAP_SIZE && (buf[0] == 'A' || buf[0] == 'B');
        for (ssize_t i = 1; ok && i < got; i += 4093)
            ok = buf[i] == buf[0];
        ok = ok && buf[got - 1] == buf[0];
        if (!ok)
            atomic_fetch_add(&w->bad, 1);
        atomic_fetch_add(&w->reads, 1);
    }
    free(buf);
    return NULL;
}

static void readers_never_see_a_partial_object(void **state)
{
    fx_t *f = *state;
    char s[65], a[1200], b[1200];
    sha(s, 7);
    make_src(f, a, sizeof a, "A", 'A', SWAP_SIZE);
    make_src(f, b, sizeof b, "B", 'B', SWAP_SIZE);
    put(f, s, a, false);
    swap_t w = {.f = f, .key = s};
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&t[i], NULL, swap_reader, &w), 0);
    for (int i = 0; i < 30; i++)
        put(f, s, i % 2 ? a : b, false);
    atomic_store(&w.stop, true);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&w.bad), 0);
    assert_true(atomic_load(&w.reads) > 0);
    assert_int_equal(tmp_entries(f), 0);
}

/* ---- reading ---- */

static void read_at_ranges(void **state)
{
    fx_t *f = *state;
    char s[65], src[1200], err[512], buf[64];
    sha(s, 8);
    snprintf(src, sizeof src, "%s/digits", f->dir);
    write_file(src, "0123456789", 10);
    put(f, s, src, false);
    assert_int_equal(f->b->ops->read_at(f->b, s, 0, buf, 4, err, sizeof err), 4);
    assert_memory_equal(buf, "0123", 4);
    assert_int_equal(f->b->ops->read_at(f->b, s, 3, buf, 5, err, sizeof err), 5);
    assert_memory_equal(buf, "34567", 5);
    assert_int_equal(f->b->ops->read_at(f->b, s, 7, buf, sizeof buf, err, sizeof err), 3);
    assert_memory_equal(buf, "789", 3);
    assert_int_equal(f->b->ops->read_at(f->b, s, 10, buf, sizeof buf, err, sizeof err), 0);
    assert_int_equal(f->b->ops->read_at(f->b, s, 1000, buf, sizeof buf, err, sizeof err), 0);
    assert_int_equal(f->b->ops->read_at(f->b, s, 2, buf, 0, err, sizeof err), 0);
    assert_int_equal(f->b->ops->read_at(f->b, s, -1, buf, 4, err, sizeof err), -1);
    sha(s, 9);
    err[0] = 0;
    assert_int_equal(f->b->ops->read_at(f->b, s, 0, buf, 4, err, sizeof err), -1);
    assert_true(err[0] != 0);
}

static void open_fd_and_fetch(void **state)
{
    fx_t *f = *state;
    char s[65], src[1200], dst[1200], err[512], buf[32];
    sha(s, 10);
    snprintf(src, sizeof src, "%s/text", f->dir);
    write_file(src, "党群服务", strlen("党群服务"));
    put(f, s, src, false);
    int fd = f->b->ops->open_fd(f->b, s);
    assert_true(fd >= 0);
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    assert_int_equal(n, strlen("党群服务"));
    assert_memory_equal(buf, "党群服务", (size_t)n);

    snprintf(dst, sizeof dst, "%s/fetched", f->dir);
    assert_int_equal(f->b->ops->fetch(f->b, s, dst, err, sizeof err), 0);
    FILE *in = fopen(dst, "rb");
    assert_non_null(in);
    n = (ssize_t)fread(buf, 1, sizeof buf, in);
    fclose(in);
    assert_int_equal(n, strlen("党群服务"));
    assert_memory_equal(buf, "党群服务", (size_t)n);

    sha(s, 11);
    errno = 0;
    assert_int_equal(f->b->ops->open_fd(f->b, s), -1);
    assert_int_equal(errno, ENOENT);
    snprintf(dst, sizeof dst, "%s/absent", f->dir);
    assert_int_equal(f->b->ops->fetch(f->b, s, dst, err, sizeof err), -1);
    assert_int_equal(access(dst, F_OK), -1);
}

/* ---- remove and list ---- */

typedef struct {
    char keys[32][BLOB_KEY_MAX + 1];
    int64_t sizes[32];
    int n, stop_after;
} seen_t;

static int record(const char *key, int64_t size, void *ud)
{
    seen_t *v = ud;
    if (v->n < 32) {
        snprintf(v->keys[v->n], sizeof v->keys[0], "%s", key);
        v->sizes[v->n] = size;
    }
    v->n++;
    return v->stop_after && v->n >= v->stop_after ? 7 : 0;
}

static bool seen(const seen_t *v, const char *key)
{
    for (int i = 0; i < v->n && i < 32; i++)
        if (strcmp(v->keys[i], key) == 0)
            return true;
    return false;
}

static seen_t *list(fx_t *f, const char *prefix)
{
    seen_t *v = calloc(1, sizeof *v);
    char err[512];
    int rc = f->b->ops->list(f->b, prefix, record, v, err, sizeof err);
    if (rc != 0)
        fail_msg("list %s: %d %s", prefix, rc, err);
    return v;
}

/* two blobs, three derivatives of the first, one of the second */
static void populate(fx_t *f, char s1[65], char s2[65], char k[4][300])
{
    char src[1200];
    sha(s1, 20);
    sha(s2, 21);
    s2[0] = s1[0]; /* the same first fan-out directory */
    s2[1] = s1[1];
    make_src(f, src, sizeof src, "p", 'p', 3);
    put(f, s1, src, false);
    put(f, s2, src, false);
    snprintf(k[0], 300, "d/%s/thumb.webp", s1);
    snprintf(k[1], 300, "d/%s/hls/720p/seg_0.m4s", s1);
    snprintf(k[2], 300, "d/%s/hls/720p/seg_1.m4s", s1);
    snprintf(k[3], 300, "d/%s/poster.jpg", s2);
    for (int i = 0; i < 4; i++)
        put(f, k[i], src, false);
}

static void list_walks_the_tree_by_prefix(void **state)
{
    fx_t *f = *state;
    char s1[65], s2[65], k[4][300], p[300];
    populate(f, s1, s2, k);
    /* stray files the walk ignores */
    char stray[1200];
    snprintf(stray, sizeof stray, "%s/tmp/put-leftover", f->root);
    write_file(stray, "x", 1);
    snprintf(stray, sizeof stray, "%s/%.2s/README", f->root, s1);
    write_file(stray, "x", 1);

    seen_t *v = list(f, "");
    assert_int_equal(v->n, 6);
    assert_true(seen(v, s1) && seen(v, s2));
    for (int i = 0; i < 4; i++)
        assert_true(seen(v, k[i]));
    for (int i = 0; i < v->n; i++)
        assert_int_equal(v->sizes[i], 3);
    free(v);

    v = list(f, "d/");
    assert_int_equal(v->n, 4);
    free(v);
    snprintf(p, sizeof p, "d/%s/", s1);
    v = list(f, p);
    assert_int_equal(v->n, 3);
    free(v);
    snprintf(p, sizeof p, "d/%s/hls/", s1);
    v = list(f, p);
    assert_int_equal(v->n, 2);
    free(v);
    snprintf(p, sizeof p, "d/%s/hls/720p/seg_1", s1);
    v = list(f, p);
    assert_int_equal(v->n, 1);
    assert_string_equal(v->keys[0], k[2]);
    free(v);
    /* hex prefixes: the blobs only, down the fan-out */
    snprintf(p, sizeof p, "%.2s", s1);
    v = list(f, p);
    assert_int_equal(v->n, 2);
    free(v);
    snprintf(p, sizeof p, "%.5s", s2);
    v = list(f, p);
    assert_int_equal(v->n, 1);
    assert_string_equal(v->keys[0], s2);
    free(v);
    v = list(f, s1);
    assert_int_equal(v->n, 1);
    free(v);
    v = list(f, "ffffffff");
    assert_int_equal(v->n, 0);
    free(v);

    /* the callback stops the walk and its value comes back */
    seen_t stop = {.stop_after = 2};
    char err[512];
    assert_int_equal(f->b->ops->list(f->b, "", record, &stop, err, sizeof err), 7);
    assert_int_equal(stop.n, 2);
    assert_int_equal(f->b->ops->list(f->b, "../", record, &stop, err, sizeof err), -1);
}

static void remove_one_and_by_prefix(void **state)
{
    fx_t *f = *state;
    char s1[65], s2[65], k[4][300], p[300], err[512], dir[1200];
    populate(f, s1, s2, k);
    /* one derivative; absent keys are no error */
    assert_int_equal(f->b->ops->remove(f->b, k[0], false, err, sizeof err), 0);
    assert_int_equal(f->b->ops->remove(f->b, k[0], false, err, sizeof err), 0);
    int64_t size;
    assert_int_equal(f->b->ops->stat(f->b, k[0], &size, err, sizeof err), 0);
    /* a folder of derivatives: the rest of s1's, not s2's, not the blob */
    snprintf(p, sizeof p, "d/%s/", s1);
    assert_int_equal(f->b->ops->remove(f->b, p, true, err, sizeof err), 0);
    seen_t *v = list(f, "");
    assert_int_equal(v->n, 3);
    assert_true(seen(v, s1) && seen(v, s2) && seen(v, k[3]));
    free(v);
    /* the directories it emptied are gone, root/d stays */
    snprintf(dir, sizeof dir, "%s/d/%s", f->root, s1);
    assert_int_equal(access(dir, F_OK), -1);
    snprintf(dir, sizeof dir, "%s/d", f->root);
    assert_int_equal(count_entries(dir), 1);
    assert_int_equal(f->b->ops->remove(f->b, p, true, err, sizeof err), 0); /* nothing left: fine */
    /* the last derivative of s2, then s2 itself */
    assert_int_equal(f->b->ops->remove(f->b, k[3], false, err, sizeof err), 0);
    assert_int_equal(count_entries(dir), 0);
    assert_int_equal(f->b->ops->remove(f->b, s2, false, err, sizeof err), 0);
    assert_int_equal(f->b->ops->stat(f->b, s2, &size, err, sizeof err), 0);
    assert_int_equal(f->b->ops->stat(f->b, s1, &size, err, sizeof err), 1);
    /* a put after its directory was pruned recreates it */
    char src[1200];
    make_src(f, src, sizeof src, "again", 'g', 2);
    put(f, k[1], src, false);
    assert_int_equal(f->b->ops->stat(f->b, k[1], &size, err, sizeof err), 1);
}

static void old_leftovers_in_tmp_are_cleaned_at_start(void **state)
{
    fx_t *f = *state;
    char old[1200], fresh[1200], err[512];
    snprintf(old, sizeof old, "%s/tmp/put-old", f->root);
    snprintf(fresh, sizeof fresh, "%s/tmp/put-fresh", f->root);
    write_file(old, "o", 1);
    write_file(fresh, "f", 1);
    struct timeval tv[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
    assert_int_equal(utimes(old, tv), 0);
    blob_store_t *b = blob_local_new(f->root, err, sizeof err);
    assert_non_null(b);
    blob_free(b);
    assert_int_equal(access(old, F_OK), -1);
    assert_int_equal(access(fresh, F_OK), 0);
    blob_free(NULL);
    assert_null(blob_local_new("", err, sizeof err));
    assert_null(blob_local_new("/proc/zhendi-cannot-exist", err, sizeof err));
    assert_true(err[0] != 0);
}

/* ---- threads ---- */

typedef struct {
    fx_t *f;
    int id;
    atomic_int *bad;
} worker_t;

static void *worker(void *arg)
{
    worker_t *w = arg;
    fx_t *f = w->f;
    char s[65], shared[65], src[1200], k[300], err[512], buf[16];
    sha(shared, 99);
    for (int i = 0; i < 40; i++) {
        char name[64];
        snprintf(name, sizeof name, "w%d-%d", w->id, i);
        snprintf(src, sizeof src, "%s/%s", f->dir, name);
        FILE *o = fopen(src, "wb");
        fprintf(o, "%08d", w->id * 1000 + i);
        fclose(o);
        sha(s, (unsigned)(1000 + w->id * 100 + i));
        /* own keys: put, read back, remove */
        bool ok = f->b->ops->put_file(f->b, s, src, false, err, sizeof err) == 0;
        ok = ok && f->b->ops->read_at(f->b, s, 0, buf, 8, err, sizeof err) == 8;
        buf[8] = 0;
        ok = ok && atoi(buf) == w->id * 1000 + i;
        /* one key everyone overwrites */
        ok = ok && f->b->ops->put_file(f->b, shared, src, false, err, sizeof err) == 0;
        /* a shared derivative folder: siblings come and go at once (and
         * half of them are moved in) */
        snprintf(k, sizeof k, "d/%s/hls/seg_%d_%d.m4s", shared, w->id, i);
        ok = ok && f->b->ops->put_file(f->b, k, src, i % 2 == 0, err, sizeof err) == 0;
        ok = ok && f->b->ops->remove(f->b, k, false, err, sizeof err) == 0;
        ok = ok && f->b->ops->remove(f->b, s, false, err, sizeof err) == 0;
        if (!ok) {
            fprintf(stderr, "worker %d step %d: %s\n", w->id, i, err);
            atomic_fetch_add(w->bad, 1);
        }
        unlink(src);
    }
    return NULL;
}

static void threads_put_read_and_remove_at_once(void **state)
{
    fx_t *f = *state;
    atomic_int bad = 0;
    worker_t w[8];
    pthread_t t[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (worker_t){f, i, &bad};
        assert_int_equal(pthread_create(&t[i], NULL, worker, &w[i]), 0);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&bad), 0);
    seen_t *v = list(f, "");
    assert_int_equal(v->n, 1); /* only the shared key */
    free(v);
    assert_int_equal(tmp_entries(f), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys_are_checked),
        cmocka_unit_test_setup_teardown(bad_keys_are_refused_by_every_operation, setup, teardown),
        cmocka_unit_test_setup_teardown(put_copies_into_the_fanned_out_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(put_move_consumes_the_source, setup, teardown),
        cmocka_unit_test_setup_teardown(put_overwrites, setup, teardown),
        cmocka_unit_test_setup_teardown(a_failed_put_leaves_the_key_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(readers_never_see_a_partial_object, setup, teardown),
        cmocka_unit_test_setup_teardown(read_at_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(open_fd_and_fetch, setup, teardown),
        cmocka_unit_test_setup_teardown(list_walks_the_tree_by_prefix, setup, teardown),
        cmocka_unit_test_setup_teardown(remove_one_and_by_prefix, setup, teardown),
        cmocka_unit_test_setup_teardown(old_leftovers_in_tmp_are_cleaned_at_start, setup, teardown),
        cmocka_unit_test_setup_teardown(threads_put_read_and_remove_at_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
