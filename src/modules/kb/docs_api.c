/* docs_api.c — the documents of a knowledge base: added as JSON {title,
 * text} or uploaded (multipart `file`: .txt .md .html .docx .pdf .xlsx,
 * recognised by content), indexed by the job kb.index with its state
 * (queued → parsing → chunking → embedding → done, or failed with the
 * reason), progress and counts; re-indexed on request; deleted with their
 * chunks. The job: parse, chunk by the base's rule, write the chunks and
 * their search documents in one transaction (a failure leaves the previous
 * chunks searchable), then the embedding step: the local model embedded
 * them in that transaction; an openai base's chunks are embedded through
 * the service after it (a failure fails the document with the reason and
 * the chunks stay keyword-searchable); none says so on the document. */
#include "core/crypto.h"
#include "core/mime.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/jsonbody.h"
#include "http/multipart.h"
#include "http/upload.h"
#include "http/valid.h"
#include "modules/kb/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_UPLOAD        (20u << 20)
#define MAX_TEXT_JSON     2000000 /* characters of a JSON document */
#define NO_VECTOR         "此知识库不向量化：仅关键词检索可用"
#define NO_MODEL          "向量模型尚未训练：暂仅关键词检索可用（训练任务完成后自动补齐向量）"
#define KB_INDEX_ATTEMPTS 3

const char *const DOC_STATUSES[] = {"queued", "parsing", "chunking", "embedding", "done", "failed", NULL};

static const res_sort_t DOC_SORTS[] = {{"id", "d.id"},
                                       {"title", "d.title"},
                                       {"status", "d.status"},
                                       {"created_at", "d.created_at"},
                                       {NULL, NULL}};
const zd_resource_t KB_DOCS = {.name = "kb_document",
                               .title = "文档",
                               .table = "kb_documents",
                               .alias = "d",
                               .from = "kb_documents d JOIN kbs k ON k.id = d.kb_id",
                               .where = "d.deleted_at IS NULL AND k.deleted_at IS NULL",
                               .org_col = "k.org_id",
                               .creator_col = "d.created_by",
                               .perm = "kb.read",
                               .sorts = DOC_SORTS};

#define DOC_COLS                                                                                             \
    "d.id, d.kb_id, d.title, d.doc_type, d.filename, d.mime, d.size, d.status, d.progress, d.chunk_count, "  \
    "d.char_count, d.error, d.vector_note, d.job_id, d.indexed_at, d.created_by, d.created_at, d.updated_at"

static json_t *doc_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, "kb_id", json_integer(db_col_int64(st, 1)));
    json_object_set_new(o, "title", json_col_text(st, 2));
    json_object_set_new(o, "doc_type", json_col_text(st, 3));
    json_object_set_new(o, "filename", json_col_text(st, 4));
    json_object_set_new(o, "mime", json_col_text(st, 5));
    json_object_set_new(o, "size", json_integer(db_col_int64(st, 6)));
    json_object_set_new(o, "status", json_col_text(st, 7));
    json_object_set_new(o, "progress", json_integer(db_col_int64(st, 8)));
    json_object_set_new(o, "chunk_count", json_integer(db_col_int64(st, 9)));
    json_object_set_new(o, "char_count", json_integer(db_col_int64(st, 10)));
    json_object_set_new(o, "error", json_col_text(st, 11));
    json_object_set_new(o, "vector_note", json_col_text(st, 12));
    json_object_set_new(o, "job_id", json_col_id(st, 13));
    json_object_set_new(o, "indexed_at", json_time(db_col_int64(st, 14)));
    json_object_set_new(o, "created_by", json_integer(db_col_int64(st, 15)));
    json_object_set_new(o, "created_at", json_time(db_col_int64(st, 16)));
    json_object_set_new(o, "updated_at", json_time(db_col_int64(st, 17)));
    return o;
}

