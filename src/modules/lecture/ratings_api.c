/* ratings_api.c — 讲堂评价: a member who booked a published lecture rates it
 * (content, lecturer, form: 1–5) with an optional comment, one rating per
 * member and lecture, editable; a comment the sensitive-word check flags
 * waits for the organisers' moderation. The shared rating code
 * (modules/rating) does it, as for the courses' ratings. */
#include "http/valid.h"
#include "modules/lecture/internal.h"
#include "modules/rating/rating.h"
#include <stdio.h>
#include <string.h>

#define RATING_FROM                                                                                          \
    "lecture_ratings r JOIN lectures l ON l.id = r.lecture_id JOIN users u ON u.id = r.user_id JOIN orgs o " \
    "ON o.id = r.org_id"
#define RATING_COLS                                                                                          \
    "r.id, r.lecture_id, l.title, r.user_id, u.name, o.name, r.content, r.lecturer, r.form, r.comment, "     \
    "r.status, r.findings, r.moderated_at, r.created_at, r.updated_at"

static const rating_kind_t KIND = {.table = "lecture_ratings",
                                   .parent_col = "lecture_id",
                                   .title_field = "lecture_title",
                                   .from = RATING_FROM,
                                   .cols = RATING_COLS,
                                   .target = "lecture_rating"};

static const res_sort_t RATING_SORTS[] = {
    {"id", "r.id"}, {"updated_at", "r.updated_at"}, {"status", "r.status"}, {NULL, NULL}};
/* The ratings of the lectures in the caller's scope (moderation). */
static const zd_resource_t RATINGS = {.name = "lecture_rating",
                                      .title = "讲堂评价",
                                      .table = "lecture_ratings",
                                      .alias = "r",
                                      .from = RATING_FROM,
                                      .where = "l.deleted_at IS NULL",
                                      .org_col = "l.org_id",
                                      .creator_col = "l.created_by",
                                      .perm = "lecture.manage",
                                      .sorts = RATING_SORTS};

static const vfield_t RATING_OUT[] = {
    {"id", V_ID},
    {"lecture_id", V_ID},
    {"lecture_title", V_STR, .title = "讲堂"},
    {"user_id", V_ID},
    {"user_name", V_STR, .title = "党员"},
    {"org_name", V_STR, .title = "党员所在组织"},
    {"content", V_INT, .title = "内容质量"},
    {"lecturer", V_INT, .title = "主讲人"},
    {"form", V_INT, .title = "授课形式"},
    {"comment", V_STR, .title = "评价"},
    {"status", V_ENUM, .choices = RATING_STATUSES, .title = "评价状态"},
    {"findings", V_ARRAY, .title = "敏感词检查的发现"},
    {"moderated_at", V_TIME, .title = "审核时间"},
    {"created_at", V_TIME},
    {"updated_at", V_TIME},
};

static void rate(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c || !res_visible(req, c, &LECTURE_CATALOG, id))
        return;
    /* those who booked it rate it: a confirmed or attended booking */
    db_stmt_t *st = db_prepare(c, "SELECT 1 FROM lecture_bookings WHERE lecture_id = ? AND user_id = ? AND "
                                  "status IN ('confirmed', 'attended')");
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, id);
        db_bind_int64(st, 2, http_user_id(req));
        rc = db_step(st);
    }
    db_done(st);
    if (rc == DB_ERROR) {
        http_db_error(req, c);
        return;
    }
    if (rc != DB_ROW) {
        http_error(req, 409, "not_booked", "预约并参加该讲堂后才能评价");
        return;
    }
    rating_put(req, c, &KIND, id);
}

static const vfield_t PUBLIC_OUT[] = {
    {"averages", V_OBJECT, .title = "{content,lecturer,form,overall,count}（未被驳回的评价）"},
    {"mine", V_OBJECT, .title = "本人的评价（含待审核的评语），未评价时为 null"},
    {"items", V_ARRAY,
     .title = "已公开的评语，最新在前 [{user_name,content,lecturer,form,comment,updated_at}]"},
};

static void lecture_ratings(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c || !res_visible(req, c, &LECTURE_CATALOG, id))
        return;
    rating_public(req, c, &KIND, id);
}

static const vfield_t MOD_QUERY[] = {
    {"status", V_ENUM, .choices = RATING_STATUSES, .title = "评价状态"},
    {"lecture_id", V_ID, .title = "讲堂"},
};

static void list_ratings(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &RATINGS, &w);
    const char *s = http_query(req, "status");
    if (s) {
        qb_sql(&w, " AND r.status = ");
        qb_text(&w, s);
    }
    int64_t lecture = http_query_i64(req, "lecture_id", 0);
    if (lecture) {
        qb_sql(&w, " AND r.lecture_id = ");
        qb_int(&w, lecture);
    }
    res_list(req, c, &RATINGS, RATING_COLS, &w, "r.id DESC", rating_row, (void *)&KIND);
    qb_free(&w);
}

static const char *const MOD_ACTIONS[] = {"publish", "reject", NULL};
static const vfield_t MOD_BODY[] = {
    {"action", V_ENUM, true, .choices = MOD_ACTIONS, .title = "publish 公开、reject 驳回"}};

static void moderate(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (c)
        rating_moderate(req, c, &KIND, &RATINGS, id);
}

// clang-format off
static const http_route_t routes[] = {
    {.method = "PUT", .pattern = "/api/v1/lecture/catalog/{id}/rating", .handler = rate, .perm = "lecture.book",
     .summary = "评价讲堂", .audit = "lecture.rate", .resource = &LECTURE_CATALOG, HTTP_BODY(RATING_BODY),
     HTTP_OUT(RATING_OUT), .example = "{\"content\":5,\"lecturer\":4,\"form\":5,\"comment\":\"讲得生动\"}",
     .notes = "by a member with a confirmed or attended booking of the lecture (else 409 not_booked); one per "
              "member and lecture (a second one replaces the first); a comment with a sensitive word is held "
              "for moderation (status held); 503 when the proofreading engine cannot check it"},
    {.method = "GET", .pattern = "/api/v1/lecture/catalog/{id}/ratings", .handler = lecture_ratings,
     .perm = "lecture.read", .summary = "讲堂评价（公开）", .resource = &LECTURE_CATALOG, HTTP_OUT(PUBLIC_OUT)},
    {.method = "GET", .pattern = "/api/v1/lecture/ratings", .handler = list_ratings, .perm = "lecture.manage",
     .flags = HTTP_LIST, .summary = "讲堂评价（审核）", .resource = &RATINGS, HTTP_QUERY(MOD_QUERY),
     HTTP_OUT(RATING_OUT), .notes = "the ratings of the lectures in the caller's scope"},
    {.method = "POST", .pattern = "/api/v1/lecture/ratings/{id}/moderate", .handler = moderate,
     .perm = "lecture.manage", .summary = "审核讲堂评价", .audit = "lecture.rating_moderate", .resource = &RATINGS,
     HTTP_BODY(MOD_BODY), HTTP_OUT(RATING_OUT), .example = "{\"action\":\"publish\"}",
     .notes = "a held rating published or rejected (else 409)"},
};
// clang-format on

int lecture_rating_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
