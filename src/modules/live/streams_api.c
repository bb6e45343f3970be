/* streams_api.c — live-stream bookings (直播预约) and the calendar (直播日历).
 * A district (or any organisation in the booker's scope) books a stream:
 * topic, speaker, time, audience, and where it plays (an http(s) HLS or FLV
 * address, or a room on a live platform). The review engine carries it to
 * the city (kind "live"); once approved it is published in the calendar,
 * which every holder of live.read sees city-wide. An approved stream may be
 * called off (cancelled) by its organiser or by the reviewers who approve
 * such bookings; its audience is told. Two approved streams of one district
 * never overlap: checked at submission and at approval, guaranteed by the
 * database (0251_live_overlap). */
#include "core/str.h"
#include "core/timeutil.h"
#include "http/upload.h"
#include "http/valid.h"
#include "modules/live/internal.h"
#include "modules/notify/notify.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DURATION_MS (24 * 3600000LL)
#define MAX_CALENDAR_MS (100 * 86400000LL)

#define LIVE_FROM "live_streams s JOIN orgs o ON o.id = s.org_id JOIN orgs d ON d.id = s.district_id"

static const res_sort_t STREAM_SORTS[] = {{"id", "s.id"},
                                          {"title", "s.title"},
                                          {"speaker", "s.speaker"},
                                          {"starts_at", "s.starts_at"},
                                          {"ends_at", "s.ends_at"},
                                          {"status", "s.status"},
                                          {"org_name", "o.name"},
                                          {"created_at", "s.created_at"},
                                          {"updated_at", "s.updated_at"},
                                          {NULL, NULL}};
const zd_resource_t LIVE_STREAMS = {.name = "live_stream",
                                    .title = "直播预约",
                                    .table = "live_streams",
                                    .alias = "s",
                                    .from = LIVE_FROM,
                                    .where = "s.deleted_at IS NULL",
                                    .org_col = "s.org_id",
                                    .creator_col = "s.created_by",
                                    .perm = "live.read",
                                    .sorts = STREAM_SORTS};

/* The published calendar is the city's: whoever may watch sees every
 * approved stream, whichever organisation booked it (no organisation scope). */
const zd_resource_t LIVE_EVENTS = {.name = "live_event",
                                   .title = "直播",
                                   .table = "live_streams",
                                   .alias = "s",
                                   .from = LIVE_FROM,
                                   .where = "s.deleted_at IS NULL AND s.status = 'approved' AND "
                                            "s.cancelled_at IS NULL",
                                   .no_org = true,
                                   .no_creator = true,
                                   .perm = "live.read"};

#define LIVE_COLS                                                                                            \
    "s.id, s.org_id, o.name, s.district_id, COALESCE(d.short_name, d.name), s.title, s.speaker, "            \
    "s.starts_at, s.ends_at, s.audience, s.description, s.source_type, s.stream_url, s.platform, "           \
    "s.room_id, s.status, s.review_level, s.review_id, s.cancelled_at, s.cancel_reason, s.created_by, "      \
    "(SELECT name FROM users WHERE id = s.created_by), s.created_at, s.updated_at, s.cancelled_by, "         \
    "(SELECT COUNT(*) FROM live_ingest i WHERE i.stream_id = s.id), "                                        \
    "(SELECT i.publishing_since FROM live_ingest i WHERE i.stream_id = s.id)"

static json_t *stream_json(db_stmt_t *st, bool with_source)
{
    json_t *o = json_object();
    const char *status = db_col_text(st, 15);
    int64_t starts = db_col_int64(st, 7), ends = db_col_int64(st, 8), cancelled = db_col_int64(st, 18);
    const char *phase = review_event_phase(status, cancelled, starts, ends);
    int64_t publishing = db_col_int64(st, 26);
    /* a push running now is live whatever the clock says (the ingest's
     * window is the booking's, with the watch margin on either side) */
    if (publishing && phase && strcmp(phase, "cancelled") != 0)
        phase = "live";
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, "org_id", json_integer(db_col_int64(st, 1)));
    json_object_set_new(o, "org_name", json_col_text(st, 2));
    json_object_set_new(o, "district_id", json_integer(db_col_int64(st, 3)));
    json_object_set_new(o, "district_name", json_col_text(st, 4));
    json_object_set_new(o, "title", json_col_text(st, 5));
    json_object_set_new(o, "speaker", json_col_text(st, 6));
    json_object_set_new(o, "starts_at", json_time(starts));
    json_object_set_new(o, "ends_at", json_time(ends));
    json_object_set_new(o, "audience", json_col_text(st, 9));
    json_object_set_new(o, "description", json_col_text(st, 10));
    json_object_set_new(o, "source_type", json_col_text(st, 11));
    json_object_set_new(o, "ingest", json_boolean(db_col_int64(st, 25) > 0));
    json_object_set_new(o, "publishing", json_boolean(publishing > 0));
    if (with_source) {
        json_object_set_new(o, "stream_url", json_col_text(st, 12));
        json_object_set_new(o, "platform", json_col_text(st, 13));
        json_object_set_new(o, "room_id", json_col_text(st, 14));
    }
    json_object_set_new(o, "status", json_string(status));
    json_object_set_new(o, "state", json_string(cancelled ? "cancelled" : status));
    json_object_set_new(o, "phase", json_text_or_null(phase));
    json_object_set_new(o, "review_level", json_integer(db_col_int64(st, 16)));
    json_object_set_new(o, "review_id", json_col_id(st, 17));
    json_object_set_new(o, "cancelled_at", json_time(cancelled));
    json_object_set_new(o, "cancel_reason", json_col_text(st, 19));
    json_object_set_new(o, "created_by", json_integer(db_col_int64(st, 20)));
    json_object_set_new(o, "created_by_name", json_col_text(st, 21));
    json_object_set_new(o, "created_at", json_time(db_col_int64(st, 22)));
    json_object_set_new(o, "updated_at", json_time(db_col_int64(st, 23)));
    return o;
}

static json_t *stream_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return stream_json(st, true);
}

/* a calendar entry: what a viewer sees */
static json_t *event_row(db_stmt_t *st, void *ud)
{
    json_t *o = stream_json(st, ud != NULL);
    static const char *const DROP[] = {"status",     "state",         "review_level", "review_id",
                                       "created_by", "cancel_reason", "cancelled_at", "updated_at"};
    for (size_t i = 0; i < VN(DROP); i++)
        json_object_del(o, DROP[i]);
    return o;
}

/* ---- validation ---- */

static bool url_char_ok(unsigned char ch)
{
    return ch > 0x20 && ch < 0x7f && ch != '"' && ch != '<' && ch != '>' && ch != '\\' && ch != '`' &&
           ch != '{' && ch != '}' && ch != '|' && ch != '^';
}

/* an http(s) address of an HLS playlist (.m3u8) or an FLV stream: nothing a
 * browser would run (javascript:, data:), nothing it would misread */
