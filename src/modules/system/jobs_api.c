/* jobs_api.c — HTTP API over the job queue and the schedules:
 *   GET  /api/v1/jobs                 list (?status=&kind=&schedule_id=)
 *   GET  /api/v1/jobs/{id}            one job with its runs
 *   POST /api/v1/jobs/{id}/retry      dead or cancelled → queued again
 *   POST /api/v1/jobs/{id}/cancel     queued → cancelled
 *   GET  /api/v1/job-kinds            registered kinds with titles
 *   GET  /api/v1/schedules            list
 *   GET  /api/v1/schedules/{id}
 *   PATCH /api/v1/schedules/{id}      {title, cron, enabled, payload}
 *   POST /api/v1/schedules/{id}/pause | /resume | /run
 *   GET  /api/v1/job-runs             run history (?schedule_id=&job_id=&status=)
 */
#include "core/timeutil.h"
#include "http/listq.h"
#include "http/valid.h"
#include "jobs/cron.h"
#include "jobs/jobs.h"
#include "modules/system/system.h"
#include <string.h>

static const char *const RUN_STATUS[] = {"running", "done", "failed", "lost", NULL};

static json_t *json_from_text(const char *s)
{
    json_t *j = s ? json_loads(s, 0, NULL) : NULL;
    return j ? j : json_null();
}

static json_t *id_or_null(db_stmt_t *st, int i)
{
    return db_col_is_null(st, i) ? json_null() : json_integer(db_col_int64(st, i));
}

#define RUN_COLS                                                                                             \
    "id, job_id, schedule_id, kind, attempt, worker, started_at, finished_at, status, items, error"

static json_t *run_json(db_stmt_t *st, void *ud)
{
    (void)ud;
    json_t *o = json_object();
    int64_t started = db_col_int64(st, 6), finished = db_col_int64(st, 7);
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, "job_id", json_integer(db_col_int64(st, 1)));
    json_object_set_new(o, "schedule_id", id_or_null(st, 2));
    json_object_set_new(o, "kind", json_string(db_col_text(st, 3)));
    json_object_set_new(o, "title", json_text_or_null(jobs_kind_title(db_col_text(st, 3))));
    json_object_set_new(o, "attempt", json_integer(db_col_int64(st, 4)));
    json_object_set_new(o, "worker", json_string(db_col_text(st, 5)));
    json_object_set_new(o, "started_at", json_time(started));
    json_object_set_new(o, "finished_at", json_time(finished));
    json_object_set_new(o, "duration_ms", finished ? json_integer(finished - started) : json_null());
    json_object_set_new(o, "status", json_string(db_col_text(st, 8)));
    json_object_set_new(o, "items", json_integer(db_col_int64(st, 9)));
    json_object_set_new(o, "error", json_text_or_null(db_col_text(st, 10)));
    return o;
}

#define SCHED_COLS                                                                                           \
    "id, name, title, cron, job_kind, payload, enabled, next_run_at, last_run_at, "                          \
    "last_job_id, created_at, updated_at"

static json_t *schedule_json(db_stmt_t *st, void *ud)
{
    (void)ud;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, "name", json_string(db_col_text(st, 1)));
    json_object_set_new(o, "title", json_string(db_col_text(st, 2)));
    json_object_set_new(o, "cron", json_string(db_col_text(st, 3)));
    json_object_set_new(o, "job_kind", json_string(db_col_text(st, 4)));
    json_object_set_new(o, "payload", json_from_text(db_col_text(st, 5)));
    json_object_set_new(o, "enabled", json_boolean(db_col_bool(st, 6)));
    json_object_set_new(o, "next_run_at", json_time(db_col_int64(st, 7)));
    json_object_set_new(o, "last_run_at", json_time(db_col_int64(st, 8)));
    json_object_set_new(o, "last_job_id", id_or_null(st, 9));
    json_object_set_new(o, "created_at", json_time(db_col_int64(st, 10)));
    json_object_set_new(o, "updated_at", json_time(db_col_int64(st, 11)));
    return o;
}

