/* files_api.c — the shared space (共享空间): files and folders of each
 * organisation, the recycle bin, downloads (Range, ETag, UTF-8 names),
 * derivatives and HLS playback; and what the module's other files share:
 * usage, blob references, the file-transfer log, sending a blob. */
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/download.h"
#include "http/upload.h"
#include "http/valid.h"
#include "modules/storage/internal.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FOLDER_DEPTH 16

/* ---- descriptors ---- */

#define FILE_FROM STORAGE_FILE_FROM
static const res_sort_t FILE_SORTS[] = {{"name", "f.name"},
                                        {"title", "f.title"},
                                        {"size", "f.size"},
                                        {"created_at", "f.created_at"},
                                        {"downloads", "f.downloads"},
                                        {"deleted_at", "f.deleted_at"},
                                        {NULL, NULL}};
const zd_resource_t STORAGE_FILES = {.name = "storage_file",
                                     .title = "文件",
                                     .table = "storage_files",
                                     .alias = "f",
                                     .from = FILE_FROM,
                                     .where = "f.deleted_at IS NULL AND f.holder = 'space'",
                                     .org_col = "f.org_id",
                                     .creator_col = "f.created_by",
                                     .perm = "storage.read",
                                     .sorts = FILE_SORTS};
/* in the recycle bin: deleted by themselves (what went with a folder goes back with it) */
const zd_resource_t STORAGE_TRASH_FILES = {.name = "storage_file",
                                           .title = "回收站中的文件",
                                           .table = "storage_files",
                                           .alias = "f",
                                           .from = FILE_FROM,
                                           .where = "f.deleted_at IS NOT NULL AND f.trashed_with IS NULL AND "
                                                    "f.holder = 'space'",
                                           .org_col = "f.org_id",
                                           .creator_col = "f.created_by",
                                           .sorts = FILE_SORTS};

#define FOLDER_FROM "storage_folders fo"
#define FOLDER_COLS                                                                                          \
    "fo.id, fo.org_id, fo.parent_id, fo.name, fo.created_by, fo.created_at, fo.updated_at, fo.deleted_at, "  \
    "(SELECT name FROM orgs WHERE id = fo.org_id), (SELECT name FROM users WHERE id = fo.created_by), "      \
    "(SELECT name FROM users WHERE id = fo.deleted_by)"
static const res_sort_t FOLDER_SORTS[] = {
    {"name", "fo.name"}, {"created_at", "fo.created_at"}, {"deleted_at", "fo.deleted_at"}, {NULL, NULL}};
const zd_resource_t STORAGE_FOLDERS = {.name = "storage_folder",
                                       .title = "文件夹",
                                       .table = "storage_folders",
                                       .alias = "fo",
                                       .from = FOLDER_FROM,
                                       .where = "fo.deleted_at IS NULL",
                                       .org_col = "fo.org_id",
                                       .creator_col = "fo.created_by",
                                       .perm = "storage.read",
                                       .sorts = FOLDER_SORTS};
const zd_resource_t STORAGE_TRASH_FOLDERS = {.name = "storage_folder",
                                             .title = "回收站中的文件夹",
                                             .table = "storage_folders",
                                             .alias = "fo",
                                             .from = FOLDER_FROM,
                                             .where = "fo.deleted_at IS NOT NULL AND fo.trashed_with IS NULL",
                                             .org_col = "fo.org_id",
                                             .creator_col = "fo.created_by",
                                             .sorts = FOLDER_SORTS};

static json_t *json_or_null_text(db_stmt_t *st, int i)
{
    return db_col_is_null(st, i) ? json_null() : json_string(db_col_text(st, i));
}
static json_t *json_or_null_int(db_stmt_t *st, int i)
{
    return db_col_is_null(st, i) ? json_null() : json_integer(db_col_int64(st, i));
}
static json_t *json_parsed(db_stmt_t *st, int i, json_t *def)
{
    json_t *v = db_col_is_null(st, i) ? NULL : json_loads(db_col_text(st, i), 0, NULL);
    if (v) {
        json_decref(def);
        return v;
    }
    return def;
}

/* The derivatives a client may ask for, without their storage keys. */
static json_t *derivative_view(json_t *d)
{
    json_t *names = json_array(), *hls = NULL;
    const char *k;
    json_t *v;
    json_object_foreach(d, k, v)
    {
        if (!strcmp(k, "hls"))
            hls = json_object_get(v, "renditions");
        else
            json_array_append_new(names, json_string(k));
    }
    return json_pack("{s:o,s:O?}", "names", names, "hls", hls);
}

json_t *storage_file_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    int64_t del = db_col_is_null(st, 15) ? 0 : db_col_int64(st, 15);
    json_t *der = json_parsed(st, 25, json_object());
    json_t *o = json_pack(
        "{s:I,s:I,s:o,s:s,s:s,s:s,s:o,s:o,s:s,s:s,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:s,s:o,s:o,s:"
        "o,"
        "s:s,s:o,s:o,s:o}",
        "id", (json_int_t)db_col_int64(st, 0), "org_id", (json_int_t)db_col_int64(st, 1), "folder_id",
        json_or_null_int(st, 2), "sha256", db_col_text(st, 3), "name", db_col_text(st, 4), "title",
        db_col_text(st, 5), "description", json_or_null_text(st, 6), "tags", json_parsed(st, 7, json_array()),
        "purpose", db_col_text(st, 8), "mime", db_col_text(st, 9), "size", (json_int_t)db_col_int64(st, 10),
        "downloads", (json_int_t)db_col_int64(st, 11), "created_by", (json_int_t)db_col_int64(st, 12),
        "created_at", json_time(db_col_int64(st, 13)), "updated_at", json_time(db_col_int64(st, 14)),
        "deleted_at", json_time(del), "width", json_or_null_int(st, 17), "height", json_or_null_int(st, 18),
        "duration_ms", json_or_null_int(st, 19), "taken_at",
        db_col_is_null(st, 20) ? json_null() : json_time(db_col_int64(st, 20)), "meta",
        json_parsed(st, 21, json_null()), "media_status", db_col_text(st, 22), "media_progress",
        json_or_null_int(st, 23), "media_error", json_or_null_text(st, 24), "derivatives",
        derivative_view(der), "blob_status", db_col_text(st, 26), "org_name", json_or_null_text(st, 27),
        "created_by_name", json_or_null_text(st, 28), "folder_name", json_or_null_text(st, 29));
    if (del) {
        int64_t purge = del + storage_cfg.recycle_days * 86400000;
        json_object_set_new(o, "purge_at", json_time(purge));
        json_object_set_new(o, "deleted_by_name", json_or_null_text(st, 30));
    }
    json_decref(der);
    return o;
}

static json_t *folder_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    json_t *o =
        json_pack("{s:I,s:I,s:o,s:s,s:I,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)db_col_int64(st, 0),
                  "org_id", (json_int_t)db_col_int64(st, 1), "parent_id", json_or_null_int(st, 2), "name",
                  db_col_text(st, 3), "created_by", (json_int_t)db_col_int64(st, 4), "created_at",
                  json_time(db_col_int64(st, 5)), "updated_at", json_time(db_col_int64(st, 6)), "deleted_at",
                  db_col_is_null(st, 7) ? json_null() : json_time(db_col_int64(st, 7)), "org_name",
                  json_or_null_text(st, 8), "created_by_name", json_or_null_text(st, 9));
    if (!db_col_is_null(st, 7)) {
        json_object_set_new(o, "purge_at",
                            json_time(db_col_int64(st, 7) + storage_cfg.recycle_days * 86400000));
        json_object_set_new(o, "deleted_by_name", json_or_null_text(st, 10));
    }
    return o;
}

/* ---- what the module's files share ---- */

int storage_usage_add(db_conn_t *c, int64_t org_id, int64_t bytes, int64_t files)
{
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO storage_usage (org_id, bytes, files, updated_at) VALUES (?, ?, ?, ?) "
                      "ON CONFLICT (org_id) DO UPDATE SET bytes = storage_usage.bytes + excluded.bytes, "
                      "files = storage_usage.files + excluded.files, updated_at = excluded.updated_at");
    if (!st)
        return -1;
    db_bind_int64(st, 1, org_id);
    db_bind_int64(st, 2, bytes);
    db_bind_int64(st, 3, files);
    db_bind_int64(st, 4, time_now_ms());
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

