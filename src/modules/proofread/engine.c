/* engine.c — the module's engine: the compiled lexicons of the database,
 * rebuilt off to the side and swapped in when the lexicons' revision moves
 * (after every change made through this node at once, and by a poller
 * every proofread_reload_s seconds for changes made by other nodes); and the
 * slots that bound how many image recognitions run for HTTP requests. */
#include "core/log.h"
#include "core/timeutil.h"
#include "modules/proofread/internal.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct {
    const config_t *cfg;
    db_t *db;
    pr_engine_t *eng;
    pthread_mutex_t build; /* one rebuild at a time */
    int64_t rev, loaded_at;
    /* poller */
    pthread_t th;
    bool polling;
    pthread_mutex_t m;
    pthread_cond_t cv;
    bool stop;
    /* OCR slots */
    pthread_mutex_t om;
    pthread_cond_t ocv;
    int ocr_busy, ocr_max;
} E = {.build = PTHREAD_MUTEX_INITIALIZER,
       .m = PTHREAD_MUTEX_INITIALIZER,
       .cv = PTHREAD_COND_INITIALIZER,
       .om = PTHREAD_MUTEX_INITIALIZER,
       .ocv = PTHREAD_COND_INITIALIZER};

const config_t *proofread_engine_config(void) { return E.cfg; }

pr_lexset_t *proofread_engine_acquire(void) { return E.eng ? pr_engine_acquire(E.eng) : NULL; }

pr_lexset_t *proofread_lexicons(void) { return proofread_engine_acquire(); }

int proofread_engine_reload(bool force, char *err, size_t errlen)
{
    pthread_mutex_lock(&E.build);
    int rc = -1;
    arena_t *a = NULL;
    pr_entry_t *v = NULL;
    size_t n = 0, cap = 0;
    db_conn_t *c = db_acquire(E.db);
    if (!c) {
        snprintf(err, errlen, "数据库暂时不可用");
        goto out;
    }
    int64_t rev = proofread_lexicon_revision(c);
    if (rev < 0) {
        snprintf(err, errlen, "读取词库版本失败：%s", db_errmsg(c));
        goto out;
    }
    if (!force && rev == E.rev) {
        rc = 0;
        goto out;
    }
    a = arena_new(1 << 20);
    if (proofread_lexicon_collect(c, a, &v, &n, &cap) != 0) {
        snprintf(err, errlen, "读取词库失败：%s", db_errmsg(c));
        goto out;
    }
    db_release(c);
    c = NULL;
    pr_lexset_t *ls = pr_lexset_build(v, n, rev, err, errlen);
    if (!ls)
        goto out;
    const pr_stats_t *st = pr_lexset_stats(ls);
    pr_engine_swap(E.eng, ls);
    E.rev = rev;
    E.loaded_at = time_now_ms();
    log_rec_t r;
    log_begin(&r, LOG_APP, LOG_INFO, "proofread.lexicons_loaded");
    log_int(&r, "revision", rev);
    log_int(&r, "entries", (int64_t)st->entries);
    log_int(&r, "invalid", (int64_t)st->invalid);
    log_int(&r, "states", (int64_t)st->states);
    log_int(&r, "memory_bytes", (int64_t)st->memory);
    log_double(&r, "build_ms", st->build_ms);
    log_end(&r);
    rc = 0;
out:
    db_release(c);
    free(v);
    arena_free(a);
    pthread_mutex_unlock(&E.build);
    return rc;
}

json_t *proofread_engine_stats_json(void)
{
    pr_lexset_t *ls = proofread_engine_acquire();
    if (!ls)
        return json_object();
    const pr_stats_t *st = pr_lexset_stats(ls);
    json_t *o =
        json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:I}", "entries", (json_int_t)st->entries, "invalid",
                  (json_int_t)st->invalid, "states", (json_int_t)st->states, "slots", (json_int_t)st->slots,
                  "alphabet", (json_int_t)st->alphabet, "memory_bytes", (json_int_t)st->memory, "build_ms",
                  st->build_ms, "revision", (json_int_t)st->revision);
    pthread_mutex_lock(&E.build);
    json_object_set_new(o, "loaded_at", json_time(E.loaded_at));
    pthread_mutex_unlock(&E.build);
    pr_lexset_release(ls);
    return o;
}

static void *poller(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&E.m);
    while (!E.stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += proofread_cfg.reload_s;
        pthread_cond_timedwait(&E.cv, &E.m, &ts);
        if (E.stop)
            break;
        pthread_mutex_unlock(&E.m);
        char err[256];
        if (proofread_engine_reload(false, err, sizeof err) != 0)
            log_msg(LOG_APP, LOG_WARN, "proofread.reload_failed", "%s", err);
        pthread_mutex_lock(&E.m);
    }
    pthread_mutex_unlock(&E.m);
    return NULL;
}

int proofread_engine_start(const config_t *cfg, db_t *db, bool poll, char *err, size_t errlen)
{
    E.cfg = cfg;
    E.db = db;
    E.rev = -1;
    E.ocr_max = (int)proofread_cfg.ocr_concurrency;
    E.eng = pr_engine_new();
    if (!E.eng) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (proofread_engine_reload(true, err, errlen) != 0)
        return -1;
    if (poll) {
        E.stop = false;
        if (pthread_create(&E.th, NULL, poller, NULL) != 0) {
            snprintf(err, errlen, "cannot start the lexicon poller: %s", strerror(errno));
            return -1;
        }
        E.polling = true;
    }
    return 0;
}

void proofread_engine_stop(void)
{
    if (E.polling) {
        pthread_mutex_lock(&E.m);
        E.stop = true;
        pthread_cond_broadcast(&E.cv);
        pthread_mutex_unlock(&E.m);
        pthread_join(E.th, NULL);
        E.polling = false;
    }
    pr_engine_free(E.eng);
    E.eng = NULL;
}

bool proofread_engine_ocr_enter(int wait_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += wait_ms / 1000;
    ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&E.om);
    bool ok = true;
    while (E.ocr_busy >= E.ocr_max)
        if (pthread_cond_timedwait(&E.ocv, &E.om, &ts) == ETIMEDOUT) {
            ok = E.ocr_busy < E.ocr_max;
            break;
        }
    if (ok)
        E.ocr_busy++;
    pthread_mutex_unlock(&E.om);
    return ok;
}

void proofread_engine_ocr_leave(void)
{
    pthread_mutex_lock(&E.om);
    E.ocr_busy--;
    pthread_cond_signal(&E.ocv);
    pthread_mutex_unlock(&E.om);
}
