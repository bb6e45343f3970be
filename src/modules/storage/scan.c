/* scan.c — the virus scanner over libclamav; see scan.h.
 *
 * A loaded signature set is a generation: the compiled cl_engine, what
 * scan_info says about it, and a reference count. The scanner holds one
 * reference on the current generation; every scan takes one for as long as
 * it runs. A reload builds a whole new generation (load + compile) without
 * any lock the scans need, then swaps the pointer under the mutex and drops
 * the scanner's reference on the old one, which is freed by whoever drops
 * the last reference. So a scan never sees a half-loaded engine, and an old
 * engine lives exactly as long as the scans that started on it.
 *
 * Change detection is a fingerprint of the directory's database files
 * (name, size, inode, mtime in nanoseconds) rather than cl_statchkdir:
 * that one misses a removed database and compares mtimes in whole seconds,
 * so a file replaced twice within a second looked unchanged. */
#include "modules/storage/scan.h"
#include "core/dynlib.h"
#include "core/embed.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include <clamav.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIB              ((int64_t)1 << 20)
#define SCAN_MAX_BYTES   ((int64_t)INT_MAX - 2) /* libclamav's own cap */
#define SCAN_MAX_TIME_MS 600000                 /* one scan: 10 minutes */

typedef struct gen {
    struct cl_engine *eng;
    int refs;          /* under scan_engine.mu */
    unsigned sigs;     /* what cl_load counted */
    json_t *dbs;       /* [{"name","signatures","version"?,"built_at"?}] */
    int64_t loaded_at; /* ms since the epoch */
} gen_t;

struct scan_engine {
    char *sigdir;
    int64_t check_ns;   /* reload_check_s */
    int64_t max_bytes;  /* files above are refused */
    pthread_mutex_t mu; /* cur, next_check, reloads, last_error */
    gen_t *cur;
    int64_t next_check; /* monotonic ns */
    int reloads;
    char *last_error;
    pthread_mutex_t reload_mu; /* one reload at a time; fingerprint */
    uint64_t fingerprint;
};

/* ---- libclamav's process-wide start and its messages ---- */

/* libclamav is opened with dlopen() when the first scanner is made, not
 * linked: its libraries would cost every start of the binary in the
 * dynamic loader, also for commands that never scan (`zhendi proofread`,
 * issue 16). The names below stand for the pointers. */
#define ZD_CL_FUNCS(X)                                                                                       \
    X(cl_countsigs)                                                                                          \
    X(cl_cvdfree)                                                                                            \
    X(cl_cvdhead)                                                                                            \
    X(cl_engine_compile)                                                                                     \
    X(cl_engine_free)                                                                                        \
    X(cl_engine_new)                                                                                         \
    X(cl_engine_set_num)                                                                                     \
    X(cl_init)                                                                                               \
    X(cl_load)                                                                                               \
    X(cl_retver)                                                                                             \
    X(cl_scandesc)                                                                                           \
    X(cl_set_clcb_msg)                                                                                       \
    X(cl_strerror)

static ZD_DL_TABLE(ZD_CL_FUNCS) clx;
static char cl_dl_error[256];

static int cl_dlopen(void)
{
    int rc;
    ZD_DL_LOAD(rc, clx, ZD_CL_FUNCS, "libclamav.so.12", RTLD_LOCAL, cl_dl_error, sizeof cl_dl_error);
    return rc;
}

#define cl_countsigs      (*clx.cl_countsigs)
#define cl_cvdfree        (*clx.cl_cvdfree)
#define cl_cvdhead        (*clx.cl_cvdhead)
#define cl_engine_compile (*clx.cl_engine_compile)
#define cl_engine_free    (*clx.cl_engine_free)
#define cl_engine_new     (*clx.cl_engine_new)
#define cl_engine_set_num (*clx.cl_engine_set_num)
#define cl_init           (*clx.cl_init)
#define cl_load           (*clx.cl_load)
#define cl_retver         (*clx.cl_retver)
#define cl_scandesc       (*clx.cl_scandesc)
#define cl_set_clcb_msg   (*clx.cl_set_clcb_msg)
#define cl_strerror       (*clx.cl_strerror)

