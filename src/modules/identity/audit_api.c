/* audit_api.c — reading, exporting and verifying the audit log (audit
 * administrator only), and the home page's to-do list. */
#include "core/timeutil.h"
#include "http/listq.h"
#include "http/valid.h"
#include "modules/identity/identity.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_COLS                                                                                           \
    "a.id, a.at, a.user_id, a.username, a.org_id, a.ip, a.user_agent, a.action, a.target_type, "             \
    "a.target_id, "                                                                                          \
    "a.outcome, a.detail, a.before_json, a.after_json, a.hash"

static json_t *parse_or_null(const char *s)
{
    json_t *j = s ? json_loads(s, 0, NULL) : NULL;
    return j ? j : json_null();
}

static json_t *audit_json(db_stmt_t *st, bool full)
{
    json_t *o =
        json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:s,s:o,s:o,s:s,s:o}", "id", (json_int_t)db_col_int64(st, 0),
                  "at", json_time(db_col_int64(st, 1)), "user_id", col_id_or_null(st, 2), "username",
                  json_text_or_null(db_col_text(st, 3)), "org_id", col_id_or_null(st, 4), "ip",
                  json_text_or_null(db_col_text(st, 5)), "user_agent", json_text_or_null(db_col_text(st, 6)),
                  "action", db_col_text(st, 7), "target_type", json_text_or_null(db_col_text(st, 8)),
                  "target_id", json_text_or_null(db_col_text(st, 9)), "outcome", db_col_text(st, 10),
                  "detail", json_text_or_null(db_col_text(st, 11)));
    if (full) {
        json_object_set_new(o, "before", parse_or_null(db_col_text(st, 12)));
        json_object_set_new(o, "after", parse_or_null(db_col_text(st, 13)));
        json_object_set_new(o, "hash", json_string(db_col_text(st, 14)));
    }
    return o;
}

static json_t *audit_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return audit_json(st, false);
}