static const char *check_url(json_t *v)
{
    const char *s = json_string_value(v);
    size_t skip = !strncasecmp(s, "https://", 8) ? 8 : !strncasecmp(s, "http://", 7) ? 7 : 0;
    if (!skip)
        return "只接受 http:// 或 https:// 开头的直播流地址";
    const char *host = s + skip, *p;
    for (p = s; *p; p++)
        if (!url_char_ok((unsigned char)*p))
            return "地址中有空格或不允许的字符";
    size_t hostlen = strcspn(host, "/?#");
    if (hostlen == 0 || memchr(host, '@', hostlen))
        return "地址缺少主机名（或含有用户信息）";
    size_t pathlen = strcspn(host, "?#");
    const char *path_end = host + pathlen;
    size_t plen = (size_t)(path_end - host);
    bool m3u8 = plen >= 5 && !strncasecmp(path_end - 5, ".m3u8", 5);
    bool flv = plen >= 4 && !strncasecmp(path_end - 4, ".flv", 4);
    return m3u8 || flv ? NULL : "应为 HLS（.m3u8）或 FLV（.flv）直播流地址";
}

static const char *check_ids(json_t *v)
{
    size_t i;
    json_t *x;
    json_array_foreach(v, i,
                       x) if (!json_is_integer(x) || json_integer_value(x) <= 0) return "应为组织编号数组";
    return NULL;
}

static const char *const SOURCES[] = {"url", "platform", NULL};

static const vfield_t STREAM_NEW[] = {
    {"title", V_STR, true, 1, 100, .title = "直播主题"},
    {"speaker", V_STR, true, 1, 100, .title = "主讲人"},
    {"starts_at", V_TIME, true, .title = "开始时间（须晚于现在）"},
    {"ends_at", V_TIME, true, .title = "结束时间（晚于开始，最长 24 小时）"},
    {"audience", V_STR, false, 0, 200, .title = "面向对象（文字说明）"},
    {"audience_org_ids", V_ARRAY, false, 0, 50, .check = check_ids,
     .title = "面向的组织（编号，至多 50 个）"},
    {"description", V_TEXT, false, 0, 5000, .title = "直播简介"},
    {"source_type", V_ENUM, false, .choices = SOURCES,
     .title = "直播来源：url 直播流地址，platform 直播平台房间（ingest 为 true 时不填）"},
    {"stream_url", V_STR, false, 0, 1000, .check = check_url,
     .title = "直播流地址（http/https，.m3u8 或 .flv）"},
    {"platform", V_STR, false, 0, 50, .title = "直播平台名称"},
    {"room_id", V_STR, false, 0, 100, .title = "直播间号"},
    {"org_id", V_ID, true, .title = "申请组织"},
    {"ingest", V_BOOL, false,
     .title = "由本平台推流（nginx-rtmp）：不填来源，播放地址取本站的，并生成推流密钥"},
};
static const vfield_t STREAM_PATCH[] = {
    {"title", V_STR, false, 1, 100, .title = "直播主题"},
    {"speaker", V_STR, false, 1, 100, .title = "主讲人"},
    {"starts_at", V_TIME, false, .title = "开始时间"},
    {"ends_at", V_TIME, false, .title = "结束时间"},
    {"audience", V_STR, false, 0, 200, .title = "面向对象（文字说明）"},
    {"audience_org_ids", V_ARRAY, false, 0, 50, .check = check_ids, .title = "面向的组织（整体替换）"},
    {"description", V_TEXT, false, 0, 5000, .title = "直播简介"},
    {"source_type", V_ENUM, false, .choices = SOURCES, .title = "直播来源"},
    {"stream_url", V_STR, false, 0, 1000, .check = check_url, .title = "直播流地址"},
    {"platform", V_STR, false, 0, 50, .title = "直播平台名称"},
    {"room_id", V_STR, false, 0, 100, .title = "直播间号"},
    {"org_id", V_ID, false, .title = "申请组织"},
};
static const vfield_t CANCEL_BODY[] = {{"reason", V_TEXT, true, 2, 500, .title = "取消原因（告知观众）"}};

/* A booking as the handler will write it: the body over the row it edits. */
typedef struct {
    const char *title, *speaker, *audience, *description, *source_type, *stream_url, *platform, *room_id;
    int64_t starts_at, ends_at, org_id, district_id;
    json_t *audience_ids; /* borrowed; NULL: unchanged */
} stream_in_t;

static const char *pick(json_t *b, json_t *before, const char *key)
{
    return jhas(b, key) ? jstr(b, key) : before ? jstr(before, key) : NULL;
}

static int64_t pick_time(json_t *b, json_t *before, const char *key)
{
    const char *s = pick(b, before, key);
    int64_t ms = 0;
    return s && time_parse_iso8601(s, &ms) ? ms : 0;
}

static int count_orgs(db_conn_t *c, json_t *ids)
{
    if (!json_array_size(ids))
        return 0;
    qb_t q;
    qb_init(&q, "SELECT COUNT(*) FROM orgs WHERE status = 'active' AND id IN (");
    size_t i;
    json_t *x;
    json_array_foreach(ids, i, x)
    {
        if (i)
            qb_sql(&q, ", ");
        qb_int(&q, json_integer_value(x));
    }
    qb_sql(&q, ")");
    db_stmt_t *st = qb_prepare(c, &q);
    int rc = st ? db_step(st) : DB_ERROR;
    int n = rc == DB_ROW ? (int)db_col_int64(st, 0) : -1;
    db_done(st);
    qb_free(&q);
    return n;
}

static size_t distinct_ids(json_t *ids)
{
    size_t n = 0, i, j;
    for (i = 0; i < json_array_size(ids); i++) {
        bool seen = false;
        for (j = 0; j < i && !seen; j++)
            seen = json_integer_value(json_array_get(ids, i)) == json_integer_value(json_array_get(ids, j));
        n += !seen;
    }
    return n;
}

/* Fills in from the body (over before, when editing) and checks what the
 * table cannot: the times, the source, the organisations. false after
 * answering 422 or 5xx. */
