/* blob_local.c — the object store on a local disk (or a shared mount); see
 * blob.h for the layout.
 *
 * A write never shows a partial file under a key: the bytes go to a
 * temporary file in root/tmp (same file system, so rename is atomic),
 * which is fsynced, renamed into place, and the directory that received
 * the name fsynced (and, when the write created directories, their
 * parents). A crash leaves at most a stray file in root/tmp, removed at
 * the next start once it is a day old.
 *
 * Removing the last derivative of a directory removes the directories left
 * empty above it (up to root/d); a concurrent write into such a directory
 * recreates it and retries its rename. The blobs' fan-out directories stay.
 *
 * No state changes after blob_local_new, so every operation is thread-safe
 * without a lock. */
#include "core/fileio.h"
#include "core/str.h"
#include "modules/storage/blob.h"
#include "modules/storage/blob_internal.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TMP_MAX_AGE_S (24 * 3600)

typedef struct {
    blob_store_t base;
    char *root; /* without a trailing '/' */
} local_t;

static local_t *L(blob_store_t *b) { return (local_t *)b; }

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* The file of a key: root/ab/cd/<sha> or root/d/<sha>/<name>. False when
 * the key is malformed or the path too long. */
static bool path_of(const local_t *l, const char *key, char *out, size_t outsz)
{
    if (!blob_key_ok(key))
        return false;
    int n = strlen(key) == 64 ? snprintf(out, outsz, "%s/%.2s/%.2s/%s", l->root, key, key + 2, key)
                              : snprintf(out, outsz, "%s/%s", l->root, key);
    return n > 0 && (size_t)n < outsz;
}

/* Creates the missing directories between the root and the file at path.
 * *created: whether any was made (their parents then need an fsync). */
static int make_parents(const local_t *l, const char *path, bool *created)
{
    char tmp[PATH_MAX];
    str_lcpy(tmp, path, sizeof tmp);
    size_t rl = strlen(l->root);
    for (char *p = tmp + rl + 1; (p = strchr(p, '/')); p++) {
        *p = 0;
        if (mkdir(tmp, 0750) == 0)
            *created = true;
        else if (errno != EEXIST)
            return -1;
        *p = '/';
    }
    return 0;
}

/* fsync of the directory holding path, and of every directory above it up
 * to the root when all_up (new directories were made). */
static int sync_dirs(const local_t *l, const char *path, bool all_up)
{
    char tmp[PATH_MAX];
    str_lcpy(tmp, path, sizeof tmp);
    size_t rl = strlen(l->root);
    for (;;) {
        char *slash = strrchr(tmp, '/');
        if (!slash || (size_t)(slash - tmp) < rl)
            return 0;
        *slash = 0;
        if (fileio_fsync_path(tmp) != 0)
            return -1;
        if (!all_up || strlen(tmp) <= rl)
            return 0;
    }
}

/* rename into place, recreating the directories when a concurrent remove
 * pruned them between the two steps (or while they were being made) */
static int place(const local_t *l, const char *from, const char *to, bool *created)
{
    for (int attempt = 0;; attempt++) {
        if (make_parents(l, to, created) == 0 && rename(from, to) == 0)
            return 0;
        if (errno != ENOENT || attempt == 50)
            return -1;
        /* from itself gone is not something a retry fixes */
        if (access(from, F_OK) != 0)
            return -1;
    }
}

/* After a derivative's removal: the directories left empty above it, up to
 * (not including) root/d. */
static void prune_parents(const local_t *l, const char *path)
{
    char tmp[PATH_MAX], stop[PATH_MAX];
    str_lcpy(tmp, path, sizeof tmp);
    snprintf(stop, sizeof stop, "%s/d", l->root);
    for (;;) {
        char *slash = strrchr(tmp, '/');
        if (!slash)
            return;
        *slash = 0;
        if (strlen(tmp) <= strlen(stop) || rmdir(tmp) != 0)
            return;
    }
}

