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
               "external proofreading service (JSON over HTTP); empty: local engine only"),
    CONFIG_STR(proofread_external_key, proofread_cfg.external_key, "", 2,
               "bearer key for the external proofreading service"),
    CONFIG_INT(proofread_external_timeout_ms, &proofread_cfg.external_timeout_ms, 3000, 100, 60000,
               "give up on the external proofreading service after this"),
    CONFIG_INT(proofread_image_max_mb, &proofread_cfg.image_max_mb, 10, 1, 200,
               "largest image accepted for proofreading"),
    CONFIG_INT(proofread_video_max_mb, &proofread_cfg.video_max_mb, 200, 1, 4096,
               "largest video accepted for proofreading (spooled to DATA/tmp as it arrives)"),
    CONFIG_INT(proofread_video_interval_s, &proofread_cfg.video_interval_s, 5, 1, 600,
               "seconds between the video frames that are read"),
    CONFIG_INT(proofread_ocr_concurrency, &proofread_cfg.ocr_concurrency, 2, 1, 64,
               "image recognitions running at once for HTTP requests"),
    CONFIG_INT(proofread_ocr_timeout_s, &proofread_cfg.ocr_timeout_s, 60, 5, 3600,
               "give up on recognising one image after this"),
    CONFIG_INT(proofread_reload_s, &proofread_cfg.reload_s, 5, 1, 3600,
               "check this often for lexicon changes made by other nodes"),
    {NULL},
};

/* the engine's own names and titles (text/proofread.h) */
static const zd_label_t CATEGORY[] = {
    {"sensitive", "敏感词", "danger"}, {"formulation", "规范提法", "primary"}, {"typo", "错别字", "warning"},
    {"custom", "自定义", "info"},      {"whitelist", "白名单", "success"},     {NULL}};
static const zd_label_t SEVERITY[] = {
    {"block", "阻断", "danger"}, {"warn", "警告", "warning"}, {"info", "提示", "info"}, {NULL}};
static const zd_label_t VERDICT[] = {
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
static const zd_dict_t DICTS[] = {{"field", "字段", FIELD},
                                  {"proofread_category", "校对类别", CATEGORY},
                                  {"proofread_severity", "严重程度", SEVERITY},
                                  {"proofread_verdict", "校对结论", VERDICT},
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
        proofread_video_init(app, err, errlen) != 0)
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
