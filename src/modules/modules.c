/* modules.c — the list of modules the server runs, in start-up order, and
 * what the platform does with all of them: their settings, permissions,
 * start-up checks, to-do items and labels. */
#include "auth/resource.h"
#include "core/embed.h"
#include "core/migrate.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/upload.h"
#include "http/valid.h"
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

/* ---- lists as workbooks (HTTP_EXPORT): the labels are the modules' ---- */

static const char *field_title(const char *title, char *buf, size_t n);

static const http_server_t *export_http;

static const char *label_in(json_t *dicts, const char *dict, const char *code)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(json_object_get(dicts, dict), "items"), i, v)
    {
        const char *val = json_string_value(json_object_get(v, "value"));
        if (val && !strcmp(val, code))
            return json_string_value(json_object_get(v, "label"));
    }
    return NULL;
}

/* the dictionary naming a field's values: "<resource>_<field>" (user_status),
 * "<module>_<field>" (proofread_category), "<field>" (data_scope),
 * "<module>_<last word>" (effective_severity → proofread_severity), or the
 * field's own (roles → role); NULL when none */
static const char *value_dict(http_req_t *req, json_t *dicts, const zd_resource_t *r, const char *field)
{
    static const char *const OWN[][2] = {{"roles", "role"}, {"role", "role"}, {"permissions", "permission"}};
    const char *last = strrchr(field, '_');   /* effective_severity → proofread_severity */
    const char *under = strchr(r->name, '_'); /* job_run's kind → job_kind */
    const char *names[] = {http_printf(req, "%s_%s", r->name, field),
                           under ? http_printf(req, "%.*s_%s", (int)(under - r->name), r->name, field)
                                 : field,
                           http_printf(req, "%s_%s", http_route_module(req), field), field,
                           last ? http_printf(req, "%s%s", http_route_module(req), last) : field};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (json_object_get(dicts, names[i]))
            return names[i];
    for (size_t i = 0; i < sizeof OWN / sizeof OWN[0]; i++)
        if (!strcmp(OWN[i][0], field))
            return OWN[i][1];
    return NULL;
}

/* one value for people: labels, local times, 是/否, lists joined by 、 */
static json_t *cell(json_t *dicts, const char *dict, const vfield_t *f, json_t *v)
{
    if (!v || json_is_null(v))
        return json_string("");
    if (json_is_boolean(v))
        return json_string(json_is_true(v) ? "是" : "否");
    if (json_is_integer(v) || json_is_real(v))
        return json_incref(v);
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        int64_t ms;
        char buf[24];
        if (f->type == V_TIME && time_parse_iso8601(s, &ms))
            return json_string(time_local(ms, buf, sizeof buf));
        const char *l = dict ? label_in(dicts, dict, s) : NULL;
        return json_string(l ? l : s);
    }
    if (json_is_array(v)) {
        sbuf_t b;
        sbuf_init(&b);
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            json_t *c = cell(dicts, dict, f, x);
            if (i)
                sbuf_puts(&b, "、");
            if (json_is_string(c))
                sbuf_puts(&b, json_string_value(c));
            else
                sbuf_printf(&b, "%lld", (long long)json_integer_value(c));
            json_decref(c);
        }
        json_t *o = json_string(b.data ? b.data : "");
        sbuf_free(&b);
        return o;
    }
    char *s = json_dumps(v, JSON_COMPACT);
    json_t *o = json_string(s ? s : "");
    free(s);
    return o;
}

/* is there a "<prefix>_name" field beside this "<prefix>_id" one? (the
 * name is shown, the id left out) */
static bool has_out(const http_route_t *rt, const char *name, size_t len)
{
    for (size_t i = 0; i < rt->nout; i++)
        if (!strncmp(rt->out[i].name, name, len) && !rt->out[i].name[len])
            return true;
    return false;
}

/* a column left out because another says it in words: "org_id" beside
 * "org_name"; "category_title" beside "category" (labelled already) */
static bool named_beside(const http_route_t *rt, const char *field)
{
    size_t n = strlen(field);
    if (n > 3 && !strcmp(field + n - 3, "_id")) {
        char name[96];
        snprintf(name, sizeof name, "%.*s_name", (int)(n - 3), field);
        return has_out(rt, name, strlen(name));
    }
    if (n > 6 && !strcmp(field + n - 6, "_title"))
        return has_out(rt, field, n - 6);
    return false;
}