static bool read_input(http_req_t *req, db_conn_t *c, json_t *b, json_t *before, stream_in_t *in)
{
    memset(in, 0, sizeof *in);
    in->title = pick(b, before, "title");
    in->speaker = pick(b, before, "speaker");
    in->audience = pick(b, before, "audience");
    in->description = pick(b, before, "description");
    in->source_type = pick(b, before, "source_type");
    in->stream_url = pick(b, before, "stream_url");
    in->platform = pick(b, before, "platform");
    in->room_id = pick(b, before, "room_id");
    in->starts_at = pick_time(b, before, "starts_at");
    in->ends_at = pick_time(b, before, "ends_at");
    in->org_id = jhas(b, "org_id") ? jint(b, "org_id", 0) : jint(before, "org_id", 0);
    in->audience_ids = json_object_get(b, "audience_org_ids");
    bool ingest = !before && json_is_true(json_object_get(b, "ingest"));
    if (ingest) { /* the address is zhendi's own, known once the row has its id */
        in->source_type = "url";
        in->stream_url = "";
    }
    if (in->audience && !*in->audience)
        in->audience = NULL;
    if (in->description && !*in->description)
        in->description = NULL;
    json_t *f = json_object();
    int64_t now = time_now_ms();
    bool times = !before || jhas(b, "starts_at") || jhas(b, "ends_at");
    if (!in->title)
        json_object_set_new(f, "title", json_string("必填"));
    if (!in->speaker)
        json_object_set_new(f, "speaker", json_string("必填"));
    if (!in->starts_at)
        json_object_set_new(f, "starts_at", json_string("必填"));
    else if (times && in->starts_at <= now)
        json_object_set_new(f, "starts_at", json_string("开始时间须晚于现在"));
    if (!in->ends_at)
        json_object_set_new(f, "ends_at", json_string("必填"));
    else if (in->starts_at && in->ends_at <= in->starts_at)
        json_object_set_new(f, "ends_at", json_string("结束时间须晚于开始时间"));
    else if (in->starts_at && in->ends_at - in->starts_at > MAX_DURATION_MS)
        json_object_set_new(f, "ends_at", json_string("一场直播最长 24 小时"));
    if (ingest) {
        in->platform = in->room_id = NULL;
    } else if (in->source_type && !strcmp(in->source_type, "url")) {
        if (!in->stream_url || !*in->stream_url)
            json_object_set_new(f, "stream_url", json_string("直播来源为直播流地址时必填"));
        in->platform = in->room_id = NULL;
    } else if (in->source_type) {
        if (!in->platform || !*in->platform)
            json_object_set_new(f, "platform", json_string("直播来源为直播平台时必填"));
        if (!in->room_id || !*in->room_id)
            json_object_set_new(f, "room_id", json_string("直播来源为直播平台时必填"));
        in->stream_url = NULL;
    } else
        json_object_set_new(f, "source_type", json_string("必填"));
    /* a pushed stream's address is this site's own path (always allowed) */
    if (in->stream_url && *in->stream_url && strncmp(in->stream_url, "/api/v1/live/calendar/", 22) != 0 &&
        !live_url_allowed(in->stream_url))
        json_object_set_new(f, "stream_url",
                            json_sprintf("该地址不在平台允许播放的直播来源中（%s）", live_stream_sources()));
    if (json_object_size(f)) {
        http_error_fields(req, f);
        return false;
    }
    json_decref(f);
    if ((!before || jhas(b, "org_id")) && !auth_org_in_scope(req, c, in->org_id)) {
        http_error_fields(req, json_pack("{s:s}", "org_id", "组织不存在或不在您的管理范围内"));
        return false;
    }
    if (in->audience_ids) {
        int n = count_orgs(c, in->audience_ids);
        if (n < 0) {
            http_db_error(req, c);
            return false;
        }
        if ((size_t)n != distinct_ids(in->audience_ids)) {
            http_error_fields(req, json_pack("{s:s}", "audience_org_ids", "有组织不存在或已停用"));
            return false;
        }
    }
    in->district_id = live_district_of(c, in->org_id);
    if (in->district_id <= 0) {
        if (in->district_id < 0)
            http_db_error(req, c);
        else
            http_error_fields(req, json_pack("{s:s}", "org_id", "组织不存在"));
        return false;
    }
    return true;
}

static int save_audience(db_conn_t *c, int64_t id, json_t *ids)
{
    db_stmt_t *st = db_prepare(c, "DELETE FROM live_audience WHERE stream_id = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    db_done(st);
    size_t i;
    json_t *x;
    json_array_foreach(ids, i, x)
    {
        if (rc != DB_DONE ||
            !(st = db_prepare(c, "INSERT INTO live_audience (stream_id, org_id) VALUES (?, ?) "
                                 "ON CONFLICT DO NOTHING")))
            return -1;
        db_bind_int64(st, 1, id);
        db_bind_int64(st, 2, json_integer_value(x));
        rc = db_step(st);
        db_done(st);
    }
    return rc == DB_DONE ? 0 : -1;
}

static json_t *audience_json(db_conn_t *c, int64_t id)
{
    db_stmt_t *st =
        db_prepare(c, "SELECT a.org_id, o.name FROM live_audience a JOIN orgs o ON o.id = a.org_id "
                      "WHERE a.stream_id = ? ORDER BY a.org_id");
    if (!st)
        return NULL;
    db_bind_int64(st, 1, id);
    json_t *a = json_array();
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        json_array_append_new(
            a, json_pack("{s:I,s:s}", "id", (json_int_t)db_col_int64(st, 0), "name", db_col_text(st, 1)));
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(a);
        return NULL;
    }
    return a;
}

/* ---- loading ---- */

/* Locks the booking's row for a change that decides from what it reads
 * (a submission's snapshot must be what is stored): PostgreSQL FOR UPDATE
 * of this row alone (load's query joins the organisations, whose rows a
 * lock there would hold too); SQLite's writer is alone anyway. 0, or -1
 * after answering 5xx. A missing row is load's to answer. */
/* The booking in the caller's scope with its audience; NULL after
 * answering. */
static json_t *load(http_req_t *req, db_conn_t *c, int64_t id, int flags)
{
    json_t *s = res_load(req, c, &LIVE_STREAMS, LIVE_COLS, id, stream_row, NULL, flags);
    if (!s)
        return NULL;
    json_t *aud = audience_json(c, id);
    if (!aud) {
        json_decref(s);
        http_db_error(req, c);
        return NULL;
    }
    json_object_set_new(s, "audience_orgs", aud);
    return http_defer_json(req, s);
}

