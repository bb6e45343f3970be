/* download.c — answering GET/HEAD of a stored object (http_send_object):
 * validators (ETag, Last-Modified, If-None-Match, If-Modified-Since,
 * If-Range), byte ranges (one range → 206 with Content-Range; several →
 * 206 multipart/byteranges; none satisfiable → 416 with "bytes * /size"),
 * and the file's name for the browser (RFC 6266 / 5987). A local file is
 * sent with sendfile from its descriptor; a remote one (object store) or a
 * multipart answer through a reader, 64 KiB at a time: never the whole
 * object in memory. */
#include "http/download.h"
#include "core/crypto.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/internal.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MAX_RANGES HTTP_MAX_RANGES
typedef http_range_t range_t;

/* ---- the Range header ---- */

static int cmp_range(const void *a, const void *b)
{
    const range_t *x = a, *y = b;
    return x->first < y->first ? -1 : x->first > y->first;
}

int http_parse_ranges(const char *h, uint64_t size, http_range_t *out)
{
    while (*h == ' ')
        h++;
    if (strncasecmp(h, "bytes=", 6) != 0)
        return -1;
    h += 6;
    int n = 0, specs = 0;
    for (;;) {
        while (*h == ' ' || *h == '\t')
            h++;
        if (++specs > MAX_RANGES)
            return -1;
        uint64_t a = 0, b = 0;
        bool has_a = false, has_b = false;
        while (*h >= '0' && *h <= '9') {
            if (a > (UINT64_MAX - 9) / 10)
                return -1;
            a = a * 10 + (uint64_t)(*h++ - '0');
            has_a = true;
        }
        if (*h++ != '-')
            return -1;
        while (*h >= '0' && *h <= '9') {
            if (b > (UINT64_MAX - 9) / 10)
                return -1;
            b = b * 10 + (uint64_t)(*h++ - '0');
            has_b = true;
        }
        if (!has_a && !has_b)
            return -1;
        if (has_a && has_b && b < a)
            return -1; /* syntactically invalid: ignore the header */
        range_t r;
        bool ok = true;
        if (!has_a) { /* suffix: the last b bytes */
            ok = b > 0 && size > 0;
            r.first = b >= size ? 0 : size - b;
            r.last = size ? size - 1 : 0;
        } else {
            ok = a < size;
            r.first = a;
            r.last = has_b && b < size ? b : (size ? size - 1 : 0);
        }
        if (ok)
            out[n++] = r;
        while (*h == ' ' || *h == '\t')
            h++;
        if (*h == 0)
            break;
        if (*h++ != ',')
            return -1;
    }
    if (n == 0)
        return 0;
    qsort(out, (size_t)n, sizeof *out, cmp_range);
    int m = 0;
    for (int i = 1; i < n; i++) {
        if (out[i].first <= out[m].last + 1) {
            if (out[i].last > out[m].last)
                out[m].last = out[i].last;
        } else {
            out[++m] = out[i];
        }
    }
    return m + 1;
}

/* ---- validators ---- */

/* Does the If-None-Match / If-Range list name our entity tag? ("*" does
 * for If-None-Match.) Weak tags match weakly (W/"x" == "x"). */
static bool etag_listed(const char *list, const char *etag)
{
    size_t n = strlen(etag);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        if (*p == '*')
            return true;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        if (*p != '"')
            return false;
        const char *q = strchr(p + 1, '"');
        if (!q)
            return false;
        if ((size_t)(q - p - 1) == n && memcmp(p + 1, etag, n) == 0)
            return true;
        p = q + 1;
    }
    return false;
}

/* ---- the body ---- */

typedef struct {
    int fd; /* >= 0, or read_at */
    ssize_t (*read_at)(void *ud, int64_t off, void *buf, size_t n);
    void *ud;
    void (*free_ud)(void *ud);
    /* the answer: parts of text and ranges of the object, in order */
    int nparts;
    struct {
        char *head; /* the part's header (multipart) or NULL */
        size_t head_len;
        uint64_t first, len; /* of the object */
    } part[MAX_RANGES];
    char tail[80];
    size_t tail_len;
} body_t;

