/* jobs_api.c — HTTP API over the job queue and the schedules. A job belongs
 * to the organisation of the user who created it: a district's operator
 * sees and retries the district's jobs only; the system's own jobs and the
 * schedules (no organisation) are the city's. */
#include "auth/resource.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "jobs/cron.h"
#include "jobs/jobs.h"
#include "modules/system/internal.h"
#include <stdlib.h>
#include <string.h>

static const res_sort_t JOB_SORTS[] = {{"id", "j.id"},
                                       {"kind", "j.kind"},
                                       {"status", "j.status"},
                                       {"created_at", "j.created_at"},
                                       {"finished_at", "j.finished_at"},
                                       {NULL, NULL}};
static const zd_resource_t JOBS = {.name = "job",
                                   .title = "任务",
                                   .table = "jobs",
                                   .alias = "j",
                                   .org_col = "j.org_id",
                                   .creator_col = "j.created_by",
                                   .keyset = "j.id",
                                   .sorts = JOB_SORTS};

static const res_sort_t RUN_SORTS[] = {
    {"id", "r.id"}, {"started_at", "r.started_at"}, {"status", "r.status"}, {NULL, NULL}};
static const zd_resource_t RUNS = {.name = "job_run",
                                   .title = "执行记录",
                                   .table = "job_runs",
                                   .alias = "r",
                                   .from = "job_runs r JOIN jobs j ON j.id = r.job_id",
                                   .org_col = "j.org_id",
                                   .creator_col = "j.created_by",
                                   .keyset = "r.id",
                                   .sorts = RUN_SORTS};

static const res_sort_t SCHED_SORTS[] = {
    {"id", "s.id"}, {"title", "s.title"}, {"next_run_at", "s.next_run_at"}, {NULL, NULL}};
static const zd_resource_t SCHEDULES = {.name = "schedule",
                                        .title = "调度",
                                        .table = "schedules",
                                        .alias = "s",
                                        .org_col = "s.org_id",
                                        .creator_col = "s.created_by",
                                        .sorts = SCHED_SORTS};

static const char *const RUN_STATUS[] = {"running", "done", "failed", "lost", NULL};

#define RUN_COLS                                                                                             \
    "r.id, r.job_id, r.schedule_id, r.kind, r.attempt, r.worker, r.started_at, r.finished_at, r.status, "    \
    "r.items, r.error"

static json_t *run_json(db_stmt_t *st, void *ud)
{
    (void)ud;
    json_t *o = json_object();
    int64_t started = db_col_int64(st, 6), finished = db_col_int64(st, 7);
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, "job_id", json_integer(db_col_int64(st, 1)));
    json_object_set_new(o, "schedule_id", json_col_id(st, 2));
    json_object_set_new(o, "kind", json_string(db_col_text(st, 3)));
    json_object_set_new(o, "title", json_text_or_null(jobs_kind_title(db_col_text(st, 3))));
    json_object_set_new(o, "attempt", json_integer(db_col_int64(st, 4)));
    json_object_set_new(o, "worker", json_string(db_col_text(st, 5)));
    json_object_set_new(o, "started_at", json_time(started));
    json_object_set_new(o, "finished_at", json_time(finished));
    json_object_set_new(o, "duration_ms", finished ? json_integer(finished - started) : json_null());
    json_object_set_new(o, "status", json_string(db_col_text(st, 8)));
    json_object_set_new(o, "items", json_integer(db_col_int64(st, 9)));
    json_object_set_new(o, "error", json_col_text(st, 10));
    return o;
}

#define SCHED_COLS                                                                                           \
    "s.id, s.name, s.title, s.cron, s.job_kind, s.payload, s.enabled, s.next_run_at, s.last_run_at, "        \
    "s.last_job_id, s.created_at, s.updated_at"

