/* download.h — answering GET/HEAD of a stored object: validators, byte
 * ranges, the file's name. Every module that serves files (storage's
 * downloads and share links, media playback) answers through this. */
#ifndef ZD_HTTP_DOWNLOAD_H
#define ZD_HTTP_DOWNLOAD_H
#include "http/http.h"

typedef struct {
    int fd; /* >= 0: a local file, sent with sendfile (closed after); else read_at */
    ssize_t (*read_at)(void *ud, int64_t off, void *buf, size_t n); /* bytes read, -1 on error */
    void *ud;
    void (*free_ud)(void *ud); /* when the answer is done (or never sent) */
    int64_t size;
    const char *content_type;  /* NULL: application/octet-stream */
    const char *etag;          /* a strong validator, without quotes (e.g. the SHA-256); NULL: none */
    int64_t mtime_ms;          /* Last-Modified; 0: none */
    const char *filename;      /* UTF-8 name for Content-Disposition; NULL: none */
    bool inline_disposition;   /* with filename: inline (a viewer) rather than attachment */
    const char *cache_control; /* NULL: "private, no-cache" (revalidate with the ETag) */
} http_object_t;

/* Answers the request with the object: 304 when If-None-Match (or
 * If-Modified-Since) matches; 206 with Content-Range for one satisfiable
 * range; 206 multipart/byteranges for several (at most 16; overlapping and
 * adjacent ones merged); 416 with Content-Range "bytes * /size" when none
 * is satisfiable; else 200. A Range that is malformed, of another unit, or
 * whose If-Range names another version is ignored (200). HTML, SVG, XML and
 * scripts are always attachments, and every answer carries a sandboxing
 * Content-Security-Policy. Takes ownership of fd / ud in every case.
 * Returns the number of body bytes queued. */
int64_t http_send_object(http_req_t *req, const http_object_t *o);

#define HTTP_MAX_RANGES 16
typedef struct {
    uint64_t first, last; /* inclusive */
} http_range_t;
/* Parses a Range header ("bytes=a-b, c-, -n") against size into out (room
 * for HTTP_MAX_RANGES). Returns the number of satisfiable ranges (sorted,
 * overlapping and adjacent ones merged), 0 when none is satisfiable (416),
 * -1 when the header is to be ignored (another unit, bad syntax, too many
 * ranges: the whole object is sent). */
int http_parse_ranges(const char *h, uint64_t size, http_range_t *out);

#endif
