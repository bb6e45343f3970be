/* bigdata.c — synchronisation with the city big-data center (M7): the
 * signed HTTP client (HMAC-SM3, docs/bigdata-protocol.md), the pull of
 * grids by cursor (one transaction per page with the new cursor), the push
 * of the sites' outbox with backoff, the run log and the outage alert.
 * Runs on job worker threads ("grid.bigdata_sync"), never on the HTTP
 * threads; one run at a time (a lease in bigdata_settings). */
#include "modules/grid/bigdata.h"
#include "core/crypto.h"
#include "core/curldl.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "geo/proj.h"
#include "http/valid.h"
#include "jobs/jobs.h"
#include "modules/grid/internal.h"
#include "modules/notify/notify.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LEASE_MS    (30 * 60 * 1000)
#define MAX_DETAILS 100
#define PUSH_BATCH  200

/* ---- settings ---- */

void bd_conf_free(bd_conf_t *cf)
{
    if (cf && cf->secret) {
        memset(cf->secret, 0, strlen(cf->secret));
        free(cf->secret);
        cf->secret = NULL;
    }
}

int bd_conf_load(db_conn_t *c, bd_conf_t *cf)
{
    memset(cf, 0, sizeof *cf);
    db_stmt_t *st = db_prepare(c, "SELECT enabled, base_url, app_key, secret_sealed, sign_method, timeout_s, "
                                  "page_size, interval_min, alert_after_min, pull_cursor, last_run_at, "
                                  "unreachable_since, alerted_at, crs FROM bigdata_settings WHERE id = 1");
    if (!st)
        return -1;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        cf->enabled = db_col_int64(st, 0) != 0;
        snprintf(cf->base_url, sizeof cf->base_url, "%s", db_col_text(st, 1) ? db_col_text(st, 1) : "");
        snprintf(cf->app_key, sizeof cf->app_key, "%s", db_col_text(st, 2) ? db_col_text(st, 2) : "");
        cf->has_secret = !db_col_is_null(st, 3);
        cf->secret = cf->has_secret ? crypto_open(db_col_text(st, 3)) : NULL;
        snprintf(cf->sign_method, sizeof cf->sign_method, "%s", db_col_text(st, 4));
        cf->timeout_s = (int)db_col_int64(st, 5);
        cf->page_size = (int)db_col_int64(st, 6);
        cf->interval_min = (int)db_col_int64(st, 7);
        cf->alert_after_min = (int)db_col_int64(st, 8);
        snprintf(cf->cursor, sizeof cf->cursor, "%s", db_col_text(st, 9) ? db_col_text(st, 9) : "");
        cf->last_run_at = db_col_int64(st, 10);
        cf->unreachable_since = db_col_int64(st, 11);
        cf->alerted_at = db_col_int64(st, 12);
        cf->crs = geo_crs_from_name(db_col_text(st, 13) ? db_col_text(st, 13) : "", NULL, 0);
    }
    db_done(st);
    return rc == DB_ROW ? 0 : -1;
}

/* ---- signing and the HTTP client ---- */

void bd_sign(const char *method_name, const char *secret, const char *verb, const char *path,
             const char *timestamp, const char *nonce, const char *body, size_t len, char digest[65],
             char sig[65])
{
    bool sm3 = strcmp(method_name, "HMAC-SHA256") != 0;
    if (sm3)
        crypto_sm3_hex(body ? body : "", body ? len : 0, digest);
    else
        crypto_sha256_hex(body ? body : "", body ? len : 0, digest);
    sbuf_t s;
    sbuf_init(&s);
    sbuf_printf(&s, "%s\n%s\n%s\n%s\n%s", verb, path, timestamp, nonce, digest);
    if (sm3)
        crypto_hmac_sm3_hex(secret, strlen(secret), s.data, s.len, sig);
    else
        crypto_hmac_sha256_hex(secret, strlen(secret), s.data, s.len, sig);
    sbuf_free(&s);
}

static pthread_once_t g_curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    sbuf_t *b = ud;
    if (b->len + sz * n > (64u << 20))
        return 0; /* a page larger than 64 MB is not a page */
    sbuf_append(b, p, sz * n);
    return sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    bd_resp_t *r = ud;
    size_t len = sz * n;
    if (len > 12 && !strncasecmp(p, "Retry-After:", 12))
        r->retry_after = atoi(p + 12);
    return len;
}

void bd_resp_free(bd_resp_t *r)
{
    if (r) {
        free(r->body);
        r->body = NULL;
    }
}

/* the path part of base_url (after the host), "" when none */
static const char *base_path(const char *base)
{
    const char *p = strstr(base, "://");
    p = p ? strchr(p + 3, '/') : NULL;
    return p ? p : "";
}

