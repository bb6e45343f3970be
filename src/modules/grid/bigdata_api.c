/* bigdata_api.c — the big-data center connector in the console: its
 * settings (the secret sealed at rest, never answered), the run log with
 * a re-run button, and the outbox of site changes with the failures
 * visible and retried by hand (docs/bigdata-protocol.md, docs/grid.md). */
#include "auth/outside.h"
#include "core/jsonutil.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "jobs/jobs.h"
#include "modules/grid/bigdata.h"
#include "modules/grid/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const SIGN_METHODS[] = {"HMAC-SM3", "HMAC-SHA256", NULL};
/* the CRS the center's geometries come in (geo/proj.h) */
static const char *const CRS_NAMES[] = {"EPSG:4326", "EPSG:4490", "EPSG:4549", "EPSG:3857", NULL};
static const char *const RUN_KINDS[] = {"schedule", "manual", "full", NULL};
static const char *const RUN_STATUSES[] = {"queued", "running", "ok", "failed", NULL};
static const char *const OUTBOX_STATUSES[] = {"pending", "sent", "failed", NULL};

/* the run log is the city's own: scoped by permission only */
static const res_sort_t RUN_SORTS[] = {{"id", "r.id"}, {"started_at", "r.started_at"}, {NULL, NULL}};
static const zd_resource_t RUNS = {.name = "bigdata_run",
                                   .title = "同步记录",
                                   .table = "bigdata_runs",
                                   .alias = "r",
                                   .no_org = true,
                                   .creator_col = "r.created_by",
                                   .perm = "bigdata.read",
                                   .keyset = "r.id",
                                   .sorts = RUN_SORTS};
static const res_sort_t OUTBOX_SORTS[] = {{"id", "x.id"}, {"updated_at", "x.updated_at"}, {NULL, NULL}};
static const zd_resource_t OUTBOX = {.name = "bigdata_outbox",
                                     .title = "阵地推送队列",
                                     .table = "bigdata_outbox",
                                     .alias = "x",
                                     .org_col = "x.org_id",
                                     .creator_col = "x.created_by",
                                     .perm = "bigdata.read",
                                     .keyset = "x.id",
                                     .sorts = OUTBOX_SORTS};

/* the center's organisation codes mapped to districts and streets, in
 * the caller's scope by the organisation they name */
static const res_sort_t ORGMAP_SORTS[] = {{"id", "m.id"}, {"code", "m.code"}, {NULL, NULL}};
static const zd_resource_t ORGMAP = {.name = "bigdata_org_map",
                                     .title = "组织编码对照",
                                     .table = "bigdata_org_map",
                                     .alias = "m",
                                     .org_col = "m.org_id",
                                     .creator_col = "m.created_by",
                                     .perm = "bigdata.read",
                                     .keyset = "m.id",
                                     .sorts = ORGMAP_SORTS};
#define ORGMAP_COLS                                                                                          \
    "m.id, m.code, m.org_id, (SELECT name FROM orgs WHERE id = m.org_id), m.note, m.created_at, "            \
    "m.created_by"

#define RUN_COLS                                                                                             \
    "r.id, r.kind, r.status, r.started_at, r.finished_at, r.pulled, r.changed, r.pushed, r.failed, "         \
    "r.flagged, r.error, r.details, r.created_by"
#define OUTBOX_COLS                                                                                          \
    "x.id, x.site_id, x.external_id, x.site_name, x.status, x.attempts, x.next_at, x.last_error, "           \
    "x.created_at, x.updated_at, x.sent_at, x.org_id"

