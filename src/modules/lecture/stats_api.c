/* stats_api.c — the lecture hall's statistics (讲堂统计) over the published
 * lectures in the caller's scope: lectures, seats, bookings, participants,
 * check-ins, the attendance rate, the feedback (讲堂评价: how many, the
 * average score) and the playback (回放: viewers, time actually watched), by lecture, by organisation or by month of the first
 * session; as JSON for the console's chart and as .xlsx.
 * One query reads a row per lecture (its counts are indexed subqueries on
 * lecture_bookings); the grouping by organisation or month is done here, so
 * that the SQL stays in the portable subset (no dialect's date functions). */
#include "core/timeutil.h"
#include "http/upload.h"
#include "http/valid.h"
#include "modules/lecture/internal.h"
#include "modules/progress/progress.h"
#include <stdio.h>
#include <string.h>

#define MAX_LECTURES 10000

static const char *const GROUPS[] = {"lecture", "org", "month", NULL};
static const vfield_t STATS_QUERY[] = {
    {"group", V_ENUM, .choices = GROUPS,
     .title = "分组：lecture 按讲堂（默认）、org 按主办组织、month 按月份"},
    {"from", V_TIME, .title = "首场开始不早于"},
    {"to", V_TIME, .title = "首场开始早于"},
};
static const vfield_t STATS_OUT[] = {
    {"key", V_STR, .title = "讲堂编号、组织编号或月份（2026-12）"},
    {"label", V_STR, .title = "讲堂主题、组织名称或月份"},
    {"lectures", V_INT, .title = "讲堂数"},
    {"sessions", V_INT, .title = "场次数"},
    {"capacity", V_INT, .title = "名额"},
    {"bookings", V_INT, .title = "预约（含已取消、未通过）"},
    {"confirmed", V_INT, .title = "有效预约（已确认与已签到）"},
    {"attended", V_INT, .title = "签到人次"},
    {"cancelled", V_INT, .title = "取消"},
    {"participants", V_INT, .title = "参与人数（有效预约的不同党员，按讲堂计后相加）"},
    {"attendance_rate", V_NUM, .title = "到场率：签到 / 有效预约（无有效预约时为 null）"},
    {"ratings", V_INT, .title = "评价人数（讲堂评价，未驳回的）"},
    {"rating_avg", V_NUM, .title = "平均评分 1–5（内容、主讲、形式三项的平均；无评价时为 null）"},
    {"viewers", V_INT, .title = "回放观看人数（按讲堂计后相加）"},
    {"watched_ms", V_INT, .title = "回放观看时长（毫秒，实际看过的区间，播放器心跳计）"},
};

static const char *const FIELDS[] = {"lectures",  "sessions",      "capacity",  "bookings",
                                     "confirmed", "attended",      "cancelled", "participants",
                                     "ratings",   "rating_points", "viewers",   "watched_ms"};

/* {items:[…], totals:{…}} of the caller's published lectures, grouped; NULL
 * after answering 5xx. */
