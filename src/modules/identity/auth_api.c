/* auth_api.c — login and logout, the caller's own account (me, password,
 * TOTP enrolment) and API tokens. Login failures are counted per account
 * (lockout) and per client address (rate limit, shared by all nodes through
 * the database); every attempt is audited. */
#include "auth/password.h"
#include "auth/session.h"
#include "auth/totp.h"
#include "core/crypto.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/identity/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* {"user","permissions","csrf_token","must_change_password",...} of a context */
static json_t *me_json(http_req_t *req, db_conn_t *c, const auth_ctx_t *a)
{
    json_t *u = identity_user_load(NULL, c, a->user_id, true);
    (void)req;
    json_t *perms = json_array();
    for (int i = 0; i < a->nperms; i++)
        json_array_append_new(perms, json_string(a->perms[i]));
    static const char *const scopes[] = {"self", "org", "subtree", "all"};
    auth_policy_t pol;
    auth_policy(identity_ctx.db, &pol);
    json_t *rules = json_pack("{s:i,s:i,s:i,s:i}", "min_length", pol.password_min_length, "min_classes",
                              pol.password_min_classes, "history", pol.password_history, "max_age_days",
                              pol.password_max_age_days);
    json_t *o =
        json_pack("{s:o,s:o,s:s,s:s,s:b,s:b,s:b,s:o}", "user", u ? u : json_null(), "permissions", perms,
                  "data_scope", scopes[a->scope], "csrf_token", a->csrf, "must_change_password",
                  a->must_change_password || a->password_expired, "password_expired", a->password_expired,
                  "totp_enrollment_required", a->totp_enrolment_required, "password_expires_at",
                  a->password_expires_at ? json_time(a->password_expires_at) : json_null());
    json_object_set_new(o, "password_policy", rules); /* the rules a new password must meet */
    return o;
}

/* One login attempt on the record; the audit write fails closed: false
 * after answering 5xx. */
static bool audit_login(http_req_t *req, db_conn_t *c, const char *username, int64_t user_id,
                        const char *outcome, const char *detail)
{
    audit_entry_t e = {.action = "auth.login",
                       .target_type = "user",
                       .target = user_id,
                       .outcome = outcome,
                       .detail = http_printf(req, "%s：%s", username, detail)};
    if (audit_write(c, req, &e) == 0)
        return true;
    http_db_error(req, c);
    return false;
}

/* Remembers the attempt; and before it, is this address over its limits:
 * failures for this user name, or attempts of any kind? 1 limited, 0 not,
 * -1 database trouble. */
static int login_limited(http_req_t *req, db_conn_t *c, const auth_policy_t *pol, const char *username)
{
    int64_t now = time_now_ms(), fails = 0, all = 0;
    db_stmt_t *st = db_prepare(c, "SELECT COUNT(*), SUM(CASE WHEN username = ? AND ok = 0 THEN 1 ELSE 0 END) "
                                  "FROM login_attempts WHERE ip = ? AND at > ?");
    if (!st)
        return -1;
    db_bind_text(st, 1, username);
    db_bind_text(st, 2, http_client_ip(req));
    db_bind_int64(st, 3, now - 60000);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        all = db_col_int64(st, 0);
        fails = db_col_int64(st, 1);
    }
    db_done(st);
    return rc != DB_ROW ? -1 : fails >= pol->login_rate_per_minute || all >= pol->login_address_per_minute;
}

