/* log.c — see log.h. */
#include "core/log.h"
#include "core/timeutil.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const kind_names[LOG_KINDS] = {"system", "app",    "job",     "transfer",
                                                  "db",     "access", "security"};
static const char *const level_names[] = {"debug", "info", "warn", "error"};

typedef struct {
    pthread_mutex_t mu;
    int fd;
    int64_t size;
    int day; /* yyyymmdd of the day the file was opened */
} log_file_t;

static struct {
    char *dir;
    log_options_t opt;
    log_file_t files[LOG_KINDS];
    bool open;
} L = {.opt = {.max_bytes = 64 << 20, .keep_days = 180, .min_level = LOG_INFO, .echo_stderr = true}};

static pthread_mutex_t open_mu = PTHREAD_MUTEX_INITIALIZER;

const char *log_kind_name(log_kind_t k) { return k < LOG_KINDS ? kind_names[k] : "?"; }
const char *log_level_name(log_level_t l) { return l <= LOG_ERROR ? level_names[l] : "?"; }

bool log_kind_parse(const char *s, log_kind_t *out)
{
    for (int i = 0; i < LOG_KINDS; i++)
        if (s && strcmp(s, kind_names[i]) == 0) {
            *out = (log_kind_t)i;
            return true;
        }
    return false;
}

bool log_level_parse(const char *s, log_level_t *out)
{
    for (int i = 0; i <= LOG_ERROR; i++)
        if (s && strcmp(s, level_names[i]) == 0) {
            *out = (log_level_t)i;
            return true;
        }
    return false;
}

const char *log_dir(void) { return L.open ? L.dir : NULL; }

static int today(void)
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

static int open_kind(log_kind_t k)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.log", L.dir, kind_names[k]);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0)
        return -1;
    struct stat st;
    log_file_t *f = &L.files[k];
    f->fd = fd;
    f->size = fstat(fd, &st) == 0 ? st.st_size : 0;
    /* a file left from an earlier day rotates on the first write */
    f->day = today();
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
        struct tm tm;
        localtime_r(&st.st_mtime, &tm);
        f->day = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
    }
    return 0;
}

int log_open(const char *dir, const log_options_t *opt)
{
    pthread_mutex_lock(&open_mu);
    int rc = -1;
    if (L.open) {
        errno = EALREADY;
        goto out;
    }
    if (opt)
        L.opt = *opt;
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        goto out;
    L.dir = strdup(dir);
    if (!L.dir)
        goto out;
    for (int k = 0; k < LOG_KINDS; k++) {
        pthread_mutex_init(&L.files[k].mu, NULL);
        if (open_kind((log_kind_t)k) != 0) {
            int e = errno;
            for (int j = 0; j < k; j++)
                close(L.files[j].fd);
            free(L.dir);
            L.dir = NULL;
            errno = e;
            goto out;
        }
    }
    L.open = true;
    rc = 0;
out:
    pthread_mutex_unlock(&open_mu);
    return rc;
}

void log_close(void)
{
    pthread_mutex_lock(&open_mu);
    if (L.open) {
        L.open = false;
        for (int k = 0; k < LOG_KINDS; k++) {
            pthread_mutex_lock(&L.files[k].mu);
            close(L.files[k].fd);
            L.files[k].fd = -1;
            pthread_mutex_unlock(&L.files[k].mu);
            pthread_mutex_destroy(&L.files[k].mu);
        }
        free(L.dir);
        L.dir = NULL;
    }
    pthread_mutex_unlock(&open_mu);
}

/* Called with the file's mutex held. */
static void rotate(log_kind_t k, int day)
{
    log_file_t *f = &L.files[k];
    char from[4096], to[4096];
    snprintf(from, sizeof from, "%s/%s.log", L.dir, kind_names[k]);
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    for (int n = 0; n < 1000; n++) {
        snprintf(to, sizeof to, "%s/%s-%08d-%02d%02d%02d%s%.0d.log", L.dir, kind_names[k], f->day, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, n ? "-" : "", n);
        if (access(to, F_OK) != 0)
            break;
    }
    close(f->fd);
    f->fd = -1;
    if (rename(from, to) != 0) {
        /* keep writing to the same file rather than losing lines */
    }
    if (open_kind(k) != 0)
        f->fd = -1;
    f->day = day;
}

