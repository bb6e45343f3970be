/* system.c — the platform's own module: health, metrics, system
 * information, the log viewer, and the housekeeping jobs (backup, log and
 * job retention, database maintenance). */
#include "auth/auth.h"
#include "core/log.h"
#include "core/pgdump.h"
#include "core/sqlite_util.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "jobs/jobs.h"
#include "modules/module.h"
#include "modules/system/internal.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

static zd_app_t *app;

/* ---- health and metrics ---- */

static void get_healthz(http_req_t *req)
{
    db_conn_t *c = db_acquire(app->db);
    int64_t one = 0;
    bool ok = c && db_query_int64(c, "SELECT 1", &one) == 1 && one == 1;
    db_release(c);
    if (!ok) {
        http_json(req, 503,
                  json_pack("{s:s,s:{s:s,s:s}}", "status", "unavailable", "error", "code", "db_unavailable",
                            "message", "数据库无响应"));
        return;
    }
    http_json(req, 200,
              json_pack("{s:s,s:s,s:s,s:I}", "status", "ok", "version", ZHENDI_VERSION, "db",
                        db_backend_name(app->db), "uptime_s",
                        (json_int_t)((time_now_ms() - app->started_at) / 1000)));
}

static void get_metrics(http_req_t *req)
{
    sbuf_t o;
    sbuf_init(&o);
    sbuf_printf(&o,
                "# HELP zhendi_build_info Version of the running binary.\n"
                "# TYPE zhendi_build_info gauge\nzhendi_build_info{version=\"%s\",db=\"%s\"} 1\n",
                ZHENDI_VERSION, db_backend_name(app->db));
    sbuf_printf(&o,
                "# HELP zhendi_uptime_seconds Seconds since start.\n"
                "# TYPE zhendi_uptime_seconds gauge\nzhendi_uptime_seconds %lld\n",
                (long long)((time_now_ms() - app->started_at) / 1000));
    if (app->http)
        http_server_metrics(app->http, &o);
    int size, in_use, waiting;
    int64_t timeouts;
    db_pool_stats(app->db, &size, &in_use, &waiting, &timeouts);
    sbuf_printf(&o,
                "# HELP zhendi_db_pool_connections Database connections by state.\n"
                "# TYPE zhendi_db_pool_connections gauge\n"
                "zhendi_db_pool_connections{state=\"max\"} %d\n"
                "zhendi_db_pool_connections{state=\"in_use\"} %d\n"
                "zhendi_db_pool_connections{state=\"waiting\"} %d\n"
                "# HELP zhendi_db_pool_timeouts_total Requests that found no free connection.\n"
                "# TYPE zhendi_db_pool_timeouts_total counter\nzhendi_db_pool_timeouts_total %lld\n",
                size, in_use, waiting, (long long)timeouts);
    jobs_metrics(app->db, &o);
    size_t len = o.len;
    http_send_owned(req, 200, "text/plain; version=0.0.4; charset=utf-8", sbuf_detach(&o), len);
}

/* ---- system information ---- */

static int64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
}

static void get_info(http_req_t *req)
{
    json_t *o = json_object();
    json_object_set_new(o, "version", json_string(ZHENDI_VERSION));
    json_object_set_new(o, "started_at", json_time(app->started_at));
    json_object_set_new(o, "uptime_s", json_integer((time_now_ms() - app->started_at) / 1000));
    json_object_set_new(o, "db_backend", json_string(db_backend_name(app->db)));
    json_object_set_new(o, "db", json_string(db_display_name(app->db)));
    json_object_set_new(o, "data_dir", json_string(app->cfg->data));
    json_object_set_new(o, "timezone", json_string(app->cfg->timezone));
    if (db_dialect(app->db) == DB_SQLITE) {
        char wal[1100];
        snprintf(wal, sizeof wal, "%s-wal", db_display_name(app->db));
        json_object_set_new(o, "db_bytes",
                            json_integer(file_size(db_display_name(app->db)) + file_size(wal)));
    } else {
        db_conn_t *c = db_acquire(app->db); /* info still answers when the database does not */
        int64_t bytes = 0;
        if (c && db_query_int64(c, "SELECT pg_database_size(current_database())", &bytes) == 1)
            json_object_set_new(o, "db_bytes", json_integer(bytes));
        db_release(c);
    }
    struct statvfs vfs;
    if (statvfs(app->cfg->data, &vfs) == 0) {
        json_object_set_new(o, "disk_total_bytes", json_integer((json_int_t)(vfs.f_blocks * vfs.f_frsize)));
        json_object_set_new(o, "disk_free_bytes", json_integer((json_int_t)(vfs.f_bavail * vfs.f_frsize)));
    }
    sbuf_t cfg;
    sbuf_init(&cfg);
    config_dump(app->cfg, &cfg);
    json_object_set_new(o, "config", json_string(cfg.data));
    sbuf_free(&cfg);
    if (app->http)
        json_object_set_new(o, "requests_in_flight", json_integer(http_server_inflight(app->http)));
    json_object_set_new(o, "jobs", jobs_health_json());
    http_json(req, 200, o);
}

