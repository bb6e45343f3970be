/* The PostgreSQL backend against a live server (ZHENDI_TEST_PG; skipped
 * without one): values and types, errors, transactions and their retry,
 * writers queueing on rows, reconnection, locks, migrations from nodes
 * starting together. */
#include "support/cm.h"

#include "core/db.h"
#include "core/db_internal.h" /* DB_STMT_CACHE */
#include "core/embed.h"
#include "core/migrate.h"
#include "core/timeutil.h"
#include "support/testutil.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    char *url;
    db_t *db;
} fx_t;

static int setup(void **state)
{
    *state = NULL;
    if (!tu_pg_admin())
        return 0;
    fx_t *f = calloc(1, sizeof *f);
    f->url = tu_pg_create();
    f->db = tu_pg_open(f->url, 4);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    if (f) {
        db_close(f->db);
        tu_pg_drop(f->url);
        free(f);
    }
    return 0;
}

#define FIXTURE(state)                                                                                       \
    fx_t *f = *(state);                                                                                      \
    if (!f)                                                                                                  \
        skip();

static void exec_ok(db_conn_t *c, const char *sql)
{
    if (db_exec(c, sql) != 0)
        fail_msg("%s: %s", sql, db_errmsg(c));
}

static int64_t one_int(db_conn_t *c, const char *sql)
{
    int64_t v = -1;
    if (db_query_int64(c, sql, &v) != 1)
        fail_msg("%s: %s", sql, db_errmsg(c));
    return v;
}

static void values_come_back_with_their_types(void **state)
{
    FIXTURE(state);
    db_conn_t *c = db_acquire(f->db);
    exec_ok(c, "CREATE TABLE v (id INTEGER PRIMARY KEY AUTOINCREMENT, i BIGINT, d DOUBLE PRECISION, "
               "t TEXT, b BYTEA, n BIGINT, flag INTEGER)");
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO v (i, d, t, b, n, flag) VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
    assert_non_null(st);
    static const unsigned char blob[] = {0, 1, 2, 0xff, '\\', 'x'};
    db_bind_int64(st, 1, -9007199254740993LL);
    db_bind_double(st, 2, 0.1);
    db_bind_text(st, 3, "阵地 'quoted' ? \\");
    db_bind_blob(st, 4, blob, sizeof blob);
    db_bind_null(st, 5);
    db_bind_bool(st, 6, true);
    assert_int_equal(db_step(st), DB_ROW);
    assert_int_equal(db_col_int64(st, 0), 1);
    assert_int_equal(db_step(st), DB_DONE);
    db_done(st);

    st = db_prepare(c, "SELECT i, d, t, b, n, flag, i IS NULL, d + 1, n IS NULL FROM v WHERE id = ?");
    db_bind_int64(st, 1, 1);
    assert_int_equal(db_col_count(st), 9); /* known before the first step */
    assert_int_equal(db_step(st), DB_ROW);
    assert_int_equal(db_col_int64(st, 0), -9007199254740993LL);
    assert_true(db_col_double(st, 1) == 0.1);
    assert_string_equal(db_col_text(st, 2), "阵地 'quoted' ? \\");
    size_t len = 0;
    const void *p = db_col_blob(st, 3, &len);
    assert_int_equal(len, sizeof blob);
    assert_memory_equal(p, blob, sizeof blob);
    assert_true(db_col_is_null(st, 4));
    assert_null(db_col_text(st, 4));
    assert_int_equal(db_col_int64(st, 4), 0);
    assert_true(db_col_bool(st, 5));
    assert_int_equal(db_col_int64(st, 6), 0); /* a boolean column reads as 0/1 */
    assert_true(db_col_double(st, 7) == 1.1);
    assert_true(db_col_bool(st, 8));
    assert_string_equal(db_col_name(st, 2), "t");
    assert_int_equal(db_step(st), DB_DONE);
    db_done(st);
    db_release(c);
}

