/* resource.h — the resource descriptor: one per table a module serves, so
 * that data scope, loading by id, lists, sorting and paging are declared
 * once and applied by default.
 *
 *     static const res_sort_t USER_SORTS[] = {{"username", "u.username"},
 *                                             {"created_at", "u.created_at"}, {NULL, NULL}};
 *     const zd_resource_t USERS = {
 *         .name = "user", .title = "用户", .table = "users", .alias = "u",
 *         .from = "users u JOIN orgs o ON o.id = u.org_id",
 *         .org_col = "u.org_id", .creator_col = "u.id",   // "self" = the user row itself
 *         .sorts = USER_SORTS};
 *
 *     // a list: the FROM clause comes with the scope; filters follow
 *     qb_t w; res_from(req, &USERS, &w);
 *     if (status) { qb_sql(&w, " AND u.status = "); qb_text(&w, status); }
 *     res_list(req, c, &USERS, USER_COLS, &w, "u.id", user_row, NULL);
 *     qb_free(&w);
 *
 *     // one row: 404 ("用户不存在或不在您的管理范围内") when missing or outside the scope
 *     json_t *u = res_load(req, c, &USERS, USER_COLS, id, user_row, NULL, RES_PLAIN);
 *
 * Which scope applies: the scope the caller holds through the route's own
 * permission (a role with subtree scope for user.read and all for
 * audit.read sees the subtree of users); on a route open to any logged-in
 * user, the scope of the resource's .perm, else the caller's own rows
 * (SCOPE_SELF) — or, for a .directory resource (organisations), the widest
 * scope of the caller's roles. A row outside the scope is simply not found.
 *
 * Fail closed: a descriptor must name its organisation column or say
 * .no_org, and name its creator column or say .no_creator (then SCOPE_SELF
 * sees nothing); res_check() at start-up verifies the columns exist. */
#ifndef ZD_RESOURCE_H
#define ZD_RESOURCE_H
#include "auth/auth.h"
#include "http/listq.h"

typedef struct {
    const char *key; /* as the client sends it in ?sort= (the field name of the answer) */
    const char *sql; /* the expression ordered by */
} res_sort_t;

struct zd_resource {
    const char *name;        /* "user": audit target type; the document's x-resource */
    const char *title;       /* "用户": in messages */
    const char *table;       /* "users" */
    const char *alias;       /* "u" */
    const char *from;        /* FROM clause with joins; NULL: "table alias" */
    const char *where;       /* always applied ("o.status <> 'deleted'"), or NULL */
    const char *org_col;     /* owner organisation ("u.org_id"); NULL only with .no_org */
    const char *path_col;    /* when the rows are organisations: their path ("o.path") */
    const char *creator_col; /* the user a row belongs to, for SCOPE_SELF; NULL only with .no_creator */
    const char *perm;        /* permission whose scope applies on routes open to any logged-in user */
    const char *id_col;      /* NULL: alias.id */
    bool directory;          /* see above: organisations */
    bool no_org;             /* city-wide rows (lexicons, roles): scoped by permission only */
    bool no_creator;         /* no creator column: SCOPE_SELF sees none of it */
    const char *keyset;      /* unique, newest-highest column for ?after= paging ("a.seq"), or NULL */
    const res_sort_t *sorts; /* allow-list for ?sort=, {NULL,NULL}-terminated, or NULL */
};

/* The scope that applies to r in this request (see above). */
auth_scope_t res_scope_of(const http_req_t *req, const zd_resource_t *r);
/* Appends r's scope condition (" AND ...") to q. */
void res_scope(const http_req_t *req, const zd_resource_t *r, qb_t *q);
/* Starts q as " FROM <from> WHERE 1 = 1 <where> <scope>": the way a list
 * or a lookup over r begins. The caller frees q. */
void res_from(const http_req_t *req, const zd_resource_t *r, qb_t *q);

/* As res_from, with the scope the caller holds through permission perm
 * (a module's to-do count: locked users as seen by user.write). */
void res_from_as(const http_req_t *req, const zd_resource_t *r, const char *perm, qb_t *q);