/* The filters shared by the list and the export; false after answering 422. */
static bool filters(http_req_t *req, qb_t *w)
{
    const char *user = http_query(req, "user"), *action = http_query(req, "action"),
               *target = http_query(req, "target"), *outcome = http_query(req, "outcome"),
               *from = http_query(req, "from"), *to = http_query(req, "to");
    int64_t from_ms = 0, to_ms = 0;
    json_t *errs = json_object();
    if (from && *from && !time_parse_iso8601(from, &from_ms))
        json_object_set_new(errs, "from", json_string("应为 ISO 8601 时间"));
    if (to && *to && !time_parse_iso8601(to, &to_ms))
        json_object_set_new(errs, "to", json_string("应为 ISO 8601 时间"));
    if (outcome && *outcome && strcmp(outcome, "success") && strcmp(outcome, "failure") &&
        strcmp(outcome, "denied"))
        json_object_set_new(errs, "outcome", json_string("应为 success、failure 或 denied"));
    const char *texts[] = {user, action, target}, *names[] = {"user", "action", "target"};
    for (int i = 0; i < 3; i++)
        if (texts[i] && strlen(texts[i]) > 100)
            json_object_set_new(errs, names[i], json_string("检索词过长"));
    if (json_object_size(errs)) {
        http_error_fields(req, errs);
        return false;
    }
    json_decref(errs);
    qb_init(w, " FROM audit_log a WHERE 1 = 1");
    if (user && *user) {
        int64_t uid;
        if (str_to_int64(user, &uid)) {
            qb_sql(w, " AND a.user_id = ");
            qb_int(w, uid);
        } else {
            qb_sql(w, " AND a.username = ");
            qb_text(w, user);
        }
    }
    if (action && *action) {
        /* "org" matches org.create, org.move ...; "org.create" exactly */
        char *esc = db_like_escape(action);
        qb_sql(w, " AND (a.action = ");
        qb_text(w, action);
        qb_sql(w, " OR a.action LIKE ");
        qb_text(w, http_printf(req, "%s.%%", esc));
        qb_sql(w, " ESCAPE '\\')");
        free(esc);
    }
    if (target && *target) {
        /* "user" or "user:12" */
        const char *colon = strchr(target, ':');
        qb_sql(w, " AND a.target_type = ");
        qb_text(w, colon ? http_printf(req, "%.*s", (int)(colon - target), target) : target);
        if (colon) {
            qb_sql(w, " AND a.target_id = ");
            qb_text(w, colon + 1);
        }
    }
    if (outcome && *outcome) {
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
    return true;
}

static void list_audit(http_req_t *req)
{
    int64_t page, size;
    qb_t w;
    if (!http_paging(req, &page, &size) || !filters(req, &w))
        return;
    db_conn_t *c = http_db(req);
    if (!c) {
        qb_free(&w);
        return;
    }
    http_list_query(req, c, AUDIT_COLS, &w, "a.seq DESC", page, size, audit_row, NULL);
    qb_free(&w);
}

static void get_audit(http_req_t *req)
{
    int64_t id;
    db_conn_t *c;
    if (!http_param_id(req, "id", &id) || !(c = http_db(req)))
        return;
    db_stmt_t *st = db_prepare(c, "SELECT " AUDIT_COLS " FROM audit_log a WHERE a.id = ?");
    json_t *o = NULL;
    if (st) {
        db_bind_int64(st, 1, id);
        if (db_step(st) == DB_ROW)
            o = audit_json(st, true);
    }
    db_done(st);
    if (!o)
        http_error(req, 404, "not_found", "审计记录不存在");
    else
        http_json(req, 200, o);
}

static void export_audit(http_req_t *req)
{
    qb_t w, lq;
    if (!filters(req, &w))
        return;
    db_conn_t *c = http_db(req);
    if (!c) {
        qb_free(&w);
        return;
    }
    qb_init(&lq, "SELECT " AUDIT_COLS);
    qb_append(&lq, &w);
    qb_sql(&lq, " ORDER BY a.seq DESC LIMIT 100001");
    json_t *rows = json_array();
    db_stmt_t *st = qb_prepare(c, &lq);
    int n = 0;
    char ts[40];
    while (st && db_step(st) == DB_ROW && ++n <= 100000) {
        const char *txt[] = {db_col_text(st, 3), db_col_text(st, 5),  db_col_text(st, 7), db_col_text(st, 8),
                             db_col_text(st, 9), db_col_text(st, 10), db_col_text(st, 11)};
        json_t *r = json_pack("[I,s]", (json_int_t)db_col_int64(st, 0),
                              time_iso8601(db_col_int64(st, 1), ts, sizeof ts));
        for (size_t i = 0; i < sizeof txt / sizeof txt[0]; i++)
            json_array_append_new(r, json_string(txt[i] ? txt[i] : ""));
        json_array_append_new(rows, r);
    }
    db_done(st);
    qb_free(&w);
    qb_free(&lq);
    if (n > 100000) {
        json_decref(rows);
        http_error(req, 422, "too_large", "一次最多导出 10 万条，请缩小时间范围");
        return;
    }
    audit_entry_t ae = {.action = "audit.export", .detail = http_printf(req, "导出 %d 条审计记录", n)};
    audit_req(req, &ae);
    json_t *header = json_pack("[sssssssss]", "编号", "时间", "用户", "地址", "操作", "对象类型", "对象编号",
                               "结果", "说明");
    send_xlsx(req, "audit.xlsx", "审计日志", header, rows);
    json_decref(header);
    json_decref(rows);
}

static void verify_audit(http_req_t *req)
{
    int64_t checked = 0, broken = 0;
    char err[256] = "";
    int rc = audit_verify(ID.db, &checked, &broken, err, sizeof err);
    json_t *o = json_pack("{s:b,s:I,s:o,s:o,s:o}", "ok", rc == 0, "checked", (json_int_t)checked,
                          "first_broken_id", broken ? json_integer(broken) : json_null(), "message",
                          rc ? json_string(err) : json_null(), "verified_at", json_time(time_now_ms()));
    audit_entry_t ae = {.action = "audit.verify",
                        .outcome = rc == 0 ? "success" : "failure",
                        .detail =
                            rc == 0 ? http_printf(req, "审计链完整，校验 %lld 条", (long long)checked) : err};
    audit_req(req, &ae);
    http_json(req, 200, o);
}

/* The home page's to-do list: this module contributes what needs the
 * caller's attention in identity (locked accounts for user managers, the
 * pending password change or TOTP enrolment for oneself); business modules
 * add their review queues. */
static void todo(http_req_t *req)
{
    const auth_ctx_t *a = auth_of(req);
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    json_t *items = json_array();
    if (a->totp_enrolment_required)
        json_array_append_new(items, json_pack("{s:s,s:s,s:i,s:s}", "key", "totp_enrolment", "title",
                                               "绑定动态口令（双因素认证）", "count", 1, "link", "/profile"));
    if (a->password_expires_at && a->password_expires_at - time_now_ms() < 7LL * 86400000)
        json_array_append_new(items, json_pack("{s:s,s:s,s:i,s:s}", "key", "password_expiring", "title",
                                               "密码即将过期，请修改", "count", 1, "link", "/profile"));
    if (auth_has(req, "user.write")) {
        qb_t q;
        qb_init(&q, "SELECT COUNT(*) FROM users u WHERE u.locked_until > ");
        qb_int(&q, time_now_ms());
        auth_scope_rows(req, &q, "u.org_id", "u.id");
        db_stmt_t *st = qb_prepare(c, &q);
        int64_t n = st && db_step(st) == DB_ROW ? db_col_int64(st, 0) : 0;
        db_done(st);
        qb_free(&q);
        if (n)
            json_array_append_new(items, json_pack("{s:s,s:s,s:I,s:s}", "key", "locked_users", "title",
                                                   "被锁定的账号", "count", (json_int_t)n, "link",
                                                   "/users?locked=1"));
    }
    http_json(req, 200, json_pack("{s:o}", "items", items));
}

static const http_route_t routes[] = {
    {"GET", "/api/v1/audit", list_audit, "audit.read", 0, 0},
    {"GET", "/api/v1/audit/export", export_audit, "audit.export", 0, 0},
    {"GET", "/api/v1/audit/verify", verify_audit, "audit.read", 0, 0},
    {"GET", "/api/v1/audit/{id}", get_audit, "audit.read", 0, 0},
    {"GET", "/api/v1/dashboard/todo", todo, NULL, HTTP_PW_EXPIRED_OK, 0},
};

int identity_audit_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
