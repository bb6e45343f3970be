#include "modules/notify/notify.h"
int notify_user(db_conn_t *c, const notify_msg_t *m)
{
    (void)c;
    (void)m;
    return 0;
}
int notify_perm(db_conn_t *c, const char *perm, int64_t org_id, const char *org_type, int64_t except_user,
                const notify_msg_t *m)
{
    (void)c;
    (void)perm;
    (void)org_id;
    (void)org_type;
    (void)except_user;
    (void)m;
    return 0;
}
