/* lectures_api.c — the organisers' side of the lecture hall (初心讲堂): a
 * lecture (topic, speaker, place, description, whether bookings need the
 * organiser's approval, whether full sessions take a waiting list) with
 * one or more sessions (场次, each with its time and capacity) is written
 * as a draft, submitted to the review engine (kind "lecture") and published
 * on approval; a published lecture may be called off, which cancels its
 * bookings and tells the members who held them. Each session has a signed
 * check-in token that the console shows as a QR code. */
#include "core/str.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/lecture/internal.h"
#include "modules/notify/notify.h"
#include "modules/storage/storage.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DURATION_MS (24 * 3600000LL)
#define MAX_SESSIONS    50

static const res_sort_t LECTURE_SORTS[] = {{"id", "l.id"},
                                           {"title", "l.title"},
                                           {"speaker", "l.speaker"},
                                           {"status", "l.status"},
                                           {"org_name", "o.name"},
                                           {"created_at", "l.created_at"},
                                           {"updated_at", "l.updated_at"},
                                           {NULL, NULL}};
const zd_resource_t LECTURES = {.name = "lecture",
                                .title = "讲堂",
                                .table = "lectures",
                                .alias = "l",
                                .from = LECTURE_FROM,
                                .where = "l.deleted_at IS NULL",
                                .org_col = "l.org_id",
                                .creator_col = "l.created_by",
                                .perm = "lecture.manage",
                                .sorts = LECTURE_SORTS};

const zd_resource_t LECTURE_SESSIONS = {.name = "lecture_session",
                                        .title = "讲堂场次",
                                        .table = "lecture_sessions",
                                        .alias = "s",
                                        .from = "lecture_sessions s JOIN lectures l ON l.id = s.lecture_id",
                                        .where = "s.deleted_at IS NULL AND l.deleted_at IS NULL",
                                        .org_col = "l.org_id",
                                        .creator_col = "l.created_by",
                                        .perm = "lecture.manage"};

json_t *lecture_row_json(db_stmt_t *st)
{
    json_t *o = json_object();
    const char *status = db_col_text(st, 9);
    int64_t cancelled = db_col_int64(st, 12), starts = db_col_int64(st, 18), ends = db_col_int64(st, 19);
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, "org_id", json_integer(db_col_int64(st, 1)));
    json_object_set_new(o, "org_name", json_col_text(st, 2));
    json_object_set_new(o, "title", json_col_text(st, 3));
    json_object_set_new(o, "speaker", json_col_text(st, 4));
    json_object_set_new(o, "place", json_col_text(st, 5));
    json_object_set_new(o, "description", json_col_text(st, 6));
    json_object_set_new(o, "needs_approval", json_boolean(db_col_int64(st, 7) != 0));
    json_object_set_new(o, "waitlist", json_boolean(db_col_int64(st, 8) != 0));
    json_object_set_new(o, "status", json_string(status));
    json_object_set_new(o, "state", json_string(cancelled ? "cancelled" : status));
    json_object_set_new(o, "phase", json_text_or_null(review_event_phase(status, cancelled, starts, ends)));
    json_object_set_new(o, "review_level", json_integer(db_col_int64(st, 10)));
    json_object_set_new(o, "review_id", json_col_id(st, 11));
    json_object_set_new(o, "cancelled_at", json_time(cancelled));
    json_object_set_new(o, "cancel_reason", json_col_text(st, 13));
    json_object_set_new(o, "created_by", json_integer(db_col_int64(st, 14)));
    json_object_set_new(o, "created_by_name", json_col_text(st, 15));
    json_object_set_new(o, "created_at", json_time(db_col_int64(st, 16)));
    json_object_set_new(o, "updated_at", json_time(db_col_int64(st, 17)));
    json_object_set_new(o, "starts_at", json_time(starts));
    json_object_set_new(o, "ends_at", json_time(ends));
    json_object_set_new(o, "sessions_count", json_integer(db_col_int64(st, 20)));
    json_object_set_new(o, "capacity", json_integer(db_col_int64(st, 21)));
    json_object_set_new(o, "booked", json_integer(db_col_int64(st, 22)));
    json_object_set_new(o, "poster_file_id", json_col_id(st, 23));
    json_object_set_new(o, "poster_url",
                        db_col_is_null(st, 23) ? json_null()
                                               : json_sprintf("/api/v1/lecture/lectures/%lld/poster",
                                                              (long long)db_col_int64(st, 0)));
    return o;
}

static json_t *lecture_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return lecture_row_json(st);
}

/* The sessions of a lecture; with user_id, each carries that member's live
 * booking ({id,status} or null). NULL on a database error. */
json_t *lecture_sessions_json(db_conn_t *c, int64_t lecture_id, int64_t user_id)
{
    db_stmt_t *st = db_prepare(
        c,
        "SELECT s.id, s.starts_at, s.ends_at, s.capacity, s.booked, s.waiting, "
        "(SELECT b.id FROM lecture_bookings b WHERE b.session_id = s.id AND b.user_id = ? AND b.status IN "
        "('pending', 'confirmed', 'waitlisted', 'attended')), (SELECT b.status FROM lecture_bookings b WHERE "
        "b.session_id = s.id AND b.user_id = ? AND b.status IN ('pending', 'confirmed', 'waitlisted', "
        "'attended')) FROM lecture_sessions s WHERE s.lecture_id = ? AND s.deleted_at IS NULL "
        "ORDER BY s.starts_at, s.id");
    if (!st)
        return NULL;
    db_bind_int64(st, 1, user_id);
    db_bind_int64(st, 2, user_id);
    db_bind_int64(st, 3, lecture_id);
    json_t *a = json_array();
    int rc;
    int64_t now = time_now_ms();
    while ((rc = db_step(st)) == DB_ROW) {
        int64_t starts = db_col_int64(st, 1), ends = db_col_int64(st, 2), cap = db_col_int64(st, 3),
                booked = db_col_int64(st, 4);
        json_t *s =
            json_pack("{s:I,s:o,s:o,s:I,s:I,s:I,s:I,s:b,s:b}", "id", (json_int_t)db_col_int64(st, 0),
                      "starts_at", json_time(starts), "ends_at", json_time(ends), "capacity", (json_int_t)cap,
                      "booked", (json_int_t)booked, "remaining", (json_int_t)(cap - booked), "waiting",
                      (json_int_t)db_col_int64(st, 5), "started", now >= starts, "ended", now >= ends);
        json_object_set_new(s, "my_booking",
                            db_col_is_null(st, 6)
                                ? json_null()
                                : json_pack("{s:I,s:s}", "id", (json_int_t)db_col_int64(st, 6), "status",
                                            db_col_text(st, 7)));
        json_array_append_new(a, s);
    }
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(a);
        return NULL;
    }
    return a;
}

