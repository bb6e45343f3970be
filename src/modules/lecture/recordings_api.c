/* recordings_api.c — playback (回放) of lectures that took place: the
 * organiser attaches recordings (video files uploaded through the storage
 * module, claimed for the module) to a published lecture, or one of its
 * sessions, once it has started; the members of the lecture's district play
 * them on demand (the storage module's HLS ladder, or the original file) and
 * the player's heartbeat records their watching with the course lessons'
 * mechanism (modules/progress/progress.h, table lecture_progress).
 *
 * Audience: the district of the lecture's organisation — the members whose
 * organisation lies under the organisation's top-level unit below the city
 * (audience_path, fixed when the recording is attached; a city lecture's
 * recordings are the whole city's); and the organisers whose lecture.manage
 * scope holds the lecture. Anyone else does not find the recording (404). */
#include "core/str.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/lecture/internal.h"
#include "modules/progress/progress.h"
#include "modules/storage/storage.h"
#include <stdio.h>
#include <string.h>

#define MAX_RECORDINGS 20

/* Recordings of the lectures in the caller's scope (management). */
static const zd_resource_t RECORDINGS = {.name = "lecture_recording",
                                         .title = "讲堂回放",
                                         .table = "lecture_recordings",
                                         .alias = "r",
                                         .from =
                                             "lecture_recordings r JOIN lectures l ON l.id = r.lecture_id",
                                         .where = "r.deleted_at IS NULL AND l.deleted_at IS NULL",
                                         .org_col = "l.org_id",
                                         .creator_col = "l.created_by",
                                         .perm = "lecture.manage"};
/* Recordings of the published lectures, before the audience check. */
static const zd_resource_t PLAYBACK = {.name = "lecture_recording",
                                       .title = "讲堂回放",
                                       .table = "lecture_recordings",
                                       .alias = "r",
                                       .from = "lecture_recordings r JOIN lectures l ON l.id = r.lecture_id",
                                       .where = "r.deleted_at IS NULL AND l.deleted_at IS NULL AND "
                                                "l.status = 'approved' AND l.cancelled_at IS NULL",
                                       .no_org = true,
                                       .no_creator = true,
                                       .perm = "lecture.read"};

static const progress_kind_t LECTURE_PROGRESS = {.table = "lecture_progress",
                                                 .item_col = "recording_id",
                                                 .parent_col = "lecture_id",
                                                 .item_key = "recording_id"};

#define RECORDING_COLS                                                                                       \
    "r.id, r.lecture_id, r.session_id, r.title, r.file_id, r.duration_ms, r.created_at, r.audience_path, "   \
    "(SELECT s.starts_at FROM lecture_sessions s WHERE s.id = r.session_id)"

/* a row of RECORDING_COLS, then (from column 9) the figures the query adds */
static json_t *recording_json(db_stmt_t *st)
{
    return json_pack(
        "{s:I,s:I,s:o,s:o,s:I,s:s,s:I,s:o,s:s,s:o}", "id", (json_int_t)db_col_int64(st, 0), "lecture_id",
        (json_int_t)db_col_int64(st, 1), "session_id",
        db_col_int64(st, 2) ? json_integer(db_col_int64(st, 2)) : json_null(), "title", json_col_text(st, 3),
        "file_id", (json_int_t)db_col_int64(st, 4), "media", "video", "duration_ms",
        (json_int_t)db_col_int64(st, 5), "created_at", json_time(db_col_int64(st, 6)), "audience_path",
        db_col_text(st, 7) ? db_col_text(st, 7) : "", "session_starts_at", json_time(db_col_int64(st, 8)));
}

static json_t *recording_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return recording_json(st);
}

/* the caller is of the recording's audience, or manages its lecture */
static int may_watch(http_req_t *req, db_conn_t *c, json_t *r)
{
    const auth_ctx_t *a = auth_of(req);
    const char *aud = jstr(r, "audience_path");
    if (a && aud && *aud && !strncmp(a->org_path, aud, strlen(aud)))
        return 1;
    if (!auth_has(req, "lecture.manage"))
        return 0;
    qb_t w, q;
    res_from_as(req, &LECTURES, "lecture.manage", &w);
    qb_sql(&w, " AND l.id = ");
    qb_int(&w, jint(r, "lecture_id", 0));
    qb_init(&q, "SELECT COUNT(*)");
    qb_append(&q, &w);
    qb_free(&w);
    db_stmt_t *st = qb_prepare(c, &q);
    int rc = st ? db_step(st) : DB_ERROR;
    int n = rc == DB_ROW ? (int)db_col_int64(st, 0) : -1;
    db_done(st);
    qb_free(&q);
    return n < 0 ? -1 : n > 0;
}

