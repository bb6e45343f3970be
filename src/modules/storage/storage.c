/* storage.c — the storage module (存储与共享空间): settings, permissions,
 * labels, the object store and the virus scanner of this process, job
 * kinds and schedules, the `zhendi storage` command (docs/storage.md). */
#include "core/fileio.h"
#include "core/log.h"
#include "core/str.h"
#include "media/image.h"
#include "modules/storage/internal.h"
#include <stdio.h>
#include <string.h>

storage_settings_t storage_cfg;

// clang-format off
static const config_opt_t SETTINGS[] = {
    CONFIG_STR(storage_backend, storage_cfg.backend, "local", 0, "文件存放位置：local（DATA/blobs 或 storage_blob_dir）或 s3"),
    CONFIG_STR(storage_blob_dir, storage_cfg.blob_dir, "", 0, "本地文件目录；留空：DATA/blobs"),
    CONFIG_STR(storage_s3_endpoint, storage_cfg.s3_endpoint, "", 0, "S3 兼容对象存储的地址（https://…）"),
    CONFIG_STR(storage_s3_region, storage_cfg.s3_region, "us-east-1", 0, "S3 区域（签名用）"),
    CONFIG_STR(storage_s3_bucket, storage_cfg.s3_bucket, "", 0, "S3 存储桶"),
    CONFIG_STR(storage_s3_prefix, storage_cfg.s3_prefix, "", 0, "S3 对象名前缀"),
    CONFIG_STR(storage_s3_access_key, storage_cfg.s3_access_key, "", 2, "S3 访问密钥 ID"),
    CONFIG_STR(storage_s3_secret_key, storage_cfg.s3_secret_key, "", 2, "S3 访问密钥"),
    CONFIG_BOOL(storage_s3_path_style, &storage_cfg.s3_path_style, "true", "使用路径式地址（https://host/bucket/key），多数自建对象存储需要"),
    CONFIG_BOOL(storage_s3_verify_tls, &storage_cfg.s3_verify_tls, "true", "校验对象存储的 TLS 证书"),
    CONFIG_STR(storage_clamav_dir, storage_cfg.clamav_dir, "", 0, "ClamAV 病毒库目录；留空：系统默认（freshclam 更新的目录）"),
    CONFIG_BOOL(storage_scan_required, &storage_cfg.scan_required, "true", "病毒扫描不可用时拒绝上传（否则放行并记录）"),
    CONFIG_INT(storage_photo_max_mb, &storage_cfg.photo_max_mb, 30, 1, 1024, "照片上传的最大大小（MB）"),
    CONFIG_INT(storage_video_max_mb, &storage_cfg.video_max_mb, 2047, 1, 65536, "视频上传的最大大小（MB）"),
    CONFIG_INT(storage_document_max_mb, &storage_cfg.document_max_mb, 200, 1, 8192, "文档上传的最大大小（MB）"),
    CONFIG_INT(storage_attachment_max_mb, &storage_cfg.attachment_max_mb, 1024, 1, 65536, "附件上传的最大大小（MB）"),
    CONFIG_INT(storage_photo_max_megapixels, &storage_cfg.photo_max_megapixels, 100, 1, 1000, "照片的最大像素数（百万像素）"),
    CONFIG_INT(storage_video_max_minutes, &storage_cfg.video_max_minutes, 180, 1, 1440, "视频的最长时长（分钟）"),
    CONFIG_INT(storage_quota_default_mb, &storage_cfg.quota_default_mb, 51200, 0, 104857600, "组织默认存储配额（MB）；0 = 不限"),
    CONFIG_INT(storage_recycle_days, &storage_cfg.recycle_days, 30, 1, 3650, "回收站保留天数，之后彻底删除"),
    CONFIG_INT(storage_blob_grace_hours, &storage_cfg.blob_grace_hours, 24, 0, 8760, "无人引用的文件内容保留的小时数，之后清理"),
    CONFIG_INT(storage_upload_expiry_hours, &storage_cfg.upload_expiry_hours, 24, 1, 720, "未完成的上传保留的小时数，之后清理"),
    CONFIG_INT(storage_transcode_timeout_min, &storage_cfg.transcode_timeout_min, 360, 1, 2880, "一个视频转码的最长时间（分钟）"),
    CONFIG_INT(storage_transcode_stall_s, &storage_cfg.transcode_stall_s, 120, 10, 3600, "转码无进展超过此时间（秒）即中止"),
    CONFIG_INT(storage_share_max_days, &storage_cfg.share_max_days, 365, 1, 3650, "分享链接的最长有效天数"),
    {NULL},
};
// clang-format on

