/* progress.c — the player's progress heartbeat (progress.h): the watched
 * ranges of one member and one item, kept as text "a-b,c-d" (ms); the beat,
 * merged into this node's pending state of the member and item; the flush,
 * which merges the pending states into their rows under the rows' locks. */
#include "modules/progress/progress.h"
#include "core/log.h"
#include "core/timeutil.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BEAT_SLACK_MS  2000
#define MAX_RATE       2
#define MAX_RANGES     64
#define COMPLETE_RATIO 0.9

typedef struct {
    int64_t a, b;
} range_t;

/* "a-b,c-d" → ranges (sorted, merged by the writer); returns the count */
static int ranges_parse(const char *s, range_t *r, int max)
{
    int n = 0;
    while (s && *s && n < max) {
        char *e;
        long long a = strtoll(s, &e, 10);
        if (*e != '-')
            break;
        long long b = strtoll(e + 1, &e, 10);
        if (b > a && a >= 0)
            r[n++] = (range_t){a, b};
        s = *e == ',' ? e + 1 : NULL;
    }
    return n;
}

static int cmp_range(const void *x, const void *y)
{
    const range_t *p = x, *q = y;
    return p->a < q->a ? -1 : p->a > q->a;
}

/* sorts and merges r[0..n) (touching or within 1 s), keeping at most
 * MAX_RANGES; returns the count */
static int ranges_merge(range_t *r, int n)
{
    qsort(r, (size_t)n, sizeof *r, cmp_range);
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (m && r[i].a <= r[m - 1].b + 1000) {
            if (r[i].b > r[m - 1].b)
                r[m - 1].b = r[i].b;
        } else
            r[m++] = r[i];
    }
    /* a pathological pattern of tiny ranges: keep the longest ones */
    while (m > MAX_RANGES) {
        int k = 0;
        for (int i = 1; i < m; i++)
            if (r[i].b - r[i].a < r[k].b - r[k].a)
                k = i;
        memmove(r + k, r + k + 1, (size_t)(m - k - 1) * sizeof *r);
        m--;
    }
    return m;
}

/* adds [a,b) to r (room for MAX_RANGES + 1), merged; returns the count */
static int ranges_add(range_t *r, int n, int64_t a, int64_t b)
{
    if (b > a && n < MAX_RANGES + 1)
        r[n++] = (range_t){a, b};
    return ranges_merge(r, n);
}

static int64_t ranges_total(const range_t *r, int n)
{
    int64_t t = 0;
    for (int i = 0; i < n; i++)
        t += r[i].b - r[i].a;
    return t;
}

static void ranges_text(const range_t *r, int n, char *out, size_t size)
{
    size_t k = 0;
    out[0] = 0;
    for (int i = 0; i < n && k < size; i++)
        k += (size_t)snprintf(out + k, size - k, "%s%lld-%lld", i ? "," : "", (long long)r[i].a,
                              (long long)r[i].b);
}

/* ---- the pending states ---- */

#define NBUCKETS 4096

typedef struct entry {
    struct entry *next;
    const progress_kind_t *k;
    int64_t user, item, parent, org, duration;
    int64_t pos, last_at, completed_at; /* the resume position is the last beat's position */
    uint64_t gen;                       /* beats merged; gen == flushed: written */
    int n;
    range_t r[MAX_RANGES + 1];
} entry_t;

static struct {
    pthread_mutex_t mu;       /* the map */
    pthread_mutex_t flush_mu; /* one flush at a time on this node */
    pthread_mutex_t th_mu;    /* the thread's start, stop and sleep */
    pthread_cond_t cv;
    entry_t *b[NBUCKETS];
    int count;
    db_t *db;
    pthread_t th;
    int refs;
    bool running, stop;
} P = {.mu = PTHREAD_MUTEX_INITIALIZER,
       .flush_mu = PTHREAD_MUTEX_INITIALIZER,
       .th_mu = PTHREAD_MUTEX_INITIALIZER,
       .cv = PTHREAD_COND_INITIALIZER};

static unsigned bucket(const progress_kind_t *k, int64_t user, int64_t item)
{
    uint64_t h = (uint64_t)user * 0x9e3779b97f4a7c15ULL ^ (uint64_t)item * 0xc2b2ae3d27d4eb4fULL ^
                 (uint64_t)(uintptr_t)k;
    h ^= h >> 29;
    return (unsigned)(h % NBUCKETS);
}

/* under P.mu */
static entry_t **find(const progress_kind_t *k, int64_t user, int64_t item)
{
    entry_t **p = &P.b[bucket(k, user, item)];
    while (*p && !((*p)->k == k && (*p)->user == user && (*p)->item == item))
        p = &(*p)->next;
    return p;
}

