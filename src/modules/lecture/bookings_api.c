/* bookings_api.c — the members' side of the lecture hall: the published
 * lectures (city-wide, for every holder of lecture.read), booking a session,
 * 我的预约 with cancellation, the check-in by the session's QR code; and the
 * organisers' booking lists with approval (预约审核).
 *
 * The seat taking, the waiting list, the release of a seat, the decision
 * and the check-in are the shared booking code's (modules/booking/booking.h,
 * with the course matrix): capacity is the database's guarantee there. */
#include "core/str.h"
#include "core/timeutil.h"
#include "http/batch.h"
#include "http/valid.h"
#include "modules/lecture/internal.h"
#include <stdio.h>
#include <string.h>

static const res_sort_t CATALOG_SORTS[] = {
    {"id", "l.id"}, {"title", "l.title"}, {"created_at", "l.created_at"}, {NULL, NULL}};
/* The published lectures are the city's: whoever may browse sees every one,
 * whichever organisation holds it (no organisation scope). */
const zd_resource_t LECTURE_CATALOG = {.name = "lecture_event",
                                       .title = "讲堂",
                                       .table = "lectures",
                                       .alias = "l",
                                       .from = LECTURE_FROM,
                                       .where = "l.deleted_at IS NULL AND l.status = 'approved' AND "
                                                "l.cancelled_at IS NULL",
                                       .no_org = true,
                                       .no_creator = true,
                                       .perm = "lecture.read",
                                       .sorts = CATALOG_SORTS};
const zd_resource_t LECTURE_CATALOG_SESSIONS = {
    .name = "lecture_session",
    .title = "讲堂场次",
    .table = "lecture_sessions",
    .alias = "s",
    .from = "lecture_sessions s JOIN lectures l ON l.id = s.lecture_id",
    .where =
        "s.deleted_at IS NULL AND l.deleted_at IS NULL AND l.status = 'approved' AND l.cancelled_at IS NULL",
    .no_org = true,
    .no_creator = true,
    .perm = "lecture.read"};

#define BOOKING_FROM                                                                                         \
    "lecture_bookings b JOIN lecture_sessions s ON s.id = b.session_id JOIN lectures l ON l.id = "           \
    "b.lecture_id JOIN users u ON u.id = b.user_id JOIN orgs uo ON uo.id = b.org_id"
static const res_sort_t BOOKING_SORTS[] = {{"id", "b.id"},
                                           {"status", "b.status"},
                                           {"created_at", "b.created_at"},
                                           {"starts_at", "s.starts_at"},
                                           {NULL, NULL}};
/* The organiser's view: bookings of the lectures in scope. */
const zd_resource_t LECTURE_BOOKINGS = {.name = "lecture_booking",
                                        .title = "讲堂预约",
                                        .table = "lecture_bookings",
                                        .alias = "b",
                                        .from = BOOKING_FROM,
                                        .where = "l.deleted_at IS NULL",
                                        .org_col = "l.org_id",
                                        .creator_col = "l.created_by",
                                        .perm = "lecture.manage",
                                        .sorts = BOOKING_SORTS};
/* The member's own bookings (b.org_id: the member's organisation). */
static const zd_resource_t MY_BOOKINGS = {.name = "lecture_booking",
                                          .title = "预约",
                                          .table = "lecture_bookings",
                                          .alias = "b",
                                          .from = BOOKING_FROM,
                                          .org_col = "b.org_id",
                                          .creator_col = "b.user_id",
                                          .perm = "lecture.book",
                                          .sorts = BOOKING_SORTS};

#define BOOKING_COLS                                                                                         \
    "b.id, b.session_id, b.lecture_id, b.user_id, u.name, uo.name, b.status, b.opinion, b.decided_at, "      \
    "b.cancelled_at, b.attended_at, b.created_at, b.updated_at, l.title, l.place, l.speaker, s.starts_at, "  \
    "s.ends_at, l.cancelled_at, l.cancel_reason, (SELECT COUNT(*) FROM lecture_bookings w WHERE "            \
    "w.session_id = b.session_id AND w.status = 'waitlisted' AND w.id <= b.id AND b.status = 'waitlisted')"

static json_t *booking_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    json_t *o = json_object();
    const char *status = db_col_text(st, 6);
    int64_t starts = db_col_int64(st, 16), ends = db_col_int64(st, 17);
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, "session_id", json_integer(db_col_int64(st, 1)));
    json_object_set_new(o, "lecture_id", json_integer(db_col_int64(st, 2)));
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
    json_object_set_new(o, "lecture_title", json_col_text(st, 13));
    json_object_set_new(o, "place", json_col_text(st, 14));
    json_object_set_new(o, "speaker", json_col_text(st, 15));
    json_object_set_new(o, "starts_at", json_time(starts));
    json_object_set_new(o, "ends_at", json_time(ends));
    json_object_set_new(o, "lecture_cancelled", json_boolean(!db_col_is_null(st, 18)));
    json_object_set_new(o, "cancel_reason", json_col_text(st, 19));
    json_object_set_new(o, "waitlist_position",
                        !strcmp(status, "waitlisted") ? json_integer(db_col_int64(st, 20)) : json_null());
    json_object_set_new(o, "can_cancel", json_boolean(booking_can_cancel(status, starts)));
    return o;
}

