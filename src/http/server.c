/* server.c — libmicrohttpd daemon, the dispatcher and the HTTP metrics.
 *
 * One request goes through:
 *   first callback (headers only): request id, route, method check (404/405),
 *     authentication hook, Content-Length against the route's limit (413),
 *     Content-Type against the route's body kind (415)
 *   body callbacks: bytes appended up to the limit (413 past it)
 *   last callback: body parsed (400 on bad JSON/UTF-8), handler runs,
 *     response queued with the common headers
 *   completion: metrics, access log, database connection back to the pool,
 *     request arena freed.
 */
#include "core/crypto.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "http/batch.h"
#include "http/guard.h"
#include "http/internal.h"
#include "http/jsonbody.h"
#include "http/valid.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

/* status codes with their own counter; anything else counts as "other" */
static const int tracked_status[] = {200, 201, 204, 206, 301, 302, 304, 400, 401, 403, 404,
                                     405, 409, 413, 415, 416, 422, 423, 429, 500, 503, 0};
#define NSTATUS (sizeof tracked_status / sizeof tracked_status[0]) /* last: other */
static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                 0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define NBUCKETS (sizeof buckets / sizeof buckets[0])

typedef struct {
    _Atomic uint64_t status[NSTATUS];
    _Atomic uint64_t bucket[NBUCKETS + 1]; /* last: +Inf */
    _Atomic uint64_t sum_us;
} route_stats_t;

struct http_server {
    http_options_t opt;
    char *listen, *web_root, *trusted, *spool_dir;
    db_t *db;
    router_t *router;
    http_auth_hook auth;
    struct MHD_Daemon *d;
    int port;
    _Atomic int64_t inflight;
    _Atomic uint64_t total;
    route_stats_t *stats; /* router_count() + 2: static files, unmatched */
    int nstats;
    guard_t *guard; /* slow clients, connections per address */
};

/* the console's policy; modules may add sources before serving (http_csp_allow) */
static char CSP[2048] = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                        "img-src 'self' data: blob:; media-src 'self' blob:; font-src 'self' data:; "
                        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
                        "frame-ancestors 'none'";

static const char *SECURITY_HEADERS[][2] = {
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "same-origin"},
    {"Content-Security-Policy", CSP},
    {"Permissions-Policy", "camera=(), microphone=(), geolocation=()"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
};

int http_csp_allow(const char *directive, const char *sources)
{
    for (const char *p = sources; *p; p++)
        if (*p == ';' || *p == ',' || *p == '\'' || *p == '"' || (unsigned char)*p < 0x20)
            return -1;
    char key[64];
    snprintf(key, sizeof key, "%s ", directive);
    char *at = strstr(CSP, key);
    if (!at || !*sources)
        return -1;
    char *end = strchr(at, ';');
    size_t tail = end ? strlen(end) : 0, add = strlen(sources) + 1;
    if (strlen(CSP) + add >= sizeof CSP)
        return -1;
    if (!end)
        end = CSP + strlen(CSP);
    memmove(end + add, end, tail + 1);
    end[0] = ' ';
    memcpy(end + 1, sources, add - 1);
    return 0;
}

db_t *http_server_db(http_server_t *s) { return s->db; }
int http_server_port(const http_server_t *s) { return s->port; }
int64_t http_server_inflight(const http_server_t *s) { return atomic_load(&s->inflight); }
void http_server_set_auth(http_server_t *s, http_auth_hook hook) { s->auth = hook; }

http_server_t *http_server_new(const http_options_t *opt, db_t *db)
{
    http_server_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->opt = *opt;
    s->listen = strdup(opt->listen ? opt->listen : "127.0.0.1:8080");
    s->web_root = strdup(opt->web_root ? opt->web_root : "");
    s->trusted = strdup(opt->trusted_proxies ? opt->trusted_proxies : "");
    s->spool_dir = strdup(opt->spool_dir && opt->spool_dir[0] ? opt->spool_dir : "/tmp");
    if (!s->opt.spool_threshold)
        s->opt.spool_threshold = 1u << 20;
    s->db = db;
    s->router = router_new();
    s->guard =
        guard_new(opt->header_timeout_s, opt->body_min_rate, opt->per_ip_connections, opt->trusted_proxies);
    if (!s->listen || !s->web_root || !s->trusted || !s->spool_dir || !s->router || !s->guard) {
        http_server_free(s);
        return NULL;
    }
    return s;
}

