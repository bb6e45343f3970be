/* events.c — Server-Sent Events over libmicrohttpd's suspend/resume; see
 * events.h for the contract.
 *
 * Each open stream is a response whose body comes from ev_read(), the
 * content reader libmicrohttpd calls on the pool thread that owns the
 * connection. With nothing to send, ev_read() suspends the connection and
 * returns 0: libmicrohttpd then leaves it out of its event loop until
 * someone resumes it, so no thread waits for a stream. A wake, a due ping
 * or refresh (the ticker thread below) or the server stopping resumes it;
 * libmicrohttpd calls ev_read() again, which runs the refresh and returns
 * the bytes.
 *
 * Locking: one mutex over the registry and every stream's flags. A
 * connection is suspended with the mutex held (so no one can resume it
 * before it is suspended — undefined behaviour for libmicrohttpd), and
 * resumed after the mutex is released: the streams to resume are taken out
 * under it (suspended = false, so exactly one party resumes) and chained
 * through rnext. A stream is freed only by libmicrohttpd's free callback,
 * which cannot run while its connection is suspended, so a chained stream
 * is alive until it is resumed; its next link is read first. */
#include "http/events.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "http/internal.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define NBUCKETS 256
#define SEC_NS   1000000000LL

typedef struct http_events http_events_t;
struct http_events {
    http_events_t *prev, *next; /* bucket of key */
    http_events_t *rnext;       /* the chain of streams to resume */
    struct MHD_Connection *conn;
    int fd; /* the connection's socket (read only to see whether the client is gone) */
    http_events_spec_t spec;
    int64_t ping_ns, refresh_ns;
    /* under g.mu */
    bool suspended, woken, closing, linked, gone;
    int64_t ping_at, refresh_at; /* monotonic ns */
    /* the reader's own (one pool thread at a time) */
    sbuf_t out;
    size_t off;
    bool ended;
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* the ticker's sleep (CLOCK_MONOTONIC) */
    http_events_t *bucket[NBUCKETS];
    int count;
    bool closing; /* the server is stopping: no new streams */
    bool ticking, stop;
    pthread_t ticker;
} g = {.mu = PTHREAD_MUTEX_INITIALIZER};

static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static int count_locked(const char *topic);

static void init_cv(void)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&g.cv, &a);
    pthread_condattr_destroy(&a);
}

static unsigned bucket_of(int64_t key) { return (unsigned)((uint64_t)key * 0x9e3779b97f4a7c15ULL >> 56); }

static void link_ev(http_events_t *ev)
{
    unsigned b = bucket_of(ev->spec.key);
    ev->prev = NULL;
    ev->next = g.bucket[b];
    if (ev->next)
        ev->next->prev = ev;
    g.bucket[b] = ev;
    ev->linked = true;
    g.count++;
}

static void unlink_ev(http_events_t *ev)
{
    if (!ev->linked)
        return;
    if (ev->prev)
        ev->prev->next = ev->next;
    else
        g.bucket[bucket_of(ev->spec.key)] = ev->next;
    if (ev->next)
        ev->next->prev = ev->prev;
    ev->linked = false;
    g.count--;
}

/* Under g.mu: takes ev out of suspension into the chain *to. */
static void take(http_events_t *ev, http_events_t **to)
{
    if (!ev->suspended)
        return;
    ev->suspended = false;
    ev->rnext = *to;
    *to = ev;
}

/* Without g.mu: resumes the chain. */
static void resume_chain(http_events_t *ev)
{
    while (ev) {
        http_events_t *next = ev->rnext;
        struct MHD_Connection *conn = ev->conn;
        MHD_resume_connection(conn); /* ev may be gone from here on */
        ev = next;
    }
}

/* ---- the ticker: due pings and refreshes of suspended streams ---- */

/* Has the client of a suspended stream closed its end? libmicrohttpd does
 * not watch a suspended connection, and a write to a closed socket often
 * succeeds once, so without this a vanished console would hold its place
 * (and count against the ceiling) for up to two ping periods. An event
 * stream's client sends nothing after its request: readable means gone. */