static int request_once(const bd_conf_t *cf, const char *verb, const char *pathq, const char *body,
                        const char *idem, bd_resp_t *r)
{
    pthread_once(&g_curl_once, curl_init_once);
    memset(r, 0, sizeof *r);
    char url[2048], sign_path[2048], ts[24], nonce[33], digest[65], sig[65];
    size_t blen = body ? strlen(body) : 0;
    snprintf(url, sizeof url, "%s%s", cf->base_url, pathq);
    char bp[1024];
    snprintf(bp, sizeof bp, "%s", base_path(cf->base_url));
    size_t bl = strlen(bp);
    if (bl && bp[bl - 1] == '/')
        bp[bl - 1] = 0;
    snprintf(sign_path, sizeof sign_path, "%s%s", bp, pathq);
    if (bl && cf->base_url[strlen(cf->base_url) - 1] == '/') /* no double slash in the URL */
        snprintf(url, sizeof url, "%.*s%s", (int)(strlen(cf->base_url) - 1), cf->base_url, pathq);
    snprintf(ts, sizeof ts, "%lld", (long long)(time_now_ms() / 1000));
    crypto_random_hex(16, nonce);
    bd_sign(cf->sign_method, cf->secret ? cf->secret : "", verb, sign_path, ts, nonce, body, blen, digest,
            sig);
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(r->err, sizeof r->err, "无法初始化 HTTP 客户端");
        return -1;
    }
    struct curl_slist *hd = NULL;
    char line[1200];
    snprintf(line, sizeof line, "X-Zd-App-Key: %s", cf->app_key);
    hd = curl_slist_append(hd, line);
    snprintf(line, sizeof line, "X-Zd-Timestamp: %s", ts);
    hd = curl_slist_append(hd, line);
    snprintf(line, sizeof line, "X-Zd-Nonce: %s", nonce);
    hd = curl_slist_append(hd, line);
    snprintf(line, sizeof line, "X-Zd-Content-Digest: %s", digest);
    hd = curl_slist_append(hd, line);
    snprintf(line, sizeof line, "X-Zd-Signature-Method: %s", cf->sign_method);
    hd = curl_slist_append(hd, line);
    snprintf(line, sizeof line, "X-Zd-Signature: %s", sig);
    hd = curl_slist_append(hd, line);
    hd = curl_slist_append(hd, "Accept: application/json");
    if (body)
        hd = curl_slist_append(hd, "Content-Type: application/json");
    if (idem) {
        snprintf(line, sizeof line, "Idempotency-Key: %s", idem);
        hd = curl_slist_append(hd, line);
    }
    sbuf_t out;
    sbuf_init(&out);
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)(cf->timeout_s > 0 ? cf->timeout_s : 20));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
                     (long)(cf->timeout_s > 0 && cf->timeout_s < 10 ? cf->timeout_s : 10));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, verb);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
    }
    CURLcode cc = curl_easy_perform(h);
    int rc = 0;
    if (cc != CURLE_OK) {
        snprintf(r->err, sizeof r->err, "无法连接大数据中心：%s%s%s", curl_easy_strerror(cc),
                 errbuf[0] ? "：" : "", errbuf);
        rc = -1;
        sbuf_free(&out);
    } else {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
        r->body = out.data ? out.data : strdup("");
        r->len = out.len;
    }
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
    return rc;
}

int bd_request(const bd_conf_t *cf, const char *verb, const char *pathq, const char *body, const char *idem,
               bd_resp_t *r)
{
    for (int tries = 0;; tries++) {
        int rc = request_once(cf, verb, pathq, body, idem, r);
        if (rc != 0 || r->status != 429 || tries >= 3)
            return rc;
        int wait = r->retry_after > 0 ? r->retry_after : 1;
        bd_resp_free(r);
        sleep((unsigned)(wait > 30 ? 30 : wait));
    }
}

/* "code: message" of an error answer into out */
void bd_resp_error(const bd_resp_t *r, char *out, size_t n)
{
    json_t *j = json_loads(r->body ? r->body : "", 0, NULL);
    const char *code = json_string_value(json_object_get(j, "code"));
    const char *msg = json_string_value(json_object_get(j, "message"));
    if (r->status == 401)
        snprintf(out, n, "签名验证失败（HTTP 401%s%s）", msg ? "：" : "", msg ? msg : "");
    else
        snprintf(out, n, "大数据中心答复 HTTP %ld%s%s%s%s", r->status, code ? "：" : "", code ? code : "",
                 msg ? " " : "", msg ? msg : "");
    json_decref(j);
}

/* ---- one run ---- */

typedef struct {
    int64_t run_id, user;
    int pulled, changed, pushed, failed, flagged;
    int crs;         /* EPSG code of the center's geometries */
    json_t *details; /* [{code|external_id, reason}] */
    bool unreachable;
    char error[600];
} run_t;

