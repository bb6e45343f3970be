/* bookings_api.c — booking of a published course's in-person sessions
 * (面授预约): the member books a session, sees it in 我的预约 and cancels
 * it, the organiser lists the bookings, decides the pending ones (预约审核)
 * and shows the session's check-in QR code, the member checks in by
 * scanning it; the organiser calls off a session of a published course
 * (those booked are told). The seat taking, the waiting list, the release, the decision
 * and the check-in are the shared booking code's (modules/booking), the
 * same as the lecture hall's: capacity is the database's guarantee on both
 * backends (docs/lecture.md, "Capacity is the database's guarantee"). */
#include "core/str.h"
#include "core/timeutil.h"
#include "http/batch.h"
#include "http/valid.h"
#include "modules/course/internal.h"
#include <stdio.h>
#include <string.h>

const booking_kind_t COURSE_BOOKING = {.kind = "course",
                                       .parents = "courses",
                                       .parent_live = "p.status = 'approved' AND p.deleted_at IS NULL",
                                       .sessions = "course_sessions",
                                       .bookings = "course_bookings",
                                       .parent_col = "course_id",
                                       .noun = "党课",
                                       .notify_kind = "course.booking",
                                       .session_place = true};

/* The sessions of the published courses: every member may book any. */
static const zd_resource_t CATALOG_SESSIONS = {
    .name = "course_session",
    .title = "党课面授场次",
    .table = "course_sessions",
    .alias = "s",
    .from = "course_sessions s JOIN courses c ON c.id = s.course_id",
    .where = "s.deleted_at IS NULL AND c.deleted_at IS NULL AND c.status = 'approved'",
    .no_org = true,
    .no_creator = true,
    .perm = "course.book"};
/* The sessions of the courses in the organiser's scope. */
static const zd_resource_t SESSIONS = {.name = "course_session",
                                       .title = "党课面授场次",
                                       .table = "course_sessions",
                                       .alias = "s",
                                       .from = "course_sessions s JOIN courses c ON c.id = s.course_id",
                                       .where = "s.deleted_at IS NULL AND c.deleted_at IS NULL",
                                       .org_col = "c.org_id",
                                       .creator_col = "c.created_by",
                                       .perm = "course.manage"};

#define BOOKING_FROM                                                                                         \
    "course_bookings b JOIN course_sessions s ON s.id = b.session_id JOIN courses c ON c.id = b.course_id "  \
    "JOIN users u ON u.id = b.user_id JOIN orgs uo ON uo.id = b.org_id"
static const res_sort_t BOOKING_SORTS[] = {{"id", "b.id"},
                                           {"status", "b.status"},
                                           {"created_at", "b.created_at"},
                                           {"starts_at", "s.starts_at"},
                                           {NULL, NULL}};
/* The organiser's view: bookings of the courses in scope. */
static const zd_resource_t BOOKINGS = {.name = "course_booking",
                                       .title = "党课预约",
                                       .table = "course_bookings",
                                       .alias = "b",
                                       .from = BOOKING_FROM,
                                       .where = "c.deleted_at IS NULL",
                                       .org_col = "c.org_id",
                                       .creator_col = "c.created_by",
                                       .perm = "course.manage",
                                       .sorts = BOOKING_SORTS};
/* The member's own bookings (b.org_id: the member's organisation). */
static const zd_resource_t MY_BOOKINGS = {.name = "course_booking",
                                          .title = "预约",
                                          .table = "course_bookings",
                                          .alias = "b",
                                          .from = BOOKING_FROM,
                                          .org_col = "b.org_id",
                                          .creator_col = "b.user_id",
                                          .perm = "course.book",
                                          .sorts = BOOKING_SORTS};

#define BOOKING_COLS                                                                                         \
    "b.id, b.session_id, b.course_id, b.user_id, u.name, uo.name, b.status, b.opinion, b.decided_at, "       \
    "b.cancelled_at, b.attended_at, b.created_at, b.updated_at, c.title, s.place, c.lecturer_name, "         \
    "s.starts_at, s.ends_at, c.series, (SELECT COUNT(*) FROM course_bookings w WHERE w.session_id = "        \
    "b.session_id AND w.status = 'waitlisted' AND w.id <= b.id AND b.status = 'waitlisted')"

