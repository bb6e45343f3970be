/* videos_api.c — video submissions (视频投稿, M1.4): title, course
 * information, lecturer; the duration comes from the file; the storage
 * module transcodes it (HLS) and a job reads the text of its frames (OCR)
 * for proofreading with time codes, both before it may be submitted, so
 * reviewers can watch it and see the findings; keywords become its tags on
 * approval. */
#include "core/config.h"
#include "core/fileio.h"
#include "core/jsonutil.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/proofread/proofread.h"
#include "modules/storage/storage.h"
#include "modules/submission/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const res_sort_t VIDEO_SORTS[] = {{"id", "v.id"},
                                         {"title", "v.title"},
                                         {"status", "v.status"},
                                         {"updated_at", "v.updated_at"},
                                         {NULL, NULL}};
static const zd_resource_t VIDEOS = {.name = "video",
                                     .title = "视频",
                                     .table = "videos",
                                     .alias = "v",
                                     .where = "v.deleted_at IS NULL",
                                     .org_col = "v.org_id",
                                     .creator_col = "v.created_by",
                                     .perm = "submission.read",
                                     .keyset = "v.id",
                                     .sorts = VIDEO_SORTS};

#define VIDEO_COLS                                                                                           \
    "v.id, v.org_id, v.title, v.course, v.lecturer, v.description, v.file_id, v.duration_ms, "               \
    "v.check_status, "                                                                                       \
    "v.check_error, v.check_findings, v.tags, v.status, v.review_level, v.review_id, v.published_at, "       \
    "v.created_by, v.created_at, v.updated_at, (SELECT name FROM orgs WHERE id = v.org_id), v.check_job"

static json_t *video_row(db_stmt_t *st, void *ud)
{
    bool full = ud != NULL;
    int64_t id = db_col_int64(st, 0);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(id));
    json_object_set_new(o, "org_id", json_integer(db_col_int64(st, 1)));
    json_object_set_new(o, "title", json_string(db_col_text(st, 2)));
    json_object_set_new(o, "course", json_col_text(st, 3));
    json_object_set_new(o, "lecturer", json_col_text(st, 4));
    json_object_set_new(o, "description", json_col_text(st, 5));
    json_object_set_new(o, "file_id", json_col_id(st, 6));
    json_object_set_new(o, "duration_ms",
                        db_col_is_null(st, 7) ? json_null() : json_integer(db_col_int64(st, 7)));
    json_object_set_new(o, "check_status", json_string(db_col_text(st, 8)));
    json_object_set_new(o, "check_error", json_col_text(st, 9));
    if (full)
        json_object_set_new(o, "check_findings", json_parse_or_null(db_col_text(st, 10)));
    json_object_set_new(o, "tags",
                        db_col_is_null(st, 11) ? json_array() : json_parse_or_null(db_col_text(st, 11)));
    json_object_set_new(o, "status", json_string(db_col_text(st, 12)));
    json_object_set_new(o, "review_level", json_integer(db_col_int64(st, 13)));
    json_object_set_new(o, "review_id", json_col_id(st, 14));
    json_object_set_new(o, "published_at", json_time(db_col_int64(st, 15)));
    json_object_set_new(o, "created_by", json_integer(db_col_int64(st, 16)));
    json_object_set_new(o, "created_at", json_time(db_col_int64(st, 17)));
    json_object_set_new(o, "updated_at", json_time(db_col_int64(st, 18)));
    json_object_set_new(o, "org_name", json_col_text(st, 19));
    json_object_set_new(o, "check_job", json_col_id(st, 20));
    char u[96];
    snprintf(u, sizeof u, "/api/v1/videos/%lld/hls/master.m3u8", (long long)id);
    json_object_set_new(o, "hls_url", json_string(u));
    snprintf(u, sizeof u, "/api/v1/videos/%lld/poster", (long long)id);
    json_object_set_new(o, "poster_url", json_string(u));
    return o;
}