static json_t *run_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    json_t *d = json_parse_or_null(db_col_text(st, 11));
    return json_pack("{s:I,s:o,s:o,s:o,s:o,s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:o}", "id",
                     (json_int_t)db_col_int64(st, 0), "kind", json_col_text(st, 1), "status",
                     json_col_text(st, 2), "started_at", json_time(db_col_int64(st, 3)), "finished_at",
                     json_time(db_col_int64(st, 4)), "pulled", (json_int_t)db_col_int64(st, 5), "changed",
                     (json_int_t)db_col_int64(st, 6), "pushed", (json_int_t)db_col_int64(st, 7), "failed",
                     (json_int_t)db_col_int64(st, 8), "flagged", (json_int_t)db_col_int64(st, 9), "error",
                     json_col_text(st, 10), "details", json_is_array(d) ? d : (json_decref(d), json_array()),
                     "created_by", db_col_is_null(st, 12) ? json_null() : json_integer(db_col_int64(st, 12)));
}

static json_t *outbox_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return json_pack("{s:I,s:I,s:o,s:o,s:o,s:I,s:o,s:o,s:o,s:o,s:o,s:I}", "id",
                     (json_int_t)db_col_int64(st, 0), "site_id", (json_int_t)db_col_int64(st, 1),
                     "external_id", json_col_text(st, 2), "site_name", json_col_text(st, 3), "status",
                     json_col_text(st, 4), "attempts", (json_int_t)db_col_int64(st, 5), "next_at",
                     json_time(db_col_int64(st, 6)), "last_error", json_col_text(st, 7), "created_at",
                     json_time(db_col_int64(st, 8)), "updated_at", json_time(db_col_int64(st, 9)), "sent_at",
                     json_time(db_col_int64(st, 10)), "org_id", (json_int_t)db_col_int64(st, 11));
}

/* ---- settings ---- */

static const vfield_t SETTINGS_BODY[] = {
    {"enabled", V_BOOL, true, .title = "启用定时同步"},
    {"base_url", V_STR, false, 0, 500, .check = valid_http_url, .title = "大数据中心接口地址"},
    {"app_key", V_STR, false, 0, 120, .title = "应用标识（AppKey）"},
    {"secret", V_STR, false, 0, 200, .title = "签名密钥（留空则不修改；加密保存，不回显）"},
    {"sign_method", V_ENUM, true, .choices = SIGN_METHODS, .title = "签名算法"},
    {"timeout_s", V_INT, true, 1, 300, .title = "请求超时（秒）"},
    {"page_size", V_INT, true, 10, 1000, .title = "每页条数"},
    {"interval_min", V_INT, true, 1, 1440, .title = "同步间隔（分钟）"},
    {"alert_after_min", V_INT, true, 0, 10080, .title = "中断告警阈值（分钟，0：首次失败即告警）"},
    {"crs", V_ENUM, false, .choices = CRS_NAMES,
     .title = "大数据中心网格坐标系（不填则不修改；缺省 EPSG:4326）"},
};
static const vfield_t SETTINGS_OUT[] = {
    {"enabled", V_BOOL, .title = "启用定时同步"},
    {"base_url", V_STR, .title = "大数据中心接口地址"},
    {"app_key", V_STR, .title = "应用标识（AppKey）"},
    {"has_secret", V_BOOL, .title = "已设置密钥"},
    {"sign_method", V_ENUM, .choices = SIGN_METHODS, .title = "签名算法"},
    {"timeout_s", V_INT, .title = "请求超时（秒）"},
    {"page_size", V_INT, .title = "每页条数"},
    {"interval_min", V_INT, .title = "同步间隔（分钟）"},
    {"alert_after_min", V_INT, .title = "中断告警阈值（分钟）"},
    {"crs", V_ENUM, .choices = CRS_NAMES, .title = "大数据中心网格坐标系"},
    {"cursor", V_STR, .title = "增量游标"},
    {"last_run_at", V_TIME, .title = "最近同步"},
    {"last_ok_at", V_TIME, .title = "最近成功"},
    {"unreachable_since", V_TIME, .title = "连接中断起始"},
    {"outbox", V_OBJECT, .title = "推送队列：pending、failing、failed"},
};