static void note(run_t *run, const char *key, const char *val, const char *reason)
{
    if (json_array_size(run->details) < MAX_DETAILS)
        json_array_append_new(run->details, json_pack("{s:s,s:s}", key, val ? val : "", "reason", reason));
}

static int64_t city_org(db_conn_t *c)
{
    int64_t id = 0;
    if (db_query_int64(c, "SELECT id FROM orgs WHERE type = 'city' ORDER BY id LIMIT 1", &id) < 0)
        return -1;
    return id;
}

static int flag_site_of(db_conn_t *c, int64_t grid)
{
    db_stmt_t *st = db_prepare(c, "UPDATE sites SET location_flag = 'grid_deleted' WHERE grid_id = ? AND "
                                  "deleted_at IS NULL");
    if (!st)
        return -1;
    db_bind_int64(st, 1, grid);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? (int)db_changes(c) : -1;
}

/* What a page needs from the database, read in three queries rather than
 * two per grid: the live grids of the page's codes {code: [id, name, org,
 * geometry, attributes]} and the district or street of each org_code
 * {code: id}, from the code mapping (bigdata_org_map) first, then from the
 * organisations' own codes. */
typedef struct {
    json_t *grids, *orgs;
} page_ctx_t;

/* one query of pass (0 grids, 1 mapped organisation codes, 2 organisations'
 * own codes) for items [from, to) */
static int preload_some(db_conn_t *c, json_t *items, size_t from, size_t to, int pass, page_ctx_t *pc)
{
    qb_t q;
    qb_init(
        &q,
        pass == 2
            ? "SELECT code, id FROM orgs WHERE status = 'active' AND type IN ('district', 'street') AND "
              "code IN ("
        : pass
            ? "SELECT m.code, m.org_id FROM bigdata_org_map m JOIN orgs o ON o.id = m.org_id WHERE "
              "o.status = 'active' AND o.type IN ('district', 'street') AND m.code IN ("
            : "SELECT code, id, name, org_id, geometry, attributes FROM grids WHERE deleted_at IS NULL AND "
              "code IN (");
    size_t n = 0;
    for (size_t i = from; i < to; i++) {
        const char *v =
            json_string_value(json_object_get(json_array_get(items, i), pass ? "org_code" : "code"));
        if (!v || strlen(v) > 64 || (pass && json_object_get(pc->orgs, v)))
            continue;
        qb_sql(&q, n++ ? ", " : "");
        qb_text(&q, v);
    }
    if (!n) {
        qb_free(&q);
        return 0;
    }
    qb_sql(&q, ")");
    db_stmt_t *st = qb_prepare(c, &q);
    qb_free(&q);
    if (!st)
        return -1;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (pass)
            json_object_set_new(pc->orgs, db_col_text(st, 0), json_integer(db_col_int64(st, 1)));
        else
            json_object_set_new(pc->grids, db_col_text(st, 0),
                                json_pack("[I,s,I,o,o]", (json_int_t)db_col_int64(st, 1), db_col_text(st, 2),
                                          (json_int_t)db_col_int64(st, 3),
                                          json_parse_or_null(db_col_text(st, 4)),
                                          json_parse_or_null(db_col_text(st, 5))));
    }
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

static int preload(db_conn_t *c, json_t *items, page_ctx_t *pc)
{
    pc->grids = json_object();
    pc->orgs = json_object();
    size_t n = json_array_size(items);
    for (size_t i = 0; i < n; i += 40) /* qb binds at most 48 values */
        for (int pass = 0; pass < 3; pass++)
            if (preload_some(c, items, i, i + 40 < n ? i + 40 : n, pass, pc) != 0)
                return -1;
    return 0;
}

static int count_flags(db_conn_t *c, int64_t grid, int64_t *n)
{
    db_stmt_t *st = db_prepare(c, "SELECT COUNT(*) FROM sites WHERE grid_id = ? AND deleted_at IS NULL AND "
                                  "location_flag IS NOT NULL");
    if (!st)
        return -1;
    db_bind_int64(st, 1, grid);
    int rc = db_step(st);
    *n = rc == DB_ROW ? db_col_int64(st, 0) : 0;
    db_done(st);
    return rc == DB_ROW ? 0 : -1;
}