static const vfield_t VIDEO_QUERY[] = {
    {"status", V_ENUM, .choices = REVIEW_STATUSES, .title = "状态"},
    {"q", V_STR, .max = 100, .title = "标题、课程或主讲人包含"},
    {"mine", V_BOOL, .title = "只看我的投稿"},
};
static const vfield_t VIDEO_NEW[] = {
    {"title", V_STR, true, 1, 200, .title = "标题"},
    {"course", V_STR, false, 0, 200, .title = "课程信息"},
    {"lecturer", V_STR, false, 0, 100, .title = "主讲人"},
    {"description", V_TEXT, false, 0, 5000, .title = "简介"},
    {"org_id", V_ID, true, .title = "投稿组织"},
    {"file_id", V_ID, false, .title = "已上传的视频文件（也可稍后上传）"},
};
static const vfield_t FILE_BODY[] = {{"file_id", V_ID, true, .title = "已上传的视频文件"}};
static const vfield_t VIDEO_PATCH[] = {
    {"title", V_STR, true, 1, 200, .title = "标题"},
    {"course", V_STR, false, 0, 200, .title = "课程信息"},
    {"lecturer", V_STR, false, 0, 100, .title = "主讲人"},
    {"description", V_TEXT, false, 0, 5000, .title = "简介"},
};
static const vfield_t VIDEO_OUT[] = {
    {"id", V_ID},
    {"org_id", V_ID},
    {"org_name", V_STR},
    {"title", V_STR},
    {"course", V_STR},
    {"lecturer", V_STR},
    {"file_id", V_ID},
    {"duration_ms", V_INT},
    {"check_status", V_STR},
    {"tags", V_ARRAY},
    {"status", V_ENUM, .choices = REVIEW_STATUSES},
    {"review_id", V_ID},
    {"hls_url", V_STR},
    {"created_by", V_ID},
    {"updated_at", V_TIME},
};

/* ---- review ---- */

static int video_check(db_conn_t *c, int64_t ref_id, json_t *snap, json_t **findings)
{
    json_t *f = json_array();
    const char *t = jstr(snap, "title"), *d = jstr(snap, "description");
    if ((t && sub_proofread(t, strlen(t), "title", f)) ||
        (d && sub_proofread(d, strlen(d), "description", f))) {
        json_decref(f);
        return -1;
    }
    db_stmt_t *st = db_prepare(c, "SELECT check_findings FROM videos WHERE id = ?");
    if (!st) {
        json_decref(f);
        return -1;
    }
    db_bind_int64(st, 1, ref_id);
    if (db_step(st) == DB_ROW && !db_col_is_null(st, 0)) {
        json_t *v = json_loads(db_col_text(st, 0), 0, NULL);
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            json_object_set_new(x, "source", json_string("video"));
            json_array_append(f, x);
        }
        json_decref(v);
    }
    db_done(st);
    *findings = f;
    return 0;
}

static int video_approved(db_conn_t *c, const review_event_t *ev)
{
    char text[12000];
    snprintf(text, sizeof text, "%s\n%s\n%s", jstr(ev->snapshot, "title") ? jstr(ev->snapshot, "title") : "",
             jstr(ev->snapshot, "course") ? jstr(ev->snapshot, "course") : "",
             jstr(ev->snapshot, "description") ? jstr(ev->snapshot, "description") : "");
    json_t *tags = sub_keywords(text, 5);
    char *tj = json_dumps(tags, JSON_COMPACT);
    json_decref(tags);
    db_stmt_t *st = db_prepare(c, "UPDATE videos SET tags = ?, published_at = ? WHERE id = ?");
    int rc = DB_ERROR;
    if (st) {
        db_bind_text(st, 1, tj);
        db_bind_int64(st, 2, time_now_ms());
        db_bind_int64(st, 3, ev->ref_id);
        rc = db_step(st);
    }
    db_done(st);
    free(tj);
    return rc == DB_DONE ? 0 : -1;
}

const review_kind_t SUB_VIDEO = {.kind = "video",
                                 .title = "视频",
                                 .table = "videos",
                                 .link = "/submission/videos/%lld",
                                 .levels = REVIEW_DISTRICT_CITY,
                                 .check = video_check,
                                 .approved = video_approved};

/* ---- handlers ---- */

static void list_videos(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &VIDEOS, &w);
    const char *st = http_query(req, "status"), *q = http_query(req, "q");
    if (st) {
        qb_sql(&w, " AND v.status = ");
        qb_text(&w, st);
    }
    if (q && *q) {
        static const char *const cols[] = {"v.title", "v.course", "v.lecturer"};
        qb_like_any(&w, cols, 3, q);
    }
    if (http_query_bool(req, "mine")) {
        qb_sql(&w, " AND v.created_by = ");
        qb_int(&w, http_user_id(req));
    }
    res_list(req, c, &VIDEOS, VIDEO_COLS, &w, "v.id DESC", video_row, NULL);
    qb_free(&w);
}