static int remember_attempt(http_req_t *req, db_conn_t *c, const char *username, bool ok)
{
    db_stmt_t *st = db_prepare(c, "INSERT INTO login_attempts (ip, username, ok, at) VALUES (?, ?, ?, ?)");
    if (!st)
        return -1;
    db_bind_text(st, 1, http_client_ip(req));
    db_bind_text(st, 2, username);
    db_bind_bool(st, 3, ok);
    db_bind_int64(st, 4, time_now_ms());
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

/* A wrong password or code: one more failure, counted in one statement so
 * that parallel attempts cannot lose each other's counts; the threshold
 * locks the account and starts the count again. */
static int count_failure(db_conn_t *c, int64_t id, const auth_policy_t *pol)
{
    db_stmt_t *st = db_prepare(
        c, "UPDATE users SET locked_until = CASE WHEN failed_logins + 1 >= ? THEN ? ELSE locked_until END, "
           "failed_logins = CASE WHEN failed_logins + 1 >= ? THEN 0 ELSE failed_logins + 1 END WHERE id = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, pol->lockout_threshold);
    db_bind_int64(st, 2, time_now_ms() + (int64_t)pol->lockout_minutes * 60000);
    db_bind_int64(st, 3, pol->lockout_threshold);
    db_bind_int64(st, 4, id);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

/* A refused attempt: counted, recorded, answered. An unknown name, a wrong
 * password, a locked account with a wrong password: the same answer, so
 * that nobody learns which accounts exist. */
static void refuse(http_req_t *req, db_conn_t *c, const char *username, int64_t id, const char *why,
                   int status, const char *code, const char *msg)
{
    if (remember_attempt(req, c, username, false) != 0) {
        http_db_error(req, c);
        return;
    }
    if (!audit_login(req, c, username, id, status == 401 ? "failure" : "denied", why))
        return;
    if (status == 429)
        http_add_header(req, "Retry-After", "60");
    http_error(req, status, code, "%s", msg);
}

static const vfield_t LOGIN_BODY[] = {
    {"username", V_STR, true, 1, 64, NULL, NULL, "用户名"},
    {"password", V_STR, true, 1, 128, NULL, NULL, "密码"},
    {"totp", V_STR, false, 0, 10, NULL, NULL, "动态口令（6 位；已绑定时必填）"},
    {"two_step", V_BOOL, false, 0, 0, NULL, NULL,
     "分步登录：密码正确而缺动态口令时答 200 {totp_required:true}"},
};

#define WRONG "用户名或密码错误"

static void login(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    json_t *b = http_json_body(req);
    const char *username = jstr(b, "username"), *pw = jstr(b, "password"), *code = jstr(b, "totp");
    auth_policy_t pol;
    auth_policy(identity_ctx.db, &pol);
    int limited = login_limited(req, c, &pol, username);
    if (limited != 0) {
        if (limited < 0)
            http_db_error(req, c);
        else
            refuse(req, c, username, 0, "登录过于频繁", 429, "too_many_requests",
                   "登录尝试过于频繁，请一分钟后再试");
        return;
    }
    int64_t now = time_now_ms(), id = 0, locked = 0, last_step = 0;
    char hash[PASSWORD_HASH_MAX] = "", status[16] = "";
    char *totp_secret = NULL;
    db_stmt_t *st = db_prepare(c, "SELECT id, password_hash, status, locked_until, totp_enc, totp_last_step "
                                  "FROM users WHERE username = ?");
    if (!st) {
        http_db_error(req, c);
        return;
    }
    db_bind_text(st, 1, username);
    if (db_step(st) == DB_ROW) {
        id = db_col_int64(st, 0);
        str_lcpy(hash, db_col_text(st, 1), sizeof hash);
        str_lcpy(status, db_col_text(st, 2), sizeof status);
        locked = db_col_int64(st, 3);
        totp_secret = db_col_text(st, 4) ? crypto_open(db_col_text(st, 4)) : NULL;
        last_step = db_col_int64(st, 5);
    }
    db_done(st);
    if (totp_secret)
        http_defer(req, free, totp_secret);
    /* the same work for every name: no enumeration by timing either */
    bool pw_ok = id ? password_verify(hash, pw) : (password_dummy_verify(pw), false);
    if (!pw_ok) {
        if (id && count_failure(c, id, &pol) != 0) {
            http_db_error(req, c);
            return;
        }
        refuse(req, c, username, id,
               !id            ? "用户不存在"
               : locked > now ? "账号已锁定，密码错误"
                              : "密码错误",
               401, "invalid_credentials", WRONG);
        return;
    }
    /* only the owner of the password learns the account's state */
    if (locked > now) {
        refuse(req, c, username, id, "账号已锁定", 423, "account_locked",
               http_printf(req, "密码错误次数过多，账号已锁定，请 %lld 分钟后再试或联系管理员解锁",
                           (long long)((locked - now) / 60000 + 1)));
        return;
    }
    if (strcmp(status, "active") != 0) {
        refuse(req, c, username, id, "账号已停用", 403, "account_disabled", "账号已停用，请联系管理员");
        return;
    }
    if (totp_secret && (!code || !*code)) {
        /* the first step of a two-step login: neither a failure nor a record.
         * A client that asks for the two steps (the console) gets them as a
         * normal answer; others keep the 401 of the contract. */
        if (jbool(b, "two_step", false)) {
            http_unchanged(req);
            http_json(req, 200, json_pack("{s:b}", "totp_required", 1));
        } else
            http_error(req, 401, "totp_required", "请输入身份验证器上的 6 位动态口令");
        return;
    }
    char cookie[65], csrf[65];
    if (!http_begin(req, c))
        return;
    int64_t step = totp_secret ? totp_check(totp_secret, code, now / 1000, last_step) : 0;
    if (totp_secret && step > 0) {
        /* claim the time step: of parallel logins with one code, one wins */
        st = db_prepare(c, "UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?");
        int rc = DB_ERROR;
        if (st) {
            db_bind_int64(st, 1, step);
            db_bind_int64(st, 2, id);
            db_bind_int64(st, 3, step);
            rc = db_step(st);
        }
        db_done(st);
        if (rc != DB_DONE) {
            http_db_error(req, c);
            return;
        }
        if (db_changes(c) == 0)
            step = -1;
    }
    if (totp_secret && step <= 0) {
        db_rollback(c);
        if (count_failure(c, id, &pol) != 0) {
            http_db_error(req, c);
            return;
        }
        refuse(req, c, username, id, "动态口令错误或已使用", 401, "totp_invalid", "动态口令错误或已使用过");
        return;
    }
    st = db_prepare(c,
                    "UPDATE users SET failed_logins = 0, locked_until = NULL, prev_login_at = last_login_at, "
                    "prev_login_ip = last_login_ip, last_login_at = ?, last_login_ip = ? WHERE id = ?");
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, now);
        db_bind_text(st, 2, http_client_ip(req));
        db_bind_int64(st, 3, id);
        rc = db_step(st);
    }
    db_done(st);
    auth_ctx_t *a = http_alloc(req, sizeof *a);
    if (rc != DB_DONE || remember_attempt(req, c, username, true) != 0 ||
        session_create(c, id, http_client_ip(req), http_header_in(req, "User-Agent"), &pol, cookie, csrf) !=
            0 ||
        auth_load_user(c, id, &pol, a) != 0) {
        http_db_error(req, c);
        return;
    }
    str_lcpy(a->csrf, csrf, sizeof a->csrf);
    http_set_user(req, a->user_id, a->org_id, a->username, a);
    if (!audit_login(req, c, username, id, "success", totp_secret ? "密码 + 动态口令" : "密码"))
        return;
    json_t *me = me_json(req, c, a); /* read before the commit that makes it true */
    if (db_commit(c) != 0) {
        json_decref(me);
        http_db_error(req, c);
        return;
    }
    http_add_header(req, "Set-Cookie", session_cookie(req, cookie, pol.session_max_hours * 3600));
    http_json(req, 200, me);
}

static void logout(http_req_t *req)
{
    const auth_ctx_t *a = auth_of(req);
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    if (db_begin(c) != 0 || (a->session_id[0] && session_revoke(c, a->session_id, "logout") != 0)) {
        http_db_error(req, c);
        return;
    }
    audit_entry_t ae = {.target_type = "user",
                        .target = a->user_id,
                        .detail = a->via_token ? "API 令牌：无会话可结束" : NULL};
    if (!audit_commit(req, c, &ae))
        return;
    http_add_header(req, "Set-Cookie", session_cookie(req, "", 0));
    http_no_content(req);
}

static void me(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (c)
        http_json(req, 200, me_json(req, c, auth_of(req)));
}

/* Whether password is the user's own (re-authentication before a change). */
static bool own_password(db_conn_t *c, int64_t user_id, const char *password)
{
    char hash[PASSWORD_HASH_MAX] = "";
    db_stmt_t *st = db_prepare(c, "SELECT password_hash FROM users WHERE id = ?");
    if (st) {
        db_bind_int64(st, 1, user_id);
        if (db_step(st) == DB_ROW)
            str_lcpy(hash, db_col_text(st, 0), sizeof hash);
    }
    db_done(st);
    return password_verify(hash, password);
}

static const vfield_t CONTACT_BODY[] = {
    {"password", V_STR, true, 1, 128, NULL, NULL, "登录密码（确认是本人操作）"},
    {"phone", V_STR, false, 0, 30, NULL, identity_check_phone, "手机（空字符串清除）"},
    {"email", V_STR, false, 0, 100, NULL, identity_check_email, "邮箱（空字符串清除）"}};

/* One's own phone and e-mail, after re-entering the password: a stolen
 * session alone cannot redirect the account's contacts. */
static void update_contact(http_req_t *req)
{
    db_conn_t *c;
    if (!(c = http_db(req)))
        return;
    const auth_ctx_t *a = auth_of(req);
    json_t *b = http_json_body(req);
    if (!jhas(b, "phone") && !jhas(b, "email")) {
        http_error(req, 400, "bad_request", "请填写要修改的手机或邮箱");
        return;
    }
    if (!own_password(c, a->user_id, jstr(b, "password"))) {
        if (!audit_simple(req, "auth.contact_update", "user", a->user_id, "failure", "密码错误"))
            return;
        http_error_fields(req, json_pack("{s:s}", "password", "密码不正确"));
        return;
    }
    if (db_begin(c) != 0) {
        http_db_error(req, c);
        return;
    }
    json_t *before = http_defer_json(req, identity_user_load(NULL, c, a->user_id, false));
    qb_t q;
    qb_init(&q, "UPDATE users SET updated_at = ");
    qb_int(&q, time_now_ms());
    if (jhas(b, "email")) {
        qb_sql(&q, ", email = ");
        qb_text(&q, *jstr(b, "email") ? jstr(b, "email") : NULL);
    }
    char *sealed = NULL;
    if (jhas(b, "phone")) {
        const char *ph = jstr(b, "phone");
        char masked[32] = "";
        if (*ph) {
            sealed = crypto_seal(ph);
            identity_phone_mask(ph, masked, sizeof masked);
        }
        qb_sql(&q, ", phone_enc = ");
        qb_text(&q, sealed);
        qb_sql(&q, ", phone_masked = ");
        qb_text(&q, sealed ? masked : NULL);
    }
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, a->user_id);
    db_stmt_t *st = (!jhas(b, "phone") || !*jstr(b, "phone") || sealed) ? qb_prepare(c, &q) : NULL;
    int rc = st ? db_step(st) : DB_ERROR;
    db_done(st);
    qb_free(&q);
    free(sealed);
    json_t *after =
        rc == DB_DONE ? http_defer_json(req, identity_user_load(NULL, c, a->user_id, false)) : NULL;
    audit_entry_t ae = {.target_type = "user", .target = a->user_id, .before = before, .after = after};
    audit_reply(req, c, rc == DB_DONE, &ae, 200, rc == DB_DONE ? me_json(req, c, a) : NULL);
}

