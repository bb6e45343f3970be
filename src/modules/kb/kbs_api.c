/* kbs_api.c — knowledge bases themselves: list, create, show, change,
 * delete (soft; their chunks leave the search index at once), and the
 * preview of a chunking rule on a text before anything is indexed. */
#include "core/str.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/kb/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const res_sort_t KB_SORTS[] = {{"id", "k.id"},
                                      {"name", "k.name"},
                                      {"created_at", "k.created_at"},
                                      {"updated_at", "k.updated_at"},
                                      {NULL, NULL}};
const zd_resource_t KBS = {.name = "kb",
                           .title = "知识库",
                           .table = "kbs",
                           .alias = "k",
                           .where = "k.deleted_at IS NULL",
                           .org_col = "k.org_id",
                           .creator_col = "k.created_by",
                           .perm = "kb.read",
                           .sorts = KB_SORTS};

json_t *kb_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, "org_id", json_integer(db_col_int64(st, 1)));
    json_object_set_new(o, "org_name", json_col_text(st, 2));
    json_object_set_new(o, "name", json_col_text(st, 3));
    json_object_set_new(o, "description", json_col_text(st, 4));
    json_object_set_new(o, "embedding", json_col_text(st, 5));
    json_object_set_new(o, "chunk_rule", json_parse_or_null(db_col_text(st, 6)));
    json_object_set_new(o, "retrieval", json_parse_or_null(db_col_text(st, 7)));
    json_object_set_new(o, "created_by", json_integer(db_col_int64(st, 8)));
    json_object_set_new(o, "created_at", json_time(db_col_int64(st, 9)));
    json_object_set_new(o, "updated_at", json_time(db_col_int64(st, 10)));
    if (db_col_count(st) > 12) {
        json_object_set_new(o, "document_count", json_integer(db_col_int64(st, 11)));
        json_object_set_new(o, "chunk_count", json_integer(db_col_int64(st, 12)));
    }
    return o;
}

/* ---- settings ---- */

static const char *const FUSIONS[] = {"weighted", "rrf", NULL};
static const char *const EMBEDDINGS[] = {"local", "openai", "none", NULL};

/* the retrieval settings over the defaults (top_k 5, semantic 0.7 /
 * keyword 0.3); NULL after answering 422 */
static json_t *retrieval_of(http_req_t *req, json_t *in, json_t *base)
{
    json_t *r =
        base ? json_deep_copy(base)
             : json_pack("{s:i,s:f,s:f,s:f,s:s,s:b}", "top_k", 5, "semantic_weight", 0.7, "keyword_weight",
                         0.3, "score_threshold", 0.0, "fusion", "weighted", "fuzzy", 1);
    const char *key;
    json_t *v;
    const char *bad = NULL;
    json_object_foreach(in, key, v)
    {
        if (!strcmp(key, "top_k") && json_is_integer(v) && json_integer_value(v) >= 1 &&
            json_integer_value(v) <= 50)
            json_object_set(r, key, v);
        else if ((!strcmp(key, "semantic_weight") || !strcmp(key, "keyword_weight") ||
                  !strcmp(key, "score_threshold")) &&
                 json_is_number(v) && json_number_value(v) >= 0 && json_number_value(v) <= 1)
            json_object_set_new(r, key, json_real(json_number_value(v)));
        else if (!strcmp(key, "fusion") && json_is_string(v) && valid_choice(FUSIONS, json_string_value(v)))
            json_object_set(r, key, v);
        else if (!strcmp(key, "fuzzy") && json_is_boolean(v)) /* near-miss matching (docs/search.md) */
            json_object_set(r, key, v);
        else
            bad = key;
    }
    if (bad) {
        json_decref(r);
        http_error_fields(
            req, json_pack("{s:s+}", "retrieval",
                           "检索设置：top_k 1–50，semantic_weight、keyword_weight、score_threshold 0–1，"
                           "fusion weighted 或 rrf，fuzzy 是或否；无效：",
                           bad));
        return NULL;
    }
    return http_defer_json(req, r);
}

