/* ratings_api.c — 课程评价: a member rates a published course (content,
 * lecturer, form: 1–5) with an optional comment, one rating per member and
 * course, editable (the shared rating code, modules/rating, as the lecture
 * hall's ratings). The comment passes the proofreading engine's
 * sensitive-word check (proofread_text_json, as the submissions use it):
 * a sensitive finding holds it for moderation (status held) instead of
 * showing it; the organisers of the course's organisation publish or reject
 * it. The averages (every rating not rejected) and the published comments
 * are public on the course page. */
#include "http/valid.h"
#include "modules/course/internal.h"
#include "modules/rating/rating.h"
#include <stdio.h>
#include <string.h>

#define RATING_FROM                                                                                          \
    "course_ratings r JOIN courses c ON c.id = r.course_id JOIN users u ON u.id = r.user_id JOIN orgs o ON " \
    "o.id = r.org_id"
#define RATING_COLS                                                                                          \
    "r.id, r.course_id, c.title, r.user_id, u.name, o.name, r.content, r.lecturer, r.form, r.comment, "      \
    "r.status, r.findings, r.moderated_at, r.created_at, r.updated_at"

/* the course's ratings for the shared rating code (rating.h) */
static const rating_kind_t KIND = {.table = "course_ratings",
                                   .parent_col = "course_id",
                                   .title_field = "course_title",
                                   .from = RATING_FROM,
                                   .cols = RATING_COLS,
                                   .target = "course_rating"};

static const res_sort_t RATING_SORTS[] = {
    {"id", "r.id"}, {"updated_at", "r.updated_at"}, {"status", "r.status"}, {NULL, NULL}};
/* The ratings of the courses in the caller's scope (moderation). */
static const zd_resource_t RATINGS = {.name = "course_rating",
                                      .title = "课程评价",
                                      .table = "course_ratings",
                                      .alias = "r",
                                      .from = RATING_FROM,
                                      .where = "c.deleted_at IS NULL",
                                      .org_col = "c.org_id",
                                      .creator_col = "c.created_by",
                                      .perm = "course.manage",
                                      .sorts = RATING_SORTS};

static const vfield_t RATING_OUT[] = {
    {"id", V_ID},
    {"course_id", V_ID},
    {"course_title", V_STR, .title = "党课"},
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
    if (!c || !res_visible(req, c, &COURSE_CATALOG, id))
        return;
    rating_put(req, c, &KIND, id);
}

static const vfield_t PUBLIC_OUT[] = {
    {"averages", V_OBJECT, .title = "{content,lecturer,form,overall,count}（未被驳回的评价）"},
    {"mine", V_OBJECT, .title = "本人的评价（含待审核的评语），未评价时为 null"},
    {"items", V_ARRAY,
     .title = "已公开的评语，最新在前 [{user_name,content,lecturer,form,comment,updated_at}]"},
};

static void course_ratings(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c || !res_visible(req, c, &COURSE_CATALOG, id))
        return;
    rating_public(req, c, &KIND, id);
}

static const vfield_t MOD_QUERY[] = {
    {"status", V_ENUM, .choices = RATING_STATUSES, .title = "评价状态"},
    {"course_id", V_ID, .title = "党课"},
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
    int64_t course = http_query_i64(req, "course_id", 0);
    if (course) {
        qb_sql(&w, " AND r.course_id = ");
        qb_int(&w, course);
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
    {.method = "PUT", .pattern = "/api/v1/course/catalog/{id}/rating", .handler = rate, .perm = "course.learn",
     .summary = "评价党课", .audit = "course.rate", .resource = &COURSE_CATALOG, HTTP_BODY(RATING_BODY),
     HTTP_OUT(RATING_OUT), .example = "{\"content\":5,\"lecturer\":4,\"form\":5,\"comment\":\"讲得生动\"}",
     .notes = "one per member and course (a second one replaces the first); a comment with a sensitive word "
              "is held for moderation (status held); 503 when the proofreading engine cannot check it"},
    {.method = "GET", .pattern = "/api/v1/course/catalog/{id}/ratings", .handler = course_ratings,
     .perm = "course.read", .summary = "党课评价（公开）", .resource = &COURSE_CATALOG, HTTP_OUT(PUBLIC_OUT)},
    {.method = "GET", .pattern = "/api/v1/course/ratings", .handler = list_ratings, .perm = "course.manage",
     .flags = HTTP_LIST, .summary = "课程评价（审核）", .resource = &RATINGS, HTTP_QUERY(MOD_QUERY),
     HTTP_OUT(RATING_OUT), .notes = "the ratings of the courses in the caller's scope"},
    {.method = "POST", .pattern = "/api/v1/course/ratings/{id}/moderate", .handler = moderate,
     .perm = "course.manage", .summary = "审核课程评价", .audit = "course.rating_moderate", .resource = &RATINGS,
     HTTP_BODY(MOD_BODY), HTTP_OUT(RATING_OUT), .example = "{\"action\":\"publish\"}",
     .notes = "a held rating published or rejected (else 409)"},
};
// clang-format on

int course_rating_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
