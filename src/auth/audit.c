/* audit.c — the append-only, hash-chained, keyed audit log; see auth.h.
 * Each record's hash is SM3 over the previous record's hash followed by the
 * record's fields, each written as "<length>:<bytes>|" (NULL as "-:|") so
 * that no two different records serialise alike. Each record's mac is
 * HMAC-SM3 of its hash and the API token it came through, under a key
 * derived from the master key (DATA/secret.key), which is not in the
 * database: someone who can write the database alone can edit records and
 * re-hash the chain, but cannot make the macs agree. audit_head holds the
 * end of the chain; updating it first serialises concurrent writers (a row
 * lock in PostgreSQL, the write lock in SQLite). A cut-off tail is caught by
 * the anchors: every few seconds the newest record's (seq, hash, mac) is
 * appended to a file outside the database (and to the system log), and
 * verification finds every anchored record in the chain. Threat model:
 * docs/security.md. */
#include "auth/auth.h"
#include "auth/resource.h"
#include "core/crypto.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/vec.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    int64_t seq, at, user_id, org_id, token_id;
    const char *username, *ip, *ua, *action, *ttype, *tid, *outcome, *detail, *before, *after;
} rec_t;

/* The keyed mac of a record: its hash and its token. */
static void record_mac(const char *hash, int64_t token_id, char out[65])
{
    char buf[100];
    int n = snprintf(buf, sizeof buf, "%s|%lld", hash, (long long)token_id);
    crypto_audit_mac_hex(buf, (size_t)n, out);
}

static void put(sbuf_t *b, const char *s)
{
    if (!s)
        sbuf_puts(b, "-:|");
    else
        sbuf_printf(b, "%zu:%s|", strlen(s), s);
}

static void put_int(sbuf_t *b, int64_t v, bool null)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%lld", (long long)v);
    put(b, null ? NULL : tmp);
}

static void record_hash(const char *prev, const rec_t *r, char out[65])
{
    sbuf_t b;
    sbuf_init(&b);
    sbuf_puts(&b, prev);
    put_int(&b, r->seq, false);
    put_int(&b, r->at, false);
    put_int(&b, r->user_id, r->user_id == 0);
    put(&b, r->username);
    put_int(&b, r->org_id, r->org_id == 0);
    put(&b, r->ip);
    put(&b, r->ua);
    put(&b, r->action);
    put(&b, r->ttype);
    put(&b, r->tid);
    put(&b, r->outcome);
    put(&b, r->detail);
    put(&b, r->before);
    put(&b, r->after);
    crypto_sm3_hex(b.data, b.len, out);
    sbuf_free(&b);
}

static char *dump(json_t *j) { return j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL; }

/* Cuts s to at most max characters without splitting one (user agents). */
static char *clip(const char *s, size_t max)
{
    if (!s)
        return NULL;
    size_t n = utf8_prefix(s, strlen(s), max);
    char *o = malloc(n + 1);
    if (!o)
        abort();
    memcpy(o, s, n);
    o[n] = 0;
    return o;
}

