/* stats_api.c — review statistics: counts submitted, approved, returned,
 * rejected and withdrawn by kind, category, district, organisation or
 * month; average time per review level; items by current status. Read from
 * the counters kept with each event (review_stats), so an answer over
 * millions of items reads a few thousand rows. Scoped like everything else:
 * a district sees its own organisations' counters. */
#include "core/jsonutil.h"
#include "core/str.h"
#include "http/upload.h"
#include "http/valid.h"
#include "modules/review/internal.h"
#include <stdio.h>
#include <string.h>

static const zd_resource_t REVIEW_STATS = {.name = "review_stat",
                                           .title = "审核统计",
                                           .table = "review_stats",
                                           .alias = "s",
                                           .org_col = "s.org_id",
                                           .no_creator = true,
                                           .id_col = "s.org_id", /* counters are never loaded one by one */
                                           .perm = "review.stats"};

static const zd_resource_t REVIEW_STATUS_COUNTS = {.name = "review_status_count",
                                                   .title = "审核状态统计",
                                                   .table = "review_status_counts",
                                                   .alias = "sc",
                                                   .org_col = "sc.org_id",
                                                   .no_creator = true,
                                                   .id_col = "sc.org_id", /* never loaded one by one */
                                                   .perm = "review.stats"};

static const char *const GROUPS[] = {"kind", "category", "district", "org", "month", NULL};

static const char *check_month(json_t *v)
{
    const char *s = json_string_value(v);
    if (!s || strlen(s) != 7 || s[4] != '-')
        return "月份格式为 YYYY-MM";
    for (int i = 0; i < 7; i++)
        if (i != 4 && (s[i] < '0' || s[i] > '9'))
            return "月份格式为 YYYY-MM";
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    return m >= 1 && m <= 12 ? NULL : "月份须在 01 至 12 之间";
}

static const vfield_t STATS_QUERY[] = {
    {"group", V_ENUM, .choices = GROUPS,
     .title = "分组：kind 类型、category 分类、district 区、org 组织、month 月份"},
    {"kind", V_STR, .max = 32, .title = "只统计这一类型"},
    {"from", V_STR, .max = 7, .check = check_month, .title = "起始月份 YYYY-MM"},
    {"to", V_STR, .max = 7, .check = check_month, .title = "截止月份 YYYY-MM"},
    {"limit", V_INT, false, 1, 500, .title = "最多几组（按提交量从高到低）"},
};

static void filters(http_req_t *req, qb_t *w)
{
    const char *kind = http_query(req, "kind"), *from = http_query(req, "from"), *to = http_query(req, "to");
    if (kind) {
        qb_sql(w, " AND s.kind = ");
        qb_text(w, kind);
    }
    if (from) {
        qb_sql(w, " AND s.month >= ");
        qb_text(w, from);
    }
    if (to) {
        qb_sql(w, " AND s.month <= ");
        qb_text(w, to);
    }
}

static const char *EVENTS[] = {"submitted", "approved", "returned", "rejected", "withdrawn"};
#define NEVENTS 5

