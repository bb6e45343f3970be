/* request.c — request accessors and response helpers of http.h. */
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/internal.h"
#include "http/valid.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *http_method(const http_req_t *req) { return req->method; }
const char *http_path(const http_req_t *req) { return req->path; }
const http_route_t *http_route(const http_req_t *req) { return req->match.route; }
const char *http_route_module(const http_req_t *req)
{
    return req->match.route ? http_server_route_module(req->srv, req->match.index) : "";
}
const char *http_request_id(const http_req_t *req) { return req->request_id; }
const char *http_client_ip(const http_req_t *req) { return req->client_ip; }
bool http_via_tls(const http_req_t *req) { return req->via_tls; }
json_t *http_json_body(const http_req_t *req) { return req->json; }
arena_t *http_arena(http_req_t *req) { return req->arena; }
void *http_alloc(http_req_t *req, size_t n) { return arena_alloc(req->arena, n); }
void http_defer(http_req_t *req, void (*fn)(void *), void *ptr) { arena_defer(req->arena, fn, ptr); }

static void decref(void *j) { json_decref(j); }

json_t *http_defer_json(http_req_t *req, json_t *j)
{
    if (j)
        arena_defer(req->arena, decref, j);
    return j;
}

void http_note_audit(http_req_t *req)
{
    if (req)
        req->audits++;
}
void http_unchanged(http_req_t *req)
{
    if (req)
        req->unchanged = true;
}
bool http_responded(const http_req_t *req) { return req->responded; }
int http_status(const http_req_t *req) { return req->status; }
int64_t http_user_id(const http_req_t *req) { return req->user_id; }
int64_t http_user_org(const http_req_t *req) { return req->org_id; }
const char *http_username(const http_req_t *req) { return req->username; }
void *http_auth_data(const http_req_t *req) { return req->auth; }

const char *http_body(const http_req_t *req, size_t *len)
{
    if (req->spool_map) {
        *len = req->spool_len;
        return req->spool_map;
    }
    *len = req->body.len;
    return req->body.data ? req->body.data : "";
}

char *http_printf(http_req_t *req, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = arena_vprintf(req->arena, fmt, ap);
    va_end(ap);
    return s;
}

void http_set_user(http_req_t *req, int64_t user_id, int64_t org_id, const char *username, void *auth)
{
    req->user_id = user_id;
    req->org_id = org_id;
    req->username = arena_strdup(req->arena, username);
    req->auth = auth;
}