static json_t *settings_json(db_conn_t *c)
{
    db_stmt_t *st = db_prepare(
        c, "SELECT enabled, base_url, app_key, secret_sealed IS NOT NULL, sign_method, timeout_s, page_size, "
           "interval_min, alert_after_min, pull_cursor, last_run_at, last_ok_at, unreachable_since, "
           "(SELECT COUNT(*) FROM bigdata_outbox WHERE status = 'pending'), (SELECT COUNT(*) FROM "
           "bigdata_outbox "
           "WHERE status = 'pending' AND attempts > 0), (SELECT COUNT(*) FROM bigdata_outbox WHERE status = "
           "'failed'), crs FROM bigdata_settings WHERE id = 1");
    if (!st)
        return NULL;
    json_t *o = NULL;
    if (db_step(st) == DB_ROW) {
        o = json_pack("{s:b,s:o,s:o,s:b,s:o,s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:{s:I,s:I,s:I}}", "enabled",
                      db_col_int64(st, 0) != 0, "base_url", json_col_text(st, 1), "app_key",
                      json_col_text(st, 2), "has_secret", db_col_int64(st, 3) != 0, "sign_method",
                      json_col_text(st, 4), "timeout_s", (json_int_t)db_col_int64(st, 5), "page_size",
                      (json_int_t)db_col_int64(st, 6), "interval_min", (json_int_t)db_col_int64(st, 7),
                      "alert_after_min", (json_int_t)db_col_int64(st, 8), "cursor", json_col_text(st, 9),
                      "last_run_at", json_time(db_col_int64(st, 10)), "last_ok_at",
                      json_time(db_col_int64(st, 11)), "unreachable_since", json_time(db_col_int64(st, 12)),
                      "outbox", "pending", (json_int_t)db_col_int64(st, 13), "failing",
                      (json_int_t)db_col_int64(st, 14), "failed", (json_int_t)db_col_int64(st, 15));
        if (o)
            json_object_set_new(o, "crs", json_col_text(st, 16));
    }
    db_done(st);
    return o;
}

static void get_settings(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    json_t *o = settings_json(c);
    if (!o) {
        http_db_error(req, c);
        return;
    }
    http_json(req, 200, o);
}

static void put_settings(http_req_t *req)
{
    json_t *b = http_json_body(req);
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    json_t *before = http_defer_json(req, settings_json(c));
    if (!before) {
        http_db_error(req, c);
        return;
    }
    const char *url = jstr(b, "base_url") ? jstr(b, "base_url") : "";
    const char *secret = jstr(b, "secret");
    bool enabled = json_is_true(json_object_get(b, "enabled"));
    bool no_secret = !(secret && *secret) && !json_is_true(json_object_get(before, "has_secret"));
    if (enabled && (!*url || no_secret)) {
        http_error_fields(req, json_pack("{s:s}", *url ? "secret" : "base_url",
                                         *url ? "启用同步须设置签名密钥" : "启用同步须填写接口地址"));
        return;
    }
    char *sealed;
    if (!outside_seal(req, b, "secret", &sealed))
        return;
    db_stmt_t *st = db_prepare(
        c,
        "UPDATE bigdata_settings SET enabled = ?, base_url = ?, app_key = ?, secret_sealed = COALESCE(?, "
        "secret_sealed), sign_method = ?, timeout_s = ?, page_size = ?, interval_min = ?, alert_after_min = "
        "?, "
        "pull_cursor = CASE WHEN base_url = ? THEN pull_cursor ELSE '' END, updated_by = ?, updated_at = ?, "
        "crs = COALESCE(?, crs) WHERE id = 1");
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, enabled);
        db_bind_text(st, 2, url);
        db_bind_text(st, 3, jstr(b, "app_key") ? jstr(b, "app_key") : "");
        db_bind_text(st, 4, sealed);
        db_bind_text(st, 5, jstr(b, "sign_method"));
        db_bind_int64(st, 6, jint(b, "timeout_s", 20));
        db_bind_int64(st, 7, jint(b, "page_size", 500));
        db_bind_int64(st, 8, jint(b, "interval_min", 5));
        db_bind_int64(st, 9, jint(b, "alert_after_min", 30));
        db_bind_text(st, 10, url);
        db_bind_id(st, 11, http_user_id(req));
        db_bind_int64(st, 12, time_now_ms());
        db_bind_text(st, 13, jstr(b, "crs"));
        rc = db_step(st);
    }
    db_done(st);
    free(sealed);
    if (rc != DB_DONE) {
        http_db_error(req, c);
        return;
    }
    json_t *after = settings_json(c);
    outside_mark_changed(after, b, "secret");
    audit_entry_t ae = {.target_type = "bigdata", .target = 1, .before = before, .after = after};
    audit_reply(req, c, after != NULL, &ae, 200, after);
}

