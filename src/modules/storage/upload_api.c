/* upload_api.c — resumable uploads speaking tus 1.0 (https://tus.io/protocols/resumable-upload):
 * core, creation, creation-with-upload, termination, checksum (sha256) and
 * expiration, at /api/v1/uploads (docs/storage.md "Life of an upload").
 *
 * The bytes go straight from the socket to DATA/uploads/<id>.part with
 * pwrite at the offset (http_stream_t: constant memory whatever the size);
 * the offset is the partial file's size, so a connection killed halfway
 * keeps what arrived and HEAD tells the client where to resume. One PATCH
 * at a time per upload (flock; a second gets 423, which tus clients
 * retry). The PATCH that completes the file checks its content type,
 * pixels or duration against the purpose, then queues storage.ingest.
 *
 * With several nodes, storage_upload_dir must be a directory every node
 * sees (as tusd's file store needs): the ingest job may run elsewhere. */
#include "core/crypto.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/mime.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/multipart.h"
#include "http/upload.h"
#include "http/valid.h"
#include "media/image.h"
#include "media/video.h"
#include "modules/storage/internal.h"
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define TUS_VERSION    "1.0.0"
#define TUS_EXTENSIONS "creation,creation-with-upload,termination,checksum,expiration"
#define OCTETS         "application/offset+octet-stream"

static const res_sort_t UPLOAD_SORTS[] = {{"created_at", "up.created_at"}, {NULL, NULL}};
const zd_resource_t STORAGE_UPLOADS = {.name = "storage_upload",
                                       .title = "上传",
                                       .table = "storage_uploads",
                                       .alias = "up",
                                       .org_col = "up.org_id",
                                       .creator_col = "up.created_by",
                                       .id_col = "up.id",
                                       .sorts = UPLOAD_SORTS};

#define UPLOAD_COLS                                                                                          \
    "up.id, up.org_id, up.created_by, up.purpose, up.length, up.filename, up.folder_id, up.title, "          \
    "up.description, up.tags, up.status, up.mime, up.sha256, up.file_id, up.job_id, up.error, "              \
    "up.error_code, up.created_at, up.updated_at, up.expires_at"

typedef struct {
    char id[40];
    int64_t org_id, created_by, length, folder_id, file_id, job_id, created_at, updated_at, expires_at;
    char purpose[16], status[16], filename[MULTIPART_MAX_FILENAME + 1];
    char error[256], error_code[48];
} upload_t;

static void upload_from(db_stmt_t *st, upload_t *u)
{
    memset(u, 0, sizeof *u);
    str_lcpy(u->id, db_col_text(st, 0), sizeof u->id);
    u->org_id = db_col_int64(st, 1);
    u->created_by = db_col_int64(st, 2);
    str_lcpy(u->purpose, db_col_text(st, 3), sizeof u->purpose);
    u->length = db_col_int64(st, 4);
    str_lcpy(u->filename, db_col_text(st, 5), sizeof u->filename);
    u->folder_id = db_col_int64(st, 6);
    str_lcpy(u->status, db_col_text(st, 10), sizeof u->status);
    u->file_id = db_col_int64(st, 13);
    u->job_id = db_col_int64(st, 14);
    if (!db_col_is_null(st, 15))
        str_lcpy(u->error, db_col_text(st, 15), sizeof u->error);
    if (!db_col_is_null(st, 16))
        str_lcpy(u->error_code, db_col_text(st, 16), sizeof u->error_code);
    u->created_at = db_col_int64(st, 17);
    u->updated_at = db_col_int64(st, 18);
    u->expires_at = db_col_int64(st, 19);
}

static int64_t part_size(const char *id)
{
    char p[1200];
    storage_part_path(id, p, sizeof p);
    struct stat sb;
    return stat(p, &sb) == 0 ? (int64_t)sb.st_size : -1;
}

static bool upload_id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n != 32)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return false;
    return true;
}

/* The upload of the path's {id}, inside the caller's scope: 1 found, 0
 * after answering 404, -1 after 5xx. */
static json_t *upload_json(db_stmt_t *st, void *ud);

static int load_upload_json(http_req_t *req, db_conn_t *c, upload_t *u, bool for_update, json_t **json)
{
    const char *id = http_param(req, "id");
    if (!upload_id_ok(id)) {
        http_error(req, 404, "not_found", "上传不存在或已过期");
        return 0;
    }
    qb_t q, w;
    qb_init(&q, "SELECT " UPLOAD_COLS);
    res_from(req, &STORAGE_UPLOADS, &w);
    qb_append(&q, &w);
    qb_free(&w);
    qb_sql(&q, " AND up.id = ");
    qb_text(&q, id);
    if (for_update)
        qb_sql(&q, FOR_UPDATE_CLAUSE);
    db_stmt_t *st = qb_prepare(c, &q);
    qb_free(&q);
    int rc = st ? db_step(st) : DB_ERROR;
    if (rc == DB_ROW) {
        upload_from(st, u);
        if (json)
            *json = upload_json(st, NULL);
    }
    db_done(st);
    if (rc == DB_ROW)
        return 1;
    if (rc == DB_DONE) {
        http_error(req, 404, "not_found", "上传不存在或已过期");
        return 0;
    }
    http_db_error(req, c);
    return -1;
}