/* ---- log viewer ---- */

/* GET /api/v1/system/logs?kind=&level=&q=&from=&to=&limit= — newest first,
 * from the tail (4 MiB) of the current file of that kind. */
static const char *const LOG_KIND_NAMES[] = {"system", "app",    "job",      "transfer",
                                             "db",     "access", "security", NULL};
static const char *const LOG_LEVELS[] = {"debug", "info", "warn", "error", NULL};
static const vfield_t LOG_QUERY[] = {
    {"kind", V_ENUM, .choices = LOG_KIND_NAMES, .title = "日志类别（默认 system）"},
    {"level", V_ENUM, .choices = LOG_LEVELS, .title = "最低级别"},
    {"q", V_STR, .max = 100, .title = "包含的文字"},
    {"from", V_TIME, .title = "起始时间"},
    {"to", V_TIME, .title = "截止时间"},
    {"limit", V_INT, .min = 1, .max = 2000, .title = "最多条数（默认 200）"},
};

static void get_logs(http_req_t *req)
{
    const char *kind = http_query(req, "kind");
    const char *level = http_query(req, "level");
    const char *q = http_query(req, "q");
    const char *from = http_query(req, "from"), *to = http_query(req, "to");
    log_kind_t k = LOG_SYSTEM;
    log_level_t minlvl = LOG_DEBUG;
    int64_t from_ms = 0, to_ms = INT64_MAX, limit = http_query_i64(req, "limit", 200);
    if (kind)
        log_kind_parse(kind, &k);
    if (level)
        log_level_parse(level, &minlvl);
    if (from)
        time_parse_iso8601(from, &from_ms);
    if (to)
        time_parse_iso8601(to, &to_ms);
    if (!log_dir()) {
        http_list(req, json_array(), 0, 1, limit);
        return;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.log", log_dir(), log_kind_name(k));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    json_t *items = json_array();
    if (fd >= 0) {
        struct stat st;
        fstat(fd, &st);
        off_t want = st.st_size > (4 << 20) ? (4 << 20) : st.st_size;
        char *buf = malloc((size_t)want + 1);
        ssize_t got = buf ? pread(fd, buf, (size_t)want, st.st_size - want) : -1;
        close(fd);
        if (got > 0) {
            buf[got] = 0;
            /* walk lines backwards */
            char *end = buf + got;
            while (end > buf && (int64_t)json_array_size(items) < limit) {
                char *nl = end - 1;
                if (*nl == '\n')
                    *nl = 0;
                char *start = nl;
                while (start > buf && start[-1] != '\n')
                    start--;
                if (start == buf && want < st.st_size)
                    break; /* first line of the window may be cut */
                end = start;
                json_t *rec = json_loads(start, 0, NULL);
                if (!json_is_object(rec)) {
                    json_decref(rec);
                    continue;
                }
                log_level_t lv;
                int64_t ts = 0;
                bool keep = log_level_parse(jstr(rec, "level"), &lv) && lv >= minlvl &&
                            time_parse_iso8601(jstr(rec, "ts"), &ts) && ts >= from_ms && ts <= to_ms &&
                            (!q || strstr(start, q));
                if (keep)
                    json_array_append_new(items, rec);
                else
                    json_decref(rec);
            }
        }
        free(buf);
    }
    http_list(req, items, (int64_t)json_array_size(items), 1, limit);
}

/* Log file names are "<kind>.log" or "<kind>-YYYYMMDD-HHMMSS[-N].log". */
static bool log_file_name(const char *n, log_kind_t *kind)
{
    char k[16];
    size_t i = 0;
    while (n[i] >= 'a' && n[i] <= 'z' && i < sizeof k - 1) {
        k[i] = n[i];
        i++;
    }
    k[i] = 0;
    if (!log_kind_parse(k, kind) || !str_ends_with(n, ".log") || strlen(n) > 64)
        return false;
    for (const char *p = n + i; *p && p < n + strlen(n) - 4; p++)
        if (!(*p == '-' || (*p >= '0' && *p <= '9')))
            return false;
    return true;
}

/* GET /api/v1/system/log-files — current and rotated files, newest first. */
static void list_log_files(http_req_t *req)
{
    json_t *items = json_array();
    DIR *d = log_dir() ? opendir(log_dir()) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        log_kind_t k;
        char path[4200];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", log_dir(), e->d_name);
        if (!log_file_name(e->d_name, &k) || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        json_array_append_new(items, json_pack("{s:s,s:s,s:I,s:o,s:b}", "name", e->d_name, "kind",
                                               log_kind_name(k), "bytes", (json_int_t)st.st_size,
                                               "modified_at", json_time((int64_t)st.st_mtime * 1000),
                                               "current", !strchr(e->d_name, '-')));
    }
    if (d)
        closedir(d);
    /* newest first: by modification time */
    size_t n = json_array_size(items);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0; j--) {
            json_t *a = json_array_get(items, j - 1), *b = json_array_get(items, j);
            if (strcmp(jstr(a, "modified_at"), jstr(b, "modified_at")) >= 0)
                break;
            json_incref(a);
            json_array_set(items, j - 1, b);
            json_array_set_new(items, j, a);
        }
    http_json(req, 200, json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)n));
}

