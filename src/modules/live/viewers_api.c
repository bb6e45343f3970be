/* viewers_api.c — who watched (直播统计): the player's heartbeats and the
 * figures of a stream. The player sends a heartbeat every 30 s with the
 * milliseconds watched and the likes/comments since its last one; each
 * player tab is one session (a random id of the client's). A session's
 * watch time can grow no faster than the clock (the time since its last
 * beat, plus 10 s of slack), so a replayed or hurried beat adds nothing
 * beyond that. Each session counts once in each minute it beat in
 * (live_minutes): the peak of concurrent viewers is the largest of those
 * counts. Heartbeats are many and individually unimportant: not audited. */
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/live/internal.h"
#include <stdio.h>
#include <string.h>

#define BEAT_SLACK_MS 10000
#define CONCURRENT_MS 60000
#define MAX_BEAT_MS   120000
#define MAX_TIMELINE  1500

static const char *check_session(json_t *v)
{
    for (const char *p = json_string_value(v); *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '-' ||
              *p == '_'))
            return "只能包含字母、数字、- 和 _";
    return NULL;
}

const vfield_t LIVE_BEAT_BODY[LIVE_BEAT_NFIELDS] = {
    {"session", V_STR, true, 1, 64, .check = check_session, .title = "播放会话（播放器生成的随机编号）"},
    {"watched_ms", V_INT, true, 0, MAX_BEAT_MS, .title = "距上次心跳观看的毫秒数（至多 120000）"},
    {"interactions", V_INT, false, 0, 1000, .title = "距上次心跳的点赞、评论次数"},
};
const vfield_t LIVE_BEAT_OUT[4] = {
    {"session", V_STR},
    {"counted_ms", V_INT, .title = "本次计入的观看毫秒数"},
    {"watch_ms", V_INT, .title = "本会话累计观看毫秒数"},
    {"next_beat_s", V_INT, .title = "下次心跳的间隔（秒）"},
};
static const vfield_t STATS_OUT[] = {
    {"participants", V_INT, .title = "参与人数（不同用户）"},
    {"sessions", V_INT, .title = "播放会话数"},
    {"watch_ms_total", V_INT, .title = "观看总时长（毫秒）"},
    {"watch_ms_avg", V_INT, .title = "人均观看时长（毫秒）"},
    {"interactions", V_INT, .title = "互动次数"},
    {"concurrent", V_INT, .title = "当前在线（60 秒内有心跳的会话）"},
    {"viewers_now", V_INT, .title = "此刻在看（15 秒内有心跳的会话；本平台推流的播放器每 10 秒一次心跳）"},
    {"peak", V_INT, .title = "峰值同时在线"},
    {"peak_at", V_TIME, .title = "峰值出现的分钟"},
    {"timeline", V_ARRAY, .title = "每分钟在线会话 [{at, viewers}]"},
};

static json_t *times_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return json_pack("[I,I,I]", (json_int_t)db_col_int64(st, 0), (json_int_t)db_col_int64(st, 1),
                     (json_int_t)db_col_int64(st, 2));
}