static json_t *booking_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    json_t *o = json_object();
    const char *status = db_col_text(st, 6);
    int64_t starts = db_col_int64(st, 16);
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, "session_id", json_integer(db_col_int64(st, 1)));
    json_object_set_new(o, "course_id", json_integer(db_col_int64(st, 2)));
    json_object_set_new(o, "user_id", json_integer(db_col_int64(st, 3)));
    json_object_set_new(o, "user_name", json_col_text(st, 4));
    json_object_set_new(o, "org_name", json_col_text(st, 5));
    json_object_set_new(o, "status", json_string(status));
    json_object_set_new(o, "opinion", json_col_text(st, 7));
    json_object_set_new(o, "decided_at", json_time(db_col_int64(st, 8)));
    json_object_set_new(o, "cancelled_at", json_time(db_col_int64(st, 9)));
    json_object_set_new(o, "attended_at", json_time(db_col_int64(st, 10)));
    json_object_set_new(o, "created_at", json_time(db_col_int64(st, 11)));
    json_object_set_new(o, "updated_at", json_time(db_col_int64(st, 12)));
    json_object_set_new(o, "course_title", json_col_text(st, 13));
    json_object_set_new(o, "place", json_col_text(st, 14));
    json_object_set_new(o, "lecturer_name", json_col_text(st, 15));
    json_object_set_new(o, "starts_at", json_time(starts));
    json_object_set_new(o, "ends_at", json_time(db_col_int64(st, 17)));
    json_object_set_new(o, "series", json_col_text(st, 18));
    json_object_set_new(o, "waitlist_position",
                        !strcmp(status, "waitlisted") ? json_integer(db_col_int64(st, 19)) : json_null());
    json_object_set_new(o, "can_cancel", json_boolean(booking_can_cancel(status, starts)));
    return o;
}

static const char *const BOOKING_STATUSES[] = {"pending",   "confirmed", "waitlisted", "rejected",
                                               "cancelled", "attended",  NULL};
static const vfield_t BOOKING_OUT[] = {
    {"id", V_ID},
    {"session_id", V_ID},
    {"course_id", V_ID},
    {"user_id", V_ID},
    {"user_name", V_STR, .title = "党员"},
    {"org_name", V_STR, .title = "党员所在组织"},
    {"status", V_ENUM, .choices = BOOKING_STATUSES, .title = "预约状态（字典 course_booking_status）"},
    {"opinion", V_STR, .title = "主办方审核意见"},
    {"decided_at", V_TIME, .title = "审核时间"},
    {"cancelled_at", V_TIME, .title = "取消时间"},
    {"attended_at", V_TIME, .title = "签到时间"},
    {"created_at", V_TIME},
    {"updated_at", V_TIME},
    {"course_title", V_STR, .title = "课程名称"},
    {"place", V_STR, .title = "地点"},
    {"lecturer_name", V_STR, .title = "主讲人"},
    {"starts_at", V_TIME, .title = "场次开始"},
    {"ends_at", V_TIME, .title = "场次结束"},
    {"series", V_ENUM, .choices = COURSE_SERIES, .title = "系列"},
    {"waitlist_position", V_INT, .title = "候补位次（候补中时）"},
    {"can_cancel", V_BOOL, .title = "可取消（待审核、已确认或候补中，且场次未开始）"},
};

static json_t *load_booking(http_req_t *req, db_conn_t *c, const zd_resource_t *r, int64_t id)
{
    return http_defer_json(req, res_load(req, c, r, BOOKING_COLS, id, booking_row, NULL, RES_PLAIN));
}

/* ---- the member's side ---- */

static const char *status_word(const char *s)
{
    return !strcmp(s, "pending") ? "待审核" : !strcmp(s, "waitlisted") ? "候补中" : "已确认";
}