int progress_pending(void)
{
    pthread_mutex_lock(&P.mu);
    int n = P.count;
    pthread_mutex_unlock(&P.mu);
    return n;
}

/* the row of (k, user, item): 1 found, 0 none, -1 error */
static int row_load(db_conn_t *c, const progress_kind_t *k, int64_t user, int64_t item, bool lock,
                    int64_t *last_pos, int64_t *last_at, range_t *r, int *n, int64_t *completed_at)
{
    char sql[400];
    snprintf(
        sql, sizeof sql,
        "SELECT last_pos_ms, last_beat_at, intervals, completed_at FROM %s WHERE user_id = ? AND %s = ?%s",
        k->table, k->item_col, lock ? FOR_UPDATE_CLAUSE : "");
    db_stmt_t *st = db_prepare(c, sql);
    if (!st)
        return -1;
    db_bind_int64(st, 1, user);
    db_bind_int64(st, 2, item);
    int rc = db_step(st), found = 0;
    *last_pos = *last_at = *completed_at = 0;
    *n = 0;
    if (rc == DB_ROW) {
        *last_pos = db_col_int64(st, 0);
        *last_at = db_col_int64(st, 1);
        *n = ranges_parse(db_col_text(st, 2), r, MAX_RANGES);
        *completed_at = db_col_int64(st, 3);
        found = 1;
    }
    db_done(st);
    return rc == DB_ERROR ? -1 : found;
}

static int64_t clip(int64_t watched, int64_t duration)
{
    return duration > 0 && watched > duration ? duration : watched;
}

static bool complete(int64_t watched, int64_t duration)
{
    return duration > 0 && (double)watched >= COMPLETE_RATIO * (double)duration;
}

int progress_beat(db_conn_t *c, const progress_kind_t *k, const progress_beat_t *b, progress_state_t *out)
{
    int64_t pos = b->position_ms, now = b->now_ms;
    if (b->duration_ms > 0 && pos > b->duration_ms)
        pos = b->duration_ms;
    pthread_mutex_lock(&P.mu);
    entry_t *e = *find(k, b->user, b->item);
    if (!e) {
        pthread_mutex_unlock(&P.mu);
        /* the row as the last flush (of any node) left it, read outside the map's lock */
        entry_t *ne = calloc(1, sizeof *ne);
        if (!ne)
            return -1;
        if (progress_pending() >= PROGRESS_MAX_PENDING && progress_flush(c) != 0) {
            free(ne);
            return -1;
        }
        if (row_load(c, k, b->user, b->item, false, &ne->pos, &ne->last_at, ne->r, &ne->n,
                     &ne->completed_at) < 0) {
            free(ne);
            return -1;
        }
        ne->k = k;
        ne->user = b->user;
        ne->item = b->item;
        pthread_mutex_lock(&P.mu);
        entry_t **p = find(k, b->user, b->item);
        if (*p) /* another beat of the same member loaded it meanwhile */
            free(ne);
        else if (P.count >= PROGRESS_MAX_PENDING) {
            pthread_mutex_unlock(&P.mu);
            free(ne);
            return -2;
        } else {
            *p = ne;
            P.count++;
        }
        e = *p;
    }
    e->parent = b->parent;
    e->org = b->org;
    if (b->duration_ms > 0)
        e->duration = b->duration_ms;
    int64_t before = ranges_total(e->r, e->n), advance = pos - e->pos;
    if (b->playing && e->last_at && advance > 0 && advance <= (now - e->last_at) * MAX_RATE + BEAT_SLACK_MS)
        e->n = ranges_add(e->r, e->n, e->pos, pos);
    int64_t watched = clip(ranges_total(e->r, e->n), b->duration_ms);
    if (!e->completed_at && complete(watched, b->duration_ms))
        e->completed_at = now;
    e->pos = pos;
    e->last_at = now;
    e->gen++;
    out->position_ms = pos;
    out->watched_ms = watched;
    out->counted_ms = watched - before > 0 ? watched - before : 0;
    out->completed = e->completed_at != 0;
    pthread_mutex_unlock(&P.mu);
    return 0;
}

