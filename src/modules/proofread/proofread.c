/* proofread.c — the proofreading module (校真): wires the lexicon storage,
 * the engine, the HTTP routes, the video job and the CLI command together
 * (see proofread.h). */
#include "auth/auth.h"
#include "core/log.h"
#include "modules/proofread/internal.h"
#include "text/normalize.h"
#include "text/segment.h"
#include <stdio.h>

static const auth_perm_t PERMS[] = {{"lexicon.read", "查看校真词库"}, {"lexicon.write", "维护校真词库"}};
static const auth_perm_group_t PERM_GROUPS[] = {{"lexicon", "校真词库", PERMS, 2}, {NULL}};

proofread_settings_t proofread_cfg;

static const config_opt_t SETTINGS[] = {
    CONFIG_STR(proofread_external_url, proofread_cfg.external_url, "", 1,
               "外部校对服务地址（HTTP 上的 JSON）；留空：只用本地引擎"),
    CONFIG_STR(proofread_external_key, proofread_cfg.external_key, "", 2, "外部校对服务的访问密钥（Bearer）"),
    CONFIG_INT(proofread_external_timeout_ms, &proofread_cfg.external_timeout_ms, 3000, 100, 60000,
               "外部校对服务超过此时间（毫秒）未答复即放弃"),
    CONFIG_INT(proofread_image_max_mb, &proofread_cfg.image_max_mb, 10, 1, 200,
               "图片校对接受的最大图片（MB）"),
    CONFIG_INT(proofread_video_max_mb, &proofread_cfg.video_max_mb, 200, 1, 4096,
               "视频校对接受的最大视频（MB，边上传边暂存到 DATA/tmp）"),
    CONFIG_INT(proofread_video_interval_s, &proofread_cfg.video_interval_s, 5, 1, 600,
               "视频校对读取画面的间隔（秒）"),
    CONFIG_INT(proofread_ocr_concurrency, &proofread_cfg.ocr_concurrency, 2, 1, 64,
               "HTTP 请求同时进行的图片识别数"),
    CONFIG_INT(proofread_ocr_timeout_s, &proofread_cfg.ocr_timeout_s, 60, 5, 3600,
               "识别一张图片的最长时间（秒）"),
    CONFIG_INT(proofread_document_max_mb, &proofread_cfg.document_max_mb, 20, 1, 500,
               "文档校对接受的最大文档（.docx、.pdf 等，MB）"),
    CONFIG_INT(proofread_history_keep, &proofread_cfg.history_keep, 100, 1, 10000,
               "每人“校对记录”保留的次数（超出时删除最早的）"),
    CONFIG_INT(proofread_reload_s, &proofread_cfg.reload_s, 5, 1, 3600, "检查其他节点词库变更的间隔（秒）"),
    {NULL},
};

/* the engine's own names and titles (text/proofread.h) */
static const zd_label_t CATEGORY[] = {
    {"sensitive", "敏感词", "danger"}, {"formulation", "规范提法", "primary"}, {"typo", "错别字", "warning"},
    {"custom", "自定义", "info"},      {"whitelist", "白名单", "success"},     {NULL}};
static const zd_label_t SEVERITY[] = {
    {"block", "阻断", "danger"}, {"warn", "警告", "warning"}, {"info", "提示", "info"}, {NULL}};
const zd_label_t PROOFREAD_VERDICTS[] = {
    {"pass", "通过", "success"}, {"warn", "需复核", "warning"}, {"block", "不通过", "danger"}, {NULL}};
/* the built-in lexicons' seeding (the others are their routes' summaries) */
static const zd_label_t ACTIONS[] = {
    {"lexicon.seed", "载入内置词库"}, {"lexicon.seed.update", "更新内置词库"}, {NULL}};
static const zd_label_t FIELD[] = {{"entry_count", "词条数"},
                                   {"lexicon_id", "词库"},
                                   {"effective_severity", "生效的严重程度"},
                                   {"lexicon.builtin", "内置词库"},
                                   {"repeats", "重复字只算一次"},
                                   {"pinyin", "拼音与同音字匹配"},
                                   {NULL}};
