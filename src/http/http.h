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

typedef struct http_req http_req_t;
typedef void (*http_handler_fn)(http_req_t *req);

/* route flags */
enum {
    HTTP_PUBLIC = 1u << 0,         /* no login needed */
    HTTP_BODY_TEXT = 1u << 1,      /* body is text/plain UTF-8 (else JSON for POST/PUT/PATCH) */
    HTTP_BODY_RAW = 1u << 2,       /* body is kept as bytes, any content type */
    HTTP_NO_CSRF = 1u << 3,        /* login itself: there is no session yet */
    HTTP_PW_EXPIRED_OK = 1u << 4,  /* allowed while a password change is pending */
    HTTP_BODY_MULTIPART = 1u << 5, /* multipart/form-data, kept as bytes */
};

typedef struct http_route {
    const char *method;  /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *pattern; /* "/api/v1/orgs/{id}" — {name} matches one segment */
    http_handler_fn handler;
    const char *perm; /* permission required; NULL: any logged-in user */
    unsigned flags;
    size_t max_body; /* bytes; 0: the configured JSON limit */
} http_route_t;

/* ---- request ---- */
const char *http_method(const http_req_t *req);
const char *http_path(const http_req_t *req);
const http_route_t *http_route(const http_req_t *req);
const char *http_request_id(const http_req_t *req);
const char *http_client_ip(const http_req_t *req);
const char *http_header_in(http_req_t *req, const char *name); /* NULL if absent */
const char *http_cookie(http_req_t *req, const char *name);
const char *http_param(const http_req_t *req, const char *name); /* path {name} */
/* Path parameter as a positive id; false after answering 404. */
bool http_param_id(http_req_t *req, const char *name, int64_t *out);
const char *http_query(http_req_t *req, const char *name); /* NULL if absent */
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

/* Database connection for this request, acquired on first use and released
 * when the request completes (an open transaction is rolled back). NULL
 * after answering 503. */
db_conn_t *http_db(http_req_t *req);

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
void http_no_content(http_req_t *req); /* 204 */
/* Adds a response header (copied). */
void http_add_header(http_req_t *req, const char *name, const char *value);
bool http_responded(const http_req_t *req);
/* Marks the answer as a download named `name` (UTF-8, e.g. 词库.txt), with an
 * ASCII fallback for old clients (RFC 6266 / 5987). */
void http_attachment(http_req_t *req, const char *ascii_fallback, const char *name);
int http_status(const http_req_t *req);

/* {"items":[...],"total":N,"page":P,"page_size":S}; steals items. */
void http_list(http_req_t *req, json_t *items, int64_t total, int64_t page, int64_t page_size);

/* JSON helpers every handler uses */
json_t *json_time(int64_t ms); /* ISO 8601 string, or null when ms == 0 */
json_t *json_text_or_null(const char *s);

#endif