static const vfield_t PASSWORD_BODY[] = {{"old_password", V_STR, true, 1, 128, NULL, NULL, "原密码"},
                                         {"new_password", V_STR, true, 1, 128, NULL, NULL, "新密码"}};

static void change_password(http_req_t *req)
{
    db_conn_t *c;
    if (!(c = http_db(req)))
        return;
    const auth_ctx_t *a = auth_of(req);
    if (a->via_token) {
        http_error(req, 403, "forbidden", "API 令牌不能修改密码");
        return;
    }
    json_t *b = http_json_body(req);
    auth_policy_t pol;
    auth_policy(identity_ctx.db, &pol);
    if (!own_password(c, a->user_id, jstr(b, "old_password"))) {
        if (!audit_simple(req, "auth.password_change", "user", a->user_id, "failure", "原密码错误"))
            return;
        http_error_fields(req, json_pack("{s:s}", "old_password", "原密码不正确"));
        return;
    }
    const char *np = jstr(b, "new_password");
    const char *why = identity_password_acceptable(c, a->user_id, a->username, np, &pol);
    if (!why && !strcmp(np, jstr(b, "old_password")))
        why = "新密码不能与原密码相同";
    if (why) {
        http_error_fields(req, json_pack("{s:s}", "new_password", why));
        return;
    }
    char nh[PASSWORD_HASH_MAX];
    if (password_hash(np, nh, sizeof nh) != 0) {
        http_error(req, 500, "internal", "密码处理失败");
        return;
    }
    /* the other sessions of this user end; this one stays */
    db_stmt_t *st = NULL;
    int rc = db_begin(c) == 0 && identity_set_password(c, a->user_id, nh, false) == 0 ? 0 : -1;
    if (rc == 0) {
        st = db_prepare(c, "UPDATE sessions SET revoked_at = ?, revoked_reason = 'password_changed' "
                           "WHERE user_id = ? AND token_hash <> ? AND revoked_at IS NULL");
        rc = -1;
        if (st) {
            db_bind_int64(st, 1, time_now_ms());
            db_bind_int64(st, 2, a->user_id);
            db_bind_text(st, 3, a->session_id);
            rc = db_step(st) == DB_DONE ? 0 : -1;
        }
        db_done(st);
    }
    audit_entry_t ae = {.target_type = "user", .target = a->user_id};
    audit_reply(req, c, rc == 0, &ae, 204, NULL);
}

