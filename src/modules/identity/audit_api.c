/* audit_api.c — reading, exporting and verifying the audit log (audit
 * administrator only), and the home page's to-do list. */
#include "auth/resource.h"
#include "core/timeutil.h"
#include "http/upload.h"
#include "http/valid.h"
#include "modules/identity/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_COLS                                                                                           \
    "a.id, a.at, a.user_id, a.username, a.org_id, a.ip, a.user_agent, a.action, a.target_type, "             \
    "a.target_id, "                                                                                          \
    "a.outcome, a.detail, a.before_json, a.after_json, a.hash, a.token_id"

/* A record belongs to the organisation of the user who acted: a district's
 * auditor reads the district's records; records of no organisation
 * (anonymous attempts, the system) are the city's. */
static const res_sort_t AUDIT_SORTS[] = {{"id", "a.seq"}, {"at", "a.at"}, {NULL, NULL}};
static const zd_resource_t AUDIT = {.name = "audit",
                                    .title = "审计记录",
                                    .table = "audit_log",
                                    .alias = "a",
                                    .org_col = "a.org_id",
                                    .creator_col = "a.user_id",
                                    .keyset = "a.seq",
                                    .sorts = AUDIT_SORTS};

static json_t *audit_json(db_stmt_t *st, bool full)
{
    json_t *o =
        json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:s,s:o,s:o,s:s,s:o}", "id", (json_int_t)db_col_int64(st, 0),
                  "at", json_time(db_col_int64(st, 1)), "user_id", json_col_id(st, 2), "username",
                  json_text_or_null(db_col_text(st, 3)), "org_id", json_col_id(st, 4), "ip",
                  json_text_or_null(db_col_text(st, 5)), "user_agent", json_text_or_null(db_col_text(st, 6)),
                  "action", db_col_text(st, 7), "target_type", json_text_or_null(db_col_text(st, 8)),
                  "target_id", json_text_or_null(db_col_text(st, 9)), "outcome", db_col_text(st, 10),
                  "detail", json_text_or_null(db_col_text(st, 11)));
    json_object_set_new(o, "token_id", json_col_id(st, 15)); /* the API token it came through, or null */
    if (full) {
        json_object_set_new(o, "before", json_parse_or_null(db_col_text(st, 12)));
        json_object_set_new(o, "after", json_parse_or_null(db_col_text(st, 13)));
        json_object_set_new(o, "hash", json_string(db_col_text(st, 14)));
    }
    return o;
}

static json_t *audit_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return audit_json(st, false);
}

static json_t *audit_row_full(db_stmt_t *st, void *ud)
{
    (void)ud;
    return audit_json(st, true);
}

static const char *const OUTCOMES[] = {"success", "failure", "denied", NULL};
/* one audit store, two views: the login log (logins and logouts) and the
 * operation log (everything else) */
static const char *const KINDS[] = {"login", "operation", NULL};
#define LOGIN_ACTIONS "('auth.login', 'auth.logout')"
static const vfield_t AUDIT_QUERY[] = {
    {"kind", V_ENUM, .choices = KINDS, .title = "类别：login 登录日志（登录、退出），operation 操作日志"},
    {"user", V_STR, .max = 100, .title = "用户名或用户编号"},
    {"action", V_STR, .max = 100, .title = "操作：org 匹配 org.*，org.create 精确匹配"},
    {"target", V_STR, .max = 100, .title = "对象：user 或 user:12"},
    {"outcome", V_ENUM, .choices = OUTCOMES, .title = "结果"},
    {"from", V_TIME, .title = "起始时间"},
    {"to", V_TIME, .title = "截止时间"},
};
static const vfield_t AUDIT_OUT[] = {
    {"id", V_ID},
    {"at", V_TIME},
    {"user_id", V_ID},
    {"username", V_STR},
    {"org_id", V_ID},
    {"ip", V_STR},
    {"user_agent", V_STR},
    {"action", V_STR},
    {"target_type", V_STR},
    {"target_id", V_STR},
    {"outcome", V_ENUM, .choices = OUTCOMES},
    {"detail", V_STR},
    {"target_name", V_STR, .title = "对象名称（用户的姓名、组织或角色的名称；不可知时为 null）"},
};

