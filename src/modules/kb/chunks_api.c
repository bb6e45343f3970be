/* chunks_api.c — a knowledge base's chunks: listed, added by hand, edited
 * (title, content, weight as a ranking boost, enabled) with every earlier
 * version kept in kb_chunk_history, deleted; each change re-indexes the
 * chunk in the search service in the same transaction, so a search after
 * the answer sees it. */
#include "core/str.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/kb/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const res_sort_t CHUNK_SORTS[] = {{"id", "ch.id"},
                                         {"seq", "ch.seq"},
                                         {"weight", "ch.weight"},
                                         {"updated_at", "ch.updated_at"},
                                         {NULL, NULL}};
const zd_resource_t KB_CHUNKS = {.name = "kb_chunk",
                                 .title = "分段",
                                 .table = "kb_chunks",
                                 .alias = "ch",
                                 .from = "kb_chunks ch JOIN kbs k ON k.id = ch.kb_id",
                                 .where = "ch.deleted_at IS NULL AND k.deleted_at IS NULL",
                                 .org_col = "k.org_id",
                                 .creator_col = "ch.created_by",
                                 .perm = "kb.read",
                                 .sorts = CHUNK_SORTS};

const search_kind_t KB_CHUNK_SEARCH = {.kind = "kb_chunk", .title = "知识库分段", .perm = "kb.read"};

#define CHUNK_COLS                                                                                           \
    "ch.id, ch.kb_id, ch.doc_id, (SELECT title FROM kb_documents WHERE id = ch.doc_id), ch.seq, ch.title, "  \
    "ch.content, ch.weight, ch.enabled, ch.manual, ch.version, ch.created_by, ch.created_at, ch.updated_at"

static json_t *chunk_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    json_t *o = json_object();
    const char *content = db_col_text(st, 6);
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, "kb_id", json_integer(db_col_int64(st, 1)));
    json_object_set_new(o, "doc_id", json_col_id(st, 2));
    json_object_set_new(o, "doc_title", json_col_text(st, 3));
    json_object_set_new(o, "seq", json_integer(db_col_int64(st, 4)));
    json_object_set_new(o, "title", json_col_text(st, 5));
    json_object_set_new(o, "content", json_col_text(st, 6));
    json_object_set_new(o, "chars",
                        json_integer(content ? (json_int_t)utf8_count(content, strlen(content)) : 0));
    json_object_set_new(o, "weight", json_real(db_col_double(st, 7)));
    json_object_set_new(o, "enabled", json_boolean(db_col_int64(st, 8) != 0));
    json_object_set_new(o, "manual", json_boolean(db_col_int64(st, 9) != 0));
    json_object_set_new(o, "version", json_integer(db_col_int64(st, 10)));
    json_object_set_new(o, "created_by", json_integer(db_col_int64(st, 11)));
    json_object_set_new(o, "created_at", json_time(db_col_int64(st, 12)));
    json_object_set_new(o, "updated_at", json_time(db_col_int64(st, 13)));
    return o;
}

int kb_chunk_index(db_conn_t *c, int64_t chunk_id, bool embed_by_caller)
{
    return kb_chunk_index_pre(c, chunk_id, embed_by_caller, NULL);
}