/* ---- 测试连接 ---- */

static const vfield_t TEST_BODY[] = {
    {"base_url", V_STR, false, 0, 500, .check = valid_http_url,
     .title = "大数据中心接口地址（不填用已保存的）"},
    {"app_key", V_STR, false, 0, 120, .title = "应用标识（不填用已保存的）"},
    {"secret", V_STR, false, 0, 200, .title = "签名密钥（不填用已保存的）"},
    {"sign_method", V_ENUM, false, .choices = SIGN_METHODS, .title = "签名算法（不填用已保存的）"},
};
static const vfield_t TEST_OUT[] = {
    {"ok", V_BOOL, .title = "连接正常"},
    {"status", V_INT, .title = "HTTP 状态（未连上为 0）"},
    {"ms", V_INT, .title = "耗时（毫秒）"},
    {"message", V_STR, .title = "结果说明"},
    {"server_time", V_STR, .title = "大数据中心时间"},
};

/* The form's values over the saved ones; nothing is saved. The call is
 * made outside any transaction (it may wait up to the timeout, at most
 * 10 s) and the attempt is audited with its outcome. */
static void test_connection(http_req_t *req)
{
    json_t *b = http_json_body(req);
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    bd_conf_t cf;
    if (bd_conf_load(c, &cf) != 0) {
        http_db_error(req, c);
        return;
    }
    outside_form(cf.base_url, sizeof cf.base_url, b, "base_url");
    outside_form(cf.app_key, sizeof cf.app_key, b, "app_key");
    outside_form(cf.sign_method, sizeof cf.sign_method, b, "sign_method");
    char *secret = outside_form_secret(b, "secret");
    if (secret) {
        bd_conf_free(&cf); /* the saved secret, wiped */
        cf.secret = secret;
    }
    if (!cf.base_url[0] || !cf.secret) {
        bd_conf_free(&cf);
        http_error(req, 409, "not_configured", "请先填写大数据中心接口地址和签名密钥");
        return;
    }
    if (cf.timeout_s <= 0 || cf.timeout_s > 10)
        cf.timeout_s = 10;
    char url[sizeof cf.base_url];
    snprintf(url, sizeof url, "%s", cf.base_url);
    bd_resp_t r = {0};
    int64_t t0 = time_now_ms();
    int rc = bd_request(&cf, "GET", "/v1/ping", NULL, NULL, &r);
    int64_t ms = time_now_ms() - t0;
    bd_conf_free(&cf);
    char msg[700];
    json_t *j = NULL;
    bool ok = rc == 0 && r.status == 200;
    if (rc != 0)
        snprintf(msg, sizeof msg, "%s", r.err);
    else if (!ok)
        bd_resp_error(&r, msg, sizeof msg);
    else {
        j = json_loadb(r.body ? r.body : "", r.len, 0, NULL);
        snprintf(msg, sizeof msg, "连接正常，签名验证通过（%lld 毫秒）", (long long)ms);
    }
    const char *when = json_string_value(json_object_get(j, "time"));
    json_t *o = json_pack("{s:b,s:I,s:I,s:s,s:s}", "ok", ok, "status", (json_int_t)(rc == 0 ? r.status : 0),
                          "ms", (json_int_t)ms, "message", msg, "server_time", when ? when : "");
    json_decref(j);
    bd_resp_free(&r);
    outside_test_reply(req, c, "bigdata", ok, http_printf(req, "%s：%s", url, msg), o);
}

