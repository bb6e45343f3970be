/* Migrations (ordered, checksummed, refusing edited history) and the
 * verified backup/restore of SQLite files. */
#include "support/cm.h"
#include "support/testutil.h"

#include "core/embed.h"
#include "core/migrate.h"
#include "core/sqlite_util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define M(name, sql)                                                                                         \
    {                                                                                                        \
        name, (const unsigned char *)(sql), sizeof(sql) - 1                                                  \
    }

static db_t *open_db(const char *dir, const char *file)
{
    char path[1100], err[256];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    db_options_t o = {.pool_size = 2};
    db_t *db = db_open(path, &o, err, sizeof err);
    if (!db)
        fail_msg("%s", err);
    return db;
}

static void migrations_apply_in_order_once(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    db_t *db = open_db(dir, "m.db");
    const zd_embedded_t set[] = {M("0002_b.sql", "ALTER TABLE t ADD COLUMN b TEXT;"),
                                 M("0001_a.sql", "CREATE TABLE t (a INTEGER);"),
                                 {NULL, NULL, 0}};
    char err[512];
    int applied = 0;
    assert_int_equal(migrate_run(db, set, &applied, err, sizeof err), 0);
    assert_int_equal(applied, 2);
    assert_int_equal(migrate_run(db, set, &applied, err, sizeof err), 0);
    assert_int_equal(applied, 0);
    assert_int_equal(migrate_current(db), 2);
    tu_exec(db, "INSERT INTO t (a, b) VALUES (1, 'x')");
    db_close(db);
    tu_rmrf(dir);
    free(dir);
}

static void an_edited_applied_migration_is_refused(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    db_t *db = open_db(dir, "m.db");
    const zd_embedded_t v1[] = {M("0001_a.sql", "CREATE TABLE t (a INTEGER);"), {NULL, NULL, 0}};
    const zd_embedded_t v2[] = {M("0001_a.sql", "CREATE TABLE t (a INTEGER, z TEXT);"), {NULL, NULL, 0}};
    char err[512];
    assert_int_equal(migrate_run(db, v1, NULL, err, sizeof err), 0);
    assert_int_equal(migrate_run(db, v2, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "0001_a.sql"));
    db_close(db);
    tu_rmrf(dir);
    free(dir);
}

static void a_failing_migration_leaves_nothing_half_done(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    db_t *db = open_db(dir, "m.db");
    const zd_embedded_t set[] = {
        M("0001_a.sql", "CREATE TABLE t (a INTEGER); CREATE TABLE u (x); SELECT nonsense("), {NULL, NULL, 0}};
    char err[512];
    assert_int_equal(migrate_run(db, set, NULL, err, sizeof err), -1);
    assert_int_equal(tu_int(db, "SELECT COUNT(*) FROM sqlite_schema WHERE name IN ('t', 'u')"), 0);
    assert_int_equal(migrate_current(db), 0);
    db_close(db);
    tu_rmrf(dir);
    free(dir);
}

static void a_database_from_a_newer_version_is_refused(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    db_t *db = open_db(dir, "m.db");
    const zd_embedded_t two[] = {
        M("0001_a.sql", "CREATE TABLE t (a);"), M("0002_b.sql", "CREATE TABLE u (b);"), {NULL, NULL, 0}};
    const zd_embedded_t one[] = {M("0001_a.sql", "CREATE TABLE t (a);"), {NULL, NULL, 0}};
    char err[512];
    assert_int_equal(migrate_run(db, two, NULL, err, sizeof err), 0);
    assert_int_equal(migrate_run(db, one, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "newer"));
    db_close(db);
    tu_rmrf(dir);
    free(dir);
}

static void backup_while_open_then_restore_keeps_the_old_database_aside(void **state)
{
    (void)state;
    char *dir;
    db_t *db = tu_db(&dir);
    tu_exec(db, "INSERT INTO schedules (name, title, cron, job_kind, created_at, updated_at) "
                "VALUES ('before', 'b', '* * * * *', 'k', 1, 1)");
    char src[1100], bak[1100], err[512], kept[1200];
    snprintf(src, sizeof src, "%s/test.db", dir);
    snprintf(bak, sizeof bak, "%s/backup.db", dir);
    /* the server still has it open (pool connections alive) */
    assert_int_equal(sqlite_backup_file(src, bak, err, sizeof err), 0);
    assert_int_equal(sqlite_verify_file(bak, err, sizeof err), 0);
    tu_exec(db, "INSERT INTO schedules (name, title, cron, job_kind, created_at, updated_at) "
                "VALUES ('after', 'a', '* * * * *', 'k', 1, 1)");
    db_close(db);
    assert_int_equal(sqlite_restore_file(bak, src, kept, sizeof kept, err, sizeof err), 0);
    assert_true(strstr(kept, "before-restore") != NULL);
    assert_int_equal(access(kept, R_OK), 0);
    db = open_db(dir, "test.db");
    assert_int_equal(tu_int(db, "SELECT COUNT(*) FROM schedules WHERE name = 'before'"), 1);
    assert_int_equal(tu_int(db, "SELECT COUNT(*) FROM schedules WHERE name = 'after'"), 0);
    db_close(db);
    tu_rmrf(dir);
    free(dir);
}

static void restore_refuses_a_damaged_or_foreign_file_and_changes_nothing(void **state)
{
    (void)state;
    char *dir;
    db_t *db = tu_db(&dir);
    db_close(db);
    char src[1100], junk[1100], other[1100], err[512], kept[1200];
    snprintf(src, sizeof src, "%s/test.db", dir);
    snprintf(junk, sizeof junk, "%s/junk.db", dir);
    snprintf(other, sizeof other, "%s/other.db", dir);
    FILE *f = fopen(junk, "w");
    fputs("this is not a database", f);
    fclose(f);
    assert_int_equal(sqlite_restore_file(junk, src, kept, sizeof kept, err, sizeof err), -1);
    db_t *o = open_db(dir, "other.db"); /* a valid SQLite file, but not ours */
    tu_exec(o, "CREATE TABLE x (a)");
    db_close(o);
    assert_int_equal(sqlite_restore_file(other, src, kept, sizeof kept, err, sizeof err), -1);
    assert_non_null(strstr(err, "zhendi"));
    assert_int_equal(sqlite_verify_file(src, err, sizeof err), 0); /* untouched */
    tu_rmrf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(migrations_apply_in_order_once),
        cmocka_unit_test(an_edited_applied_migration_is_refused),
        cmocka_unit_test(a_failing_migration_leaves_nothing_half_done),
        cmocka_unit_test(a_database_from_a_newer_version_is_refused),
        cmocka_unit_test(backup_while_open_then_restore_keeps_the_old_database_aside),
        cmocka_unit_test(restore_refuses_a_damaged_or_foreign_file_and_changes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