int64_t kb_doc_enqueue(db_conn_t *c, int64_t doc_id, int64_t org_id, int64_t user_id)
{
    char payload[64];
    snprintf(payload, sizeof payload, "{\"doc_id\":%lld}", (long long)doc_id);
    job_spec_t spec = {.kind = "kb.index",
                       .payload = payload,
                       .priority = 2,
                       .max_attempts = KB_INDEX_ATTEMPTS,
                       .org_id = org_id,
                       .created_by = user_id};
    int64_t job = jobs_enqueue(c, &spec);
    if (job <= 0)
        return -1;
    db_stmt_t *st =
        db_prepare(c, "UPDATE kb_documents SET status = 'queued', progress = 0, error = NULL, job_id = "
                      "?, updated_at = ? WHERE id = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, job);
    db_bind_int64(st, 2, time_now_ms());
    db_bind_int64(st, 3, doc_id);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? job : -1;
}

json_t *kb_param_load(http_req_t *req, db_conn_t *c, int64_t *kb_id);
static json_t *kb_of(http_req_t *req, db_conn_t *c, int64_t *kb_id) { return kb_param_load(req, c, kb_id); }

/* the knowledge base {id} in scope, or NULL after 404; without its counts:
 * the document and chunk routes need its scope, owner and name, and an
 * upload calls this inside its write transaction, where counting a large
 * base's documents and chunks held SQLite's one writer slot from the
 * indexing jobs (docs/benchmarks.md, indexing to 1,000,000 chunks) */
json_t *kb_param_load(http_req_t *req, db_conn_t *c, int64_t *kb_id)
{
    if (!http_param_id(req, "id", kb_id))
        return NULL;
    return http_defer_json(req, res_load(req, c, &KBS, KB_BASE_COLS, *kb_id, kb_row, NULL, RES_PLAIN));
}

/* the document {doc_id} of knowledge base {id} in scope, or NULL after 404 */
static json_t *doc_of(http_req_t *req, db_conn_t *c, int64_t kb_id, int64_t *doc_id)
{
    if (!http_param_id(req, "doc_id", doc_id))
        return NULL;
    json_t *d = res_load(req, c, &KB_DOCS, DOC_COLS, *doc_id, doc_row, NULL, RES_PLAIN);
    if (d && jint(d, "kb_id", 0) != kb_id) {
        json_decref(d);
        res_not_found(req, &KB_DOCS);
        return NULL;
    }
    return http_defer_json(req, d);
}

static const vfield_t DOC_QUERY[] = {
    {"status", V_ENUM, .choices = DOC_STATUSES, .title = "索引状态"},
    {"q", V_STR, .max = 100, .title = "标题或文件名包含"},
};

static void list_docs(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    int64_t kb_id;
    if (!c || !kb_of(req, c, &kb_id))
        return;
    qb_t w;
    res_from(req, &KB_DOCS, &w);
    qb_sql(&w, " AND d.kb_id = ");
    qb_int(&w, kb_id);
    const char *st = http_query(req, "status"), *q = http_query(req, "q");
    if (st) {
        qb_sql(&w, " AND d.status = ");
        qb_text(&w, st);
    }
    if (q) {
        static const char *const cols[] = {"d.title", "d.filename"};
        qb_like_any(&w, cols, 2, q);
    }
    res_list(req, c, &KB_DOCS, DOC_COLS, &w, "d.id DESC", doc_row, NULL);
    qb_free(&w);
}

static void get_doc(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    int64_t kb_id, doc_id;
    if (!c || !kb_of(req, c, &kb_id))
        return;
    json_t *d = doc_of(req, c, kb_id, &doc_id);
    if (d)
        http_json(req, 200, json_incref(d));
}

static void add_doc(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    int64_t kb_id;
    if (!c)
        return;
    const char *ct = http_header_in(req, "Content-Type");
    size_t blen;
    const char *body = http_body(req, &blen);
    json_t *j = NULL;
    multipart_form_t form = {0};
    const char *title = NULL, *text = NULL, *filename = NULL;
    char mime[128] = "text/plain";
    doc_type_t type = DOC_TEXT;
    const multipart_part_t *file = NULL;
    if (ct && !strncasecmp(ct, "application/json", 16)) {
        char err[160];
        if (!utf8_valid(body, blen) ||
            !(j = http_defer_json(req, jsonbody_parse(body, blen, err, sizeof err)))) {
            http_error(req, 400, "invalid_json", "JSON 格式错误");
            return;
        }
        title = jstr(j, "title");
        text = jstr(j, "text");
        json_t *f = json_object();
        if (!title || !*title || utf8_count(title, strlen(title)) > 200)
            json_object_set_new(f, "title", json_string("必填，至多 200 个字"));
        if (!text || !*text || utf8_count(text, strlen(text)) > MAX_TEXT_JSON)
            json_object_set_new(f, "text", json_sprintf("必填，至多 %d 个字", MAX_TEXT_JSON));
        if (json_object_size(f)) {
            http_error_fields(req, f);
            return;
        }
        json_decref(f);
        type = DOC_TEXT;
    } else if (ct && !strncasecmp(ct, "multipart/form-data", 19)) {
        if (!http_upload_parse(req, MAX_UPLOAD, "文档", &form))
            return;
        file = multipart_get(&form, "file");
        if (!file || !file->len) {
            multipart_form_free(&form);
            http_error_fields(req, json_pack("{s:s}", "file", "请上传文档（表单字段 file）"));
            return;
        }
        mime_sniff(file->data, file->len, mime, sizeof mime);
        filename = file->filename;
        type = doc_type(mime, filename);
        if (type == DOC_UNKNOWN) {
            http_error(req, 415, "unsupported_media_type",
                       "不支持的文档格式（识别为 %s），请上传 .txt、.md、.html、.docx、.pdf 或 .xlsx", mime);
            multipart_form_free(&form);
            return;
        }
        const multipart_part_t *t = multipart_get(&form, "title");
        title = t && t->len ? http_printf(req, "%.*s", (int)utf8_prefix(t->data, t->len, 200), t->data)
                : filename  ? filename
                            : "未命名文档";
    } else {
        http_error(req, 415, "unsupported_media_type",
                   "请以 application/json 提交 {title,text}，或以 multipart/form-data 上传文件");
        return;
    }
    char *b64 = file ? crypto_base64((const unsigned char *)file->data, file->len) : NULL;
    size_t fsize = file ? file->len : strlen(text);
    char fname[256] = "", tbuf[800];
    if (filename)
        str_lcpy(fname, filename, sizeof fname);
    str_lcpy(tbuf, title, sizeof tbuf);
    title = tbuf;
    multipart_form_free(&form);
    json_t *kb = http_begin(req, c) ? kb_of(req, c, &kb_id) : NULL;
    if (!kb) {
        free(b64);
        return;
    }
    int64_t now = time_now_ms(), id = 0, org = jint(kb, "org_id", 0);
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO kb_documents (kb_id, org_id, title, doc_type, filename, mime, size, "
                      "content, raw_b64, char_count, created_by, created_at, updated_at) VALUES (?, ?, "
                      "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (st) {
        db_bind_int64(st, 1, kb_id);
        db_bind_int64(st, 2, org);
        db_bind_text(st, 3, title);
        db_bind_text(st, 4, doc_type_name(type));
        db_bind_text(st, 5, *fname ? fname : NULL);
        db_bind_text(st, 6, mime);
        db_bind_int64(st, 7, (int64_t)fsize);
        db_bind_text(st, 8, text);
        db_bind_text(st, 9, b64);
        db_bind_int64(st, 10, text ? (int64_t)utf8_count(text, strlen(text)) : 0);
        db_bind_int64(st, 11, http_user_id(req));
        db_bind_int64(st, 12, now);
        db_bind_int64(st, 13, now);
        if (db_step(st) == DB_ROW)
            id = db_col_int64(st, 0);
    }
    db_done(st);
    free(b64);
    if (id <= 0 || kb_doc_enqueue(c, id, org, http_user_id(req)) < 0) {
        http_db_error(req, c);
        return;
    }
    json_t *o = res_load(req, c, &KB_DOCS, DOC_COLS, id, doc_row, NULL, RES_PLAIN);
    if (!o)
        return;
    http_defer_json(req, o);
    audit_entry_t ae = {.target = id,
                        .after = o,
                        .detail = http_printf(req, "知识库《%s》添加文档《%s》", jstr(kb, "name"), title)};
    audit_reply(req, c, true, &ae, 201, json_incref(o));
}

static void reindex_doc(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    int64_t kb_id, doc_id;
    json_t *kb_of_loaded = c && http_begin(req, c) ? kb_of(req, c, &kb_id) : NULL;
    if (!kb_of_loaded)
        return;
    json_t *d = doc_of(req, c, kb_id, &doc_id);
    if (!d)
        return;
    const char *s = jstr(d, "status");
    if (strcmp(s, "done") != 0 && strcmp(s, "failed") != 0) {
        http_error(req, 409, "conflict", "文档正在索引中，请等待完成后再重新索引");
        return;
    }
    if (kb_doc_enqueue(c, doc_id, jint(kb_of_loaded, "org_id", 0), http_user_id(req)) < 0) {
        http_db_error(req, c);
        return;
    }
    json_t *after = res_load(req, c, &KB_DOCS, DOC_COLS, doc_id, doc_row, NULL, RES_PLAIN);
    if (!after)
        return;
    http_defer_json(req, after);
    audit_entry_t ae = {.target = doc_id, .before = d, .after = after};
    audit_reply(req, c, true, &ae, 200, json_incref(after));
}

/* ids of the document's chunks (manual too when all), NULL on error */
static json_t *chunk_ids(db_conn_t *c, int64_t doc_id, bool all)
{
    db_stmt_t *st =
        db_prepare(c, all ? "SELECT id FROM kb_chunks WHERE doc_id = ? AND deleted_at IS NULL"
                          : "SELECT id FROM kb_chunks WHERE doc_id = ? AND manual = 0 AND deleted_at "
                            "IS NULL");
    if (!st)
        return NULL;
    db_bind_int64(st, 1, doc_id);
    json_t *a = json_array();
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        json_array_append_new(a, json_integer(db_col_int64(st, 0)));
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static int unindex_all(db_conn_t *c, json_t *ids)
{
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) if (search_delete(c, "kb_chunk", json_integer_value(v)) != 0) return -1;
    return 0;
}

static void delete_doc(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    int64_t kb_id, doc_id;
    if (!c || !http_begin(req, c) || !kb_of(req, c, &kb_id))
        return;
    json_t *d = doc_of(req, c, kb_id, &doc_id);
    if (!d)
        return;
    json_t *ids = http_defer_json(req, chunk_ids(c, doc_id, true));
    int64_t now = time_now_ms();
    if (!ids || unindex_all(c, ids) != 0) {
        http_db_error(req, c);
        return;
    }
    qb_t q;
    qb_init(&q, "UPDATE kb_chunks SET deleted_at = ");
    qb_int(&q, now);
    qb_sql(&q, " WHERE doc_id = ");
    qb_int(&q, doc_id);
    qb_sql(&q, " AND deleted_at IS NULL");
    db_stmt_t *st = qb_prepare(c, &q);
    int rc = st ? db_step(st) : DB_ERROR;
    db_done(st);
    qb_free(&q);
    if (rc != DB_DONE) {
        http_db_error(req, c);
        return;
    }
    qb_init(&q, "UPDATE kb_documents SET deleted_at = ");
    qb_int(&q, now);
    qb_sql(&q, ", updated_at = ");
    qb_int(&q, now);
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, doc_id);
    qb_sql(&q, " AND deleted_at IS NULL");
    if (!res_transition(req, c, &q, "文档已被删除"))
        return;
    audit_entry_t ae = {.target = doc_id, .before = d};
    audit_reply(req, c, true, &ae, 204, NULL);
}