static pthread_once_t cl_once = PTHREAD_ONCE_INIT;
static cl_error_t cl_init_rc;
/* the last error libclamav reported in this thread (loads run in the
 * caller's thread, so a failed load's reason is here) */
static _Thread_local char cl_last_msg[512];

static void cl_message(enum cl_msg severity, const char *fullmsg, const char *msg, void *context)
{
    (void)fullmsg;
    (void)context;
    char line[256];
    size_t n = str_lcpy(line, msg ? msg : "", sizeof line);
    if (n >= sizeof line)
        n = sizeof line - 1;
    while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
        line[--n] = 0;
    if (severity == CL_MSG_ERROR) { /* kept in order: the first says which line */
        size_t have = strlen(cl_last_msg);
        if (have + n + 4 < sizeof cl_last_msg)
            snprintf(cl_last_msg + have, sizeof cl_last_msg - have, "%s%s", have ? "；" : "", line);
    }
    if (severity != CL_MSG_INFO_VERBOSE)
        log_msg(LOG_SYSTEM, severity == CL_MSG_ERROR ? LOG_ERROR : LOG_WARN, "scan.clamav", "%s", line);
}

static void cl_start(void)
{
    if (cl_dlopen() != 0) {
        cl_init_rc = CL_EOPEN;
        return;
    }
    cl_set_clcb_msg(cl_message);
    cl_init_rc = cl_init(CL_INIT_DEFAULT);
}

/* ---- the signature directory ---- */

/* the extensions cl_load reads from a directory (libclamav's CLI_DBEXT) */
static bool is_database(const char *name)
{
    static const char *const EXT[] = {
        ".db",  ".db2", ".db3",  ".hdb",  ".hdu", ".fp",   ".mdb", ".mdu", ".hsb", ".hsu", ".sfp",
        ".msb", ".msu", ".ndb",  ".ndu",  ".ldb", ".ldu",  ".sdb", ".zmd", ".rmd", ".pdb", ".gdb",
        ".wdb", ".cbc", ".ftm",  ".cfg",  ".cvd", ".cld",  ".cud", ".cdb", ".cat", ".crb", ".idb",
        ".ioc", ".yar", ".yara", ".pwdb", ".ign", ".ign2", ".imp", NULL};
    if (name[0] == '.')
        return false;
    for (int i = 0; EXT[i]; i++)
        if (str_ends_with(name, EXT[i]))
            return true;
    return false;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The database files of dir, sorted (the caller frees each and the array).
 * -1 with errno when the directory cannot be read. */
static int list_databases(const char *dir, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_database(e->d_name))
            continue;
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **v = realloc(*out, nc * sizeof *v);
            if (!v)
                break;
            *out = v;
            cap = nc;
        }
        (*out)[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    if (*n)
        qsort(*out, *n, sizeof **out, cmp_names);
    return 0;
}

static void free_names(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* FNV-1a over every database's name, size, inode and mtime */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

static int dir_fingerprint(const char *dir, uint64_t *out)
{
    char **names;
    size_t n;
    if (list_databases(dir, &names, &n) != 0)
        return -1;
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < n; i++) {
        if (!names[i])
            continue;
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        int64_t v[4] = {-1, -1, -1, -1};
        if (stat(path, &st) == 0) {
            v[0] = st.st_size;
            v[1] = (int64_t)st.st_ino;
            v[2] = st.st_mtim.tv_sec;
            v[3] = st.st_mtim.tv_nsec;
        }
        h = fnv(h, names[i], strlen(names[i]) + 1);
        h = fnv(h, v, sizeof v);
    }
    free_names(names, n);
    *out = h;
    return 0;
}

/* ---- generations ---- */

static void gen_free(gen_t *g)
{
    if (!g)
        return;
    if (g->eng)
        cl_engine_free(g->eng);
    json_decref(g->dbs);
    free(g);
}

