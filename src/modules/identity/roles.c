/* roles.c — roles and permissions, online sessions and the security policy.
 * Built-in roles are created at start-up with their default permissions;
 * the security administrator may adjust them (not delete them). No role and
 * no user may combine system, security and audit administration (三员分立). */
#include "auth/session.h"
#include "core/timeutil.h"
#include "http/listq.h"
#include "http/valid.h"
#include "modules/identity/identity.h"
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
    {"city_reviewer", "市级审核员", "all", {"review.city", "org.read", NULL}},
    {"district_reviewer", "区级审核员", "subtree", {"review.district", "org.read", NULL}},
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

int roles_ensure_builtin(db_t *db, char *err, size_t errlen)
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

const char *roles_grantable(http_req_t *req, db_conn_t *c, json_t *roles, bool *unknown)
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
                   (!auth_has_all(req, perms) || !a || scope_rank(scope) > (int)a->scope)) {
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

static json_t *load_role(db_conn_t *c, int64_t id)
{
    db_stmt_t *st = db_prepare(c, "SELECT " ROLE_COLS " FROM roles r WHERE r.id = ?");
    if (!st)
        return NULL;
    db_bind_int64(st, 1, id);
    json_t *o = db_step(st) == DB_ROW ? role_json(c, st) : NULL;
    db_done(st);
    if (o)
        add_details(c, o);
    return o;
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
    return replace_links(
        c, "DELETE FROM role_permissions WHERE role_id = ?",
        "INSERT INTO role_permissions (role_id, permission) VALUES (?, ?) ON CONFLICT DO NOTHING", role,
        perms);
}

static void create_role(http_req_t *req)
{
    static const vfield_t F[] = {
        {"name", V_STR, true, 2, 32, NULL, check_role_name},
        {"title", V_STR, true, 1, 50, NULL, NULL},
        {"permissions", V_ARRAY, true, 0, 100, NULL, check_perms},
        {"data_scope", V_ENUM, true, 0, 0, SCOPES, NULL},
    };
    db_conn_t *c;
    if (!valid_body(req, F, VN(F), false) || !(c = http_db(req)))
        return;
    json_t *b = http_json_body(req);
    if (db_begin(c) != 0) {
        http_db_error(req, c);
        return;
    }
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
    json_t *o = set_perms(c, id, json_object_get(b, "permissions")) == 0 ? load_role(c, id) : NULL;
    audit_entry_t ae = {.action = "role.create", .target_type = "role", .target = id, .after = o};
    audit_reply(req, c, true, &ae, 201, o);
}

static void get_role(http_req_t *req)
{
    int64_t id;
    db_conn_t *c;
    if (!http_param_id(req, "id", &id) || !(c = http_db(req)))
        return;
    json_t *o = load_role(c, id);
    if (!o)
        http_error(req, 404, "not_found", "角色不存在");
    else
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
    static const vfield_t F[] = {
        {"title", V_STR, false, 1, 50, NULL, NULL},
        {"permissions", V_ARRAY, false, 0, 100, NULL, check_perms},
        {"data_scope", V_ENUM, false, 0, 0, SCOPES, NULL},
    };
    int64_t id;
    db_conn_t *c;
    if (!http_param_id(req, "id", &id) || !valid_body(req, F, VN(F), true) || !(c = http_db(req)))
        return;
    json_t *b = http_json_body(req);
    if (db_begin(c) != 0) {
        http_db_error(req, c);
        return;
    }
    json_t *before = load_role(c, id);
    if (!before) {
        http_error(req, 404, "not_found", "角色不存在");
        return;
    }
    http_defer(req, (void (*)(void *))json_decref, before);
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
    json_t *after = rc == DB_DONE ? load_role(c, id) : NULL;
    audit_entry_t ae = {
        .action = "role.update", .target_type = "role", .target = id, .before = before, .after = after};
    audit_reply(req, c, true, &ae, 200, after);
}

static void delete_role(http_req_t *req)
{
    int64_t id;
    db_conn_t *c;
    if (!http_param_id(req, "id", &id) || !(c = http_db(req)))
        return;
    if (db_begin(c) != 0) {
        http_db_error(req, c);
        return;
    }
    json_t *before = load_role(c, id);
    if (!before) {
        http_error(req, 404, "not_found", "角色不存在");
        return;
    }
    http_defer(req, (void (*)(void *))json_decref, before);
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
    audit_entry_t ae = {.action = "role.delete", .target_type = "role", .target = id, .before = before};
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

static void list_sessions(http_req_t *req)
{
    int64_t page, size, user;
    if (!http_paging(req, &page, &size) || !http_query_int(req, "user_id", 0, 1, INT64_MAX, &user))
        return;
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    auth_policy_t pol;
    auth_policy(ID.db, &pol);
    int64_t now = time_now_ms();
    qb_t w;
    qb_init(&w, " FROM sessions s JOIN users u ON u.id = s.user_id JOIN orgs o ON o.id = u.org_id "
                "WHERE s.revoked_at IS NULL AND s.expires_at > ");
    qb_int(&w, now);
    qb_sql(&w, " AND s.last_seen_at > ");
    qb_int(&w, now - (int64_t)pol.session_idle_minutes * 60000);
    if (user) {
        qb_sql(&w, " AND s.user_id = ");
        qb_int(&w, user);
    }
    const char *q = http_query(req, "q");
    if (q && *q) {
        if (utf8_count(q, strlen(q)) > 100) {
            qb_free(&w);
            http_error_fields(req, json_pack("{s:s}", "q", "检索词过长"));
            return;
        }
        static const char *const cols[] = {"u.username", "u.name", "s.ip"};
        qb_like_any(&w, cols, 3, q);
    }
    auth_scope_rows(req, &w, "u.org_id", "u.id");
    http_list_query(req, c, SESSION_COLS, &w, "s.last_seen_at DESC", page, size, session_row,
                    (void *)auth_of(req));
    qb_free(&w);
}

static void delete_session(http_req_t *req)
{
    int64_t id;
    db_conn_t *c;
    if (!http_param_id(req, "id", &id) || !(c = http_db(req)))
        return;
    qb_t q;
    qb_init(&q, "SELECT s.token_hash, s.user_id FROM sessions s JOIN users u ON u.id = s.user_id "
                "WHERE s.revoked_at IS NULL AND s.id = ");
    qb_int(&q, id);
    auth_scope_rows(req, &q, "u.org_id", "u.id");
    db_stmt_t *st = qb_prepare(c, &q);
    char hash[65] = "";
    int64_t user = 0;
    if (st && db_step(st) == DB_ROW) {
        str_lcpy(hash, db_col_text(st, 0), sizeof hash);
        user = db_col_int64(st, 1);
    }
    db_done(st);
    qb_free(&q);
    if (!hash[0]) {
        http_error(req, 404, "not_found", "会话不存在或已结束");
        return;
    }
    if (db_begin(c) != 0 || session_revoke(c, hash, "forced") != 0) {
        http_db_error(req, c);
        return;
    }
    audit_entry_t ae = {.action = "session.force_logout",
                        .target_type = "user",
                        .target = user,
                        .detail = http_printf(req, "结束会话 %lld", (long long)id)};
    if (!audit_commit(req, c, &ae))
        return;
    http_no_content(req);
}

/* ---- policy ---- */

static void get_policy(http_req_t *req)
{
    auth_policy_invalidate(); /* the editor must see the stored value */
    auth_policy_t p;
    auth_policy(ID.db, &p);
    http_json(req, 200, auth_policy_json(&p));
}

static void patch_policy(http_req_t *req)
{
    json_t *b = valid_object(req);
    db_conn_t *c;
    if (!b || !(c = http_db(req)))
        return;
    if (db_begin(c) != 0) {
        http_db_error(req, c);
        return;
    }
    auth_policy_invalidate();
    auth_policy_t before, after;
    auth_policy(ID.db, &before);
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
    audit_entry_t ae = {
        .action = "security.policy_update", .target_type = "policy", .before = bj, .after = aj};
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

static const http_route_t routes[] = {
    {"GET", "/api/v1/permissions", get_permissions, "role.read", 0, 0},
    {"GET", "/api/v1/roles", list_roles, NULL, 0, 0}, /* user forms need the names */
    {"POST", "/api/v1/roles", create_role, "role.write", 0, 0},
    {"GET", "/api/v1/roles/{id}", get_role, NULL, 0, 0},
    {"PATCH", "/api/v1/roles/{id}", patch_role, "role.write", 0, 0},
    {"DELETE", "/api/v1/roles/{id}", delete_role, "role.write", 0, 0},
    {"GET", "/api/v1/sessions", list_sessions, "session.read", 0, 0},
    {"DELETE", "/api/v1/sessions/{id}", delete_session, "session.write", 0, 0},
    {"GET", "/api/v1/security/policy", get_policy, "security.read", 0, 0},
    {"PATCH", "/api/v1/security/policy", patch_policy, "security.write", 0, 0},
};

int identity_role_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