int http_server_add_routes(http_server_t *s, const http_route_t *routes, size_t n, const char *module,
                           char *err, size_t errlen)
{
    if (s->d) {
        snprintf(err, errlen, "routes must be added before start");
        return -1;
    }
    return router_add(s->router, routes, n, module, err, errlen);
}

int http_server_route_count(const http_server_t *s) { return router_count(s->router); }
const char *http_server_route_module(const http_server_t *s, int i) { return router_module_at(s->router, i); }
const char *http_server_tmp_dir(const http_server_t *s) { return s->spool_dir; }

void http_server_fault(const http_server_t *s, http_req_t *req, db_conn_t *c)
{
    if (!s->opt.fault_injection || !db_faultsim() || !c)
        return;
    const char *v = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "X-Zhendi-Fault");
    const char *colon = v ? strchr(v, ':') : NULL;
    int64_t n;
    if (!colon || !str_to_int64(colon + 1, &n) || n < 1 || n > 100000)
        return;
    size_t k = (size_t)(colon - v);
    db_fault_t kind = k == 7 && !strncmp(v, "prepare", 7)  ? DB_FAULT_PREPARE
                      : k == 4 && !strncmp(v, "step", 4)   ? DB_FAULT_STEP
                      : k == 6 && !strncmp(v, "commit", 6) ? DB_FAULT_COMMIT
                                                           : DB_FAULT_NONE;
    db_fault_arm(c, kind, (int)n);
}

const http_route_t *http_server_route_at(const http_server_t *s, int i, const char **module)
{
    if (module)
        *module = router_module_at(s->router, i);
    return router_at(s->router, i);
}

/* ---- request id ---- */

static bool sane_request_id(const char *v)
{
    size_t n = 0;
    for (; v[n]; n++) {
        char c = v[n];
        if (n >= 64 || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                         c == '-' || c == '_' || c == '.' || c == ':'))
            return false;
    }
    return n > 0;
}

static void new_request_id(char *out)
{
    static _Thread_local uint64_t state;
    if (!state)
        crypto_random(&state, sizeof state);
    /* xorshift64*: unique enough for correlation, cheap per request */
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    uint64_t v = state * 2685821657736338717ULL;
    snprintf(out, 17, "%016llx", (unsigned long long)v);
}

/* ---- client address ---- */

static void peer_ip(struct MHD_Connection *c, char *out, size_t outsz)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    guard_addr_text(ci ? ci->client_addr : NULL, out, outsz);
}

static void client_ip(http_server_t *s, http_req_t *req)
{
    peer_ip(req->conn, req->client_ip, sizeof req->client_ip);
    if (!s->trusted[0] || !guard_addr_listed(s->trusted, req->client_ip))
        return;
    const char *proto = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "X-Forwarded-Proto");
    req->via_tls = proto && strcasecmp(proto, "https") == 0;
    const char *xff = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "X-Forwarded-For");
    if (!xff)
        return;
    const char *last = strrchr(xff, ',');
    last = last ? last + 1 : xff;
    while (*last == ' ')
        last++;
    unsigned char tmp[16];
    if (inet_pton(AF_INET, last, tmp) == 1 || inet_pton(AF_INET6, last, tmp) == 1)
        str_lcpy(req->client_ip, last, sizeof req->client_ip);
}

/* ---- metrics ---- */

static void observe(http_server_t *s, int idx, int status, int64_t ns)
{
    if (idx < 0 || idx >= s->nstats)
        idx = s->nstats - 1;
    route_stats_t *st = &s->stats[idx];
    size_t k = 0;
    while (tracked_status[k] && tracked_status[k] != status)
        k++;
    atomic_fetch_add_explicit(&st->status[k], 1, memory_order_relaxed);
    double sec = (double)ns / 1e9;
    size_t b = 0;
    while (b < NBUCKETS && sec > buckets[b])
        b++;
    atomic_fetch_add_explicit(&st->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&st->sum_us, (uint64_t)(ns / 1000), memory_order_relaxed);
    atomic_fetch_add_explicit(&s->total, 1, memory_order_relaxed);
}

static void route_label(http_server_t *s, int i, const char **method, const char **pattern)
{
    int n = router_count(s->router);
    if (i < n) {
        *method = router_at(s->router, i)->method;
        *pattern = router_at(s->router, i)->pattern;
    } else {
        *method = "-";
        *pattern = i == n ? "(static)" : "(unmatched)";
    }
}

