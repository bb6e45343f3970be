/* migrate.c — see migrate.h. */
#include "core/migrate.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int version;
    const char *name; /* file name */
    const char *sql;
    size_t len;
} mig_t;

/* Nodes starting together take turns (PostgreSQL: an advisory lock; the
 * wait covers a long migration on another node). */
#define MIGRATE_LOCK         "zhendi.migrations"
#define MIGRATE_LOCK_WAIT_MS (30 * 60 * 1000)

static const char *CREATE_TABLE = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                  " version BIGINT PRIMARY KEY,"
                                  " name TEXT NOT NULL,"
                                  " checksum TEXT NOT NULL,"
                                  " applied_at BIGINT NOT NULL)";

static int parse_version(const char *name)
{
    int v = 0, n = 0;
    for (; name[n] >= '0' && name[n] <= '9' && n < 9; n++)
        v = v * 10 + (name[n] - '0');
    return n >= 4 && name[n] == '_' ? v : -1;
}

static int cmp_mig(const void *a, const void *b)
{
    return ((const mig_t *)a)->version - ((const mig_t *)b)->version;
}

/* The migrations for this dialect, sorted; NULL with err on a bad set. */
static mig_t *collect(const zd_embedded_t *files, db_dialect_t d, int *count, char *err, size_t errlen)
{
    int n = 0;
    for (const zd_embedded_t *f = files; f->name; f++)
        n++;
    mig_t *m = calloc((size_t)n + 1, sizeof *m);
    int k = 0;
    for (const zd_embedded_t *f = files; f->name; f++) {
        bool pg = str_ends_with(f->name, ".pg.sql");
        if (!str_ends_with(f->name, ".sql"))
            continue;
        int v = parse_version(f->name);
        if (v <= 0) {
            snprintf(err, errlen, "migration file %s is not named NNNN_name.sql", f->name);
            free(m);
            return NULL;
        }
        if (pg && d != DB_POSTGRES)
            continue;
        int j;
        for (j = 0; j < k && m[j].version != v; j++)
            ;
        if (j < k) {
            bool have_pg = str_ends_with(m[j].name, ".pg.sql");
            if (pg == have_pg) {
                snprintf(err, errlen, "migrations %s and %s share version %d", m[j].name, f->name, v);
                free(m);
                return NULL;
            }
            if (!pg) /* the .pg.sql variant wins on PostgreSQL */
                continue;
        } else {
            k++;
        }
        m[j] = (mig_t){v, f->name, (const char *)f->data, f->len};
    }
    qsort(m, (size_t)k, sizeof *m, cmp_mig);
    *count = k;
    return m;
}

int migrate_current(db_t *db)
{
    db_conn_t *c = db_acquire(db);
    if (!c)
        return -1;
    int64_t v = 0;
    int rc = db_lock(c, MIGRATE_LOCK, MIGRATE_LOCK_WAIT_MS);
    if (rc == 0)
        rc = db_exec(c, CREATE_TABLE);
    if (rc == 0)
        rc = db_query_int64(c, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &v) < 0 ? -1 : 0;
    db_unlock(c, MIGRATE_LOCK);
    db_release(c);
    return rc == 0 ? (int)v : -1;
}

int migrate_run(db_t *db, const zd_embedded_t *files, int *applied, char *err, size_t errlen)
{
    int count = 0, done = 0, ret = -1;
    bool locked = false;
    mig_t *m = collect(files, db_dialect(db), &count, err, errlen);
    if (!m)
        return -1;
    db_conn_t *c = db_acquire(db);
    if (!c) {
        snprintf(err, errlen, "no database connection");
        free(m);
        return -1;
    }
    if (db_lock(c, MIGRATE_LOCK, MIGRATE_LOCK_WAIT_MS) != 0) {
        snprintf(err, errlen, "cannot take the migration lock: %s", db_errmsg(c));
        goto out;
    }
    locked = true;
    /* a migration may rewrite a large table: no statement timeout */
    if (db_statement_timeout(c, 0) != 0 || db_exec(c, CREATE_TABLE) != 0) {
        snprintf(err, errlen, "cannot create schema_migrations: %s", db_errmsg(c));
        goto out;
    }
    for (int i = 0; i < count; i++) {
        char sum[65];
        crypto_sha256_hex(m[i].sql, m[i].len, sum);
        /* one transaction per migration; the check inside it makes a second
         * node starting at the same time skip what the first applied */
        if (db_begin(c) != 0) {
            snprintf(err, errlen, "cannot begin: %s", db_errmsg(c));
            goto out;
        }
        db_stmt_t *st = db_prepare(c, "SELECT checksum, name FROM schema_migrations WHERE version = ?");
        if (!st) {
            snprintf(err, errlen, "%s", db_errmsg(c));
            goto out;
        }
        db_bind_int64(st, 1, m[i].version);
        int rc = db_step(st);
        if (rc == DB_ROW) {
            bool same = strcmp(db_col_text(st, 0), sum) == 0;
            if (!same)
                snprintf(err, errlen,
                         "migration %s was changed after it was applied (checksum differs); "
                         "restore the original file and add a new migration instead",
                         m[i].name);
            db_done(st);
            db_rollback(c);
            if (!same)
                goto out;
            continue;
        }
        db_done(st);
        if (rc != DB_DONE) {
            snprintf(err, errlen, "%s", db_errmsg(c));
            goto out;
        }
        int64_t t0 = time_mono_ns();
        if (db_exec(c, m[i].sql) != 0) {
            snprintf(err, errlen, "migration %s failed: %s", m[i].name, db_errmsg(c));
            goto out;
        }
        st = db_prepare(c, "INSERT INTO schema_migrations (version, name, checksum, applied_at) "
                           "VALUES (?, ?, ?, ?)");
        if (!st) {
            snprintf(err, errlen, "%s", db_errmsg(c));
            goto out;
        }
        db_bind_int64(st, 1, m[i].version);
        db_bind_text(st, 2, m[i].name);
        db_bind_text(st, 3, sum);
        db_bind_int64(st, 4, time_now_ms());
        rc = db_step(st);
        db_done(st);
        if (rc != DB_DONE || db_commit(c) != 0) {
            snprintf(err, errlen, "migration %s failed: %s", m[i].name, db_errmsg(c));
            goto out;
        }
        done++;
        log_rec_t r;
        log_begin(&r, LOG_DB, LOG_INFO, "db.migration_applied");
        log_str(&r, "migration", m[i].name);
        log_str(&r, "checksum", sum);
        log_double(&r, "ms", (double)(time_mono_ns() - t0) / 1e6);
        log_end(&r);
    }
    /* a database migrated by a newer binary */
    int64_t max = 0;
    if (db_query_int64(c, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &max) < 0) {
        snprintf(err, errlen, "%s", db_errmsg(c));
        goto out;
    }
    if (count && max > m[count - 1].version) {
        snprintf(err, errlen,
                 "the database has migration %lld, newer than this program knows (%d); "
                 "run the newer version",
                 (long long)max, m[count - 1].version);
        goto out;
    }
    ret = 0;
out:
    if (applied)
        *applied = done;
    db_rollback(c); /* a failed migration */
    if (locked)
        db_unlock(c, MIGRATE_LOCK);
    db_release(c); /* restores the statement timeout */
    free(m);
    return ret;
}
