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
} sq_t;

static const char *const MODES[] = {"keyword", "vector", "hybrid", NULL};
static const char *const SORTS[] = {"relevance", "time", NULL};

/* the where clause: match, scope by kind, filters */
static void build_where(http_req_t *req, const sq_t *p, const char *expr, bool pg, qb_t *w)
{
    if (expr && pg) {
        qb_init(w, " FROM search_docs d WHERE d.tsv @@ CAST(");
        qb_text(w, expr);
        qb_sql(w, " AS tsquery)");
    } else if (expr) {
        qb_init(w, " FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid WHERE search_fts MATCH ");
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
    if (json_array_size(p->kb_ids)) {
        qb_sql(w, " AND EXISTS (SELECT 1 FROM search_doc_facets x WHERE x.doc_id = d.id AND x.name = 'kb_id' "
                  "AND x.value IN (");
        json_array_foreach(p->kb_ids, i, v)
        {
            char id[24];
            snprintf(id, sizeof id, "%lld", (long long)json_integer_value(v));
            if (i)
                qb_sql(w, ", ");
            qb_text(w, id);
        }
        qb_sql(w, "))");
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

/* facets: {"kind":[{value,label,count}], "district":[…], "tag":[…], attr…};
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

static void run_search(http_req_t *req, sq_t *p)
{
    int64_t t0 = time_mono_ns();
    if (strcmp(p->mode, "keyword") != 0) {
        http_error(req, 501, "not_implemented",
                   "向量检索与混合检索（mode=%s）尚未实现，请使用关键词检索 mode=keyword", p->mode);
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
    qb_t w, cq, pq;
    build_where(req, p, ex, pg, &w);
    qb_init(&cq, "SELECT COUNT(*)");
    qb_append(&cq, &w);
    db_stmt_t *st = qb_prepare(c, &cq);
    int rc = st ? db_step(st) : DB_ERROR;
    int64_t total = rc == DB_ROW ? db_col_int64(st, 0) : 0;
    db_done(st);
    qb_free(&cq);
    json_t *items = json_array(), *fac = NULL;
    if (rc != DB_ROW)
        goto dberr;
    qb_init(&pq, "SELECT d.id, d.kind, d.ref_id, d.org_id, (SELECT name FROM orgs WHERE id = d.org_id), "
                 "d.district_id, (SELECT name FROM orgs WHERE id = d.district_id), d.title, d.body, d.tags, "
                 "d.attrs, d.doc_time, d.weight, ");
    if (ex && pg) {
        qb_sql(&pq, "ts_rank(d.tsv, CAST(");
        qb_text(&pq, ex);
        qb_sql(&pq, " AS tsquery), 1) * d.weight");
    } else if (ex) {
        qb_sql(&pq, "(-bm25(search_fts, 4.0, 1.0)) * d.weight");
    } else {
        qb_sql(&pq, "0.0");
    }
    qb_sql(&pq, " AS score");
    qb_append(&pq, &w);
    qb_sql(&pq, p->by_time || !ex ? " ORDER BY d.doc_time DESC, d.id DESC LIMIT "
                                  : " ORDER BY score DESC, d.doc_time DESC, d.id DESC LIMIT ");
    qb_int(&pq, p->page_size);
    qb_sql(&pq, " OFFSET ");
    qb_int(&pq, (p->page - 1) * p->page_size);
    st = qb_prepare(c, &pq);
    rc = DB_ERROR;
    if (st) {
        while ((rc = db_step(st)) == DB_ROW) {
            const char *kind = db_col_text(st, 1);
            int64_t ref = db_col_int64(st, 2);
            const search_kind_t *k = search_kind(kind);
            char *th = search_highlight(db_col_text(st, 7), &terms, 0);
            char *sn = search_highlight(db_col_text(st, 8), &terms, SNIPPET_CHARS);
            double score = db_col_double(st, 13);
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
                                json_pack("{s:f,s:n,s:f}", "keyword", score, "vector", "fused", score));
            json_object_set_new(o, "link",
                                k && k->link ? json_sprintf(k->link, (long long)ref) : json_null());
            free(th);
            free(sn);
            json_array_append_new(items, o);
        }
    }
    db_done(st);
    qb_free(&pq);
    if (rc != DB_DONE)
        goto dberr;
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
    search_terms_free(&terms);
    http_json(req, 200, out);
    return;
dberr:
    json_decref(items);
    qb_free(&w);
    free(expr);
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
    if (p->q && utf8_count(p->q, strlen(p->q)) > MAX_QUERY_CHARS)
        json_object_set_new(f, "q", json_sprintf("检索词至多 %d 个字", MAX_QUERY_CHARS));
    if (json_object_size(f)) {
        http_error_fields(req, f);
        return false;
    }
    json_decref(f);
    return true;
}

static int64_t time_param(const char *s)
{
    int64_t ms = 0;
    return s && time_parse_iso8601(s, &ms) ? ms : 0;
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
    {"mode", V_ENUM, .choices = MODES,
     .title = "检索方式：keyword 关键词（vector、hybrid 尚未实现，答 501）"},
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
};
static const vfield_t POST_BODY[] = {
    {"q", V_STR, false, 0, MAX_QUERY_CHARS, .title = "检索词"},
    {"mode", V_ENUM, .choices = MODES, .title = "检索方式：keyword（vector、hybrid 尚未实现，答 501）"},
    {"kinds", V_ARRAY, false, 0, SEARCH_MAX_KINDS, .title = "类型"},
    {"kb_ids", V_ARRAY, false, 0, MAX_KB, .title = "知识库"},
    {"filters", V_OBJECT, .title = "条件 {tags:[…], attrs:{名称:值}, district_id, from, to}"},
    {"order", V_ENUM, .choices = SORTS, .title = "排序：relevance 相关度（默认）、time 时间"},
    {"top_k", V_INT, false, 1, 200, .title = "返回条数（代替分页）"},
    {"page", V_INT, false, 1, 10000, .title = "页码"},
    {"page_size", V_INT, false, 1, 200, .title = "每页条数"},
    {"facets", V_BOOL, .title = "是否计算分面（默认是）"},
};
static const vfield_t SEARCH_OUT[] = {
    {"items", V_ARRAY,
     .title = "命中 [{id,kind,kind_title,ref_id,org_id,org_name,district_id,district_name,title,title_html,"
              "snippet,tags,attrs,time,weight,score,scores{keyword,vector,fused},link}]"},
    {"total", V_INT, .title = "命中总数（仅计您有权查看的）"},
    {"page", V_INT},
    {"page_size", V_INT},
    {"mode", V_STR},
    {"order", V_STR},
    {"terms", V_ARRAY, .title = "检索词归一化后的片段"},
    {"facets", V_OBJECT, .title = "分面 {kind|district|tag|属性名: [{value,label,count}]}，与命中同一范围"},
    {"took_ms", V_INT},
};

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/search", .handler = get_search, .perm = "search.read",
     .summary = "全文检索", HTTP_QUERY(GET_QUERY), HTTP_OUT(SEARCH_OUT),
     .notes = "keyword search (BM25 on SQLite, ts_rank on PostgreSQL) over the documents of every kind whose "
              "permission the caller holds, inside that permission's data scope; without q: the newest first; "
              "mode=vector|hybrid answers 501 not_implemented"},
    {.method = "POST", .pattern = "/api/v1/search", .handler = post_search, .perm = "search.read",
     .flags = HTTP_NO_AUDIT, .summary = "全文检索（条件检索）", HTTP_BODY(POST_BODY), HTTP_OUT(SEARCH_OUT),
     .example = "{\"q\":\"党建\",\"mode\":\"keyword\",\"top_k\":5}",
     .notes = "as GET, with the conditions in the body; top_k answers the first K hits; 422 for an unknown "
              "filter; mode=vector|hybrid answers 501 not_implemented"},
};
// clang-format on

int search_query_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