int audit_write(db_conn_t *c, http_req_t *req, const audit_entry_t *e)
{
    const auth_ctx_t *a = auth_of(req);
    const http_route_t *rt = req ? http_route(req) : NULL;
    /* what the entry leaves out, the route declares */
    const char *action = e->action ? e->action : rt ? rt->audit : NULL;
    const char *ttype = e->target_type ? e->target_type : rt && rt->resource ? rt->resource->name : NULL;
    if (!action) {
        log_msg(LOG_SYSTEM, LOG_ERROR, "audit.no_action", "审计记录缺少操作（%s）",
                rt ? rt->pattern : "no route");
        return -1;
    }
    char tid[32];
    if (!e->target_id && e->target > 0)
        snprintf(tid, sizeof tid, "%lld", (long long)e->target);
    rec_t r = {.at = time_now_ms(),
               .user_id = a ? a->user_id : e->actor_id,
               .org_id = a ? a->org_id : e->actor_org,
               .token_id = a ? a->token_id : 0,
               .username = a ? a->username : e->actor_name,
               .ip = req ? http_client_ip(req) : NULL,
               .action = action,
               .ttype = ttype,
               .tid = e->target_id    ? e->target_id
                      : e->target > 0 ? tid
                                      : NULL,
               .outcome = e->outcome ? e->outcome : "success",
               .detail = e->detail};
    char *ua = clip(req ? http_header_in(req, "User-Agent") : NULL, 256);
    char *before = dump(e->before), *after = dump(e->after);
    r.ua = ua;
    r.before = before;
    r.after = after;
    bool own_tx = !db_in_tx(c);
    int ret = -1;
    char prev[65] = "", hash[65], mac[65];
    if (own_tx && db_begin(c) != 0)
        goto out;
    db_stmt_t *st =
        db_prepare(c, "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, last_hash");
    if (!st)
        goto out;
    if (db_step(st) == DB_ROW) {
        r.seq = db_col_int64(st, 0);
        str_lcpy(prev, db_col_text(st, 1), sizeof prev);
    }
    db_done(st);
    if (!r.seq)
        goto out;
    record_hash(prev, &r, hash);
    record_mac(hash, r.token_id, mac);
    st = db_prepare(c,
                    "INSERT INTO audit_log (seq, at, user_id, username, org_id, ip, user_agent, action, "
                    "target_type, target_id, outcome, detail, before_json, after_json, prev_hash, hash, mac, "
                    "token_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        goto out;
    db_bind_int64(st, 1, r.seq);
    db_bind_int64(st, 2, r.at);
    db_bind_id(st, 3, r.user_id);
    db_bind_text(st, 4, r.username);
    db_bind_id(st, 5, r.org_id);
    db_bind_text(st, 6, r.ip);
    db_bind_text(st, 7, r.ua);
    db_bind_text(st, 8, r.action);
    db_bind_text(st, 9, r.ttype);
    db_bind_text(st, 10, r.tid);
    db_bind_text(st, 11, r.outcome);
    db_bind_text(st, 12, r.detail);
    db_bind_text(st, 13, r.before);
    db_bind_text(st, 14, r.after);
    db_bind_text(st, 15, prev);
    db_bind_text(st, 16, hash);
    db_bind_text(st, 17, mac);
    db_bind_id(st, 18, r.token_id);
    int rc = db_step(st);
    db_done(st);
    if (rc != DB_DONE)
        goto out;
    http_note_audit(req);
    st = db_prepare(c, "UPDATE audit_head SET last_hash = ? WHERE id = 1");
    if (!st)
        goto out;
    db_bind_text(st, 1, hash);
    rc = db_step(st);
    db_done(st);
    if (rc != DB_DONE || (own_tx && db_commit(c) != 0))
        goto out;
    ret = 0;
out:
    if (ret != 0) {
        log_msg(LOG_SYSTEM, LOG_ERROR, "audit.write_failed", "%s: %s", action, db_errmsg(c));
        if (own_tx)
            db_rollback(c);
    }
    free(ua);
    free(before);
    free(after);
    return ret;
}

bool audit_req(http_req_t *req, const audit_entry_t *e)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return false;
    if (audit_write(c, req, e) != 0) {
        http_db_error(req, c);
        return false;
    }
    return true;
}

bool audit_commit(http_req_t *req, db_conn_t *c, const audit_entry_t *e)
{
    if (audit_write(c, req, e) != 0 || db_commit(c) != 0) {
        http_db_error(req, c);
        return false;
    }
    return true;
}

void audit_reply(http_req_t *req, db_conn_t *c, bool ok, const audit_entry_t *e, int status, json_t *body)
{
    if (!ok || (!body && status != 204)) {
        json_decref(body);
        http_db_error(req, c);
        return;
    }
    if (!audit_commit(req, c, e)) {
        json_decref(body);
        return;
    }
    if (status == 204)
        http_no_content(req);
    else
        http_json(req, status, body);
}

bool audit_simple(http_req_t *req, const char *action, const char *target_type, int64_t target_id,
                  const char *outcome, const char *detail)
{
    audit_entry_t e = {.action = action,
                       .target_type = target_type,
                       .target = target_id,
                       .outcome = outcome,
                       .detail = detail};
    return audit_req(req, &e);
}