/* ---- validation ---- */

static const vfield_t LECTURE_NEW[] = {
    {"title", V_STR, true, 1, 100, .title = "讲堂主题"},
    {"speaker", V_STR, true, 1, 100, .title = "主讲人"},
    {"place", V_STR, true, 1, 200, .title = "地点"},
    {"description", V_TEXT, false, 0, 5000, .title = "简介"},
    {"needs_approval", V_BOOL, .title = "预约需主办方审核"},
    {"waitlist", V_BOOL, .title = "约满后开放候补"},
    {"starts_at", V_TIME, true, .title = "第一场开始时间（须晚于现在）"},
    {"ends_at", V_TIME, true, .title = "第一场结束时间（晚于开始，最长 24 小时）"},
    {"capacity", V_INT, true, 1, 100000, .title = "第一场名额"},
    {"org_id", V_ID, true, .title = "主办组织"},
    {"poster_file_id", V_ID, .title = "海报（经 /api/v1/uploads 上传的图片）"},
};
static const vfield_t LECTURE_PATCH[] = {
    {"title", V_STR, false, 1, 100, .title = "讲堂主题"},
    {"speaker", V_STR, false, 1, 100, .title = "主讲人"},
    {"place", V_STR, false, 1, 200, .title = "地点"},
    {"description", V_TEXT, false, 0, 5000, .title = "简介"},
    {"needs_approval", V_BOOL, .title = "预约需主办方审核"},
    {"waitlist", V_BOOL, .title = "约满后开放候补"},
    {"poster_file_id", V_ID, .title = "海报（经 /api/v1/uploads 上传的图片；null 去掉海报）"},
};
static const vfield_t SESSION_NEW[] = {
    {"starts_at", V_TIME, true, .title = "开始时间（须晚于现在）"},
    {"ends_at", V_TIME, true, .title = "结束时间（晚于开始，最长 24 小时）"},
    {"capacity", V_INT, true, 1, 100000, .title = "名额"},
};
static const vfield_t SESSION_PATCH[] = {
    {"starts_at", V_TIME, false, .title = "开始时间"},
    {"ends_at", V_TIME, false, .title = "结束时间"},
    {"capacity", V_INT, false, 1, 100000, .title = "名额"},
};
static const vfield_t CANCEL_BODY[] = {
    {"reason", V_TEXT, true, 2, 500, .title = "取消原因（告知已预约的党员）"}};

static int64_t time_of(json_t *o, const char *key)
{
    const char *s = jstr(o, key);
    int64_t ms = 0;
    return s && time_parse_iso8601(s, &ms) ? ms : 0;
}

/* starts/ends/capacity over before; false after answering 422 */
static bool check_times(http_req_t *req, int64_t starts, int64_t ends, bool check_future)
{
    json_t *f = json_object();
    if (!starts)
        json_object_set_new(f, "starts_at", json_string("必填"));
    else if (check_future && starts <= time_now_ms())
        json_object_set_new(f, "starts_at", json_string("开始时间须晚于现在"));
    if (!ends)
        json_object_set_new(f, "ends_at", json_string("必填"));
    else if (starts && ends <= starts)
        json_object_set_new(f, "ends_at", json_string("结束时间须晚于开始时间"));
    else if (starts && ends - starts > MAX_DURATION_MS)
        json_object_set_new(f, "ends_at", json_string("一场最长 24 小时"));
    if (json_object_size(f)) {
        http_error_fields(req, f);
        return false;
    }
    json_decref(f);
    return true;
}

/* ---- loading ---- */

/* The lecture in the caller's scope with its sessions; NULL after answering. */
static json_t *load(http_req_t *req, db_conn_t *c, int64_t id)
{
    json_t *l = res_load(req, c, &LECTURES, LECTURE_COLS, id, lecture_row, NULL, RES_PLAIN);
    if (!l)
        return NULL;
    json_t *s = lecture_sessions_json(c, id, 0);
    if (!s) {
        json_decref(l);
        http_db_error(req, c);
        return NULL;
    }
    json_object_set_new(l, "sessions", s);
    return http_defer_json(req, l);
}

static int editable(db_conn_t *c, json_t *l)
{
    if (json_is_null(json_object_get(l, "review_id")))
        return !strcmp(jstr(l, "status"), "draft");
    return review_editable(c, &LECTURE_REVIEW, jint(l, "id", 0));
}

/* editable, or 409/5xx answered */
static bool require_editable(http_req_t *req, db_conn_t *c, json_t *l)
{
    int ed = editable(c, l);
    if (ed < 0)
        http_db_error(req, c);
    else if (!ed)
        http_error(req, 409, "conflict", "审核中、已发布或已驳回的讲堂不能修改");
    return ed > 0;
}