static void tus_headers(http_req_t *req, const upload_t *u, int64_t offset)
{
    http_add_header(req, "Tus-Resumable", TUS_VERSION);
    http_add_header(req, "Cache-Control", "no-store");
    if (!u)
        return;
    char v[64];
    if (offset >= 0) {
        snprintf(v, sizeof v, "%lld", (long long)offset);
        http_add_header(req, "Upload-Offset", v);
    }
    snprintf(v, sizeof v, "%lld", (long long)u->length);
    http_add_header(req, "Upload-Length", v);
    time_http_date(u->expires_at, v, sizeof v);
    http_add_header(req, "Upload-Expires", v);
}

/* Tus-Resumable must name the version we speak: false after 412. */
static bool tus_version_ok(http_req_t *req)
{
    const char *v = http_header_in(req, "Tus-Resumable");
    if (v && !strcmp(v, TUS_VERSION))
        return true;
    http_add_header(req, "Tus-Version", TUS_VERSION);
    http_error(req, 412, "tus_version", "请使用 tus %s 协议上传（Tus-Resumable 请求头）", TUS_VERSION);
    return false;
}

/* Refuses to take a file while the virus scanner is down (fail closed). */
static bool scanner_ready(http_req_t *req)
{
    if (storage_scanner() || !storage_cfg.scan_required)
        return true;
    http_error(req, 503, "scanner_unavailable", "病毒扫描引擎不可用，暂不能接收文件：%s",
               storage_scanner_error() ? storage_scanner_error() : "未启动");
    return false;
}

static int load_upload(http_req_t *req, db_conn_t *c, upload_t *u, bool for_update)
{
    return load_upload_json(req, c, u, for_update, NULL);
}

/* ---- OPTIONS: what the server supports ---- */

static void tus_options(http_req_t *req)
{
    int64_t max = 0;
    for (const char *const *p = STORAGE_PURPOSES; *p; p++)
        if (storage_purpose_max(*p) > max)
            max = storage_purpose_max(*p);
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)max);
    http_add_header(req, "Tus-Resumable", TUS_VERSION);
    http_add_header(req, "Tus-Version", TUS_VERSION);
    http_add_header(req, "Tus-Extension", TUS_EXTENSIONS);
    http_add_header(req, "Tus-Max-Size", v);
    http_add_header(req, "Tus-Checksum-Algorithm", "sha256");
    http_no_content(req);
}

/* ---- the body: streamed to the partial file ---- */

typedef struct {
    upload_t u;
    int fd;
    int64_t start, offset; /* where this request began, and how far it got */
    EVP_MD_CTX *chk;       /* Upload-Checksum of this request's bytes */
    unsigned char want[32];
    bool bad_checksum, created;
    int64_t t0;
} tus_ctx_t;

static void ctx_free(void *p)
{
    tus_ctx_t *x = p;
    if (x->fd >= 0)
        close(x->fd); /* releases the flock */
    EVP_MD_CTX_free(x->chk);
    free(x);
}

/* "sha256 <base64>": false after answering 400. */
static bool parse_checksum(http_req_t *req, const char *h, tus_ctx_t *x)
{
    const char *sp = strchr(h, ' ');
    if (!sp || (size_t)(sp - h) != 6 || strncasecmp(h, "sha256", 6) != 0) {
        http_error(req, 400, "checksum_algorithm", "只支持 sha256 校验（Upload-Checksum）");
        return false;
    }
    size_t n = 0;
    unsigned char *d = crypto_unbase64(sp + 1, &n);
    bool ok = d && n == 32;
    if (ok)
        memcpy(x->want, d, 32);
    free(d);
    if (!ok) {
        http_error(req, 400, "checksum_invalid", "Upload-Checksum 不是有效的 sha256 值");
        return false;
    }
    x->chk = EVP_MD_CTX_new();
    if (!x->chk || EVP_DigestInit_ex(x->chk, EVP_sha256(), NULL) != 1) {
        http_error(req, 500, "internal", "无法计算校验值");
        return false;
    }
    return true;
}

/* Opens the partial file at the client's offset for this request: false
 * after answering. */
