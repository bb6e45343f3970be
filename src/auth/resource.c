/* resource.c — see resource.h. */
#include "auth/resource.h"
#include "http/valid.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

auth_scope_t res_scope_of(const http_req_t *req, const zd_resource_t *r)
{
    const auth_ctx_t *a = auth_of(req);
    const http_route_t *rt = http_route(req);
    if (!a)
        return SCOPE_NONE;
    if (rt && rt->perm && rt->perm[0] != '@')
        return auth_scope_for(req, rt->perm);
    if (r->perm)
        return auth_scope_for(req, r->perm);
    return r->directory ? a->scope : SCOPE_SELF;
}

static void scope_with(const http_req_t *req, const zd_resource_t *r, auth_scope_t s, qb_t *q)
{
    if (r->no_org && s != SCOPE_NONE)
        return; /* city-wide rows: holding the permission is the whole rule */
    if (r->path_col && s == SCOPE_SELF)
        s = SCOPE_ORG; /* of organisations, one's own is one's own organisation */
    auth_scope_cond(req, q, s, r->org_col, r->path_col, r->creator_col);
}

void res_scope(const http_req_t *req, const zd_resource_t *r, qb_t *q)
{
    scope_with(req, r, res_scope_of(req, r), q);
}

static void from_clause(const zd_resource_t *r, qb_t *q)
{
    qb_init(q, " FROM ");
    if (r->from) {
        qb_sql(q, r->from);
    } else {
        qb_sql(q, r->table);
        qb_sql(q, " ");
        qb_sql(q, r->alias);
    }
    qb_sql(q, " WHERE 1 = 1");
    if (r->where) {
        qb_sql(q, " AND ");
        qb_sql(q, r->where);
    }
}

void res_from(const http_req_t *req, const zd_resource_t *r, qb_t *q)
{
    from_clause(r, q);
    res_scope(req, r, q);
}

void res_from_as(const http_req_t *req, const zd_resource_t *r, const char *perm, qb_t *q)
{
    from_clause(r, q);
    scope_with(req, r, auth_scope_for(req, perm), q);
}

static void id_col(const zd_resource_t *r, char *out, size_t outsz)
{
    if (r->id_col)
        snprintf(out, outsz, "%s", r->id_col);
    else
        snprintf(out, outsz, "%s.id", r->alias);
}

void res_not_found(http_req_t *req, const zd_resource_t *r)
{
    http_error(req, 404, "not_found", "%s不存在或不在您的管理范围内", r->title ? r->title : "记录");
}

json_t *res_find(http_req_t *req, db_conn_t *c, const zd_resource_t *r, const char *cols, int64_t id,
                 http_row_fn row, void *ud, int flags, bool *dberr)
{
    char idc[128];
    id_col(r, idc, sizeof idc);
    qb_t q;
    res_from(req, r, &q);
    qb_sql(&q, " AND ");
    qb_sql(&q, idc);
    qb_sql(&q, " = ");
    qb_int(&q, id);
    if (flags & RES_FOR_UPDATE)
        qb_sql(&q, FOR_UPDATE_CLAUSE);
    qb_t s;
    qb_init(&s, "SELECT ");
    qb_sql(&s, cols);
    qb_append(&s, &q);
    qb_free(&q);
    db_stmt_t *st = qb_prepare(c, &s);
    int rc = st ? db_step(st) : DB_ERROR;
    json_t *o = rc == DB_ROW ? row(st, ud) : NULL;
    db_done(st);
    qb_free(&s);
    if (dberr)
        *dberr = rc == DB_ERROR;
    return o;
}

json_t *res_load(http_req_t *req, db_conn_t *c, const zd_resource_t *r, const char *cols, int64_t id,
                 http_row_fn row, void *ud, int flags)
{
    bool dberr = false;
    json_t *o = res_find(req, c, r, cols, id, row, ud, flags, &dberr);
    if (!o) {
        if (dberr)
            http_db_error(req, c);
        else
            res_not_found(req, r);
    }
    return o;
}

static json_t *one(db_stmt_t *st, void *ud)
{
    (void)st;
    (void)ud;
    return json_true();
}

int res_lock(http_req_t *req, db_conn_t *c, const zd_resource_t *r, int64_t id)
{
    char sql[160];
    /* the table is the resource's constant, never input */
    snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE id = ?" FOR_UPDATE_CLAUSE, r->table);
    db_stmt_t *st = db_prepare(c, sql);
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, id);
        rc = db_step(st);
    }
    db_done(st);
    if (rc == DB_ERROR) {
        http_db_error(req, c);
        return -1;
    }
    return 0;
}

bool res_visible(http_req_t *req, db_conn_t *c, const zd_resource_t *r, int64_t id)
{
    json_t *o = res_load(req, c, r, "1", id, one, NULL, RES_PLAIN);
    json_decref(o);
    return o != NULL;
}

/* ?sort=key,-key → ORDER BY text (before the default order); false after
 * answering 422. */
static bool sort_clause(http_req_t *req, const zd_resource_t *r, sbuf_t *out)
{
    const char *s = http_query(req, "sort");
    if (!s)
        return true;
    const char *p = s;
    int nkeys = 0;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        bool desc = len && *p == '-';
        const char *key = desc ? p + 1 : p;
        size_t klen = desc ? len - 1 : len;
        const res_sort_t *hit = NULL;
        for (const res_sort_t *k = r->sorts; k && k->key && !hit; k++)
            if (strlen(k->key) == klen && !memcmp(k->key, key, klen))
                hit = k;
        if (!hit || ++nkeys > 3) {
            sbuf_t allowed;
            sbuf_init(&allowed);
            for (const res_sort_t *k = r->sorts; k && k->key; k++)
                sbuf_printf(&allowed, "%s%s", allowed.len ? "、" : "", k->key);
            http_error_fields(req, json_pack("{s:s}", "sort",
                                             http_printf(req, "%s；可排序的字段：%s",
                                                         hit ? "最多按 3 个字段排序" : "不支持按此字段排序",
                                                         allowed.len ? allowed.data : "无")));
            sbuf_free(&allowed);
            return false;
        }
        sbuf_printf(out, "%s %s, ", hit->sql, desc ? "DESC" : "ASC");
        p += len;
        if (*p == ',')
            p++;
    }
    return true;
}

