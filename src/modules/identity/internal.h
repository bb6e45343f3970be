/* internal.h — shared pieces of the identity module's files (organisations,
 * users, roles, authentication, audit API). Private to the module: others
 * use identity.h and auth/auth.h. */
#ifndef ZD_IDENTITY_INTERNAL_H
#define ZD_IDENTITY_INTERNAL_H
#include "auth/auth.h"
#include "auth/resource.h"
#include "http/valid.h"
#include "modules/identity/identity.h"
#include "modules/module.h"

/* module state */
typedef struct {
    const config_t *cfg;
    db_t *db;
    const http_server_t *http; /* the route tables (audit labels); NULL for CLI commands */
} identity_t;
extern identity_t identity_ctx;

int identity_auth_routes(zd_app_t *app, char *err, size_t errlen);
int identity_org_routes(zd_app_t *app, char *err, size_t errlen);
int identity_user_routes(zd_app_t *app, char *err, size_t errlen);
int identity_role_routes(zd_app_t *app, char *err, size_t errlen);
int identity_audit_routes(zd_app_t *app, char *err, size_t errlen);
int identity_demo(zd_app_t *app, char *err, size_t errlen);
extern const zd_command_t identity_commands[];

/* ---- organisations ---- */
extern const char *const identity_org_types[]; /* NULL-terminated */
const char *identity_org_type_title(const char *type);
/* May an organisation of type child sit under one of type parent (NULL for
 * the root)? */
bool identity_org_type_allowed(const char *parent, const char *child);
/* Inserts an organisation (and its history row) on c inside the caller's
 * transaction; returns its id, or -1 (db error) / -2 (code taken) / -3 (the
 * tree would be deeper than AUTH_ORG_MAX_DEPTH or the path too long). */
/* Keeps orgs.name_pinyin of one organisation (after its name is written,
 * in the caller's transaction): 0, or -1 on a database error. */
int identity_org_pinyin(db_conn_t *c, int64_t id, const char *name);
/* Fills name_pinyin where it is missing (rows from before it existed). */
int identity_org_pinyin_backfill(db_t *db);
int64_t identity_org_insert(db_conn_t *c, int64_t parent_id, const char *type, const char *code,
                            const char *name, json_t *extra, int64_t by);

/* An organisation's history row (create, update, move, import ...) inside
 * the caller's transaction. 0 or -1. */
int identity_org_history(db_conn_t *c, int64_t org, const char *action, int64_t from, int64_t to,
                         json_t *changes, const char *reason, int64_t by);
/* The validation of an organisation's own fields (orgs.c), for imports. */
extern const vfield_t identity_org_fields[];
extern const size_t identity_org_nfields;
/* POST /api/v1/orgs/import and its job (org_import.c). */
void identity_org_import(http_req_t *req);
/* GET /orgs/import-template: the import's columns and an example row */
void identity_org_import_template(http_req_t *req);
int identity_org_import_init(zd_app_t *app, char *err, size_t errlen);

/* ---- users ---- */
/* Creates a user inside the caller's transaction with the given role names;
 * password_hash is an encoded argon2id hash. Returns the id or -1/-2 (taken). */
int64_t identity_user_insert(db_conn_t *c, const char *username, const char *name, int64_t org_id,
                             const char *password_hash, bool must_change, bool provisioned, const char *phone,
                             const char *email, json_t *roles, int64_t by);
/* Field checks of a phone number and an e-mail address (empty is allowed):
 * NULL when acceptable, else the reason (vfield_t check functions). */
const char *identity_check_phone(json_t *v);
const char *identity_check_email(json_t *v);
/* 138****5678 style mask into out. */
void identity_phone_mask(const char *phone, char *out, size_t outsz);
/* Role names of a user as a JSON array. */
json_t *identity_user_roles_json(db_conn_t *c, int64_t user_id);
/* The user object of docs/api.md for id, visible to the caller; NULL if not
 * found or outside the scope. full_phone decrypts the phone. */
json_t *identity_user_load(http_req_t *req, db_conn_t *c, int64_t id, bool full_phone);
/* Records a new password: hash into users and password_history. */
int identity_set_password(db_conn_t *c, int64_t user_id, const char *hash, bool must_change);
/* NULL when pw is acceptable for the user under the policy (rules and the
 * last N passwords), else the reason. */
const char *identity_password_acceptable(db_conn_t *c, int64_t user_id, const char *username, const char *pw,
                                         const auth_policy_t *pol);

/* ---- roles ---- */
/* Built-in roles and their default permissions, granted once. */
int identity_roles_ensure_builtin(db_t *db, char *err, size_t errlen);
/* Checks that the caller may give these role names to someone (no
 * escalation: role.write, or roles within the caller's permissions and
 * scope). NULL when fine, else the reason; *unknown set for a missing role. */
const char *identity_roles_grantable(http_req_t *req, db_conn_t *c, json_t *roles, bool *unknown);
int identity_roles_assign(db_conn_t *c, int64_t user_id, json_t *roles);
/* Replaces the rows linking owner to a set of strings: delete_sql has one
 * parameter (owner), insert_sql two (owner, value). 0 on success. */
int identity_replace_links(db_conn_t *c, const char *delete_sql, const char *insert_sql, int64_t owner,
                           json_t *values);

/* ---- API tokens ---- */
#define TOKEN_COLS                                                                                           \
    "id, name, prefix, permissions, expires_at, last_used_at, revoked_at, created_at, revoked_reason"
/* A token as lists show it (never the secret). */
json_t *identity_token_json(db_stmt_t *st);

/* ---- misc ---- */
/* The module's items of the home page's to-do list (audit_api.c). */
int identity_todo(http_req_t *req, db_conn_t *c, json_t *items);
/* The users' resource descriptor (users.c). */
extern const zd_resource_t identity_users;

#endif