static const char *const BOOKING_STATUSES[] = {"pending",   "confirmed", "waitlisted", "rejected",
                                               "cancelled", "attended",  NULL};
static const vfield_t BOOKING_OUT[] = {
    {"id", V_ID},
    {"session_id", V_ID},
    {"lecture_id", V_ID},
    {"user_id", V_ID},
    {"user_name", V_STR},
    {"org_name", V_STR, .title = "党员所在组织"},
    {"status", V_ENUM, .choices = BOOKING_STATUSES, .title = "预约状态（字典 lecture_booking_status）"},
    {"opinion", V_STR, .title = "主办方审核意见"},
    {"decided_at", V_TIME},
    {"cancelled_at", V_TIME},
    {"attended_at", V_TIME, .title = "签到时间"},
    {"created_at", V_TIME},
    {"updated_at", V_TIME},
    {"lecture_title", V_STR},
    {"place", V_STR},
    {"speaker", V_STR},
    {"starts_at", V_TIME, .title = "场次开始"},
    {"ends_at", V_TIME, .title = "场次结束"},
    {"lecture_cancelled", V_BOOL, .title = "讲堂已取消"},
    {"cancel_reason", V_STR},
    {"waitlist_position", V_INT, .title = "候补位次（候补中时）"},
    {"can_cancel", V_BOOL, .title = "可取消（待审核、已确认或候补中，且场次未开始）"},
};

/* ---- the catalogue ---- */

static const vfield_t CATALOG_QUERY[] = {
    {"q", V_STR, .max = 100, .title = "主题、主讲人或地点包含"},
    {"upcoming", V_BOOL, .title = "只看未结束的"},
};
static const vfield_t CATALOG_OUT[] = {
    {"id", V_ID},
    {"title", V_STR},
    {"speaker", V_STR},
    {"place", V_STR},
    {"description", V_STR},
    {"org_name", V_STR, .title = "主办组织"},
    {"needs_approval", V_BOOL},
    {"waitlist", V_BOOL},
    {"phase", V_STR, .title = "upcoming 未开始、ongoing 进行中、ended 已结束"},
    {"starts_at", V_TIME},
    {"ends_at", V_TIME},
    {"sessions_count", V_INT},
    {"capacity", V_INT},
    {"booked", V_INT},
    {"poster_url", V_STR, .title = "海报图片地址（无海报时为 null）"},
    {"sessions", V_ARRAY, .title = "场次（详情），各带 my_booking {id,status}"},
};

/* what a member sees of a lecture */
static json_t *event_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    json_t *o = lecture_row_json(st);
    static const char *const DROP[] = {"status",          "state",         "review_level", "review_id",
                                       "created_by",      "cancel_reason", "cancelled_at", "updated_at",
                                       "created_by_name", "poster_file_id"};
    for (size_t i = 0; i < VN(DROP); i++)
        json_object_del(o, DROP[i]);
    if (!json_is_null(json_object_get(o, "poster_url")))
        json_object_set_new(o, "poster_url",
                            json_sprintf("/api/v1/lecture/catalog/%lld/poster", (long long)jint(o, "id", 0)));
    return o;
}

#define SPAN_END                                                                                             \
    "(SELECT MAX(x.ends_at) FROM lecture_sessions x WHERE x.lecture_id = l.id AND x.deleted_at IS NULL)"
#define SPAN_START                                                                                           \
    "(SELECT MIN(x.starts_at) FROM lecture_sessions x WHERE x.lecture_id = l.id AND x.deleted_at IS NULL)"

static void catalog(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &LECTURE_CATALOG, &w);
    const char *q = http_query(req, "q");
    if (q) {
        static const char *const cols[] = {"l.title", "l.speaker", "l.place"};
        qb_like_any(&w, cols, 3, q);
    }
    if (http_query_bool(req, "upcoming")) {
        qb_sql(&w, " AND " SPAN_END " > ");
        qb_int(&w, time_now_ms());
    }
    res_list(req, c, &LECTURE_CATALOG, LECTURE_COLS, &w, SPAN_START " DESC, l.id DESC", event_row, NULL);
    qb_free(&w);
}

