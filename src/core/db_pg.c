/* db_pg.c — the PostgreSQL backend of db.h (libpq), for several nodes on
 * one database, streaming standbys and failover.
 *
 * Connections: one PGconn per pooled connection (the pool guarantees one
 * thread at a time). The URL may list several hosts; target_session_attrs
 * defaults to read-write, so after a failover a new connection finds the
 * promoted standby. Session settings (statement and lock timeouts, UTC,
 * standard strings) are defaults the URL's own `options` may override.
 * alive() notices a server that went away (restart, failover) without a
 * round trip: an idle connection with something to read has been told
 * goodbye. A statement that fails for connection reasons marks the
 * connection broken; the pool replaces it on the next acquire.
 *
 * Statements: SQL is translated (db_pgsql.h), then prepared on the server
 * as a named statement at first execution, with the parameter types of the
 * values bound then (int64 → int8, double → float8, blob → bytea, text →
 * inferred by the server), so `created_at > ? - 86400000` works with epoch
 * milliseconds. Where the server has no function or operator for int8 or
 * float8 (substr, round), the numbers are left for it to type from their
 * context instead (see want_of). Preparing happens under a savepoint inside
 * a transaction: a refused statement must not abort it. A later execution
 * with values that do not fit the prepared types prepares it again.
 * Results are read whole (text format; bytea decoded on demand), so
 * statements on one connection can be interleaved as in SQLite.
 *
 * Transactions: db_begin is READ COMMITTED, where writers queue on the rows
 * they change as they do in SQLite (the audit chain's head row, counters,
 * compare-and-set and SKIP LOCKED claims all rely on that and never fail
 * for it); SERIALIZABLE is there for read-decide-write logic that cannot
 * name its rows (DB_TX_SERIALIZABLE, with db_tx_run for DB_E_RETRY). */
#include "core/db_internal.h"
#include "core/db_pgsql.h"
#include "core/log.h"
#include "core/pqdl.h"
#include "core/str.h"
#include "core/timeutil.h"
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* type oids (pg_type.h is not part of libpq's public headers) */
enum { OID_BOOL = 16, OID_BYTEA = 17, OID_INT8 = 20, OID_TEXT = 25, OID_FLOAT8 = 701 };

#define PG_MIN_VERSION 100000 /* identity columns */

typedef struct {
    PGconn *pg;
    bool broken;
    uint64_t seq;    /* statement names zd1, zd2, … */
    int64_t changes; /* rows of the last INSERT/UPDATE/DELETE */
    sbuf_t dealloc;  /* DEALLOCATE of finalized statements, sent when idle */
    /* the error that aborted the open transaction: later statements only
     * say "current transaction is aborted", COMMIT reports this one */
    db_errcode_t abort_code;
    char abort_msg[256];
} pg_conn_t;

typedef enum { P_NULL, P_INT, P_DOUBLE, P_TEXT, P_BLOB } pkind_t;

typedef struct {
    pkind_t kind;
    int64_t i;    /* P_INT */
    char num[32]; /* int and double as text */
    char *buf;    /* text and blob copies */
    size_t len;
} param_t;

typedef struct {
    pg_conn_t *h;
    char *sql; /* translated */
    int nparams;
    param_t *params;
    Oid *types;    /* as prepared on the server */
    Oid *want;     /* scratch: the types to prepare with */
    bool loose;    /* numbers typed by the server (see want_of) */
    char name[24]; /* "" until prepared */
    const char **values;
    int *lengths, *formats;
    PGresult *res;  /* rows of the current execution */
    PGresult *desc; /* description before execution (col_count/col_name) */
    int row, nrows;
    bool executed, bind_failed;
    unsigned char **blobs; /* decoded bytea of the current row, per column */
    size_t *bloblens;
    int nblobs;
} pg_stmt_t;

/* ---- errors ---- */

static const struct {
    const char *state; /* a full SQLSTATE, or a two-character class */
    db_errcode_t code;
} STATES[] = {
    {"23505", DB_E_UNIQUE},     {"23503", DB_E_FOREIGN_KEY}, {"23", DB_E_CONSTRAINT},
    {"40001", DB_E_RETRY},      {"40P01", DB_E_RETRY},       {"57014", DB_E_BUSY}, /* statement timeout */
    {"55P03", DB_E_BUSY},                                                          /* lock timeout */
    {"08", DB_E_CONNECTION},    {"57P01", DB_E_CONNECTION},  {"57P02", DB_E_CONNECTION},
    {"57P03", DB_E_CONNECTION}, {"25P03", DB_E_CONNECTION}, /* idle in transaction timeout */
    {"25006", DB_E_CONNECTION},                             /* read-only: we are on a standby */
};

static db_errcode_t map_state(const char *state)
{
    if (!state)
        return DB_E_OTHER;
    for (size_t i = 0; i < sizeof STATES / sizeof STATES[0]; i++)
        if (strncmp(state, STATES[i].state, strlen(STATES[i].state)) == 0)
            return STATES[i].code;
    return DB_E_OTHER;
}

/* Reports the failure of r (NULL: no result at all) on c. */
static void fail_result(db_conn_t *c, const PGresult *r)
{
    pg_conn_t *h = c->h;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    /* the primary message only: the detail may quote row values (personal data) into the logs */
    const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg || !*msg)
        msg = r ? PQresultErrorMessage(r) : NULL;
    if (!msg || !*msg)
        msg = PQerrorMessage(h->pg);
    char buf[512];
    str_lcpy(buf, msg && *msg ? msg : "unknown PostgreSQL error", sizeof buf);
    buf[strcspn(buf, "\n")] = 0;
    db_errcode_t code = map_state(state);
    if (PQstatus(h->pg) != CONNECTION_OK || (!state && r == NULL))
        code = DB_E_CONNECTION;
    if (code == DB_E_CONNECTION)
        h->broken = true;
    PGTransactionStatusType ts = PQtransactionStatus(h->pg);
    if (state && strcmp(state, "25P02") == 0 && h->abort_code != DB_OK) {
        /* "current transaction is aborted": the reason is the first error */
        code = h->abort_code;
        snprintf(buf, sizeof buf, "transaction aborted earlier: %s", h->abort_msg);
    } else if (ts == PQTRANS_INERROR && h->abort_code == DB_OK) {
        h->abort_code = code;
        str_lcpy(h->abort_msg, buf, sizeof h->abort_msg);
    }
    db_set_error(c, code, buf);
}

