/* share_api.c — share links (分享链接): a random token (128 bits; stored
 * as its SHA-256 for lookups and sealed with SM4 so that those who manage
 * the link can show it again), an optional password (argon2id; five wrong
 * ones in 15 minutes lock the link for 15 minutes), an expiry and a
 * download limit (taken when a download starts, so that parallel requests
 * cannot exceed it). Visitors need no account: /api/v1/public/shares/… */
#include "auth/password.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/storage/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TICKET_MS      (30 * 60 * 1000)
#define FAIL_WINDOW_MS (15 * 60 * 1000)
#define FAIL_MAX       5

#define SHARE_FROM "storage_shares s JOIN storage_files f ON f.id = s.file_id"
#define SHARE_COLS                                                                                           \
    "s.id, s.file_id, s.org_id, s.token_enc, s.password_hash, s.expires_at, s.max_downloads, s.downloads, "  \
    "s.note, s.created_by, s.created_at, s.revoked_at, f.name, f.title, f.size, f.deleted_at, "              \
    "(SELECT name FROM users WHERE id = s.created_by)"
static const res_sort_t SHARE_SORTS[] = {{"created_at", "s.created_at"},
                                         {"expires_at", "s.expires_at"},
                                         {"downloads", "s.downloads"},
                                         {NULL, NULL}};
const zd_resource_t STORAGE_SHARES = {.name = "storage_share",
                                      .title = "分享链接",
                                      .table = "storage_shares",
                                      .alias = "s",
                                      .from = SHARE_FROM,
                                      .org_col = "s.org_id",
                                      .creator_col = "s.created_by",
                                      .perm = "storage.share",
                                      .sorts = SHARE_SORTS};

static const char *share_status(db_stmt_t *st, int64_t now)
{
    if (!db_col_is_null(st, 11) || !db_col_is_null(st, 15))
        return "revoked";
    if (!db_col_is_null(st, 5) && db_col_int64(st, 5) <= now)
        return "expired";
    if (!db_col_is_null(st, 6) && db_col_int64(st, 7) >= db_col_int64(st, 6))
        return "exhausted";
    return "active";
}

static json_t *share_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    char *token = crypto_open(db_col_text(st, 3));
    json_t *o = json_pack(
        "{s:I,s:I,s:I,s:s?,s:b,s:o,s:o,s:I,s:o,s:I,s:o,s:o,s:s,s:s,s:I,s:o,s:s}", "id",
        (json_int_t)db_col_int64(st, 0), "file_id", (json_int_t)db_col_int64(st, 1), "org_id",
        (json_int_t)db_col_int64(st, 2), "token", token, "has_password", !db_col_is_null(st, 4), "expires_at",
        db_col_is_null(st, 5) ? json_null() : json_time(db_col_int64(st, 5)), "max_downloads",
        db_col_is_null(st, 6) ? json_null() : json_integer(db_col_int64(st, 6)), "downloads",
        (json_int_t)db_col_int64(st, 7), "note", json_text_or_null(db_col_text(st, 8)), "created_by",
        (json_int_t)db_col_int64(st, 9), "created_at", json_time(db_col_int64(st, 10)), "revoked_at",
        db_col_is_null(st, 11) ? json_null() : json_time(db_col_int64(st, 11)), "file_name",
        db_col_text(st, 12), "file_title", db_col_text(st, 13), "file_size", (json_int_t)db_col_int64(st, 14),
        "created_by_name", json_text_or_null(db_col_text(st, 16)), "status", share_status(st, time_now_ms()));
    free(token);
    return o;
}

/* ---- managing ---- */

static const char *check_future(json_t *v)
{
    int64_t ms;
    if (json_is_string(v) && time_parse_iso8601(json_string_value(v), &ms)) {
        if (ms <= time_now_ms())
            return "应为将来的时间";
        if (ms > time_now_ms() + storage_cfg.share_max_days * 86400000)
            return "有效期太长";
    }
    return NULL;
}

