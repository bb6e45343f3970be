/* auth.c — permission catalogue, caller accessors, data-scope conditions and
 * the security policy; see auth.h. */
#include "auth/auth.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- permission catalogue ---- */

#define MAX_GROUPS 64
static auth_perm_group_t groups[MAX_GROUPS];
static int ngroups;
#define MAX_GRANTS 256
static const char *grant_role[MAX_GRANTS], *grant_perm[MAX_GRANTS];
static size_t ngrants;

static const auth_perm_t *find_perm(const char *code)
{
    if (!code)
        return NULL;
    for (int i = 0; i < ngroups; i++)
        for (size_t j = 0; j < groups[i].nperms; j++)
            if (strcmp(groups[i].perms[j].code, code) == 0)
                return &groups[i].perms[j];
    return NULL;
}

int auth_register_permissions(const auth_perm_group_t *g)
{
    if (ngroups == MAX_GROUPS)
        return -1;
    for (size_t j = 0; j < g->nperms; j++)
        if (find_perm(g->perms[j].code))
            return -1;
    groups[ngroups++] = *g;
    return 0;
}

void auth_permissions_reset(void)
{
    ngroups = 0;
    ngrants = 0;
}

const char *auth_perm_lookup(const char *code)
{
    const auth_perm_t *p = find_perm(code);
    return p ? p->code : NULL;
}

auth_duty_t auth_perm_duty(const char *code)
{
    const auth_perm_t *p = find_perm(code);
    return p ? p->duty : AUTH_DUTY_BUSINESS;
}

static const char *const DUTY_CODE[] = {"business", "directory", "system", "security", "audit"};

json_t *auth_permissions_json(void)
{
    json_t *a = json_array();
    for (int i = 0; i < ngroups; i++) {
        json_t *ps = json_array();
        for (size_t j = 0; j < groups[i].nperms; j++)
            json_array_append_new(ps, json_pack("{s:s,s:s,s:s}", "code", groups[i].perms[j].code, "title",
                                                groups[i].perms[j].title, "duty",
                                                DUTY_CODE[groups[i].perms[j].duty]));
        json_array_append_new(a, json_pack("{s:s,s:s,s:o}", "group", groups[i].group, "title",
                                           groups[i].title, "permissions", ps));
    }
    return a;
}

void auth_grant_default(const char *role, const char *perm)
{
    if (ngrants == MAX_GRANTS)
        abort();
    grant_role[ngrants] = role;
    grant_perm[ngrants++] = perm;
}

size_t auth_default_grants(const char *const **roles, const char *const **perms)
{
    *roles = grant_role;
    *perms = grant_perm;
    return ngrants;
}

static const char *const DUTY_TITLE[] = {"业务", "目录", "系统管理", "安全管理", "安全审计"};

const char *auth_sod_conflict(json_t *perms)
{
    static _Thread_local char msg[200];
    bool has[5] = {false};
    const char *example[5] = {NULL};
    size_t i;
    json_t *v;
    json_array_foreach(perms, i, v)
    {
        auth_duty_t d = auth_perm_duty(json_string_value(v));
        if (!has[d])
            example[d] = json_string_value(v);
        has[d] = true;
    }
    /* security and audit administration stand alone (directory reads aside);
     * system administration and business work may go together */
    static const auth_duty_t alone[] = {AUTH_DUTY_SECURITY, AUTH_DUTY_AUDIT};
    for (size_t k = 0; k < 2; k++) {
        auth_duty_t d = alone[k];
        if (!has[d])
            continue;
        for (int o = 0; o < 5; o++) {
            if (o == (int)d || o == AUTH_DUTY_DIRECTORY || !has[o])
                continue;
            snprintf(msg, sizeof msg, "三员分立：%s的权限不能与%s的权限（如 %s）由同一角色或用户持有",
                     DUTY_TITLE[d], DUTY_TITLE[o], example[o] ? example[o] : "");
            return msg;
        }
    }
    return NULL;
}

/* ---- the caller ---- */

const auth_ctx_t *auth_of(const http_req_t *req) { return req ? http_auth_data(req) : NULL; }

bool auth_has(const http_req_t *req, const char *perm)
{
    const auth_ctx_t *a = auth_of(req);
    if (!a || !perm)
        return false;
    for (int i = 0; i < a->nperms; i++)
        if (strcmp(a->perms[i], perm) == 0)
            return true;
    return false;
}

bool auth_has_all(const http_req_t *req, json_t *perms)
{
    size_t i;
    json_t *v;
    json_array_foreach(perms, i,
                       v) if (!json_is_string(v) || !auth_has(req, json_string_value(v))) return false;
    return true;
}

json_t *auth_user_ref(db_conn_t *c, int64_t id)
{
    json_t *o = NULL;
    db_stmt_t *st = id > 0 ? db_prepare(c, "SELECT id, username, name FROM users WHERE id = ?") : NULL;
    if (st) {
        db_bind_int64(st, 1, id);
        if (db_step(st) == DB_ROW)
            o = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)db_col_int64(st, 0), "username",
                          db_col_text(st, 1), "name", db_col_text(st, 2));
    }
    db_done(st);
    return o ? o : json_null();
}