/* Applies one grid of a page: 1 changed, 0 unchanged or refused (noted), -1 db error. */
static int apply_grid(db_conn_t *c, run_t *run, page_ctx_t *pc, json_t *it)
{
    const char *code = json_string_value(json_object_get(it, "code"));
    if (!code || !*code || strlen(code) > 64) {
        run->failed++;
        note(run, "code", code, "缺少网格编码 code（最长 64 字）");
        return 0;
    }
    json_t *old = json_object_get(pc->grids, code);
    int64_t existing = old ? json_integer_value(json_array_get(old, 0)) : 0;
    if (json_is_true(json_object_get(it, "deleted"))) {
        if (!existing)
            return 0;
        int64_t now = time_now_ms();
        db_stmt_t *st = db_prepare(c, "UPDATE grids SET deleted_at = ?, updated_at = ? WHERE id = ?");
        if (!st)
            return -1;
        db_bind_int64(st, 1, now);
        db_bind_int64(st, 2, now);
        db_bind_int64(st, 3, existing);
        int rc = db_step(st);
        db_done(st);
        int f = rc == DB_DONE && grid_outline_mark(c, existing) == 0 ? flag_site_of(c, existing) : -1;
        if (f < 0)
            return -1;
        run->flagged += f;
        json_object_del(pc->grids, code);
        return 1;
    }
    const char *name = json_string_value(json_object_get(it, "name"));
    const char *oc = json_string_value(json_object_get(it, "org_code"));
    if (!name || !*name || utf8_count(name, strlen(name)) > 100) {
        run->failed++;
        note(run, "code", code, "缺少网格名称 name（最长 100 字）");
        return 0;
    }
    int64_t org = oc ? json_integer_value(json_object_get(pc->orgs, oc)) : 0;
    if (!org) {
        run->failed++;
        note(run, "code", code, "org_code 不是本系统中的区或街道组织编码，也不在编码对照中");
        return 0;
    }
    char why[512];
    json_t *geom = json_object_get(it, "geometry"), *conv = NULL;
    if (run->crs != 4326 && run->crs != 4490) { /* into lon/lat before it is checked (geo/proj.h) */
        conv = geo_proj_geometry(geom, run->crs, why, sizeof why);
        if (!conv) {
            run->failed++;
            note(run, "code", code, why);
            return 0;
        }
        geom = conv;
    }
    geo_shape_t *shape = geo_from_geojson(geom, why, sizeof why);
    json_decref(conv);
    if (!shape) {
        run->failed++;
        note(run, "code", code, why);
        return 0;
    }
    json_t *attrs = json_object_get(it, "attributes");
    attrs = json_is_object(attrs) && json_object_size(attrs) ? attrs : NULL;
    json_t *ng = geo_geojson(shape);
    int out = 1;
    if (old) {
        json_t *oa = json_array_get(old, 4);
        bool same = !strcmp(json_string_value(json_array_get(old, 1)), name) &&
                    json_integer_value(json_array_get(old, 2)) == org &&
                    json_equal(json_array_get(old, 3), ng) &&
                    (attrs ? json_equal(oa, attrs) : json_is_null(oa));
        if (same) {
            out = 0;
            goto done;
        }
    }
    grid_in_t in = {
        .code = code, .name = name, .org = org, .shape = shape, .attributes = attrs, .source = "bigdata"};
    int64_t before_flags = 0, now_flags = 0;
    if (existing && count_flags(c, existing, &before_flags) != 0) {
        out = -1;
        goto done;
    }
    int64_t id = grid_write(c, existing, &in, run->user);
    if (id <= 0 || (existing && count_flags(c, existing, &now_flags) != 0)) {
        out = -1;
        goto done;
    }
    if (now_flags > before_flags)
        run->flagged += (int)(now_flags - before_flags);
    /* the same code again later in the page compares with what was written */
    json_object_set_new(pc->grids, code,
                        json_pack("[I,s,I,O,o]", (json_int_t)id, name, (json_int_t)org, ng,
                                  attrs ? json_deep_copy(attrs) : json_null()));
done:
    json_decref(ng);
    geo_free(shape);
    return out;
}

/* One page: its grids and the next cursor in one transaction with its
 * audit record. 0, or -1 (run->error says why). */
static int apply_page(db_t *db, run_t *run, json_t *items, const char *next_cursor)
{
    db_conn_t *c = db_acquire(db);
    if (!c || db_begin(c) != 0) {
        db_release(c);
        snprintf(run->error, sizeof run->error, "数据库不可用");
        return -1;
    }
    page_ctx_t pc = {0};
    if (preload(c, items, &pc) != 0) {
        snprintf(run->error, sizeof run->error, "读取网格失败：%s", db_errmsg(c));
        json_decref(pc.grids);
        json_decref(pc.orgs);
        db_release(c);
        return -1;
    }
    size_t i;
    json_t *it;
    int changed = 0;
    json_t *codes = json_array();
    json_array_foreach(items, i, it)
    {
        int r = apply_grid(c, run, &pc, it);
        if (r < 0) {
            snprintf(run->error, sizeof run->error, "写入网格失败：%s", db_errmsg(c));
            json_decref(codes);
            json_decref(pc.grids);
            json_decref(pc.orgs);
            db_release(c);
            return -1;
        }
        if (r > 0) {
            changed++;
            if (json_array_size(codes) < 200)
                json_array_append_new(codes, json_string(json_string_value(json_object_get(it, "code"))));
        }
    }
    json_decref(pc.grids);
    json_decref(pc.orgs);
    db_stmt_t *st = db_prepare(c, "UPDATE bigdata_settings SET pull_cursor = ? WHERE id = 1");
    int rc = DB_ERROR;
    if (st) {
        db_bind_text(st, 1, next_cursor);
        rc = db_step(st);
    }
    db_done(st);
    int ok = rc == DB_DONE;
    if (ok && changed) {
        char detail[200];
        snprintf(detail, sizeof detail, "大数据中心同步网格：变更 %d 个（第 %lld 次同步）", changed,
                 (long long)run->run_id);
        json_t *after = json_pack("{s:I,s:i,s:o}", "run_id", (json_int_t)run->run_id, "changed", changed,
                                  "codes", json_incref(codes));
        audit_entry_t ae = {.action = "grid.bigdata_pull",
                            .target_type = "grid",
                            .detail = detail,
                            .after = after,
                            .actor_id = run->user,
                            .actor_name = run->user ? NULL : "system"};
        ok = audit_write(c, NULL, &ae) == 0;
        json_decref(after);
    }
    json_decref(codes);
    if (!ok || db_commit(c) != 0) {
        snprintf(run->error, sizeof run->error, "写入网格失败：%s", db_errmsg(c));
        db_release(c);
        return -1;
    }
    db_release(c);
    run->changed += changed;
    return 0;
}