int64_t storage_quota_of(db_conn_t *c, int64_t org_id, int64_t *used)
{
    db_stmt_t *st = db_prepare(c, "SELECT bytes, quota_bytes FROM storage_usage WHERE org_id = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, org_id);
    int rc = db_step(st);
    int64_t quota = storage_cfg.quota_default_mb << 20;
    *used = 0;
    if (rc == DB_ROW) {
        *used = db_col_int64(st, 0);
        if (!db_col_is_null(st, 1))
            quota = db_col_int64(st, 1);
    }
    db_done(st);
    return rc == DB_ERROR ? -1 : quota;
}

int storage_blob_unref(db_conn_t *c, const char *sha, int64_t now)
{
    db_stmt_t *st =
        db_prepare(c, "UPDATE storage_blobs SET refs = refs - 1, unreferenced_at = CASE WHEN refs <= 1 "
                      "THEN ? ELSE NULL END WHERE sha256 = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, now);
    db_bind_text(st, 2, sha);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

int storage_transfer_log(db_conn_t *c, const storage_transfer_t *t)
{
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO storage_transfers (at, direction, channel, file_id, share_id, "
                      "upload_id, org_id, user_id, user_org, ip, status, bytes, size, range_text, "
                      "completed, counted, ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return -1;
    int i = 1;
    db_bind_int64(st, i++, time_now_ms());
    db_bind_text(st, i++, t->direction);
    db_bind_text(st, i++, t->channel ? t->channel : "console");
    db_bind_id(st, i++, t->file_id);
    db_bind_id(st, i++, t->share_id);
    db_bind_text(st, i++, t->upload_id);
    db_bind_id(st, i++, t->org_id);
    db_bind_id(st, i++, t->user_id);
    db_bind_id(st, i++, t->user_org);
    db_bind_text(st, i++, t->ip);
    db_bind_int64(st, i++, t->status);
    db_bind_int64(st, i++, t->bytes);
    db_bind_int64(st, i++, t->size);
    db_bind_text(st, i++, t->range_text);
    db_bind_bool(st, i++, t->completed);
    db_bind_bool(st, i++, t->counted);
    db_bind_int64(st, i++, t->ms);
    int rc = db_step(st);
    db_done(st);
    log_rec_t r;
    log_begin(&r, LOG_TRANSFER, LOG_INFO, t->direction[0] == 'u' ? "storage.upload" : "storage.download");
    log_str(&r, "channel", t->channel ? t->channel : "console");
    if (t->file_id)
        log_int(&r, "file", t->file_id);
    if (t->share_id)
        log_int(&r, "share", t->share_id);
    if (t->upload_id)
        log_str(&r, "upload", t->upload_id);
    if (t->user_id)
        log_int(&r, "user", t->user_id);
    log_str(&r, "ip", t->ip ? t->ip : "");
    log_int(&r, "status", t->status);
    log_int(&r, "bytes", t->bytes);
    if (t->range_text)
        log_str(&r, "range", t->range_text);
    log_int(&r, "completed", t->completed);
    log_int(&r, "ms", t->ms);
    log_end(&r);
    return rc == DB_DONE ? 0 : -1;
}

/* ---- sending a blob ---- */

typedef struct {
    char key[200];
} remote_t;

static ssize_t remote_read(void *ud, int64_t off, void *buf, size_t n)
{
    remote_t *r = ud;
    char err[200];
    blob_store_t *b = storage_blobs();
    return b->ops->read_at(b, r->key, off, buf, n, err, sizeof err);
}

typedef struct {
    storage_transfer_t t;
    char ip[64], range[128], channel[16];
    int64_t t0;
    bool from_zero; /* no Range, or one beginning at byte 0 */
} sent_t;

/* The answer ended: log the transfer and count a whole download. */
static void on_sent(http_req_t *req, void *ud, int status, uint64_t bytes, bool aborted)
{
    (void)req;
    sent_t *s = ud;
    if (status == 200 || status == 206) {
        s->t.status = status;
        s->t.bytes = (int64_t)bytes;
        s->t.completed = !aborted;
        s->t.counted = !aborted && s->from_zero;
        s->t.ms = (time_mono_ns() - s->t0) / 1000000;
        s->t.ip = s->ip;
        s->t.channel = s->channel;
        s->t.range_text = s->range[0] ? s->range : NULL;
        db_conn_t *c = db_acquire(storage_db());
        if (c && db_begin(c) == 0) {
            bool ok = storage_transfer_log(c, &s->t) == 0;
            if (ok && s->t.counted) {
                db_stmt_t *st =
                    db_prepare(c, "UPDATE storage_files SET downloads = downloads + 1 WHERE id = ?");
                if (st) {
                    db_bind_int64(st, 1, s->t.file_id);
                    ok = db_step(st) == DB_DONE;
                }
                db_done(st); /* a share link's own count is taken when its download starts */
            }
            if (!ok || db_commit(c) != 0)
                log_msg(LOG_SYSTEM, LOG_ERROR, "storage.transfer_log_failed", "%s", db_errmsg(c));
        }
        db_release(c);
    }
    free(s);
}

void storage_send(http_req_t *req, const storage_send_t *s)
{
    blob_store_t *b = storage_blobs();
    char err[256];
    int64_t size = s->size;
    if (size < 0) {
        int rc = b->ops->stat(b, s->key, &size, err, sizeof err);
        if (rc != 1) {
            if (rc == 0)
                http_error(req, 404, "not_found", "文件内容不存在");
            else
                http_error(req, 503, "storage_unavailable", "存储暂不可用：%s", err);
            return;
        }
    }
    http_object_t o = {.fd = -1,
                       .size = size,
                       .content_type = s->mime,
                       .etag = s->sha,
                       .mtime_ms = s->mtime_ms,
                       .filename = s->name,
                       .inline_disposition = s->inline_,
                       .cache_control = s->cache_control};
    o.fd = b->ops->open_fd(b, s->key);
    if (o.fd < 0 && errno == ENOENT) {
        http_error(req, 410, "blob_missing", "文件内容已丢失，请联系管理员（存储校核会报告此问题）");
        return;
    }
    if (o.fd < 0) {
        remote_t *r = calloc(1, sizeof *r);
        if (!r) {
            http_error(req, 503, "busy", "服务器繁忙");
            return;
        }
        str_lcpy(r->key, s->key, sizeof r->key);
        o.read_at = remote_read;
        o.ud = r;
        o.free_ud = free;
    }
    if (s->file_id && strcmp(http_method(req), "HEAD") != 0) {
        sent_t *x = calloc(1, sizeof *x);
        if (x) {
            x->t = (storage_transfer_t){.direction = "download",
                                        .file_id = s->file_id,
                                        .share_id = s->share_id,
                                        .org_id = s->org_id,
                                        .user_id = http_user_id(req),
                                        .user_org = http_user_org(req),
                                        .size = size};
            str_lcpy(x->ip, http_client_ip(req), sizeof x->ip);
            str_lcpy(x->channel, s->channel ? s->channel : "console", sizeof x->channel);
            const char *range = http_header_in(req, "Range");
            if (range)
                str_lcpy(x->range, range, sizeof x->range);
            x->from_zero = !range || str_starts_with(range, "bytes=0-");
            x->t0 = time_mono_ns();
            http_on_done(req, on_sent, x);
        }
    }
    http_send_object(req, &o);
}

/* ---- files ---- */

static json_t *load_file(http_req_t *req, db_conn_t *c, const zd_resource_t *r, int64_t id, int flags)
{
    return res_load(req, c, r, STORAGE_FILE_COLS, id, storage_file_row, NULL, flags);
}

static const char *const ORDER_DEFAULT = "f.created_at DESC, f.id DESC";

/* The download center's filters (also the export's). */
static void file_filters(http_req_t *req, qb_t *w)
{
    const char *q = http_query(req, "q");
    if (q) {
        static const char *const COLS[] = {"f.name", "f.title", "f.description", "f.tags"};
        qb_like_any(w, COLS, 4, q);
    }
    const char *p = http_query(req, "purpose");
    if (p) {
        qb_sql(w, " AND f.purpose = ");
        qb_text(w, p);
    }
    const char *folder = http_query(req, "folder_id");
    if (folder) {
        int64_t fid = http_query_i64(req, "folder_id", 0);
        if (fid > 0) {
            qb_sql(w, " AND f.folder_id = ");
            qb_int(w, fid);
        } else
            qb_sql(w, " AND f.folder_id IS NULL");
    }
    int64_t org = http_query_i64(req, "org_id", 0);
    if (org) {
        qb_sql(w, " AND f.org_id = ");
        qb_int(w, org);
    }
    const char *tag = http_query(req, "tag");
    if (tag) {
        json_t *s = json_string(tag);
        char *quoted = json_dumps(s, JSON_ENCODE_ANY);
        json_decref(s);
        char *esc = db_like_escape(quoted ? quoted : "");
        qb_sql(w, " AND f.tags LIKE ");
        qb_text(w, http_printf(req, "%%%s%%", esc ? esc : ""));
        qb_sql(w, " ESCAPE '\\'");
        free(esc);
        free(quoted);
    }
    const char *from = http_query(req, "from"), *to = http_query(req, "to");
    int64_t ms;
    if (from && time_parse_iso8601(from, &ms)) {
        qb_sql(w, " AND f.created_at >= ");
        qb_int(w, ms);
    }
    if (to && time_parse_iso8601(to, &ms)) {
        qb_sql(w, " AND f.created_at < ");
        qb_int(w, ms);
    }
}

static void list_files(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &STORAGE_FILES, &w);
    file_filters(req, &w);
    res_list(req, c, &STORAGE_FILES, STORAGE_FILE_COLS, &w, ORDER_DEFAULT, storage_file_row, NULL);
    qb_free(&w);
}

static char *human_size(int64_t n, char *out, size_t outsz)
{
    if (n < 1024)
        snprintf(out, outsz, "%lld B", (long long)n);
    else if (n < 1048576)
        snprintf(out, outsz, "%.1f KB", n / 1024.0);
    else if (n < 1073741824)
        snprintf(out, outsz, "%.1f MB", n / 1048576.0);
    else
        snprintf(out, outsz, "%.2f GB", n / 1073741824.0);
    return out;
}

#define EXPORT_MAX 10000

static void export_files(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t q, w;
    qb_init(&q, "SELECT " STORAGE_FILE_COLS);
    res_from(req, &STORAGE_FILES, &w);
    file_filters(req, &w);
    qb_append(&q, &w);
    qb_free(&w);
    qb_sql(&q, " ORDER BY f.created_at DESC, f.id DESC LIMIT ");
    qb_int(&q, EXPORT_MAX);
    json_t *rows = json_array();
    db_stmt_t *st = qb_prepare(c, &q);
    qb_free(&q);
    int rc = DB_ERROR;
    while (st && (rc = db_step(st)) == DB_ROW) {
        json_t *f = storage_file_row(st, NULL);
        char sz[32], at[40];
        time_local(db_col_int64(st, 13), at, sizeof at); /* local time, as people read it */
        json_array_append_new(rows,
                              json_pack("[s,s,s,s,s,s,s,s,I]", jstr(f, "name"), jstr(f, "title"),
                                        storage_purpose_title(jstr(f, "purpose")),
                                        human_size(jint(f, "size", 0), sz, sizeof sz),
                                        jstr(f, "org_name") ? jstr(f, "org_name") : "",
                                        jstr(f, "folder_name") ? jstr(f, "folder_name") : "",
                                        jstr(f, "created_by_name") ? jstr(f, "created_by_name") : "",
                                        db_col_text(st, 13) ? at : "", (json_int_t)jint(f, "downloads", 0)));
        json_decref(f);
    }
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(rows);
        http_db_error(req, c);
        return;
    }
    json_t *header = json_pack("[sssssssss]", "文件名", "标题", "用途", "大小", "所属组织", "文件夹",
                               "上传者", "上传时间", "下载次数");
    audit_entry_t ae = {.detail = http_printf(req, "导出 %zu 个文件的清单", json_array_size(rows))};
    if (audit_req(req, &ae))
        http_send_xlsx(req, "文件清单.xlsx", "文件清单", header, rows);
    json_decref(header);
    json_decref(rows);
}

static void get_file(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    json_t *f = c ? load_file(req, c, &STORAGE_FILES, id, RES_PLAIN) : NULL;
    if (f)
        http_json(req, 200, f);
}

/* The folder a file or folder goes into: NULL/0 is the organisation's
 * root. true when it is a live folder of org in the scope; false after
 * answering 422. */
static bool folder_target_ok(http_req_t *req, db_conn_t *c, int64_t folder, int64_t org, const char *field)
{
    if (!folder)
        return true;
    json_t *fo = res_find(req, c, &STORAGE_FOLDERS, FOLDER_COLS, folder, folder_row, NULL, RES_PLAIN, NULL);
    bool ok = fo && jint(fo, "org_id", 0) == org;
    json_decref(fo);
    if (!ok && !http_responded(req))
        http_error_fields(req,
                          json_pack("{s:s}", field, "目标文件夹不存在、不在您的管理范围内或属于其他组织"));
    return ok;
}

static const char *check_tags(json_t *v)
{
    size_t i;
    json_t *t;
    json_array_foreach(v, i, t)
    {
        if (!json_is_string(t) || json_string_length(t) == 0 ||
            utf8_count(json_string_value(t), json_string_length(t)) > 20)
            return "每个标签应为 1 到 20 个字符";
    }
    return NULL;
}

static const char *check_name(json_t *v)
{
    const char *s = json_string_value(v);
    if (!s)
        return NULL;
    if (strpbrk(s, "/\\") || !strcmp(s, ".") || !strcmp(s, "..") || strspn(s, " ") == strlen(s))
        return "名称不能含有 / 或 \\，也不能是 . 或 ..";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return "名称不能含有控制字符";
    return NULL;
}

static void patch_file(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = http_defer_json(req, load_file(req, c, &STORAGE_FILES, id, RES_FOR_UPDATE));
    if (!before)
        return;
    json_t *b = http_json_body(req);
    if (jhas(b, "folder_id") &&
        !folder_target_ok(req, c, jint(b, "folder_id", 0), jint(before, "org_id", 0), "folder_id"))
        return;
    qb_t q;
    qb_init(&q, "UPDATE storage_files SET updated_at = ");
    qb_int(&q, time_now_ms());
    static const char *const TEXTS[] = {"title", "description", "name"};
    for (size_t i = 0; i < 3; i++)
        if (jhas(b, TEXTS[i])) {
            qb_sql(&q, i == 0 ? ", title = " : i == 1 ? ", description = " : ", name = ");
            qb_text(&q, jstr(b, TEXTS[i]));
        }
    if (jhas(b, "tags")) {
        char *t = json_dumps(json_object_get(b, "tags"), JSON_COMPACT);
        qb_sql(&q, ", tags = ");
        qb_text(&q, http_printf(req, "%s", t ? t : "[]"));
        free(t);
    }
    if (jhas(b, "folder_id")) {
        qb_sql(&q, ", folder_id = ");
        if (jint(b, "folder_id", 0))
            qb_int(&q, jint(b, "folder_id", 0));
        else
            qb_sql(&q, "NULL");
    }
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND deleted_at IS NULL");
    if (!res_transition(req, c, &q, "文件已被删除"))
        return;
    json_t *after = load_file(req, c, &STORAGE_FILES, id, RES_PLAIN);
    audit_entry_t ae = {.target = id, .before = before, .after = after, .detail = jstr(before, "name")};
    audit_reply(req, c, after != NULL, &ae, 200, after);
}

/* Puts a file in the recycle bin (inside the caller's transaction): 1, 0
 * when it was not live, -1 on error. */
static int trash_file(db_conn_t *c, int64_t id, int64_t user, int64_t now)
{
    db_stmt_t *st =
        db_prepare(c, "UPDATE storage_files SET deleted_at = ?, deleted_by = ?, trashed_with = NULL, "
                      "updated_at = ? WHERE id = ? AND deleted_at IS NULL AND holder = 'space'");
    if (!st)
        return -1;
    db_bind_int64(st, 1, now);
    db_bind_int64(st, 2, user);
    db_bind_int64(st, 3, now);
    db_bind_int64(st, 4, id);
    int rc = db_step(st);
    db_done(st);
    return rc != DB_DONE ? -1 : db_changes(c) == 1;
}

static void delete_file(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = http_defer_json(req, load_file(req, c, &STORAGE_FILES, id, RES_FOR_UPDATE));
    if (!before)
        return;
    int rc = trash_file(c, id, http_user_id(req), time_now_ms());
    if (rc == 0) {
        http_error(req, 409, "conflict", "文件已被删除");
        return;
    }
    audit_entry_t ae = {.target = id, .before = before, .detail = jstr(before, "name")};
    audit_reply(req, c, rc == 1, &ae, 204, NULL);
}

static const char *const BATCH_ACTIONS[] = {"trash", "move", NULL};

static void batch_files(http_req_t *req)
{
    json_t *b = http_json_body(req);
    const char *action = jstr(b, "action");
    json_t *ids = json_object_get(b, "ids");
    int64_t folder = jint(b, "folder_id", 0);
    bool move = !strcmp(action, "move");
    if (move && !jhas(b, "folder_id")) {
        http_error_fields(req, json_pack("{s:s}", "folder_id", "移动时必须给出目标文件夹（0 为根目录）"));
        return;
    }
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    int64_t now = time_now_ms();
    size_t i;
    json_t *v;
    json_t *done = json_array();
    http_defer_json(req, done);
    json_array_foreach(ids, i, v)
    {
        int64_t id = json_integer_value(v);
        json_t *f = http_defer_json(req, load_file(req, c, &STORAGE_FILES, id, RES_FOR_UPDATE));
        if (!f)
            return; /* 404: the whole batch or nothing */
        if (move) {
            if (!folder_target_ok(req, c, folder, jint(f, "org_id", 0), "folder_id"))
                return;
            db_stmt_t *st =
                db_prepare(c, "UPDATE storage_files SET folder_id = ?, updated_at = ? WHERE id = ?");
            int rc = DB_ERROR;
            if (st) {
                db_bind_id(st, 1, folder);
                db_bind_int64(st, 2, now);
                db_bind_int64(st, 3, id);
                rc = db_step(st);
            }
            db_done(st);
            if (rc != DB_DONE) {
                http_db_error(req, c);
                return;
            }
        } else if (trash_file(c, id, http_user_id(req), now) < 0) {
            http_db_error(req, c);
            return;
        }
        json_array_append_new(done, json_pack("{s:I,s:s}", "id", (json_int_t)id, "name", jstr(f, "name")));
    }
    json_t *after = json_pack("{s:s,s:O,s:o}", "action", action, "files", done, "folder_id",
                              move ? (folder ? json_integer(folder) : json_null()) : json_null());
    http_defer_json(req, after);
    audit_entry_t ae = {.target_type = "storage_file",
                        .after = after,
                        .detail =
                            http_printf(req, "%s %zu 个文件", move ? "移动" : "删除", json_array_size(done))};
    audit_reply(req, c, true, &ae, 200, json_pack("{s:I}", "count", (json_int_t)json_array_size(done)));
}

/* GET …/content: the bytes, never through memory. */
static void send_file_row(http_req_t *req, json_t *f, bool inline_, int64_t share_id, const char *channel)
{
    const char *bs = jstr(f, "blob_status");
    if (strcmp(bs, "ok") != 0) {
        http_error(req, 410, "blob_unavailable", "文件内容%s，已隔离，请联系管理员",
                   !strcmp(bs, "missing") ? "已丢失" : "校核不符");
        return;
    }
    int64_t mtime = 0;
    const char *at = jstr(f, "created_at");
    if (at)
        time_parse_iso8601(at, &mtime);
    storage_send_t s = {.key = jstr(f, "sha256"),
                        .sha = jstr(f, "sha256"),
                        .mime = jstr(f, "mime"),
                        .name = jstr(f, "name"),
                        .size = jint(f, "size", -1),
                        .mtime_ms = mtime,
                        .inline_ = inline_,
                        .file_id = jint(f, "id", 0),
                        .share_id = share_id,
                        .org_id = jint(f, "org_id", 0),
                        .channel = channel};
    storage_send(req, &s);
}

static void file_content(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    json_t *f = c ? http_defer_json(req, load_file(req, c, &STORAGE_FILES, id, RES_PLAIN)) : NULL;
    if (f)
        send_file_row(req, f, http_query_bool(req, "inline"), 0, "console");
}

/* The stored derivative `name` of a file, as {"key","mime","size"} (borrowed from der). */
static json_t *derivative_of(db_conn_t *c, const char *sha, json_t **der)
{
    db_stmt_t *st = db_prepare(c, "SELECT derivatives FROM storage_blobs WHERE sha256 = ?");
    *der = NULL;
    if (!st)
        return NULL;
    db_bind_text(st, 1, sha);
    if (db_step(st) == DB_ROW && !db_col_is_null(st, 0))
        *der = json_loads(db_col_text(st, 0), 0, NULL);
    db_done(st);
    return *der;
}

static bool seg_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 64 || s[0] == '.')
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
              *p == '-' || *p == '.'))
            return false;
    return true;
}