/* ---- data scope ---- */

auth_scope_t auth_scope_for(const http_req_t *req, const char *perm)
{
    const auth_ctx_t *a = auth_of(req);
    if (!a || !perm)
        return SCOPE_NONE;
    for (int i = 0; i < a->nperms; i++)
        if (strcmp(a->perms[i], perm) == 0)
            return a->perm_scope[i];
    return SCOPE_NONE;
}

auth_scope_t auth_route_scope(const http_req_t *req)
{
    const auth_ctx_t *a = auth_of(req);
    const http_route_t *rt = http_route(req);
    if (!a)
        return SCOPE_NONE;
    if (!rt || !rt->perm || rt->perm[0] == '@')
        return a->scope;
    return auth_scope_for(req, rt->perm);
}

void auth_scope_cond(const http_req_t *req, qb_t *q, auth_scope_t s, const char *org_col,
                     const char *path_col, const char *creator_col)
{
    const auth_ctx_t *a = auth_of(req);
    char frag[200];
    if (!a)
        s = SCOPE_NONE;
    switch (s) {
    case SCOPE_ALL: return;
    case SCOPE_SUBTREE: {
        /* paths are digits and '/', nothing LIKE treats specially */
        char pat[AUTH_ORG_PATH_MAX + 2];
        snprintf(pat, sizeof pat, "%s%%", a->org_path);
        if (path_col)
            snprintf(frag, sizeof frag, " AND %s LIKE ", path_col);
        else
            snprintf(frag, sizeof frag, " AND %s IN (SELECT id FROM orgs WHERE path LIKE ", org_col);
        qb_sql(q, frag);
        qb_text(q, pat);
        if (!path_col)
            qb_sql(q, ")");
        return;
    }
    case SCOPE_ORG:
        snprintf(frag, sizeof frag, " AND %s = ", org_col);
        qb_sql(q, frag);
        qb_int(q, a->org_id);
        return;
    case SCOPE_SELF:
        if (creator_col) {
            snprintf(frag, sizeof frag, " AND %s = ", creator_col);
            qb_sql(q, frag);
            qb_int(q, a->user_id);
            return;
        }
        break; /* nothing is the caller's own: fail closed */
    case SCOPE_NONE: break;
    }
    qb_sql(q, " AND 1 = 0");
}

bool auth_org_in_scope(http_req_t *req, db_conn_t *c, int64_t org_id)
{
    qb_t q;
    qb_init(&q, "SELECT 1 FROM orgs o WHERE o.status <> 'deleted' AND o.id = ");
    qb_int(&q, org_id);
    auth_scope_t s = auth_route_scope(req);
    /* an organisation is "one's own" for SCOPE_SELF when it is one's own */
    auth_scope_cond(req, &q, s == SCOPE_SELF ? SCOPE_ORG : s, "o.id", "o.path", NULL);
    db_stmt_t *st = qb_prepare(c, &q);
    bool ok = st && db_step(st) == DB_ROW;
    db_done(st);
    qb_free(&q);
    return ok;
}

/* ---- security policy ---- */

static const auth_policy_t DEFAULT_POLICY = {
    .password_min_length = 8,
    .password_min_classes = 3,
    .password_history = 5,
    .password_max_age_days = 90,
    .lockout_threshold = 5,
    .lockout_minutes = 15,
    .session_idle_minutes = 30,
    .session_max_hours = 12,
    .login_rate_per_minute = 10,
    .login_address_per_minute = 600,
    .must_change_on_reset = true,
    .totp_required_roles = {"sys_admin", "security_admin", "audit_admin"},
    .ntotp_roles = 3,
};

static struct {
    pthread_mutex_t mu;
    auth_policy_t p;
    int64_t loaded_at; /* 0: stale */
} PC = {.mu = PTHREAD_MUTEX_INITIALIZER};

typedef struct {
    const char *key;
    size_t off;
    int min, max;
    const char *help;
} int_rule_t;

#define R(f, lo, hi, h)                                                                                      \
    {                                                                                                        \
#f, offsetof(auth_policy_t, f), lo, hi, h                                                            \
    }
static const int_rule_t INT_RULES[] = {
    R(password_min_length, 8, 64, "8 到 64"),       R(password_min_classes, 1, 4, "1 到 4"),
    R(password_history, 0, 24, "0 到 24"),          R(password_max_age_days, 0, 3650, "0（不过期）到 3650"),
    R(lockout_threshold, 3, 20, "3 到 20"),         R(lockout_minutes, 1, 1440, "1 到 1440"),
    R(session_idle_minutes, 1, 480, "1 到 480"),    R(session_max_hours, 1, 72, "1 到 72"),
    R(login_rate_per_minute, 3, 1000, "3 到 1000"), R(login_address_per_minute, 10, 100000, "10 到 100000"),
};
#define NRULES (sizeof INT_RULES / sizeof INT_RULES[0])

