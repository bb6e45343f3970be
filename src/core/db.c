/* db.c — the backend-independent half of db.h: the connection pool, the
 * per-connection statement cache, transactions, slow-query logging and the
 * dispatch to the backend chosen by the URL. */
#include "core/db_internal.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void db_set_error(db_conn_t *c, db_errcode_t code, const char *msg)
{
    c->errcode = code;
    str_lcpy(c->errmsg, msg ? msg : "", sizeof c->errmsg);
}

db_errcode_t db_errcode(const db_conn_t *c) { return c->errcode; }
const char *db_errmsg(const db_conn_t *c) { return c->errmsg; }
db_dialect_t db_dialect(const db_t *db) { return db->be->dialect; }
const char *db_backend_name(const db_t *db) { return db->be->name; }
const char *db_display_name(const db_t *db) { return db->display; }
db_t *db_of(db_conn_t *c) { return c->db; }
bool db_in_tx(const db_conn_t *c) { return c->in_tx; }

/* a pool slot whose connection is being opened by some thread */
static db_conn_t conn_reserved;
#define CONN_RESERVED (&conn_reserved)

static bool is_pg_url(const char *url)
{
    return str_starts_with(url, "postgresql://") || str_starts_with(url, "postgres://");
}

static char *mask_password(const char *url)
{
    const char *scheme = strstr(url, "://");
    const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *colon = at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
    if (!colon)
        return strdup(url);
    char *out = NULL;
    if (asprintf(&out, "%.*s***%s", (int)(colon + 1 - url), url, at) < 0)
        return NULL;
    return out;
}