/* GET /api/v1/system/log-files/{name} — download one file (audited). */
static void get_log_file(http_req_t *req)
{
    const char *name = http_param(req, "name");
    log_kind_t k;
    if (!name || !log_file_name(name, &k) || !log_dir()) {
        http_error(req, 404, "not_found", "日志文件不存在");
        return;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", log_dir(), name);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        http_error(req, 404, "not_found", "日志文件不存在");
        return;
    }
    audit_entry_t ae = {.target_type = "log_file", .target_id = name};
    if (!audit_req(req, &ae)) {
        close(fd);
        return;
    }
    http_attachment(req, name, name);
    http_send_fd(req, 200, "application/x-ndjson; charset=utf-8", fd, 0, (uint64_t)st.st_size);
}

/* ---- housekeeping jobs ---- */

static int cmp_str_desc(const void *a, const void *b) { return strcmp(*(char *const *)b, *(char *const *)a); }

/* Keeps the newest `keep` backups (zhendi-*.db from SQLite, zhendi-*.dump
 * from PostgreSQL) in dir; returns how many went. */
static int prune_backups(const char *dir, int keep)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    char *names[4096];
    int n = 0, removed = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 4096)
        if (str_starts_with(e->d_name, "zhendi-") &&
            (str_ends_with(e->d_name, ".db") || str_ends_with(e->d_name, ".dump")))
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str_desc);
    for (int i = 0; i < n; i++) {
        if (i >= keep) {
            char p[4200];
            snprintf(p, sizeof p, "%s/%s", dir, names[i]);
            if (unlink(p) == 0)
                removed++;
        }
        free(names[i]);
    }
    return removed;
}