static bool open_for_append(http_req_t *req, tus_ctx_t *x)
{
    const char *ct = http_header_in(req, "Content-Type");
    if (!ct || strncasecmp(ct, OCTETS, strlen(OCTETS)) != 0) {
        http_error(req, 415, "unsupported_media_type", "上传数据应为 %s", OCTETS);
        return false;
    }
    const char *ho = http_header_in(req, "Upload-Offset");
    int64_t off;
    if (!ho || !str_to_int64(ho, &off) || off < 0) {
        http_error(req, 400, "upload_offset", "缺少有效的 Upload-Offset 请求头");
        return false;
    }
    const char *hc = http_header_in(req, "Upload-Checksum");
    if (hc && !parse_checksum(req, hc, x))
        return false;
    char p[1200];
    storage_part_path(x->u.id, p, sizeof p);
    x->fd = open(p, O_WRONLY | O_CLOEXEC);
    if (x->fd < 0) {
        http_error(req, 410, "gone", "上传的数据已不存在，请重新上传");
        return false;
    }
    if (flock(x->fd, LOCK_EX | LOCK_NB) != 0) {
        http_error(req, 423, "locked", "此文件正在另一个连接中上传，请稍后重试");
        return false;
    }
    struct stat sb;
    if (fstat(x->fd, &sb) != 0) {
        http_error(req, 500, "internal", "无法读取上传进度");
        return false;
    }
    if (off != (int64_t)sb.st_size) {
        tus_headers(req, &x->u, (int64_t)sb.st_size);
        http_error(req, 409, "offset_mismatch", "上传位置不符：服务器已收到 %lld 字节，请从该位置继续",
                   (long long)sb.st_size);
        return false;
    }
    int64_t body = http_header_in(req, "Content-Length") ? 0 : -1;
    const char *cl = http_header_in(req, "Content-Length");
    if (cl && str_to_int64(cl, &body) && off + body > x->u.length) {
        http_error(req, 413, "upload_too_long", "数据超出声明的文件长度（%lld 字节）",
                   (long long)x->u.length);
        return false;
    }
    x->start = x->offset = off;
    return true;
}

static tus_ctx_t *new_ctx(http_req_t *req)
{
    tus_ctx_t *x = calloc(1, sizeof *x);
    if (!x) {
        http_error(req, 503, "busy", "服务器繁忙");
        return NULL;
    }
    x->fd = -1;
    x->t0 = time_mono_ns();
    http_defer(req, ctx_free, x);
    http_set_ctx(req, x);
    return x;
}

static void stream_begin_patch(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    tus_ctx_t *x = c && tus_version_ok(req) ? new_ctx(req) : NULL;
    if (!x || load_upload(req, c, &x->u, false) != 1)
        return;
    if (strcmp(x->u.status, "receiving") != 0 || x->u.expires_at < time_now_ms()) {
        http_error(req, 410, "gone", "此上传已结束或已过期");
        return;
    }
    open_for_append(req, x);
}

static int stream_data(http_req_t *req, const char *buf, size_t n)
{
    tus_ctx_t *x = http_ctx(req);
    if (x->offset + (int64_t)n > x->u.length) {
        http_error(req, 413, "upload_too_long", "数据超出声明的文件长度（%lld 字节）",
                   (long long)x->u.length);
        return -1;
    }
    while (n > 0) {
        ssize_t w = pwrite(x->fd, buf, n, x->offset);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            bool full = errno == ENOSPC || errno == EDQUOT;
            log_msg(LOG_SYSTEM, LOG_ERROR, "storage.upload_write", "上传 %s 写入失败：%s", x->u.id,
                    strerror(errno));
            http_error(req, full ? 507 : 500, full ? "insufficient_storage" : "internal",
                       full ? "服务器存储空间不足" : "无法写入上传的数据");
            return -1;
        }
        if (x->chk)
            EVP_DigestUpdate(x->chk, buf, (size_t)w);
        x->offset += w;
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The request's bytes end: what came stays (a dropped connection resumes
 * from it) unless its checksum was given and does not match. */
static void stream_end(http_req_t *req, bool complete)
{
    tus_ctx_t *x = http_ctx(req);
    if (!x || x->fd < 0)
        return;
    if (x->chk && complete) {
        unsigned char got[32];
        unsigned int gl = 0;
        EVP_DigestFinal_ex(x->chk, got, &gl);
        x->bad_checksum = gl != 32 || memcmp(got, x->want, 32) != 0;
    }
    if (x->chk && (!complete || x->bad_checksum)) {
        /* a checksummed request is all or nothing */
        if (ftruncate(x->fd, x->start) == 0)
            x->offset = x->start;
    }
    if (x->offset == x->u.length)
        fdatasync(x->fd);
}

/* ---- completion: the checks of the purpose, then the ingest job ---- */

/* Checks of the finished file by content; NULL when acceptable, else the
 * reason, with the status and code to answer. */
