/* blob_s3.c — the object store in an S3-compatible service (AWS S3, Ceph
 * RGW, the cloud vendors' stores), over libcurl with its AWS Signature
 * Version 4 (CURLOPT_AWS_SIGV4); see blob.h.
 *
 * Requests: PUT of a whole object up to the multipart threshold (64 MiB),
 * above it CreateMultipartUpload / UploadPart / CompleteMultipartUpload
 * (aborted on any failure, so no parts are left billed); HEAD for stat;
 * GET with Range for read_at; GET into a file for fetch; DELETE; list by
 * ListObjectsV2 pages (continuation tokens); a prefix removed by
 * DeleteObjects in batches of 1000 (per-key DELETE where a store lacks it).
 * Responses' XML is read with libxml2 (core/xmlread.h); a failure reports
 * the HTTP status and S3's <Code> and <Message>.
 *
 * Signing notes, learnt against Ceph RGW with Debian 12's curl 7.88:
 *  - every request carries x-amz-content-sha256 (curl signs the value we
 *    give): the body's SHA-256 for the small XML bodies, UNSIGNED-PAYLOAD
 *    for objects streamed from a file (which would otherwise be read
 *    twice); TLS protects those in transit.
 *  - curl 7.88 signs the query string as it is given, so every query here
 *    is built canonical: parameters sorted, each "name=value" (also
 *    "uploads="), values percent-encoded but for A-Za-z0-9-._~ .
 *
 * Thread-safe: the configuration is read-only after blob_s3_new; curl easy
 * handles come from a small pool (under a mutex) so that connections are
 * kept alive between requests. Transient failures (connection reset, HTTP
 * 500/502/503/504) are retried twice with a short backoff. */
#include "core/crypto.h"
#include "core/curldl.h"
#include "core/str.h"
#include "core/xmlread.h"
#include "modules/storage/blob.h"
#include "modules/storage/blob_internal.h"
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MIB               ((int64_t)1 << 20)
#define MULTIPART_DEFAULT (64 * MIB)
#define PART_DEFAULT      (16 * MIB)
#define PARTS_MAX         10000
#define MAX_XML           (16u << 20)
#define POOL_MAX          16
#define TRIES             3
#define EMPTY_SHA256      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define DELETE_BATCH      1000

typedef struct {
    blob_store_t base;
    char *base_url; /* where object names are appended after a '/' */
    char *list_url; /* the bucket itself, for list/delete/multipart queries */
    char *prefix;
    char *access_key, *secret_key;
    char sigv4[160];
    bool verify_tls;
    long timeout_s;
    int64_t mp_threshold, part_size;
    int page_keys;      /* ListObjectsV2 max-keys */
    pthread_mutex_t mu; /* pool */
    CURL *pool[POOL_MAX];
    int npool;
} s3_t;

static s3_t *S(blob_store_t *b) { return (s3_t *)b; }

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

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static void global_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

/* ---- encoding ---- */

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

/* S3's URI encoding: every byte but the unreserved as %XX (upper-case);
 * '/' kept when keep_slash (an object name in the path). */
static void url_encode(sbuf_t *b, const char *s, bool keep_slash)
{
    static const char HEX[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (unreserved(*p) || (keep_slash && *p == '/')) {
            sbuf_putc(b, (char)*p);
        } else {
            sbuf_putc(b, '%');
            sbuf_putc(b, HEX[*p >> 4]);
            sbuf_putc(b, HEX[*p & 15]);
        }
    }
}

static void xml_escape(sbuf_t *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': sbuf_puts(b, "&amp;"); break;
        case '<': sbuf_puts(b, "&lt;"); break;
        case '>': sbuf_puts(b, "&gt;"); break;
        case '"': sbuf_puts(b, "&quot;"); break;
        default: sbuf_putc(b, *s);
        }
    }
}

static char *object_url(const s3_t *s, const char *key)
{
    sbuf_t b;
    sbuf_init(&b);
    sbuf_puts(&b, s->base_url);
    sbuf_putc(&b, '/');
    url_encode(&b, s->prefix, true);
    url_encode(&b, key, true);
    return sbuf_detach(&b);
}

/* ---- XML ---- */

/* Calls fn for every element with its path from the root ("Error/Code")
 * and its text (NULL at the element's end). */
typedef void (*xml_fn)(const char *path, const char *text, void *ud);