int kb_chunk_index_pre(db_conn_t *c, int64_t chunk_id, bool embed_by_caller, const kb_pretok_t *pre)
{
    db_stmt_t *st =
        db_prepare(c, "SELECT ch.kb_id, ch.doc_id, k.org_id, ch.created_by, COALESCE(ch.title, "
                      "d.title, k.name), ch.content, "
                      "ch.weight, ch.enabled, d.filename, d.doc_type, d.title, ch.created_at, k.embedding "
                      "FROM kb_chunks ch JOIN kbs k ON "
                      "k.id = ch.kb_id LEFT JOIN kb_documents d ON d.id = ch.doc_id WHERE ch.id "
                      "= ? AND ch.deleted_at IS NULL "
                      "AND k.deleted_at IS NULL AND (ch.doc_id IS NULL OR d.deleted_at IS NULL)");
    if (!st)
        return -1;
    db_bind_int64(st, 1, chunk_id);
    int rc = db_step(st);
    if (rc != DB_ROW || !db_col_int64(st, 7)) {
        db_done(st);
        return rc == DB_ERROR ? -1 : search_delete(c, "kb_chunk", chunk_id);
    }
    char kb[24], doc[24];
    snprintf(kb, sizeof kb, "%lld", (long long)db_col_int64(st, 0));
    snprintf(doc, sizeof doc, "%lld", (long long)db_col_int64(st, 1));
    json_t *attrs = json_pack("{s:s}", "kb_id", kb);
    if (!db_col_is_null(st, 1))
        json_object_set_new(attrs, "doc_id", json_string(doc));
    const char *source = db_col_text(st, 8) ? db_col_text(st, 8) : db_col_text(st, 10);
    json_object_set_new(attrs, "source", json_string(source ? source : "手工添加"));
    json_object_set_new(attrs, "type", json_string(db_col_text(st, 9) ? db_col_text(st, 9) : "manual"));
    char emb[8];
    snprintf(emb, sizeof emb, "%s", db_col_text(st, 12) ? db_col_text(st, 12) : "none");
    char *title = strdup(db_col_text(st, 4) ? db_col_text(st, 4) : "");
    char *content = strdup(db_col_text(st, 5) ? db_col_text(st, 5) : "");
    search_doc_t d = {.kind = "kb_chunk",
                      .ref_id = chunk_id,
                      .org_id = db_col_int64(st, 2),
                      .created_by = db_col_int64(st, 3),
                      .title = title,
                      .body = content,
                      .attrs = attrs,
                      .time_ms = db_col_int64(st, 11),
                      .weight = db_col_double(st, 6),
                      .embedding = emb,
                      .embed_by_caller = embed_by_caller};
    /* the tokens made before the transaction serve when they are of this
     * very title and text (they are, unless a rule or a trigger changed them) */
    if (pre && pre->ttok && pre->btok && title && content && pre->title && pre->body &&
        !strcmp(pre->title, title) && !strcmp(pre->body, content)) {
        d.title_tokens = pre->ttok;
        d.body_tokens = pre->btok;
    }
    db_done(st);
    rc = title && content ? search_put(c, &d) : -1;
    free(title);
    free(content);
    json_decref(attrs);
    return rc;
}

int kb_reindex_chunks(db_conn_t *c, int64_t kb_id)
{
    db_stmt_t *st =
        db_prepare(c, "SELECT id FROM kb_chunks WHERE kb_id = ? AND deleted_at IS NULL ORDER BY id");
    if (!st)
        return -1;
    db_bind_int64(st, 1, kb_id);
    json_t *ids = json_array();
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        json_array_append_new(ids, json_integer(db_col_int64(st, 0)));
    db_done(st);
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) if (rc == DB_DONE && kb_chunk_index(c, json_integer_value(v), false) != 0)
        rc = DB_ERROR;
    json_decref(ids);
    return rc == DB_DONE ? 0 : -1;
}

/* the chunk {chunk_id} of knowledge base {id}, or NULL after 404 */
static json_t *chunk_of(http_req_t *req, db_conn_t *c, int64_t kb_id, int64_t *cid)
{
    if (!http_param_id(req, "chunk_id", cid))
        return NULL;
    json_t *o = res_load(req, c, &KB_CHUNKS, CHUNK_COLS, *cid, chunk_row, NULL, RES_PLAIN);
    if (o && jint(o, "kb_id", 0) != kb_id) {
        json_decref(o);
        res_not_found(req, &KB_CHUNKS);
        return NULL;
    }
    return http_defer_json(req, o);
}