void http_server_metrics(http_server_t *s, sbuf_t *o)
{
    uint64_t batches, batched;
    http_batch_stats(&batches, &batched);
    sbuf_printf(
        o,
        "# HELP zhendi_group_commits_total Transactions of the group commit (requests changed together).\n"
        "# TYPE zhendi_group_commits_total counter\nzhendi_group_commits_total %llu\n"
        "# HELP zhendi_group_commit_requests_total Requests answered by the group commit.\n"
        "# TYPE zhendi_group_commit_requests_total counter\nzhendi_group_commit_requests_total %llu\n",
        (unsigned long long)batches, (unsigned long long)batched);
    sbuf_puts(o, "# HELP zhendi_http_requests_total HTTP requests by route and status.\n"
                 "# TYPE zhendi_http_requests_total counter\n");
    for (int i = 0; i < s->nstats; i++) {
        const char *m, *p;
        route_label(s, i, &m, &p);
        for (size_t k = 0; k < NSTATUS; k++) {
            uint64_t v = atomic_load_explicit(&s->stats[i].status[k], memory_order_relaxed);
            if (!v)
                continue;
            char code[8];
            if (tracked_status[k])
                snprintf(code, sizeof code, "%d", tracked_status[k]);
            else
                str_lcpy(code, "other", sizeof code);
            sbuf_printf(o, "zhendi_http_requests_total{method=\"%s\",route=\"%s\",status=\"%s\"} %llu\n", m,
                        p, code, (unsigned long long)v);
        }
    }
    sbuf_puts(o, "# HELP zhendi_http_request_duration_seconds Time from first byte to response.\n"
                 "# TYPE zhendi_http_request_duration_seconds histogram\n");
    for (int i = 0; i < s->nstats; i++) {
        uint64_t count = 0;
        for (size_t b = 0; b <= NBUCKETS; b++)
            count += atomic_load_explicit(&s->stats[i].bucket[b], memory_order_relaxed);
        if (!count)
            continue;
        const char *m, *p;
        route_label(s, i, &m, &p);
        uint64_t cum = 0;
        for (size_t b = 0; b <= NBUCKETS; b++) {
            cum += atomic_load_explicit(&s->stats[i].bucket[b], memory_order_relaxed);
            if (b < NBUCKETS)
                sbuf_printf(o,
                            "zhendi_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"%"
                            "g\"} %llu\n",
                            m, p, buckets[b], (unsigned long long)cum);
            else
                sbuf_printf(o,
                            "zhendi_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"+"
                            "Inf\"} %llu\n",
                            m, p, (unsigned long long)cum);
        }
        sbuf_printf(o, "zhendi_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n", m, p,
                    (double)atomic_load(&s->stats[i].sum_us) / 1e6);
        sbuf_printf(o, "zhendi_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n", m, p,
                    (unsigned long long)count);
    }
    guard_metrics(s->guard, o);
    sbuf_printf(o,
                "# HELP zhendi_http_requests_in_flight Requests being processed.\n"
                "# TYPE zhendi_http_requests_in_flight gauge\nzhendi_http_requests_in_flight %lld\n",
                (long long)atomic_load(&s->inflight));
    const union MHD_DaemonInfo *di =
        s->d ? MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS) : NULL;
    sbuf_printf(o,
                "# HELP zhendi_http_connections Open client connections.\n"
                "# TYPE zhendi_http_connections gauge\nzhendi_http_connections %u\n",
                di ? di->num_connections : 0);
}

/* ---- response ---- */

static void free_cb(void *p) { free(p); }

/* A JSON answer of at least GZIP_MIN bytes goes out gzip-compressed
 * to a client that accepts it (a 500,000-character 校真 result is 15 MB of
 * JSON, 0.5 MB compressed). Small answers stay plain: they gain little, and
 * the ones carrying a secret (the CSRF token of login and /auth/me) are
 * small, so a compressed secret is never reflected beside attacker-chosen
 * text (BREACH). Level 1: speed over ratio. */
#define GZIP_MIN (16 * 1024)

