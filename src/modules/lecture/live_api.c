/* live_api.c — a lecture goes live (讲堂直播, issue 13): the organiser of a
 * published lecture opens a live broadcast for one of its sessions, pushed
 * to the platform's nginx-rtmp (a stream key, the organiser's only) or
 * played from an external platform's HLS/FLV address. The stream is the
 * live module's (live.h live_stream_open): approved at once, because the
 * lecture's own review (区级 → 市级) already reached the city that approves
 * live bookings; the district's one-channel rule still holds (409 when an
 * approved stream of the district overlaps). Members who may see the
 * lecture (the catalogue's rule: lecture.read, published, not cancelled)
 * see the session's live state on its page and play it through the
 * lecture's own routes (the live module's playlist and heartbeat, by the
 * session's id: the key never leaves the organiser's view). Closing the
 * broadcast, or cancelling the lecture, cancels the stream. The members
 * booked on the session are told when it is opened (lecture.live). */
#include "core/str.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/lecture/internal.h"
#include "modules/live/live.h"
#include "modules/notify/notify.h"
#include <stdio.h>
#include <string.h>

static const char *const MODES[] = {"ingest", "url", NULL};
static const vfield_t LIVE_OPEN[] = {
    {"broadcast", V_ENUM, true, .choices = MODES,
     .title = "直播方式：ingest 本平台推流，url 外部平台直播流地址"},
    {"stream_url", V_STR, false, 0, 1000,
     .title = "外部直播流地址（http/https，.m3u8 或 .flv；broadcast 为 url 时必填）"},
};
static const vfield_t LIVE_CLOSE[] = {
    {"reason", V_TEXT, false, 0, 500, .title = "关闭原因"},
};
static const vfield_t LIVE_OUT[] = {
    {"session_id", V_ID},
    {"lecture_id", V_ID},
    {"phase", V_STR, .title = "upcoming 即将直播、live 直播中、ended 直播已结束、cancelled 已关闭"},
    {"ingest", V_BOOL, .title = "由本平台推流"},
    {"publishing", V_BOOL, .title = "正在推流"},
    {"play_url", V_STR, .title = "播放地址（本平台推流时为按场次编号的本站地址）"},
    {"viewers_now", V_INT, .title = "此刻在看（15 秒内有心跳的会话）"},
    {"stream", V_OBJECT, .title = "直播（远教直播模块的记录，含 stream_url）"},
    {"push", V_OBJECT, .title = "推流信息（密钥、推流地址；仅本平台推流，仅组织者可见）"},
};

/* ---- the session's broadcast ---- */