static int xml_walk(const char *buf, size_t len, xml_fn fn, void *ud)
{
    bool bad = false;
    xmlTextReaderPtr r = xml_open(buf, len, &bad);
    if (!r)
        return -1;
    char path[512] = "";
    size_t depth_len[32] = {0};
    int rc;
    while ((rc = xmlTextReaderRead(r)) == 1) {
        int type = xmlTextReaderNodeType(r);
        int depth = xmlTextReaderDepth(r);
        if (depth < 0 || depth >= 31)
            continue;
        if (type == XML_READER_TYPE_ELEMENT) {
            const char *name = (const char *)xmlTextReaderConstLocalName(r);
            size_t at = depth_len[depth];
            snprintf(path + at, sizeof path - at, "%s%s", depth ? "/" : "", name ? name : "");
            depth_len[depth + 1] = strlen(path);
            xmlChar *text = xmlTextReaderReadString(r);
            fn(path, text ? (const char *)text : "", ud);
            xmlFree(text);
            if (xmlTextReaderIsEmptyElement(r))
                fn(path, NULL, ud);
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            path[depth_len[depth + 1]] = 0;
            fn(path, NULL, ud);
            path[depth_len[depth]] = 0;
        }
    }
    xmlFreeTextReader(r);
    return rc == 0 && !bad ? 0 : -1;
}

typedef struct {
    char code[128];
    char message[384];
} s3_error_t;

static void on_error_xml(const char *path, const char *text, void *ud)
{
    s3_error_t *e = ud;
    if (!text)
        return;
    if (!strcmp(path, "Error/Code"))
        str_lcpy(e->code, text, sizeof e->code);
    else if (!strcmp(path, "Error/Message"))
        str_lcpy(e->message, text, sizeof e->message);
}

/* ---- requests ---- */

typedef struct {
    /* in */
    const char *method; /* GET HEAD PUT POST DELETE */
    char *url;
    const char *what;  /* the key or prefix, for messages */
    const char *body;  /* a small body in memory (XML), or */
    size_t body_len;   /* */
    int body_fd;       /* a file range: fd >= 0 */
    int64_t body_off;  /* */
    int64_t body_size; /* */
    bool content_md5;  /* send Content-MD5 of the memory body */
    const char *range; /* "bytes=a-b" */
    int out_fd;        /* a 2xx body into this file (fetch) */
    char *out_buf;     /* a 2xx body into this buffer (read_at) */
    size_t out_cap;    /* */
    /* out */
    long status;
    sbuf_t resp; /* a non-2xx body, or a 2xx body when no out_* */
    size_t out_len;
    int64_t length; /* Content-Length (HEAD) */
    char etag[160];
    bool too_big, write_failed, enough;
    int64_t body_pos;
    CURL *curl; /* during perform */
} req_t;

static void req_init(req_t *q, const char *method, char *url, const char *what)
{
    memset(q, 0, sizeof *q);
    q->method = method;
    q->url = url;
    q->what = what;
    q->body_fd = -1;
    q->out_fd = -1;
    q->length = -1;
    sbuf_init(&q->resp);
}

static void req_free(req_t *q)
{
    free(q->url);
    sbuf_free(&q->resp);
}

static size_t on_read(char *p, size_t size, size_t n, void *ud)
{
    req_t *q = ud;
    int64_t left = q->body_size - q->body_pos;
    size_t want = size * n;
    if (left <= 0)
        return 0;
    if ((int64_t)want > left)
        want = (size_t)left;
    ssize_t r;
    do
        r = pread(q->body_fd, p, want, (off_t)(q->body_off + q->body_pos));
    while (r < 0 && errno == EINTR);
    if (r <= 0) /* the file shrank or failed: abort rather than send short */
        return CURL_READFUNC_ABORT;
    q->body_pos += r;
    return (size_t)r;
}

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
    req_t *q = ud;
    size_t len = size * n;
    if (!q->status)
        curl_easy_getinfo(q->curl, CURLINFO_RESPONSE_CODE, &q->status);
    bool ok = q->status >= 200 && q->status < 300;
    if (ok && q->out_fd >= 0) {
        size_t done = 0;
        while (done < len) {
            ssize_t w = write(q->out_fd, p + done, len - done);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                q->write_failed = true;
                return 0;
            }
            done += (size_t)w;
        }
        q->out_len += len;
        return len;
    }
    if (ok && q->out_buf) {
        size_t room = q->out_cap - q->out_len;
        size_t take = len < room ? len : room;
        memcpy(q->out_buf + q->out_len, p, take);
        q->out_len += take;
        if (take < len) { /* a server that ignored Range: we have enough */
            q->enough = true;
            return 0;
        }
        return len;
    }
    if (q->resp.len + len > MAX_XML) {
        q->too_big = true;
        return 0;
    }
    sbuf_append(&q->resp, p, len);
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    req_t *q = ud;
    size_t len = size * n;
    if (len > 5 && !strncasecmp(p, "etag:", 5)) {
        const char *v = p + 5;
        while (*v == ' ' || *v == '\t')
            v++;
        size_t vl = (size_t)(p + len - v);
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
            vl--;
        if (vl < sizeof q->etag) {
            memcpy(q->etag, v, vl);
            q->etag[vl] = 0;
        }
    }
    return len;
}

