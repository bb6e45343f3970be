/* query.c — keyword search over the index: the routes GET and POST
 * /api/v1/search. The caller's data scope is part of the query (for each
 * kind, the scope the caller holds through the kind's permission, applied to
 * the documents' owner organisation), so totals and facets count only what
 * the caller may see. Filters: kinds, tags, district, time range,
 * attributes, knowledge bases; facets by kind, district, tag and attribute
 * under the same scope and filters; sort by relevance (SQLite bm25(),
 * PostgreSQL ts_rank, times the document's weight) or time; highlighted
 * snippets; pages. Vector and hybrid retrieval answer 501 until the
 * embedding provider lands. */
#include "core/str.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/search/internal.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TAGS        5
#define MAX_ATTRS       5
#define MAX_KB          10
#define FACET_VALUES    20
#define SNIPPET_CHARS   120
#define MAX_QUERY_CHARS 200

typedef struct {
    const char *q;
    const char *mode;
    json_t *kinds;  /* array of strings or NULL: every kind */
    json_t *tags;   /* array of strings or NULL */
    json_t *attrs;  /* object name → string or NULL */
    json_t *kb_ids; /* array of ids or NULL */
    int64_t district_id, from, to;
    bool by_time, no_facets;
    int64_t page, page_size;
    double sw, kw, threshold; /* vector / hybrid: semantic and keyword weights, score threshold */
    const char *fusion;       /* weighted | rrf */
    const char *embedding;    /* local | openai; NULL: the search index's provider */
    bool fuzzy;               /* near misses searched when the exact query finds few */
    bool exact;               /* the vector side by the exact flat scan, not the HNSW graph */
} sq_t;

static const char *const MODES[] = {"keyword", "vector", "hybrid", NULL};
static const char *const SORTS[] = {"relevance", "time", NULL};
static const char *const FUSIONS[] = {"weighted", "rrf", NULL};
static const char *const EMBEDDINGS[] = {"local", "openai", NULL};

/* FTS5's bm25() (title 4, body 1) with the length from search_rank
 * (src/core/sqlite_bm25.c): the same scores without a %_docsize look-up */
#define BM25_SQL "bm25_len(search_fts, d.ntok, 4.0, 1.0)"

#define RANK_POOL 100  /* candidates from each side of a fusion, at least */
#define RANK_MAX  1000 /* hits ranked by vector / hybrid retrieval, at most */
#define RRF_K     60

/* the where clause: match, scope by kind, filters */
static void build_where(http_req_t *req, const sq_t *p, const char *expr, bool pg, qb_t *w)
{
    if (expr && pg) {
        qb_init(w, " FROM search_docs d WHERE d.tsv @@ CAST(");
        qb_text(w, expr);
        qb_sql(w, " AS tsquery)");
    } else if (expr) {
        /* through the narrow rowid table search_rank (0406): a match costs
         * one integer-key seek, not a read of the document's whole row, and
         * carries the length bm25_len() ranks with (docs/search.md "The
         * cost of a keyword query"); d has the rank's columns only */
        qb_init(w, " FROM search_fts JOIN search_rank d ON d.id = search_fts.rowid WHERE search_fts MATCH ");
        qb_text(w, expr);
    } else {
        qb_init(w, " FROM search_docs d WHERE 1 = 1");
    }
    size_t nk;
    const search_kind_t *const *kinds = search_kinds(&nk);
    qb_sql(w, " AND (1 = 0");
    for (size_t i = 0; i < nk; i++) {
        const search_kind_t *k = kinds[i];
        if (p->kinds) {
            bool want = false;
            size_t j;
            json_t *v;
            json_array_foreach(p->kinds, j, v) want =
                want || (json_is_string(v) && !strcmp(json_string_value(v), k->kind));
            if (!want)
                continue;
        }
        auth_scope_t s = auth_scope_for(req, k->perm);
        if (s == SCOPE_NONE)
            continue;
        qb_sql(w, " OR (d.kind = ");
        qb_text(w, k->kind);
        auth_scope_cond(req, w, s, "d.org_id", NULL, "d.created_by");
        qb_sql(w, ")");
    }
    qb_sql(w, ")");
    size_t i;
    json_t *v;
    json_array_foreach(p->tags, i, v)
    {
        qb_sql(w, " AND EXISTS (SELECT 1 FROM search_doc_facets x WHERE x.doc_id = d.id AND x.name = 'tag' "
                  "AND x.value = ");
        qb_text(w, json_string_value(v));
        qb_sql(w, ")");
    }
    const char *key;
    json_object_foreach(p->attrs, key, v)
    {
        qb_sql(w, " AND EXISTS (SELECT 1 FROM search_doc_facets x WHERE x.doc_id = d.id AND x.name = ");
        qb_text(w, key);
        qb_sql(w, " AND x.value = ");
        qb_text(w, json_string_value(v));
        qb_sql(w, ")");
    }
    if (json_array_size(p->kb_ids)) { /* the kb_id attribute, kept on the row (0404_search_rank.sql) */
        qb_sql(w, " AND d.kb_id IN (");
        json_array_foreach(p->kb_ids, i, v)
        {
            char id[24];
            snprintf(id, sizeof id, "%lld", (long long)json_integer_value(v));
            if (i)
                qb_sql(w, ", ");
            qb_text(w, id);
        }
        qb_sql(w, ")");
    }
    if (p->district_id) {
        qb_sql(w, " AND d.district_id = ");
        qb_int(w, p->district_id);
    }
    if (p->from) {
        qb_sql(w, " AND d.doc_time >= ");
        qb_int(w, p->from);
    }
    if (p->to) {
        qb_sql(w, " AND d.doc_time < ");
        qb_int(w, p->to);
    }
}

static const char *kind_title(const char *kind)
{
    const search_kind_t *k = search_kind(kind);
    return k && k->title ? k->title : kind;
}

/* ---- near misses (docs/search.md § Near misses) ---- */

#define FUZZY_WEIGHT_SQL "0.5" /* a document found only through an expansion scores this much */

typedef struct {
    http_req_t *req;
    db_conn_t *c;
    const sq_t *p;
    bool pg;
} scope_ud_t;