static void epoch_milliseconds_survive_arithmetic_with_parameters(void **state)
{
    FIXTURE(state);
    db_conn_t *c = db_acquire(f->db);
    /* an untyped parameter would be guessed int4 here and overflow */
    db_stmt_t *st = db_prepare(c, "SELECT ? - 86400000, ? * 1000");
    db_bind_int64(st, 1, 1764000000000LL);
    db_bind_int64(st, 2, 1764000000LL);
    assert_int_equal(db_step(st), DB_ROW);
    assert_int_equal(db_col_int64(st, 0), 1763913600000LL);
    assert_int_equal(db_col_int64(st, 1), 1764000000000LL);
    db_done(st);
    db_release(c);
}

static void parameters_without_a_context_type_work(void **state)
{
    FIXTURE(state);
    db_conn_t *c = db_acquire(f->db);
    const char *sql = "SELECT CASE WHEN ? IS NULL THEN 'none' ELSE 'some' END";
    db_stmt_t *st = db_prepare(c, sql);
    db_bind_null(st, 1);
    assert_int_equal(db_step(st), DB_ROW);
    assert_string_equal(db_col_text(st, 0), "none");
    db_done(st);
    st = db_prepare(c, sql); /* cached; now with text, then with an integer */
    db_bind_text(st, 1, "x");
    assert_int_equal(db_step(st), DB_ROW);
    assert_string_equal(db_col_text(st, 0), "some");
    db_done(st);
    st = db_prepare(c, sql);
    db_bind_int64(st, 1, 5);
    assert_int_equal(db_step(st), DB_ROW);
    assert_string_equal(db_col_text(st, 0), "some");
    db_done(st);
    db_release(c);
}

static void a_statement_follows_the_types_bound_to_it(void **state)
{
    FIXTURE(state);
    db_conn_t *c = db_acquire(f->db);
    const char *sql = "SELECT COALESCE(?, 0) + 1";
    db_stmt_t *st = db_prepare(c, sql);
    db_bind_null(st, 1); /* prepared as int4 from the context */
    assert_int_equal(db_step(st), DB_ROW);
    assert_int_equal(db_col_int64(st, 0), 1);
    db_done(st);
    st = db_prepare(c, sql);
    db_bind_int64(st, 1, 5000000000LL); /* needs int8: prepared again */
    assert_int_equal(db_step(st), DB_ROW);
    assert_int_equal(db_col_int64(st, 0), 5000000001LL);
    db_done(st);
    db_release(c);
}

static void integers_reach_functions_that_take_int4(void **state)
{
    FIXTURE(state);
    db_conn_t *c = db_acquire(f->db);
    /* substr(text, int8) does not exist: the statement is prepared again with
     * the number typed by the server */
    db_stmt_t *st = db_prepare(c, "SELECT ? || substr(?, ?), repeat('x', ?), round(?, 2)");
    db_bind_text(st, 1, "/9/");
    db_bind_text(st, 2, "/1/5/23/");
    db_bind_int64(st, 3, 4);
    db_bind_int64(st, 4, 3);
    db_bind_double(st, 5, 2.345);
    assert_int_equal(db_step(st), DB_ROW);
    assert_string_equal(db_col_text(st, 0), "/9/5/23/");
    assert_string_equal(db_col_text(st, 1), "xxx");
    assert_true(db_col_double(st, 2) > 2.34 && db_col_double(st, 2) < 2.36);
    db_done(st);
    /* and keeps working for the next values */
    st = db_prepare(c, "SELECT ? || substr(?, ?), repeat('x', ?), round(?, 2)");
    db_bind_text(st, 1, "");
    db_bind_text(st, 2, "abc");
    db_bind_int64(st, 3, 2);
    db_bind_int64(st, 4, 1);
    db_bind_double(st, 5, 1);
    assert_int_equal(db_step(st), DB_ROW);
    assert_string_equal(db_col_text(st, 0), "bc");
    db_done(st);
    /* inside a transaction, too: preparing is not executing */
    exec_ok(c, "CREATE TABLE paths (id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT, depth INTEGER)");
    exec_ok(c, "INSERT INTO paths (path, depth) VALUES ('/1/5/', 2), ('/1/5/7/', 3), ('/1/6/', 2)");
    assert_int_equal(db_begin(c), 0);
    st = db_prepare(c, "UPDATE paths SET path = ? || substr(path, ?), depth = depth + ? WHERE path LIKE ?");
    db_bind_text(st, 1, "/1/6/");
    db_bind_int64(st, 2, strlen("/1/5/") + 1);
    db_bind_int64(st, 3, 1);
    db_bind_text(st, 4, "/1/5/%");
    assert_int_equal(db_step(st), DB_DONE);
    db_done(st);
    assert_int_equal(db_commit(c), 0);
    assert_int_equal(one_int(c, "SELECT COUNT(*) FROM paths WHERE path LIKE '/1/6/%'"), 3);
    db_release(c);
}