/* ---- TOTP ---- */

static void totp_setup(http_req_t *req)
{
    const auth_ctx_t *a = auth_of(req);
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    char secret[40];
    totp_new_secret(secret, sizeof secret);
    char *sealed = crypto_seal(secret);
    db_stmt_t *st = sealed && db_begin(c) == 0
                        ? db_prepare(c, "UPDATE users SET totp_pending_enc = ? WHERE id = ?")
                        : NULL;
    int rc = DB_ERROR;
    if (st) {
        db_bind_text(st, 1, sealed);
        db_bind_int64(st, 2, a->user_id);
        rc = db_step(st);
    }
    db_done(st);
    free(sealed);
    audit_entry_t ae = {.target_type = "user", .target = a->user_id, .detail = "待启用"};
    if (rc != DB_DONE) {
        http_db_error(req, c);
        return;
    }
    if (!audit_commit(req, c, &ae))
        return;
    char *uri = totp_uri("阵地平台", a->username, secret);
    char *svg = totp_qr_svg(uri);
    json_t *o = json_pack("{s:s,s:s,s:s?}", "secret", secret, "otpauth_uri", uri, "qr_svg", svg);
    free(uri);
    free(svg);
    http_json(req, 200, o);
}

static const vfield_t TOTP_CODE[] = {{"code", V_STR, true, 6, 6, NULL, NULL, "身份验证器上的 6 位动态口令"}};