/* Does the caller hold live.write over the booking? -1 on error. */
int live_may_write(http_req_t *req, db_conn_t *c, int64_t id)
{
    if (!auth_has(req, "live.write"))
        return 0;
    qb_t w, q;
    res_from_as(req, &LIVE_STREAMS, "live.write", &w);
    qb_sql(&w, " AND s.id = ");
    qb_int(&w, id);
    qb_init(&q, "SELECT 1");
    qb_append(&q, &w);
    qb_free(&w);
    db_stmt_t *st = qb_prepare(c, &q);
    int rc = st ? db_step(st) : DB_ERROR;
    db_done(st);
    qb_free(&q);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

/* May the caller call the approved booking off as a reviewer of the level
 * that approves such bookings? */
static bool may_cancel_as_reviewer(http_req_t *req, db_conn_t *c, json_t *s)
{
    int64_t org = jint(s, "org_id", 0);
    json_t *item = review_item_json(c, &LIVE_REVIEW, jint(s, "id", 0));
    int last = item ? (int)jint(item, "nlevels", 0) : 0;
    json_decref(item);
    if (last > 0)
        return review_can_decide(req, c, &LIVE_REVIEW, org, last);
    for (int l = REVIEW_MAX_LEVELS; l >= 1; l--) /* a booking without a review (demo data) */
        if (review_can_decide(req, c, &LIVE_REVIEW, org, l))
            return true;
    return false;
}

/* Draft, returned or withdrawn; a booking without a review item yet (demo
 * data) is editable while a draft. -1 on error. */
int live_editable(db_conn_t *c, json_t *s)
{
    if (json_is_null(json_object_get(s, "review_id"))) {
        const char *st = jstr(s, "status");
        return !strcmp(st, "draft") || !strcmp(st, "returned") || !strcmp(st, "withdrawn");
    }
    return review_editable(c, &LIVE_REVIEW, jint(s, "id", 0));
}

/* ---- bookings ---- */

static const char *const STATES[] = {"draft",    "in_review", "returned",  "approved",
                                     "rejected", "withdrawn", "cancelled", NULL};

static const vfield_t LIST_QUERY[] = {
    {"status", V_ENUM, .choices = STATES, .title = "状态（cancelled：已取消；approved 不含已取消）"},
    {"q", V_STR, .max = 100, .title = "主题或主讲人包含"},
    {"from", V_TIME, .title = "时间段起（与直播时间有交集）"},
    {"to", V_TIME, .title = "时间段止"},
    {"mine", V_BOOL, .title = "只看我申请的"},
    {"org_id", V_ID, .title = "申请组织"},
};
static const vfield_t STREAM_OUT[] = {
    {"id", V_ID},
    {"org_id", V_ID, .title = "申请组织"},
    {"org_name", V_STR},
    {"district_id", V_ID, .title = "所属区（时间冲突按区判断）"},
    {"district_name", V_STR},
    {"title", V_STR, .title = "直播主题"},
    {"speaker", V_STR, .title = "主讲人"},
    {"starts_at", V_TIME},
    {"ends_at", V_TIME},
    {"audience", V_STR, .title = "面向对象"},
    {"audience_orgs", V_ARRAY, .title = "面向的组织 [{id,name}]（详情）"},
    {"description", V_STR},
    {"source_type", V_ENUM, .choices = SOURCES},
    {"ingest", V_BOOL, .title = "由本平台推流（nginx-rtmp）"},
    {"publishing", V_BOOL, .title = "正在推流（直播中）"},
    {"stream_url", V_STR},
    {"platform", V_STR},
    {"room_id", V_STR},
    {"status", V_ENUM, .choices = REVIEW_STATUSES, .title = "审核状态"},
    {"state", V_ENUM, .choices = STATES, .title = "审核状态，已取消时为 cancelled"},
    {"phase", V_STR, .title = "已批准时：upcoming 未开始、live 直播中、ended 已结束、cancelled 已取消"},
    {"review_level", V_INT},
    {"review_id", V_ID, .title = "审核事项（/api/v1/review/items/{id}）"},
    {"cancelled_at", V_TIME},
    {"cancel_reason", V_STR},
    {"created_by", V_ID},
    {"created_by_name", V_STR},
    {"created_at", V_TIME},
    {"updated_at", V_TIME},
};

static void list_filters(http_req_t *req, qb_t *w)
{
    const char *st = http_query(req, "status"), *q = http_query(req, "q"), *from = http_query(req, "from"),
               *to = http_query(req, "to");
    if (st && !strcmp(st, "cancelled"))
        qb_sql(w, " AND s.cancelled_at IS NOT NULL");
    else if (st) {
        qb_sql(w, " AND s.cancelled_at IS NULL AND s.status = ");
        qb_text(w, st);
    }
    if (q) {
        static const char *const cols[] = {"s.title", "s.speaker"};
        qb_like_any(w, cols, 2, q);
    }
    int64_t ms;
    if (from && time_parse_iso8601(from, &ms)) {
        qb_sql(w, " AND s.ends_at > ");
        qb_int(w, ms);
    }
    if (to && time_parse_iso8601(to, &ms)) {
        qb_sql(w, " AND s.starts_at < ");
        qb_int(w, ms);
    }
    if (http_query_bool(req, "mine")) {
        qb_sql(w, " AND s.created_by = ");
        qb_int(w, http_user_id(req));
    }
    int64_t org = http_query_i64(req, "org_id", 0);
    if (org) {
        qb_sql(w, " AND s.org_id = ");
        qb_int(w, org);
    }
}

static void list_streams(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &LIVE_STREAMS, &w);
    list_filters(req, &w);
    res_list(req, c, &LIVE_STREAMS, LIVE_COLS, &w, "s.starts_at DESC, s.id DESC", stream_row, NULL);
    qb_free(&w);
}

static void get_stream(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *s = load(req, c, id, RES_PLAIN);
    if (!s)
        return;
    int w = live_may_write(req, c, id), ed = live_editable(c, s);
    json_t *item =
        json_is_null(json_object_get(s, "review_id")) ? NULL : review_item_json(c, &LIVE_REVIEW, id);
    if (w < 0 || ed < 0 || (!item && !json_is_null(json_object_get(s, "review_id")))) {
        json_decref(item);
        http_db_error(req, c);
        return;
    }
    const char *status = jstr(s, "status");
    bool approved_live = !strcmp(status, "approved") && json_is_null(json_object_get(s, "cancelled_at"));
    const char *phase = jstr(s, "phase");
    bool cancellable = approved_live && phase && strcmp(phase, "ended") != 0;
    int level = (int)jint(s, "review_level", 0);
    json_object_set_new(s, "review", item ? item : json_null());
    json_object_set_new(s, "can_edit", json_boolean(w && ed));
    json_object_set_new(s, "can_submit", json_boolean(w && ed));
    json_object_set_new(s, "can_withdraw",
                        json_boolean(w && item && json_is_true(json_object_get(item, "withdrawable"))));
    json_object_set_new(s, "can_cancel",
                        json_boolean(cancellable && (w || may_cancel_as_reviewer(req, c, s))));
    json_object_set_new(s, "can_decide",
                        json_boolean(!strcmp(status, "in_review") && level > 0 &&
                                     review_can_decide(req, c, &LIVE_REVIEW, jint(s, "org_id", 0), level)));
    http_json(req, 200, json_incref(s));
}

static void create_stream(http_req_t *req)
{
    json_t *b = http_json_body(req);
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    stream_in_t in;
    if (!read_input(req, c, b, NULL, &in))
        return;
    int64_t now = time_now_ms(), id = 0;
    db_stmt_t *st = db_prepare(
        c, "INSERT INTO live_streams (org_id, district_id, title, speaker, starts_at, ends_at, audience, "
           "description, source_type, stream_url, platform, room_id, status, created_by, created_at, "
           "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?) RETURNING id");
    if (st) {
        db_bind_int64(st, 1, in.org_id);
        db_bind_int64(st, 2, in.district_id);
        db_bind_text(st, 3, in.title);
        db_bind_text(st, 4, in.speaker);
        db_bind_int64(st, 5, in.starts_at);
        db_bind_int64(st, 6, in.ends_at);
        db_bind_text(st, 7, in.audience);
        db_bind_text(st, 8, in.description);
        db_bind_text(st, 9, in.source_type);
        db_bind_text(st, 10, in.stream_url);
        db_bind_text(st, 11, in.platform);
        db_bind_text(st, 12, in.room_id);
        db_bind_int64(st, 13, http_user_id(req));
        db_bind_int64(st, 14, now);
        db_bind_int64(st, 15, now);
        if (db_step(st) == DB_ROW)
            id = db_col_int64(st, 0);
    }
    db_done(st);
    if (id <= 0 || save_audience(c, id, in.audience_ids) != 0) {
        http_db_error(req, c);
        return;
    }
    if (json_is_true(json_object_get(b, "ingest"))) {
        char url[96], key[33];
        snprintf(url, sizeof url, LIVE_INGEST_PLAYLIST, (long long)id);
        st = db_prepare(c, "UPDATE live_streams SET stream_url = ? WHERE id = ?");
        int rc = DB_ERROR;
        if (st) {
            db_bind_text(st, 1, url);
            db_bind_int64(st, 2, id);
            rc = db_step(st);
        }
        db_done(st);
        if (rc != DB_DONE || live_ingest_new_key(c, id, http_user_id(req), key) != 0) {
            http_db_error(req, c);
            return;
        }
    }
    if (review_open(req, c, &LIVE_REVIEW, id, in.org_id, NULL, in.title) < 0)
        return;
    json_t *o = load(req, c, id, RES_PLAIN);
    if (!o)
        return;
    audit_entry_t ae = {.target = id, .after = o};
    audit_reply(req, c, true, &ae, 201, json_incref(o));
}