/* the recording the caller may play; NULL after answering 404/5xx */
static json_t *playable(http_req_t *req, db_conn_t *c, int64_t id)
{
    json_t *r = res_load(req, c, &PLAYBACK, RECORDING_COLS, id, recording_row, NULL, RES_PLAIN);
    if (!r)
        return NULL;
    http_defer_json(req, r);
    int ok = may_watch(req, c, r);
    if (ok < 0)
        http_db_error(req, c);
    else if (!ok)
        res_not_found(req, &PLAYBACK);
    return ok > 0 ? r : NULL;
}

/* ---- management ---- */

static json_t *lecture_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return lecture_row_json(st);
}

static const vfield_t RECORDING_NEW[] = {
    {"title", V_STR, true, 1, 100, .title = "回放标题"},
    {"file_id", V_ID, true, .title = "视频文件（本人通过 /api/v1/uploads 上传，purpose video）"},
    {"session_id", V_ID, .title = "所属场次（可选；须已开始）"},
};
static const vfield_t RECORDING_OUT[] = {
    {"id", V_ID},
    {"lecture_id", V_ID},
    {"session_id", V_ID, .title = "所属场次（可为 null）"},
    {"session_starts_at", V_TIME, .title = "所属场次的开始时间"},
    {"title", V_STR, .title = "回放标题"},
    {"file_id", V_ID},
    {"media", V_STR, .title = "video"},
    {"duration_ms", V_INT, .title = "时长（毫秒）"},
    {"audience_path", V_STR, .title = "观看范围：该组织路径下的党员（讲堂主办组织所在的区）"},
    {"created_at", V_TIME},
    {"viewers", V_INT, .title = "观看人数（管理列表）"},
    {"watched_ms", V_INT, .title = "累计观看时长（管理列表：全部观众；党员列表：本人）"},
    {"position_ms", V_INT, .title = "本人续播位置（党员列表）"},
    {"completed", V_BOOL, .title = "本人已看完 90%（党员列表）"},
};

static void list_recordings(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    progress_flush(c); /* this node's beats not written yet (progress.h) */
    if (!res_visible(req, c, &LECTURES, id))
        return;
    db_stmt_t *st = db_prepare(c, "SELECT " RECORDING_COLS
                                  ", (SELECT COUNT(*) FROM lecture_progress p WHERE p.recording_id = r.id "
                                  "AND p.watched_ms > 0), (SELECT COALESCE(SUM(p.watched_ms), 0) FROM "
                                  "lecture_progress p WHERE p.recording_id = r.id) FROM lecture_recordings r "
                                  "WHERE r.lecture_id = ? AND r.deleted_at IS NULL ORDER BY r.id");
    json_t *items = json_array();
    int rc = st ? DB_ROW : DB_ERROR;
    if (st)
        db_bind_int64(st, 1, id);
    while (st && (rc = db_step(st)) == DB_ROW) {
        json_t *o = recording_json(st);
        json_object_set_new(o, "viewers", json_integer(db_col_int64(st, 9)));
        json_object_set_new(o, "watched_ms", json_integer(db_col_int64(st, 10)));
        json_array_append_new(items, o);
    }
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(items);
        http_db_error(req, c);
        return;
    }
    http_json(req, 200, json_pack("{s:o}", "items", items));
}

/* '/1/5/23/' → '/1/5/' (the top-level unit under the city); '/1/' stays */
static void audience_of(const char *path, char *out, size_t n)
{
    const char *p = path && *path == '/' ? strchr(path + 1, '/') : NULL;
    const char *q = p ? strchr(p + 1, '/') : NULL;
    size_t len = q ? (size_t)(q - path) + 1 : p ? (size_t)(p - path) + 1 : 0;
    if (len >= n)
        len = 0;
    memcpy(out, path ? path : "", len);
    out[len] = 0;
}