/* merges the state s into its row, locked; 0 or -1 */
static int row_merge(db_conn_t *c, const entry_t *s, int64_t now)
{
    const progress_kind_t *k = s->k;
    char sql[640];
    for (int attempt = 0; attempt < 2; attempt++) {
        int64_t pos, last_at, completed_at;
        range_t r[2 * (MAX_RANGES + 1)];
        int n;
        int found = row_load(c, k, s->user, s->item, true, &pos, &last_at, r, &n, &completed_at);
        if (found < 0)
            return -1;
        /* the union of the ranges; the later beat's position; the earlier completion */
        memcpy(r + n, s->r, (size_t)s->n * sizeof *r);
        n = ranges_merge(r, n + s->n);
        if (!found || s->last_at >= last_at) {
            pos = s->pos;
            last_at = s->last_at;
        }
        if (s->completed_at && (!completed_at || s->completed_at < completed_at))
            completed_at = s->completed_at;
        int64_t watched = clip(ranges_total(r, n), s->duration);
        if (!completed_at && complete(watched, s->duration))
            completed_at = s->last_at;
        char text[MAX_RANGES * 28 + 1];
        ranges_text(r, n, text, sizeof text);
        if (found)
            snprintf(sql, sizeof sql,
                     "UPDATE %s SET position_ms = ?, last_pos_ms = ?, last_beat_at = ?, watched_ms = ?, "
                     "intervals = ?, completed_at = ?, updated_at = ? WHERE user_id = ? AND %s = ?",
                     k->table, k->item_col);
        else /* a row another node inserts meanwhile wins: then merged into it, locked */
            snprintf(sql, sizeof sql,
                     "INSERT INTO %s (position_ms, last_pos_ms, last_beat_at, watched_ms, intervals, "
                     "completed_at, updated_at, user_id, %s, %s, org_id, created_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, %s) DO NOTHING",
                     k->table, k->item_col, k->parent_col, k->item_col);
        db_stmt_t *st = db_prepare(c, sql);
        if (!st)
            return -1;
        db_bind_int64(st, 1, pos);
        db_bind_int64(st, 2, pos);
        db_bind_int64(st, 3, last_at);
        db_bind_int64(st, 4, watched);
        db_bind_text(st, 5, text);
        if (completed_at)
            db_bind_int64(st, 6, completed_at);
        else
            db_bind_null(st, 6);
        db_bind_int64(st, 7, now);
        db_bind_int64(st, 8, s->user);
        db_bind_int64(st, 9, s->item);
        if (!found) {
            db_bind_int64(st, 10, s->parent);
            db_bind_int64(st, 11, s->org);
            db_bind_int64(st, 12, now);
        }
        int rc = db_step(st);
        db_done(st);
        if (rc != DB_DONE)
            return -1;
        if (found || db_changes(c) > 0)
            return 0;
    }
    return -1;
}

static int cmp_entry(const void *x, const void *y)
{
    const entry_t *p = x, *q = y;
    int t = strcmp(p->k->table, q->k->table);
    if (t)
        return t;
    if (p->user != q->user)
        return p->user < q->user ? -1 : 1;
    return p->item < q->item ? -1 : p->item > q->item;
}

/* s[from..from+n) in one transaction on c; 0 or -1 (rolled back) */
static int write_states(db_conn_t *c, const entry_t *s, int from, int n, int64_t now)
{
    int rc = db_begin(c);
    for (int i = from; rc == 0 && i < from + n; i++)
        rc = row_merge(c, &s[i], now);
    if (rc == 0)
        rc = db_commit(c);
    if (rc != 0 && db_in_tx(c))
        db_rollback(c);
    return rc == 0 ? 0 : -1;
}

int progress_flush(db_conn_t *c)
{
    pthread_mutex_lock(&P.flush_mu);
    /* copies of the states, taken under the map's lock; beats go on meanwhile */
    pthread_mutex_lock(&P.mu);
    int n = 0, cap = P.count;
    entry_t *s = cap ? malloc((size_t)cap * sizeof *s) : NULL;
    for (int i = 0; s && i < NBUCKETS; i++)
        for (entry_t *e = P.b[i]; e; e = e->next)
            s[n++] = *e;
    pthread_mutex_unlock(&P.mu);
    if (!n) {
        pthread_mutex_unlock(&P.flush_mu);
        return cap ? -1 : 0;
    }
    /* rows in one order on every node: two flushes lock them without a deadlock */
    qsort(s, (size_t)n, sizeof *s, cmp_entry);
    int64_t now = time_now_ms();
    bool *done = calloc((size_t)n, sizeof *done);
    int rc = done ? write_states(c, s, 0, n, now) : -1, written = 0;
    if (rc == 0)
        for (int i = 0; i < n; i++)
            done[i] = true;
    else if (done && n > 1) {
        /* one state the database refuses (its item deleted meanwhile) must not hold back the others:
         * each in a transaction of its own; when some pass, the refused ones are dropped */
        for (int i = 0; i < n; i++)
            written += (done[i] = write_states(c, s, i, 1, now) == 0);
        if (written)
            for (int i = 0; i < n; i++)
                if (!done[i]) {
                    log_msg(LOG_SYSTEM, LOG_WARN, "progress.dropped",
                            "%s 的观看进度（用户 %lld，%s %lld）写入被拒绝，已丢弃", s[i].k->table,
                            (long long)s[i].user, s[i].k->item_col, (long long)s[i].item);
                    done[i] = true;
                }
    }
    if (rc != 0 && !written)
        log_msg(LOG_SYSTEM, LOG_ERROR, "progress.flush_failed", "观看进度写入失败（%d 条待写，下次重试）", n);
    /* written: the states not beaten since are dropped (the next beat reads the row, which may
     * have been merged with another node's beats); the others stay pending */
    pthread_mutex_lock(&P.mu);
    for (int i = 0; done && i < n; i++) {
        entry_t **p = find(s[i].k, s[i].user, s[i].item), *e = *p;
        if (done[i] && e && e->gen == s[i].gen) {
            *p = e->next;
            free(e);
            P.count--;
        }
    }
    pthread_mutex_unlock(&P.mu);
    free(done);
    free(s);
    pthread_mutex_unlock(&P.flush_mu);
    return rc == 0 || written ? 0 : -1;
}