/* ---- runs ---- */

static const vfield_t RUN_QUERY[] = {
    {"status", V_ENUM, .choices = RUN_STATUSES, .title = "状态"},
};
static const vfield_t RUN_BODY[] = {
    {"full", V_BOOL, .title = "全量同步（清除游标，重新拉取全部网格）"},
};
static const vfield_t RUN_OUT[] = {
    {"id", V_ID},
    {"kind", V_ENUM, .choices = RUN_KINDS, .title = "触发方式"},
    {"status", V_ENUM, .choices = RUN_STATUSES, .title = "状态"},
    {"started_at", V_TIME, .title = "开始时间"},
    {"finished_at", V_TIME, .title = "结束时间"},
    {"pulled", V_INT, .title = "拉取网格"},
    {"changed", V_INT, .title = "变更网格"},
    {"pushed", V_INT, .title = "推送阵地"},
    {"failed", V_INT, .title = "失败"},
    {"flagged", V_INT, .title = "待核查阵地"},
    {"error", V_STR, .title = "错误"},
    {"details", V_ARRAY, .title = "失败明细"},
};

static void list_runs(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &RUNS, &w);
    const char *s = http_query(req, "status");
    if (s) {
        qb_sql(&w, " AND r.status = ");
        qb_text(&w, s);
    }
    res_list(req, c, &RUNS, RUN_COLS, &w, "r.id DESC", run_row, NULL);
    qb_free(&w);
}

static void get_run(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *o = res_load(req, c, &RUNS, RUN_COLS, id, run_row, NULL, RES_PLAIN);
    if (o)
        http_json(req, 200, o);
}

static void start_run(http_req_t *req)
{
    json_t *b = http_json_body(req);
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    bool full = json_is_true(json_object_get(b, "full"));
    bd_conf_t cf;
    if (bd_conf_load(c, &cf) != 0) {
        http_db_error(req, c);
        return;
    }
    bool ready = cf.base_url[0] && cf.has_secret;
    bd_conf_free(&cf);
    if (!ready) {
        http_error(req, 409, "not_configured",
                   "尚未配置大数据中心接口地址或签名密钥，请先在“连接设置”中填写");
        return;
    }
    int64_t id = bd_run_create(c, full ? "full" : "manual", "queued", http_user_id(req));
    char payload[200];
    snprintf(payload, sizeof payload, "{\"run_id\":%lld,\"kind\":\"%s\",\"user_id\":%lld}", (long long)id,
             full ? "full" : "manual", (long long)http_user_id(req));
    job_spec_t spec = {.kind = "grid.bigdata_sync",
                       .payload = payload,
                       .max_attempts = 1,
                       .org_id = http_user_org(req),
                       .created_by = http_user_id(req)};
    if (id <= 0 || jobs_enqueue(c, &spec) <= 0) {
        http_db_error(req, c);
        return;
    }
    json_t *o = res_load(req, c, &RUNS, RUN_COLS, id, run_row, NULL, RES_PLAIN);
    audit_entry_t ae = {.target = id, .after = o};
    audit_reply(req, c, o != NULL, &ae, 201, o);
}

/* ---- organisation code mapping ---- */

static json_t *orgmap_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return json_pack("{s:I,s:o,s:I,s:o,s:o,s:o,s:o}", "id", (json_int_t)db_col_int64(st, 0), "code",
                     json_col_text(st, 1), "org_id", (json_int_t)db_col_int64(st, 2), "org_name",
                     json_col_text(st, 3), "note", json_col_text(st, 4), "created_at",
                     json_time(db_col_int64(st, 5)), "created_by",
                     db_col_is_null(st, 6) ? json_null() : json_integer(db_col_int64(st, 6)));
}

