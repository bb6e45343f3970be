/* internal.h — what the storage module's files share (docs/storage.md). */
#ifndef ZD_STORAGE_INTERNAL_H
#define ZD_STORAGE_INTERNAL_H
#include "auth/auth.h"
#include "auth/resource.h"
#include "core/config.h"
#include "core/db.h"
#include "http/http.h"
#include "jobs/jobs.h"
#include "modules/module.h"
#include "modules/storage/blob.h"
#include "modules/storage/scan.h"
#include "modules/storage/storage.h"

typedef struct {
    char backend[16];    /* local | s3 */
    char blob_dir[1024]; /* "" → DATA/blobs */
    char s3_endpoint[512];
    char s3_region[64];
    char s3_bucket[128];
    char s3_prefix[128];
    char s3_access_key[128];
    char s3_secret_key[256];
    bool s3_path_style;
    bool s3_verify_tls;
    char clamav_dir[1024]; /* "" → DATA/clamav, with the bundled test signature */
    bool scan_required;    /* refuse uploads while the scanner is not working */
    int64_t photo_max_mb, video_max_mb, document_max_mb, attachment_max_mb;
    int64_t photo_max_megapixels;
    int64_t video_max_minutes;
    int64_t quota_default_mb;
    int64_t recycle_days;
    int64_t blob_grace_hours;
    int64_t upload_expiry_hours;
    int64_t transcode_timeout_min;
    int64_t transcode_stall_s;
    int64_t share_max_days;
} storage_settings_t;

extern storage_settings_t storage_cfg;

/* The process's object store and scanner (storage.c); the scanner is NULL
 * when it could not start (then uploads are refused while scan_required). */
blob_store_t *storage_blobs(void);
scan_engine_t *storage_scanner(void);
const char *storage_scanner_error(void);
/* DATA/<sub>, created. */
void storage_data_dir(const char *sub, char *out, size_t outsz);
const config_t *storage_config(void);
db_t *storage_db(void);

/* purposes */
extern const char *const STORAGE_PURPOSES[];
/* Largest file of a purpose, in bytes; -1 for an unknown purpose. */
int64_t storage_purpose_max(const char *purpose);
/* Its Chinese name (the storage_purpose labels): "图片". */
const char *storage_purpose_title(const char *purpose);
/* DATA/uploads/<id>.part: the bytes of a tus upload so far. */
void storage_part_path(const char *id, char *out, size_t outsz);
/* The content types a purpose accepts (NULL-terminated) and, for people,
 * their names ("JPEG、PNG、WebP …"). */
const char *const *storage_purpose_types(const char *purpose, const char **formats);

/* descriptors */
extern const zd_resource_t STORAGE_FILES, STORAGE_TRASH_FILES, STORAGE_FOLDERS, STORAGE_TRASH_FOLDERS,
    STORAGE_UPLOADS, STORAGE_SHARES, STORAGE_TRANSFERS, STORAGE_USAGE, STORAGE_BLOBS;
/* names come by subqueries, not outer joins: PostgreSQL cannot lock (FOR
 * UPDATE) the nullable side of an outer join */
#define STORAGE_FILE_FROM "storage_files f JOIN storage_blobs b ON b.sha256 = f.blob_sha"
#define STORAGE_FILE_COLS                                                                                    \
    "f.id, f.org_id, f.folder_id, f.blob_sha, f.name, f.title, f.description, f.tags, f.purpose, f.mime, "   \
    "f.size, f.downloads, f.created_by, f.created_at, f.updated_at, f.deleted_at, f.trashed_with, "          \
    "b.width, b.height, b.duration_ms, b.taken_at, b.meta, b.media_status, b.media_progress, "               \
    "b.media_error, b.derivatives, b.status, (SELECT name FROM orgs WHERE id = f.org_id), "                  \
    "(SELECT name FROM users WHERE id = f.created_by), (SELECT name FROM storage_folders WHERE id = "        \
    "f.folder_id), (SELECT name FROM users WHERE id = f.deleted_by)"
json_t *storage_file_row(db_stmt_t *st, void *ud);

/* Usage of an organisation: adds bytes and files (negative to remove). */
int storage_usage_add(db_conn_t *c, int64_t org_id, int64_t bytes, int64_t files);
/* Quota in bytes of an organisation (its own or the default); 0 unlimited. */
int64_t storage_quota_of(db_conn_t *c, int64_t org_id, int64_t *used);
/* A blob lost one reference (a file purged). */
int storage_blob_unref(db_conn_t *c, const char *sha, int64_t now);

/* Deletes for good, inside the caller's transaction (recycle bin, gc). */
int storage_purge_file(db_conn_t *c, int64_t id, int64_t now);
int storage_purge_folder(db_conn_t *c, int64_t id, int64_t now); /* files purged, or -1 */
/* A file row (storage_file_row) sent to a share link's visitor. */
void storage_send_file_json(http_req_t *req, json_t *f, bool inline_, int64_t share_id);

/* Writes one line of the file-transfer log (table and the transfer log). */
typedef struct {
    const char *direction, *channel, *upload_id, *ip, *range_text;
    int64_t file_id, share_id, org_id, user_id, user_org, status, bytes, size, ms;
    bool completed, counted;
} storage_transfer_t;
int storage_transfer_log(db_conn_t *c, const storage_transfer_t *t);

/* Sends a file's blob (or a derivative key) through http_send_object and
 * logs the transfer when the answer ends. */
typedef struct {
    const char *key; /* blob key (sha) or derivative key */
    const char *sha; /* for the ETag */
    const char *mime;
    const char *name; /* download name, NULL for none */
    int64_t size;     /* -1: ask the store */
    int64_t mtime_ms;
    bool inline_;
    const char *cache_control;
    int64_t file_id, share_id, org_id; /* for the transfer log; file_id 0: not logged */
    const char *channel;
} storage_send_t;
void storage_send(http_req_t *req, const storage_send_t *s);

/* routes */
int storage_upload_routes(zd_app_t *app, char *err, size_t errlen);
int storage_file_routes(zd_app_t *app, char *err, size_t errlen);
int storage_share_routes(zd_app_t *app, char *err, size_t errlen);
int storage_admin_routes(zd_app_t *app, char *err, size_t errlen);

/* jobs */
int storage_job_ingest(job_ctx_t *ctx);
int storage_job_media(job_ctx_t *ctx);
int storage_job_verify(job_ctx_t *ctx);
int storage_job_gc(job_ctx_t *ctx);
/* Enqueues storage.media for a blob when it is a photo or video. */
int storage_media_enqueue(db_conn_t *c, const char *sha, const char *mime, int64_t org_id, int64_t user_id);
/* The verification itself (job and CLI): progress through fn. */
typedef bool (*storage_progress_fn)(void *ud, int64_t done, int64_t total);
json_t *storage_verify_run(db_t *db, storage_progress_fn fn, void *ud, char *err, size_t errlen);
int storage_cli_run(const config_t *cfg, int argc, char **argv);

#endif
