/* db_sqlite.c — the SQLite backend of db.h (the embedded default).
 * Each pooled connection is its own sqlite3 handle (NOMUTEX: one thread at a
 * time, guaranteed by the pool). WAL lets readers run beside the one writer;
 * synchronous=FULL makes every acknowledged commit survive power loss;
 * write transactions start with BEGIN IMMEDIATE so that they queue on the
 * busy timeout instead of failing on a lock upgrade. */
#include "core/db_internal.h"
#include "core/sqlite_bm25.h"
#include "core/str.h"
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static db_errcode_t map_error(int rc)
{
    switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_ROWID: return DB_E_UNIQUE;
    case SQLITE_CONSTRAINT_FOREIGNKEY: return DB_E_FOREIGN_KEY;
    default: break;
    }
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT: return DB_E_CONSTRAINT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return DB_E_BUSY;
    default: return DB_E_OTHER;
    }
}

static void set_err(db_conn_t *c, int rc) { db_set_error(c, map_error(rc), sqlite3_errmsg(c->h)); }

static void *sq_connect(db_t *db, char *err, size_t errlen)
{
    sqlite3 *h = NULL;
    int rc =
        sqlite3_open_v2(db->url, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    /* the database holds every record: its owner's alone, whatever the umask
     * (the WAL and shared-memory files take the database file's mode) */
    if (rc == SQLITE_OK && strcmp(db->url, ":memory:") != 0)
        chmod(db->url, 0600);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", db->url, h ? sqlite3_errmsg(h) : "out of memory");
        sqlite3_close(h);
        return NULL;
    }
    sqlite3_extended_result_codes(h, 1);
    sqlite3_busy_timeout(h, db->opt.busy_timeout_ms);
    /* the page cache: a keyword query seeks every match in search_rank
     * (37 MB at 1,000,000 chunks); 16 MB made it 25 % slower there
     * (docs/benchmarks.md). Taken as used, not up front. */
    char pragmas[256];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA journal_mode=WAL;"
             "PRAGMA synchronous=FULL;"
             "PRAGMA foreign_keys=ON;"
             "PRAGMA temp_store=MEMORY;"
             "PRAGMA cache_size=-%d;",
             db->opt.cache_mb * 1024);
    char *msg = NULL;
    if (sqlite3_exec(h, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "cannot configure %s: %s", db->url, msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(h);
        return NULL;
    }
    /* bm25_len(): keyword search's ranking with the length it already read (sqlite_bm25.c) */
    if (sqlite_bm25_register(h) != 0) {
        snprintf(err, errlen, "cannot register bm25_len on %s: FTS5 is missing", db->url);
        sqlite3_close(h);
        return NULL;
    }
    /* a file that is not a database fails here rather than on first use */
    if (sqlite3_exec(h, "SELECT count(*) FROM sqlite_schema", NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s is not a usable database: %s", db->url, msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(h);
        return NULL;
    }
    return h;
}

static void sq_disconnect(void *h) { sqlite3_close_v2(h); }

static int sq_exec(db_conn_t *c, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(c->h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        db_set_error(c, map_error(sqlite3_extended_errcode(c->h)), msg ? msg : sqlite3_errmsg(c->h));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* The portable marker for row claiming means nothing to SQLite. */
static void *sq_prepare(db_conn_t *c, const char *sql)
{
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    int rc = sqlite3_prepare_v3(c->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, &tail);
    if (rc != SQLITE_OK) {
        set_err(c, rc);
        return NULL;
    }
    while (tail && (*tail == ' ' || *tail == '\n' || *tail == '\t' || *tail == ';'))
        tail++;
    if (!st || (tail && *tail)) {
        /* one statement per prepare: stacked statements are refused */
        sqlite3_finalize(st);
        db_set_error(c, DB_E_OTHER, "exactly one SQL statement expected");
        return NULL;
    }
    return st;
}

static void sq_finalize(void *impl) { sqlite3_finalize(impl); }

static void sq_reset(void *impl)
{
    sqlite3_reset(impl);
    sqlite3_clear_bindings(impl);
}

static void bind_check(db_stmt_t *st, int rc)
{
    if (rc != SQLITE_OK)
        set_err(st->conn, rc);
}

static void sq_bind_int64(db_stmt_t *st, int idx, int64_t v)
{
    bind_check(st, sqlite3_bind_int64(st->impl, idx, v));
}

static void sq_bind_double(db_stmt_t *st, int idx, double v)
{
    bind_check(st, sqlite3_bind_double(st->impl, idx, v));
}

static void sq_bind_text(db_stmt_t *st, int idx, const char *s, size_t n)
{
    bind_check(st, sqlite3_bind_text64(st->impl, idx, s, n, SQLITE_TRANSIENT, SQLITE_UTF8));
}

static void sq_bind_blob(db_stmt_t *st, int idx, const void *p, size_t n)
{
    bind_check(st, sqlite3_bind_blob64(st->impl, idx, p ? p : "", n, SQLITE_TRANSIENT));
}

static void sq_bind_null(db_stmt_t *st, int idx) { bind_check(st, sqlite3_bind_null(st->impl, idx)); }

static int sq_step(db_stmt_t *st)
{
    int rc = sqlite3_step(st->impl);
    if (rc == SQLITE_ROW)
        return DB_ROW;
    if (rc == SQLITE_DONE)
        return DB_DONE;
    set_err(st->conn, sqlite3_extended_errcode(st->conn->h));
    return DB_ERROR;
}

static int sq_col_count(db_stmt_t *st) { return sqlite3_column_count(st->impl); }
static const char *sq_col_name(db_stmt_t *st, int i) { return sqlite3_column_name(st->impl, i); }
static bool sq_col_is_null(db_stmt_t *st, int i) { return sqlite3_column_type(st->impl, i) == SQLITE_NULL; }
static int64_t sq_col_int64(db_stmt_t *st, int i) { return sqlite3_column_int64(st->impl, i); }
static double sq_col_double(db_stmt_t *st, int i) { return sqlite3_column_double(st->impl, i); }

static const char *sq_col_text(db_stmt_t *st, int i)
{
    return (const char *)sqlite3_column_text(st->impl, i);
}

static const void *sq_col_blob(db_stmt_t *st, int i, size_t *len)
{
    const void *p = sqlite3_column_blob(st->impl, i);
    *len = (size_t)sqlite3_column_bytes(st->impl, i);
    return p;
}

static int64_t sq_changes(db_conn_t *c) { return sqlite3_changes64(c->h); }
static int64_t sq_last_insert_id(db_conn_t *c) { return sqlite3_last_insert_rowid(c->h); }

static int sq_checkpoint(db_t *db)
{
    db_conn_t *c = db_acquire(db);
    if (!c)
        return -1;
    int rc = sqlite3_wal_checkpoint_v2(c->h, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    db_release(c);
    return rc == SQLITE_OK ? 0 : -1;
}

static int sq_integrity_check(db_t *db, char *err, size_t errlen)
{
    db_conn_t *c = db_acquire(db);
    if (!c) {
        snprintf(err, errlen, "no database connection");
        return -1;
    }
    sqlite3_stmt *st;
    int ret = -1;
    if (sqlite3_prepare_v2(c->h, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(c->h));
        goto out;
    }
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(st, 0);
        if (r && strcmp(r, "ok") == 0)
            ret = 0;
        else
            snprintf(err, errlen, "integrity_check: %s", r ? r : "?");
    } else {
        snprintf(err, errlen, "%s", sqlite3_errmsg(c->h));
    }
    sqlite3_finalize(st);
out:
    db_release(c);
    return ret;
}

const db_backend_t db_backend_sqlite = {
    .name = "sqlite",
    .dialect = DB_SQLITE,
    .connect = sq_connect,
    .disconnect = sq_disconnect,
    .alive = NULL,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .reset = sq_reset,
    .bind_int64 = sq_bind_int64,
    .bind_double = sq_bind_double,
    .bind_text = sq_bind_text,
    .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .col_count = sq_col_count,
    .col_name = sq_col_name,
    .col_is_null = sq_col_is_null,
    .col_int64 = sq_col_int64,
    .col_double = sq_col_double,
    .col_text = sq_col_text,
    .col_blob = sq_col_blob,
    .changes = sq_changes,
    .last_insert_id = sq_last_insert_id,
    .lock = NULL, /* one server per database file (the data directory lock) */
    .unlock = NULL,
    .statement_timeout = NULL,
    .one_writer = true,
    .begin_sql = "BEGIN IMMEDIATE",
    .begin_serializable_sql = "BEGIN IMMEDIATE",
    .maintain_sql = "PRAGMA optimize",
    .checkpoint = sq_checkpoint,
    .integrity_check = sq_integrity_check,
};