static void totp_enable(http_req_t *req)
{
    db_conn_t *c;
    if (!(c = http_db(req)))
        return;
    const auth_ctx_t *a = auth_of(req);
    char *pending = NULL;
    int64_t last = 0;
    db_stmt_t *st = db_prepare(c, "SELECT totp_pending_enc, totp_last_step FROM users WHERE id = ?");
    if (st) {
        db_bind_int64(st, 1, a->user_id);
        if (db_step(st) == DB_ROW && db_col_text(st, 0)) {
            pending = crypto_open(db_col_text(st, 0));
            last = db_col_int64(st, 1);
        }
    }
    db_done(st);
    if (!pending) {
        http_error(req, 409, "conflict", "请先获取绑定二维码");
        return;
    }
    http_defer(req, free, pending);
    int64_t step = totp_check(pending, jstr(http_json_body(req), "code"), time_now_ms() / 1000, last);
    if (step < 0) {
        http_error_fields(req, json_pack("{s:s}", "code", "动态口令不正确，请确认手机时间准确后重试"));
        return;
    }
    char *sealed = crypto_seal(pending);
    st = db_begin(c) == 0
             ? db_prepare(c, "UPDATE users SET totp_enc = ?, totp_pending_enc = NULL, totp_last_step = ? "
                             "WHERE id = ?")
             : NULL;
    int rc = DB_ERROR;
    if (st && sealed) {
        db_bind_text(st, 1, sealed);
        db_bind_int64(st, 2, step);
        db_bind_int64(st, 3, a->user_id);
        rc = db_step(st);
    }
    db_done(st);
    free(sealed);
    audit_entry_t ae = {.target_type = "user", .target = a->user_id};
    audit_reply(req, c, rc == DB_DONE, &ae, 204, NULL);
}

