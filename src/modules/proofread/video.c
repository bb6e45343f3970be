/* video.c — video proofreading as a job:
 *   POST /api/v1/proofread/video       multipart/form-data: "file" (the video), "interval" (seconds, optional)
 *                                      → 201 {"id", "status", ...} — the job
 *   GET  /api/v1/proofread/video/{id}  the job: status, progress, result (findings with time codes)
 * The upload is checked (size, libmagic type) and kept under DATA/tmp until
 * the job has read it; the job reads a frame every N seconds, recognises
 * its text and checks it. Only the user who uploaded sees the job here (the
 * job list itself is under job.read). Leftover uploads older than a day are
 * removed by a daily schedule. */
#include "auth/resource.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/mime.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/upload.h"
#include "http/valid.h"
#include "jobs/jobs.h"
#include "modules/proofread/internal.h"
#include "text/prmedia.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define JOB_KIND    "proofread.video"
#define FILE_PREFIX "proofread-video-"

static const char *const VIDEO_TYPES[] = {
    "video/mp4",   "video/quicktime", "video/x-matroska", "video/webm", "video/x-msvideo", "video/mpeg",
    "video/x-flv", "video/3gpp",      "video/x-ms-asf",   "video/MP2T", "video/x-m4v",     NULL};

static void tmp_dir(char *out, size_t outsz)
{
    config_tmp_dir(proofread_engine_config(), out, outsz);
    fileio_mkdirs(out);
}

static json_t *video_view(json_t *job, bool full);

/* A video check is its user's own: routes open to every logged-in user see
 * the caller's own rows (the jobs pages show them to operators). */
static const res_sort_t VIDEO_SORTS[] = {{"id", "j.id"}, {"created_at", "j.created_at"}, {NULL, NULL}};
static const zd_resource_t VIDEOS = {.name = "proofread_video",
                                     .title = "视频校对任务",
                                     .table = "jobs",
                                     .alias = "j",
                                     .where = "j.kind = '" JOB_KIND "'",
                                     .org_col = "j.org_id",
                                     .creator_col = "j.created_by",
                                     .keyset = "j.id",
                                     .sorts = VIDEO_SORTS};

/* ---- upload ---- */

static void post_video(http_req_t *req)
{
    multipart_form_t form;
    if (!http_upload_parse(req, (size_t)proofread_cfg.video_max_mb << 20, "视频", &form))
        return;
    const multipart_part_t *iv = multipart_get(&form, "interval");
    int64_t interval = proofread_cfg.video_interval_s;
    if (iv) {
        char tmp[32];
        bool ok = iv->len > 0 && iv->len < sizeof tmp;
        if (ok) {
            memcpy(tmp, iv->data, iv->len);
            tmp[iv->len] = 0;
            ok = str_to_int64(tmp, &interval) && interval >= 1 && interval <= 600;
        }
        if (!ok) {
            multipart_form_free(&form);
            http_error_fields(req, json_pack("{s:s}", "interval", "应为 1 到 600 之间的整数（秒）"));
            return;
        }
    }
    http_upload_t up;
    bool saved = http_upload_save(req, &form, VIDEO_TYPES, "视频", "MP4、MOV、MKV、WebM、AVI 等视频",
                                  FILE_PREFIX, &up);
    multipart_form_free(&form);
    if (!saved)
        return;
    const char *path = up.path;
    json_t *payload = http_upload_json(&up); /* name, size, type */
    json_object_set_new(payload, "file", json_string(strrchr(path, '/') + 1));
    json_object_set_new(payload, "interval", json_integer(interval));
    char *ptext = json_dumps(payload, JSON_COMPACT);
    json_decref(payload);
    http_defer(req, free, ptext);
    db_conn_t *c = http_db(req);
    if (!c) {
        unlink(path);
        return;
    }
    /* the job carries the organisation of the user who asked */
    job_spec_t spec = {.kind = JOB_KIND,
                       .payload = ptext,
                       .max_attempts = 2,
                       .org_id = http_user_org(req),
                       .created_by = http_user_id(req)};
    int64_t job = db_begin(c) == 0 ? jobs_enqueue(c, &spec) : -1;
    /* the answer is read before the commit: a failing read after it would
     * report a submitted check as failed */
    json_t *o = job > 0 ? res_load(req, c, &VIDEOS, JOBS_COLS, job, jobs_row_json, NULL, RES_PLAIN) : NULL;
    audit_entry_t ae = {.target = job,
                        .detail = http_printf(req, "%s（%zu 字节）", up.name ? up.name : "视频", up.size)};
    if (!o || !audit_commit(req, c, &ae)) {
        json_decref(o);
        unlink(path);
        if (!http_responded(req))
            http_db_error(req, c);
        return;
    }
    jobs_notify();
    log_rec_t r;
    log_begin(&r, LOG_TRANSFER, LOG_INFO, "proofread.video_uploaded");
    log_int(&r, "job", job);
    log_int(&r, "bytes", (int64_t)up.size);
    log_str(&r, "type", up.type);
    log_end(&r);
    http_json(req, 201, video_view(o, true));
}