/* Optional filters from the query string, appended to a WHERE clause;
 * false after answering 422. */
static bool id_filter(http_req_t *req, qb_t *w, const char *name, const char *col)
{
    int64_t v;
    if (!http_query_int(req, name, 0, 1, INT64_MAX, &v))
        return false;
    if (v) {
        qb_sql(w, http_printf(req, " AND %s = ", col));
        qb_int(w, v);
    }
    return true;
}

static bool text_filter(http_req_t *req, qb_t *w, const char *name, const char *const *allowed,
                        const char *col)
{
    const char *v = http_query(req, name);
    if (!v || !*v)
        return true;
    if ((allowed && !valid_choice(allowed, v)) || strlen(v) > 100) {
        http_error_fields(req, json_pack("{s:s}", name, "取值无效"));
        return false;
    }
    qb_sql(w, http_printf(req, " AND %s = ", col));
    qb_text(w, v);
    return true;
}

/* GET list of a table with the filters already in w (" FROM t WHERE 1 = 1 ..."). */
static void list_table(http_req_t *req, qb_t *w, bool ok, const char *cols, const char *order,
                       http_row_fn row)
{
    int64_t page, size;
    db_conn_t *c;
    if (ok && http_paging(req, &page, &size) && (c = http_db(req)))
        http_list_query(req, c, cols, w, order, page, size, row, NULL);
    qb_free(w);
}

static void list_jobs(http_req_t *req)
{
    qb_t w;
    qb_init(&w, " FROM jobs WHERE 1 = 1");
    bool ok = text_filter(req, &w, "status", JOBS_STATUSES, "status") &&
              text_filter(req, &w, "kind", NULL, "kind") && id_filter(req, &w, "schedule_id", "schedule_id");
    list_table(req, &w, ok, JOBS_COLS, "id DESC", jobs_row_json);
}

static void list_runs(http_req_t *req)
{
    qb_t w;
    qb_init(&w, " FROM job_runs WHERE 1 = 1");
    bool ok = text_filter(req, &w, "status", RUN_STATUS, "status") &&
              id_filter(req, &w, "schedule_id", "schedule_id") && id_filter(req, &w, "job_id", "job_id");
    list_table(req, &w, ok, RUN_COLS, "id DESC", run_json);
}

static void list_schedules(http_req_t *req)
{
    qb_t w;
    qb_init(&w, " FROM schedules");
    list_table(req, &w, true, SCHED_COLS, "id", schedule_json);
}

/* Loads one row by id as JSON; NULL after answering 404/5xx. */
static json_t *load_one(http_req_t *req, db_conn_t *c, const char *sql, int64_t id, http_row_fn row)
{
    db_stmt_t *st = db_prepare(c, sql);
    if (!st) {
        http_db_error(req, c);
        return NULL;
    }
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    json_t *o = rc == DB_ROW ? row(st, NULL) : NULL;
    db_done(st);
    if (rc == DB_DONE)
        http_error(req, 404, "not_found", "记录不存在");
    else if (rc != DB_ROW)
        http_db_error(req, c);
    return o;
}

static void get_job(http_req_t *req)
{
    int64_t id;
    db_conn_t *c;
    if (!http_param_id(req, "id", &id) || !(c = http_db(req)))
        return;
    json_t *o = load_one(req, c, "SELECT " JOBS_COLS " FROM jobs WHERE id = ?", id, jobs_row_json);
    if (!o)
        return;
    json_t *runs = json_array();
    db_stmt_t *st = db_prepare(c, "SELECT " RUN_COLS " FROM job_runs WHERE job_id = ? ORDER BY id");
    if (st) {
        db_bind_int64(st, 1, id);
        while (db_step(st) == DB_ROW)
            json_array_append_new(runs, run_json(st, NULL));
    }
    db_done(st);
    json_object_set_new(o, "runs", runs);
    http_json(req, 200, o);
}

