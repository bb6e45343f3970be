/* main.c — the zhendi command line:
 *   zhendi serve [--listen HOST:PORT] [--data DIR] [--db URL] [--demo]
 *   zhendi migrate | backup FILE | restore FILE | demo | config check | version
 * Exit status 0 on success; otherwise a one-line reason on stderr. */
#include "core/config.h"
#include "core/db.h"
#include "core/embed.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/migrate.h"
#include "core/pgdump.h"
#include "core/sqlite_util.h"
#include "core/timeutil.h"
#include "http/server.h"
#include "jobs/jobs.h"
#include "modules/module.h"
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *USAGE =
    "zhendi — 上海市党群服务阵地智慧服务平台\n"
    "usage:\n"
    "  zhendi serve   [--listen HOST:PORT] [--data DIR] [--db URL] [--demo]\n"
    "  zhendi migrate                 apply database migrations\n"
    "  zhendi backup FILE             online backup of the database, verified\n"
    "  zhendi restore FILE            verify FILE and make it the database (server stopped)\n"
    "  zhendi demo                    load demo data\n"
    "  zhendi config check            validate and print the effective configuration\n"
    "  zhendi version\n"
    "Every setting is also an option (--name value), an environment variable\n"
    "(ZHENDI_NAME) and a config file line (name = value); see `zhendi config check`.\n";

static void usage(FILE *f)
{
    fputs(USAGE, f);
    for (int i = 0; zd_modules[i]; i++)
        for (const zd_command_t *c = zd_modules[i]->commands; c && c->name; c++)
            fprintf(f, "  zhendi %s\n", c->usage);
}

static int fail(const char *fmt, const char *arg)
{
    fprintf(stderr, "zhendi: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return 1;
}

/* An exclusive lock on DATA/zhendi.lock: one server per data directory, and
 * no restore under a running server. -1 when held by someone else. */
static int lock_data_dir(const config_t *cfg)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/zhendi.lock", cfg->data);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return -1;
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    if (ftruncate(fd, 0) != 0 || write(fd, pid, (size_t)n) < 0) {
        /* the lock matters, the pid text is a courtesy */
    }
    return fd;
}

static void default_web_root(config_t *cfg)
{
    if (cfg->web_root[0])
        return;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return;
    exe[n] = 0;
    char *dir = dirname(exe); /* .../build */
    snprintf(cfg->web_root, sizeof cfg->web_root, "%s/../web/dist", dir);
    char real[PATH_MAX];
    if (realpath(cfg->web_root, real))
        str_lcpy(cfg->web_root, real, sizeof cfg->web_root);
}

static db_t *open_db(const config_t *cfg, int pool, char *err, size_t errlen)
{
    char url[1100];
    config_db_url(cfg, url, sizeof url);
    db_options_t o = {.pool_size = pool,
                      .slow_query_ms = (int)cfg->slow_query_ms,
                      .statement_timeout_ms = (int)cfg->db_statement_timeout_s * 1000,
                      .busy_timeout_ms = (int)cfg->db_lock_timeout_ms,
                      .cache_mb = (int)cfg->db_cache_mb};
    return db_open(url, &o, err, errlen);
}

static int cmd_migrate(const config_t *cfg)
{
    char err[512];
    if (fileio_mkdirs(cfg->data) != 0)
        return fail("cannot create data directory %s", cfg->data);
    db_t *db = open_db(cfg, 2, err, sizeof err);
    if (!db)
        return fail("%s", err);
    int applied = 0;
    int rc = migrate_run(db, zd_migrations, &applied, err, sizeof err);
    db_close(db);
    if (rc != 0)
        return fail("%s", err);
    printf("migrations applied: %d\n", applied);
    return 0;
}

static int cmd_backup(const config_t *cfg, const char *file)
{
    char url[1100], err[512];
    config_db_url(cfg, url, sizeof url);
    bool pg = str_starts_with(url, "postgres");
    /* PostgreSQL: pg_dump in custom format, checked with pg_restore --list */
    if ((pg ? pgdump_backup(url, file, err, sizeof err) : sqlite_backup_file(url, file, err, sizeof err)) !=
        0)
        return fail("%s", err);
    printf("backup written and verified: %s\n", file);
    return 0;
}

