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

#endif