static void note_changes(pg_conn_t *h, const PGresult *r)
{
    static const char *const writes[] = {"INSERT", "UPDATE", "DELETE", "MERGE"};
    const char *status = PQcmdStatus((PGresult *)r);
    for (size_t i = 0; i < 4; i++)
        if (str_starts_with(status, writes[i])) {
            h->changes = strtoll(PQcmdTuples((PGresult *)r), NULL, 10);
            return;
        }
}

/* 0 when r is a success (and notes its row count), else -1 with the error on c. */
static int check(db_conn_t *c, const PGresult *r)
{
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY) {
        note_changes(c->h, r);
        return 0;
    }
    fail_result(c, r);
    return -1;
}

/* ---- connections ---- */

static void notice(void *arg, const char *msg)
{
    (void)arg;
    log_msg(LOG_DB, LOG_DEBUG, "db.notice", "%.*s", (int)strcspn(msg, "\n"), msg);
}

static void *pg_connect(db_t *db, char *err, size_t errlen)
{
    char opts[300], app[96], host[64] = "";
    gethostname(host, sizeof host - 1);
    snprintf(app, sizeof app, "zhendi@%s:%d", host, (int)getpid());
    app[63] = 0; /* the server's limit */
    int st = db->opt.statement_timeout_ms, lock = db->opt.busy_timeout_ms;
    int idle = st * 2 > 60000 ? st * 2 : 60000;
    snprintf(opts, sizeof opts,
             "-c statement_timeout=%d -c lock_timeout=%d -c idle_in_transaction_session_timeout=%d "
             "-c TimeZone=UTC -c standard_conforming_strings=on",
             st, lock, idle);
    /* keywords before dbname are defaults the URL may override; those after it are forced */
    const char *keys[] = {"application_name", "connect_timeout",      "keepalives",
                          "keepalives_idle",  "keepalives_interval",  "keepalives_count",
                          "tcp_user_timeout", "target_session_attrs", "options",
                          "dbname",           "client_encoding",      NULL};
    const char *vals[] = {app, "5", "1", "10", "5", "3", "10000", "read-write", opts, db->url, "UTF8", NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (!pg) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (PQstatus(pg) != CONNECTION_OK) {
        /* several hosts give several lines; keep them on one */
        char msg[512];
        str_lcpy(msg, PQerrorMessage(pg), sizeof msg);
        for (char *p = msg; *p; p++)
            if (*p == '\n')
                *p = p[1] ? ';' : 0;
        snprintf(err, errlen, "cannot connect to %s: %s", db->display, msg);
        PQfinish(pg);
        return NULL;
    }
    if (PQserverVersion(pg) < PG_MIN_VERSION) {
        snprintf(err, errlen, "%s runs PostgreSQL %d; version 10 or newer is required", db->display,
                 PQserverVersion(pg));
        PQfinish(pg);
        return NULL;
    }
    PQsetNoticeProcessor(pg, notice, NULL);
    pg_conn_t *h = calloc(1, sizeof *h);
    if (!h) {
        PQfinish(pg);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->pg = pg;
    sbuf_init(&h->dealloc);
    return h;
}

static void pg_disconnect(void *hp)
{
    pg_conn_t *h = hp;
    if (!h)
        return;
    PQfinish(h->pg);
    sbuf_free(&h->dealloc);
    free(h);
}

/* No round trip: an idle connection has nothing to say unless the server
 * is telling it goodbye (shutdown, failover, terminated backend). */
static bool pg_alive(void *hp)
{
    pg_conn_t *h = hp;
    if (h->broken || PQstatus(h->pg) != CONNECTION_OK || PQtransactionStatus(h->pg) != PQTRANS_IDLE)
        return false;
    struct pollfd p = {.fd = PQsocket(h->pg), .events = POLLIN};
    int n = poll(&p, 1, 0);
    return n == 0 || (n < 0 && errno == EINTR);
}

/* Sends the DEALLOCATEs of finalized statements when no transaction is
 * open (a failing DEALLOCATE must not abort one). */
static void flush_dealloc(pg_conn_t *h)
{
    if (!h->dealloc.len || PQtransactionStatus(h->pg) != PQTRANS_IDLE)
        return;
    PQclear(PQexec(h->pg, h->dealloc.data));
    sbuf_free(&h->dealloc);
}

static int pg_exec(db_conn_t *c, const char *sql)
{
    pg_conn_t *h = c->h;
    if (h->broken) {
        db_set_error(c, DB_E_CONNECTION, "the database connection was lost");
        return -1;
    }
    bool commit = strcasecmp(sql, "COMMIT") == 0;
    if (commit && PQtransactionStatus(h->pg) == PQTRANS_INERROR) {
        /* PostgreSQL would answer ROLLBACK as if all were well */
        char msg[300];
        snprintf(msg, sizeof msg, "transaction aborted earlier: %s", h->abort_msg);
        db_set_error(c, h->abort_code != DB_OK ? h->abort_code : DB_E_OTHER, msg);
        return -1;
    }
    if (str_starts_with(sql, "BEGIN")) {
        h->abort_code = DB_OK;
        h->abort_msg[0] = 0;
    }
    char *t = db_pgsql_translate(sql, DB_PGSQL_DDL, NULL);
    PGresult *r = PQexec(h->pg, t);
    free(t);
    int rc = check(c, r);
    PQclear(r);
    if (rc == 0 && str_starts_with(sql, "ROLLBACK TO")) {
        /* back before the error: the transaction goes on, a later error is its own */
        h->abort_code = DB_OK;
        h->abort_msg[0] = 0;
    }
    return rc;
}

/* ---- statements ---- */

static void *pg_prepare(db_conn_t *c, const char *sql)
{
    pg_stmt_t *s = calloc(1, sizeof *s);
    if (!s) {
        db_set_error(c, DB_E_OTHER, "out of memory");
        return NULL;
    }
    s->h = c->h;
    s->sql = db_pgsql_translate(sql, DB_PGSQL_PARAMS, &s->nparams);
    if (s->nparams) {
        s->params = calloc((size_t)s->nparams, sizeof *s->params);
        s->types = calloc((size_t)s->nparams, sizeof *s->types);
        s->want = calloc((size_t)s->nparams, sizeof *s->want);
        s->values = calloc((size_t)s->nparams, sizeof *s->values);
        s->lengths = calloc((size_t)s->nparams, sizeof *s->lengths);
        s->formats = calloc((size_t)s->nparams, sizeof *s->formats);
        if (!s->params || !s->types || !s->want || !s->values || !s->lengths || !s->formats) {
            free(s->params);
            free(s->types);
            free(s->want);
            free(s->values);
            free(s->lengths);
            free(s->formats);
            free(s->sql);
            free(s);
            db_set_error(c, DB_E_OTHER, "out of memory");
            return NULL;
        }
    }
    s->row = -1;
    return s;
}

static void clear_blobs(pg_stmt_t *s)
{
    for (int i = 0; i < s->nblobs; i++) {
        if (s->blobs[i])
            PQfreemem(s->blobs[i]);
        s->blobs[i] = NULL;
    }
}

static void clear_param(param_t *p)
{
    free(p->buf);
    p->buf = NULL;
    p->len = 0;
    p->kind = P_NULL;
}

static void pg_reset(void *impl)
{
    pg_stmt_t *s = impl;
    clear_blobs(s);
    PQclear(s->res);
    s->res = NULL;
    s->row = -1;
    s->nrows = 0;
    s->executed = false;
    s->bind_failed = false;
    for (int i = 0; i < s->nparams; i++)
        clear_param(&s->params[i]);
}

static void pg_finalize(void *impl)
{
    pg_stmt_t *s = impl;
    if (!s)
        return;
    pg_reset(s);
    if (s->name[0] && !s->h->broken)
        sbuf_printf(&s->h->dealloc, "DEALLOCATE %s;", s->name);
    clear_blobs(s);
    free(s->blobs);
    free(s->bloblens);
    PQclear(s->desc);
    free(s->params);
    free(s->types);
    free(s->want);
    free(s->values);
    free(s->lengths);
    free(s->formats);
    free(s->sql);
    free(s);
}

static bool fits_int4(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

/* The type to declare for parameter i. Strict: int8, float8 and bytea by
 * the value bound, so that arithmetic on epoch milliseconds happens in 64
 * bits as in SQLite. Loose (after the server refused the strict types, e.g.
 * substr(text, int8) does not exist): numbers that fit int4 are left for the
 * server to type from their context. A NULL keeps its earlier type. */
static Oid want_of(const pg_stmt_t *s, int i)
{
    const param_t *p = &s->params[i];
    switch (p->kind) {
    case P_NULL: return s->types[i];
    case P_TEXT: return s->types[i] == OID_TEXT ? OID_TEXT : 0;
    case P_BLOB: return OID_BYTEA;
    case P_INT: return s->loose && fits_int4(p->i) ? 0 : OID_INT8;
    case P_DOUBLE: return s->loose ? 0 : OID_FLOAT8;
    }
    return 0;
}

/* Whether parameter i as prepared takes the value bound now. */
static bool fits(const pg_stmt_t *s, int i)
{
    const param_t *p = &s->params[i];
    Oid t = s->types[i];
    switch (p->kind) {
    case P_NULL: return true;
    case P_TEXT: return t == 0 || t == OID_TEXT;
    case P_BLOB: return t == OID_BYTEA;
    case P_INT: return t == OID_INT8 || t == OID_FLOAT8 || t == OID_TEXT || (t == 0 && fits_int4(p->i));
    case P_DOUBLE: return t == OID_FLOAT8 || t == OID_TEXT || (t == 0 && s->loose);
    }
    return false;
}

/* Prepares the statement on the server so that it takes the values bound
 * now. A statement settles after a preparation or two: a parameter keeps
 * the type it was prepared with while the values bound fit it. */
static int ensure_prepared(db_conn_t *c, pg_stmt_t *s)
{
    pg_conn_t *h = c->h;
    bool ok = s->name[0] != 0;
    for (int i = 0; ok && i < s->nparams; i++)
        ok = fits(s, i);
    if (ok)
        return 0;
    bool again = s->name[0] != 0;
    if (again)
        sbuf_printf(&h->dealloc, "DEALLOCATE %s;", s->name);
    s->name[0] = 0;
    PQclear(s->desc);
    s->desc = NULL;
    flush_dealloc(h);
    Oid *want = s->want;
    for (int i = 0; i < s->nparams; i++)
        want[i] = again && fits(s, i) ? s->types[i] : want_of(s, i);
    /* a refused preparation would abort an open transaction: try under a
     * savepoint (prepared statements outlive its rollback) */
    bool in_tx = PQtransactionStatus(h->pg) == PQTRANS_INTRANS;
    if (in_tx) {
        PGresult *r = PQexec(h->pg, "SAVEPOINT zd_prepare");
        int rc = check(c, r);
        PQclear(r);
        if (rc != 0)
            return -1;
    }
    for (int attempt = 0; attempt < 3; attempt++) {
        char name[24];
        snprintf(name, sizeof name, "zd%llu", (unsigned long long)++h->seq);
        PGresult *r = PQprepare(h->pg, name, s->sql, s->nparams, s->nparams ? want : NULL);
        const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        if (in_tx && PQresultStatus(r) != PGRES_COMMAND_OK && PQstatus(h->pg) == CONNECTION_OK)
            PQclear(PQexec(h->pg, "ROLLBACK TO SAVEPOINT zd_prepare"));
        if (r && PQresultStatus(r) == PGRES_COMMAND_OK) {
            PQclear(r);
            if (in_tx)
                PQclear(PQexec(h->pg, "RELEASE SAVEPOINT zd_prepare"));
            str_lcpy(s->name, name, sizeof s->name);
            if (s->nparams)
                memcpy(s->types, want, sizeof *want * (size_t)s->nparams);
            return 0;
        }
        if (state && strcmp(state, "42P18") == 0) {
            /* "could not determine data type" (e.g. `? IS NULL`): name the
             * types the server could not infer */
            bool changed = false;
            for (int i = 0; i < s->nparams; i++)
                if (want[i] == 0) {
                    pkind_t k = s->params[i].kind;
                    want[i] = k == P_INT ? OID_INT8 : k == P_DOUBLE ? OID_FLOAT8 : OID_TEXT;
                    changed = true;
                }
            if (changed) {
                PQclear(r);
                continue;
            }
        } else if (state && !s->loose &&
                   (!strcmp(state, "42883") || !strcmp(state, "42725") || !strcmp(state, "42804"))) {
            /* no such function or operator for int8/float8 (substr, round):
             * let the server type the numbers from their context */
            s->loose = true;
            for (int i = 0; i < s->nparams; i++)
                want[i] = s->params[i].kind == P_NULL ? 0 : want_of(s, i);
            PQclear(r);
            continue;
        }
        if (in_tx)
            PQclear(PQexec(h->pg, "RELEASE SAVEPOINT zd_prepare"));
        fail_result(c, r);
        PQclear(r);
        return -1;
    }
    return -1;
}

static param_t *param(db_stmt_t *st, int idx)
{
    pg_stmt_t *s = st->impl;
    if (idx < 1 || idx > s->nparams) {
        char msg[80];
        snprintf(msg, sizeof msg, "bind index %d out of range (statement has %d)", idx, s->nparams);
        db_set_error(st->conn, DB_E_OTHER, msg);
        s->bind_failed = true;
        return NULL;
    }
    param_t *p = &s->params[idx - 1];
    clear_param(p);
    return p;
}

static void pg_bind_int64(db_stmt_t *st, int idx, int64_t v)
{
    param_t *p = param(st, idx);
    if (!p)
        return;
    p->kind = P_INT;
    p->i = v;
    snprintf(p->num, sizeof p->num, "%lld", (long long)v);
}

static void pg_bind_double(db_stmt_t *st, int idx, double v)
{
    param_t *p = param(st, idx);
    if (!p)
        return;
    p->kind = P_DOUBLE;
    if (isnan(v))
        str_lcpy(p->num, "NaN", sizeof p->num);
    else if (isinf(v))
        str_lcpy(p->num, v > 0 ? "Infinity" : "-Infinity", sizeof p->num);
    else
        snprintf(p->num, sizeof p->num, "%.17g", v);
}

static bool copy_into(db_stmt_t *st, param_t *p, const void *data, size_t n)
{
    p->buf = malloc(n + 1);
    if (!p->buf) {
        db_set_error(st->conn, DB_E_OTHER, "out of memory");
        ((pg_stmt_t *)st->impl)->bind_failed = true;
        return false;
    }
    if (n)
        memcpy(p->buf, data, n);
    p->buf[n] = 0;
    p->len = n;
    return true;
}

static void pg_bind_text(db_stmt_t *st, int idx, const char *s, size_t n)
{
    param_t *p = param(st, idx);
    if (!p)
        return;
    if (memchr(s, 0, n)) {
        db_set_error(st->conn, DB_E_CONSTRAINT, "text contains a NUL byte, which PostgreSQL cannot store");
        ((pg_stmt_t *)st->impl)->bind_failed = true;
        return;
    }
    if (copy_into(st, p, s, n))
        p->kind = P_TEXT;
}

static void pg_bind_blob(db_stmt_t *st, int idx, const void *data, size_t n)
{
    param_t *p = param(st, idx);
    if (p && copy_into(st, p, data, n))
        p->kind = P_BLOB;
}

static void pg_bind_null(db_stmt_t *st, int idx) { param(st, idx); }

static int pg_step(db_stmt_t *st)
{
    pg_stmt_t *s = st->impl;
    db_conn_t *c = st->conn;
    pg_conn_t *h = c->h;
    if (s->executed) {
        clear_blobs(s);
        if (s->res && s->row + 1 < s->nrows) {
            s->row++;
            return DB_ROW;
        }
        s->row = s->nrows;
        return DB_DONE;
    }
    if (s->bind_failed)
        return DB_ERROR; /* the bind said why */
    if (h->broken) {
        db_set_error(c, DB_E_CONNECTION, "the database connection was lost");
        return DB_ERROR;
    }
    if (ensure_prepared(c, s) != 0)
        return DB_ERROR;
    for (int i = 0; i < s->nparams; i++) {
        param_t *p = &s->params[i];
        s->formats[i] = p->kind == P_BLOB; /* bytea travels binary, the rest as text */
        s->lengths[i] = (int)p->len;
        s->values[i] = p->kind == P_NULL ? NULL : p->kind == P_INT || p->kind == P_DOUBLE ? p->num : p->buf;
    }
    PGresult *r = PQexecPrepared(h->pg, s->name, s->nparams, s->values, s->lengths, s->formats, 0);
    s->executed = true;
    if (check(c, r) != 0) {
        PQclear(r);
        return DB_ERROR;
    }
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        return DB_DONE;
    }
    s->res = r;
    s->nrows = PQntuples(r);
    int ncols = PQnfields(r);
    if (ncols > s->nblobs) {
        unsigned char **b = realloc(s->blobs, sizeof *b * (size_t)ncols);
        if (b)
            s->blobs = b;
        size_t *l = b ? realloc(s->bloblens, sizeof *l * (size_t)ncols) : NULL;
        if (!l) {
            db_set_error(c, DB_E_OTHER, "out of memory");
            return DB_ERROR;
        }
        s->bloblens = l;
        for (int i = s->nblobs; i < ncols; i++)
            b[i] = NULL;
        s->nblobs = ncols;
    }
    s->row = 0;
    return s->nrows > 0 ? DB_ROW : DB_DONE;
}

/* The result describing the columns: the rows, or before the first step
 * the statement's description. */
static const PGresult *columns(db_stmt_t *st)
{
    pg_stmt_t *s = st->impl;
    if (s->res || s->executed)
        return s->res;
    if (!s->desc && ensure_prepared(st->conn, s) == 0) {
        PGresult *d = PQdescribePrepared(s->h->pg, s->name);
        if (d && PQresultStatus(d) == PGRES_COMMAND_OK)
            s->desc = d;
        else
            PQclear(d);
    }
    return s->desc;
}

static int pg_col_count(db_stmt_t *st)
{
    const PGresult *r = columns(st);
    return r ? PQnfields(r) : 0;
}

static const char *pg_col_name(db_stmt_t *st, int i)
{
    const PGresult *r = columns(st);
    return r && i >= 0 && i < PQnfields(r) ? PQfname(r, i) : NULL;
}

/* The text of column i in the current row, NULL for SQL NULL or no row. */
static const char *value(db_stmt_t *st, int i, Oid *type)
{
    pg_stmt_t *s = st->impl;
    if (!s->res || s->row < 0 || s->row >= s->nrows || i < 0 || i >= PQnfields(s->res) ||
        PQgetisnull(s->res, s->row, i))
        return NULL;
    if (type)
        *type = PQftype(s->res, i);
    return PQgetvalue(s->res, s->row, i);
}

static bool pg_col_is_null(db_stmt_t *st, int i) { return value(st, i, NULL) == NULL; }

static double pg_col_double(db_stmt_t *st, int i)
{
    Oid t = 0;
    const char *v = value(st, i, &t);
    if (!v)
        return 0;
    if (t == OID_BOOL)
        return v[0] == 't';
    return strtod(v, NULL);
}

static int64_t pg_col_int64(db_stmt_t *st, int i)
{
    Oid t = 0;
    const char *v = value(st, i, &t);
    if (!v)
        return 0;
    if (t == OID_BOOL)
        return v[0] == 't';
    char *end;
    long long n = strtoll(v, &end, 10);
    if (*end == '.' || *end == 'e' || *end == 'E' || *end == 'I' || *end == 'N') {
        /* numeric or float: truncated like SQLite does */
        double d = strtod(v, NULL);
        if (isnan(d))
            return 0;
        if (d >= 9.2233720368547758e18)
            return INT64_MAX;
        if (d <= -9.2233720368547758e18)
            return INT64_MIN;
        return (int64_t)d;
    }
    return n;
}

static const char *pg_col_text(db_stmt_t *st, int i) { return value(st, i, NULL); }

static const void *pg_col_blob(db_stmt_t *st, int i, size_t *len)
{
    pg_stmt_t *s = st->impl;
    Oid t = 0;
    const char *v = value(st, i, &t);
    *len = 0;
    if (!v)
        return NULL;
    if (t != OID_BYTEA) {
        *len = (size_t)PQgetlength(s->res, s->row, i);
        return v;
    }
    if (!s->blobs[i]) {
        size_t n = 0;
        s->blobs[i] = PQunescapeBytea((const unsigned char *)v, &n);
        if (!s->blobs[i]) {
            db_set_error(st->conn, DB_E_OTHER, "out of memory");
            return NULL;
        }
        s->bloblens[i] = n;
    }
    *len = s->bloblens[i];
    return s->blobs[i];
}

static int64_t pg_changes(db_conn_t *c) { return ((pg_conn_t *)c->h)->changes; }

/* lastval() fails when this session has not used a sequence yet; inside a
 * transaction that failure must not abort it, hence the savepoint. */
static int64_t pg_last_insert_id(db_conn_t *c)
{
    pg_conn_t *h = c->h;
    if (h->broken)
        return 0;
    PGTransactionStatusType ts = PQtransactionStatus(h->pg);
    if (ts == PQTRANS_INERROR)
        return 0;
    bool in_tx = ts == PQTRANS_INTRANS;
    if (in_tx)
        PQclear(PQexec(h->pg, "SAVEPOINT zd_lastval"));
    PGresult *r = PQexec(h->pg, "SELECT lastval()");
    int64_t id = 0;
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    if (ok)
        id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    if (in_tx)
        PQclear(PQexec(h->pg, ok ? "RELEASE SAVEPOINT zd_lastval"
                                 : "ROLLBACK TO SAVEPOINT zd_lastval; RELEASE SAVEPOINT zd_lastval"));
    return id;
}

/* ---- locks and timeouts ---- */

static int64_t lock_key(const char *name)
{
    uint64_t x = 1469598103934665603ULL;
    for (const char *p = name; *p; p++) {
        x ^= (unsigned char)*p;
        x *= 1099511628211ULL;
    }
    return (int64_t)x;
}

/* 1 locked, 0 held by another session, -1 error. */
static int advisory(db_conn_t *c, const char *fn, const char *name)
{
    pg_conn_t *h = c->h;
    char key[32], sql[64];
    snprintf(key, sizeof key, "%lld", (long long)lock_key(name));
    snprintf(sql, sizeof sql, "SELECT %s($1::int8)", fn);
    const char *vals[] = {key};
    PGresult *r = PQexecParams(h->pg, sql, 1, NULL, vals, NULL, NULL, 0);
    int rc = -1;
    if (check(c, r) == 0 && PQntuples(r) == 1)
        rc = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return rc;
}

static int pg_lock(db_conn_t *c, const char *name, int timeout_ms)
{
    int64_t deadline = time_mono_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        int rc = advisory(c, "pg_try_advisory_lock", name);
        if (rc != 0)
            return rc > 0 ? 0 : -1;
        if (time_mono_ns() >= deadline) {
            char msg[200];
            snprintf(msg, sizeof msg, "lock %s still held by another node after %d ms", name, timeout_ms);
            db_set_error(c, DB_E_BUSY, msg);
            return -1;
        }
        usleep(50000);
    }
}

static int pg_unlock(db_conn_t *c, const char *name)
{
    if (!name) {
        pg_conn_t *h = c->h;
        PGresult *r = PQexec(h->pg, "SELECT pg_advisory_unlock_all()");
        int rc = check(c, r);
        PQclear(r);
        return rc;
    }
    return advisory(c, "pg_advisory_unlock", name) > 0 ? 0 : -1;
}

static int pg_lock_tx(db_conn_t *c, const char *name)
{
    return advisory(c, "pg_advisory_xact_lock", name) < 0 ? -1 : 0;
}

static int pg_statement_timeout(db_conn_t *c, int ms)
{
    char sql[64];
    if (ms < 0)
        str_lcpy(sql, "RESET statement_timeout", sizeof sql);
    else
        snprintf(sql, sizeof sql, "SET statement_timeout = %d", ms);
    return pg_exec(c, sql);
}

/* ---- maintenance ---- */

/* Cheap consistency check: a read-write primary, and every table of the
 * schema readable (its first page and the catalog entries behind it). */
static int pg_integrity_check(db_t *db, char *err, size_t errlen)
{
    db_conn_t *c = db_acquire(db);
    if (!c) {
        snprintf(err, errlen, "no database connection");
        return -1;
    }
    int ret = -1;
    sbuf_t probe;
    sbuf_init(&probe);
    db_stmt_t *st =
        db_prepare(c, "SELECT pg_is_in_recovery(), "
                      "(SELECT count(*) FROM information_schema.tables "
                      " WHERE table_schema = current_schema() AND table_name = 'schema_migrations')");
    if (!st || db_step(st) != DB_ROW) {
        snprintf(err, errlen, "%s", db_errmsg(c));
        goto out;
    }
    if (db_col_bool(st, 0)) {
        snprintf(err, errlen, "connected to a standby in recovery, not to the primary");
        goto out;
    }
    if (db_col_int64(st, 1) != 1) {
        snprintf(err, errlen, "schema_migrations is missing: not a zhendi database");
        goto out;
    }
    db_done(st);
    st = db_prepare(c, "SELECT quote_ident(table_name) FROM information_schema.tables "
                       "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1");
    if (!st) {
        snprintf(err, errlen, "%s", db_errmsg(c));
        goto out;
    }
    while (db_step(st) == DB_ROW)
        sbuf_printf(&probe, "SELECT 1 FROM %s LIMIT 1;", db_col_text(st, 0));
    if (db_errcode(c) != DB_OK) {
        snprintf(err, errlen, "%s", db_errmsg(c));
        goto out;
    }
    if (probe.len && db_exec(c, probe.data) != 0) {
        snprintf(err, errlen, "%s", db_errmsg(c));
        goto out;
    }
    ret = 0;
out:
    db_done(st);
    sbuf_free(&probe);
    db_release(c);
    return ret;
}

const db_backend_t db_backend_pg = {
    .name = "postgresql",
    .dialect = DB_POSTGRES,
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .alive = pg_alive,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .reset = pg_reset,
    .bind_int64 = pg_bind_int64,
    .bind_double = pg_bind_double,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .col_count = pg_col_count,
    .col_name = pg_col_name,
    .col_is_null = pg_col_is_null,
    .col_int64 = pg_col_int64,
    .col_double = pg_col_double,
    .col_text = pg_col_text,
    .col_blob = pg_col_blob,
    .changes = pg_changes,
    .last_insert_id = pg_last_insert_id,
    .lock = pg_lock,
    .unlock = pg_unlock,
    .lock_tx = pg_lock_tx,
    .statement_timeout = pg_statement_timeout,
    .begin_sql = "BEGIN ISOLATION LEVEL READ COMMITTED",
    .begin_serializable_sql = "BEGIN ISOLATION LEVEL SERIALIZABLE",
    .maintain_sql = "ANALYZE",
    .checkpoint = NULL,
    .integrity_check = pg_integrity_check,
};