static int pull(db_t *db, const bd_conf_t *cf0, run_t *run)
{
    bd_conf_t cf = *cf0; /* the cursor advances; the secret stays borrowed */
    for (int pages = 0; pages < 100000; pages++) {
        char *esc = curl_easy_escape(NULL, cf.cursor, 0);
        char pathq[1400];
        snprintf(pathq, sizeof pathq, "/v1/grids?cursor=%s&limit=%d", esc ? esc : "", cf.page_size);
        curl_free(esc);
        bd_resp_t r;
        if (bd_request(&cf, "GET", pathq, NULL, NULL, &r) != 0) {
            run->unreachable = true;
            snprintf(run->error, sizeof run->error, "%s", r.err);
            return -1;
        }
        if (r.status != 200) {
            run->unreachable = r.status >= 500 || r.status == 408;
            bd_resp_error(&r, run->error, sizeof run->error);
            bd_resp_free(&r);
            return -1;
        }
        json_error_t je;
        json_t *page = json_loadb(r.body, r.len, 0, &je);
        bd_resp_free(&r);
        json_t *items = json_object_get(page, "items");
        const char *next = json_string_value(json_object_get(page, "next_cursor"));
        if (!json_is_array(items) || !next || strlen(next) >= sizeof cf.cursor) {
            json_decref(page);
            snprintf(run->error, sizeof run->error,
                     "大数据中心的答复不符合协议（缺少 items 或 next_cursor）");
            return -1;
        }
        run->pulled += (int)json_array_size(items);
        int rc = apply_page(db, run, items, next);
        bool more = json_is_true(json_object_get(page, "has_more"));
        snprintf(cf.cursor, sizeof cf.cursor, "%s", next);
        json_decref(page);
        if (rc != 0)
            return -1;
        if (!more)
            return 0;
    }
    return 0;
}

/* ---- push ---- */

static int outbox_mark(db_t *db, int64_t id, const char *status, int attempts, int64_t next_at,
                       const char *err)
{
    db_conn_t *c = db_acquire(db);
    if (!c)
        return -1;
    int64_t now = time_now_ms();
    db_stmt_t *st =
        db_prepare(c, "UPDATE bigdata_outbox SET status = ?, attempts = ?, next_at = ?, last_error = ?, "
                      "updated_at = ?, sent_at = ? WHERE id = ?");
    int rc = DB_ERROR;
    if (st) {
        db_bind_text(st, 1, status);
        db_bind_int64(st, 2, attempts);
        db_bind_int64(st, 3, next_at);
        db_bind_text(st, 4, err);
        db_bind_int64(st, 5, now);
        if (!strcmp(status, "sent"))
            db_bind_int64(st, 6, now);
        else
            db_bind_null(st, 6);
        db_bind_int64(st, 7, id);
        rc = db_step(st);
    }
    db_done(st);
    db_release(c);
    return rc == DB_DONE ? 0 : -1;
}

int64_t bd_backoff_ms(int attempts)
{
    int64_t ms = 30000;
    for (int i = 1; i < attempts && ms < 3600000; i++)
        ms *= 2;
    return ms > 3600000 ? 3600000 : ms;
}

typedef struct {
    int64_t id;
    int attempts;
    char ext[40], key[40];
    char *payload;
} due_t;