/* Moves a job from one of the `from` statuses to `to`; 409 otherwise. */
static void job_transition(http_req_t *req, const char *sql, const char *conflict_msg)
{
    int64_t id;
    db_conn_t *c;
    if (!http_param_id(req, "id", &id) || !(c = http_db(req)))
        return;
    json_t *o = load_one(req, c, "SELECT " JOBS_COLS " FROM jobs WHERE id = ?", id, jobs_row_json);
    if (!o)
        return;
    json_decref(o);
    db_stmt_t *st = db_prepare(c, sql);
    if (!st) {
        http_db_error(req, c);
        return;
    }
    int64_t now = time_now_ms();
    db_bind_int64(st, 1, now);
    db_bind_int64(st, 2, now);
    db_bind_int64(st, 3, id);
    int rc = db_step(st);
    db_done(st);
    if (rc != DB_DONE) {
        http_db_error(req, c);
        return;
    }
    if (db_changes(c) == 0) {
        http_error(req, 409, "conflict", "%s", conflict_msg);
        return;
    }
    jobs_notify();
    o = load_one(req, c, "SELECT " JOBS_COLS " FROM jobs WHERE id = ?", id, jobs_row_json);
    if (o)
        http_json(req, 200, o);
}

static void retry_job(http_req_t *req)
{
    job_transition(req,
                   "UPDATE jobs SET status = 'queued', attempts = 0, run_at = ?, updated_at = ?, "
                   "finished_at = NULL, last_error = NULL WHERE id = ? AND status IN ('dead', 'cancelled')",
                   "只有已失败或已取消的任务可以重试");
}

static void cancel_job(http_req_t *req)
{
    job_transition(req,
                   "UPDATE jobs SET status = 'cancelled', finished_at = ?, updated_at = ? "
                   "WHERE id = ? AND status = 'queued'",
                   "只有排队中的任务可以取消");
}

static void get_kinds(http_req_t *req)
{
    http_json(req, 200, json_pack("{s:o}", "items", jobs_kinds_json()));
}

static void get_schedule(http_req_t *req)
{
    int64_t id;
    db_conn_t *c;
    if (!http_param_id(req, "id", &id) || !(c = http_db(req)))
        return;
    json_t *o = load_one(req, c, "SELECT " SCHED_COLS " FROM schedules WHERE id = ?", id, schedule_json);
    if (o)
        http_json(req, 200, o);
}

static const char *check_cron(json_t *v)
{
    static _Thread_local char err[200];
    cron_t ct;
    return cron_parse(json_string_value(v), &ct, err, sizeof err) == 0 ? NULL : err;
}

static void patch_schedule(http_req_t *req)
{
    static const vfield_t F[] = {
        {"title", V_STR, false, 1, 100, NULL, NULL},
        {"cron", V_STR, false, 1, 100, NULL, check_cron},
        {"enabled", V_BOOL, false, 0, 0, NULL, NULL},
        {"payload", V_OBJECT, false, 0, 0, NULL, NULL},
    };
    int64_t id;
    db_conn_t *c;
    if (!http_param_id(req, "id", &id) || !valid_body(req, F, VN(F), true) || !(c = http_db(req)))
        return;
    json_t *b = http_json_body(req);
    const char *cron = jstr(b, "cron");
    char *payload = json_is_object(json_object_get(b, "payload"))
                        ? json_dumps(json_object_get(b, "payload"), JSON_COMPACT)
                        : NULL;
    if (payload)
        http_defer(req, free, payload);
    if (db_begin(c) != 0) {
        http_db_error(req, c);
        return;
    }
    json_t *o = load_one(req, c, "SELECT " SCHED_COLS " FROM schedules WHERE id = ?", id, schedule_json);
    if (!o)
        return; /* released with the request: rolled back */
    json_decref(o);
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
        ((cron || jbool(b, "enabled", false)) && jobs_schedule_rearm(c, id, time_now_ms()) != 0) ||
        db_commit(c) != 0) {
        http_db_error(req, c);
        return;
    }
    o = load_one(req, c, "SELECT " SCHED_COLS " FROM schedules WHERE id = ?", id, schedule_json);
    if (o)
        http_json(req, 200, o);
}

