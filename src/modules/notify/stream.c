/* stream.c — GET /api/v1/notifications/stream: the unread count of the
 * caller, pushed as Server-Sent Events (http/events.h).
 *
 *     event: unread
 *     data: {"count":3}
 *
 * on connect (whatever Last-Event-ID says: the count is the whole state)
 * and whenever the count changes; ": ping" every 20 s (the facility);
 * "event: end" when the session has ended (logout, expiry, idle time, a
 * disabled account), checked at least every minute and at a wake, after
 * which the stream closes. The stream does not touch the session: an open
 * console does not keep an idle session alive. */
#include "auth/session.h"
#include "core/timeutil.h"
#include "http/events.h"
#include "modules/notify/internal.h"
#include <stdlib.h>

#define CHECK_EVERY_MS 10000 /* a wake re-checks the session at most this often */

typedef struct {
    auth_ctx_t auth; /* the caller as the middleware found them */
    int64_t last;    /* the count last sent; -1: none yet */
    int64_t checked_at;
} stream_t;

static int refresh(void *ud, sbuf_t *out, bool woken)
{
    stream_t *s = ud;
    db_conn_t *c = db_acquire(notify_db());
    if (!c)
        return 0; /* the database is busy: the next wake or minute tries again */
    int64_t now = time_now_ms();
    if (!woken || now - s->checked_at >= CHECK_EVERY_MS) {
        auth_policy_t pol;
        auth_policy(notify_db(), &pol);
        int alive = session_still_valid(c, &s->auth, &pol);
        if (alive == 0) {
            db_release(c);
            sbuf_puts(out, "event: end\ndata: {\"reason\":\"session\"}\n\n");
            return -1;
        }
        if (alive == 1)
            s->checked_at = now;
    }
    int64_t n = notify_unread_count(c, s->auth.user_id);
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
    s->auth = *a;
    s->last = -1;
    s->checked_at = time_now_ms(); /* the middleware has just checked it */
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