/* ---- the job ---- */

static int set_state(db_conn_t *c, int64_t id, const char *status, int progress, const char *error)
{
    db_stmt_t *st =
        db_prepare(c, "UPDATE kb_documents SET status = ?, progress = ?, error = ?, updated_at = ? "
                      "WHERE id = ?");
    if (!st)
        return -1;
    db_bind_text(st, 1, status);
    db_bind_int64(st, 2, progress);
    db_bind_text(st, 3, error);
    db_bind_int64(st, 4, time_now_ms());
    db_bind_int64(st, 5, id);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

static int fail_doc(job_ctx_t *ctx, db_conn_t *c, int64_t id, const char *why)
{
    set_state(c, id, "failed", 100, why);
    job_error(ctx, "%s", why);
    return JOB_FATAL;
}

static int set_note(db_conn_t *c, int64_t id, const char *note)
{
    db_stmt_t *st = db_prepare(c, "UPDATE kb_documents SET vector_note = ? WHERE id = ?");
    if (!st)
        return -1;
    db_bind_text(st, 1, note);
    db_bind_int64(st, 2, id);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

/* the embedding step of an openai base: the document's enabled chunks
 * through the openai provider (after their commit); 0, or -1 with the
 * reason in why (the chunks stay keyword-searchable) */
static int embed_openai(db_t *db, db_conn_t *c, int64_t id, char *why, size_t whylen)
{
    json_t *ids = chunk_ids(c, id, true);
    size_t n = json_array_size(ids), i;
    int64_t *refs = malloc((n ? n : 1) * sizeof *refs), done = 0;
    json_t *v;
    if (!ids || !refs) {
        json_decref(ids);
        free(refs);
        snprintf(why, whylen, "向量化失败：内存不足");
        return -1;
    }
    json_array_foreach(ids, i, v) refs[i] = json_integer_value(v);
    json_decref(ids);
    char err[600] = "";
    int rc = search_embed_docs(db, "kb_chunk", refs, n, &done, err, sizeof err);
    free(refs);
    if (rc != 0)
        snprintf(why, whylen, "向量化失败：%s；关键词检索可用", err);
    return rc;
}

/* writes the pieces as the document's chunks and their search documents,
 * replacing its earlier automatic ones; one transaction */
/* the tokens of the pieces, made before the write transaction: segmenting
 * is most of an indexing job's time, and SQLite's single writer slot would
 * otherwise be held through it, so that a second worker waits instead of
 * segmenting its own document meanwhile. A chunk without a title gets the
 * document's (or the base's name): the title kb_chunk_index reads back.
 * Up to PRETOK_MAX bytes of tokens (a huge document's rest is tokenised in
 * the transaction, as before); NULL out of memory. */
#define PRETOK_MAX ((size_t)64 << 20)
static kb_pretok_t *pretokenize(job_ctx_t *ctx, db_conn_t *c, int64_t id, const kb_pieces_t *p,
                                char **deftitle)
{
    *deftitle = NULL;
    db_stmt_t *st = db_prepare(c, "SELECT COALESCE(d.title, k.name) FROM kb_documents d JOIN kbs k ON k.id = "
                                  "d.kb_id WHERE d.id = ?");
    if (!st)
        return NULL;
    db_bind_int64(st, 1, id);
    if (db_step(st) == DB_ROW && db_col_text(st, 0))
        *deftitle = strdup(db_col_text(st, 0));
    db_done(st);
    kb_pretok_t *v = calloc(p->n ? p->n : 1, sizeof *v);
    if (!v)
        return NULL;
    size_t bytes = 0;
    for (size_t i = 0; i < p->n && bytes < PRETOK_MAX; i++) {
        v[i].title = p->v[i].title ? p->v[i].title : *deftitle;
        v[i].body = p->v[i].text;
        if (!v[i].title || search_doc_tokens(v[i].title, v[i].body, &v[i].ttok, &v[i].btok) != 0)
            continue;
        bytes += strlen(v[i].ttok) + strlen(v[i].btok);
        if ((i + 1) % 200 == 0)
            job_progress(ctx, (int64_t)i + 1, (int64_t)p->n, "切词");
    }
    return v;
}

static void pretok_free(kb_pretok_t *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].ttok);
        free(v[i].btok);
    }
    free(v);
}