static void send_derivative(http_req_t *req, db_conn_t *c, json_t *f, const char *name)
{
    json_t *der = NULL;
    derivative_of(c, jstr(f, "sha256"), &der);
    http_defer_json(req, der);
    json_t *d = name && strcmp(name, "hls") != 0 ? json_object_get(der, name) : NULL;
    if (!d || !jstr(d, "key")) {
        http_error(req, 404, "not_found", "此文件没有“%s”衍生文件（可能仍在处理中）", name ? name : "");
        return;
    }
    char etag[120];
    snprintf(etag, sizeof etag, "%.64s-%s", jstr(f, "sha256"), name);
    const char *title = jstr(f, "name");
    storage_send_t s = {.key = jstr(d, "key"),
                        .sha = etag,
                        .mime = jstr(d, "mime"),
                        .name = !strcmp(name, "mp4") ? title : NULL,
                        .size = jint(d, "size", -1),
                        .inline_ = true,
                        .cache_control = "private, max-age=86400"};
    storage_send(req, &s);
}

static void file_derivative(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    json_t *f = c ? http_defer_json(req, load_file(req, c, &STORAGE_FILES, id, RES_PLAIN)) : NULL;
    if (f)
        send_derivative(req, c, f, http_param(req, "name"));
}

static const char *hls_type(const char *name)
{
    return str_ends_with(name, ".m3u8")  ? "application/vnd.apple.mpegurl"
           : str_ends_with(name, ".m4s") ? "video/iso.segment"
           : str_ends_with(name, ".mp4") ? "video/mp4"
                                         : NULL;
}

