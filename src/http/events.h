/* events.h — Server-Sent Events (text/event-stream) without a thread per
 * open stream.
 *
 * A handler answers with http_send_events(): the response goes out with
 * chunked encoding and its body is produced by the facility. Whenever the
 * stream has nothing to send, its connection is suspended
 * (MHD_suspend_connection from the content reader), so an open console
 * costs a socket and a small struct, not one of the server's threads. It is
 * resumed by
 *   - http_events_wake(topic, key): something this stream shows changed
 *     (a module calls it, e.g. after the commit of a new message);
 *   - its refresh period (the module re-checks what it shows, the session);
 *   - its ping period (a ": ping" comment keeps proxies from closing it,
 *     and a write is how a vanished client is noticed);
 *   - the server stopping (http_server_quiesce ends every stream cleanly).
 * When resumed, refresh() runs on a server thread and writes the events to
 * send now. Streams are counted per topic, and a topic has a ceiling.
 *
 *     static int refresh(void *ud, sbuf_t *out, bool woken) {
 *         sbuf_printf(out, "event: unread\ndata: {\"count\":%d}\n\n", count_of(ud));
 *         return 0;
 *     }
 *     http_events_spec_t s = {.topic = "notify", .key = user_id, .max_streams = 1000,
 *                             .refresh = refresh, .free = free, .ud = state};
 *     http_send_events(req, &s);   // or 503 JSON when the topic is full
 *
 * Thread-safe. */
#ifndef ZD_HTTP_EVENTS_H
#define ZD_HTTP_EVENTS_H
#include "core/str.h"
#include "http/http.h"

typedef struct {
    const char *topic; /* static string: streams are counted and woken by topic */
    int64_t key;       /* what http_events_wake(topic, key) names (a user id) */
    int max_streams;   /* open streams of this topic at most; beyond it: 503 (0: no ceiling) */
    int ping_s;        /* a ": ping" comment after this many silent seconds (0: 20) */
    int refresh_s;     /* refresh() at least this often (0: 60) */
    /* Appends the events to send now to out ("event: x\ndata: …\n\n"; out
     * may stay empty). Runs when the stream opens (woken true), after a
     * wake (true) and every refresh_s (false); on a server thread, never
     * twice at once for one stream, never holding the facility's lock (it
     * may use the database). 0 to go on, -1 to end the stream after what it
     * wrote (the session ended). */
    int (*refresh)(void *ud, sbuf_t *out, bool woken);
    void (*free)(void *ud); /* when the stream is gone (also when it never opened); may be NULL */
    void *ud;
} http_events_spec_t;

/* Answers req with the event stream (200 text/event-stream); the first
 * refresh() runs as the body begins. false after answering 503
 * (too_many_streams, or the server is stopping) — spec->free(ud) has run
 * either way when the stream is over or refused. */
bool http_send_events(http_req_t *req, const http_events_spec_t *spec);

/* Wakes the streams of topic opened with key: their refresh() runs soon on
 * a server thread. Returns how many were woken. Cheap when none is open. */
int http_events_wake(const char *topic, int64_t key);
/* Wakes every stream of the topic. */
int http_events_wake_all(const char *topic);
/* Open streams of the topic (all topics: NULL). */
int http_events_count(const char *topic);

#endif
