/* modules.c — the list of modules the server runs, in start-up order, and
 * what the platform does with all of them: their settings, permissions,
 * start-up checks, to-do items and labels. */
#include "auth/resource.h"
#include "core/embed.h"
#include "core/migrate.h"
#include "core/timeutil.h"
#include "modules/module.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define ZD_MODULE(name) extern const zd_module_t name##_module;
#include "modules/list.h"
#undef ZD_MODULE

const zd_module_t *const zd_modules[] = {
#define ZD_MODULE(name) &name##_module,
#include "modules/list.h"
#undef ZD_MODULE
    NULL,
};

int modules_settings(char *err, size_t errlen)
{
    for (int i = 0; zd_modules[i]; i++)
        if (zd_modules[i]->settings && config_register(zd_modules[i]->name, zd_modules[i]->settings) != 0) {
            snprintf(err, errlen, "module %s: a setting's name is taken or has no storage",
                     zd_modules[i]->name);
            return -1;
        }
    return 0;
}

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
    return http_server_add_routes(app->http, routes, n, app->current ? app->current->name : "", err, errlen);
}

static int register_permissions(char *err, size_t errlen)
{
    auth_permissions_reset();
    for (int i = 0; zd_modules[i]; i++)
        for (const auth_perm_group_t *g = zd_modules[i]->permissions; g && g->group; g++)
            if (auth_register_permissions(g) != 0) {
                snprintf(err, errlen, "module %s: permission group %s repeats a code", zd_modules[i]->name,
                         g->group);
                return -1;
            }
    return 0;
}

/* Every route's permission is in the catalogue and every resource matches
 * the database: a typo is a failed start, not an open or a closed door. */
static int check_startup_routes(zd_app_t *app, db_conn_t *c, char *err, size_t errlen)
{
    if (!app->http)
        return 0;
    int n = http_server_route_count(app->http);
    for (int i = 0; i < n; i++) {
        const http_route_t *rt = http_server_route_at(app->http, i, NULL);
        if (rt->perm[0] != '@' && !auth_perm_lookup(rt->perm)) {
            snprintf(err, errlen, "route %s %s: permission %s is not in the catalogue", rt->method,
                     rt->pattern, rt->perm);
            return -1;
        }
        if (rt->resource) {
            bool seen = false;
            for (int j = 0; j < i && !seen; j++)
                seen = http_server_route_at(app->http, j, NULL)->resource == rt->resource;
            if (!seen && res_check(c, rt->resource, err, errlen) != 0)
                return -1;
        }
    }
    return 0;
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
    int rc = register_permissions(err, errlen);
    for (int i = 0; zd_modules[i] && rc == 0; i++) {
        app->current = zd_modules[i];
        rc = zd_modules[i]->init(app, err, errlen);
    }
    app->current = NULL;
    for (int i = 0; zd_modules[i] && rc == 0; i++)
        if (zd_modules[i]->start)
            rc = zd_modules[i]->start(app, err, errlen);
    if (rc == 0)
        rc = check_startup_routes(app, c, err, errlen);
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

json_t *modules_todo(http_req_t *req, db_conn_t *c)
{
    json_t *items = json_array();
    for (int i = 0; zd_modules[i]; i++)
        if (zd_modules[i]->todo && zd_modules[i]->todo(req, c, items) != 0) {
            json_decref(items);
            return NULL;
        }
    return json_pack("{s:o}", "items", items);
}

/* dicts[name] (created on first use) */
static json_t *dict(json_t *dicts, const char *name, const char *title)
{
    json_t *d = json_object_get(dicts, name);
    if (!d) {
        d = json_pack("{s:s,s:[]}", "title", title, "items");
        json_object_set_new(dicts, name, d);
    }
    return json_object_get(d, "items");
}

static void add_label(json_t *items, const char *value, const char *label, const char *tag)
{
    size_t i;
    json_t *v;
    json_array_foreach(items, i,
                       v) if (!strcmp(json_string_value(json_object_get(v, "value")), value)) return;
    json_array_append_new(
        items, json_pack("{s:s,s:s,s:s}", "value", value, "label", label, "tag", tag ? tag : "info"));
}

json_t *modules_dicts(const http_server_t *http)
{
    json_t *dicts = json_object();
    for (int i = 0; zd_modules[i]; i++)
        for (const zd_dict_t *d = zd_modules[i]->dicts; d && d->name; d++) {
            json_t *items = dict(dicts, d->name, d->title);
            for (const zd_label_t *l = d->items; l && l->value; l++)
                add_label(items, l->value, l->label, l->tag);
        }
    /* an audit action is labelled by the summary of the route that records it */
    json_t *actions = dict(dicts, "audit_action", "审计操作");
    for (int i = 0; http && i < http_server_route_count(http); i++) {
        const http_route_t *rt = http_server_route_at(http, i, NULL);
        if (rt->audit)
            add_label(actions, rt->audit, rt->summary, NULL);
    }
    json_t *perms = dict(dicts, "permission", "权限");
    json_t *groups = auth_permissions_json();
    size_t gi, pi;
    json_t *g, *p;
    json_array_foreach(groups, gi, g) json_array_foreach(json_object_get(g, "permissions"), pi, p)
        add_label(perms, json_string_value(json_object_get(p, "code")),
                  json_string_value(json_object_get(p, "title")), NULL);
    json_decref(groups);
    return dicts;
}