int system_backup_now(const config_t *cfg, db_t *db, char *path, size_t pathsz, char *err, size_t errlen)
{
    char dir[1100];
    config_backup_dir(cfg, dir, sizeof dir);
    if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    char stamp[40];
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    bool pg = db_dialect(db) == DB_POSTGRES;
    snprintf(path, pathsz, "%s/zhendi-%s.%s", dir, stamp, pg ? "dump" : "db");
    if (pg) {
        char url[1100];
        config_db_url(cfg, url, sizeof url); /* db_display_name masks the password */
        if (pgdump_backup(url, path, err, errlen) != 0)
            return -1;
    } else if (sqlite_backup_file(db_display_name(db), path, err, errlen) != 0) {
        return -1;
    }
    prune_backups(dir, (int)cfg->backup_keep);
    return 0;
}

static int job_backup(job_ctx_t *ctx)
{
    char path[1200], err[512];
    if (system_backup_now(app->cfg, job_db(ctx), path, sizeof path, err, sizeof err) != 0) {
        job_error(ctx, "%s", err);
        return JOB_RETRY;
    }
    job_items(ctx, 1);
    job_result(ctx, json_pack("{s:s,s:I}", "file", path, "bytes", (json_int_t)file_size(path)));
    log_msg(LOG_SYSTEM, LOG_INFO, "backup.done", "备份完成：%s", path);
    return JOB_OK;
}

static int job_log_prune(job_ctx_t *ctx)
{
    int n = log_prune();
    job_items(ctx, n);
    job_result(ctx, json_pack("{s:i}", "removed_files", n));
    return JOB_OK;
}

static int job_jobs_purge(job_ctx_t *ctx)
{
    db_conn_t *c = db_acquire(job_db(ctx));
    if (!c) {
        job_error(ctx, "no database connection");
        return JOB_RETRY;
    }
    int rc = JOB_RETRY;
    db_stmt_t *st = db_prepare(c, "DELETE FROM jobs WHERE status IN ('done', 'dead', 'cancelled') "
                                  "AND finished_at < ?");
    if (st) {
        db_bind_int64(st, 1, time_now_ms() - app->cfg->job_keep_days * 86400000);
        if (db_step(st) == DB_DONE) {
            job_items(ctx, db_changes(c));
            job_result(ctx, json_pack("{s:I}", "removed_jobs", (json_int_t)db_changes(c)));
            rc = JOB_OK;
        }
        db_done(st);
    }
    if (rc != JOB_OK)
        job_error(ctx, "%s", db_errmsg(c));
    db_release(c);
    return rc;
}

static int job_db_maintain(job_ctx_t *ctx)
{
    if (db_maintain(job_db(ctx)) != 0) {
        job_error(ctx, "database maintenance failed");
        return JOB_RETRY;
    }
    job_items(ctx, 1);
    return JOB_OK;
}

/* ---- the platform's documents: API reference, labels, to-do list ---- */

static void get_openapi(http_req_t *req) { http_json(req, 200, system_openapi_document(app->http)); }

static void get_dicts(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    json_t *d = modules_dicts(app->http);
    if (modules_live_dicts(c, d) != 0) {
        json_decref(d);
        http_db_error(req, c);
        return;
    }
    http_json(req, 200, json_pack("{s:o}", "dicts", d));
}

static void get_todo(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    json_t *o = modules_todo(req, c);
    if (!o)
        http_db_error(req, c);
    else
        http_json(req, 200, o);
}

static const vfield_t LOG_FILE_OUT[] = {{"name", V_STR},
                                        {"kind", V_ENUM, .choices = LOG_KIND_NAMES},
                                        {"bytes", V_INT},
                                        {"modified_at", V_TIME},
                                        {"current", V_BOOL, .title = "正在写入的文件"}};