static CURL *handle_get(s3_t *s)
{
    CURL *h = NULL;
    pthread_mutex_lock(&s->mu);
    if (s->npool)
        h = s->pool[--s->npool];
    pthread_mutex_unlock(&s->mu);
    return h ? h : curl_easy_init();
}

static void handle_put(s3_t *s, CURL *h)
{
    curl_easy_reset(h); /* keeps the connection and DNS caches */
    pthread_mutex_lock(&s->mu);
    if (s->npool < POOL_MAX) {
        s->pool[s->npool++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&s->mu);
    if (h)
        curl_easy_cleanup(h);
}

static bool transient(CURLcode cc, long status)
{
    if (cc == CURLE_OK)
        return status == 500 || status == 502 || status == 503 || status == 504;
    return cc == CURLE_SEND_ERROR || cc == CURLE_RECV_ERROR || cc == CURLE_GOT_NOTHING ||
           cc == CURLE_PARTIAL_FILE || cc == CURLE_OPERATION_TIMEDOUT;
}

/* One attempt. The curl code; q->status set. */
static CURLcode perform(s3_t *s, req_t *q, char *cerr)
{
    CURL *h = handle_get(s);
    if (!h)
        return CURLE_OUT_OF_MEMORY;
    q->curl = h;
    struct curl_slist *hd = NULL;
    char line[256], sha[65];
    if (q->body) {
        crypto_sha256_hex(q->body, q->body_len, sha);
        snprintf(line, sizeof line, "x-amz-content-sha256: %s", sha);
    } else {
        snprintf(line, sizeof line, "x-amz-content-sha256: %s",
                 q->body_fd >= 0 ? "UNSIGNED-PAYLOAD" : EMPTY_SHA256);
    }
    hd = curl_slist_append(hd, line);
    if (q->body && q->content_md5) {
        unsigned char md5[EVP_MAX_MD_SIZE];
        unsigned int ml = 0;
        EVP_Digest(q->body, q->body_len, md5, &ml, EVP_md5(), NULL);
        char *b64 = crypto_base64(md5, ml);
        snprintf(line, sizeof line, "Content-MD5: %s", b64 ? b64 : "");
        free(b64);
        hd = curl_slist_append(hd, line);
    }
    if (q->body)
        hd = curl_slist_append(hd, "Content-Type: application/xml");
    else if (q->body_fd >= 0)
        hd = curl_slist_append(hd, "Content-Type: application/octet-stream");
    if (q->range) {
        snprintf(line, sizeof line, "Range: %s", q->range);
        hd = curl_slist_append(hd, line);
    }

    curl_easy_setopt(h, CURLOPT_URL, q->url);
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, s->sigv4);
    curl_easy_setopt(h, CURLOPT_USERNAME, s->access_key);
    curl_easy_setopt(h, CURLOPT_PASSWORD, s->secret_key);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, s->timeout_s);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, s->timeout_s < 15 ? s->timeout_s : 15L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, s->verify_tls ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, s->verify_tls ? 2L : 0L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, q);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, q);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "zhendi/" ZHENDI_VERSION);
    if (!strcmp(q->method, "HEAD")) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (!strcmp(q->method, "PUT")) {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(h, CURLOPT_READDATA, q);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)q->body_size);
    } else if (!strcmp(q->method, "POST")) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->body ? q->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
    } else if (strcmp(q->method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
    }
    cerr[0] = 0;
    CURLcode cc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &q->status);
    curl_off_t cl = -1;
    if (curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK)
        q->length = cl;
    curl_slist_free_all(hd);
    q->curl = NULL;
    handle_put(s, h);
    return cc;
}

/* Runs q with retries. 0 when the server answered 2xx; else -1 with the
 * reason in err (HTTP status, S3 Code and Message) and q->status. */