/* ---- anchors outside the database ---- */

static struct {
    pthread_mutex_t mu;
    char path[1100];
    int64_t last_seq; /* anchored already; -1: not read yet */
} A = {.mu = PTHREAD_MUTEX_INITIALIZER, .last_seq = -1};

void audit_configure(const char *anchor_path)
{
    pthread_mutex_lock(&A.mu);
    str_lcpy(A.path, anchor_path ? anchor_path : "", sizeof A.path);
    A.last_seq = -1;
    pthread_mutex_unlock(&A.mu);
}

typedef struct {
    int64_t seq;
    char hash[65], mac[65];
} anchor_t;

/* The anchor file's lines "seq TAB hash TAB mac TAB time", in order; NULL
 * and *n = 0 when there is none. Malformed lines are counted in *bad. */
static anchor_t *read_anchors(const char *path, size_t *n, size_t *bad)
{
    *n = *bad = 0;
    FILE *f = path[0] ? fopen(path, "r") : NULL;
    if (!f)
        return NULL;
    anchor_t *v = NULL;
    size_t cap = 0;
    char line[400];
    while (fgets(line, sizeof line, f)) {
        anchor_t a;
        long long seq;
        if (sscanf(line, "%lld\t%64[0-9a-f]\t%64[0-9a-f]", &seq, a.hash, a.mac) != 3 || seq <= 0 ||
            strlen(a.hash) != 64 || strlen(a.mac) != 64) {
            (*bad)++;
            continue;
        }
        a.seq = seq;
        if (vec_reserve((void **)&v, &cap, *n, sizeof *v, 256) != 0)
            break;
        v[(*n)++] = a;
    }
    fclose(f);
    return v;
}

int audit_anchor(db_t *db)
{
    pthread_mutex_lock(&A.mu);
    int rc = 0;
    if (!A.path[0])
        goto out;
    if (A.last_seq < 0) {
        size_t n, bad;
        anchor_t *v = read_anchors(A.path, &n, &bad);
        A.last_seq = n ? v[n - 1].seq : 0;
        free(v);
    }
    db_conn_t *c = db_acquire(db);
    db_stmt_t *st = c ? db_prepare(c, "SELECT seq, hash, mac FROM audit_log WHERE seq = "
                                      "(SELECT MAX(seq) FROM audit_log)")
                      : NULL;
    int64_t seq = 0;
    char hash[65] = "", mac[65] = "";
    if (st && db_step(st) == DB_ROW) {
        seq = db_col_int64(st, 0);
        str_lcpy(hash, db_col_text(st, 1), sizeof hash);
        str_lcpy(mac, db_col_text(st, 2) ? db_col_text(st, 2) : "", sizeof mac);
    }
    db_done(st);
    db_release(c);
    if (!c || !st) {
        rc = -1;
        goto out;
    }
    if (seq <= A.last_seq || !mac[0])
        goto out;
    char ts[40], line[300];
    int len = snprintf(line, sizeof line, "%lld\t%s\t%s\t%s\n", (long long)seq, hash, mac,
                       time_iso8601(time_now_ms(), ts, sizeof ts));
    int fd = open(A.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || fileio_write_all(fd, line, (size_t)len) != 0) {
        log_msg(LOG_SYSTEM, LOG_ERROR, "audit.anchor_failed", "无法追加到 %s：%s", A.path, strerror(errno));
        rc = -1;
    } else {
        A.last_seq = seq;
        log_msg(LOG_SYSTEM, LOG_INFO, "audit.anchor", "审计链头：序号 %lld，校验码 %s", (long long)seq, mac);
    }
    if (fd >= 0)
        close(fd);
out:
    pthread_mutex_unlock(&A.mu);
    return rc;
}

