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

/* What someone with write access to the database alone (the PostgreSQL
 * administrator) can do to the log: re-hash it with SM3 after an edit. The
 * attacker knows the format of the chain, not the key. */
static void put(char *buf, size_t *off, size_t cap, const char *s)
{
    *off += (size_t)snprintf(buf + *off, cap - *off, s ? "%zu:%s|" : "-:|", s ? strlen(s) : (size_t)0, s);
}

static void rehash_from(db_t *db, int64_t first_seq)
{
    db_conn_t *c = db_acquire(db);
    db_stmt_t *st =
        db_prepare(c, "SELECT seq, at, user_id, username, org_id, ip, user_agent, action, target_type, "
                      "target_id, outcome, detail, before_json, after_json FROM audit_log ORDER BY seq");
    char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
    struct {
        int64_t seq;
        char prev[65], hash[65];
    } out[64];
    int n = 0;
    while (db_step(st) == DB_ROW && n < 64) {
        char buf[8192], num[32];
        size_t off = (size_t)snprintf(buf, sizeof buf, "%s", prev);
        for (int i = 0; i < 14; i++) {
            bool isnum = i == 0 || i == 1 || i == 2 || i == 4;
            if (isnum && !db_col_is_null(st, i)) {
                snprintf(num, sizeof num, "%lld", (long long)db_col_int64(st, i));
                put(buf, &off, sizeof buf, num);
            } else {
                put(buf, &off, sizeof buf, db_col_text(st, i));
            }
        }
        char h[65];
        crypto_sm3_hex(buf, off, h);
        if (db_col_int64(st, 0) >= first_seq) {
            out[n].seq = db_col_int64(st, 0);
            strcpy(out[n].prev, prev);
            strcpy(out[n].hash, h);
            n++;
        }
        strcpy(prev, h);
    }
    db_done(st);
    for (int i = 0; i < n; i++) {
        st = db_prepare(c, "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?");
        db_bind_text(st, 1, out[i].prev);
        db_bind_text(st, 2, out[i].hash);
        db_bind_int64(st, 3, out[i].seq);
        assert_int_equal(db_step(st), DB_DONE);
        db_done(st);
    }
    st = db_prepare(c, "UPDATE audit_head SET seq = (SELECT MAX(seq) FROM audit_log), last_hash = ?");
    db_bind_text(st, 1, prev);
    assert_int_equal(db_step(st), DB_DONE);
    db_done(st);
    db_release(c);
}

static void a_chain_rewritten_with_database_access_alone_is_caught(void **state)
{
    (void)state;
    char *dir;
    db_t *db = tu_db(&dir);
    unsigned char key[32] = {7};
    crypto_set_master_key(key);
    char anchor[4200];
    snprintf(anchor, sizeof anchor, "%s/audit-anchor.log", dir);
    audit_configure(anchor);
    db_conn_t *c = db_acquire(db);
    for (int i = 0; i < 8; i++) {
        audit_entry_t e = {.action = "test.act", .detail = "记录"};
        assert_int_equal(audit_write(c, NULL, &e), 0);
        if (i == 5)
            assert_int_equal(audit_anchor(db), 0); /* the head at seq 6 is anchored */
    }
    db_release(c);
    int64_t checked, broken;
    char err[256];
    assert_int_equal(audit_verify(db, &checked, &broken, err, sizeof err), 0);
    tu_exec(db, "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete");
    /* 1: a record removed from the middle, the later ones re-hashed */
    tu_exec(db, "DELETE FROM audit_log WHERE seq = 3; UPDATE audit_log SET seq = seq - 1 WHERE seq > 3");
    rehash_from(db, 3);
    assert_int_equal(audit_verify(db, &checked, &broken, err, sizeof err), -1);
    assert_non_null(strstr(err, "密钥校验码"));
    assert_int_equal(broken, tu_int(db, "SELECT id FROM audit_log WHERE seq = 3"));
    db_close(db);
    tu_rmrf(dir);
    free(dir);

    /* 2: the last records cut off and the head moved back */
    db = tu_db(&dir);
    snprintf(anchor, sizeof anchor, "%s/audit-anchor.log", dir);
    audit_configure(anchor);
    c = db_acquire(db);
    for (int i = 0; i < 6; i++) {
        audit_entry_t e = {.action = "test.act"};
        assert_int_equal(audit_write(c, NULL, &e), 0);
    }
    db_release(c);
    assert_int_equal(audit_anchor(db), 0);
    assert_int_equal(audit_anchor(db), 0); /* nothing new: no second line */
    tu_exec(db, "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete");
    tu_exec(db, "DELETE FROM audit_log WHERE seq > 4");
    rehash_from(db, 99); /* only the head moves */
    assert_int_equal(audit_verify(db, &checked, &broken, err, sizeof err), -1);
    assert_non_null(strstr(err, "锚点"));
    assert_int_equal(broken, 5);
    audit_configure(NULL);
    db_close(db);
    tu_rmrf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(argon2id_hashes_verify_and_differ_per_salt),
        cmocka_unit_test(a_chain_rewritten_with_database_access_alone_is_caught),
        cmocka_unit_test(the_policy_rules_name_what_is_wrong),
        cmocka_unit_test(sealed_fields_open_only_unaltered_and_with_the_key),
        cmocka_unit_test(totp_codes_verify_once_within_a_step),
        cmocka_unit_test(the_audit_chain_detects_a_changed_or_deleted_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
