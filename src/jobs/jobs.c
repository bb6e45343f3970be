/* jobs.c — queue, workers and scheduler; see jobs.h. */
#include "jobs/jobs.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "jobs/cron.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_KINDS   128
#define MAX_WORKERS 64

typedef struct {
    char *kind, *title;
    job_handler_fn fn;
} kind_t;

static kind_t kinds[MAX_KINDS];
static int nkinds;

static jobs_options_t defaults = {.workers = 2, .lease_s = 60, .max_attempts = 5, .backoff_s = 10};

static struct {
    db_t *db;
    pthread_t threads[MAX_WORKERS + 1];
    int nthreads;
    atomic_bool stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    atomic_int running; /* handlers executing now */
    int workers;        /* worker threads started */
    bool scheduler;
    _Atomic int64_t last_tick; /* ms of the scheduler's last pass */
    _Atomic uint64_t done, retried, dead;
} P = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

struct job_ctx {
    db_t *db;
    int64_t id, run_id;
    const char *kind, *worker;
    int attempt;
    json_t *payload;
    int64_t items;
    json_t *result;
    char error[1024];
    bool lost;
    int64_t last_progress_ns;
};

/* ---- registry ---- */

void jobs_register(const char *kind, const char *title, job_handler_fn fn)
{
    for (int i = 0; i < nkinds; i++)
        if (strcmp(kinds[i].kind, kind) == 0) {
            kinds[i].fn = fn;
            return;
        }
    if (nkinds == MAX_KINDS)
        abort(); /* a programming error, found at start-up */
    kinds[nkinds].kind = strdup(kind);
    kinds[nkinds].title = strdup(title);
    kinds[nkinds++].fn = fn;
}

static const kind_t *find_kind(const char *kind)
{
    for (int i = 0; i < nkinds; i++)
        if (strcmp(kinds[i].kind, kind) == 0)
            return &kinds[i];
    return NULL;
}

const char *jobs_kind_title(const char *kind)
{
    const kind_t *k = find_kind(kind);
    return k ? k->title : NULL;
}

bool jobs_kind_known(const char *kind) { return find_kind(kind) != NULL; }

json_t *jobs_kinds_json(void)
{
    json_t *a = json_array();
    for (int i = 0; i < nkinds; i++)
        json_array_append_new(a, json_pack("{s:s,s:s}", "kind", kinds[i].kind, "title", kinds[i].title));
    return a;
}

void jobs_configure(const jobs_options_t *opt) { defaults = *opt; }

int64_t jobs_backoff_ms(int attempt)
{
    int64_t ms = (int64_t)defaults.backoff_s * 1000;
    for (int i = 1; i < attempt && ms < 86400000; i++)
        ms *= 2;
    return ms > 86400000 ? 86400000 : ms;
}

/* ---- handler context ---- */

int64_t job_id(const job_ctx_t *c) { return c->id; }
int job_attempt(const job_ctx_t *c) { return c->attempt; }
const char *job_kind(const job_ctx_t *c) { return c->kind; }
json_t *job_payload(const job_ctx_t *c) { return c->payload; }
db_t *job_db(const job_ctx_t *c) { return c->db; }
void job_items(job_ctx_t *c, int64_t n) { c->items = n; }
bool job_should_stop(const job_ctx_t *c) { return c->lost || atomic_load(&P.stop); }

void job_result(job_ctx_t *c, json_t *result)
{
    json_decref(c->result);
    c->result = result;
}

void job_error(job_ctx_t *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->error, sizeof c->error, fmt, ap);
    va_end(ap);
}