static void statements_interleave_on_one_connection(void **state)
{
    FIXTURE(state);
    db_conn_t *c = db_acquire(f->db);
    exec_ok(c, "CREATE TABLE w (id INTEGER PRIMARY KEY AUTOINCREMENT, n BIGINT);"
               "INSERT INTO w (n) VALUES (0), (0), (0)");
    db_stmt_t *rows = db_prepare(c, "SELECT id FROM w ORDER BY id");
    int seen = 0;
    while (db_step(rows) == DB_ROW) {
        db_stmt_t *up = db_prepare(c, "UPDATE w SET n = ? WHERE id = ?");
        db_bind_int64(up, 1, db_col_int64(rows, 0) * 10);
        db_bind_int64(up, 2, db_col_int64(rows, 0));
        assert_int_equal(db_step(up), DB_DONE);
        db_done(up);
        seen++;
    }
    db_done(rows);
    assert_int_equal(seen, 3);
    assert_int_equal(one_int(c, "SELECT SUM(n) FROM w"), 60);
    db_release(c);
}

static db_errcode_t insert_err(db_conn_t *c, const char *sql, const char *text, int64_t num)
{
    db_stmt_t *st = db_prepare(c, sql);
    if (!st)
        return db_errcode(c);
    if (text)
        db_bind_text(st, 1, text);
    else
        db_bind_null(st, 1);
    db_bind_int64(st, 2, num);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_ERROR ? db_errcode(c) : DB_OK;
}

static void errors_are_classified(void **state)
{
    FIXTURE(state);
    db_conn_t *c = db_acquire(f->db);
    exec_ok(c, "CREATE TABLE p (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE NOT NULL "
               "CHECK (length(name) < 10), n BIGINT);"
               "CREATE TABLE ch (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, "
               "p_id BIGINT NOT NULL REFERENCES p (id))");
    const char *ins = "INSERT INTO p (name, n) VALUES (?, ?)";
    assert_int_equal(insert_err(c, ins, "a", 1), DB_OK);
    assert_int_equal(insert_err(c, ins, "a", 2), DB_E_UNIQUE);
    assert_int_equal(insert_err(c, ins, "much too long", 3), DB_E_CONSTRAINT);
    assert_int_equal(insert_err(c, ins, NULL, 4), DB_E_CONSTRAINT);
    assert_int_equal(insert_err(c, "INSERT INTO ch (name, p_id) VALUES (?, ?)", "x", 99), DB_E_FOREIGN_KEY);
    assert_int_equal(insert_err(c, "INSERT INTO nowhere (a, b) VALUES (?, ?)", "x", 1), DB_E_OTHER);
    /* a NUL byte cannot be stored: refused before the server */
    db_stmt_t *st = db_prepare(c, ins);
    db_bind_textn(st, 1, "a\0b", 3);
    db_bind_int64(st, 2, 1);
    assert_int_equal(db_step(st), DB_ERROR);
    db_done(st);

    /* statement timeout */
    assert_int_equal(db_statement_timeout(c, 100), 0);
    int64_t t0 = time_mono_ns();
    st = db_prepare(c, "SELECT pg_sleep(3)");
    assert_int_equal(db_step(st), DB_ERROR);
    assert_int_equal(db_errcode(c), DB_E_BUSY);
    db_done(st);
    assert_true(time_mono_ns() - t0 < 2000000000LL);
    assert_int_equal(db_statement_timeout(c, -1), 0);
    assert_int_equal(one_int(c, "SELECT 1"), 1);
    db_release(c);
}

