/* lookup.c — what other modules may ask the identity module about people,
 * without reading its tables (identity.h): one user's particulars, who
 * holds a permission with a scope that reaches an organisation, who belongs
 * to an organisation's subtree. Role permissions are rows of
 * role_permissions — the built-in roles' defaults (auth_grant_default) are
 * written there once at start-up — so the tables say everything. */
#include "core/qb.h"
#include "modules/identity/internal.h"
#include <string.h>

#define BRIEF_COLS "u.id, u.username, u.name, u.org_id, u.email, u.status"

static int brief(db_conn_t *c, const char *where, int64_t id, const char *name, identity_user_brief_t *out)
{
    memset(out, 0, sizeof *out);
    qb_t q;
    qb_init(&q, "SELECT " BRIEF_COLS " FROM users u WHERE ");
    qb_sql(&q, where);
    if (name)
        qb_text(&q, name);
    else
        qb_int(&q, id);
    db_stmt_t *st = qb_prepare(c, &q);
    int rc = st ? db_step(st) : DB_ERROR;
    if (rc == DB_ROW) {
        out->id = db_col_int64(st, 0);
        str_lcpy(out->username, db_col_text(st, 1), sizeof out->username);
        str_lcpy(out->name, db_col_text(st, 2), sizeof out->name);
        out->org_id = db_col_int64(st, 3);
        if (db_col_text(st, 4))
            str_lcpy(out->email, db_col_text(st, 4), sizeof out->email);
        out->active = !strcmp(db_col_text(st, 5), "active");
    }
    db_done(st);
    qb_free(&q);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

int identity_user_brief(db_conn_t *c, int64_t id, identity_user_brief_t *out)
{
    return brief(c, "u.id = ", id, NULL, out);
}

int identity_user_by_name(db_conn_t *c, const char *username, identity_user_brief_t *out)
{
    return brief(c, "u.username = ", 0, username, out);
}

/* The path of a live organisation: 1, 0 when there is none, -1. */
static int org_path(db_conn_t *c, int64_t org_id, char *out, size_t outsz)
{
    db_stmt_t *st = db_prepare(c, "SELECT path FROM orgs WHERE id = ? AND status <> 'deleted'");
    if (!st)
        return -1;
    db_bind_int64(st, 1, org_id);
    int rc = db_step(st);
    if (rc == DB_ROW)
        str_lcpy(out, db_col_text(st, 0), outsz);
    db_done(st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

static int collect(db_conn_t *c, qb_t *q, int limit, int64_t *ids, int *n)
{
    qb_sql(q, " ORDER BY u.id LIMIT ");
    qb_int(q, limit);
    db_stmt_t *st = qb_prepare(c, q);
    int rc = st ? DB_ROW : DB_ERROR;
    while (st && *n < limit && (rc = db_step(st)) == DB_ROW)
        ids[(*n)++] = db_col_int64(st, 0);
    db_done(st);
    qb_free(q);
    return rc == DB_ERROR ? -1 : 0;
}

int identity_users_with_perm(db_conn_t *c, const char *perm, int64_t org_id, const char *org_type,
                             int64_t except_user, int limit, int64_t *ids, int *n)
{
    *n = 0;
    /* an unknown permission is held by nobody (a typo notifies no one) */
    if (limit <= 0 || !perm || !auth_perm_lookup(perm))
        return 0;
    char path[AUTH_ORG_PATH_MAX] = "";
    if (org_id > 0) {
        int rc = org_path(c, org_id, path, sizeof path);
        if (rc <= 0)
            return rc; /* no such organisation: nobody's scope covers it */
    }
    qb_t q;
    qb_init(&q, "SELECT u.id FROM users u JOIN orgs uo ON uo.id = u.org_id WHERE u.status = 'active'");
    if (except_user > 0) {
        qb_sql(&q, " AND u.id <> ");
        qb_int(&q, except_user);
    }
    if (org_type) {
        qb_sql(&q, " AND uo.type = ");
        qb_text(&q, org_type);
    }
    /* a role granting perm whose scope covers the organisation; "self"
     * covers no organisation, and without one only "all" does */
    qb_sql(&q, " AND EXISTS (SELECT 1 FROM user_roles ur JOIN roles r ON r.id = ur.role_id "
               "JOIN role_permissions rp ON rp.role_id = r.id WHERE ur.user_id = u.id AND rp.permission = ");
    qb_text(&q, perm);
    qb_sql(&q, " AND (r.data_scope = 'all'");
    if (org_id > 0) {
        /* paths are digits and '/': nothing LIKE treats specially */
        qb_sql(&q, " OR (r.data_scope = 'subtree' AND ");
        qb_text(&q, path);
        qb_sql(&q, " LIKE (uo.path || '%')) OR (r.data_scope = 'org' AND u.org_id = ");
        qb_int(&q, org_id);
        qb_sql(&q, ")");
    }
    qb_sql(&q, "))");
    return collect(c, &q, limit, ids, n);
}

int identity_users_in_subtree(db_conn_t *c, int64_t org_id, int limit, int64_t *ids, int *n)
{
    *n = 0;
    char path[AUTH_ORG_PATH_MAX + 2];
    int rc = limit > 0 ? org_path(c, org_id, path, sizeof path - 1) : 0;
    if (rc <= 0)
        return rc;
    strcat(path, "%");
    qb_t q;
    qb_init(&q, "SELECT u.id FROM users u JOIN orgs uo ON uo.id = u.org_id WHERE u.status = 'active' "
                "AND uo.path LIKE ");
    qb_text(&q, path);
    return collect(c, &q, limit, ids, n);
}