static int touch(db_conn_t *c, int64_t id)
{
    db_stmt_t *st = db_prepare(c, "UPDATE lectures SET updated_at = ? WHERE id = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, time_now_ms());
    db_bind_int64(st, 2, id);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

static int64_t insert_session(db_conn_t *c, int64_t lecture, int64_t starts, int64_t ends, int64_t cap)
{
    int64_t now = time_now_ms(), id = 0;
    db_stmt_t *st = db_prepare(c, "INSERT INTO lecture_sessions (lecture_id, starts_at, ends_at, capacity, "
                                  "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
    if (!st)
        return -1;
    db_bind_int64(st, 1, lecture);
    db_bind_int64(st, 2, starts);
    db_bind_int64(st, 3, ends);
    db_bind_int64(st, 4, cap);
    db_bind_int64(st, 5, now);
    db_bind_int64(st, 6, now);
    if (db_step(st) == DB_ROW)
        id = db_col_int64(st, 0);
    db_done(st);
    return id > 0 ? id : -1;
}

/* The lecture's poster: a picture the caller uploaded, claimed for the
 * module (it leaves the shared space); null removes it. The file stays
 * with the module when replaced. false after answering 409/415/422/5xx. */
static bool set_poster(http_req_t *req, db_conn_t *c, int64_t id, int64_t org, json_t *b, json_t *before)
{
    if (!jhas(b, "poster_file_id"))
        return true;
    int64_t fid = jint(b, "poster_file_id", 0), had = before ? jint(before, "poster_file_id", 0) : 0;
    if (fid && fid != had && !storage_claim_picture(req, c, fid, org, "lecture", "poster_file_id", "海报"))
        return false;
    db_stmt_t *st = db_prepare(c, "UPDATE lectures SET poster_file_id = ? WHERE id = ?");
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

/* Answers with a lecture's poster (the storage module's "web" size when it
 * has one); 404 when it has none. */
void lecture_send_poster(http_req_t *req, db_conn_t *c, json_t *l)
{
    storage_send_picture(req, c, jint(l, "poster_file_id", 0), "海报");
}

static void lecture_poster(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *l = res_load(req, c, &LECTURES, LECTURE_COLS, id, lecture_row, NULL, RES_PLAIN);
    if (!l)
        return;
    lecture_send_poster(req, c, l);
    json_decref(l);
}

/* ---- lectures ---- */

static const char *const STATES[] = {"draft",    "in_review", "returned",  "approved",
                                     "rejected", "withdrawn", "cancelled", NULL};

static const vfield_t LIST_QUERY[] = {
    {"status", V_ENUM, .choices = STATES, .title = "状态（cancelled：已取消；approved 不含已取消）"},
    {"q", V_STR, .max = 100, .title = "主题、主讲人或地点包含"},
    {"org_id", V_ID, .title = "主办组织"},
};
static const vfield_t LECTURE_OUT[] = {
    {"id", V_ID},
    {"org_id", V_ID, .title = "主办组织"},
    {"org_name", V_STR},
    {"title", V_STR, .title = "讲堂主题"},
    {"speaker", V_STR, .title = "主讲人"},
    {"place", V_STR, .title = "地点"},
    {"description", V_STR},
    {"needs_approval", V_BOOL, .title = "预约需审核"},
    {"waitlist", V_BOOL, .title = "开放候补"},
    {"status", V_ENUM, .choices = REVIEW_STATUSES, .title = "审核状态"},
    {"state", V_ENUM, .choices = STATES, .title = "审核状态，已取消时为 cancelled"},
    {"phase", V_STR, .title = "已发布时：upcoming 未开始、ongoing 进行中、ended 已结束、cancelled 已取消"},
    {"review_level", V_INT},
    {"review_id", V_ID, .title = "审核事项（/api/v1/review/items/{id}）"},
    {"cancelled_at", V_TIME},
    {"cancel_reason", V_STR},
    {"starts_at", V_TIME, .title = "最早一场的开始"},
    {"ends_at", V_TIME, .title = "最晚一场的结束"},
    {"sessions_count", V_INT, .title = "场次数"},
    {"capacity", V_INT, .title = "总名额"},
    {"booked", V_INT, .title = "已占名额（待审核、已确认、已签到）"},
    {"poster_file_id", V_ID, .title = "海报文件"},
    {"poster_url", V_STR, .title = "海报图片地址（无海报时为 null）"},
    {"sessions", V_ARRAY, .title = "场次（详情）[{id,starts_at,ends_at,capacity,booked,remaining,waiting}]"},
    {"revision", V_OBJECT,
     .title = "修订（详情；已发布讲堂的修改，审核通过后生效）{status, review_level, level_title, "
              "changes}，无修订为 null"},
    {"created_by", V_ID},
    {"created_by_name", V_STR},
    {"created_at", V_TIME},
    {"updated_at", V_TIME},
};

static void list_lectures(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &LECTURES, &w);
    const char *st = http_query(req, "status"), *q = http_query(req, "q");
    if (st && !strcmp(st, "cancelled"))
        qb_sql(&w, " AND l.cancelled_at IS NOT NULL");
    else if (st) {
        qb_sql(&w, " AND l.cancelled_at IS NULL AND l.status = ");
        qb_text(&w, st);
    }
    if (q) {
        static const char *const cols[] = {"l.title", "l.speaker", "l.place"};
        qb_like_any(&w, cols, 3, q);
    }
    int64_t org = http_query_i64(req, "org_id", 0);
    if (org) {
        qb_sql(&w, " AND l.org_id = ");
        qb_int(&w, org);
    }
    res_list(req, c, &LECTURES, LECTURE_COLS, &w, "l.id DESC", lecture_row, NULL);
    qb_free(&w);
}

static void get_lecture(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *l = load(req, c, id);
    if (!l)
        return;
    if (lecture_live_attach(c, json_object_get(l, "sessions")) != 0) {
        http_db_error(req, c);
        return;
    }
    int ed = editable(c, l);
    json_t *item =
        json_is_null(json_object_get(l, "review_id")) ? NULL : review_item_json(c, &LECTURE_REVIEW, id);
    if (ed < 0 || (!item && !json_is_null(json_object_get(l, "review_id")))) {
        json_decref(item);
        http_db_error(req, c);
        return;
    }
    const char *status = jstr(l, "status"), *phase = jstr(l, "phase");
    bool published = !strcmp(status, "approved") && json_is_null(json_object_get(l, "cancelled_at"));
    int level = (int)jint(l, "review_level", 0);
    json_t *rv = item ? json_object_get(item, "revision") : NULL;
    const char *rs = json_is_object(rv) ? jstr(rv, "status") : NULL;
    bool rev_review = rs && !strcmp(rs, "in_review");
    json_object_set(l, "revision", rv ? rv : json_null());
    json_object_set_new(l, "can_revise", json_boolean(published && !rev_review));
    json_object_set_new(l, "review", item ? item : json_null());
    json_object_set_new(l, "can_edit", json_boolean(ed));
    json_object_set_new(l, "can_submit", json_boolean(ed));
    json_object_set_new(l, "can_withdraw",
                        json_boolean(item && json_is_true(json_object_get(item, "withdrawable"))));
    json_object_set_new(l, "can_cancel", json_boolean(published && phase && strcmp(phase, "ended") != 0));
    json_object_set_new(
        l, "can_decide",
        json_boolean((!strcmp(status, "in_review") && level > 0 &&
                      review_can_decide(req, c, &LECTURE_REVIEW, jint(l, "org_id", 0), level)) ||
                     (rev_review && review_can_decide(req, c, &LECTURE_REVIEW, jint(l, "org_id", 0),
                                                      (int)jint(rv, "review_level", 0)))));
    http_json(req, 200, json_incref(l));
}

static void create_lecture(http_req_t *req)
{
    json_t *b = http_json_body(req);
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    int64_t starts = time_of(b, "starts_at"), ends = time_of(b, "ends_at"), org = jint(b, "org_id", 0);
    if (!check_times(req, starts, ends, true))
        return;
    if (!auth_org_in_scope(req, c, org)) {
        http_error_fields(req, json_pack("{s:s}", "org_id", "组织不存在或不在您的管理范围内"));
        return;
    }
    int64_t now = time_now_ms(), id = 0;
    const char *desc = jstr(b, "description");
    db_stmt_t *st = db_prepare(
        c,
        "INSERT INTO lectures (org_id, title, speaker, place, description, needs_approval, waitlist, status, "
        "created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?) RETURNING id");
    if (st) {
        db_bind_int64(st, 1, org);
        db_bind_text(st, 2, jstr(b, "title"));
        db_bind_text(st, 3, jstr(b, "speaker"));
        db_bind_text(st, 4, jstr(b, "place"));
        db_bind_text(st, 5, desc && *desc ? desc : NULL);
        db_bind_int64(st, 6, jbool(b, "needs_approval", false));
        db_bind_int64(st, 7, jbool(b, "waitlist", false));
        db_bind_int64(st, 8, http_user_id(req));
        db_bind_int64(st, 9, now);
        db_bind_int64(st, 10, now);
        if (db_step(st) == DB_ROW)
            id = db_col_int64(st, 0);
    }
    db_done(st);
    if (id <= 0 || insert_session(c, id, starts, ends, jint(b, "capacity", 1)) < 0) {
        http_db_error(req, c);
        return;
    }
    if (!set_poster(req, c, id, org, b, NULL))
        return;
    if (review_open(req, c, &LECTURE_REVIEW, id, org, NULL, jstr(b, "title")) < 0)
        return;
    if (lecture_index(c, id) != 0) {
        http_db_error(req, c);
        return;
    }
    json_t *o = load(req, c, id);
    if (!o)
        return;
    audit_entry_t ae = {.target = id, .after = o};
    audit_reply(req, c, true, &ae, 201, json_incref(o));
}

/* After a change: the row reloaded, audited against before, answered 200. */
static void reply_reloaded(http_req_t *req, db_conn_t *c, int64_t id, json_t *before, const char *detail)
{
    json_t *after = load(req, c, id);
    if (!after)
        return;
    audit_entry_t ae = {.target = id, .before = before, .after = after, .detail = detail};
    audit_reply(req, c, true, &ae, 200, json_incref(after));
}

static void patch_lecture(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *b = http_json_body(req);
    json_t *before = res_lock(req, c, &LECTURES, id) == 0 ? load(req, c, id) : NULL;
    if (!before || !require_editable(req, c, before))
        return;
    const char *title = jhas(b, "title") ? jstr(b, "title") : jstr(before, "title");
    const char *desc = jhas(b, "description") ? jstr(b, "description") : jstr(before, "description");
    qb_t q;
    qb_init(&q, "UPDATE lectures SET title = ");
    qb_text(&q, title);
    qb_sql(&q, ", speaker = ");
    qb_text(&q, jhas(b, "speaker") ? jstr(b, "speaker") : jstr(before, "speaker"));
    qb_sql(&q, ", place = ");
    qb_text(&q, jhas(b, "place") ? jstr(b, "place") : jstr(before, "place"));
    qb_sql(&q, ", description = ");
    qb_text(&q, desc && *desc ? desc : NULL);
    qb_sql(&q, ", needs_approval = ");
    qb_int(&q, jhas(b, "needs_approval") ? jbool(b, "needs_approval", false)
                                         : jbool(before, "needs_approval", false));
    qb_sql(&q, ", waitlist = ");
    qb_int(&q, jhas(b, "waitlist") ? jbool(b, "waitlist", false) : jbool(before, "waitlist", false));
    qb_sql(&q, ", updated_at = ");
    qb_int(&q, time_now_ms());
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND status IN ('draft', 'returned', 'withdrawn') AND deleted_at IS NULL");
    if (!res_transition(req, c, &q, "讲堂已被提交或已处理，不能修改") ||
        !set_poster(req, c, id, jint(before, "org_id", 0), b, before))
        return;
    if (!json_is_null(json_object_get(before, "review_id")) &&
        review_retitle(c, &LECTURE_REVIEW, id, NULL, title) != 0) {
        http_db_error(req, c);
        return;
    }
    if (lecture_index(c, id) != 0) {
        http_db_error(req, c);
        return;
    }
    reply_reloaded(req, c, id, before, NULL);
}

static void delete_lecture(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = res_lock(req, c, &LECTURES, id) == 0 ? load(req, c, id) : NULL;
    if (!before || !require_editable(req, c, before))
        return;
    int64_t now = time_now_ms();
    qb_t q;
    qb_init(&q, "UPDATE lectures SET deleted_at = ");
    qb_int(&q, now);
    qb_sql(&q, ", updated_at = ");
    qb_int(&q, now);
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND status IN ('draft', 'returned', 'withdrawn') AND deleted_at IS NULL");
    if (!res_transition(req, c, &q, "讲堂已被提交或已处理，不能删除"))
        return;
    if (!json_is_null(json_object_get(before, "review_id")) && review_discard(c, &LECTURE_REVIEW, id) != 0) {
        http_db_error(req, c);
        return;
    }
    if (search_delete(c, "lecture", id) != 0) {
        http_db_error(req, c);
        return;
    }
    audit_entry_t ae = {.target = id, .before = before};
    audit_reply(req, c, true, &ae, 204, NULL);
}

static const char *const SNAPSHOT_KEYS[] = {"title",    "speaker",        "place",    "description",
                                            "org_id",   "needs_approval", "waitlist", "org_name",
                                            "sessions", "poster_file_id"};

static void submit_lecture(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = res_lock(req, c, &LECTURES, id) == 0 ? load(req, c, id) : NULL;
    if (!before)
        return;
    int ed = editable(c, before);
    if (ed <= 0) {
        if (ed < 0)
            http_db_error(req, c);
        else
            http_error(req, 409, "conflict", "只有草稿、退回修改或已撤回的讲堂可以提交");
        return;
    }
    int64_t first = time_of(before, "starts_at");
    if (!first || first <= time_now_ms()) {
        http_error(req, 409, "conflict", "讲堂的场次时间已过，请修改场次后再提交");
        return;
    }
    if (!review_submit_item(req, c, &LECTURE_REVIEW, id, before, NULL, SNAPSHOT_KEYS, VN(SNAPSHOT_KEYS)))
        return;
    reply_reloaded(req, c, id, before, http_printf(req, "提交讲堂《%s》", jstr(before, "title")));
}

static void withdraw_lecture(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = load(req, c, id);
    if (!before)
        return;
    if (!review_withdraw_item(req, c, &LECTURE_REVIEW, id, before, "该讲堂尚未提交"))
        return;
    reply_reloaded(req, c, id, before, NULL);
}

/* A published lecture called off: its live bookings are cancelled, its
 * seats and waiting lists emptied, and each member who held a booking is
 * told. The review stays "approved": cancelled_at is the module's own. */
static void cancel_lecture(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    const char *reason = jstr(http_json_body(req), "reason");
    /* the sessions' rows before the lecture's: a booking holds its session's
     * row and then, for its insert's foreign key, a share lock on the
     * lecture's; taking the lecture's row first deadlocked with it on
     * PostgreSQL (one of them answered 503) */
    db_stmt_t *lk =
        db_prepare(c, "SELECT id FROM lecture_sessions WHERE lecture_id = ? ORDER BY id" FOR_UPDATE_CLAUSE);
    int lrc = DB_ERROR;
    if (lk) {
        db_bind_int64(lk, 1, id);
        while ((lrc = db_step(lk)) == DB_ROW)
            ;
    }
    db_done(lk);
    if (lrc != DB_DONE) {
        http_db_error(req, c);
        return;
    }
    json_t *before = res_lock(req, c, &LECTURES, id) == 0 ? load(req, c, id) : NULL;
    if (!before)
        return;
    int64_t now = time_now_ms();
    qb_t q;
    qb_init(&q, "UPDATE lectures SET cancelled_at = ");
    qb_int(&q, now);
    qb_sql(&q, ", cancelled_by = ");
    qb_int(&q, http_user_id(req));
    qb_sql(&q, ", cancel_reason = ");
    qb_text(&q, reason);
    qb_sql(&q, ", updated_at = ");
    qb_int(&q, now);
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND status = 'approved' AND cancelled_at IS NULL AND deleted_at IS NULL");
    if (!res_transition(req, c, &q, "只有已发布且未取消的讲堂可以取消"))
        return;
    /* every live booking goes (booking.h), each member told; a booking that
     * held a session before is committed by then and cancelled here; one
     * that waited for it finds the lecture cancelled (book_session) */
    const char *t = jstr(before, "title");
    char msg[640], at[32];
    snprintf(msg, sizeof msg, "讲堂取消：《%.*s》（原定 %s）", (int)utf8_prefix(t, strlen(t), 80), t,
             booking_fmt_time(time_of(before, "starts_at"), at, sizeof at));
    int told = booking_call_off(c, &LECTURE_BOOKING, id, 0, "lecture.cancelled", msg, reason,
                                jint(before, "org_id", 0), http_user_id(req));
    /* its sessions' live broadcasts end with it (live.h) */
    int streams = told < 0 ? -1 : lecture_live_close_all(c, id, http_user_id(req), reason);
    if (told < 0 || streams < 0) {
        http_db_error(req, c);
        return;
    }
    json_t *after = load(req, c, id);
    if (!after)
        return;
    json_t *out = json_deep_copy(after);
    json_object_set_new(out, "notified", json_integer(told));
    json_object_set_new(out, "live_closed", json_integer(streams));
    audit_entry_t ae = {.target = id,
                        .before = before,
                        .after = after,
                        .detail =
                            http_printf(req, "取消讲堂《%s》：%s（通知 %d 位已预约党员，关闭 %d 场直播）", t,
                                        reason, told, streams)};
    audit_reply(req, c, true, &ae, 200, out);
}

/* ---- revisions (修订) of a published lecture ----
 *
 * The changes are kept by the review engine beside the published row
 * (review.h, "Revisions"): topic, speaker, place, description, poster, and
 * sessions — an existing one's time and capacity (never below the seats
 * held: 422 naming the count; a started session keeps its time), or a new
 * one. Booking rules (needs_approval, waitlist) and the organisation are
 * not revised. On approval lecture_revised applies them and tells every
 * member booked on a session whose time, or the lecture's place, changed. */

static const vfield_t REVISION_BODY[] = {
    {"title", V_STR, false, 1, 100, .title = "讲堂主题"},
    {"speaker", V_STR, false, 1, 100, .title = "主讲人"},
    {"place", V_STR, false, 1, 200, .title = "地点"},
    {"description", V_TEXT, false, 0, 5000, .title = "简介"},
    {"poster_file_id", V_ID, .title = "海报（经 /api/v1/uploads 上传的图片；null 去掉海报）"},
    {"sessions", V_ARRAY, false, 0, MAX_SESSIONS,
     .title = "场次 [{id?, starts_at, ends_at, capacity}]：带 id 的改该场次，不带 id "
              "的为新增场次；未列出的场次不变"},
};

static const char *const REVISION_TEXT[] = {"title", "speaker", "place", "description"};
static const char *const REVISION_TITLES[] = {"讲堂主题", "主讲人", "地点", "简介"};

static bool same_text(const char *a, const char *b) { return !strcmp(a ? a : "", b ? b : ""); }

/* The body against the published lecture: the changes that differ from it
 * (new reference), or NULL after answering 422/409/415/5xx. The sessions'
 * rules are the booking module's, shared with the course matrix. */
static json_t *revision_changes(http_req_t *req, db_conn_t *c, json_t *l, json_t *b)
{
    json_t *ch = json_object(), *fields = json_object();
    for (size_t i = 0; i < VN(REVISION_TEXT); i++) {
        const char *k = REVISION_TEXT[i];
        if (jhas(b, k) && !same_text(jstr(b, k), jstr(l, k)))
            json_object_set_new(ch, k, json_text_or_null(jstr(b, k) && *jstr(b, k) ? jstr(b, k) : NULL));
    }
    if (jhas(b, "poster_file_id") && jint(b, "poster_file_id", 0) != jint(l, "poster_file_id", 0)) {
        int64_t fid = jint(b, "poster_file_id", 0);
        if (fid &&
            !storage_claim_picture(req, c, fid, jint(l, "org_id", 0), "lecture", "poster_file_id", "海报"))
            goto fail;
        json_object_set_new(ch, "poster_file_id", fid ? json_integer(fid) : json_null());
    }
    json_t *out = booking_revise_sessions(req, &LECTURE_BOOKING, json_object_get(l, "sessions"),
                                          json_object_get(b, "sessions"), MAX_SESSIONS, fields);
    if (json_array_size(out))
        json_object_set_new(ch, "sessions", out);
    else
        json_decref(out);
    if (json_object_size(fields)) {
        http_error_fields(req, fields);
        fields = NULL;
        goto fail;
    }
    json_decref(fields);
    return ch;
fail:
    json_decref(fields);
    json_decref(ch);
    return NULL;
}

/* What the reviewers see of a revision: [{field, title, before, after}]. */
static json_t *revision_diff(http_req_t *req, json_t *l, json_t *ch)
{
    json_t *d = json_array();
    for (size_t i = 0; i < VN(REVISION_TEXT); i++)
        if (jhas(ch, REVISION_TEXT[i]))
            json_array_append_new(d, json_pack("{s:s,s:s,s:o,s:o}", "field", REVISION_TEXT[i], "title",
                                               REVISION_TITLES[i], "before",
                                               json_text_or_null(jstr(l, REVISION_TEXT[i])), "after",
                                               json_text_or_null(jstr(ch, REVISION_TEXT[i]))));
    if (jhas(ch, "poster_file_id"))
        json_array_append_new(d, json_pack("{s:s,s:s,s:s,s:s}", "field", "poster_file_id", "title", "海报",
                                           "before", jint(l, "poster_file_id", 0) ? "原海报" : "无", "after",
                                           jint(ch, "poster_file_id", 0) ? "新海报" : "无"));
    booking_sessions_diff(req, &LECTURE_BOOKING, json_object_get(l, "sessions"),
                          json_object_get(ch, "sessions"), d);
    return d;
}

static const char *frozen(json_t *l)
{
    return json_is_null(json_object_get(l, "cancelled_at")) ? NULL : "已取消的讲堂不能修订";
}

static const char *const REVISION_LISTS[] = {"sessions"};
static const review_reviser_t REVISER = {.kind = &LECTURE_REVIEW,
                                         .resource = &LECTURES,
                                         .noun = "讲堂",
                                         .load = load,
                                         .frozen = frozen,
                                         .changes = revision_changes,
                                         .diff = revision_diff,
                                         .snapshot_keys = SNAPSHOT_KEYS,
                                         .n_snapshot = VN(SNAPSHOT_KEYS),
                                         .list_keys = REVISION_LISTS,
                                         .n_list = VN(REVISION_LISTS)};

REVIEW_REVISION_HANDLERS(REVISER)

/* The review engine's `revised` hook: the approved revision goes live. */
int lecture_revised(db_conn_t *c, const review_event_t *ev, json_t *ch)
{
    int64_t id = ev->ref_id, now = time_now_ms();
    /* the sessions' rows first, as every booking path takes them */
    if (booking_lock_sessions(c, &LECTURE_BOOKING, id) != 0)
        return -1;
    qb_t q;
    qb_init(&q, "UPDATE lectures SET updated_at = ");
    qb_int(&q, now);
    for (size_t i = 0; i < VN(REVISION_TEXT); i++)
        if (jhas(ch, REVISION_TEXT[i])) {
            qb_sql(&q, ", ");
            qb_sql(&q, REVISION_TEXT[i]); /* a constant column name */
            qb_sql(&q, " = ");
            qb_text(&q, jstr(ch, REVISION_TEXT[i]));
        }
    if (jhas(ch, "poster_file_id")) {
        qb_sql(&q, ", poster_file_id = ");
        if (jint(ch, "poster_file_id", 0))
            qb_int(&q, jint(ch, "poster_file_id", 0));
        else
            qb_sql(&q, "NULL");
    }
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND status = 'approved' AND cancelled_at IS NULL AND deleted_at IS NULL");
    db_stmt_t *st = qb_prepare(c, &q);
    int rc = st ? db_step(st) : DB_ERROR;
    db_done(st);
    qb_free(&q);
    if (rc != DB_DONE)
        return -1;
    if (db_changes(c) != 1) {
        review_hook_conflict("讲堂已取消，修订不能生效（请退回或驳回）");
        return -1;
    }
    /* the lecture as it now is: its title, place and org for the messages */
    char title[512] = "", place[512] = "";
    int64_t org = 0;
    st = db_prepare(c, "SELECT title, place, org_id FROM lectures WHERE id = ?");
    rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, id);
        if ((rc = db_step(st)) == DB_ROW) {
            snprintf(title, sizeof title, "%s", db_col_text(st, 0));
            snprintf(place, sizeof place, "%s", db_col_text(st, 1));
            org = db_col_int64(st, 2);
        }
    }
    db_done(st);
    if (rc != DB_ROW)
        return -1;
    char msg[640], conflict[256];
    snprintf(msg, sizeof msg, "讲堂场次变更：《%.*s》", (int)utf8_prefix(title, strlen(title), 80), title);
    booking_revision_t r = {.parent_id = id,
                            .changes = json_object_get(ch, "sessions"),
                            .parent_place = jhas(ch, "place") ? place : NULL,
                            .notify_kind = "lecture.session_changed",
                            .title = msg,
                            .org_id = org,
                            .actor = ev->actor_id};
    int ap = booking_apply_sessions(c, &LECTURE_BOOKING, &r, conflict, sizeof conflict);
    if (ap == -2)
        review_hook_conflict("%s", conflict);
    if (ap != 0)
        return -1;
    /* a moved session's broadcast moves with it */
    int lf = lecture_live_follow(c, id, conflict, sizeof conflict);
    if (lf == 0)
        review_hook_conflict("场次改期后，其直播与本区已批准的直播《%s》时间重叠，修订不能生效（请退回修改）",
                             conflict);
    if (lf != 1)
        return -1;
    if (jhas(ch, "title") && review_retitle(c, &LECTURE_REVIEW, id, NULL, title) != 0)
        return -1;
    return lecture_index(c, id);
}

/* ---- sessions ---- */

static const vfield_t SESSION_OUT[] = {
    {"id", V_ID},
    {"lecture_id", V_ID},
    {"starts_at", V_TIME},
    {"ends_at", V_TIME},
    {"capacity", V_INT, .title = "名额"},
    {"booked", V_INT, .title = "已占名额"},
    {"remaining", V_INT, .title = "剩余名额"},
    {"waiting", V_INT, .title = "候补人数"},
};

#define SESSION_COLS "s.id, s.lecture_id, s.starts_at, s.ends_at, s.capacity, s.booked, s.waiting"

static json_t *session_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return json_pack("{s:I,s:I,s:o,s:o,s:I,s:I,s:I,s:I}", "id", (json_int_t)db_col_int64(st, 0), "lecture_id",
                     (json_int_t)db_col_int64(st, 1), "starts_at", json_time(db_col_int64(st, 2)), "ends_at",
                     json_time(db_col_int64(st, 3)), "capacity", (json_int_t)db_col_int64(st, 4), "booked",
                     (json_int_t)db_col_int64(st, 5), "remaining",
                     (json_int_t)(db_col_int64(st, 4) - db_col_int64(st, 5)), "waiting",
                     (json_int_t)db_col_int64(st, 6));
}

