/* session.c — see session.h. */
#include "auth/session.h"
#include "core/crypto.h"
#include "core/timeutil.h"
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
    if (now >= expires || now - seen > idle) {
        session_revoke(c, sid, now >= expires ? "expired" : "idle");
        return 1;
    }
    rc = auth_load_user(c, user, pol, a);
    if (rc != 0)
        return rc;
    str_lcpy(a->session_id, sid, sizeof a->session_id);
    str_lcpy(a->csrf, csrf, sizeof a->csrf);
    /* touch at most every idle/4 (and 30 s) to spare writes */
    int64_t every = idle / 4 < 30000 ? idle / 4 : 30000;
    if (touch && now - seen > every) {
        st = db_prepare(c, "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?");
        if (st) {
            db_bind_int64(st, 1, now);
            db_bind_text(st, 2, sid);
            db_step(st);
        }
        db_done(st);
    }
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
