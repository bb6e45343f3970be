/* files_api.c — the images articles show: the author uploads an image to
 * the storage module (tus), then attaches it here; the file leaves the
 * author's shared space into the submissions' hold, its text is read by
 * OCR once (a job) for proofreading, and it is served to whoever may see
 * submissions of its organisation. */
#include "core/config.h"
#include "core/fileio.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "jobs/jobs.h"
#include "modules/proofread/proofread.h"
#include "modules/storage/storage.h"
#include "modules/submission/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const zd_resource_t SUB_FILES = {.name = "submission_file",
                                        .title = "投稿图片",
                                        .table = "submission_files",
                                        .alias = "sf",
                                        .org_col = "sf.org_id",
                                        .creator_col = "sf.created_by",
                                        .perm = "submission.read",
                                        .id_col = "sf.file_id"};

static const vfield_t ATTACH_BODY[] = {{"file_id", V_ID, true, .title = "已上传的图片文件"}};

static void attach_file(http_req_t *req)
{
    int64_t fid = jint(http_json_body(req), "file_id", 0);
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    bool dberr;
    json_t *f = http_defer_json(req, storage_file_summary(c, fid, &dberr));
    if (dberr) {
        http_db_error(req, c);
        return;
    }
    if (!f || jint(f, "created_by", 0) != http_user_id(req)) {
        http_error_fields(req, json_pack("{s:s}", "file_id", "文件不存在或不是您上传的"));
        return;
    }
    const char *mime = jstr(f, "mime");
    if (!mime || strncmp(mime, "image/", 6)) {
        http_error(req, 415, "unsupported_media_type", "只能插入图片");
        return;
    }
    int64_t org = jint(f, "org_id", 0), now = time_now_ms();
    json_t *o =
        json_pack("{s:I,s:s,s:s}", "file_id", (json_int_t)fid, "url",
                  http_printf(req, "/api/v1/submission/files/%lld", (long long)fid), "name", jstr(f, "name"));
    http_defer_json(req, o);
    if (!strcmp(jstr(f, "holder"), "submission")) { /* attached before (the editor retried) */
        http_json(req, 200, json_incref(o));
        return;
    }
    int claimed = storage_file_claim(c, fid, org, "submission");
    if (claimed < 0) {
        http_db_error(req, c);
        return;
    }
    if (!claimed) {
        http_error(req, 409, "conflict", "该文件已被其他业务使用");
        return;
    }
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO submission_files (file_id, org_id, created_by, created_at, updated_at) "
                      "VALUES (?, ?, ?, ?, ?)");
    bool ok = st != NULL;
    if (st) {
        db_bind_int64(st, 1, fid);
        db_bind_int64(st, 2, org);
        db_bind_int64(st, 3, http_user_id(req));
        db_bind_int64(st, 4, now);
        db_bind_int64(st, 5, now);
        ok = db_step(st) == DB_DONE;
    }
    db_done(st);
    char payload[64];
    snprintf(payload, sizeof payload, "{\"file_id\":%lld}", (long long)fid);
    job_spec_t js = {
        .kind = "submission.ocr", .payload = payload, .org_id = org, .created_by = http_user_id(req)};
    ok = ok && jobs_enqueue(c, &js) > 0;
    audit_entry_t ae = {.target = fid, .detail = jstr(f, "name")};
    audit_reply(req, c, ok, &ae, 201, json_incref(o));
}

static void get_file(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c || !res_visible(req, c, &SUB_FILES, id))
        return;
    sub_send_image(req, c, id, true);
}

/* Job submission.ocr {"file_id"}: the text inside an attached image, proofread. */
int sub_ocr_job(job_ctx_t *ctx)
{
    int64_t fid = jint(job_payload(ctx), "file_id", 0);
    db_conn_t *c = db_acquire(job_db(ctx));
    if (!c)
        return JOB_RETRY;
    char path[1200], err[400] = "";
    config_tmp_dir(sub_cfg, path, sizeof path - 64);
    fileio_mkdirs(path);
    size_t n = strlen(path);
    snprintf(path + n, sizeof path - n, "/submission-ocr-%lld", (long long)job_id(ctx));
    json_t *result = NULL;
    int rc = storage_file_fetch(c, fid, path, err, sizeof err);
    db_release(c);
    if (rc == 0)
        rc = proofread_media_file(path, false, NULL, NULL, &result, err, sizeof err);
    unlink(path);
    if (rc == -3)
        return JOB_RETRY;
    char *fj = rc == 0 ? json_dumps(json_object_get(result, "findings"), JSON_COMPACT) : NULL;
    json_decref(result);
    c = db_acquire(job_db(ctx));
    db_stmt_t *st =
        c ? db_prepare(c, "UPDATE submission_files SET ocr_status = ?, ocr_findings = ?, updated_at = ? "
                          "WHERE file_id = ?")
          : NULL;
    bool ok = st != NULL;
    if (st) {
        db_bind_text(st, 1, rc == 0 ? "done" : "failed");
        db_bind_text(st, 2, fj ? fj : "[]");
        db_bind_int64(st, 3, time_now_ms());
        db_bind_int64(st, 4, fid);
        ok = db_step(st) == DB_DONE;
    }
    db_done(st);
    db_release(c);
    free(fj);
    if (!ok)
        return JOB_RETRY;
    if (rc != 0) {
        job_error(ctx, "图片文字识别失败：%s", err);
        return JOB_FATAL;
    }
    return JOB_OK;
}

// clang-format off
static const http_route_t routes[] = {
    {.method = "POST", .pattern = "/api/v1/submission/files", .handler = attach_file, .perm = "submission.write",
     .summary = "将已上传的图片用于投稿", .audit = "submission.file.attach", HTTP_BODY(ATTACH_BODY), .status = 201,
     .example = "{\"file_id\":1}",
     .notes = "the file (uploaded by the caller through /api/v1/uploads) leaves the shared space; {file_id,url}; "
              "its text is read by OCR for proofreading"},
    {.method = "GET", .pattern = "/api/v1/submission/files/{id}", .handler = get_file, .perm = "submission.read",
     .flags = HTTP_DOWNLOAD, .summary = "投稿图片", .resource = &SUB_FILES, .query = SUB_IMAGE_QUERY, .nquery = 1,
     .notes = "original needs submission.download"},
};
// clang-format on

int sub_files_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
