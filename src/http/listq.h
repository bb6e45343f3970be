/* listq.h — the paged list every list endpoint answers: one WHERE clause
 * built with qb, a COUNT(*) over it and one page of rows mapped to JSON.
 *
 *     qb_t w; qb_init(&w, " FROM orgs o WHERE o.status <> 'deleted'");
 *     ... filters, auth_scope_orgs(req, &w, "o") ...
 *     http_list_query(req, c, ORG_COLS, &w, "o.id", page, size, org_row, NULL);
 *     qb_free(&w);
 */
#ifndef ZD_LISTQ_H
#define ZD_LISTQ_H
#include "core/qb.h"
#include "http/http.h"

/* Maps the current row to a new JSON value. */
typedef json_t *(*http_row_fn)(db_stmt_t *st, void *ud);

/* Answers {"items","total","page","page_size"} (or a database error). where
 * starts with " FROM ..."; the caller still owns and frees it. */
void http_list_query(http_req_t *req, db_conn_t *c, const char *cols, const qb_t *where, const char *order,
                     int64_t page, int64_t size, http_row_fn row, void *ud);

#endif