static void write_line(log_kind_t k, const char *line, size_t len)
{
    if (!L.open) {
        if (write(STDERR_FILENO, line, len) < 0) {
        }
        return;
    }
    log_file_t *f = &L.files[k];
    pthread_mutex_lock(&f->mu);
    int day = today();
    if (f->fd >= 0 && ((f->size > 0 && f->size + (int64_t)len > L.opt.max_bytes) || day != f->day))
        rotate(k, day);
    if (f->fd >= 0) {
        ssize_t w = write(f->fd, line, len);
        if (w > 0)
            f->size += w;
    }
    pthread_mutex_unlock(&f->mu);
    if (k == LOG_SYSTEM && L.opt.echo_stderr) {
        if (write(STDERR_FILENO, line, len) < 0) {
        }
    }
}

int log_prune(void)
{
    if (!L.open)
        return 0;
    DIR *d = opendir(L.dir);
    if (!d)
        return 0;
    int removed = 0;
    time_t cutoff = time(NULL) - (time_t)L.opt.keep_days * 86400;
    struct dirent *e;
    while ((e = readdir(d))) {
        /* only rotated files: "<kind>-YYYYMMDD-..." */
        const char *dash = strchr(e->d_name, '-');
        if (!dash || !strstr(e->d_name, ".log"))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", L.dir, e->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_mtime < cutoff && unlink(path) == 0)
            removed++;
    }
    closedir(d);
    return removed;
}

static void key(log_rec_t *r, const char *k)
{
    sbuf_puts(&r->buf, ",\"");
    sbuf_json_escape(&r->buf, k, strlen(k));
    sbuf_puts(&r->buf, "\":");
}

void log_begin(log_rec_t *r, log_kind_t kind, log_level_t level, const char *event)
{
    sbuf_init(&r->buf);
    r->kind = kind;
    r->level = level;
    r->skip = level < L.opt.min_level;
    if (r->skip)
        return;
    char ts[40];
    time_iso8601(time_now_ms(), ts, sizeof ts);
    sbuf_reserve(&r->buf, 256);
    sbuf_printf(&r->buf, "{\"ts\":\"%s\",\"level\":\"%s\",\"kind\":\"%s\"", ts, level_names[level],
                kind_names[kind]);
    log_str(r, "event", event);
}

void log_str(log_rec_t *r, const char *k, const char *val)
{
    if (r->skip)
        return;
    key(r, k);
    if (!val) {
        sbuf_puts(&r->buf, "null");
        return;
    }
    sbuf_putc(&r->buf, '"');
    size_t n = strlen(val);
    if (utf8_valid(val, n)) {
        sbuf_json_escape(&r->buf, val, n);
    } else { /* keep the log itself valid UTF-8 */
        for (size_t i = 0; i < n;) {
            uint32_t cp;
            size_t l = utf8_decode(val + i, n - i, &cp);
            if (l) {
                sbuf_json_escape(&r->buf, val + i, l);
                i += l;
            } else {
                sbuf_puts(&r->buf, "\\ufffd");
                i++;
            }
        }
    }
    sbuf_putc(&r->buf, '"');
}

void log_int(log_rec_t *r, const char *k, int64_t val)
{
    if (r->skip)
        return;
    key(r, k);
    sbuf_printf(&r->buf, "%lld", (long long)val);
}

void log_double(log_rec_t *r, const char *k, double val)
{
    if (r->skip)
        return;
    key(r, k);
    sbuf_printf(&r->buf, "%.3f", val);
}

void log_bool(log_rec_t *r, const char *k, bool val)
{
    if (r->skip)
        return;
    key(r, k);
    sbuf_puts(&r->buf, val ? "true" : "false");
}

void log_raw(log_rec_t *r, const char *k, const char *json)
{
    if (r->skip)
        return;
    key(r, k);
    sbuf_puts(&r->buf, json ? json : "null");
}

void log_end(log_rec_t *r)
{
    if (!r->skip) {
        sbuf_puts(&r->buf, "}\n");
        write_line(r->kind, r->buf.data, r->buf.len);
    }
    sbuf_free(&r->buf);
}

void log_msg(log_kind_t kind, log_level_t level, const char *event, const char *fmt, ...)
{
    log_rec_t r;
    log_begin(&r, kind, level, event);
    if (!r.skip) {
        char *msg = NULL;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
            msg = NULL;
        va_end(ap);
        log_str(&r, "msg", msg ? msg : "");
        free(msg);
    }
    log_end(&r);
}