/* does any document in the caller's scope and filters match expr? 1, 0, -1 */
static int in_scope(void *ud, const char *expr)
{
    const scope_ud_t *u = ud;
    qb_t w, q;
    build_where(u->req, u->p, expr, u->pg, &w);
    qb_init(&q, "SELECT 1");
    qb_append(&q, &w);
    qb_sql(&q, " LIMIT 1");
    db_stmt_t *st = qb_prepare(u->c, &q);
    int rc = st ? db_step(st) : DB_ERROR;
    db_done(st);
    qb_free(&q);
    qb_free(&w);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

/* the query's terms expanded by their near misses (fuzzy.c) */
static int fuzzy_expand(http_req_t *req, db_conn_t *c, const sq_t *p, const search_terms_t *t, bool pg,
                        int64_t exact_total, search_fuzzy_t *f)
{
    scope_ud_t u = {req, c, p, pg};
    return search_fuzzy_expand(c, t, p->fuzzy, pg, exact_total, in_scope, &u, f);
}

/* the facets: {"kind":[{value,label,count}], "district":[…], "tag":[…], attr…};
 * NULL on a database error */
static json_t *facets(db_conn_t *c, const qb_t *w)
{
    json_t *out = json_object();
    static const char *const HEAD[] = {
        "SELECT d.kind, COUNT(*)",
        "SELECT g.district_id, o.name, g.n FROM (SELECT d.district_id AS district_id, COUNT(*) AS n",
        "SELECT f.name, f.value, COUNT(*) FROM search_doc_facets f WHERE f.doc_id IN (SELECT d.id"};
    static const char *const TAIL[] = {" GROUP BY d.kind ORDER BY COUNT(*) DESC, d.kind",
                                       (" GROUP BY d.district_id) g LEFT JOIN orgs o ON o.id = g.district_id "
                                        "ORDER BY g.n DESC, g.district_id"),
                                       ") GROUP BY f.name, f.value ORDER BY f.name, COUNT(*) DESC, f.value"};
    for (int i = 0; i < 3; i++) {
        qb_t q;
        qb_init(&q, HEAD[i]);
        qb_append(&q, w);
        qb_sql(&q, TAIL[i]);
        db_stmt_t *st = qb_prepare(c, &q);
        int rc = DB_ERROR;
        if (st) {
            while ((rc = db_step(st)) == DB_ROW) {
                json_t *a, *e;
                if (i == 0) {
                    a = json_object_get(out, "kind");
                    e = json_pack("{s:s,s:s,s:I}", "value", db_col_text(st, 0), "label",
                                  kind_title(db_col_text(st, 0)), "count", (json_int_t)db_col_int64(st, 1));
                    if (!a)
                        json_object_set_new(out, "kind", a = json_array());
                } else if (i == 1) {
                    if (db_col_is_null(st, 0))
                        continue;
                    a = json_object_get(out, "district");
                    e = json_pack("{s:I,s:s,s:I}", "value", (json_int_t)db_col_int64(st, 0), "label",
                                  db_col_text(st, 1) ? db_col_text(st, 1) : "", "count",
                                  (json_int_t)db_col_int64(st, 2));
                    if (!a)
                        json_object_set_new(out, "district", a = json_array());
                } else {
                    const char *name = db_col_text(st, 0);
                    a = json_object_get(out, name);
                    if (!a)
                        json_object_set_new(out, name, a = json_array());
                    if (json_array_size(a) >= FACET_VALUES)
                        continue;
                    e = json_pack("{s:s,s:s,s:I}", "value", db_col_text(st, 1), "label", db_col_text(st, 1),
                                  "count", (json_int_t)db_col_int64(st, 2));
                }
                json_array_append_new(a, e);
            }
        }
        db_done(st);
        qb_free(&q);
        if (rc != DB_DONE) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

/* one hit from the row (columns as ROW_COLS) */
static json_t *hit_json(db_stmt_t *st, const search_terms_t *terms, double score, json_t *kw, json_t *vec,
                        json_t *fused)
{
    const char *kind = db_col_text(st, 1);
    int64_t ref = db_col_int64(st, 2);
    const search_kind_t *k = search_kind(kind);
    char *th = search_highlight(db_col_text(st, 7), terms, 0);
    char *sn = search_highlight(db_col_text(st, 8), terms, SNIPPET_CHARS);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, "kind", json_string(kind));
    json_object_set_new(o, "kind_title", json_string(kind_title(kind)));
    json_object_set_new(o, "ref_id", json_integer(ref));
    json_object_set_new(o, "org_id", json_integer(db_col_int64(st, 3)));
    json_object_set_new(o, "org_name", json_col_text(st, 4));
    json_object_set_new(o, "district_id", json_col_id(st, 5));
    json_object_set_new(o, "district_name", json_col_text(st, 6));
    json_object_set_new(o, "title", json_col_text(st, 7));
    json_object_set_new(o, "title_html", json_string(th));
    json_object_set_new(o, "snippet", json_string(sn));
    json_object_set_new(o, "tags", json_parse_or_null(db_col_text(st, 9)));
    json_object_set_new(o, "attrs", json_parse_or_null(db_col_text(st, 10)));
    json_object_set_new(o, "time", json_time(db_col_int64(st, 11)));
    json_object_set_new(o, "weight", json_real(db_col_double(st, 12)));
    json_object_set_new(o, "score", json_real(score));
    json_object_set_new(o, "scores",
                        json_pack("{s:o,s:o,s:o}", "keyword", kw, "vector", vec, "fused", fused));
    json_object_set_new(o, "link", k && k->link ? json_sprintf(k->link, (long long)ref) : json_null());
    free(th);
    free(sn);
    return o;
}

#define ROW_COLS                                                                                             \
    "SELECT d.id, d.kind, d.ref_id, d.org_id, (SELECT name FROM orgs WHERE id = d.org_id), d.district_id, "  \
    "(SELECT name FROM orgs WHERE id = d.district_id), d.title, d.body, d.tags, d.attrs, d.doc_time, "       \
    "d.weight"

static void run_ranked(http_req_t *req, sq_t *p);

/* " AND d.id IN (a, b, …)": document ids the index itself gave (integers,
 * written as literals: a bound parameter each would pass QB_MAX_PARAMS) */
static void ids_in(qb_t *q, const int64_t *ids, size_t n)
{
    qb_sql(q, " AND d.id IN (");
    for (size_t i = 0; i < n; i++) {
        char num[24];
        snprintf(num, sizeof num, i ? ", %lld" : "%lld", (long long)ids[i]);
        qb_sql(q, num);
    }
    qb_sql(q, ")");
}

/* the score of a match, as the answer's order and its hits' "score" */
static void score_sql(qb_t *q, const char *ex, bool pg)
{
    if (ex && pg) {
        qb_sql(q, "ts_rank(d.tsv, CAST(");
        qb_text(q, ex);
        qb_sql(q, " AS tsquery), 1) * d.weight");
    } else if (ex) {
        qb_sql(q, "(-" BM25_SQL ") * d.weight");
    } else {
        qb_sql(q, "0.0");
    }
}

/* ---- the keyword page in one pass ----
 *
 * A query that matches a large part of the corpus used to cost two passes
 * over every match — COUNT(*), then the ranked page, which computed every
 * column of every match (the body, the organisation names) before its sort
 * kept ten — (docs/search.md "The cost of a keyword query").
 * ranked_page() reads each match once — its id, time and score, nothing
 * else — counts them, and keeps the best page * page_size in a bounded heap
 * ordered exactly as the SQL was (score, then time, then id, all
 * descending; or time, then id); then only the page's rows are read. Same
 * hits, same order, same scores, same total. Deep pages (more than
 * RANK_HEAP_MAX kept) go through sql_page(). */

#define RANK_HEAP_MAX 5000

typedef struct {
    double score;
    int64_t time, id;
    int exact; /* 1, or 0 for a document only a near miss found (exact_first_sql) */
} rk_t;

/* a comes before b in the answer (ids are unique: a total order) */
static bool rk_before(const rk_t *a, const rk_t *b, bool by_time)
{
    if (!by_time && a->exact != b->exact)
        return a->exact > b->exact;
    if (!by_time && a->score != b->score)
        return a->score > b->score;
    if (a->time != b->time)
        return a->time > b->time;
    return a->id > b->id;
}

static int cmp_rk_score(const void *a, const void *b)
{
    return rk_before(a, b, false) ? -1 : rk_before(b, a, false) ? 1 : 0;
}

static int cmp_rk_time(const void *a, const void *b)
{
    return rk_before(a, b, true) ? -1 : rk_before(b, a, true) ? 1 : 0;
}

/* the heap keeps the last of the kept at its root */
static void rk_down(rk_t *h, size_t n, size_t i, bool by_time)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && rk_before(&h[m], &h[l], by_time))
            m = l;
        if (r < n && rk_before(&h[m], &h[r], by_time))
            m = r;
        if (m == i)
            return;
        rk_t t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void rk_push(rk_t *h, size_t *n, size_t cap, rk_t e, bool by_time)
{
    if (*n < cap) {
        size_t i = (*n)++;
        h[i] = e;
        while (i && rk_before(&h[(i - 1) / 2], &h[i], by_time)) {
            rk_t t = h[i];
            h[i] = h[(i - 1) / 2];
            h[(i - 1) / 2] = t;
            i = (i - 1) / 2;
        }
    } else if (cap && rk_before(&e, &h[0], by_time)) {
        h[0] = e;
        rk_down(h, *n, 0, by_time);
    }
}

/* the hits of the page, in order, from their ids and scores (rows deleted
 * meanwhile are left out) */
static int page_rows(db_conn_t *c, const rk_t *v, size_t n, const search_terms_t *terms, json_t *items)
{
    if (!n)
        return 0;
    json_t **at = calloc(n, sizeof *at);
    if (!at)
        return -1;
    qb_t q;
    qb_init(&q, ROW_COLS " FROM search_docs d WHERE 1 = 1");
    int64_t *ids = malloc(n * sizeof *ids);
    if (!ids) {
        free(at);
        qb_free(&q);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        ids[i] = v[i].id;
    ids_in(&q, ids, n);
    free(ids);
    db_stmt_t *st = qb_prepare(c, &q);
    int rc = DB_ERROR;
    if (st)
        while ((rc = db_step(st)) == DB_ROW) {
            int64_t id = db_col_int64(st, 0);
            for (size_t i = 0; i < n; i++)
                if (v[i].id == id && !at[i]) {
                    at[i] = hit_json(st, terms, v[i].score, json_real(v[i].score), json_null(),
                                     json_real(v[i].score));
                    break;
                }
        }
    db_done(st);
    qb_free(&q);
    for (size_t i = 0; i < n; i++)
        if (at[i])
            json_array_append_new(items, at[i]);
    free(at);
    return rc == DB_DONE ? 0 : -1;
}

/* After a score's SQL, for a query expanded with near misses: the score
 * times 1 for a document the exact query matches (else FUZZY_WEIGHT_SQL)
 * AS score, and that match AS exact, for ORDER BY exact DESC first. */
static void exact_first_sql(qb_t *q, const char *exact, bool pg)
{
    for (int k = 0; k < 2; k++) {
        qb_sql(q, pg ? (k ? ", (CASE WHEN d.tsv @@ CAST(" : " * (CASE WHEN d.tsv @@ CAST(")
                     : (k ? ", (CASE WHEN d.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH "
                          : " * (CASE WHEN d.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH "));
        qb_text(q, exact);
        qb_sql(q, pg ? " AS tsquery)" : ")");
        qb_sql(q, k ? " THEN 1 ELSE 0 END) AS exact" : " THEN 1.0 ELSE " FUZZY_WEIGHT_SQL " END) AS score");
    }
}

/* ex: the expression scored; exact: for a query expanded with near misses
 * (ex is the expansion), the exact query, whose matches come first
 * (exact_first_sql), as in sql_page */
static int ranked_page(db_conn_t *c, const sq_t *p, const char *ex, const char *exact, bool pg, const qb_t *w,
                       const search_terms_t *terms, size_t need, int64_t *total, json_t *items)
{
    rk_t *h = malloc((need ? need : 1) * sizeof *h);
    if (!h)
        return -1;
    qb_t q;
    qb_init(&q, "SELECT d.id, d.doc_time, ");
    score_sql(&q, ex, pg);
    if (exact)
        exact_first_sql(&q, exact, pg);
    qb_append(&q, w);
    db_stmt_t *st = qb_prepare(c, &q);
    int rc = DB_ERROR;
    size_t n = 0;
    int64_t count = 0;
    if (st)
        while ((rc = db_step(st)) == DB_ROW) {
            rk_t e = {db_col_double(st, 2), db_col_int64(st, 1), db_col_int64(st, 0),
                      exact ? (int)db_col_int64(st, 3) : 1};
            rk_push(h, &n, need, e, p->by_time);
            count++;
        }
    db_done(st);
    qb_free(&q);
    if (rc != DB_DONE) {
        free(h);
        return -1;
    }
    *total = count;
    if (n)
        qsort(h, n, sizeof *h, p->by_time ? cmp_rk_time : cmp_rk_score);
    size_t from = (size_t)((p->page - 1) * p->page_size);
    int r = from < n ? page_rows(c, h + from, n - from, terms, items) : 0;
    free(h);
    return r;
}

/* the count, then the page in SQL: the page's ids by the order, then only
 * their rows (deep pages, and every page without q) */
/* The rows of a page (ROW_COLS then the score, column 13) as hits into
 * items; frees q. 0, or -1 on a database error. */
static int page_hits(db_conn_t *c, qb_t *q, const search_terms_t *terms, json_t *items)
{
    db_stmt_t *st = qb_prepare(c, q);
    int rc = DB_ERROR;
    if (st)
        while ((rc = db_step(st)) == DB_ROW) {
            double score = db_col_double(st, 13);
            json_array_append_new(
                items, hit_json(st, terms, score, json_real(score), json_null(), json_real(score)));
        }
    db_done(st);
    qb_free(q);
    return rc == DB_DONE ? 0 : -1;
}

/* *total: the documents w matches; 0, or -1 on a database error */
static int count_matches(db_conn_t *c, const qb_t *w, int64_t *total)
{
    qb_t q;
    qb_init(&q, "SELECT COUNT(*)");
    qb_append(&q, w);
    db_stmt_t *st = qb_prepare(c, &q);
    int rc = st ? db_step(st) : DB_ERROR;
    *total = rc == DB_ROW ? db_col_int64(st, 0) : 0;
    db_done(st);
    qb_free(&q);
    return rc == DB_ROW ? 0 : -1;
}

/* A page ranked in SQL: the ids, times and scores of the page in a
 * subquery over w's matches, then those rows of search_docs (w's d may be
 * the narrow search_rank). ex: the expression scored. exact: a query
 * expanded with near misses (fuzzy_expand; ex is the expansion): the exact
 * query, whose matches come first, a document only an expansion found
 * scoring less (exact_first_sql). 0, or -1 on a database error. */
static int sql_page(db_conn_t *c, const sq_t *p, const char *ex, const char *exact, bool pg, const qb_t *w,
                    const search_terms_t *terms, int64_t *total, json_t *items)
{
    if (count_matches(c, w, total) != 0)
        return -1;
    qb_t q;
    qb_init(&q, ROW_COLS ", r.score FROM (SELECT d.id AS rid, d.doc_time AS rt, ");
    score_sql(&q, ex, pg);
    if (exact)
        exact_first_sql(&q, exact, pg);
    else
        qb_sql(&q, " AS score");
    qb_append(&q, w);
    bool by_time = p->by_time || !ex;
    qb_sql(&q, by_time ? " ORDER BY d.doc_time DESC, d.id DESC LIMIT "
               : exact ? " ORDER BY exact DESC, score DESC, d.doc_time DESC, d.id DESC LIMIT "
                       : " ORDER BY score DESC, d.doc_time DESC, d.id DESC LIMIT ");
    qb_int(&q, p->page_size);
    qb_sql(&q, " OFFSET ");
    qb_int(&q, (p->page - 1) * p->page_size);
    qb_sql(&q, by_time ? ") r JOIN search_docs d ON d.id = r.rid ORDER BY r.rt DESC, r.rid DESC"
               : exact
                   ? ") r JOIN search_docs d ON d.id = r.rid ORDER BY r.exact DESC, r.score DESC, r.rt DESC, "
                     "r.rid DESC"
                   : ") r JOIN search_docs d ON d.id = r.rid ORDER BY r.score DESC, r.rt DESC, r.rid DESC");
    return page_hits(c, &q, terms, items);
}

/* The page and the total: in one pass and a bounded heap when the query
 * has terms and the page is within RANK_HEAP_MAX hits, else in SQL (deep
 * pages, no terms). ex, exact: as ranked_page and sql_page. */
static int keyword_page(db_conn_t *c, const sq_t *p, const char *ex, const char *exact, bool pg,
                        const qb_t *w, const search_terms_t *terms, size_t need, int64_t *total,
                        json_t *items)
{
    return ex && need <= RANK_HEAP_MAX ? ranked_page(c, p, ex, exact, pg, w, terms, need, total, items)
                                       : sql_page(c, p, ex, exact, pg, w, terms, total, items);
}

static void run_search(http_req_t *req, sq_t *p)
{
    int64_t t0 = time_mono_ns();
    if (strcmp(p->mode, "keyword") != 0) {
        run_ranked(req, p);
        return;
    }
    search_terms_t terms;
    if (search_terms_parse(p->q, &terms) != 0) {
        http_error_fields(req, json_pack("{s:s}", "q", "不是有效的 UTF-8 文本"));
        return;
    }
    db_conn_t *c = http_db(req);
    if (!c) {
        search_terms_free(&terms);
        return;
    }
    bool pg = db_dialect(db_of(c)) == DB_POSTGRES;
    size_t nterms = 0;
    char *expr = search_terms_expr(&terms, pg, &nterms);
    if (!nterms && p->q && *p->q) {
        free(expr);
        search_terms_free(&terms);
        http_error_fields(req, json_pack("{s:s}", "q", "检索词中没有可检索的文字或数字"));
        return;
    }
    const char *ex = nterms ? expr : NULL;
    qb_t w;
    search_fuzzy_t fz = {0};
    build_where(req, p, ex, pg, &w);
    int64_t total = 0;
    json_t *items = json_array(), *fac = NULL;
    size_t need = (size_t)(p->page * p->page_size);
    if (keyword_page(c, p, ex, NULL, pg, &w, &terms, need, &total, items) != 0)
        goto dberr;
    /* few exact hits: near misses too, and the page again with the exact ones first */
    if (ex && fuzzy_expand(req, c, p, &terms, pg, total, &fz) != 0)
        goto dberr;
    if (fz.expr) {
        qb_free(&w);
        build_where(req, p, fz.expr, pg, &w);
        json_array_clear(items);
        if (keyword_page(c, p, fz.expr, ex, pg, &w, &fz.all, need, &total, items) != 0)
            goto dberr;
    }
    fac = p->no_facets ? json_object() : facets(c, &w);
    if (!fac)
        goto dberr;
    qb_free(&w);
    free(expr);
    json_t *out =
        json_pack("{s:o,s:I,s:I,s:I,s:s,s:s,s:o,s:o,s:I}", "items", items, "total", (json_int_t)total, "page",
                  (json_int_t)p->page, "page_size", (json_int_t)p->page_size, "mode", p->mode, "order",
                  p->by_time ? "time" : "relevance", "terms", search_terms_json(&terms), "facets", fac,
                  "took_ms", (json_int_t)((time_mono_ns() - t0) / 1000000));
    json_object_set_new(out, "expanded", fz.expanded ? json_incref(fz.expanded) : json_array());
    json_object_set_new(out, "fuzzy", json_boolean(p->fuzzy));
    search_fuzzy_free(&fz);
    search_terms_free(&terms);
    http_json(req, 200, out);
    return;
dberr:
    json_decref(items);
    qb_free(&w);
    free(expr);
    search_fuzzy_free(&fz);
    search_terms_free(&terms);
    http_db_error(req, c);
}

/* ---- vector and hybrid retrieval ---- */

typedef struct {
    int64_t id;
    double kw, vec, vnorm, fused, score, weight;
    int64_t time;
    int kr, vr; /* ranks from 1; 0: not among that side's candidates */
} cand_t;

typedef struct {
    cand_t *v;
    size_t n, cap;
} cands_t;

static cand_t *cand_of(cands_t *cs, int64_t id)
{
    for (size_t i = 0; i < cs->n; i++)
        if (cs->v[i].id == id)
            return &cs->v[i];
    if (cs->n == cs->cap) {
        cand_t *v = realloc(cs->v, (cs->cap = cs->cap ? cs->cap * 2 : 128) * sizeof *v);
        if (!v)
            return NULL;
        cs->v = v;
    }
    cs->v[cs->n] = (cand_t){.id = id};
    return &cs->v[cs->n++];
}

static int cmp_cand(const void *a, const void *b)
{
    const cand_t *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return (x->id > y->id) - (x->id < y->id);
}

static int cmp_cand_time(const void *a, const void *b)
{
    const cand_t *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? 1 : -1;
    return cmp_cand(a, b);
}

/* the keyword side: the best `pool` matches in scope, unweighted scores */
static int keyword_cands(http_req_t *req, db_conn_t *c, const sq_t *p, const char *ex, bool pg, size_t pool,
                         const char *exact, cands_t *cs)
{
    qb_t w, q;
    build_where(req, p, ex, pg, &w);
    qb_init(&q, "SELECT d.id, ");
    if (pg) {
        qb_sql(&q, "ts_rank(d.tsv, CAST(");
        qb_text(&q, ex);
        qb_sql(&q, " AS tsquery), 1)");
    } else {
        qb_sql(&q, "(-" BM25_SQL ")");
    }
    if (exact) { /* near misses (fuzzy_expand): below the exact matches, at a lower weight */
        exact_first_sql(&q, exact, pg);
    } else {
        qb_sql(&q, " AS score");
    }
    qb_append(&q, &w);
    qb_sql(&q, exact ? " ORDER BY exact DESC, score DESC, d.id DESC LIMIT "
                     : " ORDER BY score DESC, d.id DESC LIMIT ");
    qb_int(&q, (int64_t)pool);
    db_stmt_t *st = qb_prepare(c, &q);
    int rc = DB_ERROR, rank = 0;
    if (st)
        while ((rc = db_step(st)) == DB_ROW) {
            cand_t *k = cand_of(cs, db_col_int64(st, 0));
            if (!k) {
                rc = DB_ERROR;
                break;
            }
            k->kw = db_col_double(st, 1);
            k->kr = ++rank;
        }
    db_done(st);
    qb_free(&q);
    qb_free(&w);
    return rc == DB_DONE ? 0 : -1;
}

/* the vector side: walks the ranking best first, keeping what the caller
 * may see under the filters (checked in batches inside the query), until
 * `pool` are kept or the ranking ends: never fewer than pool allowed hits
 * when they exist */
static int vector_cands(http_req_t *req, db_conn_t *c, const sq_t *p, const search_vhit_t *h, size_t n,
                        size_t pool, cands_t *cs)
{
    size_t kept = 0, batch = pool < 64 ? 64 : pool;
    int64_t *ids = malloc(batch * sizeof *ids);
    if (!ids)
        return -1;
    for (size_t at = 0; at < n && kept < pool; at += batch) {
        size_t m = n - at < batch ? n - at : batch;
        for (size_t i = 0; i < m; i++)
            ids[i] = h[at + i].doc_id;
        qb_t w, q;
        build_where(req, p, NULL, false, &w);
        qb_init(&q, "SELECT d.id");
        qb_append(&q, &w);
        ids_in(&q, ids, m);
        db_stmt_t *st = qb_prepare(c, &q);
        int rc = DB_ERROR;
        bool *ok = calloc(m, sizeof *ok);
        if (st && ok)
            while ((rc = db_step(st)) == DB_ROW) {
                int64_t id = db_col_int64(st, 0);
                for (size_t i = 0; i < m; i++)
                    if (ids[i] == id)
                        ok[i] = true;
            }
        db_done(st);
        qb_free(&q);
        qb_free(&w);
        if (rc != DB_DONE) {
            free(ok);
            free(ids);
            return -1;
        }
        for (size_t i = 0; i < m && kept < pool; i++) {
            if (!ok[i])
                continue;
            cand_t *k = cand_of(cs, ids[i]);
            if (!k) {
                free(ok);
                free(ids);
                return -1;
            }
            k->vec = h[at + i].score;
            k->vr = (int)++kept;
        }
        free(ok);
    }
    free(ids);
    return 0;
}

static void run_ranked(http_req_t *req, sq_t *p)
{
    int64_t t0 = time_mono_ns();
    bool vector = !strcmp(p->mode, "vector");
    if (!p->q || !*p->q) {
        http_error_fields(req, json_pack("{s:s}", "q", "向量检索与混合检索须给出检索词"));
        return;
    }
    search_terms_t terms;
    if (search_terms_parse(p->q, &terms) != 0) {
        http_error_fields(req, json_pack("{s:s}", "q", "不是有效的 UTF-8 文本"));
        return;
    }
    db_conn_t *c = http_db(req);
    if (!c) {
        search_terms_free(&terms);
        return;
    }
    bool pg = db_dialect(db_of(c)) == DB_POSTGRES;
    size_t nterms = 0;
    char *expr = search_terms_expr(&terms, pg, &nterms);
    if (!nterms) {
        free(expr);
        search_terms_free(&terms);
        http_error_fields(req, json_pack("{s:s}", "q", "检索词中没有可检索的文字或数字"));
        return;
    }
    size_t need = (size_t)(p->page * p->page_size), pool = need < RANK_POOL ? RANK_POOL : need;
    if (pool > RANK_MAX)
        pool = RANK_MAX;
    cands_t cs = {0};
    search_fuzzy_t fz = {0};
    search_vhit_t *hits = NULL;
    size_t nhits = 0;
    bool ready = false;
    json_t *items = json_array(), *fac = NULL;
    qb_t w = {0};
    char why[600] = "", prov[8] = "local";
    if (p->embedding)
        snprintf(prov, sizeof prov, "%s", p->embedding);
    else { /* the search index's provider */
        db_stmt_t *st = db_prepare(c, "SELECT index_provider FROM search_embed_settings WHERE id = 1");
        if (st && db_step(st) == DB_ROW && !strcmp(db_col_text(st, 0), "openai"))
            snprintf(prov, sizeof prov, "openai");
        db_done(st);
    }
    /* with the HNSW graph the ranking is the graph's best `want`: when the
     * filters keep fewer than pool of them and more may exist, asked again
     * 8 times wider, and at last exactly (want 0: the flat scan) — never
     * fewer than pool allowed hits when they exist. Twice the pool at
     * first: a few refused hits among the best do not cost a second round */
    bool partial = false, use_kw = true, use_vec = false, vexact = false;
    for (size_t want = 2 * pool;; want *= 8) {
        free(hits);
        hits = NULL;
        cs.n = 0;
        if (search_vec_rank(c, p->q, prov, p->exact || want > 100000 ? 0 : want, &hits, &nhits, &partial,
                            &vexact, &ready, why, sizeof why) != 0)
            goto dberr;
        /* no model yet: the keyword index answers meanwhile */
        use_kw = !vector || !ready;
        use_vec = ready;
        if (use_vec && vector_cands(req, c, p, hits, nhits, pool, &cs) != 0)
            goto dberr;
        size_t kept = 0;
        for (size_t i = 0; i < cs.n; i++)
            kept += cs.v[i].vr > 0;
        if (!use_vec || !partial || kept >= pool)
            break;
    }
    if (use_kw && keyword_cands(req, c, p, expr, pg, pool, NULL, &cs) != 0)
        goto dberr;
    if (use_kw) { /* few exact keyword hits: near misses too */
        int64_t nk = 0;
        for (size_t i = 0; i < cs.n; i++)
            nk += cs.v[i].kr > 0;
        if (fuzzy_expand(req, c, p, &terms, pg, nk, &fz) != 0)
            goto dberr;
        if (fz.expr && keyword_cands(req, c, p, fz.expr, pg, pool, expr, &cs) != 0)
            goto dberr;
    }
    /* fusion */
    double maxk = 0, sw = use_vec ? p->sw : 0, kw = use_kw ? p->kw : 0;
    if (!use_kw)
        sw = 1;
    else if (!use_vec)
        kw = 1;
    /* hybrid: the cosines of one corpus crowd into a narrow band (LSA puts a
     * whole topic near 0.8), so their weight acts on their spread among the
     * candidates: (v − min) / (max − min); keyword scores by their maximum */
    double vmin = 1, vmax = 0;
    for (size_t i = 0; i < cs.n; i++) {
        if (cs.v[i].kw > maxk)
            maxk = cs.v[i].kw;
        if (cs.v[i].vr && cs.v[i].vec < vmin)
            vmin = cs.v[i].vec;
        if (cs.v[i].vr && cs.v[i].vec > vmax)
            vmax = cs.v[i].vec;
    }
    bool rrf = p->fusion && !strcmp(p->fusion, "rrf"), spread = use_kw && use_vec && vmax > vmin;
    for (size_t i = 0; i < cs.n; i++) {
        cand_t *k = &cs.v[i];
        if (maxk > 0 && k->kr)
            k->kw /= maxk;
        k->vnorm = !k->vr ? 0 : spread ? (k->vec - vmin) / (vmax - vmin) : k->vec;
        if (rrf && sw + kw > 0)
            k->fused = ((k->vr ? sw / (RRF_K + k->vr) : 0) + (k->kr ? kw / (RRF_K + k->kr) : 0)) /
                       ((sw + kw) / (RRF_K + 1));
        else
            k->fused = sw * k->vnorm + kw * k->kw;
    }
    /* weights (the chunk's boost), times; then threshold and order */
    if (cs.n) {
        int64_t *ids = malloc(cs.n * sizeof *ids);
        if (!ids)
            goto dberr;
        for (size_t i = 0; i < cs.n; i++)
            ids[i] = cs.v[i].id;
        qb_t q;
        qb_init(&q, "SELECT d.id, d.weight, d.doc_time FROM search_docs d WHERE 1 = 1");
        ids_in(&q, ids, cs.n);
        free(ids);
        db_stmt_t *st = qb_prepare(c, &q);
        int rc = DB_ERROR;
        if (st)
            while ((rc = db_step(st)) == DB_ROW) {
                int64_t id = db_col_int64(st, 0);
                for (size_t i = 0; i < cs.n; i++)
                    if (cs.v[i].id == id) {
                        cs.v[i].weight = db_col_double(st, 1);
                        cs.v[i].time = db_col_int64(st, 2);
                    }
            }
        db_done(st);
        qb_free(&q);
        if (rc != DB_DONE)
            goto dberr;
    }
    size_t kept = 0;
    for (size_t i = 0; i < cs.n; i++) {
        cand_t k = cs.v[i];
        if (k.fused <= 0 || k.fused < p->threshold || k.weight <= 0)
            continue;
        k.score = k.fused * k.weight;
        cs.v[kept++] = k;
    }
    cs.n = kept;
    if (cs.n) /* the best pool by relevance, then in the order asked */
        qsort(cs.v, cs.n, sizeof *cs.v, cmp_cand);
    if (cs.n > pool)
        cs.n = pool;
    if (p->by_time && cs.n)
        qsort(cs.v, cs.n, sizeof *cs.v, cmp_cand_time);
    size_t total = cs.n, from = (size_t)((p->page - 1) * p->page_size);
    /* the page */
    for (size_t i = from; i < total && i < from + (size_t)p->page_size; i++) {
        qb_t q;
        qb_init(&q, ROW_COLS " FROM search_docs d WHERE d.id = ");
        qb_int(&q, cs.v[i].id);
        db_stmt_t *st = qb_prepare(c, &q);
        int rc = st ? db_step(st) : DB_ERROR;
        if (rc == DB_ROW) {
            const cand_t *k = &cs.v[i];
            json_t *o =
                hit_json(st, fz.expr ? &fz.all : &terms, k->score, k->kr ? json_real(k->kw) : json_null(),
                         k->vr ? json_real(k->vec) : json_null(), json_real(k->fused));
            json_object_set_new(json_object_get(o, "scores"), "vector_norm",
                                k->vr ? json_real(k->vnorm) : json_null());
            json_array_append_new(items, o);
        }
        db_done(st);
        qb_free(&q);
        if (rc == DB_ERROR)
            goto dberr;
    }
    /* facets over the ranked hits (they are all in scope) */
    if (p->no_facets || !total) {
        fac = json_object();
    } else {
        int64_t *ids = malloc(total * sizeof *ids);
        if (!ids)
            goto dberr;
        for (size_t i = 0; i < total; i++)
            ids[i] = cs.v[i].id;
        qb_init(&w, " FROM search_docs d WHERE 1 = 1");
        ids_in(&w, ids, total);
        free(ids);
        fac = facets(c, &w);
        if (!fac)
            goto dberr;
    }
    json_t *out = json_pack("{s:o,s:I,s:I,s:I,s:s,s:s,s:o,s:o,s:I,s:b,s:{s:f,s:f,s:s,s:f}}", "items", items,
                            "total", (json_int_t)total, "page", (json_int_t)p->page, "page_size",
                            (json_int_t)p->page_size, "mode", p->mode, "order",
                            p->by_time ? "time" : "relevance", "terms", search_terms_json(&terms), "facets",
                            fac, "took_ms", (json_int_t)((time_mono_ns() - t0) / 1000000), "vector_ready",
                            ready, "fusion", "semantic_weight", p->sw, "keyword_weight", p->kw, "method",
                            rrf ? "rrf" : "weighted", "score_threshold", p->threshold);
    json_object_set_new(out, "embedding", json_string(prov));
    json_object_set_new(out, "expanded", fz.expanded ? json_incref(fz.expanded) : json_array());
    json_object_set_new(out, "fuzzy", json_boolean(p->fuzzy));
    json_object_set_new(out, "exact", json_boolean(p->exact || (ready && vexact)));
    if (!ready)
        json_object_set_new(out, "notice", json_string(why));
    qb_free(&w);
    free(cs.v);
    free(hits);
    free(expr);
    search_fuzzy_free(&fz);
    search_terms_free(&terms);
    http_json(req, 200, out);
    return;
dberr:
    json_decref(items);
    qb_free(&w);
    free(cs.v);
    free(hits);
    free(expr);
    search_fuzzy_free(&fz);
    search_terms_free(&terms);
    http_db_error(req, c);
}

/* "a,b,c" → ["a","b","c"] (empty parts dropped), or NULL for NULL */
static json_t *split_list(http_req_t *req, const char *s)
{
    if (!s)
        return NULL;
    json_t *a = http_defer_json(req, json_array());
    while (*s) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n)
            json_array_append_new(a, json_stringn(s, n));
        s += n;
        if (*s == ',')
            s++;
    }
    return a;
}