static const char *check_content(const upload_t *u, const char *path, char *mime, size_t mimesz, int *status,
                                 const char **code, char *why, size_t whysz)
{
    if (mime_sniff_file(path, mime, mimesz) != 0) {
        *status = 500;
        *code = "internal";
        return "无法识别文件类型";
    }
    const char *formats = NULL;
    const char *const *types = storage_purpose_types(u->purpose, &formats);
    static const char *const NEVER[] = {"application/x-executable",
                                        "application/x-sharedlib",
                                        "application/x-pie-executable",
                                        "application/x-dosexec",
                                        "application/x-mach-binary",
                                        "application/vnd.microsoft.portable-executable",
                                        NULL};
    if ((types && !mime_in(mime, types)) || mime_in(mime, NEVER)) {
        *status = 415;
        *code = "unsupported_type";
        snprintf(why, whysz, "文件内容是 %s，不是可接受的格式（%s）", mime, formats);
        return why;
    }
    if (!strcmp(u->purpose, "photo")) {
        media_image_info_t info;
        char err[256];
        int64_t maxpx = storage_cfg.photo_max_megapixels * 1000000;
        if (media_image_probe(path, maxpx, &info, err, sizeof err) != 0) {
            *status = 422;
            *code = "image_invalid";
            snprintf(why, whysz, "图片无法读取或超过 %lld 百万像素：%s",
                     (long long)storage_cfg.photo_max_megapixels, err);
            return why;
        }
        media_image_info_free(&info);
    } else if (!strcmp(u->purpose, "video")) {
        media_video_info_t info;
        int kind = 0;
        char err[256];
        if (media_video_probe(path, &info, &kind, err, sizeof err) != 0) {
            *status = 422;
            *code = kind == MEDIA_E_UNSUPPORTED ? "video_unsupported" : "video_invalid";
            snprintf(why, whysz, "%s：%s", kind == MEDIA_E_UNSUPPORTED ? "不支持的视频" : "视频文件无法读取",
                     err);
            return why;
        }
        if (info.duration_ms > storage_cfg.video_max_minutes * 60000) {
            *status = 422;
            *code = "video_too_long";
            snprintf(why, whysz, "视频时长 %lld 分钟，超过上限 %lld 分钟",
                     (long long)(info.duration_ms / 60000), (long long)storage_cfg.video_max_minutes);
            return why;
        }
    }
    return NULL;
}

/* Marks the upload refused (the partial file goes) and answers. */
static void refuse(http_req_t *req, db_conn_t *c, const upload_t *u, int status, const char *code,
                   const char *why)
{
    char p[1200];
    storage_part_path(u->id, p, sizeof p);
    unlink(p);
    db_stmt_t *st = db_prepare(c, "UPDATE storage_uploads SET status = 'refused', error = ?, error_code = ?, "
                                  "updated_at = ? WHERE id = ? AND status = 'receiving'");
    if (st) {
        db_bind_text(st, 1, why);
        db_bind_text(st, 2, code);
        db_bind_int64(st, 3, time_now_ms());
        db_bind_text(st, 4, u->id);
        db_step(st);
    }
    db_done(st);
    log_rec_t r;
    log_begin(&r, LOG_TRANSFER, LOG_WARN, "storage.upload_refused");
    log_str(&r, "upload", u->id);
    log_str(&r, "code", code);
    log_end(&r);
    http_error(req, status, code, "%s", why);
}

/* Queues the ingest of a finished upload, inside the open transaction. */
static bool queue_ingest(http_req_t *req, db_conn_t *c, const upload_t *u, const char *mime)
{
    char payload[96];
    snprintf(payload, sizeof payload, "{\"upload\":\"%s\"}", u->id);
    job_spec_t spec = {.kind = "storage.ingest",
                       .payload = payload,
                       .priority = 5,
                       .max_attempts = 5, /* INGEST_ATTEMPTS in ingest.c */
                       .idempotency_key = http_printf(req, "storage.ingest:%s", u->id),
                       .org_id = u->org_id,
                       .created_by = u->created_by};
    int64_t job = jobs_enqueue(c, &spec);
    if (job <= 0)
        return false;
    db_stmt_t *st = db_prepare(c, "UPDATE storage_uploads SET status = 'processing', mime = ?, job_id = ?, "
                                  "updated_at = ? WHERE id = ? AND status = 'receiving'");
    if (!st)
        return false;
    db_bind_text(st, 1, mime);
    db_bind_int64(st, 2, job);
    db_bind_int64(st, 3, time_now_ms());
    db_bind_text(st, 4, u->id);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE && db_changes(c) == 1;
}

static void log_received(http_req_t *req, db_conn_t *c, const tus_ctx_t *x)
{
    if (x->offset == x->start)
        return;
    storage_transfer_t t = {.direction = "upload",
                            .channel = "console",
                            .upload_id = x->u.id,
                            .ip = http_client_ip(req),
                            .org_id = x->u.org_id,
                            .user_id = http_user_id(req),
                            .user_org = http_user_org(req),
                            .status = 204,
                            .bytes = x->offset - x->start,
                            .size = x->u.length,
                            .range_text =
                                http_printf(req, "%lld-%lld", (long long)x->start, (long long)x->offset - 1),
                            .completed = x->offset == x->u.length,
                            .ms = (time_mono_ns() - x->t0) / 1000000};
    storage_transfer_log(c, &t);
}

/* After the body of a PATCH (or of a creation with upload): the new
 * offset, and when the file is whole, its checks and the ingest job.
 * Answers status (204 PATCH, 201 creation). */