/* What scan_info says about each database: its signature count, and the
 * version and build time of a .cvd/.cld. */
static json_t *describe_databases(const char *dir)
{
    json_t *a = json_array();
    char **names;
    size_t n;
    if (list_databases(dir, &names, &n) != 0)
        return a;
    for (size_t i = 0; i < n; i++) {
        if (!names[i])
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        json_t *o = json_pack("{s:s}", "name", names[i]);
        unsigned sigs = 0;
        if (cl_countsigs(path, CL_COUNTSIGS_ALL, &sigs) == CL_SUCCESS)
            json_object_set_new(o, "signatures", json_integer(sigs));
        if (str_ends_with(names[i], ".cvd") || str_ends_with(names[i], ".cld")) {
            struct cl_cvd *h = cl_cvdhead(path);
            if (h) {
                char iso[32];
                json_object_set_new(o, "version", json_integer(h->version));
                json_object_set_new(o, "built_at",
                                    json_string(time_iso8601((int64_t)h->stime * 1000, iso, sizeof iso)));
                cl_cvdfree(h);
            }
        }
        json_array_append_new(a, o);
    }
    free_names(names, n);
    return a;
}

/* A new generation from the directory's databases, compiled and ready; NULL
 * with a reason in err. */
static gen_t *gen_load(const scan_engine_t *s, char *err, size_t errlen)
{
    gen_t *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(err, errlen, "内存不足");
        return NULL;
    }
    cl_last_msg[0] = 0;
    g->eng = cl_engine_new();
    if (!g->eng) {
        snprintf(err, errlen, "无法创建病毒扫描引擎");
        goto fail;
    }
    cl_engine_set_num(g->eng, CL_ENGINE_MAX_FILESIZE, s->max_bytes);
    cl_engine_set_num(g->eng, CL_ENGINE_MAX_SCANSIZE, s->max_bytes);
    cl_engine_set_num(g->eng, CL_ENGINE_MAX_SCANTIME, SCAN_MAX_TIME_MS);
    cl_error_t rc = cl_load(s->sigdir, g->eng, &g->sigs, CL_DB_STDOPT);
    if (rc != CL_SUCCESS) {
        snprintf(err, errlen, "病毒库加载失败（%s）：%s%s%s", s->sigdir, cl_strerror(rc),
                 cl_last_msg[0] ? "；" : "", cl_last_msg);
        goto fail;
    }
    if (g->sigs == 0) {
        snprintf(err, errlen, "签名目录 %s 中没有可用的病毒库", s->sigdir);
        goto fail;
    }
    rc = cl_engine_compile(g->eng);
    if (rc != CL_SUCCESS) {
        snprintf(err, errlen, "病毒库编译失败：%s%s%s", cl_strerror(rc), cl_last_msg[0] ? "；" : "",
                 cl_last_msg);
        goto fail;
    }
    g->dbs = describe_databases(s->sigdir);
    g->loaded_at = time_now_ms();
    g->refs = 1; /* the scanner's own */
    return g;
fail:
    gen_free(g);
    return NULL;
}

static gen_t *gen_acquire(scan_engine_t *s)
{
    pthread_mutex_lock(&s->mu);
    gen_t *g = s->cur;
    g->refs++;
    pthread_mutex_unlock(&s->mu);
    return g;
}

static void gen_release(scan_engine_t *s, gen_t *g)
{
    pthread_mutex_lock(&s->mu);
    bool last = --g->refs == 0;
    pthread_mutex_unlock(&s->mu);
    if (last)
        gen_free(g);
}

/* ---- the scanner ---- */