static int push(db_t *db, const bd_conf_t *cf, run_t *run)
{
    for (int round = 0; round < 50; round++) {
        db_conn_t *c = db_acquire(db);
        if (!c)
            return -1;
        db_stmt_t *st =
            db_prepare(c, "SELECT id, attempts, external_id, change_key, payload FROM bigdata_outbox "
                          "WHERE status = 'pending' AND next_at <= ? ORDER BY id LIMIT 200");
        due_t *due = calloc(PUSH_BATCH, sizeof *due);
        int n = 0, rc = DB_ERROR;
        if (st && due) {
            db_bind_int64(st, 1, time_now_ms());
            while ((rc = db_step(st)) == DB_ROW && n < PUSH_BATCH) {
                due[n].id = db_col_int64(st, 0);
                due[n].attempts = (int)db_col_int64(st, 1);
                snprintf(due[n].ext, sizeof due[n].ext, "%s", db_col_text(st, 2));
                snprintf(due[n].key, sizeof due[n].key, "%s", db_col_text(st, 3));
                due[n].payload = strdup(db_col_text(st, 4));
                n++;
            }
        }
        db_done(st);
        db_release(c);
        int result = 0;
        bool stop = rc != DB_DONE && rc != DB_ROW;
        if (stop)
            snprintf(run->error, sizeof run->error, "读取待推送队列失败");
        for (int i = 0; i < n && !stop; i++) {
            char pathq[128], err[600];
            snprintf(pathq, sizeof pathq, "/v1/sites/%s", due[i].ext);
            bd_resp_t r;
            int att = due[i].attempts + 1;
            if (bd_request(cf, "PUT", pathq, due[i].payload, due[i].key, &r) != 0) {
                run->unreachable = true;
                run->failed++;
                snprintf(run->error, sizeof run->error, "%s", r.err);
                outbox_mark(db, due[i].id, "pending", att, time_now_ms() + bd_backoff_ms(att), r.err);
                stop = true; /* the center is down: the rest waits for the next run */
                break;
            }
            if (r.status == 200) {
                run->pushed++;
                outbox_mark(db, due[i].id, "sent", att, 0, NULL);
            } else {
                bd_resp_error(&r, err, sizeof err);
                run->failed++;
                /* a signature refused is the settings' fault, not the change's: it stays queued */
                bool transient = r.status >= 500 || r.status == 408 || r.status == 429 || r.status == 401;
                note(run, "external_id", due[i].ext, err);
                outbox_mark(db, due[i].id, transient ? "pending" : "failed", att,
                            time_now_ms() + bd_backoff_ms(att), err);
                if (transient) {
                    run->unreachable = r.status >= 500 || run->unreachable;
                    snprintf(run->error, sizeof run->error, "%s", err);
                    stop = true;
                }
            }
            bd_resp_free(&r);
        }
        for (int i = 0; i < n; i++)
            free(due[i].payload);
        free(due);
        if (stop)
            return -1;
        if (n < PUSH_BATCH)
            return result;
    }
    return 0;
}

/* ---- the run ---- */

static int run_update(db_t *db, run_t *run, const char *status)
{
    db_conn_t *c = db_acquire(db);
    if (!c)
        return -1;
    char *details = json_dumps(run->details, JSON_COMPACT);
    db_stmt_t *st =
        db_prepare(c, "UPDATE bigdata_runs SET status = ?, finished_at = ?, pulled = ?, changed = ?, "
                      "pushed = ?, failed = ?, flagged = ?, error = ?, details = ? WHERE id = ?");
    int rc = DB_ERROR;
    if (st) {
        db_bind_text(st, 1, status);
        if (!strcmp(status, "running"))
            db_bind_null(st, 2);
        else
            db_bind_int64(st, 2, time_now_ms());
        db_bind_int64(st, 3, run->pulled);
        db_bind_int64(st, 4, run->changed);
        db_bind_int64(st, 5, run->pushed);
        db_bind_int64(st, 6, run->failed);
        db_bind_int64(st, 7, run->flagged);
        db_bind_text(st, 8, run->error[0] ? run->error : NULL);
        db_bind_text(st, 9, details);
        db_bind_int64(st, 10, run->run_id);
        rc = db_step(st);
    }
    db_done(st);
    free(details);
    db_release(c);
    return rc == DB_DONE ? 0 : -1;
}

int64_t bd_run_create(db_conn_t *c, const char *kind, const char *status, int64_t user)
{
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO bigdata_runs (kind, status, started_at, created_by) VALUES (?, ?, ?, "
                      "?) RETURNING id");
    if (!st)
        return -1;
    db_bind_text(st, 1, kind);
    db_bind_text(st, 2, status);
    db_bind_int64(st, 3, time_now_ms());
    db_bind_id(st, 4, user);
    int64_t id = db_step(st) == DB_ROW ? db_col_int64(st, 0) : -1;
    db_done(st);
    return id;
}

