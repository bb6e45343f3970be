/* db.h — the one storage interface every module uses.
 *
 * Backends: SQLite (embedded default, db_sqlite.c) and PostgreSQL (db_pg.c),
 * chosen by the URL given to db_open(). SQL handed to this interface is the
 * portable subset of both, with `?` placeholders; parameters are always
 * bound with the typed db_bind_* functions, never pasted into SQL text.
 * Dialect differences are the backends' business:
 *   - `INTEGER PRIMARY KEY AUTOINCREMENT` in DDL (PostgreSQL: identity column)
 *   - the marker SKIP_LOCKED_CLAUSE below, appended to a SELECT that claims
 *     rows for work (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: nothing,
 *     its write transaction already serialises claimers)
 *   - the marker FOR_UPDATE_CLAUSE, appended to a SELECT whose rows the
 *     transaction will change on the strength of what it read (PostgreSQL:
 *     FOR UPDATE, a row lock; SQLite: nothing, one writer at a time)
 *   - `?` placeholders (PostgreSQL: $1, $2, …; see core/db_pgsql.h)
 * Portable types: INTEGER/BIGINT, DOUBLE PRECISION (not REAL: 4 bytes in
 * PostgreSQL), TEXT, BYTEA for binary (SQLite keeps blobs in it as they
 * are). LIKE is case-sensitive in PostgreSQL: compare lower() of both.
 *
 * Threads: a db_t is shared by all threads; a db_conn_t belongs to the thread
 * that acquired it until db_release(). Statements belong to their connection.
 *
 * Usage:
 *     db_conn_t *c = db_acquire(db);               // NULL: pool exhausted
 *     db_stmt_t *st = db_prepare(c, "SELECT name FROM orgs WHERE id = ?");
 *     db_bind_int64(st, 1, id);
 *     while (db_step(st) == DB_ROW) use(db_col_text(st, 0));
 *     db_done(st);                                 // always, also on error
 *     db_release(c);                               // rolls back an open tx
 */
#ifndef ZD_DB_H
#define ZD_DB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct db db_t;
typedef struct db_conn db_conn_t;
typedef struct db_stmt db_stmt_t;

/* db_step() results */
enum { DB_ERROR = -1, DB_DONE = 0, DB_ROW = 1 };

/* error classes (db_errcode) */
typedef enum {
    DB_OK = 0,
    DB_E_UNIQUE,      /* unique or primary key violated → usually HTTP 409 */
    DB_E_FOREIGN_KEY, /* referenced row missing or still referenced */
    DB_E_CONSTRAINT,  /* other CHECK / NOT NULL */
    DB_E_BUSY,        /* lock or statement timeout */
    DB_E_RETRY,       /* serialisation failure or deadlock: retry the transaction */
    DB_E_CONNECTION,  /* the server went away */
    DB_E_OTHER,
} db_errcode_t;

typedef enum { DB_SQLITE, DB_POSTGRES } db_dialect_t;

#define SKIP_LOCKED_CLAUSE " /*SKIP_LOCKED*/"
#define FOR_UPDATE_CLAUSE  " /*FOR_UPDATE*/"

typedef struct {
    int pool_size;            /* connections at most (default 8) */
    int busy_timeout_ms;      /* wait for locks (default 5000) */
    int acquire_timeout_ms;   /* wait for a free connection (default 5000) */
    int slow_query_ms;        /* log statements slower than this (default 200) */
    int statement_timeout_ms; /* cancel statements running longer (PostgreSQL; default 30000) */
    int cache_mb;             /* SQLite: page cache per connection, MB (default 64) */
} db_options_t;

/* Opens a database: a file path (SQLite, created if missing) or a
 * postgresql:// URL. Connects once to check; NULL with err filled on failure. */
db_t *db_open(const char *url, const db_options_t *opt, char *err, size_t errlen);
void db_close(db_t *db); /* NULL is fine; all connections must be released */
db_dialect_t db_dialect(const db_t *db);
const char *db_backend_name(const db_t *db);
/* File path (SQLite) or URL with the password masked (PostgreSQL). */
const char *db_display_name(const db_t *db);

/* Pool. db_acquire blocks up to acquire_timeout_ms; NULL when none is free
 * or the server is unreachable. */
