/* testutil.c — see testutil.h. */
#include "support/cm.h"

#include "core/embed.h"
#include "core/migrate.h"
#include "support/testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