static bool client_gone(const http_events_t *ev)
{
    if (ev->fd < 0)
        return false;
    char b;
    ssize_t n = recv(ev->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

static void *ticker_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&g.mu);
    while (!g.stop) {
        int64_t now = time_mono_ns(), next = now + SEC_NS;
        http_events_t *due = NULL;
        for (int b = 0; b < NBUCKETS; b++)
            for (http_events_t *ev = g.bucket[b]; ev; ev = ev->next) {
                if (!ev->suspended)
                    continue;
                int64_t at = ev->ping_at < ev->refresh_at ? ev->ping_at : ev->refresh_at;
                if (client_gone(ev)) {
                    ev->gone = true;
                    take(ev, &due);
                } else if (at <= now)
                    take(ev, &due);
                else if (at < next)
                    next = at;
            }
        if (due) {
            pthread_mutex_unlock(&g.mu);
            resume_chain(due);
            pthread_mutex_lock(&g.mu);
            continue;
        }
        struct timespec ts = {.tv_sec = next / SEC_NS, .tv_nsec = next % SEC_NS};
        pthread_cond_timedwait(&g.cv, &g.mu, &ts);
    }
    pthread_mutex_unlock(&g.mu);
    return NULL;
}

/* ---- the stream ---- */

static ssize_t ev_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    http_events_t *ev = cls;
    (void)pos;
    for (;;) {
        if (ev->off < ev->out.len) {
            size_t n = ev->out.len - ev->off;
            if (n > max)
                n = max;
            memcpy(buf, ev->out.data + ev->off, n);
            ev->off += n;
            if (ev->off == ev->out.len) {
                ev->out.len = ev->off = 0;
                ev->out.data[0] = 0;
            }
            return (ssize_t)n;
        }
        if (ev->ended)
            return MHD_CONTENT_READER_END_OF_STREAM;
        int64_t now = time_mono_ns();
        pthread_mutex_lock(&g.mu);
        if (ev->gone) {
            pthread_mutex_unlock(&g.mu);
            return MHD_CONTENT_READER_END_WITH_ERROR; /* close it: nobody is listening */
        }
        bool closing = ev->closing, woken = ev->woken;
        bool refresh_due = now >= ev->refresh_at, ping_due = now >= ev->ping_at;
        if (!closing && !woken && !refresh_due && !ping_due) {
            /* nothing to say: off the event loop until someone resumes it */
            ev->suspended = true;
            MHD_suspend_connection(ev->conn);
            pthread_mutex_unlock(&g.mu);
            return 0;
        }
        ev->woken = false;
        pthread_mutex_unlock(&g.mu);
        if (closing) {
            ev->ended = true;
            continue;
        }
        if (woken || refresh_due) {
            ev->refresh_at = now + ev->refresh_ns;
            if (ev->spec.refresh(ev->spec.ud, &ev->out, woken) != 0)
                ev->ended = true;
        }
        if (!ev->out.len && ping_due)
            sbuf_puts(&ev->out, ": ping\n\n");
        if (ev->out.len)
            ev->ping_at = now + ev->ping_ns;
    }
}

static void ev_free(void *cls)
{
    http_events_t *ev = cls;
    pthread_mutex_lock(&g.mu);
    unlink_ev(ev);
    pthread_mutex_unlock(&g.mu);
    if (ev->spec.free)
        ev->spec.free(ev->spec.ud);
    sbuf_free(&ev->out);
    free(ev);
}