static void a_commit_after_a_failed_statement_fails_with_the_first_error(void **state)
{
    FIXTURE(state);
    db_conn_t *c = db_acquire(f->db);
    exec_ok(c, "CREATE TABLE u (id INTEGER PRIMARY KEY AUTOINCREMENT, k TEXT UNIQUE, n BIGINT)");
    const char *ins = "INSERT INTO u (k, n) VALUES (?, ?)";
    assert_int_equal(insert_err(c, ins, "dup", 1), DB_OK);
    assert_int_equal(db_begin(c), 0);
    assert_int_equal(insert_err(c, ins, "kept?", 2), DB_OK);
    assert_int_equal(insert_err(c, ins, "dup", 3), DB_E_UNIQUE);
    /* the transaction is aborted; the reason stays the first error */
    assert_int_equal(insert_err(c, ins, "later", 4), DB_E_UNIQUE);
    assert_int_equal(db_commit(c), -1);
    assert_int_equal(db_errcode(c), DB_E_UNIQUE);
    assert_false(db_in_tx(c));
    assert_int_equal(one_int(c, "SELECT COUNT(*) FROM u"), 1);
    db_release(c);
}

static void changes_and_last_insert_id(void **state)
{
    FIXTURE(state);
    db_conn_t *c = db_acquire(f->db);
    exec_ok(c, "CREATE TABLE r (id INTEGER PRIMARY KEY AUTOINCREMENT, n BIGINT);"
               "INSERT INTO r (n) VALUES (1), (2), (3)");
    db_stmt_t *st = db_prepare(c, "INSERT INTO r (n) VALUES (?) RETURNING id");
    db_bind_int64(st, 1, 4);
    assert_int_equal(db_step(st), DB_ROW);
    int64_t id = db_col_int64(st, 0);
    db_done(st);
    assert_int_equal(id, 4);
    assert_int_equal(db_last_insert_id(c), id);
    exec_ok(c, "UPDATE r SET n = n + 1 WHERE n > 1");
    assert_int_equal(db_changes(c), 3);
    one_int(c, "SELECT COUNT(*) FROM r"); /* a SELECT leaves it alone */
    assert_int_equal(db_changes(c), 3);
    exec_ok(c, "DELETE FROM r WHERE id = 1");
    assert_int_equal(db_changes(c), 1);
    db_release(c);

    /* a session that used no sequence yet: 0, and the transaction lives on */
    db_options_t o = {.pool_size = 1};
    char err[256];
    db_t *db2 = db_open(f->url, &o, err, sizeof err);
    assert_non_null(db2);
    c = db_acquire(db2);
    assert_int_equal(db_begin(c), 0);
    assert_int_equal(db_last_insert_id(c), 0);
    assert_int_equal(one_int(c, "SELECT COUNT(*) FROM r"), 3);
    assert_int_equal(db_commit(c), 0);
    db_release(c);
    db_close(db2);
}

/* ---- serialisation conflicts and db_tx_run ---- */

typedef struct {
    db_t *db;
    int calls, conflicts; /* conflicts: how many calls meet a rival's write */
} bump_t;