static void create_share(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *f = http_defer_json(
        req, res_load(req, c, &STORAGE_FILES, STORAGE_FILE_COLS, id, storage_file_row, NULL, RES_PLAIN));
    if (!f)
        return;
    json_t *b = http_json_body(req);
    char token[33], hash[65], pwhash[256] = "";
    crypto_random_hex(16, token);
    crypto_sha256_hex(token, strlen(token), hash);
    const char *pw = jstr(b, "password");
    if (pw && pw[0] && password_hash(pw, pwhash, sizeof pwhash) != 0) {
        http_error(req, 500, "internal", "无法保存提取码");
        return;
    }
    char *sealed = crypto_seal(token);
    int64_t now = time_now_ms(), exp = 0;
    if (jstr(b, "expires_at"))
        time_parse_iso8601(jstr(b, "expires_at"), &exp);
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO storage_shares (file_id, org_id, token_hash, token_enc, password_hash, "
                      "expires_at, max_downloads, note, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, "
                      "?, ?, ?, ?) RETURNING id");
    int64_t sid = 0;
    if (st && sealed) {
        db_bind_int64(st, 1, id);
        db_bind_int64(st, 2, jint(f, "org_id", 0));
        db_bind_text(st, 3, hash);
        db_bind_text(st, 4, sealed);
        db_bind_text(st, 5, pwhash[0] ? pwhash : NULL);
        db_bind_id(st, 6, exp);
        db_bind_id(st, 7, jint(b, "max_downloads", 0));
        db_bind_text(st, 8, jstr(b, "note"));
        db_bind_int64(st, 9, http_user_id(req));
        db_bind_int64(st, 10, now);
        if (db_step(st) == DB_ROW)
            sid = db_col_int64(st, 0);
    }
    db_done(st);
    free(sealed);
    if (!sid) {
        http_db_error(req, c);
        return;
    }
    json_t *o = res_load(req, c, &STORAGE_SHARES, SHARE_COLS, sid, share_row, NULL, RES_PLAIN);
    /* the record names the link, never its token or password */
    json_t *after = o ? json_pack("{s:I,s:O,s:O,s:O,s:O}", "file_id", (json_int_t)id, "has_password",
                                  json_object_get(o, "has_password"), "expires_at",
                                  json_object_get(o, "expires_at"), "max_downloads",
                                  json_object_get(o, "max_downloads"), "note", json_object_get(o, "note"))
                      : NULL;
    http_defer_json(req, after);
    audit_entry_t ae = {.target = sid, .after = after, .detail = jstr(f, "name")};
    audit_reply(req, c, o != NULL, &ae, 201, o);
}

static const char *const SHARE_STATUSES[] = {"active", "expired", "exhausted", "revoked", NULL};

static void list_shares(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &STORAGE_SHARES, &w);
    int64_t file = http_query_i64(req, "file_id", 0);
    if (file) {
        qb_sql(&w, " AND s.file_id = ");
        qb_int(&w, file);
    }
    const char *status = http_query(req, "status");
    int64_t now = time_now_ms();
    if (status && !strcmp(status, "revoked"))
        qb_sql(&w, " AND (s.revoked_at IS NOT NULL OR f.deleted_at IS NOT NULL)");
    else if (status) {
        qb_sql(&w, " AND s.revoked_at IS NULL AND f.deleted_at IS NULL");
        if (!strcmp(status, "expired")) {
            qb_sql(&w, " AND s.expires_at <= ");
            qb_int(&w, now);
        } else if (!strcmp(status, "exhausted")) {
            qb_sql(&w, " AND (s.expires_at IS NULL OR s.expires_at > ");
            qb_int(&w, now);
            qb_sql(&w, ") AND s.max_downloads IS NOT NULL AND s.downloads >= s.max_downloads");
        } else {
            qb_sql(&w, " AND (s.expires_at IS NULL OR s.expires_at > ");
            qb_int(&w, now);
            qb_sql(&w, ") AND (s.max_downloads IS NULL OR s.downloads < s.max_downloads)");
        }
    }
    res_list(req, c, &STORAGE_SHARES, SHARE_COLS, &w, "s.created_at DESC, s.id DESC", share_row, NULL);
    qb_free(&w);
}

static void revoke_share(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = http_defer_json(
        req, res_load(req, c, &STORAGE_SHARES, SHARE_COLS, id, share_row, NULL, RES_FOR_UPDATE));
    if (!before)
        return;
    json_object_del(before, "token");
    qb_t q;
    qb_init(&q, "UPDATE storage_shares SET revoked_at = ");
    qb_int(&q, time_now_ms());
    qb_sql(&q, ", revoked_by = ");
    qb_int(&q, http_user_id(req));
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND revoked_at IS NULL");
    if (!res_transition(req, c, &q, "分享链接已被撤销"))
        return;
    json_t *after = res_load(req, c, &STORAGE_SHARES, SHARE_COLS, id, share_row, NULL, RES_PLAIN);
    audit_entry_t ae = {.target = id, .before = before, .detail = jstr(before, "file_name")};
    audit_reply(req, c, after != NULL, &ae, 200, after);
}

/* ---- visitors ---- */