static void body_free(void *p)
{
    body_t *b = p;
    if (!b)
        return;
    if (b->fd >= 0)
        close(b->fd);
    if (b->free_ud)
        b->free_ud(b->ud);
    for (int i = 0; i < b->nparts; i++)
        free(b->part[i].head);
    free(b);
}

static ssize_t read_object(body_t *b, uint64_t off, char *buf, size_t n)
{
    if (b->fd >= 0) {
        ssize_t r;
        do
            r = pread(b->fd, buf, n, (off_t)off);
        while (r < 0 && errno == EINTR);
        return r;
    }
    return b->read_at(b->ud, (int64_t)off, buf, n);
}

/* MHD's reader: pos runs over the concatenation of the parts and the tail */
static ssize_t body_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    body_t *b = cls;
    uint64_t at = 0;
    for (int i = 0; i < b->nparts; i++) {
        if (pos < at + b->part[i].head_len) {
            size_t k = (size_t)(at + b->part[i].head_len - pos);
            if (k > max)
                k = max;
            memcpy(buf, b->part[i].head + (pos - at), k);
            return (ssize_t)k;
        }
        at += b->part[i].head_len;
        if (pos < at + b->part[i].len) {
            uint64_t k = at + b->part[i].len - pos;
            ssize_t r = read_object(b, b->part[i].first + (pos - at), buf, k < max ? (size_t)k : max);
            return r > 0 ? r : -1; /* the object shrank or the store failed: end the connection */
        }
        at += b->part[i].len;
    }
    if (pos < at + b->tail_len) {
        size_t k = (size_t)(at + b->tail_len - pos);
        if (k > max)
            k = max;
        memcpy(buf, b->tail + (pos - at), k);
        return (ssize_t)k;
    }
    return -1;
}

