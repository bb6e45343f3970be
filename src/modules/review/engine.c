/* engine.c — the review state machine that modules call (review.h): kinds,
 * chains, items, versions, the history, the statistics counters and the
 * module-row mirror. Every function runs in the caller's transaction. */
#include "core/crypto.h"
#include "core/jsonutil.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/notify/notify.h"
#include "modules/review/internal.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const REVIEW_STATUSES[] = {"draft",    "in_review", "returned", "approved",
                                       "rejected", "withdrawn", NULL};
const char *const REVIEW_REVISION_STATUSES[] = {"editing", "in_review", "returned", "rejected", NULL};
const char *const REVIEW_DECIDE_PERMS[] = {"review.street", "review.district", "review.city", NULL};
const char *const REVIEW_ORG_TYPES[] = {"street", "district", "city", NULL};

const review_level_t REVIEW_DISTRICT_CITY[] = {
    {"district", "review.district", "区级审核"}, {"city", "review.city", "市级审核"}, {NULL, NULL, NULL}};
const review_level_t REVIEW_CITY[] = {{"city", "review.city", "市级审核"}, {NULL, NULL, NULL}};
const review_level_t REVIEW_DISTRICT[] = {{"district", "review.district", "区级审核"}, {NULL, NULL, NULL}};

#define MAX_KINDS 32
static const review_kind_t *KINDS[MAX_KINDS + 1];
static int NKINDS;

int review_register(const review_kind_t *k)
{
    if (!k || !k->kind || !k->table || !k->levels || !k->levels[0].perm || NKINDS >= MAX_KINDS ||
        review_kind(k->kind))
        return -1;
    KINDS[NKINDS++] = k;
    return 0;
}

const review_kind_t *review_kind(const char *kind)
{
    for (int i = 0; kind && i < NKINDS; i++)
        if (!strcmp(KINDS[i]->kind, kind))
            return KINDS[i];
    return NULL;
}

const review_kind_t *review_kind_at(int i) { return i >= 0 && i < NKINDS ? KINDS[i] : NULL; }

const char *review_level_title(const char *org_type)
{
    return !org_type                       ? "审核"
           : !strcmp(org_type, "city")     ? "市级审核"
           : !strcmp(org_type, "district") ? "区级审核"
           : !strcmp(org_type, "street")   ? "街镇审核"
                                           : "审核";
}

json_t *review_default_chain(const review_kind_t *k)
{
    json_t *a = json_array();
    for (const review_level_t *l = k->levels; l->perm && json_array_size(a) < REVIEW_MAX_LEVELS; l++)
        json_array_append_new(a, json_pack("{s:s,s:s,s:s}", "org_type", l->org_type, "perm", l->perm, "title",
                                           l->title ? l->title : review_level_title(l->org_type)));
    return a;
}

json_t *review_chain(db_conn_t *c, const review_kind_t *k)
{
    db_stmt_t *st = db_prepare(c, "SELECT levels FROM review_chains WHERE kind = ?");
    if (!st)
        return NULL;
    db_bind_text(st, 1, k->kind);
    int rc = db_step(st);
    json_t *a = NULL;
    if (rc == DB_ROW) {
        a = json_loads(db_col_text(st, 0), 0, NULL);
        if (a && (!json_is_array(a) || !json_array_size(a))) {
            json_decref(a);
            a = NULL;
        }
    }
    db_done(st);
    if (rc == DB_ERROR)
        return NULL;
    return a ? a : review_default_chain(k);
}

/* ---- rows ---- */

#define ITEM_COLS                                                                                            \
    "id, ref_id, org_id, district_id, created_by, level_at, submitted_at, level, nlevels, version, "         \
    "round_decisions, kind, status, level_perm, level_org_type, title, category, blocked_hash, "             \
    "override_hash, blocked_findings, levels, revision, revision_status, revision_by, revisions"

static char *dup_col(db_stmt_t *st, int i)
{
    return db_col_is_null(st, i) ? NULL : strdup(db_col_text(st, i));
}