const char *http_header_in(http_req_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_cookie(http_req_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

static const char *const LIST_PARAMS[] = {"page", "page_size", "sort", "after", NULL};

static bool declared(const http_route_t *rt, const char *name)
{
    for (size_t i = 0; i < rt->nquery; i++)
        if (strcmp(rt->query[i].name, name) == 0)
            return true;
    if ((rt->flags & HTTP_EXPORT) && !strcmp(name, "format"))
        return true;
    if (rt->flags & HTTP_LIST)
        for (int i = 0; LIST_PARAMS[i]; i++)
            if (strcmp(LIST_PARAMS[i], name) == 0)
                return true;
    return false;
}

const char *http_query(http_req_t *req, const char *name)
{
    if (req->match.route && !declared(req->match.route, name) && !req->undeclared)
        req->undeclared = arena_strdup(req->arena, name);
    const char *v = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
    return v && *v ? v : NULL;
}

int64_t http_query_i64(http_req_t *req, const char *name, int64_t def)
{
    const char *v = http_query(req, name);
    int64_t n;
    return v && str_to_int64(v, &n) ? n : def;
}

bool http_query_bool(http_req_t *req, const char *name)
{
    const char *v = http_query(req, name);
    return v && (!strcmp(v, "true") || !strcmp(v, "1"));
}

const char *http_param(const http_req_t *req, const char *name)
{
    size_t nl = strlen(name);
    for (int i = 0; i < req->match.nparams; i++) {
        const route_param_t *p = &req->match.params[i];
        if (p->name_len == nl && memcmp(p->name, name, nl) == 0)
            return arena_strndup(req->arena, p->value, p->len);
    }
    return NULL;
}

bool http_param_id(http_req_t *req, const char *name, int64_t *out)
{
    const char *v = http_param(req, name);
    int64_t id;
    if (!v || !str_to_int64(v, &id) || id <= 0 || v[0] == '+' || v[0] == '0') {
        http_error(req, 404, "not_found", "资源不存在");
        return false;
    }
    *out = id;
    return true;
}

bool http_query_int(http_req_t *req, const char *name, int64_t def, int64_t min, int64_t max, int64_t *out)
{
    const char *v = http_query(req, name);
    if (!v || !*v) {
        *out = def;
        return true;
    }
    int64_t n;
    if (!str_to_int64(v, &n) || n < min || n > max) {
        json_t *f = json_object();
        json_object_set_new(f, name,
                            json_string(arena_printf(req->arena, "应为 %lld 到 %lld 之间的整数",
                                                     (long long)min, (long long)max)));
        http_error_fields(req, f);
        return false;
    }
    *out = n;
    return true;
}

bool http_paging(http_req_t *req, int64_t *page, int64_t *page_size)
{
    if (!http_query_int(req, "page", 1, 1, 1000000, page))
        return false;
    /* page_size above the contract's 200 is clamped, not refused */
    if (!http_query_int(req, "page_size", 20, 1, INT64_MAX, page_size))
        return false;
    if (*page_size > 200)
        *page_size = 200;
    return true;
}

/* A transaction of a mutating request commits only with an audit record of
 * its own (written inside it): a change is never committed unrecorded. */
static int commit_check(void *ud)
{
    http_req_t *req = ud;
    if (req->audits <= req->audits_committed) {
        log_msg(LOG_SYSTEM, LOG_ERROR, "http.unaudited_commit", "%s %s：事务没有审计记录", req->method,
                req->match.route ? req->match.route->pattern : req->path);
        return -1;
    }
    req->audits_committed = req->audits;
    return 0;
}

void http_suspend(http_req_t *req, http_suspend_fn start, void *ud)
{
    req->suspend = start;
    req->suspend_ud = ud;
}

void http_resume(http_req_t *req) { MHD_resume_connection(req->conn); }

db_conn_t *http_db(http_req_t *req)
{
    if (req->db)
        return req->db;
    req->db = db_acquire(http_server_db(req->srv));
    if (!req->db) {
        http_error(req, 503, "unavailable", "数据库暂时不可用，请稍后重试");
        return NULL;
    }
    const http_route_t *rt = req->match.route;
    if (rt && !http_method_safe(req->method) && !(rt->flags & HTTP_NO_AUDIT))
        db_set_commit_check(req->db, commit_check, req);
    http_server_fault(req->srv, req, req->db);
    return req->db;
}

bool http_begin(http_req_t *req, db_conn_t *c)
{
    if (db_begin(c) == 0)
        return true;
    http_db_error(req, c);
    return false;
}

db_conn_t *http_db_id(http_req_t *req, int64_t *id)
{
    return http_param_id(req, "id", id) ? http_db(req) : NULL;
}

db_conn_t *http_db_change(http_req_t *req, int64_t *id)
{
    db_conn_t *c = http_db_id(req, id);
    return c && http_begin(req, c) ? c : NULL;
}

/* ---- response ---- */

bool http_accepts_gzip(http_req_t *req)
{
    /* "gzip", "gzip;q=0.8", "deflate, gzip" yes; "gzip;q=0" or absent no */
    const char *ae = http_header_in(req, "Accept-Encoding");
    for (const char *p = ae; p && (p = strcasestr(p, "gzip")) != NULL; p += 4) {
        if (p > ae && p[-1] != ' ' && p[-1] != ',')
            continue;
        const char *q = p + 4;
        while (*q == ' ')
            q++;
        if (*q == ',' || *q == '\0')
            return true;
        if (*q != ';')
            continue;
        q++;
        while (*q == ' ')
            q++;
        if (strncmp(q, "q=0", 3) != 0)
            return true;
        q += 3;
        if (*q == '.')
            for (q++; *q >= '0' && *q <= '9'; q++)
                if (*q != '0')
                    return true;
        return false;
    }
    return false;
}

bool http_method_safe(const char *m)
{
    return m && (!strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "OPTIONS"));
}

void http_set_ctx(http_req_t *req, void *ctx) { req->ctx = ctx; }
void *http_ctx(const http_req_t *req) { return req->ctx; }
void http_on_done(http_req_t *req, http_done_fn fn, void *ud)
{
    req->done = fn;
    req->done_ud = ud;
}

static void drop_reader(http_req_t *req)
{
    if (req->resp_read && req->resp_free)
        req->resp_free(req->resp_cls);
    req->resp_read = NULL;
    req->resp_cls = NULL;
    req->resp_free = NULL;
}

void http_reset_response(http_req_t *req)
{
    if (req->resp_owned)
        free(req->resp_body);
    if (req->resp_fd > 0)
        close(req->resp_fd);
    drop_reader(req);
    req->resp_body = NULL;
    req->resp_owned = false;
    req->resp_fd = 0;
    req->resp_len = 0;
    req->responded = false;
    req->headers = NULL;
}

static void set_body(http_req_t *req, int status, const char *ctype, char *body, size_t len, bool owned)
{
    if (req->responded) {
        /* a second answer is a programming error; keep the first */
        log_msg(LOG_SYSTEM, LOG_ERROR, "http.double_response", "%s %s：忽略第二次应答 %d", req->method,
                req->path, status);
        if (owned)
            free(body);
        return;
    }
    req->responded = true;
    req->status = status;
    req->ctype = ctype;
    req->resp_body = body;
    req->resp_len = len;
    req->resp_owned = owned;
}

void http_send(http_req_t *req, int status, const char *ctype, const void *body, size_t len)
{
    char *copy = arena_alloc(req->arena, len + 1);
    if (len)
        memcpy(copy, body, len);
    set_body(req, status, ctype, copy, len, false);
}

void http_send_owned(http_req_t *req, int status, const char *ctype, char *body, size_t len)
{
    set_body(req, status, ctype, body, len, true);
}

void http_send_fd(http_req_t *req, int status, const char *ctype, int fd, uint64_t off, uint64_t len)
{
    if (req->responded) {
        close(fd);
        return;
    }
    set_body(req, status, ctype, NULL, 0, false);
    req->resp_fd = fd;
    req->resp_off = off;
    req->resp_flen = len;
}

void http_send_reader(http_req_t *req, int status, const char *ctype, uint64_t len, http_reader_fn read,
                      void *cls, void (*free_cls)(void *))
{
    if (req->responded) {
        if (free_cls)
            free_cls(cls);
        return;
    }
    set_body(req, status, ctype, NULL, 0, false);
    req->resp_read = read;
    req->resp_cls = cls;
    req->resp_free = free_cls;
    req->resp_rlen = len;
}

void http_no_content(http_req_t *req) { set_body(req, 204, NULL, NULL, 0, false); }

void http_json(http_req_t *req, int status, json_t *body)
{
    char *s = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!s) {
        http_error(req, 500, "internal", "无法生成响应");
        return;
    }
    set_body(req, status, "application/json; charset=utf-8", s, strlen(s), true);
}

