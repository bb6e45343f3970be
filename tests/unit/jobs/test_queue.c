/* The job queue: enqueue, idempotency, retries with backoff, the dead state,
 * lease takeover after a crashed worker, and schedules firing once. */
#include "support/cm.h"
#include "support/testutil.h"

#include "core/timeutil.h"
#include "jobs/jobs.h"
#include <stdlib.h>
#include <string.h>

static int calls, fail_times;

static int flaky(job_ctx_t *ctx)
{
    calls++;
    if (calls <= fail_times) {
        job_error(ctx, "attempt %d failed", job_attempt(ctx));
        return JOB_RETRY;
    }
    job_items(ctx, 7);
    job_result(ctx, json_pack("{s:i}", "ok", 1));
    return JOB_OK;
}

static int fatal(job_ctx_t *ctx)
{
    job_error(ctx, "bad payload");
    return JOB_FATAL;
}

static int64_t enqueue(db_t *db, const char *kind, const char *key, int max)
{
    db_conn_t *c = db_acquire(db);
    job_spec_t s = {.kind = kind, .idempotency_key = key, .max_attempts = max};
    int64_t id = jobs_enqueue(c, &s);
    db_release(c);
    assert_true(id > 0);
    return id;
}

static char *status_of(db_t *db, int64_t id)
{
    db_conn_t *c = db_acquire(db);
    db_stmt_t *st = db_prepare(c, "SELECT status FROM jobs WHERE id = ?");
    db_bind_int64(st, 1, id);
    assert_int_equal(db_step(st), DB_ROW);
    char *s = strdup(db_col_text(st, 0));
    db_done(st);
    db_release(c);
    return s;
}

static void a_failing_job_is_retried_with_growing_delays_then_succeeds(void **state)
{
    (void)state;
    char *dir;
    db_t *db = tu_db(&dir);
    calls = 0;
    fail_times = 2;
    int64_t id = enqueue(db, "test.flaky", NULL, 5), now = time_now_ms();
    assert_int_equal(jobs_run_one(db, "w1", now), 1);
    /* not due again before the backoff */
    assert_int_equal(jobs_run_one(db, "w1", now + 5000), 0);
    int64_t t = now + jobs_backoff_ms(1) + 2000; /* slack for the handler's own run time */
    assert_int_equal(jobs_run_one(db, "w1", t), 1);
    assert_int_equal(jobs_run_one(db, "w1", t + 5000), 0);
    assert_true(jobs_backoff_ms(2) == 2 * jobs_backoff_ms(1));
    assert_int_equal(jobs_run_one(db, "w1", t + jobs_backoff_ms(2) + 2000), 1);
    char *s = status_of(db, id);
    assert_string_equal(s, "done");
    free(s);
    assert_int_equal(calls, 3);
    assert_int_equal(tu_int(db, "SELECT COUNT(*) FROM job_runs WHERE status = 'failed'"), 2);
    assert_int_equal(tu_int(db, "SELECT items FROM job_runs WHERE status = 'done'"), 7);
    db_close(db);
    tu_rmrf(dir);
    free(dir);
}

static void a_job_is_dead_after_its_attempts_and_fatal_errors_do_not_retry(void **state)
{
    (void)state;
    char *dir;
    db_t *db = tu_db(&dir);
    calls = 0;
    fail_times = 100;
    int64_t id = enqueue(db, "test.flaky", NULL, 2), now = time_now_ms();
    assert_int_equal(jobs_run_one(db, "w", now), 1);
    assert_int_equal(jobs_run_one(db, "w", now + 86400000), 1);
    char *s = status_of(db, id);
    assert_string_equal(s, "dead");
    free(s);
    int64_t f = enqueue(db, "test.fatal", NULL, 5);
    now = time_now_ms() + 1000;
    assert_int_equal(jobs_run_one(db, "w", now), 1);
    s = status_of(db, f);
    assert_string_equal(s, "dead");
    free(s);
    /* an unknown kind goes straight to dead, without running anything */
    int64_t u = enqueue(db, "test.nobody", NULL, 5);
    assert_int_equal(jobs_run_one(db, "w", time_now_ms() + 1000), 0);
    s = status_of(db, u);
    assert_string_equal(s, "dead");
    free(s);
    db_close(db);
    tu_rmrf(dir);
    free(dir);
}

