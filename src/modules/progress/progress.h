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
 * routes are not audited. */
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

/* Records one beat of the caller for item (of parent, duration_ms long, 0
 * when unknown) from the request's body, commits the request's transaction
 * and answers with {<item_key>, position_ms, watched_ms, duration_ms,
 * counted_ms, completed, next_beat_s}; or answers 5xx. */
void progress_heartbeat(http_req_t *req, db_conn_t *c, const progress_kind_t *k, int64_t item, int64_t parent,
                        int64_t duration_ms);

#endif
