/* course.c — the course module (系列党课矩阵): permissions, settings,
 * labels, the review kind "course" with its publication, and the
 * organisers' to-do count. */
#include "core/str.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/course/internal.h"
#include "modules/progress/progress.h"
#include <stdio.h>
#include <string.h>

static const auth_perm_t PERMS[] = {
    {"course.read", "浏览已发布的党课", AUTH_DUTY_BUSINESS},
    {"course.learn", "学习党课（进度、我的学习）", AUTH_DUTY_BUSINESS},
    {"course.book", "预约党课面授场次、签到", AUTH_DUTY_BUSINESS},
    {"course.manage", "管理党课（发布、修改、二维码、学习统计）", AUTH_DUTY_BUSINESS},
};
static const auth_perm_group_t PERM_GROUPS[] = {{"course", "系列党课", PERMS, 4}, {NULL}};

char course_public_url[512];
static const config_opt_t SETTINGS[] = {
    CONFIG_STR(course_public_url, course_public_url, "", 0,
               "党课二维码中的站点公网地址（https://dj.example.cn）；留空：取自请求"),
    {NULL},
};

const char *const COURSE_SERIES[] = {"archive", "route",    "art",         "scenario",
                                     "case",    "red_node", "micro_video", NULL};
static const zd_label_t SERIES[] = {{"archive", "文献档案党课", "primary"},
                                    {"route", "主题路线党课", "success"},
                                    {"art", "文艺党课", "warning"},
                                    {"scenario", "情景党课", "danger"},
                                    {"case", "案例党课", "info"},
                                    {"red_node", "红色节点党课", "danger"},
                                    {"micro_video", "微视频党课", "primary"},
                                    {NULL}};
static const zd_label_t MEDIA[] = {{"video", "视频", "primary"}, {"audio", "音频", "success"}, {NULL}};
static const zd_label_t TARGETS[] = {{"course", "党课"},
                                     {"course_rating", "课程评价"},
                                     {"course_session", "党课面授场次"},
                                     {"course_booking", "党课面授预约"},
                                     {NULL}};
static const zd_label_t BOOKING[] = {{"pending", "待审核", "warning"},
                                     {"confirmed", "已确认", "success"},
                                     {"waitlisted", "候补中", "primary"},
                                     {"rejected", "未通过", "danger"},
                                     {"cancelled", "已取消", "info"},
                                     {"attended", "已签到", "success"},
                                     {NULL}};
static const zd_label_t KINDS[] = {{"course.booking", "党课面授预约", "success"},
                                   {"course.session_cancelled", "党课面授取消", "warning"},
                                   {"course.session_changed", "党课面授变更", "warning"},
                                   {NULL}};
static const zd_label_t RATING[] = {{"published", "已公开", "success"},
                                    {"held", "待审核", "warning"},
                                    {"rejected", "未通过", "danger"},
                                    {NULL}};
/* the course resource's names of its fields (exports, audit details) */
static const zd_label_t FIELDS[] = {{"course.series", "系列"},
                                    {"course.lecturer_name", "主讲人"},
                                    {"course.lecturer_details", "主讲人简介"},
                                    {"course.introduction", "课程简介"},
                                    {"course.cover_file_id", "封面"},
                                    {"course.cover_url", "-"},
                                    {"course.revision", "-"},
                                    {"course.lessons", "课时"},
                                    {"course.lessons_count", "课时数"},
                                    {"course.duration_ms", "总时长（毫秒）"},
                                    {"course.published_at", "发布时间"},
                                    {"course.first_session_at", "最早面授时间"},
                                    {"course.sessions_count", "面授场次"},
                                    {"course.needs_approval", "预约需审核"},
                                    {"course.waitlist", "可候补"},
                                    {NULL}};
/* the progress write-behind's events (modules/progress, shared with the
 * lecture hall's recordings) */
static const zd_label_t LOG_EVENT[] = {{"progress.flush_failed", "观看进度写入失败", "danger"},
                                       {"progress.dropped", "观看进度被丢弃", "warning"},
                                       {NULL}};
static const zd_dict_t DICTS[] = {{"course_series", "党课系列", SERIES},
                                  {"log_event", "日志事件", LOG_EVENT},
                                  {"course_media", "课时类型", MEDIA},
                                  {"course_rating_status", "评价状态", RATING},
                                  {"course_booking_status", "党课面授预约状态", BOOKING},
                                  {"notify_kind", "消息类型", KINDS},
                                  {"audit_target", "审计对象", TARGETS},
                                  {"field", "字段", FIELDS},
                                  {NULL}};

