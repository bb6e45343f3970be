/* ingest.c — the jobs that turn a finished upload into a file:
 *
 * storage.ingest  hash (SHA-256), virus scan, store the blob once per
 *                 content, then in one transaction the file row, the usage,
 *                 the upload's outcome and the audit record. Idempotent: the
 *                 blob reference is taken once per upload (storage_uploads.
 *                 sha256 records it), so a retry after any failure neither
 *                 loses nor double-counts it.
 * storage.media   thumbnails and a web-sized image (libvips, EXIF read and
 *                 stripped), or for a video the MP4, the HLS ladder and a
 *                 poster (ffmpeg), stored as derivatives "d/<sha>/...".
 */
#include "core/fileio.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "media/image.h"
#include "media/video.h"
#include "modules/storage/internal.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INGEST_ATTEMPTS 5 /* upload_api.c queues the ingest with these */

typedef struct {
    char id[40], purpose[16], filename[300], mime[128], sha[72], status[16];
    char *title, *description, *tags;
    int64_t org_id, created_by, length, folder_id;
} pending_t;

static void pending_free(pending_t *p)
{
    free(p->title);
    free(p->description);
    free(p->tags);
}

static char *dup_col(db_stmt_t *st, int i)
{
    return db_col_is_null(st, i) ? NULL : strdup(db_col_text(st, i));
}

/* 1 loaded, 0 absent, -1 error */
static int load_pending(db_conn_t *c, const char *id, pending_t *p)
{
    memset(p, 0, sizeof *p);
    db_stmt_t *st =
        db_prepare(c, "SELECT id, purpose, filename, mime, sha256, status, title, description, tags, "
                      "org_id, created_by, length, folder_id FROM storage_uploads WHERE id = ?");
    if (!st)
        return -1;
    db_bind_text(st, 1, id);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        str_lcpy(p->id, db_col_text(st, 0), sizeof p->id);
        str_lcpy(p->purpose, db_col_text(st, 1), sizeof p->purpose);
        str_lcpy(p->filename, db_col_text(st, 2), sizeof p->filename);
        if (!db_col_is_null(st, 3))
            str_lcpy(p->mime, db_col_text(st, 3), sizeof p->mime);
        if (!db_col_is_null(st, 4))
            str_lcpy(p->sha, db_col_text(st, 4), sizeof p->sha);
        str_lcpy(p->status, db_col_text(st, 5), sizeof p->status);
        p->title = dup_col(st, 6);
        p->description = dup_col(st, 7);
        p->tags = dup_col(st, 8);
        p->org_id = db_col_int64(st, 9);
        p->created_by = db_col_int64(st, 10);
        p->length = db_col_int64(st, 11);
        p->folder_id = db_col_int64(st, 12);
    }
    db_done(st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

/* SHA-256 of a file, with progress; 0, 1 stopped, -1 error. */
static int hash_file(job_ctx_t *ctx, const char *path, char out[65])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat sb;
    fstat(fd, &sb);
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_DigestInit_ex(m, EVP_sha256(), NULL);
    size_t cap = 1 << 20;
    unsigned char *buf = malloc(cap);
    int64_t done = 0, last = 0;
    int rc = buf ? 0 : -1;
    ssize_t n;
    while (rc == 0 && (n = read(fd, buf, cap)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = -1;
            break;
        }
        EVP_DigestUpdate(m, buf, (size_t)n);
        done += n;
        if (done - last >= (64 << 20)) {
            last = done;
            if (!job_progress(ctx, done, (int64_t)sb.st_size * 2, "计算校验值"))
                rc = 1;
        }
    }
    unsigned char d[32];
    unsigned int dl = 0;
    EVP_DigestFinal_ex(m, d, &dl);
    EVP_MD_CTX_free(m);
    free(buf);
    close(fd);
    if (rc == 0)
        str_hex(d, 32, out);
    return rc;
}