static int bump(db_conn_t *c, void *arg)
{
    bump_t *b = arg;
    b->calls++;
    int64_t v = -1;
    if (db_query_int64(c, "SELECT v FROM counter WHERE id = 1", &v) != 1)
        return -1;
    if (b->calls <= b->conflicts) {
        /* another node changes the row between our read and our write */
        db_conn_t *rival = db_acquire(b->db);
        assert_int_equal(db_exec(rival, "UPDATE counter SET v = v + 100 WHERE id = 1"), 0);
        db_release(rival);
    }
    db_stmt_t *st = db_prepare(c, "UPDATE counter SET v = ? WHERE id = 1");
    if (!st)
        return -1;
    db_bind_int64(st, 1, v + 1);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

static void serialisation_conflicts_are_retried(void **state)
{
    FIXTURE(state);
    db_conn_t *c = db_acquire(f->db);
    exec_ok(c, "CREATE TABLE counter (id INTEGER PRIMARY KEY, v BIGINT NOT NULL);"
               "INSERT INTO counter (id, v) VALUES (1, 0)");
    /* serializable: the lost update is refused, not made */
    bump_t once = {.db = f->db, .conflicts = 1};
    assert_int_equal(db_begin_mode(c, DB_TX_SERIALIZABLE), 0);
    assert_int_equal(bump(c, &once), -1);
    assert_int_equal(db_errcode(c), DB_E_RETRY);
    db_rollback(c);
    assert_int_equal(one_int(c, "SELECT v FROM counter"), 100);

    /* db_tx_run runs it again and it commits */
    bump_t b = {.db = f->db, .conflicts = 2};
    assert_int_equal(db_tx_run(c, DB_TX_SERIALIZABLE, bump, &b), 0);
    assert_int_equal(b.calls, 3);
    assert_int_equal(one_int(c, "SELECT v FROM counter"), 100 + 200 + 1);

    /* and gives up after DB_TX_ATTEMPTS */
    bump_t never = {.db = f->db, .conflicts = 1000};
    assert_int_equal(db_tx_run(c, DB_TX_SERIALIZABLE, bump, &never), -1);
    assert_int_equal(never.calls, DB_TX_ATTEMPTS);
    assert_int_equal(db_errcode(c), DB_E_RETRY);
    assert_false(db_in_tx(c));
    db_release(c);
}

static int refuse(db_conn_t *c, void *arg)
{
    (void)c;
    ++*(int *)arg;
    return 7; /* a business reason: no retry, rolled back */
}

static void a_transaction_function_that_refuses_is_not_retried(void **state)
{
    FIXTURE(state);
    db_conn_t *c = db_acquire(f->db);
    int calls = 0;
    assert_int_equal(db_tx_run(c, DB_TX_DEFAULT, refuse, &calls), 7);
    assert_int_equal(calls, 1);
    assert_false(db_in_tx(c));
    db_release(c);
}

/* ---- writers queue in db_begin ---- */

enum { WRITERS = 6, ROUNDS = 40 };

typedef struct {
    db_t *db;
    int failures;
    pthread_barrier_t *go;
} writer_t;

/* Each round: a transaction that advances the shared head row (as the
 * audit chain does), then one that reads a stock row FOR UPDATE and writes
 * back what it computed from it. */
static bool round_head(db_conn_t *c)
{
    if (db_begin(c) != 0)
        return false;
    db_stmt_t *st = db_prepare(c, "UPDATE head SET seq = seq + 1 WHERE id = 1 RETURNING seq");
    bool ok = st && db_step(st) == DB_ROW;
    db_done(st);
    return ok && db_commit(c) == 0;
}

static bool round_stock(db_conn_t *c)
{
    if (db_begin(c) != 0)
        return false;
    int64_t qty = 0;
    db_stmt_t *st = db_prepare(c, "SELECT qty FROM stock WHERE id = 1" FOR_UPDATE_CLAUSE);
    bool ok = st && db_step(st) == DB_ROW;
    if (ok)
        qty = db_col_int64(st, 0);
    db_done(st);
    usleep(300); /* decide: the window in which another writer would slip in */
    st = ok ? db_prepare(c, "UPDATE stock SET qty = ? WHERE id = 1") : NULL;
    if (st) {
        db_bind_int64(st, 1, qty - 1);
        ok = db_step(st) == DB_DONE;
    }
    db_done(st);
    return ok && db_commit(c) == 0;
}

static void *write_rounds(void *arg)
{
    writer_t *w = arg;
    db_conn_t *c = db_acquire(w->db);
    pthread_barrier_wait(w->go);
    for (int i = 0; i < ROUNDS; i++) {
        if (!round_head(c))
            w->failures++;
        db_rollback(c);
        if (!round_stock(c))
            w->failures++;
        db_rollback(c);
    }
    db_release(c);
    return NULL;
}

static void concurrent_writers_queue_instead_of_failing(void **state)
{
    FIXTURE(state);
    db_conn_t *c = db_acquire(f->db);
    exec_ok(c, "CREATE TABLE head (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL);"
               "INSERT INTO head VALUES (1, 0);"
               "CREATE TABLE stock (id INTEGER PRIMARY KEY, qty BIGINT NOT NULL);"
               "INSERT INTO stock (id, qty) VALUES (1, 1000)");
    db_release(c);
    db_options_t o = {.pool_size = WRITERS};
    char err[256];
    db_t *db = db_open(f->url, &o, err, sizeof err);
    assert_non_null(db);
    writer_t w[WRITERS];
    pthread_t th[WRITERS];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, WRITERS);
    for (int i = 0; i < WRITERS; i++) {
        w[i] = (writer_t){.db = db, .go = &go};
        pthread_create(&th[i], NULL, write_rounds, &w[i]);
    }
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].failures, 0);
    }
    pthread_barrier_destroy(&go);
    c = db_acquire(db);
    assert_int_equal(one_int(c, "SELECT seq FROM head"), WRITERS * ROUNDS);
    assert_int_equal(one_int(c, "SELECT qty FROM stock"), 1000 - WRITERS * ROUNDS); /* no lost update */
    db_release(c);
    db_close(db);
}