/* After a change: the row reloaded, audited against before, answered 200. */
static void reply_reloaded(http_req_t *req, db_conn_t *c, int64_t id, json_t *before, const char *detail)
{
    json_t *after = load(req, c, id, RES_PLAIN);
    if (!after)
        return;
    audit_entry_t ae = {.target = id, .before = before, .after = after, .detail = detail};
    audit_reply(req, c, true, &ae, 200, json_incref(after));
}

static void patch_stream(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *b = http_json_body(req);
    json_t *before = res_lock(req, c, &LIVE_STREAMS, id) == 0 ? load(req, c, id, RES_PLAIN) : NULL;
    if (!before)
        return;
    int ed = live_editable(c, before);
    if (ed <= 0) {
        if (ed < 0)
            http_db_error(req, c);
        else
            http_error(req, 409, "conflict", "审核中、已通过或已驳回的预约不能修改");
        return;
    }
    stream_in_t in;
    if (!read_input(req, c, b, before, &in))
        return;
    qb_t q;
    qb_init(&q, "UPDATE live_streams SET title = ");
    qb_text(&q, in.title);
    qb_sql(&q, ", speaker = ");
    qb_text(&q, in.speaker);
    qb_sql(&q, ", starts_at = ");
    qb_int(&q, in.starts_at);
    qb_sql(&q, ", ends_at = ");
    qb_int(&q, in.ends_at);
    qb_sql(&q, ", audience = ");
    qb_text(&q, in.audience);
    qb_sql(&q, ", description = ");
    qb_text(&q, in.description);
    qb_sql(&q, ", source_type = ");
    qb_text(&q, in.source_type);
    qb_sql(&q, ", stream_url = ");
    qb_text(&q, in.stream_url);
    qb_sql(&q, ", platform = ");
    qb_text(&q, in.platform);
    qb_sql(&q, ", room_id = ");
    qb_text(&q, in.room_id);
    qb_sql(&q, ", org_id = ");
    qb_int(&q, in.org_id);
    qb_sql(&q, ", district_id = ");
    qb_int(&q, in.district_id);
    qb_sql(&q, ", updated_at = ");
    qb_int(&q, time_now_ms());
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND status IN ('draft', 'returned', 'withdrawn') AND deleted_at IS NULL");
    if (!res_transition(req, c, &q, "预约已被提交或已处理，不能修改"))
        return;
    /* a pushed stream given another address (or a platform's room) takes
     * pushes no more: its key goes */
    char own[96];
    snprintf(own, sizeof own, LIVE_INGEST_PLAYLIST, (long long)id);
    bool still_own = in.stream_url && !strcmp(in.stream_url, own);
    db_stmt_t *st = still_own ? NULL : db_prepare(c, "DELETE FROM live_ingest WHERE stream_id = ?");
    if (st) {
        db_bind_int64(st, 1, id);
        if (db_step(st) != DB_DONE) {
            db_done(st);
            http_db_error(req, c);
            return;
        }
    }
    db_done(st);
    if ((!still_own && !st) || (in.audience_ids && save_audience(c, id, in.audience_ids) != 0) ||
        (!json_is_null(json_object_get(before, "review_id")) &&
         review_retitle(c, &LIVE_REVIEW, id, NULL, in.title) != 0)) {
        http_db_error(req, c);
        return;
    }
    reply_reloaded(req, c, id, before, NULL);
}

static void delete_stream(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = res_lock(req, c, &LIVE_STREAMS, id) == 0 ? load(req, c, id, RES_PLAIN) : NULL;
    if (!before)
        return;
    int ed = live_editable(c, before);
    if (ed <= 0) {
        if (ed < 0)
            http_db_error(req, c);
        else
            http_error(req, 409, "conflict", "只有草稿、退回修改或已撤回的预约可以删除；已批准的请取消");
        return;
    }
    int64_t now = time_now_ms();
    qb_t q;
    qb_init(&q, "UPDATE live_streams SET deleted_at = ");
    qb_int(&q, now);
    qb_sql(&q, ", updated_at = ");
    qb_int(&q, now);
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND status IN ('draft', 'returned', 'withdrawn') AND deleted_at IS NULL");
    if (!res_transition(req, c, &q, "预约已被提交或已处理，不能删除"))
        return;
    audit_entry_t ae = {.target = id, .before = before};
    audit_reply(req, c, true, &ae, 204, NULL);
}

/* the fields a reviewer sees */
static const char *const SNAPSHOT_KEYS[] = {
    "title",       "speaker",    "starts_at", "ends_at", "audience", "audience_orgs", "description",
    "source_type", "stream_url", "platform",  "room_id", "org_id",   "org_name",      "district_name"};

static void submit_stream(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = res_lock(req, c, &LIVE_STREAMS, id) == 0 ? load(req, c, id, RES_PLAIN) : NULL;
    if (!before)
        return;
    int64_t starts = pick_time(NULL, before, "starts_at"), ends = pick_time(NULL, before, "ends_at");
    int ed = live_editable(c, before);
    if (ed < 0) {
        http_db_error(req, c);
        return;
    }
    if (!ed) { /* answered before the engine's item is locked: a decision holds it, then wants this row */
        http_error(req, 409, "conflict", "只有草稿、退回修改或已撤回的预约可以提交");
        return;
    }
    if (starts <= time_now_ms()) {
        http_error(req, 409, "conflict", "直播开始时间已过，请修改时间后再提交");
        return;
    }
    /* the friendly early answer; the city's approval checks again */
    int64_t other;
    char title[512], a[32], bb[32];
    int rc =
        live_find_overlap(c, jint(before, "district_id", 0), starts, ends, id, &other, title, sizeof title);
    if (rc < 0) {
        http_db_error(req, c);
        return;
    }
    if (rc == 1) {
        http_error(req, 409, "conflict", "与已批准的直播《%.*s》时间冲突（%s 至 %s），请调整时间",
                   (int)utf8_prefix(title, strlen(title), 60), title, live_fmt_time(starts, a, sizeof a),
                   live_fmt_time(ends, bb, sizeof bb));
        return;
    }
    /* a booking without a review item yet (demo data) gets one now */
    if (!review_submit_item(req, c, &LIVE_REVIEW, id, before, NULL, SNAPSHOT_KEYS, VN(SNAPSHOT_KEYS)))
        return;
    reply_reloaded(req, c, id, before, http_printf(req, "提交直播预约《%s》", jstr(before, "title")));
}