/* The filters shared by the list and the export, after the scope. */
static void filters(http_req_t *req, qb_t *w)
{
    const char *user = http_query(req, "user"), *action = http_query(req, "action"),
               *target = http_query(req, "target"), *outcome = http_query(req, "outcome"),
               *from = http_query(req, "from"), *to = http_query(req, "to");
    int64_t from_ms = 0, to_ms = 0;
    if (from)
        time_parse_iso8601(from, &from_ms);
    if (to)
        time_parse_iso8601(to, &to_ms);
    res_from(req, &AUDIT, w);
    const char *kind = http_query(req, "kind");
    if (kind)
        qb_sql(w, !strcmp(kind, "login") ? " AND a.action IN " LOGIN_ACTIONS
                                         : " AND a.action NOT IN " LOGIN_ACTIONS);
    if (user) {
        int64_t uid;
        if (str_to_int64(user, &uid)) {
            qb_sql(w, " AND a.user_id = ");
            qb_int(w, uid);
        } else {
            qb_sql(w, " AND a.username = ");
            qb_text(w, user);
        }
    }
    if (action) {
        /* "org" matches org.create, org.move ...; "org.create" exactly */
        char *esc = db_like_escape(action);
        qb_sql(w, " AND (a.action = ");
        qb_text(w, action);
        qb_sql(w, " OR a.action LIKE ");
        qb_text(w, http_printf(req, "%s.%%", esc));
        qb_sql(w, " ESCAPE '\\')");
        free(esc);
    }
    if (target) {
        /* "user" or "user:12" */
        const char *colon = strchr(target, ':');
        qb_sql(w, " AND a.target_type = ");
        qb_text(w, colon ? http_printf(req, "%.*s", (int)(colon - target), target) : target);
        if (colon) {
            qb_sql(w, " AND a.target_id = ");
            qb_text(w, colon + 1);
        }
    }
    if (outcome) {
        qb_sql(w, " AND a.outcome = ");
        qb_text(w, outcome);
    }
    if (from_ms) {
        qb_sql(w, " AND a.at >= ");
        qb_int(w, from_ms);
    }
    if (to_ms) {
        qb_sql(w, " AND a.at <= ");
        qb_int(w, to_ms);
    }
}

/* The names of the page's targets: users, organisations and roles by id,
 * one query per kind, as "target_name" (null when unknown or gone). */
static const struct {
    const char *type, *sql;
} NAMED[] = {{"user", "SELECT id, name FROM users WHERE id IN ("},
             {"org", "SELECT id, name FROM orgs WHERE id IN ("},
             {"role", "SELECT id, title FROM roles WHERE id IN ("}};

/* the targets of items[from, to) of one type, named by one query */
static bool names_of(db_conn_t *c, json_t *items, size_t from, size_t to, size_t k)
{
    qb_t q;
    qb_init(&q, NAMED[k].sql);
    int n = 0;
    for (size_t i = from; i < to; i++) {
        json_t *it = json_array_get(items, i);
        const char *t = json_string_value(json_object_get(it, "target_type"));
        int64_t id;
        if (t && !strcmp(t, NAMED[k].type) &&
            str_to_int64(json_string_value(json_object_get(it, "target_id")), &id)) {
            if (n++)
                qb_sql(&q, ", ");
            qb_int(&q, id);
        }
    }
    qb_sql(&q, ")");
    if (!n) {
        qb_free(&q);
        return true;
    }
    db_stmt_t *st = qb_prepare(c, &q);
    int rc = st ? DB_ROW : DB_ERROR;
    while (st && (rc = db_step(st)) == DB_ROW) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)db_col_int64(st, 0));
        for (size_t i = from; i < to; i++) {
            json_t *it = json_array_get(items, i);
            const char *t = json_string_value(json_object_get(it, "target_type")),
                       *tid = json_string_value(json_object_get(it, "target_id"));
            if (t && tid && !strcmp(t, NAMED[k].type) && !strcmp(tid, id))
                json_object_set_new(it, "target_name", json_string(db_col_text(st, 1)));
        }
    }
    db_done(st);
    qb_free(&q);
    return rc == DB_DONE;
}

