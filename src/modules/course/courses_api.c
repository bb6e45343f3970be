/* courses_api.c — the organisers' side of the course matrix (系列党课矩阵):
 * a course (series, title, introduction, lecturer, cover, tags, its
 * ordered audio/video lessons held through the storage module and an
 * optional in-person schedule) is written as a draft, submitted to the
 * review engine (kind "course") and published on approval. Each course has
 * a QR code (PNG, SVG) opening its members' page, and each series a
 * printable sheet of its courses' codes. */
#include "core/str.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "media/qr.h"
#include "modules/course/internal.h"
#include "modules/storage/storage.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DURATION_MS (24 * 3600000LL)

static const res_sort_t COURSE_SORTS[] = {{"id", "c.id"},
                                          {"title", "c.title"},
                                          {"series", "c.series"},
                                          {"lecturer_name", "c.lecturer_name"},
                                          {"status", "c.status"},
                                          {"org_name", "o.name"},
                                          {"published_at", "c.published_at"},
                                          {"created_at", "c.created_at"},
                                          {"updated_at", "c.updated_at"},
                                          {NULL, NULL}};
const zd_resource_t COURSES = {.name = "course",
                               .title = "党课",
                               .table = "courses",
                               .alias = "c",
                               .from = COURSE_FROM,
                               .where = "c.deleted_at IS NULL",
                               .org_col = "c.org_id",
                               .creator_col = "c.created_by",
                               .perm = "course.manage",
                               .sorts = COURSE_SORTS};

/* ",a,b," → ["a","b"] */
static json_t *tags_json(const char *s)
{
    json_t *a = json_array();
    while (s && *s) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n)
            json_array_append_new(a, json_stringn(s, n));
        s = e ? e + 1 : NULL;
    }
    return a;
}

json_t *course_row_json(db_stmt_t *st, bool catalog)
{
    json_t *o = json_object();
    int64_t id = db_col_int64(st, 0);
    json_object_set_new(o, "id", json_integer(id));
    json_object_set_new(o, "org_id", json_integer(db_col_int64(st, 1)));
    json_object_set_new(o, "org_name", json_col_text(st, 2));
    json_object_set_new(o, "series", json_col_text(st, 3));
    json_object_set_new(o, "title", json_col_text(st, 4));
    json_object_set_new(o, "introduction", json_col_text(st, 5));
    json_object_set_new(o, "lecturer_name", json_col_text(st, 6));
    json_object_set_new(o, "lecturer_details", json_col_text(st, 7));
    json_object_set_new(o, "tags", tags_json(db_col_text(st, 9)));
    json_object_set_new(o, "published_at", json_time(db_col_int64(st, 13)));
    json_object_set_new(o, "lessons_count", json_integer(db_col_int64(st, 18)));
    json_object_set_new(o, "duration_ms", json_integer(db_col_int64(st, 19)));
    json_object_set_new(o, "first_session_at", json_time(db_col_int64(st, 20)));
    json_object_set_new(o, "sessions_count", json_integer(db_col_int64(st, 21)));
    json_object_set_new(o, "needs_approval", json_boolean(db_col_int64(st, 22) != 0));
    json_object_set_new(o, "waitlist", json_boolean(db_col_int64(st, 23) != 0));
    bool cover = !db_col_is_null(st, 8);
    json_object_set_new(o, "cover_url",
                        !cover ? json_null()
                               : json_sprintf(catalog ? "/api/v1/course/catalog/%lld/cover"
                                                      : "/api/v1/course/courses/%lld/cover",
                                              (long long)id));
    if (catalog)
        return o;
    json_object_set_new(o, "cover_file_id", json_col_id(st, 8));
    json_object_set_new(o, "status", json_col_text(st, 10));
    json_object_set_new(o, "review_level", json_integer(db_col_int64(st, 11)));
    json_object_set_new(o, "review_id", json_col_id(st, 12));
    json_object_set_new(o, "created_by", json_integer(db_col_int64(st, 14)));
    json_object_set_new(o, "created_by_name", json_col_text(st, 15));
    json_object_set_new(o, "created_at", json_time(db_col_int64(st, 16)));
    json_object_set_new(o, "updated_at", json_time(db_col_int64(st, 17)));
    return o;
}

static json_t *course_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return course_row_json(st, false);
}

json_t *course_lessons_json(db_conn_t *c, int64_t course_id, int64_t user_id)
{
    db_stmt_t *st = db_prepare(c, "SELECT l.id, l.position, l.title, l.file_id, l.media, l.duration_ms, "
                                  "p.position_ms, p.watched_ms, p.completed_at FROM course_lessons l "
                                  "LEFT JOIN course_progress p ON p.lesson_id = l.id AND p.user_id = ? "
                                  "WHERE l.course_id = ? ORDER BY l.position");
    if (!st)
        return NULL;
    db_bind_int64(st, 1, user_id);
    db_bind_int64(st, 2, course_id);
    json_t *a = json_array();
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        json_t *l = json_pack("{s:I,s:I,s:o,s:I,s:o,s:I}", "id", (json_int_t)db_col_int64(st, 0), "position",
                              (json_int_t)db_col_int64(st, 1), "title", json_col_text(st, 2), "file_id",
                              (json_int_t)db_col_int64(st, 3), "media", json_col_text(st, 4), "duration_ms",
                              (json_int_t)db_col_int64(st, 5));
        if (user_id) {
            json_object_set_new(l, "position_ms", json_integer(db_col_int64(st, 6)));
            json_object_set_new(l, "watched_ms", json_integer(db_col_int64(st, 7)));
            json_object_set_new(l, "completed", json_boolean(!db_col_is_null(st, 8)));
        }
        json_array_append_new(a, l);
    }
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(a);
        return NULL;
    }
    return a;
}

json_t *course_sessions_json(db_conn_t *c, int64_t course_id, int64_t user_id)
{
    db_stmt_t *st = db_prepare(
        c,
        "SELECT s.id, s.starts_at, s.ends_at, s.place, s.capacity, s.booked, s.waiting, "
        "(SELECT b.id FROM course_bookings b WHERE b.session_id = s.id AND b.user_id = ? AND b.status IN "
        "('pending', 'confirmed', 'waitlisted', 'attended')), (SELECT b.status FROM course_bookings b WHERE "
        "b.session_id = s.id AND b.user_id = ? AND b.status IN ('pending', 'confirmed', 'waitlisted', "
        "'attended')) FROM course_sessions s WHERE s.course_id = ? AND s.deleted_at IS NULL "
        "ORDER BY s.starts_at, s.id");
    if (!st)
        return NULL;
    db_bind_int64(st, 1, user_id);
    db_bind_int64(st, 2, user_id);
    db_bind_int64(st, 3, course_id);
    json_t *a = json_array();
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        int64_t cap = db_col_int64(st, 4), booked = db_col_int64(st, 5);
        json_t *s =
            json_pack("{s:I,s:o,s:o,s:o,s:I,s:I,s:I,s:I}", "id", (json_int_t)db_col_int64(st, 0), "starts_at",
                      json_time(db_col_int64(st, 1)), "ends_at", json_time(db_col_int64(st, 2)), "place",
                      json_col_text(st, 3), "capacity", (json_int_t)cap, "booked", (json_int_t)booked,
                      "remaining", (json_int_t)(cap - booked), "waiting", (json_int_t)db_col_int64(st, 6));
        if (user_id)
            json_object_set_new(s, "my_booking",
                                db_col_is_null(st, 7)
                                    ? json_null()
                                    : json_pack("{s:I,s:o}", "id", (json_int_t)db_col_int64(st, 7), "status",
                                                json_col_text(st, 8)));
        json_array_append_new(a, s);
    }
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(a);
        return NULL;
    }
    return a;
}

