/* admin_api.c — what the storage module reports: the file-transfer log,
 * download and upload statistics (by day, file or organisation, .xlsx),
 * usage and quotas per organisation, the integrity verification and the
 * virus scanner. */
#include "core/str.h"
#include "core/timeutil.h"
#include "http/upload.h"
#include "http/valid.h"
#include "modules/storage/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the file-transfer log ---- */

#define TRANSFER_FROM                                                                                        \
    "storage_transfers t LEFT JOIN storage_files f ON f.id = t.file_id LEFT JOIN users u ON u.id = "         \
    "t.user_id "                                                                                             \
    "LEFT JOIN orgs o ON o.id = t.org_id"
#define TRANSFER_COLS                                                                                        \
    "t.id, t.at, t.direction, t.channel, t.file_id, t.share_id, t.upload_id, t.org_id, t.user_id, t.ip, "    \
    "t.status, t.bytes, t.size, t.range_text, t.completed, t.counted, t.ms, f.name, u.name, o.name"
static const res_sort_t TRANSFER_SORTS[] = {{"at", "t.at"}, {"bytes", "t.bytes"}, {NULL, NULL}};
const zd_resource_t STORAGE_TRANSFERS = {.name = "storage_transfer",
                                         .title = "传输记录",
                                         .table = "storage_transfers",
                                         .alias = "t",
                                         .from = TRANSFER_FROM,
                                         .org_col = "t.org_id",
                                         .creator_col = "t.user_id",
                                         .perm = "storage.read",
                                         .keyset = "t.id",
                                         .sorts = TRANSFER_SORTS};

static json_t *transfer_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return json_pack(
        "{s:I,s:o,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:I,s:o,s:o,s:b,s:b,s:o,s:o,s:o,s:o}", "id",
        (json_int_t)db_col_int64(st, 0), "at", json_time(db_col_int64(st, 1)), "direction",
        db_col_text(st, 2), "channel", db_col_text(st, 3), "file_id",
        db_col_is_null(st, 4) ? json_null() : json_integer(db_col_int64(st, 4)), "share_id",
        db_col_is_null(st, 5) ? json_null() : json_integer(db_col_int64(st, 5)), "upload_id",
        json_text_or_null(db_col_text(st, 6)), "org_id",
        db_col_is_null(st, 7) ? json_null() : json_integer(db_col_int64(st, 7)), "user_id",
        db_col_is_null(st, 8) ? json_null() : json_integer(db_col_int64(st, 8)), "ip",
        json_text_or_null(db_col_text(st, 9)), "status", (json_int_t)db_col_int64(st, 10), "bytes",
        (json_int_t)db_col_int64(st, 11), "size",
        db_col_is_null(st, 12) ? json_null() : json_integer(db_col_int64(st, 12)), "range",
        json_text_or_null(db_col_text(st, 13)), "completed", db_col_bool(st, 14), "counted",
        db_col_bool(st, 15), "ms", db_col_is_null(st, 16) ? json_null() : json_integer(db_col_int64(st, 16)),
        "file_name", json_text_or_null(db_col_text(st, 17)), "user_name",
        json_text_or_null(db_col_text(st, 18)), "org_name", json_text_or_null(db_col_text(st, 19)));
}

static const char *const DIRECTIONS[] = {"upload", "download", NULL};
static const char *const CHANNELS[] = {"console", "share", "api", NULL};

static void transfer_filters(http_req_t *req, qb_t *w)
{
    const char *d = http_query(req, "direction");
    if (d) {
        qb_sql(w, " AND t.direction = ");
        qb_text(w, d);
    }
    const char *ch = http_query(req, "channel");
    if (ch) {
        qb_sql(w, " AND t.channel = ");
        qb_text(w, ch);
    }
    int64_t file = http_query_i64(req, "file_id", 0), org = http_query_i64(req, "org_id", 0);
    if (file) {
        qb_sql(w, " AND t.file_id = ");
        qb_int(w, file);
    }
    if (org) {
        qb_sql(w, " AND t.org_id = ");
        qb_int(w, org);
    }
    int64_t ms;
    const char *from = http_query(req, "from"), *to = http_query(req, "to");
    if (from && time_parse_iso8601(from, &ms)) {
        qb_sql(w, " AND t.at >= ");
        qb_int(w, ms);
    }
    if (to && time_parse_iso8601(to, &ms)) {
        qb_sql(w, " AND t.at < ");
        qb_int(w, ms);
    }
}