static void after_body(http_req_t *req, tus_ctx_t *x, int status)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    if (x->bad_checksum) {
        tus_headers(req, &x->u, x->offset);
        http_error(req, 460, "checksum_mismatch", "数据校验失败（sha256 不符），本次数据已丢弃，请重传");
        return;
    }
    log_received(req, c, x);
    if (x->offset < x->u.length) {
        db_stmt_t *st = db_prepare(c, "UPDATE storage_uploads SET updated_at = ? WHERE id = ?");
        if (st) {
            db_bind_int64(st, 1, time_now_ms());
            db_bind_text(st, 2, x->u.id);
            db_step(st);
        }
        db_done(st);
        tus_headers(req, &x->u, x->offset);
        if (status == 201)
            http_json(req, 201, json_pack("{s:s,s:I}", "id", x->u.id, "offset", (json_int_t)x->offset));
        else
            http_no_content(req);
        return;
    }
    char p[1200], mime[128], why[400];
    storage_part_path(x->u.id, p, sizeof p);
    int st = 0;
    const char *code = NULL;
    const char *bad = check_content(&x->u, p, mime, sizeof mime, &st, &code, why, sizeof why);
    if (!http_begin(req, c))
        return;
    if (bad) {
        refuse(req, c, &x->u, st, code, bad);
        db_commit(c);
        return;
    }
    if (!queue_ingest(req, c, &x->u, mime) || db_commit(c) != 0) {
        if (!http_responded(req))
            http_db_error(req, c);
        return;
    }
    jobs_notify();
    tus_headers(req, &x->u, x->offset);
    if (status == 201)
        http_json(req, 201, json_pack("{s:s,s:I}", "id", x->u.id, "offset", (json_int_t)x->offset));
    else
        http_no_content(req);
}

static void patch_upload(http_req_t *req)
{
    tus_ctx_t *x = http_ctx(req);
    if (!x) { /* no body at all: tus allows an empty PATCH */
        db_conn_t *c = http_db(req);
        upload_t u;
        if (!c || !tus_version_ok(req) || load_upload(req, c, &u, false) != 1)
            return;
        int64_t off = part_size(u.id);
        if (strcmp(u.status, "receiving") != 0 || off < 0) {
            http_error(req, 410, "gone", "此上传已结束或已过期");
            return;
        }
        tus_headers(req, &u, off);
        http_no_content(req);
        return;
    }
    after_body(req, x, 204);
}

/* ---- creation ---- */

static bool metadata_id(const char *md, const char *key, int64_t *out, bool *bad)
{
    char v[32];
    if (!http_tus_metadata(md, key, v, sizeof v, bad))
        return false;
    if (!v[0])
        return false;
    if (!str_to_int64(v, out) || *out <= 0) {
        *bad = true;
        return false;
    }
    return true;
}

static json_t *id_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return json_integer(db_col_int64(st, 0));
}

/* Creates the upload row and its empty partial file: true, or false after
 * answering. Fills x->u. */