/* one booking in the group commit's transaction (http/batch.h) */
static bool book_one(http_req_t *req, db_conn_t *c, int64_t sid)
{
    if (!res_visible(req, c, &CATALOG_SESSIONS, sid))
        return false;
    const char *status = NULL;
    int64_t id = booking_book(req, c, &COURSE_BOOKING, sid, &status);
    if (!id)
        return false;
    json_t *o = load_booking(req, c, &MY_BOOKINGS, id);
    if (!o)
        return false;
    char at[32];
    json_t *out = json_deep_copy(o);
    int64_t starts = 0;
    time_parse_iso8601(jstr(o, "starts_at"), &starts);
    const char *t = jstr(o, "course_title");
    json_object_set_new(out, "message",
                        !strcmp(status, "confirmed")
                            ? json_sprintf("预约成功：《%s》%s，%s。请按时到场扫码签到", t,
                                           booking_fmt_time(starts, at, sizeof at), jstr(o, "place"))
                        : !strcmp(status, "pending")
                            ? json_sprintf("已提交预约：《%s》%s，等待主办方审核，结果将通过消息通知您", t,
                                           booking_fmt_time(starts, at, sizeof at))
                            : json_sprintf("名额已满，您已进入候补（第 %lld 位），有人取消时自动递补并通知您",
                                           (long long)jint(o, "waitlist_position", 0)));
    audit_entry_t ae = {.target_type = "course_booking", /* the booking, not the session the route names */
                        .target = id,
                        .after = o,
                        .detail = http_printf(req, "预约党课面授《%s》（%s）", t, status_word(status))};
    return booking_answer(req, c, &ae, out);
}

/* booked together with the bookings of the same moment, one COMMIT for
 * them all; no thread waits meanwhile (http/batch.h) */
static void book_session(http_req_t *req)
{
    int64_t sid;
    if (http_param_id(req, "id", &sid))
        http_batch_submit(req, book_one, sid, COURSE_BOOKING.sessions, sid);
}

/* the member's own booking; NULL after answering 404 */
static json_t *my_booking(http_req_t *req, db_conn_t *c, int64_t id)
{
    json_t *b = load_booking(req, c, &MY_BOOKINGS, id);
    if (b && jint(b, "user_id", 0) != http_user_id(req)) {
        res_not_found(req, &MY_BOOKINGS);
        return NULL;
    }
    return b;
}

static void cancel_booking(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = my_booking(req, c, id);
    if (!before)
        return;
    if (!json_is_true(json_object_get(before, "can_cancel"))) {
        http_error(req, 409, "conflict", "该预约不能取消（已取消、未通过、已签到或场次已开始）");
        return;
    }
    if (!booking_release(req, c, &COURSE_BOOKING, before, "cancelled",
                         " AND status IN ('pending', 'confirmed', 'waitlisted')", NULL))
        return;
    json_t *after = load_booking(req, c, &MY_BOOKINGS, id);
    if (!after)
        return;
    audit_entry_t ae = {.target = id,
                        .before = before,
                        .after = after,
                        .detail = http_printf(req, "取消党课面授预约《%s》", jstr(before, "course_title"))};
    audit_reply(req, c, true, &ae, 200, json_incref(after));
}

static const vfield_t MY_QUERY[] = {
    {"status", V_ENUM, .choices = BOOKING_STATUSES, .title = "预约状态"},
    {"upcoming", V_BOOL, .title = "只看未结束场次的"},
};

static void my_bookings(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &MY_BOOKINGS, &w);
    qb_sql(&w, " AND b.user_id = "); /* 我的预约: the caller's own, whatever their scope */
    qb_int(&w, http_user_id(req));
    const char *st = http_query(req, "status");
    if (st) {
        qb_sql(&w, " AND b.status = ");
        qb_text(&w, st);
    }
    if (http_query_bool(req, "upcoming")) {
        qb_sql(&w, " AND s.ends_at > ");
        qb_int(&w, time_now_ms());
    }
    res_list(req, c, &MY_BOOKINGS, BOOKING_COLS, &w, "s.starts_at DESC, b.id DESC", booking_row, NULL);
    qb_free(&w);
}

static const vfield_t CHECKIN_BODY[] = {{"token", V_STR, true, 1, 100, .title = "签到码中的令牌"}};