static const vfield_t ORGMAP_QUERY[] = {
    {"q", V_STR, false, 0, 100, .title = "编码或组织名称"},
};
static const vfield_t ORGMAP_BODY[] = {
    {"code", V_STR, true, 1, 64, .title = "大数据中心组织编码"},
    {"org_id", V_ID, true, .title = "对应的区或街道"},
    {"note", V_STR, false, 0, 200, .title = "备注"},
};
static const vfield_t ORGMAP_OUT[] = {
    {"code", V_STR, .title = "大数据中心组织编码"},
    {"org_id", V_ID, .title = "对应的区或街道"},
    {"org_name", V_STR, .title = "组织名称"},
    {"note", V_STR, .title = "备注"},
};

static void list_orgmap(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &ORGMAP, &w);
    const char *q = http_query(req, "q");
    if (q && *q) {
        static const char *const cols[] = {"m.code", "m.note"};
        qb_like_any(&w, cols, 2, q);
    }
    res_list(req, c, &ORGMAP, ORGMAP_COLS, &w, "m.code", orgmap_row, NULL);
    qb_free(&w);
}

static void create_orgmap(http_req_t *req)
{
    json_t *b = http_json_body(req);
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    int64_t org = jint(b, "org_id", 0);
    char *type = NULL;
    db_stmt_t *st = db_prepare(c, "SELECT type FROM orgs WHERE id = ? AND status = 'active'");
    if (st) {
        db_bind_int64(st, 1, org);
        if (db_step(st) == DB_ROW)
            type = strdup(db_col_text(st, 0));
    }
    db_done(st);
    bool area = type && (!strcmp(type, "district") || !strcmp(type, "street"));
    free(type);
    if (!area || !auth_org_in_scope(req, c, org)) {
        http_error_fields(req, json_pack("{s:s}", "org_id", "须为您管辖范围内的区或街道"));
        return;
    }
    const char *code = jstr(b, "code");
    st = db_prepare(c,
                    "INSERT INTO bigdata_org_map (code, org_id, note, created_by, created_at) VALUES (?, ?, "
                    "?, ?, ?) RETURNING id");
    int64_t id = -1;
    int rc = DB_ERROR;
    if (st && code) {
        db_bind_text(st, 1, code);
        db_bind_int64(st, 2, org);
        db_bind_text(st, 3, jstr(b, "note"));
        db_bind_id(st, 4, http_user_id(req));
        db_bind_int64(st, 5, time_now_ms());
        if ((rc = db_step(st)) == DB_ROW)
            id = db_col_int64(st, 0);
    }
    db_done(st);
    if (id <= 0) {
        if (db_errcode(c) == DB_E_UNIQUE)
            http_error(req, 409, "duplicate_code", "该组织编码已有对照，请先删除原对照");
        else
            http_db_error(req, c);
        return;
    }
    json_t *o = res_load(req, c, &ORGMAP, ORGMAP_COLS, id, orgmap_row, NULL, RES_PLAIN);
    audit_entry_t ae = {.target = id, .after = o};
    audit_reply(req, c, o != NULL, &ae, 201, o);
}

static void get_orgmap(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *o = res_load(req, c, &ORGMAP, ORGMAP_COLS, id, orgmap_row, NULL, RES_PLAIN);
    if (o)
        http_json(req, 200, o);
}

static void delete_orgmap(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = res_lock(req, c, &ORGMAP, id) == 0
                         ? res_load(req, c, &ORGMAP, ORGMAP_COLS, id, orgmap_row, NULL, RES_PLAIN)
                         : NULL;
    if (!before)
        return;
    http_defer(req, (void (*)(void *))json_decref, before);
    qb_t q;
    qb_init(&q, "DELETE FROM bigdata_org_map WHERE id = ");
    qb_int(&q, id);
    if (!res_transition(req, c, &q, "对照已被删除"))
        return;
    audit_entry_t ae = {.target = id, .before = before};
    audit_reply(req, c, true, &ae, 204, NULL);
}

