/* users.c — user accounts: create, edit, disable, roles, password resets,
 * unlock, forced logout. Phone numbers are sealed with SM4 at rest and masked
 * in lists. Nobody changes their own roles or status, and without role.write
 * a caller may only hand out roles within their own permissions and scope. */
#include "auth/password.h"
#include "auth/resource.h"
#include "auth/session.h"
#include "core/crypto.h"
#include "core/mime.h"
#include "core/timeutil.h"
#include "core/xlsx.h"
#include "http/upload.h"
#include "http/valid.h"
#include "modules/identity/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void identity_phone_mask(const char *phone, char *out, size_t outsz)
{
    char digits[32];
    size_t n = 0;
    for (const char *p = phone; *p && n < sizeof digits - 1; p++)
        if (*p >= '0' && *p <= '9')
            digits[n++] = *p;
    digits[n] = 0;
    if (n < 7) {
        str_lcpy(out, "****", outsz);
        return;
    }
    snprintf(out, outsz, "%.3s****%s", digits, digits + n - 4);
}

json_t *identity_user_roles_json(db_conn_t *c, int64_t user_id)
{
    json_t *a = json_array();
    db_stmt_t *st = db_prepare(c, "SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id "
                                  "WHERE ur.user_id = ? ORDER BY r.id");
    if (st) {
        db_bind_int64(st, 1, user_id);
        while (db_step(st) == DB_ROW)
            json_array_append_new(a, json_string(db_col_text(st, 0)));
    }
    db_done(st);
    return a;
}

int identity_replace_links(db_conn_t *c, const char *delete_sql, const char *insert_sql, int64_t owner,
                           json_t *values)
{
    db_stmt_t *st = db_prepare(c, delete_sql);
    if (!st)
        return -1;
    db_bind_int64(st, 1, owner);
    int rc = db_step(st);
    db_done(st);
    size_t i;
    json_t *v;
    json_array_foreach(values, i, v)
    {
        if (rc != DB_DONE || !(st = db_prepare(c, insert_sql)))
            return -1;
        db_bind_int64(st, 1, owner);
        db_bind_text(st, 2, json_string_value(v));
        rc = db_step(st);
        db_done(st);
    }
    return rc == DB_DONE ? 0 : -1;
}

int identity_roles_assign(db_conn_t *c, int64_t user_id, json_t *roles)
{
    return identity_replace_links(
        c, "DELETE FROM user_roles WHERE user_id = ?",
        "INSERT INTO user_roles (user_id, role_id) SELECT ?, id FROM roles WHERE name = ? "
        "ON CONFLICT DO NOTHING",
        user_id, roles);
}