/* Types a browser would run as a page: never shown inline from here. */
static bool active_type(const char *ct)
{
    static const char *const bad[] = {
        "text/html",       "application/xhtml",     "image/svg", "text/xml", "application/xml",
        "text/javascript", "application/javascript"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (ct && strncasecmp(ct, bad[i], strlen(bad[i])) == 0)
            return true;
    return false;
}

int64_t http_send_object(http_req_t *req, const http_object_t *o)
{
    body_t *b = calloc(1, sizeof *b);
    if (!b) {
        if (o->fd >= 0)
            close(o->fd);
        if (o->free_ud)
            o->free_ud(o->ud);
        http_error(req, 500, "internal", "内存不足");
        return 0;
    }
    b->fd = o->fd;
    b->read_at = o->read_at;
    b->ud = o->ud;
    b->free_ud = o->free_ud;
    const char *ct = o->content_type && o->content_type[0] ? o->content_type : "application/octet-stream";
    uint64_t size = (uint64_t)o->size;

    char etag[140] = "", lm[64] = "";
    if (o->etag && o->etag[0]) {
        snprintf(etag, sizeof etag, "\"%s\"", o->etag);
        http_add_header(req, "ETag", etag);
    }
    if (o->mtime_ms > 0) {
        time_http_date(o->mtime_ms, lm, sizeof lm);
        http_add_header(req, "Last-Modified", lm);
    }
    http_add_header(req, "Accept-Ranges", "bytes");
    http_add_header(req, "Cache-Control", o->cache_control ? o->cache_control : "private, no-cache");
    /* a stored file never runs as a page of this site */
    http_add_header(req, "Content-Security-Policy", "sandbox; default-src 'none'; media-src 'self'");
    http_object_t oo = *o;
    if (active_type(ct))
        oo.inline_disposition = false;
    if (oo.filename || active_type(ct))
        http_disposition(req, oo.inline_disposition, NULL, oo.filename ? oo.filename : "download");

    /* conditional GET */
    const char *inm = http_header_in(req, "If-None-Match");
    const char *ims = http_header_in(req, "If-Modified-Since");
    bool not_modified =
        inm ? (etag[0] && etag_listed(inm, o->etag))
            : (ims && o->mtime_ms > 0 && time_parse_http_date(ims) >= o->mtime_ms / 1000 * 1000);
    if (not_modified) {
        body_free(b);
        http_send(req, 304, NULL, NULL, 0);
        return 0;
    }

    /* ranges, unless If-Range names another version */
    range_t rs[MAX_RANGES];
    int nr = -1;
    const char *rh = http_header_in(req, "Range");
    const char *ifr = http_header_in(req, "If-Range");
    if (rh && ifr) {
        bool same = ifr[0] == '"'
                        ? (etag[0] && strcmp(ifr, etag) == 0)
                        : (o->mtime_ms > 0 && time_parse_http_date(ifr) == o->mtime_ms / 1000 * 1000);
        if (!same)
            rh = NULL;
    }
    if (rh)
        nr = http_parse_ranges(rh, size, rs);
    if (nr == 0) {
        body_free(b);
        http_add_header(req, "Content-Range", http_printf(req, "bytes */%llu", (unsigned long long)size));
        http_error(req, 416, "range_not_satisfiable", "请求的范围超出文件大小（%llu 字节）",
                   (unsigned long long)size);
        return 0;
    }
    if (nr < 0) { /* the whole object */
        rs[0] = (range_t){0, size ? size - 1 : 0};
        if (b->fd >= 0) {
            int fd = b->fd;
            b->fd = -1;
            body_free(b);
            http_send_fd(req, 200, ct, fd, 0, size);
        } else {
            b->nparts = 1;
            b->part[0].first = 0;
            b->part[0].len = size;
            http_send_reader(req, 200, ct, size, body_read, b, body_free);
        }
        return (int64_t)size;
    }
    if (nr == 1) {
        uint64_t len = rs[0].last - rs[0].first + 1;
        http_add_header(req, "Content-Range",
                        http_printf(req, "bytes %llu-%llu/%llu", (unsigned long long)rs[0].first,
                                    (unsigned long long)rs[0].last, (unsigned long long)size));
        if (b->fd >= 0) {
            int fd = b->fd;
            b->fd = -1;
            body_free(b);
            http_send_fd(req, 206, ct, fd, rs[0].first, len);
        } else {
            b->nparts = 1;
            b->part[0].first = rs[0].first;
            b->part[0].len = len;
            http_send_reader(req, 206, ct, len, body_read, b, body_free);
        }
        return (int64_t)len;
    }
    /* several: multipart/byteranges (RFC 7233 appendix A) */
    char boundary[40] = "zhendi-";
    crypto_random_hex(12, boundary + 7);
    uint64_t total = 0;
    for (int i = 0; i < nr; i++) {
        char *h = NULL;
        int hl = asprintf(&h, "%s--%s\r\nContent-Type: %s\r\nContent-Range: bytes %llu-%llu/%llu\r\n\r\n",
                          i ? "\r\n" : "", boundary, ct, (unsigned long long)rs[i].first,
                          (unsigned long long)rs[i].last, (unsigned long long)size);
        if (hl < 0) {
            body_free(b);
            http_error(req, 500, "internal", "内存不足");
            return 0;
        }
        b->part[i].head = h;
        b->part[i].head_len = (size_t)hl;
        b->part[i].first = rs[i].first;
        b->part[i].len = rs[i].last - rs[i].first + 1;
        b->nparts = i + 1;
        total += (uint64_t)hl + b->part[i].len;
    }
    b->tail_len = (size_t)snprintf(b->tail, sizeof b->tail, "\r\n--%s--\r\n", boundary);
    total += b->tail_len;
    http_send_reader(req, 206, http_printf(req, "multipart/byteranges; boundary=%s", boundary), total,
                     body_read, b, body_free);
    return (int64_t)total;
}