/* ---- the job ---- */

static bool on_progress(void *ud, int64_t done, int64_t total, const char *note)
{
    return job_progress(ud, done, total, note);
}

static int job_video(job_ctx_t *ctx)
{
    json_t *p = job_payload(ctx);
    const char *file = jstr(p, "file");
    if (!file || !str_starts_with(file, FILE_PREFIX) || strchr(file, '/') || strstr(file, "..")) {
        job_error(ctx, "无效的任务参数");
        return JOB_FATAL;
    }
    char dir[1100], path[1300];
    tmp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (access(path, R_OK) != 0) {
        job_error(ctx, "上传的视频已不存在");
        return JOB_FATAL;
    }
    pr_lexset_t *ls = proofread_engine_acquire();
    if (!ls) {
        job_error(ctx, "校对引擎尚未就绪");
        return JOB_RETRY;
    }
    prmedia_options_t o = {
        .ocr = {.timeout_ms =
                    (int)(proofread_cfg.ocr_timeout_s < 45 ? proofread_cfg.ocr_timeout_s : 45) * 1000},
        .tmp_dir = dir,
        .interval_s = (double)jint(p, "interval", proofread_cfg.video_interval_s)};
    json_t *result = NULL;
    char err[400];
    int rc = prmedia_video(ls, path, &o, on_progress, ctx, &result, err, sizeof err);
    pr_lexset_release(ls);
    if (rc == -2)
        return JOB_RETRY; /* shutdown or lease lost: the upload stays for the next attempt */
    unlink(path);
    if (rc != 0) {
        job_error(ctx, "%s", err);
        return JOB_FATAL;
    }
    json_object_set_new(result, "file",
                        json_pack("{s:O?,s:O?,s:O?}", "name", json_object_get(p, "name"), "size",
                                  json_object_get(p, "size"), "type", json_object_get(p, "type")));
    job_items(ctx, json_integer_value(json_object_get(result, "frames")));
    job_result(ctx, result);
    return JOB_OK;
}

int proofread_media_file(const char *path, bool video, prmedia_progress_fn progress, void *ud,
                         json_t **result, char *err, size_t errlen)
{
    *result = NULL;
    pr_lexset_t *ls = proofread_engine_acquire();
    if (!ls) {
        snprintf(err, errlen, "校对引擎尚未就绪");
        return -3;
    }
    char dir[1100];
    tmp_dir(dir, sizeof dir);
    prmedia_options_t o = {
        .ocr = {.timeout_ms =
                    (int)(proofread_cfg.ocr_timeout_s < 45 ? proofread_cfg.ocr_timeout_s : 45) * 1000},
        .tmp_dir = dir,
        .interval_s = (double)proofread_cfg.video_interval_s};
    int rc;
    if (video)
        rc = prmedia_video(ls, path, &o, progress, ud, result, err, errlen);
    else {
        prmedia_image_t img;
        rc = prmedia_image(ls, path, &o, &img, err, errlen);
        if (rc == 0)
            *result = prmedia_image_json(&img);
        prmedia_image_free(&img);
    }
    pr_lexset_release(ls);
    return rc;
}

/* Removes uploads and frame directories left behind (older than a day). */
static int job_tmp_purge(job_ctx_t *ctx)
{
    char dir[1100];
    tmp_dir(dir, sizeof dir);
    DIR *d = opendir(dir);
    int removed = 0;
    time_t cutoff = time(NULL) - 86400;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!str_starts_with(e->d_name, "proofread-"))
            continue;
        char p[1400];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) != 0 || st.st_mtime > cutoff)
            continue;
        if (S_ISDIR(st.st_mode)) {
            DIR *sd = opendir(p);
            struct dirent *se;
            while (sd && (se = readdir(sd))) {
                if (se->d_name[0] == '.')
                    continue;
                char q[1700];
                snprintf(q, sizeof q, "%s/%s", p, se->d_name);
                unlink(q);
            }
            if (sd)
                closedir(sd);
            removed += rmdir(p) == 0;
        } else {
            removed += unlink(p) == 0;
        }
    }
    if (d)
        closedir(d);
    job_items(ctx, removed);
    job_result(ctx, json_pack("{s:i}", "removed", removed));
    return JOB_OK;
}

/* ---- status ---- */

/* A video job as the user sees it (job: jobs_row_json, stolen). With full,
 * the result as the job left it; without, its figures only (for lists). */