static const auth_perm_t PERMS[] = {
    {"storage.read", "查看与下载共享空间文件", AUTH_DUTY_BUSINESS},
    {"storage.write", "上传与维护共享空间文件", AUTH_DUTY_BUSINESS},
    {"storage.share", "创建与管理分享链接", AUTH_DUTY_BUSINESS},
    {"storage.admin", "存储管理（配额、校核、清除）", AUTH_DUTY_SYSTEM},
};
static const auth_perm_group_t PERM_GROUPS[] = {{"storage", "存储与共享空间", PERMS, 4}, {NULL}};

const char *const STORAGE_PURPOSES[] = {"photo", "video", "document", "attachment", NULL};

static const zd_label_t PURPOSE[] = {{"photo", "图片", "success"},
                                     {"video", "视频", "primary"},
                                     {"document", "文档", "info"},
                                     {"attachment", "附件", "info"},
                                     {NULL}};
static const zd_label_t UPLOAD_STATUS[] = {{"receiving", "上传中", "primary"},
                                           {"processing", "处理中", "warning"},
                                           {"done", "已完成", "success"},
                                           {"refused", "已拒收", "danger"},
                                           {"failed", "处理失败", "danger"},
                                           {"cancelled", "已取消", "info"},
                                           {NULL}};
static const zd_label_t MEDIA_STATUS[] = {
    {"none", "无需处理", "info"},   {"pending", "等待处理", "info"},  {"processing", "处理中", "warning"},
    {"ready", "已就绪", "success"}, {"failed", "处理失败", "danger"}, {NULL}};
static const zd_label_t BLOB_STATUS[] = {{"ok", "完好", "success"},
                                         {"missing", "文件缺失", "danger"},
                                         {"corrupt", "内容不符（已隔离）", "danger"},
                                         {"deleting", "正在清除", "info"},
                                         {NULL}};
static const zd_label_t DIRECTION[] = {
    {"upload", "上传", "primary"}, {"download", "下载", "success"}, {NULL}};
static const zd_label_t CHANNEL[] = {
    {"console", "管理后台", "info"}, {"share", "分享链接", "warning"}, {"api", "接口", "info"}, {NULL}};
static const zd_label_t TRASH_KIND[] = {{"file", "文件"}, {"folder", "文件夹"}, {NULL}};
static const zd_label_t TARGET[] = {{"storage_file", "文件"},
                                    {"storage_folder", "文件夹"},
                                    {"storage_upload", "上传"},
                                    {"storage_share", "分享链接"},
                                    {"storage_blob", "存储对象"},
                                    {"storage_usage", "存储配额"},
                                    {NULL}};
/* actions written by jobs (the routes' own are labelled by their summaries) */
static const zd_label_t ACTIONS[] = {{"storage.file.create", "上传文件入库"},
                                     {"storage.upload.refused", "拒收上传文件"},
                                     {"storage.verify.finding", "存储校核发现异常"},
                                     {"storage.trash.purge_expired", "回收站到期清除"},
                                     {NULL}};
static const zd_label_t SHARE_STATUS[] = {{"active", "有效", "success"},
                                          {"expired", "已过期", "info"},
                                          {"exhausted", "次数已用完", "info"},
                                          {"revoked", "已撤销", "danger"},
                                          {NULL}};
static const zd_label_t LOG_EVENT[] = {{"storage.upload", "文件上传", "info"},
                                       {"storage.download", "文件下载", "info"},
                                       {"storage.upload_refused", "上传被拒绝", "warning"},
                                       {"storage.upload_write", "上传写入失败", "danger"},
                                       {"storage.share_password_wrong", "分享提取码错误", "warning"},
                                       {"storage.virus_found", "发现病毒", "danger"},
                                       {"storage.integrity", "存储完整性问题", "danger"},
                                       {"storage.transfer_log_failed", "传输日志写入失败", "danger"},
                                       {"storage.scanner_unavailable", "病毒扫描不可用", "danger"},
                                       {"scan.clamav", "病毒扫描引擎消息", "warning"},
                                       {"scan.reload_failed", "病毒库载入失败", "danger"},
                                       {"scan.reloaded", "病毒库已载入", "success"},
                                       {NULL}};
static const zd_dict_t DICTS[] = {{"log_event", "日志事件", LOG_EVENT},
                                  {"storage_purpose", "文件用途", PURPOSE},
                                  {"storage_upload_status", "上传状态", UPLOAD_STATUS},
                                  {"storage_media_status", "媒体处理状态", MEDIA_STATUS},
                                  {"storage_blob_status", "存储对象状态", BLOB_STATUS},
                                  {"storage_transfer_direction", "传输方向", DIRECTION},
                                  {"storage_transfer_channel", "传输渠道", CHANNEL},
                                  {"storage_trash_kind", "回收站类别", TRASH_KIND},
                                  {"storage_share_status", "分享链接状态", SHARE_STATUS},
                                  {"audit_target", "审计对象", TARGET},
                                  {"audit_action", "审计操作", ACTIONS},
                                  {NULL}};