static void error_json(http_req_t *req, int status, const char *code, const char *msg, json_t *fields)
{
    json_t *e = json_object();
    json_object_set_new(e, "code", json_string(code));
    json_object_set_new(e, "message", json_string(msg));
    if (fields)
        json_object_set_new(e, "fields", fields);
    http_json(req, status, json_pack("{s:o}", "error", e));
}

void http_error(http_req_t *req, int status, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = arena_vprintf(req->arena, fmt, ap);
    va_end(ap);
    if (!utf8_valid(msg, strlen(msg)))
        msg = "请求有误";
    error_json(req, status, code, msg, NULL);
}

void http_error_fields(http_req_t *req, json_t *fields)
{
    error_json(req, 422, "invalid_fields", "提交的内容有误，请检查标出的字段", fields);
}

void http_db_error(http_req_t *req, db_conn_t *c)
{
    switch (c ? db_errcode(c) : DB_E_CONNECTION) {
    case DB_E_UNIQUE: http_error(req, 409, "conflict", "与已有记录冲突（重复）"); break;
    case DB_E_FOREIGN_KEY: http_error(req, 409, "conflict", "关联的记录不存在或仍被引用"); break;
    case DB_E_BUSY:
    case DB_E_RETRY:
    case DB_E_CONNECTION: http_error(req, 503, "unavailable", "数据库繁忙，请稍后重试"); break;
    default: http_error(req, 500, "internal", "服务器内部错误，请求编号 %s", req->request_id); break;
    }
}

void http_add_header(http_req_t *req, const char *name, const char *value)
{
    hdr_t *h = arena_alloc(req->arena, sizeof *h);
    h->name = arena_strdup(req->arena, name);
    h->value = arena_strdup(req->arena, value);
    h->next = req->headers;
    req->headers = h;
}

void http_list(http_req_t *req, json_t *items, int64_t total, int64_t page, int64_t page_size)
{
    json_t *o = json_object();
    json_object_set_new(o, "items", items);
    json_object_set_new(o, "total", json_integer(total));
    json_object_set_new(o, "page", json_integer(page));
    json_object_set_new(o, "page_size", json_integer(page_size));
    http_json(req, 200, o);
}

void http_disposition(http_req_t *req, bool inline_, const char *ascii_fallback, const char *name)
{
    /* the plain filename= is for old clients: ASCII, no quotes or
     * backslashes; filename*= carries the real (UTF-8) name */
    sbuf_t b;
    sbuf_init(&b);
    sbuf_printf(&b, "%s; filename=\"", inline_ ? "inline" : "attachment");
    bool any = false, gap = false;
    for (const unsigned char *p = (const unsigned char *)(ascii_fallback ? ascii_fallback : name); *p; p++) {
        bool plain = *p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\' && *p != '%' && *p != ';';
        if (plain && gap && any)
            sbuf_putc(&b, '_'); /* a run of other bytes (a Chinese word) becomes one _ */
        if (plain)
            sbuf_putc(&b, (char)*p);
        gap = !plain;
        any |= plain && *p != '.';
    }
    if (!any)
        sbuf_puts(&b, "download");
    sbuf_puts(&b, "\"; filename*=UTF-8''");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
            *p == '-' || *p == '_')
            sbuf_putc(&b, (char)*p);
        else
            sbuf_printf(&b, "%%%02X", *p);
    }
    http_add_header(req, "Content-Disposition", b.data);
    sbuf_free(&b);
}

void http_attachment(http_req_t *req, const char *ascii_fallback, const char *name)
{
    http_disposition(req, false, ascii_fallback, name);
}