void course_filters(http_req_t *req, qb_t *w)
{
    const char *series = http_query(req, "series"), *tag = http_query(req, "tag"),
               *lecturer = http_query(req, "lecturer"), *q = http_query(req, "q"),
               *from = http_query(req, "from"), *to = http_query(req, "to");
    if (series) {
        qb_sql(w, " AND c.series = ");
        qb_text(w, series);
    }
    if (tag) {
        char pat[128];
        snprintf(pat, sizeof pat, ",%s,", tag);
        static const char *const col[] = {"c.tags"};
        qb_like_any(w, col, 1, pat);
    }
    if (lecturer) {
        static const char *const col[] = {"c.lecturer_name"};
        qb_like_any(w, col, 1, lecturer);
    }
    if (q) {
        static const char *const cols[] = {"c.title", "c.introduction", "c.lecturer_name", "c.tags"};
        qb_like_any(w, cols, 4, q);
    }
    int64_t ms;
    if (from && time_parse_iso8601(from, &ms)) {
        qb_sql(w, " AND COALESCE(c.published_at, c.created_at) >= ");
        qb_int(w, ms);
    }
    if (to && time_parse_iso8601(to, &ms)) {
        qb_sql(w, " AND COALESCE(c.published_at, c.created_at) < ");
        qb_int(w, ms);
    }
}

void course_member_url(http_req_t *req, int64_t id, char *out, size_t n)
{
    const char *base = course_public_url;
    char host[320] = "";
    if (!*base) {
        const char *h = http_header_in(req, "Host");
        /* a Host header is the client's word: keep only what a host name holds */
        size_t k = 0;
        for (; h && *h && k + 1 < 290; h++)
            if ((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') || (*h >= '0' && *h <= '9') ||
                strchr(".-:[]", *h))
                host[k++] = *h;
        host[k] = 0;
        if (!*host)
            str_lcpy(host, "127.0.0.1", sizeof host);
        snprintf(out, n, "http://%s/m/courses/%lld", host, (long long)id);
        return;
    }
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        bl--;
    snprintf(out, n, "%.*s/m/courses/%lld", (int)bl, base, (long long)id);
}

/* ---- validation ---- */

static const char *tags_check(json_t *v)
{
    size_t i;
    json_t *t;
    json_array_foreach(v, i, t)
    {
        const char *s = json_string_value(t);
        size_t n = s ? strlen(s) : 0, chars = s ? utf8_count(s, n) : 0;
        if (!s || chars < 1 || chars > 20)
            return "每个标签 1 至 20 个字";
        if (strchr(s, ','))
            return "标签不能含逗号";
    }
    return NULL;
}

static const char *lessons_check(json_t *v)
{
    size_t i;
    json_t *l;
    json_array_foreach(v, i, l)
    {
        const char *t = json_string_value(json_object_get(l, "title"));
        json_t *f = json_object_get(l, "file_id");
        if (!json_is_object(l) || !t || utf8_count(t, strlen(t)) < 1 || utf8_count(t, strlen(t)) > 100)
            return "每个课时须有标题（1 至 100 个字）";
        if (!json_is_integer(f) || json_integer_value(f) <= 0)
            return "每个课时须有音视频文件（file_id）";
    }
    return NULL;
}

static int64_t time_of(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    int64_t ms = 0;
    return s && time_parse_iso8601(s, &ms) ? ms : 0;
}

static const char *sessions_check(json_t *v)
{
    size_t i;
    json_t *s;
    json_array_foreach(v, i, s)
    {
        int64_t a = time_of(s, "starts_at"), b = time_of(s, "ends_at");
        const char *p = json_string_value(json_object_get(s, "place"));
        json_t *cap = json_object_get(s, "capacity");
        if (!json_is_object(s) || !a || !b)
            return "每个面授场次须有开始和结束时间";
        if (b <= a || b - a > MAX_DURATION_MS)
            return "面授场次的结束须晚于开始，最长 24 小时";
        if (!p || utf8_count(p, strlen(p)) < 1 || utf8_count(p, strlen(p)) > 200)
            return "每个面授场次须有地点（1 至 200 个字）";
        if (!json_is_integer(cap) || json_integer_value(cap) < 1 || json_integer_value(cap) > 100000)
            return "每个面授场次的名额为 1 至 100000";
    }
    return NULL;
}

static const vfield_t COURSE_NEW[] = {
    {"series", V_ENUM, true, .choices = COURSE_SERIES, .title = "系列（字典 course_series）"},
    {"title", V_STR, true, 1, 100, .title = "课程名称"},
    {"introduction", V_TEXT, false, 0, 5000, .title = "课程简介"},
    {"lecturer_name", V_STR, true, 1, 100, .title = "主讲人"},
    {"lecturer_details", V_TEXT, false, 0, 2000, .title = "主讲人简介"},
    {"tags", V_ARRAY, false, 0, 10, .check = tags_check, .title = "标签（至多 10 个）"},
    {"org_id", V_ID, true, .title = "所属组织"},
    {"cover_file_id", V_ID, .title = "封面（经 /api/v1/uploads 上传的图片）"},
    {"lessons", V_ARRAY, false, 0, 100, .check = lessons_check,
     .title = "课时（按顺序）[{title, file_id}]，file_id 为上传的音视频文件"},
    {"sessions", V_ARRAY, false, 0, 50, .check = sessions_check,
     .title = "面授安排（可选）[{starts_at, ends_at, place, capacity}]"},
    {"needs_approval", V_BOOL, .title = "面授预约需主办方审核"},
    {"waitlist", V_BOOL, .title = "面授场次满员后可候补"},
};
static const vfield_t COURSE_PATCH[] = {
    {"series", V_ENUM, .choices = COURSE_SERIES, .title = "系列"},
    {"title", V_STR, false, 1, 100, .title = "课程名称"},
    {"introduction", V_TEXT, false, 0, 5000, .title = "课程简介"},
    {"lecturer_name", V_STR, false, 1, 100, .title = "主讲人"},
    {"lecturer_details", V_TEXT, false, 0, 2000, .title = "主讲人简介"},
    {"tags", V_ARRAY, false, 0, 10, .check = tags_check, .title = "标签"},
    {"cover_file_id", V_ID, .title = "封面（null 去掉）"},
    {"lessons", V_ARRAY, false, 0, 100, .check = lessons_check, .title = "课时（整体替换）"},
    {"sessions", V_ARRAY, false, 0, 50, .check = sessions_check, .title = "面授安排（整体替换）"},
    {"needs_approval", V_BOOL, .title = "面授预约需主办方审核"},
    {"waitlist", V_BOOL, .title = "面授场次满员后可候补"},
};

/* ---- loading ---- */

static json_t *load(http_req_t *req, db_conn_t *c, int64_t id)
{
    json_t *o = res_load(req, c, &COURSES, COURSE_COLS, id, course_row, NULL, RES_PLAIN);
    if (!o)
        return NULL;
    json_t *l = course_lessons_json(c, id, 0), *s = l ? course_sessions_json(c, id, 0) : NULL;
    if (!s) {
        json_decref(l);
        json_decref(o);
        http_db_error(req, c);
        return NULL;
    }
    json_object_set_new(o, "lessons", l);
    json_object_set_new(o, "sessions", s);
    return http_defer_json(req, o);
}

static int editable(db_conn_t *c, json_t *o)
{
    if (json_is_null(json_object_get(o, "review_id")))
        return !strcmp(jstr(o, "status"), "draft");
    return review_editable(c, &COURSE_REVIEW, jint(o, "id", 0));
}

static bool require_editable(http_req_t *req, db_conn_t *c, json_t *o)
{
    int ed = editable(c, o);
    if (ed < 0)
        http_db_error(req, c);
    else if (!ed)
        http_error(req, 409, "conflict", "审核中、已发布或已驳回的党课不能修改");
    return ed > 0;
}

/* ",a,b," from the body's tags (the caller frees) */
static char *tags_text(json_t *tags)
{
    sbuf_t b;
    sbuf_init(&b);
    sbuf_puts(&b, ",");
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t)
    {
        sbuf_puts(&b, json_string_value(t));
        sbuf_puts(&b, ",");
    }
    return sbuf_detach(&b);
}