/* the start of the session (of the lecture, or its first with sid 0), 0 when
 * none, -1 on a database error */
static int64_t started_at(db_conn_t *c, int64_t lecture, int64_t sid)
{
    db_stmt_t *st =
        db_prepare(c, sid ? "SELECT starts_at FROM lecture_sessions WHERE id = ? AND lecture_id = ? "
                            "AND deleted_at IS NULL"
                          : "SELECT MIN(starts_at) FROM lecture_sessions WHERE lecture_id = ? AND "
                            "deleted_at IS NULL");
    if (!st)
        return -1;
    if (sid) {
        db_bind_int64(st, 1, sid);
        db_bind_int64(st, 2, lecture);
    } else
        db_bind_int64(st, 1, lecture);
    int rc = db_step(st);
    int64_t t = rc == DB_ROW ? db_col_int64(st, 0) : 0;
    db_done(st);
    return rc == DB_ERROR ? -1 : t;
}

static int64_t count_recordings(db_conn_t *c, int64_t lecture)
{
    db_stmt_t *st =
        db_prepare(c, "SELECT COUNT(*) FROM lecture_recordings WHERE lecture_id = ? AND deleted_at IS NULL");
    if (!st)
        return -1;
    db_bind_int64(st, 1, lecture);
    int rc = db_step(st);
    int64_t n = rc == DB_ROW ? db_col_int64(st, 0) : -1;
    db_done(st);
    return n;
}

/* the caller's video upload, ready (duration known) and claimed for the
 * module; its duration, or -1 after answering */
static int64_t claim_video(http_req_t *req, db_conn_t *c, int64_t fid, int64_t org)
{
    bool dberr = false;
    json_t *f = http_defer_json(req, storage_file_summary(c, fid, &dberr));
    if (dberr) {
        http_db_error(req, c);
        return -1;
    }
    const char *mime = f ? jstr(f, "mime") : NULL;
    if (!f || jint(f, "created_by", 0) != http_user_id(req)) {
        http_error_fields(req, json_pack("{s:s}", "file_id", "文件不存在或不是您上传的"));
        return -1;
    }
    if (!mime || strncmp(mime, "video/", 6)) {
        http_error(req, 415, "unsupported_media_type", "回放只能是视频");
        return -1;
    }
    int64_t dur = jint(f, "duration_ms", 0);
    if (dur <= 0) {
        http_error(req, 409, "not_ready", "视频仍在处理，请稍后再添加");
        return -1;
    }
    int claimed = storage_file_claim(c, fid, org, "lecture");
    if (claimed <= 0) {
        if (claimed < 0)
            http_db_error(req, c);
        else
            http_error(req, 409, "conflict", "视频文件已被其他业务使用");
        return -1;
    }
    return dur;
}

