/* ingest_api.c — streams pushed to the platform's own media server (推流直播,
 * issue 13). nginx with libnginx-mod-rtmp (deploy/nginx-rtmp/) takes RTMP
 * pushes at rtmp://host:port/live/<stream key> and writes HLS under the data
 * directory (<hls dir>/<key>/index.m3u8 and N.ts). Before a push starts it
 * asks zhendi (on_publish): only from this machine, with the shared secret
 * in the callback's address, and only a key of an approved, not cancelled
 * stream within its window is accepted. While a push runs the stream is
 * live (直播中). Viewers never see the key: they play the stream by its id
 * through zhendi's own origin (GET /api/v1/live/calendar/{id}/hls/...),
 * under the calendar's permission, so the console's CSP stays same-origin.
 * The key is the organiser's (live.write over the booking): shown on its
 * page, replaced on request, both audited (without the key). */
#include "core/crypto.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/download.h"
#include "http/valid.h"
#include "modules/live/internal.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char live_ingest_secret[128];
char live_ingest_hls_dir[1024];
char live_ingest_rtmp_host[256];
int64_t live_ingest_rtmp_port = 1935;
static char hls_dir[1024];

void live_ingest_init(const char *data_dir)
{
    if (live_ingest_hls_dir[0])
        str_lcpy(hls_dir, live_ingest_hls_dir, sizeof hls_dir);
    else
        snprintf(hls_dir, sizeof hls_dir, "%s/live-hls", data_dir);
}

int live_ingest_new_key(db_conn_t *c, int64_t id, int64_t user, char key[33])
{
    crypto_random_hex(16, key);
    int64_t now = time_now_ms();
    db_stmt_t *st = db_prepare(
        c,
        "INSERT INTO live_ingest (stream_id, stream_key, key_created_by, key_created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (stream_id) DO UPDATE SET stream_key = excluded.stream_key, "
        "key_created_by = excluded.key_created_by, key_created_at = excluded.key_created_at");
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, id);
        db_bind_text(st, 2, key);
        db_bind_int64(st, 3, user);
        db_bind_int64(st, 4, now);
        rc = db_step(st);
    }
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

/* ---- the organiser's view ---- */

static const vfield_t INGEST_OUT[] = {
    {"stream_key", V_STR, .title = "推流密钥（仅预约者可见）"},
    {"server_url", V_STR, .title = "推流服务器 rtmp://主机:端口/live"},
    {"push_url", V_STR, .title = "完整推流地址（服务器 + 密钥）"},
    {"play_url", V_STR, .title = "本站播放地址（按直播编号，不含密钥）"},
    {"publishing", V_BOOL, .title = "正在推流"},
    {"publishing_since", V_TIME},
    {"last_published_at", V_TIME},
    {"last_ended_at", V_TIME},
    {"key_created_at", V_TIME},
    {"pushes", V_INT, .title = "已接受的推流次数"},
    {"refused", V_INT, .title = "被拒绝的推流次数（不在时间内等）"},
    {"viewers_now", V_INT, .title = "当前观看（15 秒内有心跳的会话）"},
};

static json_t *ingest_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    json_t *o = json_object();
    json_object_set_new(o, "stream_key", json_col_text(st, 0));
    json_object_set_new(o, "publishing", json_boolean(db_col_int64(st, 1) > 0));
    json_object_set_new(o, "publishing_since", json_time(db_col_int64(st, 1)));
    json_object_set_new(o, "last_published_at", json_time(db_col_int64(st, 2)));
    json_object_set_new(o, "last_ended_at", json_time(db_col_int64(st, 3)));
    json_object_set_new(o, "key_created_at", json_time(db_col_int64(st, 4)));
    json_object_set_new(o, "pushes", json_integer(db_col_int64(st, 5)));
    json_object_set_new(o, "refused", json_integer(db_col_int64(st, 6)));
    json_object_set_new(o, "viewers_now", json_integer(db_col_int64(st, 7)));
    return o;
}

/* rtmp://host:port/live: the configured host, else the one the console was
 * reached by (without its port) */