static int local_put_file(blob_store_t *b, const char *key, const char *src, bool move, char *err,
                          size_t errlen)
{
    local_t *l = L(b);
    char dst[PATH_MAX], tmp[PATH_MAX];
    int in = -1, out = -1, rc = -1;
    bool created = false;
    tmp[0] = 0;
    if (!path_of(l, key, dst, sizeof dst)) {
        set_err(err, errlen, "对象键无效：%.80s", key ? key : "(null)");
        return -1;
    }
    in = open(src, O_RDONLY | O_CLOEXEC);
    struct stat st, lst;
    if (in < 0 || fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
        set_err(err, errlen, "无法读取源文件 %s：%s", src, in < 0 ? strerror(errno) : "不是普通文件");
        goto out;
    }
    if (move && lstat(src, &lst) == 0 && S_ISREG(lst.st_mode)) {
        /* the same file system: the file itself becomes the object */
        if (fchmod(in, 0640) != 0 || fsync(in) != 0) {
            set_err(err, errlen, "无法写入 %s：%s", src, strerror(errno));
            goto out;
        }
        if (place(l, src, dst, &created) == 0) {
            if (sync_dirs(l, dst, created) != 0) {
                set_err(err, errlen, "无法同步目录（%s）：%s", dst, strerror(errno));
                goto out;
            }
            rc = 0;
            goto out;
        }
        if (errno != EXDEV) {
            set_err(err, errlen, "无法保存对象 %s：%s", key, strerror(errno));
            goto out;
        }
    }
    /* copied: into root/tmp first, so that the key never holds part */
    snprintf(tmp, sizeof tmp, "%s/tmp/put-XXXXXX", l->root);
    out = mkostemp(tmp, O_CLOEXEC);
    if (out < 0) {
        set_err(err, errlen, "无法创建临时文件（%s）：%s", l->root, strerror(errno));
        tmp[0] = 0;
        goto out;
    }
    if (fchmod(out, 0640) != 0 || fileio_copy_fd(in, out) < 0 || fsync(out) != 0) {
        set_err(err, errlen, "无法写入对象 %s：%s", key, strerror(errno));
        goto out;
    }
    int cr = close(out);
    out = -1;
    if (cr != 0 || place(l, tmp, dst, &created) != 0) {
        set_err(err, errlen, "无法保存对象 %s：%s", key, strerror(errno));
        goto out;
    }
    tmp[0] = 0;
    if (sync_dirs(l, dst, created) != 0) {
        set_err(err, errlen, "无法同步目录（%s）：%s", dst, strerror(errno));
        goto out;
    }
    if (move)
        unlink(src);
    rc = 0;
out:
    if (out >= 0)
        close(out);
    if (tmp[0])
        unlink(tmp);
    if (in >= 0)
        close(in);
    return rc;
}