/* ---- connections ---- */

static void a_connection_the_server_ended_is_replaced(void **state)
{
    FIXTURE(state);
    db_options_t o = {.pool_size = 1};
    char err[256], sql[80];
    db_t *db = db_open(f->url, &o, err, sizeof err);
    assert_non_null(db);
    db_conn_t *c = db_acquire(db);
    int64_t pid1 = one_int(c, "SELECT pg_backend_pid()");
    db_release(c);

    /* ended while idle in the pool: noticed at acquire, no failed request */
    db_conn_t *admin = db_acquire(f->db);
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)", (long long)pid1);
    assert_int_equal(one_int(admin, sql), 1);
    usleep(200000);
    c = db_acquire(db);
    assert_non_null(c);
    int64_t pid2 = one_int(c, "SELECT pg_backend_pid()");
    assert_true(pid2 != pid1);

    /* ended while in use: the statement fails as a connection error … */
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)", (long long)pid2);
    assert_int_equal(one_int(admin, sql), 1);
    usleep(200000);
    db_stmt_t *st = db_prepare(c, "SELECT 1");
    assert_int_equal(db_step(st), DB_ERROR);
    assert_int_equal(db_errcode(c), DB_E_CONNECTION);
    db_done(st);
    db_release(c);
    /* … and the next acquire gets a working one */
    c = db_acquire(db);
    assert_int_equal(one_int(c, "SELECT 1"), 1);
    db_release(c);
    db_release(admin);
    db_close(db);
}

static void a_wrong_url_fails_at_open_with_a_reason(void **state)
{
    FIXTURE(state);
    char err[512];
    db_t *db = db_open("postgresql://nobody:wrong@127.0.0.1:1/none?connect_timeout=2", NULL, err, sizeof err);
    assert_null(db);
    assert_non_null(strstr(err, "cannot connect"));
    assert_null(strstr(err, "wrong")); /* the password is not shown */
}

static void named_locks_exclude_other_sessions(void **state)
{
    FIXTURE(state);
    db_conn_t *a = db_acquire(f->db), *b = db_acquire(f->db);
    assert_int_equal(db_lock(a, "demo", 1000), 0);
    assert_int_equal(db_lock(b, "demo", 100), -1);
    assert_int_equal(db_errcode(b), DB_E_BUSY);
    assert_int_equal(db_lock(b, "other", 100), 0); /* another name is another lock */
    assert_int_equal(db_unlock(b, "other"), 0);
    assert_int_equal(db_unlock(a, "demo"), 0);
    assert_int_equal(db_lock(b, "demo", 100), 0);
    db_release(b); /* still holding it: the release drops it */
    assert_int_equal(db_lock(a, "demo", 100), 0);
    assert_int_equal(db_unlock(a, "demo"), 0);
    db_release(a);
}