/* published on the last approval */
static int approved(db_conn_t *c, const review_event_t *ev)
{
    db_stmt_t *st = db_prepare(c, "UPDATE courses SET published_at = ? WHERE id = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, time_now_ms());
    db_bind_int64(st, 2, ev->ref_id);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

const review_kind_t COURSE_REVIEW = {.kind = "course",
                                     .title = "系列党课",
                                     .table = "courses",
                                     .link = "/course/courses/%lld",
                                     .levels = REVIEW_DISTRICT_CITY,
                                     .approved = approved,
                                     .revised = course_revised};

/* courses returned to the caller for changes; bookings awaiting approval */
static int count_of(http_req_t *req, db_conn_t *c, const char *cond, int64_t *n)
{
    qb_t w, q;
    res_from_as(req, &COURSES, "course.manage", &w);
    qb_sql(&w, cond);
    qb_init(&q, "SELECT COUNT(*)");
    qb_append(&q, &w);
    qb_free(&w);
    db_stmt_t *st = qb_prepare(c, &q);
    int rc = st ? db_step(st) : DB_ERROR;
    *n = rc == DB_ROW ? db_col_int64(st, 0) : 0;
    db_done(st);
    qb_free(&q);
    return rc == DB_ROW ? 0 : -1;
}

static int todo(http_req_t *req, db_conn_t *c, json_t *items)
{
    if (!auth_has(req, "course.manage"))
        return 0;
    int64_t returned, pending;
    if (count_of(req, c, " AND c.status = 'returned'", &returned) != 0 ||
        count_of(req, c,
                 " AND EXISTS (SELECT 1 FROM course_bookings b WHERE b.course_id = c.id AND b.status = "
                 "'pending')",
                 &pending) != 0)
        return -1;
    if (returned > 0)
        json_array_append_new(items, json_pack("{s:s,s:s,s:I,s:s}", "key", "course.returned", "title",
                                               "退回修改的党课", "count", (json_int_t)returned, "link",
                                               "/course/courses?status=returned"));
    if (pending > 0)
        json_array_append_new(items, json_pack("{s:s,s:s,s:I,s:s}", "key", "course.pending", "title",
                                               "有待审核面授预约的党课", "count", (json_int_t)pending, "link",
                                               "/course/courses"));
    return 0;
}

/* the progress heartbeat's write-behind (progress.h): its flushing thread, while serving */
static bool progress_started;

static void shutdown_module(void)
{
    if (progress_started)
        progress_stop();
    progress_started = false;
}

static int init(zd_app_t *app, char *err, size_t errlen)
{
    static const char *const ALL[] = {"course.read", "course.learn", "course.book", "course.manage", NULL};
    for (const char *const *p = ALL; *p; p++) {
        auth_grant_default("worker", *p);
        auth_grant_default("secretary", *p);
        auth_grant_default("sys_admin", *p);
    }
    auth_grant_default("member", "course.read");
    auth_grant_default("member", "course.learn");
    auth_grant_default("member", "course.book");
    auth_grant_default("lecturer", "course.read");
    auth_grant_default("lecturer", "course.learn");
    auth_grant_default("lecturer", "course.book");
    auth_grant_default("district_reviewer", "course.read");
    auth_grant_default("city_reviewer", "course.read");
    if (review_register(&COURSE_REVIEW) != 0) {
        snprintf(err, errlen, "course: cannot register the review kind course");
        return -1;
    }
    if (app->http && !progress_started) {
        if (progress_start(app->db) != 0) {
            snprintf(err, errlen, "course: cannot start the progress flushing thread");
            return -1;
        }
        progress_started = true;
    }
    return course_course_routes(app, err, errlen) || course_catalog_routes(app, err, errlen) ||
                   course_learn_routes(app, err, errlen) || course_rating_routes(app, err, errlen) ||
                   course_booking_routes(app, err, errlen)
               ? -1
               : 0;
}

const zd_module_t course_module = {.name = "course",
                                   .title = "系列党课",
                                   .init = init,
                                   .shutdown = shutdown_module,
                                   .permissions = PERM_GROUPS,
                                   .settings = SETTINGS,
                                   .todo = todo,
                                   .dicts = DICTS};
