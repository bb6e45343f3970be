/* modules.c — the list of modules the server runs, in start-up order. */
#include "modules/module.h"

extern const zd_module_t system_module;
extern const zd_module_t proofread_module;

const zd_module_t *const zd_modules[] = {
    &system_module,
    &proofread_module,
    NULL,
};

int module_routes(zd_app_t *app, const http_route_t *routes, size_t n, char *err, size_t errlen)
{
    if (!app->http)
        return 0;
    return http_server_add_routes(app->http, routes, n, err, errlen);
}