static json_t *schedule_json(db_stmt_t *st, void *ud)
{
    (void)ud;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, "name", json_string(db_col_text(st, 1)));
    json_object_set_new(o, "title", json_string(db_col_text(st, 2)));
    json_object_set_new(o, "cron", json_string(db_col_text(st, 3)));
    json_object_set_new(o, "job_kind", json_string(db_col_text(st, 4)));
    json_object_set_new(o, "payload", json_parse_or_null(db_col_text(st, 5)));
    json_object_set_new(o, "enabled", json_boolean(db_col_bool(st, 6)));
    json_object_set_new(o, "next_run_at", json_time(db_col_int64(st, 7)));
    json_object_set_new(o, "last_run_at", json_time(db_col_int64(st, 8)));
    json_object_set_new(o, "last_job_id", json_col_id(st, 9));
    json_object_set_new(o, "created_at", json_time(db_col_int64(st, 10)));
    json_object_set_new(o, "updated_at", json_time(db_col_int64(st, 11)));
    return o;
}

/* ---- the documented shapes ---- */

static const vfield_t JOB_QUERY[] = {
    {"status", V_ENUM, .choices = JOBS_STATUSES, .title = "状态"},
    {"kind", V_STR, .max = 100, .title = "任务类型"},
    {"schedule_id", V_ID, .title = "由哪个调度触发"},
};
static const vfield_t JOB_OUT[] = {
    {"id", V_ID},
    {"kind", V_STR, .title = "任务类型"},
    {"title", V_STR, .title = "任务类型的名称"},
    {"payload", V_OBJECT, .title = "参数"},
    {"status", V_ENUM, .choices = JOBS_STATUSES, .title = "状态"},
    {"attempts", V_INT, .title = "已尝试次数"},
    {"max_attempts", V_INT},
    {"run_at", V_TIME, .title = "计划执行时间"},
    {"progress", V_OBJECT, .title = "进度 {done,total,note}"},
    {"result", V_OBJECT, .title = "结果"},
    {"last_error", V_STR, .title = "最近一次错误"},
    {"created_by", V_ID},
    {"org_id", V_ID, .title = "所属组织（创建人的组织）"},
    {"created_at", V_TIME},
    {"finished_at", V_TIME},
};
static const vfield_t RUN_QUERY[] = {
    {"status", V_ENUM, .choices = RUN_STATUS, .title = "状态"},
    {"schedule_id", V_ID, .title = "调度"},
    {"job_id", V_ID, .title = "任务"},
};
static const vfield_t RUN_OUT[] = {
    {"id", V_ID},
    {"job_id", V_ID},
    {"schedule_id", V_ID},
    {"kind", V_STR},
    {"attempt", V_INT},
    {"worker", V_STR, .title = "执行节点"},
    {"started_at", V_TIME},
    {"finished_at", V_TIME},
    {"duration_ms", V_INT},
    {"status", V_ENUM, .choices = RUN_STATUS},
    {"items", V_INT, .title = "处理条数"},
    {"error", V_STR},
};
static const vfield_t SCHED_OUT[] = {
    {"id", V_ID},
    {"name", V_STR},
    {"title", V_STR},
    {"cron", V_STR, .title = "cron 表达式（5 段）"},
    {"job_kind", V_STR},
    {"payload", V_OBJECT},
    {"enabled", V_BOOL},
    {"next_run_at", V_TIME},
    {"last_run_at", V_TIME},
    {"last_job_id", V_ID},
};

/* ---- jobs ---- */

static bool eq_filter(http_req_t *req, qb_t *w, const char *name, const char *col)
{
    const char *v = http_query(req, name);
    if (v) {
        qb_sql(w, http_printf(req, " AND %s = ", col));
        qb_text(w, v);
    }
    return true;
}

static void id_filter(http_req_t *req, qb_t *w, const char *name, const char *col)
{
    int64_t v = http_query_i64(req, name, 0);
    if (v) {
        qb_sql(w, http_printf(req, " AND %s = ", col));
        qb_int(w, v);
    }
}

