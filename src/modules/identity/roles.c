/* roles.c — roles and permissions, online sessions and the security policy.
 * Built-in roles are created at start-up with their default permissions;
 * the security administrator may adjust them (not delete them). No role and
 * no user may combine system, security and audit administration (三员分立). */
#include "auth/resource.h"
#include "auth/session.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/identity/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name, *title, *scope;
    const char *perms[10];
} BUILTIN[] = {
    {"sys_admin",
     "系统管理员",
     "all",
     {"org.read", "org.write", "user.read", "user.write", "system.read", "job.read", "job.write", NULL}},
    {"security_admin",
     "安全管理员",
     "all",
     {"role.read", "role.write", "security.read", "security.write", "session.read", "session.write",
      "user.read", "org.read", NULL}},
    {"audit_admin", "审计管理员", "all", {"audit.read", "audit.export", NULL}},
    /* the review module grants them their review permissions */
    {"city_reviewer", "市级审核员", "all", {"org.read", NULL}},
    {"district_reviewer", "区级审核员", "subtree", {"org.read", NULL}},
    {"worker", "党务工作者", "subtree", {NULL}},
    {"secretary", "党组织书记", "subtree", {NULL}},
    {"member", "党员", "org", {NULL}},
    {"lecturer", "讲师", "self", {NULL}},
};
#define NBUILTIN (sizeof BUILTIN / sizeof BUILTIN[0])

static const char *const SCOPES[] = {"all", "subtree", "org", "self", NULL};

static int scope_rank(const char *s)
{
    return !strcmp(s, "all")       ? SCOPE_ALL
           : !strcmp(s, "subtree") ? SCOPE_SUBTREE
           : !strcmp(s, "org")     ? SCOPE_ORG
                                   : SCOPE_SELF;
}