static bool check_lists(http_req_t *req, sq_t *p)
{
    json_t *f = json_object();
    if (json_array_size(p->tags) > MAX_TAGS)
        json_object_set_new(f, "tags", json_sprintf("至多 %d 个标签", MAX_TAGS));
    if (json_object_size(p->attrs) > MAX_ATTRS)
        json_object_set_new(f, "attrs", json_sprintf("至多 %d 个属性条件", MAX_ATTRS));
    if (json_array_size(p->kb_ids) > MAX_KB)
        json_object_set_new(f, "kb_ids", json_sprintf("至多 %d 个知识库", MAX_KB));
    if (json_array_size(p->kinds) > SEARCH_MAX_KINDS)
        json_object_set_new(f, "kinds", json_string("类型过多"));
    size_t i;
    json_t *v;
    json_array_foreach(p->kinds, i, v) if (!json_is_string(v) || !search_kind(json_string_value(v)))
        json_object_set_new(f, "kinds", json_string("未知的类型"));
    json_array_foreach(p->tags, i, v) if (!json_is_string(v) || !*json_string_value(v) ||
                                          strlen(json_string_value(v)) > 400)
        json_object_set_new(f, "tags", json_string("标签须为非空文字"));
    json_array_foreach(p->kb_ids, i, v) if (!json_is_integer(v) || json_integer_value(v) <= 0)
        json_object_set_new(f, "kb_ids", json_string("须为知识库编号"));
    const char *key;
    json_object_foreach(p->attrs, key, v) if (!json_is_string(v) || strlen(key) > 40 || !*key ||
                                              strlen(json_string_value(v)) > 400)
        json_object_set_new(f, "attrs", json_string("属性条件须为 {名称: 文字}"));
    if (p->from && p->to && p->to <= p->from)
        json_object_set_new(f, "to", json_string("结束时间须晚于开始时间"));
    if (!(p->sw >= 0 && p->sw <= 1) || !(p->kw >= 0 && p->kw <= 1) || p->sw + p->kw <= 0)
        json_object_set_new(f, "weights", json_string("语义权重与关键词权重须在 0–1 之间，且不能都为 0"));
    if (!(p->threshold >= 0 && p->threshold <= 1))
        json_object_set_new(f, "score_threshold", json_string("分数阈值须在 0–1 之间"));
    if (p->embedding && !valid_choice(EMBEDDINGS, p->embedding))
        json_object_set_new(f, "embedding", json_string("向量模型须为 local 或 openai"));
    if (p->fusion && !valid_choice(FUSIONS, p->fusion))
        json_object_set_new(f, "fusion", json_string("融合方式须为 weighted 或 rrf"));
    if (p->q && utf8_count(p->q, strlen(p->q)) > MAX_QUERY_CHARS)
        json_object_set_new(f, "q", json_sprintf("检索词至多 %d 个字", MAX_QUERY_CHARS));
    if (json_object_size(f)) {
        http_error_fields(req, f);
        return false;
    }
    json_decref(f);
    /* a scan of every vector: a check of the graph's recall, for those who manage search */
    if (p->exact && !auth_has(req, "search.manage")) {
        http_error(req, 403, "forbidden", "精确向量扫描（exact）仅限检索管理员用于核对召回率");
        return false;
    }
    return true;
}