static void checkin(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    bool again = false;
    int64_t id = booking_checkin(req, c, &COURSE_BOOKING, jstr(http_json_body(req), "token"), &again);
    if (!id)
        return;
    json_t *before = load_booking(req, c, &MY_BOOKINGS, id);
    if (!before || (!again && !booking_attend(req, c, &COURSE_BOOKING, id)))
        return;
    json_t *after = load_booking(req, c, &MY_BOOKINGS, id);
    if (!after)
        return;
    json_t *out = json_deep_copy(after);
    json_object_set_new(out, "already", json_boolean(again));
    audit_entry_t ae = {.target_type = "course_booking",
                        .target = id,
                        .before = before,
                        .after = after,
                        .detail = http_printf(req, "签到党课面授《%s》%s", jstr(after, "course_title"),
                                              again ? "（重复扫码）" : "")};
    audit_reply(req, c, true, &ae, 200, out);
}

/* ---- the organiser's side ---- */

static const vfield_t BOOKINGS_QUERY[] = {
    {"course_id", V_ID, .title = "党课"},
    {"session_id", V_ID, .title = "场次"},
    {"status", V_ENUM, .choices = BOOKING_STATUSES, .title = "预约状态"},
    {"q", V_STR, .max = 100, .title = "党员姓名包含"},
};

static void list_bookings(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &BOOKINGS, &w);
    int64_t course = http_query_i64(req, "course_id", 0), session = http_query_i64(req, "session_id", 0);
    if (course) {
        qb_sql(&w, " AND b.course_id = ");
        qb_int(&w, course);
    }
    if (session) {
        qb_sql(&w, " AND b.session_id = ");
        qb_int(&w, session);
    }
    const char *st = http_query(req, "status"), *q = http_query(req, "q");
    if (st) {
        qb_sql(&w, " AND b.status = ");
        qb_text(&w, st);
    }
    if (q) {
        static const char *const cols[] = {"u.name"};
        qb_like_any(&w, cols, 1, q);
    }
    res_list(req, c, &BOOKINGS, BOOKING_COLS, &w, "b.id", booking_row, NULL);
    qb_free(&w);
}

static const char *const DECISIONS[] = {"approve", "reject", NULL};
static const vfield_t DECISION_BODY[] = {
    {"action", V_ENUM, true, .choices = DECISIONS, .title = "approve 通过、reject 不通过"},
    {"opinion", V_TEXT, true, 1, 500, .title = "审核意见（告知党员）"},
};

static void decide_booking(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *b = http_json_body(req);
    json_t *before = load_booking(req, c, &BOOKINGS, id);
    if (!before)
        return;
    const char *opinion = jstr(b, "opinion");
    bool approve = !strcmp(jstr(b, "action"), "approve");
    if (!booking_decide(req, c, &COURSE_BOOKING, before, approve, opinion, jstr(before, "course_title")))
        return;
    json_t *after = load_booking(req, c, &BOOKINGS, id);
    if (!after)
        return;
    audit_entry_t ae = {.target = id,
                        .before = before,
                        .after = after,
                        .detail = http_printf(req, "%s党课面授预约（%s）：%s", approve ? "通过" : "不通过",
                                              jstr(before, "user_name"), opinion)};
    audit_reply(req, c, true, &ae, 200, json_incref(after));
}

static const vfield_t CHECKIN_OUT[] = {
    {"session_id", V_ID},
    {"token", V_STR, .title = "签到令牌"},
    {"path", V_STR,
     .title = "党员扫码打开的页面（/m/checkin?kind=course&token=…），二维码内容为站点地址加此路径"},
};

/* ---- calling off a session (取消场次) ---- */

static const vfield_t CALL_OFF_BODY[] = {
    {"reason", V_STR, true, 1, 500, .title = "取消原因（通知已预约的党员）"},
};
static const vfield_t CALL_OFF_OUT[] = {
    {"session_id", V_ID},
    {"course_id", V_ID},
    {"starts_at", V_TIME},
    {"cancelled_at", V_TIME, .title = "取消时间"},
    {"cancel_reason", V_STR, .title = "取消原因"},
    {"notified", V_INT, .title = "已通知的党员人数"},
};