static db_conn_t *conn_new(db_t *db, char *err, size_t errlen)
{
    void *h = db->be->connect(db, err, errlen);
    if (!h)
        return NULL;
    db_conn_t *c = calloc(1, sizeof *c);
    if (!c) {
        db->be->disconnect(h);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->db = db;
    c->h = h;
    return c;
}

static void conn_free(db_conn_t *c)
{
    if (!c)
        return;
    for (int i = 0; i < DB_STMT_CACHE; i++) {
        db_stmt_t *st = c->cache[i];
        if (st) {
            c->db->be->finalize(st->impl);
            free(st->sql);
            free(st);
        }
    }
    c->db->be->disconnect(c->h);
    free(c->hooks);
    free(c);
}

db_t *db_open(const char *url, const db_options_t *opt, char *err, size_t errlen)
{
    db_t *db = calloc(1, sizeof *db);
    if (!db) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (is_pg_url(url)) {
#ifdef ZD_HAVE_PG
        db->be = &db_backend_pg;
#else
        snprintf(err, errlen, "this build has no PostgreSQL backend");
        free(db);
        return NULL;
#endif
    } else {
        db->be = &db_backend_sqlite;
    }
    db->opt = opt ? *opt : (db_options_t){0};
    if (db->opt.pool_size <= 0)
        db->opt.pool_size = 8;
    if (db->opt.busy_timeout_ms <= 0)
        db->opt.busy_timeout_ms = 5000;
    if (db->opt.acquire_timeout_ms <= 0)
        db->opt.acquire_timeout_ms = 5000;
    if (db->opt.slow_query_ms <= 0)
        db->opt.slow_query_ms = 200;
    if (db->opt.statement_timeout_ms <= 0)
        db->opt.statement_timeout_ms = 30000;
    if (db->opt.cache_mb <= 0)
        db->opt.cache_mb = 64;
    db->url = strdup(url);
    db->display = mask_password(url);
    db->conns = calloc((size_t)db->opt.pool_size, sizeof *db->conns);
    pthread_mutex_init(&db->mu, NULL);
    sem_init(&db->writer, 0, 1);
    pthread_cond_init(&db->cv, NULL);
    if (!db->url || !db->display || !db->conns) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    /* connect once now so that a wrong URL fails at start-up */
    db->conns[0] = conn_new(db, err, errlen);
    if (!db->conns[0])
        goto fail;
    return db;
fail:
    db_close(db);
    return NULL;
}

void db_close(db_t *db)
{
    if (!db)
        return;
    if (db->conns)
        for (int i = 0; i < db->opt.pool_size; i++)
            conn_free(db->conns[i]);
    pthread_mutex_destroy(&db->mu);
    sem_destroy(&db->writer);
    pthread_cond_destroy(&db->cv);
    free(db->conns);
    free(db->url);
    free(db->display);
    free(db);
}

db_conn_t *db_acquire(db_t *db)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += db->opt.acquire_timeout_ms / 1000;
    deadline.tv_nsec += (long)(db->opt.acquire_timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&db->mu);
    for (;;) {
        int empty = -1;
        for (int i = 0; i < db->opt.pool_size; i++) {
            db_conn_t *c = db->conns[i];
            if (c && c != CONN_RESERVED && !c->in_use) {
                c->in_use = true;
                db->in_use++;
                pthread_mutex_unlock(&db->mu);
                if (db->be->alive && !db->be->alive(c->h)) {
                    /* the server restarted: replace the connection */
                    char err[256];
                    db_conn_t *fresh = conn_new(db, err, sizeof err);
                    pthread_mutex_lock(&db->mu);
                    if (!fresh) {
                        c->in_use = false;
                        db->in_use--;
                        pthread_cond_signal(&db->cv);
                        pthread_mutex_unlock(&db->mu);
                        log_msg(LOG_DB, LOG_ERROR, "db.reconnect_failed", "%s", err);
                        return NULL;
                    }
                    fresh->in_use = true;
                    db->conns[i] = fresh;
                    pthread_mutex_unlock(&db->mu);
                    conn_free(c);
                    log_msg(LOG_DB, LOG_WARN, "db.reconnected", "已替换连接 %d", i);
                    return fresh;
                }
                c->errcode = DB_OK;
                c->errmsg[0] = 0;
                return c;
            }
            if (!c && empty < 0)
                empty = i;
        }
        if (empty >= 0) {
            /* open a new connection outside the lock; reserve the slot */
            db->in_use++;
            db->conns[empty] = CONN_RESERVED;
            pthread_mutex_unlock(&db->mu);
            char err[256];
            db_conn_t *c = conn_new(db, err, sizeof err);
            pthread_mutex_lock(&db->mu);
            db->conns[empty] = c;
            if (c) {
                c->in_use = true;
                pthread_mutex_unlock(&db->mu);
                return c;
            }
            db->in_use--;
            pthread_cond_signal(&db->cv);
            pthread_mutex_unlock(&db->mu);
            log_msg(LOG_DB, LOG_ERROR, "db.connect_failed", "%s", err);
            return NULL;
        }
        db->waiting++;
        int rc = pthread_cond_timedwait(&db->cv, &db->mu, &deadline);
        db->waiting--;
        if (rc == ETIMEDOUT) {
            db->acquire_timeouts++;
            pthread_mutex_unlock(&db->mu);
            log_msg(LOG_DB, LOG_WARN, "db.pool_exhausted", "等待 %d 毫秒后仍无空闲连接",
                    db->opt.acquire_timeout_ms);
            return NULL;
        }
    }
}

void db_set_commit_check(db_conn_t *c, int (*fn)(void *ud), void *ud)
{
    c->commit_check = fn;
    c->commit_ud = ud;
}

int db_after_commit(db_conn_t *c, void (*fn)(void *ud), void *ud)
{
    if (!c->in_tx) {
        fn(ud);
        return 0;
    }
    for (int i = 0; i < c->nhooks; i++)
        if (c->hooks[i].fn == fn && c->hooks[i].ud == ud)
            return 0;
    if (c->nhooks == c->hooks_cap) {
        int cap = c->hooks_cap ? c->hooks_cap * 2 : 8;
        struct db_hook *h = realloc(c->hooks, (size_t)cap * sizeof *h);
        if (!h)
            return -1;
        c->hooks = h;
        c->hooks_cap = cap;
    }
    c->hooks[c->nhooks++] = (struct db_hook){fn, ud};
    return 0;
}