/* Keeps a password hash for the "not one of the last N" rule. */
static int remember_password(db_conn_t *c, int64_t user_id, const char *hash, int64_t now)
{
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO password_history (user_id, password_hash, created_at) VALUES (?, ?, ?)");
    if (!st)
        return -1;
    db_bind_int64(st, 1, user_id);
    db_bind_text(st, 2, hash);
    db_bind_int64(st, 3, now);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

int identity_set_password(db_conn_t *c, int64_t user_id, const char *hash, bool must_change)
{
    int64_t now = time_now_ms();
    db_stmt_t *st =
        db_prepare(c, "UPDATE users SET password_hash = ?, password_changed_at = ?, "
                      "must_change_password = ?, provisioned = 0, failed_logins = 0, locked_until = NULL, "
                      "updated_at = ? WHERE id = ?");
    if (!st)
        return -1;
    db_bind_text(st, 1, hash);
    db_bind_int64(st, 2, now);
    db_bind_bool(st, 3, must_change);
    db_bind_int64(st, 4, now);
    db_bind_int64(st, 5, user_id);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? remember_password(c, user_id, hash, now) : -1;
}

const char *identity_password_acceptable(db_conn_t *c, int64_t user_id, const char *username, const char *pw,
                                         const auth_policy_t *pol)
{
    const char *why = password_check(pw, username, pol->password_min_length, pol->password_min_classes);
    if (why || !user_id || pol->password_history <= 0)
        return why;
    static _Thread_local char msg[80];
    db_stmt_t *st = db_prepare(
        c, "SELECT password_hash FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT ?");
    if (!st)
        return "无法检查历史密码";
    db_bind_int64(st, 1, user_id);
    db_bind_int64(st, 2, pol->password_history);
    while (!why && db_step(st) == DB_ROW)
        if (password_verify(db_col_text(st, 0), pw)) {
            snprintf(msg, sizeof msg, "不能与最近 %d 次使用过的密码相同", pol->password_history);
            why = msg;
        }
    db_done(st);
    return why;
}

int64_t identity_user_insert(db_conn_t *c, const char *username, const char *name, int64_t org_id,
                             const char *hash, bool must_change, bool provisioned, const char *phone,
                             const char *email, json_t *roles, int64_t by)
{
    int64_t now = time_now_ms();
    char *sealed = phone && *phone ? crypto_seal(phone) : NULL;
    char masked[32] = "";
    if (sealed)
        identity_phone_mask(phone, masked, sizeof masked);
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO users (username, name, org_id, password_hash, password_changed_at, "
                      "must_change_password, provisioned, phone_enc, phone_masked, email, created_by, "
                      "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (!st) {
        free(sealed);
        return -1;
    }
    db_bind_text(st, 1, username);
    db_bind_text(st, 2, name);
    db_bind_int64(st, 3, org_id);
    db_bind_text(st, 4, hash);
    db_bind_int64(st, 5, now);
    db_bind_bool(st, 6, must_change);
    db_bind_bool(st, 7, provisioned);
    db_bind_text(st, 8, sealed);
    db_bind_text(st, 9, sealed ? masked : NULL);
    db_bind_text(st, 10, email && *email ? email : NULL);
    db_bind_id(st, 11, by);
    db_bind_int64(st, 12, now);
    db_bind_int64(st, 13, now);
    int rc = db_step(st);
    int64_t id = rc == DB_ROW ? db_col_int64(st, 0) : 0;
    db_done(st);
    free(sealed);
    if (!id)
        return db_errcode(c) == DB_E_UNIQUE ? -2 : -1;
    if (remember_password(c, id, hash, now) != 0 || identity_roles_assign(c, id, roles) != 0)
        return -1;
    return id;
}

#define USER_COLS                                                                                            \
    "u.id, u.username, u.name, u.org_id, o.name, u.phone_masked, u.email, u.status, u.locked_until, "        \
    "u.must_change_password, u.totp_enc IS NOT NULL, u.last_login_at, u.password_changed_at, u.created_at, " \
    "u.updated_at, u.phone_enc, u.last_login_ip, u.prev_login_at, u.prev_login_ip, "                         \
    "(SELECT MAX(s.expires_at) FROM sessions s WHERE s.user_id = u.id AND s.revoked_at IS NULL)"

static json_t *user_json(db_conn_t *c, db_stmt_t *st, bool full_phone)
{
    json_t *u = json_object();
    int64_t id = db_col_int64(st, 0), locked = db_col_int64(st, 8);
    json_object_set_new(u, "id", json_integer(id));
    json_object_set_new(u, "username", json_string(db_col_text(st, 1)));
    json_object_set_new(u, "name", json_string(db_col_text(st, 2)));
    json_object_set_new(u, "org_id", json_integer(db_col_int64(st, 3)));
    json_object_set_new(u, "org_name", json_string(db_col_text(st, 4)));
    json_t *phone = json_text_or_null(db_col_text(st, 5));
    if (full_phone && db_col_text(st, 15)) {
        char *p = crypto_open(db_col_text(st, 15));
        if (p) {
            json_decref(phone);
            phone = json_string(p);
            free(p);
        }
    }
    json_object_set_new(u, "phone", phone);
    json_object_set_new(u, "email", json_text_or_null(db_col_text(st, 6)));
    json_object_set_new(u, "status", json_string(db_col_text(st, 7)));
    json_object_set_new(u, "locked_until", locked > time_now_ms() ? json_time(locked) : json_null());
    json_object_set_new(u, "must_change_password", json_boolean(db_col_bool(st, 9)));
    json_object_set_new(u, "totp_enabled", json_boolean(db_col_bool(st, 10)));
    json_object_set_new(u, "last_login_at", json_time(db_col_int64(st, 11)));
    json_object_set_new(u, "last_login_ip", json_text_or_null(db_col_text(st, 16)));
    /* the login before the current one: what "上次登录" means to the user */
    json_object_set_new(u, "previous_login_at", json_time(db_col_int64(st, 17)));
    json_object_set_new(u, "previous_login_ip", json_text_or_null(db_col_text(st, 18)));
    json_object_set_new(u, "password_changed_at", json_time(db_col_int64(st, 12)));
    json_object_set_new(u, "created_at", json_time(db_col_int64(st, 13)));
    json_object_set_new(u, "updated_at", json_time(db_col_int64(st, 14)));
    /* a login session not ended: what 强制下线 could end (the console offers it only then) */
    json_object_set_new(u, "online", json_boolean(db_col_int64(st, 19) > time_now_ms()));
    json_object_set_new(u, "roles", json_array()); /* filled by the caller, after this statement is done */
    (void)c;
    return u;
}

/* list rows carry their roles (a second statement on the same connection) */
static json_t *user_row(db_stmt_t *st, void *ud)
{
    json_t *u = user_json(ud, st, false);
    json_object_set_new(u, "roles", identity_user_roles_json(ud, db_col_int64(st, 0)));
    return u;
}

/* users are scoped by their organisation; "self" scope sees only oneself */
static const res_sort_t USER_SORTS[] = {{"id", "u.id"},
                                        {"username", "u.username"},
                                        {"name", "u.name"},
                                        {"org_name", "o.name"},
                                        {"status", "u.status"},
                                        {"last_login_at", "u.last_login_at"},
                                        {"created_at", "u.created_at"},
                                        {NULL, NULL}};
const zd_resource_t identity_users = {.name = "user",
                                      .title = "用户",
                                      .table = "users",
                                      .alias = "u",
                                      .from = "users u JOIN orgs o ON o.id = u.org_id",
                                      .org_col = "u.org_id",
                                      .creator_col = "u.id",
                                      .sorts = USER_SORTS};

static json_t *user_row_plain(db_stmt_t *st, void *ud) { return user_json(ud, st, false); }
static json_t *user_row_phone(db_stmt_t *st, void *ud) { return user_json(ud, st, true); }

json_t *identity_user_load(http_req_t *req, db_conn_t *c, int64_t id, bool full_phone)
{
    http_row_fn row = full_phone ? user_row_phone : user_row_plain;
    json_t *u = NULL;
    if (req) {
        u = res_find(req, c, &identity_users, USER_COLS, id, row, c, RES_PLAIN, NULL);
    } else { /* the system's own look-up (the caller's own record) */
        db_stmt_t *st = db_prepare(c, "SELECT " USER_COLS " FROM users u JOIN orgs o ON o.id = u.org_id "
                                      "WHERE u.id = ?");
        if (st) {
            db_bind_int64(st, 1, id);
            if (db_step(st) == DB_ROW)
                u = row(st, c);
        }
        db_done(st);
    }
    if (u)
        json_object_set_new(u, "roles", identity_user_roles_json(c, id));
    return u;
}

static void not_found(http_req_t *req) { res_not_found(req, &identity_users); }

static const char *const USER_STATUS[] = {"active", "disabled", NULL};

static const vfield_t USER_QUERY[] = {
    {"org_id", V_ID, .title = "所属组织"},
    {"subtree", V_BOOL, .title = "含下级组织（与 org_id 同用）"},
    {"q", V_STR, .max = 100, .title = "用户名或姓名包含"},
    {"role", V_STR, .max = 64, .title = "持有的角色（角色名）"},
    {"status", V_ENUM, .choices = USER_STATUS, .title = "状态"},
    {"locked", V_BOOL, .title = "只看被锁定的"},
};

static void list_users(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    int64_t org = http_query_i64(req, "org_id", 0);
    const char *q = http_query(req, "q"), *role = http_query(req, "role"),
               *status = http_query(req, "status");
    qb_t w;
    res_from(req, &identity_users, &w);
    if (org && http_query_bool(req, "subtree")) {
        qb_sql(&w, " AND o.path LIKE (SELECT path FROM orgs WHERE id = ");
        qb_int(&w, org);
        qb_sql(&w, ") || '%'");
    } else if (org) {
        qb_sql(&w, " AND u.org_id = ");
        qb_int(&w, org);
    }
    if (status) {
        qb_sql(&w, " AND u.status = ");
        qb_text(&w, status);
    }
    if (http_query_bool(req, "locked")) {
        qb_sql(&w, " AND u.locked_until > ");
        qb_int(&w, time_now_ms());
    }
    if (role) {
        qb_sql(&w, " AND u.id IN (SELECT ur.user_id FROM user_roles ur JOIN roles r ON r.id = ur.role_id "
                   "WHERE r.name = ");
        qb_text(&w, role);
        qb_sql(&w, ")");
    }
    if (q) {
        static const char *const cols[] = {"u.username", "u.name"};
        qb_like_any(&w, cols, 2, q);
    }
    res_list(req, c, &identity_users, USER_COLS, &w, "u.id", user_row, c);
    qb_free(&w);
}

static const char *check_username(json_t *v)
{
    const char *s = json_string_value(v);
    size_t n = strlen(s);
    if (n < 3 || n > 32)
        return "应为 3 到 32 个字符";
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_' ||
              *s == '.' || *s == '-'))
            return "只能包含字母、数字和 _ . -";
    return NULL;
}

