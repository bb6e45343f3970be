/* learn_api.c — learning (学习): the player's progress heartbeat, 我的学习
 * and the organisers' learning statistics by organisation.
 *
 * The heartbeat is the shared one (src/modules/progress/progress.h: the
 * watched ranges, the clock check, 90 % to complete), over course_progress:
 * the published lesson by its key, then the member's row. */
#include "core/str.h"
#include "core/timeutil.h"
#include "http/upload.h"
#include "http/valid.h"
#include "modules/course/internal.h"
#include "modules/progress/progress.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const zd_resource_t LESSONS = {.name = "course_lesson",
                                      .title = "课时",
                                      .table = "course_lessons",
                                      .alias = "l",
                                      .from = "course_lessons l JOIN courses c ON c.id = l.course_id",
                                      .where = "c.deleted_at IS NULL AND c.status = 'approved'",
                                      .no_org = true,
                                      .no_creator = true,
                                      .perm = "course.learn"};

/* ---- the heartbeat (progress.h) ---- */

static const progress_kind_t COURSE_PROGRESS = {
    .table = "course_progress", .item_col = "lesson_id", .parent_col = "course_id", .item_key = "lesson_id"};

static const vfield_t BEAT_BODY[] = {PROGRESS_BODY_FIELDS};
static const vfield_t BEAT_OUT[] = {{"lesson_id", V_ID}, PROGRESS_OUT_FIELDS};

static json_t *lesson_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return json_pack("[I,I]", (json_int_t)db_col_int64(st, 0), (json_int_t)db_col_int64(st, 1));
}

static void heartbeat(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id); /* no transaction: the beat is written behind */
    if (!c)
        return;
    json_t *l = res_load(req, c, &LESSONS, "l.duration_ms, l.course_id", id, lesson_row, NULL, RES_PLAIN);
    if (!l)
        return;
    int64_t duration = json_integer_value(json_array_get(l, 0)),
            course = json_integer_value(json_array_get(l, 1));
    json_decref(l);
    progress_heartbeat(req, c, &COURSE_PROGRESS, id, course, duration);
}

/* ---- 我的学习 ---- */

static const vfield_t MY_OUT[] = {
    {"items", V_ARRAY,
     .title = "按课程 [{course_id,title,series,lessons_count,lessons_completed,watched_ms,duration_ms,"
              "progress,last_lesson_id,last_position_ms,last_at}]，最近学习在前"},
    {"totals", V_OBJECT, .title = "{courses,courses_completed,lessons_completed,watched_ms}"},
};

static void my_learning(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    progress_flush(c); /* this node's beats not written yet (else shown after the next flush) */
    /* the caller's own rows, whatever their scope; courses still published */
    db_stmt_t *st = db_prepare(
        c,
        "SELECT p.course_id, c.title, c.series, "
        "(SELECT COUNT(*) FROM course_lessons x WHERE x.course_id = c.id), "
        "SUM(CASE WHEN p.completed_at IS NOT NULL THEN 1 ELSE 0 END), SUM(p.watched_ms), "
        "(SELECT COALESCE(SUM(x.duration_ms), 0) FROM course_lessons x WHERE x.course_id = c.id), "
        "MAX(p.updated_at), "
        "(SELECT q.lesson_id FROM course_progress q WHERE q.user_id = p.user_id AND q.course_id = "
        "p.course_id "
        "ORDER BY q.updated_at DESC, q.lesson_id LIMIT 1), "
        "(SELECT q.position_ms FROM course_progress q WHERE q.user_id = p.user_id AND q.course_id = "
        "p.course_id ORDER BY q.updated_at DESC, q.lesson_id LIMIT 1) "
        "FROM course_progress p JOIN courses c ON c.id = p.course_id "
        "WHERE p.user_id = ? AND c.deleted_at IS NULL AND c.status = 'approved' "
        "GROUP BY p.course_id, p.user_id, c.id, c.title, c.series ORDER BY MAX(p.updated_at) DESC LIMIT 500");
    if (!st) {
        http_db_error(req, c);
        return;
    }
    db_bind_int64(st, 1, http_user_id(req));
    json_t *items = json_array();
    int rc;
    int64_t courses = 0, done = 0, lessons_done = 0, watched = 0;
    while ((rc = db_step(st)) == DB_ROW) {
        int64_t total = db_col_int64(st, 3), completed = db_col_int64(st, 4), w = db_col_int64(st, 5),
                dur = db_col_int64(st, 6);
        courses++;
        done += total > 0 && completed >= total;
        lessons_done += completed;
        watched += w;
        json_array_append_new(
            items, json_pack("{s:I,s:o,s:o,s:I,s:I,s:I,s:I,s:f,s:I,s:I,s:o}", "course_id",
                             (json_int_t)db_col_int64(st, 0), "title", json_col_text(st, 1), "series",
                             json_col_text(st, 2), "lessons_count", (json_int_t)total, "lessons_completed",
                             (json_int_t)completed, "watched_ms", (json_int_t)w, "duration_ms",
                             (json_int_t)dur, "progress", total ? (double)completed / (double)total : 0.0,
                             "last_lesson_id", (json_int_t)db_col_int64(st, 8), "last_position_ms",
                             (json_int_t)db_col_int64(st, 9), "last_at", json_time(db_col_int64(st, 7))));
    }
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(items);
        http_db_error(req, c);
        return;
    }
    http_json(req, 200,
              json_pack("{s:o,s:{s:I,s:I,s:I,s:I}}", "items", items, "totals", "courses", (json_int_t)courses,
                        "courses_completed", (json_int_t)done, "lessons_completed", (json_int_t)lessons_done,
                        "watched_ms", (json_int_t)watched));
}