static int64_t time_param(const char *s)
{
    int64_t ms = 0;
    return s && time_parse_iso8601(s, &ms) ? ms : 0;
}

/* a number parameter; NaN (then 422) when not a number */
static double num_param(const char *s, double def)
{
    if (!s)
        return def;
    char *end;
    double v = strtod(s, &end);
    return end != s && !*end ? v : NAN;
}

static void get_search(http_req_t *req)
{
    sq_t p = {.q = http_query(req, "q"), .mode = http_query(req, "mode")};
    if (!p.mode)
        p.mode = "keyword";
    p.kinds = split_list(req, http_query(req, "kinds"));
    p.tags = split_list(req, http_query(req, "tags"));
    json_t *kv = split_list(req, http_query(req, "attrs"));
    if (kv) {
        p.attrs = http_defer_json(req, json_object());
        size_t i;
        json_t *v;
        json_array_foreach(kv, i, v)
        {
            const char *s = json_string_value(v), *colon = strchr(s, ':');
            if (!colon || colon == s) {
                http_error_fields(req, json_pack("{s:s}", "attrs", "格式为 名称:值,名称:值"));
                return;
            }
            char name[48];
            snprintf(name, sizeof name, "%.*s", (int)(colon - s < 47 ? colon - s : 47), s);
            json_object_set_new(p.attrs, name, json_string(colon + 1));
        }
    }
    p.district_id = http_query_i64(req, "district_id", 0);
    p.from = time_param(http_query(req, "from"));
    p.to = time_param(http_query(req, "to"));
    const char *sort = http_query(req, "order");
    p.by_time = sort && !strcmp(sort, "time");
    p.page = http_query_i64(req, "page", 1);
    p.page_size = http_query_i64(req, "page_size", 20);
    p.no_facets = http_query(req, "facets") && !http_query_bool(req, "facets");
    p.sw = num_param(http_query(req, "semantic_weight"), 0.7);
    p.kw = num_param(http_query(req, "keyword_weight"), 0.3);
    p.threshold = num_param(http_query(req, "score_threshold"), 0);
    p.fusion = http_query(req, "fusion");
    p.embedding = http_query(req, "embedding");
    p.fuzzy = !http_query(req, "fuzzy") || http_query_bool(req, "fuzzy");
    p.exact = http_query(req, "exact") && http_query_bool(req, "exact");
    if (!check_lists(req, &p))
        return;
    run_search(req, &p);
}