/* the chunking rule (defaults: auto, 1024, 50, "\n\n"); NULL after 422 */
static json_t *rule_of(http_req_t *req, json_t *in, json_t *base)
{
    json_t *merged = base ? json_deep_copy(base) : json_object();
    if (in)
        json_object_update(merged, in);
    kb_rule_t r;
    char err[200];
    int rc = kb_rule_parse(merged, &r, err, sizeof err);
    json_t *xl = json_object_get(merged, "xlsx");
    if (rc == 0 && xl &&
        !(json_is_string(xl) &&
          (!strcmp(json_string_value(xl), "row") || !strcmp(json_string_value(xl), "sheet")))) {
        snprintf(err, sizeof err, "表格分段须为 row（每行一段）或 sheet（每表一段）");
        rc = -1;
    }
    if (rc != 0) {
        json_decref(merged);
        http_error_fields(req, json_pack("{s:s}", "chunk_rule", err));
        return NULL;
    }
    json_t *out = kb_rule_json(&r);
    json_object_set_new(out, "xlsx", json_string(xl ? json_string_value(xl) : "row"));
    json_decref(merged);
    return http_defer_json(req, out);
}

/* ---- routes ---- */

static const vfield_t KB_QUERY[] = {{"q", V_STR, .max = 100, .title = "名称包含"}};
static const vfield_t KB_NEW[] = {
    {"name", V_STR, true, 1, 100, .title = "名称"},
    {"description", V_TEXT, false, 0, 2000, .title = "说明"},
    {"org_id", V_ID, true, .title = "所属组织"},
    {"embedding", V_ENUM, .choices = EMBEDDINGS,
     .title =
         "向量模型：local 本地模型（默认，TF-IDF + SVD）、openai 兼容向量服务（检索 → 向量服务设置）、none "
         "不向量化（仅关键词检索）"},
    {"chunk_rule", V_OBJECT,
     .title = "分段规则 {mode: auto|fixed|separator, size, overlap, separator, xlsx: row|sheet}"},
    {"retrieval", V_OBJECT,
     .title = "检索设置 {top_k, semantic_weight, keyword_weight, score_threshold, fusion, fuzzy 近似匹配}"},
};
static const vfield_t KB_PATCH[] = {
    {"name", V_STR, false, 1, 100, .title = "名称"},
    {"description", V_TEXT, false, 0, 2000, .title = "说明"},
    {"embedding", V_ENUM, .choices = EMBEDDINGS,
     .title = "向量模型：local、openai、none（改变时重新索引全部分段）"},
    {"chunk_rule", V_OBJECT, .title = "分段规则"},
    {"retrieval", V_OBJECT, .title = "检索设置"},
};
static const vfield_t KB_OUT[] = {
    {"id", V_ID},
    {"org_id", V_ID, .title = "所属组织"},
    {"org_name", V_STR},
    {"name", V_STR, .title = "名称"},
    {"description", V_STR, .title = "说明"},
    {"embedding", V_STR,
     .title = "向量模型（local：本地模型；openai：openai 兼容向量服务；none：仅关键词检索）"},
    {"chunk_rule", V_OBJECT, .title = "分段规则"},
    {"retrieval", V_OBJECT, .title = "检索设置"},
    {"document_count", V_INT, .title = "文档数"},
    {"chunk_count", V_INT, .title = "分段数"},
    {"created_by", V_ID},
    {"created_at", V_TIME},
    {"updated_at", V_TIME},
};

static void list_kbs(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &KBS, &w);
    const char *q = http_query(req, "q");
    if (q) {
        static const char *const cols[] = {"k.name", "k.description"};
        qb_like_any(&w, cols, 2, q);
    }
    res_list(req, c, &KBS, KB_COLS, &w, "k.id DESC", kb_row, NULL);
    qb_free(&w);
}

static void get_kb(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *o = res_load(req, c, &KBS, KB_COLS, id, kb_row, NULL, RES_PLAIN);
    if (o)
        http_json(req, 200, o);
}

static void create_kb(http_req_t *req)
{
    json_t *b = http_json_body(req);
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    int64_t org = jint(b, "org_id", 0);
    if (!auth_org_in_scope(req, c, org)) {
        http_error_fields(req, json_pack("{s:s}", "org_id", "组织不存在或不在您的管理范围内"));
        return;
    }
    json_t *rule = rule_of(req, json_object_get(b, "chunk_rule"), NULL);
    json_t *ret = rule ? retrieval_of(req, json_object_get(b, "retrieval"), NULL) : NULL;
    if (!ret)
        return;
    char *rs = json_dumps(rule, JSON_COMPACT | JSON_SORT_KEYS),
         *ts = json_dumps(ret, JSON_COMPACT | JSON_SORT_KEYS);
    int64_t now = time_now_ms(), id = 0;
    const char *desc = jstr(b, "description");
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO kbs (org_id, name, description, chunk_rule, retrieval, created_by, "
                      "created_at, updated_at, embedding) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (st) {
        db_bind_int64(st, 1, org);
        db_bind_text(st, 2, jstr(b, "name"));
        db_bind_text(st, 3, desc && *desc ? desc : NULL);
        db_bind_text(st, 4, rs);
        db_bind_text(st, 5, ts);
        db_bind_int64(st, 6, http_user_id(req));
        db_bind_int64(st, 7, now);
        db_bind_int64(st, 8, now);
        db_bind_text(st, 9, jstr(b, "embedding") ? jstr(b, "embedding") : "local");
        if (db_step(st) == DB_ROW)
            id = db_col_int64(st, 0);
    }
    db_done(st);
    free(rs);
    free(ts);
    if (id <= 0) {
        http_db_error(req, c);
        return;
    }
    json_t *o = res_load(req, c, &KBS, KB_COLS, id, kb_row, NULL, RES_PLAIN);
    if (!o)
        return;
    http_defer_json(req, o);
    audit_entry_t ae = {.target = id, .after = o};
    audit_reply(req, c, true, &ae, 201, json_incref(o));
}