bool job_progress(job_ctx_t *c, int64_t done, int64_t total, const char *note)
{
    int64_t now_ns = time_mono_ns();
    /* at most two writes a second, but always the final one */
    if (done < total && now_ns - c->last_progress_ns < 500000000)
        return !job_should_stop(c);
    c->last_progress_ns = now_ns;
    db_conn_t *conn = db_acquire(c->db);
    if (!conn)
        return !job_should_stop(c);
    int64_t now = time_now_ms();
    db_stmt_t *st = db_prepare(conn, "UPDATE jobs SET progress_done = ?, progress_total = ?, "
                                     "progress_note = ?, lease_until = ?, updated_at = ? "
                                     "WHERE id = ? AND locked_by = ? AND status = 'running'");
    if (st) {
        db_bind_int64(st, 1, done);
        db_bind_int64(st, 2, total);
        db_bind_text(st, 3, note);
        db_bind_int64(st, 4, now + (int64_t)defaults.lease_s * 1000);
        db_bind_int64(st, 5, now);
        db_bind_int64(st, 6, c->id);
        db_bind_text(st, 7, c->worker);
        if (db_step(st) == DB_DONE && db_changes(conn) == 0)
            c->lost = true;
        db_done(st);
    }
    db_release(conn);
    return !job_should_stop(c);
}

/* ---- enqueue ---- */

void jobs_notify(void)
{
    pthread_mutex_lock(&P.mu);
    pthread_cond_broadcast(&P.cv);
    pthread_mutex_unlock(&P.mu);
}

int64_t jobs_enqueue(db_conn_t *c, const job_spec_t *s)
{
    int64_t now = time_now_ms(), id = -1;
    if (s->idempotency_key) {
        db_stmt_t *st = db_prepare(c, "SELECT id FROM jobs WHERE idempotency_key = ?");
        if (!st)
            return -1;
        db_bind_text(st, 1, s->idempotency_key);
        if (db_step(st) == DB_ROW)
            id = db_col_int64(st, 0);
        db_done(st);
        if (id > 0)
            return id;
    }
    db_stmt_t *st = db_prepare(c, "INSERT INTO jobs (kind, payload, priority, max_attempts, run_at, "
                                  "idempotency_key, schedule_id, org_id, created_by, created_at, updated_at) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (!st)
        return -1;
    db_bind_text(st, 1, s->kind);
    db_bind_text(st, 2, s->payload ? s->payload : "{}");
    db_bind_int64(st, 3, s->priority);
    db_bind_int64(st, 4, s->max_attempts > 0 ? s->max_attempts : defaults.max_attempts);
    db_bind_int64(st, 5, s->run_at ? s->run_at : now);
    db_bind_text(st, 6, s->idempotency_key);
    db_bind_id(st, 7, s->schedule_id);
    db_bind_id(st, 8, s->org_id);
    db_bind_id(st, 9, s->created_by);
    db_bind_int64(st, 10, now);
    db_bind_int64(st, 11, now);
    if (db_step(st) == DB_ROW)
        id = db_col_int64(st, 0);
    db_done(st);
    if (id > 0 && !db_in_tx(c))
        jobs_notify();
    return id;
}

/* ---- the job as the API shows it ---- */

json_t *jobs_row_json(db_stmt_t *st, void *ud)
{
    (void)ud;
    const char *kind = db_col_text(st, 1);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, "kind", json_string(kind));
    json_object_set_new(o, "title", json_text_or_null(jobs_kind_title(kind)));
    json_object_set_new(o, "payload", json_parse_or_null(db_col_text(st, 2)));
    json_object_set_new(o, "priority", json_integer(db_col_int64(st, 3)));
    json_object_set_new(o, "status", json_string(db_col_text(st, 4)));
    json_object_set_new(o, "attempts", json_integer(db_col_int64(st, 5)));
    json_object_set_new(o, "max_attempts", json_integer(db_col_int64(st, 6)));
    json_object_set_new(o, "run_at", json_time(db_col_int64(st, 7)));
    json_object_set_new(o, "lease_until", json_time(db_col_int64(st, 8)));
    json_object_set_new(o, "worker", json_text_or_null(db_col_text(st, 9)));
    json_object_set_new(o, "schedule_id", json_col_id(st, 10));
    json_object_set_new(o, "progress",
                        json_pack("{s:I,s:I,s:o}", "done", (json_int_t)db_col_int64(st, 11), "total",
                                  (json_int_t)db_col_int64(st, 12), "note",
                                  json_text_or_null(db_col_text(st, 13))));
    json_object_set_new(o, "result", json_parse_or_null(db_col_text(st, 14)));
    json_object_set_new(o, "last_error", json_text_or_null(db_col_text(st, 15)));
    json_object_set_new(o, "created_at", json_time(db_col_int64(st, 16)));
    json_object_set_new(o, "updated_at", json_time(db_col_int64(st, 17)));
    json_object_set_new(o, "finished_at", json_time(db_col_int64(st, 18)));
    json_object_set_new(o, "created_by", json_col_id(st, 19));
    json_object_set_new(o, "org_id", json_col_id(st, 20));
    return o;
}

