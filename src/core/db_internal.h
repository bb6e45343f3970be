/* db_internal.h — what a backend implements for db.c. Only db.c and the
 * db_<backend>.c files include this. */
#ifndef ZD_DB_INTERNAL_H
#define ZD_DB_INTERNAL_H
#include "core/db.h"
#include <pthread.h>
#include <semaphore.h>

typedef struct db_backend {
    const char *name;
    db_dialect_t dialect;
    /* one writer at a time for the whole database (SQLite): write
     * transactions queue on a mutex of the process, handed over at once,
     * rather than on the backend's busy handler, which sleeps and retries */
    bool one_writer;
    /* connection */
    void *(*connect)(db_t *db, char *err, size_t errlen);
    void (*disconnect)(void *h);
    bool (*alive)(void *h); /* cheap check before handing out a pooled connection */
    int (*exec)(db_conn_t *c, const char *sql);
    /* statements: impl is backend-owned */
    void *(*prepare)(db_conn_t *c, const char *sql);
    void (*finalize)(void *impl);
    void (*reset)(void *impl);
    void (*bind_int64)(db_stmt_t *st, int idx, int64_t v);
    void (*bind_double)(db_stmt_t *st, int idx, double v);
    void (*bind_text)(db_stmt_t *st, int idx, const char *s, size_t n);
    void (*bind_blob)(db_stmt_t *st, int idx, const void *p, size_t n);
    void (*bind_null)(db_stmt_t *st, int idx);
    int (*step)(db_stmt_t *st);
    int (*col_count)(db_stmt_t *st);
    const char *(*col_name)(db_stmt_t *st, int i);
    bool (*col_is_null)(db_stmt_t *st, int i);
    int64_t (*col_int64)(db_stmt_t *st, int i);
    double (*col_double)(db_stmt_t *st, int i);
    const char *(*col_text)(db_stmt_t *st, int i);
    const void *(*col_blob)(db_stmt_t *st, int i, size_t *len);
    int64_t (*changes)(db_conn_t *c);
    int64_t (*last_insert_id)(db_conn_t *c);
    /* cross-node named lock (db_lock); NULL: one process owns the database */
    int (*lock)(db_conn_t *c, const char *name, int timeout_ms);
    int (*unlock)(db_conn_t *c, const char *name); /* NULL name: all this connection holds */
    /* a named lock until the transaction ends; NULL: writers are serialised anyway */
    int (*lock_tx)(db_conn_t *c, const char *name);
    /* this connection's statement timeout, ms; -1 back to the default; NULL: none */
    int (*statement_timeout)(db_conn_t *c, int ms);
    const char *begin_sql;              /* statement that starts a write transaction */
    const char *begin_serializable_sql; /* … a DB_TX_SERIALIZABLE one */
    const char *maintain_sql;           /* refresh planner statistics */
    /* maintenance */
    int (*checkpoint)(db_t *db);
    int (*integrity_check)(db_t *db, char *err, size_t errlen);
} db_backend_t;

#define DB_STMT_CACHE 128

struct db_stmt {
    db_conn_t *conn;
    char *sql;
    uint64_t hash;
    void *impl;
    bool in_use, cached;
    int64_t t0; /* monotonic ns at first step, 0 before */
};

struct db_conn {
    db_t *db;
    void *h; /* backend handle */
    bool in_tx, in_use;
    bool holds_writer;    /* this connection's transaction holds db->writer */
    bool timeout_changed; /* db_statement_timeout since acquire */
    int locks;            /* db_lock held */
    /* db_set_commit_check: asked before every COMMIT; cleared by release */
    int (*commit_check)(void *ud);
    void *commit_ud;
    /* db_after_commit: run after the COMMIT, dropped at rollback and release */
    struct db_hook {
        void (*fn)(void *ud);
        void *ud;
    } * hooks;
    int nhooks, hooks_cap;
    /* db_fault_arm (ZD_FAULTSIM builds): the nth call of kind fails */
    int fault_kind, fault_n;
    db_errcode_t errcode;
    char errmsg[512];
    db_stmt_t *cache[DB_STMT_CACHE];
    unsigned cache_next; /* round-robin eviction */
};

struct db {
    const db_backend_t *be;
    char *url;     /* path or URL as given */
    char *display; /* URL with password masked */
    db_options_t opt;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    sem_t writer;      /* one_writer backends: the write transaction in progress (a semaphore,
                     not a mutex: a connection may be released by another thread) */
    db_conn_t **conns; /* opt.pool_size slots, NULL until first used */
    int in_use, waiting;
    int64_t acquire_timeouts;
};

extern const db_backend_t db_backend_sqlite;
extern const db_backend_t db_backend_pg;

/* Backends report errors through this. */
void db_set_error(db_conn_t *c, db_errcode_t code, const char *msg);

#endif