/* The upload's outcome when it is refused or failed (no file). */
static int finish_upload(db_conn_t *c, const char *id, const char *status, const char *code, const char *why)
{
    db_stmt_t *st =
        db_prepare(c, "UPDATE storage_uploads SET status = ?, error_code = ?, error = ?, updated_at = ? "
                      "WHERE id = ? AND status = 'processing'");
    if (!st)
        return -1;
    db_bind_text(st, 1, status);
    db_bind_text(st, 2, code);
    db_bind_text(st, 3, why);
    db_bind_int64(st, 4, time_now_ms());
    db_bind_text(st, 5, id);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

static audit_entry_t actor_entry(const pending_t *p, const char *action, const char *outcome,
                                 const char *detail)
{
    return (audit_entry_t){.action = action,
                           .target_type = "storage_upload",
                           .target_id = p->id,
                           .outcome = outcome,
                           .detail = detail,
                           .actor_id = p->created_by,
                           .actor_org = p->org_id};
}

/* Refuses an infected file: deleted, the upload refused, the security log
 * and the audit log told. */
static int refuse_infected(job_ctx_t *ctx, db_conn_t *c, const pending_t *p, const char *path,
                           const char *virus)
{
    unlink(path);
    log_rec_t r;
    log_begin(&r, LOG_SECURITY, LOG_WARN, "storage.virus_found");
    log_str(&r, "upload", p->id);
    log_str(&r, "virus", virus);
    log_str(&r, "filename", p->filename);
    log_int(&r, "user", p->created_by);
    log_int(&r, "org", p->org_id);
    log_end(&r);
    char why[300], detail[600];
    snprintf(why, sizeof why, "发现病毒或恶意代码（%s），文件已删除", virus);
    snprintf(detail, sizeof detail, "%s：发现 %s，已删除", p->filename, virus);
    audit_entry_t ae = actor_entry(p, "storage.upload.refused", "failure", detail);
    if (db_begin(c) != 0 || finish_upload(c, p->id, "refused", "virus_found", why) != 0 ||
        audit_write(c, NULL, &ae) != 0 || db_commit(c) != 0) {
        job_error(ctx, "无法记录病毒拒收：%s", db_errmsg(c));
        return JOB_RETRY;
    }
    job_result(ctx, json_pack("{s:s,s:s}", "refused", "virus_found", "virus", virus));
    return JOB_OK;
}

/* Takes the upload's reference on the blob (once). 1 taken now (blob row
 * new or to be healed: the object must be stored), 2 taken now (the object
 * is there), 0 taken before, -1 error, -2 the blob is being collected
 * (retry later). */
static int pin_blob(db_conn_t *c, const pending_t *p, const char *sha, const char *mime)
{
    if (db_begin(c) != 0)
        return -1;
    db_stmt_t *st = db_prepare(c, "SELECT sha256 FROM storage_uploads WHERE id = ?" FOR_UPDATE_CLAUSE);
    int rc = DB_ERROR;
    bool pinned = false;
    if (st) {
        db_bind_text(st, 1, p->id);
        rc = db_step(st);
        pinned = rc == DB_ROW && !db_col_is_null(st, 0);
    }
    db_done(st);
    if (rc != DB_ROW) {
        db_rollback(c);
        return -1;
    }
    if (pinned) {
        db_rollback(c);
        return 0;
    }
    st = db_prepare(c, "SELECT status FROM storage_blobs WHERE sha256 = ?" FOR_UPDATE_CLAUSE);
    char status[16] = "";
    rc = DB_ERROR;
    if (st) {
        db_bind_text(st, 1, sha);
        rc = db_step(st);
        if (rc == DB_ROW)
            str_lcpy(status, db_col_text(st, 0), sizeof status);
    }
    db_done(st);
    if (rc == DB_ERROR || !strcmp(status, "deleting")) {
        db_rollback(c);
        return rc == DB_ERROR ? -1 : -2;
    }
    int64_t now = time_now_ms();
    int result;
    if (rc == DB_DONE) {
        st = db_prepare(
            c, "INSERT INTO storage_blobs (sha256, size, mime, refs, status, created_at, media_status) "
               "VALUES (?, ?, ?, 1, 'ok', ?, ?)");
        bool media = str_starts_with(mime, "image/") || str_starts_with(mime, "video/");
        if (st) {
            db_bind_text(st, 1, sha);
            db_bind_int64(st, 2, p->length);
            db_bind_text(st, 3, mime);
            db_bind_int64(st, 4, now);
            db_bind_text(st, 5, media ? "pending" : "none");
        }
        result = 1;
    } else {
        st = db_prepare(c,
                        "UPDATE storage_blobs SET refs = refs + 1, unreferenced_at = NULL WHERE sha256 = ?");
        if (st)
            db_bind_text(st, 1, sha);
        result = strcmp(status, "ok") != 0 ? 1 : 2; /* missing or corrupt: this upload heals it */
    }
    rc = st ? db_step(st) : DB_ERROR;
    db_done(st);
    if (rc == DB_DONE) {
        st = db_prepare(c, "UPDATE storage_uploads SET sha256 = ?, updated_at = ? WHERE id = ?");
        rc = DB_ERROR;
        if (st) {
            db_bind_text(st, 1, sha);
            db_bind_int64(st, 2, now);
            db_bind_text(st, 3, p->id);
            rc = db_step(st);
        }
        db_done(st);
    }
    if (rc != DB_DONE || db_commit(c) != 0) {
        db_rollback(c);
        return -1;
    }
    return result;
}

/* The object under its key, healing a blob that verification had found
 * missing or corrupt. */
static int store_object(job_ctx_t *ctx, db_conn_t *c, const char *sha, const char *path, bool heal)
{
    blob_store_t *b = storage_blobs();
    char err[300];
    if (b->ops->put_file(b, sha, path, true, err, sizeof err) != 0) {
        job_error(ctx, "无法写入存储：%s", err);
        return -1;
    }
    if (heal) {
        db_stmt_t *st =
            db_prepare(c, "UPDATE storage_blobs SET status = 'ok', status_note = NULL, verified_at = ? "
                          "WHERE sha256 = ? AND status IN ('missing', 'corrupt')");
        if (st) {
            db_bind_int64(st, 1, time_now_ms());
            db_bind_text(st, 2, sha);
            db_step(st);
        }
        db_done(st);
    }
    return 0;
}

int storage_media_enqueue(db_conn_t *c, const char *sha, const char *mime, int64_t org_id, int64_t user_id)
{
    if (!str_starts_with(mime, "image/") && !str_starts_with(mime, "video/"))
        return 0;
    char payload[200];
    snprintf(payload, sizeof payload, "{\"sha256\":\"%.64s\",\"mime\":\"%.100s\"}", sha, mime);
    job_spec_t spec = {.kind = "storage.media",
                       .payload = payload,
                       .priority = str_starts_with(mime, "image/") ? 3 : 1,
                       .max_attempts = 2,
                       .org_id = org_id,
                       .created_by = user_id};
    int64_t job = jobs_enqueue(c, &spec);
    if (job <= 0)
        return -1;
    db_stmt_t *st =
        db_prepare(c, "UPDATE storage_blobs SET media_job = ?, media_status = 'pending' WHERE sha256 = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, job);
    db_bind_text(st, 2, sha);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

/* The file row, the usage, the upload's outcome, the audit record and the
 * media job: one transaction. 1 done, 0 refused (quota), -1 error. */
static int create_file(db_conn_t *c, const pending_t *p, const char *sha, int64_t *file_id, char *why,
                       size_t whysz)
{
    if (db_begin(c) != 0)
        return -1;
    int64_t used = 0, quota = storage_quota_of(c, p->org_id, &used);
    if (quota < 0) {
        db_rollback(c);
        return -1;
    }
    if (quota > 0 && used + p->length > quota) {
        snprintf(why, whysz, "超出本组织的存储配额（已用 %.1f MB，配额 %.1f MB）", used / 1048576.0,
                 quota / 1048576.0);
        db_rollback(c);
        return 0;
    }
    /* the folder may have gone to the recycle bin meanwhile: the root then */
    int64_t folder = p->folder_id;
    if (folder) {
        db_stmt_t *st =
            db_prepare(c, "SELECT 1 FROM storage_folders WHERE id = ? AND org_id = ? AND deleted_at IS NULL");
        int rc = DB_ERROR;
        if (st) {
            db_bind_int64(st, 1, folder);
            db_bind_int64(st, 2, p->org_id);
            rc = db_step(st);
        }
        db_done(st);
        if (rc == DB_ERROR) {
            db_rollback(c);
            return -1;
        }
        if (rc != DB_ROW)
            folder = 0;
    }
    int64_t now = time_now_ms();
    char title[400];
    if (p->title && p->title[0])
        str_lcpy(title, p->title, sizeof title);
    else { /* the name without its extension */
        str_lcpy(title, p->filename, sizeof title);
        char *dot = strrchr(title, '.');
        if (dot && dot != title)
            *dot = 0;
    }
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO storage_files (org_id, folder_id, blob_sha, name, title, description, "
                      "tags, purpose, mime, size, upload_id, created_by, created_at, updated_at) VALUES "
                      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    *file_id = 0;
    if (st) {
        int i = 1;
        db_bind_int64(st, i++, p->org_id);
        db_bind_id(st, i++, folder);
        db_bind_text(st, i++, sha);
        db_bind_text(st, i++, p->filename);
        db_bind_text(st, i++, title);
        db_bind_text(st, i++, p->description);
        db_bind_text(st, i++, p->tags ? p->tags : "[]");
        db_bind_text(st, i++, p->purpose);
        db_bind_text(st, i++, p->mime);
        db_bind_int64(st, i++, p->length);
        db_bind_text(st, i++, p->id);
        db_bind_int64(st, i++, p->created_by);
        db_bind_int64(st, i++, now);
        db_bind_int64(st, i++, now);
        if (db_step(st) == DB_ROW)
            *file_id = db_col_int64(st, 0);
    }
    db_done(st);
    bool ok = *file_id > 0 && storage_usage_add(c, p->org_id, p->length, 1) == 0;
    if (ok) {
        st = db_prepare(
            c, "UPDATE storage_uploads SET status = 'done', file_id = ?, updated_at = ? WHERE id = ? AND "
               "status = 'processing'");
        ok = st != NULL;
        if (st) {
            db_bind_int64(st, 1, *file_id);
            db_bind_int64(st, 2, now);
            db_bind_text(st, 3, p->id);
            ok = db_step(st) == DB_DONE && db_changes(c) == 1;
        }
        db_done(st);
    }
    /* a new image or video gets its derivatives */
    if (ok) {
        st = db_prepare(c, "SELECT media_status, media_job FROM storage_blobs WHERE sha256 = ?");
        bool want = false;
        if (st) {
            db_bind_text(st, 1, sha);
            want = db_step(st) == DB_ROW && !strcmp(db_col_text(st, 0), "pending") && db_col_is_null(st, 1);
        }
        db_done(st);
        if (want)
            ok = storage_media_enqueue(c, sha, p->mime, p->org_id, p->created_by) == 0;
    }
    if (ok) {
        char detail[500];
        snprintf(detail, sizeof detail, "%s（%lld 字节）", p->filename, (long long)p->length);
        json_t *after = json_pack("{s:I,s:s,s:s,s:s,s:I}", "file_id", (json_int_t)*file_id, "name",
                                  p->filename, "sha256", sha, "mime", p->mime, "size", (json_int_t)p->length);
        audit_entry_t ae = {.action = "storage.file.create",
                            .target_type = "storage_file",
                            .target = *file_id,
                            .after = after,
                            .detail = detail,
                            .actor_id = p->created_by,
                            .actor_org = p->org_id};
        ok = audit_write(c, NULL, &ae) == 0;
        json_decref(after);
    }
    if (!ok || db_commit(c) != 0) {
        db_rollback(c);
        return -1;
    }
    return 1;
}

int storage_job_ingest(job_ctx_t *ctx)
{
    const char *id = jstr(job_payload(ctx), "upload");
    db_conn_t *c = db_acquire(job_db(ctx));
    if (!c)
        return JOB_RETRY;
    pending_t p;
    int rc = id ? load_pending(c, id, &p) : 0;
    int result = JOB_OK;
    if (rc <= 0) {
        db_release(c);
        if (rc == 0)
            job_error(ctx, "上传记录不存在");
        return rc == 0 ? JOB_FATAL : JOB_RETRY;
    }
    if (strcmp(p.status, "processing") != 0) /* done already (a retry after the commit) */
        goto out;
    char path[1200], sha[65], err[400];
    storage_part_path(p.id, path, sizeof path);
    bool have_part = access(path, R_OK) == 0;
    if (!p.sha[0]) {
        if (!have_part) {
            finish_upload(c, p.id, "failed", "data_lost", "上传的数据已不存在，请重新上传");
            job_error(ctx, "上传的数据已不存在");
            result = JOB_FATAL;
            goto out;
        }
        int h = hash_file(ctx, path, sha);
        if (h != 0) {
            if (h < 0)
                job_error(ctx, "无法读取上传的数据：%s", strerror(errno));
            result = JOB_RETRY;
            goto out;
        }
        /* the virus scan, before anything is kept */
        scan_engine_t *sc = storage_scanner();
        if (sc) {
            job_progress(ctx, p.length, p.length * 2, "病毒扫描");
            scan_reload_if_changed(sc, err, sizeof err);
            char virus[200] = "";
            int s = scan_file(sc, path, virus, sizeof virus, err, sizeof err);
            if (s == SCAN_INFECTED) {
                result = refuse_infected(ctx, c, &p, path, virus);
                goto out;
            }
            if (s != SCAN_CLEAN) {
                job_error(ctx, "病毒扫描失败：%s", err);
                result = JOB_RETRY;
                if (job_attempt(ctx) >= INGEST_ATTEMPTS) { /* the last try: the uploader is told */
                    char why[600];
                    snprintf(why, sizeof why, "病毒扫描失败，文件未被接收：%s", err);
                    unlink(path);
                    finish_upload(c, p.id, "failed", "scan_failed", why);
                    result = JOB_FATAL;
                }
                goto out;
            }
        } else if (storage_cfg.scan_required) {
            job_error(ctx, "病毒扫描引擎不可用：%s",
                      storage_scanner_error() ? storage_scanner_error() : "未启动");
            result = JOB_RETRY;
            goto out;
        }
    } else
        str_lcpy(sha, p.sha, sizeof sha); /* a retry: scanned and pinned before */
    int pin = pin_blob(c, &p, sha, p.mime);
    if (pin == -2) {
        job_error(ctx, "相同内容的存储对象正在清除，稍后重试");
        result = JOB_RETRY;
        goto out;
    }
    if (pin < 0) {
        job_error(ctx, "数据库错误：%s", db_errmsg(c));
        result = JOB_RETRY;
        goto out;
    }
    /* the object: stored when new or healed, or when a retry finds it gone */
    blob_store_t *b = storage_blobs();
    int64_t have = 0;
    bool need = pin == 1 || (pin == 0 && b->ops->stat(b, sha, &have, err, sizeof err) != 1);
    if (need && !have_part) {
        job_error(ctx, "上传的数据已不存在");
        result = JOB_RETRY;
        goto out;
    }
    if (need && store_object(ctx, c, sha, path, pin == 1) != 0) {
        result = JOB_RETRY;
        goto out;
    }
    if (!need && have_part)
        unlink(path); /* identical content is stored once */
    int64_t file_id = 0;
    char why[300];
    int made = create_file(c, &p, sha, &file_id, why, sizeof why);
    if (made < 0) {
        job_error(ctx, "无法登记文件：%s", db_errmsg(c));
        result = JOB_RETRY;
        goto out;
    }
    if (made == 0) { /* quota reached meanwhile: give the reference back */
        if (db_begin(c) != 0 || storage_blob_unref(c, sha, time_now_ms()) != 0 ||
            finish_upload(c, p.id, "refused", "quota_exceeded", why) != 0 || db_commit(c) != 0) {
            db_rollback(c);
            result = JOB_RETRY;
            goto out;
        }
        job_result(ctx, json_pack("{s:s}", "refused", "quota_exceeded"));
        goto out;
    }
    jobs_notify();
    job_items(ctx, 1);
    job_result(ctx, json_pack("{s:I,s:s,s:b}", "file_id", (json_int_t)file_id, "sha256", sha, "deduplicated",
                              pin == 2));
out:
    pending_free(&p);
    db_release(c);
    return result;
}

/* ---- media ---- */

typedef struct {
    job_ctx_t *ctx;
    db_t *db;
    const char *sha;
    int last;
} media_progress_t;

static void set_media(db_t *db, const char *sha, const char *status, const char *error, int progress)
{
    db_conn_t *c = db_acquire(db);
    db_stmt_t *st =
        c ? db_prepare(c, "UPDATE storage_blobs SET media_status = ?, media_error = ?, media_progress = ? "
                          "WHERE sha256 = ?")
          : NULL;
    if (st) {
        db_bind_text(st, 1, status);
        db_bind_text(st, 2, error);
        if (progress >= 0)
            db_bind_int64(st, 3, progress);
        else
            db_bind_null(st, 3);
        db_bind_text(st, 4, sha);
        db_step(st);
    }
    db_done(st);
    db_release(c);
}

static bool on_video_progress(void *ud, double percent, const char *note)
{
    media_progress_t *m = ud;
    int pct = (int)percent;
    if (pct != m->last) {
        m->last = pct;
        set_media(m->db, m->sha, "processing", NULL, pct);
    }
    return job_progress(m->ctx, pct, 100, note);
}

/* Stores every file under dir (recursively) as prefix + its relative path. */
static int put_tree(const char *dir, const char *rel, const char *prefix, char *err, size_t errlen)
{
    char path[1400];
    snprintf(path, sizeof path, "%s%s%s", dir, rel[0] ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d) {
        snprintf(err, errlen, "%.200s: %s", path, strerror(errno));
        return -1;
    }
    blob_store_t *b = storage_blobs();
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char sub[600], full[2000], key[800];
        snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
        snprintf(full, sizeof full, "%s/%s", dir, sub);
        struct stat sb;
        if (lstat(full, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode))
            rc = put_tree(dir, sub, prefix, err, errlen);
        else if (S_ISREG(sb.st_mode)) {
            snprintf(key, sizeof key, "%s%s", prefix, sub);
            rc = b->ops->put_file(b, key, full, true, err, errlen);
        }
    }
    closedir(d);
    return rc;
}

/* One derivative image from src: stored under d/<sha>/<name>.jpg and
 * described in der. */
static int derive(const char *src, const char *work, const char *sha, const char *name, int side, bool square,
                  json_t *der, char *err, size_t errlen)
{
    char out[1200], key[200];
    snprintf(out, sizeof out, "%s/%s.jpg", work, name);
    media_derive_opts_t o = {.max_side = side, .square = square, .format = "jpeg"};
    int w = 0, h = 0;
    if (media_image_derive(src, out, &o, &w, &h, err, errlen) != 0)
        return -1;
    struct stat sb;
    int64_t size = stat(out, &sb) == 0 ? (int64_t)sb.st_size : 0;
    snprintf(key, sizeof key, "d/%s/%s.jpg", sha, name);
    blob_store_t *b = storage_blobs();
    if (b->ops->put_file(b, key, out, true, err, errlen) != 0)
        return -1;
    json_object_set_new(der, name,
                        json_pack("{s:s,s:s,s:I,s:i,s:i}", "key", key, "mime", "image/jpeg", "size",
                                  (json_int_t)size, "width", w, "height", h));
    return 0;
}

static int image_derivatives(const char *src, const char *work, const char *sha, json_t *der, char *err,
                             size_t errlen)
{
    return derive(src, work, sha, "thumb_s", 160, true, der, err, errlen) != 0 ||
                   derive(src, work, sha, "thumb_m", 480, false, der, err, errlen) != 0 ||
                   derive(src, work, sha, "web", 1600, false, der, err, errlen) != 0
               ? -1
               : 0;
}

static const char *media_kind_text(int kind)
{
    switch (kind) {
    case MEDIA_E_CORRUPT: return "文件已损坏或无法读取";
    case MEDIA_E_UNSUPPORTED: return "不支持的编码格式";
    case MEDIA_E_TIMEOUT: return "处理超时或长时间无进展";
    case MEDIA_E_IO: return "无法写出处理结果（磁盘空间不足？）";
    case MEDIA_E_TOOL: return "处理工具（ffmpeg）不可用或出错";
    default: return "处理失败";
    }
}

static int save_media(db_t *db, const char *sha, json_t *der, const char *meta_text, int width, int height,
                      int64_t duration_ms, int64_t taken_at)
{
    db_conn_t *c = db_acquire(db);
    char *dj = json_dumps(der, JSON_COMPACT);
    db_stmt_t *st =
        c ? db_prepare(c, "UPDATE storage_blobs SET media_status = 'ready', media_error = NULL, "
                          "media_progress = 100, derivatives = ?, meta = ?, width = ?, height = ?, "
                          "duration_ms = ?, taken_at = ? WHERE sha256 = ?")
          : NULL;
    int rc = DB_ERROR;
    if (st) {
        db_bind_text(st, 1, dj);
        db_bind_text(st, 2, meta_text);
        db_bind_id(st, 3, width);
        db_bind_id(st, 4, height);
        db_bind_id(st, 5, duration_ms);
        db_bind_id(st, 6, taken_at);
        db_bind_text(st, 7, sha);
        rc = db_step(st);
    }
    db_done(st);
    db_release(c);
    free(dj);
    return rc == DB_DONE ? 0 : -1;
}

int storage_job_media(job_ctx_t *ctx)
{
    json_t *p = job_payload(ctx);
    const char *sha = jstr(p, "sha256"), *mime = jstr(p, "mime");
    if (!sha || strlen(sha) != 64 || !mime) {
        job_error(ctx, "无效的任务参数");
        return JOB_FATAL;
    }
    db_t *db = job_db(ctx);
    blob_store_t *b = storage_blobs();
    char tmp[1100], work[1200], src[1300], err[400] = "";
    storage_data_dir("tmp", tmp, sizeof tmp);
    snprintf(work, sizeof work, "%s/media-%.16s-%lld", tmp, sha, (long long)job_id(ctx));
    fileio_rmtree(work);
    if (fileio_mkdirs(work) != 0) {
        job_error(ctx, "无法创建临时目录");
        return JOB_RETRY;
    }
    if (!b->ops->local_path(b, sha, src, sizeof src)) {
        snprintf(src, sizeof src, "%s/source", work);
        if (b->ops->fetch(b, sha, src, err, sizeof err) != 0) {
            job_error(ctx, "无法读取存储对象：%s", err);
            fileio_rmtree(work);
            return JOB_RETRY;
        }
    }
    set_media(db, sha, "processing", NULL, 0);
    json_t *der = json_object();
    int rc = 0, kind = 0;
    if (str_starts_with(mime, "image/")) {
        media_image_info_t info;
        rc = media_image_probe(src, storage_cfg.photo_max_megapixels * 1000000, &info, err, sizeof err);
        if (rc == 0) {
            rc = image_derivatives(src, work, sha, der, err, sizeof err);
            char *meta = info.exif ? json_dumps(info.exif, JSON_COMPACT) : NULL;
            if (rc == 0 &&
                save_media(db, sha, der, meta, info.width, info.height, 0, info.taken_at_ms) != 0) {
                snprintf(err, sizeof err, "数据库错误");
                rc = -2;
            }
            free(meta);
            media_image_info_free(&info);
        }
        kind = MEDIA_E_CORRUPT;
    } else {
        media_video_info_t info;
        rc = media_video_probe(src, &info, &kind, err, sizeof err);
        if (rc == 0) {
            media_transcode_opts_t o = {.timeout_s = (int)storage_cfg.transcode_timeout_min * 60,
                                        .stall_s = (int)storage_cfg.transcode_stall_s};
            media_progress_t mp = {.ctx = ctx, .db = db, .sha = sha, .last = -1};
            json_t *result = NULL;
            char out[1300];
            snprintf(out, sizeof out, "%s/out", work);
            fileio_mkdirs(out);
            rc = media_video_transcode(src, &info, out, &o, on_video_progress, &mp, &result, &kind, err,
                                       sizeof err);
            if (rc == 0) {
                char prefix[120], poster[1400], mp4[1400];
                snprintf(prefix, sizeof prefix, "d/%s/", sha);
                snprintf(poster, sizeof poster, "%s/poster.jpg", out);
                snprintf(mp4, sizeof mp4, "%s/video.mp4", out);
                struct stat sb;
                int64_t mp4size = stat(mp4, &sb) == 0 ? (int64_t)sb.st_size : 0;
                int64_t postersize = stat(poster, &sb) == 0 ? (int64_t)sb.st_size : 0;
                /* thumbnails from the poster, before it is moved into the store */
                if (image_derivatives(poster, work, sha, der, err, sizeof err) != 0 ||
                    put_tree(out, "", prefix, err, sizeof err) != 0) {
                    rc = -1;
                    kind = MEDIA_E_IO;
                } else {
                    char kp[200], km[200], kh[200];
                    snprintf(kp, sizeof kp, "%sposter.jpg", prefix);
                    snprintf(km, sizeof km, "%svideo.mp4", prefix);
                    snprintf(kh, sizeof kh, "%shls/", prefix);
                    json_object_set_new(der, "poster",
                                        json_pack("{s:s,s:s,s:I}", "key", kp, "mime", "image/jpeg", "size",
                                                  (json_int_t)postersize));
                    json_object_set_new(der, "mp4",
                                        json_pack("{s:s,s:s,s:I}", "key", km, "mime", "video/mp4", "size",
                                                  (json_int_t)mp4size));
                    json_object_set_new(der, "hls",
                                        json_pack("{s:s,s:O}", "key", kh, "renditions",
                                                  json_object_get(result, "renditions")));
                    json_t *meta =
                        json_pack("{s:s,s:s,s:s,s:f,s:I,s:b,s:O}", "format", info.format, "vcodec",
                                  info.vcodec, "acodec", info.acodec, "fps", info.fps, "bitrate",
                                  (json_int_t)info.bitrate, "has_audio", info.has_audio, "transcode", result);
                    char *mt = json_dumps(meta, JSON_COMPACT);
                    if (save_media(db, sha, der, mt, info.width, info.height, info.duration_ms, 0) != 0) {
                        snprintf(err, sizeof err, "数据库错误");
                        rc = -2;
                    }
                    free(mt);
                    json_decref(meta);
                }
            }
            json_decref(result);
        }
    }
    json_decref(der);
    fileio_rmtree(work);
    if (rc == -2)
        return JOB_RETRY;
    if (rc != 0) {
        if (kind == MEDIA_E_CANCELLED) { /* shutdown or lease lost: again later */
            set_media(db, sha, "pending", NULL, -1);
            return JOB_RETRY;
        }
        /* derivatives already stored stay until the blob goes; a retry overwrites them */
        char msg[600];
        snprintf(msg, sizeof msg, "%s：%s", media_kind_text(kind), err);
        set_media(db, sha, "failed", msg, -1);
        job_error(ctx, "%s", msg);
        return JOB_FATAL;
    }
    job_items(ctx, 1);
    return JOB_OK;
}