/* one route, one or two lines */
// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/healthz", .handler = get_healthz, .perm = HTTP_ANYONE, .flags = HTTP_PUBLIC,
     .summary = "健康检查", .notes = "200 {status:ok,version,db,uptime_s}; 503 when the database does not answer"},
    {.method = "GET", .pattern = "/metrics", .handler = get_metrics, .perm = HTTP_ANYONE, .flags = HTTP_PUBLIC,
     .summary = "Prometheus 指标", .notes = "Prometheus text format; restrict it at the reverse proxy"},
    {.method = "GET", .pattern = "/api/v1/system/info", .handler = get_info, .perm = "system.read",
     .summary = "系统状态", .notes = "version, uptime, database, disk, effective configuration (secrets masked)"},
    {.method = "GET", .pattern = "/api/v1/system/logs", .handler = get_logs, .perm = "system.read",
     .summary = "运行日志", HTTP_QUERY(LOG_QUERY),
     .notes = "newest first, from the tail (4 MiB) of the current file of that kind"},
    {.method = "GET", .pattern = "/api/v1/system/log-files", .handler = list_log_files, .perm = "system.read",
     .summary = "日志文件列表", HTTP_OUT(LOG_FILE_OUT)},
    {.method = "GET", .pattern = "/api/v1/system/log-files/{name}", .handler = get_log_file,
     .perm = "system.read", .flags = HTTP_DOWNLOAD, .summary = "下载日志文件", .audit = "system.log_download"},
    {.method = "GET", .pattern = "/api/v1/openapi.json", .handler = get_openapi, .perm = HTTP_LOGIN,
     .summary = "接口文档（OpenAPI 3.1）", .notes = "generated from the route tables of every module"},
    {.method = "GET", .pattern = "/api/v1/dicts", .handler = get_dicts, .perm = HTTP_LOGIN,
     .flags = HTTP_PW_EXPIRED_OK, .summary = "数据字典（代码的中文名称）",
     .notes = "{dicts:{name:{title,items:[{value,label,tag}]}}}: every code a user can see, labelled by its " "module"},
    {.method = "GET", .pattern = "/api/v1/dashboard/todo", .handler = get_todo, .perm = HTTP_LOGIN,
     .flags = HTTP_PW_EXPIRED_OK, .summary = "我的待办",
     .notes = "{items:[{key,title,count,link}]}: what each module has waiting for the caller"},
};
// clang-format on

static int system_init(zd_app_t *a, char *err, size_t errlen)
{
    app = a;
    if (module_routes(a, routes, VN(routes), err, errlen) != 0 || system_jobs_routes(a, err, errlen) != 0)
        return -1;
    jobs_register("system.backup", "数据库备份", job_backup);
    jobs_register("system.log_prune", "清理过期日志", job_log_prune);
    jobs_register("system.jobs_purge", "清理已完成任务", job_jobs_purge);
    jobs_register("system.db_maintain", "数据库维护", job_db_maintain);
    if (jobs_define_schedule(a->db, "system.backup", "每日数据库备份", "30 2 * * *", "system.backup", NULL) !=
            0 ||
        jobs_define_schedule(a->db, "system.log_prune", "每日清理过期日志", "10 3 * * *", "system.log_prune",
                             NULL) != 0 ||
        jobs_define_schedule(a->db, "system.jobs_purge", "每日清理已完成任务", "20 3 * * *",
                             "system.jobs_purge", NULL) != 0 ||
        jobs_define_schedule(a->db, "system.db_maintain", "每周数据库维护", "0 4 * * 0", "system.db_maintain",
                             NULL) != 0) {
        snprintf(err, errlen, "cannot define the system schedules");
        return -1;
    }
    return 0;
}

static const auth_perm_t PERMS[] = {
    {"system.read", "查看系统状态与运行日志", AUTH_DUTY_SYSTEM},
    {"job.read", "查看任务与调度", AUTH_DUTY_SYSTEM},
    {"job.write", "管理任务调度", AUTH_DUTY_SYSTEM},
};
static const auth_perm_group_t PERM_GROUPS[] = {{"system", "系统运维", PERMS, 3}, {NULL}};

static const zd_label_t JOB_STATUS[] = {{"queued", "排队中", "info"},    {"running", "执行中", "primary"},
                                        {"done", "已完成", "success"},   {"dead", "已失败", "danger"},
                                        {"cancelled", "已取消", "info"}, {NULL}};
static const zd_label_t RUN_STATUS[] = {{"running", "执行中", "primary"},
                                        {"done", "已完成", "success"},
                                        {"failed", "失败", "danger"},
                                        {"lost", "中断", "warning"},
                                        {NULL}};