static void list_jobs(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &JOBS, &w);
    eq_filter(req, &w, "status", "j.status");
    eq_filter(req, &w, "kind", "j.kind");
    id_filter(req, &w, "schedule_id", "j.schedule_id");
    res_list(req, c, &JOBS, JOBS_COLS, &w, "j.id DESC", jobs_row_json, NULL);
    qb_free(&w);
}

static void list_runs(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &RUNS, &w);
    eq_filter(req, &w, "status", "r.status");
    id_filter(req, &w, "schedule_id", "r.schedule_id");
    id_filter(req, &w, "job_id", "r.job_id");
    res_list(req, c, &RUNS, RUN_COLS, &w, "r.id DESC", run_json, NULL);
    qb_free(&w);
}

static void list_schedules(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &SCHEDULES, &w);
    res_list(req, c, &SCHEDULES, SCHED_COLS, &w, "s.id", schedule_json, NULL);
    qb_free(&w);
}

static void get_job(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *o = res_load(req, c, &JOBS, JOBS_COLS, id, jobs_row_json, NULL, RES_PLAIN);
    if (!o)
        return;
    json_t *runs = json_array();
    db_stmt_t *st = db_prepare(c, "SELECT " RUN_COLS " FROM job_runs r WHERE r.job_id = ? ORDER BY r.id");
    if (st) {
        db_bind_int64(st, 1, id);
        while (db_step(st) == DB_ROW)
            json_array_append_new(runs, run_json(st, NULL));
    }
    db_done(st);
    json_object_set_new(o, "runs", runs);
    http_json(req, 200, o);
}

/* The kit's state change: the job in scope, a guarded UPDATE (409 when it
 * is no longer in a state the change leaves), the audit record, one
 * commit. */
static void job_transition(http_req_t *req, const char *set, const char *from, const char *conflict_msg)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before =
        http_defer_json(req, res_load(req, c, &JOBS, JOBS_COLS, id, jobs_row_json, NULL, RES_PLAIN));
    if (!before)
        return;
    int64_t now = time_now_ms();
    qb_t q;
    qb_init(&q, "UPDATE jobs SET updated_at = ");
    qb_int(&q, now);
    qb_sql(&q, set);
    qb_int(&q, now);
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND status IN ");
    qb_sql(&q, from);
    if (!res_transition(req, c, &q, conflict_msg))
        return;
    json_t *after = res_load(req, c, &JOBS, JOBS_COLS, id, jobs_row_json, NULL, RES_PLAIN);
    audit_entry_t ae = {.target = id, .before = before, .after = after};
    audit_reply(req, c, after != NULL, &ae, 200, after);
    jobs_notify();
}

static void retry_job(http_req_t *req)
{
    job_transition(req, ", status = 'queued', attempts = 0, finished_at = NULL, last_error = NULL, run_at = ",
                   "('dead', 'cancelled')", "只有已失败或已取消的任务可以重试");
}

static void cancel_job(http_req_t *req)
{
    job_transition(req, ", status = 'cancelled', finished_at = ", "('queued')", "只有排队中的任务可以取消");
}

static void get_kinds(http_req_t *req)
{
    http_json(req, 200, json_pack("{s:o}", "items", jobs_kinds_json()));
}

/* ---- schedules ---- */

static void get_schedule(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *o = res_load(req, c, &SCHEDULES, SCHED_COLS, id, schedule_json, NULL, RES_PLAIN);
    if (o)
        http_json(req, 200, o);
}

static const char *check_cron(json_t *v)
{
    static _Thread_local char err[200];
    cron_t ct;
    return cron_parse(json_string_value(v), &ct, err, sizeof err) == 0 ? NULL : err;
}

static const vfield_t SCHED_PATCH[] = {
    {"title", V_STR, false, 1, 100, NULL, NULL, "名称"},
    {"cron", V_STR, false, 1, 100, NULL, check_cron, "cron 表达式（分 时 日 月 周）"},
    {"enabled", V_BOOL, false, 0, 0, NULL, NULL, "是否启用"},
    {"payload", V_OBJECT, false, 0, 0, NULL, NULL, "任务参数"},
};