/* the beat itself, the stream's window known: records, commits, answers */
static void beat(http_req_t *req, db_conn_t *c, int64_t id, int64_t starts, int64_t ends, int next_beat)
{
    json_t *b = http_json_body(req);
    const char *session = jstr(b, "session");
    int64_t watched = jint(b, "watched_ms", 0), inter = jint(b, "interactions", 0);
    int64_t now = time_now_ms(), user = http_user_id(req);
    int rc;
    db_stmt_t *st;
    if (now < starts - LIVE_WATCH_MARGIN_MS || now > ends + LIVE_WATCH_MARGIN_MS) {
        http_error(req, 409, "not_live", "%s", now < starts ? "直播尚未开始" : "直播已经结束");
        return;
    }
    /* the session's last beat, locked: its growth is bounded by the clock */
    st = db_prepare(c, "SELECT last_at, watch_ms FROM live_viewers WHERE stream_id = ? AND user_id = ? AND "
                       "session = ?" FOR_UPDATE_CLAUSE);
    int64_t last = 0, total = 0;
    rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, id);
        db_bind_int64(st, 2, user);
        db_bind_text(st, 3, session);
        if ((rc = db_step(st)) == DB_ROW) {
            last = db_col_int64(st, 0);
            total = db_col_int64(st, 1);
        }
    }
    db_done(st);
    if (rc == DB_ERROR) {
        http_db_error(req, c);
        return;
    }
    int64_t counted = watched;
    if (last) {
        int64_t room = now - last + BEAT_SLACK_MS;
        if (counted > room)
            counted = room > 0 ? room : 0;
    }
    st = db_prepare(c, "INSERT INTO live_viewers (stream_id, user_id, session, first_at, last_at, watch_ms, "
                       "interactions, beats) VALUES (?, ?, ?, ?, ?, ?, ?, 1) "
                       "ON CONFLICT (stream_id, user_id, session) DO UPDATE SET last_at = excluded.last_at, "
                       "watch_ms = live_viewers.watch_ms + excluded.watch_ms, "
                       "interactions = live_viewers.interactions + excluded.interactions, "
                       "beats = live_viewers.beats + 1");
    rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, id);
        db_bind_int64(st, 2, user);
        db_bind_text(st, 3, session);
        db_bind_int64(st, 4, now);
        db_bind_int64(st, 5, now);
        db_bind_int64(st, 6, counted);
        db_bind_int64(st, 7, inter);
        rc = db_step(st);
    }
    db_done(st);
    /* once per session and minute */
    if (rc == DB_DONE && (!last || last / 60000 != now / 60000)) {
        st = db_prepare(c, "INSERT INTO live_minutes (stream_id, minute, n) VALUES (?, ?, 1) "
                           "ON CONFLICT (stream_id, minute) DO UPDATE SET n = live_minutes.n + 1");
        rc = DB_ERROR;
        if (st) {
            db_bind_int64(st, 1, id);
            db_bind_int64(st, 2, now / 60000);
            rc = db_step(st);
        }
        db_done(st);
    }
    if (rc != DB_DONE || db_commit(c) != 0) {
        http_db_error(req, c);
        return;
    }
    http_json(req, 200,
              json_pack("{s:s,s:I,s:I,s:i}", "session", session, "counted_ms", (json_int_t)counted,
                        "watch_ms", (json_int_t)(total + counted), "next_beat_s", next_beat));
}

static void heartbeat(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *e =
        res_load(req, c, &LIVE_EVENTS,
                 "s.starts_at, s.ends_at, (SELECT COUNT(*) FROM live_ingest i WHERE i.stream_id = s.id)", id,
                 times_row, NULL, RES_PLAIN);
    if (!e)
        return;
    int64_t starts = json_integer_value(json_array_get(e, 0)),
            ends = json_integer_value(json_array_get(e, 1));
    /* a pushed stream's organiser watches the viewers now (15 s): its players beat more often */
    int next_beat = json_integer_value(json_array_get(e, 2)) ? LIVE_INGEST_BEAT_S : 30;
    json_decref(e);
    beat(req, c, id, starts, ends, next_beat);
}

void live_heartbeat(http_req_t *req, db_conn_t *c, int64_t id)
{
    db_stmt_t *st = db_prepare(c, "SELECT s.starts_at, s.ends_at, (SELECT COUNT(*) FROM live_ingest i WHERE "
                                  "i.stream_id = s.id) FROM live_streams s WHERE s.id = ? AND s.status = "
                                  "'approved' AND s.cancelled_at IS NULL AND s.deleted_at IS NULL");
    int rc = DB_ERROR;
    int64_t starts = 0, ends = 0, ingest = 0;
    if (st) {
        db_bind_int64(st, 1, id);
        if ((rc = db_step(st)) == DB_ROW) {
            starts = db_col_int64(st, 0);
            ends = db_col_int64(st, 1);
            ingest = db_col_int64(st, 2);
        }
    }
    db_done(st);
    if (rc == DB_ERROR)
        http_db_error(req, c);
    else if (rc != DB_ROW)
        http_error(req, 404, "not_found", "直播不存在或已取消");
    else
        beat(req, c, id, starts, ends, ingest ? LIVE_INGEST_BEAT_S : 30);
}

