/* qb.h — building a statement whose shape depends on request filters,
 * without ever pasting a value into SQL. Literal SQL is appended with
 * qb_sql(); every value goes through qb_int()/qb_text(), which append a `?`
 * and remember the value for binding:
 *
 *     qb_t q; qb_init(&q, "SELECT id, name FROM orgs o WHERE o.status <> 'deleted'");
 *     if (type) { qb_sql(&q, " AND o.type = "); qb_text(&q, type); }
 *     qb_sql(&q, " ORDER BY o.id LIMIT "); qb_int(&q, size);
 *     db_stmt_t *st = qb_prepare(c, &q);    // prepared and bound; NULL on error
 *     ...; db_done(st); qb_free(&q);
 *
 * Text values are copied. Not thread-safe; one builder per use. */
#ifndef ZD_QB_H
#define ZD_QB_H
#include "core/db.h"
#include "core/str.h"

#define QB_MAX_PARAMS 48

typedef struct {
    sbuf_t sql;
    int n;
    struct {
        bool is_text, is_null;
        int64_t i;
        char *s;
    } p[QB_MAX_PARAMS];
    bool overflow;
} qb_t;

void qb_init(qb_t *q, const char *base);
void qb_free(qb_t *q);
void qb_sql(qb_t *q, const char *literal_sql); /* never user data */
void qb_int(qb_t *q, int64_t v);
void qb_text(qb_t *q, const char *s); /* NULL binds NULL */
/* Appends " AND (col1 LIKE ? ESCAPE '\' OR col2 ...)" matching s anywhere. */
void qb_like_any(qb_t *q, const char *const *cols, size_t ncols, const char *s);
/* "%s%" with s's LIKE wildcards escaped (for ESCAPE '\'); malloc'd. */
char *qb_like_pattern(const char *s);
/* Appends src's SQL and values to dst (for a COUNT(*) and a page query
 * sharing one WHERE clause). */
void qb_append(qb_t *dst, const qb_t *src);
/* Prepares q's SQL on c and binds its values; NULL on error or when more than
 * QB_MAX_PARAMS values were added. */
db_stmt_t *qb_prepare(db_conn_t *c, qb_t *q);
/* The SQL text so far. */
const char *qb_text_sql(const qb_t *q);

#endif
