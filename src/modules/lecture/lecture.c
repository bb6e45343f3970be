/* lecture.c — the lecture module (初心讲堂): permissions, labels, the review
 * kind "lecture", its tables for the shared booking code and the
 * organisers' to-do count. */
#include "core/crypto.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/lecture/internal.h"
#include "modules/live/live.h"
#include "modules/notify/notify.h"
#include "modules/progress/progress.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const auth_perm_t PERMS[] = {
    {"lecture.read", "浏览已发布的讲堂", AUTH_DUTY_BUSINESS},
    {"lecture.book", "预约讲堂场次、签到", AUTH_DUTY_BUSINESS},
    {"lecture.manage", "管理讲堂（发布、修改、取消、预约审核、签到码）", AUTH_DUTY_BUSINESS},
};
static const auth_perm_group_t PERM_GROUPS[] = {{"lecture", "初心讲堂", PERMS, 3}, {NULL}};

static const zd_label_t BOOKING[] = {{"pending", "待审核", "warning"},
                                     {"confirmed", "已确认", "success"},
                                     {"waitlisted", "候补中", "primary"},
                                     {"rejected", "未通过", "danger"},
                                     {"cancelled", "已取消", "info"},
                                     {"attended", "已签到", "success"},
                                     {NULL}};
static const zd_label_t PHASE[] = {{"upcoming", "未开始", "primary"},
                                   {"ongoing", "进行中", "danger"},
                                   {"ended", "已结束", "info"},
                                   {"cancelled", "已取消", "warning"},
                                   {NULL}};
static const zd_label_t KINDS[] = {{"lecture.cancelled", "讲堂取消", "warning"},
                                   {"lecture.booking", "讲堂预约", "success"},
                                   {"lecture.session_changed", "讲堂场次变更", "warning"},
                                   {"lecture.live", "讲堂直播", "danger"},
                                   {NULL}};
static const zd_label_t TARGETS[] = {{"lecture", "讲堂"},
                                     {"lecture_session", "讲堂场次"},
                                     {"lecture_booking", "讲堂预约"},
                                     {"lecture_rating", "讲堂评价"},
                                     {"lecture_recording", "讲堂回放"},
                                     {NULL}};
static const zd_label_t RATING[] = {{"published", "已公开", "success"},
                                    {"held", "待审核", "warning"},
                                    {"rejected", "未通过", "danger"},
                                    {NULL}};
/* a session's live broadcast (live_api.c) */
static const zd_label_t LIVE_PHASE[] = {{"upcoming", "即将直播", "primary"},
                                        {"live", "直播中", "danger"},
                                        {"ended", "直播已结束", "info"},
                                        {"cancelled", "直播已关闭", "warning"},
                                        {NULL}};
static const zd_label_t LIVE_MODE[] = {
    {"ingest", "本平台推流", "danger"}, {"url", "外部直播流地址", "primary"}, {NULL}};
static const zd_dict_t DICTS[] = {{"lecture_booking_status", "讲堂预约状态", BOOKING},
                                  {"lecture_live_phase", "讲堂直播状态", LIVE_PHASE},
                                  {"lecture_live_mode", "讲堂直播方式", LIVE_MODE},
                                  {"lecture_phase", "讲堂状态", PHASE},
                                  {"lecture_rating_status", "讲堂评价状态", RATING},
                                  {"notify_kind", "消息类型", KINDS},
                                  {"audit_target", "审计对象", TARGETS},
                                  {NULL}};

/* ---- booking (the shared code, booking.h) ---- */

const booking_kind_t LECTURE_BOOKING = {.kind = "lecture",
                                        .parents = "lectures",
                                        .parent_live = "p.status = 'approved' AND p.cancelled_at IS NULL AND "
                                                       "p.deleted_at IS NULL",
                                        .sessions = "lecture_sessions",
                                        .bookings = "lecture_bookings",
                                        .parent_col = "lecture_id",
                                        .noun = "讲堂",
                                        .notify_kind = "lecture.booking"};

/* ---- the review kind ---- */

const review_kind_t LECTURE_REVIEW = {.kind = "lecture",
                                      .title = "初心讲堂",
                                      .table = "lectures",
                                      .link = "/lecture/lectures/%lld",
                                      .levels = REVIEW_DISTRICT_CITY,
                                      .revised = lecture_revised};

/* ---- the module ---- */

/* lectures returned to the caller for changes; bookings awaiting approval */
static int count_of(http_req_t *req, db_conn_t *c, const zd_resource_t *r, const char *cond, int64_t *n)
{
    qb_t w, q;
    res_from_as(req, r, "lecture.manage", &w);
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
    if (!auth_has(req, "lecture.manage"))
        return 0;
    int64_t returned, pending;
    if (count_of(req, c, &LECTURES, " AND l.status = 'returned'", &returned) != 0 ||
        count_of(req, c, &LECTURE_BOOKINGS, " AND b.status = 'pending'", &pending) != 0)
        return -1;
    if (returned > 0)
        json_array_append_new(items, json_pack("{s:s,s:s,s:I,s:s}", "key", "lecture.returned", "title",
                                               "退回修改的讲堂", "count", (json_int_t)returned, "link",
                                               "/lecture/lectures?status=returned"));
    if (pending > 0)
        json_array_append_new(items, json_pack("{s:s,s:s,s:I,s:s}", "key", "lecture.pending", "title",
                                               "待审核的讲堂预约", "count", (json_int_t)pending, "link",
                                               "/lecture/lectures"));
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
    static const char *const ALL[] = {"lecture.read", "lecture.book", "lecture.manage", NULL};
    for (const char *const *p = ALL; *p; p++) {
        auth_grant_default("worker", *p);
        auth_grant_default("secretary", *p);
        auth_grant_default("sys_admin", *p);
    }
    /* members and lecturers browse and book */
    auth_grant_default("member", "lecture.read");
    auth_grant_default("member", "lecture.book");
    auth_grant_default("lecturer", "lecture.read");
    auth_grant_default("lecturer", "lecture.book");
    auth_grant_default("district_reviewer", "lecture.read");
    auth_grant_default("city_reviewer", "lecture.read");
    if (search_register_kind(&LECTURE_SEARCH) != 0) {
        snprintf(err, errlen, "lecture: cannot register the search kind lecture");
        return -1;
    }
    if (review_register(&LECTURE_REVIEW) != 0) {
        snprintf(err, errlen, "lecture: cannot register the review kind lecture");
        return -1;
    }
    if (live_on_start(lecture_live_started) != 0) {
        snprintf(err, errlen, "lecture: cannot register the live start hook");
        return -1;
    }
    if (app->http && !progress_started) {
        if (progress_start(app->db) != 0) {
            snprintf(err, errlen, "lecture: cannot start the progress flushing thread");
            return -1;
        }
        progress_started = true;
    }
    return lecture_lecture_routes(app, err, errlen) || lecture_booking_routes(app, err, errlen) ||
                   lecture_stats_routes(app, err, errlen) || lecture_rating_routes(app, err, errlen) ||
                   lecture_recording_routes(app, err, errlen) || lecture_live_routes(app, err, errlen)
               ? -1
               : 0;
}

const zd_module_t lecture_module = {.name = "lecture",
                                    .title = "初心讲堂",
                                    .init = init,
                                    .shutdown = shutdown_module,
                                    .demo = lecture_demo,
                                    .permissions = PERM_GROUPS,
                                    .todo = todo,
                                    .dicts = DICTS};