static void set_enabled(http_req_t *req, bool enabled)
{
    int64_t id;
    db_conn_t *c;
    if (!http_param_id(req, "id", &id) || !(c = http_db(req)))
        return;
    if (db_begin(c) != 0) {
        http_db_error(req, c);
        return;
    }
    db_stmt_t *st = db_prepare(c, "UPDATE schedules SET enabled = ?, updated_at = ? WHERE id = ?");
    if (!st) {
        http_db_error(req, c);
        return;
    }
    db_bind_bool(st, 1, enabled);
    db_bind_int64(st, 2, time_now_ms());
    db_bind_int64(st, 3, id);
    int rc = db_step(st);
    db_done(st);
    if (rc != DB_DONE) {
        http_db_error(req, c);
        return;
    }
    if (db_changes(c) == 0) {
        http_error(req, 404, "not_found", "记录不存在");
        return;
    }
    if ((enabled && jobs_schedule_rearm(c, id, time_now_ms()) != 0) || db_commit(c) != 0) {
        http_db_error(req, c);
        return;
    }
    json_t *o = load_one(req, c, "SELECT " SCHED_COLS " FROM schedules WHERE id = ?", id, schedule_json);
    if (o)
        http_json(req, 200, o);
}

static void pause_schedule(http_req_t *req) { set_enabled(req, false); }
static void resume_schedule(http_req_t *req) { set_enabled(req, true); }

/* Runs a schedule's job now, whether or not it is paused. 201 with the job. */
static void run_schedule(http_req_t *req)
{
    int64_t id;
    db_conn_t *c;
    if (!http_param_id(req, "id", &id) || !(c = http_db(req)))
        return;
    db_stmt_t *st = db_prepare(c, "SELECT job_kind, payload FROM schedules WHERE id = ?");
    if (!st) {
        http_db_error(req, c);
        return;
    }
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    char *kind = rc == DB_ROW ? http_printf(req, "%s", db_col_text(st, 0)) : NULL;
    char *payload = rc == DB_ROW ? http_printf(req, "%s", db_col_text(st, 1)) : NULL;
    db_done(st);
    if (rc == DB_DONE) {
        http_error(req, 404, "not_found", "记录不存在");
        return;
    }
    if (rc != DB_ROW) {
        http_db_error(req, c);
        return;
    }
    job_spec_t spec = {
        .kind = kind, .payload = payload, .schedule_id = id, .priority = 1, .created_by = http_user_id(req)};
    int64_t job = jobs_enqueue(c, &spec);
    if (job < 0) {
        http_db_error(req, c);
        return;
    }
    json_t *o = load_one(req, c, "SELECT " JOBS_COLS " FROM jobs WHERE id = ?", job, jobs_row_json);
    if (o)
        http_json(req, 201, o);
}

static const http_route_t routes[] = {
    {"GET", "/api/v1/jobs", list_jobs, "job.read", 0, 0},
    {"GET", "/api/v1/jobs/{id}", get_job, "job.read", 0, 0},
    {"POST", "/api/v1/jobs/{id}/retry", retry_job, "job.write", 0, 0},
    {"POST", "/api/v1/jobs/{id}/cancel", cancel_job, "job.write", 0, 0},
    {"GET", "/api/v1/job-kinds", get_kinds, "job.read", 0, 0},
    {"GET", "/api/v1/job-runs", list_runs, "job.read", 0, 0},
    {"GET", "/api/v1/schedules", list_schedules, "job.read", 0, 0},
    {"GET", "/api/v1/schedules/{id}", get_schedule, "job.read", 0, 0},
    {"PATCH", "/api/v1/schedules/{id}", patch_schedule, "job.write", 0, 0},
    {"POST", "/api/v1/schedules/{id}/pause", pause_schedule, "job.write", 0, 0},
    {"POST", "/api/v1/schedules/{id}/resume", resume_schedule, "job.write", 0, 0},
    {"POST", "/api/v1/schedules/{id}/run", run_schedule, "job.write", 0, 0},
};

int system_jobs_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