/* The lessons replaced by the body's: a file already a lesson of this
 * course is kept; any other must be the caller's upload, a video or an
 * audio file, and is claimed for the module. false after answering. */
static bool set_lessons(http_req_t *req, db_conn_t *c, int64_t id, int64_t org, json_t *lessons,
                        json_t *before)
{
    if (!lessons)
        return true;
    json_t *had = before ? json_object_get(before, "lessons") : NULL;
    if (DB_EXEC_I64(c, "DELETE FROM course_lessons WHERE course_id = ?", id) != 0) {
        http_db_error(req, c);
        return false;
    }
    size_t i, j;
    json_t *l, *h;
    int64_t now = time_now_ms();
    json_array_foreach(lessons, i, l)
    {
        int64_t fid = jint(l, "file_id", 0), dur = 0;
        const char *media = NULL;
        json_array_foreach(had, j, h) if (jint(h, "file_id", 0) == fid)
        {
            media = jstr(h, "media");
            dur = jint(h, "duration_ms", 0);
        }
        if (!media) {
            bool dberr = false;
            json_t *f = http_defer_json(req, storage_file_summary(c, fid, &dberr));
            if (dberr) {
                http_db_error(req, c);
                return false;
            }
            const char *mime = f ? jstr(f, "mime") : NULL;
            if (!f || jint(f, "created_by", 0) != http_user_id(req)) {
                http_error_fields(req, json_pack("{s:s}", "lessons", "课时文件不存在或不是您上传的"));
                return false;
            }
            if (!mime || (strncmp(mime, "video/", 6) && strncmp(mime, "audio/", 6))) {
                http_error(req, 415, "unsupported_media_type", "课时只能是音频或视频");
                return false;
            }
            media = strncmp(mime, "video/", 6) ? "audio" : "video";
            dur = jint(f, "duration_ms", 0);
            int claimed = storage_file_claim(c, fid, org, "course");
            if (claimed <= 0) {
                if (claimed < 0)
                    http_db_error(req, c);
                else
                    http_error(req, 409, "conflict", "课时文件已被其他业务使用");
                return false;
            }
        }
        db_stmt_t *st =
            db_prepare(c, "INSERT INTO course_lessons (course_id, position, title, file_id, media, "
                          "duration_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
        int rc = DB_ERROR;
        if (st) {
            db_bind_int64(st, 1, id);
            db_bind_int64(st, 2, (int64_t)i + 1);
            db_bind_text(st, 3, jstr(l, "title"));
            db_bind_int64(st, 4, fid);
            db_bind_text(st, 5, media);
            db_bind_int64(st, 6, dur);
            db_bind_int64(st, 7, now);
            rc = db_step(st);
        }
        db_done(st);
        if (rc != DB_DONE) {
            http_db_error(req, c);
            return false;
        }
    }
    return true;
}

static bool set_sessions(http_req_t *req, db_conn_t *c, int64_t id, json_t *sessions)
{
    if (!sessions)
        return true;
    if (DB_EXEC_I64(c, "DELETE FROM course_sessions WHERE course_id = ?", id) != 0) {
        http_db_error(req, c);
        return false;
    }
    size_t i;
    json_t *s;
    int64_t now = time_now_ms();
    json_array_foreach(sessions, i, s)
    {
        db_stmt_t *st = db_prepare(c, "INSERT INTO course_sessions (course_id, starts_at, ends_at, place, "
                                      "capacity, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
        int rc = DB_ERROR;
        if (st) {
            db_bind_int64(st, 1, id);
            db_bind_int64(st, 2, time_of(s, "starts_at"));
            db_bind_int64(st, 3, time_of(s, "ends_at"));
            db_bind_text(st, 4, jstr(s, "place"));
            db_bind_int64(st, 5, jint(s, "capacity", 1));
            db_bind_int64(st, 6, now);
            db_bind_int64(st, 7, now);
            rc = db_step(st);
        }
        db_done(st);
        if (rc != DB_DONE) {
            http_db_error(req, c);
            return false;
        }
    }
    return true;
}

static bool set_cover(http_req_t *req, db_conn_t *c, int64_t id, int64_t org, json_t *b, json_t *before)
{
    if (!jhas(b, "cover_file_id"))
        return true;
    int64_t fid = jint(b, "cover_file_id", 0), had = before ? jint(before, "cover_file_id", 0) : 0;
    if (fid && fid != had && !storage_claim_picture(req, c, fid, org, "course", "cover_file_id", "封面"))
        return false;
    db_stmt_t *st = db_prepare(c, "UPDATE courses SET cover_file_id = ? WHERE id = ?");
    int rc = DB_ERROR;
    if (st) {
        if (fid)
            db_bind_int64(st, 1, fid);
        else
            db_bind_null(st, 1);
        db_bind_int64(st, 2, id);
        rc = db_step(st);
    }
    db_done(st);
    if (rc != DB_DONE) {
        http_db_error(req, c);
        return false;
    }
    return true;
}

/* ---- handlers ---- */

static const char *const STATES[] = {"draft",    "in_review", "returned", "approved",
                                     "rejected", "withdrawn", NULL};
static const vfield_t LIST_QUERY[] = {
    {"status", V_ENUM, .choices = STATES, .title = "审核状态"},
    {"series", V_ENUM, .choices = COURSE_SERIES, .title = "系列"},
    {"tag", V_STR, .max = 20, .title = "标签"},
    {"lecturer", V_STR, .max = 100, .title = "主讲人包含"},
    {"q", V_STR, .max = 100, .title = "名称、简介、主讲人或标签包含"},
    {"from", V_TIME, .title = "发布（未发布时为创建）不早于"},
    {"to", V_TIME, .title = "发布（未发布时为创建）早于"},
    {"org_id", V_ID, .title = "所属组织"},
};
static const vfield_t COURSE_OUT[] = {
    {"id", V_ID},
    {"series", V_ENUM, .choices = COURSE_SERIES, .title = "系列"},
    {"title", V_STR, .title = "课程名称"},
    {"lecturer_name", V_STR, .title = "主讲人"},
    {"org_id", V_ID, .title = "所属组织"},
    {"org_name", V_STR, .title = "所属组织"},
    {"tags", V_ARRAY, .title = "标签"},
    {"lessons_count", V_INT, .title = "课时数"},
    {"duration_ms", V_INT, .title = "总时长（毫秒）"},
    {"sessions_count", V_INT, .title = "面授场次"},
    {"needs_approval", V_BOOL, .title = "预约需审核"},
    {"waitlist", V_BOOL, .title = "可候补"},
    {"first_session_at", V_TIME, .title = "最早面授时间"},
    {"status", V_ENUM, .choices = REVIEW_STATUSES, .title = "审核状态"},
    {"published_at", V_TIME, .title = "发布时间"},
    {"introduction", V_STR},
    {"lecturer_details", V_STR},
    {"cover_file_id", V_ID},
    {"cover_url", V_STR, .title = "封面图片地址（无封面时为 null）"},
    {"review_level", V_INT},
    {"review_id", V_ID, .title = "审核事项"},
    {"lessons", V_ARRAY, .title = "课时（详情）[{id,position,title,file_id,media,duration_ms}]"},
    {"sessions", V_ARRAY,
     .title = "面授安排（详情）[{id,starts_at,ends_at,place,capacity,booked,remaining,waiting}]"},
    {"revision", V_OBJECT,
     .title = "修订（详情；已发布党课的修改，审核通过后生效）{status, review_level, level_title, "
              "changes}，无修订为 null"},
    {"created_by", V_ID},
    {"created_by_name", V_STR},
    {"created_at", V_TIME},
    {"updated_at", V_TIME},
};

static void list_courses(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &COURSES, &w);
    const char *st = http_query(req, "status");
    if (st) {
        qb_sql(&w, " AND c.status = ");
        qb_text(&w, st);
    }
    int64_t org = http_query_i64(req, "org_id", 0);
    if (org) {
        qb_sql(&w, " AND c.org_id = ");
        qb_int(&w, org);
    }
    course_filters(req, &w);
    res_list(req, c, &COURSES, COURSE_COLS, &w, "c.id DESC", course_row, NULL);
    qb_free(&w);
}

static void get_course(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *o = load(req, c, id);
    if (!o)
        return;
    int ed = editable(c, o);
    bool reviewed = !json_is_null(json_object_get(o, "review_id"));
    json_t *item = reviewed ? review_item_json(c, &COURSE_REVIEW, id) : NULL;
    if (ed < 0 || (reviewed && !item)) {
        json_decref(item);
        http_db_error(req, c);
        return;
    }
    const char *status = jstr(o, "status");
    int level = (int)jint(o, "review_level", 0);
    json_t *rv = item ? json_object_get(item, "revision") : NULL;
    const char *rs = json_is_object(rv) ? jstr(rv, "status") : NULL;
    bool rev_review = rs && !strcmp(rs, "in_review");
    json_object_set(o, "revision", rv ? rv : json_null());
    json_object_set_new(o, "can_revise", json_boolean(!strcmp(status, "approved") && !rev_review));
    json_object_set_new(o, "review", item ? item : json_null());
    json_object_set_new(o, "can_edit", json_boolean(ed));
    json_object_set_new(o, "can_submit", json_boolean(ed));
    json_object_set_new(o, "can_withdraw",
                        json_boolean(item && json_is_true(json_object_get(item, "withdrawable"))));
    json_object_set_new(
        o, "can_decide",
        json_boolean((!strcmp(status, "in_review") && level > 0 &&
                      review_can_decide(req, c, &COURSE_REVIEW, jint(o, "org_id", 0), level)) ||
                     (rev_review && review_can_decide(req, c, &COURSE_REVIEW, jint(o, "org_id", 0),
                                                      (int)jint(rv, "review_level", 0)))));
    char url[600];
    course_member_url(req, id, url, sizeof url);
    json_object_set_new(o, "member_url", json_string(url));
    http_json(req, 200, json_incref(o));
}

static void create_course(http_req_t *req)
{
    json_t *b = http_json_body(req);
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    int64_t org = jint(b, "org_id", 0);
    if (!auth_org_in_scope(req, c, org)) {
        http_error_fields(req, json_pack("{s:s}", "org_id", "组织不存在或不在您的管理范围内"));
        return;
    }
    int64_t now = time_now_ms(), id = 0;
    char *tags = tags_text(json_object_get(b, "tags"));
    const char *intro = jstr(b, "introduction"), *det = jstr(b, "lecturer_details");
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO courses (org_id, series, title, introduction, lecturer_name, "
                      "lecturer_details, tags, status, created_by, created_at, updated_at, needs_approval, "
                      "waitlist) VALUES (?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?) RETURNING id");
    if (st) {
        db_bind_int64(st, 1, org);
        db_bind_text(st, 2, jstr(b, "series"));
        db_bind_text(st, 3, jstr(b, "title"));
        db_bind_text(st, 4, intro && *intro ? intro : NULL);
        db_bind_text(st, 5, jstr(b, "lecturer_name"));
        db_bind_text(st, 6, det && *det ? det : NULL);
        db_bind_text(st, 7, tags);
        db_bind_int64(st, 8, http_user_id(req));
        db_bind_int64(st, 9, now);
        db_bind_int64(st, 10, now);
        db_bind_int64(st, 11, json_is_true(json_object_get(b, "needs_approval")));
        db_bind_int64(st, 12, json_is_true(json_object_get(b, "waitlist")));
        if (db_step(st) == DB_ROW)
            id = db_col_int64(st, 0);
    }
    db_done(st);
    free(tags);
    if (id <= 0) {
        http_db_error(req, c);
        return;
    }
    if (!set_cover(req, c, id, org, b, NULL) ||
        !set_lessons(req, c, id, org, json_object_get(b, "lessons"), NULL) ||
        !set_sessions(req, c, id, json_object_get(b, "sessions")))
        return;
    if (review_open(req, c, &COURSE_REVIEW, id, org, jstr(b, "series"), jstr(b, "title")) < 0)
        return;
    json_t *o = load(req, c, id);
    if (!o)
        return;
    audit_entry_t ae = {.target = id, .after = o};
    audit_reply(req, c, true, &ae, 201, json_incref(o));
}

static void reply_reloaded(http_req_t *req, db_conn_t *c, int64_t id, json_t *before, const char *detail)
{
    json_t *after = load(req, c, id);
    if (!after)
        return;
    audit_entry_t ae = {.target = id, .before = before, .after = after, .detail = detail};
    audit_reply(req, c, true, &ae, 200, json_incref(after));
}

static const char *keep_str(json_t *b, json_t *before, const char *k)
{
    const char *s = jhas(b, k) ? jstr(b, k) : jstr(before, k);
    return s && *s ? s : NULL;
}

static void patch_course(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *b = http_json_body(req);
    json_t *before = res_lock(req, c, &COURSES, id) == 0 ? load(req, c, id) : NULL;
    if (!before || !require_editable(req, c, before))
        return;
    const char *title = keep_str(b, before, "title"), *series = keep_str(b, before, "series");
    char *tags = tags_text(json_object_get(jhas(b, "tags") ? b : before, "tags"));
    qb_t q;
    qb_init(&q, "UPDATE courses SET title = ");
    qb_text(&q, title);
    qb_sql(&q, ", series = ");
    qb_text(&q, series);
    qb_sql(&q, ", introduction = ");
    qb_text(&q, keep_str(b, before, "introduction"));
    qb_sql(&q, ", lecturer_name = ");
    qb_text(&q, keep_str(b, before, "lecturer_name"));
    qb_sql(&q, ", lecturer_details = ");
    qb_text(&q, keep_str(b, before, "lecturer_details"));
    qb_sql(&q, ", tags = ");
    qb_text(&q, tags);
    free(tags);
    qb_sql(&q, ", needs_approval = ");
    qb_int(&q, json_is_true(json_object_get(jhas(b, "needs_approval") ? b : before, "needs_approval")));
    qb_sql(&q, ", waitlist = ");
    qb_int(&q, json_is_true(json_object_get(jhas(b, "waitlist") ? b : before, "waitlist")));
    qb_sql(&q, ", updated_at = ");
    qb_int(&q, time_now_ms());
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND status IN ('draft', 'returned', 'withdrawn') AND deleted_at IS NULL");
    int64_t org = jint(before, "org_id", 0);
    if (!res_transition(req, c, &q, "党课已被提交或已处理，不能修改") ||
        !set_cover(req, c, id, org, b, before) ||
        !set_lessons(req, c, id, org, json_object_get(b, "lessons"), before) ||
        !set_sessions(req, c, id, json_object_get(b, "sessions")))
        return;
    if (!json_is_null(json_object_get(before, "review_id")) &&
        review_retitle(c, &COURSE_REVIEW, id, series, title) != 0) {
        http_db_error(req, c);
        return;
    }
    reply_reloaded(req, c, id, before, NULL);
}

static void delete_course(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = res_lock(req, c, &COURSES, id) == 0 ? load(req, c, id) : NULL;
    if (!before || !require_editable(req, c, before))
        return;
    int64_t now = time_now_ms();
    qb_t q;
    qb_init(&q, "UPDATE courses SET deleted_at = ");
    qb_int(&q, now);
    qb_sql(&q, ", updated_at = ");
    qb_int(&q, now);
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND status IN ('draft', 'returned', 'withdrawn') AND deleted_at IS NULL");
    if (!res_transition(req, c, &q, "党课已被提交或已处理，不能删除"))
        return;
    if (!json_is_null(json_object_get(before, "review_id")) && review_discard(c, &COURSE_REVIEW, id) != 0) {
        http_db_error(req, c);
        return;
    }
    audit_entry_t ae = {.target = id, .before = before};
    audit_reply(req, c, true, &ae, 204, NULL);
}

static const char *const SNAPSHOT_KEYS[] = {"series",           "title",    "introduction", "lecturer_name",
                                            "lecturer_details", "tags",     "org_id",       "org_name",
                                            "lessons",          "sessions", "cover_file_id"};

/* Each lesson's duration from the storage module's probe; 0 when a file
 * has none yet (still being processed), -1 on a database error. */
static int refresh_durations(db_conn_t *c, json_t *lessons)
{
    size_t i;
    json_t *l;
    int all = 1;
    json_array_foreach(lessons, i, l)
    {
        if (jint(l, "duration_ms", 0) > 0)
            continue;
        bool dberr = false;
        json_t *f = storage_file_summary(c, jint(l, "file_id", 0), &dberr);
        int64_t d = f ? jint(f, "duration_ms", 0) : 0;
        json_decref(f);
        if (dberr)
            return -1;
        if (d <= 0) {
            all = 0;
            continue;
        }
        if (DB_EXEC_I64(c, "UPDATE course_lessons SET duration_ms = ? WHERE id = ?", d, jint(l, "id", 0)) !=
            0)
            return -1;
    }
    return all;
}

static void submit_course(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = res_lock(req, c, &COURSES, id) == 0 ? load(req, c, id) : NULL;
    if (!before)
        return;
    int ed = editable(c, before);
    if (ed <= 0) {
        if (ed < 0)
            http_db_error(req, c);
        else
            http_error(req, 409, "conflict", "只有草稿、退回修改或已撤回的党课可以提交");
        return;
    }
    if (json_array_size(json_object_get(before, "lessons")) == 0) {
        http_error(req, 409, "no_lessons", "党课至少要有一个课时才能提交");
        return;
    }
    int dur = refresh_durations(c, json_object_get(before, "lessons"));
    if (dur <= 0) {
        if (dur < 0)
            http_db_error(req, c);
        else
            http_error(req, 409, "not_ready", "课时音视频仍在处理中，请稍后再提交");
        return;
    }
    json_t *now = load(req, c, id);
    if (!now)
        return;
    if (!review_submit_item(req, c, &COURSE_REVIEW, id, now, jstr(now, "series"), SNAPSHOT_KEYS,
                            VN(SNAPSHOT_KEYS)))
        return;
    reply_reloaded(req, c, id, before, http_printf(req, "提交党课《%s》", jstr(before, "title")));
}

static void withdraw_course(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = load(req, c, id);
    if (!before)
        return;
    if (!review_withdraw_item(req, c, &COURSE_REVIEW, id, before, "该党课尚未提交"))
        return;
    reply_reloaded(req, c, id, before, NULL);
}

/* ---- revisions (修订) of a published course ----
 *
 * As for lectures (review.h, "Revisions"): the changes are kept by the
 * review engine while members see the published course. Revisable: name,
 * introduction, lecturer and details, tags, cover, and lessons appended
 * (lessons_add: the published lessons stay — members' progress refers to
 * them —; a new lesson's file is the caller's upload, claimed at saving).
 * and the in-person schedule — a session's time, place and capacity (never
 * below the seats held), or new sessions — with the lecture hall's rules,
 * written once in the booking module (booking.h, "revision"). Not revised:
 * the series, the organisation and the booking options. The route
 * handlers are the review engine's (review_reviser_t). */

static const vfield_t REVISION_BODY[] = {
    {"title", V_STR, false, 1, 100, .title = "课程名称"},
    {"introduction", V_TEXT, false, 0, 5000, .title = "课程简介"},
    {"lecturer_name", V_STR, false, 1, 100, .title = "主讲人"},
    {"lecturer_details", V_TEXT, false, 0, 2000, .title = "主讲人简介"},
    {"tags", V_ARRAY, false, 0, 10, .check = tags_check, .title = "标签（至多 10 个）"},
    {"cover_file_id", V_ID, .title = "封面（null 去掉）"},
    {"lessons_add", V_ARRAY, false, 0, 100, .check = lessons_check,
     .title = "追加的课时 [{title, file_id}]（已发布的课时不删除）"},
    {"sessions", V_ARRAY, false, 0, 50,
     .title =
         "面授场次 [{id?, starts_at, ends_at, place, capacity}]：带 id 的改该场次，不带 id 的为新增场次；"
         "未列出的场次不变"},
};

static const char *const REV_TEXT[] = {"title", "introduction", "lecturer_name", "lecturer_details"};
static const char *const REV_TITLES[] = {"课程名称", "课程简介", "主讲人", "主讲人简介"};

static bool same_text(const char *a, const char *b) { return !strcmp(a ? a : "", b ? b : ""); }

/* The changes that differ from the published course (new reference), or
 * NULL after answering. New lessons' files are checked and claimed. */
static json_t *revision_changes(http_req_t *req, db_conn_t *c, json_t *o, json_t *b)
{
    json_t *ch = json_object();
    for (size_t i = 0; i < VN(REV_TEXT); i++)
        if (jhas(b, REV_TEXT[i]) && !same_text(jstr(b, REV_TEXT[i]), jstr(o, REV_TEXT[i])))
            json_object_set_new(ch, REV_TEXT[i],
                                json_text_or_null(jstr(b, REV_TEXT[i]) && *jstr(b, REV_TEXT[i])
                                                      ? jstr(b, REV_TEXT[i])
                                                      : NULL));
    json_t *tags = json_object_get(b, "tags");
    if (tags && !json_equal(tags, json_object_get(o, "tags")))
        json_object_set(ch, "tags", tags);
    if (jhas(b, "cover_file_id") && jint(b, "cover_file_id", 0) != jint(o, "cover_file_id", 0)) {
        int64_t fid = jint(b, "cover_file_id", 0);
        if (fid &&
            !storage_claim_picture(req, c, fid, jint(o, "org_id", 0), "course", "cover_file_id", "封面")) {
            json_decref(ch);
            return NULL;
        }
        json_object_set_new(ch, "cover_file_id", fid ? json_integer(fid) : json_null());
    }
    json_t *add = json_object_get(b, "lessons_add"), *out = json_array();
    size_t i;
    json_t *l;
    json_array_foreach(add, i, l)
    {
        int64_t fid = jint(l, "file_id", 0);
        bool dberr = false, known = false;
        size_t j;
        json_t *h;
        json_array_foreach(json_object_get(o, "lessons"), j, h) known = known || jint(h, "file_id", 0) == fid;
        if (known) {
            http_error_fields(req, json_pack("{s:s}", "lessons_add", "该文件已是本课程的课时"));
            goto fail;
        }
        json_t *f = http_defer_json(req, storage_file_summary(c, fid, &dberr));
        const char *mime = f ? jstr(f, "mime") : NULL;
        if (dberr) {
            http_db_error(req, c);
            goto fail;
        }
        if (!f || jint(f, "created_by", 0) != http_user_id(req)) {
            http_error_fields(req, json_pack("{s:s}", "lessons_add", "课时文件不存在或不是您上传的"));
            goto fail;
        }
        if (!mime || (strncmp(mime, "video/", 6) && strncmp(mime, "audio/", 6))) {
            http_error(req, 415, "unsupported_media_type", "课时只能是音频或视频");
            goto fail;
        }
        /* a file claimed by an earlier save of this revision is the module's already */
        const char *holder = jstr(f, "holder");
        int claimed = holder && !strcmp(holder, "course")
                          ? 1
                          : storage_file_claim(c, fid, jint(o, "org_id", 0), "course");
        if (claimed <= 0) {
            if (claimed < 0)
                http_db_error(req, c);
            else
                http_error(req, 409, "conflict", "课时文件已被其他业务使用");
            goto fail;
        }
        json_array_append_new(out, json_pack("{s:s,s:I,s:s}", "title", jstr(l, "title"), "file_id",
                                             (json_int_t)fid, "media",
                                             strncmp(mime, "video/", 6) ? "audio" : "video"));
    }
    if (json_array_size(json_object_get(o, "lessons")) + json_array_size(out) > 100) {
        http_error_fields(req, json_pack("{s:s}", "lessons_add", "一门党课至多 100 个课时"));
        goto fail;
    }
    if (json_array_size(out))
        json_object_set_new(ch, "lessons_add", out);
    else
        json_decref(out);
    out = NULL;
    json_t *fields = json_object();
    json_t *ses = booking_revise_sessions(req, &COURSE_BOOKING, json_object_get(o, "sessions"),
                                          json_object_get(b, "sessions"), 50, fields);
    if (json_object_size(fields)) {
        json_decref(ses);
        http_error_fields(req, fields);
        goto fail;
    }
    json_decref(fields);
    if (json_array_size(ses))
        json_object_set_new(ch, "sessions", ses);
    else
        json_decref(ses);
    return ch;
fail:
    json_decref(out);
    json_decref(ch);
    return NULL;
}

static json_t *revision_diff(http_req_t *req, json_t *o, json_t *ch)
{
    json_t *d = json_array();
    for (size_t i = 0; i < VN(REV_TEXT); i++)
        if (jhas(ch, REV_TEXT[i]))
            json_array_append_new(d,
                                  json_pack("{s:s,s:s,s:o,s:o}", "field", REV_TEXT[i], "title", REV_TITLES[i],
                                            "before", json_text_or_null(jstr(o, REV_TEXT[i])), "after",
                                            json_text_or_null(jstr(ch, REV_TEXT[i]))));
    if (jhas(ch, "tags")) {
        char *a = tags_text(json_object_get(o, "tags")), *b = tags_text(json_object_get(ch, "tags"));
        json_array_append_new(
            d, json_pack("{s:s,s:s,s:s,s:s}", "field", "tags", "title", "标签", "before", a, "after", b));
        free(a);
        free(b);
    }
    if (jhas(ch, "cover_file_id"))
        json_array_append_new(d, json_pack("{s:s,s:s,s:s,s:s}", "field", "cover_file_id", "title", "封面",
                                           "before", jint(o, "cover_file_id", 0) ? "原封面" : "无", "after",
                                           jint(ch, "cover_file_id", 0) ? "新封面" : "无"));
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(ch, "lessons_add"), i, l)
        json_array_append_new(d, json_pack("{s:s,s:s,s:n,s:s}", "field", "lessons", "title", "新增课时",
                                           "before", "after", jstr(l, "title")));
    booking_sessions_diff(req, &COURSE_BOOKING, json_object_get(o, "sessions"),
                          json_object_get(ch, "sessions"), d);
    return d;
}