static void send_hls(http_req_t *req, db_conn_t *c, json_t *f, const char *variant, const char *name)
{
    if ((variant && !seg_ok(variant)) || !seg_ok(name) || !hls_type(name)) {
        http_error(req, 404, "not_found", "播放文件不存在");
        return;
    }
    json_t *der = NULL;
    derivative_of(c, jstr(f, "sha256"), &der);
    http_defer_json(req, der);
    const char *base = jstr(json_object_get(der, "hls"), "key");
    if (!base) {
        http_error(req, 404, "not_found", "此视频尚未转码完成");
        return;
    }
    char key[256], etag[200];
    snprintf(key, sizeof key, "%s%s%s%s", base, variant ? variant : "", variant ? "/" : "", name);
    snprintf(etag, sizeof etag, "%.64s-%s-%s", jstr(f, "sha256"), variant ? variant : "m", name);
    storage_send_t s = {.key = key,
                        .sha = etag,
                        .mime = hls_type(name),
                        .size = -1,
                        .inline_ = true,
                        .cache_control = "private, max-age=86400"};
    storage_send(req, &s);
}

static void file_hls(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    json_t *f = c ? http_defer_json(req, load_file(req, c, &STORAGE_FILES, id, RES_PLAIN)) : NULL;
    if (f)
        send_hls(req, c, f, http_param(req, "variant"), http_param(req, "name"));
}

static void media_retry(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *f = http_defer_json(req, load_file(req, c, &STORAGE_FILES, id, RES_PLAIN));
    if (!f)
        return;
    qb_t q;
    qb_init(&q,
            "UPDATE storage_blobs SET media_status = 'pending', media_error = NULL, media_progress = NULL "
            "WHERE sha256 = ");
    qb_text(&q, jstr(f, "sha256"));
    qb_sql(&q, " AND media_status = 'failed'");
    if (!res_transition(req, c, &q, "只有处理失败的文件可以重新处理"))
        return;
    if (storage_media_enqueue(c, jstr(f, "sha256"), jstr(f, "mime"), jint(f, "org_id", 0),
                              http_user_id(req)) != 0) {
        http_db_error(req, c);
        return;
    }
    json_t *after = load_file(req, c, &STORAGE_FILES, id, RES_PLAIN);
    audit_entry_t ae = {.target = id, .detail = jstr(f, "name")};
    audit_reply(req, c, after != NULL, &ae, 200, after);
    jobs_notify();
}

/* ---- folders ---- */

static void list_folders(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &STORAGE_FOLDERS, &w);
    int64_t org = http_query_i64(req, "org_id", 0);
    if (org) {
        qb_sql(&w, " AND fo.org_id = ");
        qb_int(&w, org);
    }
    int64_t parent = http_query_i64(req, "parent_id", -1);
    if (parent == 0)
        qb_sql(&w, " AND fo.parent_id IS NULL");
    else if (parent > 0) {
        qb_sql(&w, " AND fo.parent_id = ");
        qb_int(&w, parent);
    }
    res_list(req, c, &STORAGE_FOLDERS, FOLDER_COLS, &w, "fo.name, fo.id", folder_row, NULL);
    qb_free(&w);
}

static void get_folder(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    json_t *f = c ? res_load(req, c, &STORAGE_FOLDERS, FOLDER_COLS, id, folder_row, NULL, RES_PLAIN) : NULL;
    if (f)
        http_json(req, 200, f);
}

/* Depth of a folder (1 at the root) and the height of its subtree (1 for
 * a leaf): -1 on a database error. */
