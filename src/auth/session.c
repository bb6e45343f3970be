/* session.c — see session.h. */
#include "auth/session.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/timeutil.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

void session_id_of(const char *cookie, char out[65]) { crypto_sha256_hex(cookie, strlen(cookie), out); }

int session_create(db_conn_t *c, int64_t user_id, const char *ip, const char *ua, const auth_policy_t *pol,
                   char cookie[65], char csrf[65])
{
    char sid[65];
    crypto_random_hex(32, cookie);
    crypto_random_hex(32, csrf);
    session_id_of(cookie, sid);
    int64_t now = time_now_ms();
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO sessions (token_hash, user_id, csrf, ip, user_agent, created_at, "
                      "last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return -1;
    char agent[257];
    str_lcpy(agent, ua ? ua : "", sizeof agent);
    agent[utf8_prefix(agent, strlen(agent), 256)] = 0;
    db_bind_text(st, 1, sid);
    db_bind_int64(st, 2, user_id);
    db_bind_text(st, 3, csrf);
    db_bind_text(st, 4, ip);
    db_bind_text(st, 5, agent);
    db_bind_int64(st, 6, now);
    db_bind_int64(st, 7, now);
    db_bind_int64(st, 8, now + (int64_t)pol->session_max_hours * 3600000);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

int session_revoke(db_conn_t *c, const char *sid, const char *reason)
{
    db_stmt_t *st = db_prepare(c, "UPDATE sessions SET revoked_at = ?, revoked_reason = ? "
                                  "WHERE token_hash = ? AND revoked_at IS NULL");
    if (!st)
        return -1;
    db_bind_int64(st, 1, time_now_ms());
    db_bind_text(st, 2, reason);
    db_bind_text(st, 3, sid);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

int session_revoke_user(db_conn_t *c, int64_t user_id, const char *reason)
{
    /* the account's API tokens go with its sessions: a reset, a disable, a
     * change of roles or a forced logout leaves no way in */
    static const char *const sql[] = {
        "UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE user_id = ? AND revoked_at IS NULL",
        "UPDATE api_tokens SET revoked_at = ?, revoked_reason = ? WHERE user_id = ? AND revoked_at IS NULL"};
    int64_t now = time_now_ms();
    for (size_t i = 0; i < 2; i++) {
        db_stmt_t *st = db_prepare(c, sql[i]);
        if (!st)
            return -1;
        db_bind_int64(st, 1, now);
        db_bind_text(st, 2, reason);
        db_bind_int64(st, 3, user_id);
        int rc = db_step(st);
        db_done(st);
        if (rc != DB_DONE)
            return -1;
    }
    return 0;
}

int session_revoke_token(db_conn_t *c, int64_t token_id, int64_t user_id, const char *reason)
{
    db_stmt_t *st = db_prepare(c, "UPDATE api_tokens SET revoked_at = ?, revoked_reason = ? "
                                  "WHERE id = ? AND user_id = ? AND revoked_at IS NULL");
    if (!st)
        return -1;
    db_bind_int64(st, 1, time_now_ms());
    if (reason)
        db_bind_text(st, 2, reason);
    else
        db_bind_null(st, 2);
    db_bind_int64(st, 3, token_id);
    db_bind_int64(st, 4, user_id);
    int rc = db_step(st);
    db_done(st);
    return rc != DB_DONE ? -1 : db_changes(c) > 0;
}

char *session_cookie(http_req_t *req, const char *value, int max_age_s)
{
    /* Secure when configured, and always when the trusted proxy says HTTPS */
    bool secure = session_cookie_secure() || http_via_tls(req);
    return http_printf(req, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s", AUTH_COOKIE, value,
                       max_age_s, secure ? "; Secure" : "");
}

/* ---- the touch of last_seen_at, written behind ----
 * A request that finds its session's last_seen_at older than the touch
 * interval queues the touch here instead of writing it: one write
 * transaction (and on SQLite one fsync) outside the request, shared by every
 * session touched in the last second, and none competing with the request's
 * own transaction for the one writer. The identity module's thread flushes
 * the queue about once a second (session_touch_flush) and at a clean stop.
 * This node honours its pending touches at once (session_lookup reads them);
 * another node sees them after the flush, ≤ ~1 s later, against an idle
 * limit of at least a minute. Without the thread (the command line), or with
 * the queue full, a touch is written at once as before. */
enum { TOUCH_MAX = 4096 };
typedef struct {
    char sid[65];
    int64_t at;
} touch_t;
static struct {
    pthread_mutex_t mu;
    bool behind;          /* a thread flushes the queue */
    touch_t q[TOUCH_MAX]; /* pending touches, one per session */
    int n;
} TQ = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void touch_row(db_conn_t *c, const char *sid, int64_t now)
{
    db_stmt_t *st = db_prepare(c, "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?");
    if (st) {
        db_bind_int64(st, 1, now);
        db_bind_text(st, 2, sid);
        db_step(st);
    }
    db_done(st);
}

/* the pending touch of a session, or 0 (the caller holds no lock) */
static int64_t touch_pending(const char *sid)
{
    int64_t at = 0;
    pthread_mutex_lock(&TQ.mu);
    for (int i = 0; i < TQ.n; i++)
        if (memcmp(TQ.q[i].sid, sid, 64) == 0) {
            at = TQ.q[i].at;
            break;
        }
    pthread_mutex_unlock(&TQ.mu);
    return at;
}

/* queues the touch; false when it must be written now (no thread, queue full) */
static bool touch_later(const char *sid, int64_t now)
{
    bool ok = false;
    pthread_mutex_lock(&TQ.mu);
    if (TQ.behind) {
        for (int i = 0; i < TQ.n && !ok; i++)
            if (memcmp(TQ.q[i].sid, sid, 64) == 0) {
                if (now > TQ.q[i].at)
                    TQ.q[i].at = now;
                ok = true;
            }
        if (!ok && TQ.n < TOUCH_MAX) {
            str_lcpy(TQ.q[TQ.n].sid, sid, sizeof TQ.q[TQ.n].sid);
            TQ.q[TQ.n++].at = now;
            ok = true;
        }
    }
    pthread_mutex_unlock(&TQ.mu);
    return ok;
}

void session_touch_behind(bool on)
{
    pthread_mutex_lock(&TQ.mu);
    TQ.behind = on;
    pthread_mutex_unlock(&TQ.mu);
}

static int cmp_touch(const void *a, const void *b)
{
    return strcmp(((const touch_t *)a)->sid, ((const touch_t *)b)->sid);
}

int session_touch_flush(db_t *db)
{
    static pthread_mutex_t flush_mu = PTHREAD_MUTEX_INITIALIZER; /* one flush at a time */
    pthread_mutex_lock(&flush_mu);
    pthread_mutex_lock(&TQ.mu);
    int n = TQ.n;
    touch_t *s = n ? malloc((size_t)n * sizeof *s) : NULL;
    if (s)
        memcpy(s, TQ.q, (size_t)n * sizeof *s);
    pthread_mutex_unlock(&TQ.mu);
    if (!s) {
        pthread_mutex_unlock(&flush_mu);
        return n ? -1 : 0;
    }
    /* rows in one order on every node: two flushes lock them without a deadlock */
    qsort(s, (size_t)n, sizeof *s, cmp_touch);
    db_conn_t *c = db_acquire(db);
    int rc = c ? db_begin(c) : -1;
    for (int i = 0; rc == 0 && i < n; i++) {
        db_stmt_t *st = db_prepare(c, "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ? "
                                      "AND revoked_at IS NULL AND last_seen_at < ?");
        if (!st) {
            rc = -1;
            break;
        }
        db_bind_int64(st, 1, s[i].at);
        db_bind_text(st, 2, s[i].sid);
        db_bind_int64(st, 3, s[i].at);
        rc = db_step(st) == DB_DONE ? 0 : -1;
        db_done(st);
    }
    if (c && rc == 0)
        rc = db_commit(c);
    else if (c)
        db_rollback(c);
    if (rc != 0)
        log_msg(LOG_SYSTEM, LOG_ERROR, "session.touch_failed",
                "会话活动时间写入失败（%d 条待写，下次重试）：%s", n,
                c ? db_errmsg(c) : "没有可用的数据库连接");
    db_release(c);
    /* written: drop the touches not renewed meanwhile */
    pthread_mutex_lock(&TQ.mu);
    for (int i = 0; rc == 0 && i < n; i++)
        for (int k = 0; k < TQ.n; k++)
            if (memcmp(TQ.q[k].sid, s[i].sid, 64) == 0) {
                if (TQ.q[k].at <= s[i].at)
                    TQ.q[k] = TQ.q[--TQ.n];
                break;
            }
    pthread_mutex_unlock(&TQ.mu);
    free(s);
    pthread_mutex_unlock(&flush_mu);
    return rc == 0 ? 0 : -1;
}

int session_lookup(db_conn_t *c, const char *cookie, const auth_policy_t *pol, auth_ctx_t *a, bool touch)
{
    char sid[65];
    if (strlen(cookie) != 64)
        return 1;
    session_id_of(cookie, sid);
    int64_t now = time_now_ms();
    db_stmt_t *st = db_prepare(c, "SELECT user_id, csrf, last_seen_at, expires_at FROM sessions "
                                  "WHERE token_hash = ? AND revoked_at IS NULL");
    if (!st)
        return -1;
    db_bind_text(st, 1, sid);
    int rc = db_step(st);
    int64_t user = 0, seen = 0, expires = 0;
    char csrf[65] = "";
    if (rc == DB_ROW) {
        user = db_col_int64(st, 0);
        str_lcpy(csrf, db_col_text(st, 1), sizeof csrf);
        seen = db_col_int64(st, 2);
        expires = db_col_int64(st, 3);
    }
    db_done(st);
    if (rc != DB_ROW)
        return rc == DB_DONE ? 1 : -1;
    int64_t idle = (int64_t)pol->session_idle_minutes * 60000;
    int64_t every = idle / 4 < 30000 ? idle / 4 : 30000;
    if (now - seen > every) { /* a touch of this node not written yet counts */
        int64_t later = touch_pending(sid);
        if (later > seen)
            seen = later;
    }
    if (now >= expires || now - seen > idle) {
        session_revoke(c, sid, now >= expires ? "expired" : "idle");
        return 1;
    }
    rc = auth_load_user(c, user, pol, a);
    if (rc != 0)
        return rc;
    str_lcpy(a->session_id, sid, sizeof a->session_id);
    str_lcpy(a->csrf, csrf, sizeof a->csrf);
    /* touch at most every idle/4 (and 30 s) to spare writes; written behind
     * while the flushing thread runs */
    if (touch && now - seen > every && !touch_later(sid, now))
        touch_row(c, sid, now);
    return 0;
}

int session_still_valid(db_conn_t *c, const auth_ctx_t *a, const auth_policy_t *pol)
{
    int64_t now = time_now_ms();
    db_stmt_t *st;
    if (a->via_token) {
        st = db_prepare(c, "SELECT 1 FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ? "
                           "AND t.revoked_at IS NULL AND t.expires_at > ? AND u.status = 'active'");
        if (!st)
            return -1;
        db_bind_int64(st, 1, a->token_id);
        db_bind_int64(st, 2, now);
    } else {
        st = db_prepare(c, "SELECT 1 FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? "
                           "AND s.revoked_at IS NULL AND s.expires_at > ? AND s.last_seen_at >= ? "
                           "AND u.status = 'active'");
        if (!st)
            return -1;
        db_bind_text(st, 1, a->session_id);
        db_bind_int64(st, 2, now);
        db_bind_int64(st, 3, now - (int64_t)pol->session_idle_minutes * 60000);
    }
    int rc = db_step(st);
    db_done(st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}