/* ---- the outbox ---- */

static const vfield_t OUTBOX_QUERY[] = {
    {"status", V_ENUM, .choices = OUTBOX_STATUSES, .title = "状态"},
    {"failing", V_BOOL, .title = "只看推送失败过的"},
};
static const vfield_t OUTBOX_OUT[] = {
    {"id", V_ID},
    {"site_id", V_ID},
    {"site_name", V_STR, .title = "阵地"},
    {"external_id", V_STR, .title = "外部编号"},
    {"status", V_ENUM, .choices = OUTBOX_STATUSES, .title = "状态"},
    {"attempts", V_INT, .title = "推送次数"},
    {"next_at", V_TIME, .title = "下次推送"},
    {"last_error", V_STR, .title = "最近错误"},
    {"created_at", V_TIME, .title = "变更时间"},
    {"updated_at", V_TIME, .title = "更新时间"},
    {"sent_at", V_TIME, .title = "送达时间"},
};

static void list_outbox(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &OUTBOX, &w);
    const char *s = http_query(req, "status");
    if (s) {
        qb_sql(&w, " AND x.status = ");
        qb_text(&w, s);
    }
    if (http_query_bool(req, "failing"))
        qb_sql(&w, " AND x.status <> 'sent' AND x.attempts > 0");
    res_list(req, c, &OUTBOX, OUTBOX_COLS, &w, "x.id DESC", outbox_row, NULL);
    qb_free(&w);
}