enum { RES_PLAIN = 0, RES_FOR_UPDATE = 1 /* lock the row for the transaction (FOR_UPDATE_CLAUSE) */ };
/* One row by id inside the scope, mapped by row(); NULL after answering 404
 * (the resource's title) or 5xx. The result is the caller's. */
json_t *res_load(http_req_t *req, db_conn_t *c, const zd_resource_t *r, const char *cols, int64_t id,
                 http_row_fn row, void *ud, int flags);
/* As res_load, but answers nothing: NULL when not found, outside the scope,
 * or on a database error (*dberr set then, may be NULL). */
json_t *res_find(http_req_t *req, db_conn_t *c, const zd_resource_t *r, const char *cols, int64_t id,
                 http_row_fn row, void *ud, int flags, bool *dberr);
/* Does the row exist inside the scope? false after answering 404/5xx. */
bool res_visible(http_req_t *req, db_conn_t *c, const zd_resource_t *r, int64_t id);

/* Locks row id of r's own table for the transaction (FOR_UPDATE_CLAUSE;
 * SQLite's one writer holds the whole database anyway), before a scoped
 * load of it: the row alone, not the rows a load joins. 0, or -1 after a
 * 5xx. A missing row is no error: the scoped load that follows answers. */
int res_lock(http_req_t *req, db_conn_t *c, const zd_resource_t *r, int64_t id);

/* Answers the paged list over q (begun with res_from, filters added):
 * ?page=&page_size= per the contract, ?sort=key,-key against r->sorts
 * (422 for another key) before default_order, and with r->keyset ?after=V
 * (rows whose keyset is below V, newest first: page 10,000 as fast as page
 * 1; the answer then carries "next_after"). */
void res_list(http_req_t *req, db_conn_t *c, const zd_resource_t *r, const char *cols, const qb_t *q,
              const char *default_order, http_row_fn row, void *ud);
/* res_list, and before answering finish(req, c, items, ud) on the page's
 * items (an array it may change: names of ids looked up in one query for
 * the whole page). finish returns false on a database error (5xx). */
typedef bool (*res_finish_fn)(http_req_t *req, db_conn_t *c, json_t *items, void *ud);
/* The most rows an export (HTTP_EXPORT, ?format=xlsx) answers: more is 422
 * too_large (narrow the filters). */
#define RES_EXPORT_MAX 10000
/* Answers items (borrowed) of r as the route's workbook, after recording
 * the export; set once at start-up by the modules (modules.c), which know
 * the labels. */
typedef void (*res_export_fn)(http_req_t *req, db_conn_t *c, const zd_resource_t *r, json_t *items);
void res_set_exporter(res_export_fn fn);
/* A route that answers its whole list at once (no paging) exports it
 * itself: when res_export_wanted() (HTTP_EXPORT and ?format=xlsx), it calls
 * res_export() with every item instead of answering JSON. */
bool res_export_wanted(http_req_t *req);
void res_export(http_req_t *req, db_conn_t *c, const zd_resource_t *r, json_t *items);
void res_list_then(http_req_t *req, db_conn_t *c, const zd_resource_t *r, const char *cols, const qb_t *q,
                   const char *default_order, http_row_fn row, void *ud, res_finish_fn finish);

/* The guarded state change every module uses (docs/modules.md): q is an
 * UPDATE whose WHERE names the states it may leave ("… WHERE id = ? AND
 * status IN ('queued')"); run inside the caller's transaction. When it
 * changes no row, another request changed the row first (or it is in a
 * state this change does not leave): false after answering 409 with
 * conflict_msg. false after 5xx on a database error. q is freed. */
bool res_transition(http_req_t *req, db_conn_t *c, qb_t *q, const char *conflict_msg);

/* The descriptor's rules, and its columns against the database: 0, or -1
 * with a one-line reason (start-up fails). */
int res_check(db_conn_t *c, const zd_resource_t *r, char *err, size_t errlen);
/* "用户不存在或不在您的管理范围内" */
void res_not_found(http_req_t *req, const zd_resource_t *r);

#endif
