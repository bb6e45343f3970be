/* notify_user and notify_perm on a real (SQLite) database: who is reached
 * by a permission's scope (all, subtree, org, self), an organisation type,
 * an excepted user, disabled accounts; the message as stored (title cut at
 * a character boundary, a foreign link dropped); a rollback takes the
 * messages with it. */
#include "support/cm.h"
#include "support/testutil.h"

#include "auth/auth.h"
#include "core/str.h"
#include "modules/notify/notify.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const auth_perm_t PERMS[] = {{"t.review", "审核", AUTH_DUTY_BUSINESS},
                                    {"t.other", "其他", AUTH_DUTY_BUSINESS}};
static const auth_perm_group_t GROUP = {"t", "测试", PERMS, 2};

static void seed(db_t *db)
{
    tu_exec(
        db,
        "INSERT INTO orgs (id, parent_id, type, code, name, path, depth, created_at, updated_at) VALUES "
        "(1, NULL, 'city', 'C', '市', '/1/', 0, 0, 0), (2, 1, 'district', 'A', '甲区', '/1/2/', 1, 0, 0), "
        "(3, 2, 'street', 'A1', '甲区一街道', '/1/2/3/', 2, 0, 0), "
        "(4, 1, 'district', 'B', '乙区', '/1/4/', 1, 0, 0)");
    tu_exec(db, "INSERT INTO roles (id, name, title, data_scope, created_at, updated_at) VALUES "
                "(1, 'r_all', '全市', 'all', 0, 0), (2, 'r_sub', '本级及下级', 'subtree', 0, 0), "
                "(3, 'r_org', '本组织', 'org', 0, 0), (4, 'r_self', '本人', 'self', 0, 0), "
                "(5, 'r_other', '别的权限', 'subtree', 0, 0)");
    tu_exec(db, "INSERT INTO role_permissions (role_id, permission) VALUES (1, 't.review'), (2, 't.review'), "
                "(3, 't.review'), (4, 't.review'), (5, 't.other')");
    static const struct {
        int id, org, role;
        const char *status;
    } U[] = {{1, 1, 1, "active"}, {2, 2, 2, "active"}, {3, 3, 3, "active"},  {4, 4, 2, "active"},
             {5, 2, 4, "active"}, {6, 2, 5, "active"}, {7, 2, 2, "disabled"}};
    for (size_t i = 0; i < sizeof U / sizeof U[0]; i++) {
        char sql[400];
        snprintf(sql, sizeof sql,
                 "INSERT INTO users (id, username, name, org_id, password_hash, password_changed_at, status, "
                 "created_at, updated_at) VALUES (%d, 'u%d', '用户%d', %d, 'x', 0, '%s', 0, 0)",
                 U[i].id, U[i].id, U[i].id, U[i].org, U[i].status);
        tu_exec(db, sql);
        snprintf(sql, sizeof sql, "INSERT INTO user_roles (user_id, role_id) VALUES (%d, %d)", U[i].id,
                 U[i].role);
        tu_exec(db, sql);
    }
}

static db_t *open_db(char **dir)
{
    auth_permissions_reset();
    assert_int_equal(auth_register_permissions(&GROUP), 0);
    db_t *db = tu_db(dir);
    seed(db);
    return db;
}

static void close_db(db_t *db, char *dir)
{
    db_close(db);
    tu_rmrf(dir);
    free(dir);
}

/* the recipients of the messages titled t, as "1,2,3" */
static void recipients(db_t *db, const char *t, char *out, size_t outsz)
{
    db_conn_t *c = db_acquire(db);
    db_stmt_t *st = db_prepare(c, "SELECT user_id FROM notifications WHERE title = ? ORDER BY user_id");
    db_bind_text(st, 1, t);
    out[0] = 0;
    while (db_step(st) == DB_ROW) {
        size_t n = strlen(out);
        snprintf(out + n, outsz - n, "%s%lld", n ? "," : "", (long long)db_col_int64(st, 0));
    }
    db_done(st);
    db_release(c);
}

static int perm(db_t *db, const char *p, int64_t org, const char *type, int64_t except, const char *title)
{
    db_conn_t *c = db_acquire(db);
    notify_msg_t m = {.kind = "review.new", .title = title};
    int n = notify_perm(c, p, org, type, except, &m);
    db_release(c);
    return n;
}