static void add_recording(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *b = http_json_body(req);
    if (res_lock(req, c, &LECTURES, id) != 0)
        return;
    json_t *l =
        http_defer_json(req, res_load(req, c, &LECTURES, LECTURE_COLS, id, lecture_row, NULL, RES_PLAIN));
    if (!l)
        return;
    if (strcmp(jstr(l, "status"), "approved") || !json_is_null(json_object_get(l, "cancelled_at"))) {
        http_error(req, 409, "conflict", "只有已发布、未取消的讲堂可以添加回放");
        return;
    }
    int64_t sid = jint(b, "session_id", 0), starts = started_at(c, id, sid), n = count_recordings(c, id);
    if (starts < 0 || n < 0) {
        http_db_error(req, c);
        return;
    }
    if (sid && !starts) {
        http_error_fields(req, json_pack("{s:s}", "session_id", "场次不属于该讲堂"));
        return;
    }
    if (!starts || starts > time_now_ms()) {
        http_error(req, 409, "conflict", sid ? "该场次尚未开始，不能添加回放" : "讲堂尚未开始，不能添加回放");
        return;
    }
    if (n >= MAX_RECORDINGS) {
        http_error(req, 409, "conflict", "一个讲堂至多 %d 个回放", MAX_RECORDINGS);
        return;
    }
    int64_t org = jint(l, "org_id", 0), dur = claim_video(req, c, jint(b, "file_id", 0), org);
    if (dur < 0)
        return;
    char path[AUTH_ORG_PATH_MAX] = "", aud[AUTH_ORG_PATH_MAX];
    db_stmt_t *st = db_prepare(c, "SELECT path FROM orgs WHERE id = ?");
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, org);
        if ((rc = db_step(st)) == DB_ROW)
            str_lcpy(path, db_col_text(st, 0) ? db_col_text(st, 0) : "", sizeof path);
    }
    db_done(st);
    audience_of(path, aud, sizeof aud);
    int64_t rid = 0, now = time_now_ms();
    if (rc == DB_ROW && *aud &&
        (st = db_prepare(
             c, "INSERT INTO lecture_recordings (lecture_id, session_id, title, file_id, "
                "duration_ms, audience_path, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "RETURNING id"))) {
        db_bind_int64(st, 1, id);
        if (sid)
            db_bind_int64(st, 2, sid);
        else
            db_bind_null(st, 2);
        db_bind_text(st, 3, jstr(b, "title"));
        db_bind_int64(st, 4, jint(b, "file_id", 0));
        db_bind_int64(st, 5, dur);
        db_bind_text(st, 6, aud);
        db_bind_int64(st, 7, http_user_id(req));
        db_bind_int64(st, 8, now);
        if (db_step(st) == DB_ROW)
            rid = db_col_int64(st, 0);
        db_done(st);
    }
    if (!rid) {
        http_db_error(req, c);
        return;
    }
    json_t *o = res_load(req, c, &RECORDINGS, RECORDING_COLS, rid, recording_row, NULL, RES_PLAIN);
    if (!o)
        return;
    http_defer_json(req, o);
    audit_entry_t ae = {.target_type = "lecture_recording",
                        .target = rid,
                        .after = o,
                        .detail =
                            http_printf(req, "讲堂《%s》添加回放《%s》", jstr(l, "title"), jstr(o, "title"))};
    audit_reply(req, c, true, &ae, 201, json_incref(o));
}

static void delete_recording(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = res_load(req, c, &RECORDINGS, RECORDING_COLS, id, recording_row, NULL, RES_PLAIN);
    if (!before)
        return;
    http_defer_json(req, before);
    qb_t q;
    qb_init(&q, "UPDATE lecture_recordings SET deleted_at = ");
    qb_int(&q, time_now_ms());
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND deleted_at IS NULL");
    if (!res_transition(req, c, &q, "回放已删除"))
        return;
    audit_entry_t ae = {.target = id, .before = before};
    audit_reply(req, c, true, &ae, 204, NULL);
}

/* ---- the members ---- */

static void catalog_recordings(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    progress_flush(c); /* this node's beats not written yet (progress.h) */
    if (!res_visible(req, c, &LECTURE_CATALOG, id))
        return;
    db_stmt_t *st =
        db_prepare(c, "SELECT " RECORDING_COLS ", p.position_ms, p.watched_ms, p.completed_at FROM "
                      "lecture_recordings r LEFT JOIN lecture_progress p ON p.recording_id = r.id AND "
                      "p.user_id = ? WHERE r.lecture_id = ? AND r.deleted_at IS NULL ORDER BY r.id");
    json_t *items = json_array();
    int rc = st ? DB_ROW : DB_ERROR, ok = -1;
    if (st) {
        db_bind_int64(st, 1, http_user_id(req));
        db_bind_int64(st, 2, id);
    }
    while (st && (rc = db_step(st)) == DB_ROW) {
        json_t *o = recording_json(st);
        json_object_set_new(o, "position_ms", json_integer(db_col_int64(st, 9)));
        json_object_set_new(o, "watched_ms", json_integer(db_col_int64(st, 10)));
        json_object_set_new(o, "completed", json_boolean(db_col_int64(st, 11) != 0));
        json_array_append_new(items, o);
    }
    db_done(st);
    /* one lecture: one audience for all its recordings */
    if (rc == DB_DONE)
        ok = json_array_size(items) ? may_watch(req, c, json_array_get(items, 0)) : 1;
    if (ok < 0) {
        json_decref(items);
        http_db_error(req, c);
        return;
    }
    if (!ok)
        json_array_clear(items);
    http_json(req, 200, json_pack("{s:o}", "items", items));
}

static void recording_hls(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    json_t *r = c ? playable(req, c, id) : NULL;
    if (r)
        storage_file_send_hls(req, c, jint(r, "file_id", 0), http_param(req, "variant"),
                              http_param(req, "name"));
}

static void recording_media(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    json_t *r = c ? playable(req, c, id) : NULL;
    if (r)
        storage_file_send(req, c, jint(r, "file_id", 0), true);
}

static const vfield_t BEAT_BODY[] = {PROGRESS_BODY_FIELDS};
static const vfield_t BEAT_OUT[] = {{"recording_id", V_ID}, PROGRESS_OUT_FIELDS};

static void heartbeat(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id); /* no transaction: the beat is written behind */
    json_t *r = c ? playable(req, c, id) : NULL;
    if (r)
        progress_heartbeat(req, c, &LECTURE_PROGRESS, id, jint(r, "lecture_id", 0),
                           jint(r, "duration_ms", 0));
}

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/lecture/lectures/{id}/recordings", .handler = list_recordings,
     .perm = "lecture.manage", .summary = "讲堂回放（管理）", .resource = &LECTURES, HTTP_OUT(RECORDING_OUT),
     .notes = "{items}: each with viewers and watched_ms (all members)"},
    {.method = "POST", .pattern = "/api/v1/lecture/lectures/{id}/recordings", .handler = add_recording,
     .perm = "lecture.manage", .summary = "添加讲堂回放", .audit = "lecture.recording_add", .resource = &LECTURES,
     HTTP_BODY(RECORDING_NEW), HTTP_OUT(RECORDING_OUT), .status = 201,
     .example = "{\"title\":\"讲堂录像\",\"file_id\":1}",
     .notes = "a published, not cancelled lecture whose (session's) start has passed (else 409); the caller's "
              "video upload, its duration known (409 not_ready while the storage module probes it), claimed "
              "for the module; at most 20"},
    {.method = "DELETE", .pattern = "/api/v1/lecture/recordings/{id}", .handler = delete_recording,
     .perm = "lecture.manage", .summary = "删除讲堂回放", .audit = "lecture.recording_delete",
     .resource = &RECORDINGS, .status = 204, .notes = "soft"},
    {.method = "GET", .pattern = "/api/v1/lecture/catalog/{id}/recordings", .handler = catalog_recordings,
     .perm = "lecture.read", .summary = "讲堂回放（党员）", .resource = &LECTURE_CATALOG, HTTP_OUT(RECORDING_OUT),
     .notes = "{items} with the caller's position_ms, watched_ms and completed; empty outside the lecture's "
              "district (its audience) unless the caller manages the lecture"},
    {.method = "GET", .pattern = "/api/v1/lecture/recordings/{id}/hls/{name}", .handler = recording_hls,
     .perm = "lecture.read", .flags = HTTP_DOWNLOAD, .summary = "回放播放列表（HLS）", .resource = &PLAYBACK,
     .notes = "master.m3u8 (the storage module's HLS ladder); 404 outside the audience"},
    {.method = "GET", .pattern = "/api/v1/lecture/recordings/{id}/hls/{variant}/{name}", .handler = recording_hls,
     .perm = "lecture.read", .flags = HTTP_DOWNLOAD, .summary = "回放分片（HLS）", .resource = &PLAYBACK},
    {.method = "GET", .pattern = "/api/v1/lecture/recordings/{id}/media", .handler = recording_media,
     .perm = "lecture.read", .flags = HTTP_DOWNLOAD, .summary = "回放视频文件", .resource = &PLAYBACK,
     .notes = "the original file (players without HLS); Range requests"},
    {.method = "POST", .pattern = "/api/v1/lecture/recordings/{id}/progress", .handler = heartbeat,
     .perm = "lecture.read", .flags = HTTP_NO_AUDIT, .summary = "回放观看进度（播放器心跳）", .resource = &PLAYBACK,
     HTTP_BODY(BEAT_BODY), HTTP_OUT(BEAT_OUT), .example = "{\"position_ms\":5000,\"playing\":true}",
     .notes = PROGRESS_NOTES},
};
// clang-format on

int lecture_recording_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