static bool create_upload(http_req_t *req, db_conn_t *c, tus_ctx_t *x)
{
    if (!tus_version_ok(req) || !scanner_ready(req))
        return false;
    if (http_header_in(req, "Upload-Defer-Length")) {
        http_error(req, 400, "defer_length", "请在创建上传时给出文件长度（不支持 Upload-Defer-Length）");
        return false;
    }
    const char *hl = http_header_in(req, "Upload-Length");
    int64_t length;
    if (!hl || !str_to_int64(hl, &length) || length < 0) {
        http_error(req, 400, "upload_length", "缺少有效的 Upload-Length 请求头");
        return false;
    }
    const char *md = http_header_in(req, "Upload-Metadata");
    bool bad = false;
    char purpose[16] = "", raw[1024] = "", title[600] = "", desc[4096] = "", tags[2048] = "";
    http_tus_metadata(md, "purpose", purpose, sizeof purpose, &bad);
    if (!http_tus_metadata(md, "filename", raw, sizeof raw, &bad))
        http_tus_metadata(md, "name", raw, sizeof raw, &bad);
    http_tus_metadata(md, "title", title, sizeof title, &bad);
    http_tus_metadata(md, "description", desc, sizeof desc, &bad);
    http_tus_metadata(md, "tags", tags, sizeof tags, &bad);
    int64_t folder = 0, org = 0;
    metadata_id(md, "folder_id", &folder, &bad);
    metadata_id(md, "org_id", &org, &bad);
    json_t *fields = json_object();
    if (bad)
        json_object_set_new(fields, "Upload-Metadata",
                            json_string("格式不正确（应为“键 Base64值”，以逗号分隔）"));
    if (!purpose[0] || !valid_choice(STORAGE_PURPOSES, purpose))
        json_object_set_new(fields, "purpose", json_string("应为 photo、video、document 或 attachment"));
    if (!raw[0])
        json_object_set_new(fields, "filename", json_string("必须给出文件名"));
    if (utf8_count(title, strlen(title)) > 200)
        json_object_set_new(fields, "title", json_string("不能超过 200 个字符"));
    if (utf8_count(desc, strlen(desc)) > 2000)
        json_object_set_new(fields, "description", json_string("不能超过 2000 个字符"));
    json_t *tagv = NULL;
    if (tags[0]) {
        tagv = json_loads(tags, 0, NULL);
        bool ok = json_is_array(tagv) && json_array_size(tagv) <= 20;
        size_t i;
        json_t *t;
        json_array_foreach(tagv, i, t) ok = ok && json_is_string(t) && json_string_length(t) > 0 &&
                                            utf8_count(json_string_value(t), json_string_length(t)) <= 20;
        if (!ok)
            json_object_set_new(fields, "tags",
                                json_string("应为至多 20 个标签的 JSON 数组，每个 1 到 20 个字符"));
    }
    http_defer_json(req, tagv);
    if (json_object_size(fields)) {
        http_error_fields(req, fields);
        return false;
    }
    json_decref(fields);
    int64_t max = storage_purpose_max(purpose);
    if (length > max) {
        http_error(req, 413, "file_too_large", "文件过大：%s不能超过 %lld MB", storage_purpose_title(purpose),
                   (long long)(max >> 20));
        return false;
    }
    if (length == 0) {
        http_error(req, 422, "file_empty", "文件是空的（0 字节），不能上传");
        return false;
    }
    if (!http_begin(req, c))
        return false;
    /* the folder decides the organisation; else the one named, else the user's */
    if (folder) {
        db_stmt_t *st =
            db_prepare(c, "SELECT org_id FROM storage_folders WHERE id = ? AND deleted_at IS NULL");
        int rc = DB_ERROR;
        if (st) {
            db_bind_int64(st, 1, folder);
            rc = db_step(st);
            if (rc == DB_ROW)
                org = org && org != db_col_int64(st, 0) ? -1 : db_col_int64(st, 0);
        }
        db_done(st);
        if (rc == DB_ERROR) {
            http_db_error(req, c);
            return false;
        }
        bool dberr = false;
        json_t *seen = rc == DB_ROW && org > 0 ? res_find(req, c, &STORAGE_FOLDERS, "fo.id", folder, id_row,
                                                          NULL, RES_PLAIN, &dberr)
                                               : NULL;
        json_decref(seen);
        if (dberr) {
            http_db_error(req, c);
            return false;
        }
        if (!seen) {
            http_error_fields(
                req, json_pack("{s:s}", "folder_id", "文件夹不存在、不在您的管理范围内或属于其他组织"));
            return false;
        }
    }
    if (!org)
        org = http_user_org(req);
    if (!auth_org_in_scope(req, c, org)) {
        if (!http_responded(req))
            http_error_fields(req, json_pack("{s:s}", "org_id", "组织不存在或不在您的管理范围内"));
        return false;
    }
    int64_t used = 0, quota = storage_quota_of(c, org, &used);
    if (quota < 0) {
        http_db_error(req, c);
        return false;
    }
    if (quota > 0 && used + length > quota) {
        http_error(req, 413, "quota_exceeded",
                   "超出本组织的存储配额：已用 %.1f MB，配额 %.1f MB，本文件 %.1f MB", used / 1048576.0,
                   quota / 1048576.0, length / 1048576.0);
        return false;
    }
    memset(&x->u, 0, sizeof x->u);
    crypto_random_hex(16, x->u.id);
    multipart_sanitize_filename(raw, strlen(raw), x->u.filename, sizeof x->u.filename);
    str_lcpy(x->u.purpose, purpose, sizeof x->u.purpose);
    str_lcpy(x->u.status, "receiving", sizeof x->u.status);
    x->u.org_id = org;
    x->u.folder_id = folder;
    x->u.length = length;
    x->u.created_by = http_user_id(req);
    x->u.created_at = time_now_ms();
    x->u.expires_at = x->u.created_at + storage_cfg.upload_expiry_hours * 3600000;
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO storage_uploads (id, org_id, created_by, purpose, length, filename, "
                      "folder_id, title, description, tags, status, created_at, updated_at, expires_at) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'receiving', ?, ?, ?)");
    if (st) {
        char *tj = tagv ? json_dumps(tagv, JSON_COMPACT) : NULL;
        db_bind_text(st, 1, x->u.id);
        db_bind_int64(st, 2, org);
        db_bind_int64(st, 3, x->u.created_by);
        db_bind_text(st, 4, purpose);
        db_bind_int64(st, 5, length);
        db_bind_text(st, 6, x->u.filename);
        if (folder)
            db_bind_int64(st, 7, folder);
        else
            db_bind_null(st, 7);
        db_bind_text(st, 8, title[0] ? title : NULL);
        db_bind_text(st, 9, desc[0] ? desc : NULL);
        db_bind_text(st, 10, tj);
        db_bind_int64(st, 11, x->u.created_at);
        db_bind_int64(st, 12, x->u.created_at);
        db_bind_int64(st, 13, x->u.expires_at);
        free(tj);
    }
    int rc = st ? db_step(st) : DB_ERROR;
    db_done(st);
    if (rc != DB_DONE) {
        http_db_error(req, c);
        return false;
    }
    char p[1200];
    storage_part_path(x->u.id, p, sizeof p);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) {
        http_error(req, 507, "insufficient_storage", "无法创建上传文件");
        return false;
    }
    close(fd);
    json_t *after = json_pack("{s:s,s:s,s:I,s:s,s:I}", "filename", x->u.filename, "purpose", purpose,
                              "length", (json_int_t)length, "id", x->u.id, "org_id", (json_int_t)org);
    audit_entry_t ae = {.target_type = "storage_upload",
                        .target_id = x->u.id,
                        .after = after,
                        .detail = http_printf(req, "%s（%lld 字节）", x->u.filename, (long long)length)};
    bool ok = audit_commit(req, c, &ae);
    json_decref(after);
    if (!ok) {
        unlink(p);
        return false;
    }
    x->created = true;
    char loc[80];
    snprintf(loc, sizeof loc, "/api/v1/uploads/%s", x->u.id);
    http_add_header(req, "Location", loc);
    return true;
}

