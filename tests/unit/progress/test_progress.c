/* The progress heartbeat's write-behind (modules/progress/progress.h): beats
 * are answered from this node's merged state and reach the table only with
 * a flush; a flush merges into the row under its lock, so another node's
 * ranges written meanwhile are kept (a union); the flushing thread writes
 * what is pending when it stops. On SQLite, and on PostgreSQL when
 * ZHENDI_TEST_PG names a server. The table is a stand-in of the modules'
 * progress tables (the same shape, no foreign keys). */
#include "support/cm.h"
#include "support/testutil.h"

#include "core/timeutil.h"
#include "modules/progress/progress.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const progress_kind_t KIND = {
    .table = "t_progress", .item_col = "item_id", .parent_col = "parent_id", .item_key = "item_id"};

static void make_table(db_t *db)
{
    tu_exec(db,
            "CREATE TABLE t_progress (id BIGINT, user_id BIGINT NOT NULL, item_id BIGINT NOT NULL, "
            "parent_id BIGINT NOT NULL, org_id BIGINT NOT NULL, position_ms BIGINT NOT NULL DEFAULT 0, "
            "last_pos_ms BIGINT NOT NULL DEFAULT 0, last_beat_at BIGINT NOT NULL DEFAULT 0, "
            "watched_ms BIGINT NOT NULL DEFAULT 0, intervals TEXT NOT NULL DEFAULT '', completed_at BIGINT, "
            "created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)");
    tu_exec(db, "CREATE UNIQUE INDEX t_progress_one ON t_progress (user_id, item_id)");
}

/* one backend: SQLite, or PostgreSQL when configured */
typedef struct {
    db_t *db;
    char *dir, *url;
} be_t;

static bool open_be(be_t *b, bool pg)
{
    memset(b, 0, sizeof *b);
    if (pg) {
        if (!tu_pg_admin())
            return false;
        b->url = tu_pg_create();
        b->db = tu_pg_open(b->url, 4);
    } else
        b->db = tu_db(&b->dir);
    assert_non_null(b->db);
    make_table(b->db);
    return true;
}

static void close_be(be_t *b)
{
    db_close(b->db);
    if (b->url)
        tu_pg_drop(b->url);
    if (b->dir) {
        tu_rmrf(b->dir);
        free(b->dir);
    }
}

static progress_state_t beat(db_conn_t *c, int64_t user, int64_t pos, int64_t at, int64_t duration)
{
    progress_beat_t b = {.user = user,
                         .org = 1,
                         .item = 7,
                         .parent = 3,
                         .duration_ms = duration,
                         .position_ms = pos,
                         .playing = true,
                         .now_ms = at};
    progress_state_t s;
    assert_int_equal(progress_beat(c, &KIND, &b, &s), 0);
    return s;
}

static char *intervals(db_t *db, int64_t user)
{
    db_conn_t *c = db_acquire(db);
    db_stmt_t *st = db_prepare(c, "SELECT intervals FROM t_progress WHERE user_id = ? AND item_id = 7");
    assert_non_null(st);
    db_bind_int64(st, 1, user);
    char *s = db_step(st) == DB_ROW ? strdup(db_col_text(st, 0)) : NULL;
    db_done(st);
    db_release(c);
    return s;
}

static void beats_are_answered_at_once_and_written_by_the_flush(bool pg)
{
    be_t b;
    if (!open_be(&b, pg))
        return;
    db_conn_t *c = db_acquire(b.db);
    int64_t t = time_now_ms();
    beat(c, 1, 0, t, 100000);
    progress_state_t s = beat(c, 1, 5000, t + 5000, 100000);
    assert_int_equal(s.watched_ms, 5000);
    assert_int_equal(s.counted_ms, 5000);
    s = beat(c, 1, 90000, t + 10000, 100000); /* a seek: counts nothing */
    assert_int_equal(s.counted_ms, 0);
    assert_int_equal(s.position_ms, 90000);
    assert_int_equal(tu_int(b.db, "SELECT COUNT(*) FROM t_progress"), 0); /* not written yet */
    assert_int_equal(progress_pending(), 1);
    assert_int_equal(progress_flush(c), 0);
    assert_int_equal(progress_pending(), 0);
    assert_int_equal(tu_int(b.db, "SELECT watched_ms FROM t_progress WHERE user_id = 1"), 5000);
    assert_int_equal(tu_int(b.db, "SELECT position_ms FROM t_progress WHERE user_id = 1"), 90000);
    assert_int_equal(tu_int(b.db, "SELECT COUNT(*) FROM t_progress WHERE completed_at IS NULL"), 1);
    /* the next beat starts again from the row: watching on from the resume position counts */
    s = beat(c, 1, 95000, t + 15000, 100000);
    assert_int_equal(s.watched_ms, 10000);
    /* the 90 %: decided from the merged state, in the answer before any flush */
    beat(c, 1, 5000, t + 20000, 100000);
    int64_t at = t + 20000;
    for (int64_t p = 10000; p <= 85000; p += 5000)
        s = beat(c, 1, p, at += 5000, 100000);
    assert_true(s.completed);
    assert_int_equal(tu_int(b.db, "SELECT COUNT(*) FROM t_progress WHERE completed_at IS NULL"), 1);
    assert_int_equal(progress_flush(c), 0);
    assert_int_equal(tu_int(b.db, "SELECT COUNT(*) FROM t_progress WHERE completed_at IS NOT NULL"), 1);
    char *r = intervals(b.db, 1);
    assert_string_equal(r, "0-85000,90000-95000");
    free(r);
    db_release(c);
    close_be(&b);
}

