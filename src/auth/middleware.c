/* middleware.c — identifies the caller of every routed request and enforces
 * login, CSRF, pending password change / TOTP enrolment and the route's
 * permission (the http_auth_hook). Sessions and tokens live in the database
 * so that any node can serve any request. */
#include "auth/auth.h"
#include "auth/session.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/timeutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static struct {
    db_t *db;
    bool cookie_secure;
} M;

void auth_configure(db_t *db, bool cookie_secure)
{
    M.db = db;
    M.cookie_secure = cookie_secure;
}

bool session_cookie_secure(void) { return M.cookie_secure; }

/* sorts perms[] and perm_scope[] together by code */
static void sort_perms(auth_ctx_t *a)
{
    for (int i = 1; i < a->nperms; i++)
        for (int j = i; j > 0 && strcmp(a->perms[j - 1], a->perms[j]) > 0; j--) {
            const char *p = a->perms[j - 1];
            auth_scope_t s = a->perm_scope[j - 1];
            a->perms[j - 1] = a->perms[j];
            a->perm_scope[j - 1] = a->perm_scope[j];
            a->perms[j] = p;
            a->perm_scope[j] = s;
        }
}

static auth_scope_t scope_parse(const char *s)
{
    return !strcmp(s, "all")       ? SCOPE_ALL
           : !strcmp(s, "subtree") ? SCOPE_SUBTREE
           : !strcmp(s, "org")     ? SCOPE_ORG
                                   : SCOPE_SELF;
}

static bool has_role(const auth_policy_t *p, const char *role)
{
    for (int i = 0; i < p->ntotp_roles; i++)
        if (strcmp(p->totp_required_roles[i], role) == 0)
            return true;
    return false;
}

