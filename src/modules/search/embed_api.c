/* embed_api.c — the openai embedding provider's settings, its 测试连接,
 * the embedding of openai documents after their commit (search_embed_docs,
 * and the job search.embed that search_put queues), docs/search.md § The
 * openai provider. The HTTP calls happen outside every transaction; a
 * failure leaves the documents keyword-searchable and says why on each
 * (embed_state failed, embed_error). */
#include "auth/outside.h"
#include "core/jsonutil.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/search/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EMBED_RUN_MAX 5000 /* documents one run of the job embeds at most */
#define KICK_BUCKET   2000 /* ms: puts within one bucket share one job, run when it closes */

int search_embed_kick(db_conn_t *c)
{
    int64_t bucket = time_now_ms() / KICK_BUCKET;
    char key[64];
    snprintf(key, sizeof key, "search.embed.%lld", (long long)bucket);
    job_spec_t spec = {.kind = "search.embed",
                       .payload = "{}",
                       .idempotency_key = key,
                       .max_attempts = 3,
                       .run_at = (bucket + 1) * KICK_BUCKET};
    return jobs_enqueue(c, &spec) > 0 ? 0 : -1;
}

/* ---- embedding documents ---- */

typedef struct {
    int64_t id, updated;
    char *text;
} edoc_t;

static void edocs_free(edoc_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(d[i].text);
    free(d);
}

/* appends the rows (id, updated_at, title, body) of st to *d */
static int edocs_read(db_stmt_t *st, edoc_t **d, size_t *n, size_t *cap)
{
    int r;
    while ((r = db_step(st)) == DB_ROW) {
        if (*n == *cap) {
            edoc_t *nd = realloc(*d, (*cap = *cap ? *cap * 2 : 64) * sizeof **d);
            if (!nd)
                return -1;
            *d = nd;
        }
        sbuf_t t;
        sbuf_init(&t);
        sbuf_printf(&t, "%s\n%s", db_col_text(st, 2) ? db_col_text(st, 2) : "",
                    db_col_text(st, 3) ? db_col_text(st, 3) : "");
        (*d)[*n] = (edoc_t){db_col_int64(st, 0), db_col_int64(st, 1), t.data ? t.data : strdup("")};
        (*n)++;
    }
    return r == DB_DONE ? 0 : -1;
}

static int mark_failed(db_t *db, const edoc_t *d, size_t n, const char *why)
{
    db_conn_t *c = db_acquire(db);
    if (!c || db_begin(c) != 0) {
        db_release(c);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        db_stmt_t *st = db_prepare(c, "UPDATE search_docs SET embed_state = 'failed', embed_error = ? WHERE "
                                      "id = ? AND embedding = 'openai'");
        if (!st) {
            rc = -1;
            break;
        }
        db_bind_text(st, 1, why);
        db_bind_int64(st, 2, d[i].id);
        rc = db_step(st) == DB_DONE ? 0 : -1;
        db_done(st);
    }
    if (rc == 0 && db_commit(c) == 0) {
        db_release(c);
        return 0;
    }
    db_rollback(c);
    db_release(c);
    return -1;
}

/* stores the vectors of a batch; a document written again meanwhile (its
 * updated_at moved) is left pending for the next run */
static int store_batch(db_t *db, int64_t model, int dim, const edoc_t *d, size_t n, const float *v,
                       int64_t *embedded)
{
    db_conn_t *c = db_acquire(db);
    if (!c || db_begin(c) != 0) {
        db_release(c);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        db_stmt_t *st = db_prepare(c, "UPDATE search_docs SET embed_state = 'done', embed_error = NULL WHERE "
                                      "id = ? AND updated_at = ? AND embedding = 'openai' RETURNING id");
        if (!st) {
            rc = -1;
            break;
        }
        db_bind_int64(st, 1, d[i].id);
        db_bind_int64(st, 2, d[i].updated);
        int r = db_step(st);
        db_done(st);
        if (r == DB_ROW) {
            rc = search_vec_store(c, d[i].id, model, v + i * (size_t)dim, dim);
            (*embedded)++;
        } else if (r != DB_DONE) {
            rc = -1;
        }
    }
    if (rc == 0 && db_commit(c) == 0) {
        db_release(c);
        return 0;
    }
    db_rollback(c);
    db_release(c);
    return -1;
}

