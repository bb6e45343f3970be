/* search.c — the search module: its permission, the labels of the indexed
 * kinds, the CLI `zhendi search rebuild` and start-up (docs/search.md). */
#include "core/str.h"
#include "core/timeutil.h"
#include "modules/search/internal.h"
#include "text/normalize.h"
#include <stdio.h>
#include <string.h>

static const auth_perm_t PERMS[] = {
    {"search.read", "全文检索（结果仅含本人有权查看的各类内容）", AUTH_DUTY_BUSINESS},
    {"search.manage", "管理检索（向量模型训练、openai 向量服务设置与索引状态）", AUTH_DUTY_SYSTEM},
};
static const auth_perm_group_t PERM_GROUPS[] = {{"search", "检索", PERMS, 2}, {NULL}};

int64_t search_vector_dim, search_vector_terms, search_vector_sample, search_hnsw_threshold, search_hnsw_ef,
    search_hnsw_threads;
static const config_opt_t SETTINGS[] = {
    CONFIG_INT(search_vector_dim, &search_vector_dim, 256, 16, 512,
               "本地向量模型的维数（TF-IDF 经截断 SVD 降维）"),
    CONFIG_INT(search_vector_terms, &search_vector_terms, 20000, 100, 50000,
               "本地向量模型的词表大小（取最常见的检索词）"),
    CONFIG_INT(search_vector_sample, &search_vector_sample, 100000, 1000, 100000000,
               "训练本地向量模型时最多抽取的文档数（文档更多时按编号均匀抽样；全部文档仍各有向量）"),
    CONFIG_INT(search_hnsw_threshold, &search_hnsw_threshold, 50000, 0, 100000000,
               "向量数达到此值时在精确扫描之外建立 HNSW 近似索引（后台构建并保存到数据目录；0 表示不建）"),
    CONFIG_INT(search_hnsw_ef, &search_hnsw_ef, 400, 10, 2000,
               "HNSW 检索时的候选数 ef_search（越大越准、越慢）"),
    CONFIG_INT(search_hnsw_threads, &search_hnsw_threads, 0, 0, 64,
               "后台构建 HNSW 图的线程数（0 表示取 CPU 核数与 4 中的较小者）"),
    {NULL},
};

static const zd_label_t MODES[] = {{"keyword", "关键词检索", "primary"},
                                   {"vector", "向量检索", "info"},
                                   {"hybrid", "混合检索", "success"},
                                   {NULL}};
static const zd_label_t SORTS[] = {{"relevance", "按相关度", "primary"}, {"time", "按时间", "info"}, {NULL}};
static const zd_label_t FUSIONS[] = {{"weighted", "加权融合"}, {"rrf", "倒数排名融合（RRF）"}, {NULL}};
static const zd_label_t PROVIDERS[] = {{"local", "本地模型（TF-IDF + SVD）", "primary"},
                                       {"openai", "openai 兼容向量服务", "success"},
                                       {"none", "不向量化（仅关键词检索）", "info"},
                                       {NULL}};
static const zd_label_t LOG_EVENT[] = {{"search.hnsw_built", "向量图已建成", "info"},
                                       {"search.hnsw_loaded", "向量图已载入", "info"},
                                       {"search.hnsw_refused", "向量图无效，重新构建", "warning"},
                                       {"search.hnsw_save", "向量图保存失败", "warning"},
                                       {"search.vocab_loaded", "近似匹配词表已载入", "info"},
                                       {"search.hnsw_nice", "向量图构建线程降级失败", "warning"},
                                       {"search.vocab_failed", "近似匹配词表载入失败", "warning"},
                                       {NULL}};
static const zd_dict_t DICTS[] = {
    {"search_mode", "检索方式", MODES},          {"log_event", "日志事件", LOG_EVENT},
    {"search_embedding", "向量模型", PROVIDERS}, {"search_order", "检索排序", SORTS},
    {"search_fusion", "融合方式", FUSIONS},      {NULL}};

/* the kinds registered by the modules: search_kind */
static int live_dicts(db_conn_t *c, json_t *dicts)
{
    (void)c;
    json_t *items = modules_dict_items(dicts, "search_kind", "检索内容类型");
    size_t n;
    const search_kind_t *const *k = search_kinds(&n);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, json_pack("{s:s,s:s,s:s}", "value", k[i]->kind, "label",
                                               k[i]->title ? k[i]->title : k[i]->kind, "tag", "primary"));
    return 0;
}