static void server_url(http_req_t *req, char *out, size_t n)
{
    char host[256] = "127.0.0.1";
    if (live_ingest_rtmp_host[0])
        str_lcpy(host, live_ingest_rtmp_host, sizeof host);
    else {
        const char *h = http_header_in(req, "Host");
        if (h && *h) {
            size_t len = h[0] == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":");
            if (len < sizeof host &&
                strspn(h, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-[]:") >= len)
                snprintf(host, sizeof host, "%.*s", (int)len, h);
        }
    }
    snprintf(out, n, "rtmp://%s:%lld/live", host, (long long)live_ingest_rtmp_port);
}

/* The ingest of stream id for its organiser; NULL after answering (404 when
 * the stream takes no pushes). */
static json_t *ingest_load(http_req_t *req, db_conn_t *c, int64_t id)
{
    db_stmt_t *st = db_prepare(
        c, "SELECT stream_key, publishing_since, last_published_at, last_ended_at, key_created_at, pushes, "
           "refused, (SELECT COUNT(*) FROM live_viewers v WHERE v.stream_id = i.stream_id AND v.last_at > ?) "
           "FROM live_ingest i WHERE stream_id = ?");
    int rc = DB_ERROR;
    json_t *o = NULL;
    if (st) {
        db_bind_int64(st, 1, time_now_ms() - LIVE_VIEWERS_NOW_MS);
        db_bind_int64(st, 2, id);
        if ((rc = db_step(st)) == DB_ROW)
            o = ingest_row(st, NULL);
    }
    db_done(st);
    if (rc == DB_ERROR) {
        http_db_error(req, c);
        return NULL;
    }
    if (!o) {
        http_error(req, 404, "no_ingest", "这场直播不由本平台推流");
        return NULL;
    }
    char srv[320], url[400];
    server_url(req, srv, sizeof srv);
    snprintf(url, sizeof url, "%s/%s", srv, jstr(o, "stream_key"));
    json_object_set_new(o, "server_url", json_string(srv));
    json_object_set_new(o, "push_url", json_string(url));
    snprintf(url, sizeof url, LIVE_INGEST_PLAYLIST, (long long)id);
    json_object_set_new(o, "play_url", json_string(url));
    return http_defer_json(req, o);
}

/* The booking, visible and the caller its organiser; false after answering. */
static bool organiser(http_req_t *req, db_conn_t *c, int64_t id)
{
    if (!res_visible(req, c, &LIVE_STREAMS, id)) {
        http_error(req, 404, "not_found", "直播预约不存在");
        return false;
    }
    int w = live_may_write(req, c, id);
    if (w < 0)
        http_db_error(req, c);
    else if (!w)
        http_error(req, 403, "forbidden", "只有预约者（有权管理这场直播的人）能查看推流密钥");
    return w > 0;
}

json_t *live_ingest_json(http_req_t *req, db_conn_t *c, int64_t id) { return ingest_load(req, c, id); }

static void get_ingest(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c || !organiser(req, c, id))
        return;
    json_t *o = ingest_load(req, c, id);
    if (o)
        http_json(req, 200, json_incref(o));
}

static int64_t stream_state(db_conn_t *c, int64_t id, char *status, size_t n, int64_t *cancelled)
{
    db_stmt_t *st = db_prepare(c, "SELECT status, COALESCE(cancelled_at, 0), review_id, "
                                  "(SELECT COUNT(*) FROM live_ingest i WHERE i.stream_id = s.id) "
                                  "FROM live_streams s WHERE id = ?" FOR_UPDATE_CLAUSE);
    int64_t has = -1;
    if (st) {
        db_bind_int64(st, 1, id);
        if (db_step(st) == DB_ROW) {
            str_lcpy(status, db_col_text(st, 0), n);
            *cancelled = db_col_int64(st, 1);
            has = db_col_int64(st, 3);
        }
    }
    db_done(st);
    return has;
}

/* Creates the key (turning the booking into a pushed stream: its address
 * becomes this site's) or replaces it. */
static void new_key(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c || !organiser(req, c, id))
        return;
    char status[32] = "";
    int64_t cancelled = 0;
    int64_t has = stream_state(c, id, status, sizeof status, &cancelled);
    if (has < 0) {
        http_db_error(req, c);
        return;
    }
    if (cancelled) {
        http_error(req, 409, "cancelled", "直播已取消，不能再推流");
        return;
    }
    if (!has) {
        /* the address changes: only while the booking may be edited */
        json_t *s = json_pack("{s:I,s:s,s:n}", "id", (json_int_t)id, "status", status, "review_id");
        db_stmt_t *st = db_prepare(c, "SELECT review_id FROM live_streams WHERE id = ?");
        if (st) {
            db_bind_int64(st, 1, id);
            if (db_step(st) == DB_ROW && db_col_int64(st, 0))
                json_object_set_new(s, "review_id", json_integer(db_col_int64(st, 0)));
        }
        db_done(st);
        int ed = live_editable(c, s);
        json_decref(s);
        if (ed < 0) {
            http_db_error(req, c);
            return;
        }
        if (!ed) {
            http_error(req, 409, "not_editable", "预约已提交审核或已批准，不能再改为本平台推流");
            return;
        }
        char url[96];
        snprintf(url, sizeof url, LIVE_INGEST_PLAYLIST, (long long)id);
        st = db_prepare(c, "UPDATE live_streams SET source_type = 'url', stream_url = ?, platform = NULL, "
                           "room_id = NULL, updated_at = ? WHERE id = ?");
        int rc = DB_ERROR;
        if (st) {
            db_bind_text(st, 1, url);
            db_bind_int64(st, 2, time_now_ms());
            db_bind_int64(st, 3, id);
            rc = db_step(st);
        }
        db_done(st);
        if (rc != DB_DONE) {
            http_db_error(req, c);
            return;
        }
    }
    char key[33];
    if (live_ingest_new_key(c, id, http_user_id(req), key) != 0) {
        http_db_error(req, c);
        return;
    }
    json_t *o = ingest_load(req, c, id);
    if (!o)
        return;
    /* the record names what happened, never the key */
    audit_entry_t ae = {.target = id,
                        .detail = has ? "更换推流密钥（旧密钥作废）" : "改为本平台推流，生成推流密钥"};
    audit_reply(req, c, true, &ae, 200, json_incref(o));
}

