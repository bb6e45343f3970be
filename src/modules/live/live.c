/* live.c — the live module (远教直播): permissions, labels, the review kind
 * "live" with its hooks (no overlapping approved streams in a district; the
 * audience told when a stream is published), the bookers' to-do count and
 * what the module's files share. */
#include "core/str.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/live/internal.h"
#include "modules/notify/notify.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const auth_perm_t PERMS[] = {
    {"live.read", "查看直播日历、观看直播", AUTH_DUTY_BUSINESS},
    {"live.write", "预约直播（申请、修改、提交、撤回、取消）", AUTH_DUTY_BUSINESS},
    {"live.stats", "查看直播统计", AUTH_DUTY_BUSINESS},
};
static const auth_perm_group_t PERM_GROUPS[] = {{"live", "远教直播", PERMS, 3}, {NULL}};

/* the booking's own state beside the review's (review_status labels those) */
static const zd_label_t PHASE[] = {{"upcoming", "未开始", "primary"},
                                   {"live", "直播中", "danger"},
                                   {"ended", "已结束", "info"},
                                   {"cancelled", "已取消", "warning"},
                                   {NULL}};
static const zd_label_t SOURCE[] = {
    {"url", "直播流地址", "primary"},
    {"platform", "直播平台房间", "success"},
    {"ingest", "本平台推流", "danger"}, /* a url stream pushed to the platform (ingest) */
    {NULL}};
/* what the ingest logs (ingest_api.c) */
static const zd_label_t LOG_EVENT[] = {{"live.ingest_refused", "推流密钥无效", "warning"},
                                       {"live.ingest_publish", "直播推流开始或被拒绝", "info"},
                                       {"live.ingest_hls", "直播分片读取失败", "warning"},
                                       {NULL}};
static const zd_dict_t DICTS[] = {{"live_phase", "直播状态", PHASE},
                                  {"live_source", "直播来源", SOURCE},
                                  {"log_event", "日志事件", LOG_EVENT},
                                  {NULL}};

static char stream_sources[1024];
static const config_opt_t SETTINGS[] = {
    CONFIG_STR(live_stream_sources, stream_sources, "", 0,
               "控制台播放器可加载直播流的来源：空格分隔的源（https://live.example.cn "
               "https://*.example.cn），加入控制台的内容安全策略；预约的直播地址须属其一。留空：可预约任意 "
               "http(s) 地址，控制台只播放本站的"),
    CONFIG_STR(
        live_ingest_secret, live_ingest_secret, "", 2,
        "本机 nginx-rtmp 推流回调（on_publish）的共享密钥，写在回调地址的 ?secret= 中；留空：不接受推流"),
    CONFIG_STR(live_ingest_hls_dir, live_ingest_hls_dir, "", 0,
               "nginx-rtmp 写 HLS 的目录（hls_path，hls_nested on）；留空：数据目录下的 live-hls"),
    CONFIG_STR(live_ingest_rtmp_host, live_ingest_rtmp_host, "", 0,
               "给推流者的 RTMP 主机名；留空：用访问控制台的主机名"),
    CONFIG_INT(live_ingest_rtmp_port, &live_ingest_rtmp_port, 1935, 1, 65535, "给推流者的 RTMP 端口"),
    {NULL},
};

/* ---- stream sources ---- */

typedef struct {
    char scheme[8], host[256], port[8];
} origin_t;

/* scheme://host[:port] at the start of s (a path may follow when rest is
 * allowed); false when it is not one */
static bool parse_origin(const char *s, origin_t *o, bool rest)
{
    memset(o, 0, sizeof *o);
    const char *p = strstr(s, "://");
    if (!p || p == s || (size_t)(p - s) >= sizeof o->scheme)
        return false;
    for (size_t i = 0; s + i < p; i++)
        o->scheme[i] = (char)tolower((unsigned char)s[i]);
    if (strcmp(o->scheme, "http") && strcmp(o->scheme, "https"))
        return false;
    p += 3;
    size_t n = 0;
    for (; *p && *p != ':' && *p != '/' && *p != '?' && *p != '#'; p++) {
        unsigned char ch = (unsigned char)*p;
        if (n + 1 >= sizeof o->host || !(isalnum(ch) || ch == '.' || ch == '-' || (ch == '*' && n == 0)))
            return false;
        o->host[n++] = (char)tolower(ch);
    }
    if (!n || (o->host[0] == '*' && o->host[1] != '.') || strchr(o->host + 1, '*'))
        return false;
    if (*p == ':') {
        n = 0;
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (n + 1 >= sizeof o->port)
                return false;
            o->port[n++] = *p;
        }
        if (!n)
            return false;
    }
    return rest || !*p || (*p == '/' && !p[1]);
}