static void add_session(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *b = http_json_body(req);
    json_t *l = res_lock(req, c, &LECTURES, id) == 0 ? load(req, c, id) : NULL;
    if (!l || !require_editable(req, c, l))
        return;
    int64_t starts = time_of(b, "starts_at"), ends = time_of(b, "ends_at");
    if (!check_times(req, starts, ends, true))
        return;
    if (json_array_size(json_object_get(l, "sessions")) >= MAX_SESSIONS) {
        http_error(req, 409, "conflict", "一个讲堂至多 %d 场", MAX_SESSIONS);
        return;
    }
    int64_t sid = insert_session(c, id, starts, ends, jint(b, "capacity", 1));
    if (sid < 0 || touch(c, id) != 0) {
        http_db_error(req, c);
        return;
    }
    json_t *o = res_load(req, c, &LECTURE_SESSIONS, SESSION_COLS, sid, session_row, NULL, RES_PLAIN);
    if (!o)
        return;
    http_defer_json(req, o);
    audit_entry_t ae = {
        .target = id, .after = o, .detail = http_printf(req, "讲堂《%s》增加场次", jstr(l, "title"))};
    audit_reply(req, c, true, &ae, 201, json_incref(o));
}

/* the session in scope and its lecture, editable; NULL after answering */
static json_t *editable_session(http_req_t *req, db_conn_t *c, int64_t sid, json_t **lecture)
{
    json_t *s = res_load(req, c, &LECTURE_SESSIONS, SESSION_COLS, sid, session_row, NULL, RES_PLAIN);
    if (!s)
        return NULL;
    http_defer_json(req, s);
    int64_t lid = jint(s, "lecture_id", 0);
    json_t *l = res_lock(req, c, &LECTURES, lid) == 0 ? load(req, c, lid) : NULL;
    if (!l || !require_editable(req, c, l))
        return NULL;
    *lecture = l;
    return s;
}

