/* qb.c — see qb.h. */
#include "core/qb.h"
#include <stdlib.h>
#include <string.h>

void qb_init(qb_t *q, const char *base)
{
    memset(q, 0, sizeof *q);
    sbuf_init(&q->sql);
    sbuf_puts(&q->sql, base ? base : "");
}

void qb_free(qb_t *q)
{
    for (int i = 0; i < q->n; i++)
        free(q->p[i].s);
    sbuf_free(&q->sql);
    q->n = 0;
}

void qb_sql(qb_t *q, const char *literal_sql) { sbuf_puts(&q->sql, literal_sql); }

static int slot(qb_t *q)
{
    if (q->n == QB_MAX_PARAMS) {
        q->overflow = true;
        return -1;
    }
    sbuf_putc(&q->sql, '?');
    return q->n++;
}

void qb_int(qb_t *q, int64_t v)
{
    int i = slot(q);
    if (i >= 0)
        q->p[i].i = v;
}

void qb_text(qb_t *q, const char *s)
{
    int i = slot(q);
    if (i < 0)
        return;
    q->p[i].is_text = true;
    q->p[i].is_null = s == NULL;
    q->p[i].s = s ? strdup(s) : NULL;
}

char *qb_like_pattern(const char *s)
{
    char *esc = db_like_escape(s);
    size_t n = strlen(esc);
    char *pat = malloc(n + 3);
    if (!pat)
        abort();
    pat[0] = '%';
    memcpy(pat + 1, esc, n);
    pat[n + 1] = '%';
    pat[n + 2] = 0;
    free(esc);
    return pat;
}

void qb_like_any(qb_t *q, const char *const *cols, size_t ncols, const char *s)
{
    char *pat = qb_like_pattern(s);
    qb_sql(q, " AND (");
    for (size_t i = 0; i < ncols; i++) {
        if (i)
            qb_sql(q, " OR ");
        qb_sql(q, cols[i]);
        qb_sql(q, " LIKE ");
        qb_text(q, pat);
        qb_sql(q, " ESCAPE '\\'");
    }
    qb_sql(q, ")");
    free(pat);
}

void qb_append(qb_t *dst, const qb_t *src)
{
    const char *sql = qb_text_sql(src);
    int k = 0;
    for (const char *p = sql; *p; p++) {
        if (*p != '?') {
            sbuf_putc(&dst->sql, *p);
            continue;
        }
        if (src->p[k].is_text)
            qb_text(dst, src->p[k].s);
        else
            qb_int(dst, src->p[k].i);
        k++;
    }
}

db_stmt_t *qb_prepare(db_conn_t *c, qb_t *q)
{
    if (q->overflow)
        return NULL;
    db_stmt_t *st = db_prepare(c, q->sql.data ? q->sql.data : "");
    if (!st)
        return NULL;
    for (int i = 0; i < q->n; i++) {
        if (!q->p[i].is_text)
            db_bind_int64(st, i + 1, q->p[i].i);
        else if (q->p[i].is_null)
            db_bind_null(st, i + 1);
        else
            db_bind_text(st, i + 1, q->p[i].s);
    }
    return st;
}

const char *qb_text_sql(const qb_t *q) { return q->sql.data ? q->sql.data : ""; }
