/* modules.c — the list of modules the server runs, in start-up order. */
#include "core/embed.h"
#include "core/migrate.h"
#include "core/timeutil.h"
#include "modules/module.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

extern const zd_module_t system_module;
extern const zd_module_t identity_module;
extern const zd_module_t proofread_module;

const zd_module_t *const zd_modules[] = {
    &system_module,
    &identity_module,
    &proofread_module,
    NULL,
};

int modules_demo(zd_app_t *app, char *err, size_t errlen)
{
    for (int i = 0; zd_modules[i]; i++)
        if (zd_modules[i]->demo && zd_modules[i]->demo(app, err, errlen) != 0)
            return -1;
    return 0;
}

int module_routes(zd_app_t *app, const http_route_t *routes, size_t n, char *err, size_t errlen)
{
    if (!app->http)
        return 0;
    return http_server_add_routes(app->http, routes, n, err, errlen);
}

int modules_start(zd_app_t *app, bool demo, char *err, size_t errlen)
{
    /* nodes starting together on one database take turns: seeding,
     * bootstrap accounts and demo data happen once */
    db_conn_t *c = db_acquire(app->db);
    if (!c || db_lock(c, "zhendi.startup", 600000) != 0) {
        snprintf(err, errlen, "cannot take the start-up lock: %s",
                 c ? db_errmsg(c) : "no database connection");
        db_release(c);
        return -1;
    }
    int rc = 0;
    for (int i = 0; zd_modules[i] && rc == 0; i++)
        rc = zd_modules[i]->init(app, err, errlen);
    for (int i = 0; zd_modules[i] && rc == 0; i++)
        if (zd_modules[i]->start)
            rc = zd_modules[i]->start(app, err, errlen);
    if (rc == 0 && demo)
        rc = modules_demo(app, err, errlen);
    db_unlock(c, "zhendi.startup");
    db_release(c);
    return rc;
}

int modules_open_app(const config_t *cfg, zd_app_t *app, char *err, size_t errlen)
{
    memset(app, 0, sizeof *app);
    app->cfg = cfg;
    app->started_at = time_now_ms();
    if (mkdir(cfg->data, 0750) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create data directory %s: %s", cfg->data, strerror(errno));
        return -1;
    }
    char url[1100];
    config_db_url(cfg, url, sizeof url);
    db_options_t o = {.pool_size = 4, .slow_query_ms = (int)cfg->slow_query_ms};
    app->db = db_open(url, &o, err, errlen);
    if (!app->db)
        return -1;
    if (migrate_run(app->db, zd_migrations, NULL, err, errlen) != 0 ||
        modules_start(app, false, err, errlen) != 0)
        goto fail;
    return 0;
fail:
    modules_close_app(app);
    return -1;
}

void modules_close_app(zd_app_t *app)
{
    if (!app || !app->db)
        return;
    for (int i = 0; zd_modules[i]; i++)
        if (zd_modules[i]->shutdown)
            zd_modules[i]->shutdown();
    db_close(app->db);
    app->db = NULL;
}