const char *identity_check_email(json_t *v)
{
    const char *s = json_string_value(v), *at = strchr(s, '@');
    if (!*s)
        return NULL;
    return at && at > s && strchr(at, '.') && !strchr(at + 1, '@') && !strchr(s, ' ') ? NULL
                                                                                      : "邮箱格式不正确";
}

const char *identity_check_phone(json_t *v)
{
    const char *s = json_string_value(v);
    int digits = 0;
    if (!*s)
        return NULL;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9')
            digits++;
        else if (*s != '-' && *s != ' ' && *s != '+')
            return "应为电话号码";
    }
    return digits >= 7 && digits <= 15 ? NULL : "应为 7 到 15 位数字的电话号码";
}

static const char *check_roles(json_t *v)
{
    size_t i;
    json_t *r;
    json_array_foreach(v, i, r) if (!json_is_string(r) || json_string_length(r) == 0 ||
                                    json_string_length(r) > 64) return "应为角色名数组";
    return NULL;
}

/* Generated passwords are answered once; given ones are checked. */
static const char *new_password(http_req_t *req, db_conn_t *c, int64_t user_id, const char *username,
                                const char *given, const auth_policy_t *pol, char *pw, size_t pwsz,
                                char *hash)
{
    if (given) {
        const char *why = identity_password_acceptable(c, user_id, username, given, pol);
        if (why)
            return why;
        str_lcpy(pw, given, pwsz);
    } else {
        password_generate(pw, pol->password_min_length > 16 ? (size_t)pol->password_min_length : 16);
    }
    if (password_hash(pw, hash, PASSWORD_HASH_MAX) != 0) {
        http_error(req, 500, "internal", "密码处理失败");
        return "";
    }
    return NULL;
}

static const vfield_t USER_NEW[] = {
    {"username", V_STR, true, 3, 32, NULL, check_username, "用户名（字母、数字和 _ . -）"},
    {"name", V_STR, true, 1, 50, NULL, NULL, "姓名"},
    {"password", V_STR, false, 1, 128, NULL, NULL, "初始密码；不填则生成，只在答复中出现一次"},
    {"org_id", V_ID, true, 0, 0, NULL, NULL, "所属组织"},
    {"roles", V_ARRAY, true, 1, 16, NULL, check_roles, "角色名"},
    {"phone", V_STR, false, 0, 30, NULL, identity_check_phone, "手机（SM4 加密保存，列表中打码）"},
    {"email", V_STR, false, 0, 100, NULL, identity_check_email, "邮箱"},
};

static const vfield_t USER_OUT[] = {
    {"id", V_ID},
    {"username", V_STR},
    {"name", V_STR},
    {"org_id", V_ID},
    {"org_name", V_STR},
    {"phone", V_STR, .title = "手机（打码；有 user.write 权限时的详情为完整号码）"},
    {"email", V_STR},
    {"status", V_ENUM, .choices = USER_STATUS},
    {"locked_until", V_TIME},
    {"must_change_password", V_BOOL},
    {"totp_enabled", V_BOOL},
    {"last_login_at", V_TIME},
    {"last_login_ip", V_STR},
    {"previous_login_at", V_TIME, .title = "上次登录（本次之前的一次）"},
    {"previous_login_ip", V_STR},
    {"online", V_BOOL, .title = "在线：有未结束的登录会话"},
    {"password_changed_at", V_TIME},
    {"roles", V_ARRAY, .title = "角色名"},
    {"created_at", V_TIME},
    {"updated_at", V_TIME},
};