/* ---- nginx-rtmp's callbacks ---- */

static bool loopback(const char *ip)
{
    return ip && (!strcmp(ip, "127.0.0.1") || !strcmp(ip, "::1") || !strcmp(ip, "::ffff:127.0.0.1"));
}

/* From the local nginx with the shared secret? false after answering 403. */
static bool from_nginx(http_req_t *req)
{
    const char *s = http_query(req, "secret");
    size_t n = strlen(live_ingest_secret);
    if (!n || !s || strlen(s) != n || !str_ct_equal(s, live_ingest_secret, n) ||
        !loopback(http_client_ip(req))) {
        http_error(req, 403, "forbidden", "只接受本机媒体服务器（nginx-rtmp）带密钥的回调");
        return false;
    }
    return true;
}

/* The value of field in an application/x-www-form-urlencoded body, copied
 * undecoded (keys and app names are plain) into out; false when absent,
 * too long or encoded. */
static bool form_field(const char *body, size_t len, const char *field, char *out, size_t n)
{
    size_t fl = strlen(field);
    const char *p = body, *end = body + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *e = amp ? amp : end;
        if ((size_t)(e - p) > fl && !strncmp(p, field, fl) && p[fl] == '=') {
            size_t vl = (size_t)(e - p) - fl - 1;
            if (vl >= n || memchr(p + fl + 1, '%', vl) || memchr(p + fl + 1, '+', vl))
                return false;
            memcpy(out, p + fl + 1, vl);
            out[vl] = 0;
            return true;
        }
        p = e + 1;
    }
    return false;
}

static bool key_ok(const char *k) { return strlen(k) == 32 && strspn(k, "0123456789abcdef") == 32; }

static live_start_fn start_hooks[4];

int live_on_start(live_start_fn fn)
{
    for (size_t i = 0; i < sizeof start_hooks / sizeof *start_hooks; i++)
        if (!start_hooks[i] || start_hooks[i] == fn) {
            start_hooks[i] = fn;
            return 0;
        }
    return -1;
}