static void list_transfers(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &STORAGE_TRANSFERS, &w);
    transfer_filters(req, &w);
    res_list(req, c, &STORAGE_TRANSFERS, TRANSFER_COLS, &w, "t.id DESC", transfer_row, NULL);
    qb_free(&w);
}

/* ---- statistics ---- */

static const char *const GROUPS[] = {"day", "file", "org", NULL};

/* Rows of the statistics: [{"key","label","downloads","download_bytes",
 * "uploads","upload_bytes"}], plus totals. NULL after answering 5xx. */
static json_t *stats(http_req_t *req, db_conn_t *c)
{
    const char *group = http_query(req, "group");
    if (!group)
        group = "day";
    /* days in the platform's zone: Shanghai, UTC+8 */
    const char *key = !strcmp(group, "file")  ? "t.file_id"
                      : !strcmp(group, "org") ? "t.org_id"
                                              : "(t.at + 28800000) / 86400000";
    const char *label = !strcmp(group, "file")  ? "MAX(f.name)"
                        : !strcmp(group, "org") ? "MAX(o.name)"
                                                : "NULL";
    qb_t q, w;
    qb_init(&q, "SELECT ");
    qb_sql(&q, key);
    qb_sql(&q, ", ");
    qb_sql(&q, label);
    qb_sql(&q, ", SUM(CASE WHEN t.direction = 'download' AND t.counted = 1 THEN 1 ELSE 0 END), "
               "SUM(CASE WHEN t.direction = 'download' THEN t.bytes ELSE 0 END), "
               "COUNT(DISTINCT CASE WHEN t.direction = 'upload' AND t.completed = 1 THEN t.upload_id END), "
               "SUM(CASE WHEN t.direction = 'upload' THEN t.bytes ELSE 0 END)");
    res_from(req, &STORAGE_TRANSFERS, &w);
    transfer_filters(req, &w);
    qb_append(&q, &w);
    qb_free(&w);
    if (strcmp(group, "day") != 0)
        qb_sql(&q, strcmp(group, "file") == 0 ? " AND t.file_id IS NOT NULL" : " AND t.org_id IS NOT NULL");
    qb_sql(&q, " GROUP BY ");
    qb_sql(&q, key);
    qb_sql(&q, !strcmp(group, "day") ? " ORDER BY 1" : " ORDER BY 3 DESC, 4 DESC, 1 LIMIT 100");
    db_stmt_t *st = qb_prepare(c, &q);
    qb_free(&q);
    json_t *items = json_array();
    int64_t td = 0, tdb = 0, tu = 0, tub = 0;
    int rc = DB_ERROR;
    while (st && (rc = db_step(st)) == DB_ROW) {
        int64_t k = db_col_int64(st, 0);
        char lab[64];
        const char *l = db_col_text(st, 1);
        if (!strcmp(group, "day")) {
            char iso[40];
            time_iso8601(k * 86400000, iso, sizeof iso);
            snprintf(lab, sizeof lab, "%.10s", iso);
            l = lab;
        }
        int64_t d = db_col_int64(st, 2), db = db_col_int64(st, 3), u = db_col_int64(st, 4),
                ub = db_col_int64(st, 5);
        td += d;
        tdb += db;
        tu += u;
        tub += ub;
        json_array_append_new(items, json_pack("{s:I,s:s,s:I,s:I,s:I,s:I}", "key", (json_int_t)k, "label",
                                               l ? l : "（已清除）", "downloads", (json_int_t)d,
                                               "download_bytes", (json_int_t)db, "uploads", (json_int_t)u,
                                               "upload_bytes", (json_int_t)ub));
    }
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(items);
        http_db_error(req, c);
        return NULL;
    }
    return json_pack("{s:s,s:o,s:{s:I,s:I,s:I,s:I}}", "group", group, "items", items, "totals", "downloads",
                     (json_int_t)td, "download_bytes", (json_int_t)tdb, "uploads", (json_int_t)tu,
                     "upload_bytes", (json_int_t)tub);
}