/* The stream of session sid (0 when none), -1 on a database error. */
static int64_t stream_of(db_conn_t *c, int64_t sid)
{
    db_stmt_t *st = db_prepare(c, "SELECT stream_id FROM lecture_session_live WHERE session_id = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, sid);
    int rc = db_step(st);
    int64_t id = rc == DB_ROW ? db_col_int64(st, 0) : 0;
    db_done(st);
    return rc == DB_ERROR ? -1 : id;
}

/* What anyone who may see the session sees of its broadcast, from the live
 * module's stream; NULL on a database error. */
static json_t *live_view(db_conn_t *c, int64_t sid, int64_t stream_id, bool with_source)
{
    json_t *s = live_stream_brief(c, stream_id, true);
    if (!s)
        return NULL;
    const char *p = jstr(s, "phase");
    bool ingest = json_is_true(json_object_get(s, "ingest")),
         publishing = json_is_true(json_object_get(s, "publishing"));
    int64_t ends = 0;
    const char *e = jstr(s, "ends_at");
    if (e)
        time_parse_iso8601(e, &ends);
    const char *phase = !p || !strcmp(p, "cancelled") ? "cancelled"
                        : publishing                  ? "live"
                        : time_now_ms() >= ends       ? "ended"
                        : ingest                      ? "upcoming" /* until the push starts */
                        : !strcmp(p, "upcoming")      ? "upcoming"
                                                      : "live";
    json_t *o = json_pack("{s:I,s:s,s:b,s:b,s:O}", "session_id", (json_int_t)sid, "phase", phase, "ingest",
                          ingest, "publishing", publishing, "viewers_now", json_object_get(s, "viewers_now"));
    json_object_set_new(o, "play_url",
                        ingest ? json_sprintf("/api/v1/lecture/live/%lld/hls/index.m3u8", (long long)sid)
                               : json_incref(json_object_get(s, "stream_url")));
    if (with_source)
        json_object_set(o, "stream", s);
    json_decref(s);
    return o;
}

int lecture_live_attach(db_conn_t *c, json_t *sessions)
{
    size_t i;
    json_t *s;
    json_array_foreach(sessions, i, s)
    {
        int64_t sid = jint(s, "id", 0), stream = stream_of(c, sid);
        if (stream < 0)
            return -1;
        json_t *v = stream ? live_view(c, sid, stream, false) : NULL;
        if (stream && !v)
            return -1;
        if (v && !strcmp(jstr(v, "phase"), "cancelled")) {
            json_decref(v);
            v = NULL;
        }
        json_object_set_new(s, "live", v ? v : json_null());
    }
    return 0;
}

#define SESSION_LIVE_COLS                                                                                    \
    "s.id, s.lecture_id, s.starts_at, s.ends_at, l.org_id, l.title, l.speaker, l.description, l.status, "    \
    "COALESCE(l.cancelled_at, 0)"

static json_t *session_live_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:s,s:s,s:s?,s:s,s:I}", "id", (json_int_t)db_col_int64(st, 0),
                     "lecture_id", (json_int_t)db_col_int64(st, 1), "starts", (json_int_t)db_col_int64(st, 2),
                     "ends", (json_int_t)db_col_int64(st, 3), "org_id", (json_int_t)db_col_int64(st, 4),
                     "title", db_col_text(st, 5), "speaker", db_col_text(st, 6), "description",
                     db_col_text(st, 7), "status", db_col_text(st, 8), "cancelled",
                     (json_int_t)db_col_int64(st, 9));
}

/* The organiser's view of the session's broadcast (the stream with its
 * address, the push's key when pushed); NULL after answering. */
static json_t *organiser_view(http_req_t *req, db_conn_t *c, int64_t sid, int64_t lecture_id, int64_t stream)
{
    json_t *v = live_view(c, sid, stream, true);
    if (!v) {
        http_db_error(req, c);
        return NULL;
    }
    http_defer_json(req, v);
    json_object_set_new(v, "lecture_id", json_integer(lecture_id));
    json_t *push = json_null();
    if (json_is_true(json_object_get(v, "ingest"))) {
        json_t *in = live_ingest_json(req, c, stream);
        if (!in)
            return NULL;
        push = json_incref(in);
    }
    json_object_set_new(v, "push", push);
    return v;
}

/* the session in the organiser's scope (LECTURE_SESSIONS: 404 otherwise) */
static json_t *managed_session(http_req_t *req, db_conn_t *c, int64_t sid)
{
    json_t *s =
        res_load(req, c, &LECTURE_SESSIONS, SESSION_LIVE_COLS, sid, session_live_row, NULL, RES_PLAIN);
    return s ? http_defer_json(req, s) : NULL;
}

/* The session's broadcast, or 0 with the answer sent (404 `none` when it
 * has none) */
static int64_t live_of(http_req_t *req, db_conn_t *c, int64_t sid, const char *none)
{
    int64_t stream = stream_of(c, sid);
    if (stream < 0)
        http_db_error(req, c);
    else if (!stream)
        http_error(req, 404, "no_live", "%s", none);
    return stream > 0 ? stream : 0;
}