typedef struct {
    int64_t id, file_id, expires_at, max_downloads, downloads, fail_count, fail_since, locked_until;
    bool has_password, revoked, file_deleted;
    char pwhash[256];
} share_t;

/* The share of the path's {token}: true, or false after answering 404/410. */
static bool find_share(http_req_t *req, db_conn_t *c, share_t *s)
{
    const char *token = http_param(req, "token");
    size_t n = token ? strlen(token) : 0;
    bool ok = n == 32 && strspn(token, "0123456789abcdef") == 32;
    int rc = DB_DONE;
    if (ok) {
        char hash[65];
        crypto_sha256_hex(token, n, hash);
        db_stmt_t *st =
            db_prepare(c, "SELECT s.id, s.file_id, s.expires_at, s.max_downloads, s.downloads, "
                          "s.fail_count, s.fail_since, s.locked_until, s.password_hash, s.revoked_at, "
                          "f.deleted_at FROM storage_shares s JOIN storage_files f ON f.id = s.file_id "
                          "WHERE s.token_hash = ?");
        rc = st ? DB_ERROR : DB_ERROR;
        if (st) {
            db_bind_text(st, 1, hash);
            rc = db_step(st);
            if (rc == DB_ROW) {
                memset(s, 0, sizeof *s);
                s->id = db_col_int64(st, 0);
                s->file_id = db_col_int64(st, 1);
                s->expires_at = db_col_is_null(st, 2) ? 0 : db_col_int64(st, 2);
                s->max_downloads = db_col_is_null(st, 3) ? 0 : db_col_int64(st, 3);
                s->downloads = db_col_int64(st, 4);
                s->fail_count = db_col_int64(st, 5);
                s->fail_since = db_col_is_null(st, 6) ? 0 : db_col_int64(st, 6);
                s->locked_until = db_col_is_null(st, 7) ? 0 : db_col_int64(st, 7);
                s->has_password = !db_col_is_null(st, 8);
                if (s->has_password)
                    str_lcpy(s->pwhash, db_col_text(st, 8), sizeof s->pwhash);
                s->revoked = !db_col_is_null(st, 9);
                s->file_deleted = !db_col_is_null(st, 10);
            }
        }
        db_done(st);
    }
    if (rc == DB_ERROR) {
        http_db_error(req, c);
        return false;
    }
    if (!ok || rc != DB_ROW) {
        http_error(req, 404, "share_not_found", "分享链接不存在");
        return false;
    }
    if (s->revoked || s->file_deleted) {
        http_error(req, 410, "share_revoked", "分享链接已失效（已撤销或文件已删除）");
        return false;
    }
    if (s->expires_at && s->expires_at <= time_now_ms()) {
        http_error(req, 410, "share_expired", "分享链接已过期");
        return false;
    }
    return true;
}

static json_t *file_of(http_req_t *req, db_conn_t *c, int64_t file_id)
{
    qb_t q;
    qb_init(&q,
            "SELECT " STORAGE_FILE_COLS " FROM " STORAGE_FILE_FROM " WHERE f.deleted_at IS NULL AND f.id = ");
    qb_int(&q, file_id);
    db_stmt_t *st = qb_prepare(c, &q);
    qb_free(&q);
    int rc = st ? db_step(st) : DB_ERROR;
    json_t *f = rc == DB_ROW ? http_defer_json(req, storage_file_row(st, NULL)) : NULL;
    db_done(st);
    if (rc == DB_ERROR)
        http_db_error(req, c);
    else if (!f)
        http_error(req, 410, "share_revoked", "分享的文件已删除");
    return f;
}

static void share_info(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    share_t s;
    if (!c || !find_share(req, c, &s))
        return;
    if (s.max_downloads && s.downloads >= s.max_downloads) {
        http_error(req, 410, "share_exhausted", "分享链接的下载次数已用完");
        return;
    }
    json_t *f = file_of(req, c, s.file_id);
    if (!f)
        return;
    json_t *o = json_pack(
        "{s:O,s:O,s:O,s:O,s:b,s:o,s:o,s:O}", "name", json_object_get(f, "name"), "title",
        json_object_get(f, "title"), "size", json_object_get(f, "size"), "mime", json_object_get(f, "mime"),
        "needs_password", s.has_password, "expires_at", s.expires_at ? json_time(s.expires_at) : json_null(),
        "downloads_left",
        s.max_downloads ? json_integer(s.max_downloads > s.downloads ? s.max_downloads - s.downloads : 0)
                        : json_null(),
        "purpose", json_object_get(f, "purpose"));
    http_json(req, 200, o);
}