static void create_user(http_req_t *req)
{
    db_conn_t *c;
    if (!(c = http_db(req)))
        return;
    json_t *b = http_json_body(req);
    auth_policy_t pol;
    auth_policy(identity_ctx.db, &pol);
    if (!http_begin(req, c))
        return;
    json_t *errs = json_object();
    if (!auth_org_in_scope(req, c, jint(b, "org_id", 0)))
        json_object_set_new(errs, "org_id", json_string("组织不存在或不在您的管理范围内"));
    bool unknown = false;
    const char *why = identity_roles_grantable(req, c, json_object_get(b, "roles"), &unknown);
    if (why && unknown)
        json_object_set_new(errs, "roles", json_string(why));
    char pw[PASSWORD_MAX_LEN + 1], hash[PASSWORD_HASH_MAX];
    const char *pwhy =
        new_password(req, c, 0, jstr(b, "username"), jstr(b, "password"), &pol, pw, sizeof pw, hash);
    if (http_responded(req)) {
        json_decref(errs);
        return;
    }
    if (pwhy)
        json_object_set_new(errs, "password", json_string(pwhy));
    if (json_object_size(errs)) {
        http_error_fields(req, errs);
        return;
    }
    json_decref(errs);
    if (why) {
        http_error(req, 403, "forbidden", "%s", why);
        return;
    }
    int64_t id = identity_user_insert(c, jstr(b, "username"), jstr(b, "name"), jint(b, "org_id", 0), hash,
                                      pol.must_change_on_reset, false, jstr(b, "phone"), jstr(b, "email"),
                                      json_object_get(b, "roles"), http_user_id(req));
    if (id == -2) {
        http_error_fields(req, json_pack("{s:s}", "username", "用户名已存在"));
        return;
    }
    json_t *u = id > 0 ? identity_user_load(req, c, id, false) : NULL;
    audit_entry_t ae = {.action = "user.create", .target_type = "user", .target = id, .after = u};
    if (!u || !audit_commit(req, c, &ae)) { /* the generated password is added after the record */
        if (!u)
            http_db_error(req, c);
        json_decref(u);
        return;
    }
    if (!jstr(b, "password"))
        json_object_set_new(u, "generated_password", json_string(pw));
    http_json(req, 201, u);
}

static void get_user(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *u = identity_user_load(req, c, id, auth_has(req, "user.write") || id == http_user_id(req));
    if (!u)
        not_found(req);
    else
        http_json(req, 200, u);
}

static const vfield_t USER_PATCH[] = {
    {"name", V_STR, false, 1, 50, NULL, NULL, "姓名"},
    {"org_id", V_ID, false, 0, 0, NULL, NULL, "所属组织"},
    {"roles", V_ARRAY, false, 1, 16, NULL, check_roles, "角色名（整体替换）"},
    {"phone", V_STR, false, 0, 30, NULL, identity_check_phone, "手机"},
    {"email", V_STR, false, 0, 100, NULL, identity_check_email, "邮箱"},
    {"status", V_ENUM, false, 0, 0, USER_STATUS, NULL, "状态"},
};

static void patch_user(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *b = http_json_body(req);
    /* roles are the security administrator's (role.write) or, within the
     * caller's own powers, the user manager's; everything else needs user.write */
    bool other_fields = false;
    for (size_t i = 0; i < VN(USER_PATCH); i++)
        other_fields |= strcmp(USER_PATCH[i].name, "roles") != 0 && jhas(b, USER_PATCH[i].name);
    if ((other_fields && !auth_has(req, "user.write")) ||
        (jhas(b, "roles") && !auth_has(req, "user.write") && !auth_has(req, "role.write"))) {
        http_error(req, 403, "forbidden", "没有执行此操作的权限");
        return;
    }
    bool self = id == http_user_id(req);
    if (self && (jhas(b, "roles") || jhas(b, "status") || jhas(b, "org_id"))) {
        http_error(req, 403, "forbidden", "不能修改自己的角色、状态或所属组织");
        return;
    }
    if (!http_begin(req, c))
        return;
    json_t *before = identity_user_load(req, c, id, false);
    if (!before) {
        not_found(req);
        return;
    }
    http_defer_json(req, before);
    /* whatever the field: a user holding roles the caller could not grant
     * (the audit administrator, for the system administrator) is not the
     * caller's to change; the security administrator (role.write) assigns
     * roles to anyone */
    bool unknown;
    if (!self && !auth_has(req, "role.write") &&
        identity_roles_grantable(req, c, json_object_get(before, "roles"), &unknown)) {
        http_error(req, 403, "forbidden", "该用户持有您无权调整的角色");
        return;
    }
    if (jhas(b, "org_id") && !auth_org_in_scope(req, c, jint(b, "org_id", 0))) {
        http_error_fields(req, json_pack("{s:s}", "org_id", "组织不存在或不在您的管理范围内"));
        return;
    }
    json_t *roles = json_object_get(b, "roles");
    if (json_is_array(roles)) {
        const char *why = identity_roles_grantable(req, c, roles, &unknown);
        if (why && unknown) {
            http_error_fields(req, json_pack("{s:s}", "roles", why));
            return;
        }
        if (why) {
            http_error(req, 403, "forbidden", "%s", why);
            return;
        }
    }
    qb_t q;
    qb_init(&q, "UPDATE users SET updated_at = ");
    qb_int(&q, time_now_ms());
    if (jstr(b, "name")) {
        qb_sql(&q, ", name = ");
        qb_text(&q, jstr(b, "name"));
    }
    if (jhas(b, "org_id") && jint(b, "org_id", 0)) {
        qb_sql(&q, ", org_id = ");
        qb_int(&q, jint(b, "org_id", 0));
    }
    if (jhas(b, "email")) {
        qb_sql(&q, ", email = ");
        qb_text(&q, jstr(b, "email") && *jstr(b, "email") ? jstr(b, "email") : NULL);
    }
    if (jstr(b, "status")) {
        qb_sql(&q, ", status = ");
        qb_text(&q, jstr(b, "status"));
    }
    char *sealed = NULL;
    if (jhas(b, "phone")) {
        const char *ph = jstr(b, "phone");
        char masked[32] = "";
        if (ph && *ph) {
            sealed = crypto_seal(ph);
            identity_phone_mask(ph, masked, sizeof masked);
        }
        qb_sql(&q, ", phone_enc = ");
        qb_text(&q, sealed);
        qb_sql(&q, ", phone_masked = ");
        qb_text(&q, sealed ? masked : NULL);
    }
    free(sealed);
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    db_stmt_t *st = qb_prepare(c, &q);
    int rc = st ? db_step(st) : DB_ERROR;
    db_done(st);
    qb_free(&q);
    if (rc == DB_DONE && json_is_array(roles))
        rc = identity_roles_assign(c, id, roles) == 0 ? DB_DONE : DB_ERROR;
    /* a disabled account or a change of roles ends its sessions */
    bool disabling = jstr(b, "status") && !strcmp(jstr(b, "status"), "disabled");
    if (rc == DB_DONE && (disabling || json_is_array(roles)) &&
        session_revoke_user(c, id, disabling ? "disabled" : "roles_changed") != 0)
        rc = DB_ERROR;
    json_t *after = rc == DB_DONE ? identity_user_load(req, c, id, false) : NULL;
    const char *action = disabling ? "user.disable"
                         : jstr(b, "status") && !strcmp(jstr(b, "status"), "active") &&
                                 strcmp(jstr(before, "status"), "active") != 0
                             ? "user.enable"
                         : json_is_array(roles) ? "user.update_roles"
                                                : "user.update";
    audit_entry_t ae = {
        .action = action, .target_type = "user", .target = id, .before = before, .after = after};
    audit_reply(req, c, true, &ae, 200, after);
}

