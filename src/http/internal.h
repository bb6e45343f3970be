/* internal.h — the request structure, shared by the files of src/http only. */
#ifndef ZD_HTTP_INTERNAL_H
#define ZD_HTTP_INTERNAL_H
#include "core/str.h"
#include "http/router.h"
#include "http/server.h"
#include <microhttpd.h>

typedef struct hdr {
    struct hdr *next;
    const char *name, *value;
} hdr_t;

struct http_req {
    http_server_t *srv;
    struct MHD_Connection *conn;
    arena_t *arena;
    const char *method, *path;
    char request_id[72];
    char client_ip[64];
    bool via_tls; /* the trusted reverse proxy says the client came over HTTPS */
    int64_t t0_ns;
    route_match_t match;
    route_result_t route_result;
    /* body */
    sbuf_t body;      /* in memory, up to the spool threshold */
    int spool_fd;     /* > 0: the body is in this unnamed file instead */
    size_t spool_len; /* bytes written to it */
    char *spool_map;  /* the file mapped read-only once the body is complete */
    size_t max_body;
    bool has_body;    /* announced by Content-Length or chunked encoding */
    int64_t body_len; /* Content-Length, -1 when not given */
    json_t *json;
    bool streaming; /* the route's stream began and has not ended */
    void *ctx;      /* http_set_ctx */
    http_done_fn done;
    void *done_ud;
    /* identity */
    int64_t user_id, org_id;
    const char *username;
    void *auth;
    /* database */
    db_conn_t *db;
    /* audit records written for this request, and how many of them were
     * already committed (each committed transaction of a mutating request
     * must bring a new one) */
    int audits, audits_committed;
    bool unchanged; /* http_unchanged(): a success that needs no audit record */
    /* a query parameter the handler read without the route declaring it */
    const char *undeclared;
    /* response */
    bool responded;
    int status;
    const char *ctype;
    char *resp_body; /* heap (owned) or arena/static (not owned) */
    size_t resp_len;
    bool resp_owned;
    int resp_fd;
    uint64_t resp_off, resp_flen;
    http_reader_fn resp_read; /* a body produced by a callback (ranges, remote objects) */
    void *resp_cls;
    void (*resp_free)(void *);
    uint64_t resp_rlen;
    size_t resp_block; /* the reader's buffer, bytes; 0: 64 KiB */
    hdr_t *headers;
    bool queued;
    size_t bytes_sent;
    /* http_suspend: given to another thread once the handler returns; the
     * connection stays suspended until that thread's http_resume */
    http_suspend_fn suspend;
    void *suspend_ud;
};

/* server.c: the module of the route at index; arms the request's database
 * fault (X-Zhendi-Fault) when the server allows it. */
const char *http_server_route_module(const http_server_t *s, int index);
const char *http_server_tmp_dir(const http_server_t *s); /* the spool directory, DATA/tmp */
void http_server_fault(const http_server_t *s, http_req_t *req, db_conn_t *c);
/* request.c: drops the answer set so far (a file descriptor is closed), so
 * that the dispatcher can replace it. */
void http_reset_response(http_req_t *req);
/* static.c: serves GET/HEAD of the console; true when it answered. */
bool http_static_serve(http_req_t *req, const char *web_root);
/* events.c: the server starts taking event streams again (start), and
 * ends every open one and refuses new ones (quiesce, stop): their
 * connections are resumed, so that none is suspended when the daemon stops. */
void http_events_open(void);
void http_events_close_all(void);
/* server.c: turns the request's response fields into an MHD response
 * and queues it. */
enum MHD_Result http_queue(http_req_t *req);

#endif