json_t *jobs_get_json(db_conn_t *c, int64_t id, int *rc)
{
    db_stmt_t *st = db_prepare(c, "SELECT " JOBS_COLS " FROM jobs WHERE id = ?");
    json_t *o = NULL;
    *rc = -1;
    if (!st)
        return NULL;
    db_bind_int64(st, 1, id);
    int r = db_step(st);
    if (r == DB_ROW)
        o = jobs_row_json(st, NULL);
    db_done(st);
    *rc = r == DB_ROW ? 1 : r == DB_DONE ? 0 : -1;
    return o;
}

/* ---- claim, run, finish ---- */

typedef struct {
    int64_t id, schedule_id, run_id;
    char kind[128];
    char *payload;
    int attempts, max_attempts;
} claimed_t;

static void record_lost_run(db_conn_t *c, int64_t job, int64_t now)
{
    db_stmt_t *st = db_prepare(c, "UPDATE job_runs SET status = 'lost', finished_at = ?, "
                                  "error = '执行者失联（租约过期）' WHERE job_id = ? AND status = 'running'");
    if (!st)
        return;
    db_bind_int64(st, 1, now);
    db_bind_int64(st, 2, job);
    db_step(st);
    db_done(st);
}

/* 1 claimed, 0 nothing due, -1 error. */
static int claim(db_conn_t *c, const char *worker, int64_t now, claimed_t *out)
{
    memset(out, 0, sizeof *out);
    for (;;) {
        if (db_begin(c) != 0)
            return -1;
        db_stmt_t *st = db_prepare(
            c, "SELECT id, kind, payload, attempts, max_attempts, status, schedule_id FROM jobs "
               "WHERE (status = 'queued' AND run_at <= ?) OR (status = 'running' AND lease_until < ?) "
               "ORDER BY priority DESC, run_at, id LIMIT 1" SKIP_LOCKED_CLAUSE);
        if (!st)
            return -1;
        db_bind_int64(st, 1, now);
        db_bind_int64(st, 2, now);
        int rc = db_step(st);
        if (rc != DB_ROW) {
            db_done(st);
            db_rollback(c);
            return rc == DB_DONE ? 0 : -1;
        }
        out->id = db_col_int64(st, 0);
        str_lcpy(out->kind, db_col_text(st, 1), sizeof out->kind);
        out->payload = strdup(db_col_text(st, 2));
        out->attempts = (int)db_col_int64(st, 3);
        out->max_attempts = (int)db_col_int64(st, 4);
        bool taken_over = strcmp(db_col_text(st, 5), "running") == 0;
        out->schedule_id = db_col_is_null(st, 6) ? 0 : db_col_int64(st, 6);
        db_done(st);
        if (taken_over) {
            record_lost_run(c, out->id, now);
            log_rec_t r;
            log_begin(&r, LOG_JOB, LOG_WARN, "job.lease_expired");
            log_int(&r, "job", out->id);
            log_str(&r, "kind", out->kind);
            log_end(&r);
        }
        const char *dead_reason = NULL;
        if (taken_over && out->attempts >= out->max_attempts)
            dead_reason = "执行者多次失联，已停止重试";
        else if (!find_kind(out->kind))
            dead_reason = "未知的任务类型（本版本没有此任务的处理程序）";
        if (dead_reason) {
            st = db_prepare(c, "UPDATE jobs SET status = 'dead', last_error = ?, lease_until = NULL, "
                               "locked_by = NULL, updated_at = ?, finished_at = ? WHERE id = ?");
            if (!st) {
                free(out->payload);
                return -1;
            }
            db_bind_text(st, 1, dead_reason);
            db_bind_int64(st, 2, now);
            db_bind_int64(st, 3, now);
            db_bind_int64(st, 4, out->id);
            db_step(st);
            db_done(st);
            free(out->payload);
            out->payload = NULL;
            if (db_commit(c) != 0)
                return -1;
            atomic_fetch_add(&P.dead, 1);
            continue; /* look for the next one */
        }
        st = db_prepare(c, "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = ?, "
                           "locked_by = ?, updated_at = ? WHERE id = ?");
        if (!st)
            goto fail;
        db_bind_int64(st, 1, now + (int64_t)defaults.lease_s * 1000);
        db_bind_text(st, 2, worker);
        db_bind_int64(st, 3, now);
        db_bind_int64(st, 4, out->id);
        rc = db_step(st);
        db_done(st);
        if (rc != DB_DONE)
            goto fail;
        out->attempts++;
        st = db_prepare(
            c, "INSERT INTO job_runs (job_id, schedule_id, kind, attempt, worker, started_at, status) "
               "VALUES (?, ?, ?, ?, ?, ?, 'running') RETURNING id");
        if (!st)
            goto fail;
        db_bind_int64(st, 1, out->id);
        db_bind_id(st, 2, out->schedule_id);
        db_bind_text(st, 3, out->kind);
        db_bind_int64(st, 4, out->attempts);
        db_bind_text(st, 5, worker);
        db_bind_int64(st, 6, now);
        rc = db_step(st);
        if (rc == DB_ROW)
            out->run_id = db_col_int64(st, 0);
        db_done(st);
        if (rc != DB_ROW || db_commit(c) != 0)
            goto fail;
        return 1;
    fail:
        free(out->payload);
        out->payload = NULL;
        db_rollback(c);
        return -1;
    }
}