/* ---- the flushing thread ---- */

static void flush_db(db_t *db)
{
    if (!progress_pending())
        return;
    db_conn_t *c = db_acquire(db);
    if (c)
        progress_flush(c);
    else
        log_msg(LOG_SYSTEM, LOG_ERROR, "progress.flush_failed", "观看进度写入失败：没有可用的数据库连接");
    db_release(c);
}

static void *flusher(void *arg)
{
    db_t *db = arg;
    pthread_mutex_lock(&P.th_mu);
    while (!P.stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += PROGRESS_FLUSH_MS % 1000 * 1000000L;
        ts.tv_sec += PROGRESS_FLUSH_MS / 1000 + ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&P.cv, &P.th_mu, &ts);
        pthread_mutex_unlock(&P.th_mu);
        flush_db(db);
        pthread_mutex_lock(&P.th_mu);
    }
    pthread_mutex_unlock(&P.th_mu);
    flush_db(db); /* the last beats before a clean stop */
    return NULL;
}

int progress_start(db_t *db)
{
    pthread_mutex_lock(&P.th_mu);
    int rc = 0;
    if (P.refs++ == 0) {
        P.db = db;
        P.stop = false;
        P.running = pthread_create(&P.th, NULL, flusher, db) == 0;
        if (!P.running) {
            P.refs = 0;
            rc = -1;
        }
    }
    pthread_mutex_unlock(&P.th_mu);
    return rc;
}

void progress_stop(void)
{
    pthread_mutex_lock(&P.th_mu);
    bool last = P.refs > 0 && --P.refs == 0 && P.running;
    if (last) {
        P.stop = true;
        pthread_cond_signal(&P.cv);
    }
    pthread_mutex_unlock(&P.th_mu);
    if (!last)
        return;
    pthread_join(P.th, NULL);
    P.running = false;
    /* what a failed last flush left: dropped (lost like a crash's last second) */
    pthread_mutex_lock(&P.mu);
    for (int i = 0; i < NBUCKETS; i++)
        while (P.b[i]) {
            entry_t *e = P.b[i];
            P.b[i] = e->next;
            free(e);
        }
    if (P.count)
        log_msg(LOG_SYSTEM, LOG_WARN, "progress.dropped", "停止时仍有 %d 条观看进度未能写入", P.count);
    P.count = 0;
    pthread_mutex_unlock(&P.mu);
}

/* ---- the route ---- */

void progress_heartbeat(http_req_t *req, db_conn_t *c, const progress_kind_t *k, int64_t item, int64_t parent,
                        int64_t duration)
{
    json_t *body = http_json_body(req);
    progress_beat_t b = {.user = http_user_id(req),
                         .org = http_user_org(req),
                         .item = item,
                         .parent = parent,
                         .duration_ms = duration,
                         .position_ms = jint(body, "position_ms", 0),
                         .playing = jbool(body, "playing", true),
                         .now_ms = time_now_ms()};
    progress_state_t s;
    int rc = progress_beat(c, k, &b, &s);
    if (rc == -2) {
        http_error(req, 503, "busy", "观看进度暂时无法记录，请稍后重试");
        return;
    }
    if (rc != 0) {
        http_db_error(req, c);
        return;
    }
    http_json(req, 200,
              json_pack("{s:I,s:I,s:I,s:I,s:I,s:b,s:i}", k->item_key, (json_int_t)item, "position_ms",
                        (json_int_t)s.position_ms, "watched_ms", (json_int_t)s.watched_ms, "duration_ms",
                        (json_int_t)duration, "counted_ms", (json_int_t)s.counted_ms, "completed",
                        s.completed, "next_beat_s", 5));
}