static void delete_user(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    if (id == http_user_id(req)) {
        http_error(req, 403, "forbidden", "不能停用自己的账号");
        return;
    }
    if (!http_begin(req, c))
        return;
    json_t *before = http_defer_json(req, identity_user_load(req, c, id, false));
    if (!before) {
        not_found(req);
        return;
    }
    bool unknown;
    if (identity_roles_grantable(req, c, json_object_get(before, "roles"), &unknown)) {
        http_error(req, 403, "forbidden", "该用户持有您无权调整的角色");
        return;
    }
    db_stmt_t *st = db_prepare(c, "UPDATE users SET status = 'disabled', updated_at = ? WHERE id = ?");
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, time_now_ms());
        db_bind_int64(st, 2, id);
        rc = db_step(st);
    }
    db_done(st);
    audit_entry_t ae = {.action = "user.disable", .target_type = "user", .target = id, .before = before};
    if (rc != DB_DONE || session_revoke_user(c, id, "disabled") != 0 || audit_write(c, req, &ae) != 0 ||
        db_commit(c) != 0) {
        http_db_error(req, c);
        return;
    }
    http_no_content(req);
}

/* Shared by reset-password, unlock and logout: loads the target in scope and
 * refuses when it holds roles the caller cannot manage. */
static json_t *target(http_req_t *req, db_conn_t *c, int64_t *id)
{
    if (!http_param_id(req, "id", id))
        return NULL;
    if (!http_begin(req, c))
        return NULL;
    json_t *u = identity_user_load(req, c, *id, false);
    if (!u) {
        not_found(req);
        return NULL;
    }
    bool unknown;
    if (*id != http_user_id(req) && !auth_has(req, "role.write") &&
        identity_roles_grantable(req, c, json_object_get(u, "roles"), &unknown)) {
        json_decref(u);
        http_error(req, 403, "forbidden", "该用户持有您无权调整的角色");
        return NULL;
    }
    return http_defer_json(req, u);
}

static void finish(http_req_t *req, db_conn_t *c, const char *action, int64_t id, const char *detail)
{
    audit_entry_t ae = {.action = action, .target_type = "user", .target = id, .detail = detail};
    audit_commit(req, c, &ae);
}

static const vfield_t RESET_BODY[] = {
    {"password", V_STR, false, 1, 128, NULL, NULL, "新密码；不填则生成，只在答复中出现一次"}};

static void reset_password(http_req_t *req)
{
    int64_t id;
    db_conn_t *c;
    json_t *b = http_json_body(req);
    if (!(c = http_db(req)))
        return;
    json_t *u = target(req, c, &id);
    if (!u)
        return;
    auth_policy_t pol;
    auth_policy(identity_ctx.db, &pol);
    char pw[PASSWORD_MAX_LEN + 1], hash[PASSWORD_HASH_MAX];
    const char *why =
        new_password(req, c, id, jstr(u, "username"), jstr(b, "password"), &pol, pw, sizeof pw, hash);
    if (http_responded(req))
        return;
    if (why) {
        http_error_fields(req, json_pack("{s:s}", "password", why));
        return;
    }
    if (identity_set_password(c, id, hash, pol.must_change_on_reset) != 0 ||
        session_revoke_user(c, id, "password_reset") != 0) {
        http_db_error(req, c);
        return;
    }
    finish(req, c, "user.reset_password", id, NULL);
    if (http_responded(req))
        return;
    json_t *o = json_pack("{s:b}", "must_change_password", pol.must_change_on_reset);
    if (!jstr(b, "password"))
        json_object_set_new(o, "generated_password", json_string(pw));
    http_json(req, 200, o);
}

static void unlock_user(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db(req);
    json_t *u = c ? target(req, c, &id) : NULL;
    if (!u)
        return;
    db_stmt_t *st =
        db_prepare(c, "UPDATE users SET failed_logins = 0, locked_until = NULL, updated_at = ? WHERE id = ?");
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, time_now_ms());
        db_bind_int64(st, 2, id);
        rc = db_step(st);
    }
    db_done(st);
    if (rc != DB_DONE) {
        http_db_error(req, c);
        return;
    }
    finish(req, c, "user.unlock", id, NULL);
    if (!http_responded(req))
        http_no_content(req);
}

/* The security administrator's answer to a second factor in the wrong hands
 * (an attacker enrolled it with a stolen token): the factor goes, with every
 * session and token, and the user enrols again at the next login when their
 * role requires it. */