db_conn_t *db_acquire(db_t *db);
void db_release(db_conn_t *c); /* NULL is fine; rolls back an open transaction */
db_t *db_of(db_conn_t *c);
/* pool figures for /metrics */
void db_pool_stats(db_t *db, int *size, int *in_use, int *waiting, int64_t *acquire_timeouts);

/* Runs one or more statements without parameters (migrations, DDL). */
int db_exec(db_conn_t *c, const char *sql);
/* Runs one statement that returns no rows with the integer parameters
 * args[0..n): 0 when it ran to its end, -1 on an error (the connection's
 * error says which). DB_EXEC_I64(c, sql, a, b, …) counts them. */
int db_exec_i64(db_conn_t *c, const char *sql, const int64_t *args, size_t n);
#define DB_EXEC_I64(c, sql, ...)                                                                             \
    db_exec_i64((c), (sql), (const int64_t[]){__VA_ARGS__},                                                  \
                sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t))

/* Transactions. db_begin starts a write transaction in which writers queue
 * for the rows they change: SQLite BEGIN IMMEDIATE (one writer at a time;
 * within this process writers wait in a queue that hands over at once
 * rather than polling the file lock), PostgreSQL READ COMMITTED — each
 * statement sees the newest committed rows,
 * an UPDATE waits for a row another transaction holds and then re-checks
 * its WHERE on the newest version. So atomic updates (`SET n = n + 1`,
 * `… WHERE status = 'queued'` then db_changes) and SKIP_LOCKED_CLAUSE
 * claims are safe on both. A value read with a plain SELECT may be stale by
 * the time you write what you decided from it: read such rows with
 * FOR_UPDATE_CLAUSE, or use DB_TX_SERIALIZABLE with db_tx_run. */
typedef enum {
    DB_TX_DEFAULT,      /* as db_begin */
    DB_TX_SERIALIZABLE, /* as if alone, also for rows you only read (PostgreSQL SERIALIZABLE;
                           a conflict fails a statement or the commit with DB_E_RETRY) */
} db_tx_mode_t;
int db_begin(db_conn_t *c);
int db_begin_mode(db_conn_t *c, db_tx_mode_t mode);
int db_commit(db_conn_t *c);
int db_rollback(db_conn_t *c);
bool db_in_tx(const db_conn_t *c);

/* Runs fn(c, arg) in a transaction of that mode; commits when fn returns 0,
 * rolls back otherwise. When fn's statements or the commit fail with
 * DB_E_RETRY (serialisation failure, deadlock), the whole transaction runs
 * again — at most DB_TX_ATTEMPTS times, after a growing, jittered pause
 * (about 5, 10, 20, 40, 80 ms). fn may therefore run more than once: it must
 * not act outside the database (answer the HTTP request after db_tx_run
 * returns). Returns 0 when committed; fn's non-zero result when it asked
 * for a rollback; -1 when begin or commit failed or the attempts ran out
 * (db_errcode(c) says why). Thread-safe as far as c is (one thread). */
#define DB_TX_ATTEMPTS 6
typedef int (*db_tx_fn)(db_conn_t *c, void *arg);
int db_tx_run(db_conn_t *c, db_tx_mode_t mode, db_tx_fn fn, void *arg);

/* A named lock across every node sharing the database, held by this
 * connection until db_unlock (db_release drops any still held): PostgreSQL
 * session advisory lock on a 64-bit hash of name; SQLite: nothing to do
 * (one server per database file), always 0. Waits up to timeout_ms.
 * 0 when locked; -1 on timeout (DB_E_BUSY) or error. */
int db_lock(db_conn_t *c, const char *name, int timeout_ms);
int db_unlock(db_conn_t *c, const char *name);
/* A named lock across every node, held until the open transaction ends:
 * for changes whose checks read rows that other transactions may be
 * changing (moving a branch of the organisation tree while another move
 * reads its paths). PostgreSQL: pg_advisory_xact_lock, waiting up to the
 * lock timeout; SQLite: nothing to do, its write transaction already
 * serialises writers. 0, or -1 (DB_E_BUSY on timeout). */
int db_lock_tx(db_conn_t *c, const char *name);
/* This connection's statement timeout in ms (0: none), -1 back to
 * db_options; db_release restores it. SQLite has none: always 0. */
int db_statement_timeout(db_conn_t *c, int ms);

