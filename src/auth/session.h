/* session.h — server-side sessions, for the middleware and the identity
 * module (login, logout, forced logout). The cookie carries 32 random bytes
 * (hex); the database keeps only their SHA-256, so a copy of the database
 * does not hand out live sessions. */
#ifndef ZD_SESSION_H
#define ZD_SESSION_H
#include "auth/auth.h"

/* SHA-256 hex of a cookie value: the sessions.id. */
void session_id_of(const char *cookie, char out[65]);
/* Creates a session; cookie_out and csrf_out get 64 hex characters each. */
int session_create(db_conn_t *c, int64_t user_id, const char *ip, const char *user_agent,
                   const auth_policy_t *pol, char cookie_out[65], char csrf_out[65]);
/* The caller behind a session cookie: checks revocation, idle time and
 * lifetime, loads user, roles and scope into a, and — when touch — touches
 * last_seen_at now and then (a background request of an open console,
 * HTTP_PASSIVE, is not the user's activity and does not). 0 found, 1 no
 * valid session, -1 database error. */
int session_lookup(db_conn_t *c, const char *cookie, const auth_policy_t *pol, auth_ctx_t *a, bool touch);
/* The touch of last_seen_at written behind (session.c): on, session_lookup
 * queues it and the caller's thread writes the queue with
 * session_touch_flush about once a second, and once more after turning it
 * off at a clean stop. 0 written (or nothing to write), -1 failed (the
 * touches stay queued for the next try). */
void session_touch_behind(bool on);
int session_touch_flush(db_t *db);
/* Is the session or API token behind a (as the middleware filled it) still
 * good — not revoked, not past its lifetime or idle time, its user active?
 * For requests that outlive their authentication (an event stream). Touches
 * nothing. 1 yes, 0 no, -1 database error. */
int session_still_valid(db_conn_t *c, const auth_ctx_t *a, const auth_policy_t *pol);
/* Ends one session / all of a user's sessions and API tokens; 0 on success
 * (also when none). */
int session_revoke(db_conn_t *c, const char *session_id, const char *reason);
int session_revoke_user(db_conn_t *c, int64_t user_id, const char *reason);
/* One live API token of the user: 1 revoked, 0 none such (unknown, another
 * user's or already revoked), -1 database error. reason NULL: the owner's. */
int session_revoke_token(db_conn_t *c, int64_t token_id, int64_t user_id, const char *reason);
/* Set-Cookie values: a live session, and one that clears it. */
char *session_cookie(http_req_t *req, const char *value, int max_age_s);
bool session_cookie_secure(void);
/* Fills a from the user's row, roles and the policy. 0 found and active,
 * 1 missing or disabled, -1 database error. */
int auth_load_user(db_conn_t *c, int64_t user_id, const auth_policy_t *pol, auth_ctx_t *a);

#endif