/* The statistics answer, or NULL after answering 5xx. */
static json_t *stats(http_req_t *req, db_conn_t *c)
{
    const char *group = http_query(req, "group");
    if (!group)
        group = "kind";
    const char *gcol = !strcmp(group, "category")   ? "s.category"
                       : !strcmp(group, "district") ? "s.district_id"
                       : !strcmp(group, "org")      ? "s.org_id"
                       : !strcmp(group, "month")    ? "s.month"
                                                    : "s.kind";
    bool by_org = !strcmp(group, "district") || !strcmp(group, "org");
    int64_t limit = http_query_i64(req, "limit", 200);
    qb_t w, q;
    res_from(req, &REVIEW_STATS, &w);
    filters(req, &w);
    /* one grouping; the label of an organisation's group is its name, joined after it */
    qb_init(&q, by_org ? "SELECT g.k, g.e0, g.e1, g.e2, g.e3, g.e4, o.name FROM (SELECT "
                       : "SELECT g.k, g.e0, g.e1, g.e2, g.e3, g.e4, NULL FROM (SELECT ");
    qb_sql(&q, gcol);
    qb_sql(&q, " AS k");
    for (int i = 0; i < NEVENTS; i++) {
        char alias[48];
        qb_sql(&q, ", SUM(CASE WHEN s.event = ");
        qb_text(&q, EVENTS[i]);
        snprintf(alias, sizeof alias, " THEN s.n ELSE 0 END) AS e%d", i);
        qb_sql(&q, alias);
    }
    qb_append(&q, &w);
    qb_sql(&q, " GROUP BY ");
    qb_sql(&q, gcol);
    qb_sql(&q, by_org ? ") g LEFT JOIN orgs o ON o.id = g.k" : ") g");
    qb_sql(&q, !strcmp(group, "month") ? " ORDER BY g.k LIMIT " : " ORDER BY g.e0 DESC, g.k LIMIT ");
    qb_int(&q, limit);
    db_stmt_t *st = qb_prepare(c, &q);
    json_t *items = json_array();
    int64_t tot[NEVENTS] = {0};
    int rc = st ? DB_ROW : DB_ERROR;
    while (st && (rc = db_step(st)) == DB_ROW) {
        json_t *o = json_object();
        const char *key = db_col_text(st, 0);
        const char *label = key;
        if (!strcmp(group, "kind")) {
            const review_kind_t *k = review_kind(key);
            label = k ? k->title : key;
        } else if (!strcmp(group, "category"))
            label = key && *key ? key : "未分类";
        else if (by_org)
            label = db_col_is_null(st, 6) ? (!strcmp(group, "district") ? "（市级及条线）" : "（已删除）")
                                          : db_col_text(st, 6);
        json_object_set_new(o, "key",
                            by_org ? json_integer(db_col_int64(st, 0)) : json_string(key ? key : ""));
        json_object_set_new(o, "label", json_string(label ? label : ""));
        for (int i = 0; i < NEVENTS; i++) {
            int64_t n = db_col_int64(st, 1 + i);
            tot[i] += n;
            json_object_set_new(o, EVENTS[i], json_integer(n));
        }
        json_array_append_new(items, o);
    }
    db_done(st);
    qb_free(&q);
    if (rc != DB_DONE)
        goto fail;

    /* average time per level */
    qb_init(&q, "SELECT s.level, SUM(s.n), SUM(s.dur_ms)");
    qb_append(&q, &w);
    qb_sql(&q, " AND s.event = 'decided' GROUP BY s.level ORDER BY s.level");
    st = qb_prepare(c, &q);
    json_t *levels = json_array();
    rc = st ? DB_ROW : DB_ERROR;
    while (st && (rc = db_step(st)) == DB_ROW) {
        int64_t n = db_col_int64(st, 1), d = db_col_int64(st, 2);
        json_array_append_new(levels,
                              json_pack("{s:I,s:I,s:I}", "level", (json_int_t)db_col_int64(st, 0), "decided",
                                        (json_int_t)n, "avg_ms", (json_int_t)(n ? d / n : 0)));
    }
    db_done(st);
    qb_free(&q);
    qb_free(&w);
    if (rc != DB_DONE) {
        json_decref(levels);
        json_decref(items);
        http_db_error(req, c);
        return NULL;
    }

    /* items by current status, in the same scope: from the counts kept
     * with every change, never by counting the items */
    res_from_as(req, &REVIEW_STATUS_COUNTS, "review.stats", &w);
    const char *kind = http_query(req, "kind");
    if (kind) {
        qb_sql(&w, " AND sc.kind = ");
        qb_text(&w, kind);
    }
    qb_init(&q, "SELECT sc.status, SUM(sc.n)");
    qb_append(&q, &w);
    qb_sql(&q, " GROUP BY sc.status");
    qb_free(&w);
    st = qb_prepare(c, &q);
    json_t *status = json_object();
    for (int i = 0; REVIEW_STATUSES[i]; i++)
        json_object_set_new(status, REVIEW_STATUSES[i], json_integer(0));
    rc = st ? DB_ROW : DB_ERROR;
    while (st && (rc = db_step(st)) == DB_ROW)
        json_object_set_new(status, db_col_text(st, 0), json_integer(db_col_int64(st, 1)));
    db_done(st);
    qb_free(&q);
    if (rc != DB_DONE) {
        json_decref(status);
        json_decref(levels);
        json_decref(items);
        http_db_error(req, c);
        return NULL;
    }
    json_t *totals = json_object();
    for (int i = 0; i < NEVENTS; i++)
        json_object_set_new(totals, EVENTS[i], json_integer(tot[i]));
    return json_pack("{s:s,s:o,s:o,s:o,s:o}", "group", group, "items", items, "totals", totals, "levels",
                     levels, "status", status);
fail:
    qb_free(&w);
    json_decref(items);
    http_db_error(req, c);
    return NULL;
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
            rows, json_pack("[s,I,I,I,I,I]", jstr(it, "label"), (json_int_t)jint(it, "submitted", 0),
                            (json_int_t)jint(it, "approved", 0), (json_int_t)jint(it, "returned", 0),
                            (json_int_t)jint(it, "rejected", 0), (json_int_t)jint(it, "withdrawn", 0)));
    }
    const char *gtitle = !strcmp(group, "category")   ? "分类"
                         : !strcmp(group, "district") ? "区"
                         : !strcmp(group, "org")      ? "组织"
                         : !strcmp(group, "month")    ? "月份"
                                                      : "类型";
    json_t *header = json_pack("[ssssss]", gtitle, "提交", "通过", "退回修改", "驳回", "撤回");
    audit_entry_t ae = {.detail =
                            http_printf(req, "导出审核统计（按%s，%zu 行）", gtitle, json_array_size(rows))};
    if (audit_req(req, &ae))
        http_send_xlsx(req, "审核统计.xlsx", "审核统计", header, rows);
    json_decref(header);
    json_decref(rows);
}

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/review/stats", .handler = get_stats, .perm = "review.stats",
     .summary = "审核统计", .resource = &REVIEW_STATS, HTTP_QUERY(STATS_QUERY),
     .notes = "items [{key,label,submitted,approved,returned,rejected,withdrawn}], totals, levels "
              "[{level,decided,avg_ms}], status {draft,in_review,…}; months in Shanghai time"},
    {.method = "GET", .pattern = "/api/v1/review/stats/export", .handler = export_stats, .perm = "review.stats",
     .flags = HTTP_DOWNLOAD, .summary = "导出审核统计（.xlsx）", .audit = "review.stats.export",
     .resource = &REVIEW_STATS, HTTP_QUERY(STATS_QUERY)},
};
// clang-format on

int review_stats_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