/* ---- the organisers' statistics ---- */

/* Progress rows of the members of the organisations in the caller's scope. */
static const zd_resource_t LEARNING = {
    .name = "course_progress",
    .title = "学习记录",
    .table = "course_progress",
    .alias = "p",
    .from = "course_progress p JOIN orgs o ON o.id = p.org_id JOIN courses c ON "
            "c.id = p.course_id",
    .where = "c.deleted_at IS NULL",
    .org_col = "p.org_id",
    .creator_col = "p.user_id",
    .perm = "course.manage"};

static const vfield_t STATS_QUERY[] = {
    {"course_id", V_ID, .title = "党课"},
    {"series", V_ENUM, .choices = COURSE_SERIES, .title = "系列"},
    {"from", V_TIME, .title = "学习时间不早于"},
    {"to", V_TIME, .title = "学习时间早于"},
};
static const vfield_t STATS_OUT[] = {
    {"items", V_ARRAY,
     .title = "按党员所在组织 [{org_id,org_name,learners,courses,lessons_completed,watched_ms}]"},
    {"totals", V_OBJECT, .title = "合计 {learners,courses,lessons_completed,watched_ms}"},
};

/* the rows of one query over w: grouped by organisation, or one row of totals
 * (whose distinct counts are over all rows, not the sum of the groups);
 * NULL on a database error */
static json_t *figures(db_conn_t *c, const qb_t *w, bool grouped)
{
    qb_t q;
    qb_init(&q, grouped ? "SELECT p.org_id, o.name" : "SELECT 0, NULL");
    qb_sql(&q, ", COUNT(DISTINCT p.user_id), COUNT(DISTINCT p.course_id), "
               "SUM(CASE WHEN p.completed_at IS NOT NULL THEN 1 ELSE 0 END), COALESCE(SUM(p.watched_ms), 0)");
    qb_append(&q, w);
    if (grouped)
        qb_sql(&q, " GROUP BY p.org_id, o.name ORDER BY o.name LIMIT 5000");
    db_stmt_t *st = qb_prepare(c, &q);
    json_t *rows = json_array();
    int rc = st ? DB_ROW : DB_ERROR;
    while (st && (rc = db_step(st)) == DB_ROW) {
        json_t *o = json_pack("{s:I,s:I,s:I,s:I}", "learners", (json_int_t)db_col_int64(st, 2), "courses",
                              (json_int_t)db_col_int64(st, 3), "lessons_completed",
                              (json_int_t)db_col_int64(st, 4), "watched_ms", (json_int_t)db_col_int64(st, 5));
        if (grouped) {
            json_object_set_new(o, "org_id", json_integer(db_col_int64(st, 0)));
            json_object_set_new(o, "org_name", json_col_text(st, 1));
        }
        json_array_append_new(rows, o);
    }
    db_done(st);
    qb_free(&q);
    if (rc != DB_DONE) {
        json_decref(rows);
        return NULL;
    }
    return rows;
}