/* After a COMMIT: the hooks, each once, in the order they were added. A
 * hook that commits on another connection is its own business. */
static void run_hooks(db_conn_t *c)
{
    int n = c->nhooks;
    c->nhooks = 0;
    for (int i = 0; i < n; i++)
        c->hooks[i].fn(c->hooks[i].ud);
}

#ifdef ZD_FAULTSIM
bool db_faultsim(void) { return true; }
void db_fault_arm(db_conn_t *c, db_fault_t kind, int nth)
{
    c->fault_kind = (int)kind;
    c->fault_n = nth;
}
/* true when this call of kind is the one to fail (and records the error) */
static bool fault(db_conn_t *c, db_fault_t kind)
{
    if (c->fault_kind != (int)kind || c->fault_n <= 0 || --c->fault_n > 0)
        return false;
    c->fault_kind = DB_FAULT_NONE;
    db_set_error(c, DB_E_OTHER, "injected fault");
    return true;
}
#else
bool db_faultsim(void) { return false; }
void db_fault_arm(db_conn_t *c, db_fault_t kind, int nth)
{
    (void)c;
    (void)kind;
    (void)nth;
}
#define fault(c, kind) false
#endif

void db_release(db_conn_t *c)
{
    if (!c)
        return;
    if (c->in_tx)
        db_rollback(c);
    c->commit_check = NULL;
    c->commit_ud = NULL;
    c->nhooks = 0;
    c->fault_kind = DB_FAULT_NONE;
    db_t *db = c->db;
    /* what a caller set on this connection must not reach the next one */
    if (c->locks) {
        log_msg(LOG_DB, LOG_WARN, "db.lock_leaked", "连接归还时仍持有 %d 个命名锁", c->locks);
        db->be->unlock(c, NULL);
        c->locks = 0;
    }
    if (c->timeout_changed) {
        db->be->statement_timeout(c, -1);
        c->timeout_changed = false;
    }
    pthread_mutex_lock(&db->mu);
    c->in_use = false;
    db->in_use--;
    pthread_cond_signal(&db->cv);
    pthread_mutex_unlock(&db->mu);
}

void db_pool_stats(db_t *db, int *size, int *in_use, int *waiting, int64_t *timeouts)
{
    pthread_mutex_lock(&db->mu);
    *size = db->opt.pool_size;
    *in_use = db->in_use;
    *waiting = db->waiting;
    *timeouts = db->acquire_timeouts;
    pthread_mutex_unlock(&db->mu);
}

int db_exec(db_conn_t *c, const char *sql) { return c->db->be->exec(c, sql); }

