/* progress.c — the player's progress heartbeat (progress.h): the watched
 * ranges of one member and one item, kept as text "a-b,c-d" (ms), and the
 * beat: the member's row by its key (locked), one UPSERT. */
#include "modules/progress/progress.h"
#include "core/timeutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* adds [a,b), sorts and merges (touching or within 1 s); returns the count */
static int ranges_add(range_t *r, int n, int64_t a, int64_t b)
{
    if (b > a && n < MAX_RANGES + 1)
        r[n++] = (range_t){a, b};
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

void progress_heartbeat(http_req_t *req, db_conn_t *c, const progress_kind_t *k, int64_t item, int64_t parent,
                        int64_t duration)
{
    json_t *b = http_json_body(req);
    int64_t pos = jint(b, "position_ms", 0), now = time_now_ms(), user = http_user_id(req);
    bool playing = jbool(b, "playing", true);
    if (duration > 0 && pos > duration)
        pos = duration;
    char sql[640];
    snprintf(sql, sizeof sql,
             "SELECT last_pos_ms, last_beat_at, intervals, completed_at FROM %s WHERE user_id = ? AND %s = "
             "?" FOR_UPDATE_CLAUSE,
             k->table, k->item_col);
    db_stmt_t *st = db_prepare(c, sql);
    int rc = DB_ERROR;
    int64_t last_pos = 0, last_at = 0, completed_at = 0;
    range_t r[MAX_RANGES + 1];
    int n = 0;
    if (st) {
        db_bind_int64(st, 1, user);
        db_bind_int64(st, 2, item);
        if ((rc = db_step(st)) == DB_ROW) {
            last_pos = db_col_int64(st, 0);
            last_at = db_col_int64(st, 1);
            n = ranges_parse(db_col_text(st, 2), r, MAX_RANGES);
            completed_at = db_col_int64(st, 3);
        }
    }
    db_done(st);
    if (rc == DB_ERROR) {
        http_db_error(req, c);
        return;
    }
    int64_t before = ranges_total(r, n), advance = pos - last_pos;
    if (playing && last_at && advance > 0 && advance <= (now - last_at) * MAX_RATE + BEAT_SLACK_MS)
        n = ranges_add(r, n, last_pos, pos);
    int64_t watched = ranges_total(r, n);
    if (duration > 0 && watched > duration)
        watched = duration;
    if (!completed_at && duration > 0 && (double)watched >= COMPLETE_RATIO * (double)duration)
        completed_at = now;
    char text[MAX_RANGES * 28 + 1];
    ranges_text(r, n, text, sizeof text);
    snprintf(sql, sizeof sql,
             "INSERT INTO %s (user_id, %s, %s, org_id, position_ms, last_pos_ms, last_beat_at, watched_ms, "
             "intervals, completed_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
             "ON CONFLICT (user_id, %s) DO UPDATE SET position_ms = excluded.position_ms, "
             "last_pos_ms = excluded.last_pos_ms, last_beat_at = excluded.last_beat_at, "
             "watched_ms = excluded.watched_ms, intervals = excluded.intervals, "
             "completed_at = excluded.completed_at, updated_at = excluded.updated_at",
             k->table, k->item_col, k->parent_col, k->item_col);
    st = db_prepare(c, sql);
    rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, user);
        db_bind_int64(st, 2, item);
        db_bind_int64(st, 3, parent);
        db_bind_int64(st, 4, http_user_org(req));
        db_bind_int64(st, 5, pos);
        db_bind_int64(st, 6, pos);
        db_bind_int64(st, 7, now);
        db_bind_int64(st, 8, watched);
        db_bind_text(st, 9, text);
        if (completed_at)
            db_bind_int64(st, 10, completed_at);
        else
            db_bind_null(st, 10);
        db_bind_int64(st, 11, now);
        db_bind_int64(st, 12, now);
        rc = db_step(st);
    }
    db_done(st);
    if (rc != DB_DONE || db_commit(c) != 0) {
        http_db_error(req, c);
        return;
    }
    http_json(req, 200,
              json_pack("{s:I,s:I,s:I,s:I,s:I,s:b,s:i}", k->item_key, (json_int_t)item, "position_ms",
                        (json_int_t)pos, "watched_ms", (json_int_t)watched, "duration_ms",
                        (json_int_t)duration, "counted_ms",
                        (json_int_t)(watched - before > 0 ? watched - before : 0), "completed",
                        completed_at != 0, "next_beat_s", 5));
}
