/* learn_api.c — learning progress (the player's heartbeat), 我的学习 and
 * the organisers' learning statistics. */
#include "modules/course/internal.h"

int course_learn_routes(zd_app_t *app, char *err, size_t errlen)
{
    (void)app;
    (void)err;
    (void)errlen;
    return 0;
}