/* Statements are cached per connection; db_done() returns them. Binding
 * indexes start at 1. Text and blob arguments are copied. */
db_stmt_t *db_prepare(db_conn_t *c, const char *sql);
void db_bind_int64(db_stmt_t *st, int idx, int64_t v);
void db_bind_double(db_stmt_t *st, int idx, double v);
void db_bind_text(db_stmt_t *st, int idx, const char *s); /* NULL binds NULL */
void db_bind_textn(db_stmt_t *st, int idx, const char *s, size_t n);
void db_bind_blob(db_stmt_t *st, int idx, const void *p, size_t n);
void db_bind_null(db_stmt_t *st, int idx);
void db_bind_bool(db_stmt_t *st, int idx, bool v);
/* An optional reference: the id, or NULL when id <= 0 (no user, no parent). */
void db_bind_id(db_stmt_t *st, int idx, int64_t id);
int db_step(db_stmt_t *st);
void db_done(db_stmt_t *st); /* NULL is fine */

/* Columns of the current row, index from 0. Text and blob pointers are valid
 * until the next db_step() or db_done(). NULL text reads as NULL. */
int db_col_count(db_stmt_t *st);
const char *db_col_name(db_stmt_t *st, int i);
bool db_col_is_null(db_stmt_t *st, int i);
int64_t db_col_int64(db_stmt_t *st, int i);
double db_col_double(db_stmt_t *st, int i);
const char *db_col_text(db_stmt_t *st, int i);
const void *db_col_blob(db_stmt_t *st, int i, size_t *len);
bool db_col_bool(db_stmt_t *st, int i);

/* Rows changed by the last INSERT/UPDATE/DELETE on this connection. */
int64_t db_changes(db_conn_t *c);
/* Id of the last inserted row (identity column) on this connection. */
int64_t db_last_insert_id(db_conn_t *c);

/* The last error on this connection. */
db_errcode_t db_errcode(const db_conn_t *c);
const char *db_errmsg(const db_conn_t *c);

/* Convenience: runs a statement expected to yield one integer (or none).
 * Returns 1 with *out set, 0 when no row, -1 on error. Parameters: none. */
int db_query_int64(db_conn_t *c, const char *sql, int64_t *out);
/* Convenience: the integer a statement with one text parameter yields (an
 * id looked up by its code or name); 0 when there is no row or on error. */
int64_t db_query_id_by_text(db_conn_t *c, const char *sql, const char *text);

/* Maintenance (backend specific). */
int db_checkpoint(db_t *db); /* flush WAL (SQLite); no-op elsewhere */
int db_maintain(db_t *db);   /* planner statistics, then checkpoint */
int db_integrity_check(db_t *db, char *err, size_t errlen);
/* Asks fn(ud) before every COMMIT on c; when it answers non-zero the
 * transaction is rolled back instead and db_commit fails with DB_E_OTHER.
 * Cleared by db_release. (The HTTP layer refuses to commit a change of a
 * mutating request that brought no audit record.) */
void db_set_commit_check(db_conn_t *c, int (*fn)(void *ud), void *ud);
/* Runs fn(ud) once the open transaction on c has committed — on the thread
 * that committed, after COMMIT succeeded — and never when it rolls back
 * (the hooks are dropped then, and by db_release). For telling the rest of
 * the process about a change only when it is real (waking the consoles a
 * new message is for). Outside a transaction fn runs at once. The same
 * (fn, ud) is kept once per transaction. 0, or -1 when out of memory (fn
 * will not run). fn must not use c. */
int db_after_commit(db_conn_t *c, void (*fn)(void *ud), void *ud);

/* Fault injection for the tests (builds with ZD_FAULTSIM, i.e. the ASan
 * build; elsewhere db_fault_arm does nothing and db_faultsim() is false):
 * the nth prepare, step or commit on c from now fails as a database error
 * would (DB_E_OTHER, "injected fault"). Cleared by db_release. */
typedef enum { DB_FAULT_NONE, DB_FAULT_PREPARE, DB_FAULT_STEP, DB_FAULT_COMMIT } db_fault_t;
void db_fault_arm(db_conn_t *c, db_fault_t kind, int nth);
bool db_faultsim(void);

/* Escapes %, _ and \ for use in LIKE ... ESCAPE '\'. Caller frees. */
char *db_like_escape(const char *s);

#endif