static json_t *session_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return json_pack("{s:I,s:I,s:o,s:o,s:I,s:I,s:o,s:I,s:o}", "session_id", (json_int_t)db_col_int64(st, 0),
                     "course_id", (json_int_t)db_col_int64(st, 1), "starts_at",
                     json_time(db_col_int64(st, 2)), "place", json_col_text(st, 3), "capacity",
                     (json_int_t)db_col_int64(st, 4), "booked", (json_int_t)db_col_int64(st, 5), "title",
                     json_col_text(st, 6), "org_id", (json_int_t)db_col_int64(st, 7), "status",
                     json_col_text(st, 8));
}

static void call_off_session(http_req_t *req)
{
    int64_t sid;
    db_conn_t *c = http_db_change(req, &sid);
    if (!c)
        return;
    const char *reason = jstr(http_json_body(req), "reason");
    /* the session's row first: the lock order of booking (session, then booking) */
    if (res_lock(req, c, &SESSIONS, sid) != 0)
        return;
    json_t *s = res_load(req, c, &SESSIONS,
                         "s.id, s.course_id, s.starts_at, s.place, s.capacity, s.booked, c.title, c.org_id, "
                         "c.status",
                         sid, session_row, NULL, RES_PLAIN);
    if (!s)
        return;
    http_defer_json(req, s);
    int64_t now = time_now_ms(), starts = 0;
    time_parse_iso8601(jstr(s, "starts_at"), &starts);
    if (strcmp(jstr(s, "status"), "approved")) {
        http_error(req, 409, "conflict", "只有已发布党课的场次可以取消；未发布的党课直接修改场次");
        return;
    }
    if (starts <= now) {
        http_error(req, 409, "conflict", "场次已开始，不能取消");
        return;
    }
    qb_t q;
    qb_init(&q, "UPDATE course_sessions SET deleted_at = ");
    qb_int(&q, now);
    qb_sql(&q, ", cancelled_at = ");
    qb_int(&q, now);
    qb_sql(&q, ", cancel_reason = ");
    qb_text(&q, reason);
    qb_sql(&q, ", updated_at = ");
    qb_int(&q, now);
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, sid);
    qb_sql(&q, " AND deleted_at IS NULL");
    if (!res_transition(req, c, &q, "场次已取消"))
        return;
    const char *t = jstr(s, "title");
    char msg[640], at[32];
    snprintf(msg, sizeof msg, "党课面授场次取消：《%.*s》（原定 %s，%s）", (int)utf8_prefix(t, strlen(t), 80),
             t, booking_fmt_time(starts, at, sizeof at), jstr(s, "place"));
    int told = booking_call_off(c, &COURSE_BOOKING, 0, sid, "course.session_cancelled", msg, reason,
                                jint(s, "org_id", 0), http_user_id(req));
    if (told < 0) {
        http_db_error(req, c);
        return;
    }
    json_t *out = json_pack("{s:I,s:I,s:O,s:o,s:s,s:i}", "session_id", (json_int_t)sid, "course_id",
                            (json_int_t)jint(s, "course_id", 0), "starts_at", json_object_get(s, "starts_at"),
                            "cancelled_at", json_time(now), "cancel_reason", reason, "notified", told);
    http_defer_json(req, out);
    audit_entry_t ae = {.target_type = "course_session",
                        .target = sid,
                        .before = s,
                        .after = out,
                        .detail = http_printf(req, "取消党课《%s》%s 的面授场次：%s（通知 %d 位已预约党员）",
                                              t, at, reason, told)};
    audit_reply(req, c, true, &ae, 200, json_incref(out));
}

static void checkin_code(http_req_t *req)
{
    int64_t sid;
    db_conn_t *c = http_db_id(req, &sid);
    if (!c)
        return;
    if (!res_visible(req, c, &SESSIONS, sid))
        return;
    char token[80];
    booking_checkin_token(&COURSE_BOOKING, sid, token, sizeof token);
    http_json(req, 200,
              json_pack("{s:I,s:s,s:s+}", "session_id", (json_int_t)sid, "token", token, "path",
                        "/m/checkin?kind=course&token=", token));
}