static int init(zd_app_t *app, char *err, size_t errlen)
{
    if (norm_init(err, errlen) != 0)
        return -1;
    search_vec_init(app->cfg->data);
    static const char *const ROLES[] = {"worker",        "secretary", "sys_admin", "district_reviewer",
                                        "city_reviewer", "member",    "lecturer",  NULL};
    for (const char *const *r = ROLES; *r; r++)
        auth_grant_default(*r, "search.read");
    auth_grant_default("sys_admin", "search.manage");
    jobs_register("search.vector_fit", "训练本地向量模型（TF-IDF + SVD）", search_job_vector_fit);
    if (jobs_define_schedule(app->db, "search.vector_fit", "每小时检查并重新训练向量模型", "20 * * * *",
                             "search.vector_fit", NULL) != 0) {
        snprintf(err, errlen, "search: cannot define the schedule search.vector_fit");
        return -1;
    }
    jobs_register("search.embed", "openai 向量化（检索文档）", search_job_embed);
    if (jobs_define_schedule(app->db, "search.embed", "每 10 分钟补做未完成的 openai 向量化", "*/10 * * * *",
                             "search.embed", NULL) != 0) {
        snprintf(err, errlen, "search: cannot define the schedule search.embed");
        return -1;
    }
    return search_query_routes(app, err, errlen) || search_vector_routes(app, err, errlen) ||
                   search_embed_routes(app, err, errlen)
               ? -1
               : 0;
}

/* the server (not a command): the near misses' vocabulary loads in the
 * background from the start, not at the first short query */
static int start(zd_app_t *app, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    if (app->http)
        search_fuzzy_start(app->db);
    return 0;
}

static void shutdown_all(void)
{
    search_fuzzy_shutdown();
    search_vec_shutdown();
}

/* ---- zhendi search rebuild ---- */

static bool cli_progress(void *ud, int64_t done, int64_t total)
{
    const char *kind = ud;
    (void)kind;
    fprintf(stderr, "\r重建索引 %lld / %lld", (long long)done, (long long)total);
    return true;
}

int search_cli_run(const config_t *cfg, int argc, char **argv)
{
    bool json = false;
    const char *what = NULL, *kind = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!what)
            what = argv[i];
        else if (!kind)
            kind = argv[i];
    }
    if (!what || strcmp(what, "rebuild") != 0) {
        fprintf(stderr, "usage: zhendi search rebuild [KIND] [--json]\n");
        return 2;
    }
    zd_app_t app;
    char err[512];
    if (modules_open_app(cfg, &app, err, sizeof err) != 0) {
        fprintf(stderr, "search rebuild: %s\n", err);
        return 1;
    }
    int64_t t0 = time_mono_ns(), count = 0;
    int rc = search_rebuild(app.db, kind, json ? NULL : cli_progress, NULL, &count, err, sizeof err);
    modules_close_app(&app);
    if (rc != 0) {
        fprintf(stderr, "\nsearch rebuild: %s\n", err);
        return 1;
    }
    int64_t ms = (time_mono_ns() - t0) / 1000000;
    if (json) {
        printf("{\"documents\":%lld,\"elapsed_ms\":%lld}\n", (long long)count, (long long)ms);
    } else {
        fprintf(stderr, "\n");
        printf("重建检索索引：%lld 篇文档，用时 %lld ms\n", (long long)count, (long long)ms);
    }
    return 0;
}

static const zd_command_t COMMANDS[] = {
    {"search", "search rebuild [KIND] [--json]   rebuild the search index from the modules' tables",
     search_cli_run},
    {NULL, NULL, NULL},
};

const zd_module_t search_module = {.name = "search",
                                   .title = "检索",
                                   .init = init,
                                   .start = start,
                                   .shutdown = shutdown_all,
                                   .commands = COMMANDS,
                                   .permissions = PERM_GROUPS,
                                   .settings = SETTINGS,
                                   .dicts = DICTS,
                                   .live_dicts = live_dicts};
