/* testutil.c — see testutil.h. */
#include "support/cm.h"

#include "core/embed.h"
#include "core/migrate.h"
#include "core/timeutil.h"
#include "support/testutil.h"
#include "text/normalize.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *tu_tempdir(void)
{
    char tmpl[] = "/tmp/zhendi-unit-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

void tu_rmrf(const char *path)
{
    char cmd[1200];
    if (!path || strncmp(path, "/tmp/zhendi-unit-", 17) != 0)
        return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", path);
}

db_t *tu_db(char **dir)
{
    *dir = tu_tempdir();
    char path[1100], err[512];
    snprintf(path, sizeof path, "%s/test.db", *dir);
    db_options_t o = {.pool_size = 4};
    db_t *db = db_open(path, &o, err, sizeof err);
    if (!db)
        fail_msg("db_open: %s", err);
    if (migrate_run(db, zd_migrations, NULL, err, sizeof err) != 0)
        fail_msg("migrate: %s", err);
    return db;
}

const char *tu_pg_admin(void)
{
    const char *url = getenv("ZHENDI_TEST_PG");
    if (url && *url)
        return url;
    static bool told;
    if (!told)
        fprintf(stderr, "PostgreSQL tests skipped: ZHENDI_TEST_PG is not set "
                        "(run them with scripts/pg-test.sh, as `make test` does)\n");
    told = true;
    return NULL;
}

/* url with its database name (the path) replaced by name */
static char *with_database(const char *url, const char *name)
{
    const char *host = strstr(url, "://");
    assert_non_null(host);
    const char *path = strchr(host + 3, '/');
    const char *query = strchr(host + 3, '?');
    if (!path || (query && path > query))
        path = query ? query : url + strlen(url);
    const char *rest = strchr(path, '?');
    char *out = NULL;
    assert_true(asprintf(&out, "%.*s/%s%s", (int)(path - url), url, name, rest ? rest : "") > 0);
    return out;
}

static void admin_exec(const char *sql)
{
    char err[512];
    db_options_t o = {.pool_size = 1};
    db_t *db = db_open(tu_pg_admin(), &o, err, sizeof err);
    if (!db)
        fail_msg("%s", err);
    tu_exec(db, sql);
    db_close(db);
}

char *tu_pg_create(void)
{
    static int seq;
    char name[64], sql[128];
    snprintf(name, sizeof name, "zu_%d_%d_%04x", (int)getpid(), ++seq, (unsigned)(time_mono_ns() & 0xffff));
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    admin_exec(sql);
    return with_database(tu_pg_admin(), name);
}

void tu_pg_drop(char *url)
{
    if (!url)
        return;
    const char *host = strstr(url, "://");
    const char *slash = host ? strchr(host + 3, '/') : NULL;
    if (slash) {
        char sql[200];
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %.*s WITH (FORCE)", (int)strcspn(slash + 1, "?"),
                 slash + 1);
        admin_exec(sql);
    }
    free(url);
}

db_t *tu_pg_open(const char *url, int pool_size)
{
    char err[512];
    db_options_t o = {.pool_size = pool_size};
    db_t *db = db_open(url, &o, err, sizeof err);
    if (!db)
        fail_msg("db_open: %s", err);
    if (migrate_run(db, zd_migrations, NULL, err, sizeof err) != 0)
        fail_msg("migrate: %s", err);
    return db;
}

void tu_exec(db_t *db, const char *sql)
{
    db_conn_t *c = db_acquire(db);
    assert_non_null(c);
    if (db_exec(c, sql) != 0)
        fail_msg("%s: %s", sql, db_errmsg(c));
    db_release(c);
}

int64_t tu_int(db_t *db, const char *sql)
{
    db_conn_t *c = db_acquire(db);
    assert_non_null(c);
    int64_t v = 0;
    if (db_query_int64(c, sql, &v) != 1)
        fail_msg("%s: %s", sql, db_errmsg(c));
    db_release(c);
    return v;
}

size_t tu_cps(const char *s, uint32_t *out)
{
    size_t n = 0;
    for (size_t i = 0, len = strlen(s); i < len;) {
        uint32_t cp = 0;
        size_t l = norm_utf8((const unsigned char *)s + i, len - i, &cp);
        assert_true(l > 0);
        norm_class_t k;
        out[n++] = norm_cp(norm_tables(), cp, &k);
        i += l;
    }
    return n;
}