static void get_stats(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    json_t *s = c ? stats(req, c) : NULL;
    if (s)
        http_json(req, 200, s);
}

static void export_stats(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    json_t *s = c ? http_defer_json(req, stats(req, c)) : NULL;
    if (!s)
        return;
    const char *group = jstr(s, "group");
    json_t *rows = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(s, "items"), i, it)
    {
        json_array_append_new(
            rows, json_pack("[s,I,f,I,f]", jstr(it, "label"), (json_int_t)jint(it, "downloads", 0),
                            jint(it, "download_bytes", 0) / 1048576.0, (json_int_t)jint(it, "uploads", 0),
                            jint(it, "upload_bytes", 0) / 1048576.0));
    }
    json_t *header = json_pack("[sssss]",
                               !strcmp(group, "file")  ? "文件"
                               : !strcmp(group, "org") ? "组织"
                                                       : "日期",
                               "下载次数", "下载流量（MB）", "上传文件数", "上传流量（MB）");
    audit_entry_t ae = {.detail = http_printf(req, "导出传输统计（%zu 行）", json_array_size(rows))};
    if (audit_req(req, &ae))
        http_send_xlsx(req, "传输统计.xlsx", "传输统计", header, rows);
    json_decref(header);
    json_decref(rows);
}

/* ---- usage and quotas ---- */

#define USAGE_COLS "o.id, o.name, o.type, COALESCE(su.bytes, 0), COALESCE(su.files, 0), su.quota_bytes"
static const res_sort_t USAGE_SORTS[] = {
    {"bytes", "COALESCE(su.bytes, 0)"}, {"files", "COALESCE(su.files, 0)"}, {"name", "o.name"}, {NULL, NULL}};
const zd_resource_t STORAGE_USAGE = {.name = "storage_usage",
                                     .title = "组织存储用量",
                                     .table = "orgs",
                                     .alias = "o",
                                     .from = "orgs o LEFT JOIN storage_usage su ON su.org_id = o.id",
                                     .where = "o.status <> 'deleted'",
                                     .org_col = "o.id",
                                     .no_creator = true,
                                     .perm = "storage.read",
                                     .sorts = USAGE_SORTS};

static json_t *usage_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    int64_t bytes = db_col_int64(st, 3);
    bool own = !db_col_is_null(st, 5);
    int64_t quota = own ? db_col_int64(st, 5) : storage_cfg.quota_default_mb << 20;
    return json_pack("{s:I,s:s,s:s,s:I,s:I,s:I,s:b,s:o}", "org_id", (json_int_t)db_col_int64(st, 0),
                     "org_name", db_col_text(st, 1), "org_type", db_col_text(st, 2), "bytes",
                     (json_int_t)bytes, "files", (json_int_t)db_col_int64(st, 4), "quota_bytes",
                     (json_int_t)quota, "own_quota", own, "percent",
                     quota > 0 ? json_real((double)bytes * 100.0 / (double)quota) : json_null());
}

static void list_usage(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &STORAGE_USAGE, &w);
    if (http_query_bool(req, "used_only"))
        qb_sql(&w, " AND su.files > 0");
    const char *q = http_query(req, "q");
    if (q) {
        static const char *const COLS[] = {"o.name"};
        qb_like_any(&w, COLS, 1, q);
    }
    res_list(req, c, &STORAGE_USAGE, USAGE_COLS, &w, "COALESCE(su.bytes, 0) DESC, o.id", usage_row, NULL);
    qb_free(&w);
}

