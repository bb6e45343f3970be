/* blob.h — the object store under the storage module: bytes by key, on the
 * local disk or in an S3-compatible object store, behind one small
 * interface. The storage module is its only user; other modules go through
 * storage.h (files, not keys).
 *
 * Keys are ASCII: a blob is its SHA-256 in lower-case hex (64 characters);
 * a derivative of a blob (thumbnail, HLS segment, poster) is
 * "d/<sha256>/<name>" where <name> may contain '/' (e.g. "hls/720p/seg_3.m4s").
 * Keys never contain "..", a leading '/', or bytes outside [A-Za-z0-9._/-].
 *
 * Every backend is thread-safe: one instance serves every request thread and
 * job worker at once.
 */
#ifndef ZD_STORAGE_BLOB_H
#define ZD_STORAGE_BLOB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct blob_store blob_store_t;

typedef struct {
    const char *name; /* "local", "s3" */
    /* Stores the file at src under key. Atomic: afterwards the key holds all
     * of src or (on failure) is unchanged; a reader never sees part of it.
     * move: src may be consumed (renamed into place when on the same file
     * system; else copied and unlinked). Overwrites an existing key. 0, or -1
     * with a reason in err. */
    int (*put_file)(blob_store_t *b, const char *key, const char *src, bool move, char *err, size_t errlen);
    /* 1 present (*size set), 0 absent, -1 error (err). */
    int (*stat)(blob_store_t *b, const char *key, int64_t *size, char *err, size_t errlen);
    /* A file descriptor open for reading on the object (the caller closes
     * it), so that a download can be sent with sendfile; -1 with errno
     * ENOTSUP when the backend has none (S3), ENOENT when absent, else -1. */
    int (*open_fd)(blob_store_t *b, const char *key);
    /* Reads up to n bytes at offset off into buf: the count read (0 at the
     * end), or -1 with a reason in err. */
    ssize_t (*read_at)(blob_store_t *b, const char *key, int64_t off, void *buf, size_t n, char *err,
                       size_t errlen);
    /* Copies the object to the local file dst (created, 0640): for the tools
     * that read files (ffmpeg, vips, clamav). 0, or -1 with err. */
    int (*fetch)(blob_store_t *b, const char *key, const char *dst, char *err, size_t errlen);
    /* Removes the object; removing an absent key is not an error. With
     * prefix true, removes every key starting with key (a derivative folder
     * "d/<sha>/"); an empty prefix (everything) is refused. 0, or -1 with
     * err. */
    int (*remove)(blob_store_t *b, const char *key, bool prefix, char *err, size_t errlen);
    /* Calls fn for every key starting with prefix ("" for all), in no set
     * order; fn returning non-zero stops the walk (and is returned). -1 with
     * err on a backend error. */
    int (*list)(blob_store_t *b, const char *prefix, int (*fn)(const char *key, int64_t size, void *ud),
                void *ud, char *err, size_t errlen);
    /* The local file of a key when the backend is a local disk (for tools
     * to read in place), else false. */
    bool (*local_path)(blob_store_t *b, const char *key, char *out, size_t outsz);
    void (*free)(blob_store_t *b);
} blob_ops_t;

struct blob_store {
    const blob_ops_t *ops;
};

/* Is key well formed (see above)? */
bool blob_key_ok(const char *key);

/* The local disk: root/ab/cd/<sha> for a blob (fanned out by the first two
 * pairs of hex digits), root/d/<sha>/<name> for derivatives. Writes go to a
 * temporary file in root/tmp, fsynced, renamed into place, and the target
 * directory fsynced. The root is created (0750). */
blob_store_t *blob_local_new(const char *root, char *err, size_t errlen);

/* An S3-compatible object store (AWS Signature Version 4 through libcurl). */
typedef struct {
    const char *endpoint;   /* "https://s3.example.gov.cn" or "http://127.0.0.1:7480" */
    const char *region;     /* "us-east-1" when the store does not care */
    const char *bucket;     /* must exist */
    const char *prefix;     /* prepended to every key ("zhendi/"), may be "" */
    const char *access_key; /* */
    const char *secret_key; /* */
    bool path_style;        /* endpoint/bucket/key instead of bucket.endpoint/key */
    bool verify_tls;        /* check the server's certificate (default true) */
    int timeout_s;          /* per request; 0: 300 */
} blob_s3_config_t;
blob_store_t *blob_s3_new(const blob_s3_config_t *cfg, char *err, size_t errlen);

static inline void blob_free(blob_store_t *b)
{
    if (b)
        b->ops->free(b);
}

#endif