static res_export_fn exporter;
void res_set_exporter(res_export_fn fn) { exporter = fn; }

bool res_export_wanted(http_req_t *req)
{
    const http_route_t *rt = http_route(req);
    return exporter && rt && (rt->flags & HTTP_EXPORT) && http_query(req, "format");
}

void res_export(http_req_t *req, db_conn_t *c, const zd_resource_t *r, json_t *items)
{
    if (json_array_size(items) > RES_EXPORT_MAX)
        http_error(req, 422, "too_large", "一次最多导出 %d 条，请缩小查询范围", RES_EXPORT_MAX);
    else
        exporter(req, c, r, items);
}

void res_list(http_req_t *req, db_conn_t *c, const zd_resource_t *r, const char *cols, const qb_t *q,
              const char *default_order, http_row_fn row, void *ud)
{
    res_list_then(req, c, r, cols, q, default_order, row, ud, NULL);
}

void res_list_then(http_req_t *req, db_conn_t *c, const zd_resource_t *r, const char *cols, const qb_t *q,
                   const char *default_order, http_row_fn row, void *ud, res_finish_fn finish)
{
    int64_t page = 1, size = RES_EXPORT_MAX + 1;
    /* ?format=xlsx (validated): every row the filters select, as a workbook */
    bool xlsx = res_export_wanted(req);
    if (!xlsx && !http_paging(req, &page, &size))
        return;
    sbuf_t order;
    sbuf_init(&order);
    if (!sort_clause(req, r, &order)) {
        sbuf_free(&order);
        return;
    }
    sbuf_puts(&order, default_order);
    const char *after = http_query(req, "after");
    int64_t after_v = 0;
    bool keyset = r->keyset && after && !http_query(req, "sort") && !xlsx;
    if (after && (!r->keyset || !str_to_int64(after, &after_v))) {
        sbuf_free(&order);
        http_error_fields(req,
                          json_pack("{s:s}", "after", r->keyset ? "应为整数" : "此列表不支持 after 翻页"));
        return;
    }
    listq_t lq = {.cols = cols,
                  .where = q,
                  .order = order.data,
                  .page = keyset ? 1 : page,
                  .size = size,
                  .keyset = r->keyset,
                  .after = keyset ? after_v : 0,
                  .row = row,
                  .ud = ud};
    json_t *o = listq_run(c, &lq);
    sbuf_free(&order);
    if (!o || (finish && !finish(req, c, json_object_get(o, "items"), ud))) {
        json_decref(o);
        http_db_error(req, c);
        return;
    }
    if (xlsx) {
        res_export(req, c, r, json_object_get(o, "items"));
        json_decref(o);
        return;
    }
    json_object_set_new(o, "page", json_integer(page));
    http_json(req, 200, o);
}

bool res_transition(http_req_t *req, db_conn_t *c, qb_t *q, const char *conflict_msg)
{
    db_stmt_t *st = qb_prepare(c, q);
    int rc = st ? db_step(st) : DB_ERROR;
    db_done(st);
    qb_free(q);
    if (rc != DB_DONE) {
        http_db_error(req, c);
        return false;
    }
    if (db_changes(c) == 0) {
        http_error(req, 409, "conflict", "%s", conflict_msg);
        return false;
    }
    return true;
}

int res_check(db_conn_t *c, const zd_resource_t *r, char *err, size_t errlen)
{
    const char *why = !r->name || !r->title || !r->table || !r->alias
                          ? "name, title, table and alias are required"
                      : !r->org_col && !r->no_org         ? "no organisation column: name it or say .no_org"
                      : !r->creator_col && !r->no_creator ? "no creator column: name it or say .no_creator"
                      : r->directory && !r->org_col       ? "a directory resource has an organisation column"
                                                          : NULL;
    if (why) {
        snprintf(err, errlen, "resource %s: %s", r->name ? r->name : "?", why);
        return -1;
    }
    char idc[128];
    id_col(r, idc, sizeof idc);
    sbuf_t sql;
    sbuf_init(&sql);
    sbuf_printf(&sql, "SELECT %s", idc);
    const char *cols[] = {r->org_col, r->path_col, r->creator_col, r->keyset};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        if (cols[i])
            sbuf_printf(&sql, ", %s", cols[i]);
    for (const res_sort_t *k = r->sorts; k && k->key; k++)
        sbuf_printf(&sql, ", %s", k->sql);
    if (r->from)
        sbuf_printf(&sql, " FROM %s", r->from);
    else
        sbuf_printf(&sql, " FROM %s %s", r->table, r->alias);
    sbuf_printf(&sql, " WHERE 1 = 0%s%s", r->where ? " AND " : "", r->where ? r->where : "");
    db_stmt_t *st = db_prepare(c, sql.data);
    int rc = st ? db_step(st) : DB_ERROR;
    db_done(st);
    if (rc == DB_ERROR)
        snprintf(err, errlen, "resource %s: its columns do not match the database: %s", r->name,
                 db_errmsg(c));
    sbuf_free(&sql);
    return rc == DB_ERROR ? -1 : 0;
}
