/* proc.c — child processes with captured output and limits; see proc.h. */
#include "core/proc.h"
#include "core/str.h"
#include "core/timeutil.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

bool proc_which(const char *name, char *out, size_t outsz)
{
    if (!name || !*name)
        return false;
    if (strchr(name, '/')) {
        if (access(name, X_OK) != 0)
            return false;
        str_lcpy(out, name, outsz);
        return true;
    }
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path; *p;) {
        const char *e = strchr(p, ':');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        char cand[1024];
        if (l > 0 && l + strlen(name) + 2 < sizeof cand) {
            snprintf(cand, sizeof cand, "%.*s/%s", (int)l, p, name);
            struct stat st;
            if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0) {
                str_lcpy(out, cand, outsz);
                return true;
            }
        }
        p = e ? e + 1 : p + l;
    }
    return false;
}

void proc_result_free(proc_result_t *r)
{
    if (!r)
        return;
    free(r->out);
    r->out = NULL;
    r->out_len = 0;
}

/* Appends to the stderr tail, keeping the last bytes. */
static void keep_tail(char *tail, size_t cap, const char *buf, size_t n)
{
    size_t have = strlen(tail);
    if (n >= cap - 1) {
        memcpy(tail, buf + n - (cap - 1), cap - 1);
        tail[cap - 1] = 0;
        return;
    }
    if (have + n >= cap) {
        size_t drop = have + n - (cap - 1);
        memmove(tail, tail + drop, have - drop + 1);
        have -= drop;
    }
    memcpy(tail + have, buf, n);
    tail[have + n] = 0;
}

/* The line being assembled from stdout (proc_run_lines) */
#define LINE_MAX_BYTES 4096
typedef struct {
    proc_line_fn fn;
    void *ud;
    char buf[LINE_MAX_BYTES + 1];
    size_t len;
    uint64_t count; /* lines (and pieces) handed over */
} lines_t;

/* Hands the line in l->buf to the caller; false when it says stop. */
static bool line_out(lines_t *l)
{
    size_t n = l->len;
    if (n > 0 && l->buf[n - 1] == '\r')
        n--;
    l->buf[n] = 0;
    l->len = 0;
    l->count++;
    return l->fn(l->ud, l->buf, n);
}

/* Splits a chunk of stdout into lines; false when the caller said stop. */
static bool lines_feed(lines_t *l, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') {
            if (!line_out(l))
                return false;
            continue;
        }
        l->buf[l->len++] = p[i];
        if (l->len == LINE_MAX_BYTES && !line_out(l))
            return false;
    }
    return true;
}

static int run(const char *const argv[], const proc_opts_t *opts, lines_t *lines, proc_result_t *r);

int proc_run(const char *const argv[], const proc_opts_t *opts, proc_result_t *r)
{
    return run(argv, opts, NULL, r);
}

int proc_run_lines(const char *const argv[], const proc_opts_t *opts, proc_line_fn on_line, void *ud,
                   proc_result_t *r)
{
    lines_t *l = calloc(1, sizeof *l);
    if (!l) {
        memset(r, 0, sizeof *r);
        r->status = -1;
        snprintf(r->err, sizeof r->err, "out of memory");
        errno = ENOMEM;
        return -1;
    }
    l->fn = on_line;
    l->ud = ud;
    int rc = run(argv, opts, l, r);
    free(l);
    return rc;
}