static json_t *load_video(http_req_t *req, db_conn_t *c, int64_t id, int flags)
{
    json_t *v = res_load(req, c, &VIDEOS, VIDEO_COLS, id, video_row, (void *)1, flags);
    if (!v)
        return NULL;
    bool dberr;
    json_t *f = storage_file_summary(c, jint(v, "file_id", 0), &dberr),
           *r = review_item_json(c, &SUB_VIDEO, id);
    if (f && json_is_null(json_object_get(v, "duration_ms")))
        json_object_set(v, "duration_ms", json_object_get(f, "duration_ms"));
    json_object_set_new(v, "file", f ? f : json_null());
    json_object_set_new(v, "review", r ? r : json_null());
    return v;
}

static void get_video(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    json_t *v = c ? load_video(req, c, id, RES_PLAIN) : NULL;
    if (v)
        http_json(req, 200, v);
}

/* Puts the uploaded video fid into video id and starts the check of its
 * frames. false after answering. */
static bool set_file(http_req_t *req, db_conn_t *c, int64_t id, int64_t org, int64_t fid)
{
    bool dberr;
    json_t *f = http_defer_json(req, storage_file_summary(c, fid, &dberr));
    const char *mime = jstr(f, "mime");
    if (dberr) {
        http_db_error(req, c);
        return false;
    }
    if (!f || jint(f, "created_by", 0) != http_user_id(req) || !mime || strncmp(mime, "video/", 6)) {
        http_error_fields(req, json_pack("{s:s}", "file_id", "视频文件不存在、不是视频或不是您上传的"));
        return false;
    }
    int claimed = storage_file_claim(c, fid, org, "submission");
    if (claimed != 1) {
        if (claimed < 0)
            http_db_error(req, c);
        else
            http_error(req, 409, "conflict", "视频文件已被使用，或不属于投稿组织的共享空间");
        return false;
    }
    char payload[64];
    snprintf(payload, sizeof payload, "{\"video_id\":%lld,\"file_id\":%lld}", (long long)id, (long long)fid);
    job_spec_t js = {
        .kind = "submission.video_check", .payload = payload, .org_id = org, .created_by = http_user_id(req)};
    int64_t job = jobs_enqueue(c, &js);
    db_stmt_t *st =
        job > 0 ? db_prepare(c, "UPDATE videos SET file_id = ?, duration_ms = ?, check_status = 'pending', "
                                "check_job = ?, check_error = NULL, check_findings = NULL, updated_at = ? "
                                "WHERE id = ?")
                : NULL;
    bool ok = st != NULL;
    if (st) {
        db_bind_int64(st, 1, fid);
        if (jint(f, "duration_ms", 0))
            db_bind_int64(st, 2, jint(f, "duration_ms", 0));
        else
            db_bind_null(st, 2);
        db_bind_int64(st, 3, job);
        db_bind_int64(st, 4, time_now_ms());
        db_bind_int64(st, 5, id);
        ok = db_step(st) == DB_DONE;
    }
    db_done(st);
    if (!ok)
        http_db_error(req, c);
    return ok;
}

static void create_video(http_req_t *req)
{
    json_t *b = http_json_body(req);
    db_conn_t *c = http_db(req);
    int64_t org = jint(b, "org_id", 0), fid = jint(b, "file_id", 0), now = time_now_ms(), id = -1;
    if (!c || !http_begin(req, c) || !sub_org_ok(req, c, org))
        return;
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO videos (org_id, title, course, lecturer, description, created_by, "
                      "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (st) {
        db_bind_int64(st, 1, org);
        db_bind_text(st, 2, jstr(b, "title"));
        db_bind_text(st, 3, jstr(b, "course"));
        db_bind_text(st, 4, jstr(b, "lecturer"));
        db_bind_text(st, 5, jstr(b, "description"));
        db_bind_int64(st, 6, http_user_id(req));
        db_bind_int64(st, 7, now);
        db_bind_int64(st, 8, now);
        if (db_step(st) == DB_ROW)
            id = db_col_int64(st, 0);
    }
    db_done(st);
    if (id < 0) {
        http_db_error(req, c);
        return;
    }
    if ((fid && !set_file(req, c, id, org, fid)) ||
        review_open(req, c, &SUB_VIDEO, id, org, NULL, jstr(b, "title")) < 0)
        return;
    json_t *o = load_video(req, c, id, RES_PLAIN);
    audit_entry_t ae = {.target = id, .after = o, .detail = jstr(b, "title")};
    audit_reply(req, c, o != NULL, &ae, 201, o);
}

