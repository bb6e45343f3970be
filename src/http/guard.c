/* guard.c — what libmicrohttpd does not do against slow and greedy
 * clients (see guard.h): a deadline for a request's line and headers
 * however slowly they trickle in, a minimum rate for a body, and a limit of
 * open connections per client address that trusted proxies are exempt from.
 *
 * Every connection has an entry, made when libmicrohttpd reports it started
 * and removed when it reports it closed (before it closes the socket, so the
 * descriptor in an entry is never another connection's). A watchdog thread
 * looks at the entries twice a second and shuts down the socket of a
 * connection past its deadline; libmicrohttpd then sees the end of the
 * stream and closes the connection itself.
 *
 * The worker threads of the pool accept in parallel, so a connection
 * accepted but not yet started must already count against its address:
 * guard_accept reserves a place for it that guard_notify takes over when
 * the connection starts. A reservation that no start claims (libmicrohttpd
 * dropped the connection in between) lapses after RESERVE_NS. */
#include "http/guard.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BODY_GRACE_S 10
#define RESERVE_NS   (5 * 1000000000LL)
#define RESERVE_MAX  64

typedef struct {
    char ip[64];
    int64_t at_ns;
} reserve_t;

typedef struct entry {
    struct entry *prev, *next;
    struct MHD_Connection *conn;
    int fd;
    char ip[64];
    bool trusted;
    int phase;
    int64_t since_ns, bytes;
    bool killed;
} entry_t;

struct guard {
    int header_timeout_s, body_min_rate, per_ip;
    char *trusted;
    pthread_mutex_t mu;
    entry_t *head;
    pthread_t th;
    bool running, stop;
    pthread_cond_t cv;
    reserve_t reserved[RESERVE_MAX];
    int nreserved;
    _Atomic uint64_t slow, refused;
};

void guard_addr_text(const struct sockaddr *sa, char *out, size_t outsz)
{
    str_lcpy(out, "?", outsz);
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)outsz);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)outsz);
}

bool guard_addr_listed(const char *list, const char *ip)
{
    size_t n = strlen(ip);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *e = p;
        while (*e && *e != ',' && *e != ' ')
            e++;
        if ((size_t)(e - p) == n && memcmp(p, ip, n) == 0)
            return true;
        p = e;
    }
    return false;
}

guard_t *guard_new(int header_timeout_s, int body_min_rate, int per_ip, const char *trusted)
{
    guard_t *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->header_timeout_s = header_timeout_s;
    g->body_min_rate = body_min_rate;
    g->per_ip = per_ip;
    g->trusted = strdup(trusted ? trusted : "");
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    if (!g->trusted) {
        guard_free(g);
        return NULL;
    }
    return g;
}

enum MHD_Result guard_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    (void)addrlen;
    guard_t *g = cls;
    if (!g->per_ip)
        return MHD_YES;
    char ip[64];
    guard_addr_text(addr, ip, sizeof ip);
    if (guard_addr_listed(g->trusted, ip))
        return MHD_YES;
    int n = 0;
    bool ok = false;
    int64_t now = time_mono_ns();
    pthread_mutex_lock(&g->mu);
    for (entry_t *e = g->head; e; e = e->next)
        n += !strcmp(e->ip, ip);
    for (int i = 0; i < g->nreserved;) {
        if (now - g->reserved[i].at_ns > RESERVE_NS) {
            g->reserved[i] = g->reserved[--g->nreserved];
            continue;
        }
        n += !strcmp(g->reserved[i].ip, ip);
        i++;
    }
    if (n < g->per_ip) {
        ok = true;
        if (g->nreserved < RESERVE_MAX) { /* full: only when starts stall; admit */
            reserve_t *r = &g->reserved[g->nreserved++];
            str_lcpy(r->ip, ip, sizeof r->ip);
            r->at_ns = now;
        }
    }
    pthread_mutex_unlock(&g->mu);
    if (ok)
        return MHD_YES;
    if (atomic_fetch_add(&g->refused, 1) % 100 == 0)
        log_msg(LOG_SYSTEM, LOG_WARN, "http.per_ip_limit", "%s 已占用 %d 个连接，拒绝更多连接", ip, n);
    return MHD_NO;
}

void guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                  enum MHD_ConnectionNotificationCode toe)
{
    guard_t *g = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        entry_t *e = calloc(1, sizeof *e);
        if (!e)
            return;
        e->conn = conn;
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        e->fd = ci ? ci->connect_fd : -1;
        ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        guard_addr_text(ci ? ci->client_addr : NULL, e->ip, sizeof e->ip);
        e->trusted = guard_addr_listed(g->trusted, e->ip);
        e->phase = GUARD_IDLE;
        e->since_ns = time_mono_ns();
        pthread_mutex_lock(&g->mu);
        for (int i = 0; i < g->nreserved; i++)
            if (!strcmp(g->reserved[i].ip, e->ip)) {
                g->reserved[i] = g->reserved[--g->nreserved];
                break;
            }
        e->next = g->head;
        if (g->head)
            g->head->prev = e;
        g->head = e;
        pthread_mutex_unlock(&g->mu);
        *socket_context = e;
        return;
    }
    entry_t *e = *socket_context;
    if (!e)
        return;
    pthread_mutex_lock(&g->mu);
    if (e->prev)
        e->prev->next = e->next;
    else
        g->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    pthread_mutex_unlock(&g->mu);
    free(e);
    *socket_context = NULL;
}

static entry_t *entry_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

void guard_phase(guard_t *g, struct MHD_Connection *conn, int phase)
{
    entry_t *e = entry_of(conn);
    if (!e)
        return;
    pthread_mutex_lock(&g->mu);
    e->phase = phase;
    e->since_ns = time_mono_ns();
    e->bytes = 0;
    pthread_mutex_unlock(&g->mu);
}

void *guard_request_line(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)uri;
    guard_phase(cls, conn, GUARD_HEADERS);
    return NULL; /* the request's own state starts in the dispatcher */
}

void guard_body(guard_t *g, struct MHD_Connection *conn, size_t n)
{
    entry_t *e = entry_of(conn);
    if (!e)
        return;
    pthread_mutex_lock(&g->mu);
    e->bytes += (int64_t)n;
    pthread_mutex_unlock(&g->mu);
}

/* Is this connection past its deadline? (under the lock) */
static const char *overdue(const guard_t *g, const entry_t *e, int64_t now)
{
    double s = (double)(now - e->since_ns) / 1e9;
    if (e->phase == GUARD_IDLE && g->header_timeout_s && s > g->header_timeout_s)
        return "空闲超时";
    if (e->phase == GUARD_HEADERS && g->header_timeout_s && s > g->header_timeout_s)
        return "请求头发送过慢";
    if (e->phase == GUARD_BODY && g->body_min_rate && s > BODY_GRACE_S &&
        (double)e->bytes / s < g->body_min_rate)
        return "请求内容发送过慢";
    return NULL;
}

static void *watch(void *arg)
{
    guard_t *g = arg;
    pthread_mutex_lock(&g->mu);
    while (!g->stop) {
        int64_t now = time_mono_ns();
        for (entry_t *e = g->head; e; e = e->next) {
            const char *why = e->killed || e->fd < 0 ? NULL : overdue(g, e, now);
            if (!why)
                continue;
            /* the descriptor is still this connection's: entries go before
             * their sockets are closed, and we hold the lock */
            shutdown(e->fd, SHUT_RDWR);
            e->killed = true;
            if (e->phase == GUARD_IDLE)
                continue; /* a kept-alive connection nobody uses: closed quietly */
            atomic_fetch_add(&g->slow, 1);
            log_msg(LOG_SYSTEM, LOG_WARN, "http.slow_client", "%s：%s，已断开连接", e->ip, why);
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 500000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&g->cv, &g->mu, &ts);
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

int guard_start(guard_t *g)
{
    if (!g->header_timeout_s && !g->body_min_rate)
        return 0;
    g->stop = false;
    if (pthread_create(&g->th, NULL, watch, g) != 0)
        return -1;
    g->running = true;
    return 0;
}

void guard_stop(guard_t *g)
{
    if (!g || !g->running)
        return;
    pthread_mutex_lock(&g->mu);
    g->stop = true;
    pthread_cond_signal(&g->cv);
    pthread_mutex_unlock(&g->mu);
    pthread_join(g->th, NULL);
    g->running = false;
}

void guard_free(guard_t *g)
{
    if (!g)
        return;
    guard_stop(g);
    for (entry_t *e = g->head, *n; e; e = n) {
        n = e->next;
        free(e);
    }
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
    free(g->trusted);
    free(g);
}

void guard_metrics(const guard_t *g, sbuf_t *out)
{
    sbuf_printf(
        out,
        "# HELP zhendi_http_slow_clients_total Connections closed for sending headers or a body too "
        "slowly.\n# TYPE zhendi_http_slow_clients_total counter\nzhendi_http_slow_clients_total %llu\n"
        "# HELP zhendi_http_per_ip_refused_total Connections refused: their address held too many.\n"
        "# TYPE zhendi_http_per_ip_refused_total counter\nzhendi_http_per_ip_refused_total %llu\n",
        (unsigned long long)atomic_load(&g->slow), (unsigned long long)atomic_load(&g->refused));
}