static json_t *compute(http_req_t *req, db_conn_t *c)
{
    const char *group = http_query(req, "group");
    if (!group)
        group = "lecture";
    qb_t w, q;
    res_from(req, &LECTURES, &w);
    qb_sql(&w, " AND l.status = 'approved' AND l.cancelled_at IS NULL");
    int64_t ms;
    const char *from = http_query(req, "from"), *to = http_query(req, "to");
#define FIRST                                                                                                \
    "(SELECT MIN(x.starts_at) FROM lecture_sessions x WHERE x.lecture_id = l.id AND x.deleted_at IS NULL)"
#define COUNT_OF(cond) "(SELECT COUNT(*) FROM lecture_bookings b WHERE b.lecture_id = l.id" cond ")"
    if (from && time_parse_iso8601(from, &ms)) {
        qb_sql(&w, " AND " FIRST " >= ");
        qb_int(&w, ms);
    }
    if (to && time_parse_iso8601(to, &ms)) {
        qb_sql(&w, " AND " FIRST " < ");
        qb_int(&w, ms);
    }
    qb_init(
        &q,
        "SELECT l.id, l.title, l.org_id, o.name, " FIRST
        ", (SELECT COUNT(*) FROM lecture_sessions x WHERE x.lecture_id = l.id AND x.deleted_at IS "
        "NULL), "
        "(SELECT COALESCE(SUM(x.capacity), 0) FROM lecture_sessions x WHERE x.lecture_id = l.id AND "
        "x.deleted_at IS NULL), " COUNT_OF("") ", " COUNT_OF(
            " AND b.status IN ('confirmed', "
            "'attended')") ", " COUNT_OF(" AND b.status = 'attended'") ", " COUNT_OF(" AND b.status = "
                                                                                     "'cancelled'") ", "
                                                                                                    "(SELECT "
                                                                                                    "COUNT("
                                                                                                    "DISTINCT"
                                                                                                    " "
                                                                                                    "b.user_"
                                                                                                    "id) "
                                                                                                    "FROM "
                                                                                                    "lecture_"
                                                                                                    "bookings"
                                                                                                    " b "
                                                                                                    "WHERE "
                                                                                                    "b."
                                                                                                    "lecture_"
                                                                                                    "id "
                                                                                                    "= l.id "
                                                                                                    "AND "
                                                                                                    "b."
                                                                                                    "status "
                                                                                                    "IN "
                                                                                                    "('"
                                                                                                    "confirme"
                                                                                                    "d',"
                                                                                                    " '"
                                                                                                    "attended"
                                                                                                    "')"
                                                                                                    ")");
    /* the feedback (讲堂评价, not rejected): how many, and the sum of their three scores */
    qb_sql(&q,
           ", (SELECT COUNT(*) FROM lecture_ratings r WHERE r.lecture_id = l.id AND r.status <> 'rejected'), "
           "(SELECT COALESCE(SUM(r.content + r.lecturer + r.form), 0) FROM lecture_ratings r WHERE "
           "r.lecture_id = l.id AND r.status <> 'rejected')");
    /* playback (回放): members who watched, and the time actually watched */
    qb_sql(&q, ", (SELECT COUNT(DISTINCT p.user_id) FROM lecture_progress p WHERE p.lecture_id = l.id AND "
               "p.watched_ms > 0), (SELECT COALESCE(SUM(p.watched_ms), 0) FROM lecture_progress p WHERE "
               "p.lecture_id = l.id)");
    qb_append(&q, &w);
    qb_free(&w);
    qb_sql(&q, " ORDER BY " FIRST ", l.id LIMIT ");
    qb_int(&q, MAX_LECTURES);
    db_stmt_t *st = qb_prepare(c, &q);
    json_t *groups = json_object(), *order = json_array(), *totals = json_object();
    for (size_t i = 0; i < VN(FIELDS); i++)
        json_object_set_new(totals, FIELDS[i], json_integer(0));
    int rc = st ? DB_ROW : DB_ERROR;
    while (st && (rc = db_step(st)) == DB_ROW) {
        char key[64], month[40];
        const char *label;
        if (!strcmp(group, "org")) {
            snprintf(key, sizeof key, "%lld", (long long)db_col_int64(st, 2));
            label = db_col_text(st, 3);
        } else if (!strcmp(group, "month")) {
            time_iso8601(db_col_int64(st, 4), month, sizeof month);
            snprintf(key, sizeof key, "%.7s", month);
            label = key;
        } else {
            snprintf(key, sizeof key, "%lld", (long long)db_col_int64(st, 0));
            label = db_col_text(st, 1);
        }
        json_t *g = json_object_get(groups, key);
        if (!g) {
            g = json_pack("{s:s,s:s}", "key", key, "label", label ? label : "");
            for (size_t i = 0; i < VN(FIELDS); i++)
                json_object_set_new(g, FIELDS[i], json_integer(0));
            json_object_set_new(groups, key, g);
            json_array_append(order, g);
        }
        int64_t v[VN(FIELDS)] = {1,
                                 db_col_int64(st, 5),
                                 db_col_int64(st, 6),
                                 db_col_int64(st, 7),
                                 db_col_int64(st, 8),
                                 db_col_int64(st, 9),
                                 db_col_int64(st, 10),
                                 db_col_int64(st, 11),
                                 db_col_int64(st, 12),
                                 db_col_int64(st, 13),
                                 db_col_int64(st, 14),
                                 db_col_int64(st, 15)};
        for (size_t i = 0; i < VN(FIELDS); i++) {
            json_object_set_new(g, FIELDS[i], json_integer(jint(g, FIELDS[i], 0) + v[i]));
            json_object_set_new(totals, FIELDS[i], json_integer(jint(totals, FIELDS[i], 0) + v[i]));
        }
    }
    db_done(st);
    qb_free(&q);
    json_decref(groups);
    if (rc != DB_DONE) {
        json_decref(order);
        json_decref(totals);
        http_db_error(req, c);
        return NULL;
    }
    size_t i;
    json_t *g;
    json_array_append(order, totals);
    json_array_foreach(order, i, g)
    {
        int64_t conf = jint(g, "confirmed", 0);
        json_object_set_new(g, "attendance_rate",
                            conf ? json_real((double)jint(g, "attended", 0) / (double)conf) : json_null());
        int64_t nr = jint(g, "ratings", 0);
        json_object_set_new(g, "rating_avg",
                            nr ? json_real((double)jint(g, "rating_points", 0) / (3.0 * (double)nr))
                               : json_null());
        json_object_del(g, "rating_points");
    }
    json_array_remove(order, json_array_size(order) - 1);
    return json_pack("{s:s,s:o,s:o}", "group", group, "items", order, "totals", totals);
}