static void on_publish(http_req_t *req)
{
    if (!from_nginx(req))
        return;
    size_t len = 0;
    const char *body = http_body(req, &len);
    char key[64] = "", app[64] = "", addr[64] = "";
    form_field(body, len, "addr", addr, sizeof addr);
    if (!form_field(body, len, "name", key, sizeof key) || !form_field(body, len, "app", app, sizeof app) ||
        strcmp(app, "live") != 0 || !key_ok(key)) {
        http_error(req, 403, "bad_key", "推流密钥无效");
        return;
    }
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    int64_t now = time_now_ms();
    db_stmt_t *st =
        db_prepare(c, "SELECT i.stream_id, s.starts_at, s.ends_at, s.status, COALESCE(s.cancelled_at, 0), "
                      "COALESCE(s.deleted_at, 0), COALESCE(i.last_published_at, 0) FROM live_ingest i "
                      "JOIN live_streams s ON s.id = i.stream_id WHERE i.stream_key = ?" FOR_UPDATE_CLAUSE);
    int rc = DB_ERROR;
    int64_t id = 0, starts = 0, ends = 0, cancelled = 0, deleted = 0, before = 0;
    bool approved = false;
    if (st) {
        db_bind_text(st, 1, key);
        if ((rc = db_step(st)) == DB_ROW) {
            id = db_col_int64(st, 0);
            starts = db_col_int64(st, 1);
            ends = db_col_int64(st, 2);
            approved = !strcmp(db_col_text(st, 3), "approved");
            cancelled = db_col_int64(st, 4);
            deleted = db_col_int64(st, 5);
            before = db_col_int64(st, 6);
        }
    }
    db_done(st);
    if (rc == DB_ERROR) {
        http_db_error(req, c);
        return;
    }
    if (!id || deleted) {
        log_msg(LOG_SECURITY, LOG_WARN, "live.ingest_refused", "推流密钥无效，来自 %s", addr[0] ? addr : "?");
        http_error(req, 403, "bad_key", "推流密钥无效");
        return;
    }
    const char *why = !approved                             ? "直播预约尚未批准"
                      : cancelled                           ? "直播已取消"
                      : now < starts - LIVE_WATCH_MARGIN_MS ? "直播尚未到开始前 30 分钟"
                      : now > ends + LIVE_WATCH_MARGIN_MS   ? "直播已经结束"
                                                            : NULL;
    st = db_prepare(c, why ? "UPDATE live_ingest SET refused = refused + 1 WHERE stream_id = ?"
                           : "UPDATE live_ingest SET publishing_since = ?, last_published_at = ?, "
                             "publish_addr = ?, pushes = pushes + 1 WHERE stream_id = ?");
    rc = DB_ERROR;
    if (st) {
        if (why)
            db_bind_int64(st, 1, id);
        else {
            db_bind_int64(st, 1, now);
            db_bind_int64(st, 2, now);
            db_bind_text(st, 3, addr);
            db_bind_int64(st, 4, id);
        }
        rc = db_step(st);
    }
    db_done(st);
    /* the first push: the opening module tells its audience it has begun */
    for (size_t i = 0; rc == DB_DONE && !why && !before && i < sizeof start_hooks / sizeof *start_hooks; i++)
        if (start_hooks[i] && start_hooks[i](c, id) != 0)
            rc = DB_ERROR;
    if (rc != DB_DONE || db_commit(c) != 0) {
        http_db_error(req, c);
        return;
    }
    log_msg(LOG_APP, why ? LOG_WARN : LOG_INFO, "live.ingest_publish", "直播 %lld 推流%s，来自 %s%s%s",
            (long long)id, why ? "被拒绝" : "开始", addr[0] ? addr : "?", why ? ": " : "", why ? why : "");
    if (why)
        http_error(req, 403, "not_allowed", "%s", why);
    else
        http_json(req, 200, json_pack("{s:I,s:b}", "stream_id", (json_int_t)id, "publishing", 1));
}

static void on_publish_done(http_req_t *req)
{
    if (!from_nginx(req))
        return;
    size_t len = 0;
    const char *body = http_body(req, &len);
    char key[64] = "";
    if (!form_field(body, len, "name", key, sizeof key) || !key_ok(key)) {
        http_json(req, 200, json_pack("{s:b}", "publishing", 0));
        return;
    }
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    db_stmt_t *st = db_prepare(c, "UPDATE live_ingest SET publishing_since = NULL, last_ended_at = ? "
                                  "WHERE stream_key = ? AND publishing_since IS NOT NULL");
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, time_now_ms());
        db_bind_text(st, 2, key);
        rc = db_step(st);
    }
    db_done(st);
    if (rc != DB_DONE || db_commit(c) != 0) {
        http_db_error(req, c);
        return;
    }
    http_json(req, 200, json_pack("{s:b}", "publishing", 0));
}

/* ---- playing through zhendi's origin ---- */

static const char *hls_name_type(const char *name)
{
    if (!strcmp(name, "index.m3u8"))
        return "application/vnd.apple.mpegurl";
    size_t n = strlen(name);
    if (n > 3 && n < 24 && !strcmp(name + n - 3, ".ts") && strspn(name, "0123456789") == n - 3)
        return "video/mp2t";
    return NULL;
}

static json_t *key_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return json_string(db_col_text(st, 0));
}

/* index.m3u8 or N.ts from <hls dir>/<key>/ (key as stored: checked here) */
static void send_hls(http_req_t *req, const char *key, const char *name)
{
    const char *type = hls_name_type(name);
    if (!type || !key || !key_ok(key)) {
        http_error(req, 404, "not_found", "播放文件不存在");
        return;
    }
    char path[1200];
    snprintf(path, sizeof path, "%s/%s/%s", hls_dir, key, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        if (e != ENOENT && e != 0)
            log_msg(LOG_APP, LOG_WARN, "live.ingest_hls", "直播分片 %s 无法读取：%s", path, strerror(e));
        http_error(req, 404, "not_publishing", "直播尚未开始推流（或推流已中断）");
        return;
    }
    /* the playlist changes every fragment; a fragment never changes */
    http_object_t o = {.fd = fd,
                       .size = sb.st_size,
                       .content_type = type,
                       .mtime_ms = (int64_t)sb.st_mtime * 1000,
                       .inline_disposition = true,
                       .cache_control = type[0] == 'a' ? "private, no-store" : "private, max-age=300"};
    http_send_object(req, &o);
}