/* new lessons need their duration, as at the first submission */
static bool revision_ready(http_req_t *req, db_conn_t *c, json_t *ch)
{
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(ch, "lessons_add"), i, l)
    {
        bool dberr = false;
        json_t *f = storage_file_summary(c, jint(l, "file_id", 0), &dberr);
        int64_t d = f ? jint(f, "duration_ms", 0) : 0;
        json_decref(f);
        if (dberr) {
            http_db_error(req, c);
            return false;
        }
        if (d <= 0) {
            http_error(req, 409, "not_ready", "新增课时的音视频仍在处理中，请稍后再提交");
            return false;
        }
    }
    return true;
}

static const char *const REVISION_LISTS[] = {"lessons_add", "sessions"};
static const review_reviser_t REVISER = {.kind = &COURSE_REVIEW,
                                         .resource = &COURSES,
                                         .noun = "党课",
                                         .load = load,
                                         .changes = revision_changes,
                                         .diff = revision_diff,
                                         .ready = revision_ready,
                                         .snapshot_keys = SNAPSHOT_KEYS,
                                         .n_snapshot = VN(SNAPSHOT_KEYS),
                                         .list_keys = REVISION_LISTS,
                                         .n_list = VN(REVISION_LISTS)};

REVIEW_REVISION_HANDLERS(REVISER)