static const zd_label_t LOG_KIND[] = {
    {"system", "系统日志"},   {"app", "应用日志"},  {"job", "批处理日志"},  {"transfer", "文件传输日志"},
    {"security", "安全日志"}, {"db", "数据库日志"}, {"access", "访问日志"}, {NULL}};
static const zd_label_t LOG_LEVEL[] = {{"debug", "调试"},
                                       {"info", "信息", "info"},
                                       {"warn", "警告", "warning"},
                                       {"error", "错误", "danger"},
                                       {NULL}};
static const zd_label_t ACTIONS[] = {
    {"system.bootstrap", "系统初始化"}, {"system.demo_load", "加载演示数据"}, {NULL}};
/* the job kinds by their titles (registered by the modules at start) */
static int system_live_dicts(db_conn_t *c, json_t *dicts)
{
    (void)c;
    json_t *items = modules_dict_items(dicts, "job_kind", "任务类型");
    json_t *kinds = jobs_kinds_json();
    size_t i;
    json_t *k;
    json_array_foreach(kinds, i, k)
        json_array_append_new(items, json_pack("{s:O,s:O,s:s}", "value", json_object_get(k, "kind"), "label",
                                               json_object_get(k, "title"), "tag", "info"));
    json_decref(kinds);
    return 0;
}

static const zd_label_t FIELD[] = {{"max_attempts", "最多尝试次数"},
                                   {"attempt", "第几次尝试"},
                                   {"error", "错误"},
                                   {"job_run.kind", "任务类型"},
                                   {"schedule.name", "-"},
                                   {"schedule.title", "名称"},
                                   {"cron", "执行计划（cron）"},
                                   {"job_kind", "任务类型"},
                                   {"next_run_at", "下次执行"},
                                   {"last_run_at", "上次执行"},
                                   {"last_job_id", "上次执行的任务"},
                                   {"started_at", "开始时间"},
                                   {"finished_at", "完成时间"},
                                   {"job.kind", "-"},
                                   {"job.title", "任务类型"},
                                   {"duration_ms", "耗时（毫秒）"},
                                   {NULL}};
/* events of the platform's own logs (core, http, database, jobs, audit);
 * each module labels its own events under the same dictionary */
static const zd_label_t LOG_EVENT[] = {{"server.started", "服务启动", "success"},
                                       {"server.stopping", "服务停止中", "info"},
                                       {"server.stopped", "服务已停止", "info"},
                                       {"server.drain_timeout", "停止时请求未完成", "warning"},
                                       {"server.checkpoint_failed", "数据库检查点失败", "danger"},
                                       {"http.request", "HTTP 请求", "info"},
                                       {"http.mhd", "HTTP 服务库消息", "warning"},
                                       {"http.per_ip_limit", "单地址连接数超限", "warning"},
                                       {"http.slow_client", "慢速客户端断开", "warning"},
                                       {"http.spool_failed", "请求内容暂存失败", "danger"},
                                       {"http.upload_failed", "上传文件保存失败", "danger"},
                                       {"http.docx_failed", "Word 文档生成失败", "danger"},
                                       {"http.no_response", "接口未应答", "danger"},
                                       {"http.batch_thread", "合并提交线程启动失败", "danger"},
                                       {"http.double_response", "接口重复应答", "danger"},
                                       {"http.undeclared_query", "接口读取未声明参数", "danger"},
                                       {"http.unaudited", "成功操作缺少审计", "danger"},
                                       {"http.unaudited_commit", "事务缺少审计", "danger"},
                                       {"http.events_ticker", "事件流定时器失败", "danger"},
                                       {"db.connect_failed", "数据库连接失败", "danger"},
                                       {"db.reconnect_failed", "数据库重连失败", "danger"},
                                       {"db.reconnected", "数据库已重连", "warning"},
                                       {"db.pool_exhausted", "数据库连接池耗尽", "warning"},
                                       {"db.lock_leaked", "命名锁未释放", "warning"},
                                       {"db.tx_gave_up", "事务冲突重试失败", "warning"},
                                       {"db.notice", "数据库提示", "info"},
                                       {"db.prepare_failed", "SQL 语句准备失败", "danger"},
                                       {"db.slow_query", "慢查询", "warning"},
                                       {"db.error", "数据库错误", "danger"},
                                       {"db.migration_applied", "数据库迁移已执行", "success"},
                                       {"job.started", "任务开始", "info"},
                                       {"job.finished", "任务结束", "info"},
                                       {"job.lease_expired", "任务租约过期", "warning"},
                                       {"job.finish_failed", "任务结果保存失败", "danger"},
                                       {"job.bad_schedule", "定时任务配置错误", "danger"},
                                       {"job.stop_timeout", "停止时任务未完成", "warning"},
                                       {"schedule.fired", "定时任务触发", "info"},
                                       {"schedule.bad_cron", "执行计划无效", "danger"},
                                       {"audit.anchor", "审计链锚定", "info"},
                                       {"audit.anchor_failed", "审计链锚定失败", "danger"},
                                       {"audit.no_action", "审计记录缺少操作", "danger"},
                                       {"audit.write_failed", "审计记录写入失败", "danger"},
                                       {"backup.done", "备份完成", "success"},
                                       {"demo.loaded", "演示数据已载入", "info"},
                                       {"text.pinyin_unavailable", "汉字转拼音不可用", "warning"},
                                       {"dl.missing", "动态库缺失", "danger"},
                                       {NULL}};
