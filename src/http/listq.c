/* listq.c — see listq.h. */
#include "http/listq.h"

void http_list_query(http_req_t *req, db_conn_t *c, const char *cols, const qb_t *where, const char *order,
                     int64_t page, int64_t size, http_row_fn row, void *ud)
{
    qb_t cq, lq;
    qb_init(&cq, "SELECT COUNT(*)");
    qb_append(&cq, where);
    qb_init(&lq, "SELECT ");
    qb_sql(&lq, cols);
    qb_append(&lq, where);
    qb_sql(&lq, " ORDER BY ");
    qb_sql(&lq, order);
    qb_sql(&lq, " LIMIT ");
    qb_int(&lq, size);
    qb_sql(&lq, " OFFSET ");
    qb_int(&lq, (page - 1) * size);
    int64_t total = 0;
    json_t *items = json_array();
    db_stmt_t *st = qb_prepare(c, &cq);
    int rc = st ? db_step(st) : DB_ERROR;
    if (rc == DB_ROW)
        total = db_col_int64(st, 0);
    db_done(st);
    if (rc == DB_ROW) {
        st = qb_prepare(c, &lq);
        while (st && (rc = db_step(st)) == DB_ROW)
            json_array_append_new(items, row(st, ud));
        db_done(st);
        if (!st)
            rc = DB_ERROR;
    }
    qb_free(&cq);
    qb_free(&lq);
    if (rc != DB_DONE) {
        json_decref(items);
        http_db_error(req, c);
        return;
    }
    http_list(req, items, total, page, size);
}