int course_revised(db_conn_t *c, const review_event_t *ev, json_t *ch)
{
    int64_t id = ev->ref_id, now = time_now_ms();
    /* the sessions' rows first, as every booking path takes them */
    if (booking_lock_sessions(c, &COURSE_BOOKING, id) != 0)
        return -1;
    qb_t q;
    qb_init(&q, "UPDATE courses SET updated_at = ");
    qb_int(&q, now);
    for (size_t i = 0; i < VN(REV_TEXT); i++)
        if (jhas(ch, REV_TEXT[i])) {
            qb_sql(&q, ", ");
            qb_sql(&q, REV_TEXT[i]); /* a constant column name */
            qb_sql(&q, " = ");
            qb_text(&q, jstr(ch, REV_TEXT[i]));
        }
    char *tags = jhas(ch, "tags") ? tags_text(json_object_get(ch, "tags")) : NULL;
    if (tags) {
        qb_sql(&q, ", tags = ");
        qb_text(&q, tags);
    }
    if (jhas(ch, "cover_file_id")) {
        qb_sql(&q, ", cover_file_id = ");
        if (jint(ch, "cover_file_id", 0))
            qb_int(&q, jint(ch, "cover_file_id", 0));
        else
            qb_sql(&q, "NULL");
    }
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND status = 'approved' AND deleted_at IS NULL");
    free(tags);
    db_stmt_t *st = qb_prepare(c, &q);
    int rc = st ? db_step(st) : DB_ERROR;
    db_done(st);
    qb_free(&q);
    if (rc != DB_DONE)
        return -1;
    if (db_changes(c) != 1) {
        review_hook_conflict("党课已删除，修订不能生效");
        return -1;
    }
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(ch, "lessons_add"), i, l)
    {
        bool dberr = false;
        json_t *f = storage_file_summary(c, jint(l, "file_id", 0), &dberr);
        int64_t dur = f ? jint(f, "duration_ms", 0) : 0;
        json_decref(f);
        if (dberr)
            return -1;
        st = db_prepare(
            c, "INSERT INTO course_lessons (course_id, position, title, file_id, media, duration_ms, "
               "created_at) VALUES (?, (SELECT COALESCE(MAX(position), 0) + 1 FROM course_lessons "
               "WHERE course_id = ?), ?, ?, ?, ?, ?)");
        rc = DB_ERROR;
        if (st) {
            db_bind_int64(st, 1, id);
            db_bind_int64(st, 2, id);
            db_bind_text(st, 3, jstr(l, "title"));
            db_bind_int64(st, 4, jint(l, "file_id", 0));
            db_bind_text(st, 5, jstr(l, "media"));
            db_bind_int64(st, 6, dur);
            db_bind_int64(st, 7, now);
            rc = db_step(st);
        }
        db_done(st);
        if (rc != DB_DONE)
            return -1;
    }
    /* the schedule: who booked a session whose time or place changed is told */
    char title[512] = "";
    int64_t org = 0;
    st = db_prepare(c, "SELECT title, org_id FROM courses WHERE id = ?");
    rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, id);
        if ((rc = db_step(st)) == DB_ROW) {
            snprintf(title, sizeof title, "%s", db_col_text(st, 0));
            org = db_col_int64(st, 1);
        }
    }
    db_done(st);
    if (rc != DB_ROW)
        return -1;
    char msg[640], conflict[256];
    snprintf(msg, sizeof msg, "党课面授场次变更：《%.*s》", (int)utf8_prefix(title, strlen(title), 80),
             title);
    booking_revision_t r = {.parent_id = id,
                            .changes = json_object_get(ch, "sessions"),
                            .notify_kind = "course.session_changed",
                            .title = msg,
                            .org_id = org,
                            .actor = ev->actor_id};
    int ap = booking_apply_sessions(c, &COURSE_BOOKING, &r, conflict, sizeof conflict);
    if (ap == -2)
        review_hook_conflict("%s", conflict);
    if (ap != 0)
        return -1;
    if (jhas(ch, "title") && review_retitle(c, &COURSE_REVIEW, id, NULL, title) != 0)
        return -1;
    return 0;
}