static void patch_session(http_req_t *req)
{
    int64_t sid;
    db_conn_t *c = http_db_change(req, &sid);
    if (!c)
        return;
    json_t *b = http_json_body(req), *l;
    json_t *before = editable_session(req, c, sid, &l);
    if (!before)
        return;
    int64_t starts = jhas(b, "starts_at") ? time_of(b, "starts_at") : time_of(before, "starts_at");
    int64_t ends = jhas(b, "ends_at") ? time_of(b, "ends_at") : time_of(before, "ends_at");
    int64_t cap = jhas(b, "capacity") ? jint(b, "capacity", 1) : jint(before, "capacity", 1);
    if (!check_times(req, starts, ends, jhas(b, "starts_at") || jhas(b, "ends_at")))
        return;
    qb_t q;
    qb_init(&q, "UPDATE lecture_sessions SET starts_at = ");
    qb_int(&q, starts);
    qb_sql(&q, ", ends_at = ");
    qb_int(&q, ends);
    qb_sql(&q, ", capacity = ");
    qb_int(&q, cap);
    qb_sql(&q, ", updated_at = ");
    qb_int(&q, time_now_ms());
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, sid);
    qb_sql(&q, " AND deleted_at IS NULL AND booked <= ");
    qb_int(&q, cap);
    if (!res_transition(req, c, &q, "名额不能少于已预约的人数"))
        return;
    if (touch(c, jint(l, "id", 0)) != 0) {
        http_db_error(req, c);
        return;
    }
    json_t *after = res_load(req, c, &LECTURE_SESSIONS, SESSION_COLS, sid, session_row, NULL, RES_PLAIN);
    if (!after)
        return;
    http_defer_json(req, after);
    audit_entry_t ae = {.target = sid, .before = before, .after = after};
    audit_reply(req, c, true, &ae, 200, json_incref(after));
}