/* creation-with-upload: the row is made before the first byte */
static void stream_begin_post(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    tus_ctx_t *x = c ? new_ctx(req) : NULL;
    if (!x || !create_upload(req, c, x))
        return;
    http_set_ctx(req, x);
    open_for_append(req, x);
}

static void post_upload(http_req_t *req)
{
    tus_ctx_t *x = http_ctx(req);
    if (x && x->created) { /* with a body */
        after_body(req, x, 201);
        return;
    }
    db_conn_t *c = http_db(req);
    if (!c || !(x = new_ctx(req)) || !create_upload(req, c, x))
        return;
    tus_headers(req, &x->u, 0);
    http_json(req, 201, json_pack("{s:s,s:i}", "id", x->u.id, "offset", 0));
}

/* ---- HEAD, GET, DELETE ---- */

static void head_upload(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    upload_t u;
    if (!c || load_upload(req, c, &u, false) != 1)
        return;
    int64_t off = part_size(u.id);
    bool done = !strcmp(u.status, "processing") || !strcmp(u.status, "done");
    if (done)
        off = u.length;
    if (off < 0 || (!done && strcmp(u.status, "receiving") != 0) || (!done && u.expires_at < time_now_ms())) {
        http_add_header(req, "Tus-Resumable", TUS_VERSION);
        http_add_header(req, "Cache-Control", "no-store");
        http_error(req, 410, "gone", "此上传已结束或已过期");
        return;
    }
    tus_headers(req, &u, off);
    http_send(req, 200, "text/plain", "", 0);
}

static json_t *upload_json(db_stmt_t *st, void *ud)
{
    (void)ud;
    upload_t u;
    upload_from(st, &u);
    int64_t off = !strcmp(u.status, "receiving")   ? part_size(u.id)
                  : !strcmp(u.status, "cancelled") ? 0
                                                   : u.length;
    json_t *o = json_pack("{s:s,s:I,s:s,s:I,s:I,s:s,s:s}", "id", u.id, "org_id", (json_int_t)u.org_id,
                          "purpose", u.purpose, "length", (json_int_t)u.length, "offset",
                          (json_int_t)(off < 0 ? 0 : off), "filename", u.filename, "status", u.status);
    json_object_set_new(o, "folder_id", u.folder_id ? json_integer(u.folder_id) : json_null());
    json_object_set_new(o, "file_id", u.file_id ? json_integer(u.file_id) : json_null());
    json_object_set_new(o, "job_id", u.job_id ? json_integer(u.job_id) : json_null());
    json_object_set_new(o, "error", json_text_or_null(u.error[0] ? u.error : NULL));
    json_object_set_new(o, "error_code", json_text_or_null(u.error_code[0] ? u.error_code : NULL));
    json_object_set_new(o, "mime", json_text_or_null(db_col_is_null(st, 11) ? NULL : db_col_text(st, 11)));
    json_object_set_new(o, "created_by", json_integer(u.created_by));
    json_object_set_new(o, "created_at", json_time(u.created_at));
    json_object_set_new(o, "updated_at", json_time(u.updated_at));
    json_object_set_new(o, "expires_at", json_time(u.expires_at));
    return o;
}

static void get_upload(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    upload_t u;
    json_t *o = NULL;
    if (c && load_upload_json(req, c, &u, false, &o) == 1)
        http_json(req, 200, o);
}

static void list_uploads(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &STORAGE_UPLOADS, &w);
    const char *st = http_query(req, "status");
    if (st) {
        qb_sql(&w, " AND up.status = ");
        qb_text(&w, st);
    }
    res_list(req, c, &STORAGE_UPLOADS, UPLOAD_COLS, &w, "up.created_at DESC", upload_json, NULL);
    qb_free(&w);
}