int db_exec_i64(db_conn_t *c, const char *sql, const int64_t *args, size_t n)
{
    db_stmt_t *st = db_prepare(c, sql);
    if (!st)
        return -1;
    for (size_t i = 0; i < n; i++)
        db_bind_int64(st, (int)i + 1, args[i]);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

/* Waits for the database's writer slot (one_writer backends) up to the
 * busy timeout: writers of this process queue here and are handed the slot
 * at once, instead of polling the file lock with growing sleeps. Another
 * process (a CLI command) still meets the file lock and its busy handler. */
static int writer_enter(db_conn_t *c)
{
    if (!c->db->be->one_writer)
        return 0;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    int64_t ns = until.tv_nsec + (int64_t)c->db->opt.busy_timeout_ms * 1000000;
    until.tv_sec += (time_t)(ns / 1000000000);
    until.tv_nsec = (long)(ns % 1000000000);
    int rc;
    while ((rc = sem_timedwait(&c->db->writer, &until)) != 0 && errno == EINTR)
        ;
    if (rc != 0) {
        db_set_error(c, DB_E_BUSY, "database is busy (another write transaction)");
        return -1;
    }
    c->holds_writer = true;
    return 0;
}

static void writer_leave(db_conn_t *c)
{
    if (c->holds_writer) {
        c->holds_writer = false;
        sem_post(&c->db->writer);
    }
}

static int begin(db_conn_t *c, const char *sql)
{
    if (c->in_tx) {
        db_set_error(c, DB_E_OTHER, "transaction already open");
        return -1;
    }
    if (writer_enter(c) != 0)
        return -1;
    if (db_exec(c, sql) != 0) {
        writer_leave(c);
        return -1;
    }
    c->in_tx = true;
    return 0;
}

int db_begin(db_conn_t *c) { return begin(c, c->db->be->begin_sql); }

int db_begin_mode(db_conn_t *c, db_tx_mode_t mode)
{
    return begin(c, mode == DB_TX_SERIALIZABLE ? c->db->be->begin_serializable_sql : c->db->be->begin_sql);
}

/* A small per-thread generator for the retry jitter (not for secrets). */
static uint64_t jitter_next(void)
{
    static _Thread_local uint64_t x;
    if (!x)
        x = (uint64_t)time_mono_ns() ^ ((uint64_t)(uintptr_t)&x << 16) ^ 0x9e3779b97f4a7c15ULL;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
}

int db_tx_run(db_conn_t *c, db_tx_mode_t mode, db_tx_fn fn, void *arg)
{
    for (int attempt = 1;; attempt++) {
        db_set_error(c, DB_OK, "");
        if (db_begin_mode(c, mode) != 0)
            return -1;
        int rc = fn(c, arg);
        if (rc == 0 && db_commit(c) == 0)
            return 0;
        db_errcode_t code = db_errcode(c);
        db_rollback(c); /* after a failed commit a no-op */
        if (code != DB_E_RETRY)
            return rc != 0 ? rc : -1;
        if (attempt >= DB_TX_ATTEMPTS) {
            log_msg(LOG_DB, LOG_WARN, "db.tx_gave_up", "重试 %d 次后仍有冲突：%s", attempt, db_errmsg(c));
            db_set_error(c, DB_E_RETRY, db_errmsg(c));
            return -1;
        }
        /* 5 ms, 10 ms, 20 ms, … each ±50 %, so that the rivals part ways */
        int64_t us = 5000LL << (attempt - 1);
        us = us / 2 + (int64_t)(jitter_next() % (uint64_t)us);
        struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000};
        nanosleep(&ts, NULL);
    }
}

int db_lock(db_conn_t *c, const char *name, int timeout_ms)
{
    if (!c->db->be->lock)
        return 0;
    if (c->db->be->lock(c, name, timeout_ms) != 0)
        return -1;
    c->locks++;
    return 0;
}

int db_unlock(db_conn_t *c, const char *name)
{
    if (!c->db->be->unlock)
        return 0;
    if (c->locks > 0)
        c->locks--;
    return c->db->be->unlock(c, name);
}

int db_lock_tx(db_conn_t *c, const char *name)
{
    if (!c->in_tx) {
        db_set_error(c, DB_E_OTHER, "db_lock_tx outside a transaction");
        return -1;
    }
    return c->db->be->lock_tx ? c->db->be->lock_tx(c, name) : 0;
}

int db_statement_timeout(db_conn_t *c, int ms)
{
    if (!c->db->be->statement_timeout)
        return 0;
    c->timeout_changed = ms >= 0;
    return c->db->be->statement_timeout(c, ms);
}

int db_commit(db_conn_t *c)
{
    if (!c->in_tx) {
        db_set_error(c, DB_E_OTHER, "no transaction open");
        return -1;
    }
    bool refused = c->commit_check && c->commit_check(c->commit_ud) != 0;
    if (refused || fault(c, DB_FAULT_COMMIT)) {
        db_exec(c, "ROLLBACK");
        c->in_tx = false;
        writer_leave(c);
        c->nhooks = 0;
        db_set_error(c, DB_E_OTHER,
                     refused ? "commit refused: no audit record in this transaction" : "injected fault");
        return -1;
    }
    int rc = db_exec(c, "COMMIT");
    if (rc != 0) {
        db_errcode_t code = c->errcode;
        char msg[512];
        str_lcpy(msg, c->errmsg, sizeof msg);
        db_exec(c, "ROLLBACK");
        db_set_error(c, code, msg);
    }
    c->in_tx = false;
    writer_leave(c);
    if (rc == 0)
        run_hooks(c);
    else
        c->nhooks = 0;
    return rc;
}