static void get_live(http_req_t *req)
{
    int64_t sid;
    db_conn_t *c = http_db_id(req, &sid);
    if (!c)
        return;
    json_t *s = managed_session(req, c, sid);
    if (!s)
        return;
    int64_t stream = live_of(req, c, sid, "该场次尚未开通直播");
    if (!stream)
        return;
    json_t *v = organiser_view(req, c, sid, jint(s, "lecture_id", 0), stream);
    if (v)
        http_json(req, 200, json_incref(v));
}

/* tells the members booked on the session (pending, confirmed, waitlisted):
 * the broadcast is opened (started false) or its push has begun */
static int tell_booked(db_conn_t *c, json_t *s, int64_t actor, bool ingest, bool started)
{
    db_stmt_t *st = db_prepare(c, "SELECT user_id FROM lecture_bookings WHERE session_id = ? AND status IN "
                                  "('pending', 'confirmed', 'waitlisted', 'attended') ORDER BY id");
    if (!st)
        return -1;
    db_bind_int64(st, 1, jint(s, "id", 0));
    json_t *users = json_array();
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        json_array_append_new(users, json_integer(db_col_int64(st, 0)));
    db_done(st);
    const char *t = jstr(s, "title");
    char title[640], at[32], link[64];
    snprintf(title, sizeof title,
             started ? "讲堂直播已开始：《%.*s》%s 场次" : "讲堂直播：《%.*s》%s 场次将在线直播",
             (int)utf8_prefix(t, strlen(t), 80), t, booking_fmt_time(jint(s, "starts", 0), at, sizeof at));
    snprintf(link, sizeof link, "/m/lectures/%lld", (long long)jint(s, "lecture_id", 0));
    size_t i;
    json_t *u;
    json_array_foreach(users, i, u)
    {
        if (rc != DB_DONE)
            break;
        notify_msg_t m = {.user_id = json_integer_value(u),
                          .kind = "lecture.live",
                          .title = title,
                          .body = started  ? "现在打开讲堂页面即可观看"
                                  : ingest ? "开播后在讲堂页面即可观看"
                                           : "开播后在讲堂页面即可观看（外部直播平台）",
                          .link = link,
                          .org_id = jint(s, "org_id", 0),
                          .created_by = actor};
        if (notify_user(c, &m) != 0)
            rc = DB_ERROR;
    }
    int n = (int)json_array_size(users);
    json_decref(users);
    return rc == DB_DONE ? n : -1;
}