static int folder_depth(db_conn_t *c, int64_t id)
{
    db_stmt_t *st =
        db_prepare(c, "WITH RECURSIVE up(id, parent_id, n) AS (SELECT id, parent_id, 1 FROM "
                      "storage_folders WHERE id = ? UNION ALL SELECT f.id, f.parent_id, up.n + 1 FROM "
                      "storage_folders f JOIN up ON f.id = up.parent_id WHERE up.n < 64) "
                      "SELECT MAX(n) FROM up");
    if (!st)
        return -1;
    db_bind_int64(st, 1, id);
    int d = db_step(st) == DB_ROW ? (int)db_col_int64(st, 0) : -1;
    db_done(st);
    return d;
}

static int subtree_height(db_conn_t *c, int64_t id, int64_t target, bool *contains)
{
    db_stmt_t *st =
        db_prepare(c, "WITH RECURSIVE down(id, n) AS (SELECT id, 1 FROM storage_folders WHERE id = ? "
                      "UNION ALL SELECT f.id, down.n + 1 FROM storage_folders f JOIN down ON "
                      "f.parent_id = down.id WHERE down.n < 64) SELECT MAX(n), SUM(CASE WHEN id = ? "
                      "THEN 1 ELSE 0 END) FROM down");
    if (!st)
        return -1;
    db_bind_int64(st, 1, id);
    db_bind_int64(st, 2, target);
    int h = -1;
    if (db_step(st) == DB_ROW) {
        h = (int)db_col_int64(st, 0);
        *contains = db_col_int64(st, 1) > 0;
    }
    db_done(st);
    return h;
}

static const char *check_folder_name(json_t *v) { return check_name(v); }

static void create_folder(http_req_t *req)
{
    json_t *b = http_json_body(req);
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    int64_t parent = jint(b, "parent_id", 0), org = jint(b, "org_id", 0);
    if (parent) {
        json_t *p =
            res_find(req, c, &STORAGE_FOLDERS, FOLDER_COLS, parent, folder_row, NULL, RES_FOR_UPDATE, NULL);
        int64_t porg = jint(p, "org_id", 0);
        json_decref(p);
        if (!p || (org && org != porg)) {
            if (!http_responded(req))
                http_error_fields(req, json_pack("{s:s}", "parent_id",
                                                 "上级文件夹不存在、不在您的管理范围内或属于其他组织"));
            return;
        }
        org = porg;
        int d = folder_depth(c, parent);
        if (d < 0) {
            http_db_error(req, c);
            return;
        }
        if (d + 1 > MAX_FOLDER_DEPTH) {
            http_error_fields(req, json_pack("{s:s}", "parent_id", "文件夹最多 16 层"));
            return;
        }
    }
    if (!org)
        org = http_user_org(req);
    if (!auth_org_in_scope(req, c, org)) {
        if (!http_responded(req))
            http_error_fields(req, json_pack("{s:s}", "org_id", "组织不存在或不在您的管理范围内"));
        return;
    }
    int64_t now = time_now_ms();
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO storage_folders (org_id, parent_id, name, created_by, created_at, "
                      "updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
    int64_t id = 0;
    if (st) {
        db_bind_int64(st, 1, org);
        db_bind_id(st, 2, parent);
        db_bind_text(st, 3, jstr(b, "name"));
        db_bind_int64(st, 4, http_user_id(req));
        db_bind_int64(st, 5, now);
        db_bind_int64(st, 6, now);
        if (db_step(st) == DB_ROW)
            id = db_col_int64(st, 0);
    }
    db_done(st);
    if (!id) {
        if (db_errcode(c) == DB_E_UNIQUE)
            http_error(req, 409, "duplicate", "同一位置已有同名文件夹");
        else
            http_db_error(req, c);
        return;
    }
    json_t *o = res_load(req, c, &STORAGE_FOLDERS, FOLDER_COLS, id, folder_row, NULL, RES_PLAIN);
    audit_entry_t ae = {.target = id, .after = o, .detail = jstr(b, "name")};
    audit_reply(req, c, o != NULL, &ae, 201, o);
}

static void patch_folder(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = http_defer_json(
        req, res_load(req, c, &STORAGE_FOLDERS, FOLDER_COLS, id, folder_row, NULL, RES_FOR_UPDATE));
    if (!before)
        return;
    json_t *b = http_json_body(req);
    int64_t parent = jint(b, "parent_id", 0);
    if (jhas(b, "parent_id") && parent) {
        if (!folder_target_ok(req, c, parent, jint(before, "org_id", 0), "parent_id"))
            return;
        bool contains = false;
        int h = subtree_height(c, id, parent, &contains), d = folder_depth(c, parent);
        if (h < 0 || d < 0) {
            http_db_error(req, c);
            return;
        }
        if (contains) {
            http_error_fields(req, json_pack("{s:s}", "parent_id", "不能移动到自身或其下级文件夹中"));
            return;
        }
        if (d + h > MAX_FOLDER_DEPTH) {
            http_error_fields(req, json_pack("{s:s}", "parent_id", "移动后文件夹将超过 16 层"));
            return;
        }
    }
    qb_t q;
    qb_init(&q, "UPDATE storage_folders SET updated_at = ");
    qb_int(&q, time_now_ms());
    if (jhas(b, "name")) {
        qb_sql(&q, ", name = ");
        qb_text(&q, jstr(b, "name"));
    }
    if (jhas(b, "parent_id")) {
        qb_sql(&q, ", parent_id = ");
        if (parent)
            qb_int(&q, parent);
        else
            qb_sql(&q, "NULL");
    }
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND deleted_at IS NULL");
    db_stmt_t *st = qb_prepare(c, &q);
    qb_free(&q);
    int rc = st ? db_step(st) : DB_ERROR;
    db_done(st);
    if (rc != DB_DONE) {
        if (db_errcode(c) == DB_E_UNIQUE)
            http_error(req, 409, "duplicate", "目标位置已有同名文件夹");
        else
            http_db_error(req, c);
        return;
    }
    json_t *after = res_load(req, c, &STORAGE_FOLDERS, FOLDER_COLS, id, folder_row, NULL, RES_PLAIN);
    audit_entry_t ae = {.target = id, .before = before, .after = after, .detail = jstr(before, "name")};
    audit_reply(req, c, after != NULL, &ae, 200, after);
}

#define SUBTREE                                                                                              \
    "WITH RECURSIVE sub(id) AS (SELECT id FROM storage_folders WHERE id = ? UNION ALL SELECT f.id FROM "     \
    "storage_folders f JOIN sub ON f.parent_id = sub.id) "

/* Runs one statement with the parameters (now, user, id) bound in order
 * where the text has them. */
static int exec3(db_conn_t *c, const char *sql, int64_t a, int64_t b, int64_t d, int n)
{
    db_stmt_t *st = db_prepare(c, sql);
    if (!st)
        return -1;
    int64_t v[3] = {a, b, d};
    for (int i = 0; i < n; i++)
        db_bind_int64(st, i + 1, v[i]);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

static void delete_folder(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = http_defer_json(
        req, res_load(req, c, &STORAGE_FOLDERS, FOLDER_COLS, id, folder_row, NULL, RES_FOR_UPDATE));
    if (!before)
        return;
    int64_t now = time_now_ms(), user = http_user_id(req);
    /* everything live under it goes with it */
    db_stmt_t *st =
        db_prepare(c, SUBTREE "UPDATE storage_files SET deleted_at = ?, deleted_by = ?, trashed_with = ? "
                              "WHERE deleted_at IS NULL AND folder_id IN (SELECT id FROM sub)");
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, id);
        db_bind_int64(st, 2, now);
        db_bind_int64(st, 3, user);
        db_bind_int64(st, 4, id);
        rc = db_step(st);
    }
    db_done(st);
    int64_t files = rc == DB_DONE ? db_changes(c) : 0;
    if (rc == DB_DONE) {
        st = db_prepare(c,
                        SUBTREE "UPDATE storage_folders SET deleted_at = ?, deleted_by = ?, trashed_with = ? "
                                "WHERE deleted_at IS NULL AND id <> ? AND id IN (SELECT id FROM sub)");
        rc = DB_ERROR;
        if (st) {
            db_bind_int64(st, 1, id);
            db_bind_int64(st, 2, now);
            db_bind_int64(st, 3, user);
            db_bind_int64(st, 4, id);
            db_bind_int64(st, 5, id);
            rc = db_step(st);
        }
        db_done(st);
    }
    if (rc != DB_DONE) {
        http_db_error(req, c);
        return;
    }
    qb_t q;
    qb_init(&q, "UPDATE storage_folders SET deleted_at = ");
    qb_int(&q, now);
    qb_sql(&q, ", deleted_by = ");
    qb_int(&q, user);
    qb_sql(&q, ", trashed_with = NULL WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND deleted_at IS NULL");
    if (!res_transition(req, c, &q, "文件夹已被删除"))
        return;
    audit_entry_t ae = {
        .target = id,
        .before = before,
        .detail = http_printf(req, "%s（连同 %lld 个文件）", jstr(before, "name"), (long long)files)};
    audit_reply(req, c, true, &ae, 204, NULL);
}