/* ---- purposes ---- */

static const char *const PHOTO_TYPES[] = {"image/jpeg", "image/png",  "image/webp", "image/gif",
                                          "image/tiff", "image/heic", "image/heif", NULL};
static const char *const VIDEO_TYPES[] = {
    "video/mp4",   "video/quicktime", "video/x-matroska", "video/webm", "video/x-msvideo", "video/mpeg",
    "video/x-flv", "video/3gpp",      "video/x-ms-asf",   "video/MP2T", "video/x-m4v",     NULL};
static const char *const DOC_TYPES[] = {
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/vnd.ms-office",
    "application/CDFV2",
    "application/ofd",
    "application/rtf",
    "text/rtf",
    "text/plain",
    "text/csv",
    NULL};

static int64_t g_scan_max; /* bytes the scanner takes whole; 0: no scanner */

int64_t storage_purpose_max(const char *purpose)
{
    int64_t mb = !purpose                         ? -1
                 : !strcmp(purpose, "photo")      ? storage_cfg.photo_max_mb
                 : !strcmp(purpose, "video")      ? storage_cfg.video_max_mb
                 : !strcmp(purpose, "document")   ? storage_cfg.document_max_mb
                 : !strcmp(purpose, "attachment") ? storage_cfg.attachment_max_mb
                                                  : -1;
    if (mb < 0)
        return -1;
    /* a file the scanner cannot read whole is not taken (fail closed) */
    return g_scan_max > 0 && g_scan_max < (mb << 20) ? g_scan_max : mb << 20;
}

const char *storage_purpose_title(const char *purpose)
{
    for (const zd_label_t *l = PURPOSE; l->value; l++)
        if (!strcmp(l->value, purpose))
            return l->label;
    return purpose;
}

void storage_part_path(const char *id, char *out, size_t outsz)
{
    char dir[1100];
    storage_data_dir("uploads", dir, sizeof dir);
    snprintf(out, outsz, "%s/%.40s.part", dir, id);
}

const char *const *storage_purpose_types(const char *purpose, const char **formats)
{
    if (!strcmp(purpose, "photo")) {
        *formats = "JPEG、PNG、WebP、GIF、TIFF、HEIF 图片";
        return PHOTO_TYPES;
    }
    if (!strcmp(purpose, "video")) {
        *formats = "MP4、MOV、MKV、WebM、AVI、MPEG、FLV 等视频";
        return VIDEO_TYPES;
    }
    if (!strcmp(purpose, "document")) {
        *formats = "PDF、Word、Excel、PowerPoint、WPS/OpenDocument、OFD、RTF、纯文本";
        return DOC_TYPES;
    }
    *formats = "任意类型（可执行程序与脚本除外）";
    return NULL; /* attachment: anything but what storage_upload refuses for every purpose */
}

/* ---- the object store and the scanner ---- */

static const config_t *g_cfg;
static db_t *g_db;
static blob_store_t *g_blobs;
static scan_engine_t *g_scan;
static char g_scan_error[512];

blob_store_t *storage_blobs(void) { return g_blobs; }
scan_engine_t *storage_scanner(void) { return g_scan; }
const char *storage_scanner_error(void) { return g_scan_error[0] ? g_scan_error : NULL; }
const config_t *storage_config(void) { return g_cfg; }
db_t *storage_db(void) { return g_db; }

void storage_data_dir(const char *sub, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s/%s", g_cfg->data, sub);
    fileio_mkdirs(out);
}

static int open_blobs(char *err, size_t errlen)
{
    if (!strcmp(storage_cfg.backend, "s3")) {
        blob_s3_config_t s3 = {.endpoint = storage_cfg.s3_endpoint,
                               .region = storage_cfg.s3_region,
                               .bucket = storage_cfg.s3_bucket,
                               .prefix = storage_cfg.s3_prefix,
                               .access_key = storage_cfg.s3_access_key,
                               .secret_key = storage_cfg.s3_secret_key,
                               .path_style = storage_cfg.s3_path_style,
                               .verify_tls = storage_cfg.s3_verify_tls};
        g_blobs = blob_s3_new(&s3, err, errlen);
    } else if (!strcmp(storage_cfg.backend, "local")) {
        char dir[1100];
        if (storage_cfg.blob_dir[0])
            str_lcpy(dir, storage_cfg.blob_dir, sizeof dir);
        else
            snprintf(dir, sizeof dir, "%s/blobs", g_cfg->data);
        g_blobs = blob_local_new(dir, err, errlen);
    } else {
        snprintf(err, errlen, "storage_backend must be local or s3, not \"%s\"", storage_cfg.backend);
        return -1;
    }
    return g_blobs ? 0 : -1;
}

