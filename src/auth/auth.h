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

/* Data scope, narrowest first. SCOPE_NONE: the permission is not held. */
typedef enum {
    SCOPE_NONE = -1,
    SCOPE_SELF = 0,
    SCOPE_ORG = 1,
    SCOPE_SUBTREE = 2,
    SCOPE_ALL = 3
} auth_scope_t;

/* Organisation paths ('/1/5/23/') are refused when they would be this long
 * or longer, and the tree is at most this deep (the city is depth 0): a path
 * is never cut, so a subtree condition never widens. */
#define AUTH_ORG_PATH_MAX  256
#define AUTH_ORG_MAX_DEPTH 12

#define AUTH_MAX_PERMS 128

/* The caller, attached to the request by the middleware (http_auth_data). */
typedef struct {
    int64_t user_id, org_id;
    char username[64];
    char name[128];
    char org_path[AUTH_ORG_PATH_MAX]; /* '/1/5/23/' */
    char org_type[32];                /* city, district, street … (the organisation's level) */
    auth_scope_t scope;               /* widest of the user's roles (the organisation directory) */
    int nperms;
    const char *perms[AUTH_MAX_PERMS];       /* sorted, interned (static strings) */
    auth_scope_t perm_scope[AUTH_MAX_PERMS]; /* per permission: the widest of the roles granting it */
    int64_t token_id;                        /* the API token used, 0 for a session */
    bool via_token;
    bool must_change_password, password_expired, totp_enrolment_required;
    char session_id[65]; /* SHA-256 of the cookie, "" for tokens */
    char csrf[65];
    int64_t password_expires_at;
} auth_ctx_t;

/* ---- permission catalogue ---- */
/* Which of the three separated administrations (三员分立, MLPS level 3) a
 * permission belongs to. A role or a user holding security or audit powers
 * holds nothing else (reads included) but the directory reads every
 * administrator needs to find people; system administration may be held
 * with business permissions (e.g. maintaining the proofreading lexicons). */
typedef enum {
    AUTH_DUTY_BUSINESS = 0, /* the default: business work */
    AUTH_DUTY_DIRECTORY,    /* reading organisations and users: any duty */
    AUTH_DUTY_SYSTEM,
    AUTH_DUTY_SECURITY,
    AUTH_DUTY_AUDIT,
} auth_duty_t;

typedef struct {
    const char *code;  /* "org.write" */
    const char *title; /* "维护组织机构" */
    auth_duty_t duty;
} auth_perm_t;

typedef struct {
    const char *group; /* "org" */
    const char *title; /* "组织机构" */
    const auth_perm_t *perms;
    size_t nperms;
} auth_perm_group_t;

/* Modules bring their permission groups (zd_module_t.permissions); they are
 * registered before any module's init(). Not thread-safe: before serving.
 * -1 when a code is registered twice. */
int auth_register_permissions(const auth_perm_group_t *g);
/* Forgets every registered group (tests, and a process opening the app twice). */
void auth_permissions_reset(void);
/* The duty of a known permission (AUTH_DUTY_BUSINESS for an unknown one). */
auth_duty_t auth_perm_duty(const char *code);
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
 * administration apart, see auth_duty_t): NULL when the permission set is
 * fine, else the reason. perms: JSON array of strings. */
const char *auth_sod_conflict(json_t *perms);

/* ---- the caller ---- */
const auth_ctx_t *auth_of(const http_req_t *req); /* NULL when anonymous */
bool auth_has(const http_req_t *req, const char *perm);
/* The caller's data scope through permission perm: the widest scope among
 * the roles that grant it; SCOPE_NONE when not held (or anonymous). */
auth_scope_t auth_scope_for(const http_req_t *req, const char *perm);
/* The scope of what the request does: the route's permission's scope; on a
 * route open to any logged-in user, the widest scope of the caller's roles. */
auth_scope_t auth_route_scope(const http_req_t *req);
/* true when every permission of the JSON array is held by the caller */
bool auth_has_all(const http_req_t *req, json_t *perms);

/* {"id","username","name"} of a user for "who did it" displays, or null
 * when id is 0 or unknown. */
json_t *auth_user_ref(db_conn_t *c, int64_t id);

/* ---- data scope ----
 * Queries get their scope from a resource descriptor (auth/resource.h).
 * These are its building blocks. */
/* Appends " AND (...)" restricting rows to scope s of the caller: rows owned
 * by organisations in the caller's subtree (org_col, or path_col when the
 * rows are organisations), by the caller's organisation, or created by the
 * caller (creator_col; NULL: none at all). SCOPE_NONE or anonymous: none. */
void auth_scope_cond(const http_req_t *req, qb_t *q, auth_scope_t s, const char *org_col,
                     const char *path_col, const char *creator_col);
/* Is organisation org_id inside the scope of what the request does? (for
 * writes that name an organisation: creating a user in it, moving under it) */
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
    /* the actor when there is no request (a job acting for the user who
     * asked for it): user id, user name, organisation */
    int64_t actor_id, actor_org;
    const char *actor_name;
} audit_entry_t;

/* Appends a record on c (inside c's open transaction when there is one, so
 * the record commits or rolls back with the change it describes). User, org,
 * address and agent come from req when given. 0 on success. */
int audit_write(db_conn_t *c, http_req_t *req, const audit_entry_t *e);
/* As audit_write on the request's connection. Fails closed: false after
 * answering 5xx when the record could not be written, and the action it
 * records must then not happen (an export is not sent). */
bool audit_req(http_req_t *req, const audit_entry_t *e);
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
bool audit_simple(http_req_t *req, const char *action, const char *target_type, int64_t target_id,
                  const char *outcome, const char *detail);
/* The file outside the database where audit_anchor() appends the chain's
 * head (NULL/"": none). Call before serving. */
void audit_configure(const char *anchor_path);
/* Appends the newest record's (seq, hash, mac) to the anchor file and the
 * system log, when it is newer than the last anchor. 0, or -1. Thread-safe. */
int audit_anchor(db_t *db);
/* Walks the chain, its keyed macs and the anchors; 0 when intact (*checked
 * records), else -1 with the id of the first broken record in *broken_id
 * (for a cut-off tail: the first missing seq) and a reason in err. */
int audit_verify(db_t *db, int64_t *checked, int64_t *broken_id, char *err, size_t errlen);

/* ---- security policy (settings row "security.policy") ---- */
typedef struct {
    int password_min_length, password_min_classes, password_history, password_max_age_days;
    int lockout_threshold, lockout_minutes;
    int session_idle_minutes, session_max_hours;
    int login_rate_per_minute;    /* failed logins per (address, user name) per minute */
    int login_address_per_minute; /* all login attempts per address per minute (an office's NAT) */
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