static void set_quota(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before =
        http_defer_json(req, res_load(req, c, &STORAGE_USAGE, USAGE_COLS, id, usage_row, NULL, RES_PLAIN));
    if (!before)
        return;
    json_t *mb = json_object_get(http_json_body(req), "quota_mb");
    if (!mb || !(json_is_null(mb) || (json_is_integer(mb) && json_integer_value(mb) >= 0 &&
                                      json_integer_value(mb) <= 104857600))) {
        http_error_fields(req,
                          json_pack("{s:s}", "quota_mb", "应为 0 到 104857600 之间的整数（MB），或 null"));
        return;
    }
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO storage_usage (org_id, bytes, files, quota_bytes, updated_at) VALUES "
                      "(?, 0, 0, ?, ?) ON CONFLICT (org_id) DO UPDATE SET quota_bytes = "
                      "excluded.quota_bytes, updated_at = excluded.updated_at");
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, id);
        if (json_is_integer(mb))
            db_bind_int64(st, 2, json_integer_value(mb) << 20);
        else
            db_bind_null(st, 2);
        db_bind_int64(st, 3, time_now_ms());
        rc = db_step(st);
    }
    db_done(st);
    json_t *after =
        rc == DB_DONE ? res_load(req, c, &STORAGE_USAGE, USAGE_COLS, id, usage_row, NULL, RES_PLAIN) : NULL;
    audit_entry_t ae = {.target_type = "storage_usage",
                        .target = id,
                        .before = before,
                        .after = after,
                        .detail = jstr(before, "org_name")};
    audit_reply(req, c, after != NULL, &ae, 200, after);
}

/* ---- integrity and the scanner ---- */

#define BLOB_COLS                                                                                            \
    "b.sha256, b.size, b.mime, b.refs, b.status, b.status_note, b.verified_at, b.created_at, "               \
    "(SELECT COUNT(*) FROM storage_files f WHERE f.blob_sha = b.sha256), "                                   \
    "(SELECT MIN(f.name) FROM storage_files f WHERE f.blob_sha = b.sha256)"
static const res_sort_t BLOB_SORTS[] = {{"size", "b.size"}, {"verified_at", "b.verified_at"}, {NULL, NULL}};
const zd_resource_t STORAGE_BLOBS = {.name = "storage_blob",
                                     .title = "存储对象",
                                     .table = "storage_blobs",
                                     .alias = "b",
                                     .id_col = "b.sha256",
                                     .no_org =
                                         true, /* shared by every organisation's files: a system concern */
                                     .no_creator = true,
                                     .perm = "storage.admin",
                                     .sorts = BLOB_SORTS};

static json_t *blob_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return json_pack("{s:s,s:I,s:s,s:I,s:s,s:o,s:o,s:o,s:I,s:o}", "sha256", db_col_text(st, 0), "size",
                     (json_int_t)db_col_int64(st, 1), "mime", db_col_text(st, 2), "refs",
                     (json_int_t)db_col_int64(st, 3), "status", db_col_text(st, 4), "note",
                     json_text_or_null(db_col_text(st, 5)), "verified_at",
                     db_col_is_null(st, 6) ? json_null() : json_time(db_col_int64(st, 6)), "created_at",
                     json_time(db_col_int64(st, 7)), "files", (json_int_t)db_col_int64(st, 8), "file_name",
                     json_text_or_null(db_col_text(st, 9)));
}

static const char *const BLOB_STATUSES[] = {"ok", "missing", "corrupt", "deleting", NULL};

static void list_blobs(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &STORAGE_BLOBS, &w);
    const char *s = http_query(req, "status");
    if (s) {
        qb_sql(&w, " AND b.status = ");
        qb_text(&w, s);
    } else
        qb_sql(&w, " AND b.status IN ('missing', 'corrupt')");
    res_list(req, c, &STORAGE_BLOBS, BLOB_COLS, &w, "b.verified_at DESC, b.sha256", blob_row, NULL);
    qb_free(&w);
}