static void post_search(http_req_t *req)
{
    json_t *b = http_json_body(req), *f = json_object_get(b, "filters");
    sq_t p = {.q = jstr(b, "q"), .mode = jstr(b, "mode")};
    if (!p.mode)
        p.mode = "keyword";
    p.kinds = json_object_get(b, "kinds");
    p.kb_ids = json_object_get(b, "kb_ids");
    const char *key;
    json_t *v;
    json_object_foreach(f, key, v)
    {
        if (!strcmp(key, "tags") && json_is_array(v))
            p.tags = v;
        else if (!strcmp(key, "attrs") && json_is_object(v))
            p.attrs = v;
        else if (!strcmp(key, "district_id") && json_is_integer(v) && json_integer_value(v) > 0)
            p.district_id = json_integer_value(v);
        else if ((!strcmp(key, "from") || !strcmp(key, "to")) && json_is_string(v) &&
                 time_param(json_string_value(v)))
            *(key[0] == 'f' ? &p.from : &p.to) = time_param(json_string_value(v));
        else {
            http_error_fields(req,
                              json_pack("{s:s+}", "filters",
                                        "可用的条件：tags（数组）、attrs（对象）、district_id、from、to（ISO "
                                        "8601 时间）；无效：",
                                        key));
            return;
        }
    }
    const char *sort = jstr(b, "order");
    p.by_time = sort && !strcmp(sort, "time");
    p.page = jint(b, "page", 1);
    p.page_size = jint(b, "page_size", 20);
    p.no_facets = !jbool(b, "facets", true);
    json_t *wt = json_object_get(b, "weights");
    p.sw = 0.7;
    p.kw = 0.3;
    json_object_foreach(wt, key, v)
    {
        if (!strcmp(key, "semantic") && json_is_number(v))
            p.sw = json_number_value(v);
        else if (!strcmp(key, "keyword") && json_is_number(v))
            p.kw = json_number_value(v);
        else {
            http_error_fields(
                req, json_pack("{s:s+}", "weights", "权重为 {semantic, keyword}（0–1 的数）；无效：", key));
            return;
        }
    }
    json_t *th = json_object_get(b, "score_threshold");
    p.threshold = th ? (json_is_number(th) ? json_number_value(th) : NAN) : 0;
    p.fusion = jstr(b, "fusion");
    p.embedding = jstr(b, "embedding");
    p.fuzzy = jbool(b, "fuzzy", true);
    p.exact = jbool(b, "exact", false);
    if (jhas(b, "top_k")) {
        p.page = 1;
        p.page_size = jint(b, "top_k", 5);
    }
    if (!check_lists(req, &p))
        return;
    run_search(req, &p);
}