/* Loads the schedule (locked for this transaction) as the audit's before;
 * NULL after answering. */
static json_t *schedule_for_change(http_req_t *req, db_conn_t *c, int64_t id)
{
    if (!http_begin(req, c))
        return NULL;
    return http_defer_json(req,
                           res_load(req, c, &SCHEDULES, SCHED_COLS, id, schedule_json, NULL, RES_FOR_UPDATE));
}

/* The end of every schedule change: the audit record with before and after,
 * one commit, the schedule as it now is. */
static void schedule_changed(http_req_t *req, db_conn_t *c, int64_t id, json_t *before)
{
    json_t *after = res_load(req, c, &SCHEDULES, SCHED_COLS, id, schedule_json, NULL, RES_PLAIN);
    if (!after)
        return;
    audit_entry_t ae = {.target = id, .before = before, .after = after};
    audit_reply(req, c, true, &ae, 200, after);
}

static void patch_schedule(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *b = http_json_body(req);
    const char *cron = jstr(b, "cron");
    char *payload = json_is_object(json_object_get(b, "payload"))
                        ? json_dumps(json_object_get(b, "payload"), JSON_COMPACT)
                        : NULL;
    if (payload)
        http_defer(req, free, payload);
    json_t *before = schedule_for_change(req, c, id);
    if (!before)
        return;
    db_stmt_t *st =
        db_prepare(c, "UPDATE schedules SET title = COALESCE(?, title), cron = COALESCE(?, cron), "
                      "enabled = COALESCE(?, enabled), payload = COALESCE(?, payload), "
                      "updated_at = ? WHERE id = ?");
    if (!st) {
        http_db_error(req, c);
        return;
    }
    db_bind_text(st, 1, jstr(b, "title"));
    db_bind_text(st, 2, cron);
    if (json_is_boolean(json_object_get(b, "enabled")))
        db_bind_bool(st, 3, jbool(b, "enabled", true));
    else
        db_bind_null(st, 3);
    db_bind_text(st, 4, payload);
    db_bind_int64(st, 5, time_now_ms());
    db_bind_int64(st, 6, id);
    int rc = db_step(st);
    db_done(st);
    /* a new cron or a resume counts from now */
    if (rc != DB_DONE ||
        ((cron || jbool(b, "enabled", false)) && jobs_schedule_rearm(c, id, time_now_ms()) != 0)) {
        http_db_error(req, c);
        return;
    }
    schedule_changed(req, c, id, before);
}

static void set_enabled(http_req_t *req, bool enabled)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *before = schedule_for_change(req, c, id);
    if (!before)
        return;
    db_stmt_t *st = db_prepare(c, "UPDATE schedules SET enabled = ?, updated_at = ? WHERE id = ?");
    int rc = DB_ERROR;
    if (st) {
        db_bind_bool(st, 1, enabled);
        db_bind_int64(st, 2, time_now_ms());
        db_bind_int64(st, 3, id);
        rc = db_step(st);
    }
    db_done(st);
    if (rc != DB_DONE || (enabled && jobs_schedule_rearm(c, id, time_now_ms()) != 0)) {
        http_db_error(req, c);
        return;
    }
    schedule_changed(req, c, id, before);
}

static void pause_schedule(http_req_t *req) { set_enabled(req, false); }
static void resume_schedule(http_req_t *req) { set_enabled(req, true); }