static int request(s3_t *s, req_t *q, char *err, size_t errlen)
{
    char cerr[CURL_ERROR_SIZE];
    CURLcode cc = CURLE_OK;
    for (int attempt = 0; attempt < TRIES; attempt++) {
        if (attempt) {
            struct timespec ts = {0, 200000000L * attempt};
            nanosleep(&ts, NULL);
            /* start the attempt afresh */
            sbuf_free(&q->resp);
            q->status = 0;
            q->out_len = 0;
            q->body_pos = 0;
            q->etag[0] = 0;
            q->too_big = q->write_failed = q->enough = false;
            if (q->out_fd >= 0 && (ftruncate(q->out_fd, 0) != 0 || lseek(q->out_fd, 0, SEEK_SET) != 0)) {
                set_err(err, errlen, "无法重写本地文件：%s", strerror(errno));
                return -1;
            }
        }
        cc = perform(s, q, cerr);
        if (cc == CURLE_WRITE_ERROR && q->enough)
            cc = CURLE_OK;
        if (!transient(cc, q->status))
            break;
    }
    if (cc != CURLE_OK) {
        if (q->write_failed)
            set_err(err, errlen, "S3 %s %s：写本地文件失败：%s", q->method, q->what, strerror(errno));
        else
            set_err(err, errlen, "S3 %s %s：%s%s%s", q->method, q->what, curl_easy_strerror(cc),
                    cerr[0] ? "：" : "", cerr);
        return -1;
    }
    if (q->status >= 200 && q->status < 300)
        return 0;
    s3_error_t e = {{0}, {0}};
    if (q->resp.len)
        xml_walk(q->resp.data, q->resp.len, on_error_xml, &e);
    if (!e.code[0]) /* HEAD has no body */
        snprintf(e.code, sizeof e.code, "%s",
                 q->status == 404   ? "NotFound"
                 : q->status == 403 ? "AccessDenied"
                                    : "Error");
    set_err(err, errlen, "S3 %s %s：HTTP %ld %s%s%s", q->method, q->what, q->status, e.code,
            e.message[0] ? "：" : "", e.message);
    return -1;
}

/* A 200 that carries an <Error> (CompleteMultipartUpload, CopyObject do
 * that when they fail late): -1 with err. */
static int error_in_body(const req_t *q, char *err, size_t errlen)
{
    if (!q->resp.len)
        return 0;
    s3_error_t e = {{0}, {0}};
    xml_walk(q->resp.data, q->resp.len, on_error_xml, &e);
    if (!e.code[0])
        return 0;
    set_err(err, errlen, "S3 %s %s：%s%s%s", q->method, q->what, e.code, e.message[0] ? "：" : "", e.message);
    return -1;
}

/* ---- put ---- */

static int put_single(s3_t *s, const char *key, int fd, int64_t size, char *err, size_t errlen)
{
    req_t q;
    req_init(&q, "PUT", object_url(s, key), key);
    q.body_fd = fd;
    q.body_size = size;
    int rc = request(s, &q, err, errlen);
    req_free(&q);
    return rc;
}

static void on_upload_id(const char *path, const char *text, void *ud)
{
    if (text && !strcmp(path, "InitiateMultipartUploadResult/UploadId"))
        str_lcpy(ud, text, 512);
}

static char *query_url(const s3_t *s, const char *key, const char *query)
{
    char *u = key ? object_url(s, key) : NULL;
    sbuf_t b;
    sbuf_init(&b);
    sbuf_puts(&b, u ? u : s->list_url);
    sbuf_putc(&b, '?');
    sbuf_puts(&b, query);
    free(u);
    return sbuf_detach(&b);
}

static void abort_upload(s3_t *s, const char *key, const sbuf_t *uid_q)
{
    req_t q;
    char e[256];
    req_init(&q, "DELETE", query_url(s, key, uid_q->data), key);
    request(s, &q, e, sizeof e); /* best effort: a lifecycle rule cleans what stays */
    req_free(&q);
}