static int finish(db_conn_t *c, const claimed_t *j, job_ctx_t *ctx, int outcome, int64_t now)
{
    const char *status, *run_status;
    int64_t run_at = now;
    if (outcome == JOB_OK) {
        status = "done";
        run_status = "done";
    } else if (outcome == JOB_RETRY && j->attempts < j->max_attempts) {
        status = "queued";
        run_status = "failed";
        run_at = now + jobs_backoff_ms(j->attempts);
    } else {
        status = "dead";
        run_status = "failed";
    }
    if (outcome != JOB_OK && !ctx->error[0])
        str_lcpy(ctx->error, "任务失败（未给出原因）", sizeof ctx->error);
    char *result = ctx->result ? json_dumps(ctx->result, JSON_COMPACT) : NULL;
    int ret = -1;
    if (db_begin(c) != 0)
        goto out;
    db_stmt_t *st =
        db_prepare(c, "UPDATE jobs SET status = ?, run_at = ?, lease_until = NULL, locked_by = NULL, "
                      "last_error = ?, result = COALESCE(?, result), updated_at = ?, finished_at = ? "
                      "WHERE id = ? AND locked_by = ? AND status = 'running'");
    if (!st)
        goto out;
    db_bind_text(st, 1, status);
    db_bind_int64(st, 2, run_at);
    db_bind_text(st, 3, outcome == JOB_OK ? NULL : ctx->error);
    db_bind_text(st, 4, result);
    db_bind_int64(st, 5, now);
    if (strcmp(status, "queued") == 0)
        db_bind_null(st, 6);
    else
        db_bind_int64(st, 6, now);
    db_bind_int64(st, 7, j->id);
    db_bind_text(st, 8, ctx->worker);
    int rc = db_step(st);
    db_done(st);
    if (rc != DB_DONE)
        goto out;
    bool lost = db_changes(c) == 0; /* another worker took it over meanwhile */
    st = db_prepare(c, "UPDATE job_runs SET finished_at = ?, status = ?, items = ?, error = ? WHERE id = ?");
    if (!st)
        goto out;
    db_bind_int64(st, 1, now);
    db_bind_text(st, 2, lost ? "lost" : run_status);
    db_bind_int64(st, 3, ctx->items);
    db_bind_text(st, 4, lost ? "租约已被其他执行者接管，结果未采用" : outcome == JOB_OK ? NULL : ctx->error);
    db_bind_int64(st, 5, j->run_id);
    rc = db_step(st);
    db_done(st);
    if (rc != DB_DONE || db_commit(c) != 0)
        goto out;
    if (!lost) {
        if (outcome == JOB_OK)
            atomic_fetch_add(&P.done, 1);
        else if (strcmp(status, "queued") == 0)
            atomic_fetch_add(&P.retried, 1);
        else
            atomic_fetch_add(&P.dead, 1);
    }
    log_rec_t r;
    log_begin(&r, LOG_JOB, outcome == JOB_OK ? LOG_INFO : LOG_WARN, "job.finished");
    log_int(&r, "job", j->id);
    log_str(&r, "kind", j->kind);
    log_int(&r, "attempt", j->attempts);
    log_str(&r, "status", lost ? "lost" : status);
    log_int(&r, "items", ctx->items);
    if (outcome != JOB_OK)
        log_str(&r, "error", ctx->error);
    log_end(&r);
    ret = 0;
out:
    free(result);
    if (db_in_tx(c))
        db_rollback(c);
    return ret;
}