static void open_live(http_req_t *req)
{
    int64_t sid;
    db_conn_t *c = http_db_change(req, &sid);
    if (!c)
        return;
    json_t *b = http_json_body(req);
    bool ingest = !strcmp(jstr(b, "broadcast"), "ingest");
    const char *url = jstr(b, "stream_url");
    if (!ingest) {
        const char *why = url && *url ? live_url_problem(url) : "直播方式为外部直播流地址时必填";
        if (why) {
            http_error_fields(req, json_pack("{s:s}", "stream_url", why));
            return;
        }
    }
    json_t *s = managed_session(req, c, sid);
    if (!s)
        return;
    int64_t lid = jint(s, "lecture_id", 0);
    if (res_lock(req, c, &LECTURES, lid) != 0)
        return;
    if (strcmp(jstr(s, "status"), "approved") != 0 || jint(s, "cancelled", 0)) {
        http_error(req, 409, "not_published", "只有已发布且未取消的讲堂可以开通直播");
        return;
    }
    if (jint(s, "ends", 0) <= time_now_ms()) {
        http_error(req, 409, "ended", "该场次已结束，不能再开通直播");
        return;
    }
    int64_t old = stream_of(c, sid);
    json_t *was = old > 0 ? live_stream_brief(c, old, false) : NULL;
    if (old < 0 || (old > 0 && !was)) {
        http_db_error(req, c);
        return;
    }
    bool open = was && strcmp(jstr(was, "phase"), "cancelled") != 0;
    json_decref(was);
    if (open) {
        http_error(req, 409, "already_live", "该场次已开通直播（如需更换方式，请先关闭直播）");
        return;
    }
    char conflict[512] = "";
    live_open_t o = {.org_id = jint(s, "org_id", 0),
                     .created_by = http_user_id(req),
                     .starts_at = jint(s, "starts", 0),
                     .ends_at = jint(s, "ends", 0),
                     .title = jstr(s, "title"),
                     .speaker = jstr(s, "speaker"),
                     .description = jstr(s, "description"),
                     .audience = "初心讲堂的党员（讲堂直播）",
                     .stream_url = ingest ? NULL : url};
    int64_t stream = live_stream_open(c, &o, conflict, sizeof conflict);
    if (stream < 0) {
        http_db_error(req, c);
        return;
    }
    if (stream == 0) {
        char a[32], z[32];
        http_error(req, 409, "conflict",
                   "与本区已批准的直播《%.*s》时间冲突（%s 至 %s），本区同一时间只能有一场直播",
                   (int)utf8_prefix(conflict, strlen(conflict), 60), conflict,
                   booking_fmt_time(o.starts_at, a, sizeof a), booking_fmt_time(o.ends_at, z, sizeof z));
        return;
    }
    int64_t now = time_now_ms();
    db_stmt_t *st = db_prepare(
        c, "INSERT INTO lecture_session_live (session_id, lecture_id, stream_id, created_by, created_at, "
           "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET stream_id = "
           "excluded.stream_id, created_by = excluded.created_by, updated_at = excluded.updated_at");
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, sid);
        db_bind_int64(st, 2, lid);
        db_bind_int64(st, 3, stream);
        db_bind_int64(st, 4, http_user_id(req));
        db_bind_int64(st, 5, now);
        db_bind_int64(st, 6, now);
        rc = db_step(st);
    }
    db_done(st);
    int told = rc == DB_DONE ? tell_booked(c, s, http_user_id(req), ingest, false) : -1;
    if (told < 0) {
        http_db_error(req, c);
        return;
    }
    json_t *v = organiser_view(req, c, sid, lid, stream);
    if (!v)
        return;
    json_t *out = json_deep_copy(v);
    json_object_set_new(out, "notified", json_integer(told));
    /* the record says how, never the key */
    json_t *after =
        json_pack("{s:I,s:I,s:s,s:s?}", "stream_id", (json_int_t)stream, "session_id", (json_int_t)sid,
                  "broadcast", ingest ? "ingest" : "url", "stream_url", ingest ? NULL : url);
    http_defer_json(req, after);
    char at[32];
    audit_entry_t ae = {.target = sid,
                        .after = after,
                        .detail = http_printf(req, "讲堂《%s》%s 场次开通直播（%s，通知 %d 位已预约党员）",
                                              jstr(s, "title"), booking_fmt_time(o.starts_at, at, sizeof at),
                                              ingest ? "本平台推流" : "外部直播流地址", told)};
    audit_reply(req, c, true, &ae, 201, out);
}

static void close_live(http_req_t *req)
{
    int64_t sid;
    db_conn_t *c = http_db_change(req, &sid);
    if (!c)
        return;
    const char *reason = jstr(http_json_body(req), "reason");
    json_t *s = managed_session(req, c, sid);
    if (!s)
        return;
    int64_t stream = live_of(req, c, sid, "该场次尚未开通直播");
    if (!stream)
        return;
    int rc =
        live_stream_close(c, stream, http_user_id(req), reason && *reason ? reason : "组织者关闭讲堂直播");
    if (rc < 0) {
        http_db_error(req, c);
        return;
    }
    if (rc == 0) {
        http_error(req, 409, "conflict", "直播已关闭或已结束");
        return;
    }
    json_t *v = organiser_view(req, c, sid, jint(s, "lecture_id", 0), stream);
    if (!v)
        return;
    json_t *after = json_pack("{s:I,s:s}", "stream_id", (json_int_t)stream, "phase", "cancelled");
    http_defer_json(req, after);
    audit_entry_t ae = {.target = sid,
                        .after = after,
                        .detail = http_printf(req, "关闭讲堂《%s》场次的直播%s%s", jstr(s, "title"),
                                              reason && *reason ? "：" : "", reason ? reason : "")};
    audit_reply(req, c, true, &ae, 200, json_incref(v));
}