static void withdraw_stream(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = load(req, c, id, RES_PLAIN); /* the engine locks its item first, as a decision does */
    if (!before)
        return;
    if (!review_withdraw_item(req, c, &LIVE_REVIEW, id, before, "该预约尚未提交"))
        return;
    reply_reloaded(req, c, id, before, NULL);
}

/* An approved stream called off by its organiser (live.write over it) or by
 * the reviewers who approve such bookings; the audience and the booker are
 * told. The review stays "approved": cancelled_at is the module's own. */
static void cancel_stream(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    const char *reason = jstr(http_json_body(req), "reason");
    json_t *before = res_lock(req, c, &LIVE_STREAMS, id) == 0 ? load(req, c, id, RES_PLAIN) : NULL;
    if (!before)
        return;
    int w = live_may_write(req, c, id);
    if (w < 0) {
        http_db_error(req, c);
        return;
    }
    if (!w && !may_cancel_as_reviewer(req, c, before)) {
        http_error(req, 403, "forbidden", "只有直播的申请单位或负责审批的审核人员可以取消直播");
        return;
    }
    int64_t now = time_now_ms();
    qb_t q;
    qb_init(&q, "UPDATE live_streams SET cancelled_at = ");
    qb_int(&q, now);
    qb_sql(&q, ", cancelled_by = ");
    qb_int(&q, http_user_id(req));
    qb_sql(&q, ", cancel_reason = ");
    qb_text(&q, reason);
    qb_sql(&q, ", updated_at = ");
    qb_int(&q, now);
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND status = 'approved' AND cancelled_at IS NULL AND deleted_at IS NULL AND ends_at > ");
    qb_int(&q, now);
    if (!res_transition(req, c, &q, "只有已批准且尚未结束的直播可以取消"))
        return;
    const char *t = jstr(before, "title");
    char msg[640], at[32], link[64];
    snprintf(msg, sizeof msg, "直播取消：《%.*s》（原定 %s）", (int)utf8_prefix(t, strlen(t), 80), t,
             live_fmt_time(pick_time(NULL, before, "starts_at"), at, sizeof at));
    snprintf(link, sizeof link, "/live/streams/%lld", (long long)id);
    int orgs = live_notify_audience(c, id, jint(before, "org_id", 0), "live.cancelled", msg, reason);
    int64_t booker = jint(before, "created_by", 0);
    bool tell_booker = booker && booker != http_user_id(req);
    notify_msg_t m = {.user_id = booker,
                      .kind = "live.cancelled",
                      .title = msg,
                      .body = reason,
                      .link = link,
                      .org_id = jint(before, "org_id", 0)};
    if (orgs < 0 || (tell_booker && notify_user(c, &m) != 0)) {
        http_db_error(req, c);
        return;
    }
    json_t *after = load(req, c, id, RES_PLAIN);
    if (!after)
        return;
    json_t *out = json_deep_copy(after);
    json_object_set_new(out, "notified", json_pack("{s:i,s:b}", "orgs", orgs, "booker", tell_booker));
    audit_entry_t ae = {.target = id,
                        .before = before,
                        .after = after,
                        .detail =
                            http_printf(req, "取消直播《%s》：%s（通知 %d 个面向组织）", t, reason, orgs)};
    audit_reply(req, c, true, &ae, 200, out);
}

/* ---- export ---- */

static void export_streams(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w, q;
    res_from(req, &LIVE_STREAMS, &w);
    list_filters(req, &w);
    qb_init(&q,
            "SELECT " LIVE_COLS ", (SELECT COUNT(DISTINCT v.user_id) FROM live_viewers v WHERE v.stream_id "
            "= s.id), (SELECT COALESCE(SUM(v.watch_ms), 0) FROM live_viewers v WHERE v.stream_id = s.id), "
            "(SELECT COALESCE(SUM(v.interactions), 0) FROM live_viewers v WHERE v.stream_id = s.id)");
    qb_append(&q, &w);
    qb_free(&w);
    qb_sql(&q, " ORDER BY s.starts_at, s.id LIMIT 10000");
    db_stmt_t *st = qb_prepare(c, &q);
    json_t *rows = http_defer_json(req, json_array());
    int rc = st ? DB_ROW : DB_ERROR;
    while (st && (rc = db_step(st)) == DB_ROW) {
        json_t *s = stream_json(st, true);
        const char *src = jstr(s, "source_type");
        const char *state = jstr(s, "state");
        static const char *const LABELS[][2] = {
            {"draft", "草稿"},      {"in_review", "审核中"}, {"returned", "退回修改"}, {"approved", "已通过"},
            {"rejected", "已驳回"}, {"withdrawn", "已撤回"}, {"cancelled", "已取消"}};
        const char *label = state;
        for (size_t i = 0; i < VN(LABELS); i++)
            if (!strcmp(LABELS[i][0], state))
                label = LABELS[i][1];
        char a[32], b[32];
        const char *where = src && !strcmp(src, "url")
                                ? jstr(s, "stream_url")
                                : http_printf(req, "%s %s", jstr(s, "platform") ? jstr(s, "platform") : "",
                                              jstr(s, "room_id") ? jstr(s, "room_id") : "");
        json_array_append_new(
            rows, json_pack("[I,s,s,s,s,s,s,s,s,s,I,f,I]", (json_int_t)jint(s, "id", 0), jstr(s, "title"),
                            jstr(s, "speaker"), live_fmt_time(pick_time(NULL, s, "starts_at"), a, sizeof a),
                            live_fmt_time(pick_time(NULL, s, "ends_at"), b, sizeof b),
                            jstr(s, "org_name") ? jstr(s, "org_name") : "",
                            jstr(s, "district_name") ? jstr(s, "district_name") : "",
                            jstr(s, "audience") ? jstr(s, "audience") : "", where ? where : "", label,
                            (json_int_t)db_col_int64(st, 25), db_col_int64(st, 26) / 60000.0,
                            (json_int_t)db_col_int64(st, 27)));
        json_decref(s);
    }
    db_done(st);
    qb_free(&q);
    if (rc != DB_DONE) {
        http_db_error(req, c);
        return;
    }
    json_t *header =
        http_defer_json(req, json_pack("[sssssssssssss]", "编号", "直播主题", "主讲人", "开始时间",
                                       "结束时间", "申请组织", "所属区", "面向对象", "直播来源", "状态",
                                       "参与人数", "观看总时长（分钟）", "互动次数"));
    audit_entry_t ae = {.detail = http_printf(req, "导出直播预约（%zu 条）", json_array_size(rows))};
    if (audit_req(req, &ae))
        http_send_xlsx(req, "直播预约.xlsx", "直播预约", header, rows);
}