/* the outage clock and its alert, after a run */
static void outage(db_t *db, const bd_conf_t *cf, const run_t *run)
{
    db_conn_t *c = db_acquire(db);
    if (!c || db_begin(c) != 0) {
        db_release(c);
        return;
    }
    int64_t now = time_now_ms();
    bool ok = true;
    db_stmt_t *st;
    if (!run->unreachable) {
        st = db_prepare(
            c, "UPDATE bigdata_settings SET unreachable_since = NULL, alerted_at = NULL, last_ok_at = ?, "
               "last_run_at = ?, running_until = NULL WHERE id = 1");
        ok = st && (db_bind_int64(st, 1, now), db_bind_int64(st, 2, now), db_step(st)) == DB_DONE;
        db_done(st);
    } else {
        int64_t since = cf->unreachable_since ? cf->unreachable_since : now;
        bool alert = !cf->alerted_at && now - since >= (int64_t)cf->alert_after_min * 60000;
        st = db_prepare(c,
                        "UPDATE bigdata_settings SET unreachable_since = ?, alerted_at = ?, last_run_at = ?, "
                        "running_until = NULL WHERE id = 1");
        if (st) {
            db_bind_int64(st, 1, since);
            if (alert)
                db_bind_int64(st, 2, now);
            else if (cf->alerted_at)
                db_bind_int64(st, 2, cf->alerted_at);
            else
                db_bind_null(st, 2);
            db_bind_int64(st, 3, now);
            ok = db_step(st) == DB_DONE;
        } else {
            ok = false;
        }
        db_done(st);
        if (ok && alert) {
            int64_t city = city_org(c);
            char body[800];
            snprintf(body, sizeof body,
                     "自 %lld 分钟前起无法连接大数据中心（超过告警阈值 %d 分钟）。最近的错误：%s",
                     (long long)((now - since) / 60000), cf->alert_after_min, run->error);
            notify_msg_t m = {.kind = "bigdata.unreachable",
                              .title = "大数据中心连接中断，网格与阵地同步暂停",
                              .body = body,
                              .link = "/grid/bigdata",
                              .org_id = city > 0 ? city : 0};
            ok = city >= 0 && (city == 0 || notify_perm(c, "bigdata.write", city, NULL, 0, &m) >= 0);
        }
    }
    if (!ok || db_commit(c) != 0) { /* at least give the lease back */
        db_rollback(c);
        db_exec(c, "UPDATE bigdata_settings SET running_until = NULL WHERE id = 1");
    }
    db_release(c);
}

int grid_bigdata_run(db_t *db, int64_t run_id, const char *kind, int64_t user)
{
    run_t run = {.run_id = run_id, .user = user, .details = json_array()};
    bd_conf_t cf;
    int64_t now = time_now_ms();
    db_conn_t *c = db_acquire(db);
    int rc = -1;
    if (!c || bd_conf_load(c, &cf) != 0) {
        db_release(c);
        json_decref(run.details);
        return -1;
    }
    run.crs = cf.crs > 0 ? cf.crs : GEO_STORAGE_EPSG;
    /* the lease: one run at a time on any node */
    db_stmt_t *st =
        db_prepare(c, "UPDATE bigdata_settings SET running_until = ? WHERE id = 1 AND (running_until IS "
                      "NULL OR running_until < ?)");
    bool got = false;
    if (st) {
        db_bind_int64(st, 1, now + LEASE_MS);
        db_bind_int64(st, 2, now);
        got = db_step(st) == DB_DONE && db_changes(c) == 1;
    }
    db_done(st);
    if (!got && !run.run_id) { /* the schedule while a run is going on: nothing to log */
        db_release(c);
        bd_conf_free(&cf);
        json_decref(run.details);
        return 0;
    }
    if (!run.run_id)
        run.run_id = bd_run_create(c, kind, "running", user);
    db_release(c);
    if (run.run_id <= 0)
        goto out;
    if (!got) {
        snprintf(run.error, sizeof run.error, "另一次同步正在进行，本次未执行");
        run_update(db, &run, "failed");
        rc = 0;
        goto out;
    }
    run_update(db, &run, "running");
    if (!cf.base_url[0] || !cf.secret) {
        snprintf(run.error, sizeof run.error,
                 cf.has_secret && !cf.secret ? "密钥无法解封（主密钥已更换？）请重新填写密钥"
                                             : "尚未配置大数据中心地址或密钥");
    } else {
        if (!strcmp(kind, "full") && (c = db_acquire(db)) != NULL) {
            db_exec(c, "UPDATE bigdata_settings SET pull_cursor = '' WHERE id = 1");
            db_release(c);
            cf.cursor[0] = 0;
        }
        int p = pull(db, &cf, &run);
        /* the districts whose grids changed: their outlines, once per run
         * (a failure leaves them stale: computed when read, or next time) */
        grid_outlines_refresh_db(db);
        /* pushes go on after a refused pull page, not when the center is down */
        if (!run.unreachable) {
            char pull_err[600];
            snprintf(pull_err, sizeof pull_err, "%s", run.error);
            int q = push(db, &cf, &run);
            if (p != 0 && q == 0)
                snprintf(run.error, sizeof run.error, "%s", pull_err);
            p = p ? p : q;
        }
        (void)p;
    }
    rc = 0;
    if (cf.base_url[0] && cf.secret)
        outage(db, &cf, &run); /* first: whoever sees the run finished sees the outage clock too */
    else
        rc = 1; /* nothing was asked of the center: only the lease is given back */
    run_update(db, &run, run.error[0] ? "failed" : "ok");
out:
    if (got && rc != 0 && (c = db_acquire(db)) != NULL) {
        db_exec(c, "UPDATE bigdata_settings SET running_until = NULL WHERE id = 1");
        db_release(c);
    }
    bd_conf_free(&cf);
    json_decref(run.details);
    return rc < 0 ? -1 : 0;
}