static json_t *for_change(http_req_t *req, db_conn_t *c, int64_t id, bool editable)
{
    json_t *v =
        http_defer_json(req, res_load(req, c, &VIDEOS, VIDEO_COLS, id, video_row, (void *)1, RES_FOR_UPDATE));
    if (!v || !sub_is_submitter(req, v) || (editable && !sub_editable(req, c, &SUB_VIDEO, id)))
        return NULL;
    return v;
}

static void patch_video(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    json_t *before = c ? for_change(req, c, id, true) : NULL;
    if (!before)
        return;
    json_t *b = http_json_body(req);
    static const char *const F[] = {"title", "course", "lecturer", "description", NULL};
    bool ok = sub_update(c, "videos", id, b, F) == 0;
    json_t *after = ok ? load_video(req, c, id, RES_PLAIN) : NULL;
    if (after && review_retitle(c, &SUB_VIDEO, id, NULL, jstr(after, "title")) != 0) {
        json_decref(after);
        after = NULL;
    }
    audit_entry_t ae = {.target = id, .before = before, .after = after, .detail = jstr(before, "title")};
    audit_reply(req, c, after != NULL, &ae, 200, after);
}

static void put_file(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    json_t *before = c ? for_change(req, c, id, true) : NULL;
    if (!before || !set_file(req, c, id, jint(before, "org_id", 0), jint(http_json_body(req), "file_id", 0)))
        return;
    json_t *after = load_video(req, c, id, RES_PLAIN);
    audit_entry_t ae = {.target = id, .before = before, .after = after, .detail = jstr(before, "title")};
    audit_reply(req, c, after != NULL, &ae, 200, after);
}

static void delete_video(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    json_t *before = c ? for_change(req, c, id, true) : NULL;
    if (!before)
        return;
    bool ok = sub_soft_delete(c, "videos", "id", id) == 0;
    ok = ok && review_discard(c, &SUB_VIDEO, id) == 0;
    audit_entry_t ae = {.target = id, .before = before, .detail = jstr(before, "title")};
    audit_reply(req, c, ok, &ae, 204, NULL);
}

static void submit_video(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    json_t *v = c ? for_change(req, c, id, false) : NULL;
    if (!v)
        return;
    bool dberr;
    json_t *f = http_defer_json(req, storage_file_summary(c, jint(v, "file_id", 0), &dberr));
    const char *ms = jstr(f, "media_status"), *cs = jstr(v, "check_status");
    if (!jint(v, "file_id", 0)) {
        http_error(req, 409, "not_ready", "请先上传视频文件");
        return;
    }
    if (!f || !ms || strcmp(ms, "ready")) {
        http_error(req, 409, "not_ready", "视频正在转码（%s），转码完成后才能提交审核",
                   !ms                     ? "文件缺失"
                   : !strcmp(ms, "failed") ? "转码失败，请重新上传"
                                           : "请稍候");
        return;
    }
    if (strcmp(cs, "done")) {
        http_error(req, 409, "not_ready", "%s",
                   !strcmp(cs, "failed") ? "视频画面校对失败，请联系管理员重试"
                                         : "视频画面文字校对尚未完成，请稍候再提交");
        return;
    }
    /* the duration is known once the file was probed (transcoding) */
    db_stmt_t *st = db_prepare(c, "UPDATE videos SET duration_ms = ? WHERE id = ?");
    bool ok = st != NULL;
    if (st) {
        db_bind_int64(st, 1, jint(f, "duration_ms", 0));
        db_bind_int64(st, 2, id);
        ok = db_step(st) == DB_DONE;
    }
    db_done(st);
    if (!ok) {
        http_db_error(req, c);
        return;
    }
    json_object_set(v, "duration_ms", json_object_get(f, "duration_ms"));
    json_t *snap = http_defer_json(
        req, json_pack("{s:O,s:O,s:O,s:O,s:O,s:O}", "title", json_object_get(v, "title"), "course",
                       json_object_get(v, "course"), "lecturer", json_object_get(v, "lecturer"),
                       "description", json_object_get(v, "description"), "file_id",
                       json_object_get(v, "file_id"), "duration_ms", json_object_get(v, "duration_ms")));
    if (!review_submit(req, c, &SUB_VIDEO, id, snap, NULL))
        return;
    json_t *after = load_video(req, c, id, RES_PLAIN);
    audit_entry_t ae = {.target = id, .after = after, .detail = jstr(v, "title")};
    audit_reply(req, c, after != NULL, &ae, 200, after);
}