static void a_permission_reaches_those_whose_scope_covers_the_organisation(void **state)
{
    (void)state;
    char *dir, got[100];
    db_t *db = open_db(&dir);
    /* the street: the city (all), its district (subtree), itself (org); not
     * the other district, not "self", not another permission, not the disabled */
    assert_int_equal(perm(db, "t.review", 3, NULL, 0, "街道"), 3);
    recipients(db, "街道", got, sizeof got);
    assert_string_equal(got, "1,2,3");
    /* the district itself: its subtree holder and the city; not the street's org-scoped user */
    assert_int_equal(perm(db, "t.review", 2, NULL, 0, "甲区"), 2);
    recipients(db, "甲区", got, sizeof got);
    assert_string_equal(got, "1,2");
    assert_int_equal(perm(db, "t.review", 4, NULL, 0, "乙区"), 2);
    recipients(db, "乙区", got, sizeof got);
    assert_string_equal(got, "1,4");
    /* only users of district organisations; everyone but user 2 */
    assert_int_equal(perm(db, "t.review", 3, "district", 0, "区级"), 1);
    recipients(db, "区级", got, sizeof got);
    assert_string_equal(got, "2");
    assert_int_equal(perm(db, "t.review", 3, NULL, 2, "除外"), 2);
    recipients(db, "除外", got, sizeof got);
    assert_string_equal(got, "1,3");
    /* an unknown permission or organisation reaches nobody */
    assert_int_equal(perm(db, "t.nonesuch", 3, NULL, 0, "无"), 0);
    assert_int_equal(perm(db, "t.review", 99, NULL, 0, "无"), 0);
    /* no organisation: only the city-wide scope */
    assert_int_equal(perm(db, "t.review", 0, NULL, 0, "全市"), 1);
    close_db(db, dir);
}

static void a_message_is_stored_clean_and_goes_with_its_transaction(void **state)
{
    (void)state;
    char *dir;
    db_t *db = open_db(&dir);
    db_conn_t *c = db_acquire(db);
    /* 250 characters of Chinese: cut to 200, on a character boundary */
    sbuf_t t;
    sbuf_init(&t);
    for (int i = 0; i < 250; i++)
        sbuf_puts(&t, "审");
    notify_msg_t m = {.user_id = 2,
                      .kind = "system",
                      .title = t.data,
                      .body = "第一行\n第二行",
                      .link = "//evil.example/x"};
    assert_int_equal(notify_user(c, &m), 0);
    db_stmt_t *st = db_prepare(c, "SELECT title, body, link, org_id FROM notifications WHERE user_id = 2");
    assert_int_equal(db_step(st), DB_ROW);
    assert_int_equal(utf8_count(db_col_text(st, 0), strlen(db_col_text(st, 0))), 200);
    assert_string_equal(db_col_text(st, 1), "第一行\n第二行");
    assert_null(db_col_text(st, 2));          /* not a console route */
    assert_int_equal(db_col_int64(st, 3), 2); /* 0: the recipient's organisation */
    db_done(st);
    sbuf_free(&t);
    /* a disabled or unknown recipient gets nothing, without an error */
    m = (notify_msg_t){.user_id = 7, .kind = "system", .title = "停用"};
    assert_int_equal(notify_user(c, &m), 0);
    m.user_id = 999;
    assert_int_equal(notify_user(c, &m), 0);
    /* rolled back with the caller's transaction */
    assert_int_equal(db_begin(c), 0);
    m = (notify_msg_t){.user_id = 3, .kind = "system", .title = "回滚", .link = "/review/items/1"};
    assert_int_equal(notify_user(c, &m), 0);
    assert_int_equal(db_rollback(c), 0);
    db_release(c);
    assert_int_equal(tu_int(db, "SELECT COUNT(*) FROM notifications WHERE user_id IN (3, 7, 999)"), 0);
    close_db(db, dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_permission_reaches_those_whose_scope_covers_the_organisation),
        cmocka_unit_test(a_message_is_stored_clean_and_goes_with_its_transaction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