static void finished_statements_are_deallocated_on_the_server(void **state)
{
    FIXTURE(state);
    db_conn_t *c = db_acquire(f->db);
    char sql[64];
    for (int i = 0; i < 3 * DB_STMT_CACHE; i++) {
        snprintf(sql, sizeof sql, "SELECT %d", i);
        assert_int_equal(one_int(c, sql), i);
    }
    assert_true(one_int(c, "SELECT COUNT(*) FROM pg_prepared_statements") <= DB_STMT_CACHE + 2);
    db_release(c);
}

static void integrity_check_and_maintenance_pass(void **state)
{
    FIXTURE(state);
    char err[256] = "";
    if (db_integrity_check(f->db, err, sizeof err) != 0)
        fail_msg("integrity check: %s", err);
    assert_int_equal(db_maintain(f->db), 0);
}

/* ---- migrations from several nodes at once ---- */

typedef struct {
    const char *url;
    int rc, applied;
    char err[512];
    pthread_barrier_t *go;
} node_t;

static void *migrate_node(void *arg)
{
    node_t *n = arg;
    db_options_t o = {.pool_size = 2};
    db_t *db = db_open(n->url, &o, n->err, sizeof n->err);
    pthread_barrier_wait(n->go);
    n->rc = db ? migrate_run(db, zd_migrations, &n->applied, n->err, sizeof n->err) : -1;
    db_close(db);
    return NULL;
}

static void nodes_starting_together_migrate_once(void **state)
{
    FIXTURE(state);
    char *url = tu_pg_create();
    enum { N = 4 };
    node_t nodes[N];
    pthread_t th[N];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, N);
    for (int i = 0; i < N; i++) {
        nodes[i] = (node_t){.url = url, .go = &go};
        pthread_create(&th[i], NULL, migrate_node, &nodes[i]);
    }
    int applied = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        if (nodes[i].rc != 0)
            fail_msg("node %d: %s", i, nodes[i].err);
        applied += nodes[i].applied;
    }
    pthread_barrier_destroy(&go);
    db_t *db = tu_pg_open(url, 1); /* nothing left to apply */
    db_conn_t *c = db_acquire(db);
    assert_int_equal(applied, one_int(c, "SELECT COUNT(*) FROM schema_migrations"));
    assert_true(applied > 0);
    db_release(c);
    db_close(db);
    tu_pg_drop(url);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(values_come_back_with_their_types),
        cmocka_unit_test(epoch_milliseconds_survive_arithmetic_with_parameters),
        cmocka_unit_test(parameters_without_a_context_type_work),
        cmocka_unit_test(a_statement_follows_the_types_bound_to_it),
        cmocka_unit_test(integers_reach_functions_that_take_int4),
        cmocka_unit_test(statements_interleave_on_one_connection),
        cmocka_unit_test(errors_are_classified),
        cmocka_unit_test(a_commit_after_a_failed_statement_fails_with_the_first_error),
        cmocka_unit_test(changes_and_last_insert_id),
        cmocka_unit_test(serialisation_conflicts_are_retried),
        cmocka_unit_test(a_transaction_function_that_refuses_is_not_retried),
        cmocka_unit_test(concurrent_writers_queue_instead_of_failing),
        cmocka_unit_test(a_connection_the_server_ended_is_replaced),
        cmocka_unit_test(a_wrong_url_fails_at_open_with_a_reason),
        cmocka_unit_test(named_locks_exclude_other_sessions),
        cmocka_unit_test(finished_statements_are_deallocated_on_the_server),
        cmocka_unit_test(integrity_check_and_maintenance_pass),
        cmocka_unit_test(nodes_starting_together_migrate_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