static void patch_kb(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *b = http_json_body(req);
    json_t *before = res_lock(req, c, &KBS, id) == 0
                         ? http_defer_json(req, res_load(req, c, &KBS, KB_COLS, id, kb_row, NULL, RES_PLAIN))
                         : NULL;
    if (!before)
        return;
    json_t *rule = rule_of(req, json_object_get(b, "chunk_rule"), json_object_get(before, "chunk_rule"));
    json_t *ret =
        rule ? retrieval_of(req, json_object_get(b, "retrieval"), json_object_get(before, "retrieval"))
             : NULL;
    if (!ret)
        return;
    char *rs = json_dumps(rule, JSON_COMPACT | JSON_SORT_KEYS),
         *ts = json_dumps(ret, JSON_COMPACT | JSON_SORT_KEYS);
    const char *desc = jhas(b, "description") ? jstr(b, "description") : jstr(before, "description");
    qb_t q;
    qb_init(&q, "UPDATE kbs SET name = ");
    qb_text(&q, jhas(b, "name") ? jstr(b, "name") : jstr(before, "name"));
    qb_sql(&q, ", description = ");
    qb_text(&q, desc && *desc ? desc : NULL);
    qb_sql(&q, ", chunk_rule = ");
    qb_text(&q, rs);
    qb_sql(&q, ", retrieval = ");
    qb_text(&q, ts);
    const char *emb = jhas(b, "embedding") ? jstr(b, "embedding") : jstr(before, "embedding");
    bool emb_changed =
        strcmp(emb ? emb : "none", jstr(before, "embedding") ? jstr(before, "embedding") : "none");
    qb_sql(&q, ", embedding = ");
    qb_text(&q, emb ? emb : "none");
    qb_sql(&q, ", updated_at = ");
    qb_int(&q, time_now_ms());
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND deleted_at IS NULL");
    free(rs);
    free(ts);
    if (!res_transition(req, c, &q, "知识库已被删除"))
        return;
    if (emb_changed && kb_reindex_chunks(c, id) != 0) { /* vectors made or dropped with the setting */
        http_db_error(req, c);
        return;
    }
    json_t *after = res_load(req, c, &KBS, KB_COLS, id, kb_row, NULL, RES_PLAIN);
    if (!after)
        return;
    http_defer_json(req, after);
    audit_entry_t ae = {.target = id, .before = before, .after = after};
    audit_reply(req, c, true, &ae, 200, json_incref(after));
}

static void delete_kb(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = res_lock(req, c, &KBS, id) == 0
                         ? http_defer_json(req, res_load(req, c, &KBS, KB_COLS, id, kb_row, NULL, RES_PLAIN))
                         : NULL;
    if (!before)
        return;
    /* its chunks leave the index with it */
    db_stmt_t *st = db_prepare(c, "SELECT id FROM kb_chunks WHERE kb_id = ? AND deleted_at IS NULL");
    json_t *ids = http_defer_json(req, json_array());
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, id);
        while ((rc = db_step(st)) == DB_ROW)
            json_array_append_new(ids, json_integer(db_col_int64(st, 0)));
    }
    db_done(st);
    if (rc != DB_DONE) {
        http_db_error(req, c);
        return;
    }
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) if (search_delete(c, "kb_chunk", json_integer_value(v)) != 0)
    {
        http_db_error(req, c);
        return;
    }
    int64_t now = time_now_ms();
    qb_t q;
    qb_init(&q, "UPDATE kbs SET deleted_at = ");
    qb_int(&q, now);
    qb_sql(&q, ", updated_at = ");
    qb_int(&q, now);
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND deleted_at IS NULL");
    if (!res_transition(req, c, &q, "知识库已被删除"))
        return;
    audit_entry_t ae = {.target = id, .before = before};
    audit_reply(req, c, true, &ae, 204, NULL);
}