static void stats(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (c)
        progress_flush(c); /* this node's beats not written yet (progress.h) */
    json_t *s = c ? compute(req, c) : NULL;
    if (s)
        http_json(req, 200, s);
}

static void export_stats(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (c)
        progress_flush(c);
    json_t *s = c ? http_defer_json(req, compute(req, c)) : NULL;
    if (!s)
        return;
    const char *group = jstr(s, "group");
    const char *first = !strcmp(group, "org") ? "主办组织" : !strcmp(group, "month") ? "月份" : "讲堂";
    json_t *rows = http_defer_json(req, json_array());
    size_t i;
    json_t *g;
    json_t *items = json_object_get(s, "items");
    json_array_foreach(items, i, g)
    {
        json_t *rate = json_object_get(g, "attendance_rate"), *avg = json_object_get(g, "rating_avg");
        json_array_append_new(
            rows,
            json_pack("[s,I,I,I,I,I,I,I,I,s,I,s,I,s]", jstr(g, "label"), (json_int_t)jint(g, "lectures", 0),
                      (json_int_t)jint(g, "sessions", 0), (json_int_t)jint(g, "capacity", 0),
                      (json_int_t)jint(g, "bookings", 0), (json_int_t)jint(g, "confirmed", 0),
                      (json_int_t)jint(g, "attended", 0), (json_int_t)jint(g, "cancelled", 0),
                      (json_int_t)jint(g, "participants", 0),
                      json_is_real(rate) ? http_printf(req, "%.1f%%", json_real_value(rate) * 100) : "—",
                      (json_int_t)jint(g, "ratings", 0),
                      json_is_real(avg) ? http_printf(req, "%.2f", json_real_value(avg)) : "—",
                      (json_int_t)jint(g, "viewers", 0),
                      http_printf(req, "%.1f", (double)jint(g, "watched_ms", 0) / 3600000.0)));
    }
    json_t *header =
        http_defer_json(req, json_pack("[ssssssssssssss]", first, "讲堂数", "场次数", "名额", "预约",
                                       "有效预约", "签到人次", "取消", "参与人数", "到场率", "评价人数",
                                       "平均评分", "回放观看人数", "回放观看时长（小时）"));
    audit_entry_t ae = {.detail =
                            http_printf(req, "导出讲堂统计（%s，%zu 行）", first, json_array_size(rows))};
    if (audit_req(req, &ae))
        http_send_xlsx(req, "讲堂统计.xlsx", "讲堂统计", header, rows);
}

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/lecture/stats", .handler = stats, .perm = "lecture.manage",
     .summary = "讲堂统计", .resource = &LECTURES, HTTP_QUERY(STATS_QUERY), HTTP_OUT(STATS_OUT),
     .notes = "{group, items, totals} over the published, not cancelled lectures in the caller's scope (at most "
              "10000), by the first session's start"},
    {.method = "GET", .pattern = "/api/v1/lecture/stats/export", .handler = export_stats, .perm = "lecture.manage",
     .flags = HTTP_DOWNLOAD, .summary = "导出讲堂统计（.xlsx）", .audit = "lecture.stats_export",
     .resource = &LECTURES, HTTP_QUERY(STATS_QUERY), .notes = "the same figures as a worksheet"},
};
// clang-format on

int lecture_stats_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
