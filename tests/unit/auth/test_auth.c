/* Passwords, field encryption, TOTP and the audit chain. */
#include "support/cm.h"
#include "support/testutil.h"

#include "auth/auth.h"
#include "auth/password.h"
#include "auth/totp.h"
#include "core/crypto.h"
#include <stdlib.h>
#include <string.h>

static void argon2id_hashes_verify_and_differ_per_salt(void **state)
{
    (void)state;
    password_set_cost(1, 1024, 1);
    char a[PASSWORD_HASH_MAX], b[PASSWORD_HASH_MAX];
    assert_int_equal(password_hash("Secret-2026", a, sizeof a), 0);
    assert_int_equal(password_hash("Secret-2026", b, sizeof b), 0);
    assert_true(strncmp(a, "$argon2id$", 10) == 0);
    assert_string_not_equal(a, b);
    assert_true(password_verify(a, "Secret-2026"));
    assert_false(password_verify(a, "secret-2026"));
    assert_false(password_verify("garbage", "x"));
}

static void the_policy_rules_name_what_is_wrong(void **state)
{
    (void)state;
    assert_non_null(password_check("Ab1!", "u", 8, 3));
    assert_non_null(password_check("abcdefgh", "u", 8, 3));
    assert_null(password_check("abcdefG1", "u", 8, 3));
    assert_non_null(password_check("Zhangsan-2026", "zhangsan", 8, 3));
    assert_non_null(password_check("Abc\x01"
                                   "defg1",
                                   "u", 8, 3));
    char gen[40];
    for (int i = 0; i < 50; i++) {
        password_generate(gen, 16);
        assert_int_equal(strlen(gen), 16);
        assert_null(password_check(gen, "admin", 8, 4));
    }
}

static void sealed_fields_open_only_unaltered_and_with_the_key(void **state)
{
    (void)state;
    unsigned char key[32] = {1, 2, 3};
    crypto_set_master_key(key);
    char *s = crypto_seal("13812345678");
    assert_non_null(s);
    assert_null(strstr(s, "1381"));
    char *p = crypto_open(s);
    assert_string_equal(p, "13812345678");
    free(p);
    s[10] ^= 1; /* tamper */
    assert_null(crypto_open(s));
    s[10] ^= 1;
    key[0] = 9;
    crypto_set_master_key(key);
    assert_null(crypto_open(s));
    free(s);
}

static void totp_codes_verify_once_within_a_step(void **state)
{
    (void)state;
    assert_int_equal(totp_init(), 0);
    const char *secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    char code[7];
    assert_int_equal(totp_code(secret, 1764384000, code), 0);
    int64_t step = totp_check(secret, code, 1764384000, 0);
    assert_true(step > 0);
    assert_int_equal(totp_check(secret, code, 1764384000, step), -1); /* replay */
    assert_true(totp_check(secret, code, 1764384000 + 30, 0) > 0);    /* one step of drift */
    assert_int_equal(totp_check(secret, code, 1764384000 + 120, 0), -1);
    assert_int_equal(totp_check(secret, "12a456", 1764384000, 0), -1);
    char *svg = totp_qr_svg("otpauth://totp/x");
    assert_non_null(strstr(svg, "<svg"));
    free(svg);
}

static void the_audit_chain_detects_a_changed_or_deleted_record(void **state)
{
    (void)state;
    char *dir;
    db_t *db = tu_db(&dir);
    db_conn_t *c = db_acquire(db);
    for (int i = 0; i < 5; i++) {
        audit_entry_t e = {.action = "test.act", .detail = "第一条"};
        assert_int_equal(audit_write(c, NULL, &e), 0);
    }
    db_release(c);
    int64_t checked, broken;
    char err[256];
    assert_int_equal(audit_verify(db, &checked, &broken, err, sizeof err), 0);
    assert_int_equal(checked, 5);
    tu_exec(db, "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete");
    tu_exec(db, "UPDATE audit_log SET detail = '改过' WHERE seq = 3");
    assert_int_equal(audit_verify(db, &checked, &broken, err, sizeof err), -1);
    assert_int_equal(broken, tu_int(db, "SELECT id FROM audit_log WHERE seq = 3"));
    tu_exec(db, "UPDATE audit_log SET detail = '第一条' WHERE seq = 3");
    assert_int_equal(audit_verify(db, &checked, &broken, err, sizeof err), 0);
    tu_exec(db, "DELETE FROM audit_log WHERE seq = 5"); /* cut the tail */
    assert_int_equal(audit_verify(db, &checked, &broken, err, sizeof err), -1);
    tu_exec(db, "DELETE FROM audit_log WHERE seq = 2"); /* a hole */
    assert_int_equal(audit_verify(db, &checked, &broken, err, sizeof err), -1);
    db_close(db);
    tu_rmrf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(argon2id_hashes_verify_and_differ_per_salt),
        cmocka_unit_test(the_policy_rules_name_what_is_wrong),
        cmocka_unit_test(sealed_fields_open_only_unaltered_and_with_the_key),
        cmocka_unit_test(totp_codes_verify_once_within_a_step),
        cmocka_unit_test(the_audit_chain_detects_a_changed_or_deleted_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