static void an_idempotency_key_enqueues_once(void **state)
{
    (void)state;
    char *dir;
    db_t *db = tu_db(&dir);
    int64_t a = enqueue(db, "test.flaky", "import:42", 5), b = enqueue(db, "test.flaky", "import:42", 5);
    assert_int_equal(a, b);
    assert_int_equal(tu_int(db, "SELECT COUNT(*) FROM jobs"), 1);
    db_close(db);
    tu_rmrf(dir);
    free(dir);
}

static void the_job_of_a_crashed_worker_is_taken_over_when_its_lease_expires(void **state)
{
    (void)state;
    char *dir;
    db_t *db = tu_db(&dir);
    int64_t id = enqueue(db, "test.flaky", NULL, 5), now = time_now_ms();
    /* worker "dead" claimed it and vanished: simulate the claim */
    char sql[200];
    snprintf(sql, sizeof sql,
             "UPDATE jobs SET status = 'running', attempts = 1, locked_by = 'dead', lease_until = %lld WHERE "
             "id = %lld",
             (long long)(now + 60000), (long long)id);
    tu_exec(db, sql);
    snprintf(sql, sizeof sql,
             "INSERT INTO job_runs (job_id, kind, attempt, worker, started_at) VALUES (%lld, 'test.flaky', "
             "1, 'dead', %lld)",
             (long long)id, (long long)now);
    tu_exec(db, sql);
    calls = 0;
    fail_times = 0;
    assert_int_equal(jobs_run_one(db, "w2", now + 1000), 0); /* lease still valid */
    assert_int_equal(jobs_run_one(db, "w2", now + 61000), 1);
    char *s = status_of(db, id);
    assert_string_equal(s, "done");
    free(s);
    assert_int_equal(tu_int(db, "SELECT COUNT(*) FROM job_runs WHERE status = 'lost'"), 1);
    assert_int_equal(tu_int(db, "SELECT attempts FROM jobs"), 2);
    db_close(db);
    tu_rmrf(dir);
    free(dir);
}

static void a_schedule_fires_once_per_period_however_often_it_is_ticked(void **state)
{
    (void)state;
    char *dir;
    db_t *db = tu_db(&dir);
    assert_int_equal(jobs_define_schedule(db, "t.every5", "每五分钟", "*/5 * * * *", "test.flaky", NULL), 0);
    int64_t next = tu_int(db, "SELECT next_run_at FROM schedules WHERE name = 't.every5'");
    assert_int_equal(jobs_scheduler_tick(db, next - 1), 0);
    assert_int_equal(jobs_scheduler_tick(db, next), 1);
    assert_int_equal(jobs_scheduler_tick(db, next + 1000), 0); /* a second node, a moment later */
    assert_int_equal(tu_int(db, "SELECT COUNT(*) FROM jobs WHERE schedule_id IS NOT NULL"), 1);
    /* down for an hour: one catch-up firing, not twelve */
    assert_int_equal(jobs_scheduler_tick(db, next + 3600000), 1);
    assert_int_equal(tu_int(db, "SELECT COUNT(*) FROM jobs"), 2);
    /* defining it again keeps the administrator's edits */
    tu_exec(db, "UPDATE schedules SET cron = '0 1 * * *' WHERE name = 't.every5'");
    assert_int_equal(jobs_define_schedule(db, "t.every5", "每五分钟", "*/5 * * * *", "test.flaky", NULL), 0);
    assert_int_equal(tu_int(db, "SELECT COUNT(*) FROM schedules WHERE cron = '0 1 * * *'"), 1);
    db_close(db);
    tu_rmrf(dir);
    free(dir);
}

static int setup(void **state)
{
    (void)state;
    time_set_zone("Asia/Shanghai");
    jobs_options_t o = {.workers = 0, .lease_s = 60, .max_attempts = 5, .backoff_s = 10};
    jobs_configure(&o);
    jobs_register("test.flaky", "测试", flaky);
    jobs_register("test.fatal", "测试", fatal);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_failing_job_is_retried_with_growing_delays_then_succeeds),
        cmocka_unit_test(a_job_is_dead_after_its_attempts_and_fatal_errors_do_not_retry),
        cmocka_unit_test(an_idempotency_key_enqueues_once),
        cmocka_unit_test(the_job_of_a_crashed_worker_is_taken_over_when_its_lease_expires),
        cmocka_unit_test(a_schedule_fires_once_per_period_however_often_it_is_ticked),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