static int cmd_restore(const config_t *cfg, const char *file)
{
    char url[1100], err[512], kept[1200];
    config_db_url(cfg, url, sizeof url);
    if (fileio_mkdirs(cfg->data) != 0)
        return fail("cannot create data directory %s", cfg->data);
    if (str_starts_with(url, "postgres")) {
        /* every node's data directory is elsewhere: the check is on the nodes connected */
        char dir[1100];
        config_backup_dir(cfg, dir, sizeof dir);
        if (pgdump_restore(url, file, dir, kept, sizeof kept, err, sizeof err) != 0)
            return fail("%s", err);
        printf("restored %s into the PostgreSQL database\n", file); /* the URL may hold a password */
        if (kept[0])
            printf("previous contents kept as %s\n", kept);
        return 0;
    }
    int lock = lock_data_dir(cfg);
    if (lock < 0)
        return fail("%s", "a zhendi server is running on this data directory; stop it before restoring");
    int rc = sqlite_restore_file(file, url, kept, sizeof kept, err, sizeof err);
    close(lock);
    if (rc != 0)
        return fail("%s", err);
    printf("restored %s into %s\n", file, url);
    if (kept[0])
        printf("previous database kept as %s\n", kept);
    return 0;
}

static int cmd_serve(config_t *cfg)
{
    char err[512];
    int rc = 1;
    db_t *db = NULL;
    http_server_t *http = NULL;
    int lock = -1;
    bool jobs_running = false, modules_up = false;

    if (fileio_mkdirs(cfg->data) != 0)
        return fail("cannot create data directory %s", cfg->data);
    lock = lock_data_dir(cfg);
    if (lock < 0)
        return fail("another zhendi server is using %s", cfg->data);
    char logdir[1100];
    snprintf(logdir, sizeof logdir, "%s/logs", cfg->data);
    log_level_t lvl = LOG_INFO;
    log_level_parse(cfg->log_level, &lvl);
    log_options_t lo = {.max_bytes = cfg->log_max_mb << 20,
                        .keep_days = (int)cfg->log_keep_days,
                        .min_level = lvl,
                        .echo_stderr = true};
    if (log_open(logdir, &lo) != 0) {
        close(lock);
        return fail("cannot open logs in %s", logdir);
    }
    default_web_root(cfg);

    /* signals: handled by sigwait in this thread only */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = cfg->threads ? (int)cfg->threads : (cpus > 2 ? (int)cpus * 2 : 4);
    int pool = cfg->db_pool ? (int)cfg->db_pool : threads + (int)cfg->workers + 4;
    db = open_db(cfg, pool, err, sizeof err);
    if (!db) {
        fail("%s", err);
        goto out;
    }
    int before = migrate_current(db), applied = 0;
    if (migrate_run(db, zd_migrations, &applied, err, sizeof err) != 0) {
        fail("%s", err);
        goto out;
    }
    bool fresh = before == 0;

    char spool_dir[PATH_MAX];
    config_tmp_dir(cfg, spool_dir, sizeof spool_dir);
    if (fileio_mkdirs(spool_dir) != 0) {
        fail("cannot create %s", spool_dir);
        goto out;
    }
    http_options_t ho = {.listen = cfg->listen,
                         .threads = threads,
                         .max_connections = (int)cfg->max_connections,
                         .per_ip_connections = (int)cfg->per_ip_connections,
                         .idle_timeout_s = (int)cfg->idle_timeout_s,
                         .header_timeout_s = (int)cfg->header_timeout_s,
                         .body_min_rate = (int)cfg->body_min_rate,
                         .max_header_bytes = (size_t)cfg->max_header_kb << 10,
                         .json_limit = (size_t)cfg->json_limit_kb << 10,
                         .web_root = cfg->web_root,
                         .trusted_proxies = cfg->trusted_proxies,
                         .spool_dir = spool_dir,
                         .spool_threshold = (size_t)cfg->spool_kb << 10,
                         .fault_injection = cfg->fault_injection};
    http = http_server_new(&ho, db);
    if (!http) {
        fail("%s", "out of memory");
        goto out;
    }
    zd_app_t app = {.cfg = cfg, .db = db, .http = http, .started_at = time_now_ms()};
    jobs_options_t jo = {.workers = (int)cfg->workers,
                         .lease_s = (int)cfg->job_lease_s,
                         .max_attempts = (int)cfg->job_max_attempts,
                         .backoff_s = (int)cfg->job_backoff_s,
                         .scheduler = true};
    jobs_configure(&jo);
    modules_up = true;
    if (modules_start(&app, fresh && cfg->demo, err, sizeof err) != 0) {
        fail("%s", err);
        goto out;
    }
    if (jobs_start(db, &jo) != 0) {
        fail("%s", "cannot start job workers");
        goto out;
    }
    jobs_running = true;
    if (http_server_start(http, err, sizeof err) != 0) {
        fail("%s", err);
        goto out;
    }
    {
        log_rec_t r;
        log_begin(&r, LOG_SYSTEM, LOG_INFO, "server.started");
        log_str(&r, "version", ZHENDI_VERSION);
        log_str(&r, "listen", cfg->listen);
        log_int(&r, "port", http_server_port(http));
        log_str(&r, "db", db_display_name(db));
        log_int(&r, "threads", threads);
        log_int(&r, "workers", cfg->workers);
        log_int(&r, "migrations_applied", applied);
        log_end(&r);
    }
    printf("zhendi %s listening on http://%.*s:%d\n", ZHENDI_VERSION,
           (int)(strrchr(cfg->listen, ':') - cfg->listen), cfg->listen, http_server_port(http));
    fflush(stdout);

    int sig = 0;
    sigwait(&set, &sig);
    log_msg(LOG_SYSTEM, LOG_INFO, "server.stopping", "收到信号 %d：等待进行中的请求完成", sig);
    http_server_quiesce(http);
    if (http_server_wait_idle(http, (int)cfg->shutdown_timeout_s * 1000) != 0)
        log_msg(LOG_SYSTEM, LOG_WARN, "server.drain_timeout", "仍有 %lld 个请求未完成",
                (long long)http_server_inflight(http));
    http_server_stop(http);
    jobs_stop((int)cfg->shutdown_timeout_s * 1000);
    jobs_running = false;
    modules_shutdown();
    modules_up = false;
    if (db_checkpoint(db) != 0)
        log_msg(LOG_SYSTEM, LOG_WARN, "server.checkpoint_failed", "WAL 检查点失败");
    log_msg(LOG_SYSTEM, LOG_INFO, "server.stopped", "已正常停止");
    rc = 0;
out:
    if (jobs_running)
        jobs_stop((int)cfg->shutdown_timeout_s * 1000);
    /* a start that failed half-way: the modules' threads (the audit
     * anchor…) stop before the database they use is closed */
    if (modules_up)
        modules_shutdown();
    http_server_free(http);
    db_close(db);
    log_close();
    if (lock >= 0)
        close(lock);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    /* what the server writes in its data directory (database, keys, logs,
     * uploads, backups) is never readable by others, whatever the umask it
     * was started with: files 0640 at most, the secret ones 0600 */
    umask(027);
    const char *cmd = argv[1];
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("zhendi %s\n", ZHENDI_VERSION);
        return 0;
    }
    config_t cfg;
    char *pos[16];
    int npos = 0;
    char err[512];
    bool builtin = false;
    static const char *const builtins[] = {"serve", "migrate", "backup", "restore", "config", "demo", NULL};
    for (int i = 0; builtins[i]; i++)
        builtin |= !strcmp(cmd, builtins[i]);
    if (modules_settings(err, sizeof err) != 0 ||
        config_load(&cfg, argc - 2, argv + 2, pos, 16, &npos, !builtin, err, sizeof err) != 0)
        return fail("%s", err);
    if (!time_set_zone(cfg.timezone))
        return fail("unknown time zone %s", cfg.timezone);

    if (!strcmp(cmd, "serve") && npos == 0)
        return cmd_serve(&cfg);
    if (!strcmp(cmd, "migrate") && npos == 0)
        return cmd_migrate(&cfg);
    if (!strcmp(cmd, "backup") && npos == 1)
        return cmd_backup(&cfg, pos[0]);
    if (!strcmp(cmd, "restore") && npos == 1)
        return cmd_restore(&cfg, pos[0]);
    if (!strcmp(cmd, "demo") && npos == 0) {
        zd_app_t app;
        if (modules_open_app(&cfg, &app, err, sizeof err) != 0)
            return fail("%s", err);
        int rc = modules_demo(&app, err, sizeof err);
        modules_close_app(&app);
        if (rc != 0)
            return fail("%s", err);
        printf("demo data loaded\n");
        return 0;
    }
    if (!strcmp(cmd, "config") && npos == 1 && !strcmp(pos[0], "check")) {
        sbuf_t out;
        sbuf_init(&out);
        config_dump(&cfg, &out);
        fputs(out.data, stdout);
        sbuf_free(&out);
        return 0;
    }
    for (int i = 0; zd_modules[i]; i++)
        for (const zd_command_t *c = zd_modules[i]->commands; c && c->name; c++)
            if (!strcmp(cmd, c->name))
                return c->run(&cfg, npos, pos);
    fprintf(stderr, "zhendi: unknown command or wrong arguments: %s\n", cmd);
    usage(stderr);
    return 2;
}