/* {items, totals} (new reference); NULL after answering 5xx */
static json_t *compute(http_req_t *req, db_conn_t *c)
{
    qb_t w;
    res_from(req, &LEARNING, &w);
    int64_t course = http_query_i64(req, "course_id", 0), ms;
    const char *series = http_query(req, "series"), *from = http_query(req, "from"),
               *to = http_query(req, "to");
    if (course) {
        qb_sql(&w, " AND p.course_id = ");
        qb_int(&w, course);
    }
    if (series) {
        qb_sql(&w, " AND c.series = ");
        qb_text(&w, series);
    }
    if (from && time_parse_iso8601(from, &ms)) {
        qb_sql(&w, " AND p.updated_at >= ");
        qb_int(&w, ms);
    }
    if (to && time_parse_iso8601(to, &ms)) {
        qb_sql(&w, " AND p.updated_at < ");
        qb_int(&w, ms);
    }
    json_t *items = figures(c, &w, true), *totals = items ? figures(c, &w, false) : NULL;
    qb_free(&w);
    if (!totals) {
        json_decref(items);
        http_db_error(req, c);
        return NULL;
    }
    json_t *t = json_incref(json_array_get(totals, 0));
    json_decref(totals);
    return json_pack("{s:o,s:o}", "items", items, "totals", t);
}

static void stats(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (c)
        progress_flush(c);
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
    json_t *rows = http_defer_json(req, json_array());
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(s, "items"), i, g)
    {
        json_array_append_new(
            rows, json_pack("[s,I,I,I,s]", jstr(g, "org_name"), (json_int_t)jint(g, "learners", 0),
                            (json_int_t)jint(g, "courses", 0), (json_int_t)jint(g, "lessons_completed", 0),
                            http_printf(req, "%.1f", (double)jint(g, "watched_ms", 0) / 3600000.0)));
    }
    json_t *t = json_object_get(s, "totals");
    json_array_append_new(
        rows, json_pack("[s,I,I,I,s]", "合计", (json_int_t)jint(t, "learners", 0),
                        (json_int_t)jint(t, "courses", 0), (json_int_t)jint(t, "lessons_completed", 0),
                        http_printf(req, "%.1f", (double)jint(t, "watched_ms", 0) / 3600000.0)));
    json_t *header = http_defer_json(req, json_pack("[sssss]", "党员所在组织", "学习人数", "学习课程数",
                                                    "完成课时数", "学习时长（小时）"));
    audit_entry_t ae = {.detail =
                            http_printf(req, "导出党课学习统计（%zu 个组织）", json_array_size(rows) - 1)};
    if (audit_req(req, &ae))
        http_send_xlsx(req, "党课学习统计.xlsx", "学习统计", header, rows);
}

// clang-format off
static const http_route_t routes[] = {
    {.method = "POST", .pattern = "/api/v1/course/lessons/{id}/progress", .handler = heartbeat,
     .perm = "course.learn", .flags = HTTP_NO_AUDIT, .summary = "课时学习进度（播放器心跳）", .resource = &LESSONS,
     HTTP_BODY(BEAT_BODY), HTTP_OUT(BEAT_OUT), .example = "{\"position_ms\":5000,\"playing\":true}",
     .notes = PROGRESS_NOTES},
    {.method = "GET", .pattern = "/api/v1/course/my-learning", .handler = my_learning, .perm = "course.learn",
     .summary = "我的学习", .resource = &LESSONS, HTTP_OUT(MY_OUT),
     .notes = "the caller's own progress per published course, latest first (at most 500), and totals"},
    {.method = "GET", .pattern = "/api/v1/course/stats", .handler = stats, .perm = "course.manage",
     .summary = "党课学习统计", .resource = &LEARNING, HTTP_QUERY(STATS_QUERY), HTTP_OUT(STATS_OUT),
     .notes = "by the members' organisations in the caller's scope"},
    {.method = "GET", .pattern = "/api/v1/course/stats/export", .handler = export_stats, .perm = "course.manage",
     .flags = HTTP_DOWNLOAD, .summary = "导出党课学习统计（.xlsx）", .audit = "course.stats_export",
     .resource = &LEARNING, HTTP_QUERY(STATS_QUERY), .notes = "the same figures as a worksheet, with a total row"},
};
// clang-format on

int course_learn_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