static void catalog_item(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *l = res_load(req, c, &LECTURE_CATALOG, LECTURE_COLS, id, event_row, NULL, RES_PLAIN);
    if (!l)
        return;
    json_t *s = lecture_sessions_json(c, id, http_user_id(req));
    if (!s) {
        json_decref(l);
        http_db_error(req, c);
        return;
    }
    json_object_set_new(l, "sessions", s);
    if (lecture_live_attach(c, s) != 0) {
        json_decref(l);
        http_db_error(req, c);
        return;
    }
    http_json(req, 200, l);
}

static json_t *plain_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return lecture_row_json(st);
}

static void catalog_poster(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *l = res_load(req, c, &LECTURE_CATALOG, LECTURE_COLS, id, plain_row, NULL,
                         RES_PLAIN); /* with poster_file_id */
    if (!l)
        return;
    lecture_send_poster(req, c, l);
    json_decref(l);
}

/* ---- booking ---- */

static json_t *load_booking(http_req_t *req, db_conn_t *c, const zd_resource_t *r, int64_t id)
{
    return http_defer_json(req, res_load(req, c, r, BOOKING_COLS, id, booking_row, NULL, RES_PLAIN));
}

/* one booking in the group commit's transaction (http/batch.h) */
static bool book_one(http_req_t *req, db_conn_t *c, int64_t sid)
{
    if (!res_visible(req, c, &LECTURE_CATALOG_SESSIONS, sid))
        return false;
    const char *status = NULL;
    int64_t id = booking_book(req, c, &LECTURE_BOOKING, sid, &status);
    if (!id)
        return false;
    json_t *o = load_booking(req, c, &MY_BOOKINGS, id);
    if (!o)
        return false;
    audit_entry_t ae = {.target_type = "lecture_booking", /* the booking, not the session the route names */
                        .target = id,
                        .after = o,
                        .detail = http_printf(req, "预约讲堂《%s》（%s）", jstr(o, "lecture_title"), status)};
    return booking_answer(req, c, &ae, json_incref(o));
}

/* booked together with the bookings of the same moment, one COMMIT for
 * them all; no thread waits meanwhile (http/batch.h) */