/* The scanner failing to start is not fatal: uploads are refused (when
 * scan_required) and the system page says why. */
static void open_scanner(void)
{
    char dir[1100], err[400] = "";
    if (storage_cfg.clamav_dir[0])
        str_lcpy(dir, storage_cfg.clamav_dir, sizeof dir);
    else {
        snprintf(dir, sizeof dir, "%s/clamav", g_cfg->data);
        if (scan_write_bundled(dir, err, sizeof err) != 0) {
            snprintf(g_scan_error, sizeof g_scan_error, "无法写入内置病毒特征库：%s", err);
            log_msg(LOG_SECURITY, LOG_ERROR, "storage.scanner_unavailable", "%s", err);
            return;
        }
    }
    scan_options_t o = {.sigdir = dir,
                        .max_file_mb = storage_cfg.video_max_mb > storage_cfg.attachment_max_mb
                                           ? storage_cfg.video_max_mb
                                           : storage_cfg.attachment_max_mb};
    g_scan = scan_new(&o, err, sizeof err);
    if (g_scan) {
        json_t *info = scan_info(g_scan);
        g_scan_max = json_integer_value(json_object_get(info, "max_file_mb")) << 20;
        json_decref(info);
    } else {
        snprintf(g_scan_error, sizeof g_scan_error, "病毒扫描引擎未能启动：%s", err);
        log_msg(LOG_SECURITY, LOG_ERROR, "storage.scanner_unavailable", "%s", err);
    }
}

static int storage_init(zd_app_t *app, char *err, size_t errlen)
{
    g_cfg = app->cfg;
    g_db = app->db;
    if (open_blobs(err, errlen) != 0)
        return -1;
    char merr[256];
    if (media_image_init("zhendi", merr, sizeof merr) != 0) {
        snprintf(err, errlen, "storage: image library: %s", merr);
        return -1;
    }
    if (app->http)
        open_scanner();
    /* the people who run a site's shared space; members read it */
    static const char *const RW[] = {"storage.read", "storage.write", "storage.share", NULL};
    for (const char *const *p = RW; *p; p++) {
        auth_grant_default("worker", *p);
        auth_grant_default("secretary", *p);
    }
    /* the system administrator hands the roles above out, so holds what they hold */
    for (const char *const *p = RW; *p; p++)
        auth_grant_default("sys_admin", *p);
    auth_grant_default("sys_admin", "storage.admin");
    jobs_register("storage.ingest", "上传文件入库（校验、病毒扫描）", storage_job_ingest);
    jobs_register("storage.media", "图片与视频处理（缩略图、转码）", storage_job_media);
    jobs_register("storage.verify", "存储完整性校核", storage_job_verify);
    jobs_register("storage.gc", "存储清理（过期上传、回收站、无引用对象）", storage_job_gc);
    if (jobs_define_schedule(app->db, "storage.verify", "每周存储完整性校核", "40 3 * * 0", "storage.verify",
                             NULL) != 0 ||
        jobs_define_schedule(app->db, "storage.gc", "每小时存储清理", "25 * * * *", "storage.gc", NULL) !=
            0) {
        snprintf(err, errlen, "storage: cannot define its schedules");
        return -1;
    }
    if (storage_upload_routes(app, err, errlen) != 0 || storage_file_routes(app, err, errlen) != 0 ||
        storage_share_routes(app, err, errlen) != 0 || storage_admin_routes(app, err, errlen) != 0)
        return -1;
    return 0;
}

static void storage_shutdown(void)
{
    scan_free(g_scan);
    g_scan = NULL;
    blob_free(g_blobs);
    g_blobs = NULL;
    media_image_shutdown();
}

static const zd_command_t COMMANDS[] = {
    {"storage", "storage verify [--json]   re-hash every stored blob, quarantine and report mismatches",
     storage_cli_run},
    {NULL, NULL, NULL},
};

const zd_module_t storage_module = {.name = "storage",
                                    .title = "存储与共享空间",
                                    .init = storage_init,
                                    .shutdown = storage_shutdown,
                                    .commands = COMMANDS,
                                    .settings = SETTINGS,
                                    .permissions = PERM_GROUPS,
                                    .dicts = DICTS};
