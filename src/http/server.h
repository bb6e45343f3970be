/* server.h — the HTTP server (libmicrohttpd, thread pool + epoll) and its
 * dispatcher. Owned by main.c; modules only see http.h. */
#ifndef ZD_SERVER_H
#define ZD_SERVER_H
#include "core/str.h"
#include "http/http.h"

typedef struct http_server http_server_t;

typedef struct {
    const char *listen; /* HOST:PORT; port 0 picks a free one */
    int threads;        /* 0: automatic */
    int max_connections;
    int per_ip_connections; /* 0: unlimited; trusted proxies are exempt */
    int idle_timeout_s;
    int header_timeout_s; /* 0: none */
    int body_min_rate;    /* bytes/s after BODY_GRACE_S; 0: none */
    size_t max_header_bytes;
    size_t json_limit;           /* default body limit */
    const char *web_root;        /* built console; NULL/"" → no static files */
    const char *trusted_proxies; /* comma-separated IPs whose X-Forwarded-For is believed */
    /* A body that grows past spool_threshold bytes goes on to an unnamed
     * temporary file in spool_dir and reaches the handler mapped from it, so
     * a large upload does not sit on the heap. spool_dir NULL/"": /tmp;
     * spool_threshold 0: 1 MiB. */
    const char *spool_dir;
    size_t spool_threshold;
    /* tests only (ZD_FAULTSIM builds): a request header
     * "X-Zhendi-Fault: prepare|step|commit:N" fails the Nth such database
     * call of the request's connection */
    bool fault_injection;
} http_options_t;

/* Called before every routed request (after routing, before the body is
 * read). It identifies the user and enforces login, permission and CSRF:
 * returns 0 to go on, or answers the request itself and returns -1.
 * Without a hook every route is open (only before identity is set up). */
typedef int (*http_auth_hook)(http_req_t *req);

http_server_t *http_server_new(const http_options_t *opt, db_t *db);
void http_server_free(http_server_t *s); /* NULL is fine; stops first */
/* Registers a module's route table (it must outlive the server); -1 with err
 * when a row breaks the table's rules (http.h) or repeats a route. */
int http_server_add_routes(http_server_t *s, const http_route_t *routes, size_t n, const char *module,
                           char *err, size_t errlen);
/* The registered routes, in order, with the module of each (for the
 * generated document and the start-up checks). */
int http_server_route_count(const http_server_t *s);
const http_route_t *http_server_route_at(const http_server_t *s, int i, const char **module);
void http_server_set_auth(http_server_t *s, http_auth_hook hook);
/* Adds sources ("https://live.example.cn https://live2.example.cn") to one
 * directive of the console's Content-Security-Policy ("media-src"), for
 * content a module's pages load from elsewhere (live streams). Before
 * serving; not thread-safe. -1 for an unknown directive, a source with
 * characters a policy cannot hold, or no room left. */
int http_csp_allow(const char *directive, const char *sources);
int http_server_start(http_server_t *s, char *err, size_t errlen);
int http_server_port(const http_server_t *s);
/* Stop accepting new connections; in-flight requests continue. */
void http_server_quiesce(http_server_t *s);
/* Waits until no request is in flight; 0 when idle, -1 on timeout. */
int http_server_wait_idle(http_server_t *s, int timeout_ms);
void http_server_stop(http_server_t *s);
/* Prometheus text for the HTTP figures. */
void http_server_metrics(http_server_t *s, sbuf_t *out);
int64_t http_server_inflight(const http_server_t *s);
db_t *http_server_db(http_server_t *s);

#endif