static void course_cover(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *o = res_load(req, c, &COURSES, COURSE_COLS, id, course_row, NULL, RES_PLAIN);
    if (!o)
        return;
    storage_send_picture(req, c, jint(o, "cover_file_id", 0), "封面");
    json_decref(o);
}

/* ---- QR codes ---- */

static void course_qr(http_req_t *req, bool png)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c || !res_visible(req, c, &COURSES, id))
        return;
    char url[600];
    course_member_url(req, id, url, sizeof url);
    char name[64];
    snprintf(name, sizeof name, "course-%lld.%s", (long long)id, png ? "png" : "svg");
    if (png) {
        int64_t scale = http_query_i64(req, "scale", 8);
        void *buf;
        size_t n;
        if (media_qr_png(url, (int)scale, &buf, &n) != 0) {
            http_error(req, 500, "internal", "二维码生成失败");
            return;
        }
        http_disposition(req, true, name, name);
        http_send_owned(req, 200, "image/png", buf, n);
    } else {
        char *svg = media_qr_svg(url);
        if (!svg) {
            http_error(req, 500, "internal", "二维码生成失败");
            return;
        }
        http_disposition(req, true, name, name);
        http_send_owned(req, 200, "image/svg+xml", svg, strlen(svg));
    }
}

static void course_qr_png(http_req_t *req) { course_qr(req, true); }
static void course_qr_svg(http_req_t *req) { course_qr(req, false); }