scan_engine_t *scan_new(const scan_options_t *opt, char *err, size_t errlen)
{
    pthread_once(&cl_once, cl_start);
    if (cl_init_rc != CL_SUCCESS) {
        snprintf(err, errlen, "libclamav 初始化失败：%s",
                 cl_dl_error[0] ? cl_dl_error : cl_strerror(cl_init_rc));
        return NULL;
    }
    if (!opt || !opt->sigdir || !*opt->sigdir) {
        snprintf(err, errlen, "未配置病毒库目录");
        return NULL;
    }
    scan_engine_t *s = calloc(1, sizeof *s);
    if (!s || !(s->sigdir = strdup(opt->sigdir))) {
        free(s);
        snprintf(err, errlen, "内存不足");
        return NULL;
    }
    s->check_ns = (int64_t)(opt->reload_check_s > 0 ? opt->reload_check_s : 60) * 1000000000;
    int64_t mb = opt->max_file_mb > 0 ? opt->max_file_mb : 4096;
    s->max_bytes = mb > SCAN_MAX_BYTES / MIB ? SCAN_MAX_BYTES : mb * MIB;
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->reload_mu, NULL);
    /* the fingerprint before the load: a change during the load is seen by
     * the next check */
    if (dir_fingerprint(s->sigdir, &s->fingerprint) != 0) {
        snprintf(err, errlen, "无法读取病毒库目录 %s：%s", s->sigdir, strerror(errno));
        scan_free(s);
        return NULL;
    }
    s->cur = gen_load(s, err, errlen);
    if (!s->cur) {
        scan_free(s);
        return NULL;
    }
    s->next_check = time_mono_ns() + s->check_ns;
    return s;
}

void scan_free(scan_engine_t *s)
{
    if (!s)
        return;
    /* no scan may run any more: the caller stopped them */
    gen_free(s->cur);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->reload_mu);
    free(s->last_error);
    free(s->sigdir);
    free(s);
}

static void set_last_error(scan_engine_t *s, const char *e)
{
    char *copy = e ? strdup(e) : NULL;
    pthread_mutex_lock(&s->mu);
    free(s->last_error);
    s->last_error = copy;
    pthread_mutex_unlock(&s->mu);
}

/* Holding reload_mu: reloads when the directory changed. 1, 0, -1. */
static int reload_locked(scan_engine_t *s, char *err, size_t errlen)
{
    pthread_mutex_lock(&s->mu);
    s->next_check = time_mono_ns() + s->check_ns;
    pthread_mutex_unlock(&s->mu);
    uint64_t fp;
    if (dir_fingerprint(s->sigdir, &fp) != 0) {
        snprintf(err, errlen, "无法读取病毒库目录 %s：%s", s->sigdir, strerror(errno));
        set_last_error(s, err);
        return -1;
    }
    if (fp == s->fingerprint)
        return 0;
    /* taken as seen even when the load fails: a broken set is not reloaded
     * at every check (each try costs a full load), only after the next
     * change to the directory */
    s->fingerprint = fp;
    int64_t t0 = time_mono_ns();
    gen_t *g = gen_load(s, err, errlen);
    if (!g) {
        log_msg(LOG_SYSTEM, LOG_ERROR, "scan.reload_failed", "%s", err);
        set_last_error(s, err);
        return -1;
    }
    pthread_mutex_lock(&s->mu);
    gen_t *old = s->cur;
    s->cur = g;
    s->reloads++;
    free(s->last_error);
    s->last_error = NULL;
    pthread_mutex_unlock(&s->mu);
    gen_release(s, old); /* freed here, or by the last scan still on it */
    log_msg(LOG_SYSTEM, LOG_INFO, "scan.reloaded", "从 %2$s 载入 %1$u 条病毒特征，用时 %3$.1f 秒", g->sigs,
            s->sigdir, (double)(time_mono_ns() - t0) / 1e9);
    return 1;
}

int scan_reload_if_changed(scan_engine_t *s, char *err, size_t errlen)
{
    pthread_mutex_lock(&s->reload_mu);
    int rc = reload_locked(s, err, errlen);
    pthread_mutex_unlock(&s->reload_mu);
    return rc;
}

/* On the scan path: when the check is due and no other thread is at it,
 * this thread checks (and reloads) before its scan; the others go on. */