static int local_stat(blob_store_t *b, const char *key, int64_t *size, char *err, size_t errlen)
{
    char path[PATH_MAX];
    if (!path_of(L(b), key, path, sizeof path)) {
        set_err(err, errlen, "对象键无效：%.80s", key ? key : "(null)");
        return -1;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        set_err(err, errlen, "无法读取对象 %s：%s", key, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        set_err(err, errlen, "对象 %s 不是普通文件", key);
        return -1;
    }
    if (size)
        *size = st.st_size;
    return 1;
}

static int local_open_fd(blob_store_t *b, const char *key)
{
    char path[PATH_MAX];
    if (!path_of(L(b), key, path, sizeof path)) {
        errno = EINVAL;
        return -1;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOTDIR)
        errno = ENOENT;
    return fd;
}

static ssize_t local_read_at(blob_store_t *b, const char *key, int64_t off, void *buf, size_t n, char *err,
                             size_t errlen)
{
    if (off < 0) {
        set_err(err, errlen, "偏移量无效");
        return -1;
    }
    int fd = local_open_fd(b, key);
    if (fd < 0) {
        set_err(err, errlen, "无法读取对象 %.80s：%s", key ? key : "(null)",
                errno == ENOENT ? "不存在" : strerror(errno));
        return -1;
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (char *)buf + got, n - got, (off_t)(off + (int64_t)got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            set_err(err, errlen, "无法读取对象 %s：%s", key, strerror(errno));
            close(fd);
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    return (ssize_t)got;
}

static int local_fetch(blob_store_t *b, const char *key, const char *dst, char *err, size_t errlen)
{
    int in = local_open_fd(b, key);
    if (in < 0) {
        set_err(err, errlen, "无法读取对象 %.80s：%s", key ? key : "(null)",
                errno == ENOENT ? "不存在" : strerror(errno));
        return -1;
    }
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (out < 0) {
        set_err(err, errlen, "无法创建 %s：%s", dst, strerror(errno));
        close(in);
        return -1;
    }
    int rc = 0;
    if (fileio_copy_fd(in, out) < 0) {
        set_err(err, errlen, "无法复制对象 %s：%s", key, strerror(errno));
        rc = -1;
    }
    if (close(out) != 0 && rc == 0) {
        set_err(err, errlen, "无法写入 %s：%s", dst, strerror(errno));
        rc = -1;
    }
    close(in);
    if (rc != 0)
        unlink(dst);
    return rc;
}

/* ---- walking the tree ---- */

typedef int (*visit_fn)(const char *key, int64_t size, void *ud);

typedef struct {
    const char *prefix;
    size_t plen;
    visit_fn fn;
    void *ud;
    char *err;
    size_t errlen;
} walk_t;

/* May keys under a directory standing for key prefix k (length kl) start
 * with the prefix asked for? */
static bool compatible(const walk_t *w, const char *k, size_t kl)
{
    size_t n = kl < w->plen ? kl : w->plen;
    return strncmp(k, w->prefix, n) == 0;
}

static bool is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return s[n] == 0;
}

/* Walks directory path (whose entries' keys start with key) recursively.
 * depth: the fan-out levels still to go (2, 1, then files named by their
 * hash), or -1 under root/d (any depth). 0 done, fn's non-zero, or -1. */
static int walk(walk_t *w, char *path, size_t pl, char *key, size_t kl, int depth)
{
    DIR *d = opendir(path);
    if (!d) {
        if (errno == ENOENT || errno == ENOTDIR) /* removed meanwhile */
            return 0;
        set_err(w->err, w->errlen, "无法读取目录 %s：%s", path, strerror(errno));
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        const char *name = e->d_name;
        if (name[0] == '.')
            continue; /* ".", "..", and nothing a key can name */
        size_t nl = strlen(name);
        if (pl + 1 + nl + 1 >= PATH_MAX || kl + nl + 2 > BLOB_KEY_MAX + 1)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue; /* removed meanwhile */
        path[pl] = '/';
        memcpy(path + pl + 1, name, nl + 1);
        if (depth > 0) {
            /* a fan-out level: key holds the hex digits so far */
            memcpy(key + kl, name, nl + 1);
            if (S_ISDIR(st.st_mode) && is_hex(name, 2) && compatible(w, key, kl + 2))
                rc = walk(w, path, pl + 1 + nl, key, kl + 2, depth - 1);
        } else if (depth == 0) {
            /* a blob, where its hash puts it */
            if (S_ISREG(st.st_mode) && nl == 64 && is_hex(name, 64) && strncmp(name, key, kl) == 0 &&
                str_starts_with(name, w->prefix))
                rc = w->fn(name, st.st_size, w->ud);
        } else if (S_ISDIR(st.st_mode)) {
            memcpy(key + kl, name, nl);
            key[kl + nl] = '/';
            key[kl + nl + 1] = 0;
            if (compatible(w, key, kl + nl + 1))
                rc = walk(w, path, pl + 1 + nl, key, kl + nl + 1, -1);
        } else if (S_ISREG(st.st_mode)) {
            memcpy(key + kl, name, nl + 1);
            if (str_starts_with(key, w->prefix) && blob_key_ok(key))
                rc = w->fn(key, st.st_size, w->ud);
        }
        path[pl] = 0;
        key[kl] = 0;
    }
    closedir(d);
    return rc;
}

static int walk_all(local_t *l, const char *prefix, visit_fn fn, void *ud, char *err, size_t errlen)
{
    if (!blob_prefix_ok(prefix)) {
        set_err(err, errlen, "前缀无效：%.80s", prefix ? prefix : "(null)");
        return -1;
    }
    walk_t w = {prefix, strlen(prefix), fn, ud, err, errlen};
    char path[PATH_MAX], key[BLOB_KEY_MAX + 2];
    int rc = 0;
    size_t rl = strlen(l->root);
    /* the blobs: root/ab/cd/<sha> (their keys never start with "d/") */
    if (!str_starts_with(prefix, "d/")) {
        memcpy(path, l->root, rl + 1);
        key[0] = 0;
        rc = walk(&w, path, rl, key, 0, 2);
    }
    /* the derivatives: root/d/... */
    if (rc == 0 && compatible(&w, "d/", 2)) {
        snprintf(path, sizeof path, "%s/d", l->root);
        memcpy(key, "d/", 3);
        rc = walk(&w, path, rl + 2, key, 2, -1);
    }
    return rc;
}

static int local_list(blob_store_t *b, const char *prefix, int (*fn)(const char *key, int64_t size, void *ud),
                      void *ud, char *err, size_t errlen)
{
    return walk_all(L(b), prefix ? prefix : "", fn, ud, err, errlen);
}

/* ---- removal ---- */

static int remove_one(local_t *l, const char *key, char *err, size_t errlen)
{
    char path[PATH_MAX];
    if (!path_of(l, key, path, sizeof path)) {
        set_err(err, errlen, "对象键无效：%.80s", key ? key : "(null)");
        return -1;
    }
    if (unlink(path) != 0 && errno != ENOENT && errno != ENOTDIR) {
        set_err(err, errlen, "无法删除对象 %s：%s", key, strerror(errno));
        return -1;
    }
    if (key[0] == 'd' && key[1] == '/')
        prune_parents(l, path);
    return 0;
}

typedef struct {
    char **keys;
    size_t n, cap;
} keylist_t;

static int collect(const char *key, int64_t size, void *ud)
{
    (void)size;
    keylist_t *k = ud;
    if (k->n == k->cap) {
        size_t nc = k->cap ? k->cap * 2 : 64;
        char **v = realloc(k->keys, nc * sizeof *v);
        if (!v)
            return ENOMEM;
        k->keys = v;
        k->cap = nc;
    }
    if (!(k->keys[k->n] = strdup(key)))
        return ENOMEM;
    k->n++;
    return 0;
}

static int local_remove(blob_store_t *b, const char *key, bool prefix, char *err, size_t errlen)
{
    local_t *l = L(b);
    if (!prefix)
        return remove_one(l, key, err, errlen);
    if (!key || !*key) {
        /* every key: never what a caller means */
        set_err(err, errlen, "拒绝以空前缀删除全部对象");
        return -1;
    }
    /* collected first, removed after: no directory changes under the walk */
    keylist_t k = {0};
    int rc = walk_all(l, key, collect, &k, err, errlen);
    if (rc > 0) {
        set_err(err, errlen, "内存不足");
        rc = -1;
    }
    for (size_t i = 0; i < k.n; i++) {
        if (rc == 0 && remove_one(l, k.keys[i], err, errlen) != 0)
            rc = -1;
        free(k.keys[i]);
    }
    free(k.keys);
    return rc;
}

static bool local_local_path(blob_store_t *b, const char *key, char *out, size_t outsz)
{
    return path_of(L(b), key, out, outsz);
}

static void local_free(blob_store_t *b)
{
    if (!b)
        return;
    free(L(b)->root);
    free(b);
}

static const blob_ops_t LOCAL_OPS = {
    .name = "local",
    .put_file = local_put_file,
    .stat = local_stat,
    .open_fd = local_open_fd,
    .read_at = local_read_at,
    .fetch = local_fetch,
    .remove = local_remove,
    .list = local_list,
    .local_path = local_local_path,
    .free = local_free,
};

/* what a crash left in root/tmp, once it is old enough not to be a write
 * in progress (of this process or another on the same root) */
static void clean_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(d))) {
        struct stat st;
        if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISREG(st.st_mode) && now - st.st_mtime > TMP_MAX_AGE_S)
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

