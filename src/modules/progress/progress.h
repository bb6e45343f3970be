/* progress.h — the player's progress heartbeat (观看进度), shared by the
 * course matrix's lessons and the lecture hall's recordings. Not a module
 * of its own: it owns no table and no route. Each module keeps a progress
 * table of the same shape and names it in a progress_kind_t:
 *
 *   <table> (user_id, <item_col>, <parent_col>, org_id, position_ms,
 *            last_pos_ms, last_beat_at, watched_ms, intervals, completed_at,
 *            created_at, updated_at) with a unique index (user_id, <item_col>).
 *
 * A beat counts the range from the last beat's position to its own only when
 * it is playing and the position moved forward by no more than the clock
 * allows (twice the time since the last beat, the fastest playback rate, plus
 * 2 s of slack); a seek, forward or back, moves the resume position and
 * counts nothing. The watched ranges are merged (at most 64), so watching a
 * part twice adds nothing; the item is completed when they cover at least
 * 90 % of its duration. Beats are many and individually unimportant: the
 * routes are not audited, and they are written behind (below). */
#ifndef ZD_MOD_PROGRESS_H
#define ZD_MOD_PROGRESS_H
#include "core/db.h"
#include "http/http.h"
#include "http/valid.h"
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    const char *table;      /* "course_progress" */
    const char *item_col;   /* "lesson_id": the unit played */
    const char *parent_col; /* "course_id": what it belongs to */
    const char *item_key;   /* "lesson_id": the answer's key for the item */
} progress_kind_t;

/* The heartbeat's body ({position_ms, playing}) and the answer's fields
 * after the item's id: route tables spread them into their arrays. */
#define PROGRESS_BODY_FIELDS                                                                                 \
    {"position_ms", V_INT, true, 0, 24 * 3600000LL, .title = "播放位置（毫秒）"},                            \
    {                                                                                                        \
        "playing", V_BOOL, .title = "正在播放（false：暂停、拖动后只记位置；默认 true）" \
    }
#define PROGRESS_OUT_FIELDS                                                                                  \
    {"position_ms", V_INT, .title = "续播位置"},                                                             \
        {"watched_ms", V_INT, .title = "实际看过的时长（合并后的区间）"},                                    \
        {"duration_ms", V_INT, .title = "时长"}, {"counted_ms", V_INT, .title = "本次计入的毫秒数"},         \
        {"completed", V_BOOL, .title = "已完成（看过至少 90%）"},                                            \
    {                                                                                                        \
        "next_beat_s", V_INT, .title = "下次心跳的间隔（秒）"                                      \
    }
#define PROGRESS_NOTES                                                                                       \
    "every 5 s while playing, and on pause or seek with playing false; a beat counts the range since the "   \
    "last beat's position only when it moved forward no faster than twice the clock (+2 s): a seek counts "  \
    "nothing; completed at 90 % actually watched; not audited (many, each unimportant)"

/* ---- write-behind ----
 * A beat is validated and merged in memory (per member and item: the
 * merged watched ranges, the resume position, the last beat's clock) and
 * answered from that state; the pending states are flushed to the progress
 * tables in one transaction about once a second by a thread of this node,
 * when the pending map is full (PROGRESS_MAX_PENDING: synchronously, by the
 * beat that found it full), before a read of progress on this node
 * (progress_flush) and at shutdown. A flush merges each state into its row
 * under the row's lock (SELECT … FOR UPDATE): the ranges are the union of
 * the row's and the state's, the resume position the one of the later beat,
 * the completion the earlier — so several nodes flushing the same member's
 * rows never lose a range. A crash loses at most the last ~1 s of beats. */

#define PROGRESS_MAX_PENDING 20000 /* member × item states held between flushes */
#define PROGRESS_FLUSH_MS    1000

typedef struct {
    int64_t user, org, item, parent;
    int64_t duration_ms; /* 0 when unknown */
    int64_t position_ms;
    bool playing;
    int64_t now_ms; /* the beat's clock (time_now_ms()) */
} progress_beat_t;

typedef struct {
    int64_t position_ms, watched_ms, counted_ms;
    bool completed;
} progress_state_t;

/* Merges one beat into the pending state of (k, user, item), reading the
 * row through c (outside a transaction) when this node holds no state for
 * it. 0 with *out filled; -1 on a database error; -2 when the pending map
 * is still full after a synchronous flush. */
int progress_beat(db_conn_t *c, const progress_kind_t *k, const progress_beat_t *b, progress_state_t *out);

/* Writes every pending state to the database in one transaction on c (not
 * in a transaction; the flushes of this node take turns). 0 (also when
 * nothing was pending) or -1 (the states stay pending for the next flush). */
int progress_flush(db_conn_t *c);

/* States held (pending or being flushed). */
int progress_pending(void);

/* The flushing thread over db: started by the modules that use the
 * heartbeat (counted; the first starts it), stopped by their shutdown (the
 * last stops it after a final flush). */
int progress_start(db_t *db);
void progress_stop(void);

/* Records one beat of the caller for item (of parent, duration_ms long, 0
 * when unknown) from the request's body and answers with {<item_key>,
 * position_ms, watched_ms, duration_ms, counted_ms, completed, next_beat_s}
 * from the merged state (written by the next flush); or answers 5xx. c is
 * the request's connection, outside a transaction. */
void progress_heartbeat(http_req_t *req, db_conn_t *c, const progress_kind_t *k, int64_t item, int64_t parent,
                        int64_t duration_ms);

#endif