static void ticket_for(int64_t share_id, int64_t exp, char *out, size_t outsz)
{
    char data[80], mac[65];
    int n = snprintf(data, sizeof data, "share-ticket|%lld|%lld", (long long)share_id, (long long)exp);
    crypto_ticket_mac_hex(data, (size_t)n, mac);
    snprintf(out, outsz, "%lld.%s", (long long)exp, mac);
}

static bool ticket_ok(int64_t share_id, const char *t)
{
    if (!t)
        return false;
    const char *dot = strchr(t, '.');
    char num[24];
    if (!dot || dot - t >= (ptrdiff_t)sizeof num)
        return false;
    memcpy(num, t, (size_t)(dot - t));
    num[dot - t] = 0;
    int64_t exp;
    if (!str_to_int64(num, &exp) || exp < time_now_ms())
        return false;
    char want[120];
    ticket_for(share_id, exp, want, sizeof want);
    return strlen(want) == strlen(t) && str_ct_equal(want, t, strlen(t));
}

static int record_failure(db_conn_t *c, share_t *s, int64_t now)
{
    bool fresh = !s->fail_since || now - s->fail_since > FAIL_WINDOW_MS;
    int64_t count = fresh ? 1 : s->fail_count + 1;
    db_stmt_t *st =
        db_prepare(c, "UPDATE storage_shares SET fail_count = ?, fail_since = ?, locked_until = ? "
                      "WHERE id = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, count);
    db_bind_int64(st, 2, fresh ? now : s->fail_since);
    db_bind_id(st, 3, count >= FAIL_MAX ? now + FAIL_WINDOW_MS : 0);
    db_bind_int64(st, 4, s->id);
    int rc = db_step(st);
    db_done(st);
    s->fail_count = count;
    return rc == DB_DONE ? 0 : -1;
}

static void unlock_share(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    share_t s;
    if (!c || !find_share(req, c, &s))
        return;
    int64_t now = time_now_ms();
    if (s.locked_until > now) {
        char retry[24];
        snprintf(retry, sizeof retry, "%lld", (long long)((s.locked_until - now) / 1000 + 1));
        http_add_header(req, "Retry-After", retry);
        http_error(req, 429, "share_locked", "提取码错误次数过多，请 %lld 分钟后再试",
                   (long long)((s.locked_until - now) / 60000 + 1));
        return;
    }
    const char *pw = jstr(http_json_body(req), "password");
    bool good = !s.has_password || (pw && password_verify(s.pwhash, pw));
    if (!s.has_password && pw)
        password_dummy_verify(pw);
    if (!good) {
        if (record_failure(c, &s, now) != 0) {
            http_db_error(req, c);
            return;
        }
        log_rec_t r;
        log_begin(&r, LOG_SECURITY, LOG_WARN, "storage.share_password_wrong");
        log_int(&r, "share", s.id);
        log_str(&r, "ip", http_client_ip(req));
        log_int(&r, "failures", s.fail_count);
        log_end(&r);
        http_error(req, 403, "share_password_wrong", "提取码不正确%s",
                   s.fail_count >= FAIL_MAX ? "，链接已暂时锁定 15 分钟" : "");
        return;
    }
    char t[120];
    ticket_for(s.id, now + TICKET_MS, t, sizeof t);
    http_json(req, 200, json_pack("{s:s,s:o}", "ticket", t, "expires_at", json_time(now + TICKET_MS)));
}

static void share_content(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    share_t s;
    if (!c || !find_share(req, c, &s))
        return;
    if (s.has_password && !ticket_ok(s.id, http_query(req, "ticket"))) {
        http_error(req, 403, "share_password_required", "请先输入提取码");
        return;
    }
    json_t *f = file_of(req, c, s.file_id);
    if (!f)
        return;
    const char *range = http_header_in(req, "Range");
    bool start = !range || str_starts_with(range, "bytes=0-");
    bool head = !strcmp(http_method(req), "HEAD");
    if (s.max_downloads && !head) {
        /* a download that starts takes one of the allowed; its later
         * ranges (a resumed download) ride on it */
        db_stmt_t *st =
            db_prepare(c, start ? "UPDATE storage_shares SET downloads = downloads + 1 WHERE id = ? AND "
                                  "downloads < max_downloads"
                                : "UPDATE storage_shares SET downloads = downloads WHERE id = ? AND "
                                  "downloads > 0 AND downloads <= max_downloads");
        int rc = DB_ERROR;
        if (st) {
            db_bind_int64(st, 1, s.id);
            rc = db_step(st);
        }
        db_done(st);
        if (rc != DB_DONE) {
            http_db_error(req, c);
            return;
        }
        if (db_changes(c) != 1) {
            http_error(req, 410, "share_exhausted", "分享链接的下载次数已用完");
            return;
        }
    } else if (start && !head) {
        db_stmt_t *st = db_prepare(c, "UPDATE storage_shares SET downloads = downloads + 1 WHERE id = ?");
        if (st) {
            db_bind_int64(st, 1, s.id);
            db_step(st);
        }
        db_done(st);
    }
    storage_send_file_json(req, f, false, s.id);
}

/* ---- routes ---- */

static const vfield_t SHARE_NEW[] = {
    {"password", V_STR, false, 4, 32, NULL, NULL, "提取码（4 到 32 个字符；不填则无需提取码）"},
    {"expires_at", V_TIME, false, 0, 0, NULL, check_future, "有效期至（不填则长期有效）"},
    {"max_downloads", V_INT, false, 1, 100000, NULL, NULL, "最多下载次数（不填则不限）"},
    {"note", V_STR, false, 0, 200, NULL, NULL, "备注"},
};
static const vfield_t SHARE_QUERY[] = {
    {"file_id", V_ID, .title = "文件"},
    {"status", V_ENUM, .choices = SHARE_STATUSES, .title = "状态"},
};
static const vfield_t SHARE_OUT[] = {
    {"id", V_ID},
    {"file_id", V_ID},
    {"token", V_STR},
    {"has_password", V_BOOL},
    {"expires_at", V_TIME},
    {"max_downloads", V_INT},
    {"downloads", V_INT},
    {"note", V_STR},
    {"status", V_ENUM, .choices = SHARE_STATUSES},
    {"file_name", V_STR},
    {"created_by_name", V_STR},
    {"created_at", V_TIME},
    {"revoked_at", V_TIME},
};
static const vfield_t UNLOCK[] = {{"password", V_STR, false, 0, 64, NULL, NULL, "提取码"}};
static const vfield_t TICKET_QUERY[] = {{"ticket", V_STR, .max = 120, .title = "输入提取码后得到的凭据"}};

// clang-format off
static const http_route_t routes[] = {
    {.method = "POST", .pattern = "/api/v1/storage/files/{id}/shares", .handler = create_share,
     .perm = "storage.share", .summary = "创建分享链接", .audit = "storage.share.create", .resource = &STORAGE_FILES,
     HTTP_BODY(SHARE_NEW), HTTP_OUT(SHARE_OUT), .status = 201,
     .notes = "the token is the link's secret: /api/v1/public/shares/{token}"},
    {.method = "GET", .pattern = "/api/v1/storage/shares", .handler = list_shares, .perm = "storage.share",
     .flags = HTTP_LIST, .summary = "分享链接列表", .resource = &STORAGE_SHARES, HTTP_QUERY(SHARE_QUERY),
     HTTP_OUT(SHARE_OUT)},
    {.method = "POST", .pattern = "/api/v1/storage/shares/{id}/revoke", .handler = revoke_share,
     .perm = "storage.share", .summary = "撤销分享链接", .audit = "storage.share.revoke",
     .resource = &STORAGE_SHARES, HTTP_OUT(SHARE_OUT), .notes = "409 when already revoked"},
    {.method = "GET", .pattern = "/api/v1/public/shares/{token}", .handler = share_info, .perm = HTTP_ANYONE,
     .flags = HTTP_PUBLIC, .summary = "分享链接信息（免登录）",
     .notes = "404 share_not_found; 410 share_revoked, share_expired"},
    {.method = "POST", .pattern = "/api/v1/public/shares/{token}/unlock", .handler = unlock_share,
     .perm = HTTP_ANYONE, .flags = HTTP_PUBLIC | HTTP_NO_CSRF | HTTP_NO_AUDIT, .summary = "输入提取码（免登录）",
     HTTP_BODY(UNLOCK),
     .notes = "→ {ticket} valid 30 minutes; 403 share_password_wrong; 429 share_locked after 5 wrong in 15 min. "
              "Not audited (no account): failures go to the security log"},
    {.method = "GET", .pattern = "/api/v1/public/shares/{token}/content", .handler = share_content,
     .perm = HTTP_ANYONE, .flags = HTTP_PUBLIC | HTTP_DOWNLOAD, .summary = "通过分享链接下载（免登录）",
     HTTP_QUERY(TICKET_QUERY),
     .notes = "403 share_password_required without a valid ticket; 410 share_exhausted when the limit is "
              "reached; Range and ETag as for downloads"},
};
// clang-format on

int storage_share_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