/* Runs a schedule's job now, whether or not it is paused. 201 with the job. */
static void run_schedule(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *s = schedule_for_change(req, c, id);
    if (!s)
        return;
    char *payload = json_dumps(json_object_get(s, "payload"), JSON_COMPACT);
    http_defer(req, free, payload);
    job_spec_t spec = {.kind = jstr(s, "job_kind"),
                       .payload = payload,
                       .schedule_id = id,
                       .priority = 1,
                       .created_by = http_user_id(req)};
    int64_t job = jobs_enqueue(c, &spec);
    json_t *o = job > 0 ? res_load(req, c, &JOBS, JOBS_COLS, job, jobs_row_json, NULL, RES_PLAIN) : NULL;
    if (job > 0 && !o)
        return;
    audit_entry_t ae = {
        .target = id, .detail = http_printf(req, "立即执行，任务 %lld", (long long)job), .after = o};
    audit_reply(req, c, job > 0, &ae, 201, o);
    jobs_notify();
}

/* one route, one or two lines */
// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/jobs", .handler = list_jobs, .perm = "job.read", .flags = HTTP_LIST | HTTP_EXPORT,
     .summary = "任务列表", .resource = &JOBS, HTTP_QUERY(JOB_QUERY), HTTP_OUT(JOB_OUT)},
    {.method = "GET", .pattern = "/api/v1/jobs/{id}", .handler = get_job, .perm = "job.read",
     .summary = "任务详情（含每次执行）", .resource = &JOBS, HTTP_OUT(JOB_OUT)},
    {.method = "POST", .pattern = "/api/v1/jobs/{id}/retry", .handler = retry_job, .perm = "job.write",
     .summary = "重试任务", .audit = "job.retry", .resource = &JOBS, HTTP_OUT(JOB_OUT)},
    {.method = "POST", .pattern = "/api/v1/jobs/{id}/cancel", .handler = cancel_job, .perm = "job.write",
     .summary = "取消任务", .audit = "job.cancel", .resource = &JOBS, HTTP_OUT(JOB_OUT)},
    {.method = "GET", .pattern = "/api/v1/job-kinds", .handler = get_kinds, .perm = "job.read",
     .summary = "任务类型"},
    {.method = "GET", .pattern = "/api/v1/job-runs", .handler = list_runs, .perm = "job.read",
     .flags = HTTP_LIST | HTTP_EXPORT, .summary = "任务执行记录", .resource = &RUNS, HTTP_QUERY(RUN_QUERY), HTTP_OUT(RUN_OUT)},
    {.method = "GET", .pattern = "/api/v1/schedules", .handler = list_schedules, .perm = "job.read",
     .flags = HTTP_LIST | HTTP_EXPORT, .summary = "调度列表", .resource = &SCHEDULES, HTTP_OUT(SCHED_OUT)},
    {.method = "GET", .pattern = "/api/v1/schedules/{id}", .handler = get_schedule, .perm = "job.read",
     .summary = "调度详情", .resource = &SCHEDULES, HTTP_OUT(SCHED_OUT)},
    {.method = "PATCH", .pattern = "/api/v1/schedules/{id}", .handler = patch_schedule, .perm = "job.write",
     .summary = "修改调度", .audit = "schedule.update", .resource = &SCHEDULES, HTTP_BODY(SCHED_PATCH),
     HTTP_OUT(SCHED_OUT), .example = "{\"title\":\"每日数据库备份\",\"cron\":\"30 2 * * *\"}"},
    {.method = "POST", .pattern = "/api/v1/schedules/{id}/pause", .handler = pause_schedule,
     .perm = "job.write", .summary = "暂停调度", .audit = "schedule.pause", .resource = &SCHEDULES,
     HTTP_OUT(SCHED_OUT)},
    {.method = "POST", .pattern = "/api/v1/schedules/{id}/resume", .handler = resume_schedule,
     .perm = "job.write", .summary = "恢复调度", .audit = "schedule.resume", .resource = &SCHEDULES,
     HTTP_OUT(SCHED_OUT)},
    {.method = "POST", .pattern = "/api/v1/schedules/{id}/run", .handler = run_schedule, .perm = "job.write",
     .summary = "立即执行调度", .audit = "schedule.run", .resource = &SCHEDULES, HTTP_OUT(JOB_OUT)},
};
// clang-format on

int system_jobs_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