static void delete_session(http_req_t *req)
{
    int64_t sid;
    db_conn_t *c = http_db_change(req, &sid);
    if (!c)
        return;
    json_t *l;
    json_t *before = editable_session(req, c, sid, &l);
    if (!before)
        return;
    if (json_array_size(json_object_get(l, "sessions")) <= 1) {
        http_error(req, 409, "conflict", "讲堂至少要有一个场次");
        return;
    }
    qb_t q;
    qb_init(&q, "UPDATE lecture_sessions SET deleted_at = ");
    qb_int(&q, time_now_ms());
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, sid);
    qb_sql(&q, " AND deleted_at IS NULL AND booked = 0 AND waiting = 0");
    if (!res_transition(req, c, &q, "已有预约的场次不能删除"))
        return;
    if (touch(c, jint(l, "id", 0)) != 0) {
        http_db_error(req, c);
        return;
    }
    audit_entry_t ae = {.target = sid, .before = before};
    audit_reply(req, c, true, &ae, 204, NULL);
}

static const vfield_t CHECKIN_OUT[] = {
    {"session_id", V_ID},
    {"token", V_STR, .title = "签到令牌"},
    {"path", V_STR, .title = "党员扫码打开的页面（/m/checkin?token=…），二维码内容为站点地址加此路径"},
};