static void html_escape(sbuf_t *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': sbuf_puts(b, "&lt;"); break;
        case '>': sbuf_puts(b, "&gt;"); break;
        case '&': sbuf_puts(b, "&amp;"); break;
        case '"': sbuf_puts(b, "&quot;"); break;
        default: sbuf_printf(b, "%c", *s);
        }
    }
}

static const char *series_title(const char *code)
{
    static const char *const T[] = {"文献档案党课", "主题路线党课", "文艺党课",  "情景党课",
                                    "案例党课",     "红色节点党课", "微视频党课"};
    for (int i = 0; COURSE_SERIES[i]; i++)
        if (!strcmp(COURSE_SERIES[i], code))
            return T[i];
    return code;
}

/* A printable A4 page (HTML, print from the browser) of the published
 * courses of one series in the caller's scope: title, lecturer and the QR
 * code (inline SVG) of each, six to a page. */
static void qr_sheet(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    const char *series = http_query(req, "series");
    qb_t w, q;
    res_from(req, &COURSES, &w);
    qb_sql(&w, " AND c.status = 'approved' AND c.series = ");
    qb_text(&w, series);
    qb_init(&q, "SELECT c.id, c.title, c.lecturer_name, o.name");
    qb_append(&q, &w);
    qb_sql(&q, " ORDER BY c.published_at, c.id LIMIT 500");
    qb_free(&w);
    db_stmt_t *st = qb_prepare(c, &q);
    sbuf_t b;
    sbuf_init(&b);
    const char *title = series_title(series);
    sbuf_puts(&b, "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>");
    html_escape(&b, title);
    sbuf_puts(&b,
              "二维码</title><style>@page{size:A4;margin:12mm}body{font-family:sans-serif;margin:0}"
              "h1{font-size:20px;text-align:center}.grid{display:flex;flex-wrap:wrap}"
              ".card{width:33%;box-sizing:border-box;padding:8px;text-align:center;page-break-inside:avoid;"
              "break-inside:avoid}.card svg{width:150px;height:150px}.t{font-weight:bold;font-size:14px}"
              ".s{font-size:12px;color:#555}</style></head><body><h1>");
    html_escape(&b, title);
    sbuf_puts(&b, " · 扫码学习</h1><div class=\"grid\">");
    int rc = st ? DB_ROW : DB_ERROR, n = 0;
    while (st && (rc = db_step(st)) == DB_ROW) {
        char url[600];
        course_member_url(req, db_col_int64(st, 0), url, sizeof url);
        char *svg = media_qr_svg(url);
        sbuf_printf(&b, "<div class=\"card\" data-course=\"%lld\">", (long long)db_col_int64(st, 0));
        if (svg)
            sbuf_puts(&b, svg);
        free(svg);
        sbuf_puts(&b, "<div class=\"t\">");
        html_escape(&b, db_col_text(st, 1));
        sbuf_puts(&b, "</div><div class=\"s\">");
        html_escape(&b, db_col_text(st, 2));
        sbuf_puts(&b, " · ");
        html_escape(&b, db_col_text(st, 3));
        sbuf_puts(&b, "</div></div>");
        n++;
    }
    db_done(st);
    qb_free(&q);
    if (rc != DB_DONE) {
        free(sbuf_detach(&b));
        http_db_error(req, c);
        return;
    }
    if (!n)
        sbuf_puts(&b, "<p>该系列暂无已发布的党课。</p>");
    sbuf_puts(&b, "</div></body></html>");
    char *html = sbuf_detach(&b);
    http_send_owned(req, 200, "text/html; charset=utf-8", html, strlen(html));
}

