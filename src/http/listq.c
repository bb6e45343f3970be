/* listq.c — see listq.h. */
#include "http/listq.h"
#include <stdio.h>

json_t *listq_run(db_conn_t *c, const listq_t *lq)
{
    qb_t cq, pq;
    qb_init(&cq, "SELECT COUNT(*)");
    qb_append(&cq, lq->where);
    qb_init(&pq, "SELECT ");
    qb_sql(&pq, lq->cols);
    if (lq->keyset) { /* read last, after the row's own columns */
        qb_sql(&pq, ", ");
        qb_sql(&pq, lq->keyset);
    }
    qb_append(&pq, lq->where);
    if (lq->keyset && lq->after > 0) {
        qb_sql(&pq, " AND ");
        qb_sql(&pq, lq->keyset);
        qb_sql(&pq, " < ");
        qb_int(&pq, lq->after);
    }
    qb_sql(&pq, " ORDER BY ");
    qb_sql(&pq, lq->order);
    qb_sql(&pq, " LIMIT ");
    qb_int(&pq, lq->size);
    if (!(lq->keyset && lq->after > 0)) {
        qb_sql(&pq, " OFFSET ");
        qb_int(&pq, (lq->page - 1) * lq->size);
    }
    int64_t total = 0, last = 0;
    json_t *items = json_array();
    db_stmt_t *st = qb_prepare(c, &cq);
    int rc = st ? db_step(st) : DB_ERROR;
    if (rc == DB_ROW)
        total = db_col_int64(st, 0);
    db_done(st);
    if (rc == DB_ROW) {
        st = qb_prepare(c, &pq);
        while (st && (rc = db_step(st)) == DB_ROW) {
            json_array_append_new(items, lq->row(st, lq->ud));
            if (lq->keyset)
                last = db_col_int64(st, db_col_count(st) - 1);
        }
        db_done(st);
        if (!st)
            rc = DB_ERROR;
    }
    qb_free(&cq);
    qb_free(&pq);
    if (rc != DB_DONE) {
        json_decref(items);
        return NULL;
    }
    json_t *o = json_pack("{s:o,s:I,s:I,s:I}", "items", items, "total", (json_int_t)total, "page",
                          (json_int_t)lq->page, "page_size", (json_int_t)lq->size);
    if (lq->keyset && (int64_t)json_array_size(items) == lq->size)
        json_object_set_new(o, "next_after", json_integer(last));
    return o;
}

void http_list_query(http_req_t *req, db_conn_t *c, const char *cols, const qb_t *where, const char *order,
                     int64_t page, int64_t size, http_row_fn row, void *ud)
{
    listq_t lq = {
        .cols = cols, .where = where, .order = order, .page = page, .size = size, .row = row, .ud = ud};
    json_t *o = listq_run(c, &lq);
    if (!o)
        http_db_error(req, c);
    else
        http_json(req, 200, o);
}