int lecture_live_close_all(db_conn_t *c, int64_t lecture_id, int64_t user, const char *reason)
{
    db_stmt_t *st = db_prepare(c, "SELECT stream_id FROM lecture_session_live WHERE lecture_id = ? ORDER BY "
                                  "session_id");
    if (!st)
        return -1;
    db_bind_int64(st, 1, lecture_id);
    json_t *ids = json_array();
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        json_array_append_new(ids, json_integer(db_col_int64(st, 0)));
    db_done(st);
    int n = 0;
    size_t i;
    json_t *x;
    json_array_foreach(ids, i, x)
    {
        if (rc != DB_DONE)
            break;
        int r = live_stream_close(c, json_integer_value(x), user, reason);
        if (r < 0)
            rc = DB_ERROR;
        n += r > 0;
    }
    json_decref(ids);
    return rc == DB_DONE ? n : -1;
}

int lecture_live_started(db_conn_t *c, int64_t stream_id)
{
    db_stmt_t *st =
        db_prepare(c, "SELECT " SESSION_LIVE_COLS " FROM lecture_session_live x "
                      "JOIN lecture_sessions s ON s.id = x.session_id JOIN lectures l ON l.id = s.lecture_id "
                      "WHERE x.stream_id = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, stream_id);
    int rc = db_step(st);
    json_t *s = rc == DB_ROW ? session_live_row(st, NULL) : NULL;
    db_done(st);
    if (rc != DB_ROW)
        return rc == DB_DONE ? 0 : -1; /* not a lecture's stream */
    int told = tell_booked(c, s, 0, true, true);
    json_decref(s);
    return told < 0 ? -1 : 0;
}

int lecture_live_follow(db_conn_t *c, int64_t lecture_id, char *conflict, size_t n)
{
    db_stmt_t *st = db_prepare(
        c,
        "SELECT l.stream_id, s.starts_at, s.ends_at FROM lecture_session_live l "
        "JOIN lecture_sessions s ON s.id = l.session_id JOIN live_streams v ON v.id = l.stream_id "
        "WHERE l.lecture_id = ? AND v.cancelled_at IS NULL AND (v.starts_at <> s.starts_at OR v.ends_at <> "
        "s.ends_at) ORDER BY l.session_id");
    if (!st)
        return -1;
    db_bind_int64(st, 1, lecture_id);
    json_t *moves = json_array();
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        json_array_append_new(moves,
                              json_pack("[I,I,I]", (json_int_t)db_col_int64(st, 0),
                                        (json_int_t)db_col_int64(st, 1), (json_int_t)db_col_int64(st, 2)));
    db_done(st);
    int ret = rc == DB_DONE ? 1 : -1;
    size_t i;
    json_t *m;
    json_array_foreach(moves, i, m)
    {
        if (ret != 1)
            break;
        ret = live_stream_move(c, json_integer_value(json_array_get(m, 0)),
                               json_integer_value(json_array_get(m, 1)),
                               json_integer_value(json_array_get(m, 2)), conflict, n);
    }
    json_decref(moves);
    return ret;
}

/* ---- the members' side ---- */

/* The stream of a session the caller may see (the catalogue's rule);
 * 0 after answering. */
static int64_t watched_stream(http_req_t *req, db_conn_t *c, int64_t sid)
{
    if (!res_visible(req, c, &LECTURE_CATALOG_SESSIONS, sid)) {
        http_error(req, 404, "not_found", "讲堂场次不存在");
        return 0;
    }
    return live_of(req, c, sid, "该场次没有直播");
}

static void play_hls(http_req_t *req)
{
    int64_t sid;
    db_conn_t *c = http_db_id(req, &sid);
    if (!c)
        return;
    int64_t stream = watched_stream(req, c, sid);
    if (stream)
        live_hls_send(req, c, stream, http_param(req, "name"));
}

static void heartbeat(http_req_t *req)
{
    int64_t sid;
    db_conn_t *c = http_db_change(req, &sid);
    if (!c)
        return;
    int64_t stream = watched_stream(req, c, sid);
    if (stream)
        live_heartbeat(req, c, stream);
}

// clang-format off
static const http_route_t routes[] = {
    {.method = "POST", .pattern = "/api/v1/lecture/sessions/{id}/live", .handler = open_live,
     .perm = "lecture.manage", .summary = "开通讲堂场次直播", .audit = "lecture.live_open",
     .resource = &LECTURE_SESSIONS, HTTP_BODY(LIVE_OPEN), HTTP_OUT(LIVE_OUT), .status = 201,
     .example = "{\"broadcast\":\"url\",\"stream_url\":\"https://live.example.cn/{n}.m3u8\"}",
     .notes = "a session (not ended) of a published, not cancelled lecture in the caller's scope (else 404/409); "
              "broadcast ingest: a stream pushed to the platform's nginx-rtmp, its key in push (the organiser's only); "
              "broadcast url: an external HLS/FLV address, checked as live bookings' (422); the live stream is "
              "approved at once (the lecture's review reached the city); 409 already_live, 409 conflict when an "
              "approved stream of the district overlaps; the members booked are told (lecture.live): notified"},
    {.method = "GET", .pattern = "/api/v1/lecture/sessions/{id}/live", .handler = get_live,
     .perm = "lecture.manage", .summary = "讲堂场次直播（组织者）", .resource = &LECTURE_SESSIONS,
     HTTP_OUT(LIVE_OUT), .notes = "with the stream's address and, when pushed, the key; 404 no_live"},
    {.method = "POST", .pattern = "/api/v1/lecture/sessions/{id}/live/close", .handler = close_live,
     .perm = "lecture.manage", .summary = "关闭讲堂场次直播", .audit = "lecture.live_close",
     .resource = &LECTURE_SESSIONS, HTTP_BODY(LIVE_CLOSE), HTTP_OUT(LIVE_OUT),
     .notes = "cancels the live stream (it stops playing; a push is refused from then); 404 no_live, 409 when "
              "already closed or ended; it may be opened again"},
    {.method = "GET", .pattern = "/api/v1/lecture/live/{id}/hls/{name}", .handler = play_hls,
     .perm = "lecture.read", .flags = HTTP_DOWNLOAD, .summary = "讲堂直播播放（HLS 播放列表与分片）",
     .resource = &LECTURE_CATALOG_SESSIONS,
     .notes = "{id} is the session's; index.m3u8 or N.ts of a broadcast pushed to the platform, for whoever "
              "sees the lecture (published, not cancelled); 404 otherwise, 404 not_publishing before the push"},
    {.method = "POST", .pattern = "/api/v1/lecture/live/{id}/heartbeat", .handler = heartbeat,
     .perm = "lecture.read", .flags = HTTP_NO_AUDIT, .summary = "讲堂直播观看心跳",
     .resource = &LECTURE_CATALOG_SESSIONS, HTTP_BODY(LIVE_BEAT_BODY), HTTP_OUT(LIVE_BEAT_OUT),
     .example = "{\"session\":\"contract-{n}\",\"watched_ms\":10000}",
     .notes = "{id} is the session's; the live module's heartbeat (docs/live.md) on its stream: counted in "
              "the stream's viewers; 404 without a live broadcast, 409 not_live outside its window"},
};
// clang-format on

int lecture_live_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