/* embeds d[0..n) batch by batch; stops at the first failed batch, which
 * (with every batch after it) is marked failed with the reason */
static int embed_list(db_t *db, const edoc_t *d, size_t n, int64_t *embedded, char *err, size_t errlen)
{
    *embedded = 0;
    if (!n)
        return 0;
    db_conn_t *c = db_acquire(db);
    if (!c) {
        snprintf(err, errlen, "数据库不可用");
        return -1;
    }
    search_oai_t o;
    int64_t model = -1;
    if (search_oai_load(c, &o) == 0 && db_begin(c) == 0) {
        model = search_oai_model(c, true);
        if (model <= 0 || db_commit(c) != 0) {
            db_rollback(c);
            model = -1;
        }
    }
    db_release(c);
    if (model <= 0) {
        search_oai_free(&o);
        snprintf(err, errlen, "数据库错误：无法读取向量服务设置");
        return -1;
    }
    size_t bs = o.batch > 0 ? (size_t)o.batch : 16;
    float *v = malloc(bs * (size_t)(o.dim > 0 ? o.dim : 1) * sizeof *v);
    const char **texts = malloc(bs * sizeof *texts);
    int rc = v && texts ? 0 : -1;
    if (rc)
        snprintf(err, errlen, "内存不足");
    for (size_t at = 0; rc == 0 && at < n; at += bs) {
        size_t k = n - at < bs ? n - at : bs;
        for (size_t i = 0; i < k; i++)
            texts[i] = d[at + i].text;
        if (search_oai_embed(&o, texts, k, v, -1, err, errlen) != 0) {
            mark_failed(db, d + at, n - at, err);
            rc = -1;
        } else if (store_batch(db, model, o.dim, d + at, k, v, embedded) != 0) {
            snprintf(err, errlen, "数据库错误：无法保存向量");
            rc = -1;
        }
    }
    free(v);
    free(texts);
    search_oai_free(&o);
    return rc;
}

int search_embed_docs(db_t *db, const char *kind, const int64_t *ref_ids, size_t n, int64_t *embedded,
                      char *err, size_t errlen)
{
    *embedded = 0;
    db_conn_t *c = db_acquire(db);
    if (!c) {
        snprintf(err, errlen, "数据库不可用");
        return -1;
    }
    edoc_t *d = NULL;
    size_t nd = 0, cap = 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        db_stmt_t *st =
            db_prepare(c, "SELECT id, updated_at, title, body FROM search_docs WHERE kind = ? AND "
                          "ref_id = ? AND embedding = 'openai' AND embed_state <> 'done'");
        if (!st) {
            rc = -1;
            break;
        }
        db_bind_text(st, 1, kind);
        db_bind_int64(st, 2, ref_ids[i]);
        rc = edocs_read(st, &d, &nd, &cap);
        db_done(st);
    }
    db_release(c);
    if (rc != 0) {
        edocs_free(d, nd);
        snprintf(err, errlen, "数据库错误：无法读取待向量化的文档");
        return -1;
    }
    rc = embed_list(db, d, nd, embedded, err, errlen);
    edocs_free(d, nd);
    return rc;
}

int search_job_embed(job_ctx_t *ctx)
{
    db_conn_t *c = db_acquire(job_db(ctx));
    if (!c)
        return JOB_RETRY;
    edoc_t *d = NULL;
    size_t nd = 0, cap = 0;
    db_stmt_t *st = db_prepare(c, "SELECT id, updated_at, title, body FROM search_docs WHERE embedding = "
                                  "'openai' AND embed_state IN ('pending', 'failed') ORDER BY id LIMIT ?");
    int rc = -1;
    if (st) {
        db_bind_int64(st, 1, EMBED_RUN_MAX);
        rc = edocs_read(st, &d, &nd, &cap);
    }
    db_done(st);
    db_release(c);
    if (rc != 0) {
        edocs_free(d, nd);
        job_error(ctx, "数据库错误：无法读取待向量化的文档");
        return JOB_RETRY;
    }
    char err[512] = "";
    int64_t done = 0;
    job_progress(ctx, 0, (int64_t)nd, "向量化");
    rc = embed_list(job_db(ctx), d, nd, &done, err, sizeof err);
    edocs_free(d, nd);
    job_items(ctx, done);
    if (rc != 0) {
        job_error(ctx, "向量化失败：%s（已向量化 %lld 篇；关键词检索不受影响）", err, (long long)done);
        return JOB_RETRY;
    }
    job_result(ctx, json_pack("{s:I,s:I}", "documents", (json_int_t)nd, "embedded", (json_int_t)done));
    return JOB_OK;
}