int jobs_run_one(db_t *db, const char *worker, int64_t now)
{
    db_conn_t *c = db_acquire(db);
    if (!c)
        return -1;
    claimed_t j;
    int rc = claim(c, worker, now, &j);
    db_release(c); /* the handler must not hold a pooled connection idle */
    if (rc <= 0)
        return rc;

    job_ctx_t ctx = {
        .db = db, .id = j.id, .run_id = j.run_id, .kind = j.kind, .worker = worker, .attempt = j.attempts};
    json_error_t e;
    ctx.payload = json_loads(j.payload, 0, &e);
    int outcome;
    int64_t t0 = time_mono_ns();
    if (!json_is_object(ctx.payload)) {
        job_error(&ctx, "任务参数不是 JSON 对象");
        outcome = JOB_FATAL;
    } else {
        log_rec_t r;
        log_begin(&r, LOG_JOB, LOG_INFO, "job.started");
        log_int(&r, "job", j.id);
        log_str(&r, "kind", j.kind);
        log_int(&r, "attempt", j.attempts);
        log_str(&r, "worker", worker);
        log_end(&r);
        atomic_fetch_add(&P.running, 1);
        outcome = find_kind(j.kind)->fn(&ctx);
        atomic_fetch_sub(&P.running, 1);
        if (outcome != JOB_OK && outcome != JOB_FATAL)
            outcome = JOB_RETRY;
    }
    c = db_acquire(db);
    int ret = 1;
    /* the caller's clock plus the time the handler took (tests drive the clock) */
    int64_t end = now + (time_mono_ns() - t0) / 1000000;
    if (!c || finish(c, &j, &ctx, outcome, end) != 0) {
        /* the lease will expire and another attempt will follow */
        log_msg(LOG_JOB, LOG_ERROR, "job.finish_failed", "任务 %lld：%s", (long long)j.id,
                c ? db_errmsg(c) : "没有可用的数据库连接");
        ret = -1;
    }
    db_release(c);
    json_decref(ctx.payload);
    json_decref(ctx.result);
    free(j.payload);
    return ret;
}

/* ---- schedules ---- */

