/* pgdump.c — pg_dump / pg_restore / psql as child processes; see pgdump.h. */
#include "core/pgdump.h"
#include "core/pqdl.h"
#include "core/str.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* The child's environment: ours without PG* variables, plus the URL's
 * connection settings as libpq variables. NULL with err on a bad URL.
 * Freed with env_free(). */
static char **url_env(const char *url, char *err, size_t errlen)
{
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &perr);
    if (!opts) {
        snprintf(err, errlen, "invalid database URL: %s", perr ? perr : "out of memory");
        PQfreemem(perr);
        return NULL;
    }
    size_t n = 0, k = 0;
    for (char **e = environ; *e; e++)
        n++;
    for (PQconninfoOption *o = opts; o->keyword; o++)
        n++;
    char **env = calloc(n + 2, sizeof *env);
    if (!env)
        abort();
    for (char **e = environ; *e; e++)
        if (!str_starts_with(*e, "PG"))
            env[k++] = strdup(*e);
    bool tsa = false;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val || !*o->val || !o->envvar)
            continue;
        tsa |= strcmp(o->keyword, "target_session_attrs") == 0;
        if (asprintf(&env[k++], "%s=%s", o->envvar, o->val) < 0)
            abort();
    }
    /* as the server does: of several hosts, the primary */
    if (!tsa)
        env[k++] = strdup("PGTARGETSESSIONATTRS=read-write");
    PQconninfoFree(opts);
    return env;
}

static void env_free(char **env)
{
    if (!env)
        return;
    for (char **e = env; *e; e++)
        free(*e);
    free(env);
}

/* Starts argv[0] (found on PATH) with env; its stdin/stdout from fds in/out
 * (-1: /dev/null), stderr into errfd. Returns the pid or -1. */
static pid_t spawn(char *const argv[], char **env, int in, int out, int errfd)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    int null = open("/dev/null", O_RDWR);
    dup2(in >= 0 ? in : null, 0);
    dup2(out >= 0 ? out : null, 1);
    dup2(errfd >= 0 ? errfd : null, 2);
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    signal(SIGPIPE, SIG_DFL);
    umask(077); /* a dump holds every record: readable by its owner only */
    execvpe(argv[0], argv, env);
    dprintf(2, "cannot run %s: %s (install postgresql-client)\n", argv[0], strerror(errno));
    _exit(127);
}

/* Exit status of pid; -1 when it did not exit normally. */
static int wait_for(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* An anonymous temporary file for a child's output. */
static int temp_fd(void)
{
    char path[] = "/tmp/zhendi-pgdump-XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0)
        unlink(path);
    return fd;
}

/* The first line of what a child wrote to fd, for an error message. */
static void first_line(int fd, const char *tool, char *err, size_t errlen)
{
    char buf[600] = "";
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    buf[n > 0 ? n : 0] = 0;
    char *p = buf;
    /* "pg_dump: error: connection …" reads better without the tool name twice */
    if (str_starts_with(p, tool) && p[strlen(tool)] == ':')
        p += strlen(tool) + 1;
    while (*p == ' ')
        p++;
    p[strcspn(p, "\n")] = 0;
    snprintf(err, errlen, "%s failed: %s", tool, *p ? p : "no reason given");
}

/* Runs argv with env, stdout into out (-1: discarded). 0 when it exits 0. */
static int run(char *const argv[], char **env, int out, char *err, size_t errlen)
{
    int errfd = temp_fd();
    if (errfd < 0) {
        snprintf(err, errlen, "cannot create a temporary file: %s", strerror(errno));
        return -1;
    }
    pid_t pid = spawn(argv, env, -1, out, errfd);
    int rc = pid < 0 ? -1 : wait_for(pid);
    if (rc != 0)
        first_line(errfd, argv[0], err, errlen);
    close(errfd);
    return rc == 0 ? 0 : -1;
}

int pgdump_verify(const char *file, char *err, size_t errlen)
{
    int out = temp_fd();
    if (out < 0) {
        snprintf(err, errlen, "cannot create a temporary file: %s", strerror(errno));
        return -1;
    }
    char *argv[] = {"pg_restore", "--list", (char *)file, NULL};
    char **env = url_env("", err, errlen); /* ours, without PG* variables */
    int ret = -1;
    if (access(file, R_OK) != 0) {
        snprintf(err, errlen, "cannot read %s: %s", file, strerror(errno));
        goto out;
    }
    if (!env || run(argv, env, out, err, errlen) != 0)
        goto out;
    /* the table of contents: one line per entry, e.g.
     * "215; 0 16390 TABLE DATA public schema_migrations postgres" */
    struct stat st;
    fstat(out, &st);
    char *toc = malloc((size_t)st.st_size + 1);
    if (!toc)
        abort();
    ssize_t n = pread(out, toc, (size_t)st.st_size, 0);
    toc[n > 0 ? n : 0] = 0;
    bool ours = strstr(toc, " TABLE DATA public schema_migrations ") != NULL;
    free(toc);
    if (!ours) {
        snprintf(err, errlen, "%s is a PostgreSQL dump but not of a zhendi database", file);
        goto out;
    }
    ret = 0;
out:
    close(out);
    env_free(env);
    return ret;
}

int pgdump_backup(const char *url, const char *dest, char *err, size_t errlen)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", dest);
    char **env = url_env(url, err, errlen);
    if (!env)
        return -1;
    char file_arg[4300];
    snprintf(file_arg, sizeof file_arg, "--file=%s", tmp);
    char *argv[] = {"pg_dump", "--format=custom", "--no-password", file_arg, NULL};
    int ret = -1;
    if (run(argv, env, -1, err, errlen) != 0)
        goto out;
    int fd = open(tmp, O_RDONLY);
    if (fd < 0 || fsync(fd) != 0) {
        snprintf(err, errlen, "cannot sync %s: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        goto out;
    }
    close(fd);
    if (pgdump_verify(tmp, err, errlen) != 0)
        goto out;
    if (rename(tmp, dest) != 0) {
        snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, dest, strerror(errno));
        goto out;
    }
    ret = 0;
out:
    if (ret != 0)
        unlink(tmp);
    env_free(env);
    return ret;
}