/* ---- settings ---- */

static const char *const PROVIDERS[] = {"local", "openai", "none", NULL};

static const char *check_rate(json_t *v)
{
    double r = json_number_value(v);
    return r >= 0.1 && r <= 1000 ? NULL : "应在 0.1 到 1000 之间（每秒请求数）";
}

static json_t *settings_json(db_conn_t *c)
{
    db_stmt_t *st = db_prepare(
        c, "SELECT url, key_sealed IS NOT NULL, model, dim, batch_size, timeout_ms, retries, rate_limit, "
           "index_provider, updated_at, (SELECT COUNT(*) FROM search_docs WHERE embedding = 'openai' AND "
           "embed_state = 'pending'), (SELECT COUNT(*) FROM search_docs WHERE embedding = 'openai' AND "
           "embed_state = 'done'), (SELECT COUNT(*) FROM search_docs WHERE embedding = 'openai' AND "
           "embed_state = 'failed'), (SELECT MAX(embed_error) FROM search_docs WHERE embedding = 'openai' "
           "AND embed_state = 'failed') FROM search_embed_settings WHERE id = 1");
    if (!st)
        return NULL;
    json_t *o = NULL;
    if (db_step(st) == DB_ROW)
        o = json_pack("{s:o,s:b,s:o,s:I,s:I,s:I,s:I,s:f,s:o,s:o,s:{s:I,s:I,s:I},s:o}", "url",
                      json_col_text(st, 0), "has_key", db_col_int64(st, 1) != 0, "model",
                      json_col_text(st, 2), "dim", (json_int_t)db_col_int64(st, 3), "batch_size",
                      (json_int_t)db_col_int64(st, 4), "timeout_ms", (json_int_t)db_col_int64(st, 5),
                      "retries", (json_int_t)db_col_int64(st, 6), "rate_limit", db_col_double(st, 7),
                      "index_provider", json_col_text(st, 8), "updated_at", json_time(db_col_int64(st, 9)),
                      "documents", "pending", (json_int_t)db_col_int64(st, 10), "done",
                      (json_int_t)db_col_int64(st, 11), "failed", (json_int_t)db_col_int64(st, 12),
                      "last_error", json_col_text(st, 13));
    db_done(st);
    return o;
}

static void get_embedding(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    json_t *o = settings_json(c);
    json_t *ix = o ? search_vec_oai_index(c) : NULL;
    int64_t model = o && ix ? search_oai_model(c, false) : -1;
    if (!o || !ix || model < 0) {
        json_decref(o);
        json_decref(ix);
        http_db_error(req, c);
        return;
    }
    json_object_set_new(o, "index", ix);
    json_object_set_new(o, "model_id", model ? json_integer(model) : json_null());
    http_json(req, 200, o);
}