static void retry_outbox(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before =
        http_defer_json(req, res_load(req, c, &OUTBOX, OUTBOX_COLS, id, outbox_row, NULL, RES_FOR_UPDATE));
    if (!before)
        return;
    qb_t q;
    qb_init(&q, "UPDATE bigdata_outbox SET status = 'pending', next_at = ");
    qb_int(&q, time_now_ms());
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND status <> 'sent'");
    if (!res_transition(req, c, &q, "该变更已送达，无需重推"))
        return;
    json_t *after = res_load(req, c, &OUTBOX, OUTBOX_COLS, id, outbox_row, NULL, RES_PLAIN);
    audit_entry_t ae = {.target = id, .before = before, .after = after};
    audit_reply(req, c, after != NULL, &ae, 200, after);
}

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/bigdata/settings", .handler = get_settings, .perm = "bigdata.read",
     .summary = "大数据中心连接设置", HTTP_OUT(SETTINGS_OUT), .notes = "the secret is never answered (has_secret)"},
    {.method = "PUT", .pattern = "/api/v1/bigdata/settings", .handler = put_settings, .perm = "bigdata.write",
     .summary = "修改大数据中心连接设置", .audit = "bigdata.settings", HTTP_BODY(SETTINGS_BODY), HTTP_OUT(SETTINGS_OUT),
     .example = "{\"enabled\":false,\"base_url\":\"https://gateway.example.gov.cn/zhendi\",\"app_key\":\"zhendi\","
                "\"sign_method\":\"HMAC-SM3\",\"timeout_s\":20,\"page_size\":500,\"interval_min\":5,\"alert_after_min\":30}",
     .notes = "secret: empty or absent keeps the sealed one (SM4 + HMAC-SM3 under the master key); a new base_url "
              "clears the pull cursor; 422 when enabled without an address or a secret"},
    {.method = "POST", .pattern = "/api/v1/bigdata/test", .handler = test_connection, .perm = "bigdata.write",
     .summary = "测试大数据中心连接", .audit = "bigdata.test", HTTP_BODY(TEST_BODY), HTTP_OUT(TEST_OUT),
     .example = "{\"base_url\":\"https://gateway.example.gov.cn/zhendi\"}",
     .notes = "a signed GET /v1/ping with the saved settings, or the form's values over them (nothing is saved); "
              "200 {ok:false, message} when the center cannot be reached or refuses the signature; 409 "
              "not_configured without an address or a secret; at most 10 s"},
    {.method = "GET", .pattern = "/api/v1/bigdata/runs", .handler = list_runs, .perm = "bigdata.read",
     .flags = HTTP_LIST | HTTP_EXPORT, .summary = "同步记录", .resource = &RUNS, HTTP_QUERY(RUN_QUERY), HTTP_OUT(RUN_OUT)},
    {.method = "POST", .pattern = "/api/v1/bigdata/runs", .handler = start_run, .perm = "bigdata.write",
     .summary = "立即同步", .audit = "bigdata.run", .resource = &RUNS, HTTP_BODY(RUN_BODY), HTTP_OUT(RUN_OUT),
     .status = 201, .example = "{\"full\":false}",
     .notes = "queues a run (a job): pull grids from the saved cursor, then push the due site changes; full clears "
              "the cursor first. A run while another holds the lease ends failed without doing anything; 409 "
              "not_configured before an address and a secret are set"},
    {.method = "GET", .pattern = "/api/v1/bigdata/runs/{id}", .handler = get_run, .perm = "bigdata.read",
     .summary = "同步记录详情", .resource = &RUNS, HTTP_OUT(RUN_OUT)},
    {.method = "GET", .pattern = "/api/v1/bigdata/org-map", .handler = list_orgmap, .perm = "bigdata.read",
     .flags = HTTP_LIST | HTTP_EXPORT, .summary = "组织编码对照", .resource = &ORGMAP, HTTP_QUERY(ORGMAP_QUERY),
     HTTP_OUT(ORGMAP_OUT), .notes = "the center's org_code of a pulled grid is looked up here first, then among "
                                    "the organisations' own codes"},
    {.method = "POST", .pattern = "/api/v1/bigdata/org-map", .handler = create_orgmap, .perm = "bigdata.write",
     .summary = "新增组织编码对照", .audit = "bigdata.org_map_create", .resource = &ORGMAP, HTTP_BODY(ORGMAP_BODY),
     HTTP_OUT(ORGMAP_OUT), .status = 201, .example = "{\"code\":\"310115\",\"org_id\":\"{org}\",\"note\":\"浦东新区行政区划代码\"}",
     .notes = "org_id: an active district or street in the caller's scope (422); 409 duplicate_code when the code "
              "is mapped already"},
    {.method = "GET", .pattern = "/api/v1/bigdata/org-map/{id}", .handler = get_orgmap, .perm = "bigdata.read",
     .summary = "组织编码对照详情", .resource = &ORGMAP, HTTP_OUT(ORGMAP_OUT)},
    {.method = "DELETE", .pattern = "/api/v1/bigdata/org-map/{id}", .handler = delete_orgmap,
     .perm = "bigdata.write", .summary = "删除组织编码对照", .audit = "bigdata.org_map_delete", .resource = &ORGMAP},
    {.method = "GET", .pattern = "/api/v1/bigdata/outbox", .handler = list_outbox, .perm = "bigdata.read",
     .flags = HTTP_LIST | HTTP_EXPORT, .summary = "阵地推送队列", .resource = &OUTBOX, HTTP_QUERY(OUTBOX_QUERY),
     HTTP_OUT(OUTBOX_OUT), .notes = "every change of a site, queued in its transaction; a newer change replaces an unsent one"},
    {.method = "POST", .pattern = "/api/v1/bigdata/outbox/{id}/retry", .handler = retry_outbox, .perm = "bigdata.write",
     .summary = "重新推送", .audit = "bigdata.outbox_retry", .resource = &OUTBOX, HTTP_OUT(OUTBOX_OUT),
     .notes = "a failed or waiting change is due again now (the next run sends it); 409 when already sent"},
};
// clang-format on

int grid_bigdata_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