static int put_multipart(s3_t *s, const char *key, int fd, int64_t size, char *err, size_t errlen)
{
    int rc = -1;
    char upload_id[512] = "";
    sbuf_t uid_q, complete;
    sbuf_init(&uid_q);
    sbuf_init(&complete);
    req_t q;
    req_init(&q, "POST", query_url(s, key, "uploads="), key);
    if (request(s, &q, err, errlen) != 0 || error_in_body(&q, err, errlen) != 0) {
        req_free(&q);
        goto out;
    }
    xml_walk(q.resp.data ? q.resp.data : "", q.resp.len, on_upload_id, upload_id);
    req_free(&q);
    if (!upload_id[0]) {
        set_err(err, errlen, "S3 POST %s：CreateMultipartUpload 的回答中没有 UploadId", key);
        goto out;
    }
    sbuf_puts(&uid_q, "uploadId=");
    url_encode(&uid_q, upload_id, false);

    int64_t part = s->part_size;
    if ((size + part - 1) / part > PARTS_MAX)
        part = ((size + PARTS_MAX - 1) / PARTS_MAX + MIB - 1) / MIB * MIB;
    sbuf_puts(&complete, "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
    int nparts = (int)((size + part - 1) / part);
    for (int i = 0; i < nparts; i++) {
        char qs[1024];
        /* sorted: partNumber before uploadId */
        snprintf(qs, sizeof qs, "partNumber=%d&%s", i + 1, uid_q.data);
        req_init(&q, "PUT", query_url(s, key, qs), key);
        q.body_fd = fd;
        q.body_off = (int64_t)i * part;
        q.body_size = size - q.body_off < part ? size - q.body_off : part;
        int prc = request(s, &q, err, errlen);
        if (prc == 0 && !q.etag[0]) {
            set_err(err, errlen, "S3 PUT %s：第 %d 段的回答中没有 ETag", key, i + 1);
            prc = -1;
        }
        if (prc == 0) {
            sbuf_printf(&complete, "<Part><PartNumber>%d</PartNumber><ETag>", i + 1);
            xml_escape(&complete, q.etag);
            sbuf_puts(&complete, "</ETag></Part>");
        }
        req_free(&q);
        if (prc != 0)
            goto abort;
    }
    sbuf_puts(&complete, "</CompleteMultipartUpload>");
    req_init(&q, "POST", query_url(s, key, uid_q.data), key);
    q.body = complete.data;
    q.body_len = complete.len;
    int crc = request(s, &q, err, errlen);
    if (crc == 0)
        crc = error_in_body(&q, err, errlen);
    req_free(&q);
    if (crc == 0) {
        rc = 0;
        goto out;
    }
abort:
    abort_upload(s, key, &uid_q);
out:
    sbuf_free(&uid_q);
    sbuf_free(&complete);
    return rc;
}

static int s3_put_file(blob_store_t *b, const char *key, const char *src, bool move, char *err, size_t errlen)
{
    s3_t *s = S(b);
    if (!blob_key_ok(key)) {
        set_err(err, errlen, "对象键无效：%.80s", key ? key : "(null)");
        return -1;
    }
    int fd = open(src, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        set_err(err, errlen, "无法读取源文件 %s：%s", src, fd < 0 ? strerror(errno) : "不是普通文件");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int rc = st.st_size > s->mp_threshold ? put_multipart(s, key, fd, st.st_size, err, errlen)
                                          : put_single(s, key, fd, st.st_size, err, errlen);
    close(fd);
    if (rc == 0 && move)
        unlink(src);
    return rc;
}

/* ---- reading ---- */

static int s3_stat(blob_store_t *b, const char *key, int64_t *size, char *err, size_t errlen)
{
    s3_t *s = S(b);
    if (!blob_key_ok(key)) {
        set_err(err, errlen, "对象键无效：%.80s", key ? key : "(null)");
        return -1;
    }
    req_t q;
    req_init(&q, "HEAD", object_url(s, key), key);
    int rc = request(s, &q, err, errlen);
    if (rc == 0) {
        if (size)
            *size = q.length >= 0 ? q.length : 0;
        rc = 1;
    } else if (q.status == 404) {
        rc = 0;
    }
    req_free(&q);
    return rc;
}

static int s3_open_fd(blob_store_t *b, const char *key)
{
    (void)b;
    (void)key;
    errno = ENOTSUP;
    return -1;
}

static ssize_t s3_read_at(blob_store_t *b, const char *key, int64_t off, void *buf, size_t n, char *err,
                          size_t errlen)
{
    s3_t *s = S(b);
    if (!blob_key_ok(key)) {
        set_err(err, errlen, "对象键无效：%.80s", key ? key : "(null)");
        return -1;
    }
    if (off < 0) {
        set_err(err, errlen, "偏移量无效");
        return -1;
    }
    if (n == 0)
        return 0;
    char range[64];
    snprintf(range, sizeof range, "bytes=%lld-%lld", (long long)off, (long long)(off + (int64_t)n - 1));
    req_t q;
    req_init(&q, "GET", object_url(s, key), key);
    q.range = range;
    q.out_buf = buf;
    q.out_cap = n;
    ssize_t rc = -1;
    if (request(s, &q, err, errlen) == 0) {
        if (q.status == 206) {
            rc = (ssize_t)q.out_len;
        } else {
            /* 200: the whole object from its start (a store without
             * ranges); what lies before off was received into buf too */
            if ((int64_t)q.out_len <= off) {
                rc = 0;
            } else {
                rc = (ssize_t)(q.out_len - (size_t)off);
                memmove(buf, (char *)buf + off, (size_t)rc);
            }
            if (off > 0 && q.enough) {
                set_err(err, errlen, "S3 GET %s：服务器不支持 Range 请求", key);
                rc = -1;
            }
        }
    } else if (q.status == 416) {
        rc = 0; /* at or past the end */
    }
    req_free(&q);
    return rc;
}

static int s3_fetch(blob_store_t *b, const char *key, const char *dst, char *err, size_t errlen)
{
    s3_t *s = S(b);
    if (!blob_key_ok(key)) {
        set_err(err, errlen, "对象键无效：%.80s", key ? key : "(null)");
        return -1;
    }
    int fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) {
        set_err(err, errlen, "无法创建 %s：%s", dst, strerror(errno));
        return -1;
    }
    req_t q;
    req_init(&q, "GET", object_url(s, key), key);
    q.out_fd = fd;
    int rc = request(s, &q, err, errlen);
    if (rc == 0 && q.length >= 0 && (int64_t)q.out_len != q.length) {
        set_err(err, errlen, "S3 GET %s：收到 %zu 字节，应为 %lld", key, q.out_len, (long long)q.length);
        rc = -1;
    }
    req_free(&q);
    if (close(fd) != 0 && rc == 0) {
        set_err(err, errlen, "无法写入 %s：%s", dst, strerror(errno));
        rc = -1;
    }
    if (rc != 0)
        unlink(dst);
    return rc;
}

/* ---- list ---- */

typedef struct {
    const s3_t *s;
    int (*fn)(const char *key, int64_t size, void *ud);
    void *ud;
    int rc;
    bool truncated;
    char token[1024];
    char key[1100];
    int64_t size;
} page_t;

static void on_list_xml(const char *path, const char *text, void *ud)
{
    page_t *p = ud;
    if (!strcmp(path, "ListBucketResult/Contents")) {
        if (text) {
            p->key[0] = 0;
            p->size = 0;
        } else if (p->rc == 0 && p->key[0]) {
            /* the store's prefix off; what is not a key of ours is skipped */
            size_t pl = strlen(p->s->prefix);
            const char *k = p->key + pl;
            if (!strncmp(p->key, p->s->prefix, pl) && blob_key_ok(k))
                p->rc = p->fn(k, p->size, p->ud);
        }
        return;
    }
    if (!text)
        return;
    if (!strcmp(path, "ListBucketResult/Contents/Key"))
        str_lcpy(p->key, text, sizeof p->key);
    else if (!strcmp(path, "ListBucketResult/Contents/Size"))
        p->size = strtoll(text, NULL, 10);
    else if (!strcmp(path, "ListBucketResult/IsTruncated"))
        p->truncated = !strcmp(text, "true");
    else if (!strcmp(path, "ListBucketResult/NextContinuationToken"))
        str_lcpy(p->token, text, sizeof p->token);
}

static int s3_list(blob_store_t *b, const char *prefix, int (*fn)(const char *key, int64_t size, void *ud),
                   void *ud, char *err, size_t errlen)
{
    s3_t *s = S(b);
    if (!prefix)
        prefix = "";
    if (!blob_prefix_ok(prefix)) {
        set_err(err, errlen, "前缀无效：%.80s", prefix);
        return -1;
    }
    page_t p = {.s = s, .fn = fn, .ud = ud};
    char full[BLOB_KEY_MAX + 512];
    snprintf(full, sizeof full, "%s%s", s->prefix, prefix);
    for (;;) {
        sbuf_t qs;
        sbuf_init(&qs);
        /* sorted: continuation-token, list-type, max-keys, prefix */
        if (p.token[0]) {
            sbuf_puts(&qs, "continuation-token=");
            url_encode(&qs, p.token, false);
            sbuf_putc(&qs, '&');
        }
        sbuf_printf(&qs, "list-type=2&max-keys=%d&prefix=", s->page_keys);
        url_encode(&qs, full, false);
        req_t q;
        req_init(&q, "GET", query_url(s, NULL, qs.data), prefix[0] ? prefix : "(全部)");
        sbuf_free(&qs);
        int rc = request(s, &q, err, errlen);
        p.truncated = false;
        p.token[0] = 0;
        if (rc == 0 && xml_walk(q.resp.data ? q.resp.data : "", q.resp.len, on_list_xml, &p) != 0) {
            set_err(err, errlen, "S3 GET %s：ListObjectsV2 的回答无法解析", q.what);
            rc = -1;
        }
        req_free(&q);
        if (rc != 0)
            return -1;
        if (p.rc != 0)
            return p.rc;
        if (!p.truncated)
            return 0;
        if (!p.token[0]) {
            set_err(err, errlen, "S3 列表被截断但没有 NextContinuationToken");
            return -1;
        }
    }
}

/* ---- remove ---- */

static int s3_delete_key(s3_t *s, const char *key, char *err, size_t errlen)
{
    req_t q;
    req_init(&q, "DELETE", object_url(s, key), key);
    int rc = request(s, &q, err, errlen);
    if (rc != 0 && q.status == 404) /* NoSuchKey from some stores */
        rc = 0;
    req_free(&q);
    return rc;
}

typedef struct {
    char **keys;
    size_t n, cap;
} keys_t;

static int collect(const char *key, int64_t size, void *ud)
{
    (void)size;
    keys_t *k = ud;
    if (k->n == k->cap) {
        size_t nc = k->cap ? k->cap * 2 : 256;
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

typedef struct {
    char key[1100], code[128], message[256];
    bool in_error;
    int errors;
} del_result_t;

static void on_delete_xml(const char *path, const char *text, void *ud)
{
    del_result_t *d = ud;
    if (!strcmp(path, "DeleteResult/Error")) {
        if (text && !d->errors++)
            d->in_error = true;
        else if (!text)
            d->in_error = false;
        return;
    }
    if (!text || !d->in_error)
        return;
    if (!strcmp(path, "DeleteResult/Error/Key"))
        str_lcpy(d->key, text, sizeof d->key);
    else if (!strcmp(path, "DeleteResult/Error/Code"))
        str_lcpy(d->code, text, sizeof d->code);
    else if (!strcmp(path, "DeleteResult/Error/Message"))
        str_lcpy(d->message, text, sizeof d->message);
}

/* DeleteObjects on keys[0..n); 1 when the store does not have it */
static int delete_batch(s3_t *s, char **keys, size_t n, const char *what, char *err, size_t errlen)
{
    sbuf_t x;
    sbuf_init(&x);
    sbuf_puts(&x, "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>");
    for (size_t i = 0; i < n; i++) {
        sbuf_puts(&x, "<Object><Key>");
        xml_escape(&x, s->prefix);
        xml_escape(&x, keys[i]);
        sbuf_puts(&x, "</Key></Object>");
    }
    sbuf_puts(&x, "</Delete>");
    req_t q;
    req_init(&q, "POST", query_url(s, NULL, "delete="), what);
    q.body = x.data;
    q.body_len = x.len;
    q.content_md5 = true;
    int rc = request(s, &q, err, errlen);
    if (rc != 0 && (q.status == 501 || q.status == 405))
        rc = 1;
    if (rc == 0) {
        del_result_t d = {.errors = 0};
        if (q.resp.len)
            xml_walk(q.resp.data, q.resp.len, on_delete_xml, &d);
        if (d.errors) {
            set_err(err, errlen, "S3 DeleteObjects %s：%d 个对象未删除，如 %s：%s%s%s", what, d.errors, d.key,
                    d.code, d.message[0] ? "：" : "", d.message);
            rc = -1;
        }
    }
    req_free(&q);
    sbuf_free(&x);
    return rc;
}

static int s3_remove(blob_store_t *b, const char *key, bool prefix, char *err, size_t errlen)
{
    s3_t *s = S(b);
    if (!prefix) {
        if (!blob_key_ok(key)) {
            set_err(err, errlen, "对象键无效：%.80s", key ? key : "(null)");
            return -1;
        }
        return s3_delete_key(s, key, err, errlen);
    }
    if (!key || !*key) {
        set_err(err, errlen, "拒绝以空前缀删除全部对象");
        return -1;
    }
    keys_t k = {0};
    int rc = s3_list(b, key, collect, &k, err, errlen);
    if (rc > 0) {
        set_err(err, errlen, "内存不足");
        rc = -1;
    }
    bool batch = true;
    for (size_t i = 0; rc == 0 && i < k.n; i += DELETE_BATCH) {
        size_t n = k.n - i < DELETE_BATCH ? k.n - i : DELETE_BATCH;
        if (batch) {
            int brc = delete_batch(s, k.keys + i, n, key, err, errlen);
            if (brc <= 0) {
                rc = brc;
                continue;
            }
            batch = false; /* not implemented by this store: one by one */
        }
        for (size_t j = i; rc == 0 && j < i + n; j++)
            rc = s3_delete_key(s, k.keys[j], err, errlen);
    }
    for (size_t i = 0; i < k.n; i++)
        free(k.keys[i]);
    free(k.keys);
    return rc;
}

static bool s3_local_path(blob_store_t *b, const char *key, char *out, size_t outsz)
{
    (void)b;
    (void)key;
    if (out && outsz)
        out[0] = 0;
    return false;
}

static void s3_free(blob_store_t *b)
{
    if (!b)
        return;
    s3_t *s = S(b);
    for (int i = 0; i < s->npool; i++)
        curl_easy_cleanup(s->pool[i]);
    pthread_mutex_destroy(&s->mu);
    free(s->base_url);
    free(s->list_url);
    free(s->prefix);
    free(s->access_key);
    free(s->secret_key);
    free(s);
}

static const blob_ops_t S3_OPS = {
    .name = "s3",
    .put_file = s3_put_file,
    .stat = s3_stat,
    .open_fd = s3_open_fd,
    .read_at = s3_read_at,
    .fetch = s3_fetch,
    .remove = s3_remove,
    .list = s3_list,
    .local_path = s3_local_path,
    .free = s3_free,
};

void blob_s3_tune(blob_store_t *b, int64_t threshold, int64_t part_size, int page_keys)
{
    s3_t *s = S(b);
    if (threshold > 0)
        s->mp_threshold = threshold;
    if (part_size > 0)
        s->part_size = part_size;
    if (page_keys > 0)
        s->page_keys = page_keys > 1000 ? 1000 : page_keys;
}

/* Bucket names: DNS-compatible for virtual-host style (what AWS has
 * required of new buckets since 2018); path style also takes the legacy
 * upper case and '_' that some on-premises stores allow. */
static bool bucket_ok(const char *b, bool path_style)
{
    size_t n = strlen(b);
    if (n < 3 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        bool legacy = (c >= 'A' && c <= 'Z') || c == '_';
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
              (path_style && legacy)))
            return false;
    }
    return b[0] != '-' && b[0] != '.' && b[n - 1] != '-' && b[n - 1] != '.';
}

blob_store_t *blob_s3_new(const blob_s3_config_t *cfg, char *err, size_t errlen)
{
    pthread_once(&g_once, global_init);
    if (!cfg || !cfg->endpoint || !cfg->bucket || !cfg->access_key || !cfg->secret_key || !*cfg->access_key ||
        !*cfg->secret_key) {
        set_err(err, errlen, "S3 配置不完整（需要 endpoint、bucket、access_key、secret_key）");
        return NULL;
    }
    const char *ep = cfg->endpoint;
    const char *host = !strncmp(ep, "https://", 8) ? ep + 8 : !strncmp(ep, "http://", 7) ? ep + 7 : NULL;
    if (!host || !*host) {
        set_err(err, errlen, "S3 endpoint 须以 http:// 或 https:// 开头：%s", ep);
        return NULL;
    }
    if (!bucket_ok(cfg->bucket, cfg->path_style)) {
        set_err(err, errlen, "S3 bucket 名称无效：%s", cfg->bucket);
        return NULL;
    }
    const char *prefix = cfg->prefix ? cfg->prefix : "";
    if (prefix[0] == '/' || (prefix[0] && !blob_prefix_ok(prefix))) {
        set_err(err, errlen, "S3 prefix 无效：%s", prefix);
        return NULL;
    }
    const char *region = cfg->region && *cfg->region ? cfg->region : "us-east-1";
    for (const char *p = region; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')) {
            set_err(err, errlen, "S3 region 无效：%s", region);
            return NULL;
        }
    s3_t *s = calloc(1, sizeof *s);
    if (!s) {
        set_err(err, errlen, "内存不足");
        return NULL;
    }
    s->base.ops = &S3_OPS;
    pthread_mutex_init(&s->mu, NULL);
    size_t eplen = strlen(ep);
    while (eplen && ep[eplen - 1] == '/')
        eplen--;
    size_t scheme = (size_t)(host - ep);
    sbuf_t u;
    sbuf_init(&u);
    if (cfg->path_style) {
        sbuf_append(&u, ep, eplen);
        sbuf_putc(&u, '/');
        sbuf_puts(&u, cfg->bucket);
        s->base_url = sbuf_detach(&u);
        s->list_url = strdup(s->base_url);
    } else {
        sbuf_append(&u, ep, scheme);
        sbuf_puts(&u, cfg->bucket);
        sbuf_putc(&u, '.');
        sbuf_append(&u, host, eplen - scheme);
        s->base_url = sbuf_detach(&u);
        sbuf_puts(&u, s->base_url);
        sbuf_putc(&u, '/');
        s->list_url = sbuf_detach(&u);
    }
    s->prefix = strdup(prefix);
    s->access_key = strdup(cfg->access_key);
    s->secret_key = strdup(cfg->secret_key);
    snprintf(s->sigv4, sizeof s->sigv4, "aws:amz:%s:s3", region);
    s->verify_tls = cfg->verify_tls;
    s->timeout_s = cfg->timeout_s > 0 ? cfg->timeout_s : 300;
    s->mp_threshold = MULTIPART_DEFAULT;
    s->part_size = PART_DEFAULT;
    s->page_keys = 1000;
    if (!s->list_url || !s->prefix || !s->access_key || !s->secret_key) {
        s3_free(&s->base);
        set_err(err, errlen, "内存不足");
        return NULL;
    }
    return &s->base;
}