blob_store_t *blob_local_new(const char *root, char *err, size_t errlen)
{
    if (!root || !*root) {
        set_err(err, errlen, "未配置存储目录");
        return NULL;
    }
    local_t *l = calloc(1, sizeof *l);
    if (!l || !(l->root = strdup(root))) {
        free(l);
        set_err(err, errlen, "内存不足");
        return NULL;
    }
    l->base.ops = &LOCAL_OPS;
    size_t n = strlen(l->root);
    while (n > 1 && l->root[n - 1] == '/')
        l->root[--n] = 0;
    char sub[PATH_MAX];
    /* room for root/d/<sha>/<the longest name> and root/tmp/put-XXXXXX */
    if (n + 1 + BLOB_KEY_MAX + 1 > PATH_MAX) {
        set_err(err, errlen, "存储目录路径过长");
        goto fail;
    }
    if (fileio_mkdirs(l->root) != 0) {
        set_err(err, errlen, "无法创建存储目录 %s：%s", l->root, strerror(errno));
        goto fail;
    }
    static const char *const SUBDIRS[] = {"tmp", "d"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(sub, sizeof sub, "%s/%s", l->root, SUBDIRS[i]);
        if (mkdir(sub, 0750) != 0 && errno != EEXIST) {
            set_err(err, errlen, "无法创建目录 %s：%s", sub, strerror(errno));
            goto fail;
        }
    }
    snprintf(sub, sizeof sub, "%s/tmp", l->root);
    clean_tmp(sub);
    return &l->base;
fail:
    local_free(&l->base);
    return NULL;
}