static void reload_if_due(scan_engine_t *s)
{
    pthread_mutex_lock(&s->mu);
    bool due = time_mono_ns() >= s->next_check;
    pthread_mutex_unlock(&s->mu);
    if (!due || pthread_mutex_trylock(&s->reload_mu) != 0)
        return;
    char err[512];
    reload_locked(s, err, sizeof err); /* a failure is logged and kept for scan_info */
    pthread_mutex_unlock(&s->reload_mu);
}

int scan_file(scan_engine_t *s, const char *path, char *virus, size_t virussz, char *err, size_t errlen)
{
    if (virus && virussz)
        virus[0] = 0;
    if (err && errlen)
        err[0] = 0;
    reload_if_due(s);
    /* the descriptor we check is the one scanned */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "无法读取待扫描的文件：%s", strerror(errno));
        return SCAN_ERROR;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "待扫描的不是普通文件");
        close(fd);
        return SCAN_ERROR;
    }
    if (st.st_size > s->max_bytes) {
        snprintf(err, errlen, "文件过大（%lld MB），超过病毒扫描上限 %lld MB，无法完整扫描",
                 (long long)(st.st_size / MIB), (long long)(s->max_bytes / MIB));
        close(fd);
        return SCAN_ERROR;
    }
    struct cl_scan_options o = {
        .general = CL_SCAN_GENERAL_HEURISTICS,
        /* every parser: archives, PDF, OLE2 and OOXML documents, HTML,
         * mail, PE/ELF, images ... (clamscan's defaults) */
        .parse = ~0u,
    };
    const char *name = NULL;
    unsigned long scanned = 0;
    gen_t *g = gen_acquire(s);
    cl_error_t rc = cl_scandesc(fd, path, &name, &scanned, g->eng, &o);
    int result;
    if (rc == CL_VIRUS) {
        /* the name lives in the engine: copied before it is released */
        snprintf(virus, virussz, "%s", name ? name : "?");
        result = SCAN_INFECTED;
    } else if (rc == CL_CLEAN) {
        result = SCAN_CLEAN;
    } else {
        snprintf(err, errlen, "病毒扫描失败：%s", cl_strerror(rc));
        result = SCAN_ERROR;
    }
    gen_release(s, g);
    close(fd);
    return result;
}

json_t *scan_info(scan_engine_t *s)
{
    gen_t *g = gen_acquire(s);
    char iso[32];
    pthread_mutex_lock(&s->mu);
    int reloads = s->reloads;
    json_t *last = s->last_error ? json_string(s->last_error) : json_null();
    pthread_mutex_unlock(&s->mu);
    char engine[64];
    snprintf(engine, sizeof engine, "ClamAV %s", cl_retver());
    json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:O, s:i, s:I, s:o}", "engine", engine, "signatures",
                          (json_int_t)g->sigs, "sigdir", s->sigdir, "loaded_at",
                          time_iso8601(g->loaded_at, iso, sizeof iso), "databases", g->dbs, "reloads",
                          reloads, "max_file_mb", (json_int_t)(s->max_bytes / MIB), "last_error", last);
    gen_release(s, g);
    return o;
}

/* ---- the bundled test signatures ---- */

int scan_write_bundled(const char *dir, char *err, size_t errlen)
{
    if (fileio_mkdirs(dir) != 0) {
        snprintf(err, errlen, "无法创建病毒库目录 %s：%s", dir, strerror(errno));
        return -1;
    }
    for (const zd_embedded_t *f = zd_data; f->name; f++) {
        if (!is_database(f->name))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, f->name);
        /* unchanged: left alone, so that it does not look like an update */
        FILE *in = fopen(path, "rbe");
        if (in) {
            bool same = false;
            char *cur = malloc(f->len + 1);
            if (cur) {
                size_t n = fread(cur, 1, f->len + 1, in);
                same = n == f->len && memcmp(cur, f->data, f->len) == 0;
                free(cur);
            }
            fclose(in);
            if (same)
                continue;
        }
        if (fileio_write_atomic(path, f->data, f->len, 0640) != 0) {
            snprintf(err, errlen, "无法写入病毒库 %s：%s", path, strerror(errno));
            return -1;
        }
    }
    return 0;
}