static void integrity(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    db_stmt_t *st =
        db_prepare(c, "SELECT COUNT(*), COALESCE(SUM(size), 0), SUM(CASE WHEN status = 'missing' THEN 1 "
                      "ELSE 0 END), SUM(CASE WHEN status = 'corrupt' THEN 1 ELSE 0 END), MIN(verified_at) "
                      "FROM storage_blobs WHERE status <> 'deleting'");
    int rc = st ? db_step(st) : DB_ERROR;
    json_t *o = NULL;
    if (rc == DB_ROW)
        o = json_pack("{s:I,s:I,s:I,s:I,s:o}", "blobs", (json_int_t)db_col_int64(st, 0), "bytes",
                      (json_int_t)db_col_int64(st, 1), "missing", (json_int_t)db_col_int64(st, 2), "corrupt",
                      (json_int_t)db_col_int64(st, 3), "oldest_verified_at",
                      db_col_is_null(st, 4) ? json_null() : json_time(db_col_int64(st, 4)));
    db_done(st);
    int64_t job = 0;
    if (o && db_query_int64(c, "SELECT MAX(id) FROM jobs WHERE kind = 'storage.verify'", &job) < 0) {
        json_decref(o);
        o = NULL;
    }
    if (!o) {
        http_db_error(req, c);
        return;
    }
    int jrc = 0;
    json_t *last = job > 0 ? jobs_get_json(c, job, &jrc) : NULL;
    json_object_set_new(o, "last_run", last ? last : json_null());
    http_json(req, 200, o);
}

static void run_verify(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    job_spec_t spec = {.kind = "storage.verify",
                       .max_attempts = 1,
                       .org_id = http_user_org(req),
                       .created_by = http_user_id(req)};
    int64_t job = jobs_enqueue(c, &spec);
    int jrc = 0;
    json_t *o = job > 0 ? jobs_get_json(c, job, &jrc) : NULL;
    audit_entry_t ae = {.target_type = "job", .target = job, .detail = "存储完整性校核"};
    audit_reply(req, c, o != NULL, &ae, 201, o);
    jobs_notify();
}

static void scanner(http_req_t *req)
{
    scan_engine_t *s = storage_scanner();
    json_t *o = s ? scan_info(s) : json_object();
    json_object_set_new(o, "available", json_boolean(s != NULL));
    json_object_set_new(o, "required", json_boolean(storage_cfg.scan_required));
    json_object_set_new(o, "error", json_text_or_null(storage_scanner_error()));
    blob_store_t *b = storage_blobs();
    json_object_set_new(o, "backend", json_string(b ? b->ops->name : "none"));
    http_json(req, 200, o);
}

/* ---- routes ---- */

static const vfield_t TRANSFER_QUERY[] = {
    {"direction", V_ENUM, .choices = DIRECTIONS, .title = "方向"},
    {"channel", V_ENUM, .choices = CHANNELS, .title = "渠道"},
    {"file_id", V_ID, .title = "文件"},
    {"org_id", V_ID, .title = "文件所属组织"},
    {"from", V_TIME, .title = "时间起"},
    {"to", V_TIME, .title = "时间止"},
};
static const vfield_t STATS_QUERY[] = {
    {"group", V_ENUM, .choices = GROUPS, .title = "按 day 日期、file 文件、org 组织（缺省 day）"},
    {"direction", V_ENUM, .choices = DIRECTIONS, .title = "方向"},
    {"channel", V_ENUM, .choices = CHANNELS, .title = "渠道"},
    {"file_id", V_ID, .title = "文件"},
    {"org_id", V_ID, .title = "文件所属组织"},
    {"from", V_TIME, .title = "时间起"},
    {"to", V_TIME, .title = "时间止"},
};
static const vfield_t TRANSFER_OUT[] = {
    {"id", V_ID},
    {"at", V_TIME},
    {"direction", V_ENUM, .choices = DIRECTIONS},
    {"channel", V_ENUM, .choices = CHANNELS},
    {"file_id", V_ID},
    {"file_name", V_STR},
    {"user_name", V_STR},
    {"org_name", V_STR},
    {"ip", V_STR},
    {"status", V_INT},
    {"bytes", V_INT},
    {"range", V_STR},
    {"completed", V_BOOL},
    {"counted", V_BOOL},
    {"ms", V_INT},
};
static const vfield_t STATS_OUT[] = {{"group", V_STR}, {"items", V_ARRAY}, {"totals", V_OBJECT}};
static const vfield_t USAGE_QUERY[] = {
    {"q", V_STR, .max = 100, .title = "组织名称包含"},
    {"used_only", V_BOOL, .title = "只列有文件的组织"},
};
static const vfield_t USAGE_OUT[] = {{"org_id", V_ID},  {"org_name", V_STR},    {"bytes", V_INT},
                                     {"files", V_INT},  {"quota_bytes", V_INT}, {"own_quota", V_BOOL},
                                     {"percent", V_NUM}};