int auth_load_user(db_conn_t *c, int64_t user_id, const auth_policy_t *pol, auth_ctx_t *a)
{
    memset(a, 0, sizeof *a);
    db_stmt_t *st =
        db_prepare(c, "SELECT u.id, u.username, u.name, u.org_id, o.path, u.status, "
                      "u.must_change_password, u.provisioned, u.password_changed_at, "
                      "u.totp_enc IS NOT NULL, o.type FROM users u JOIN orgs o ON o.id = u.org_id "
                      "WHERE u.id = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, user_id);
    int rc = db_step(st);
    bool active = false, provisioned = false, totp = false;
    int64_t changed = 0;
    if (rc == DB_ROW) {
        a->user_id = db_col_int64(st, 0);
        str_lcpy(a->username, db_col_text(st, 1), sizeof a->username);
        str_lcpy(a->name, db_col_text(st, 2), sizeof a->name);
        a->org_id = db_col_int64(st, 3);
        /* a path that does not fit would be cut and widen the subtree scope:
         * such an account is refused (paths are capped when written) */
        active = str_lcpy(a->org_path, db_col_text(st, 4), sizeof a->org_path) < sizeof a->org_path &&
                 strcmp(db_col_text(st, 5), "active") == 0;
        a->must_change_password = db_col_bool(st, 6);
        provisioned = db_col_bool(st, 7);
        changed = db_col_int64(st, 8);
        totp = db_col_bool(st, 9);
        str_lcpy(a->org_type, db_col_text(st, 10), sizeof a->org_type);
    }
    db_done(st);
    if (rc != DB_ROW || !active)
        return rc == DB_ERROR ? -1 : 1;
    if (pol->password_max_age_days > 0) {
        a->password_expires_at = changed + (int64_t)pol->password_max_age_days * 86400000;
        if (!provisioned && time_now_ms() > a->password_expires_at)
            a->password_expired = true;
    }
    if (provisioned)
        a->must_change_password = false;

    st = db_prepare(c, "SELECT r.name, r.data_scope, rp.permission FROM user_roles ur "
                       "JOIN roles r ON r.id = ur.role_id LEFT JOIN role_permissions rp ON rp.role_id = r.id "
                       "WHERE ur.user_id = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, user_id);
    a->scope = SCOPE_SELF;
    bool needs_totp = false;
    while ((rc = db_step(st)) == DB_ROW) {
        auth_scope_t s = scope_parse(db_col_text(st, 1));
        if (s > a->scope)
            a->scope = s;
        needs_totp |= has_role(pol, db_col_text(st, 0));
        const char *p = auth_perm_lookup(db_col_text(st, 2));
        if (!p)
            continue;
        /* a permission's scope is the widest of the roles granting it */
        int i = 0;
        while (i < a->nperms && a->perms[i] != p)
            i++;
        if (i < a->nperms) {
            if (s > a->perm_scope[i])
                a->perm_scope[i] = s;
        } else if (a->nperms < AUTH_MAX_PERMS) {
            a->perms[a->nperms] = p;
            a->perm_scope[a->nperms++] = s;
        }
    }
    db_done(st);
    if (rc != DB_DONE)
        return -1;
    sort_perms(a);
    a->totp_enrolment_required = needs_totp && !totp && !provisioned;
    return 0;
}

/* Keeps only the permissions also listed in the token's JSON array. */
static void restrict_to(auth_ctx_t *a, const char *perms_json)
{
    json_t *tp = json_loads(perms_json, 0, NULL);
    int k = 0;
    for (int i = 0; i < a->nperms; i++) {
        bool keep = false;
        size_t j;
        json_t *v;
        json_array_foreach(tp, j, v) keep |=
            json_is_string(v) && strcmp(json_string_value(v), a->perms[i]) == 0;
        if (keep) {
            a->perm_scope[k] = a->perm_scope[i];
            a->perms[k++] = a->perms[i];
        }
    }
    a->nperms = k;
    json_decref(tp);
}

/* 0 identified, 1 not (anonymous), -1 database trouble. */
static int from_token(http_req_t *req, db_conn_t *c, const char *token, const auth_policy_t *pol,
                      auth_ctx_t *a)
{
    char hash[65];
    crypto_sha256_hex(token, strlen(token), hash);
    int64_t now = time_now_ms();
    db_stmt_t *st = db_prepare(c, "SELECT id, user_id, permissions, last_used_at FROM api_tokens "
                                  "WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?");
    if (!st)
        return -1;
    db_bind_text(st, 1, hash);
    db_bind_int64(st, 2, now);
    int rc = db_step(st);
    int64_t id = 0, user = 0, last = 0;
    char *perms = NULL;
    if (rc == DB_ROW) {
        id = db_col_int64(st, 0);
        user = db_col_int64(st, 1);
        perms = http_printf(req, "%s", db_col_text(st, 2));
        last = db_col_int64(st, 3);
    }
    db_done(st);
    if (rc != DB_ROW)
        return rc == DB_DONE ? 1 : -1;
    rc = auth_load_user(c, user, pol, a);
    if (rc != 0)
        return rc;
    restrict_to(a, perms);
    a->via_token = true;
    a->token_id = id;
    /* a token is no way around the account's duties: while its owner must
     * change the password or enrol TOTP, the token is refused as a session
     * would be (403) */
    if (now - last > 60000) {
        st = db_prepare(c, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?");
        if (st) {
            db_bind_int64(st, 1, now);
            db_bind_int64(st, 2, id);
            db_step(st);
        }
        db_done(st);
    }
    return 0;
}

/* the refusal itself is the answer; a record that cannot be written is logged */
static void denied(http_req_t *req, const char *why)
{
    audit_entry_t e = {.action = "access.denied", .outcome = "denied", .detail = why};
    db_conn_t *c = http_db(req);
    if (c)
        audit_write(c, req, &e);
}

int auth_middleware(http_req_t *req)
{
    const http_route_t *rt = http_route(req);
    const char *authz = http_header_in(req, "Authorization");
    const char *cookie = http_cookie(req, AUTH_COOKIE);
    bool public_route = rt->flags & HTTP_PUBLIC;
    if (public_route && !cookie && !authz)
        return 0;
    db_conn_t *c = http_db(req);
    if (!c)
        return -1;
    auth_policy_t pol;
    auth_policy(M.db, &pol);
    auth_ctx_t *a = http_alloc(req, sizeof *a);
    int rc = 1;
    if (authz) {
        if (strncasecmp(authz, "Bearer ", 7) != 0 || strlen(authz) > 200) {
            http_error(req, 401, "unauthenticated", "Authorization 头格式应为 Bearer <令牌>");
            return -1;
        }
        rc = from_token(req, c, authz + 7, &pol, a);
        if (rc == 1 && !public_route) {
            http_error(req, 401, "unauthenticated", "API 令牌无效、已过期或已吊销");
            return -1;
        }
    } else if (cookie) {
        rc = session_lookup(c, cookie, &pol, a, !(rt->flags & HTTP_PASSIVE));
    }
    if (rc < 0) {
        http_db_error(req, c);
        return -1;
    }
    if (rc == 0)
        http_set_user(req, a->user_id, a->org_id, a->username, a);
    if (public_route)
        return 0;
    if (rc != 0) {
        http_error(req, 401, "unauthenticated", "未登录或会话已过期，请重新登录");
        return -1;
    }
    if (!a->via_token && !http_method_safe(http_method(req)) && !(rt->flags & HTTP_NO_CSRF)) {
        const char *t = http_header_in(req, "X-CSRF-Token");
        if (!t || strlen(t) != strlen(a->csrf) || !str_ct_equal(t, a->csrf, strlen(a->csrf))) {
            denied(req, "CSRF 令牌缺失或不符");
            http_error(req, 403, "csrf_failed", "缺少或错误的 CSRF 令牌，请刷新页面后重试");
            return -1;
        }
    }
    if (!(rt->flags & HTTP_PW_EXPIRED_OK)) {
        if (a->must_change_password || a->password_expired) {
            http_error(req, 403, "password_change_required",
                       a->password_expired ? "密码已过期，请先修改密码"
                                           : "首次登录或密码被重置，请先修改密码");
            return -1;
        }
        if (a->totp_enrolment_required) {
            http_error(req, 403, "totp_enrollment_required", "您的角色要求启用双因素认证，请先绑定动态口令");
            return -1;
        }
    }
    if (a->via_token && (rt->flags & HTTP_SESSION_ONLY)) {
        denied(req, "账号安全操作不接受 API 令牌");
        http_error(req, 403, "session_required", "此操作只能在登录会话中进行，不接受 API 令牌");
        return -1;
    }
    if (rt->perm[0] != '@' && !auth_has(req, rt->perm)) {
        char why[200];
        snprintf(why, sizeof why, "%s %s 需要权限 %s", rt->method, rt->pattern, rt->perm);
        denied(req, why);
        http_error(req, 403, "forbidden", "没有执行此操作的权限");
        return -1;
    }
    return 0;
}