/* in slices of 500: bounded parameter lists and matching loops (exports) */
static bool audit_names(http_req_t *req, db_conn_t *c, json_t *items, void *ud)
{
    (void)req;
    (void)ud;
    size_t i, len = json_array_size(items);
    json_t *it;
    json_array_foreach(items, i, it) json_object_set_new(it, "target_name", json_null());
    for (size_t from = 0; from < len; from += 500)
        for (size_t k = 0; k < sizeof NAMED / sizeof NAMED[0]; k++)
            if (!names_of(c, items, from, from + 500 < len ? from + 500 : len, k))
                return false;
    return true;
}

static void list_audit(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    filters(req, &w);
    res_list_then(req, c, &AUDIT, AUDIT_COLS, &w, "a.seq DESC", audit_row, NULL, audit_names);
    qb_free(&w);
}

static void get_audit(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *o = res_load(req, c, &AUDIT, AUDIT_COLS, id, audit_row_full, NULL, RES_PLAIN);
    if (!o)
        return;
    json_t *one = json_pack("[O]", o);
    bool ok = audit_names(req, c, one, NULL);
    json_decref(one);
    if (!ok) {
        json_decref(o);
        http_db_error(req, c);
        return;
    }
    http_json(req, 200, o);
}

/* the label of a code in the dictionaries (GET /api/v1/dicts), else the code */
static const char *label(json_t *dicts, const char *dict, const char *code)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(json_object_get(dicts, dict), "items"), i,
                       v) if (!strcmp(json_string_value(json_object_get(v, "value")),
                                      code)) return json_string_value(json_object_get(v, "label"));
    return code;
}

/* What people read, as the console shows it: labels instead of codes, the
 * target by name, local times, the browser in words. */
static void export_audit(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w, lq;
    filters(req, &w);
    qb_init(&lq, "SELECT " AUDIT_COLS);
    qb_append(&lq, &w);
    qb_sql(&lq, " ORDER BY a.seq DESC LIMIT 100001");
    json_t *items = http_defer_json(req, json_array());
    db_stmt_t *st = qb_prepare(c, &lq);
    int n = 0, rc = st ? DB_ROW : DB_ERROR;
    while (st && (rc = db_step(st)) == DB_ROW && ++n <= 100000)
        json_array_append_new(items, audit_json(st, false));
    db_done(st);
    qb_free(&w);
    qb_free(&lq);
    if ((rc != DB_DONE && n <= 100000) || !audit_names(req, c, items, NULL)) {
        http_db_error(req, c);
        return;
    }
    if (n > 100000) {
        http_error(req, 422, "too_large", "一次最多导出 10 万条，请缩小时间范围");
        return;
    }
    json_t *dicts = http_defer_json(req, modules_dicts(identity_ctx.http));
    json_t *rows = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        char at[24], ua[96];
        int64_t ms = 0;
        time_parse_iso8601(json_string_value(json_object_get(it, "at")), &ms);
        const char *tt = json_string_value(json_object_get(it, "target_type")),
                   *tid = json_string_value(json_object_get(it, "target_id")),
                   *tname = json_string_value(json_object_get(it, "target_name")),
                   *user = json_string_value(json_object_get(it, "username")),
                   *detail = json_string_value(json_object_get(it, "detail"));
        const char *target = !tt     ? ""
                             : tname ? http_printf(req, "%s「%s」", label(dicts, "audit_target", tt), tname)
                             : tid   ? http_printf(req, "%s #%s", label(dicts, "audit_target", tt), tid)
                                     : label(dicts, "audit_target", tt);
        json_array_append_new(
            rows,
            json_pack("[I,s,s,s,s,s,s,s,s]", json_integer_value(json_object_get(it, "id")),
                      time_local(ms, at, sizeof at), user ? user : "",
                      json_string_value(json_object_get(it, "ip"))
                          ? json_string_value(json_object_get(it, "ip"))
                          : "",
                      str_user_agent(json_string_value(json_object_get(it, "user_agent")), ua, sizeof ua),
                      label(dicts, "audit_action", json_string_value(json_object_get(it, "action"))), target,
                      label(dicts, "audit_outcome", json_string_value(json_object_get(it, "outcome"))),
                      detail ? detail : ""));
    }
    audit_entry_t ae = {.detail = http_printf(req, "导出 %d 条审计记录", n)};
    if (!audit_req(req, &ae)) {
        json_decref(rows);
        return;
    }
    const char *kind = http_query(req, "kind");
    const char *title = !kind ? "审计日志" : !strcmp(kind, "login") ? "登录日志" : "操作日志";
    json_t *header = json_pack("[sssssssss]", "编号", "时间", "用户", "来源地址", "浏览器", "操作", "对象",
                               "结果", "说明");
    http_send_xlsx(req, http_printf(req, "%s.xlsx", title), title, header, rows);
    json_decref(header);
    json_decref(rows);
}