int jobs_define_schedule(db_t *db, const char *name, const char *title, const char *cron,
                         const char *job_kind, const char *payload)
{
    cron_t ct;
    char err[200];
    if (cron_parse(cron, &ct, err, sizeof err) != 0) {
        log_msg(LOG_SYSTEM, LOG_ERROR, "job.bad_schedule", "%s: %s", name, err);
        return -1;
    }
    db_conn_t *c = db_acquire(db);
    if (!c)
        return -1;
    int64_t now = time_now_ms();
    db_stmt_t *st = db_prepare(c, "INSERT INTO schedules (name, title, cron, job_kind, payload, enabled, "
                                  "next_run_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?) "
                                  "ON CONFLICT (name) DO NOTHING");
    int rc = -1;
    if (st) {
        db_bind_text(st, 1, name);
        db_bind_text(st, 2, title);
        db_bind_text(st, 3, cron);
        db_bind_text(st, 4, job_kind);
        db_bind_text(st, 5, payload ? payload : "{}");
        db_bind_int64(st, 6, cron_next(&ct, now));
        db_bind_int64(st, 7, now);
        db_bind_int64(st, 8, now);
        rc = db_step(st) == DB_DONE ? 0 : -1;
        db_done(st);
    }
    db_release(c);
    return rc;
}