static json_t *video_view(json_t *job, bool full)
{
    json_t *payload = json_object_get(job, "payload");
    json_t *o = json_object();
    static const char *const keep[] = {"id",         "status",     "progress",   "attempts",
                                       "created_at", "updated_at", "finished_at"};
    for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++)
        json_object_set(o, keep[k], json_object_get(job, keep[k]));
    json_object_set(o, "error", json_object_get(job, "last_error"));
    json_object_set_new(o, "file",
                        json_pack("{s:O?,s:O?,s:O?}", "name", json_object_get(payload, "name"), "size",
                                  json_object_get(payload, "size"), "type",
                                  json_object_get(payload, "type")));
    json_t *iv = json_object_get(payload, "interval");
    json_object_set_new(o, "interval_s", iv ? json_incref(iv) : json_null());
    json_t *res = json_object_get(job, "result");
    if (full) {
        json_object_set(o, "result", res);
    } else {
        json_t *fs = json_object_get(res, "findings");
        json_object_set_new(
            o, "result",
            json_is_object(res)
                ? json_pack("{s:O?,s:O?,s:O?,s:O?,s:I}", "verdict", json_object_get(res, "verdict"),
                            "summary", json_object_get(res, "summary"), "frames",
                            json_object_get(res, "frames"), "duration_s", json_object_get(res, "duration_s"),
                            "findings_count", (json_int_t)json_array_size(fs))
                : json_null());
    }
    json_decref(job);
    return o;
}

static void get_video(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *job = res_load(req, c, &VIDEOS, JOBS_COLS, id, jobs_row_json, NULL, RES_PLAIN);
    if (job)
        http_json(req, 200, video_view(job, true));
}

static json_t *video_row(db_stmt_t *st, void *ud) { return video_view(jobs_row_json(st, ud), false); }

static const vfield_t VIDEO_QUERY[] = {{"status", V_ENUM, .choices = JOBS_STATUSES, .title = "任务状态"}};
static const vfield_t VIDEO_FORM[] = {
    {"file", V_STR, true, .title = "视频文件（MP4、MOV、MKV、WebM、AVI 等）"},
    {"interval", V_INT, false, 1, 600, .title = "每隔几秒读一帧（默认按设置）"},
};
static const vfield_t VIDEO_OUT[] = {
    {"id", V_ID},
    {"status", V_ENUM, .choices = JOBS_STATUSES},
    {"progress", V_OBJECT, .title = "{done,total,note}"},
    {"file", V_OBJECT, .title = "{name,size,type}"},
    {"interval_s", V_INT},
    {"result", V_OBJECT, .title = "结论、每帧的发现（时间码、文字框）"},
    {"error", V_STR},
    {"created_at", V_TIME},
    {"finished_at", V_TIME},
};

/* GET /api/v1/proofread/video?status=&page=&page_size= — the user's own
 * video checks, newest first. */
static void list_videos(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    const char *st = http_query(req, "status");
    qb_t w;
    res_from(req, &VIDEOS, &w);
    if (st) {
        qb_sql(&w, " AND j.status = ");
        qb_text(&w, st);
    }
    res_list(req, c, &VIDEOS, JOBS_COLS, &w, "j.id DESC", video_row, NULL);
    qb_free(&w);
}

/* one route, one or two lines */
// clang-format off
static http_route_t routes[] = {
    {.method = "POST", .pattern = "/api/v1/proofread/video", .handler = post_video, .perm = HTTP_LOGIN,
     .flags = HTTP_BODY_MULTIPART, .summary = "提交视频校对", .audit = "proofread.video_submit", .resource = &VIDEOS,
     HTTP_BODY(VIDEO_FORM), HTTP_OUT(VIDEO_OUT), .status = 201,
     .notes = "multipart/form-data: file (checked by content), interval; 201 with the job; 413 past " "proofread_video_max_mb"},
    {.method = "GET", .pattern = "/api/v1/proofread/video", .handler = list_videos, .perm = HTTP_LOGIN,
     .flags = HTTP_LIST, .summary = "我的视频校对", .resource = &VIDEOS, HTTP_QUERY(VIDEO_QUERY),
     HTTP_OUT(VIDEO_OUT)},
    {.method = "GET", .pattern = "/api/v1/proofread/video/{id}", .handler = get_video, .perm = HTTP_LOGIN,
     .summary = "视频校对结果", .resource = &VIDEOS, HTTP_OUT(VIDEO_OUT)},
};
// clang-format on

int proofread_video_init(zd_app_t *app, char *err, size_t errlen)
{
    routes[0].max_body = ((size_t)proofread_cfg.video_max_mb << 20) + (64u << 10);
    if (module_routes(app, routes, VN(routes), err, errlen) != 0)
        return -1;
    jobs_register(JOB_KIND, "视频校对", job_video);
    jobs_register("proofread.tmp_purge", "清理校对临时文件", job_tmp_purge);
    if (app->http && jobs_define_schedule(app->db, "proofread.tmp_purge", "每日清理校对临时文件",
                                          "40 3 * * *", "proofread.tmp_purge", NULL) != 0) {
        snprintf(err, errlen, "cannot define the proofread schedules");
        return -1;
    }
    return 0;
}