static void checkin_code(http_req_t *req)
{
    int64_t sid;
    db_conn_t *c = http_db_id(req, &sid);
    if (!c)
        return;
    json_t *s = res_load(req, c, &LECTURE_SESSIONS, SESSION_COLS, sid, session_row, NULL, RES_PLAIN);
    if (!s)
        return;
    json_decref(s);
    char token[80];
    booking_checkin_token(&LECTURE_BOOKING, sid, token, sizeof token);
    http_json(req, 200,
              json_pack("{s:I,s:s,s:s+}", "session_id", (json_int_t)sid, "token", token, "path",
                        "/m/checkin?token=", token));
}

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/lecture/lectures", .handler = list_lectures, .perm = "lecture.manage",
     .flags = HTTP_LIST, .summary = "讲堂列表（管理）", .resource = &LECTURES, HTTP_QUERY(LIST_QUERY),
     HTTP_OUT(LECTURE_OUT)},
    {.method = "POST", .pattern = "/api/v1/lecture/lectures", .handler = create_lecture, .perm = "lecture.manage",
     .summary = "新建讲堂", .audit = "lecture.create", .resource = &LECTURES, HTTP_BODY(LECTURE_NEW),
     HTTP_OUT(LECTURE_OUT), .status = 201,
     .example = "{\"title\":\"契约讲堂{n}\",\"speaker\":\"张老师\",\"place\":\"浦东新区党群服务中心\","
                "\"starts_at\":\"{future}\",\"ends_at\":\"{future+2h}\",\"capacity\":30,\"org_id\":\"{org}\"}",
     .notes = "a draft with its first session and its review item; 422 when the end is not after the start, "
              "the start has passed or the organisation is outside the caller's scope"},
    {.method = "GET", .pattern = "/api/v1/lecture/lectures/{id}", .handler = get_lecture, .perm = "lecture.manage",
     .summary = "讲堂详情（管理）", .resource = &LECTURES, HTTP_OUT(LECTURE_OUT),
     .notes = "adds review (the review item with its history) and can_edit, can_submit, can_withdraw, "
              "can_cancel, can_decide"},
    {.method = "GET", .pattern = "/api/v1/lecture/lectures/{id}/poster", .handler = lecture_poster,
     .perm = "lecture.manage", .flags = HTTP_DOWNLOAD, .summary = "讲堂海报（管理）", .resource = &LECTURES,
     .notes = "the picture (its web size when made); 404 when the lecture has none"},
    {.method = "PATCH", .pattern = "/api/v1/lecture/lectures/{id}", .handler = patch_lecture,
     .perm = "lecture.manage", .summary = "修改讲堂", .audit = "lecture.update", .resource = &LECTURES,
     HTTP_BODY(LECTURE_PATCH), HTTP_OUT(LECTURE_OUT), .example = "{\"speaker\":\"李老师\"}",
     .notes = "while a draft, returned or withdrawn (else 409)"},
    {.method = "DELETE", .pattern = "/api/v1/lecture/lectures/{id}", .handler = delete_lecture,
     .perm = "lecture.manage", .summary = "删除讲堂", .audit = "lecture.delete", .resource = &LECTURES,
     .status = 204, .notes = "soft; while a draft, returned or withdrawn (else 409)"},
    {.method = "POST", .pattern = "/api/v1/lecture/lectures/{id}/submit", .handler = submit_lecture,
     .perm = "lecture.manage", .summary = "提交讲堂审核", .audit = "lecture.submit", .resource = &LECTURES,
     HTTP_OUT(LECTURE_OUT),
     .notes = "to the review chain of kind lecture (区级 then 市级 by default); published on approval; 409 when "
              "not a draft/returned/withdrawn or when its first session has started"},
    {.method = "POST", .pattern = "/api/v1/lecture/lectures/{id}/withdraw", .handler = withdraw_lecture,
     .perm = "lecture.manage", .summary = "撤回讲堂审核", .audit = "lecture.withdraw", .resource = &LECTURES,
     HTTP_OUT(LECTURE_OUT), .notes = "before the first decision (else 409)"},
    {.method = "POST", .pattern = "/api/v1/lecture/lectures/{id}/cancel", .handler = cancel_lecture,
     .perm = "lecture.manage", .summary = "取消已发布的讲堂", .audit = "lecture.cancel", .resource = &LECTURES,
     HTTP_BODY(CANCEL_BODY), HTTP_OUT(LECTURE_OUT), .example = "{\"reason\":\"主讲人临时有事\"}",
     .notes = "approved and not cancelled (else 409); its pending, confirmed and waitlisted bookings are "
              "cancelled and each member is told: notified (the number of members)"},
    {.method = "PUT", .pattern = "/api/v1/lecture/lectures/{id}/revision", .handler = save_revision,
     .perm = "lecture.manage", .summary = "保存讲堂修订", .audit = "lecture.revise", .resource = &LECTURES,
     HTTP_BODY(REVISION_BODY), HTTP_OUT(LECTURE_OUT), .example = "{\"speaker\":\"李老师\"}",
     .notes = "a published (approved, not cancelled) lecture; the fields that differ from the published ones "
              "are kept as its revision (replacing the one saved before) while members see the published "
              "lecture; 409 when not published or the revision is in review; 422 for a session capacity below "
              "its seats held (naming the count), a time in the past or a started session's time; adds revision"},
    {.method = "POST", .pattern = "/api/v1/lecture/lectures/{id}/revision/submit", .handler = submit_revision,
     .perm = "lecture.manage", .summary = "提交讲堂修订审核", .audit = "lecture.revision_submit",
     .resource = &LECTURES, HTTP_OUT(LECTURE_OUT),
     .notes = "to the lecture's review chain, with a snapshot showing each change (revision: [{field, title, "
              "before, after}]); applied to the lecture on the last approval; 409 without a saved revision"},
    {.method = "POST", .pattern = "/api/v1/lecture/lectures/{id}/revision/withdraw", .handler = withdraw_revision,
     .perm = "lecture.manage", .summary = "撤回讲堂修订审核", .audit = "lecture.revision_withdraw",
     .resource = &LECTURES, HTTP_OUT(LECTURE_OUT),
     .notes = "before the first decision (else 409); the revision is editable again"},
    {.method = "DELETE", .pattern = "/api/v1/lecture/lectures/{id}/revision", .handler = discard_revision,
     .perm = "lecture.manage", .summary = "放弃讲堂修订", .audit = "lecture.revision_discard",
     .resource = &LECTURES, .status = 204, .notes = "not while in review (409); the published lecture stays"},
    {.method = "POST", .pattern = "/api/v1/lecture/lectures/{id}/sessions", .handler = add_session,
     .perm = "lecture.manage", .summary = "增加讲堂场次", .audit = "lecture.session_add", .resource = &LECTURES,
     HTTP_BODY(SESSION_NEW), HTTP_OUT(SESSION_OUT), .status = 201,
     .example = "{\"starts_at\":\"{future+24h}\",\"ends_at\":\"{future+26h}\",\"capacity\":20}",
     .notes = "while the lecture is a draft, returned or withdrawn (else 409); at most 50 sessions"},
    {.method = "PATCH", .pattern = "/api/v1/lecture/sessions/{id}", .handler = patch_session,
     .perm = "lecture.manage", .summary = "修改讲堂场次", .audit = "lecture.session_update",
     .resource = &LECTURE_SESSIONS, HTTP_BODY(SESSION_PATCH), HTTP_OUT(SESSION_OUT),
     .example = "{\"capacity\":40}",
     .notes = "while the lecture is editable (else 409); the capacity never below the seats held (409)"},
    {.method = "DELETE", .pattern = "/api/v1/lecture/sessions/{id}", .handler = delete_session,
     .perm = "lecture.manage", .summary = "删除讲堂场次", .audit = "lecture.session_delete",
     .resource = &LECTURE_SESSIONS, .status = 204,
     .notes = "while the lecture is editable, not its last session, nobody booked (else 409)"},
    {.method = "GET", .pattern = "/api/v1/lecture/sessions/{id}/checkin-code", .handler = checkin_code,
     .perm = "lecture.manage", .summary = "场次签到码", .resource = &LECTURE_SESSIONS, HTTP_OUT(CHECKIN_OUT),
     .notes = "the signed token the console shows as a QR code; members scan it and open /m/checkin"},
};
// clang-format on

int lecture_lecture_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