static const vfield_t GET_QUERY[] = {
    {"q", V_STR, .max = MAX_QUERY_CHARS, .title = "检索词（词、词的一部分、繁体、全角均可）"},
    {"mode", V_ENUM, .choices = MODES, .title = "检索方式：keyword 关键词（默认）、vector 向量、hybrid 混合"},
    {"kinds", V_STR, .max = 400, .title = "类型，逗号分隔（lecture …）"},
    {"tags", V_STR, .max = 400, .title = "标签，逗号分隔（须全部具备）"},
    {"attrs", V_STR, .max = 400, .title = "属性条件 名称:值，逗号分隔（source:…,type:…）"},
    {"district_id", V_ID, .title = "所属区"},
    {"from", V_TIME, .title = "时间不早于"},
    {"to", V_TIME, .title = "时间早于"},
    {"order", V_ENUM, .choices = SORTS, .title = "排序：relevance 相关度（默认）、time 时间"},
    {"page", V_INT, false, 1, 10000, .title = "页码"},
    {"page_size", V_INT, false, 1, 200, .title = "每页条数（至多 200）"},
    {"facets", V_BOOL, .title = "是否计算分面（默认是；召回测试等不需要时设 false 更快）"},
    {"semantic_weight", V_STR, .max = 20, .title = "语义权重（向量，混合检索）0–1，默认 0.7"},
    {"keyword_weight", V_STR, .max = 20, .title = "关键词权重（混合检索）0–1，默认 0.3"},
    {"score_threshold", V_STR, .max = 20, .title = "分数阈值（向量、混合检索的融合分数）0–1，默认 0"},
    {"fusion", V_ENUM, .choices = FUSIONS,
     .title = "融合方式：weighted 加权归一化分数（默认）、rrf 倒数排名"},
    {"embedding", V_ENUM, .choices = EMBEDDINGS,
     .title = "向量模型：local 本地、openai（默认：检索索引的设置；知识库用其自身的）"},
    {"fuzzy", V_BOOL, .title = "近似匹配（默认是：精确命中少于 3 条时，也搜索词表中编辑距离 1–2 的近似词）"},
    {"exact", V_BOOL,
     .title = "向量一侧用精确扫描而非 HNSW 近似索引（仅检索管理员，用于核对召回率；向量多时较慢）"},
};
static const vfield_t POST_BODY[] = {
    {"q", V_STR, false, 0, MAX_QUERY_CHARS, .title = "检索词"},
    {"mode", V_ENUM, .choices = MODES, .title = "检索方式：keyword（默认）、vector、hybrid"},
    {"kinds", V_ARRAY, false, 0, SEARCH_MAX_KINDS, .title = "类型"},
    {"kb_ids", V_ARRAY, false, 0, MAX_KB, .title = "知识库"},
    {"filters", V_OBJECT, .title = "条件 {tags:[…], attrs:{名称:值}, district_id, from, to}"},
    {"order", V_ENUM, .choices = SORTS, .title = "排序：relevance 相关度（默认）、time 时间"},
    {"top_k", V_INT, false, 1, 200, .title = "返回条数（代替分页）"},
    {"page", V_INT, false, 1, 10000, .title = "页码"},
    {"page_size", V_INT, false, 1, 200, .title = "每页条数"},
    {"facets", V_BOOL, .title = "是否计算分面（默认是）"},
    {"weights", V_OBJECT, .title = "混合检索权重 {semantic: 0.7, keyword: 0.3}（0–1）"},
    {"score_threshold", V_NUM, false, 0, 1, .title = "分数阈值（向量、混合检索的融合分数）0–1"},
    {"fusion", V_ENUM, .choices = FUSIONS, .title = "融合方式：weighted（默认）、rrf"},
    {"embedding", V_ENUM, .choices = EMBEDDINGS,
     .title = "向量模型：local 本地、openai（默认：检索索引的设置；知识库用其自身的）"},
    {"fuzzy", V_BOOL, .title = "近似匹配（默认是；false 关闭）"},
    {"exact", V_BOOL, .title = "向量一侧用精确扫描而非 HNSW 近似索引（仅检索管理员，用于核对召回率）"},
};
static const vfield_t SEARCH_OUT[] = {
    {"items", V_ARRAY,
     .title = "命中 [{id,kind,kind_title,ref_id,org_id,org_name,district_id,district_name,title,title_html,"
              "snippet,tags,attrs,time,weight,score,scores{keyword,vector,fused,vector_norm},link}]"},
    {"total", V_INT, .title = "命中总数（仅计您有权查看的）"},
    {"page", V_INT},
    {"page_size", V_INT},
    {"mode", V_STR},
    {"order", V_STR},
    {"terms", V_ARRAY, .title = "检索词归一化后的片段"},
    {"facets", V_OBJECT, .title = "分面 {kind|district|tag|属性名: [{value,label,count}]}，与命中同一范围"},
    {"took_ms", V_INT},
    {"vector_ready", V_BOOL, .title = "向量就绪（向量模型是否已训练；否：结果来自关键词检索）"},
    {"fusion", V_OBJECT,
     .title = "融合参数（向量、混合检索）{semantic_weight, keyword_weight, method, score_threshold}"},
    {"notice", V_STR, .title = "提示（如向量模型尚未训练、向量服务不可用）"},
    {"embedding", V_STR, .title = "所用的向量模型（local、openai）"},
    {"expanded", V_ARRAY, .title = "近似匹配所用的扩展 [{from 原词, to 也搜索的词, distance 编辑距离}]"},
    {"fuzzy", V_BOOL, .title = "是否启用了近似匹配"},
    {"exact", V_BOOL,
     .title = "向量一侧是否由精确扫描回答（要求如此、尚无近似索引，或近似索引找到的不足所需条数）"},
};

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/search", .handler = get_search, .perm = "search.read",
     .summary = "全文检索", HTTP_QUERY(GET_QUERY), HTTP_OUT(SEARCH_OUT),
     .notes = "keyword search (BM25 on SQLite, ts_rank on PostgreSQL) over the documents of every kind whose "
              "permission the caller holds, inside that permission's data scope; without q: the newest first; "
              "mode=vector ranks by cosine similarity of the local embedding, mode=hybrid fuses both (weighted "
              "normalised scores or RRF), times the document's weight; both need q"},
    {.method = "POST", .pattern = "/api/v1/search", .handler = post_search, .perm = "search.read",
     .flags = HTTP_NO_AUDIT, .summary = "全文检索（条件检索）", HTTP_BODY(POST_BODY), HTTP_OUT(SEARCH_OUT),
     .example = "{\"q\":\"党建\",\"mode\":\"keyword\",\"top_k\":5}",
     .notes = "as GET, with the conditions in the body; top_k answers the first K hits; 422 for an unknown "
              "filter; vector and hybrid as GET, with weights {semantic, keyword}, score_threshold and fusion"},
};
// clang-format on

int search_query_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