int jobs_schedule_rearm(db_conn_t *c, int64_t id, int64_t now)
{
    db_stmt_t *st = db_prepare(c, "SELECT cron FROM schedules WHERE id = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, id);
    cron_t ct;
    char err[200];
    int ok = db_step(st) == DB_ROW && cron_parse(db_col_text(st, 0), &ct, err, sizeof err) == 0;
    db_done(st);
    if (!ok)
        return -1;
    st = db_prepare(c, "UPDATE schedules SET next_run_at = ?, updated_at = ? WHERE id = ?");
    if (!st)
        return -1;
    int64_t next = cron_next(&ct, now);
    if (next > 0)
        db_bind_int64(st, 1, next);
    else
        db_bind_null(st, 1);
    db_bind_int64(st, 2, now);
    db_bind_int64(st, 3, id);
    int rc = db_step(st) == DB_DONE ? 0 : -1;
    db_done(st);
    return rc;
}

typedef struct {
    int64_t id, next;
    char *cron, *kind, *payload;
    bool unarmed;
} due_t;

/* A schedule without next_run_at (new, or its cron was edited) is armed
 * without firing. */
static int arm(db_conn_t *c, const due_t *d, int64_t next, int64_t now)
{
    db_stmt_t *st = db_prepare(c, "UPDATE schedules SET next_run_at = ?, updated_at = ? "
                                  "WHERE id = ? AND next_run_at IS NULL");
    if (!st)
        return -1;
    db_bind_int64(st, 1, next);
    db_bind_int64(st, 2, now);
    db_bind_int64(st, 3, d->id);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

static int fire(db_conn_t *c, const due_t *d, int64_t now)
{
    cron_t ct;
    char err[200];
    if (cron_parse(d->cron, &ct, err, sizeof err) != 0) {
        log_msg(LOG_JOB, LOG_ERROR, "schedule.bad_cron", "定时任务 %lld：%s", (long long)d->id, err);
        return 0;
    }
    int64_t next = cron_next(&ct, now);
    if (d->unarmed)
        return arm(c, d, next, now);
    if (db_begin(c) != 0)
        return -1;
    /* compare-and-set on next_run_at: of several nodes exactly one wins; a
     * node that was down for several periods fires once, not once per period */
    db_stmt_t *st = db_prepare(c, "UPDATE schedules SET next_run_at = ?, last_run_at = ?, updated_at = ? "
                                  "WHERE id = ? AND next_run_at = ?");
    if (!st)
        goto fail;
    db_bind_int64(st, 1, next);
    db_bind_int64(st, 2, now);
    db_bind_int64(st, 3, now);
    db_bind_int64(st, 4, d->id);
    db_bind_int64(st, 5, d->next);
    int rc = db_step(st);
    db_done(st);
    if (rc != DB_DONE)
        goto fail;
    if (db_changes(c) == 0) {
        db_rollback(c);
        return 0;
    }
    char key[96];
    snprintf(key, sizeof key, "schedule:%lld:%lld", (long long)d->id, (long long)d->next);
    job_spec_t spec = {.kind = d->kind, .payload = d->payload, .idempotency_key = key, .schedule_id = d->id};
    int64_t job = jobs_enqueue(c, &spec);
    if (job < 0)
        goto fail;
    st = db_prepare(c, "UPDATE schedules SET last_job_id = ? WHERE id = ?");
    if (!st)
        goto fail;
    db_bind_int64(st, 1, job);
    db_bind_int64(st, 2, d->id);
    rc = db_step(st);
    db_done(st);
    if (rc != DB_DONE || db_commit(c) != 0)
        goto fail;
    log_rec_t r;
    log_begin(&r, LOG_JOB, LOG_INFO, "schedule.fired");
    log_int(&r, "schedule", d->id);
    log_str(&r, "kind", d->kind);
    log_int(&r, "job", job);
    log_end(&r);
    return 1;
fail:
    db_rollback(c);
    return -1;
}

int jobs_scheduler_tick(db_t *db, int64_t now)
{
    db_conn_t *c = db_acquire(db);
    if (!c)
        return -1;
    due_t due[64];
    int n = 0, fired = 0;
    db_stmt_t *st = db_prepare(c, "SELECT id, next_run_at, cron, job_kind, payload FROM schedules "
                                  "WHERE enabled = 1 AND (next_run_at IS NULL OR next_run_at <= ?) "
                                  "ORDER BY id LIMIT 64");
    if (!st) {
        db_release(c);
        return -1;
    }
    db_bind_int64(st, 1, now);
    while (n < 64 && db_step(st) == DB_ROW) {
        due[n].id = db_col_int64(st, 0);
        due[n].unarmed = db_col_is_null(st, 1);
        due[n].next = db_col_int64(st, 1);
        due[n].cron = strdup(db_col_text(st, 2));
        due[n].kind = strdup(db_col_text(st, 3));
        due[n].payload = strdup(db_col_text(st, 4));
        n++;
    }
    db_done(st);
    for (int i = 0; i < n; i++) {
        int rc = fire(c, &due[i], now);
        if (rc > 0)
            fired++;
        free(due[i].cron);
        free(due[i].kind);
        free(due[i].payload);
    }
    db_release(c);
    if (fired)
        jobs_notify();
    return fired;
}

/* ---- threads ---- */

static void idle_wait(int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&P.mu);
    if (!atomic_load(&P.stop))
        pthread_cond_timedwait(&P.cv, &P.mu, &ts);
    pthread_mutex_unlock(&P.mu);
}

static void *worker_main(void *arg)
{
    char worker[160], host[64] = "node";
    gethostname(host, sizeof host - 1);
    snprintf(worker, sizeof worker, "%s:%d:%d", host, (int)getpid(), (int)(intptr_t)arg);
    while (!atomic_load(&P.stop)) {
        int rc = jobs_run_one(P.db, worker, time_now_ms());
        if (rc == 0)
            idle_wait(1000);
        else if (rc < 0)
            idle_wait(2000); /* database trouble: back off */
    }
    return NULL;
}

static void *scheduler_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&P.stop)) {
        jobs_scheduler_tick(P.db, time_now_ms());
        atomic_store(&P.last_tick, time_now_ms());
        int64_t wake = (time_now_ms() / 1000 + 1) * 1000; /* the next full second */
        while (!atomic_load(&P.stop) && time_now_ms() < wake)
            usleep(100000);
    }
    return NULL;
}

int jobs_start(db_t *db, const jobs_options_t *opt)
{
    jobs_configure(opt);
    P.db = db;
    atomic_store(&P.stop, false);
    P.nthreads = 0;
    int n = opt->workers > MAX_WORKERS ? MAX_WORKERS : opt->workers;
    for (int i = 0; i < n; i++)
        if (pthread_create(&P.threads[P.nthreads], NULL, worker_main, (void *)(intptr_t)(i + 1)) == 0)
            P.nthreads++;
    P.workers = P.nthreads;
    P.scheduler = opt->scheduler && pthread_create(&P.threads[P.nthreads], NULL, scheduler_main, NULL) == 0;
    if (P.scheduler)
        P.nthreads++;
    return P.nthreads == n + (opt->scheduler ? 1 : 0) ? 0 : -1;
}

