/* notify.h — placeholder of the notify module's contract (replaced by the module). */
#ifndef ZD_NOTIFY_H
#define ZD_NOTIFY_H
#include "core/db.h"
#include <stdint.h>
typedef struct {
    int64_t user_id;
    const char *kind;
    const char *title;
    const char *body;
    const char *link;
    int64_t org_id;
} notify_msg_t;
int notify_user(db_conn_t *c, const notify_msg_t *m);
int notify_perm(db_conn_t *c, const char *perm, int64_t org_id, const char *org_type, int64_t except_user,
                const notify_msg_t *m);
#endif
