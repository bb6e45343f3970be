/* audit.c — the append-only, hash-chained audit log; see auth.h.
 * Each record's hash is SM3 over the previous record's hash followed by the
 * record's fields, each written as "<length>:<bytes>|" (NULL as "-:|") so
 * that no two different records serialise alike. audit_head holds the end of
 * the chain; updating it first serialises concurrent writers (a row lock in
 * PostgreSQL, the write lock in SQLite). */
#include "auth/auth.h"
#include "auth/resource.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/timeutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t seq, at, user_id, org_id;
    const char *username, *ip, *ua, *action, *ttype, *tid, *outcome, *detail, *before, *after;
} rec_t;

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
        log_msg(LOG_SYSTEM, LOG_ERROR, "audit.no_action", "an audit record without an action (%s)",
                rt ? rt->pattern : "no route");
        return -1;
    }
    char tid[32];
    if (!e->target_id && e->target > 0)
        snprintf(tid, sizeof tid, "%lld", (long long)e->target);
    rec_t r = {.at = time_now_ms(),
               .user_id = a ? a->user_id : 0,
               .org_id = a ? a->org_id : 0,
               .username = a ? a->username : NULL,
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
    char prev[65] = "", hash[65];
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
    st = db_prepare(c, "INSERT INTO audit_log (seq, at, user_id, username, org_id, ip, user_agent, action, "
                       "target_type, target_id, outcome, detail, before_json, after_json, prev_hash, hash) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
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
    db_stmt_t *st =
        db_prepare(c, "SELECT id, seq, at, user_id, username, org_id, ip, user_agent, action, target_type, "
                      "target_id, outcome, detail, before_json, after_json, prev_hash, hash "
                      "FROM audit_log ORDER BY seq");
    if (!st) {
        snprintf(err, errlen, "%s", db_errmsg(c));
        db_release(c);
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
        char want[65];
        record_hash(prev, &r, want);
        const char *why = NULL;
        if (r.seq != last_seq + 1)
            why = "序号不连续（记录被删除）";
        else if (strcmp(db_col_text(st, 15), prev) != 0)
            why = "前序哈希不符（链被改动）";
        else if (strcmp(db_col_text(st, 16), want) != 0)
            why = "记录内容与哈希不符（记录被篡改）";
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
    db_release(c);
    return ret;
}