/* ---- streams opened for other modules' approved events (live.h) ---- */

const char *live_url_problem(const char *url)
{
    json_t *v = json_string(url ? url : "");
    const char *why = v ? check_url(v) : "直播流地址无效";
    json_decref(v);
    if (!why && !live_url_allowed(url))
        why = "该地址不在平台允许播放的直播来源中";
    return why;
}

int64_t live_stream_open(db_conn_t *c, const live_open_t *o, char *conflict, size_t n)
{
    int64_t district = live_district_of(c, o->org_id);
    if (district <= 0)
        return -1;
    char lock[64];
    snprintf(lock, sizeof lock, "live.district.%lld", (long long)district);
    if (db_lock_tx(c, lock) != 0)
        return -1;
    int64_t other;
    int rc = live_find_overlap(c, district, o->starts_at, o->ends_at, 0, &other, conflict, n);
    if (rc != 0)
        return rc == 1 ? 0 : -1;
    int64_t now = time_now_ms(), id = 0;
    /* approved from the start: the event's own review chain reached the city */
    db_stmt_t *st = db_prepare(
        c, "INSERT INTO live_streams (org_id, district_id, title, speaker, starts_at, ends_at, audience, "
           "description, source_type, stream_url, status, created_by, created_at, updated_at) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'url', ?, 'approved', ?, ?, ?) RETURNING id");
    if (st) {
        db_bind_int64(st, 1, o->org_id);
        db_bind_int64(st, 2, district);
        db_bind_text(st, 3, o->title);
        db_bind_text(st, 4, o->speaker);
        db_bind_int64(st, 5, o->starts_at);
        db_bind_int64(st, 6, o->ends_at);
        db_bind_text(st, 7, o->audience);
        db_bind_text(st, 8, o->description);
        db_bind_text(st, 9, o->stream_url ? o->stream_url : "");
        db_bind_int64(st, 10, o->created_by);
        db_bind_int64(st, 11, now);
        db_bind_int64(st, 12, now);
        if (db_step(st) == DB_ROW)
            id = db_col_int64(st, 0);
    }
    db_done(st);
    if (id <= 0)
        return -1;
    if (!o->stream_url) {
        char url[96], key[33];
        snprintf(url, sizeof url, LIVE_INGEST_PLAYLIST, (long long)id);
        st = db_prepare(c, "UPDATE live_streams SET stream_url = ? WHERE id = ?");
        rc = DB_ERROR;
        if (st) {
            db_bind_text(st, 1, url);
            db_bind_int64(st, 2, id);
            rc = db_step(st);
        }
        db_done(st);
        if (rc != DB_DONE || live_ingest_new_key(c, id, o->created_by, key) != 0)
            return -1;
    }
    return id;
}

int live_stream_move(db_conn_t *c, int64_t id, int64_t starts, int64_t ends, char *conflict, size_t n)
{
    db_stmt_t *st =
        db_prepare(c, "SELECT district_id FROM live_streams WHERE id = ? AND status = 'approved' AND "
                      "cancelled_at IS NULL AND deleted_at IS NULL");
    if (!st)
        return -1;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    int64_t district = rc == DB_ROW ? db_col_int64(st, 0) : 0;
    db_done(st);
    if (rc != DB_ROW)
        return rc == DB_DONE ? 1 : -1;
    char lock[64];
    snprintf(lock, sizeof lock, "live.district.%lld", (long long)district);
    if (db_lock_tx(c, lock) != 0)
        return -1;
    int64_t other;
    rc = live_find_overlap(c, district, starts, ends, id, &other, conflict, n);
    if (rc != 0)
        return rc == 1 ? 0 : -1;
    st = db_prepare(c, "UPDATE live_streams SET starts_at = ?, ends_at = ?, updated_at = ? WHERE id = ?");
    rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, starts);
        db_bind_int64(st, 2, ends);
        db_bind_int64(st, 3, time_now_ms());
        db_bind_int64(st, 4, id);
        rc = db_step(st);
    }
    db_done(st);
    return rc == DB_DONE ? 1 : -1;
}