int review_item_get(db_conn_t *c, int64_t id, const char *kind, int64_t ref_id, bool lock, review_row_t *r)
{
    memset(r, 0, sizeof *r);
    char sql[768];
    snprintf(sql, sizeof sql, "SELECT " ITEM_COLS " FROM review_items WHERE %s%s",
             kind ? "kind = ? AND ref_id = ?" : "id = ?", lock ? FOR_UPDATE_CLAUSE : "");
    db_stmt_t *st = db_prepare(c, sql);
    if (!st)
        return -1;
    if (kind) {
        db_bind_text(st, 1, kind);
        db_bind_int64(st, 2, ref_id);
    } else
        db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        r->id = db_col_int64(st, 0);
        r->ref_id = db_col_int64(st, 1);
        r->org_id = db_col_int64(st, 2);
        r->district_id = db_col_int64(st, 3);
        r->created_by = db_col_int64(st, 4);
        r->level_at = db_col_int64(st, 5);
        r->submitted_at = db_col_int64(st, 6);
        r->level = (int)db_col_int64(st, 7);
        r->nlevels = (int)db_col_int64(st, 8);
        r->version = (int)db_col_int64(st, 9);
        r->round_decisions = (int)db_col_int64(st, 10);
        snprintf(r->kind, sizeof r->kind, "%s", db_col_text(st, 11));
        snprintf(r->status, sizeof r->status, "%s", db_col_text(st, 12));
        snprintf(r->level_perm, sizeof r->level_perm, "%s",
                 db_col_is_null(st, 13) ? "" : db_col_text(st, 13));
        snprintf(r->level_org_type, sizeof r->level_org_type, "%s",
                 db_col_is_null(st, 14) ? "" : db_col_text(st, 14));
        r->title = dup_col(st, 15);
        r->category = dup_col(st, 16);
        r->blocked_hash = dup_col(st, 17);
        r->override_hash = dup_col(st, 18);
        r->blocked_findings = dup_col(st, 19);
        r->levels = db_col_is_null(st, 20) ? NULL : json_loads(db_col_text(st, 20), 0, NULL);
        r->revision = db_col_is_null(st, 21) ? NULL : json_loads(db_col_text(st, 21), 0, NULL);
        snprintf(r->revision_status, sizeof r->revision_status, "%s",
                 db_col_is_null(st, 22) ? "" : db_col_text(st, 22));
        r->revision_by = db_col_is_null(st, 23) ? 0 : db_col_int64(st, 23);
        r->revisions = (int)db_col_int64(st, 24);
    }
    db_done(st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

void review_row_free(review_row_t *r)
{
    if (!r)
        return;
    free(r->title);
    free(r->category);
    free(r->blocked_hash);
    free(r->override_hash);
    free(r->blocked_findings);
    json_decref(r->levels);
    json_decref(r->revision);
    memset(r, 0, sizeof *r);
}

/* ---- callers ---- */

const char *review_caller_org_type(http_req_t *req)
{
    const auth_ctx_t *a = auth_of(req);
    return a ? a->org_type : "";
}

int review_may_decide(http_req_t *req, db_conn_t *c, const char *perm, const char *org_type, int64_t org_id)
{
    if (!perm || !*perm || !auth_has(req, perm))
        return 0;
    if (org_type && *org_type && strcmp(review_caller_org_type(req), org_type))
        return 0;
    qb_t q;
    qb_init(&q, "SELECT 1 FROM orgs o WHERE o.id = ");
    qb_int(&q, org_id);
    auth_scope_cond(req, &q, auth_scope_for(req, perm), "o.id", "o.path", NULL);
    db_stmt_t *st = qb_prepare(c, &q);
    int rc = st ? db_step(st) : DB_ERROR;
    db_done(st);
    qb_free(&q);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

bool review_can_decide(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t org_id, int level)
{
    json_t *chain = review_chain(c, k);
    json_t *l = json_array_get(chain, (size_t)(level - 1));
    bool ok = l && review_may_decide(req, c, jstr(l, "perm"), jstr(l, "org_type"), org_id) == 1;
    json_decref(chain);
    return ok;
}

/* ---- hooks ---- */

static _Thread_local char hook_conflict[512];

void review_hook_conflict(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(hook_conflict, sizeof hook_conflict, fmt, ap);
    va_end(ap);
    if (!hook_conflict[0])
        snprintf(hook_conflict, sizeof hook_conflict, "与其他记录冲突");
}

void review_hook_reset(void) { hook_conflict[0] = 0; }

void review_fail(http_req_t *req, db_conn_t *c)
{
    if (hook_conflict[0]) {
        http_error(req, 409, "conflict", "%s", hook_conflict);
        hook_conflict[0] = 0;
    } else
        http_db_error(req, c);
}

/* ---- bookkeeping ---- */

static void month_of(int64_t ms, char out[16])
{
    time_t t = (time_t)(ms / 1000) + 8 * 3600; /* Asia/Shanghai, no daylight saving */
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 16, "%04d-%02d", (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100);
}

int review_stat(db_conn_t *c, const review_row_t *r, const char *event, int level, int64_t dur_ms,
                int64_t now)
{
    char month[16];
    month_of(now, month);
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO review_stats (month, kind, category, org_id, district_id, level, "
                      "event, n, dur_ms) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?) "
                      "ON CONFLICT (month, kind, category, org_id, level, event) "
                      "DO UPDATE SET n = review_stats.n + 1, dur_ms = review_stats.dur_ms + ?");
    if (!st)
        return -1;
    db_bind_text(st, 1, month);
    db_bind_text(st, 2, r->kind);
    db_bind_text(st, 3, r->category ? r->category : "");
    db_bind_int64(st, 4, r->org_id);
    db_bind_int64(st, 5, r->district_id);
    db_bind_int64(st, 6, level);
    db_bind_text(st, 7, event);
    db_bind_int64(st, 8, dur_ms);
    db_bind_int64(st, 9, dur_ms);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

int review_status_move(db_conn_t *c, const review_row_t *r, const char *from, const char *to)
{
    for (int i = 0; i < 2; i++) {
        const char *st_name = i ? to : from;
        if (!st_name)
            continue;
        db_stmt_t *st =
            db_prepare(c, "INSERT INTO review_status_counts (kind, org_id, district_id, status, n) "
                          "VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, org_id, status) "
                          "DO UPDATE SET n = review_status_counts.n + excluded.n");
        if (!st)
            return -1;
        db_bind_text(st, 1, r->kind);
        db_bind_int64(st, 2, r->org_id);
        db_bind_int64(st, 3, r->district_id);
        db_bind_text(st, 4, st_name);
        db_bind_int64(st, 5, i ? 1 : -1);
        int rc = db_step(st);
        db_done(st);
        if (rc != DB_DONE)
            return -1;
    }
    return 0;
}

int review_mirror(db_conn_t *c, const review_kind_t *k, int64_t ref_id, const char *status, int level,
                  int64_t now)
{
    char sql[256];
    /* k->table is the module's constant, never input */
    snprintf(sql, sizeof sql, "UPDATE %s SET status = ?, review_level = ?, updated_at = ? WHERE id = ?",
             k->table);
    db_stmt_t *st = db_prepare(c, sql);
    if (!st)
        return -1;
    db_bind_text(st, 1, status);
    db_bind_int64(st, 2, level);
    db_bind_int64(st, 3, now);
    db_bind_int64(st, 4, ref_id);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

int review_history_add(http_req_t *req, db_conn_t *c, const review_row_t *r, int version, int level,
                       const char *level_title, const char *action, const char *opinion, int64_t dur_ms,
                       int64_t now)
{
    const auth_ctx_t *a = auth_of(req);
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO review_decisions (item_id, org_id, version, level, level_title, "
                      "action, opinion, duration_ms, actor_id, actor_name, actor_org, created_at) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return -1;
    db_bind_int64(st, 1, r->id);
    db_bind_int64(st, 2, r->org_id);
    db_bind_int64(st, 3, version);
    db_bind_int64(st, 4, level);
    db_bind_text(st, 5, level_title);
    db_bind_text(st, 6, action);
    db_bind_text(st, 7, opinion);
    if (dur_ms >= 0)
        db_bind_int64(st, 8, dur_ms);
    else
        db_bind_null(st, 8);
    db_bind_int64(st, 9, a ? a->user_id : 0);
    db_bind_text(st, 10, a ? (a->name[0] ? a->name : a->username) : NULL);
    db_bind_int64(st, 11, a ? a->org_id : 0);
    db_bind_int64(st, 12, now);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

static const char *link_of(const review_kind_t *k, int64_t ref_id, char *buf, size_t n)
{
    if (!k->link)
        return NULL;
    snprintf(buf, n, k->link, (long long)ref_id);
    return buf;
}

int review_notify_reviewers(db_conn_t *c, const review_kind_t *k, const review_row_t *r, const char *perm,
                            const char *org_type, const char *what)
{
    char title[600], link[128];
    const char *t = r->title ? r->title : "";
    snprintf(title, sizeof title, "%s待%s：《%.*s》", k->title, what, (int)utf8_prefix(t, strlen(t), 80), t);
    notify_msg_t m = {.kind = "review.new",
                      .title = title,
                      .link = link_of(k, r->ref_id, link, sizeof link),
                      .org_id = r->org_id};
    return notify_perm(c, perm, r->org_id, org_type, r->created_by, &m) < 0 ? -1 : 0;
}

int review_notify_submitter(db_conn_t *c, const review_kind_t *k, const review_row_t *r, const char *kind,
                            const char *title, const char *body)
{
    char link[128];
    notify_msg_t m = {.user_id = r->created_by,
                      .kind = kind,
                      .title = title,
                      .body = body,
                      .link = link_of(k, r->ref_id, link, sizeof link),
                      .org_id = r->org_id};
    return notify_user(c, &m);
}

/* ---- what modules call ---- */

int64_t review_open(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t ref_id, int64_t org_id,
                    const char *category, const char *title)
{
    int64_t now = time_now_ms();
    db_stmt_t *st = db_prepare(
        c,
        "INSERT INTO review_items (kind, ref_id, org_id, district_id, category, title, status, created_by, "
        "created_at, updated_at) VALUES (?, ?, ?, (SELECT d.id FROM orgs o JOIN orgs d ON d.type = "
        "'district' "
        "AND o.path LIKE d.path || '%' WHERE o.id = ? ORDER BY d.depth DESC LIMIT 1), ?, ?, 'draft', ?, ?, "
        "?) "
        "RETURNING id");
    int64_t id = -1;
    if (st) {
        db_bind_text(st, 1, k->kind);
        db_bind_int64(st, 2, ref_id);
        db_bind_int64(st, 3, org_id);
        db_bind_int64(st, 4, org_id);
        db_bind_text(st, 5, category);
        db_bind_text(st, 6, title);
        db_bind_int64(st, 7, http_user_id(req));
        db_bind_int64(st, 8, now);
        db_bind_int64(st, 9, now);
        if (db_step(st) == DB_ROW)
            id = db_col_int64(st, 0);
    }
    db_done(st);
    if (id > 0) {
        review_row_t r = {.org_id = org_id};
        snprintf(r.kind, sizeof r.kind, "%s", k->kind);
        db_stmt_t *d = db_prepare(c, "SELECT COALESCE(district_id, 0) FROM review_items WHERE id = ?");
        if (d) {
            db_bind_int64(d, 1, id);
            if (db_step(d) == DB_ROW)
                r.district_id = db_col_int64(d, 0);
        }
        db_done(d);
        if (!d || review_status_move(c, &r, NULL, "draft") != 0)
            id = -1;
    }
    if (id > 0) {
        char sql[160];
        snprintf(sql, sizeof sql,
                 "UPDATE %s SET review_id = ?, status = 'draft', review_level = 0 WHERE id = ?", k->table);
        st = db_prepare(c, sql);
        if (st) {
            db_bind_int64(st, 1, id);
            db_bind_int64(st, 2, ref_id);
        }
        if (!st || db_step(st) != DB_DONE)
            id = -1;
        db_done(st);
    }
    if (id < 0)
        http_db_error(req, c);
    return id;
}

int review_retitle(db_conn_t *c, const review_kind_t *k, int64_t ref_id, const char *category,
                   const char *title)
{
    db_stmt_t *st = db_prepare(
        c, "UPDATE review_items SET title = ?, category = ?, updated_at = ? WHERE kind = ? AND ref_id = ?");
    if (!st)
        return -1;
    db_bind_text(st, 1, title);
    db_bind_text(st, 2, category);
    db_bind_int64(st, 3, time_now_ms());
    db_bind_text(st, 4, k->kind);
    db_bind_int64(st, 5, ref_id);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

int review_discard(db_conn_t *c, const review_kind_t *k, int64_t ref_id)
{
    review_row_t r;
    int got = review_item_get(c, 0, k->kind, ref_id, true, &r);
    if (got <= 0)
        return got;
    int moved = review_status_move(c, &r, r.status, r.version == 0 ? NULL : "withdrawn");
    review_row_free(&r);
    if (moved != 0)
        return -1;
    static const char *const SQL[] = {
        "DELETE FROM review_items WHERE kind = ? AND ref_id = ? AND version = 0",
        "UPDATE review_items SET status = 'withdrawn', level = 0, level_perm = NULL, level_org_type = NULL "
        "WHERE kind = ? AND ref_id = ? AND status <> 'withdrawn'"};
    for (int i = 0; i < 2; i++) {
        db_stmt_t *st = db_prepare(c, SQL[i]);
        if (!st)
            return -1;
        db_bind_text(st, 1, k->kind);
        db_bind_int64(st, 2, ref_id);
        int rc = db_step(st);
        db_done(st);
        if (rc != DB_DONE)
            return -1;
        if (i == 0 && db_changes(c) == 1)
            return 0;
    }
    return 0;
}

int review_editable(db_conn_t *c, const review_kind_t *k, int64_t ref_id)
{
    review_row_t r;
    int rc = review_item_get(c, 0, k->kind, ref_id, false, &r);
    int ok = rc < 0    ? -1
             : rc == 0 ? 0
                       : (!strcmp(r.status, "draft") || !strcmp(r.status, "returned") ||
                          !strcmp(r.status, "withdrawn"));
    review_row_free(&r);
    return ok;
}

int review_count_blocks(json_t *findings)
{
    int n = 0;
    size_t i;
    json_t *f;
    json_array_foreach(findings, i, f)
    {
        const char *s = jstr(f, "severity");
        n += s && !strcmp(s, "block");
    }
    return n;
}

static void snapshot_hash(json_t *snapshot, char out[65])
{
    char *s = json_dumps(snapshot, JSON_SORT_KEYS | JSON_COMPACT);
    crypto_sha256_hex(s ? s : "", s ? strlen(s) : 0, out);
    free(s);
}

/* Answers 422 with the findings after recording the refusal (committed: the
 * reviewer who may override must see what was refused). */
static void refuse_blocked(http_req_t *req, db_conn_t *c, const review_kind_t *k, review_row_t *r,
                           json_t *findings, const char *hash, int blocks)
{
    char *fj = json_dumps(findings, JSON_COMPACT);
    db_stmt_t *st =
        db_prepare(c, "UPDATE review_items SET blocked_hash = ?, blocked_findings = ?, updated_at = ? "
                      "WHERE id = ?");
    bool ok = st != NULL;
    if (st) {
        db_bind_text(st, 1, hash);
        db_bind_text(st, 2, fj);
        db_bind_int64(st, 3, time_now_ms());
        db_bind_int64(st, 4, r->id);
        ok = db_step(st) == DB_DONE;
    }
    db_done(st);
    free(fj);
    bool first = !r->blocked_hash || strcmp(r->blocked_hash, hash);
    if (ok && first) { /* once per content: the reviewers are asked to look */
        json_t *chain = review_chain(c, k);
        json_t *l = json_array_get(chain, 0);
        ok = l &&
             review_notify_reviewers(c, k, r, jstr(l, "perm"), jstr(l, "org_type"), "豁免（校对拦截）") == 0;
        json_decref(chain);
    }
    audit_entry_t ae = {.action = "review.blocked",
                        .target_type = "review_item",
                        .target = r->id,
                        .outcome = "failure",
                        .detail = http_printf(req, "《%s》校对发现 %d 处严重问题，未能提交",
                                              r->title ? r->title : "", blocks)};
    if (!ok) {
        http_db_error(req, c);
        return;
    }
    if (!audit_commit(req, c, &ae))
        return;
    json_t *body = json_pack("{s:{s:s,s:s},s:O,s:i}", "error", "code", "proofread_block", "message",
                             "校对发现严重问题，不能提交；请修改，或请审核人员审查后豁免", "findings",
                             findings, "blocks", blocks);
    http_json(req, 422, body);
}

/* A revision may be submitted: the item approved, its revision saved and not in review. */
static bool revision_submittable(const review_row_t *r)
{
    return !strcmp(r->status, "approved") && r->revision &&
           (!strcmp(r->revision_status, "editing") || !strcmp(r->revision_status, "returned") ||
            !strcmp(r->revision_status, "rejected"));
}

/* A submission round: of the row itself, or (revision) of the changes to
 * the approved row, which stays as it is meanwhile (no mirror, no hook). */
static bool submit_round(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t ref_id,
                         json_t *snapshot, json_t **item, bool revision)
{
    review_row_t r;
    json_t *findings = NULL, *chain = NULL;
    bool done = false;
    int rc = review_item_get(c, 0, k->kind, ref_id, true, &r);
    if (rc <= 0) {
        if (rc < 0)
            http_db_error(req, c);
        else
            http_error(req, 404, "not_found", "审核事项不存在");
        return false;
    }
    if (revision && !revision_submittable(&r)) {
        http_error(req, 409, "conflict", "%s",
                   !strcmp(r.revision_status, "in_review") ? "修订已在审核中"
                                                           : "没有可提交的修订（请先保存修订内容）");
        goto out;
    }
    if (!revision && strcmp(r.status, "draft") && strcmp(r.status, "returned") &&
        strcmp(r.status, "withdrawn")) {
        http_error(req, 409, "conflict", "只有草稿、退回修改或已撤回的内容可以提交（当前：%s）",
                   !strcmp(r.status, "in_review")  ? "审核中"
                   : !strcmp(r.status, "approved") ? "已通过"
                                                   : "已驳回");
        goto out;
    }
    if (k->check && k->check(c, ref_id, snapshot, &findings) < 0) {
        http_error(req, 503, "check_unavailable", "内容校对暂时无法进行，请稍后再提交");
        goto out;
    }
    if (!findings)
        findings = json_array();
    char hash[65];
    snapshot_hash(snapshot, hash);
    int blocks = review_count_blocks(findings);
    bool overridden = blocks > 0 && r.override_hash && !strcmp(r.override_hash, hash);
    if (blocks > 0 && !overridden) {
        refuse_blocked(req, c, k, &r, findings, hash, blocks);
        goto out;
    }
    chain = review_chain(c, k);
    json_t *l1 = json_array_get(chain, 0);
    if (!l1) {
        http_db_error(req, c);
        goto out;
    }
    int64_t now = time_now_ms();
    int v = r.version + 1;
    char *snap = json_dumps(snapshot, JSON_SORT_KEYS | JSON_COMPACT),
         *fj = json_dumps(findings, JSON_COMPACT), *lv = json_dumps(chain, JSON_COMPACT);
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO review_versions (item_id, version, snapshot, findings, blocks, "
                      "overridden, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    bool ok = st != NULL;
    if (st) {
        db_bind_int64(st, 1, r.id);
        db_bind_int64(st, 2, v);
        db_bind_text(st, 3, snap);
        db_bind_text(st, 4, fj);
        db_bind_int64(st, 5, blocks);
        db_bind_bool(st, 6, overridden);
        db_bind_int64(st, 7, http_user_id(req));
        db_bind_int64(st, 8, now);
        ok = db_step(st) == DB_DONE;
    }
    db_done(st);
    free(snap);
    free(fj);
    qb_t q;
    qb_init(&q, "UPDATE review_items SET status = 'in_review', level = 1, nlevels = ");
    qb_int(&q, (int64_t)json_array_size(chain));
    qb_sql(&q, ", levels = ");
    qb_text(&q, lv);
    qb_sql(&q, ", level_perm = ");
    qb_text(&q, jstr(l1, "perm"));
    qb_sql(&q, ", level_org_type = ");
    qb_text(&q, jstr(l1, "org_type"));
    qb_sql(&q, ", level_at = ");
    qb_int(&q, now);
    qb_sql(&q, ", round_decisions = 0, version = ");
    qb_int(&q, v);
    qb_sql(&q, ", submitted_at = COALESCE(submitted_at, ");
    qb_int(&q, now);
    qb_sql(&q, "), blocked_hash = NULL, blocked_findings = NULL, updated_at = ");
    qb_int(&q, now);
    if (revision) {
        qb_sql(&q, ", revision_status = 'in_review', revision_by = ");
        qb_int(&q, http_user_id(req));
    }
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, r.id);
    qb_sql(&q, revision
                   ? " AND status = 'approved' AND revision_status IN ('editing', 'returned', 'rejected')"
                   : " AND status IN ('draft', 'returned', 'withdrawn')");
    free(lv);
    if (!ok) {
        qb_free(&q);
        http_db_error(req, c);
        goto out;
    }
    if (!res_transition(req, c, &q, "该内容已被提交或已处理"))
        goto out;
    if (review_status_move(c, &r, r.status, "in_review") != 0) {
        http_db_error(req, c);
        goto out;
    }
    snprintf(r.status, sizeof r.status, "in_review");
    review_hook_reset();
    review_event_t ev = {.item_id = r.id,
                         .ref_id = ref_id,
                         .org_id = r.org_id,
                         .actor_id = http_user_id(req),
                         .version = v,
                         .status = "in_review",
                         .snapshot = snapshot};
    const char *note = revision ? (overridden ? "提交修订（校对严重问题已由审核人员豁免）" : "提交修订")
                       : overridden ? "校对严重问题已由审核人员豁免"
                                    : NULL;
    ok = review_history_add(req, c, &r, v, 0, NULL, "submit", note, -1, now) == 0 &&
         review_stat(c, &r, "submitted", 0, 0, now) == 0 &&
         (revision || (review_mirror(c, k, ref_id, "in_review", 1, now) == 0 &&
                       (!k->changed || k->changed(c, &ev) == 0))) &&
         review_notify_reviewers(c, k, &r, jstr(l1, "perm"), jstr(l1, "org_type"), jstr(l1, "title")) == 0;
    if (!ok) {
        review_fail(req, c);
        goto out;
    }
    if (item && !(*item = review_item_json(c, k, ref_id))) {
        http_db_error(req, c);
        goto out;
    }
    done = true;
out:
    json_decref(findings);
    json_decref(chain);
    review_row_free(&r);
    return done;
}

bool review_submit(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t ref_id, json_t *snapshot,
                   json_t **item)
{
    return submit_round(req, c, k, ref_id, snapshot, item, false);
}

bool review_submit_item(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t ref_id, json_t *item,
                        const char *category, const char *const *keys, size_t nkeys)
{
    if (json_is_null(json_object_get(item, "review_id")) &&
        review_open(req, c, k, ref_id, jint(item, "org_id", 0), category, jstr(item, "title")) < 0)
        return false;
    json_t *snap = json_pick(item, keys, nkeys);
    bool ok = review_submit(req, c, k, ref_id, snap, NULL);
    json_decref(snap);
    return ok;
}

bool review_withdraw_item(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t ref_id, json_t *item,
                          const char *not_submitted)
{
    if (json_is_null(json_object_get(item, "review_id"))) {
        http_error(req, 409, "conflict", "%s", not_submitted);
        return false;
    }
    return review_withdraw(req, c, k, ref_id, NULL);
}

bool review_withdraw(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t ref_id, json_t **item)
{
    review_row_t r;
    int rc = review_item_get(c, 0, k->kind, ref_id, true, &r);
    if (rc <= 0) {
        if (rc < 0)
            http_db_error(req, c);
        else
            http_error(req, 404, "not_found", "审核事项不存在");
        return false;
    }
    bool done = false;
    int64_t now = time_now_ms();
    qb_t q;
    /* a revision withdrawn: the item is approved again, the revision editable */
    bool rev = r.revision_status[0] != 0;
    const char *to = rev ? "approved" : "withdrawn";
    qb_init(&q, "UPDATE review_items SET status = ");
    qb_text(&q, to);
    qb_sql(&q, rev ? ", revision_status = 'editing'" : "");
    qb_sql(&q, ", level = 0, level_perm = NULL, level_org_type = NULL, updated_at = ");
    qb_int(&q, now);
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, r.id);
    qb_sql(&q, " AND status = 'in_review' AND level = 1 AND round_decisions = 0");
    if (!res_transition(req, c, &q, "审核人员已经处理，不能撤回"))
        goto out;
    review_event_t ev = {.item_id = r.id,
                         .ref_id = ref_id,
                         .org_id = r.org_id,
                         .actor_id = http_user_id(req),
                         .version = r.version,
                         .status = "withdrawn"};
    snprintf(r.status, sizeof r.status, "%s", to);
    review_hook_reset();
    if (review_status_move(c, &r, "in_review", to) ||
        review_history_add(req, c, &r, r.version, 0, NULL, "withdraw", rev ? "撤回修订" : NULL, -1, now) ||
        review_stat(c, &r, "withdrawn", 0, 0, now) ||
        (!rev && (review_mirror(c, k, ref_id, "withdrawn", 0, now) || (k->changed && k->changed(c, &ev))))) {
        review_fail(req, c);
        goto out;
    }
    if (item && !(*item = review_item_json(c, k, ref_id))) {
        http_db_error(req, c);
        goto out;
    }
    done = true;
out:
    review_row_free(&r);
    return done;
}

/* ---- the item as JSON ---- */

static json_t *history_json(db_conn_t *c, int64_t item_id)
{
    db_stmt_t *st =
        db_prepare(c, "SELECT id, version, level, level_title, action, opinion, duration_ms, actor_id, "
                      "actor_name, created_at FROM review_decisions WHERE item_id = ? ORDER BY id");
    if (!st)
        return NULL;
    db_bind_int64(st, 1, item_id);
    json_t *a = json_array();
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
        json_object_set_new(o, "version", json_integer(db_col_int64(st, 1)));
        json_object_set_new(o, "level", json_integer(db_col_int64(st, 2)));
        json_object_set_new(o, "level_title", json_col_text(st, 3));
        json_object_set_new(o, "action", json_string(db_col_text(st, 4)));
        json_object_set_new(o, "opinion", json_col_text(st, 5));
        json_object_set_new(o, "duration_ms",
                            db_col_is_null(st, 6) ? json_null() : json_integer(db_col_int64(st, 6)));
        json_object_set_new(o, "actor_id", json_integer(db_col_int64(st, 7)));
        json_object_set_new(o, "actor_name", json_col_text(st, 8));
        json_object_set_new(o, "created_at", json_time(db_col_int64(st, 9)));
        json_array_append_new(a, o);
    }
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static json_t *versions_json(db_conn_t *c, int64_t item_id)
{
    db_stmt_t *st =
        db_prepare(c, "SELECT version, blocks, overridden, created_at, findings FROM review_versions "
                      "WHERE item_id = ? ORDER BY version");
    if (!st)
        return NULL;
    db_bind_int64(st, 1, item_id);
    json_t *a = json_array();
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        json_t *f = json_parse_or_null(db_col_text(st, 4));
        json_array_append_new(
            a, json_pack("{s:I,s:I,s:b,s:o,s:I}", "version", (json_int_t)db_col_int64(st, 0), "blocks",
                         (json_int_t)db_col_int64(st, 1), "overridden", db_col_bool(st, 2), "created_at",
                         json_time(db_col_int64(st, 3)), "findings", (json_int_t)json_array_size(f)));
        json_decref(f);
    }
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(a);
        return NULL;
    }
    return a;
}

/* ---- revisions of an approved item ---- */

/* The revision part of an item's JSON: {status, review_level, level_title,
 * changes, by} or null (new reference). lv: the item's chain (borrowed). */
static json_t *review_revision_of(const review_row_t *r, json_t *lv)
{
    if (!r->revision_status[0])
        return json_null();
    bool in_review = !strcmp(r->revision_status, "in_review");
    const char *lt =
        in_review && r->level > 0 ? jstr(json_array_get(lv, (size_t)r->level - 1), "title") : NULL;
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string(r->revision_status));
    json_object_set_new(o, "review_level", json_integer(in_review ? r->level : 0));
    json_object_set_new(o, "level_title", json_text_or_null(lt));
    json_object_set_new(o, "changes", r->revision ? json_incref(r->revision) : json_object());
    json_object_set_new(o, "by", r->revision_by ? json_integer(r->revision_by) : json_null());
    json_object_set_new(o, "withdrawable",
                        json_boolean(in_review && !strcmp(r->status, "in_review") && r->level == 1 &&
                                     r->round_decisions == 0));
    return o;
}

json_t *review_revision_json(db_conn_t *c, const review_kind_t *k, int64_t ref_id)
{
    review_row_t r;
    int rc = review_item_get(c, 0, k->kind, ref_id, false, &r);
    json_t *o = NULL;
    if (rc == 0)
        o = json_null();
    else if (rc == 1) {
        json_t *lv = r.levels ? json_incref(r.levels) : review_chain(c, k);
        o = lv ? review_revision_of(&r, lv) : NULL;
        json_decref(lv);
    }
    review_row_free(&r);
    return o;
}

/* The item of an approved row, locked; 1, or 0 after answering 404/409/5xx. */
static int revision_item(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t ref_id,
                         review_row_t *r)
{
    int rc = review_item_get(c, 0, k->kind, ref_id, true, r);
    if (rc < 0)
        http_db_error(req, c);
    else if (rc == 0)
        http_error(req, 409, "conflict", "尚未发布的内容没有修订，请直接修改");
    else if (!k->revised) {
        http_error(req, 409, "conflict", "%s不支持修订", k->title);
        rc = 0;
    } else if (!strcmp(r->revision_status, "in_review")) {
        http_error(req, 409, "conflict", "修订正在审核中，不能修改或放弃（可先撤回）");
        rc = 0;
    } else if (strcmp(r->status, "approved")) {
        http_error(req, 409, "conflict", "只有已发布（审核通过）的内容可以修订");
        rc = 0;
    }
    return rc;
}

bool review_revision_save(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t ref_id,
                          json_t *changes)
{
    review_row_t r;
    if (revision_item(req, c, k, ref_id, &r) != 1) {
        review_row_free(&r);
        return false;
    }
    char *cj = json_dumps(changes, JSON_SORT_KEYS | JSON_COMPACT);
    qb_t q;
    qb_init(&q, "UPDATE review_items SET revision = ");
    qb_text(&q, cj);
    /* a returned or rejected revision, edited, is a revision being edited */
    qb_sql(&q, ", revision_status = 'editing', revision_by = ");
    qb_int(&q, http_user_id(req));
    qb_sql(&q, ", updated_at = ");
    qb_int(&q, time_now_ms());
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, r.id);
    qb_sql(&q, " AND status = 'approved' AND (revision_status IS NULL OR revision_status <> 'in_review')");
    free(cj);
    bool ok = res_transition(req, c, &q, "修订已被提交审核");
    review_row_free(&r);
    return ok;
}

bool review_revision_submit(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t ref_id,
                            json_t *snapshot, json_t **item)
{
    if (!k->revised) {
        http_error(req, 409, "conflict", "%s不支持修订", k->title);
        return false;
    }
    return submit_round(req, c, k, ref_id, snapshot, item, true);
}

/* the revision of ref_id, deferred to the request; NULL after a 5xx */
static json_t *revision_of(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t ref_id)
{
    json_t *rv = http_defer_json(req, review_revision_json(c, k, ref_id));
    if (!rv)
        http_db_error(req, c);
    return rv;
}

json_t *review_revision_changes(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t ref_id)
{
    json_t *rv = revision_of(req, c, k, ref_id);
    json_t *ch = rv ? json_object_get(rv, "changes") : NULL;
    if (rv && (!json_is_object(ch) || !json_object_size(ch))) {
        http_error(req, 409, "conflict", "没有可提交的修订（请先保存修订内容）");
        return NULL;
    }
    return ch;
}

bool review_revision_withdraw(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t ref_id)
{
    json_t *rv = revision_of(req, c, k, ref_id);
    if (!rv)
        return false;
    const char *st = json_string_value(json_object_get(rv, "status"));
    if (!st || strcmp(st, "in_review")) {
        http_error(req, 409, "conflict", "修订不在审核中");
        return false;
    }
    return review_withdraw(req, c, k, ref_id, NULL);
}

bool review_revision_discard(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t ref_id)
{
    review_row_t r;
    if (revision_item(req, c, k, ref_id, &r) != 1) {
        review_row_free(&r);
        return false;
    }
    if (!r.revision_status[0]) {
        review_row_free(&r);
        http_error(req, 409, "conflict", "没有进行中的修订");
        return false;
    }
    qb_t q;
    qb_init(&q, "UPDATE review_items SET revision = NULL, revision_status = NULL, revision_by = NULL, "
                "updated_at = ");
    qb_int(&q, time_now_ms());
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, r.id);
    qb_sql(&q, " AND status = 'approved' AND revision_status IN ('editing', 'returned', 'rejected')");
    review_row_free(&r);
    return res_transition(req, c, &q, "修订已被提交审核");
}

json_t *review_row_json(db_conn_t *c, const review_row_t *r)
{
    json_t *h = history_json(c, r->id), *v = h ? versions_json(c, r->id) : NULL;
    if (!v) {
        json_decref(h);
        return NULL;
    }
    const review_kind_t *k = review_kind(r->kind);
    json_t *lv = r->levels ? json_incref(r->levels) : k ? review_chain(c, k) : json_array();
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "kind", json_string(r->kind));
    json_object_set_new(o, "kind_title", json_string(k ? k->title : r->kind));
    json_object_set_new(o, "ref_id", json_integer(r->ref_id));
    json_object_set_new(o, "org_id", json_integer(r->org_id));
    json_object_set_new(o, "title", json_text_or_null(r->title));
    json_object_set_new(o, "category", json_text_or_null(r->category));
    json_object_set_new(o, "status", json_string(r->status));
    json_object_set_new(o, "level", json_integer(r->level));
    json_object_set_new(o, "nlevels", json_integer(r->nlevels));
    json_object_set_new(o, "level_title",
                        r->level > 0 && r->level_org_type[0] && !strcmp(r->status, "in_review")
                            ? json_string(jstr(json_array_get(lv, (size_t)r->level - 1), "title"))
                            : json_null());
    json_object_set_new(o, "levels", lv ? lv : json_array());
    json_object_set_new(o, "version", json_integer(r->version));
    json_object_set_new(o, "level_at", json_time(r->level_at));
    json_object_set_new(o, "submitted_at", json_time(r->submitted_at));
    json_object_set_new(o, "created_by", json_integer(r->created_by));
    json_object_set_new(o, "blocked", json_boolean(r->blocked_hash != NULL));
    json_object_set_new(o, "blocked_findings",
                        r->blocked_findings ? json_parse_or_null(r->blocked_findings) : json_null());
    json_object_set_new(
        o, "overridden",
        json_boolean(r->override_hash && r->blocked_hash && !strcmp(r->override_hash, r->blocked_hash)));
    json_object_set_new(
        o, "withdrawable",
        json_boolean(!strcmp(r->status, "in_review") && r->level == 1 && r->round_decisions == 0));
    json_object_set_new(o, "revisions", json_integer(r->revisions));
    json_object_set_new(o, "revision", review_revision_of(r, lv));
    json_object_set_new(o, "history", h);
    json_object_set_new(o, "versions", v);
    return o;
}

json_t *review_item_json(db_conn_t *c, const review_kind_t *k, int64_t ref_id)
{
    review_row_t r;
    json_t *o = review_item_get(c, 0, k->kind, ref_id, false, &r) == 1 ? review_row_json(c, &r) : NULL;
    review_row_free(&r);
    return o;
}

const char *review_event_phase(const char *status, int64_t cancelled_at, int64_t starts, int64_t ends)
{
    int64_t now = time_now_ms();
    return cancelled_at                 ? "cancelled"
           : strcmp(status, "approved") ? NULL
           : !starts || now < starts    ? "upcoming"
           : now < ends                 ? "ongoing"
                                        : "ended";
}