static void withdraw_video(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    json_t *v = c ? for_change(req, c, id, false) : NULL;
    if (!v || !review_withdraw(req, c, &SUB_VIDEO, id, NULL))
        return;
    json_t *after = load_video(req, c, id, RES_PLAIN);
    audit_entry_t ae = {.target = id, .after = after, .detail = jstr(v, "title")};
    audit_reply(req, c, after != NULL, &ae, 200, after);
}

static int64_t visible_file(http_req_t *req, db_conn_t **c)
{
    int64_t id;
    *c = http_db_id(req, &id);
    json_t *v =
        *c ? http_defer_json(req, res_load(req, *c, &VIDEOS, VIDEO_COLS, id, video_row, NULL, RES_PLAIN))
           : NULL;
    return v ? jint(v, "file_id", 0) : 0;
}

static void video_hls(http_req_t *req)
{
    db_conn_t *c;
    int64_t fid = visible_file(req, &c);
    if (fid)
        storage_file_send_hls(req, c, fid, http_param(req, "variant"), http_param(req, "name"));
}

static void video_poster(http_req_t *req)
{
    db_conn_t *c;
    int64_t fid = visible_file(req, &c);
    if (fid)
        storage_file_send_derivative(req, c, fid, "poster");
}

static void video_original(http_req_t *req)
{
    db_conn_t *c;
    int64_t fid = visible_file(req, &c);
    if (fid)
        storage_file_send(req, c, fid, false);
}

/* ---- the frames' text ---- */

static bool on_progress(void *ud, int64_t done, int64_t total, const char *note)
{
    return job_progress(ud, done, total, note);
}

static int set_check(db_t *db, int64_t id, int64_t fid, const char *status, const char *error,
                     const char *findings)
{
    db_conn_t *c = db_acquire(db);
    db_stmt_t *st =
        c ? db_prepare(c, "UPDATE videos SET check_status = ?, check_error = ?, check_findings = "
                          "COALESCE(?, check_findings), updated_at = ? WHERE id = ? AND file_id = ?")
          : NULL;
    int rc = DB_ERROR;
    if (st) {
        db_bind_text(st, 1, status);
        db_bind_text(st, 2, error);
        db_bind_text(st, 3, findings);
        db_bind_int64(st, 4, time_now_ms());
        db_bind_int64(st, 5, id);
        db_bind_int64(st, 6, fid);
        rc = db_step(st);
    }
    db_done(st);
    db_release(c);
    return rc == DB_DONE ? 0 : -1;
}