/* Connects for the checks before a restore; NULL with err. */
static PGconn *connect_url(const char *url, char *err, size_t errlen)
{
    const char *keys[] = {"target_session_attrs", "connect_timeout", "dbname", NULL};
    const char *vals[] = {"read-write", "10", url, NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(pg) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect: %.*s", (int)strcspn(PQerrorMessage(pg), "\n"),
                 PQerrorMessage(pg));
        PQfinish(pg);
        return NULL;
    }
    return pg;
}

/* One integer from sql on pg, or -1. */
static long long query_int(PGconn *pg, const char *sql)
{
    PGresult *r = PQexec(pg, sql);
    long long v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? atoll(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return v;
}

int pgdump_restore(const char *url, const char *file, const char *keep_dir, char *kept, size_t keptsz,
                   char *err, size_t errlen)
{
    kept[0] = 0;
    if (pgdump_verify(file, err, errlen) != 0)
        return -1;
    char **env = url_env(url, err, errlen);
    if (!env)
        return -1;
    int ret = -1, errfd = -1, pipefd[2] = {-1, -1};
    pid_t dump = -1, sql = -1;
    PGconn *pg = connect_url(url, err, errlen);
    if (!pg)
        goto out;
    /* nodes name themselves zhendi@host:pid (db_pg.c) */
    long long nodes =
        query_int(pg, "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                      "AND pid <> pg_backend_pid() AND application_name LIKE 'zhendi@%'");
    long long tables = query_int(pg, "SELECT COUNT(*) FROM information_schema.tables "
                                     "WHERE table_schema = 'public'");
    if (nodes < 0 || tables < 0) {
        snprintf(err, errlen, "cannot inspect the database: %.*s", (int)strcspn(PQerrorMessage(pg), "\n"),
                 PQerrorMessage(pg));
        PQfinish(pg);
        goto out;
    }
    PQfinish(pg);
    if (nodes > 0) {
        snprintf(err, errlen,
                 "%lld zhendi node(s) are connected to this database; stop them before restoring", nodes);
        goto out;
    }
    if (tables > 0) {
        char stamp[32];
        time_t t = time(NULL);
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
        mkdir(keep_dir, 0750);
        snprintf(kept, keptsz, "%s/before-restore-%s.dump", keep_dir, stamp);
        if (pgdump_backup(url, kept, err, errlen) != 0) {
            kept[0] = 0;
            goto out;
        }
    }
    /* pg_restore writes the dump as SQL; psql replays it after emptying the
     * schema, all in one transaction */
    errfd = temp_fd();
    if (errfd < 0 || pipe2(pipefd, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "cannot set up the restore: %s", strerror(errno));
        goto out;
    }
    char *restore_argv[] = {"pg_restore", "--no-owner", "--no-privileges", "--file=-", (char *)file, NULL};
    char *psql_argv[] = {"psql",
                         "--no-psqlrc",
                         "--quiet",
                         "--no-password",
                         "--set=ON_ERROR_STOP=1",
                         "--single-transaction",
                         "--command=DROP SCHEMA IF EXISTS public CASCADE",
                         "--command=CREATE SCHEMA public",
                         "--file=-",
                         NULL};
    dump = spawn(restore_argv, env, -1, pipefd[1], errfd);
    sql = spawn(psql_argv, env, pipefd[0], -1, errfd);
    close(pipefd[0]);
    close(pipefd[1]);
    pipefd[0] = pipefd[1] = -1;
    int rd = dump < 0 ? -1 : wait_for(dump);
    int rs = sql < 0 ? -1 : wait_for(sql);
    if (rd != 0 || rs != 0) {
        first_line(errfd, rs != 0 ? "psql" : "pg_restore", err, errlen);
        goto out;
    }
    ret = 0;
out:
    if (pipefd[0] >= 0)
        close(pipefd[0]);
    if (pipefd[1] >= 0)
        close(pipefd[1]);
    if (errfd >= 0)
        close(errfd);
    env_free(env);
    return ret;
}