static void reset_totp(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db(req);
    json_t *u = c ? target(req, c, &id) : NULL;
    if (!u)
        return;
    db_stmt_t *st =
        db_prepare(c, "UPDATE users SET totp_enc = NULL, totp_pending_enc = NULL, totp_last_step = 0, "
                      "updated_at = ? WHERE id = ?");
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, time_now_ms());
        db_bind_int64(st, 2, id);
        rc = db_step(st);
    }
    db_done(st);
    if (rc != DB_DONE || session_revoke_user(c, id, "totp_reset") != 0) {
        http_db_error(req, c);
        return;
    }
    finish(req, c, "user.reset_totp", id, "重置动态口令，结束全部会话与令牌");
    if (!http_responded(req))
        http_no_content(req);
}

/* Anyone's API tokens, for the security administrator (never the secret). */
static void list_user_tokens(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c || !res_visible(req, c, &identity_users, id))
        return;
    json_t *items = json_array();
    db_stmt_t *st = db_prepare(c, "SELECT " TOKEN_COLS " FROM api_tokens WHERE user_id = ? ORDER BY id DESC");
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, id);
        while ((rc = db_step(st)) == DB_ROW)
            json_array_append_new(items, identity_token_json(st));
    }
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(items);
        http_db_error(req, c);
        return;
    }
    http_json(req, 200, json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

static void revoke_user_token(http_req_t *req)
{
    int64_t id, token;
    db_conn_t *c = http_db(req);
    if (!c || !http_param_id(req, "token_id", &token) || !target(req, c, &id))
        return;
    int r = session_revoke_token(c, token, id, "revoked_by_admin");
    if (r < 0) {
        http_db_error(req, c);
        return;
    }
    if (r == 0) {
        http_error(req, 404, "not_found", "令牌不存在或已吊销");
        return;
    }
    finish(req, c, "user.revoke_token", id, http_printf(req, "吊销 API 令牌 %lld", (long long)token));
    if (!http_responded(req))
        http_no_content(req);
}

static void logout_user(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db(req);
    json_t *u = c ? target(req, c, &id) : NULL;
    if (!u)
        return;
    if (session_revoke_user(c, id, "forced") != 0) {
        http_db_error(req, c);
        return;
    }
    finish(req, c, "session.force_logout", id, "结束该用户的全部会话");
    if (!http_responded(req))
        http_no_content(req);
}

/* ---- import from a workbook (POST /users/import) ---- */

/* The columns of the import sheet, matched by header text (the template's). */
enum { UCOL_USERNAME, UCOL_NAME, UCOL_ORG, UCOL_ROLES, UCOL_PHONE, UCOL_EMAIL, UNCOLS };
static const char *const UHEADERS[UNCOLS] = {"用户名", "姓名", "组织编码", "角色", "手机", "电子邮箱"};
#define USER_IMPORT_MAX_ROWS 500 /* each new user's password is hashed (argon2id) in the request */

typedef struct {
    int col[UNCOLS];
    bool have_header;
    json_t *rows;   /* [{row, username, name, org, roles, phone, email}] */
    json_t *errors; /* [{row, message}] */
} uimport_t;

static void uerror(uimport_t *im, size_t row, const char *msg)
{
    json_array_append_new(im->errors, json_pack("{s:I,s:s}", "row", (json_int_t)row, "message", msg));
}

static int uread_row(void *ud, size_t row, const char *const *cells, size_t ncells)
{
    uimport_t *im = ud;
    if (!im->have_header) {
        xlsx_header_cols(UHEADERS, UNCOLS, cells, ncells, im->col);
        im->have_header = true;
        for (int k = 0; k < UNCOLS; k++)
            if (im->col[k] < 0 && k <= UCOL_ORG) {
                uerror(im, row, "表头不符：须有“用户名”“姓名”“组织编码”列，请使用下载的模板");
                return 1;
            }
        return 0;
    }
    json_t *r = json_pack("{s:I}", "row", (json_int_t)row);
    bool any = false;
    static const char *const KEYS[UNCOLS] = {"username", "name", "org", "roles", "phone", "email"};
    for (int k = 0; k < UNCOLS; k++) {
        const char *v = im->col[k] >= 0 && (size_t)im->col[k] < ncells ? cells[im->col[k]] : NULL;
        while (v && *v == ' ')
            v++;
        if (v && *v) {
            json_object_set_new(r, KEYS[k], json_string(v));
            any = true;
        }
    }
    if (any)
        json_array_append_new(im->rows, r);
    else
        json_decref(r);
    if (json_array_size(im->rows) > USER_IMPORT_MAX_ROWS) {
        uerror(im, row, "一次最多导入 500 个用户，请分批导入");
        return 1;
    }
    return 0;
}

/* "党务工作者、党员" (titles or names, separated by 、 , ，; or spaces) → ["worker","member"];
 * NULL with why for a role that does not exist */
static json_t *role_names(db_conn_t *c, const char *text, char *why, size_t whylen)
{
    json_t *out = json_array();
    char *s = strdup(text ? text : ""), *save = NULL;
    static const char *const SEPS[] = {"、", "，", "；"};
    for (size_t i = 0; i < sizeof SEPS / sizeof SEPS[0]; i++)
        for (char *p; (p = strstr(s, SEPS[i]));) {
            memset(p, ',', strlen(SEPS[i]));
        }
    for (char *tok = strtok_r(s, ",; ", &save); tok; tok = strtok_r(NULL, ",; ", &save)) {
        db_stmt_t *st = db_prepare(c, "SELECT name FROM roles WHERE name = ? OR title = ?");
        int rc = DB_ERROR;
        if (st) {
            db_bind_text(st, 1, tok);
            db_bind_text(st, 2, tok);
            rc = db_step(st);
            if (rc == DB_ROW)
                json_array_append_new(out, json_string(db_col_text(st, 0)));
        }
        db_done(st);
        if (rc != DB_ROW) {
            snprintf(why, whylen, rc == DB_DONE ? "角色“%s”不存在" : "无法查询角色“%s”", tok);
            json_decref(out);
            free(s);
            return NULL;
        }
    }
    free(s);
    if (!json_array_size(out)) {
        snprintf(why, whylen, "请填写角色");
        json_decref(out);
        return NULL;
    }
    return out;
}

/* the reason a value breaks its field's rule, prefixed with the column */
static const char *field_why(http_req_t *req, const char *field, const char *column, json_t *v)
{
    for (size_t i = 0; i < VN(USER_NEW); i++)
        if (!strcmp(USER_NEW[i].name, field)) {
            const char *why = valid_value(&USER_NEW[i], v);
            return why ? http_printf(req, "%s：%s", column, why) : NULL;
        }
    return NULL;
}

/* Users from an .xlsx in the template's layout: every row checked (its fields
 * by the same rules as 新建用户, its organisation in the caller's scope, its
 * roles grantable by the caller), then all created in one transaction with a
 * generated initial password each (to be changed at first login), or none:
 * 422 import_rejected with every row's reason in Chinese. */
static void import_users(http_req_t *req)
{
    size_t len;
    const char *body = http_xlsx_body(req, &len);
    if (!body)
        return;
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    uimport_t im = {.rows = http_defer_json(req, json_array()), .errors = http_defer_json(req, json_array())};
    char err[256];
    if (xlsx_read(body, len, NULL, uread_row, &im, err, sizeof err) < 0) {
        http_error(req, 422, "invalid_file", "无法读取表格：%s", err);
        return;
    }
    if (!json_array_size(im.errors) && !json_array_size(im.rows))
        uerror(&im, 2, "表格中没有用户");
    auth_policy_t pol;
    auth_policy(identity_ctx.db, &pol);
    json_t *created = http_defer_json(req, json_array());
    if (!json_array_size(im.errors) && !http_begin(req, c))
        return;
    size_t i;
    json_t *r;
    json_t *todo = json_array_size(im.errors) ? NULL : im.rows; /* the loop re-reads its array */
    json_array_foreach(todo, i, r)
    {
        size_t row = (size_t)jint(r, "row", 0);
        const char *why = NULL;
        static const char *const CHECKS[][2] = {
            {"username", "用户名"}, {"name", "姓名"}, {"phone", "手机"}, {"email", "电子邮箱"}};
        for (size_t k = 0; k < sizeof CHECKS / sizeof CHECKS[0] && !why; k++) {
            json_t *v = json_object_get(r, CHECKS[k][0]);
            if (v || k < 2)
                why = v ? field_why(req, CHECKS[k][0], CHECKS[k][1], v)
                        : http_printf(req, "%s：必填", CHECKS[k][1]);
        }
        /* the same name twice in the file */
        for (size_t j = 0; j < i && !why; j++)
            if (jstr(json_array_get(im.rows, j), "username") &&
                !strcmp(jstr(json_array_get(im.rows, j), "username"), jstr(r, "username")))
                why = http_printf(req, "用户名“%s”与第 %lld 行重复", jstr(r, "username"),
                                  (long long)jint(json_array_get(im.rows, j), "row", 0));
        int64_t org = 0;
        if (!why && !jstr(r, "org"))
            why = "组织编码：必填";
        if (!why) {
            db_stmt_t *st = db_prepare(c, "SELECT id FROM orgs WHERE code = ? AND deleted_at IS NULL");
            int rc = DB_ERROR;
            if (st) {
                db_bind_text(st, 1, jstr(r, "org"));
                rc = db_step(st);
                org = rc == DB_ROW ? db_col_int64(st, 0) : 0;
            }
            db_done(st);
            if (rc != DB_ROW && rc != DB_DONE) {
                http_db_error(req, c);
                return;
            }
            if (!org || !auth_org_in_scope(req, c, org))
                why = http_printf(req, "组织编码“%s”不存在或不在您的管理范围内", jstr(r, "org"));
        }
        char rwhy[160] = "";
        json_t *roles = why ? NULL : role_names(c, jstr(r, "roles"), rwhy, sizeof rwhy);
        http_defer_json(req, roles);
        if (!why && !roles)
            why = http_printf(req, "角色：%s", rwhy);
        if (!why) {
            bool unknown = false;
            const char *g = identity_roles_grantable(req, c, roles, &unknown);
            if (g)
                why = http_printf(req, "角色：%s", g);
        }
        char pw[PASSWORD_MAX_LEN + 1], hash[PASSWORD_HASH_MAX];
        if (!why && new_password(req, c, 0, jstr(r, "username"), NULL, &pol, pw, sizeof pw, hash))
            return; /* 500 answered */
        int64_t id =
            why ? 0
                : identity_user_insert(c, jstr(r, "username"), jstr(r, "name"), org, hash, true, false,
                                       jstr(r, "phone"), jstr(r, "email"), roles, http_user_id(req));
        if (!why && id == -2)
            why = http_printf(req, "用户名“%s”已存在", jstr(r, "username"));
        else if (!why && id <= 0) {
            http_db_error(req, c);
            return;
        }
        if (why) {
            uerror(&im, row, why);
            continue;
        }
        json_t *u = identity_user_load(req, c, id, false);
        audit_entry_t ae = {
            .action = "user.create", .target_type = "user", .target = id, .after = u, .detail = "表格导入"};
        int arc = u ? audit_write(c, req, &ae) : -1;
        json_decref(u);
        if (arc != 0) {
            http_db_error(req, c);
            return;
        }
        json_array_append_new(created,
                              json_pack("{s:I,s:s,s:s,s:s}", "row", (json_int_t)row, "username",
                                        jstr(r, "username"), "name", jstr(r, "name"), "password", pw));
    }
    if (json_array_size(im.errors)) {
        db_rollback(c);
        json_t *e = json_pack("{s:s,s:s,s:O}", "code", "import_rejected", "message",
                              "表格中有错误，未导入任何用户，请修改后重新导入", "errors", im.errors);
        http_json(req, 422, json_pack("{s:o}", "error", e));
        return;
    }
    audit_entry_t ae = {.target_type = "user",
                        .detail = http_printf(req, "表格导入 %zu 个用户", json_array_size(created))};
    json_t *o = json_pack("{s:I,s:O}", "created", (json_int_t)json_array_size(created), "users", created);
    audit_reply(req, c, true, &ae, 200, o);
}

/* The import template: the columns and one example row. */
static void user_import_template(http_req_t *req)
{
    json_t *header = json_array(), *rows = json_pack("[[ssssss]]", "zhangsan", "张三", "SH-PD-01",
                                                     "党务工作者", "13800000000", "zhangsan@example.cn");
    for (int k = 0; k < UNCOLS; k++)
        json_array_append_new(header, json_string(UHEADERS[k]));
    http_send_xlsx(req, "用户导入模板.xlsx", "用户", header, rows);
    json_decref(header);
    json_decref(rows);
}

/* one route, one or two lines */
// clang-format off
static const http_route_t routes[] = {
    {.method = "POST", .pattern = "/api/v1/users/import", .handler = import_users, .perm = "user.write",
     .flags = HTTP_BODY_RAW, .max_body = 5 << 20, .summary = "导入用户（.xlsx）", .audit = "user.import",
     .resource = &identity_users,
     .notes = "body: the workbook (template: GET /users/import-template; columns 用户名 姓名 组织编码 角色 手机 "
       "电子邮箱; roles by title or name, separated by 、). All or nothing: 200 {created, users:[{row,username,"
       "name,password}]} (each initial password shown once, to be changed at first login), or 422 "
       "import_rejected {errors:[{row,message}]}; at most 500 rows; 415 for anything but .xlsx"},
    {.method = "GET", .pattern = "/api/v1/users/import-template", .handler = user_import_template,
     .perm = "user.write", .flags = HTTP_DOWNLOAD, .summary = "用户导入模板（.xlsx）"},
    {.method = "GET", .pattern = "/api/v1/users", .handler = list_users, .perm = "user.read",
     .flags = HTTP_LIST | HTTP_EXPORT, .summary = "用户列表", .resource = &identity_users, HTTP_QUERY(USER_QUERY),
     HTTP_OUT(USER_OUT)},
    {.method = "POST", .pattern = "/api/v1/users", .handler = create_user, .perm = "user.write",
     .summary = "新建用户", .audit = "user.create", .resource = &identity_users, HTTP_BODY(USER_NEW),
     HTTP_OUT(USER_OUT), .status = 201,
     .example = "{\"username\":\"zhang_san\",\"name\":\"张三\",\"org_id\":\"{org}\",\"roles\":[\"member\"]}",
     .notes = "roles must be within the caller's own permissions and scope unless they hold role.write; a "
       "generated password is in generated_password, once"},
    {.method = "GET", .pattern = "/api/v1/users/{id}", .handler = get_user, .perm = "user.read",
     .summary = "用户详情", .resource = &identity_users, HTTP_OUT(USER_OUT)},
    {.method = "PATCH", .pattern = "/api/v1/users/{id}", .handler = patch_user, .perm = "user.read",
     .summary = "修改用户", .audit = "user.update", .resource = &identity_users, HTTP_BODY(USER_PATCH),
     HTTP_OUT(USER_OUT), .example = "{\"name\":\"张三丰\"}",
     .notes = "roles need user.write or role.write, other fields user.write; nobody changes their own roles, "
       "status or organisation; a user holding roles the caller could not grant is refused (403) "
       "for every field; disabling or a change of roles ends the user's sessions and API tokens"},
    {.method = "DELETE", .pattern = "/api/v1/users/{id}", .handler = delete_user, .perm = "user.write",
     .summary = "停用用户", .audit = "user.disable", .resource = &identity_users, .status = 204,
     .notes = "soft: the account is disabled, its history kept"},
    {.method = "POST", .pattern = "/api/v1/users/{id}/reset-password", .handler = reset_password,
     .perm = "user.write", .summary = "重置密码", .audit = "user.reset_password", .resource = &identity_users,
     HTTP_BODY(RESET_BODY),
     .notes = "{must_change_password, generated_password?}; ends the user's sessions and API tokens"},
    {.method = "POST", .pattern = "/api/v1/users/{id}/unlock", .handler = unlock_user, .perm = "user.write",
     .summary = "解锁账号", .audit = "user.unlock", .resource = &identity_users, .status = 204},
    {.method = "POST", .pattern = "/api/v1/users/{id}/reset-totp", .handler = reset_totp, .perm = "session.write",
     .summary = "重置动态口令", .audit = "user.reset_totp", .resource = &identity_users, .status = 204,
     .notes = "the user's TOTP goes, with every session and API token; they enrol again"},
    {.method = "GET", .pattern = "/api/v1/users/{id}/tokens", .handler = list_user_tokens, .perm = "session.read",
     .summary = "用户的 API 令牌", .resource = &identity_users, .notes = "{items,total}; never the secret"},
    {.method = "DELETE", .pattern = "/api/v1/users/{id}/tokens/{token_id}", .handler = revoke_user_token,
     .perm = "session.write", .summary = "吊销用户的 API 令牌", .audit = "user.revoke_token",
     .resource = &identity_users, .status = 204},
    {.method = "POST", .pattern = "/api/v1/users/{id}/logout", .handler = logout_user, .perm = "session.write",
     .summary = "强制下线", .audit = "session.force_logout", .resource = &identity_users, .status = 204,
     .notes = "ends every session and API token of the user"},
};
// clang-format on

int identity_user_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