/* Grants (role, perm) once: recorded in role_defaults. */
static int grant_once(db_conn_t *c, const char *role, const char *perm)
{
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO role_defaults (role, permission) VALUES (?, ?) ON CONFLICT DO NOTHING");
    if (!st)
        return -1;
    db_bind_text(st, 1, role);
    db_bind_text(st, 2, perm);
    int rc = db_step(st);
    db_done(st);
    if (rc != DB_DONE)
        return -1;
    if (db_changes(c) == 0)
        return 0; /* granted before: the administrator's choice stands */
    st = db_prepare(
        c, "INSERT INTO role_permissions (role_id, permission) SELECT id, ? FROM roles WHERE name = ? "
           "ON CONFLICT DO NOTHING");
    if (!st)
        return -1;
    db_bind_text(st, 1, perm);
    db_bind_text(st, 2, role);
    rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

int identity_roles_ensure_builtin(db_t *db, char *err, size_t errlen)
{
    db_conn_t *c = db_acquire(db);
    if (!c) {
        snprintf(err, errlen, "no database connection");
        return -1;
    }
    int64_t now = time_now_ms();
    int rc = db_begin(c);
    for (size_t i = 0; i < NBUILTIN && rc == 0; i++) {
        db_stmt_t *st =
            db_prepare(c, "INSERT INTO roles (name, title, data_scope, builtin, created_at, updated_at) "
                          "VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT (name) DO NOTHING");
        if (!st) {
            rc = -1;
            break;
        }
        db_bind_text(st, 1, BUILTIN[i].name);
        db_bind_text(st, 2, BUILTIN[i].title);
        db_bind_text(st, 3, BUILTIN[i].scope);
        db_bind_int64(st, 4, now);
        db_bind_int64(st, 5, now);
        rc = db_step(st) == DB_DONE ? 0 : -1;
        db_done(st);
        for (int k = 0; BUILTIN[i].perms[k] && rc == 0; k++)
            rc = grant_once(c, BUILTIN[i].name, BUILTIN[i].perms[k]);
    }
    const char *const *roles, *const *perms;
    size_t n = auth_default_grants(&roles, &perms);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = grant_once(c, roles[i], perms[i]);
    if (rc == 0)
        rc = db_commit(c);
    if (rc != 0)
        snprintf(err, errlen, "cannot set up the built-in roles: %s", db_errmsg(c));
    db_release(c);
    return rc;
}

/* Permissions and scope of a role by name; false when it does not exist. */
static bool role_info(db_conn_t *c, const char *name, json_t *perms, char *scope, size_t scopesz)
{
    db_stmt_t *st = db_prepare(c, "SELECT r.data_scope, rp.permission FROM roles r "
                                  "LEFT JOIN role_permissions rp ON rp.role_id = r.id WHERE r.name = ?");
    if (!st)
        return false;
    db_bind_text(st, 1, name);
    bool found = false;
    while (db_step(st) == DB_ROW) {
        found = true;
        str_lcpy(scope, db_col_text(st, 0), scopesz);
        if (db_col_text(st, 1))
            json_array_append_new(perms, json_string(db_col_text(st, 1)));
    }
    db_done(st);
    return found;
}

const char *identity_roles_grantable(http_req_t *req, db_conn_t *c, json_t *roles, bool *unknown)
{
    static _Thread_local char msg[200];
    const auth_ctx_t *a = auth_of(req);
    *unknown = false;
    json_t *all = json_array();
    size_t i;
    json_t *v;
    const char *why = NULL;
    json_array_foreach(roles, i, v)
    {
        const char *name = json_string_value(v);
        json_t *perms = json_array();
        char scope[16] = "self";
        if (!name || !role_info(c, name, perms, scope, sizeof scope)) {
            snprintf(msg, sizeof msg, "角色“%s”不存在", name ? name : "?");
            *unknown = true;
            why = msg;
        } else if (!auth_has(req, "role.write") &&
                   (!auth_has_all(req, perms) || !a || scope_rank(scope) > (int)auth_route_scope(req))) {
            snprintf(msg, sizeof msg, "无权授予角色“%s”：它的权限或数据范围超出您自己的", name);
            why = msg;
        }
        json_array_extend(all, perms);
        json_decref(perms);
        if (why)
            break;
    }
    if (!why)
        why = auth_sod_conflict(all);
    json_decref(all);
    return why;
}

/* ---- roles API ---- */

#define ROLE_COLS "r.id, r.name, r.title, r.data_scope, r.builtin, r.created_at, r.updated_at"

static json_t *role_json(db_conn_t *c, db_stmt_t *st)
{
    int64_t id = db_col_int64(st, 0);
    json_t *o =
        json_pack("{s:I,s:s,s:s,s:s,s:b,s:o,s:o}", "id", (json_int_t)id, "name", db_col_text(st, 1), "title",
                  db_col_text(st, 2), "data_scope", db_col_text(st, 3), "builtin", db_col_bool(st, 4),
                  "created_at", json_time(db_col_int64(st, 5)), "updated_at", json_time(db_col_int64(st, 6)));
    (void)c;
    return o;
}

static void add_details(db_conn_t *c, json_t *o)
{
    int64_t id = jint(o, "id", 0);
    json_t *perms = json_array();
    db_stmt_t *st =
        db_prepare(c, "SELECT permission FROM role_permissions WHERE role_id = ? ORDER BY permission");
    if (st) {
        db_bind_int64(st, 1, id);
        while (db_step(st) == DB_ROW)
            json_array_append_new(perms, json_string(db_col_text(st, 0)));
    }
    db_done(st);
    json_object_set_new(o, "permissions", perms);
    int64_t users = 0;
    st = db_prepare(c, "SELECT COUNT(*) FROM user_roles WHERE role_id = ?");
    if (st) {
        db_bind_int64(st, 1, id);
        if (db_step(st) == DB_ROW)
            users = db_col_int64(st, 0);
    }
    db_done(st);
    json_object_set_new(o, "user_count", json_integer(users));
}

/* roles are the city's: holding the permission is the whole rule */
static const zd_resource_t ROLES = {
    .name = "role", .title = "角色", .table = "roles", .alias = "r", .no_org = true, .no_creator = true};

static json_t *role_row(db_stmt_t *st, void *ud) { return role_json(ud, st); }

/* One role with its permissions and user count; NULL after answering 404/5xx. */
static json_t *load_role(http_req_t *req, db_conn_t *c, int64_t id)
{
    json_t *o = res_load(req, c, &ROLES, ROLE_COLS, id, role_row, c, RES_PLAIN);
    if (o)
        add_details(c, o);
    return o;
}

/* Does the caller hold role id? Nobody changes a role they hold: the
 * security administrator cannot widen its own powers. */
static bool holds_role(http_req_t *req, db_conn_t *c, int64_t id)
{
    db_stmt_t *st = db_prepare(c, "SELECT 1 FROM user_roles WHERE user_id = ? AND role_id = ?");
    bool held = false;
    if (st) {
        db_bind_int64(st, 1, http_user_id(req));
        db_bind_int64(st, 2, id);
        held = db_step(st) == DB_ROW;
    }
    db_done(st);
    return held;
}

static void get_permissions(http_req_t *req)
{
    http_json(req, 200, json_pack("{s:o}", "items", auth_permissions_json()));
}

static void list_roles(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    json_t *items = json_array();
    db_stmt_t *st = db_prepare(c, "SELECT " ROLE_COLS " FROM roles r ORDER BY r.builtin DESC, r.id");
    while (st && db_step(st) == DB_ROW)
        json_array_append_new(items, role_json(c, st));
    db_done(st);
    if (!st) {
        json_decref(items);
        http_db_error(req, c);
        return;
    }
    size_t i;
    json_t *o;
    json_array_foreach(items, i, o) add_details(c, o);
    if (res_export_wanted(req)) {
        res_export(req, c, &ROLES, http_defer_json(req, items));
        return;
    }
    http_json(req, 200, json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

static const char *check_role_name(json_t *v)
{
    const char *s = json_string_value(v);
    if (!(*s >= 'a' && *s <= 'z'))
        return "须以小写字母开头";
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return "只能包含小写字母、数字和下划线";
    return NULL;
}

static const char *check_perms(json_t *v)
{
    static _Thread_local char msg[120];
    size_t i;
    json_t *p;
    json_array_foreach(v, i, p)
    {
        if (!json_is_string(p) || !auth_perm_lookup(json_string_value(p))) {
            snprintf(msg, sizeof msg, "未知的权限：%s", json_is_string(p) ? json_string_value(p) : "?");
            return msg;
        }
    }
    return auth_sod_conflict(v);
}

static int set_perms(db_conn_t *c, int64_t role, json_t *perms)
{
    return identity_replace_links(
        c, "DELETE FROM role_permissions WHERE role_id = ?",
        "INSERT INTO role_permissions (role_id, permission) VALUES (?, ?) ON CONFLICT DO NOTHING", role,
        perms);
}

static const vfield_t ROLE_NEW[] = {
    {"name", V_STR, true, 2, 32, NULL, check_role_name, "角色名（小写字母、数字、下划线）"},
    {"title", V_STR, true, 1, 50, NULL, NULL, "中文名称"},
    {"permissions", V_ARRAY, true, 0, 100, NULL, check_perms, "权限代码（三员分立）"},
    {"data_scope", V_ENUM, true, 0, 0, SCOPES, NULL, "数据范围"},
};
static const vfield_t ROLE_PATCH[] = {
    {"title", V_STR, false, 1, 50, NULL, NULL, "中文名称"},
    {"permissions", V_ARRAY, false, 0, 100, NULL, check_perms, "权限代码（整体替换）"},
    {"data_scope", V_ENUM, false, 0, 0, SCOPES, NULL, "数据范围"},
};
static const vfield_t ROLE_OUT[] = {
    {"id", V_ID},
    {"name", V_STR},
    {"title", V_STR},
    {"data_scope", V_ENUM, .choices = SCOPES},
    {"builtin", V_BOOL, .title = "内置角色（不能删除）"},
    {"permissions", V_ARRAY, .title = "功能权限"},
    {"user_count", V_INT, .title = "用户数（持有此角色的用户）"},
};

static void create_role(http_req_t *req)
{
    db_conn_t *c;
    if (!(c = http_db(req)))
        return;
    json_t *b = http_json_body(req);
    if (!http_begin(req, c))
        return;
    int64_t now = time_now_ms(), id = 0;
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO roles (name, title, data_scope, builtin, created_by, created_at, "
                      "updated_at) VALUES (?, ?, ?, 0, ?, ?, ?) RETURNING id");
    if (st) {
        db_bind_text(st, 1, jstr(b, "name"));
        db_bind_text(st, 2, jstr(b, "title"));
        db_bind_text(st, 3, jstr(b, "data_scope"));
        db_bind_int64(st, 4, http_user_id(req));
        db_bind_int64(st, 5, now);
        db_bind_int64(st, 6, now);
        if (db_step(st) == DB_ROW)
            id = db_col_int64(st, 0);
    }
    db_done(st);
    if (!id) {
        if (db_errcode(c) == DB_E_UNIQUE)
            http_error_fields(req, json_pack("{s:s}", "name", "角色名已存在"));
        else
            http_db_error(req, c);
        return;
    }
    if (set_perms(c, id, json_object_get(b, "permissions")) != 0) {
        http_db_error(req, c);
        return;
    }
    json_t *o = load_role(req, c, id);
    if (!o)
        return;
    audit_entry_t ae = {.target = id, .after = o};
    audit_reply(req, c, true, &ae, 201, o);
}

static void get_role(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *o = load_role(req, c, id);
    if (o)
        http_json(req, 200, o);
}

/* Would the new permissions of this role give one of its users powers from
 * two administrations (through their other roles)? */
static const char *users_conflict(db_conn_t *c, int64_t role, json_t *perms)
{
    db_stmt_t *st =
        db_prepare(c, "SELECT ur.user_id, rp.permission FROM user_roles ur "
                      "JOIN user_roles other ON other.user_id = ur.user_id AND other.role_id <> ur.role_id "
                      "JOIN role_permissions rp ON rp.role_id = other.role_id WHERE ur.role_id = ? "
                      "ORDER BY ur.user_id");
    if (!st)
        return "无法检查";
    db_bind_int64(st, 1, role);
    const char *why = NULL;
    int64_t cur = -1;
    json_t *set = NULL;
    while (!why && db_step(st) == DB_ROW) {
        if (db_col_int64(st, 0) != cur) {
            if (set)
                why = auth_sod_conflict(set);
            json_decref(set);
            set = json_deep_copy(perms);
            cur = db_col_int64(st, 0);
        }
        json_array_append_new(set, json_string(db_col_text(st, 1)));
    }
    db_done(st);
    if (!why && set)
        why = auth_sod_conflict(set);
    json_decref(set);
    return why;
}

static void patch_role(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *b = http_json_body(req);
    json_t *before = http_defer_json(req, load_role(req, c, id));
    if (!before)
        return;
    if (holds_role(req, c, id)) {
        http_error(req, 403, "forbidden", "不能修改自己持有的角色");
        return;
    }
    json_t *perms = json_object_get(b, "permissions");
    if (json_is_array(perms)) {
        const char *why = users_conflict(c, id, perms);
        if (why) {
            http_error_fields(
                req, json_pack("{s:s}", "permissions", http_printf(req, "持有此角色的用户将违反%s", why)));
            return;
        }
    }
    qb_t q;
    qb_init(&q, "UPDATE roles SET updated_at = ");
    qb_int(&q, time_now_ms());
    if (jstr(b, "title")) {
        qb_sql(&q, ", title = ");
        qb_text(&q, jstr(b, "title"));
    }
    if (jstr(b, "data_scope")) {
        qb_sql(&q, ", data_scope = ");
        qb_text(&q, jstr(b, "data_scope"));
    }
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    db_stmt_t *st = qb_prepare(c, &q);
    int rc = st ? db_step(st) : DB_ERROR;
    db_done(st);
    qb_free(&q);
    if (rc == DB_DONE && json_is_array(perms) && set_perms(c, id, perms) != 0)
        rc = DB_ERROR;
    if (rc != DB_DONE) {
        http_db_error(req, c);
        return;
    }
    json_t *after = load_role(req, c, id);
    if (!after)
        return;
    audit_entry_t ae = {.target = id, .before = before, .after = after};
    audit_reply(req, c, true, &ae, 200, after);
}

static void delete_role(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = http_defer_json(req, load_role(req, c, id));
    if (!before)
        return;
    if (jbool(before, "builtin", false)) {
        http_error(req, 409, "conflict", "内置角色不能删除");
        return;
    }
    if (jint(before, "user_count", 0) > 0) {
        http_error(req, 409, "conflict", "还有 %lld 个用户持有此角色，请先调整这些用户",
                   (long long)jint(before, "user_count", 0));
        return;
    }
    db_stmt_t *st = db_prepare(c, "DELETE FROM roles WHERE id = ?");
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, id);
        rc = db_step(st);
    }
    db_done(st);
    audit_entry_t ae = {.target = id, .before = before};
    audit_reply(req, c, rc == DB_DONE, &ae, 204, NULL);
}

/* ---- sessions ---- */

#define SESSION_COLS                                                                                         \
    "s.id, s.user_id, u.username, u.name, o.name, s.ip, s.user_agent, s.created_at, s.last_seen_at, "        \
    "s.expires_at, s.token_hash"

static json_t *session_row(db_stmt_t *st, void *ud)
{
    const auth_ctx_t *a = ud;
    return json_pack(
        "{s:I,s:I,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:b}", "id", (json_int_t)db_col_int64(st, 0), "user_id",
        (json_int_t)db_col_int64(st, 1), "username", db_col_text(st, 2), "name", db_col_text(st, 3),
        "org_name", db_col_text(st, 4), "ip", json_text_or_null(db_col_text(st, 5)), "user_agent",
        json_text_or_null(db_col_text(st, 6)), "created_at", json_time(db_col_int64(st, 7)), "last_seen_at",
        json_time(db_col_int64(st, 8)), "expires_at", json_time(db_col_int64(st, 9)), "current",
        a && !strcmp(a->session_id, db_col_text(st, 10)));
}

static const res_sort_t SESSION_SORTS[] = {{"username", "u.username"},
                                           {"created_at", "s.created_at"},
                                           {"last_seen_at", "s.last_seen_at"},
                                           {"ip", "s.ip"},
                                           {NULL, NULL}};
/* a session is scoped as its user is */
static const zd_resource_t SESSIONS = {.name = "session",
                                       .title = "会话",
                                       .table = "sessions",
                                       .alias = "s",
                                       .from = "sessions s JOIN users u ON u.id = s.user_id "
                                               "JOIN orgs o ON o.id = u.org_id",
                                       .where = "s.revoked_at IS NULL",
                                       .org_col = "u.org_id",
                                       .creator_col = "u.id",
                                       .sorts = SESSION_SORTS};

static const vfield_t SESSION_QUERY[] = {
    {"user_id", V_ID, .title = "用户"},
    {"q", V_STR, .max = 100, .title = "用户名、姓名或地址包含"},
};
static const vfield_t SESSION_OUT[] = {
    {"id", V_ID},
    {"user_id", V_ID},
    {"username", V_STR},
    {"name", V_STR},
    {"org_name", V_STR},
    {"ip", V_STR},
    {"user_agent", V_STR},
    {"created_at", V_TIME},
    {"last_seen_at", V_TIME},
    {"expires_at", V_TIME},
    {"current", V_BOOL, .title = "就是本次会话"},
};

static void list_sessions(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    auth_policy_t pol;
    auth_policy(identity_ctx.db, &pol);
    int64_t now = time_now_ms(), user = http_query_i64(req, "user_id", 0);
    qb_t w;
    res_from(req, &SESSIONS, &w);
    qb_sql(&w, " AND s.expires_at > ");
    qb_int(&w, now);
    qb_sql(&w, " AND s.last_seen_at > ");
    qb_int(&w, now - (int64_t)pol.session_idle_minutes * 60000);
    if (user) {
        qb_sql(&w, " AND s.user_id = ");
        qb_int(&w, user);
    }
    const char *q = http_query(req, "q");
    if (q) {
        static const char *const cols[] = {"u.username", "u.name", "s.ip"};
        qb_like_any(&w, cols, 3, q);
    }
    res_list(req, c, &SESSIONS, SESSION_COLS, &w, "s.last_seen_at DESC, s.id DESC", session_row,
             (void *)auth_of(req));
    qb_free(&w);
}

static void delete_session(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *s = http_defer_json(
        req, res_load(req, c, &SESSIONS, SESSION_COLS, id, session_row, (void *)auth_of(req), RES_PLAIN));
    if (!s)
        return;
    char hash[65] = "";
    db_stmt_t *st = db_prepare(c, "SELECT token_hash FROM sessions WHERE id = ?");
    if (st) {
        db_bind_int64(st, 1, id);
        if (db_step(st) == DB_ROW)
            str_lcpy(hash, db_col_text(st, 0), sizeof hash);
    }
    db_done(st);
    if (!hash[0] || session_revoke(c, hash, "forced") != 0) {
        http_db_error(req, c);
        return;
    }
    audit_entry_t ae = {.target_type = "user",
                        .target = jint(s, "user_id", 0),
                        .detail = http_printf(req, "结束会话 %lld", (long long)id)};
    audit_reply(req, c, true, &ae, 204, NULL);
}

/* ---- policy ---- */

static void get_policy(http_req_t *req)
{
    auth_policy_invalidate(); /* the editor must see the stored value */
    auth_policy_t p;
    auth_policy(identity_ctx.db, &p);
    http_json(req, 200, auth_policy_json(&p));
}

static void patch_policy(http_req_t *req)
{
    json_t *b = valid_object(req);
    db_conn_t *c;
    if (!b || !(c = http_db(req)))
        return;
    if (!http_begin(req, c))
        return;
    auth_policy_invalidate();
    auth_policy_t before, after;
    auth_policy(identity_ctx.db, &before);
    json_t *errs = auth_policy_update(c, b, http_user_id(req), &after);
    if (errs) {
        if (json_object_get(errs, "_")) {
            json_decref(errs);
            http_db_error(req, c);
        } else {
            http_error_fields(req, errs);
        }
        return;
    }
    json_t *bj = auth_policy_json(&before), *aj = auth_policy_json(&after);
    audit_entry_t ae = {.target_type = "policy", .before = bj, .after = aj};
    int rc = audit_write(c, req, &ae);
    json_decref(bj);
    if (rc != 0 || db_commit(c) != 0) {
        json_decref(aj);
        http_db_error(req, c);
        return;
    }
    auth_policy_invalidate();
    http_json(req, 200, aj);
}

/* one route, one or two lines */
// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/permissions", .handler = get_permissions, .perm = "role.read",
     .summary = "权限目录", .notes = "{items:[{group,title,permissions:[{code,title,duty}]}]}"},
    {.method = "GET", .pattern = "/api/v1/roles", .handler = list_roles, .perm = HTTP_LOGIN, .summary = "角色列表", .flags = HTTP_EXPORT,
     .resource = &ROLES, HTTP_OUT(ROLE_OUT), .notes = "user forms need the names"},
    {.method = "POST", .pattern = "/api/v1/roles", .handler = create_role, .perm = "role.write",
     .summary = "新建角色", .audit = "role.create", .resource = &ROLES, HTTP_BODY(ROLE_NEW), HTTP_OUT(ROLE_OUT),
     .status = 201,
     .example = "{\"name\":\"contract_role\",\"title\":\"契约测试角色\",\"permissions\":[\"org.read\"],"
       "\"data_scope\":\"subtree\"}",
     .notes = "the permissions must respect the separation of duties"},
    {.method = "GET", .pattern = "/api/v1/roles/{id}", .handler = get_role, .perm = HTTP_LOGIN,
     .summary = "角色详情", .resource = &ROLES, HTTP_OUT(ROLE_OUT)},
    {.method = "PATCH", .pattern = "/api/v1/roles/{id}", .handler = patch_role, .perm = "role.write",
     .summary = "修改角色", .audit = "role.update", .resource = &ROLES, HTTP_BODY(ROLE_PATCH), HTTP_OUT(ROLE_OUT),
     .example = "{\"title\":\"契约测试角色（改）\"}",
     .notes = "403 for a role the caller holds; 422 when a holder would break the separation of duties"},
    {.method = "DELETE", .pattern = "/api/v1/roles/{id}", .handler = delete_role, .perm = "role.write",
     .summary = "删除角色", .audit = "role.delete", .resource = &ROLES, .status = 204,
     .notes = "409 for a built-in role or one still held"},
    {.method = "GET", .pattern = "/api/v1/sessions", .handler = list_sessions, .perm = "session.read",
     .flags = HTTP_LIST | HTTP_EXPORT, .summary = "在线会话", .resource = &SESSIONS, HTTP_QUERY(SESSION_QUERY),
     HTTP_OUT(SESSION_OUT)},
    {.method = "DELETE", .pattern = "/api/v1/sessions/{id}", .handler = delete_session, .perm = "session.write",
     .summary = "结束会话", .audit = "session.force_logout", .resource = &SESSIONS, .status = 204},
    {.method = "GET", .pattern = "/api/v1/security/policy", .handler = get_policy, .perm = "security.read",
     .summary = "安全策略"},
    {.method = "PATCH", .pattern = "/api/v1/security/policy", .handler = patch_policy, .perm = "security.write",
     .summary = "修改安全策略", .audit = "security.policy_update", .example = "{\"password_min_length\":10}",
     .notes = "password rules, lockout, session limits, login rates, roles that must use TOTP"},
};
// clang-format on

int identity_role_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
