/* vector_api.c — the vector model's routes and job: GET /api/v1/search/vector
 * (the model and this node's index), POST /api/v1/search/vector/fit (a fit
 * job), and the job search.vector_fit that the hourly schedule also runs
 * (it refits when the corpus changed by 10 % or more, or none was fitted). */
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/search/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUIET_MS (5 * 60 * 1000LL)

static bool job_prog(void *ud, int64_t done, int64_t total)
{
    static const char *const NOTES[] = {"读取样本文档",       "统计词频",   "奇异值分解",
                                        "生成全部文档的向量", "启用新模型", "完成"};
    return job_progress(ud, done, total, NOTES[done >= 0 && done <= 5 ? done : 0]);
}

int search_job_vector_fit(job_ctx_t *ctx)
{
    bool force = json_is_true(json_object_get(job_payload(ctx), "force"));
    db_t *db = job_db(ctx);
    if (!force) { /* the schedule: only when the corpus moved */
        db_conn_t *c = db_acquire(db);
        if (!c)
            return JOB_RETRY;
        int64_t docs = 0, fitted = 0, last_write = 0, model = search_vector_model(c);
        int rc = model < 0 || db_query_int64(c, "SELECT COUNT(*) FROM search_docs", &docs) != 1 ||
                         db_query_int64(c, "SELECT COALESCE(MAX(ndocs), 0) FROM search_vec_models",
                                        &fitted) != 1 ||
                         db_query_int64(c,
                                        "SELECT COALESCE(MAX(created_at), 0) FROM search_vec_log WHERE seq = "
                                        "(SELECT MAX(seq) FROM search_vec_log)",
                                        &last_write) != 1
                     ? -1
                     : 0;
        db_release(c);
        if (rc != 0)
            return JOB_RETRY;
        if (model > 0 && llabs(docs - fitted) * 10 < fitted) {
            job_result(ctx, json_pack("{s:b,s:s}", "skipped", 1, "reason", "文档变化不足 10%，沿用现有模型"));
            return JOB_OK;
        }
        /* not beside a bulk of writes (its documents would be embedded
         * twice, and the fit would take the cores the indexing needs): the
         * next hour's check fits once the index has been quiet for 5
         * minutes — unless the corpus has doubled since, when the old model
         * has become worse than the disturbance */
        if (model > 0 && last_write > time_now_ms() - QUIET_MS && docs < 2 * fitted) {
            job_result(ctx, json_pack("{s:b,s:s}", "skipped", 1, "reason",
                                      "索引仍在写入（5 分钟内有文档变化），推迟到下次检查"));
            return JOB_OK;
        }
    }
    char err[256];
    json_t *result = NULL;
    search_fit_opts_t o = {
        .dim = (int)search_vector_dim, .max_terms = (int)search_vector_terms, .sample = search_vector_sample};
    int rc = search_vec_fit(db, &o, job_prog, ctx, &result, err, sizeof err);
    if (rc == -2) { /* too few documents: nothing to retry */
        job_result(ctx, json_pack("{s:b,s:s}", "skipped", 1, "reason", err));
        return JOB_OK;
    }
    if (rc != 0) {
        job_error(ctx, "向量模型训练失败：%s", err);
        return JOB_RETRY;
    }
    job_items(ctx, json_integer_value(json_object_get(result, "vectors")));
    job_result(ctx, result);
    return JOB_OK;
}

static void get_vector(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    json_t *o = search_vec_status(c);
    if (!o) {
        http_db_error(req, c);
        return;
    }
    json_object_set_new(o, "settings",
                        json_pack("{s:I,s:I}", "dim", (json_int_t)search_vector_dim, "terms",
                                  (json_int_t)search_vector_terms));
    http_json(req, 200, o);
}

static void fit_vector(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    job_spec_t spec = {.kind = "search.vector_fit",
                       .payload = "{\"force\":true}",
                       .max_attempts = 2,
                       .org_id = http_user_org(req),
                       .created_by = http_user_id(req)};
    int64_t job = jobs_enqueue(c, &spec);
    json_t *o = job > 0 ? jobs_get_json(c, job, &(int){0}) : NULL;
    audit_entry_t ae = {.target_type = "job", .target = job, .detail = "重新训练本地向量模型"};
    if (o && audit_commit(req, c, &ae)) {
        jobs_notify();
        http_json(req, 202, json_pack("{s:o}", "job", o));
        return;
    }
    json_decref(o);
    if (!http_responded(req))
        http_db_error(req, c);
}

static const vfield_t VECTOR_OUT[] = {
    {"model_id", V_ID, .title = "当前向量模型（null：尚未训练，仅关键词检索）"},
    {"provider", V_STR, .title = "向量模型提供方（local：本地 TF-IDF + SVD）"},
    {"dim", V_INT, .title = "维数"},
    {"terms", V_INT, .title = "词表大小"},
    {"fitted_docs", V_INT, .title = "训练时的文档数"},
    {"fit_ms", V_INT, .title = "训练用时（毫秒）"},
    {"fitted_at", V_TIME, .title = "训练时间"},
    {"vectors", V_INT, .title = "已有向量的文档数"},
    {"documents", V_INT, .title = "检索文档总数"},
    {"singular_values", V_ARRAY, .title = "奇异值（前 16 个）"},
    {"index", V_OBJECT,
     .title = "本节点内存索引 {type: flat|hnsw, size, model_id, log_seq, loaded_at, hnsw_threshold, "
              "building, hnsw{nodes, live, m, ef_construction, ef_search, source: built|disk}}"},
    {"settings", V_OBJECT, .title = "设置 {dim, terms}"},
};
static const vfield_t FIT_OUT[] = {{"job", V_OBJECT, .title = "训练任务（系统任务页可查看进度）"}};

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/search/vector", .handler = get_vector, .perm = "search.manage",
     .summary = "向量模型与索引状态", HTTP_OUT(VECTOR_OUT),
     .notes = "the newest fitted model of the local provider, how many documents have a vector, and this "
              "node's in-memory index (caught up from the change log before answering)"},
    {.method = "POST", .pattern = "/api/v1/search/vector/fit", .handler = fit_vector, .perm = "search.manage",
     .summary = "重新训练向量模型", .audit = "search.vector_fit", .status = 202, HTTP_OUT(FIT_OUT),
     .notes = "enqueues the job search.vector_fit (TF-IDF + truncated SVD over every indexed document); the "
              "hourly schedule refits on its own when the corpus changed by 10 % or more"},
};
// clang-format on

int search_vector_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