/* another node's flush, holding the row (or the SQLite write lock) while ours waits */
typedef struct {
    db_t *db;
    int rc;
} flusher_t;

static void *flush_main(void *arg)
{
    flusher_t *f = arg;
    db_conn_t *c = db_acquire(f->db);
    f->rc = progress_flush(c);
    db_release(c);
    return NULL;
}

static void two_flushers_keep_the_union_of_the_ranges(bool pg)
{
    be_t b;
    if (!open_be(&b, pg))
        return;
    db_conn_t *c = db_acquire(b.db), *other = db_acquire(b.db);
    int64_t t = time_now_ms();
    /* user 1: a row the other node wrote before; user 2: none yet */
    tu_exec(b.db,
            "INSERT INTO t_progress (user_id, item_id, parent_id, org_id, position_ms, last_pos_ms, "
            "last_beat_at, watched_ms, intervals, created_at, updated_at) VALUES (1, 7, 3, 1, 0, 0, 1, 0, "
            "'', 1, 1)");
    beat(c, 1, 0, t, 0);
    beat(c, 1, 5000, t + 5000, 0);
    beat(c, 2, 0, t, 0);
    beat(c, 2, 5000, t + 5000, 0);
    /* the other node's flush: locks user 1's row, merges its ranges, and inserts user 2's */
    assert_int_equal(db_begin(other), 0);
    db_stmt_t *st = db_prepare(
        other, "SELECT intervals FROM t_progress WHERE user_id = 1 AND item_id = 7" FOR_UPDATE_CLAUSE);
    assert_non_null(st);
    assert_int_equal(db_step(st), DB_ROW);
    db_done(st);
    assert_int_equal(db_exec(other, "UPDATE t_progress SET intervals = '60000-70000', watched_ms = 10000, "
                                    "position_ms = 70000, last_pos_ms = 70000, last_beat_at = 2 "
                                    "WHERE user_id = 1 AND item_id = 7"),
                     0);
    assert_int_equal(db_exec(other,
                             "INSERT INTO t_progress (user_id, item_id, parent_id, org_id, position_ms, "
                             "last_pos_ms, last_beat_at, watched_ms, intervals, created_at, updated_at) "
                             "VALUES (2, 7, 3, 1, 70000, 70000, 2, 10000, '60000-70000', 2, 2)"),
                     0);
    flusher_t f = {.db = b.db, .rc = -9};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, flush_main, &f), 0);
    struct timespec ts = {0, 300 * 1000000L};
    nanosleep(&ts, NULL); /* ours waits for the other's lock */
    assert_int_equal(progress_pending(), 2);
    assert_int_equal(db_commit(other), 0);
    pthread_join(th, NULL);
    assert_int_equal(f.rc, 0);
    for (int64_t u = 1; u <= 2; u++) {
        char *r = intervals(b.db, u);
        assert_string_equal(r, "0-5000,60000-70000");
        free(r);
    }
    assert_int_equal(tu_int(b.db, "SELECT SUM(watched_ms) FROM t_progress"), 30000);
    /* the later beat's position wins (ours, at t + 5 s, over the other's at 2 ms) */
    assert_int_equal(tu_int(b.db, "SELECT MAX(position_ms) FROM t_progress"), 5000);
    assert_int_equal(progress_pending(), 0);
    db_release(other);
    db_release(c);
    close_be(&b);
}

static void the_flushing_thread_writes_the_last_beats_when_it_stops(bool pg)
{
    be_t b;
    if (!open_be(&b, pg))
        return;
    assert_int_equal(progress_start(b.db), 0);
    db_conn_t *c = db_acquire(b.db);
    int64_t t = time_now_ms();
    beat(c, 5, 0, t, 0);
    beat(c, 5, 4000, t + 4000, 0);
    db_release(c);
    progress_stop();
    assert_int_equal(progress_pending(), 0);
    assert_int_equal(tu_int(b.db, "SELECT watched_ms FROM t_progress WHERE user_id = 5"), 4000);
    close_be(&b);
}

static void flush_sqlite(void **s)
{
    (void)s;
    beats_are_answered_at_once_and_written_by_the_flush(false);
}
static void flush_pg(void **s)
{
    (void)s;
    beats_are_answered_at_once_and_written_by_the_flush(true);
}
static void union_sqlite(void **s)
{
    (void)s;
    two_flushers_keep_the_union_of_the_ranges(false);
}
static void union_pg(void **s)
{
    (void)s;
    two_flushers_keep_the_union_of_the_ranges(true);
}
static void stop_sqlite(void **s)
{
    (void)s;
    the_flushing_thread_writes_the_last_beats_when_it_stops(false);
}
static void stop_pg(void **s)
{
    (void)s;
    the_flushing_thread_writes_the_last_beats_when_it_stops(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flush_sqlite), cmocka_unit_test(union_sqlite), cmocka_unit_test(stop_sqlite),
        cmocka_unit_test(flush_pg),     cmocka_unit_test(union_pg),     cmocka_unit_test(stop_pg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