bool live_url_allowed(const char *url)
{
    if (!stream_sources[0])
        return true;
    origin_t u, t;
    if (!parse_origin(url, &u, true) || u.host[0] == '*')
        return false;
    char buf[sizeof stream_sources];
    str_lcpy(buf, stream_sources, sizeof buf);
    char *save = NULL;
    for (char *tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        if (!parse_origin(tok, &t, false) || strcmp(t.scheme, u.scheme) || strcmp(t.port, u.port))
            continue;
        if (t.host[0] == '*') {
            size_t hl = strlen(u.host), sl = strlen(t.host + 1);
            if (hl > sl && !strcmp(u.host + hl - sl, t.host + 1))
                return true;
        } else if (!strcmp(t.host, u.host))
            return true;
    }
    return false;
}

const char *live_stream_sources(void) { return stream_sources; }

/* ---- shared helpers ---- */

int64_t live_district_of(db_conn_t *c, int64_t org_id)
{
    /* the nearest district above (or itself); outside every district its
     * top-level unit under the city (a sector committee); the city itself */
    db_stmt_t *st = db_prepare(
        c, "SELECT COALESCE((SELECT d.id FROM orgs d WHERE d.type = 'district' AND o.path LIKE d.path || '%' "
           "ORDER BY d.depth DESC LIMIT 1), (SELECT t.id FROM orgs t WHERE t.depth = 1 AND o.path LIKE "
           "t.path || '%'), o.id) FROM orgs o WHERE o.id = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, org_id);
    int rc = db_step(st);
    int64_t d = rc == DB_ROW ? db_col_int64(st, 0) : 0;
    db_done(st);
    return rc == DB_ERROR ? -1 : d;
}

int live_find_overlap(db_conn_t *c, int64_t district, int64_t starts, int64_t ends, int64_t except_id,
                      int64_t *other, char *title, size_t n)
{
    db_stmt_t *st = db_prepare(
        c, "SELECT id, title FROM live_streams WHERE district_id = ? AND id <> ? AND status = 'approved' "
           "AND cancelled_at IS NULL AND deleted_at IS NULL AND starts_at < ? AND ends_at > ? "
           "ORDER BY starts_at LIMIT 1");
    if (!st)
        return -1;
    db_bind_int64(st, 1, district);
    db_bind_int64(st, 2, except_id);
    db_bind_int64(st, 3, ends);
    db_bind_int64(st, 4, starts);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        *other = db_col_int64(st, 0);
        str_lcpy(title, db_col_text(st, 1), n);
    }
    db_done(st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

const char *live_fmt_time(int64_t ms, char *buf, size_t n)
{
    char iso[40];
    time_iso8601(ms, iso, sizeof iso);
    snprintf(buf, n, "%.10s %.5s", iso, iso + 11);
    return buf;
}

int live_notify_audience(db_conn_t *c, int64_t stream_id, int64_t org_id, const char *kind, const char *title,
                         const char *body)
{
    db_stmt_t *st =
        db_prepare(c, "SELECT org_id FROM live_audience WHERE stream_id = ? ORDER BY org_id LIMIT 50");
    if (!st)
        return -1;
    db_bind_int64(st, 1, stream_id);
    int64_t orgs[50];
    int n = 0, rc;
    while ((rc = db_step(st)) == DB_ROW && n < 50)
        orgs[n++] = db_col_int64(st, 0);
    db_done(st);
    if (rc == DB_ERROR)
        return -1;
    char link[64];
    snprintf(link, sizeof link, "/live/watch/%lld", (long long)stream_id);
    for (int i = 0; i < n; i++) {
        notify_msg_t m = {.kind = kind, .title = title, .body = body, .link = link, .org_id = org_id};
        if (notify_perm(c, "live.read", orgs[i], NULL, 0, &m) < 0)
            return -1;
    }
    return n;
}

/* ---- the review kind ---- */

typedef struct {
    int64_t district, starts, ends, org_id;
    char title[512];
} slot_t;

static int slot_of(db_conn_t *c, int64_t id, slot_t *s)
{
    db_stmt_t *st =
        db_prepare(c, "SELECT district_id, starts_at, ends_at, org_id, title FROM live_streams WHERE id = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        s->district = db_col_int64(st, 0);
        s->starts = db_col_int64(st, 1);
        s->ends = db_col_int64(st, 2);
        s->org_id = db_col_int64(st, 3);
        str_lcpy(s->title, db_col_text(st, 4), sizeof s->title);
    }
    db_done(st);
    return rc == DB_ROW ? 0 : -1;
}

/* The city's approval, before it reaches the booking: refused (409) when an
 * approved stream of the district overlaps. The district's lock makes two
 * approvals of one district wait for each other on PostgreSQL, so that the
 * second sees the first and answers with its title; the database's
 * constraint (0251) stays the guarantee. */
static int live_approving(db_conn_t *c, const review_event_t *ev)
{
    slot_t s;
    if (slot_of(c, ev->ref_id, &s) != 0)
        return -1;
    char lock[64];
    snprintf(lock, sizeof lock, "live.district.%lld", (long long)s.district);
    if (db_lock_tx(c, lock) != 0)
        return -1;
    int64_t other;
    char title[512], a[32], b[32];
    int rc = live_find_overlap(c, s.district, s.starts, s.ends, ev->ref_id, &other, title, sizeof title);
    if (rc == 1)
        review_hook_conflict("与已批准的直播《%.*s》时间冲突（%s 至 %s），不能批准",
                             (int)utf8_prefix(title, strlen(title), 60), title,
                             live_fmt_time(s.starts, a, sizeof a), live_fmt_time(s.ends, b, sizeof b));
    return rc == 0 ? 0 : -1;
}

/* Published: the audience organisations are told. */
static int live_approved(db_conn_t *c, const review_event_t *ev)
{
    slot_t s;
    if (slot_of(c, ev->ref_id, &s) != 0)
        return -1;
    char msg[640], t[32];
    snprintf(msg, sizeof msg, "直播预告：《%.*s》%s 开始", (int)utf8_prefix(s.title, strlen(s.title), 80),
             s.title, live_fmt_time(s.starts, t, sizeof t));
    return live_notify_audience(c, ev->ref_id, s.org_id, "live.published", msg, NULL) < 0 ? -1 : 0;
}

const review_kind_t LIVE_REVIEW = {.kind = "live",
                                   .title = "直播预约",
                                   .table = "live_streams",
                                   .link = "/live/streams/%lld",
                                   .levels = REVIEW_CITY,
                                   .approving = live_approving,
                                   .approved = live_approved};

/* ---- the module ---- */

/* bookings returned to the caller for changes */
static int todo(http_req_t *req, db_conn_t *c, json_t *items)
{
    if (!auth_has(req, "live.write"))
        return 0;
    qb_t w, q;
    res_from_as(req, &LIVE_STREAMS, "live.write", &w);
    qb_sql(&w, " AND s.status = 'returned' AND s.created_by = ");
    qb_int(&w, http_user_id(req));
    qb_init(&q, "SELECT COUNT(*)");
    qb_append(&q, &w);
    qb_free(&w);
    db_stmt_t *st = qb_prepare(c, &q);
    int rc = st ? db_step(st) : DB_ERROR;
    int64_t n = rc == DB_ROW ? db_col_int64(st, 0) : 0;
    db_done(st);
    qb_free(&q);
    if (rc != DB_ROW)
        return -1;
    if (n > 0)
        json_array_append_new(items, json_pack("{s:s,s:s,s:I,s:s}", "key", "live.returned", "title",
                                               "退回修改的直播预约", "count", (json_int_t)n, "link",
                                               "/live/streams?status=returned&mine=true"));
    return 0;
}

static int init(zd_app_t *app, char *err, size_t errlen)
{
    static const char *const ALL[] = {"live.read", "live.write", "live.stats", NULL};
    /* the people who book (and want to know who watched) */
    for (const char *const *p = ALL; *p; p++) {
        auth_grant_default("worker", *p);
        auth_grant_default("secretary", *p);
        /* the system administrator hands the roles above out, so holds what they hold */
        auth_grant_default("sys_admin", *p);
    }
    /* the reviewers see the bookings and their figures; everyone watches */
    auth_grant_default("city_reviewer", "live.read");
    auth_grant_default("city_reviewer", "live.stats");
    auth_grant_default("district_reviewer", "live.read");
    auth_grant_default("district_reviewer", "live.stats");
    auth_grant_default("member", "live.read");
    auth_grant_default("lecturer", "live.read");
    char buf[sizeof stream_sources], *save = NULL;
    str_lcpy(buf, stream_sources, sizeof buf);
    origin_t o;
    for (char *tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
        if (!parse_origin(tok, &o, false)) {
            snprintf(err, errlen, "live_stream_sources: %s is not an origin like https://live.example.cn",
                     tok);
            return -1;
        }
    /* the console's player fetches the streams (hls.js, mpegts.js) and plays them */
    if (app->http && stream_sources[0] &&
        (http_csp_allow("connect-src", stream_sources) || http_csp_allow("media-src", stream_sources))) {
        snprintf(err, errlen, "live_stream_sources: too long for the console's security policy");
        return -1;
    }
    if (review_register(&LIVE_REVIEW) != 0) {
        snprintf(err, errlen, "live: cannot register the review kind live");
        return -1;
    }
    live_ingest_init(app->cfg->data);
    return live_stream_routes(app, err, errlen) || live_viewer_routes(app, err, errlen) ||
                   live_ingest_routes(app, err, errlen)
               ? -1
               : 0;
}

const zd_module_t live_module = {.name = "live",
                                 .title = "远教直播",
                                 .init = init,
                                 .demo = live_demo,
                                 .settings = SETTINGS,
                                 .permissions = PERM_GROUPS,
                                 .todo = todo,
                                 .dicts = DICTS};