/* Job submission.video_check {"video_id"}. */
int sub_video_check_job(job_ctx_t *ctx)
{
    int64_t id = jint(job_payload(ctx), "video_id", 0), want = jint(job_payload(ctx), "file_id", 0), fid = 0;
    db_t *db = job_db(ctx);
    db_conn_t *c = db_acquire(db);
    if (!c)
        return JOB_RETRY;
    db_stmt_t *st = db_prepare(c, "SELECT file_id FROM videos WHERE id = ? AND deleted_at IS NULL");
    if (st) {
        db_bind_int64(st, 1, id);
        if (db_step(st) == DB_ROW)
            fid = db_col_int64(st, 0);
    }
    db_done(st);
    if (fid && want && fid != want) { /* the submitter replaced the file: a newer job checks it */
        db_release(c);
        return JOB_OK;
    }
    char path[1200], err[400] = "";
    config_tmp_dir(sub_cfg, path, sizeof path - 64);
    fileio_mkdirs(path);
    size_t n = strlen(path);
    snprintf(path + n, sizeof path - n, "/submission-video-%lld", (long long)job_id(ctx));
    int rc = fid ? storage_file_fetch(c, fid, path, err, sizeof err) : -1;
    db_release(c);
    if (!fid) {
        job_error(ctx, "视频投稿不存在");
        return JOB_FATAL;
    }
    json_t *result = NULL;
    if (rc == 0 && set_check(db, id, fid, "running", NULL, NULL) == 0)
        rc = proofread_media_file(path, true, on_progress, ctx, &result, err, sizeof err);
    unlink(path);
    if (rc == -2 || rc == -3)
        return JOB_RETRY;
    char *fj = rc == 0 ? json_dumps(json_object_get(result, "findings"), JSON_COMPACT) : NULL;
    if (result)
        job_items(ctx, jint(result, "frames", 0));
    json_decref(result);
    int ok = set_check(db, id, fid, rc == 0 ? "done" : "failed", rc == 0 ? NULL : err, fj);
    free(fj);
    if (ok != 0)
        return JOB_RETRY;
    if (rc != 0) {
        job_error(ctx, "视频画面校对失败：%s", err);
        return JOB_FATAL;
    }
    return JOB_OK;
}

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/videos", .handler = list_videos, .perm = "submission.read",
     .flags = HTTP_LIST, .summary = "视频投稿列表", .resource = &VIDEOS, HTTP_QUERY(VIDEO_QUERY), HTTP_OUT(VIDEO_OUT)},
    {.method = "POST", .pattern = "/api/v1/videos", .handler = create_video, .perm = "submission.write",
     .summary = "新建视频投稿（草稿）", .audit = "video.create", .resource = &VIDEOS, HTTP_BODY(VIDEO_NEW),
     HTTP_OUT(VIDEO_OUT), .status = 201,
     .example = "{\"title\":\"专题党课{n}\",\"course\":\"系列党课\",\"lecturer\":\"张老师\",\"org_id\":\"{org}\"}",
     .notes = "file_id: a video the caller uploaded (/api/v1/uploads, purpose video), now or later; its frames "
              "are proofread by a job"},
    {.method = "POST", .pattern = "/api/v1/videos/{id}/file", .handler = put_file, .perm = "submission.write",
     .summary = "上传或更换视频文件", .audit = "video.file", .resource = &VIDEOS, HTTP_BODY(FILE_BODY),
     HTTP_OUT(VIDEO_OUT), .example = "{\"file_id\":1}", .notes = "while draft, returned or withdrawn"},
    {.method = "GET", .pattern = "/api/v1/videos/{id}", .handler = get_video, .perm = "submission.read",
     .summary = "视频投稿详情（转码、画面校对、审核记录）", .resource = &VIDEOS, HTTP_OUT(VIDEO_OUT)},
    {.method = "PATCH", .pattern = "/api/v1/videos/{id}", .handler = patch_video, .perm = "submission.write",
     .summary = "修改视频投稿", .audit = "video.update", .resource = &VIDEOS, HTTP_BODY(VIDEO_PATCH),
     HTTP_OUT(VIDEO_OUT), .example = "{\"title\":\"修改后的标题{n}\"}"},
    {.method = "DELETE", .pattern = "/api/v1/videos/{id}", .handler = delete_video, .perm = "submission.write",
     .summary = "删除视频投稿", .audit = "video.delete", .resource = &VIDEOS, .status = 204},
    {.method = "POST", .pattern = "/api/v1/videos/{id}/submit", .handler = submit_video, .perm = "submission.write",
     .summary = "提交审核", .audit = "video.submit", .resource = &VIDEOS, HTTP_OUT(VIDEO_OUT),
     .notes = "409 not_ready until transcoded and its frames proofread"},
    {.method = "POST", .pattern = "/api/v1/videos/{id}/withdraw", .handler = withdraw_video,
     .perm = "submission.write", .summary = "撤回视频投稿", .audit = "video.withdraw", .resource = &VIDEOS,
     HTTP_OUT(VIDEO_OUT)},
    {.method = "GET", .pattern = "/api/v1/videos/{id}/hls/{name}", .handler = video_hls, .perm = "submission.read",
     .flags = HTTP_DOWNLOAD, .summary = "视频播放列表（HLS）", .resource = &VIDEOS},
    {.method = "GET", .pattern = "/api/v1/videos/{id}/hls/{variant}/{name}", .handler = video_hls,
     .perm = "submission.read", .flags = HTTP_DOWNLOAD, .summary = "视频分片（HLS）", .resource = &VIDEOS},
    {.method = "GET", .pattern = "/api/v1/videos/{id}/poster", .handler = video_poster, .perm = "submission.read",
     .flags = HTTP_DOWNLOAD, .summary = "视频封面", .resource = &VIDEOS},
    {.method = "GET", .pattern = "/api/v1/videos/{id}/file", .handler = video_original, .perm = "submission.download",
     .flags = HTTP_DOWNLOAD, .summary = "下载原视频", .resource = &VIDEOS},
};
// clang-format on

int sub_videos_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
