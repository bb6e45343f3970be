/* stream.c — GET /api/v1/notifications/stream: the unread count of the
 * caller, pushed as Server-Sent Events (http/events.h).
 *
 *     event: unread
 *     data: {"count":3}
 *
 * on connect (whatever Last-Event-ID says: the count is the whole state)
 * and whenever the count changes; ": ping" every 20 s (the facility);
 * "event: end" when the session has ended (logout, expiry, idle time, a
 * disabled account), checked at every wake and at least every minute,
 * after which the stream closes. The stream does not touch the session: an open
 * console does not keep an idle session alive. */
#include "auth/session.h"
#include "http/events.h"
#include "modules/notify/internal.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
    /* what identifies the caller's session (or token), as the middleware found it */
    int64_t user_id, token_id;
    bool via_token;
    char session_id[65];
    int64_t last; /* the count last sent; -1: none yet */
} stream_t;

static int refresh(void *ud, sbuf_t *out, bool woken)
{
    stream_t *s = ud;
    db_conn_t *c = db_acquire(notify_db());
    if (!c)
        return 0; /* the database is busy: the next wake or minute tries again */
    (void)woken;  /* a wake or the minute: the session first, then the count */
    auth_policy_t pol;
    auth_policy(notify_db(), &pol);
    auth_ctx_t a = {.user_id = s->user_id, .token_id = s->token_id, .via_token = s->via_token};
    memcpy(a.session_id, s->session_id, sizeof a.session_id);
    /* a database error keeps the stream: it shows nothing but its own count */
    if (session_still_valid(c, &a, &pol) == 0) {
        db_release(c);
        sbuf_puts(out, "event: end\ndata: {\"reason\":\"session\"}\n\n");
        return -1;
    }
    int64_t n = notify_unread_count(c, s->user_id);
    db_release(c);
    if (n >= 0 && n != s->last) {
        sbuf_printf(out, "event: unread\ndata: {\"count\":%lld}\n\n", (long long)n);
        s->last = n;
    }
    return 0;
}

void notify_stream(http_req_t *req)
{
    const auth_ctx_t *a = auth_of(req);
    if (notify_cfg.max_streams == 0) {
        http_error(req, 503, "too_many_streams", "消息推送已关闭，请刷新未读数");
        return;
    }
    stream_t *s = malloc(sizeof *s);
    if (!s) {
        http_error(req, 503, "unavailable", "服务器繁忙，请稍后重试");
        return;
    }
    s->user_id = a->user_id;
    s->token_id = a->token_id;
    s->via_token = a->via_token;
    memcpy(s->session_id, a->session_id, sizeof s->session_id);
    s->last = -1;
    http_events_spec_t spec = {.topic = NOTIFY_TOPIC,
                               .key = a->user_id,
                               .max_streams = (int)notify_cfg.max_streams,
                               .ping_s = 20,
                               .refresh_s = 60,
                               .refresh = refresh,
                               .free = free,
                               .ud = s};
    http_send_events(req, &spec);
}