bool http_send_events(http_req_t *req, const http_events_spec_t *spec)
{
    pthread_once(&g_once, init_cv);
    http_events_t *ev = calloc(1, sizeof *ev);
    if (!ev) {
        if (spec->free)
            spec->free(spec->ud);
        http_error(req, 503, "unavailable", "服务器繁忙，请稍后重试");
        return false;
    }
    ev->conn = req->conn;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    ev->fd = ci ? ci->connect_fd : -1;
    ev->spec = *spec;
    ev->ping_ns = (spec->ping_s > 0 ? spec->ping_s : 20) * SEC_NS;
    ev->refresh_ns = (spec->refresh_s > 0 ? spec->refresh_s : 60) * SEC_NS;
    int64_t now = time_mono_ns();
    ev->ping_at = now + ev->ping_ns;
    ev->refresh_at = now + ev->refresh_ns;
    ev->woken = true; /* the first refresh() as the body begins */
    sbuf_init(&ev->out);
    /* EventSource reconnects this long after a stream ends (a restart) */
    sbuf_puts(&ev->out, "retry: 5000\n\n");

    const char *why = NULL, *code = "too_many_streams";
    pthread_mutex_lock(&g.mu);
    if (g.closing) {
        why = "服务正在停止，请稍后重连";
        code = "unavailable";
    } else if (spec->max_streams > 0 && count_locked(spec->topic) >= spec->max_streams) {
        why = "同时打开的消息推送连接已达上限，请稍后重试";
    } else {
        link_ev(ev);
        if (!g.ticking) {
            g.stop = false;
            g.ticking = pthread_create(&g.ticker, NULL, ticker_main, NULL) == 0;
            if (!g.ticking)
                log_msg(LOG_SYSTEM, LOG_ERROR, "http.events_ticker", "无法启动事件流定时器");
        }
    }
    pthread_mutex_unlock(&g.mu);
    if (why) {
        ev_free(ev);
        http_error(req, 503, code, "%s", why);
        http_add_header(req, "Retry-After", "30");
        return false;
    }
    http_send_reader(req, 200, "text/event-stream; charset=utf-8", MHD_SIZE_UNKNOWN, ev_read, ev, ev_free);
    req->resp_block = 4096; /* events are small; a thousand streams need not hold 64 KiB each */
    /* a reverse proxy must pass each event on at once (nginx buffers otherwise) */
    http_add_header(req, "X-Accel-Buffering", "no");
    return true;
}

static int count_locked(const char *topic)
{
    int n = 0;
    for (int b = 0; b < NBUCKETS; b++)
        for (http_events_t *ev = g.bucket[b]; ev; ev = ev->next)
            n += !topic || !strcmp(ev->spec.topic, topic);
    return n;
}

int http_events_count(const char *topic)
{
    pthread_mutex_lock(&g.mu);
    int n = topic ? count_locked(topic) : g.count;
    pthread_mutex_unlock(&g.mu);
    return n;
}

static int wake(const char *topic, bool all, int64_t key)
{
    int n = 0;
    http_events_t *due = NULL;
    pthread_mutex_lock(&g.mu);
    if (g.count) {
        int b0 = all ? 0 : (int)bucket_of(key), b1 = all ? NBUCKETS : b0 + 1;
        for (int b = b0; b < b1; b++)
            for (http_events_t *ev = g.bucket[b]; ev; ev = ev->next)
                if ((all || ev->spec.key == key) && !strcmp(ev->spec.topic, topic)) {
                    ev->woken = true;
                    take(ev, &due);
                    n++;
                }
    }
    pthread_mutex_unlock(&g.mu);
    resume_chain(due);
    return n;
}

int http_events_wake(const char *topic, int64_t key) { return wake(topic, false, key); }
int http_events_wake_all(const char *topic) { return wake(topic, true, 0); }

void http_events_open(void)
{
    pthread_once(&g_once, init_cv);
    pthread_mutex_lock(&g.mu);
    g.closing = false;
    pthread_mutex_unlock(&g.mu);
}

void http_events_close_all(void)
{
    pthread_once(&g_once, init_cv);
    http_events_t *due = NULL;
    pthread_mutex_lock(&g.mu);
    g.closing = true;
    for (int b = 0; b < NBUCKETS; b++)
        for (http_events_t *ev = g.bucket[b]; ev; ev = ev->next) {
            ev->closing = true;
            take(ev, &due);
        }
    bool join = g.ticking;
    g.ticking = false;
    g.stop = true;
    pthread_cond_signal(&g.cv);
    pthread_mutex_unlock(&g.mu);
    resume_chain(due);
    if (join)
        pthread_join(g.ticker, NULL);
}
