/* ratings_api.c — 课程评价: a member rates a published course (content,
 * lecturer, form: 1–5) with an optional comment, one rating per member and
 * course, editable. The comment passes the proofreading engine's
 * sensitive-word check (proofread_text_json, as the submissions use it):
 * a sensitive finding holds it for moderation (status held) instead of
 * showing it; the organisers of the course's organisation publish or reject
 * it. The averages (every rating not rejected) and the published comments
 * are public on the course page. */
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/course/internal.h"
#include "modules/proofread/proofread.h"
#include <stdio.h>
#include <string.h>

#define RATING_FROM                                                                                          \
    "course_ratings r JOIN courses c ON c.id = r.course_id JOIN users u ON u.id = r.user_id JOIN orgs o ON " \
    "o.id = r.org_id"
#define RATING_COLS                                                                                          \
    "r.id, r.course_id, c.title, r.user_id, u.name, o.name, r.content, r.lecturer, r.form, r.comment, "      \
    "r.status, r.findings, r.moderated_at, r.created_at, r.updated_at"

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

static const char *const RATING_STATUSES[] = {"published", "held", "rejected", NULL};

static json_t *rating_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, "course_id", json_integer(db_col_int64(st, 1)));
    json_object_set_new(o, "course_title", json_col_text(st, 2));
    json_object_set_new(o, "user_id", json_integer(db_col_int64(st, 3)));
    json_object_set_new(o, "user_name", json_col_text(st, 4));
    json_object_set_new(o, "org_name", json_col_text(st, 5));
    json_object_set_new(o, "content", json_integer(db_col_int64(st, 6)));
    json_object_set_new(o, "lecturer", json_integer(db_col_int64(st, 7)));
    json_object_set_new(o, "form", json_integer(db_col_int64(st, 8)));
    json_object_set_new(o, "comment", json_col_text(st, 9));
    json_object_set_new(o, "status", json_col_text(st, 10));
    json_t *f = db_col_is_null(st, 11) ? NULL : json_loads(db_col_text(st, 11), 0, NULL);
    json_object_set_new(o, "findings", f ? f : json_array());
    json_object_set_new(o, "moderated_at", json_time(db_col_int64(st, 12)));
    json_object_set_new(o, "created_at", json_time(db_col_int64(st, 13)));
    json_object_set_new(o, "updated_at", json_time(db_col_int64(st, 14)));
    return o;
}

static const vfield_t RATING_BODY[] = {
    {"content", V_INT, true, 1, 5, .title = "内容质量（1–5）"},
    {"lecturer", V_INT, true, 1, 5, .title = "主讲人（1–5）"},
    {"form", V_INT, true, 1, 5, .title = "授课形式（1–5）"},
    {"comment", V_TEXT, false, 0, 500, .title = "评价（经敏感词检查，命中则待审核后公开）"},
};
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

/* The sensitive findings of a comment (new reference, maybe empty), or
 * NULL when the engine could not check it. */
static json_t *sensitive(const char *text)
{
    char err[200];
    json_t *r = proofread_text_json(text, strlen(text), false, NULL, err, sizeof err);
    if (!r)
        return NULL;
    json_t *out = json_array();
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(r, "findings"), i, f)
    {
        const char *cat = jstr(f, "category");
        if (cat && !strcmp(cat, "sensitive"))
            json_array_append(out, f);
    }
    json_decref(r);
    return out;
}