/* ---- recycle bin ---- */

static const char *const TRASH_KINDS[] = {"file", "folder", NULL};

static void list_trash(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    const char *kind = http_query(req, "kind");
    bool folders = kind && !strcmp(kind, "folder");
    qb_t w;
    res_from(req, folders ? &STORAGE_TRASH_FOLDERS : &STORAGE_TRASH_FILES, &w);
    const char *q = http_query(req, "q");
    if (q) {
        static const char *const FCOLS[] = {"f.name", "f.title"};
        static const char *const DCOLS[] = {"fo.name"};
        qb_like_any(&w, folders ? DCOLS : FCOLS, folders ? 1 : 2, q);
    }
    if (folders)
        res_list(req, c, &STORAGE_TRASH_FOLDERS, FOLDER_COLS, &w, "fo.deleted_at DESC, fo.id DESC",
                 folder_row, NULL);
    else
        res_list(req, c, &STORAGE_TRASH_FILES, STORAGE_FILE_COLS, &w, "f.deleted_at DESC, f.id DESC",
                 storage_file_row, NULL);
    qb_free(&w);
}

/* Is folder id live (not in the bin)? 1 yes, 0 no, -1 error. */
static int folder_live(db_conn_t *c, int64_t id)
{
    if (!id)
        return 0;
    db_stmt_t *st = db_prepare(c, "SELECT 1 FROM storage_folders WHERE id = ? AND deleted_at IS NULL");
    if (!st)
        return -1;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

/* The recycle bin's {kind}/{id}, locked in the change's transaction: the
 * item (the request's), or NULL after answering 404/5xx. */
static json_t *load_trash_item(http_req_t *req, db_conn_t **c, int64_t *id, bool *folder)
{
    if (!(*c = http_db_change(req, id)))
        return NULL;
    *folder = !strcmp(http_param(req, "kind"), "folder");
    if (!*folder && strcmp(http_param(req, "kind"), "file") != 0) {
        http_error(req, 404, "not_found", "回收站中没有这一项");
        return NULL;
    }
    return http_defer_json(req, *folder ? res_load(req, *c, &STORAGE_TRASH_FOLDERS, FOLDER_COLS, *id,
                                                   folder_row, NULL, RES_FOR_UPDATE)
                                        : load_file(req, *c, &STORAGE_TRASH_FILES, *id, RES_FOR_UPDATE));
}

static void restore_item(http_req_t *req)
{
    int64_t id;
    db_conn_t *c;
    bool folder;
    json_t *before = load_trash_item(req, &c, &id, &folder);
    if (!before)
        return;
    /* back where it was when that folder still exists, else to the root */
    int64_t where = jint(before, folder ? "parent_id" : "folder_id", 0);
    int live = folder_live(c, where);
    if (live < 0) {
        http_db_error(req, c);
        return;
    }
    int64_t now = time_now_ms();
    const char *name = jstr(before, "name");
    char renamed[400];
    if (folder) { /* a live folder of the same name took its place meanwhile: keep both */
        db_stmt_t *st =
            db_prepare(c, "SELECT 1 FROM storage_folders WHERE org_id = ? AND COALESCE(parent_id, 0) = ? "
                          "AND name = ? AND deleted_at IS NULL");
        int rc = DB_ERROR;
        if (st) {
            db_bind_int64(st, 1, jint(before, "org_id", 0));
            db_bind_int64(st, 2, live == 1 ? where : 0);
            db_bind_text(st, 3, name);
            rc = db_step(st);
        }
        db_done(st);
        if (rc == DB_ERROR) {
            http_db_error(req, c);
            return;
        }
        char at[40];
        time_iso8601(now, at, sizeof at);
        snprintf(renamed, sizeof renamed, "%s（恢复于 %.10s %.5s）", name, at, at + 11);
        if (rc == DB_ROW)
            name = renamed;
    }
    qb_t q;
    qb_init(&q, folder ? "UPDATE storage_folders SET deleted_at = NULL, deleted_by = NULL, updated_at = "
                       : "UPDATE storage_files SET deleted_at = NULL, deleted_by = NULL, updated_at = ");
    qb_int(&q, now);
    qb_sql(&q, folder ? ", parent_id = " : ", folder_id = ");
    if (live == 1)
        qb_int(&q, where);
    else
        qb_sql(&q, "NULL");
    if (folder) {
        qb_sql(&q, ", name = ");
        qb_text(&q, name);
    }
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND deleted_at IS NOT NULL AND trashed_with IS NULL");
    if (!res_transition(req, c, &q, "这一项已被恢复或清除"))
        return;
    if (folder &&
        (exec3(c,
               "UPDATE storage_files SET deleted_at = NULL, deleted_by = NULL, trashed_with = NULL, "
               "updated_at = ? WHERE trashed_with = ?",
               now, id, 0, 2) != 0 ||
         exec3(c,
               "UPDATE storage_folders SET deleted_at = NULL, deleted_by = NULL, trashed_with = NULL, "
               "updated_at = ? WHERE trashed_with = ?",
               now, id, 0, 2) != 0)) {
        http_db_error(req, c);
        return;
    }
    json_t *after = folder ? res_load(req, c, &STORAGE_FOLDERS, FOLDER_COLS, id, folder_row, NULL, RES_PLAIN)
                           : load_file(req, c, &STORAGE_FILES, id, RES_PLAIN);
    audit_entry_t ae = {.target_type = folder ? "storage_folder" : "storage_file",
                        .target = id,
                        .after = after,
                        .detail = jstr(before, "name")};
    audit_reply(req, c, after != NULL, &ae, 200, after);
}

/* Deletes a file row for good (inside the caller's transaction): its
 * shares, its blob reference, its usage. 0, or -1. */
int storage_purge_file(db_conn_t *c, int64_t id, int64_t now)
{
    db_stmt_t *st = db_prepare(c, "SELECT org_id, blob_sha, size FROM storage_files WHERE id = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    int64_t org = 0, size = 0;
    char sha[72] = "";
    if (rc == DB_ROW) {
        org = db_col_int64(st, 0);
        str_lcpy(sha, db_col_text(st, 1), sizeof sha);
        size = db_col_int64(st, 2);
    }
    db_done(st);
    if (rc != DB_ROW)
        return rc == DB_DONE ? 0 : -1;
    if (exec3(c, "DELETE FROM storage_shares WHERE file_id = ?", id, 0, 0, 1) != 0 ||
        exec3(c, "DELETE FROM storage_files WHERE id = ?", id, 0, 0, 1) != 0 ||
        storage_blob_unref(c, sha, now) != 0 || storage_usage_add(c, org, -size, -1) != 0)
        return -1;
    return 0;
}

/* A folder in the bin, with what went with it. Returns the files purged, or -1. */
int storage_purge_folder(db_conn_t *c, int64_t id, int64_t now)
{
    db_stmt_t *st = db_prepare(c, "SELECT id FROM storage_files WHERE trashed_with = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, id);
    int64_t ids[256];
    int n = 0, total = 0, rc;
    for (;;) { /* in batches: the statement is done before the deletes */
        n = 0;
        db_bind_int64(st, 1, id);
        while (n < 256 && (rc = db_step(st)) == DB_ROW)
            ids[n++] = db_col_int64(st, 0);
        db_done(st);
        st = NULL;
        if (rc == DB_ERROR)
            return -1;
        for (int i = 0; i < n; i++)
            if (storage_purge_file(c, ids[i], now) != 0)
                return -1;
        total += n;
        if (n < 256)
            break;
        if (!(st = db_prepare(c, "SELECT id FROM storage_files WHERE trashed_with = ?")))
            return -1;
    }
    static const char *const SQL[] = {
        "UPDATE storage_files SET folder_id = NULL WHERE folder_id IN (SELECT id FROM storage_folders WHERE "
        "id = ? "
        "OR trashed_with = ?)",
        "UPDATE storage_folders SET parent_id = NULL WHERE parent_id IN (SELECT id FROM storage_folders "
        "WHERE id = ? "
        "OR trashed_with = ?)",
        "DELETE FROM storage_folders WHERE trashed_with = ? OR id = ?",
    };
    for (size_t i = 0; i < 3; i++)
        if (exec3(c, SQL[i], id, id, 0, 2) != 0)
            return -1;
    return total;
}

static void purge_item(http_req_t *req)
{
    int64_t id;
    db_conn_t *c;
    bool folder;
    json_t *before = load_trash_item(req, &c, &id, &folder);
    if (!before)
        return;
    int64_t now = time_now_ms();
    int rc = folder ? storage_purge_folder(c, id, now) : storage_purge_file(c, id, now);
    audit_entry_t ae = {.target_type = folder ? "storage_folder" : "storage_file",
                        .target = id,
                        .before = before,
                        .detail = jstr(before, "name")};
    audit_reply(req, c, rc >= 0, &ae, 204, NULL);
}

/* ---- for other modules (storage.h) ---- */

json_t *storage_file_summary(db_conn_t *c, int64_t file_id, bool *dberr)
{
    *dberr = false;
    db_stmt_t *st = db_prepare(
        c, "SELECT f.id, f.name, f.title, f.mime, f.size, f.purpose, f.blob_sha, "
           "b.media_status, b.width, b.height, b.duration_ms, b.derivatives, b.taken_at, f.org_id, "
           "f.created_by, "
           "f.holder FROM storage_files f "
           "JOIN storage_blobs b ON b.sha256 = f.blob_sha WHERE f.id = ? AND f.deleted_at IS NULL");
    if (!st) {
        *dberr = true;
        return NULL;
    }
    db_bind_int64(st, 1, file_id);
    int rc = db_step(st);
    json_t *o = NULL;
    if (rc == DB_ROW) {
        json_t *der = json_parsed(st, 11, json_object());
        json_t *v = derivative_view(der);
        json_decref(der);
        o = json_pack("{s:I,s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:o,s:o,s:o,s:O}", "id",
                      (json_int_t)db_col_int64(st, 0), "name", db_col_text(st, 1), "title",
                      db_col_text(st, 2), "mime", db_col_text(st, 3), "size", (json_int_t)db_col_int64(st, 4),
                      "purpose", db_col_text(st, 5), "sha256", db_col_text(st, 6), "media_status",
                      db_col_text(st, 7), "width", json_or_null_int(st, 8), "height", json_or_null_int(st, 9),
                      "duration_ms", json_or_null_int(st, 10), "derivatives", json_object_get(v, "names"));
        json_decref(v);
        json_object_set_new(o, "taken_at", json_time(db_col_int64(st, 12)));
        json_object_set_new(o, "org_id", json_integer(db_col_int64(st, 13)));
        json_object_set_new(o, "created_by", json_integer(db_col_int64(st, 14)));
        json_object_set_new(o, "holder", json_string(db_col_text(st, 15)));
    }
    *dberr = rc == DB_ERROR;
    db_done(st);
    return o;
}

int storage_file_claim(db_conn_t *c, int64_t file_id, int64_t org_id, const char *holder)
{
    db_stmt_t *st =
        db_prepare(c, "UPDATE storage_files SET holder = ?, updated_at = ? WHERE id = ? AND org_id = ? "
                      "AND holder = 'space' AND deleted_at IS NULL");
    if (!st)
        return -1;
    db_bind_text(st, 1, holder);
    db_bind_int64(st, 2, time_now_ms());
    db_bind_int64(st, 3, file_id);
    db_bind_int64(st, 4, org_id);
    int rc = db_step(st);
    db_done(st);
    return rc != DB_DONE ? -1 : db_changes(c) == 1;
}

void storage_file_send(http_req_t *req, db_conn_t *c, int64_t file_id, bool inline_)
{
    qb_t q;
    qb_init(&q, "SELECT " STORAGE_FILE_COLS " FROM " FILE_FROM " WHERE f.deleted_at IS NULL AND f.id = ");
    qb_int(&q, file_id);
    db_stmt_t *st = qb_prepare(c, &q);
    qb_free(&q);
    int rc = st ? db_step(st) : DB_ERROR;
    json_t *f = rc == DB_ROW ? http_defer_json(req, storage_file_row(st, NULL)) : NULL;
    db_done(st);
    if (rc == DB_ERROR)
        http_db_error(req, c);
    else if (!f)
        http_error(req, 404, "not_found", "文件不存在");
    else
        send_file_row(req, f, inline_, 0, "api");
}

/* The file row of a held or shared file by id for the send functions, or
 * NULL after answering 404/5xx. */
static json_t *file_row_any(http_req_t *req, db_conn_t *c, int64_t file_id)
{
    qb_t q;
    qb_init(&q, "SELECT " STORAGE_FILE_COLS " FROM " FILE_FROM " WHERE f.deleted_at IS NULL AND f.id = ");
    qb_int(&q, file_id);
    db_stmt_t *st = qb_prepare(c, &q);
    qb_free(&q);
    int rc = st ? db_step(st) : DB_ERROR;
    json_t *f = rc == DB_ROW ? http_defer_json(req, storage_file_row(st, NULL)) : NULL;
    db_done(st);
    if (rc == DB_ERROR)
        http_db_error(req, c);
    else if (!f)
        http_error(req, 404, "not_found", "文件不存在");
    return f;
}

void storage_file_send_derivative(http_req_t *req, db_conn_t *c, int64_t file_id, const char *name)
{
    json_t *f = file_row_any(req, c, file_id);
    if (f)
        send_derivative(req, c, f, name);
}

void storage_file_send_hls(http_req_t *req, db_conn_t *c, int64_t file_id, const char *variant,
                           const char *name)
{
    json_t *f = file_row_any(req, c, file_id);
    if (f)
        send_hls(req, c, f, variant, name);
}

int storage_file_fetch(db_conn_t *c, int64_t file_id, const char *dst, char *err, size_t errlen)
{
    db_stmt_t *st = db_prepare(c, "SELECT blob_sha FROM storage_files WHERE id = ? AND deleted_at IS NULL");
    char sha[80] = "";
    if (st) {
        db_bind_int64(st, 1, file_id);
        if (db_step(st) == DB_ROW)
            snprintf(sha, sizeof sha, "%s", db_col_text(st, 0));
    }
    db_done(st);
    if (!sha[0]) {
        snprintf(err, errlen, "文件不存在");
        return -1;
    }
    blob_store_t *b = storage_blobs();
    return b->ops->fetch(b, sha, dst, err, errlen);
}

/* for share_api.c */
void storage_send_file_json(http_req_t *req, json_t *f, bool inline_, int64_t share_id)
{
    send_file_row(req, f, inline_, share_id, "share");
}

/* ---- routes ---- */

static const vfield_t FILE_QUERY[] = {
    {"q", V_STR, .max = 100, .title = "名称、标题、说明或标签包含"},
    {"purpose", V_ENUM, .choices = STORAGE_PURPOSES, .title = "用途"},
    {"folder_id", V_INT, .min = 0, .max = INT64_MAX, .title = "文件夹（0：根目录）"},
    {"org_id", V_ID, .title = "所属组织"},
    {"tag", V_STR, .max = 20, .title = "标签"},
    {"from", V_TIME, .title = "上传时间起"},
    {"to", V_TIME, .title = "上传时间止"},
};
static const vfield_t INLINE_QUERY[] = {{"inline", V_BOOL, .title = "在浏览器中打开而非下载"}};
static const vfield_t FILE_PATCH[] = {
    {"title", V_STR, false, 1, 200, NULL, NULL, "标题"},
    {"description", V_TEXT, false, 0, 2000, NULL, NULL, "说明"},
    {"tags", V_ARRAY, false, 0, 20, NULL, check_tags, "标签"},
    {"name", V_STR, false, 1, 200, NULL, check_name, "文件名"},
    {"folder_id", V_INT, false, 0, INT64_MAX, NULL, NULL, "文件夹（0：根目录）"},
};
static const vfield_t BATCH_BODY[] = {
    {"action", V_ENUM, true, .choices = BATCH_ACTIONS, .title = "trash 删除到回收站，move 移动"},
    {"ids", V_ARRAY, true, 1, 200, NULL, NULL, "文件"},
    {"folder_id", V_INT, false, 0, INT64_MAX, NULL, NULL, "目标文件夹（move；0：根目录）"},
};
static const vfield_t FILE_OUT[] = {
    {"id", V_ID},
    {"org_id", V_ID},
    {"folder_id", V_ID},
    {"name", V_STR},
    {"title", V_STR},
    {"description", V_TEXT},
    {"tags", V_ARRAY},
    {"purpose", V_ENUM, .choices = STORAGE_PURPOSES},
    {"mime", V_STR},
    {"size", V_INT},
    {"sha256", V_STR},
    {"downloads", V_INT},
    {"width", V_INT},
    {"height", V_INT},
    {"duration_ms", V_INT},
    {"taken_at", V_TIME},
    {"meta", V_OBJECT},
    {"media_status", V_STR},
    {"media_progress", V_INT},
    {"media_error", V_STR},
    {"derivatives", V_OBJECT},
    {"blob_status", V_STR},
    {"org_name", V_STR},
    {"created_by_name", V_STR},
    {"folder_name", V_STR},
    {"created_at", V_TIME},
    {"deleted_at", V_TIME},
    {"purge_at", V_TIME},
    {"deleted_by_name", V_STR},
};
static const vfield_t FOLDER_QUERY[] = {
    {"org_id", V_ID, .title = "所属组织"},
    {"parent_id", V_INT, .min = 0, .max = INT64_MAX, .title = "上级文件夹（0：根目录）"},
};
static const vfield_t FOLDER_NEW[] = {
    {"name", V_STR, true, 1, 100, NULL, check_folder_name, "名称"},
    {"org_id", V_ID, false, 0, 0, NULL, NULL, "所属组织（缺省：上级文件夹的或本人的）"},
    {"parent_id", V_ID, false, 0, 0, NULL, NULL, "上级文件夹（缺省：根目录）"},
};
static const vfield_t FOLDER_PATCH[] = {
    {"name", V_STR, false, 1, 100, NULL, check_folder_name, "名称"},
    {"parent_id", V_INT, false, 0, INT64_MAX, NULL, NULL, "上级文件夹（0：根目录）"},
};
static const vfield_t FOLDER_OUT[] = {
    {"id", V_ID},         {"org_id", V_ID},           {"parent_id", V_ID},    {"name", V_STR},
    {"org_name", V_STR},  {"created_by_name", V_STR}, {"created_at", V_TIME}, {"deleted_at", V_TIME},
    {"purge_at", V_TIME}, {"deleted_by_name", V_STR}};
static const vfield_t TRASH_QUERY[] = {
    {"kind", V_ENUM, .choices = TRASH_KINDS, .title = "file 文件（缺省），folder 文件夹"},
    {"q", V_STR, .max = 100, .title = "名称包含"},
};

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/storage/files", .handler = list_files, .perm = "storage.read",
     .flags = HTTP_LIST, .summary = "文件列表（下载中心）", .resource = &STORAGE_FILES, HTTP_QUERY(FILE_QUERY),
     HTTP_OUT(FILE_OUT)},
    {.method = "GET", .pattern = "/api/v1/storage/files/export", .handler = export_files, .perm = "storage.read",
     .flags = HTTP_DOWNLOAD, .summary = "导出文件清单（.xlsx）", .audit = "storage.file.export",
     .resource = &STORAGE_FILES, HTTP_QUERY(FILE_QUERY), .notes = "the list's filters; at most 10,000 rows"},
    {.method = "POST", .pattern = "/api/v1/storage/files/batch", .handler = batch_files, .perm = "storage.write",
     .summary = "批量删除或移动文件", .audit = "storage.file.batch", .resource = &STORAGE_FILES, HTTP_BODY(BATCH_BODY),
     .example = "{\"action\":\"trash\",\"ids\":[1]}",
     .notes = "all or nothing: 404 when any file is missing or outside the scope"},
    {.method = "GET", .pattern = "/api/v1/storage/files/{id}", .handler = get_file, .perm = "storage.read",
     .summary = "文件详情", .resource = &STORAGE_FILES, HTTP_OUT(FILE_OUT)},
    {.method = "PATCH", .pattern = "/api/v1/storage/files/{id}", .handler = patch_file, .perm = "storage.write",
     .summary = "修改文件信息或移动文件", .audit = "storage.file.update", .resource = &STORAGE_FILES,
     HTTP_BODY(FILE_PATCH), HTTP_OUT(FILE_OUT)},
    {.method = "DELETE", .pattern = "/api/v1/storage/files/{id}", .handler = delete_file, .perm = "storage.write",
     .summary = "删除文件（移入回收站）", .audit = "storage.file.trash", .resource = &STORAGE_FILES, .status = 204},
    {.method = "GET", .pattern = "/api/v1/storage/files/{id}/content", .handler = file_content,
     .perm = "storage.read", .flags = HTTP_DOWNLOAD, .summary = "下载文件", .resource = &STORAGE_FILES,
     HTTP_QUERY(INLINE_QUERY),
     .notes = "Range (one or several ranges; 416 when none fits), ETag/If-None-Match, Last-Modified; "
              "Content-Disposition with the UTF-8 name (RFC 5987); 410 when the content failed verification"},
    {.method = "GET", .pattern = "/api/v1/storage/files/{id}/derivatives/{name}", .handler = file_derivative,
     .perm = "storage.read", .flags = HTTP_DOWNLOAD, .summary = "缩略图、网页图、封面或转码视频",
     .resource = &STORAGE_FILES, .notes = "name: thumb_s, thumb_m, web, poster, mp4; 404 while processing"},
    {.method = "GET", .pattern = "/api/v1/storage/files/{id}/hls/{name}", .handler = file_hls,
     .perm = "storage.read", .flags = HTTP_DOWNLOAD, .summary = "视频播放列表（HLS）", .resource = &STORAGE_FILES,
     .notes = "master.m3u8"},
    {.method = "GET", .pattern = "/api/v1/storage/files/{id}/hls/{variant}/{name}", .handler = file_hls,
     .perm = "storage.read", .flags = HTTP_DOWNLOAD, .summary = "视频分片（HLS）", .resource = &STORAGE_FILES,
     .notes = "a rendition's index.m3u8, init.mp4 and seg_N.m4s"},
    {.method = "POST", .pattern = "/api/v1/storage/files/{id}/media/retry", .handler = media_retry,
     .perm = "storage.write", .summary = "重新处理图片或视频", .audit = "storage.media.retry",
     .resource = &STORAGE_FILES, HTTP_OUT(FILE_OUT), .notes = "failed → pending; 409 otherwise"},
    {.method = "GET", .pattern = "/api/v1/storage/folders", .handler = list_folders, .perm = "storage.read",
     .flags = HTTP_LIST, .summary = "文件夹列表", .resource = &STORAGE_FOLDERS, HTTP_QUERY(FOLDER_QUERY),
     HTTP_OUT(FOLDER_OUT)},
    {.method = "POST", .pattern = "/api/v1/storage/folders", .handler = create_folder, .perm = "storage.write",
     .summary = "新建文件夹", .audit = "storage.folder.create", .resource = &STORAGE_FOLDERS, HTTP_BODY(FOLDER_NEW),
     HTTP_OUT(FOLDER_OUT), .status = 201, .example = "{\"name\":\"契约测试{n}\",\"org_id\":\"{org}\"}",
     .notes = "409 when the parent has a folder of that name; at most 16 levels"},
    {.method = "GET", .pattern = "/api/v1/storage/folders/{id}", .handler = get_folder, .perm = "storage.read",
     .summary = "文件夹详情", .resource = &STORAGE_FOLDERS, HTTP_OUT(FOLDER_OUT)},
    {.method = "PATCH", .pattern = "/api/v1/storage/folders/{id}", .handler = patch_folder, .perm = "storage.write",
     .summary = "重命名或移动文件夹", .audit = "storage.folder.update", .resource = &STORAGE_FOLDERS,
     HTTP_BODY(FOLDER_PATCH), HTTP_OUT(FOLDER_OUT), .notes = "422 when moved into itself or below 16 levels"},
    {.method = "DELETE", .pattern = "/api/v1/storage/folders/{id}", .handler = delete_folder,
     .perm = "storage.write", .summary = "删除文件夹（连同其中内容移入回收站）", .audit = "storage.folder.trash",
     .resource = &STORAGE_FOLDERS, .status = 204},
    {.method = "GET", .pattern = "/api/v1/storage/trash", .handler = list_trash, .perm = "storage.write",
     .flags = HTTP_LIST, .summary = "回收站", .resource = &STORAGE_TRASH_FILES, HTTP_QUERY(TRASH_QUERY),
     HTTP_OUT(FILE_OUT), .notes = "kind=folder lists folders (FOLDER fields); purge_at: when it goes for good"},
    {.method = "POST", .pattern = "/api/v1/storage/trash/{kind}/{id}/restore", .handler = restore_item,
     .perm = "storage.write", .summary = "从回收站恢复", .audit = "storage.trash.restore",
     .resource = &STORAGE_TRASH_FILES,
     .notes = "kind: file|folder. Back into its folder when that still exists, else the root; a folder "
              "whose name was taken meanwhile is renamed"},
    {.method = "DELETE", .pattern = "/api/v1/storage/trash/{kind}/{id}", .handler = purge_item,
     .perm = "storage.admin", .summary = "从回收站彻底清除", .audit = "storage.trash.purge",
     .resource = &STORAGE_TRASH_FILES, .status = 204},
};
// clang-format on

int storage_file_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
