/* http.h — what a module needs to serve HTTP: the route table entry, the
 * request accessors and the response helpers.
 *
 * A module declares its routes in a static table; one dispatcher (server.c)
 * enforces method, authentication, permission, CSRF, body limit and content
 * type before a handler runs. A handler reads the request, does its work and
 * sets exactly one response with http_json()/http_error()/... . Everything
 * allocated with http_alloc()/http_printf() and everything handed to
 * http_defer() lives until the request completes.
 *
 * Error responses always use the envelope
 *     {"error":{"code":"snake_case","message":"...", "fields":{...}?}}
 */
#ifndef ZD_HTTP_H
#define ZD_HTTP_H
#include "core/arena.h"
#include "core/db.h"
#include "core/jsonutil.h"
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct http_req http_req_t;
typedef void (*http_handler_fn)(http_req_t *req);
typedef struct vfield vfield_t;           /* http/valid.h */
typedef struct zd_resource zd_resource_t; /* auth/resource.h */

/* route flags */
enum {
    HTTP_PUBLIC = 1u << 0,         /* no login needed (perm must be HTTP_ANYONE) */
    HTTP_BODY_TEXT = 1u << 1,      /* body is text/plain UTF-8 (else JSON for POST/PUT/PATCH) */
    HTTP_BODY_RAW = 1u << 2,       /* body is kept as bytes, any content type */
    HTTP_NO_CSRF = 1u << 3,        /* login itself: there is no session yet */
    HTTP_PW_EXPIRED_OK = 1u << 4,  /* allowed while a password change is pending */
    HTTP_BODY_MULTIPART = 1u << 5, /* multipart/form-data, kept as bytes */
    HTTP_LIST = 1u << 6,           /* answers the paged list envelope; takes page, page_size, sort */
    HTTP_NO_AUDIT = 1u << 7,       /* a POST that changes nothing (a check, a preview): no audit record */
    HTTP_SESSION_ONLY = 1u << 8,   /* account security: a login session only, never an API token */
    HTTP_DOWNLOAD = 1u << 9,       /* answers a file, not JSON */
    HTTP_BODY_CUSTOM =
        1u << 10, /* the handler validates the declared body itself (rules a table cannot say) */
    /* a background request of an open console (an unread count, an event
     * stream): not the user's activity, so it never keeps an idle session
     * alive (its last_seen_at is not touched) */
    HTTP_PASSIVE = 1u << 11,
    HTTP_EVENTS = 1u << 12, /* answers a Server-Sent Events stream (http/events.h), not JSON */
    /* an HTTP_LIST route (with a resource) that also answers ?format=xlsx:
     * the whole filtered, sorted list as a workbook, columns from .out,
     * codes and times in words, recorded as "<resource>.export" (res_list) */
    HTTP_EXPORT = 1u << 13,
};

/* Permission of a route: a code from the permission catalogue, or one of
 * these. NULL is refused when the route table is registered. */
#define HTTP_LOGIN  "@login"  /* any logged-in user */
#define HTTP_ANYONE "@anyone" /* no login at all (with HTTP_PUBLIC) */

/* A route whose body is too large to keep (an upload of any size) hands it
 * to these as it arrives, in constant memory. begin runs once login,
 * permission, CSRF and the announced length have passed, before the first
 * byte; answering there refuses the body. data gets each piece in order;
 * returning -1 (after answering) stops the reading. end runs once for every
 * begin that did not answer: complete is true when the whole body came (the
 * handler runs next) and false when the client went away or data stopped
 * it. The handler then runs as usual, with http_body() empty. A request
 * without a body skips begin and end. State lives in http_set_ctx(). */
typedef struct {
    void (*begin)(http_req_t *req);
    int (*data)(http_req_t *req, const char *buf, size_t n);
    void (*end)(http_req_t *req, bool complete);
} http_stream_t;

/* One row of a module's route table. Declare with designated initialisers:
 *
 *   static const http_route_t routes[] = {
 *       {.method = "GET", .pattern = "/api/v1/users", .handler = list_users,
 *        .perm = "user.read", .flags = HTTP_LIST, .summary = "用户列表",
 *        .resource = &USERS, HTTP_QUERY(USER_QUERY), HTTP_OUT(USER_OUT)},
 *       {.method = "POST", .pattern = "/api/v1/users", .handler = create_user,
 *        .perm = "user.write", .summary = "新建用户", .audit = "user.create",
 *        .resource = &USERS, HTTP_BODY(USER_NEW), HTTP_OUT(USER_OUT)},
 *   };
 *
 * The dispatcher enforces method, login, permission, CSRF, body limit and
 * type, and validates the declared query parameters and JSON body (partial
 * for PATCH) before the handler runs; after it, a successful mutating request that wrote no audit record
 * is turned into a 500 (and its transaction refused at commit). The same
 * table produces GET /api/v1/openapi.json. */
