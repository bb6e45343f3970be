/* auth.h — who is calling, what they may do and which data they may see.
 * Every module uses this to check permissions beyond the route's own, to
 * restrict queries to the caller's data scope, and to write the audit log.
 *
 * Data scope is enforced in SQL, never in the UI: list and detail queries
 * add auth_scope_*() conditions, so a row outside the scope is simply not
 * found (404, exactly like one that does not exist).
 */
#ifndef ZD_AUTH_H
#define ZD_AUTH_H
#include "core/qb.h"
#include "http/http.h"
#include <jansson.h>

typedef enum { SCOPE_SELF = 0, SCOPE_ORG = 1, SCOPE_SUBTREE = 2, SCOPE_ALL = 3 } auth_scope_t;

#define AUTH_MAX_PERMS 128

/* The caller, attached to the request by the middleware (http_auth_data). */
typedef struct {
    int64_t user_id, org_id;
    char username[64];
    char name[128];
    char org_path[256]; /* '/1/5/23/' */
    auth_scope_t scope; /* widest of the user's roles */
    int nperms;
    const char *perms[AUTH_MAX_PERMS]; /* sorted, interned (static strings) */
    bool via_token;
    bool must_change_password, password_expired, totp_enrolment_required;
    char session_id[65]; /* SHA-256 of the cookie, "" for tokens */
    char csrf[65];
    int64_t password_expires_at;
} auth_ctx_t;

/* ---- permission catalogue ---- */
typedef struct {
    const char *code;  /* "org.write" */
    const char *title; /* "维护组织机构" */
} auth_perm_t;

typedef struct {
    const char *group; /* "org" */
    const char *title; /* "组织机构" */
    const auth_perm_t *perms;
    size_t nperms;
} auth_perm_group_t;

/* Modules add their permission groups in init(); the identity module's
 * catalogue is built in. Not thread-safe: call before serving. */
void auth_register_permissions(const auth_perm_group_t *g);
/* The interned string of a known permission, or NULL. */
const char *auth_perm_lookup(const char *code);
/* [{"group","title","permissions":[{"code","title"}]}] */
json_t *auth_permissions_json(void);

/* A module's permission that a built-in role should hold by default (e.g.
 * lexicon.write for sys_admin). Granted once at start-up; an administrator
 * who removes it later is not overruled. Call in init(). */
void auth_grant_default(const char *role, const char *perm);
/* The registered default grants, for the identity module. */
size_t auth_default_grants(const char *const **roles, const char *const **perms);

/* Separation of duties (MLPS level 3: system, security and audit
 * administration apart): NULL when the permission set is fine, else the
 * reason. perms: JSON array of strings. */
const char *auth_sod_conflict(json_t *perms);

/* ---- the caller ---- */
const auth_ctx_t *auth_of(const http_req_t *req); /* NULL when anonymous */
bool auth_has(const http_req_t *req, const char *perm);
/* true when every permission of the JSON array is held by the caller */
bool auth_has_all(const http_req_t *req, json_t *perms);

/* {"id","username","name"} of a user for "who did it" displays, or null
 * when id is 0 or unknown. */
json_t *auth_user_ref(db_conn_t *c, int64_t id);

/* ---- data scope ---- */
/* Restricts organisations: appends " AND <path_col> LIKE ?" (or the caller's
 * own org, or nothing for SCOPE_ALL). */
void auth_scope_orgs(const http_req_t *req, qb_t *q, const char *org_alias);
/* Restricts business rows owned by an organisation (org_col) and created by
 * a user (creator_col, may be NULL): appends " AND (...)". */
void auth_scope_rows(const http_req_t *req, qb_t *q, const char *org_col, const char *creator_col);
/* Is organisation org_id inside the caller's scope? (for writes that name
 * an organisation: creating a user in it, moving under it). */
bool auth_org_in_scope(http_req_t *req, db_conn_t *c, int64_t org_id);

/* ---- audit ---- */
typedef struct {
    const char *action;      /* "org.create", "auth.login" ... */
    const char *target_type; /* "org", "user" ... or NULL */
    const char *target_id;   /* or NULL */
    int64_t target;          /* numeric target id, used when target_id is NULL and this is > 0 */
    const char *outcome;     /* "success" (default), "failure", "denied" */
    const char *detail;      /* short human text, or NULL */
    json_t *before, *after;  /* borrowed, or NULL; secrets must not be in them */
} audit_entry_t;

/* Appends a record on c (inside c's open transaction when there is one, so
 * the record commits or rolls back with the change it describes). User, org,
 * address and agent come from req when given. 0 on success. */
int audit_write(db_conn_t *c, http_req_t *req, const audit_entry_t *e);
/* As audit_write on the request's connection; failures are logged. */
void audit_req(http_req_t *req, const audit_entry_t *e);
/* Writes the record on the request's connection, then commits the open
 * transaction. false after answering 5xx (the change is rolled back with the
 * request). For the end of every audited write handler. */
bool audit_commit(http_req_t *req, db_conn_t *c, const audit_entry_t *e);
/* The end of an audited write handler: when ok (the change itself
 * succeeded) and body is given (or status is 204), writes the record,
 * commits and answers status with body; otherwise answers 5xx and the
 * transaction rolls back with the request. Steals body. */
void audit_reply(http_req_t *req, db_conn_t *c, bool ok, const audit_entry_t *e, int status, json_t *body);
/* Convenience: audit_req with action, target and outcome only. */
void audit_simple(http_req_t *req, const char *action, const char *target_type, int64_t target_id,
                  const char *outcome, const char *detail);
/* Walks the chain; 0 when intact (*checked records), else -1 with the id of
 * the first broken record in *broken_id and a reason in err. */
int audit_verify(db_t *db, int64_t *checked, int64_t *broken_id, char *err, size_t errlen);

/* ---- security policy (settings row "security.policy") ---- */
typedef struct {
    int password_min_length, password_min_classes, password_history, password_max_age_days;
    int lockout_threshold, lockout_minutes;
    int session_idle_minutes, session_max_hours;
    int login_rate_per_minute;
    bool must_change_on_reset;
    char totp_required_roles[8][32];
    int ntotp_roles;
} auth_policy_t;

/* The current policy (cached for a few seconds; edits on any node are seen
 * by all within that time). */
void auth_policy(db_t *db, auth_policy_t *out);
json_t *auth_policy_json(const auth_policy_t *p);
/* Validates and stores a partial update; NULL on success, else a JSON object
 * of field errors (caller decrefs). */
json_t *auth_policy_update(db_conn_t *c, json_t *patch, int64_t by, auth_policy_t *result);
void auth_policy_invalidate(void);

/* ---- middleware ---- */
/* The http_auth_hook: identifies the caller (session cookie or bearer
 * token), then enforces login, CSRF, pending password change / TOTP
 * enrolment, and the route's permission. */
int auth_middleware(http_req_t *req);
/* Settings the middleware needs (from config). */
void auth_configure(db_t *db, bool cookie_secure);
#define AUTH_COOKIE "zhendi_session"

#endif
