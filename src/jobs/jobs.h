/* jobs.h — the durable job queue, its worker pool and the cron scheduler.
 *
 * Work that is slow or must survive a restart (transcoding, OCR, LLM calls,
 * imports, backups) is a row in `jobs`. Enqueueing is an INSERT on the
 * caller's connection, so it commits or rolls back with the caller's
 * transaction. Workers claim a job under a lease; a worker that dies lets
 * its lease expire and another takes the job over. A failed attempt is
 * retried with exponential backoff; after max_attempts the job is dead.
 * Every attempt is recorded in `job_runs` (start, end, items, status, error).
 *
 * Periodic work is a row in `schedules` with a 5-field cron expression. The
 * scheduler advances next_run_at with a compare-and-set, so with several
 * nodes exactly one fires each period.
 *
 * Handlers are registered before jobs_start() and run on worker threads; a
 * handler gets its own database connections through job_db().
 */
#ifndef ZD_JOBS_H
#define ZD_JOBS_H
#include "core/db.h"
#include "core/str.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct job_ctx job_ctx_t;

/* Handler results */
enum { JOB_OK = 0, JOB_RETRY = -1, JOB_FATAL = -2 /* no point retrying */ };
typedef int (*job_handler_fn)(job_ctx_t *ctx);

/* Registers a job kind ("module.action") with a Chinese title for the
 * console. Call before jobs_start(); not thread-safe. */
void jobs_register(const char *kind, const char *title, job_handler_fn fn);
/* Title of a registered kind, or NULL. */
const char *jobs_kind_title(const char *kind);
bool jobs_kind_known(const char *kind);
/* All registered kinds as [{"kind","title"}]. */
json_t *jobs_kinds_json(void);

/* ---- inside a handler ---- */
int64_t job_id(const job_ctx_t *ctx);
int job_attempt(const job_ctx_t *ctx);
const char *job_kind(const job_ctx_t *ctx);
json_t *job_payload(const job_ctx_t *ctx); /* borrowed; an object */
db_t *job_db(const job_ctx_t *ctx);
/* Progress for the console (done of total, optional note); also renews the
 * lease. Returns false when the lease was lost or shutdown began: the
 * handler should stop and return JOB_RETRY. */
bool job_progress(job_ctx_t *ctx, int64_t done, int64_t total, const char *note);
void job_items(job_ctx_t *ctx, int64_t n);       /* items processed, for job_runs */
void job_result(job_ctx_t *ctx, json_t *result); /* steals */
void job_error(job_ctx_t *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool job_should_stop(const job_ctx_t *ctx);

/* ---- enqueue ---- */
typedef struct {
    const char *kind;
    const char *payload;         /* JSON object text; NULL → "{}" */
    int priority;                /* higher first; default 0 */
    int max_attempts;            /* 0 → configured default */
    int64_t run_at;              /* 0 → now */
    const char *idempotency_key; /* NULL → none; a repeated key returns the first job */
    int64_t schedule_id, org_id, created_by;
} job_spec_t;

/* Inserts a job on c (inside the caller's transaction when one is open).
 * Returns the job id (the existing one for a repeated idempotency key), or
 * -1 on error (db_errmsg(c) says why). Wakes local workers on commit. */
int64_t jobs_enqueue(db_conn_t *c, const job_spec_t *spec);
/* Wake idle workers (after a commit that enqueued work). */
void jobs_notify(void);

/* ---- reading jobs ---- */
/* A job's statuses (NULL-terminated), as the jobs table's CHECK has them. */
extern const char *const JOBS_STATUSES[];

/* The columns jobs_row_json() reads, in order (SELECT JOBS_COLS FROM jobs). */
#define JOBS_COLS                                                                                            \
    "id, kind, payload, priority, status, attempts, max_attempts, run_at, lease_until, "                     \
    "locked_by, schedule_id, progress_done, progress_total, progress_note, result, "                         \
    "last_error, created_at, updated_at, finished_at, created_by, org_id"
/* A job as the API shows it: {"id","kind","title","payload","status",
 * "progress":{"done","total","note"},"result","last_error",...,"org_id"}. */
json_t *jobs_row_json(db_stmt_t *st, void *ud);
/* One job by id; *rc 1 found, 0 none, -1 database error. */
json_t *jobs_get_json(db_conn_t *c, int64_t id, int *rc);

/* ---- schedules ---- */
/* Declares a built-in schedule; created on first start with this cron, left
 * alone afterwards (the administrator may have edited it). */
int jobs_define_schedule(db_t *db, const char *name, const char *title, const char *cron,
                         const char *job_kind, const char *payload);
/* Fires the schedules that are due (the scheduler thread calls this every
 * second; tests call it with their own clock). Returns how many fired. */
int jobs_scheduler_tick(db_t *db, int64_t now_ms);
/* Recomputes next_run_at of one schedule from now; -1 on error. */
int jobs_schedule_rearm(db_conn_t *c, int64_t schedule_id, int64_t now_ms);

/* ---- workers ---- */
typedef struct {
    int workers; /* threads; 0 → no workers (scheduler still runs if asked) */
    int lease_s;
    int max_attempts; /* default for jobs that do not say */
    int backoff_s;    /* first retry delay; doubles per attempt, max 1 day */
    bool scheduler;   /* run the cron scheduler thread */
} jobs_options_t;

void jobs_configure(const jobs_options_t *opt); /* defaults for enqueue/claim */
int jobs_start(db_t *db, const jobs_options_t *opt);
/* Asks workers to stop, waits up to timeout_ms for running handlers. */
void jobs_stop(int timeout_ms);
/* Claims and runs at most one due job as worker `worker` at time now_ms.
 * 1 when a job ran, 0 when none was due, -1 on a database error. */
int jobs_run_one(db_t *db, const char *worker, int64_t now_ms);
/* {"workers","running","scheduler":bool,"scheduler_last_tick_at"} of this
 * process, for the system page. */
json_t *jobs_health_json(void);
/* Prometheus text for the queue. */
void jobs_metrics(db_t *db, sbuf_t *out);
/* Retry delay before attempt `attempt`+1 after `attempt` failures, in ms. */
int64_t jobs_backoff_ms(int attempt);

#endif