static bool gzip_wanted(http_req_t *req)
{
    if (req->resp_len < GZIP_MIN || !req->ctype || strncmp(req->ctype, "application/json", 16) != 0)
        return false;
    for (hdr_t *h = req->headers; h; h = h->next)
        if (strcasecmp(h->name, "Content-Encoding") == 0)
            return false;
    return http_accepts_gzip(req);
}

char *http_gzip(const char *body, size_t len, int level, size_t *out_len)
{
    z_stream z = {0};
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    uLong cap = deflateBound(&z, (uLong)len);
    char *out = malloc(cap);
    if (!out) {
        deflateEnd(&z);
        return NULL;
    }
    z.next_in = (Bytef *)body;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    *out_len = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END || *out_len >= len) {
        free(out);
        return NULL;
    }
    return out;
}

enum MHD_Result http_queue(http_req_t *req)
{
    struct MHD_Response *r;
    char *gz = NULL;
    size_t gz_len = 0;
    if (req->resp_fd > 0) {
        r = MHD_create_response_from_fd_at_offset64(req->resp_flen, req->resp_fd, req->resp_off);
        req->bytes_sent = (size_t)req->resp_flen;
    } else if (req->resp_read) {
        r = MHD_create_response_from_callback(req->resp_rlen, req->resp_block ? req->resp_block : 64 * 1024,
                                              req->resp_read, req->resp_cls, req->resp_free);
        if (r) /* MHD frees the reader's state now */
            req->resp_read = NULL;
        /* a stream of unknown length (events) is not counted */
        req->bytes_sent = req->resp_rlen == MHD_SIZE_UNKNOWN ? 0 : (size_t)req->resp_rlen;
    } else if (gzip_wanted(req) && req->resp_len <= UINT_MAX &&
               (gz = http_gzip(req->resp_body, req->resp_len, 1, &gz_len)) != NULL) {
        r = MHD_create_response_from_buffer_with_free_callback(gz_len, gz, free_cb);
        if (r) {
            MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
            MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
        } else {
            free(gz);
        }
        req->bytes_sent = gz_len;
    } else if (req->resp_owned) {
        r = MHD_create_response_from_buffer_with_free_callback(req->resp_len, req->resp_body, free_cb);
        req->resp_owned = false; /* MHD frees it now */
        req->bytes_sent = req->resp_len;
    } else {
        r = MHD_create_response_from_buffer(req->resp_len, req->resp_body ? req->resp_body : (char *)"",
                                            MHD_RESPMEM_MUST_COPY);
        req->bytes_sent = req->resp_len;
    }
    if (!r)
        return MHD_NO;
    bool has_cache = false;
    for (hdr_t *h = req->headers; h; h = h->next) {
        MHD_add_response_header(r, h->name, h->value);
        if (strcasecmp(h->name, "Cache-Control") == 0)
            has_cache = true;
    }
    if (req->ctype)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, req->ctype);
    if (!has_cache)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Request-Id", req->request_id);
    for (size_t i = 0; i < sizeof SECURITY_HEADERS / sizeof SECURITY_HEADERS[0]; i++)
        MHD_add_response_header(r, SECURITY_HEADERS[i][0], SECURITY_HEADERS[i][1]);
    if (req->status == 405 && req->match.allow[0])
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, req->match.allow);
    enum MHD_Result rc = MHD_queue_response(req->conn, (unsigned)req->status, r);
    MHD_destroy_response(r);
    if (rc == MHD_YES)
        req->queued = true;
    /* the handler is done with the database: a download that takes minutes
     * must not hold a pooled connection while its bytes go out */
    if (req->db) {
        db_release(req->db);
        req->db = NULL;
    }
    return rc;
}

/* ---- dispatch ---- */

static bool body_method(const char *m)
{
    return !strcmp(m, "POST") || !strcmp(m, "PUT") || !strcmp(m, "PATCH") || !strcmp(m, "DELETE");
}

static bool ctype_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    if (!ct || strncasecmp(ct, want, n) != 0)
        return false;
    const char *rest = ct + n;
    while (*rest == ' ')
        rest++;
    return *rest == 0 || *rest == ';';
}

