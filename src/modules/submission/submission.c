/* submission.c — the submissions module (基层投稿): permissions, labels,
 * the review kinds it registers (article, photo, video), its jobs, and
 * the submitter's to-do items. */
#include "http/valid.h"
#include "modules/submission/internal.h"
#include <string.h>

const config_t *sub_cfg;

static const auth_perm_t PERMS[] = {
    {"submission.read", "查看投稿", AUTH_DUTY_BUSINESS},
    {"submission.write", "投稿（文章、照片、视频）", AUTH_DUTY_BUSINESS},
    {"submission.download", "下载投稿原图与原视频", AUTH_DUTY_BUSINESS},
};
static const auth_perm_group_t PERM_GROUPS[] = {{"submission", "基层投稿", PERMS, 3}, {NULL}};

const char *const ARTICLE_CATEGORIES[] = {"news", "experience", "theory", "story", "notice", NULL};
const char *const PHOTO_ACTIVITY_TYPES[] = {"theme_day", "study", "volunteer", "service",
                                            "culture",   "other", NULL};

static const zd_label_t CATEGORY[] = {
    {"news", "工作动态", "primary"}, {"experience", "经验交流", "success"}, {"theory", "理论学习", "warning"},
    {"story", "先锋故事", "danger"}, {"notice", "通知公告", "info"},        {NULL}};
static const zd_label_t ACTIVITY[] = {{"theme_day", "主题党日", "danger"},
                                      {"study", "学习教育", "primary"},
                                      {"volunteer", "志愿服务", "success"},
                                      {"service", "为民服务", "warning"},
                                      {"culture", "文化活动", "info"},
                                      {"other", "其他", "info"},
                                      {NULL}};
static const zd_label_t AUTHOR_TYPE[] = {{"org", "组织", "primary"}, {"person", "个人", "info"}, {NULL}};
static const zd_label_t CHECK_STATUS[] = {{"pending", "等待校对", "info"},
                                          {"running", "校对中", "primary"},
                                          {"done", "已校对", "success"},
                                          {"failed", "校对失败", "danger"},
                                          {NULL}};
static const zd_label_t SOURCE[] = {{"title", "标题", NULL},       {"body", "正文", NULL},
                                    {"image", "图片文字", NULL},   {"video", "视频画面", NULL},
                                    {"description", "简介", NULL}, {NULL}};
static const zd_dict_t DICTS[] = {
    {"article_category", "文章栏目", CATEGORY}, {"photo_activity_type", "活动类型", ACTIVITY},
    {"author_type", "作者类型", AUTHOR_TYPE},   {"video_check_status", "视频校对状态", CHECK_STATUS},
    {"finding_source", "校对位置", SOURCE},     {NULL}};

/* the submitter's returned submissions */
static int todo(http_req_t *req, db_conn_t *c, json_t *items)
{
    if (!auth_has(req, "submission.write"))
        return 0;
    static const char *const T[] = {"articles", "photo_sets", "videos"};
    int64_t n = 0;
    for (int i = 0; i < 3; i++) {
        char sql[160];
        snprintf(
            sql, sizeof sql,
            "SELECT COUNT(*) FROM %s WHERE created_by = ? AND status = 'returned' AND deleted_at IS NULL",
            T[i]);
        db_stmt_t *st = db_prepare(c, sql);
        if (!st)
            return -1;
        db_bind_int64(st, 1, http_user_id(req));
        int rc = db_step(st);
        if (rc == DB_ROW)
            n += db_col_int64(st, 0);
        db_done(st);
        if (rc != DB_ROW)
            return -1;
    }
    if (n > 0)
        json_array_append_new(items, json_pack("{s:s,s:s,s:I,s:s}", "key", "submission.returned", "title",
                                               "被退回待修改的投稿", "count", (json_int_t)n, "link",
                                               "/review/items?mine=true&status=returned"));
    return 0;
}

static int init(zd_app_t *app, char *err, size_t errlen)
{
    sub_cfg = app->cfg;
    /* the system administrator holds what it may hand out to roles */
    static const char *const WRITERS[] = {"worker", "secretary", "sys_admin", NULL};
    static const char *const READERS[] = {"worker",        "secretary", "district_reviewer",
                                          "city_reviewer", "sys_admin", NULL};
    for (int i = 0; WRITERS[i]; i++)
        auth_grant_default(WRITERS[i], "submission.write");
    for (int i = 0; READERS[i]; i++) {
        auth_grant_default(READERS[i], "submission.read");
        auth_grant_default(READERS[i], "submission.download");
    }
    if (review_register(&SUB_ARTICLE) || review_register(&SUB_PHOTO) || review_register(&SUB_VIDEO)) {
        snprintf(err, errlen, "submission: review kinds registered twice");
        return -1;
    }
    jobs_register("submission.ocr", "投稿图片文字识别与校对", sub_ocr_job);
    jobs_register("submission.video_check", "投稿视频画面文字校对", sub_video_check_job);
    if (sub_articles_routes(app, err, errlen) || sub_photos_routes(app, err, errlen) ||
        sub_videos_routes(app, err, errlen) || sub_files_routes(app, err, errlen))
        return -1;
    return 0;
}

const zd_module_t submission_module = {.name = "submission",
                                       .title = "基层投稿",
                                       .init = init,
                                       .permissions = PERM_GROUPS,
                                       .todo = todo,
                                       .dicts = DICTS};