static void book_session(http_req_t *req)
{
    int64_t sid;
    if (http_param_id(req, "id", &sid))
        http_batch_submit(req, book_one, sid, LECTURE_BOOKING.sessions, sid);
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
    if (!booking_release(req, c, &LECTURE_BOOKING, before, "cancelled",
                         " AND status IN ('pending', 'confirmed', 'waitlisted')", NULL))
        return;
    json_t *after = load_booking(req, c, &MY_BOOKINGS, id);
    if (!after)
        return;
    audit_entry_t ae = {.target = id,
                        .before = before,
                        .after = after,
                        .detail = http_printf(req, "取消预约《%s》", jstr(before, "lecture_title"))};
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

/* ---- the organiser's lists and decisions ---- */

static const vfield_t BOOKINGS_QUERY[] = {
    {"lecture_id", V_ID, .title = "讲堂"},
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
    res_from(req, &LECTURE_BOOKINGS, &w);
    int64_t lecture = http_query_i64(req, "lecture_id", 0), session = http_query_i64(req, "session_id", 0);
    if (lecture) {
        qb_sql(&w, " AND b.lecture_id = ");
        qb_int(&w, lecture);
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
    res_list(req, c, &LECTURE_BOOKINGS, BOOKING_COLS, &w, "b.id", booking_row, NULL);
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
    json_t *before = load_booking(req, c, &LECTURE_BOOKINGS, id);
    if (!before)
        return;
    const char *opinion = jstr(b, "opinion");
    bool approve = !strcmp(jstr(b, "action"), "approve");
    if (!booking_decide(req, c, &LECTURE_BOOKING, before, approve, opinion, jstr(before, "lecture_title")))
        return;
    json_t *after = load_booking(req, c, &LECTURE_BOOKINGS, id);
    if (!after)
        return;
    audit_entry_t ae = {.target = id,
                        .before = before,
                        .after = after,
                        .detail = http_printf(req, "%s讲堂预约（%s）：%s", approve ? "通过" : "不通过",
                                              jstr(before, "user_name"), opinion)};
    audit_reply(req, c, true, &ae, 200, json_incref(after));
}

/* ---- check-in ---- */

static const vfield_t CHECKIN_BODY[] = {{"token", V_STR, true, 1, 100, .title = "签到码中的令牌"}};

static void checkin(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    bool again = false;
    int64_t id = booking_checkin(req, c, &LECTURE_BOOKING, jstr(http_json_body(req), "token"), &again);
    if (!id)
        return;
    json_t *before = load_booking(req, c, &MY_BOOKINGS, id);
    if (!before || (!again && !booking_attend(req, c, &LECTURE_BOOKING, id)))
        return;
    json_t *after = load_booking(req, c, &MY_BOOKINGS, id);
    if (!after)
        return;
    json_t *out = json_deep_copy(after);
    json_object_set_new(out, "already", json_boolean(again));
    audit_entry_t ae = {.action = "lecture.checkin",
                        .target_type = "lecture_booking",
                        .target = id,
                        .before = before,
                        .after = after,
                        .detail = http_printf(req, "签到《%s》%s", jstr(after, "lecture_title"),
                                              again ? "（重复扫码）" : "")};
    audit_reply(req, c, true, &ae, 200, out);
}

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/lecture/catalog", .handler = catalog, .perm = "lecture.read",
     .flags = HTTP_LIST, .summary = "讲堂（已发布）", .resource = &LECTURE_CATALOG, HTTP_QUERY(CATALOG_QUERY),
     HTTP_OUT(CATALOG_OUT), .notes = "the published, not cancelled lectures of the whole city, latest first"},
    {.method = "GET", .pattern = "/api/v1/lecture/catalog/{id}", .handler = catalog_item, .perm = "lecture.read",
     .summary = "讲堂详情（场次与我的预约）", .resource = &LECTURE_CATALOG, HTTP_OUT(CATALOG_OUT),
     .notes = "with sessions, each with remaining seats and the caller's booking (my_booking)"},
    {.method = "GET", .pattern = "/api/v1/lecture/catalog/{id}/poster", .handler = catalog_poster,
     .perm = "lecture.read", .flags = HTTP_DOWNLOAD, .summary = "讲堂海报", .resource = &LECTURE_CATALOG,
     .notes = "the picture of a published lecture (its web size when made); 404 when it has none"},
    {.method = "POST", .pattern = "/api/v1/lecture/sessions/{id}/book", .handler = book_session,
     .perm = "lecture.book", .summary = "预约讲堂场次", .audit = "lecture.book", .resource = &LECTURE_CATALOG_SESSIONS,
     HTTP_OUT(BOOKING_OUT), .status = 201,
     .notes = "confirmed at once, or pending when the lecture needs the organiser's approval; when the session is "
              "full: waitlisted if the lecture keeps a waiting list, else 409 full; 409 already_booked for a "
              "second booking of one session; 409 once the session has started"},
    {.method = "GET", .pattern = "/api/v1/lecture/my-bookings", .handler = my_bookings, .perm = "lecture.book",
     .flags = HTTP_LIST, .summary = "我的预约", .resource = &MY_BOOKINGS, HTTP_QUERY(MY_QUERY),
     HTTP_OUT(BOOKING_OUT), .notes = "the caller's own bookings, the latest session first"},
    {.method = "POST", .pattern = "/api/v1/lecture/my-bookings/{id}/cancel", .handler = cancel_booking,
     .perm = "lecture.book", .summary = "取消我的预约", .audit = "lecture.unbook", .resource = &MY_BOOKINGS,
     HTTP_OUT(BOOKING_OUT),
     .notes = "pending, confirmed or waitlisted, before the session starts (else 409); the seat is freed and "
              "the first on the waiting list moves up in the same transaction"},
    {.method = "POST", .pattern = "/api/v1/lecture/checkin", .handler = checkin, .perm = "lecture.book",
     .summary = "扫码签到", .audit = "lecture.checkin", HTTP_BODY(CHECKIN_BODY), HTTP_OUT(BOOKING_OUT),
     .example = "{\"token\":\"1.00000000000000000000000000000000\"}",
     .notes = "the token of the session's QR code; a confirmed booking, from 30 minutes before the start to 30 "
              "minutes after the end: attended (already: true when scanned again); 404 invalid token or no "
              "booking, 409 not_confirmed, 409 not_open"},
    {.method = "GET", .pattern = "/api/v1/lecture/bookings", .handler = list_bookings, .perm = "lecture.manage",
     .flags = HTTP_LIST, .summary = "讲堂预约名单（管理）", .resource = &LECTURE_BOOKINGS,
     HTTP_QUERY(BOOKINGS_QUERY), HTTP_OUT(BOOKING_OUT)},
    {.method = "POST", .pattern = "/api/v1/lecture/bookings/{id}/decision", .handler = decide_booking,
     .perm = "lecture.manage", .summary = "审核讲堂预约", .audit = "lecture.booking_decide",
     .resource = &LECTURE_BOOKINGS, HTTP_BODY(DECISION_BODY), HTTP_OUT(BOOKING_OUT),
     .example = "{\"action\":\"approve\",\"opinion\":\"同意\"}",
     .notes = "pending only (else 409); approve confirms; reject frees the seat (the waiting list moves up); the "
              "member is told with the opinion"},
};
// clang-format on

int lecture_booking_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