static enum MHD_Result add_len(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    *(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 4;
    return MHD_YES;
}

#define MAX_URL_BYTES 8192

/* Headers are in: route, authenticate, check the announced body. */
static void on_headers(http_server_t *s, http_req_t *req)
{
    const char *rid = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "X-Request-Id");
    if (rid && sane_request_id(rid))
        str_lcpy(req->request_id, rid, sizeof req->request_id);
    else
        new_request_id(req->request_id);
    client_ip(s, req);
    const char *cl = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *te =
        MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    int64_t len = 0;
    bool bad_len = cl && (!str_to_int64(cl, &len) || len < 0);
    req->has_body = bad_len || len > 0 || (te && strcasecmp(te, "identity") != 0);
    req->body_len = cl && !bad_len ? len : -1;
    if (bad_len) {
        http_error(req, 400, "bad_request", "Content-Length 无效");
        return;
    }

    /* libmicrohttpd has room for more than we accept, so that these
     * answers are ours: JSON, with the security headers */
    size_t hbytes = 0, ubytes = strlen(req->path);
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, add_len, &ubytes);
    MHD_get_connection_values(req->conn, MHD_HEADER_KIND, add_len, &hbytes);
    hbytes += ubytes;
    if (ubytes > MAX_URL_BYTES) {
        http_error(req, 414, "uri_too_long", "请求地址过长");
        return;
    }
    if (hbytes > s->opt.max_header_bytes) {
        http_error(req, 431, "headers_too_large", "请求头过大（上限 %zu 字节）", s->opt.max_header_bytes);
        return;
    }
    req->route_result = router_match(s->router, req->method, req->path, &req->match);
    if (req->route_result != ROUTE_FOUND) {
        bool get = !strcmp(req->method, "GET") || !strcmp(req->method, "HEAD");
        bool api = str_starts_with(req->path, "/api/") || !strcmp(req->path, "/api");
        if (req->route_result == ROUTE_METHOD_NOT_ALLOWED)
            http_error(req, 405, "method_not_allowed", "此地址不支持 %s 方法", req->method);
        else if (get && !api && s->web_root[0] && http_static_serve(req, s->web_root))
            req->match.index = router_count(s->router); /* static */
        else
            http_error(req, 404, "not_found", "请求的地址不存在");
        return;
    }
    const http_route_t *rt = req->match.route;
    if (s->auth && s->auth(req) != 0)
        return;

    req->max_body = rt->max_body ? rt->max_body : s->opt.json_limit;
    if (!req->has_body)
        return;
    if (!body_method(req->method)) {
        http_error(req, 400, "bad_request", "%s 请求不应带有请求体", req->method);
        return;
    }
    if (len > (int64_t)req->max_body) {
        http_error(req, 413, "payload_too_large", "请求体过大（上限 %zu 字节）", req->max_body);
        return;
    }
    const char *ct = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (rt->stream) {
        rt->stream->begin(req);
        req->streaming = !req->responded;
        return;
    }
    if (rt->flags & HTTP_BODY_RAW)
        return;
    if (rt->flags & HTTP_BODY_TEXT) {
        if (!ctype_is(ct, "text/plain"))
            http_error(req, 415, "unsupported_media_type", "请以 text/plain（UTF-8）提交");
    } else if (rt->flags & HTTP_BODY_MULTIPART) {
        if (!ctype_is(ct, "multipart/form-data"))
            http_error(req, 415, "unsupported_media_type", "请以 multipart/form-data 上传");
    } else if (!ctype_is(ct, "application/json")) {
        http_error(req, 415, "unsupported_media_type", "请以 application/json 提交");
    }
}

/* ---- body: memory, then a spool file past the threshold ---- */

static int spool_open(const char *dir)
{
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
        return fd;
    /* a file system without O_TMPFILE: a named file, unlinked at once */
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/zhendi-body-XXXXXX", dir);
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    return fd;
}

/* Appends a piece of the body; -1 after answering (disk full...). */
static int body_append(http_server_t *s, http_req_t *req, const char *data, size_t n)
{
    if (req->spool_fd <= 0 && req->body.len + n <= s->opt.spool_threshold) {
        sbuf_append(&req->body, data, n);
        return 0;
    }
    if (req->spool_fd <= 0) {
        int fd = spool_open(s->spool_dir);
        if (fd <= 0 || fileio_write_all(fd, req->body.data ? req->body.data : "", req->body.len) != 0) {
            if (fd > 0)
                close(fd);
            goto fail;
        }
        req->spool_fd = fd;
        req->spool_len = req->body.len;
        sbuf_free(&req->body);
    }
    if (fileio_write_all(req->spool_fd, data, n) != 0)
        goto fail;
    req->spool_len += n;
    return 0;
fail:
    log_msg(LOG_SYSTEM, LOG_ERROR, "http.spool_failed", "无法把请求内容暂存到 %s：%s", s->spool_dir,
            strerror(errno));
    http_error(req, 507, "insufficient_storage", "服务器暂存空间不足，请稍后再试");
    return -1;
}

