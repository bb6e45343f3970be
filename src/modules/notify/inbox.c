/* inbox.c — putting messages into inboxes (notify_user, notify_perm) and
 * waking the consoles that show them.
 *
 * Two ways a console learns of a change to its user's inbox:
 *   - this process wrote it: the transaction that wrote it wakes the user's
 *     streams after it commits (db_after_commit), so a message is never
 *     announced for a change that rolled back;
 *   - another node, a job's transaction elsewhere or a CLI command wrote
 *     it: a thread polls once a second for rows changed (updated_at) since
 *     the last poll, with two seconds of overlap for transactions that
 *     committed a little after they wrote, and wakes their users' streams.
 * A woken stream re-counts and sends only when the count changed, so a
 * wake too many costs one indexed COUNT. */
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/events.h"
#include "modules/identity/identity.h"
#include "modules/notify/internal.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TITLE_MAX 200
#define BODY_MAX  4000
#define LINK_MAX  500

int64_t notify_unread_count(db_conn_t *c, int64_t user_id)
{
    db_stmt_t *st = db_prepare(c, "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL "
                                  "AND deleted_at IS NULL");
    if (!st)
        return -1;
    db_bind_int64(st, 1, user_id);
    int64_t n = db_step(st) == DB_ROW ? db_col_int64(st, 0) : -1;
    db_done(st);
    return n;
}

static void wake_user(void *ud) { http_events_wake(NOTIFY_TOPIC, (int64_t)(intptr_t)ud); }

/* A copy of s with at most max characters, control characters (line
 * breaks too, when one_line) made spaces; NULL for NULL. Caller frees. */
static char *clean(const char *s, size_t max, bool one_line)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    if (!utf8_valid(s, n))
        return NULL;
    n = utf8_prefix(s, n, max);
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        bool ctl = ch < 0x20 || ch == 0x7f;
        out[i] = ctl && (one_line || (ch != '\n' && ch != '\t')) ? ' ' : (char)ch;
    }
    out[n] = 0;
    return out;
}

/* A console route: "/x…", not "//host" (another site) and no scheme. */
static bool link_ok(const char *l)
{
    return l && l[0] == '/' && l[1] != '/' && l[1] != '\\' && strlen(l) <= LINK_MAX && !strpbrk(l, " \r\n\t");
}

