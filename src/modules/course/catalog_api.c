/* catalog_api.c — the members' side of the course matrix: the published
 * courses of the whole city (course.read), a course with its lessons (and
 * the caller's progress in each) and its in-person schedule, its cover, and
 * the lessons' media: the HLS ladder of a video (the storage module's) or
 * the file of an audio lesson. */
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/course/internal.h"
#include "modules/progress/progress.h"
#include "modules/storage/storage.h"
#include <string.h>

static const res_sort_t CATALOG_SORTS[] = {{"id", "c.id"},
                                           {"title", "c.title"},
                                           {"series", "c.series"},
                                           {"lecturer_name", "c.lecturer_name"},
                                           {"published_at", "c.published_at"},
                                           {NULL, NULL}};
/* The published courses are the city's: whoever may browse sees every one,
 * whichever organisation made it (no organisation scope). */
const zd_resource_t COURSE_CATALOG = {.name = "course_item",
                                      .title = "党课",
                                      .table = "courses",
                                      .alias = "c",
                                      .from = COURSE_FROM,
                                      .where = "c.deleted_at IS NULL AND c.status = 'approved'",
                                      .no_org = true,
                                      .no_creator = true,
                                      .perm = "course.read",
                                      .sorts = CATALOG_SORTS};
/* Lessons of the published courses. */
static const zd_resource_t CATALOG_LESSONS = {.name = "course_lesson",
                                              .title = "课时",
                                              .table = "course_lessons",
                                              .alias = "l",
                                              .from = "course_lessons l JOIN courses c ON c.id = l.course_id",
                                              .where = "c.deleted_at IS NULL AND c.status = 'approved'",
                                              .no_org = true,
                                              .no_creator = true,
                                              .perm = "course.read"};

static json_t *item_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return course_row_json(st, true);
}

static const vfield_t CATALOG_QUERY[] = {
    {"series", V_ENUM, .choices = COURSE_SERIES, .title = "系列"},
    {"tag", V_STR, .max = 20, .title = "标签"},
    {"lecturer", V_STR, .max = 100, .title = "主讲人包含"},
    {"q", V_STR, .max = 100, .title = "名称、简介、主讲人或标签包含"},
    {"from", V_TIME, .title = "发布不早于"},
    {"to", V_TIME, .title = "发布早于"},
};
static const vfield_t CATALOG_OUT[] = {
    {"id", V_ID},
    {"series", V_ENUM, .choices = COURSE_SERIES, .title = "系列"},
    {"title", V_STR},
    {"introduction", V_STR},
    {"lecturer_name", V_STR},
    {"lecturer_details", V_STR},
    {"org_name", V_STR, .title = "出品组织"},
    {"tags", V_ARRAY},
    {"published_at", V_TIME},
    {"lessons_count", V_INT},
    {"duration_ms", V_INT},
    {"sessions_count", V_INT},
    {"first_session_at", V_TIME},
    {"cover_url", V_STR, .title = "封面图片地址（无封面时为 null）"},
    {"lessons", V_ARRAY,
     .title = "课时（详情）[{id,title,media,duration_ms,position_ms,watched_ms,completed}]：各带本人的进度"},
    {"needs_approval", V_BOOL, .title = "面授预约需主办方审核"},
    {"waitlist", V_BOOL, .title = "面授场次满员后可候补"},
    {"sessions", V_ARRAY, .title = "面授安排（详情），各带 remaining 与本人的预约 my_booking {id,status}"},
};

static void catalog(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &COURSE_CATALOG, &w);
    course_filters(req, &w);
    res_list(req, c, &COURSE_CATALOG, COURSE_COLS, &w, "c.published_at DESC, c.id DESC", item_row, NULL);
    qb_free(&w);
}

