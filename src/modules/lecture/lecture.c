/* lecture.c — the lecture module (初心讲堂): permissions, labels, the review
 * kind "lecture", the check-in tokens, the waiting list's move-up and the
 * organisers' to-do count. */
#include "core/crypto.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/lecture/internal.h"
#include "modules/notify/notify.h"
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
static const zd_label_t KINDS[] = {
    {"lecture.cancelled", "讲堂取消", "warning"}, {"lecture.booking", "讲堂预约", "success"}, {NULL}};
static const zd_label_t TARGETS[] = {
    {"lecture", "讲堂"}, {"lecture_session", "讲堂场次"}, {"lecture_booking", "讲堂预约"}, {NULL}};
static const zd_dict_t DICTS[] = {{"lecture_booking_status", "讲堂预约状态", BOOKING},
                                  {"lecture_phase", "讲堂状态", PHASE},
                                  {"notify_kind", "消息类型", KINDS},
                                  {"audit_target", "审计对象", TARGETS},
                                  {NULL}};

const char *lecture_fmt_time(int64_t ms, char *buf, size_t n)
{
    char iso[40];
    time_iso8601(ms, iso, sizeof iso);
    snprintf(buf, n, "%.10s %.5s", iso, iso + 11);
    return buf;
}

/* ---- check-in tokens ---- */

static void token_mac(int64_t session_id, char mac[33])
{
    char data[64], full[65];
    int n = snprintf(data, sizeof data, "lecture.checkin:%lld", (long long)session_id);
    crypto_ticket_mac_hex(data, (size_t)n, full);
    memcpy(mac, full, 32);
    mac[32] = 0;
}

void lecture_checkin_token(int64_t session_id, char *out, size_t n)
{
    char mac[33];
    token_mac(session_id, mac);
    snprintf(out, n, "%lld.%s", (long long)session_id, mac);
}

int64_t lecture_checkin_session(const char *token)
{
    if (!token)
        return 0;
    char *end = NULL;
    long long id = strtoll(token, &end, 10);
    if (id <= 0 || !end || *end != '.' || strlen(end + 1) != 32)
        return 0;
    char mac[33];
    token_mac(id, mac);
    unsigned diff = 0;
    for (int i = 0; i < 32; i++)
        diff |= (unsigned)(mac[i] ^ end[1 + i]);
    return diff ? 0 : (int64_t)id;
}

/* ---- the waiting list ---- */

int lecture_promote(db_conn_t *c, int64_t session_id)
{
    db_stmt_t *st = db_prepare(
        c, "SELECT b.id, b.user_id, l.needs_approval, l.title, s.starts_at, l.org_id FROM lecture_bookings b "
           "JOIN lecture_sessions s ON s.id = b.session_id JOIN lectures l ON l.id = b.lecture_id "
           "WHERE b.session_id = ? AND b.status = 'waitlisted' AND s.booked < s.capacity "
           "ORDER BY b.id LIMIT 1");
    if (!st)
        return -1;
    db_bind_int64(st, 1, session_id);
    int rc = db_step(st);
    int64_t booking = 0, user = 0, org = 0, starts = 0;
    bool approval = false;
    char title[512] = "";
    if (rc == DB_ROW) {
        booking = db_col_int64(st, 0);
        user = db_col_int64(st, 1);
        approval = db_col_int64(st, 2) != 0;
        str_lcpy(title, db_col_text(st, 3), sizeof title);
        starts = db_col_int64(st, 4);
        org = db_col_int64(st, 5);
    }
    db_done(st);
    if (rc != DB_ROW)
        return rc == DB_DONE ? 0 : -1;
    int64_t now = time_now_ms();
    st = db_prepare(c,
                    "UPDATE lecture_sessions SET booked = booked + 1, waiting = waiting - 1, updated_at = ? "
                    "WHERE id = ? AND booked < capacity AND waiting > 0");
    if (!st)
        return -1;
    db_bind_int64(st, 1, now);
    db_bind_int64(st, 2, session_id);
    rc = db_step(st);
    db_done(st);
    if (rc != DB_DONE)
        return -1;
    if (db_changes(c) != 1)
        return 0;
    st = db_prepare(
        c, "UPDATE lecture_bookings SET status = ?, updated_at = ? WHERE id = ? AND status = 'waitlisted'");
    if (!st)
        return -1;
    db_bind_text(st, 1, approval ? "pending" : "confirmed");
    db_bind_int64(st, 2, now);
    db_bind_int64(st, 3, booking);
    rc = db_step(st);
    db_done(st);
    if (rc != DB_DONE || db_changes(c) != 1)
        return -1;
    char msg[640], at[32];
    snprintf(msg, sizeof msg, "候补成功：《%.*s》%s 场次%s", (int)utf8_prefix(title, strlen(title), 80),
             title, lecture_fmt_time(starts, at, sizeof at), approval ? "，等待主办方审核" : "，预约已确认");
    notify_msg_t m = {
        .user_id = user, .kind = "lecture.booking", .title = msg, .link = "/m/bookings", .org_id = org};
    return notify_user(c, &m) == 0 ? 1 : -1;
}

/* ---- the review kind ---- */

const review_kind_t LECTURE_REVIEW = {.kind = "lecture",
                                      .title = "初心讲堂",
                                      .table = "lectures",
                                      .link = "/lecture/lectures/%lld",
                                      .levels = REVIEW_DISTRICT_CITY};

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
    return lecture_lecture_routes(app, err, errlen) || lecture_booking_routes(app, err, errlen) ||
                   lecture_stats_routes(app, err, errlen)
               ? -1
               : 0;
}

const zd_module_t lecture_module = {.name = "lecture",
                                    .title = "初心讲堂",
                                    .init = init,
                                    .demo = lecture_demo,
                                    .permissions = PERM_GROUPS,
                                    .todo = todo,
                                    .dicts = DICTS};