static int run(const char *const argv[], const proc_opts_t *opts, lines_t *lines, proc_result_t *r)
{
    static const proc_opts_t none = {0};
    if (!opts)
        opts = &none;
    memset(r, 0, sizeof *r);
    r->status = -1;
    int64_t t0 = time_mono_ns();
    char exe[1024];
    if (!argv || !argv[0] || !proc_which(argv[0], exe, sizeof exe)) {
        snprintf(r->err, sizeof r->err, "program not found: %.900s", argv && argv[0] ? argv[0] : "(none)");
        errno = ENOENT;
        return -1;
    }
    /* environment: ours plus the extras (built before fork: no malloc after) */
    size_t nenv = 0, nextra = 0;
    while (environ && environ[nenv])
        nenv++;
    while (opts->env && opts->env[nextra])
        nextra++;
    char **envp = calloc(nenv + nextra + 1, sizeof *envp);
    if (!envp) {
        errno = ENOMEM;
        return -1;
    }
    size_t ne = 0;
    for (size_t i = 0; i < nenv; i++) {
        bool replaced = false;
        for (size_t j = 0; j < nextra && !replaced; j++) {
            const char *eq = strchr(opts->env[j], '=');
            size_t kl = eq ? (size_t)(eq - opts->env[j]) + 1 : strlen(opts->env[j]);
            replaced = strncmp(environ[i], opts->env[j], kl) == 0;
        }
        if (!replaced)
            envp[ne++] = environ[i];
    }
    for (size_t j = 0; j < nextra; j++)
        envp[ne++] = (char *)opts->env[j];
    envp[ne] = NULL;

    int out_p[2] = {-1, -1}, err_p[2] = {-1, -1}, devnull = -1, rc = -1;
    pid_t pid = -1;
    size_t maxout = opts->max_stdout ? opts->max_stdout : (16u << 20);
    size_t cap = 0;
    if (pipe2(out_p, O_CLOEXEC) != 0 || pipe2(err_p, O_CLOEXEC) != 0 ||
        (devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
        snprintf(r->err, sizeof r->err, "cannot create pipes: %s", strerror(errno));
        goto out;
    }
    struct rlimit as = {(rlim_t)opts->max_memory_mb << 20, (rlim_t)opts->max_memory_mb << 20};
    pid = fork();
    if (pid < 0) {
        snprintf(r->err, sizeof r->err, "fork failed: %s", strerror(errno));
        goto out;
    }
    if (pid == 0) {
        /* child: async-signal-safe calls only */
        sigset_t empty;
        sigemptyset(&empty);
        sigprocmask(SIG_SETMASK, &empty, NULL);
        signal(SIGPIPE, SIG_DFL);
        setpgid(0, 0);
        if (dup2(devnull, 0) < 0 || dup2(out_p[1], 1) < 0 || dup2(err_p[1], 2) < 0)
            _exit(126);
        close_range(3, ~0u, 0);
        if (opts->max_memory_mb > 0)
            setrlimit(RLIMIT_AS, &as);
        if (opts->cwd && chdir(opts->cwd) != 0)
            _exit(126);
        execve(exe, (char *const *)argv, envp);
        _exit(127);
    }
    close(out_p[1]);
    close(err_p[1]);
    out_p[1] = err_p[1] = -1;

    struct pollfd pf[2] = {{out_p[0], POLLIN, 0}, {err_p[0], POLLIN, 0}};
    int open_fds = 2;
    char buf[16384];
    int64_t last_line = t0;
    bool idle_watch = lines && opts->idle_ms > 0;
    while (open_fds > 0 && !r->stopped) {
        int wait_ms = -1;
        int64_t now = time_mono_ns();
        if (opts->timeout_ms > 0) {
            int64_t left = opts->timeout_ms - (now - t0) / 1000000;
            if (left <= 0) {
                r->timed_out = true;
                break;
            }
            wait_ms = (int)left;
        }
        if (idle_watch && pf[0].fd >= 0) {
            int64_t left = opts->idle_ms - (now - last_line) / 1000000;
            if (left <= 0) {
                r->idle = true;
                break;
            }
            if (wait_ms < 0 || left < wait_ms)
                wait_ms = (int)left;
        }
        int pr = poll(pf, 2, wait_ms);
        if (pr < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(pf[i].fd, buf, sizeof buf);
            if (n <= 0) {
                if (n < 0 && errno == EINTR)
                    continue;
                pf[i].fd = -1;
                open_fds--;
                if (i == 0 && lines && lines->len > 0 && !line_out(lines)) /* the last line, unended */
                    r->stopped = true;
                continue;
            }
            if (i == 1) {
                keep_tail(r->err, sizeof r->err, buf, (size_t)n);
                continue;
            }
            if (lines) {
                uint64_t before = lines->count;
                if (!lines_feed(lines, buf, (size_t)n)) {
                    r->stopped = true;
                    break;
                }
                if (lines->count != before)
                    last_line = time_mono_ns();
                continue;
            }
            size_t take = (size_t)n;
            if (r->out_len + take > maxout) {
                take = maxout - r->out_len;
                r->truncated = true;
            }
            if (r->out_len + take + 1 > cap) {
                size_t nc = cap ? cap * 2 : 65536;
                while (nc < r->out_len + take + 1)
                    nc *= 2;
                char *no = realloc(r->out, nc);
                if (!no) {
                    r->truncated = true;
                    continue;
                }
                r->out = no;
                cap = nc;
            }
            memcpy(r->out + r->out_len, buf, take);
            r->out_len += take;
        }
    }
    int st = 0;
    /* the pipes are closed (or the time is up): wait for the exit, still
     * within the timeout */
    for (;;) {
        if (r->timed_out || r->idle || r->stopped) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
            break;
        }
        pid_t w = waitpid(pid, &st, opts->timeout_ms > 0 ? WNOHANG : 0);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR)
            break;
        if (w == 0) {
            if ((time_mono_ns() - t0) / 1000000 >= opts->timeout_ms)
                r->timed_out = true;
            else
                usleep(2000);
        }
    }
    if (WIFEXITED(st)) {
        r->status = WEXITSTATUS(st);
    } else if (WIFSIGNALED(st)) {
        r->signal = WTERMSIG(st);
        r->status = -1;
    }
    if (r->status == 127 && !r->err[0])
        snprintf(r->err, sizeof r->err, "cannot execute %.900s", exe);
    rc = 0;
out:
    if (!r->out) {
        r->out = malloc(1);
        r->out_len = 0;
    }
    if (r->out)
        r->out[r->out_len] = 0;
    for (int i = 0; i < 2; i++) {
        if (out_p[i] >= 0)
            close(out_p[i]);
        if (err_p[i] >= 0)
            close(err_p[i]);
    }
    if (devnull >= 0)
        close(devnull);
    free(envp);
    r->ms = (double)(time_mono_ns() - t0) / 1e6;
    return rc;
}