typedef struct http_route {
    const char *method;  /* "GET", "POST", "PUT", "PATCH", "DELETE"; "HEAD" and "OPTIONS" where a
                            protocol needs them (HEAD falls back to the GET route otherwise) */
    const char *pattern; /* "/api/v1/orgs/{id}" — {name} matches one segment */
    http_handler_fn handler;
    const char *perm; /* permission code, HTTP_LOGIN or HTTP_ANYONE */
    unsigned flags;
    size_t max_body;     /* bytes; 0: the configured JSON limit */
    const char *summary; /* one line of Chinese: the document's summary, the audit action's label */
    /* action recorded on success (required for mutating routes without
     * HTTP_NO_AUDIT); an audit_entry_t without .action gets this one */
    const char *audit;
    const zd_resource_t *resource; /* the rows it reads or changes: data scope, 404 text, sort keys */
    const vfield_t *body;          /* JSON body fields (valid_body) */
    size_t nbody;
    const vfield_t *query; /* query parameters, validated before the handler */
    size_t nquery;
    const vfield_t *out; /* fields of the answer (an item of a list) */
    size_t nout;
    const char *example; /* a valid request body (JSON), for the document and the contract tests */
    int status;          /* the success status: 0 → 200 (or 201, 204) */
    const char *notes;   /* more than the summary: states it moves between, error codes (the document) */
    const http_stream_t *stream; /* the body is streamed to these (see above), never kept */
} http_route_t;

#define HTTP_BODY(f)  .body = (f), .nbody = sizeof(f) / sizeof((f)[0])
#define HTTP_QUERY(f) .query = (f), .nquery = sizeof(f) / sizeof((f)[0])
#define HTTP_OUT(f)   .out = (f), .nout = sizeof(f) / sizeof((f)[0])

/* GET, HEAD and OPTIONS change nothing: no CSRF token, no audit record. */
bool http_method_safe(const char *method);

/* ---- request ---- */
const char *http_method(const http_req_t *req);
const char *http_path(const http_req_t *req);
const http_route_t *http_route(const http_req_t *req);
/* The module that registered the route ("identity", ...). */
const char *http_route_module(const http_req_t *req);
const char *http_request_id(const http_req_t *req);
const char *http_client_ip(const http_req_t *req);
/* Did the client come over HTTPS? (said by the trusted reverse proxy's
 * X-Forwarded-Proto; never believed from anyone else) */
bool http_via_tls(const http_req_t *req);
const char *http_header_in(http_req_t *req, const char *name); /* NULL if absent */
/* Whether Accept-Encoding admits gzip (present and not q=0). */
bool http_accepts_gzip(http_req_t *req);
/* The gzip stream of body at zlib level (1 fast … 9 small), malloc'ed;
 * NULL when it fails or would not be smaller. The server compresses large
 * JSON answers with level 1; a body built once and sent many times may
 * afford more. */
char *http_gzip(const char *body, size_t len, int level, size_t *out_len);
const char *http_cookie(http_req_t *req, const char *name);
const char *http_param(const http_req_t *req, const char *name); /* path {name} */
/* Path parameter as a positive id; false after answering 404. */
bool http_param_id(http_req_t *req, const char *name, int64_t *out);
/* A query parameter (NULL if absent or empty). Reading one the route does
 * not declare is a programming error: logged, and the request answers 500,
 * so that the generated document cannot miss a parameter. page, page_size
 * and sort are declared for HTTP_LIST routes. */
const char *http_query(http_req_t *req, const char *name);
/* A declared V_ID/V_INT query parameter (validated already); def if absent. */
int64_t http_query_i64(http_req_t *req, const char *name, int64_t def);
/* A declared V_BOOL query parameter: "true"/"1" → true. */
bool http_query_bool(http_req_t *req, const char *name);
/* Integer query parameter within [min,max], def when absent; false after
 * answering 422. */
bool http_query_int(http_req_t *req, const char *name, int64_t def, int64_t min, int64_t max, int64_t *out);
/* ?page=&page_size= per the contract (page_size ≤ 200, default 20); false
 * after answering 422. */