static void export_list(http_req_t *req, db_conn_t *c, const zd_resource_t *r, json_t *items)
{
    const http_route_t *rt = http_route(req);
    json_t *dicts = http_defer_json(req, modules_dicts(export_http));
    if (modules_live_dicts(c, dicts) != 0) {
        http_db_error(req, c);
        return;
    }
    json_t *header = http_defer_json(req, json_array());
    json_t *rows = http_defer_json(req, json_array());
    const char **vdict = http_alloc(req, sizeof *vdict * (rt->nout + 1));
    bool *skip = http_alloc(req, sizeof *skip * (rt->nout + 1));
    char buf[64];
    for (size_t k = 0; k < rt->nout; k++) {
        const vfield_t *f = &rt->out[k];
        /* the resource's name of the field ("user.name": 姓名; "-": left
         * out), the common name, else the route's title of it */
        const char *t = label_in(dicts, "field", http_printf(req, "%s.%s", r->name, f->name));
        skip[k] = f->type == V_OBJECT || named_beside(rt, f->name) || (t && !strcmp(t, "-"));
        if (skip[k])
            continue;
        if (!t)
            t = label_in(dicts, "field", f->name);
        if (!t)
            t = field_title(f->title, buf, sizeof buf);
        json_array_append_new(header, json_string(t ? t : f->name));
        vdict[k] = value_dict(req, dicts, r, f->name);
    }
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        json_t *row = json_array();
        for (size_t k = 0; k < rt->nout; k++) {
            if (skip[k])
                continue;
            json_t *v = json_object_get(it, rt->out[k].name);
            char ua[96];
            if (!strcmp(rt->out[k].name, "user_agent") && json_is_string(v)) /* the browser in words */
                json_array_append_new(row, json_string(str_user_agent(json_string_value(v), ua, sizeof ua)));
            else
                json_array_append_new(row, cell(dicts, vdict[k], &rt->out[k], v));
        }
        json_array_append_new(rows, row);
    }
    audit_entry_t ae = {.action = http_printf(req, "%s.export", r->name),
                        .detail = http_printf(req, "导出 %zu 条%s", json_array_size(items), r->title)};
    if (!audit_req(req, &ae))
        return;
    http_send_xlsx(req, http_printf(req, "%s.xlsx", r->title), r->title, header, rows);
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
    if (rc == 0 && app->http) {
        export_http = app->http;
        res_set_exporter(export_list);
    }
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

void modules_shutdown(void)
{
    for (int i = 0; zd_modules[i]; i++)
        if (zd_modules[i]->shutdown)
            zd_modules[i]->shutdown();
}

void modules_close_app(zd_app_t *app)
{
    if (!app || !app->db)
        return;
    modules_shutdown();
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

json_t *modules_dict_items(json_t *dicts, const char *name, const char *title)
{
    return dict(dicts, name, title);
}

int modules_live_dicts(db_conn_t *c, json_t *dicts)
{
    for (int i = 0; zd_modules[i]; i++)
        if (zd_modules[i]->live_dicts && zd_modules[i]->live_dicts(c, dicts) != 0)
            return -1;
    return 0;
}

/* A field's title as a label: up to its first note ("动态口令（6 位…）" →
 * "动态口令"); NULL when none or still long (a sentence, not a name). */
static const char *field_title(const char *title, char *buf, size_t n)
{
    if (!title || !*title)
        return NULL;
    size_t len = strlen(title);
    static const char *const CUTS[] = {"（", "(", "：", ":", "，", ",", "；", "、", " "};
    for (size_t i = 0; i < sizeof CUTS / sizeof CUTS[0]; i++) {
        const char *p = strstr(title, CUTS[i]);
        if (p && (size_t)(p - title) < len)
            len = (size_t)(p - title);
    }
    if (!len || len > 8 * 3 || len >= n) /* eight Chinese characters at most */
        return NULL;
    for (size_t i = 0; i < len; i++)
        if ((title[i] >= 'a' && title[i] <= 'z') || (title[i] >= 'A' && title[i] <= 'Z'))
            return NULL; /* a code ("create"), not a name */
    memcpy(buf, title, len);
    buf[len] = 0;
    return buf;
}

static void add_fields(json_t *items, const vfield_t *f, size_t n)
{
    char buf[64];
    for (size_t i = 0; f && i < n; i++) {
        const char *t = field_title(f[i].title, buf, sizeof buf);
        if (t)
            add_label(items, f[i].name, t, NULL);
    }
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
        if ((rt->flags & HTTP_EXPORT) && rt->resource) {
            char code[96], title[160];
            snprintf(code, sizeof code, "%s.export", rt->resource->name);
            snprintf(title, sizeof title, "导出%s（.xlsx）", rt->resource->title);
            add_label(actions, code, title, NULL);
        }
    }
    /* an audit record's target type defaults to the name of its route's resource */
    json_t *targets = dict(dicts, "audit_target", "审计对象");
    for (int i = 0; http && i < http_server_route_count(http); i++) {
        const http_route_t *rt = http_server_route_at(http, i, NULL);
        if (rt->resource)
            add_label(targets, rt->resource->name, rt->resource->title, NULL);
    }
    json_t *perms = dict(dicts, "permission", "权限");
    json_t *groups = auth_permissions_json();
    size_t gi, pi;
    json_t *g, *p;
    json_array_foreach(groups, gi, g) json_array_foreach(json_object_get(g, "permissions"), pi, p)
        add_label(perms, json_string_value(json_object_get(p, "code")),
                  json_string_value(json_object_get(p, "title")), NULL);
    json_decref(groups);
    /* the names of fields (audit details, exports): the modules' own "field"
     * labels first, then the titles the route tables give their fields */
    json_t *fields = dict(dicts, "field", "字段");
    for (int i = 0; http && i < http_server_route_count(http); i++) {
        const http_route_t *rt = http_server_route_at(http, i, NULL);
        add_fields(fields, rt->out, rt->nout);
        add_fields(fields, rt->body, rt->nbody);
        add_fields(fields, rt->query, rt->nquery);
    }
    return dicts;
}
