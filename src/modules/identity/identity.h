/* identity.h — the identity module's public face: organisations, users,
 * roles, sessions, API tokens and the audit log. Other modules ask who is
 * calling, check permissions, scope their queries and write audit records
 * through auth/auth.h and auth/resource.h; this header adds the module
 * itself. The module's own files share modules/identity/internal.h. */
#ifndef ZD_IDENTITY_H
#define ZD_IDENTITY_H
#include "auth/resource.h"
#include "modules/module.h"

extern const zd_module_t identity_module;
/* The users' resource descriptor: a module listing users (a picker of
 * reviewers, say) scopes them as the user pages do. */
extern const zd_resource_t identity_users;

/* ---- people, for other modules (lookup.c); c may be inside a transaction ---- */

/* One user's particulars. */
typedef struct {
    int64_t id, org_id;
    char username[64];
    char name[128];
    char email[256]; /* "" when none */
    bool active;     /* status 'active' */
} identity_user_brief_t;
/* By id / by user name: 1 found, 0 none, -1 database error. */
int identity_user_brief(db_conn_t *c, int64_t id, identity_user_brief_t *out);
int identity_user_by_name(db_conn_t *c, const char *username, identity_user_brief_t *out);

/* The active users who hold permission perm through a role whose data scope
 * covers organisation org_id (all: any; subtree: org_id inside the user's
 * organisation's subtree; org: the user's own organisation; self: none —
 * org_id <= 0: only "all" covers it), whose own organisation is of type
 * org_type (NULL: any), except user except_user (0: none). At most limit
 * ids, in id order, into ids; *n says how many. An unknown permission or
 * organisation: none. 0, or -1 on a database error. */
int identity_users_with_perm(db_conn_t *c, const char *perm, int64_t org_id, const char *org_type,
                             int64_t except_user, int limit, int64_t *ids, int *n);
/* The active users whose organisation is org_id or below it: at most limit
 * ids in id order. 0 (also for an unknown organisation: none), or -1. */
int identity_users_in_subtree(db_conn_t *c, int64_t org_id, int limit, int64_t *ids, int *n);

#endif