static const vfield_t PREVIEW_BODY[] = {
    {"text", V_TEXT, true, 1, 200000, .title = "要分段的文本"},
    {"chunk_rule", V_OBJECT, .title = "分段规则（缺省用知识库的规则）"},
};
static const vfield_t PREVIEW_OUT[] = {
    {"chunk_rule", V_OBJECT, .title = "所用的分段规则"},
    {"count", V_INT, .title = "分段数"},
    {"chunks", V_ARRAY, .title = "分段 [{seq,title,content,chars}]"},
};

static void chunk_preview(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *b = http_json_body(req);
    json_t *kb = http_defer_json(req, res_load(req, c, &KBS, KB_COLS, id, kb_row, NULL, RES_PLAIN));
    if (!kb)
        return;
    json_t *rule = rule_of(req, json_object_get(b, "chunk_rule"), json_object_get(kb, "chunk_rule"));
    if (!rule)
        return;
    kb_rule_t r;
    char err[200];
    kb_rule_parse(rule, &r, err, sizeof err);
    const char *text = jstr(b, "text");
    kb_pieces_t p = {0};
    if (kb_chunk_text(text, strlen(text), &r, &p) != 0) {
        http_error_fields(req, json_pack("{s:s}", "text", "分段过多，请加大分段长度"));
        return;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < p.n; i++)
        json_array_append_new(a, json_pack("{s:I,s:s?,s:s,s:I}", "seq", (json_int_t)i + 1, "title",
                                           p.v[i].title, "content", p.v[i].text, "chars",
                                           (json_int_t)utf8_count(p.v[i].text, strlen(p.v[i].text))));
    size_t n = p.n;
    kb_pieces_free(&p);
    http_json(req, 200, json_pack("{s:O,s:I,s:o}", "chunk_rule", rule, "count", (json_int_t)n, "chunks", a));
}

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/kb", .handler = list_kbs, .perm = "kb.read", .flags = HTTP_LIST,
     .summary = "知识库列表", .resource = &KBS, HTTP_QUERY(KB_QUERY), HTTP_OUT(KB_OUT)},
    {.method = "POST", .pattern = "/api/v1/kb", .handler = create_kb, .perm = "kb.write", .summary = "新建知识库",
     .audit = "kb.create", .resource = &KBS, HTTP_BODY(KB_NEW), HTTP_OUT(KB_OUT), .status = 201,
     .example = "{\"name\":\"契约知识库{n}\",\"org_id\":\"{org}\"}",
     .notes = "chunk_rule defaults to auto, 1024 characters, overlap 50, separator \\n\\n, xlsx row; retrieval "
              "to top_k 5, semantic 0.7 / keyword 0.3, weighted fusion; 422 for a bad rule or setting"},
    {.method = "GET", .pattern = "/api/v1/kb/{id}", .handler = get_kb, .perm = "kb.read", .summary = "知识库详情",
     .resource = &KBS, HTTP_OUT(KB_OUT)},
    {.method = "PATCH", .pattern = "/api/v1/kb/{id}", .handler = patch_kb, .perm = "kb.write",
     .summary = "修改知识库", .audit = "kb.update", .resource = &KBS, HTTP_BODY(KB_PATCH), HTTP_OUT(KB_OUT),
     .example = "{\"description\":\"政策解读\"}",
     .notes = "a changed chunking rule applies to documents indexed (or re-indexed) afterwards"},
    {.method = "DELETE", .pattern = "/api/v1/kb/{id}", .handler = delete_kb, .perm = "kb.write",
     .summary = "删除知识库", .audit = "kb.delete", .resource = &KBS, .status = 204,
     .notes = "soft; its chunks leave the search index at once"},
    {.method = "POST", .pattern = "/api/v1/kb/{id}/chunk-preview", .handler = chunk_preview, .perm = "kb.read",
     .flags = HTTP_NO_AUDIT, .summary = "分段预览", .resource = &KBS, HTTP_BODY(PREVIEW_BODY),
     HTTP_OUT(PREVIEW_OUT), .example = "{\"text\":\"第一段。\\n\\n第二段。\"}",
     .notes = "the chunks a rule (the knowledge base's, or chunk_rule over it) makes of text; nothing is stored"},
};
// clang-format on

int kb_base_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