static int *field(auth_policy_t *p, const int_rule_t *r) { return (int *)(void *)((char *)p + r->off); }

/* Applies the fields of obj onto p; collects reasons in errs (may be NULL). */
static void apply(auth_policy_t *p, json_t *obj, json_t *errs)
{
    for (size_t i = 0; i < NRULES; i++) {
        json_t *v = json_object_get(obj, INT_RULES[i].key);
        if (!v)
            continue;
        if (!json_is_integer(v) || json_integer_value(v) < INT_RULES[i].min ||
            json_integer_value(v) > INT_RULES[i].max) {
            if (errs)
                json_object_set_new(errs, INT_RULES[i].key,
                                    json_sprintf("应为 %s 之间的整数", INT_RULES[i].help));
            continue;
        }
        *field(p, &INT_RULES[i]) = (int)json_integer_value(v);
    }
    json_t *v = json_object_get(obj, "must_change_on_reset");
    if (v && !json_is_boolean(v) && errs)
        json_object_set_new(errs, "must_change_on_reset", json_string("应为 true 或 false"));
    else if (v && json_is_boolean(v))
        p->must_change_on_reset = json_is_true(v);
    v = json_object_get(obj, "totp_required_roles");
    if (v) {
        size_t i;
        json_t *r;
        bool ok = json_is_array(v) && json_array_size(v) <= 8;
        json_array_foreach(v, i, r) ok = ok && json_is_string(r) && json_string_length(r) < 32;
        if (!ok) {
            if (errs)
                json_object_set_new(errs, "totp_required_roles", json_string("应为角色名数组（最多 8 个）"));
        } else {
            p->ntotp_roles = 0;
            json_array_foreach(v, i, r) str_lcpy(p->totp_required_roles[p->ntotp_roles++],
                                                 json_string_value(r), sizeof p->totp_required_roles[0]);
        }
    }
}

json_t *auth_policy_json(const auth_policy_t *p)
{
    json_t *o = json_object();
    for (size_t i = 0; i < NRULES; i++)
        json_object_set_new(o, INT_RULES[i].key, json_integer(*field((auth_policy_t *)p, &INT_RULES[i])));
    json_object_set_new(o, "must_change_on_reset", json_boolean(p->must_change_on_reset));
    json_t *roles = json_array();
    for (int i = 0; i < p->ntotp_roles; i++)
        json_array_append_new(roles, json_string(p->totp_required_roles[i]));
    json_object_set_new(o, "totp_required_roles", roles);
    return o;
}

static void load_policy(db_conn_t *c, auth_policy_t *p)
{
    *p = DEFAULT_POLICY;
    db_stmt_t *st = db_prepare(c, "SELECT value FROM settings WHERE key = 'security.policy'");
    if (st && db_step(st) == DB_ROW) {
        json_t *j = json_loads(db_col_text(st, 0), 0, NULL);
        if (json_is_object(j))
            apply(p, j, NULL);
        json_decref(j);
    }
    db_done(st);
}

void auth_policy(db_t *db, auth_policy_t *out)
{
    int64_t now = time_now_ms();
    pthread_mutex_lock(&PC.mu);
    if (PC.loaded_at && now - PC.loaded_at < 5000) {
        *out = PC.p;
        pthread_mutex_unlock(&PC.mu);
        return;
    }
    pthread_mutex_unlock(&PC.mu);
    db_conn_t *c = db_acquire(db);
    auth_policy_t p = DEFAULT_POLICY;
    if (c)
        load_policy(c, &p);
    db_release(c);
    pthread_mutex_lock(&PC.mu);
    PC.p = p;
    PC.loaded_at = c ? now : 0;
    pthread_mutex_unlock(&PC.mu);
    *out = p;
}

void auth_policy_invalidate(void)
{
    pthread_mutex_lock(&PC.mu);
    PC.loaded_at = 0;
    pthread_mutex_unlock(&PC.mu);
}

json_t *auth_policy_update(db_conn_t *c, json_t *patch, int64_t by, auth_policy_t *result)
{
    auth_policy_t p;
    load_policy(c, &p);
    json_t *errs = json_object();
    apply(&p, patch, errs);
    if (json_object_size(errs))
        return errs;
    json_decref(errs);
    json_t *j = auth_policy_json(&p);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    db_stmt_t *st = db_prepare(c, "INSERT INTO settings (key, value, updated_by, updated_at) "
                                  "VALUES ('security.policy', ?, ?, ?) ON CONFLICT (key) DO UPDATE "
                                  "SET value = excluded.value, updated_by = excluded.updated_by, "
                                  "updated_at = excluded.updated_at");
    int rc = DB_ERROR;
    if (st) {
        db_bind_text(st, 1, s);
        db_bind_int64(st, 2, by);
        db_bind_int64(st, 3, time_now_ms());
        rc = db_step(st);
    }
    db_done(st);
    free(s);
    if (rc != DB_DONE)
        return json_pack("{s:s}", "_", db_errmsg(c));
    auth_policy_invalidate();
    *result = p;
    return NULL;
}
