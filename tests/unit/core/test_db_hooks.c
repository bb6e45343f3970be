/* db_after_commit: a hook runs once after its transaction commits, never
 * after a rollback, a refused or a failed commit, and at once outside a
 * transaction. (SQLite; the hooks live in the backend-neutral db.c.) */
#include "support/cm.h"
#include "support/testutil.h"

#include "core/db.h"
#include <stdint.h>
#include <stdlib.h>

static int ran[4];
static void hook(void *ud) { ran[(intptr_t)ud]++; }
static int refuse(void *ud)
{
    (void)ud;
    return -1;
}

static void a_hook_runs_after_the_commit_once(void **state)
{
    (void)state;
    char *dir;
    db_t *db = tu_db(&dir);
    db_conn_t *c = db_acquire(db);
    ran[1] = ran[2] = 0;
    assert_int_equal(db_begin(c), 0);
    assert_int_equal(db_after_commit(c, hook, (void *)1), 0);
    assert_int_equal(db_after_commit(c, hook, (void *)1), 0); /* the same hook is kept once */
    assert_int_equal(db_after_commit(c, hook, (void *)2), 0);
    assert_int_equal(ran[1], 0);
    assert_int_equal(db_commit(c), 0);
    assert_int_equal(ran[1], 1);
    assert_int_equal(ran[2], 1);
    /* the next transaction starts without them */
    assert_int_equal(db_begin(c), 0);
    assert_int_equal(db_commit(c), 0);
    assert_int_equal(ran[1], 1);
    db_release(c);
    db_close(db);
    tu_rmrf(dir);
    free(dir);
}

static void a_rollback_a_refused_commit_and_a_release_drop_the_hooks(void **state)
{
    (void)state;
    char *dir;
    db_t *db = tu_db(&dir);
    db_conn_t *c = db_acquire(db);
    ran[1] = 0;
    assert_int_equal(db_begin(c), 0);
    db_after_commit(c, hook, (void *)1);
    assert_int_equal(db_rollback(c), 0);
    assert_int_equal(db_begin(c), 0);
    db_set_commit_check(c, refuse, NULL);
    db_after_commit(c, hook, (void *)1);
    assert_int_equal(db_commit(c), -1);
    db_set_commit_check(c, NULL, NULL);
    assert_int_equal(db_begin(c), 0);
    db_after_commit(c, hook, (void *)1);
    db_release(c); /* rolls back */
    c = db_acquire(db);
    assert_int_equal(db_begin(c), 0);
    assert_int_equal(db_commit(c), 0);
    assert_int_equal(ran[1], 0);
    /* outside a transaction: at once */
    db_after_commit(c, hook, (void *)1);
    assert_int_equal(ran[1], 1);
    db_release(c);
    db_close(db);
    tu_rmrf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_hook_runs_after_the_commit_once),
        cmocka_unit_test(a_rollback_a_refused_commit_and_a_release_drop_the_hooks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