int live_stream_close(db_conn_t *c, int64_t id, int64_t user, const char *reason)
{
    int64_t now = time_now_ms();
    db_stmt_t *st =
        db_prepare(c, "UPDATE live_streams SET cancelled_at = ?, cancelled_by = ?, cancel_reason = ?, "
                      "updated_at = ? WHERE id = ? AND status = 'approved' AND cancelled_at IS NULL "
                      "AND deleted_at IS NULL AND ends_at > ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, now);
    db_bind_int64(st, 2, user);
    db_bind_text(st, 3, reason);
    db_bind_int64(st, 4, now);
    db_bind_int64(st, 5, id);
    db_bind_int64(st, 6, now);
    int rc = db_step(st);
    db_done(st);
    if (rc != DB_DONE)
        return -1;
    return db_changes(c) > 0;
}

json_t *live_stream_brief(db_conn_t *c, int64_t id, bool with_source)
{
    db_stmt_t *st = db_prepare(c, "SELECT " LIVE_COLS ", (SELECT COUNT(*) FROM live_viewers v WHERE "
                                  "v.stream_id = s.id AND v.last_at > ?) FROM " LIVE_FROM " WHERE s.id = ? "
                                  "AND s.deleted_at IS NULL");
    if (!st)
        return NULL;
    db_bind_int64(st, 1, time_now_ms() - LIVE_VIEWERS_NOW_MS);
    db_bind_int64(st, 2, id);
    json_t *o = NULL;
    if (db_step(st) == DB_ROW) {
        o = event_row(st, with_source ? (void *)1 : NULL);
        json_object_set_new(o, "viewers_now", json_integer(db_col_int64(st, 27)));
    }
    db_done(st);
    return o;
}

/* ---- the calendar ---- */

static const vfield_t CAL_QUERY[] = {
    {"from", V_TIME, .title = "起（缺省：现在）"},
    {"to", V_TIME, .title = "止（缺省：起 + 31 天；至多 100 天）"},
    {"district_id", V_ID, .title = "只看某区"},
    {"q", V_STR, .max = 100, .title = "主题或主讲人包含"},
};
static const vfield_t EVENT_OUT[] = {
    {"id", V_ID},
    {"title", V_STR},
    {"speaker", V_STR},
    {"starts_at", V_TIME},
    {"ends_at", V_TIME},
    {"org_id", V_ID},
    {"org_name", V_STR},
    {"district_id", V_ID},
    {"district_name", V_STR},
    {"audience", V_STR},
    {"description", V_STR},
    {"source_type", V_ENUM, .choices = SOURCES},
    {"ingest", V_BOOL, .title = "由本平台推流（播放地址为本站）"},
    {"publishing", V_BOOL, .title = "正在推流（直播中）"},
    {"phase", V_STR, .title = "upcoming 未开始、live 直播中、ended 已结束"},
};

static void calendar(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    int64_t from = time_now_ms(), to;
    const char *f = http_query(req, "from"), *t = http_query(req, "to"), *q = http_query(req, "q");
    if (f)
        time_parse_iso8601(f, &from);
    to = from + 31 * 86400000LL;
    if (t)
        time_parse_iso8601(t, &to);
    if (to <= from || to - from > MAX_CALENDAR_MS) {
        http_error_fields(req, json_pack("{s:s}", "to", "须晚于起始时间，且时间段至多 100 天"));
        return;
    }
    qb_t w, s;
    res_from(req, &LIVE_EVENTS, &w);
    qb_sql(&w, " AND s.ends_at > ");
    qb_int(&w, from);
    qb_sql(&w, " AND s.starts_at < ");
    qb_int(&w, to);
    int64_t district = http_query_i64(req, "district_id", 0);
    if (district) {
        qb_sql(&w, " AND s.district_id = ");
        qb_int(&w, district);
    }
    if (q) {
        static const char *const cols[] = {"s.title", "s.speaker"};
        qb_like_any(&w, cols, 2, q);
    }
    qb_init(&s, "SELECT " LIVE_COLS);
    qb_append(&s, &w);
    qb_free(&w);
    qb_sql(&s, " ORDER BY s.starts_at, s.id LIMIT 2000");
    db_stmt_t *st = qb_prepare(c, &s);
    json_t *items = json_array();
    int rc = st ? DB_ROW : DB_ERROR;
    while (st && (rc = db_step(st)) == DB_ROW)
        json_array_append_new(items, event_row(st, NULL));
    db_done(st);
    qb_free(&s);
    if (rc != DB_DONE) {
        json_decref(items);
        http_db_error(req, c);
        return;
    }
    http_json(req, 200,
              json_pack("{s:o,s:o,s:o}", "items", items, "from", json_time(from), "to", json_time(to)));
}

static void get_event(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *e = res_load(req, c, &LIVE_EVENTS, LIVE_COLS, id, event_row, (void *)1, RES_PLAIN);
    if (e)
        http_json(req, 200, e);
}

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/live/calendar", .handler = calendar, .perm = "live.read",
     .summary = "直播日历（已批准的直播）", .resource = &LIVE_EVENTS, HTTP_QUERY(CAL_QUERY), HTTP_OUT(EVENT_OUT),
     .notes = "{items,from,to}: approved, not cancelled streams of the whole city overlapping [from, to), by start; "
              "at most 2000"},
    {.method = "GET", .pattern = "/api/v1/live/calendar/{id}", .handler = get_event, .perm = "live.read",
     .summary = "观看直播（直播信息与播放地址）", .resource = &LIVE_EVENTS, HTTP_OUT(EVENT_OUT),
     .notes = "adds stream_url, or platform and room_id; 404 unless approved and not cancelled"},
    {.method = "GET", .pattern = "/api/v1/live/streams", .handler = list_streams, .perm = "live.read",
     .flags = HTTP_LIST, .summary = "直播预约列表", .resource = &LIVE_STREAMS, HTTP_QUERY(LIST_QUERY),
     HTTP_OUT(STREAM_OUT)},
    {.method = "GET", .pattern = "/api/v1/live/streams/export", .handler = export_streams, .perm = "live.read",
     .flags = HTTP_DOWNLOAD, .summary = "导出直播预约（.xlsx）", .audit = "live.export",
     .resource = &LIVE_STREAMS, HTTP_QUERY(LIST_QUERY), .notes = "the list's filters; at most 10000 rows, with "
     "participants, watch time and interactions"},
    {.method = "POST", .pattern = "/api/v1/live/streams", .handler = create_stream, .perm = "live.write",
     .summary = "新建直播预约", .audit = "live.create", .resource = &LIVE_STREAMS, HTTP_BODY(STREAM_NEW),
     HTTP_OUT(STREAM_OUT), .status = 201,
     .example = "{\"title\":\"契约直播{n}\",\"speaker\":\"张老师\",\"starts_at\":\"{future}\","
                "\"ends_at\":\"{future+2h}\",\"source_type\":\"url\","
                "\"stream_url\":\"https://live.example.cn/{n}.m3u8\",\"org_id\":\"{org}\"}",
     .notes = "a draft with its review item; 422 when the end is not after the start, the start has passed, "
              "the source is incomplete or the organisation is outside the caller's scope"},
    {.method = "GET", .pattern = "/api/v1/live/streams/{id}", .handler = get_stream, .perm = "live.read",
     .summary = "直播预约详情", .resource = &LIVE_STREAMS, HTTP_OUT(STREAM_OUT),
     .notes = "adds audience_orgs, review (the review item with its history) and can_edit, can_submit, "
              "can_withdraw, can_cancel, can_decide"},
    {.method = "PATCH", .pattern = "/api/v1/live/streams/{id}", .handler = patch_stream, .perm = "live.write",
     .summary = "修改直播预约", .audit = "live.update", .resource = &LIVE_STREAMS, HTTP_BODY(STREAM_PATCH),
     HTTP_OUT(STREAM_OUT), .example = "{\"speaker\":\"李老师\"}",
     .notes = "while a draft, returned or withdrawn (else 409)"},
    {.method = "DELETE", .pattern = "/api/v1/live/streams/{id}", .handler = delete_stream, .perm = "live.write",
     .summary = "删除直播预约", .audit = "live.delete", .resource = &LIVE_STREAMS, .status = 204,
     .notes = "soft; while a draft, returned or withdrawn (else 409)"},
    {.method = "POST", .pattern = "/api/v1/live/streams/{id}/submit", .handler = submit_stream,
     .perm = "live.write", .summary = "提交直播预约审核", .audit = "live.submit", .resource = &LIVE_STREAMS,
     HTTP_OUT(STREAM_OUT),
     .notes = "to the review chain of kind live (the city by default); 409 when not a draft/returned/withdrawn, "
              "when the start has passed or when an approved stream of the same district overlaps"},
    {.method = "POST", .pattern = "/api/v1/live/streams/{id}/withdraw", .handler = withdraw_stream,
     .perm = "live.write", .summary = "撤回直播预约", .audit = "live.withdraw", .resource = &LIVE_STREAMS,
     HTTP_OUT(STREAM_OUT), .notes = "before the first decision (else 409)"},
    {.method = "POST", .pattern = "/api/v1/live/streams/{id}/cancel", .handler = cancel_stream,
     .perm = HTTP_LOGIN, .summary = "取消已批准的直播", .audit = "live.cancel", .resource = &LIVE_STREAMS,
     HTTP_BODY(CANCEL_BODY), HTTP_OUT(STREAM_OUT), .example = "{\"reason\":\"主讲人临时有事\"}",
     .notes = "by the organiser (live.write over it) or a reviewer of the level that approves it (else 403); "
              "approved, not cancelled, not ended (else 409); it leaves the calendar, the audience organisations "
              "and the booker are told: notified {orgs, booker}"},
};
// clang-format on

int live_stream_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