int audit_verify(db_t *db, int64_t *checked, int64_t *broken_id, char *err, size_t errlen)
{
    *checked = 0;
    *broken_id = 0;
    db_conn_t *c = db_acquire(db);
    if (!c) {
        snprintf(err, errlen, "no database connection");
        return -1;
    }
    int ret = 0;
    char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
    int64_t last_seq = 0;
    bool keyed = false; /* a record with a mac was seen: every later one has one */
    size_t nanchors, bad, ai = 0;
    pthread_mutex_lock(&A.mu);
    anchor_t *anchors = read_anchors(A.path, &nanchors, &bad);
    pthread_mutex_unlock(&A.mu);
    db_stmt_t *st =
        db_prepare(c, "SELECT id, seq, at, user_id, username, org_id, ip, user_agent, action, target_type, "
                      "target_id, outcome, detail, before_json, after_json, prev_hash, hash, mac, token_id "
                      "FROM audit_log ORDER BY seq");
    if (!st) {
        snprintf(err, errlen, "%s", db_errmsg(c));
        db_release(c);
        free(anchors);
        return -1;
    }
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        rec_t r = {.seq = db_col_int64(st, 1),
                   .at = db_col_int64(st, 2),
                   .user_id = db_col_int64(st, 3),
                   .username = db_col_text(st, 4),
                   .org_id = db_col_int64(st, 5),
                   .ip = db_col_text(st, 6),
                   .ua = db_col_text(st, 7),
                   .action = db_col_text(st, 8),
                   .ttype = db_col_text(st, 9),
                   .tid = db_col_text(st, 10),
                   .outcome = db_col_text(st, 11),
                   .detail = db_col_text(st, 12),
                   .before = db_col_text(st, 13),
                   .after = db_col_text(st, 14)};
        int64_t id = db_col_int64(st, 0);
        char want[65], mac[65];
        record_hash(prev, &r, want);
        const char *why = NULL, *have_mac = db_col_text(st, 17);
        if (have_mac)
            record_mac(want, db_col_int64(st, 18), mac);
        while (ai < nanchors && anchors[ai].seq < r.seq)
            ai++; /* a gap in seq fails below */
        if (r.seq != last_seq + 1)
            why = "序号不连续（记录被删除）";
        else if (strcmp(db_col_text(st, 15), prev) != 0)
            why = "前序哈希不符（链被改动）";
        else if (strcmp(db_col_text(st, 16), want) != 0)
            why = "记录内容与哈希不符（记录被篡改）";
        else if (have_mac && strcmp(have_mac, mac) != 0)
            why = "记录的密钥校验码不符（记录被改写后重新计算了哈希）";
        else if (!have_mac && keyed)
            why = "记录缺少密钥校验码（记录被插入或改写）";
        else if (ai < nanchors && anchors[ai].seq == r.seq &&
                 (strcmp(anchors[ai].hash, want) != 0 || !have_mac || strcmp(anchors[ai].mac, have_mac) != 0))
            why = "与库外锚点记载的不符（记录被改写）";
        keyed |= have_mac != NULL;
        if (why) {
            *broken_id = id;
            snprintf(err, errlen, "审计记录 %lld：%s", (long long)id, why);
            ret = -1;
            break;
        }
        str_lcpy(prev, db_col_text(st, 16), sizeof prev);
        last_seq = r.seq;
        (*checked)++;
    }
    db_done(st);
    if (ret == 0 && rc != DB_DONE) {
        snprintf(err, errlen, "%s", db_errmsg(c));
        ret = -1;
    }
    if (ret == 0) {
        /* the end of the chain must be where the head says: a truncated tail
         * shows here */
        st = db_prepare(c, "SELECT seq, last_hash FROM audit_head WHERE id = 1");
        if (st && db_step(st) == DB_ROW &&
            (db_col_int64(st, 0) != last_seq || strcmp(db_col_text(st, 1), prev) != 0)) {
            snprintf(err, errlen, "审计链末端与链头记录不符（最后的记录被删除或改动）");
            *broken_id = last_seq + 1;
            ret = -1;
        }
        db_done(st);
    }
    /* an anchored record the chain no longer reaches: its tail was cut */
    if (ret == 0 && nanchors && anchors[nanchors - 1].seq > last_seq) {
        snprintf(err, errlen, "库外锚点记载到第 %lld 条，数据库只到第 %lld 条（末尾的记录被删除）",
                 (long long)anchors[nanchors - 1].seq, (long long)last_seq);
        *broken_id = last_seq + 1;
        ret = -1;
    }
    free(anchors);
    db_release(c);
    return ret;
}