static int write_chunks(job_ctx_t *ctx, db_conn_t *c, int64_t id, int64_t kb_id, int64_t org, int64_t user,
                        const kb_pieces_t *p, const char *text)
{
    char *deftitle = NULL;
    kb_pretok_t *pre = pretokenize(ctx, c, id, p, &deftitle);
    if (db_begin(c) != 0) {
        pretok_free(pre, p->n);
        free(deftitle);
        return -1;
    }
    json_t *old = chunk_ids(c, id, false);
    int rc = old && unindex_all(c, old) == 0 ? 0 : -1;
    json_decref(old);
    db_stmt_t *st = rc == 0 ? db_prepare(c, "DELETE FROM kb_chunks WHERE doc_id = ? AND manual = 0") : NULL;
    if (st) {
        db_bind_int64(st, 1, id);
        rc = db_step(st) == DB_DONE ? 0 : -1;
    } else {
        rc = -1;
    }
    db_done(st);
    int64_t now = time_now_ms();
    bool pg = db_dialect(db_of(c)) == DB_POSTGRES;
    for (size_t i = 0; i < p->n && rc == 0; i++) {
        int64_t cid = 0;
        st = db_prepare(c, "INSERT INTO kb_chunks (kb_id, doc_id, org_id, seq, title, content, created_by, "
                           "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
        if (st) {
            db_bind_int64(st, 1, kb_id);
            db_bind_int64(st, 2, id);
            db_bind_int64(st, 3, org);
            db_bind_int64(st, 4, (int64_t)i + 1);
            db_bind_text(st, 5, p->v[i].title);
            db_bind_text(st, 6, p->v[i].text);
            db_bind_int64(st, 7, user);
            db_bind_int64(st, 8, now);
            db_bind_int64(st, 9, now);
            if (db_step(st) == DB_ROW)
                cid = db_col_int64(st, 0);
        }
        db_done(st);
        rc = cid > 0 && kb_chunk_index_pre(c, cid, true, pre ? &pre[i] : NULL) == 0 ? 0 : -1;
        /* progress is written through another connection: on SQLite it
         * would wait for this very transaction's lock (the busy timeout,
         * 5 s, each time) and fail; there the segmenting reported it */
        if (rc == 0 && pg && (i + 1) % 200 == 0)
            job_progress(ctx, (int64_t)i + 1, (int64_t)p->n, "写入分段");
    }
    if (rc == 0) {
        st = db_prepare(c,
                        "UPDATE kb_documents SET status = 'embedding', progress = 80, chunk_count = (SELECT "
                        "COUNT(*) FROM kb_chunks WHERE doc_id = ? AND deleted_at IS NULL), content = ?, "
                        "char_count = ?, updated_at = ? WHERE id = ?");
        if (st) {
            db_bind_int64(st, 1, id);
            db_bind_text(st, 2, text);
            db_bind_int64(st, 3, (int64_t)utf8_count(text, strlen(text)));
            db_bind_int64(st, 4, now);
            db_bind_int64(st, 5, id);
            rc = db_step(st) == DB_DONE ? 0 : -1;
        } else {
            rc = -1;
        }
        db_done(st);
    }
    pretok_free(pre, p->n);
    free(deftitle);
    if (rc == 0 && db_commit(c) == 0)
        return 0;
    db_rollback(c);
    return -1;
}

int kb_job_index(job_ctx_t *ctx)
{
    int64_t id = jint(job_payload(ctx), "doc_id", 0);
    db_conn_t *c = db_acquire(job_db(ctx));
    if (!c)
        return JOB_RETRY;
    int ret = JOB_RETRY;
    char *text = NULL, *raw = NULL, *rule_s = NULL, *type = NULL;
    int64_t kb_id = 0, org = 0, user = 0;
    char embedding[16] = "none";
    bool embed_failed = false;
    db_stmt_t *st = db_prepare(
        c, "SELECT d.kb_id, d.org_id, d.created_by, d.doc_type, d.content, d.raw_b64, "
           "k.chunk_rule, k.embedding FROM kb_documents d JOIN kbs k ON k.id = d.kb_id WHERE d.id = ? AND "
           "d.deleted_at IS NULL AND k.deleted_at IS NULL");
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, id);
        rc = db_step(st);
        if (rc == DB_ROW) {
            kb_id = db_col_int64(st, 0);
            org = db_col_int64(st, 1);
            user = db_col_int64(st, 2);
            type = strdup(db_col_text(st, 3));
            text = db_col_text(st, 4) ? strdup(db_col_text(st, 4)) : NULL;
            raw = db_col_text(st, 5) ? strdup(db_col_text(st, 5)) : NULL;
            rule_s = strdup(db_col_text(st, 6));
            snprintf(embedding, sizeof embedding, "%s", db_col_text(st, 7) ? db_col_text(st, 7) : "none");
        }
    }
    db_done(st);
    if (rc == DB_DONE) {
        ret = JOB_OK; /* deleted meanwhile: nothing to do */
        goto out;
    }
    if (rc != DB_ROW || set_state(c, id, "parsing", 10, NULL) != 0)
        goto out;
    job_progress(ctx, 1, 4, "解析");
    doc_type_t t = doc_type_of(type);
    if (raw) {
        size_t n = 0;
        unsigned char *bytes = crypto_unbase64(raw, &n);
        char err[200] = "";
        free(text);
        text = bytes ? doc_parse(t, bytes, n, err, sizeof err) : NULL;
        free(bytes);
        if (!text) {
            char why[300];
            snprintf(why, sizeof why, "解析失败：%s", *err ? err : "无法读取文件");
            ret = fail_doc(ctx, c, id, why);
            goto out;
        }
    }
    if (!text || !*text) {
        ret = fail_doc(ctx, c, id, "文档中没有可索引的文字");
        goto out;
    }
    if (set_state(c, id, "chunking", 40, NULL) != 0)
        goto out;
    job_progress(ctx, 2, 4, "分段");
    json_t *rj = json_loads(rule_s, 0, NULL);
    kb_rule_t r;
    char err[200];
    kb_rule_parse(rj, &r, err, sizeof err);
    bool sheet = t == DOC_XLSX && rj && !strcmp(jstr(rj, "xlsx") ? jstr(rj, "xlsx") : "", "sheet");
    json_decref(rj);
    if (t == DOC_XLSX && !sheet) { /* one chunk per row */
        r.mode = KB_CHUNK_SEPARATOR;
        memcpy(r.sep, "\n\n", 3);
        r.seplen = 2;
    } else if (sheet) { /* one chunk for the sheet */
        r.mode = KB_CHUNK_FIXED;
        r.size = (size_t)1 << 30;
        r.overlap = 0;
    }
    kb_pieces_t p = {0};
    if (kb_chunk_text(text, strlen(text), &r, &p) != 0) {
        ret = fail_doc(ctx, c, id, "分段失败：文本不是有效的 UTF-8，或分段过多（请加大分段长度）");
        goto out;
    }
    if (!p.n) {
        kb_pieces_free(&p);
        ret = fail_doc(ctx, c, id, "文档中没有可索引的文字");
        goto out;
    }
    rc = write_chunks(ctx, c, id, kb_id, org, user, &p, text);
    job_items(ctx, (int64_t)p.n);
    kb_pieces_free(&p);
    if (rc != 0)
        goto out;
    job_progress(ctx, 3, 4, "向量化");
    /* the embedding step: search_put embedded the chunks with the local
     * model in write_chunks; without a model yet the keyword index serves
     * and the first fit is queued (once; the hourly schedule after that) */
    const char *note = NULL;
    int64_t model = search_vector_model(c);
    if (model < 0)
        goto out;
    if (!strcmp(embedding, "openai")) { /* the service embeds them now, outside any transaction */
        char why[700];
        if (embed_openai(job_db(ctx), c, id, why, sizeof why) != 0) {
            set_state(c, id, "failed", 100, why);
            set_note(c, id, why);
            job_error(ctx, "%s", why);
            ret = JOB_RETRY; /* the job system tries again with backoff */
            embed_failed = true;
            goto out;
        }
    } else if (!strcmp(embedding, "none"))
        note = NO_VECTOR;
    else if (!model) {
        note = NO_MODEL;
        job_spec_t fit = {.kind = "search.vector_fit",
                          .payload = "{\"force\":true}",
                          .idempotency_key = "search.vector_fit.first",
                          .org_id = org,
                          .created_by = user};
        if (jobs_enqueue(c, &fit) < 0)
            goto out;
        jobs_notify();
    }
    st = db_prepare(
        c, "UPDATE kb_documents SET status = 'done', progress = 100, vector_note = ?, indexed_at = ?, "
           "updated_at = ? WHERE id = ?");
    if (st) {
        int64_t now = time_now_ms();
        db_bind_text(st, 1, note);
        db_bind_int64(st, 2, now);
        db_bind_int64(st, 3, now);
        db_bind_int64(st, 4, id);
        rc = db_step(st);
    }
    db_done(st);
    if (!st || rc != DB_DONE)
        goto out;
    job_progress(ctx, 4, 4, "完成");
    ret = JOB_OK;