static const vfield_t TOTP_OFF[] = {{"password", V_STR, true, 1, 128, NULL, NULL, "登录密码"}};

static void totp_disable(http_req_t *req)
{
    db_conn_t *c;
    if (!(c = http_db(req)))
        return;
    const auth_ctx_t *a = auth_of(req);
    auth_policy_t pol;
    auth_policy(identity_ctx.db, &pol);
    /* would the policy require it? check the roles */
    json_t *roles = identity_user_roles_json(c, a->user_id);
    bool required = false;
    size_t i;
    json_t *r;
    json_array_foreach(roles, i, r) for (int k = 0; k < pol.ntotp_roles; k++) required |=
        !strcmp(json_string_value(r), pol.totp_required_roles[k]);
    json_decref(roles);
    if (required) {
        http_error(req, 403, "forbidden", "安全策略要求您的角色启用双因素认证，不能关闭");
        return;
    }
    if (!own_password(c, a->user_id, jstr(http_json_body(req), "password"))) {
        http_error_fields(req, json_pack("{s:s}", "password", "密码不正确"));
        return;
    }
    db_stmt_t *st =
        db_begin(c) == 0
            ? db_prepare(c, "UPDATE users SET totp_enc = NULL, totp_pending_enc = NULL WHERE id = ?")
            : NULL;
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, a->user_id);
        rc = db_step(st);
    }
    db_done(st);
    audit_entry_t ae = {.target_type = "user", .target = a->user_id};
    audit_reply(req, c, rc == DB_DONE, &ae, 204, NULL);
}

/* ---- API tokens ---- */

json_t *identity_token_json(db_stmt_t *st)
{
    json_t *perms = json_loads(db_col_text(st, 3), 0, NULL);
    return json_pack("{s:I,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)db_col_int64(st, 0), "name",
                     db_col_text(st, 1), "prefix", db_col_text(st, 2), "permissions",
                     perms ? perms : json_array(), "expires_at", json_time(db_col_int64(st, 4)),
                     "last_used_at", json_time(db_col_int64(st, 5)), "revoked_at",
                     json_time(db_col_int64(st, 6)), "created_at", json_time(db_col_int64(st, 7)),
                     "revoked_reason", json_col_text(st, 8));
}