// clang-format off
static const http_route_t routes[] = {
    {.method = "POST", .pattern = "/api/v1/course/sessions/{id}/book", .handler = book_session,
     .perm = "course.book", .summary = "预约党课面授场次", .audit = "course.book", .resource = &CATALOG_SESSIONS,
     HTTP_OUT(BOOKING_OUT), .status = 201,
     .notes = "a session of a published course: confirmed at once, or pending when the course needs the "
              "organiser's approval; when full: waitlisted if the course keeps a waiting list, else 409 full; "
              "409 already_booked for a second booking of one session; 409 once the session has started. The "
              "answer carries message, the sentence to show the member"},
    {.method = "GET", .pattern = "/api/v1/course/my-bookings", .handler = my_bookings, .perm = "course.book",
     .flags = HTTP_LIST, .summary = "我的党课面授预约", .resource = &MY_BOOKINGS, HTTP_QUERY(MY_QUERY),
     HTTP_OUT(BOOKING_OUT), .notes = "the caller's own bookings, the latest session first"},
    {.method = "POST", .pattern = "/api/v1/course/my-bookings/{id}/cancel", .handler = cancel_booking,
     .perm = "course.book", .summary = "取消党课面授预约", .audit = "course.unbook", .resource = &MY_BOOKINGS,
     HTTP_OUT(BOOKING_OUT),
     .notes = "pending, confirmed or waitlisted, before the session starts (else 409); the seat is freed and "
              "the first on the waiting list moves up in the same transaction"},
    {.method = "POST", .pattern = "/api/v1/course/checkin", .handler = checkin, .perm = "course.book",
     .summary = "党课面授扫码签到", .audit = "course.checkin", HTTP_BODY(CHECKIN_BODY), HTTP_OUT(BOOKING_OUT),
     .example = "{\"token\":\"1.00000000000000000000000000000000\"}",
     .notes = "the token of the session's QR code; a confirmed booking, from 30 minutes before the start to 30 "
              "minutes after the end: attended (already: true when scanned again); 404 invalid token or no "
              "booking, 409 not_confirmed, 409 not_open"},
    {.method = "GET", .pattern = "/api/v1/course/bookings", .handler = list_bookings, .perm = "course.manage",
     .flags = HTTP_LIST | HTTP_EXPORT, .summary = "党课面授预约名单（管理）", .resource = &BOOKINGS,
     HTTP_QUERY(BOOKINGS_QUERY), HTTP_OUT(BOOKING_OUT)},
    {.method = "POST", .pattern = "/api/v1/course/bookings/{id}/decision", .handler = decide_booking,
     .perm = "course.manage", .summary = "审核党课面授预约", .audit = "course.booking_decide",
     .resource = &BOOKINGS, HTTP_BODY(DECISION_BODY), HTTP_OUT(BOOKING_OUT),
     .example = "{\"action\":\"approve\",\"opinion\":\"同意\"}",
     .notes = "pending only (else 409); approve confirms; reject frees the seat (the waiting list moves up); the "
              "member is told with the opinion"},
    {.method = "POST", .pattern = "/api/v1/course/sessions/{id}/call-off", .handler = call_off_session,
     .perm = "course.manage", .summary = "取消党课面授场次", .audit = "course.session_call_off",
     .resource = &SESSIONS, HTTP_BODY(CALL_OFF_BODY), HTTP_OUT(CALL_OFF_OUT),
     .example = "{\"reason\":\"场馆临时检修\"}",
     .notes = "a session of a published course, before it starts (else 409): it leaves the schedule, its pending, "
              "confirmed and waitlisted bookings are cancelled and each member is told (notified)"},
    {.method = "GET", .pattern = "/api/v1/course/sessions/{id}/checkin-code", .handler = checkin_code,
     .perm = "course.manage", .summary = "党课面授签到码", .resource = &SESSIONS, HTTP_OUT(CHECKIN_OUT),
     .notes = "the signed token of the session and the members' page it opens"},
};
// clang-format on

int course_booking_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