/* ---- the outbox ---- */

int grid_outbox_site(db_conn_t *c, const json_t *site, bool deleted, int64_t user)
{
    json_t *s = (json_t *)site;
    int64_t id = jint(s, "id", 0), now = time_now_ms();
    db_stmt_t *st =
        db_prepare(c, "DELETE FROM bigdata_outbox WHERE site_id = ? AND status IN ('pending', 'failed')");
    if (!st)
        return -1;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    db_done(st);
    if (rc != DB_DONE)
        return -1;
    json_t *p = json_object();
    static const char *const KEEP[] = {
        "external_id",   "name",       "type",       "address",     "lon",          "lat",        "grid_code",
        "opening_hours", "floor_area", "facilities", "leader_name", "leader_phone", "updated_at", NULL};
    for (const char *const *k = KEEP; *k; k++) {
        json_t *v = json_object_get(s, *k);
        json_object_set_new(p, *k, v ? json_deep_copy(v) : json_null());
    }
    json_object_set_new(p, "district", json_deep_copy(json_object_get(s, "district_name")));
    json_object_set_new(p, "street", json_deep_copy(json_object_get(s, "street_name")));
    json_object_set_new(p, "deleted", json_boolean(deleted));
    json_object_set_new(p, "version", json_integer(now));
    char *payload = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(p);
    char key[33];
    crypto_random_hex(16, key);
    st = db_prepare(
        c, "INSERT INTO bigdata_outbox (org_id, site_id, external_id, site_name, change_key, payload, "
           "status, attempts, next_at, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, "
           "'pending', 0, ?, ?, ?, ?)");
    rc = DB_ERROR;
    if (st && payload) {
        db_bind_int64(st, 1, jint(s, "org_id", 0));
        db_bind_int64(st, 2, id);
        db_bind_text(st, 3, jstr(s, "external_id"));
        db_bind_text(st, 4, jstr(s, "name"));
        db_bind_text(st, 5, key);
        db_bind_text(st, 6, payload);
        db_bind_int64(st, 7, now);
        db_bind_id(st, 8, user);
        db_bind_int64(st, 9, now);
        db_bind_int64(st, 10, now);
        rc = db_step(st);
    }
    db_done(st);
    free(payload);
    return rc == DB_DONE ? 0 : -1;
}

/* ---- the job ---- */

static int job_sync(job_ctx_t *ctx)
{
    json_t *p = job_payload(ctx);
    int64_t run_id = json_integer_value(json_object_get(p, "run_id"));
    const char *kind = json_string_value(json_object_get(p, "kind"));
    int64_t user = json_integer_value(json_object_get(p, "user_id"));
    db_t *db = job_db(ctx);
    if (!run_id) { /* the schedule fires every minute; a run is due every interval_min */
        db_conn_t *c = db_acquire(db);
        bd_conf_t cf;
        if (!c || bd_conf_load(c, &cf) != 0) {
            db_release(c);
            return JOB_RETRY;
        }
        db_release(c);
        bool due = cf.enabled && cf.base_url[0] &&
                   time_now_ms() - cf.last_run_at >= (int64_t)cf.interval_min * 60000 - 5000;
        bd_conf_free(&cf);
        if (!due)
            return JOB_OK;
        kind = "schedule";
    }
    if (grid_bigdata_run(db, run_id, kind ? kind : "manual", user) != 0) {
        job_error(ctx, "同步未能开始（数据库不可用）");
        return JOB_RETRY;
    }
    return JOB_OK;
}

int grid_bigdata_init(zd_app_t *app, char *err, size_t errlen)
{
    jobs_register("grid.bigdata_sync", "大数据中心同步（拉取网格、推送阵地）", job_sync);
    if (jobs_define_schedule(app->db, "grid.bigdata_sync", "大数据中心定时同步（按设置的间隔）", "* * * * *",
                             "grid.bigdata_sync", NULL) != 0) {
        snprintf(err, errlen, "grid: cannot define the big-data center schedule");
        return -1;
    }
    return grid_bigdata_routes(app, err, errlen);
}