bool http_paging(http_req_t *req, int64_t *page, int64_t *page_size);
json_t *http_json_body(const http_req_t *req);             /* parsed JSON body (borrowed), or NULL */
const char *http_body(const http_req_t *req, size_t *len); /* raw body bytes */
arena_t *http_arena(http_req_t *req);
void *http_alloc(http_req_t *req, size_t n);
char *http_printf(http_req_t *req, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void http_defer(http_req_t *req, void (*fn)(void *), void *ptr);
/* Hands j to the request: released when the request completes. Returns j
 * (NULL is fine). Helpers borrow JSON; objects that must outlive a call go
 * through this. */
json_t *http_defer_json(http_req_t *req, json_t *j);
/* The handler's own state for this request (a streamed body's file ...). */
void http_set_ctx(http_req_t *req, void *ctx);
void *http_ctx(const http_req_t *req);
/* fn runs when the request has ended, after the answer went out or the
 * client went away (aborted): the status sent and the body bytes sent (for
 * a file, the bytes queued). For logs of transfers; fn must not answer. */
typedef void (*http_done_fn)(http_req_t *req, void *ud, int status, uint64_t bytes, bool aborted);
void http_on_done(http_req_t *req, http_done_fn fn, void *ud);
/* Counts an audit record written for this request (auth/audit.c calls it). */
void http_note_audit(http_req_t *req);
/* Says that this request's success changed nothing, so no audit record is
 * due although its route names an audit action: the first step of a two-step
 * login (password right, code still to come). A transaction still commits
 * only with a record of its own. */
void http_unchanged(http_req_t *req);

/* ---- answering from another thread ----
 * http_suspend(req, start, ud) in a handler, which then returns without
 * answering: the server suspends the request's connection (no server thread
 * waits for it) and calls start(req, ud), which gives req to another thread.
 * From then on only that thread touches req: it answers (http_json,
 * http_error…) and calls http_resume(req) as its last touch. The server then
 * sends the answer after the checks every answer passes (there is one; a
 * successful change has its audit record). The group commit (http/batch.h)
 * is built on it. */
typedef void (*http_suspend_fn)(http_req_t *req, void *ud);
void http_suspend(http_req_t *req, http_suspend_fn start, void *ud);
void http_resume(http_req_t *req);

/* Database connection for this request, acquired on first use and released
 * when the request completes (an open transaction is rolled back). NULL
 * after answering 503. */
db_conn_t *http_db(http_req_t *req);
/* Begins the write transaction of a handler on c; false after answering
 * 5xx. (It rolls back with the request unless committed.) */
bool http_begin(http_req_t *req, db_conn_t *c);
/* The prologue of a handler of one row: the path's {id} and the request's
 * connection; NULL after answering 404 (a malformed id) or 503. */
db_conn_t *http_db_id(http_req_t *req, int64_t *id);
/* The same with the write transaction begun: the prologue of a change. */
db_conn_t *http_db_change(http_req_t *req, int64_t *id);

/* Identity, set by the authentication hook. 0/NULL when anonymous. */
void http_set_user(http_req_t *req, int64_t user_id, int64_t org_id, const char *username, void *auth);
int64_t http_user_id(const http_req_t *req);
int64_t http_user_org(const http_req_t *req);
const char *http_username(const http_req_t *req);
void *http_auth_data(const http_req_t *req);

/* ---- response ---- */
/* Sets a JSON response; steals the reference to body. */
void http_json(http_req_t *req, int status, json_t *body);
void http_error(http_req_t *req, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* 422 invalid_fields with {"fields":{name: reason}}; steals fields. */
void http_error_fields(http_req_t *req, json_t *fields);
/* The usual answer to a failed database call: 409 for a uniqueness
 * conflict, 503 for an unreachable/busy database, else 500. */
void http_db_error(http_req_t *req, db_conn_t *c);
/* Copies body. */
void http_send(http_req_t *req, int status, const char *content_type, const void *body, size_t len);
/* Takes ownership of a heap buffer (free()d after sending). */
void http_send_owned(http_req_t *req, int status, const char *content_type, char *body, size_t len);
/* Sends len bytes of an open file from offset; the fd is closed after. */
void http_send_fd(http_req_t *req, int status, const char *content_type, int fd, uint64_t offset,
                  uint64_t len);
/* Sends len bytes produced by read(cls, pos, buf, max) → bytes written (at
 * least 1), or -1 to abort the connection; free_cls(cls) when done. */
typedef ssize_t (*http_reader_fn)(void *cls, uint64_t pos, char *buf, size_t max);
void http_send_reader(http_req_t *req, int status, const char *content_type, uint64_t len,
                      http_reader_fn read, void *cls, void (*free_cls)(void *));
void http_no_content(http_req_t *req); /* 204 */
/* Adds a response header (copied). */
void http_add_header(http_req_t *req, const char *name, const char *value);
bool http_responded(const http_req_t *req);
/* Marks the answer as a download named `name` (UTF-8, e.g. 词库.txt), with an
 * ASCII fallback for old clients (RFC 6266 / 5987). */
void http_attachment(http_req_t *req, const char *ascii_fallback, const char *name);
/* Content-Disposition: attachment, or inline (shown by the browser when it
 * can) with the name for saving; ascii_fallback NULL: made from name. */
void http_disposition(http_req_t *req, bool inline_, const char *ascii_fallback, const char *name);
int http_status(const http_req_t *req);

/* {"items":[...],"total":N,"page":P,"page_size":S}; steals items. */
void http_list(http_req_t *req, json_t *items, int64_t total, int64_t page, int64_t page_size);

/* JSON helpers every handler uses */
json_t *json_time(int64_t ms); /* ISO 8601 string, or null when ms == 0 */
json_t *json_text_or_null(const char *s);

#endif
