/* guard.h — the connection guard of the HTTP server (server.c only): a
 * deadline for a request's headers, a minimum rate for its body and a limit
 * of connections per client address, enforced on libmicrohttpd's
 * connections by a watchdog thread. Thread-safe. */
#ifndef ZD_HTTP_GUARD_H
#define ZD_HTTP_GUARD_H
#include "core/str.h"
#include <microhttpd.h>
#include <stdbool.h>

typedef struct guard guard_t;

/* A connection's phase: idle (it opened, or its last answer went out, and
 * no request line has come), receiving a request's headers (the request
 * line came), receiving its body, or being answered (no deadline: handlers
 * and downloads take their time). An idle connection past the deadline is
 * closed quietly, as a kept-alive connection is; one with headers still
 * coming is a slow client. */
enum { GUARD_IDLE, GUARD_HEADERS, GUARD_BODY, GUARD_ANSWER };

/* header_timeout_s 0: none; body_min_rate bytes/s, 0: none; per_ip 0:
 * unlimited; trusted: comma-separated addresses exempt from per_ip. */
guard_t *guard_new(int header_timeout_s, int body_min_rate, int per_ip, const char *trusted);
void guard_free(guard_t *g); /* NULL is fine; stops the watchdog */
int guard_start(guard_t *g);
void guard_stop(guard_t *g);

/* libmicrohttpd's accept policy (cls: the guard) and connection notifier. */
enum MHD_Result guard_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen);
void guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                  enum MHD_ConnectionNotificationCode toe);
/* libmicrohttpd's request-line callback (cls: the guard): headers begin. */
void *guard_request_line(void *cls, const char *uri, struct MHD_Connection *conn);
/* The dispatcher tells the guard where a connection's request is. */
void guard_phase(guard_t *g, struct MHD_Connection *conn, int phase);
void guard_body(guard_t *g, struct MHD_Connection *conn, size_t n);
/* A socket address as text ("?" when neither IPv4 nor IPv6), and whether an
 * address is in a comma- or space-separated list (the trusted proxies). */
void guard_addr_text(const struct sockaddr *sa, char *out, size_t outsz);
bool guard_addr_listed(const char *list, const char *ip);
/* Prometheus text: connections closed as too slow, refused per address. */
void guard_metrics(const guard_t *g, sbuf_t *out);

#endif