static void body_free(http_req_t *req)
{
    if (req->spool_map)
        munmap(req->spool_map, req->spool_len);
    if (req->spool_fd > 0)
        close(req->spool_fd);
    req->spool_map = NULL;
    req->spool_fd = 0;
    sbuf_free(&req->body);
}

/* The route's declared JSON body (valid.h), checked before the handler: a
 * body the table describes is a body the table enforces. false after
 * answering 400/422. */
static bool body_declared_ok(http_req_t *req)
{
    const http_route_t *rt = req->match.route;
    if (!rt->nbody || (rt->flags & (HTTP_BODY_CUSTOM | HTTP_BODY_RAW | HTTP_BODY_MULTIPART | HTTP_BODY_TEXT)))
        return true;
    bool required = false;
    for (size_t i = 0; i < rt->nbody; i++)
        required |= rt->body[i].required;
    if (!req->json && !required)
        return true; /* all optional, and none given */
    return valid_body(req, rt->body, rt->nbody, strcmp(req->method, "PATCH") == 0);
}

static void check_answer(http_req_t *req);

/* The whole body is in: parse it, run the handler. */
static void on_complete(http_server_t *s, http_req_t *req)
{
    (void)s;
    const http_route_t *rt = req->match.route;
    if (req->spool_fd > 0) {
        void *m = mmap(NULL, req->spool_len, PROT_READ, MAP_PRIVATE, req->spool_fd, 0);
        if (m == MAP_FAILED) {
            log_msg(LOG_SYSTEM, LOG_ERROR, "http.spool_failed", "无法映射暂存的请求内容：%s",
                    strerror(errno));
            http_error(req, 507, "insufficient_storage", "服务器暂存空间不足，请稍后再试");
            return;
        }
        req->spool_map = m;
    }
    size_t n;
    const char *b = http_body(req, &n);
    if (n && !(rt->flags & (HTTP_BODY_RAW | HTTP_BODY_MULTIPART))) {
        if (!utf8_valid(b, n)) {
            http_error(req, 400, "invalid_utf8", "请求内容不是有效的 UTF-8 文本");
            return;
        }
        if (!(rt->flags & HTTP_BODY_TEXT)) {
            char err[160];
            req->json = jsonbody_parse(b, n, err, sizeof err);
            if (!req->json) {
                http_error(req, 400, "invalid_json", "JSON 格式错误：%s", err);
                return;
            }
        }
    }
    if (!valid_query(req) || !body_declared_ok(req))
        return;
    rt->handler(req);
    if (req->suspend && !req->responded)
        return; /* answered by another thread: checked when it resumes (on_request) */
    check_answer(req);
}

/* What every answer of a handler passes: there is one, the route declared
 * the query parameters it read, a successful change left its audit record. */