static void delete_upload(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    upload_t u;
    if (!c || !tus_version_ok(req) || !http_begin(req, c) || load_upload(req, c, &u, true) != 1)
        return;
    qb_t q;
    qb_init(&q, "UPDATE storage_uploads SET status = 'cancelled', updated_at = ");
    qb_int(&q, time_now_ms());
    qb_sql(&q, " WHERE id = ");
    qb_text(&q, u.id);
    qb_sql(&q, " AND status = 'receiving'");
    if (!res_transition(req, c, &q, "此上传已完成或已取消，不能终止"))
        return;
    audit_entry_t ae = {.target_type = "storage_upload", .target_id = u.id, .detail = u.filename};
    if (!audit_commit(req, c, &ae))
        return;
    char p[1200];
    storage_part_path(u.id, p, sizeof p);
    unlink(p);
    http_add_header(req, "Tus-Resumable", TUS_VERSION);
    http_no_content(req);
}

/* ---- routes ---- */

static const char *const UPLOAD_STATUSES[] = {"receiving", "processing", "done", "refused",
                                              "failed",    "cancelled",  NULL};
static const vfield_t UPLOAD_QUERY[] = {
    {"status", V_ENUM, .choices = UPLOAD_STATUSES, .title = "状态"},
};
static const vfield_t UPLOAD_OUT[] = {
    {"id", V_STR},         {"status", V_ENUM, .choices = UPLOAD_STATUSES},
    {"filename", V_STR},   {"purpose", V_ENUM, .choices = STORAGE_PURPOSES},
    {"length", V_INT},     {"offset", V_INT},
    {"file_id", V_ID},     {"error", V_STR},
    {"error_code", V_STR}, {"expires_at", V_TIME},
};
static const http_stream_t POST_STREAM = {stream_begin_post, stream_data, stream_end};
static const http_stream_t PATCH_STREAM = {stream_begin_patch, stream_data, stream_end};
#define MAX_UPLOAD_BODY ((size_t)64 << 30)

// clang-format off
static const http_route_t routes[] = {
    {.method = "OPTIONS", .pattern = "/api/v1/uploads", .handler = tus_options, .perm = HTTP_ANYONE,
     .flags = HTTP_PUBLIC, .summary = "断点续传能力（tus）", .status = 204,
     .notes = "Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm"},
    {.method = "POST", .pattern = "/api/v1/uploads", .handler = post_upload, .perm = "storage.write",
     .flags = HTTP_BODY_RAW | HTTP_BODY_CUSTOM, .max_body = MAX_UPLOAD_BODY, .stream = &POST_STREAM,
     .summary = "创建上传（tus）", .audit = "storage.upload.create", .resource = &STORAGE_UPLOADS, .status = 201,
     .notes = "tus creation and creation-with-upload. Headers: Tus-Resumable 1.0.0, Upload-Length, "
              "Upload-Metadata (filename, purpose photo|video|document|attachment, folder_id, org_id, title, "
              "description, tags as a JSON array). 201 with Location. 413 file_too_large / quota_exceeded, "
              "422 file_empty or invalid metadata, 412 another tus version, 503 scanner_unavailable."},
    {.method = "HEAD", .pattern = "/api/v1/uploads/{id}", .handler = head_upload, .perm = "storage.write",
     .summary = "查询上传进度（tus）", .resource = &STORAGE_UPLOADS,
     .notes = "Upload-Offset, Upload-Length, Upload-Expires; 410 when ended or expired"},
    {.method = "PATCH", .pattern = "/api/v1/uploads/{id}", .handler = patch_upload, .perm = "storage.write",
     .flags = HTTP_BODY_RAW | HTTP_BODY_CUSTOM | HTTP_NO_AUDIT, .max_body = MAX_UPLOAD_BODY,
     .stream = &PATCH_STREAM, .summary = "续传数据（tus）", .resource = &STORAGE_UPLOADS, .status = 204,
     .notes = "Content-Type application/offset+octet-stream at Upload-Offset (409 when it is not the "
              "server's), optional Upload-Checksum sha256 (460 on mismatch). The last PATCH checks the "
              "content (415 type, 422 pixels or duration) and queues storage.ingest. 423 while another "
              "request writes the same upload. Not audited per chunk: the creation and the file's "
              "acceptance are; every chunk is in the file-transfer log."},
    {.method = "DELETE", .pattern = "/api/v1/uploads/{id}", .handler = delete_upload, .perm = "storage.write",
     .summary = "终止上传（tus）", .audit = "storage.upload.cancel", .resource = &STORAGE_UPLOADS, .status = 204,
     .notes = "receiving → cancelled; 409 when already finished"},
    {.method = "GET", .pattern = "/api/v1/uploads/{id}", .handler = get_upload, .perm = "storage.write",
     .summary = "上传状态", .resource = &STORAGE_UPLOADS, HTTP_OUT(UPLOAD_OUT),
     .notes = "receiving → processing → done (file_id) | refused (error, error_code) | failed"},
    {.method = "GET", .pattern = "/api/v1/uploads", .handler = list_uploads, .perm = "storage.write",
     .flags = HTTP_LIST, .summary = "上传记录", .resource = &STORAGE_UPLOADS, HTTP_QUERY(UPLOAD_QUERY),
     HTTP_OUT(UPLOAD_OUT)},
};
// clang-format on

int storage_upload_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