/* One message for a recipient already looked up; 0 or -1. */
static int insert(db_conn_t *c, const notify_msg_t *m, const identity_user_brief_t *u)
{
    int rc = -1;
    char *title = clean(m->title, TITLE_MAX, true);
    char *body = clean(m->body, BODY_MAX, false);
    const char *link = link_ok(m->link) ? m->link : NULL;
    if (m->link && !link)
        log_msg(LOG_SYSTEM, LOG_WARN, "notify.bad_link", "%2$s 消息的链接 %1$.80s 不是控制台页面，已去掉",
                m->link, m->kind);
    if (!title || !title[0] || (m->body && !body)) {
        log_msg(LOG_SYSTEM, LOG_ERROR, "notify.bad_message", "%s 消息的标题或正文不是有效的 UTF-8", m->kind);
        goto out;
    }
    int64_t now = time_now_ms(), org = m->org_id > 0 ? m->org_id : u->org_id;
    db_stmt_t *st = db_prepare(c, "INSERT INTO notifications (user_id, org_id, kind, title, body, link, "
                                  "created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                  "RETURNING id");
    if (!st)
        goto out;
    db_bind_int64(st, 1, u->id);
    db_bind_int64(st, 2, org);
    db_bind_text(st, 3, m->kind);
    db_bind_text(st, 4, title);
    db_bind_text(st, 5, body);
    db_bind_text(st, 6, link);
    db_bind_id(st, 7, m->created_by);
    db_bind_int64(st, 8, now);
    db_bind_int64(st, 9, now);
    int64_t id = db_step(st) == DB_ROW ? db_col_int64(st, 0) : 0;
    db_done(st);
    if (id <= 0)
        goto out;
    if (u->email[0] && notify_cfg.smtp_url[0]) {
        char payload[64];
        snprintf(payload, sizeof payload, "{\"notification_id\":%lld}", (long long)id);
        job_spec_t spec = {
            .kind = "notify.mail", .payload = payload, .org_id = org, .created_by = m->created_by};
        if (jobs_enqueue(c, &spec) < 0)
            goto out;
    }
    /* out of memory: the poll wakes the console a second later */
    db_after_commit(c, wake_user, (void *)(intptr_t)u->id);
    rc = 0;
out:
    free(title);
    free(body);
    return rc;
}

static bool msg_ok(const notify_msg_t *m)
{
    if (m && m->kind && m->kind[0] && m->title)
        return true;
    log_msg(LOG_SYSTEM, LOG_ERROR, "notify.bad_message", "消息缺少类型或标题");
    return false;
}

int notify_user(db_conn_t *c, const notify_msg_t *m)
{
    if (!msg_ok(m))
        return -1;
    identity_user_brief_t u;
    int rc = identity_user_brief(c, m->user_id, &u);
    if (rc <= 0 || !u.active)
        return rc < 0 ? -1 : 0; /* nobody to tell */
    /* outside a transaction the message and its e-mail job still go together */
    bool own = !db_in_tx(c);
    if (own && db_begin(c) != 0)
        return -1;
    rc = insert(c, m, &u);
    if (own) {
        if (rc == 0)
            rc = db_commit(c);
        else
            db_rollback(c);
    }
    return rc;
}

int notify_perm(db_conn_t *c, const char *perm, int64_t org_id, const char *org_type, int64_t except_user,
                const notify_msg_t *m)
{
    if (!msg_ok(m))
        return -1;
    int64_t ids[NOTIFY_MAX_RECIPIENTS];
    int n = 0;
    if (identity_users_with_perm(c, perm, org_id, org_type, except_user, NOTIFY_MAX_RECIPIENTS, ids, &n) != 0)
        return -1;
    if (n == NOTIFY_MAX_RECIPIENTS)
        log_msg(LOG_SYSTEM, LOG_WARN, "notify.capped", "发给持有 %2$s 权限者的 %1$s 消息达到 %3$d 人上限",
                m->kind, perm, NOTIFY_MAX_RECIPIENTS);
    bool own = !db_in_tx(c);
    if (own && db_begin(c) != 0)
        return -1;
    notify_msg_t one = *m;
    if (one.org_id <= 0)
        one.org_id = org_id;
    int sent = 0, rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        identity_user_brief_t u;
        rc = identity_user_brief(c, ids[i], &u);
        if (rc == 1) {
            rc = insert(c, &one, &u);
            sent += rc == 0;
        } else {
            rc = rc < 0 ? -1 : 0;
        }
    }
    if (own) {
        if (rc == 0)
            rc = db_commit(c);
        else
            db_rollback(c);
    }
    return rc == 0 ? sent : -1;
}

/* ---- the poll ---- */

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t th;
    bool running, stop;
    db_t *db;
} P = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

#define OVERLAP_MS 2000

/* Wakes the streams of the users whose messages changed since `since`. */
static void poll_once(db_t *db, int64_t since)
{
    db_conn_t *c = db_acquire(db);
    db_stmt_t *st =
        c ? db_prepare(c, "SELECT DISTINCT user_id FROM notifications WHERE updated_at >= ?") : NULL;
    if (st) {
        db_bind_int64(st, 1, since);
        while (db_step(st) == DB_ROW)
            http_events_wake(NOTIFY_TOPIC, db_col_int64(st, 0));
    }
    db_done(st);
    db_release(c);
}

static void *poll_main(void *arg)
{
    (void)arg;
    int64_t since = time_now_ms() - OVERLAP_MS;
    pthread_mutex_lock(&P.mu);
    while (!P.stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&P.cv, &P.mu, &ts);
        if (P.stop)
            break;
        pthread_mutex_unlock(&P.mu);
        int64_t start = time_now_ms();
        if (http_events_count(NOTIFY_TOPIC) > 0)
            poll_once(P.db, since);
        since = start - OVERLAP_MS;
        pthread_mutex_lock(&P.mu);
    }
    pthread_mutex_unlock(&P.mu);
    return NULL;
}

int notify_poll_start(db_t *db)
{
    pthread_mutex_lock(&P.mu);
    int rc = 0;
    if (!P.running) {
        P.db = db;
        P.stop = false;
        rc = pthread_create(&P.th, NULL, poll_main, NULL) == 0 ? 0 : -1;
        P.running = rc == 0;
    }
    pthread_mutex_unlock(&P.mu);
    return rc;
}

void notify_poll_stop(void)
{
    pthread_mutex_lock(&P.mu);
    bool join = P.running;
    P.stop = true;
    P.running = false;
    pthread_cond_signal(&P.cv);
    pthread_mutex_unlock(&P.mu);
    if (join)
        pthread_join(P.th, NULL);
}