/* a lexicon's repeats option: a run of one repeated character counts once */
static const zd_label_t REPEATS[] = {
    {"default", "按类别默认", "info"}, {"on", "开启", "success"}, {"off", "关闭", "info"}, {NULL}};
static const zd_label_t CHECK_KIND[] = {{"text", "文字", "primary"}, {"document", "文档", "success"}, {NULL}};
static const zd_label_t LOG_EVENT[] = {
    {"proofread.lexicons_loaded", "校真词库已载入", "success"},
    {"proofread.reload_failed", "校真词库载入失败", "danger"},
    {"proofread.seeded", "内置词库已更新", "info"},
    {"proofread.seed_invalid", "内置词库词条无效", "warning"},
    {"proofread.external_failed", "外部校对服务失败", "warning"},
    {"proofread.segmenter_missing", "分词词典缺失", "warning"},
    {"proofread.lm_unavailable", "语言模型不可用", "warning"},
    {"proofread.lm_bigram_unavailable", "二元语法模型不可用（改用词频模型）", "warning"},
    {"proofread.pinyin_unavailable", "拼音表不可用", "warning"},
    {"proofread.video_uploaded", "视频校对上传", "info"},
    {NULL}};
static const zd_dict_t DICTS[] = {{"log_event", "日志事件", LOG_EVENT},
                                  {"field", "字段", FIELD},
                                  {"proofread_check_kind", "校对记录类型", CHECK_KIND},
                                  {"proofread_category", "校对类别", CATEGORY},
                                  {"proofread_severity", "严重程度", SEVERITY},
                                  {"proofread_verdict", "校对结论", PROOFREAD_VERDICTS},
                                  {"lexicon_repeats", "重复字只算一次", REPEATS},
                                  {"audit_action", "审计操作", ACTIONS},
                                  {NULL}};

static int proofread_init(zd_app_t *app, char *err, size_t errlen)
{
    /* the content side keeps the lexicons; reviewers consult them */
    auth_grant_default("sys_admin", "lexicon.read");
    auth_grant_default("sys_admin", "lexicon.write");
    auth_grant_default("city_reviewer", "lexicon.read");
    auth_grant_default("city_reviewer", "lexicon.write");
    auth_grant_default("district_reviewer", "lexicon.read");
    if (norm_init(err, errlen) != 0)
        return -1;
    if (proofread_lexicon_seed(app->db, err, errlen) != 0 ||
        proofread_engine_start(app->cfg, app->db, app->http != NULL, err, errlen) != 0)
        return -1;
    if (proofread_lexicon_routes(app, err, errlen) != 0 || proofread_check_routes(app, err, errlen) != 0 ||
        proofread_history_routes(app, err, errlen) != 0 || proofread_video_init(app, err, errlen) != 0)
        return -1;
    /* the segmentation dictionary loads on first use; a missing one is
     * only a warning (typo findings are then not confirmed) */
    char serr[256];
    if (app->http && seg_init(NULL, serr, sizeof serr) != 0)
        log_msg(LOG_SYSTEM, LOG_WARN, "proofread.segmenter_missing", "%s", serr);
    return 0;
}

static void proofread_shutdown(void)
{
    proofread_engine_stop();
    seg_shutdown();
}

static const zd_command_t commands[] = {
    {"proofread",
     "proofread --text FILE|- | --image FILE | --video FILE [--format json|tsv|summary] [--lexicon FILE] ... "
     "  "
     "check and print findings as JSON",
     proofread_cli_run},
    {NULL, NULL, NULL},
};

const zd_module_t proofread_module = {.name = "proofread",
                                      .title = "内容校对（校真）",
                                      .init = proofread_init,
                                      .shutdown = proofread_shutdown,
                                      .commands = commands,
                                      .settings = SETTINGS,
                                      .permissions = PERM_GROUPS,
                                      .dicts = DICTS};