static void put_embedding(http_req_t *req)
{
    json_t *b = http_json_body(req);
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    json_t *before = http_defer_json(req, settings_json(c));
    int64_t old_model = search_oai_model(c, false);
    if (!before || old_model < 0) {
        http_db_error(req, c);
        return;
    }
    const char *url = jstr(b, "url") ? jstr(b, "url") : "";
    if (!strcmp(jstr(b, "index_provider"), "openai") && !*url) {
        http_error_fields(req, json_pack("{s:s}", "url", "检索索引使用 openai 向量服务时须填写服务地址"));
        return;
    }
    char *sealed;
    if (!outside_seal(req, b, "key", &sealed))
        return;
    db_stmt_t *st = db_prepare(
        c,
        "UPDATE search_embed_settings SET url = ?, key_sealed = CASE WHEN ? THEN NULL ELSE COALESCE(?, "
        "key_sealed) END, model = ?, dim = ?, batch_size = ?, timeout_ms = ?, retries = ?, rate_limit = ?, "
        "index_provider = ?, updated_by = ?, updated_at = ? WHERE id = 1");
    int rc = DB_ERROR;
    if (st) {
        db_bind_text(st, 1, url);
        db_bind_int64(st, 2, json_is_true(json_object_get(b, "clear_key")));
        db_bind_text(st, 3, sealed);
        db_bind_text(st, 4, jstr(b, "model"));
        db_bind_int64(st, 5, jint(b, "dim", 1536));
        db_bind_int64(st, 6, jint(b, "batch_size", 32));
        db_bind_int64(st, 7, jint(b, "timeout_ms", 20000));
        db_bind_int64(st, 8, jint(b, "retries", 3));
        db_bind_double(st, 9, json_number_value(json_object_get(b, "rate_limit")));
        db_bind_text(st, 10, jstr(b, "index_provider"));
        db_bind_id(st, 11, http_user_id(req));
        db_bind_int64(st, 12, time_now_ms());
        rc = db_step(st);
    }
    db_done(st);
    free(sealed);
    if (rc != DB_DONE) {
        http_db_error(req, c);
        return;
    }
    /* a new endpoint, model or dimension: every openai document again */
    int64_t model = search_oai_model(c, true);
    if (model < 0) {
        http_db_error(req, c);
        return;
    }
    if (model != old_model &&
        (db_exec(c, "UPDATE search_docs SET embed_state = 'pending', embed_error = NULL WHERE embedding = "
                    "'openai'") != 0 ||
         search_embed_kick(c) != 0)) {
        http_db_error(req, c);
        return;
    }
    json_t *after = settings_json(c);
    outside_mark_changed(after, b, "key");
    audit_entry_t ae = {.target_type = "search_embedding", .target = 1, .before = before, .after = after};
    audit_reply(req, c, after != NULL, &ae, 200, after);
}

static void test_embedding(http_req_t *req)
{
    json_t *b = http_json_body(req);
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    search_oai_t o;
    if (search_oai_load(c, &o) != 0) {
        http_db_error(req, c);
        return;
    }
    /* the form's values before saving them; the saved key unless a new one is given */
    outside_form(o.url, sizeof o.url, b, "url");
    outside_form(o.model, sizeof o.model, b, "model");
    char *key = outside_form_secret(b, "key");
    if (key) {
        search_oai_free(&o); /* the saved key, wiped */
        o.key = key;
    }
    o.dim = (int)jint(b, "dim", o.dim);
    o.timeout_ms = (int)jint(b, "timeout_ms", o.timeout_ms);
    o.rate = 0;
    float *v = malloc((size_t)(o.dim > 0 ? o.dim : 1) * sizeof *v);
    char err[512] = "";
    int64_t t0 = time_mono_ns();
    const char *text = "测试连接：学习贯彻党的二十大精神";
    int rc = v ? search_oai_embed(&o, &text, 1, v, 0, err, sizeof err) : -1;
    int64_t ms = (time_mono_ns() - t0) / 1000000;
    json_t *out = json_pack("{s:b,s:s,s:s,s:I,s:I}", "ok", rc == 0, "url", o.url, "model", o.model, "dim",
                            (json_int_t)o.dim, "took_ms", (json_int_t)ms);
    if (rc != 0)
        json_object_set_new(out, "error", json_string(*err ? err : "内存不足"));
    const char *detail =
        http_printf(req, "%s（%s）：%s", o.url, o.model, rc == 0 ? "连接成功" : (*err ? err : "内存不足"));
    free(v);
    search_oai_free(&o);
    outside_test_reply(req, c, "search_embedding", rc == 0, detail, out);
}