static void check_answer(http_req_t *req)
{
    const http_route_t *rt = req->match.route;
    if (!req->responded) {
        log_msg(LOG_SYSTEM, LOG_ERROR, "http.no_response", "%s %s 没有应答就返回了", rt->method, rt->pattern);
        http_error(req, 500, "internal", "服务器内部错误，请求编号 %s", req->request_id);
    }
    /* the route table is the document: a parameter read without being
     * declared is a bug that the tests must see */
    if (req->undeclared) {
        log_msg(LOG_SYSTEM, LOG_ERROR, "http.undeclared_query", "%s %s 读取了未声明的查询参数“%s”",
                rt->method, rt->pattern, req->undeclared);
        http_reset_response(req);
        http_error(req, 500, "internal", "服务器内部错误，请求编号 %s", req->request_id);
        return;
    }
    /* every successful change leaves an audit record (docs/security.md) */
    if (!http_method_safe(req->method) && !(rt->flags & HTTP_NO_AUDIT) && req->status >= 200 &&
        req->status < 300 && req->audits == 0 && !req->unchanged) {
        log_msg(LOG_SYSTEM, LOG_ERROR, "http.unaudited", "%s %s 成功但没有审计记录", rt->method, rt->pattern);
        http_reset_response(req);
        http_error(req, 500, "unaudited", "操作未能记录审计日志，已拒绝，请求编号 %s", req->request_id);
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    http_server_t *s = cls;
    http_req_t *req = *con_cls;
    if (!req) {
        arena_t *a = arena_new(8192);
        req = arena_alloc(a, sizeof *req);
        req->arena = a;
        req->srv = s;
        req->conn = conn;
        req->method = arena_strdup(a, method);
        req->path = arena_strdup(a, url);
        req->t0_ns = time_mono_ns();
        req->match.index = -1;
        sbuf_init(&req->body);
        *con_cls = req;
        atomic_fetch_add(&s->inflight, 1);
        on_headers(s, req);
        guard_phase(s->guard, conn, req->has_body && !req->responded ? GUARD_BODY : GUARD_ANSWER);
        /* an answer before the body (413, 415, 401...) is sent at once and
         * the connection closed; without a body it waits for the final call
         * so that keep-alive survives. A small announced body is read (and
         * dropped) first: closing on unread bytes resets the connection, and
         * the client would see a broken connection instead of the answer. */
        bool small = req->body_len >= 0 && req->body_len <= (int64_t)s->opt.json_limit && req->status != 413;
        if (req->responded && req->has_body && !small)
            return http_queue(req);
        return MHD_YES;
    }
    if (*upload_data_size) {
        guard_body(s->guard, conn, *upload_data_size);
        if (!req->responded) {
            if ((req->spool_fd > 0 ? req->spool_len : req->body.len) + *upload_data_size > req->max_body) {
                http_error(req, 413, "payload_too_large", "请求体过大（上限 %zu 字节）", req->max_body);
                *upload_data_size = 0;
                return http_queue(req);
            }
            const http_stream_t *st = req->match.route ? req->match.route->stream : NULL;
            if (req->streaming ? st->data(req, upload_data, *upload_data_size) != 0
                               : body_append(s, req, upload_data, *upload_data_size) != 0) {
                *upload_data_size = 0;
                return http_queue(req);
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->queued)
        return MHD_YES;
    if (req->suspend) { /* resumed (http_resume): the other thread has answered */
        req->suspend = NULL;
        check_answer(req);
        return http_queue(req);
    }
    guard_phase(s->guard, conn, GUARD_ANSWER);
    if (req->streaming) {
        req->streaming = false;
        req->match.route->stream->end(req, !req->responded);
    }
    if (!req->responded)
        on_complete(s, req);
    if (req->suspend && !req->responded) {
        /* its pooled connection back while it waits (an open transaction
         * rolls back: the other thread does the change on its own);
         * suspended before it is given away, so that it cannot be resumed
         * first; from the call on, req is the other thread's */
        if (req->db) {
            db_release(req->db);
            req->db = NULL;
        }
        MHD_suspend_connection(conn);
        req->suspend(req, req->suspend_ud);
        return MHD_YES;
    }
    req->suspend = NULL;
    return http_queue(req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    http_server_t *s = cls;
    http_req_t *req = *con_cls;
    if (!req)
        return;
    *con_cls = NULL;
    guard_phase(s->guard, conn, GUARD_IDLE); /* a kept-alive connection waits for its next request */
    if (req->streaming) {                    /* the client went away in the middle of the body */
        req->streaming = false;
        req->match.route->stream->end(req, false);
    }
    int64_t ns = time_mono_ns() - req->t0_ns;
    int status = req->responded ? req->status : 499;
    observe(s,
            req->route_result == ROUTE_FOUND ? req->match.index
            : req->match.index >= 0          ? req->match.index
                                             : s->nstats - 1,
            status, ns);
    log_rec_t r;
    log_begin(&r, LOG_ACCESS, LOG_INFO, "http.request");
    log_str(&r, "id", req->request_id);
    log_str(&r, "ip", req->client_ip);
    log_str(&r, "method", req->method);
    log_str(&r, "path", req->path);
    log_str(&r, "route", req->match.route ? req->match.route->pattern : NULL);
    log_int(&r, "status", status);
    log_int(&r, "bytes", (int64_t)req->bytes_sent);
    log_double(&r, "ms", (double)ns / 1e6);
    if (req->user_id)
        log_str(&r, "user", req->username);
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        log_int(&r, "aborted", toe);
    log_end(&r);
    if (req->done)
        req->done(req, req->done_ud, status, req->queued ? (uint64_t)req->bytes_sent : 0,
                  toe != MHD_REQUEST_TERMINATED_COMPLETED_OK);
    if (req->db)
        db_release(req->db);
    if (!req->queued)
        http_reset_response(req); /* an answer that never went out: its file or reader */
    if (req->resp_owned)
        free(req->resp_body);
    if (req->resp_fd > 0 && !req->queued)
        close(req->resp_fd);
    json_decref(req->json);
    body_free(req);
    atomic_fetch_sub(&s->inflight, 1);
    arena_free(req->arena);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = 0;
    log_msg(LOG_SYSTEM, LOG_WARN, "http.mhd", "%s", buf);
}

int http_server_start(http_server_t *s, char *err, size_t errlen)
{
    /* listen address */
    char host[256];
    const char *colon = strrchr(s->listen, ':');
    if (!colon || (size_t)(colon - s->listen) >= sizeof host) {
        snprintf(err, errlen, "listen must be HOST:PORT");
        return -1;
    }
    memcpy(host, s->listen, (size_t)(colon - s->listen));
    host[colon - s->listen] = 0;
    if (host[0] == '[') { /* [::1]:8080 */
        memmove(host, host + 1, strlen(host));
        host[strcspn(host, "]")] = 0;
    }
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    int gai = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &ai);
    if (gai != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", s->listen, gai_strerror(gai));
        return -1;
    }
    s->nstats = router_count(s->router) + 2;
    s->stats = calloc((size_t)s->nstats, sizeof *s->stats);
    if (!s->stats) {
        freeaddrinfo(ai);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int threads = s->opt.threads > 0 ? s->opt.threads : 0;
    if (!threads) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus > 0 ? (int)cpus * 2 : 4;
        if (threads < 4)
            threads = 4;
    }
    /* suspend/resume: event streams (events.c) wait off the event loop */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_ITC |
                     MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* clang-format off */
    /* headers get room beyond their limit, so that a request just over it
     * is refused by us (431 JSON) rather than by libmicrohttpd (HTML). No
     * more than that: libmicrohttpd maps a pool of this size for every
     * connection (over 32 KiB: mmap, page faults on first use, munmap) and
     * zeroes all of it after every request — with a 64 KiB margin that was a
     * third of a booking request's CPU (docs/benchmarks.md, issue 13) */
    size_t memory = s->opt.max_header_bytes + (16u << 10);
    s->d = MHD_start_daemon(flags, 0, guard_accept, s->guard, on_request, s,
                            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, /* must come first */
                            MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->opt.max_connections,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->opt.idle_timeout_s,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, memory,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_NOTIFY_CONNECTION, guard_notify, s->guard,
                            MHD_OPTION_URI_LOG_CALLBACK, guard_request_line, s->guard,
                            MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
                            MHD_OPTION_END);
    /* clang-format on */
    freeaddrinfo(ai);
    if (!s->d) {
        snprintf(err, errlen, "cannot listen on %s (address in use or not permitted)", s->listen);
        return -1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : 0;
    http_events_open();
    if (guard_start(s->guard) != 0) {
        snprintf(err, errlen, "cannot start the connection guard");
        return -1;
    }
    return 0;
}

void http_server_quiesce(http_server_t *s)
{
    if (!s->d)
        return;
    /* open event streams end now (they would hold the drain to its timeout) */
    http_events_close_all();
    MHD_socket fd = MHD_quiesce_daemon(s->d);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
}

int http_server_wait_idle(http_server_t *s, int timeout_ms)
{
    int64_t deadline = time_mono_ns() + (int64_t)timeout_ms * 1000000;
    while (atomic_load(&s->inflight) > 0) {
        if (time_mono_ns() > deadline)
            return -1;
        usleep(10000);
    }
    return 0;
}

void http_server_stop(http_server_t *s)
{
    if (s && s->d) {
        guard_stop(s->guard);
        /* no connection may be suspended when the daemon stops */
        http_events_close_all();
        http_batch_drain(s);
        MHD_stop_daemon(s->d);
        s->d = NULL;
    }
}

void http_server_free(http_server_t *s)
{
    if (!s)
        return;
    http_server_stop(s);
    router_free(s->router);
    guard_free(s->guard);
    free(s->stats);
    free(s->listen);
    free(s->web_root);
    free(s->trusted);
    free(s->spool_dir);
    free(s);
}