static const vfield_t QR_QUERY[] = {
    {"scale", V_INT, false, 1, 32, .title = "每个码元的像素（1–32，默认 8）"}};
static const vfield_t SHEET_QUERY[] = {{"series", V_ENUM, true, .choices = COURSE_SERIES, .title = "系列"}};

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/course/courses", .handler = list_courses, .perm = "course.manage",
     .flags = HTTP_LIST | HTTP_EXPORT, .summary = "党课列表（管理）", .resource = &COURSES, HTTP_QUERY(LIST_QUERY),
     HTTP_OUT(COURSE_OUT)},
    {.method = "POST", .pattern = "/api/v1/course/courses", .handler = create_course, .perm = "course.manage",
     .summary = "新建党课", .audit = "course.create", .resource = &COURSES, HTTP_BODY(COURSE_NEW),
     HTTP_OUT(COURSE_OUT), .status = 201,
     .example = "{\"series\":\"archive\",\"title\":\"契约党课{n}\",\"lecturer_name\":\"张老师\","
                "\"tags\":[\"党史\"],\"org_id\":\"{org}\"}",
     .notes = "a draft with its lessons, sessions and review item; 422 when the organisation is outside the "
              "caller's scope or a lesson's file is not the caller's upload; 415 when it is not audio or video"},
    {.method = "GET", .pattern = "/api/v1/course/courses/{id}", .handler = get_course, .perm = "course.manage",
     .summary = "党课详情（管理）", .resource = &COURSES, HTTP_OUT(COURSE_OUT),
     .notes = "adds review, member_url (the members' page the QR code opens) and can_edit, can_submit, "
              "can_withdraw, can_decide"},
    {.method = "GET", .pattern = "/api/v1/course/courses/{id}/cover", .handler = course_cover,
     .perm = "course.manage", .flags = HTTP_DOWNLOAD, .summary = "党课封面（管理）", .resource = &COURSES},
    {.method = "GET", .pattern = "/api/v1/course/courses/{id}/qr.png", .handler = course_qr_png,
     .perm = "course.manage", .flags = HTTP_DOWNLOAD, .summary = "党课二维码（PNG）", .resource = &COURSES,
     HTTP_QUERY(QR_QUERY), .notes = "encodes the absolute URL of /m/courses/{id} (setting course_public_url)"},
    {.method = "GET", .pattern = "/api/v1/course/courses/{id}/qr.svg", .handler = course_qr_svg,
     .perm = "course.manage", .flags = HTTP_DOWNLOAD, .summary = "党课二维码（SVG）", .resource = &COURSES},
    {.method = "GET", .pattern = "/api/v1/course/qr-sheet", .handler = qr_sheet, .perm = "course.manage",
     .flags = HTTP_DOWNLOAD, .summary = "系列党课二维码打印页", .resource = &COURSES, HTTP_QUERY(SHEET_QUERY),
     .notes = "an HTML page for printing (A4): the published courses of the series in the caller's scope"},
    {.method = "PATCH", .pattern = "/api/v1/course/courses/{id}", .handler = patch_course, .perm = "course.manage",
     .summary = "修改党课", .audit = "course.update", .resource = &COURSES, HTTP_BODY(COURSE_PATCH),
     HTTP_OUT(COURSE_OUT), .example = "{\"lecturer_name\":\"李老师\"}",
     .notes = "while a draft, returned or withdrawn (else 409); lessons and sessions, when given, replace "
              "the course's"},
    {.method = "DELETE", .pattern = "/api/v1/course/courses/{id}", .handler = delete_course,
     .perm = "course.manage", .summary = "删除党课", .audit = "course.delete", .resource = &COURSES, .status = 204,
     .notes = "soft; while a draft, returned or withdrawn (else 409)"},
    {.method = "POST", .pattern = "/api/v1/course/courses/{id}/submit", .handler = submit_course,
     .perm = "course.manage", .summary = "提交党课审核", .audit = "course.submit", .resource = &COURSES,
     HTTP_OUT(COURSE_OUT),
     .notes = "to the review chain of kind course; published on approval; 409 no_lessons without a lesson, "
              "not_ready while a lesson's media is still processed"},
    {.method = "POST", .pattern = "/api/v1/course/courses/{id}/withdraw", .handler = withdraw_course,
     .perm = "course.manage", .summary = "撤回党课审核", .audit = "course.withdraw", .resource = &COURSES,
     HTTP_OUT(COURSE_OUT), .notes = "before the first decision (else 409)"},
    {.method = "PUT", .pattern = "/api/v1/course/courses/{id}/revision", .handler = save_revision,
     .perm = "course.manage", .summary = "保存党课修订", .audit = "course.revise", .resource = &COURSES,
     HTTP_BODY(REVISION_BODY), HTTP_OUT(COURSE_OUT), .example = "{\"lecturer_name\":\"李老师\"}",
     .notes = "a published course; the fields that differ from the published ones are kept as its revision "
              "(replacing the one saved before) while members see the published course; lessons are only "
              "appended (lessons_add); sessions [{id?, starts_at, ends_at, place, capacity}] change a session or add "
              "one; 409 when not published or the revision is in review; 422 for a session capacity below its seats "
              "held (naming the count), a time in the past or a started session's time; adds revision"},
    {.method = "POST", .pattern = "/api/v1/course/courses/{id}/revision/submit", .handler = submit_revision,
     .perm = "course.manage", .summary = "提交党课修订审核", .audit = "course.revision_submit",
     .resource = &COURSES, HTTP_OUT(COURSE_OUT),
     .notes = "to the course's review chain with a snapshot showing each change (revision: [{field, title, before, "
              "after}]); applied on the last approval; 409 without a saved revision, 409 not_ready while a new "
              "lesson's file is still probed"},
    {.method = "POST", .pattern = "/api/v1/course/courses/{id}/revision/withdraw", .handler = withdraw_revision,
     .perm = "course.manage", .summary = "撤回党课修订审核", .audit = "course.revision_withdraw",
     .resource = &COURSES, HTTP_OUT(COURSE_OUT), .notes = "before the first decision (else 409)"},
    {.method = "DELETE", .pattern = "/api/v1/course/courses/{id}/revision", .handler = discard_revision,
     .perm = "course.manage", .summary = "放弃党课修订", .audit = "course.revision_discard", .resource = &COURSES,
     .status = 204, .notes = "not while in review (409); the published course stays"},
};
// clang-format on

int course_course_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
