/* review.c — the review module (审核流程): permissions of the reviewing
 * levels, labels, the reviewers' to-do count, and the engine's routes. The
 * kinds themselves are registered by the modules that own the items. */
#include "http/valid.h"
#include "modules/review/internal.h"
#include <string.h>

static const auth_perm_t PERMS[] = {
    {"review.read", "查看审核事项与审核记录", AUTH_DUTY_BUSINESS},
    {"review.street", "街镇级审核", AUTH_DUTY_BUSINESS},
    {"review.district", "区级审核", AUTH_DUTY_BUSINESS},
    {"review.city", "市级审核", AUTH_DUTY_BUSINESS},
    {"review.stats", "查看审核统计", AUTH_DUTY_BUSINESS},
    {"review.admin", "配置审核链", AUTH_DUTY_SYSTEM},
};
static const auth_perm_group_t PERM_GROUPS[] = {{"review", "审核流程", PERMS, 6}, {NULL}};

static const zd_label_t STATUS[] = {{"draft", "草稿", "info"},
                                    {"in_review", "审核中", "primary"},
                                    {"returned", "退回修改", "warning"},
                                    {"approved", "已通过", "success"},
                                    {"rejected", "已驳回", "danger"},
                                    {"withdrawn", "已撤回", "info"},
                                    {NULL}};
static const zd_label_t ACTION[] = {{"submit", "提交", "primary"},
                                    {"withdraw", "撤回", "info"},
                                    {"approve", "通过", "success"},
                                    {"return", "退回修改", "warning"},
                                    {"reject", "驳回", "danger"},
                                    {"override", "豁免校对拦截", "warning"},
                                    {NULL}};
static const zd_label_t REVISION[] = {{"editing", "修订中", "warning"},
                                      {"in_review", "修订审核中", "primary"},
                                      {"returned", "修订退回", "danger"},
                                      {"rejected", "修订未通过", "danger"},
                                      {NULL}};
static const zd_label_t ORG_LEVEL[] = {
    {"street", "街镇", "info"}, {"district", "区", "primary"}, {"city", "市", "success"}, {NULL}};
static const zd_label_t AUDIT[] = {{"review.approve", "审核通过", NULL},
                                   {"review.return", "审核退回修改", NULL},
                                   {"review.reject", "审核驳回", NULL},
                                   {"review.blocked", "提交被校对拦截", NULL},
                                   {NULL}};
/* filled in start() from the registered kinds */
static zd_label_t KIND_LABELS[33];
static const zd_dict_t DICTS[] = {{"review_status", "审核状态", STATUS},
                                  {"review_action", "审核操作", ACTION},
                                  {"review_org_level", "审核层级", ORG_LEVEL},
                                  {"review_kind", "审核类型", KIND_LABELS},
                                  {"audit_action", "审计操作", AUDIT},
                                  {"review_revision_status", "修订状态", REVISION},
                                  {NULL}};

static int todo(http_req_t *req, db_conn_t *c, json_t *items)
{
    bool reviewer = false;
    for (int i = 0; REVIEW_DECIDE_PERMS[i]; i++)
        reviewer = reviewer || auth_has(req, REVIEW_DECIDE_PERMS[i]);
    if (!reviewer || !auth_has(req, "review.read"))
        return 0;
    json_t *q = review_queue_counts(req, c, NULL);
    if (!q)
        return -1;
    int64_t n = jint(q, "total", 0);
    json_decref(q);
    if (n > 0)
        json_array_append_new(items, json_pack("{s:s,s:s,s:I,s:s}", "key", "review.queue", "title",
                                               "待我审核", "count", (json_int_t)n, "link", "/review/queue"));
    return 0;
}

static int init(zd_app_t *app, char *err, size_t errlen)
{
    auth_grant_default("city_reviewer", "review.read");
    auth_grant_default("city_reviewer", "review.city");
    auth_grant_default("city_reviewer", "review.stats");
    auth_grant_default("district_reviewer", "review.read");
    auth_grant_default("district_reviewer", "review.district");
    auth_grant_default("district_reviewer", "review.stats");
    auth_grant_default("worker", "review.read");
    auth_grant_default("worker", "review.stats");
    auth_grant_default("secretary", "review.read");
    /* the system administrator creates the reviewers' and workers' accounts,
     * and nobody hands out a role holding more than they hold */
    static const char *const ADMIN[] = {
        "review.admin", "review.read", "review.stats", "review.street", "review.district",
        "review.city",  NULL};
    for (int i = 0; ADMIN[i]; i++)
        auth_grant_default("sys_admin", ADMIN[i]);
    if (review_items_routes(app, err, errlen) || review_stats_routes(app, err, errlen))
        return -1;
    return 0;
}

static int start(zd_app_t *app, char *err, size_t errlen)
{
    (void)app;
    (void)err;
    (void)errlen;
    int n = 0;
    for (const review_kind_t *k; (k = review_kind_at(n)) && n < 32; n++)
        KIND_LABELS[n] = (zd_label_t){k->kind, k->title, "primary"};
    KIND_LABELS[n] = (zd_label_t){NULL, NULL, NULL};
    return 0;
}

const zd_module_t review_module = {.name = "review",
                                   .title = "审核流程",
                                   .init = init,
                                   .start = start,
                                   .permissions = PERM_GROUPS,
                                   .todo = todo,
                                   .dicts = DICTS};