/* fields of log records (the viewer's 内容 and detail) */
static const zd_label_t LOG_FIELD[] = {{"msg", "说明"},
                                       {"method", "方法"},
                                       {"path", "路径"},
                                       {"route", "接口"},
                                       {"status", "状态"},
                                       {"ms", "耗时（毫秒）"},
                                       {"bytes", "字节数"},
                                       {"ip", "地址"},
                                       {"user", "用户"},
                                       {"org", "组织"},
                                       {"id", "编号"},
                                       {"kind", "类别"},
                                       {"job", "任务"},
                                       {"worker", "工作线程"},
                                       {"workers", "工作线程数"},
                                       {"attempt", "第几次尝试"},
                                       {"error", "错误"},
                                       {"code", "代码"},
                                       {"sql", "SQL"},
                                       {"db", "数据库"},
                                       {"listen", "监听地址"},
                                       {"port", "端口"},
                                       {"threads", "线程数"},
                                       {"version", "版本"},
                                       {"migration", "迁移"},
                                       {"migrations_applied", "已执行迁移"},
                                       {"schedule", "定时任务"},
                                       {"name", "名称"},
                                       {"file", "文件"},
                                       {"filename", "文件名"},
                                       {"type", "类型"},
                                       {"upload", "上传"},
                                       {"channel", "渠道"},
                                       {"range", "范围"},
                                       {"share", "分享"},
                                       {"checksum", "校验值"},
                                       {"virus", "病毒"},
                                       {"entries", "词条数"},
                                       {"invalid", "无效词条"},
                                       {"states", "状态数"},
                                       {"memory_bytes", "内存（字节）"},
                                       {"build_ms", "编译耗时（毫秒）"},
                                       {"revision", "版本号"},
                                       {"items", "条目数"},
                                       {"completed", "已完成"},
                                       {"failures", "失败数"},
                                       {"aborted", "已中止"},
                                       {NULL}};
static const zd_dict_t DICTS[] = {{"field", "字段", FIELD},
                                  {"log_event", "日志事件", LOG_EVENT},
                                  {"log_field", "日志字段", LOG_FIELD},
                                  {"job_status", "任务状态", JOB_STATUS},
                                  {"job_run_status", "执行状态", RUN_STATUS},
                                  {"log_kind", "日志类别", LOG_KIND},
                                  {"log_level", "日志级别", LOG_LEVEL},
                                  {"audit_action", "审计操作", ACTIONS},
                                  {NULL}};

const zd_module_t system_module = {.name = "system",
                                   .title = "系统运维",
                                   .init = system_init,
                                   .permissions = PERM_GROUPS,
                                   .dicts = DICTS,
                                   .live_dicts = system_live_dicts};