out:
    if (ret == JOB_RETRY && !embed_failed && db_errmsg(c))
        job_error(ctx, "数据库错误：%s", db_errmsg(c));
    /* the last attempt: the document says so rather than staying "parsing" */
    if (ret == JOB_RETRY && !embed_failed && job_attempt(ctx) >= KB_INDEX_ATTEMPTS)
        set_state(c, id, "failed", 100, "索引失败：数据库错误，已重试 3 次，请稍后重新索引");
    free(text);
    free(raw);
    free(rule_s);
    free(type);
    db_release(c);
    return ret;
}

static const vfield_t DOC_NEW[] = {
    {"title", V_STR, true, 1, 200, .title = "标题（JSON 提交时）"},
    {"text", V_TEXT, true, 1, MAX_TEXT_JSON,
     .title = "正文（JSON 提交时）；或以 multipart/form-data 上传 file（及可选的 title）"},
};
static const vfield_t DOC_OUT[] = {
    {"id", V_ID},
    {"kb_id", V_ID},
    {"title", V_STR, .title = "标题"},
    {"doc_type", V_STR, .title = "文档类型"},
    {"filename", V_STR, .title = "文件名"},
    {"mime", V_STR},
    {"size", V_INT, .title = "大小（字节）"},
    {"status", V_ENUM, .choices = DOC_STATUSES, .title = "索引状态"},
    {"progress", V_INT, .title = "进度（%）"},
    {"chunk_count", V_INT, .title = "分段数"},
    {"char_count", V_INT, .title = "字数"},
    {"error", V_STR, .title = "失败原因"},
    {"vector_note", V_STR, .title = "向量化说明"},
    {"job_id", V_ID, .title = "索引任务"},
    {"indexed_at", V_TIME, .title = "索引完成时间"},
    {"created_by", V_ID},
    {"created_at", V_TIME},
    {"updated_at", V_TIME},
};

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/kb/{id}/documents", .handler = list_docs, .perm = "kb.read",
     .flags = HTTP_LIST, .summary = "知识库文档列表", .resource = &KB_DOCS, HTTP_QUERY(DOC_QUERY), HTTP_OUT(DOC_OUT)},
    {.method = "POST", .pattern = "/api/v1/kb/{id}/documents", .handler = add_doc, .perm = "kb.write",
     .flags = HTTP_BODY_RAW, .summary = "添加知识库文档", .audit = "kb.document_add", .resource = &KB_DOCS,
     HTTP_BODY(DOC_NEW), HTTP_OUT(DOC_OUT), .status = 201, .max_body = 21u << 20,
     .example = "{\"title\":\"契约文档{n}\",\"text\":\"党的建设总要求。\\n\\n基层党组织建设。\"}",
     .notes = "JSON {title,text}, or multipart/form-data with file (.txt .md .html .docx .pdf .xlsx, recognised by "
              "content: 415 otherwise; at most 20 MB) and an optional title; queued for the job kb.index: poll "
              "GET …/documents/{doc_id} for status (queued, parsing, chunking, embedding, done, failed with error) "
              "and progress"},
    {.method = "GET", .pattern = "/api/v1/kb/{id}/documents/{doc_id}", .handler = get_doc, .perm = "kb.read",
     .summary = "知识库文档详情（索引状态）", .resource = &KB_DOCS, HTTP_OUT(DOC_OUT)},
    {.method = "POST", .pattern = "/api/v1/kb/{id}/documents/{doc_id}/reindex", .handler = reindex_doc,
     .perm = "kb.write", .summary = "重新索引知识库文档", .audit = "kb.document_reindex", .resource = &KB_DOCS,
     HTTP_OUT(DOC_OUT), .notes = "when done or failed (else 409): parsed and chunked again by the base's current "
                                 "rule; chunks added or edited by hand are kept"},
    {.method = "DELETE", .pattern = "/api/v1/kb/{id}/documents/{doc_id}", .handler = delete_doc,
     .perm = "kb.write", .summary = "删除知识库文档", .audit = "kb.document_delete", .resource = &KB_DOCS,
     .status = 204, .notes = "soft, with its chunks; they leave the search index at once"},
};
// clang-format on

int kb_doc_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