static const vfield_t QUOTA_BODY[] = {
    {"quota_mb", V_INT, true, 0, 104857600, NULL, NULL, "配额（MB；0 为不限，null 为采用默认配额）"},
};
static const vfield_t BLOB_QUERY[] = {
    {"status", V_ENUM, .choices = BLOB_STATUSES, .title = "状态（缺省：缺失与不符）"}};
static const vfield_t BLOB_OUT[] = {
    {"sha256", V_STR},      {"size", V_INT},  {"status", V_ENUM, .choices = BLOB_STATUSES},
    {"note", V_STR},        {"files", V_INT}, {"file_name", V_STR},
    {"verified_at", V_TIME}};

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/storage/transfers", .handler = list_transfers, .perm = "storage.read",
     .flags = HTTP_LIST, .summary = "文件传输日志", .resource = &STORAGE_TRANSFERS, HTTP_QUERY(TRANSFER_QUERY),
     HTTP_OUT(TRANSFER_OUT)},
    {.method = "GET", .pattern = "/api/v1/storage/stats", .handler = get_stats, .perm = "storage.read",
     .summary = "上传下载统计", .resource = &STORAGE_TRANSFERS, HTTP_QUERY(STATS_QUERY), HTTP_OUT(STATS_OUT),
     .notes = "items [{key,label,downloads,download_bytes,uploads,upload_bytes}] and totals; downloads count "
              "whole downloads (not resumed ranges); day in Shanghai time; file and org: top 100"},
    {.method = "GET", .pattern = "/api/v1/storage/stats/export", .handler = export_stats, .perm = "storage.read",
     .flags = HTTP_DOWNLOAD, .summary = "导出上传下载统计（.xlsx）", .audit = "storage.stats.export",
     .resource = &STORAGE_TRANSFERS, HTTP_QUERY(STATS_QUERY)},
    {.method = "GET", .pattern = "/api/v1/storage/usage", .handler = list_usage, .perm = "storage.read",
     .flags = HTTP_LIST, .summary = "组织存储用量与配额", .resource = &STORAGE_USAGE, HTTP_QUERY(USAGE_QUERY),
     HTTP_OUT(USAGE_OUT)},
    {.method = "PUT", .pattern = "/api/v1/storage/usage/{id}", .handler = set_quota, .perm = "storage.admin",
     .flags = HTTP_BODY_CUSTOM, .summary = "设置组织存储配额", .audit = "storage.quota.set",
     .resource = &STORAGE_USAGE, HTTP_BODY(QUOTA_BODY), HTTP_OUT(USAGE_OUT), .example = "{\"quota_mb\":1024}",
     .notes = "{id} is the organisation; quota_mb null returns it to the default"},
    {.method = "GET", .pattern = "/api/v1/storage/integrity", .handler = integrity, .perm = "storage.admin",
     .summary = "存储完整性概况", .resource = &STORAGE_BLOBS,
     .notes = "{blobs,bytes,missing,corrupt,oldest_verified_at,last_run: the last storage.verify job}"},
    {.method = "GET", .pattern = "/api/v1/storage/integrity/findings", .handler = list_blobs,
     .perm = "storage.admin", .flags = HTTP_LIST, .summary = "存储校核发现的问题", .resource = &STORAGE_BLOBS,
     HTTP_QUERY(BLOB_QUERY), HTTP_OUT(BLOB_OUT)},
    {.method = "POST", .pattern = "/api/v1/storage/integrity/verify", .handler = run_verify,
     .perm = "storage.admin", .summary = "立即进行存储校核", .audit = "storage.verify.run", .status = 201,
     .notes = "→ the storage.verify job"},
    {.method = "GET", .pattern = "/api/v1/storage/scanner", .handler = scanner, .perm = "storage.admin",
     .summary = "病毒扫描引擎状态",
     .notes = "{available, required, error, engine, signatures, sigdir, loaded_at, databases, reloads, backend}"},
};
// clang-format on

int storage_admin_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