static void verify_audit(http_req_t *req)
{
    int64_t checked = 0, broken = 0;
    char err[256] = "";
    int rc = audit_verify(identity_ctx.db, &checked, &broken, err, sizeof err);
    json_t *o = json_pack("{s:b,s:I,s:o,s:o,s:o}", "ok", rc == 0, "checked", (json_int_t)checked,
                          "first_broken_id", broken ? json_integer(broken) : json_null(), "message",
                          rc ? json_string(err) : json_null(), "verified_at", json_time(time_now_ms()));
    audit_entry_t ae = {.outcome = rc == 0 ? "success" : "failure",
                        .detail =
                            rc == 0 ? http_printf(req, "审计链完整，校验 %lld 条", (long long)checked) : err};
    if (audit_req(req, &ae))
        http_json(req, 200, o);
    else
        json_decref(o);
}

/* The identity module's items of the home page's to-do list: the pending
 * password change or TOTP enrolment for oneself, locked accounts for user
 * managers. */
int identity_todo(http_req_t *req, db_conn_t *c, json_t *items)
{
    const auth_ctx_t *a = auth_of(req);
    if (a->totp_enrolment_required)
        json_array_append_new(items, json_pack("{s:s,s:s,s:i,s:s}", "key", "totp_enrolment", "title",
                                               "绑定动态口令（双因素认证）", "count", 1, "link", "/profile"));
    if (a->password_expires_at && a->password_expires_at - time_now_ms() < 7LL * 86400000)
        json_array_append_new(items, json_pack("{s:s,s:s,s:i,s:s}", "key", "password_expiring", "title",
                                               "密码即将过期，请修改", "count", 1, "link", "/profile"));
    if (!auth_has(req, "user.write"))
        return 0;
    /* the users the caller manages: the scope of user.write */
    qb_t q, w;
    res_from_as(req, &identity_users, "user.write", &w);
    qb_sql(&w, " AND u.locked_until > ");
    qb_int(&w, time_now_ms());
    qb_init(&q, "SELECT COUNT(*)");
    qb_append(&q, &w);
    qb_free(&w);
    db_stmt_t *st = qb_prepare(c, &q);
    int rc = st ? db_step(st) : DB_ERROR;
    int64_t n = rc == DB_ROW ? db_col_int64(st, 0) : 0;
    db_done(st);
    qb_free(&q);
    if (rc != DB_ROW)
        return -1;
    if (n)
        json_array_append_new(items,
                              json_pack("{s:s,s:s,s:I,s:s}", "key", "locked_users", "title", "被锁定的账号",
                                        "count", (json_int_t)n, "link", "/users?locked=1"));
    return 0;
}

/* one route, one or two lines */
// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/audit", .handler = list_audit, .perm = "audit.read",
     .flags = HTTP_LIST, .summary = "审计日志", .resource = &AUDIT, HTTP_QUERY(AUDIT_QUERY), HTTP_OUT(AUDIT_OUT),
     .notes = "newest first; ?after=<next_after> pages by key (as fast on page 10,000 as on page 1)"},
    {.method = "GET", .pattern = "/api/v1/audit/export", .handler = export_audit, .perm = "audit.export",
     .flags = HTTP_DOWNLOAD, .summary = "导出审计日志（.xlsx）", .audit = "audit.export", .resource = &AUDIT,
     HTTP_QUERY(AUDIT_QUERY), .notes = "at most 100,000 records (422 too_large)"},
    {.method = "GET", .pattern = "/api/v1/audit/verify", .handler = verify_audit, .perm = "audit.read",
     .summary = "校验审计链", .audit = "audit.verify",
     .notes = "{ok,checked,first_broken_id,message,verified_at}; the check is itself recorded"},
    {.method = "GET", .pattern = "/api/v1/audit/{id}", .handler = get_audit, .perm = "audit.read",
     .summary = "审计记录详情", .resource = &AUDIT, HTTP_OUT(AUDIT_OUT), .notes = "with before, after and hash"},
};
// clang-format on

int identity_audit_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
