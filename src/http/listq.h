/* listq.h — the paged list every list endpoint answers: one WHERE clause
 * built with qb, a COUNT(*) over it and one page of rows mapped to JSON.
 * Modules list through res_list() (auth/resource.h), which adds the data
 * scope, ?sort= and ?after= to this. */
#ifndef ZD_LISTQ_H
#define ZD_LISTQ_H
#include "core/qb.h"
#include "http/http.h"

/* Maps the current row to a new JSON value. */
typedef json_t *(*http_row_fn)(db_stmt_t *st, void *ud);

typedef struct {
    const char *cols;  /* select list */
    const qb_t *where; /* " FROM ... WHERE ..." (borrowed) */
    const char *order; /* ORDER BY text */
    int64_t page, size;
    const char *keyset; /* with after > 0: rows whose keyset < after, no OFFSET */
    int64_t after;
    http_row_fn row;
    void *ud;
} listq_t;

/* {"items","total","page_size"} (plus "next_after" when the list has a
 * keyset and a full page came back), or NULL on a database error. */
json_t *listq_run(db_conn_t *c, const listq_t *lq);

/* Answers {"items","total","page","page_size"} (or a database error). where
 * starts with " FROM ..."; the caller still owns and frees it. For lists
 * that are not a resource of their own (the history of one object). */
void http_list_query(http_req_t *req, db_conn_t *c, const char *cols, const qb_t *where, const char *order,
                     int64_t page, int64_t size, http_row_fn row, void *ud);

#endif