static void stats(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    if (!res_visible(req, c, &LIVE_STREAMS, id))
        return;
    int64_t now = time_now_ms();
    db_stmt_t *st = db_prepare(
        c, "SELECT COUNT(DISTINCT user_id), COUNT(*), COALESCE(SUM(watch_ms), 0), "
           "COALESCE(SUM(interactions), 0), "
           "COALESCE(SUM(CASE WHEN last_at > ? THEN 1 ELSE 0 END), 0), "
           "COALESCE(SUM(CASE WHEN last_at > ? THEN 1 ELSE 0 END), 0) FROM live_viewers WHERE stream_id = ?");
    int rc = DB_ERROR;
    int64_t people = 0, sessions = 0, watch = 0, inter = 0, conc = 0, now_v = 0;
    if (st) {
        db_bind_int64(st, 1, now - CONCURRENT_MS);
        db_bind_int64(st, 2, now - LIVE_VIEWERS_NOW_MS);
        db_bind_int64(st, 3, id);
        if ((rc = db_step(st)) == DB_ROW) {
            people = db_col_int64(st, 0);
            sessions = db_col_int64(st, 1);
            watch = db_col_int64(st, 2);
            inter = db_col_int64(st, 3);
            conc = db_col_int64(st, 4);
            now_v = db_col_int64(st, 5);
        }
    }
    db_done(st);
    json_t *timeline = json_array();
    int64_t peak = 0, peak_min = 0;
    if (rc == DB_ROW) {
        st = db_prepare(c, "SELECT minute, n FROM live_minutes WHERE stream_id = ? ORDER BY minute");
        rc = DB_ERROR;
        if (st) {
            db_bind_int64(st, 1, id);
            size_t n = 0;
            while ((rc = db_step(st)) == DB_ROW) {
                int64_t m = db_col_int64(st, 0), v = db_col_int64(st, 1);
                if (v > peak) {
                    peak = v;
                    peak_min = m;
                }
                if (n++ < MAX_TIMELINE)
                    json_array_append_new(timeline, json_pack("{s:o,s:I}", "at", json_time(m * 60000),
                                                              "viewers", (json_int_t)v));
            }
        }
        db_done(st);
    }
    if (rc != DB_DONE) {
        json_decref(timeline);
        http_db_error(req, c);
        return;
    }
    if (conc > peak) { /* a minute's count lags the live figure by up to a beat */
        peak = conc;
        peak_min = now / 60000;
    }
    json_t *o = json_object();
    json_object_set_new(o, "participants", json_integer(people));
    json_object_set_new(o, "sessions", json_integer(sessions));
    json_object_set_new(o, "watch_ms_total", json_integer(watch));
    json_object_set_new(o, "watch_ms_avg", json_integer(people ? watch / people : 0));
    json_object_set_new(o, "interactions", json_integer(inter));
    json_object_set_new(o, "concurrent", json_integer(conc));
    json_object_set_new(o, "viewers_now", json_integer(now_v));
    json_object_set_new(o, "peak", json_integer(peak));
    json_object_set_new(o, "peak_at", peak ? json_time(peak_min * 60000) : json_null());
    json_object_set_new(o, "timeline", timeline);
    http_json(req, 200, o);
}

// clang-format off
static const http_route_t routes[] = {
    {.method = "POST", .pattern = "/api/v1/live/streams/{id}/heartbeat", .handler = heartbeat, .perm = "live.read",
     .flags = HTTP_NO_AUDIT, .summary = "直播观看心跳", .resource = &LIVE_EVENTS, HTTP_BODY(LIVE_BEAT_BODY),
     HTTP_OUT(LIVE_BEAT_OUT), .example = "{\"session\":\"contract-{n}\",\"watched_ms\":30000,\"interactions\":1}",
     .notes = "every next_beat_s (30 s; 10 s for a stream pushed to the platform) from the player; 404 unless approved and not cancelled; 409 not_live outside "
              "[start - 30 min, end + 30 min]; a session's watch time grows no faster than the clock"},
    {.method = "GET", .pattern = "/api/v1/live/streams/{id}/stats", .handler = stats, .perm = "live.stats",
     .summary = "直播观看统计", .resource = &LIVE_STREAMS, HTTP_OUT(STATS_OUT)},
};
// clang-format on

int live_viewer_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