int db_rollback(db_conn_t *c)
{
    if (!c->in_tx)
        return 0;
    c->in_tx = false;
    c->nhooks = 0;
    /* the statements of the failed transaction must not hold locks */
    for (int i = 0; i < DB_STMT_CACHE; i++)
        if (c->cache[i] && !c->cache[i]->in_use)
            c->db->be->reset(c->cache[i]->impl);
    int rc = db_exec(c, "ROLLBACK");
    writer_leave(c);
    return rc;
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

db_stmt_t *db_prepare(db_conn_t *c, const char *sql)
{
    if (fault(c, DB_FAULT_PREPARE))
        return NULL;
    uint64_t h = fnv1a(sql);
    for (int i = 0; i < DB_STMT_CACHE; i++) {
        db_stmt_t *st = c->cache[i];
        if (st && !st->in_use && st->hash == h && strcmp(st->sql, sql) == 0) {
            st->in_use = true;
            st->t0 = 0;
            return st;
        }
    }
    void *impl = c->db->be->prepare(c, sql);
    if (!impl) {
        log_rec_t r;
        log_begin(&r, LOG_DB, LOG_ERROR, "db.prepare_failed");
        log_str(&r, "error", c->errmsg);
        log_str(&r, "sql", sql);
        log_end(&r);
        return NULL;
    }
    db_stmt_t *st = calloc(1, sizeof *st);
    char *copy = strdup(sql);
    if (!st || !copy) {
        c->db->be->finalize(impl);
        free(st);
        free(copy);
        db_set_error(c, DB_E_OTHER, "out of memory");
        return NULL;
    }
    st->conn = c;
    st->sql = copy;
    st->hash = h;
    st->impl = impl;
    st->in_use = true;
    /* cache it, evicting round-robin a statement not in use */
    for (int tries = 0; tries < DB_STMT_CACHE; tries++) {
        unsigned slot = c->cache_next++ % DB_STMT_CACHE;
        db_stmt_t *old = c->cache[slot];
        if (old && old->in_use)
            continue;
        if (old) {
            c->db->be->finalize(old->impl);
            free(old->sql);
            free(old);
        }
        c->cache[slot] = st;
        st->cached = true;
        break;
    }
    return st;
}

void db_bind_int64(db_stmt_t *st, int idx, int64_t v) { st->conn->db->be->bind_int64(st, idx, v); }
void db_bind_double(db_stmt_t *st, int idx, double v) { st->conn->db->be->bind_double(st, idx, v); }
void db_bind_bool(db_stmt_t *st, int idx, bool v) { db_bind_int64(st, idx, v ? 1 : 0); }
void db_bind_null(db_stmt_t *st, int idx) { st->conn->db->be->bind_null(st, idx); }

void db_bind_id(db_stmt_t *st, int idx, int64_t id)
{
    if (id > 0)
        db_bind_int64(st, idx, id);
    else
        db_bind_null(st, idx);
}

void db_bind_text(db_stmt_t *st, int idx, const char *s)
{
    if (!s)
        db_bind_null(st, idx);
    else
        st->conn->db->be->bind_text(st, idx, s, strlen(s));
}

void db_bind_textn(db_stmt_t *st, int idx, const char *s, size_t n)
{
    if (!s)
        db_bind_null(st, idx);
    else
        st->conn->db->be->bind_text(st, idx, s, n);
}

void db_bind_blob(db_stmt_t *st, int idx, const void *p, size_t n)
{
    st->conn->db->be->bind_blob(st, idx, p, n);
}

static void log_slow(db_stmt_t *st, int64_t ns)
{
    log_rec_t r;
    log_begin(&r, LOG_DB, LOG_WARN, "db.slow_query");
    log_double(&r, "ms", (double)ns / 1e6);
    log_str(&r, "sql", st->sql);
    log_end(&r);
}

int db_step(db_stmt_t *st)
{
    if (!st->t0)
        st->t0 = time_mono_ns();
    int rc = fault(st->conn, DB_FAULT_STEP) ? DB_ERROR : st->conn->db->be->step(st);
    if (rc != DB_ROW) {
        int64_t ns = time_mono_ns() - st->t0;
        if (ns > (int64_t)st->conn->db->opt.slow_query_ms * 1000000)
            log_slow(st, ns);
        db_errcode_t code = st->conn->errcode;
        if (rc == DB_ERROR && code != DB_E_UNIQUE && code != DB_E_FOREIGN_KEY) {
            /* a serialisation conflict is expected under load: the caller retries */
            log_rec_t r;
            log_begin(&r, LOG_DB, code == DB_E_RETRY ? LOG_WARN : LOG_ERROR, "db.error");
            log_str(&r, "error", st->conn->errmsg);
            log_str(&r, "sql", st->sql);
            log_end(&r);
        }
    }
    return rc;
}

void db_done(db_stmt_t *st)
{
    if (!st)
        return;
    st->conn->db->be->reset(st->impl);
    st->in_use = false;
    st->t0 = 0;
    if (!st->cached) {
        st->conn->db->be->finalize(st->impl);
        free(st->sql);
        free(st);
    }
}

int db_col_count(db_stmt_t *st) { return st->conn->db->be->col_count(st); }
const char *db_col_name(db_stmt_t *st, int i) { return st->conn->db->be->col_name(st, i); }
bool db_col_is_null(db_stmt_t *st, int i) { return st->conn->db->be->col_is_null(st, i); }
int64_t db_col_int64(db_stmt_t *st, int i) { return st->conn->db->be->col_int64(st, i); }
double db_col_double(db_stmt_t *st, int i) { return st->conn->db->be->col_double(st, i); }
const char *db_col_text(db_stmt_t *st, int i) { return st->conn->db->be->col_text(st, i); }
bool db_col_bool(db_stmt_t *st, int i) { return db_col_int64(st, i) != 0; }

const void *db_col_blob(db_stmt_t *st, int i, size_t *len) { return st->conn->db->be->col_blob(st, i, len); }

int64_t db_changes(db_conn_t *c) { return c->db->be->changes(c); }
int64_t db_last_insert_id(db_conn_t *c) { return c->db->be->last_insert_id(c); }

int db_query_int64(db_conn_t *c, const char *sql, int64_t *out)
{
    db_stmt_t *st = db_prepare(c, sql);
    if (!st)
        return -1;
    int rc = db_step(st);
    int ret = rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
    if (rc == DB_ROW)
        *out = db_col_int64(st, 0);
    db_done(st);
    return ret;
}

int db_checkpoint(db_t *db) { return db->be->checkpoint ? db->be->checkpoint(db) : 0; }

int db_maintain(db_t *db)
{
    db_conn_t *c = db_acquire(db);
    if (!c)
        return -1;
    int rc = db_exec(c, db->be->maintain_sql);
    db_release(c);
    return rc == 0 ? db_checkpoint(db) : -1;
}

int db_integrity_check(db_t *db, char *err, size_t errlen)
{
    return db->be->integrity_check ? db->be->integrity_check(db, err, errlen) : 0;
}

char *db_like_escape(const char *s)
{
    sbuf_t b;
    sbuf_init(&b);
    for (; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            sbuf_putc(&b, '\\');
        sbuf_putc(&b, *s);
    }
    return sbuf_detach(&b);
}

int64_t db_query_id_by_text(db_conn_t *c, const char *sql, const char *text)
{
    db_stmt_t *st = db_prepare(c, sql);
    int64_t id = 0;
    if (st) {
        db_bind_text(st, 1, text);
        if (db_step(st) == DB_ROW)
            id = db_col_int64(st, 0);
    }
    db_done(st);
    return id;
}