static void list_tokens(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    json_t *items = json_array();
    db_stmt_t *st = db_prepare(c, "SELECT " TOKEN_COLS " FROM api_tokens WHERE user_id = ? ORDER BY id DESC");
    if (st) {
        db_bind_int64(st, 1, http_user_id(req));
        while (db_step(st) == DB_ROW)
            json_array_append_new(items, identity_token_json(st));
    }
    db_done(st);
    http_json(req, 200, json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

static const char *check_token_perms(json_t *v)
{
    size_t i;
    json_t *p;
    json_array_foreach(v, i, p) if (!json_is_string(p) ||
                                    !auth_perm_lookup(json_string_value(p))) return "含有未知的权限";
    return NULL;
}

static const vfield_t TOKEN_NEW[] = {
    {"name", V_STR, true, 1, 50, NULL, NULL, "名称（用途）"},
    {"permissions", V_ARRAY, true, 1, 100, NULL, check_token_perms, "权限（不能超出本人的权限）"},
    {"expires_at", V_TIME, true, 0, 0, NULL, NULL, "到期时间（一年以内）"},
};

static void create_token(http_req_t *req)
{
    db_conn_t *c;
    if (!(c = http_db(req)))
        return;
    json_t *b = http_json_body(req);
    const auth_ctx_t *a = auth_of(req);
    if (a->via_token) {
        http_error(req, 403, "forbidden", "不能用 API 令牌创建令牌");
        return;
    }
    int64_t expires = 0, now = time_now_ms();
    time_parse_iso8601(jstr(b, "expires_at"), &expires);
    if (expires <= now || expires > now + 366LL * 86400000) {
        http_error_fields(req, json_pack("{s:s}", "expires_at", "有效期应在将来且不超过一年"));
        return;
    }
    json_t *perms = json_object_get(b, "permissions");
    if (!auth_has_all(req, perms)) {
        http_error_fields(req, json_pack("{s:s}", "permissions", "令牌的权限不能超出您自己的权限"));
        return;
    }
    char secret[41], token[64], hash[65];
    crypto_random_hex(20, secret);
    snprintf(token, sizeof token, "zdt_%s", secret);
    crypto_sha256_hex(token, strlen(token), hash);
    char *pj = json_dumps(perms, JSON_COMPACT);
    http_defer(req, free, pj);
    if (!http_begin(req, c))
        return;
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO api_tokens (user_id, name, token_hash, prefix, permissions, expires_at, "
                      "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING " TOKEN_COLS);
    json_t *o = NULL;
    if (st) {
        db_bind_int64(st, 1, a->user_id);
        db_bind_text(st, 2, jstr(b, "name"));
        db_bind_text(st, 3, hash);
        db_bind_textn(st, 4, token, 10);
        db_bind_text(st, 5, pj);
        db_bind_int64(st, 6, expires);
        db_bind_int64(st, 7, a->user_id);
        db_bind_int64(st, 8, now);
        if (db_step(st) == DB_ROW)
            o = identity_token_json(st);
    }
    db_done(st);
    audit_entry_t ae = {.target_type = "api_token", .target = o ? jint(o, "id", 0) : 0, .after = o};
    if (!o || !audit_commit(req, c, &ae)) { /* the token itself is added after the record */
        if (!o)
            http_db_error(req, c);
        json_decref(o);
        return;
    }
    json_object_set_new(o, "token", json_string(token)); /* shown this once */
    http_json(req, 201, o);
}

static void revoke_token(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    int r = session_revoke_token(c, id, http_user_id(req), NULL);
    if (r < 0) {
        http_db_error(req, c);
        return;
    }
    if (r == 0) {
        http_error(req, 404, "not_found", "令牌不存在或已吊销");
        return;
    }
    audit_entry_t ae = {.target_type = "api_token", .target = id};
    if (!audit_commit(req, c, &ae))
        return;
    http_no_content(req);
}

/* one route, one or two lines */
// clang-format off
static const http_route_t routes[] = {
    {.method = "POST", .pattern = "/api/v1/auth/login",
     .example = "{\"username\":\"dangyuan01\",\"password\":\"Zhendi@Demo2026\"}", .handler = login,
     .perm = HTTP_ANYONE, .flags = HTTP_PUBLIC | HTTP_NO_CSRF, .summary = "登录", .audit = "auth.login",
     HTTP_BODY(LOGIN_BODY),
     .notes = "200 {user,csrf_token,permissions,...} and the session cookie; with two_step and no totp for an "
       "account that needs one, 200 {totp_required:true} (no session, no record); 401 invalid_credentials / "
       "totp_required / totp_invalid, 423 account_locked, 403 account_disabled, 429 too_many_requests"},
    {.method = "POST", .pattern = "/api/v1/auth/logout", .handler = logout, .perm = HTTP_LOGIN,
     .flags = HTTP_PW_EXPIRED_OK, .summary = "退出登录", .audit = "auth.logout", .status = 204},
    {.method = "GET", .pattern = "/api/v1/auth/me", .handler = me, .perm = HTTP_LOGIN,
     .flags = HTTP_PW_EXPIRED_OK, .summary = "当前用户",
     .notes = "{user,permissions,data_scope,csrf_token,must_change_password,password_expired,"
       "totp_enrollment_required,password_expires_at,password_policy}"},
    {.method = "PATCH", .pattern = "/api/v1/auth/me",
     .example = "{\"password\":\"登录密码\",\"phone\":\"13800001234\",\"email\":\"me@example.cn\"}",
     .handler = update_contact, .perm = HTTP_LOGIN, .flags = HTTP_SESSION_ONLY, .summary = "修改本人手机和邮箱",
     .audit = "auth.contact_update", HTTP_BODY(CONTACT_BODY),
     .notes = "re-authenticates with the password (422 on password when wrong, recorded as a failure); "
       "answers the new /auth/me"},
    {.method = "POST", .pattern = "/api/v1/auth/password",
     .example = "{\"old_password\":\"旧密码\",\"new_password\":\"New-Passw0rd-2026\"}", .handler = change_password,
     .perm = HTTP_LOGIN, .flags = HTTP_PW_EXPIRED_OK | HTTP_SESSION_ONLY, .summary = "修改本人密码",
     .audit = "auth.password_change", HTTP_BODY(PASSWORD_BODY), .status = 204},
    {.method = "POST", .pattern = "/api/v1/auth/totp/setup", .handler = totp_setup, .perm = HTTP_LOGIN,
     .flags = HTTP_PW_EXPIRED_OK | HTTP_SESSION_ONLY, .summary = "获取动态口令绑定二维码", .audit = "auth.totp_setup",
     .notes = "{secret,otpauth_uri,qr_svg}; pending until enabled"},
    {.method = "POST", .pattern = "/api/v1/auth/totp/enable", .example = "{\"code\":\"123456\"}",
     .handler = totp_enable, .perm = HTTP_LOGIN, .flags = HTTP_PW_EXPIRED_OK | HTTP_SESSION_ONLY,
     .summary = "启用动态口令", .audit = "auth.totp_enable", HTTP_BODY(TOTP_CODE), .status = 204},
    {.method = "POST", .pattern = "/api/v1/auth/totp/disable", .example = "{\"password\":\"登录密码\"}",
     .handler = totp_disable, .perm = HTTP_LOGIN, .flags = HTTP_SESSION_ONLY, .summary = "关闭动态口令",
     .audit = "auth.totp_disable", HTTP_BODY(TOTP_OFF), .status = 204,
     .notes = "403 when the policy requires TOTP for one of the caller's roles"},
    {.method = "GET", .pattern = "/api/v1/auth/tokens", .handler = list_tokens, .perm = HTTP_LOGIN,
     .flags = HTTP_SESSION_ONLY, .summary = "我的 API 令牌", .notes = "never the secret"},
    {.method = "POST", .pattern = "/api/v1/auth/tokens",
     .example = "{\"name\":\"数据同步\",\"permissions\":[\"org.read\"],\"expires_at\":\"{future}\"}",
     .handler = create_token, .perm = HTTP_LOGIN, .flags = HTTP_SESSION_ONLY, .summary = "新建 API 令牌",
     .audit = "auth.token_create", HTTP_BODY(TOKEN_NEW), .status = 201,
     .notes = "the token is in the answer, this once"},
    {.method = "DELETE", .pattern = "/api/v1/auth/tokens/{id}", .handler = revoke_token, .perm = HTTP_LOGIN,
     .flags = HTTP_SESSION_ONLY, .summary = "吊销 API 令牌", .audit = "auth.token_revoke", .status = 204},
};
// clang-format on

int identity_auth_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