void jobs_stop(int timeout_ms)
{
    atomic_store(&P.stop, true);
    pthread_mutex_lock(&P.mu);
    pthread_cond_broadcast(&P.cv);
    pthread_mutex_unlock(&P.mu);
    int64_t deadline = time_mono_ns() + (int64_t)timeout_ms * 1000000;
    while (atomic_load(&P.running) > 0 && time_mono_ns() < deadline)
        usleep(10000);
    if (atomic_load(&P.running) > 0) {
        /* a handler ignores job_should_stop(); its lease will hand the job
         * to another worker after restart */
        log_msg(LOG_JOB, LOG_WARN, "job.stop_timeout", "停止时仍有 %d 个任务在运行", atomic_load(&P.running));
        for (int i = 0; i < P.nthreads; i++)
            pthread_detach(P.threads[i]);
    } else {
        for (int i = 0; i < P.nthreads; i++)
            pthread_join(P.threads[i], NULL);
    }
    P.nthreads = 0;
}

json_t *jobs_health_json(void)
{
    int64_t tick = atomic_load(&P.last_tick);
    return json_pack("{s:i,s:i,s:b,s:o,s:b}", "workers", P.workers, "running", atomic_load(&P.running),
                     "scheduler", P.scheduler, "scheduler_last_tick_at", tick ? json_time(tick) : json_null(),
                     "scheduler_alive", P.scheduler && time_now_ms() - tick < 10000);
}

const char *const JOBS_STATUSES[] = {"queued", "running", "done", "dead", "cancelled", NULL};

void jobs_metrics(db_t *db, sbuf_t *o)
{
    const char *const *statuses = JOBS_STATUSES;
    int64_t counts[5] = {0};
    int64_t due = 0;
    db_conn_t *c = db_acquire(db);
    if (c) {
        db_stmt_t *st = db_prepare(c, "SELECT status, COUNT(*) FROM jobs GROUP BY status");
        while (st && db_step(st) == DB_ROW)
            for (int i = 0; i < 5; i++)
                if (strcmp(db_col_text(st, 0), statuses[i]) == 0)
                    counts[i] = db_col_int64(st, 1);
        db_done(st);
        st = db_prepare(c, "SELECT COUNT(*) FROM jobs WHERE status = 'queued' AND run_at <= ?");
        if (st) {
            db_bind_int64(st, 1, time_now_ms());
            if (db_step(st) == DB_ROW)
                due = db_col_int64(st, 0);
        }
        db_done(st);
        db_release(c);
    }
    sbuf_puts(o, "# HELP zhendi_jobs Jobs in the queue by status.\n# TYPE zhendi_jobs gauge\n");
    for (int i = 0; i < 5; i++)
        sbuf_printf(o, "zhendi_jobs{status=\"%s\"} %lld\n", statuses[i], (long long)counts[i]);
    sbuf_printf(o,
                "# HELP zhendi_jobs_due Queued jobs whose time has come (queue depth).\n"
                "# TYPE zhendi_jobs_due gauge\nzhendi_jobs_due %lld\n",
                (long long)due);
    sbuf_printf(o,
                "# HELP zhendi_job_runs_total Job attempts finished by this process, by outcome.\n"
                "# TYPE zhendi_job_runs_total counter\n"
                "zhendi_job_runs_total{outcome=\"done\"} %llu\n"
                "zhendi_job_runs_total{outcome=\"retry\"} %llu\n"
                "zhendi_job_runs_total{outcome=\"dead\"} %llu\n",
                (unsigned long long)atomic_load(&P.done), (unsigned long long)atomic_load(&P.retried),
                (unsigned long long)atomic_load(&P.dead));
    sbuf_printf(o,
                "# HELP zhendi_jobs_running Handlers executing in this process.\n"
                "# TYPE zhendi_jobs_running gauge\nzhendi_jobs_running %d\n",
                atomic_load(&P.running));
}