static void play_hls(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *k =
        res_load(req, c, &LIVE_EVENTS, "(SELECT i.stream_key FROM live_ingest i WHERE i.stream_id = s.id)",
                 id, key_row, NULL, RES_PLAIN);
    if (!k)
        return;
    http_defer_json(req, k);
    send_hls(req, json_string_value(k), http_param(req, "name"));
}

void live_hls_send(http_req_t *req, db_conn_t *c, int64_t id, const char *name)
{
    db_stmt_t *st =
        db_prepare(c, "SELECT i.stream_key FROM live_streams s JOIN live_ingest i ON i.stream_id = "
                      "s.id WHERE s.id = ? AND s.status = 'approved' AND s.cancelled_at IS NULL "
                      "AND s.deleted_at IS NULL");
    int rc = DB_ERROR;
    char key[40] = "";
    if (st) {
        db_bind_int64(st, 1, id);
        if ((rc = db_step(st)) == DB_ROW)
            str_lcpy(key, db_col_text(st, 0), sizeof key);
    }
    db_done(st);
    if (rc == DB_ERROR)
        http_db_error(req, c);
    else if (rc != DB_ROW)
        http_error(req, 404, "not_found", "直播不存在或已取消");
    else
        send_hls(req, key, name);
}

static const vfield_t CALLBACK_QUERY[] = {
    {"secret", V_STR, false, 0, 128,
     .title = "共享密钥（设置 live_ingest_secret，写在 nginx-rtmp 的回调地址中）"},
};

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/live/streams/{id}/ingest", .handler = get_ingest,
     .perm = "live.write", .summary = "推流信息（密钥、推流地址、在线人数）", .resource = &LIVE_STREAMS,
     HTTP_OUT(INGEST_OUT),
     .notes = "the organiser's only (live.write over the booking, else 403); 404 no_ingest when the stream is "
              "not pushed to the platform"},
    {.method = "POST", .pattern = "/api/v1/live/streams/{id}/ingest", .handler = new_key,
     .perm = "live.write", .summary = "生成或更换推流密钥", .audit = "live.ingest_key", .resource = &LIVE_STREAMS,
     HTTP_OUT(INGEST_OUT),
     .notes = "the first time turns an editable booking (draft, returned, withdrawn; else 409 not_editable) "
              "into a pushed stream (its address becomes this site's); later ones replace the key (the old "
              "one is refused from the next push); 409 cancelled; audited without the key"},
    {.method = "POST", .pattern = "/api/v1/live/ingest/on_publish", .handler = on_publish,
     .perm = HTTP_ANYONE, .flags = HTTP_PUBLIC | HTTP_NO_CSRF | HTTP_NO_AUDIT | HTTP_BODY_RAW, .max_body = 4096,
     .summary = "nginx-rtmp 推流鉴权回调", HTTP_QUERY(CALLBACK_QUERY),
     .notes = "from nginx-rtmp's on_publish (form body: app, name = the stream key, addr): only from the loopback "
              "address with ?secret= the setting live_ingest_secret (else 403); 200 accepts a key of an approved, "
              "not cancelled stream from 30 minutes before its start to 30 minutes after its end, 403 refuses"},
    {.method = "POST", .pattern = "/api/v1/live/ingest/on_publish_done", .handler = on_publish_done,
     .perm = HTTP_ANYONE, .flags = HTTP_PUBLIC | HTTP_NO_CSRF | HTTP_NO_AUDIT | HTTP_BODY_RAW, .max_body = 4096,
     .summary = "nginx-rtmp 推流结束回调", HTTP_QUERY(CALLBACK_QUERY), .notes = "as on_publish; the stream is no longer live"},
    {.method = "GET", .pattern = "/api/v1/live/calendar/{id}/hls/{name}", .handler = play_hls,
     .perm = "live.read", .flags = HTTP_DOWNLOAD, .summary = "本平台推流的直播（HLS 播放列表与分片）",
     .resource = &LIVE_EVENTS,
     .notes = "index.m3u8 or N.ts of a stream pushed to the platform, by the stream's id (never its key); "
              "as the calendar: approved, not cancelled (else 404); 404 not_publishing before the push"},
};
// clang-format on

int live_ingest_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