static const vfield_t EMB_BODY[] = {
    {"url", V_STR, false, 0, 500, .check = valid_http_url,
     .title = "OpenAI 兼容服务地址（调用 {url}/v1/embeddings）"},
    {"key", V_STR, false, 0, 400, .title = "API 密钥（留空则不修改；加密保存，从不回显）"},
    {"clear_key", V_BOOL, .title = "清除已保存的密钥"},
    {"model", V_STR, true, 1, 120, .title = "模型名"},
    {"dim", V_INT, true, 1, 4096, .title = "向量维数（须与服务返回的一致）"},
    {"batch_size", V_INT, true, 1, 256, .title = "每次请求的文本数"},
    {"timeout_ms", V_INT, true, 100, 120000, .title = "每次请求的超时（毫秒）"},
    {"retries", V_INT, true, 0, 10, .title = "失败重试次数（超时、429、5xx；指数退避，遵从 Retry-After）"},
    {"rate_limit", V_NUM, true, .check = check_rate, .title = "速率上限（每秒请求数）"},
    {"index_provider", V_ENUM, true, .choices = PROVIDERS,
     .title = "检索索引的向量模型：local 本地、openai、none 不向量化（知识库各自设置）"},
};
static const vfield_t EMB_OUT[] = {
    {"url", V_STR, .title = "服务地址"},
    {"has_key", V_BOOL, .title = "已设置密钥（密钥从不返回）"},
    {"model", V_STR, .title = "模型名"},
    {"dim", V_INT, .title = "向量维数"},
    {"batch_size", V_INT, .title = "每次请求的文本数"},
    {"timeout_ms", V_INT, .title = "超时（毫秒）"},
    {"retries", V_INT, .title = "重试次数"},
    {"rate_limit", V_NUM, .title = "速率上限（每秒请求数）"},
    {"index_provider", V_ENUM, .choices = PROVIDERS, .title = "检索索引的向量模型"},
    {"updated_at", V_TIME, .title = "修改时间"},
    {"documents", V_OBJECT, .title = "openai 向量化的文档 {pending 待处理, done 完成, failed 失败}"},
    {"last_error", V_STR, .title = "失败原因（最近）"},
    {"model_id", V_ID, .title = "当前设置对应的向量模型编号（null：尚未产生向量）"},
    {"index", V_OBJECT,
     .title = "本节点 openai 内存索引 {type: flat|hnsw, size, model_id, log_seq, loaded_at, hnsw_threshold, "
              "building, hnsw{…}}"},
};
static const vfield_t TEST_BODY[] = {
    {"url", V_STR, false, 0, 500, .check = valid_http_url, .title = "服务地址（默认：已保存的）"},
    {"key", V_STR, false, 0, 400, .title = "API 密钥（默认：已保存的）"},
    {"model", V_STR, false, 0, 120, .title = "模型名（默认：已保存的）"},
    {"dim", V_INT, false, 1, 4096, .title = "向量维数（默认：已保存的）"},
    {"timeout_ms", V_INT, false, 100, 120000, .title = "超时（毫秒）"},
};
static const vfield_t TEST_OUT[] = {
    {"ok", V_BOOL, .title = "连接成功"},         {"url", V_STR, .title = "服务地址"},
    {"model", V_STR, .title = "模型名"},         {"dim", V_INT, .title = "向量维数"},
    {"took_ms", V_INT, .title = "用时（毫秒）"}, {"error", V_STR, .title = "失败原因"},
};

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/search/embedding", .handler = get_embedding, .perm = "search.manage",
     .summary = "openai 向量服务设置", HTTP_OUT(EMB_OUT), .notes = "the key is never answered (has_key)"},
    {.method = "PUT", .pattern = "/api/v1/search/embedding", .handler = put_embedding, .perm = "search.manage",
     .summary = "修改 openai 向量服务设置", .audit = "search.embedding", HTTP_BODY(EMB_BODY), HTTP_OUT(EMB_OUT),
     .example = "{\"url\":\"https://map.example.gov.cn\",\"model\":\"bge-m3\",\"dim\":1024,\"batch_size\":32,"
                "\"timeout_ms\":20000,\"retries\":3,\"rate_limit\":5,\"index_provider\":\"local\"}",
     .notes = "key: empty or absent keeps the sealed one (crypto_seal under the master key); a new url, model or "
              "dim makes a new model: every openai document is embedded again by the job search.embed. "
              "index_provider applies to documents written from now on (zhendi search rebuild: to all)"},
    {.method = "POST", .pattern = "/api/v1/search/embedding/test", .handler = test_embedding,
     .perm = "search.manage", .audit = "search.embedding_test", .summary = "测试 openai 向量服务连接", HTTP_BODY(TEST_BODY), HTTP_OUT(TEST_OUT),
     .notes = "embeds one sentence with the given (else the saved) settings, no retry; stores nothing: "
              "200 with ok and the reason when it failed"},
};
// clang-format on

int search_embed_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