static void catalog_item(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    progress_flush(c); /* the caller's resume positions: this node's beats not written yet */
    json_t *o = res_load(req, c, &COURSE_CATALOG, COURSE_COLS, id, item_row, NULL, RES_PLAIN);
    if (!o)
        return;
    json_t *l = course_lessons_json(c, id, http_user_id(req)),
           *s = l ? course_sessions_json(c, id, http_user_id(req)) : NULL;
    if (!s) {
        json_decref(l);
        json_decref(o);
        http_db_error(req, c);
        return;
    }
    size_t i;
    json_t *x;
    json_array_foreach(l, i, x) json_object_del(x, "file_id");
    json_object_set_new(o, "lessons", l);
    json_object_set_new(o, "sessions", s);
    http_json(req, 200, o);
}

static json_t *cover_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return json_pack("{s:I}", "cover_file_id", (json_int_t)db_col_int64(st, 8));
}

static void catalog_cover(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *o = res_load(req, c, &COURSE_CATALOG, COURSE_COLS, id, cover_row, NULL, RES_PLAIN);
    if (!o)
        return;
    storage_send_picture(req, c, jint(o, "cover_file_id", 0), "封面");
    json_decref(o);
}

static json_t *lesson_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return json_pack("{s:I,s:s}", "file_id", (json_int_t)db_col_int64(st, 0), "media", db_col_text(st, 1));
}

/* the file of a published lesson, or 0 after answering 404/5xx */
static int64_t lesson_file(http_req_t *req, db_conn_t **c, const char **media)
{
    int64_t id;
    *c = http_db_id(req, &id);
    json_t *l = *c ? http_defer_json(req, res_load(req, *c, &CATALOG_LESSONS, "l.file_id, l.media", id,
                                                   lesson_row, NULL, RES_PLAIN))
                   : NULL;
    *media = l ? jstr(l, "media") : NULL;
    return l ? jint(l, "file_id", 0) : 0;
}

static void lesson_hls(http_req_t *req)
{
    db_conn_t *c;
    const char *media;
    int64_t fid = lesson_file(req, &c, &media);
    if (fid)
        storage_file_send_hls(req, c, fid, http_param(req, "variant"), http_param(req, "name"));
}

static void lesson_media(http_req_t *req)
{
    db_conn_t *c;
    const char *media;
    int64_t fid = lesson_file(req, &c, &media);
    if (fid)
        storage_file_send(req, c, fid, true);
}

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/course/catalog", .handler = catalog, .perm = "course.read",
     .flags = HTTP_LIST, .summary = "已发布的党课", .resource = &COURSE_CATALOG, HTTP_QUERY(CATALOG_QUERY),
     HTTP_OUT(CATALOG_OUT), .notes = "the whole city's published courses, newest first"},
    {.method = "GET", .pattern = "/api/v1/course/catalog/{id}", .handler = catalog_item, .perm = "course.read",
     .summary = "党课详情", .resource = &COURSE_CATALOG, HTTP_OUT(CATALOG_OUT),
     .notes = "with its lessons (each with the caller's progress: position_ms to resume, watched_ms, "
              "completed) and sessions"},
    {.method = "GET", .pattern = "/api/v1/course/catalog/{id}/cover", .handler = catalog_cover,
     .perm = "course.read", .flags = HTTP_DOWNLOAD, .summary = "党课封面", .resource = &COURSE_CATALOG},
    {.method = "GET", .pattern = "/api/v1/course/lessons/{id}/hls/{name}", .handler = lesson_hls,
     .perm = "course.read", .flags = HTTP_DOWNLOAD, .summary = "课时播放列表（HLS）",
     .resource = &CATALOG_LESSONS, .notes = "master.m3u8 of a video lesson (storage's HLS ladder)"},
    {.method = "GET", .pattern = "/api/v1/course/lessons/{id}/hls/{variant}/{name}", .handler = lesson_hls,
     .perm = "course.read", .flags = HTTP_DOWNLOAD, .summary = "课时分片（HLS）", .resource = &CATALOG_LESSONS},
    {.method = "GET", .pattern = "/api/v1/course/lessons/{id}/media", .handler = lesson_media,
     .perm = "course.read", .flags = HTTP_DOWNLOAD, .summary = "课时音视频文件", .resource = &CATALOG_LESSONS,
     .notes = "the original file (audio lessons, and players without HLS); Range requests"},
};
// clang-format on

int course_catalog_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