static int64_t rating_id(db_conn_t *c, int64_t course, int64_t user)
{
    db_stmt_t *st = db_prepare(c, "SELECT id FROM course_ratings WHERE course_id = ? AND user_id = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, course);
    db_bind_int64(st, 2, user);
    int rc = db_step(st);
    int64_t id = rc == DB_ROW ? db_col_int64(st, 0) : rc == DB_DONE ? 0 : -1;
    db_done(st);
    return id;
}

static void rate(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c || !res_visible(req, c, &COURSE_CATALOG, id))
        return;
    json_t *b = http_json_body(req);
    const char *comment = jstr(b, "comment");
    if (comment && !*comment)
        comment = NULL;
    json_t *found = comment ? http_defer_json(req, sensitive(comment)) : NULL;
    if (comment && !found) {
        http_error(req, 503, "unavailable", "校对引擎暂不可用，请稍后再提交评价");
        return;
    }
    bool held = found && json_array_size(found) > 0;
    int64_t me = http_user_id(req), now = time_now_ms(), rid = rating_id(c, id, me);
    if (rid < 0) {
        http_db_error(req, c);
        return;
    }
    json_t *before = rid ? http_defer_json(req, res_find(req, c, &RATINGS, RATING_COLS, rid, rating_row, NULL,
                                                         RES_PLAIN, NULL))
                         : NULL;
    char *fj = held ? json_dumps(found, JSON_COMPACT) : NULL;
    db_stmt_t *st = db_prepare(
        c,
        "INSERT INTO course_ratings (course_id, user_id, org_id, content, lecturer, form, comment, status, "
        "findings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (course_id, "
        "user_id) DO UPDATE SET content = excluded.content, lecturer = excluded.lecturer, form = "
        "excluded.form, comment = excluded.comment, status = excluded.status, findings = excluded.findings, "
        "moderated_by = NULL, moderated_at = NULL, updated_at = excluded.updated_at");
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, id);
        db_bind_int64(st, 2, me);
        db_bind_int64(st, 3, http_user_org(req));
        db_bind_int64(st, 4, jint(b, "content", 0));
        db_bind_int64(st, 5, jint(b, "lecturer", 0));
        db_bind_int64(st, 6, jint(b, "form", 0));
        db_bind_text(st, 7, comment);
        db_bind_text(st, 8, held ? "held" : "published");
        db_bind_text(st, 9, fj);
        db_bind_int64(st, 10, now);
        db_bind_int64(st, 11, now);
        rc = db_step(st);
    }
    db_done(st);
    free(fj);
    rid = rc == DB_DONE ? rating_id(c, id, me) : -1;
    if (rid <= 0) {
        http_db_error(req, c);
        return;
    }
    /* the member's own row, whatever the moderation scope */
    st = db_prepare(c, "SELECT " RATING_COLS " FROM " RATING_FROM " WHERE r.id = ?");
    json_t *after = NULL;
    if (st) {
        db_bind_int64(st, 1, rid);
        if (db_step(st) == DB_ROW)
            after = rating_row(st, NULL);
    }
    db_done(st);
    if (!after) {
        http_db_error(req, c);
        return;
    }
    json_object_set_new(after, "message",
                        json_string(held ? "评价已提交，含需审核的内容，审核通过后公开" : "评价已提交"));
    audit_entry_t ae = {.target = rid, .before = before, .after = after};
    audit_reply(req, c, true, &ae, 200, after);
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
    db_stmt_t *st =
        db_prepare(c, "SELECT COUNT(*), AVG(content), AVG(lecturer), AVG(form) FROM course_ratings "
                      "WHERE course_id = ? AND status <> 'rejected'");
    json_t *avg = NULL;
    if (st) {
        db_bind_int64(st, 1, id);
        if (db_step(st) == DB_ROW) {
            int64_t n = db_col_int64(st, 0);
            double a = n ? db_col_double(st, 1) : 0, l = n ? db_col_double(st, 2) : 0,
                   f = n ? db_col_double(st, 3) : 0;
            avg = json_pack("{s:f,s:f,s:f,s:f,s:I}", "content", a, "lecturer", l, "form", f, "overall",
                            (a + l + f) / 3, "count", (json_int_t)n);
        }
    }
    db_done(st);
    json_t *items = json_array(), *mine = json_null();
    st = avg ? db_prepare(
                   c, "SELECT " RATING_COLS " FROM " RATING_FROM " WHERE r.course_id = ? AND (r.status = "
                      "'published' AND r.comment IS NOT NULL OR r.user_id = ?) ORDER BY r.updated_at DESC, "
                      "r.id DESC LIMIT 101")
             : NULL;
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, id);
        db_bind_int64(st, 2, http_user_id(req));
        while ((rc = db_step(st)) == DB_ROW) {
            json_t *o = rating_row(st, NULL);
            if (jint(o, "user_id", 0) == http_user_id(req)) {
                json_decref(mine);
                mine = json_deep_copy(o);
                json_object_del(mine, "findings");
            }
            if (!strcmp(jstr(o, "status"), "published") && jstr(o, "comment") &&
                json_array_size(items) < 100) {
                static const char *const KEEP[] = {"id",   "user_name", "content",   "lecturer",
                                                   "form", "comment",   "updated_at"};
                json_array_append_new(items, json_pick(o, KEEP, VN(KEEP)));
            }
            json_decref(o);
        }
    }
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(avg);
        json_decref(items);
        json_decref(mine);
        http_db_error(req, c);
        return;
    }
    http_json(req, 200, json_pack("{s:o,s:o,s:o}", "averages", avg, "mine", mine, "items", items));
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
    res_list(req, c, &RATINGS, RATING_COLS, &w, "r.id DESC", rating_row, NULL);
    qb_free(&w);
}

static const char *const MOD_ACTIONS[] = {"publish", "reject", NULL};
static const vfield_t MOD_BODY[] = {
    {"action", V_ENUM, true, .choices = MOD_ACTIONS, .title = "publish 公开、reject 驳回"}};

static void moderate(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before =
        http_defer_json(req, res_load(req, c, &RATINGS, RATING_COLS, id, rating_row, NULL, RES_PLAIN));
    if (!before)
        return;
    bool publish = !strcmp(jstr(http_json_body(req), "action"), "publish");
    qb_t q;
    qb_init(&q, "UPDATE course_ratings SET status = ");
    qb_text(&q, publish ? "published" : "rejected");
    qb_sql(&q, ", moderated_by = ");
    qb_int(&q, http_user_id(req));
    qb_sql(&q, ", moderated_at = ");
    qb_int(&q, time_now_ms());
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND status = 'held'");
    if (!res_transition(req, c, &q, "只有待审核的评价可以审核"))
        return;
    json_t *after = res_load(req, c, &RATINGS, RATING_COLS, id, rating_row, NULL, RES_PLAIN);
    audit_entry_t ae = {.target = id, .before = before, .after = after};
    audit_reply(req, c, after != NULL, &ae, 200, after);
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