static int recount(db_conn_t *c, json_t *doc_id)
{
    if (!json_is_integer(doc_id))
        return 0;
    db_stmt_t *st =
        db_prepare(c, "UPDATE kb_documents SET chunk_count = (SELECT COUNT(*) FROM kb_chunks WHERE "
                      "doc_id = ? AND deleted_at IS NULL) WHERE id = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, json_integer_value(doc_id));
    db_bind_int64(st, 2, json_integer_value(doc_id));
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

static const vfield_t CHUNK_QUERY[] = {
    {"doc_id", V_ID, .title = "文档"},
    {"q", V_STR, .max = 100, .title = "标题或内容包含"},
    {"enabled", V_BOOL, .title = "是否启用"},
};

static void list_chunks(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    int64_t kb_id;
    if (!c || !kb_param_load(req, c, &kb_id))
        return;
    qb_t w;
    res_from(req, &KB_CHUNKS, &w);
    qb_sql(&w, " AND ch.kb_id = ");
    qb_int(&w, kb_id);
    int64_t doc = http_query_i64(req, "doc_id", 0);
    if (doc) {
        qb_sql(&w, " AND ch.doc_id = ");
        qb_int(&w, doc);
    }
    if (http_query(req, "enabled")) {
        qb_sql(&w, " AND ch.enabled = ");
        qb_int(&w, http_query_bool(req, "enabled") ? 1 : 0);
    }
    const char *q = http_query(req, "q");
    if (q) {
        static const char *const cols[] = {"ch.title", "ch.content"};
        qb_like_any(&w, cols, 2, q);
    }
    res_list(req, c, &KB_CHUNKS, CHUNK_COLS, &w, "ch.doc_id, ch.seq, ch.id", chunk_row, NULL);
    qb_free(&w);
}

static json_t *history(db_conn_t *c, int64_t cid)
{
    db_stmt_t *st = db_prepare(c, "SELECT h.version, h.title, h.content, h.weight, h.enabled, h.changed_by, "
                                  "(SELECT name FROM users WHERE id = h.changed_by), h.changed_at FROM "
                                  "kb_chunk_history h WHERE h.chunk_id = ? ORDER BY h.version DESC");
    if (!st)
        return NULL;
    db_bind_int64(st, 1, cid);
    json_t *a = json_array();
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        json_array_append_new(
            a, json_pack("{s:I,s:o,s:o,s:f,s:b,s:I,s:o,s:o}", "version", (json_int_t)db_col_int64(st, 0),
                         "title", json_col_text(st, 1), "content", json_col_text(st, 2), "weight",
                         db_col_double(st, 3), "enabled", db_col_int64(st, 4) != 0, "changed_by",
                         (json_int_t)db_col_int64(st, 5), "changed_by_name", json_col_text(st, 6),
                         "changed_at", json_time(db_col_int64(st, 7))));
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static void get_chunk(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    int64_t kb_id, cid;
    if (!c || !kb_param_load(req, c, &kb_id))
        return;
    json_t *o = chunk_of(req, c, kb_id, &cid);
    if (!o)
        return;
    json_t *h = history(c, cid);
    if (!h) {
        http_db_error(req, c);
        return;
    }
    json_object_set_new(o, "history", h);
    http_json(req, 200, json_incref(o));
}

static void add_chunk(http_req_t *req)
{
    json_t *b = http_json_body(req);
    db_conn_t *c = http_db(req);
    int64_t kb_id;
    json_t *kb = c && http_begin(req, c) ? kb_param_load(req, c, &kb_id) : NULL;
    if (!kb)
        return;
    int64_t doc = jint(b, "doc_id", 0);
    if (doc) {
        db_stmt_t *st =
            db_prepare(c, "SELECT 1 FROM kb_documents WHERE id = ? AND kb_id = ? AND deleted_at IS NULL");
        int rc = DB_ERROR;
        if (st) {
            db_bind_int64(st, 1, doc);
            db_bind_int64(st, 2, kb_id);
            rc = db_step(st);
        }
        db_done(st);
        if (rc == DB_ERROR) {
            http_db_error(req, c);
            return;
        }
        if (rc != DB_ROW) {
            http_error_fields(req, json_pack("{s:s}", "doc_id", "该知识库中没有这个文档"));
            return;
        }
    }
    int64_t now = time_now_ms(), id = 0;
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO kb_chunks (kb_id, doc_id, org_id, seq, title, content, weight, "
                      "enabled, manual, created_by, created_at, updated_at) VALUES (?, ?, ?, (SELECT "
                      "COALESCE(MAX(seq), 0) + 1 FROM kb_chunks WHERE kb_id = ?), ?, ?, ?, ?, 1, ?, ?, "
                      "?) RETURNING id");
    if (st) {
        const char *t = jstr(b, "title");
        db_bind_int64(st, 1, kb_id);
        if (doc)
            db_bind_int64(st, 2, doc);
        else
            db_bind_null(st, 2);
        db_bind_int64(st, 3, jint(kb, "org_id", 0));
        db_bind_int64(st, 4, kb_id);
        db_bind_text(st, 5, t && *t ? t : NULL);
        db_bind_text(st, 6, jstr(b, "content"));
        db_bind_double(st, 7, jhas(b, "weight") ? json_number_value(json_object_get(b, "weight")) : 1.0);
        db_bind_int64(st, 8, jbool(b, "enabled", true));
        db_bind_int64(st, 9, http_user_id(req));
        db_bind_int64(st, 10, now);
        db_bind_int64(st, 11, now);
        if (db_step(st) == DB_ROW)
            id = db_col_int64(st, 0);
    }
    db_done(st);
    if (id <= 0 || kb_chunk_index(c, id, false) != 0 ||
        recount(c, doc ? json_object_get(b, "doc_id") : NULL) != 0) {
        http_db_error(req, c);
        return;
    }
    json_t *o = res_load(req, c, &KB_CHUNKS, CHUNK_COLS, id, chunk_row, NULL, RES_PLAIN);
    if (!o)
        return;
    http_defer_json(req, o);
    audit_entry_t ae = {.target = id, .after = o};
    audit_reply(req, c, true, &ae, 201, json_incref(o));
}

static void patch_chunk(http_req_t *req)
{
    json_t *b = http_json_body(req);
    db_conn_t *c = http_db(req);
    int64_t kb_id, cid;
    if (!c || !http_begin(req, c) || !kb_param_load(req, c, &kb_id))
        return;
    if (res_lock(req, c, &KB_CHUNKS, 0) != 0)
        return;
    json_t *before = chunk_of(req, c, kb_id, &cid);
    if (!before)
        return;
    int64_t now = time_now_ms(), version = jint(before, "version", 1);
    /* the version before the edit goes to the history */
    db_stmt_t *st = db_prepare(c, "INSERT INTO kb_chunk_history (chunk_id, version, title, content, weight, "
                                  "enabled, changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, cid);
        db_bind_int64(st, 2, version);
        db_bind_text(st, 3, jstr(before, "title"));
        db_bind_text(st, 4, jstr(before, "content"));
        db_bind_double(st, 5, json_number_value(json_object_get(before, "weight")));
        db_bind_int64(st, 6, jbool(before, "enabled", true));
        db_bind_int64(st, 7, http_user_id(req));
        db_bind_int64(st, 8, now);
        rc = db_step(st);
    }
    db_done(st);
    if (rc != DB_DONE) {
        http_db_error(req, c);
        return;
    }
    const char *title = jhas(b, "title") ? jstr(b, "title") : jstr(before, "title");
    double weight = json_number_value(json_object_get(jhas(b, "weight") ? b : before, "weight"));
    qb_t q;
    qb_init(&q, "UPDATE kb_chunks SET title = ");
    qb_text(&q, title && *title ? title : NULL);
    qb_sql(&q, ", content = ");
    qb_text(&q, jhas(b, "content") ? jstr(b, "content") : jstr(before, "content"));
    qb_sql(&q, ", weight = ");
    char w[40];
    snprintf(w, sizeof w, "%.6f", weight);
    qb_sql(&q, w); /* a number the validator bounded, printed by us: not user text */
    qb_sql(&q, ", enabled = ");
    qb_int(&q, jbool(jhas(b, "enabled") ? b : before, "enabled", true));
    qb_sql(&q, ", manual = 1, version = version + 1, updated_at = ");
    qb_int(&q, now);
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, cid);
    qb_sql(&q, " AND deleted_at IS NULL AND version = ");
    qb_int(&q, version);
    if (!res_transition(req, c, &q, "分段已被他人修改，请刷新后重试"))
        return;
    if (kb_chunk_index(c, cid, false) != 0) {
        http_db_error(req, c);
        return;
    }
    json_t *after = res_load(req, c, &KB_CHUNKS, CHUNK_COLS, cid, chunk_row, NULL, RES_PLAIN);
    if (!after)
        return;
    http_defer_json(req, after);
    audit_entry_t ae = {.target = cid, .before = before, .after = after};
    audit_reply(req, c, true, &ae, 200, json_incref(after));
}

static void delete_chunk(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    int64_t kb_id, cid;
    if (!c || !http_begin(req, c) || !kb_param_load(req, c, &kb_id))
        return;
    json_t *before = chunk_of(req, c, kb_id, &cid);
    if (!before)
        return;
    qb_t q;
    qb_init(&q, "UPDATE kb_chunks SET deleted_at = ");
    qb_int(&q, time_now_ms());
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, cid);
    qb_sql(&q, " AND deleted_at IS NULL");
    if (!res_transition(req, c, &q, "分段已被删除"))
        return;
    if (search_delete(c, "kb_chunk", cid) != 0 || recount(c, json_object_get(before, "doc_id")) != 0) {
        http_db_error(req, c);
        return;
    }
    audit_entry_t ae = {.target = cid, .before = before};
    audit_reply(req, c, true, &ae, 204, NULL);
}

static const vfield_t CHUNK_NEW[] = {
    {"content", V_TEXT, true, 1, 20000, .title = "内容"},
    {"title", V_STR, false, 0, 200, .title = "标题"},
    {"weight", V_NUM, false, 0, 10, .title = "权重（排序加权，0–10，默认 1）"},
    {"enabled", V_BOOL, .title = "启用"},
    {"doc_id", V_ID, .title = "所属文档（可不填）"},
};
static const vfield_t CHUNK_PATCH[] = {
    {"content", V_TEXT, false, 1, 20000, .title = "内容"},
    {"title", V_STR, false, 0, 200, .title = "标题"},
    {"weight", V_NUM, false, 0, 10, .title = "权重（0–10）"},
    {"enabled", V_BOOL, .title = "启用"},
};
static const vfield_t CHUNK_OUT[] = {
    {"id", V_ID},
    {"kb_id", V_ID},
    {"doc_id", V_ID, .title = "文档"},
    {"doc_title", V_STR, .title = "文档标题"},
    {"seq", V_INT, .title = "序号"},
    {"title", V_STR, .title = "标题"},
    {"content", V_STR, .title = "内容"},
    {"chars", V_INT, .title = "字数"},
    {"weight", V_NUM, .title = "权重"},
    {"enabled", V_BOOL, .title = "启用"},
    {"manual", V_BOOL, .title = "手工添加或修改过"},
    {"version", V_INT, .title = "版本"},
    {"history", V_ARRAY,
     .title = "历史版本（详情）[{version,title,content,weight,enabled,changed_by_name,changed_at}]"},
    {"created_by", V_ID},
    {"created_at", V_TIME},
    {"updated_at", V_TIME},
};

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/kb/{id}/chunks", .handler = list_chunks, .perm = "kb.read",
     .flags = HTTP_LIST, .summary = "知识库分段列表", .resource = &KB_CHUNKS, HTTP_QUERY(CHUNK_QUERY),
     HTTP_OUT(CHUNK_OUT)},
    {.method = "POST", .pattern = "/api/v1/kb/{id}/chunks", .handler = add_chunk, .perm = "kb.write",
     .summary = "手工添加分段", .audit = "kb.chunk_add", .resource = &KB_CHUNKS, HTTP_BODY(CHUNK_NEW),
     HTTP_OUT(CHUNK_OUT), .status = 201, .example = "{\"content\":\"党费收缴标准按月工资收入计算。\",\"weight\":2}",
     .notes = "searchable at once (kind kb_chunk)"},
    {.method = "GET", .pattern = "/api/v1/kb/{id}/chunks/{chunk_id}", .handler = get_chunk, .perm = "kb.read",
     .summary = "分段详情（含历史版本）", .resource = &KB_CHUNKS, HTTP_OUT(CHUNK_OUT)},
    {.method = "PATCH", .pattern = "/api/v1/kb/{id}/chunks/{chunk_id}", .handler = patch_chunk,
     .perm = "kb.write", .summary = "修改分段", .audit = "kb.chunk_update", .resource = &KB_CHUNKS,
     HTTP_BODY(CHUNK_PATCH), HTTP_OUT(CHUNK_OUT), .example = "{\"weight\":3}",
     .notes = "the version before goes to the history; re-indexed at once (a disabled chunk leaves the index); "
              "409 when someone else changed it meanwhile"},
    {.method = "DELETE", .pattern = "/api/v1/kb/{id}/chunks/{chunk_id}", .handler = delete_chunk,
     .perm = "kb.write", .summary = "删除分段", .audit = "kb.chunk_delete", .resource = &KB_CHUNKS, .status = 204,
     .notes = "soft; leaves the search index at once"},
};
// clang-format on

int kb_chunk_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
