/* items_api.c — the reviewers' side of the review engine: review items in
 * the caller's scope, the queue of what the caller may decide now, the
 * decisions themselves (guarded: of two reviewers deciding at once, one wins
 * and the other gets 409), overrides of proofreading blocks, and the chains. */
#include "core/jsonutil.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/review/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const res_sort_t ITEM_SORTS[] = {{"id", "i.id"},
                                        {"title", "i.title"},
                                        {"status", "i.status"},
                                        {"level_at", "i.level_at"},
                                        {"submitted_at", "i.submitted_at"},
                                        {"updated_at", "i.updated_at"},
                                        {NULL, NULL}};
const zd_resource_t REVIEW_ITEMS = {.name = "review_item",
                                    .title = "审核事项",
                                    .table = "review_items",
                                    .alias = "i",
                                    .org_col = "i.org_id",
                                    .creator_col = "i.created_by",
                                    .perm = "review.read",
                                    .keyset = "i.id",
                                    .sorts = ITEM_SORTS};

#define ITEM_LIST_COLS                                                                                       \
    "i.id, i.kind, i.ref_id, i.org_id, i.title, i.category, i.status, i.level, i.nlevels, "                  \
    "i.level_org_type, "                                                                                     \
    "i.version, i.level_at, i.submitted_at, i.created_by, i.updated_at, "                                    \
    "(SELECT name FROM orgs WHERE id = i.org_id), (SELECT name FROM users WHERE id = i.created_by), "        \
    "i.revision_status"

static json_t *item_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    const review_kind_t *k = review_kind(db_col_text(st, 1));
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, "kind", json_string(db_col_text(st, 1)));
    json_object_set_new(o, "kind_title", json_string(k ? k->title : db_col_text(st, 1)));
    json_object_set_new(o, "ref_id", json_integer(db_col_int64(st, 2)));
    if (k && k->link) {
        char link[128];
        snprintf(link, sizeof link, k->link, (long long)db_col_int64(st, 2));
        json_object_set_new(o, "link", json_string(link));
    }
    json_object_set_new(o, "org_id", json_integer(db_col_int64(st, 3)));
    json_object_set_new(o, "title", json_col_text(st, 4));
    json_object_set_new(o, "category", json_col_text(st, 5));
    json_object_set_new(o, "status", json_string(db_col_text(st, 6)));
    json_object_set_new(o, "level", json_integer(db_col_int64(st, 7)));
    json_object_set_new(o, "nlevels", json_integer(db_col_int64(st, 8)));
    json_object_set_new(o, "level_title",
                        db_col_is_null(st, 9) ? json_null()
                                              : json_string(review_level_title(db_col_text(st, 9))));
    json_object_set_new(o, "version", json_integer(db_col_int64(st, 10)));
    json_object_set_new(o, "level_at", json_time(db_col_int64(st, 11)));
    json_object_set_new(o, "submitted_at", json_time(db_col_int64(st, 12)));
    json_object_set_new(o, "created_by", json_integer(db_col_int64(st, 13)));
    json_object_set_new(o, "updated_at", json_time(db_col_int64(st, 14)));
    json_object_set_new(o, "org_name", json_col_text(st, 15));
    json_object_set_new(o, "created_by_name", json_col_text(st, 16));
    json_object_set_new(o, "revision_status", json_col_text(st, 17));
    return o;
}

static const char *const DECISIONS[] = {"approve", "return", "reject", NULL};

static const vfield_t ITEM_QUERY[] = {
    {"kind", V_STR, .max = 32, .title = "类型"},
    {"status", V_ENUM, .choices = REVIEW_STATUSES, .title = "状态"},
    {"q", V_STR, .max = 100, .title = "标题包含"},
    {"mine", V_BOOL, .title = "只看我提交的"},
};
static const vfield_t QUEUE_QUERY[] = {{"kind", V_STR, .max = 32, .title = "类型"}};
static const vfield_t ITEM_OUT[] = {
    {"id", V_ID},
    {"kind", V_STR, .title = "类型"},
    {"kind_title", V_STR},
    {"ref_id", V_ID, .title = "所属模块中的编号"},
    {"link", V_STR, .title = "控制台页面"},
    {"org_id", V_ID},
    {"org_name", V_STR},
    {"title", V_STR},
    {"category", V_STR},
    {"status", V_ENUM, .choices = REVIEW_STATUSES},
    {"level", V_INT, .title = "当前审核级（1 起）"},
    {"nlevels", V_INT, .title = "审核级数"},
    {"level_title", V_STR},
    {"version", V_INT, .title = "提交版本"},
    {"level_at", V_TIME, .title = "进入当前审核级的时间"},
    {"submitted_at", V_TIME},
    {"created_by", V_ID},
    {"created_by_name", V_STR},
    {"revision_status", V_ENUM, .choices = REVIEW_REVISION_STATUSES,
     .title = "修订状态（已发布内容的修订；无修订为 null）"},
};
static const vfield_t DECISION_BODY[] = {
    {"action", V_ENUM, true, .choices = DECISIONS,
     .title = "决定：approve 通过，return 退回修改，reject 驳回"},
    {"opinion", V_TEXT, true, 1, 2000, .title = "审核意见"},
    {"version", V_INT, false, 1, 1000000, .title = "审核人看到的版本（已更新则 409）"},
};
static const vfield_t OVERRIDE_BODY[] = {{"reason", V_TEXT, true, 2, 1000, .title = "豁免理由"}};

/* ---- reading ---- */

static void list_items(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &REVIEW_ITEMS, &w);
    const char *kind = http_query(req, "kind"), *st = http_query(req, "status"), *q = http_query(req, "q");
    if (kind) {
        qb_sql(&w, " AND i.kind = ");
        qb_text(&w, kind);
    }
    if (st) {
        qb_sql(&w, " AND i.status = ");
        qb_text(&w, st);
    }
    if (q && *q) {
        static const char *const cols[] = {"i.title"};
        qb_like_any(&w, cols, 1, q);
    }
    if (http_query_bool(req, "mine")) {
        qb_sql(&w, " AND i.created_by = ");
        qb_int(&w, http_user_id(req));
    }
    res_list(req, c, &REVIEW_ITEMS, ITEM_LIST_COLS, &w, "i.id DESC", item_row, NULL);
    qb_free(&w);
}

/* The row of {id} when visible to the caller; 404 otherwise. */
static int load_visible(http_req_t *req, db_conn_t *c, int64_t id, bool lock, review_row_t *r)
{
    memset(r, 0, sizeof *r);
    if (!res_visible(req, c, &REVIEW_ITEMS, id))
        return 0;
    int rc = review_item_get(c, id, NULL, 0, lock, r);
    if (rc < 0)
        http_db_error(req, c);
    else if (rc == 0)
        res_not_found(req, &REVIEW_ITEMS);
    return rc;
}

/* What the caller may do with the item now. */
static void add_abilities(http_req_t *req, db_conn_t *c, const review_row_t *r, json_t *o)
{
    bool decide = !strcmp(r->status, "in_review") &&
                  review_may_decide(req, c, r->level_perm, r->level_org_type, r->org_id) == 1;
    const review_kind_t *k = review_kind(r->kind);
    bool override =
        r->blocked_hash && k &&
        (!strcmp(r->status, "draft") || !strcmp(r->status, "returned") || !strcmp(r->status, "withdrawn")) &&
        review_can_decide(req, c, k, r->org_id, 1);
    json_object_set_new(o, "can_decide", json_boolean(decide));
    json_object_set_new(o, "can_override", json_boolean(override));
    if (k && k->link) {
        char link[128];
        snprintf(link, sizeof link, k->link, (long long)r->ref_id);
        json_object_set_new(o, "link", json_string(link));
    }
}

static void get_item(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    review_row_t r;
    if (load_visible(req, c, id, false, &r) <= 0)
        return;
    json_t *o = review_row_json(c, &r);
    if (o)
        add_abilities(req, c, &r, o);
    review_row_free(&r);
    if (!o) {
        http_db_error(req, c);
        return;
    }
    http_json(req, 200, o);
}

static void get_version(http_req_t *req)
{
    int64_t id, v;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    if (!http_param_id(req, "version", &v))
        return;
    if (!res_visible(req, c, &REVIEW_ITEMS, id))
        return;
    db_stmt_t *st = db_prepare(c, "SELECT version, snapshot, findings, blocks, overridden, created_at FROM "
                                  "review_versions WHERE item_id = ? AND version = ?");
    if (!st) {
        http_db_error(req, c);
        return;
    }
    db_bind_int64(st, 1, id);
    db_bind_int64(st, 2, v);
    int rc = db_step(st);
    json_t *o = NULL;
    if (rc == DB_ROW)
        o = json_pack("{s:I,s:o,s:o,s:I,s:b,s:o}", "version", (json_int_t)db_col_int64(st, 0), "snapshot",
                      json_parse_or_null(db_col_text(st, 1)), "findings",
                      json_parse_or_null(db_col_text(st, 2)), "blocks", (json_int_t)db_col_int64(st, 3),
                      "overridden", db_col_bool(st, 4), "created_at", json_time(db_col_int64(st, 5)));
    db_done(st);
    if (rc == DB_ERROR)
        http_db_error(req, c);
    else if (!o)
        http_error(req, 404, "not_found", "该版本不存在");
    else
        http_json(req, 200, o);
}

/* " AND <the items the caller may decide now>": at a level whose
 * permission the caller holds, inside the scope of that permission, for
 * the type of the caller's organisation. With one such permission (the
 * usual case) the condition is a plain equality the queue index serves. */
static void queue_cond(http_req_t *req, const char *kind, qb_t *w)
{
    const char *held[4];
    int n = 0;
    for (int i = 0; REVIEW_DECIDE_PERMS[i] && n < 4; i++)
        if (auth_has(req, REVIEW_DECIDE_PERMS[i]))
            held[n++] = REVIEW_DECIDE_PERMS[i];
    qb_sql(w, " AND i.status = 'in_review' AND i.level_org_type = ");
    qb_text(w, review_caller_org_type(req));
    if (n == 0)
        qb_sql(w, " AND 1 = 0");
    else if (n == 1) {
        qb_sql(w, " AND i.level_perm = ");
        qb_text(w, held[0]);
        auth_scope_cond(req, w, auth_scope_for(req, held[0]), "i.org_id", NULL, NULL);
    } else {
        qb_sql(w, " AND (1 = 0");
        for (int i = 0; i < n; i++) {
            qb_sql(w, " OR (i.level_perm = ");
            qb_text(w, held[i]);
            auth_scope_cond(req, w, auth_scope_for(req, held[i]), "i.org_id", NULL, NULL);
            qb_sql(w, ")");
        }
        qb_sql(w, ")");
    }
    if (kind) {
        qb_sql(w, " AND i.kind = ");
        qb_text(w, kind);
    }
}

static void list_queue(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &REVIEW_ITEMS, &w);
    queue_cond(req, http_query(req, "kind"), &w);
    res_list(req, c, &REVIEW_ITEMS, ITEM_LIST_COLS, &w, "i.level_at, i.id", item_row, NULL);
    qb_free(&w);
}

/* {"total":N,"kinds":{"article":n,…}}, or NULL after answering 5xx */
json_t *review_queue_counts(http_req_t *req, db_conn_t *c, const char *kind)
{
    qb_t w, q;
    res_from(req, &REVIEW_ITEMS, &w);
    queue_cond(req, kind, &w);
    qb_init(&q, "SELECT i.kind, COUNT(*)");
    qb_append(&q, &w);
    qb_sql(&q, " GROUP BY i.kind");
    qb_free(&w);
    db_stmt_t *st = qb_prepare(c, &q);
    json_t *kinds = json_object();
    int64_t total = 0;
    int rc = st ? DB_ROW : DB_ERROR;
    while (st && (rc = db_step(st)) == DB_ROW) {
        total += db_col_int64(st, 1);
        json_object_set_new(kinds, db_col_text(st, 0), json_integer(db_col_int64(st, 1)));
    }
    db_done(st);
    qb_free(&q);
    if (rc != DB_DONE) {
        json_decref(kinds);
        return NULL;
    }
    return json_pack("{s:I,s:o}", "total", (json_int_t)total, "kinds", kinds);
}

static void queue_counts(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    json_t *o = review_queue_counts(req, c, http_query(req, "kind"));
    if (!o)
        http_db_error(req, c);
    else
        http_json(req, 200, o);
}

/* ---- deciding ---- */

static json_t *version_snapshot(db_conn_t *c, int64_t item_id, int version)
{
    db_stmt_t *st = db_prepare(c, "SELECT snapshot FROM review_versions WHERE item_id = ? AND version = ?");
    json_t *s = NULL;
    if (st) {
        db_bind_int64(st, 1, item_id);
        db_bind_int64(st, 2, version);
        if (db_step(st) == DB_ROW)
            s = json_loads(db_col_text(st, 0), 0, NULL);
    }
    db_done(st);
    return s;
}

static const char *action_word(const char *a)
{
    return !strcmp(a, "approve") ? "通过" : !strcmp(a, "return") ? "退回修改" : "驳回";
}

static void decide(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *b = http_json_body(req);
    const char *action = jstr(b, "action"), *opinion = jstr(b, "opinion");
    review_row_t r;
    json_t *snap = NULL, *after = NULL;
    if (load_visible(req, c, id, true, &r) <= 0)
        return;
    const review_kind_t *k = review_kind(r.kind);
    if (!k) {
        http_error(req, 409, "conflict", "该类型的审核已不再提供");
        goto out;
    }
    if (strcmp(r.status, "in_review")) {
        http_error(req, 409, "conflict", "该事项已不在审核中（已被处理或已撤回）");
        goto out;
    }
    int may = review_may_decide(req, c, r.level_perm, r.level_org_type, r.org_id);
    if (may < 0) {
        http_db_error(req, c);
        goto out;
    }
    if (!may) {
        /* a reviewer of an earlier level who was a moment too late: the
         * item moved on (409); anyone else is not a reviewer of it (403) */
        bool earlier = false;
        for (int l = 0; l < r.level - 1 && !earlier; l++) {
            json_t *lv = json_array_get(r.levels, (size_t)l);
            earlier = review_may_decide(req, c, jstr(lv, "perm"), jstr(lv, "org_type"), r.org_id) == 1;
        }
        if (earlier)
            http_error(req, 409, "conflict", "其他审核人员刚刚处理了该事项（现处于%s）",
                       review_level_title(r.level_org_type));
        else
            http_error(req, 403, "forbidden", "该事项当前处于%s，您不能审核",
                       review_level_title(r.level_org_type));
        goto out;
    }
    int64_t want = jint(b, "version", 0);
    if (want && want != r.version) {
        http_error(req, 409, "conflict", "内容已更新为第 %d 版，请刷新后再审核", r.version);
        goto out;
    }
    int64_t now = time_now_ms(), dur = r.level_at ? now - r.level_at : 0;
    int level = r.level;
    const char *level_title = jstr(json_array_get(r.levels, (size_t)level - 1), "title");
    if (!level_title)
        level_title = review_level_title(r.level_org_type);
    bool final = false;
    json_t *next = NULL;
    const char *status = "in_review";
    qb_t q;
    qb_init(&q, "UPDATE review_items SET round_decisions = round_decisions + 1, updated_at = ");
    qb_int(&q, now);
    if (!strcmp(action, "approve")) {
        next = json_array_get(r.levels, (size_t)level);
        if (next && level < r.nlevels) {
            qb_sql(&q, ", level = level + 1, level_perm = ");
            qb_text(&q, jstr(next, "perm"));
            qb_sql(&q, ", level_org_type = ");
            qb_text(&q, jstr(next, "org_type"));
            qb_sql(&q, ", level_at = ");
            qb_int(&q, now);
        } else {
            final = true;
            status = "approved";
            next = NULL;
        }
    } else
        status = !strcmp(action, "return") ? "returned" : "rejected";
    /* a revision's round ends with the item approved again (the published
     * row never left it); the revision keeps the outcome */
    bool rev = r.revision_status[0] != 0;
    const char *item_status = rev && strcmp(status, "in_review") ? "approved" : status;
    if (strcmp(status, "in_review")) {
        qb_sql(&q, ", status = ");
        qb_text(&q, item_status);
        qb_sql(&q, ", level_perm = NULL, level_org_type = NULL");
        if (rev) {
            qb_sql(&q, ", level = 0");
            if (final)
                qb_sql(&q, ", revision = NULL, revision_status = NULL, revision_by = NULL, "
                           "revisions = revisions + 1");
            else {
                qb_sql(&q, ", revision_status = ");
                qb_text(&q, status);
            }
        } else if (!strcmp(status, "returned"))
            qb_sql(&q, ", level = 0");
        else {
            qb_sql(&q, ", finished_at = ");
            qb_int(&q, now);
        }
    }
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, r.id);
    qb_sql(&q, " AND status = 'in_review' AND level = ");
    qb_int(&q, level);
    qb_sql(&q, " AND version = ");
    qb_int(&q, r.version);
    if (!res_transition(req, c, &q, "其他审核人员刚刚处理了该事项"))
        goto out;
    snap = version_snapshot(c, r.id, r.version);
    int new_level = !strcmp(status, "in_review") ? level + 1 : !strcmp(status, "returned") ? 0 : level;
    review_event_t ev = {.item_id = r.id,
                         .ref_id = r.ref_id,
                         .org_id = r.org_id,
                         .actor_id = http_user_id(req),
                         .level = level,
                         .version = r.version,
                         .status = status,
                         .opinion = opinion,
                         .snapshot = snap};
    char msg[800];
    const char *t = r.title ? r.title : "";
    int tn = (int)utf8_prefix(t, strlen(t), 80);
    if (rev && strcmp(status, "in_review"))
        snprintf(msg, sizeof msg, "《%.*s》的修订%s", tn, t,
                 final                         ? "已审核通过，已生效"
                 : !strcmp(status, "returned") ? "被退回修改，已发布的内容不变"
                                               : "未通过，已发布的内容不变");
    else if (final)
        snprintf(msg, sizeof msg, "《%.*s》已审核通过", tn, t);
    else if (next)
        snprintf(msg, sizeof msg, "《%.*s》已通过%s，进入%s", tn, t, level_title, jstr(next, "title"));
    else
        snprintf(msg, sizeof msg, "《%.*s》%s：%s", tn, t, level_title,
                 !strcmp(status, "returned") ? "退回修改" : "驳回");
    review_hook_reset();
    if (rev && r.revision_by)
        r.created_by = r.revision_by; /* who submitted the revision is told */
    bool ok =
        review_history_add(req, c, &r, r.version, level, level_title, action, opinion, dur, now) == 0 &&
        review_stat(c, &r, "decided", level, dur, now) == 0 &&
        (strcmp(status, "in_review") ? review_status_move(c, &r, "in_review", item_status) == 0 : true) &&
        (strcmp(status, "in_review") ? review_stat(c, &r, status, 0, 0, now) == 0 : true) &&
        (rev ? (!final || (k->revised && k->revised(c, &ev, r.revision) == 0))
             : (!final || !k->approving || k->approving(c, &ev) == 0) &&
                   review_mirror(c, k, r.ref_id, status, new_level, now) == 0 &&
                   (final ? (!k->approved || k->approved(c, &ev) == 0)
                          : (!k->changed || k->changed(c, &ev) == 0))) &&
        review_notify_submitter(c, k, &r, "review.decision", msg, opinion) == 0 &&
        (!next || review_notify_reviewers(c, k, &r, jstr(next, "perm"), jstr(next, "org_type"),
                                          jstr(next, "title")) == 0);
    if (!ok) {
        review_fail(req, c);
        goto out;
    }
    /* level_title and t point into r: the record's text is made before r goes */
    const char *detail =
        http_printf(req, "%s%s《%.*s》：%s", level_title, action_word(action), tn, t, opinion);
    review_row_free(&r);
    if (review_item_get(c, id, NULL, 0, false, &r) == 1 && (after = review_row_json(c, &r)))
        add_abilities(req, c, &r, after);
    char act[32];
    snprintf(act, sizeof act, "review.%s", action);
    audit_entry_t ae = {.action = act, .target = id, .after = after, .detail = detail};
    audit_reply(req, c, after != NULL, &ae, 200, after);
    after = NULL;
out:
    json_decref(snap);
    json_decref(after);
    review_row_free(&r);
}

static void override_block(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    const char *reason = jstr(http_json_body(req), "reason");
    review_row_t r;
    json_t *after = NULL;
    if (load_visible(req, c, id, true, &r) <= 0)
        return;
    const review_kind_t *k = review_kind(r.kind);
    if (!k || !r.blocked_hash ||
        (strcmp(r.status, "draft") && strcmp(r.status, "returned") && strcmp(r.status, "withdrawn"))) {
        http_error(req, 409, "conflict", "该事项没有待豁免的校对拦截");
        goto out;
    }
    if (!review_can_decide(req, c, k, r.org_id, 1)) {
        http_error(req, 403, "forbidden", "只有第一级审核人员可以豁免校对拦截");
        goto out;
    }
    int64_t now = time_now_ms();
    qb_t q;
    qb_init(&q, "UPDATE review_items SET override_hash = blocked_hash, override_reason = ");
    qb_text(&q, reason);
    qb_sql(&q, ", override_by = ");
    qb_int(&q, http_user_id(req));
    qb_sql(&q, ", updated_at = ");
    qb_int(&q, now);
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND blocked_hash = ");
    qb_text(&q, r.blocked_hash);
    if (!res_transition(req, c, &q, "内容已修改，请按新的校对结果处理"))
        goto out;
    char msg[600];
    const char *t = r.title ? r.title : "";
    snprintf(msg, sizeof msg, "《%.*s》的校对拦截已由审核人员豁免，可以提交",
             (int)utf8_prefix(t, strlen(t), 80), t);
    if (review_history_add(req, c, &r, r.version, 1, NULL, "override", reason, -1, now) ||
        review_notify_submitter(c, k, &r, "review.override", msg, reason)) {
        http_db_error(req, c);
        goto out;
    }
    review_row_free(&r);
    if (review_item_get(c, id, NULL, 0, false, &r) == 1 && (after = review_row_json(c, &r)))
        add_abilities(req, c, &r, after);
    audit_entry_t ae = {.target = id, .after = after, .detail = http_printf(req, "豁免理由：%s", reason)};
    audit_reply(req, c, after != NULL, &ae, 200, after);
    after = NULL;
out:
    json_decref(after);
    review_row_free(&r);
}

/* ---- chains ---- */

static json_t *chain_entry(db_conn_t *c, const review_kind_t *k)
{
    json_t *cur = review_chain(c, k);
    if (!cur)
        return NULL;
    json_t *def = review_default_chain(k);
    return json_pack("{s:s,s:s,s:o,s:o,s:b}", "kind", k->kind, "title", k->title, "levels", cur,
                     "default_levels", def, "customised", !json_equal(cur, def));
}

static void list_chains(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    json_t *a = json_array();
    for (int i = 0; review_kind_at(i); i++) {
        json_t *e = chain_entry(c, review_kind_at(i));
        if (!e) {
            json_decref(a);
            http_db_error(req, c);
            return;
        }
        json_array_append_new(a, e);
    }
    http_json(req, 200, json_pack("{s:o}", "items", a));
}

static int type_rank(const char *t)
{
    for (int i = 0; REVIEW_ORG_TYPES[i]; i++)
        if (t && !strcmp(t, REVIEW_ORG_TYPES[i]))
            return i;
    return -1;
}

static const char *check_levels(json_t *v)
{
    size_t i;
    json_t *l;
    int prev = -1;
    json_array_foreach(v, i, l)
    {
        int r = type_rank(json_is_object(l) ? jstr(l, "org_type") : NULL);
        if (r < 0)
            return "每一级须指定审核组织层级：street（街镇）、district（区）或 city（市）";
        if (r <= prev)
            return "审核级须由下到上排列（街镇 → 区 → 市），且不能重复";
        prev = r;
    }
    return NULL;
}

static const vfield_t CHAIN_BODY[] = {
    {"levels", V_ARRAY, true, 1, REVIEW_MAX_LEVELS, .check = check_levels,
     .title = "审核级 [{org_type}]，1 至 3 级，由下到上"},
};

static const review_kind_t *kind_param(http_req_t *req)
{
    const review_kind_t *k = review_kind(http_param(req, "kind"));
    if (!k)
        http_error(req, 404, "not_found", "没有这种审核类型");
    return k;
}

static void save_chain(http_req_t *req, const review_kind_t *k, json_t *levels)
{
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    json_t *before = http_defer_json(req, chain_entry(c, k));
    if (!before) {
        http_db_error(req, c);
        return;
    }
    db_stmt_t *st;
    if (levels) {
        char *s = json_dumps(levels, JSON_COMPACT);
        st = db_prepare(
            c, "INSERT INTO review_chains (kind, levels, updated_by, updated_at) VALUES (?, ?, ?, ?) "
               "ON CONFLICT (kind) DO UPDATE SET levels = excluded.levels, updated_by = "
               "excluded.updated_by, updated_at = excluded.updated_at");
        if (st) {
            db_bind_text(st, 1, k->kind);
            db_bind_text(st, 2, s);
            db_bind_int64(st, 3, http_user_id(req));
            db_bind_int64(st, 4, time_now_ms());
        }
        free(s);
    } else if ((st = db_prepare(c, "DELETE FROM review_chains WHERE kind = ?")))
        db_bind_text(st, 1, k->kind);
    bool ok = st && db_step(st) == DB_DONE;
    db_done(st);
    json_t *after = ok ? chain_entry(c, k) : NULL;
    audit_entry_t ae = {
        .target_type = "review_chain", .target_id = k->kind, .before = before, .after = after};
    audit_reply(req, c, after != NULL, &ae, 200, after);
}

static void put_chain(http_req_t *req)
{
    const review_kind_t *k = kind_param(req);
    if (!k)
        return;
    json_t *levels = json_array();
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(http_json_body(req), "levels"), i, l)
    {
        const char *t = jstr(l, "org_type");
        char perm[32];
        snprintf(perm, sizeof perm, "review.%s", t);
        json_array_append_new(
            levels, json_pack("{s:s,s:s,s:s}", "org_type", t, "perm", perm, "title", review_level_title(t)));
    }
    save_chain(req, k, levels);
    json_decref(levels);
}

static void reset_chain(http_req_t *req)
{
    const review_kind_t *k = kind_param(req);
    if (k)
        save_chain(req, k, NULL);
}

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/review/items", .handler = list_items, .perm = "review.read",
     .flags = HTTP_LIST, .summary = "审核事项列表", .resource = &REVIEW_ITEMS, HTTP_QUERY(ITEM_QUERY), HTTP_OUT(ITEM_OUT)},
    {.method = "GET", .pattern = "/api/v1/review/items/{id}", .handler = get_item, .perm = "review.read",
     .summary = "审核事项详情（审核链、历史、版本）", .resource = &REVIEW_ITEMS,
     .notes = "history [{version,level,level_title,action,opinion,duration_ms,actor_name,created_at}], versions "
              "[{version,blocks,overridden,findings,created_at}], can_decide, can_override"},
    {.method = "GET", .pattern = "/api/v1/review/items/{id}/versions/{version}", .handler = get_version,
     .perm = "review.read", .summary = "某一提交版本的内容与校对结果", .resource = &REVIEW_ITEMS},
    {.method = "POST", .pattern = "/api/v1/review/items/{id}/decision", .handler = decide, .perm = HTTP_LOGIN,
     .summary = "审核决定（通过、退回修改、驳回）", .audit = "review.decide", .resource = &REVIEW_ITEMS,
     HTTP_BODY(DECISION_BODY), .example = "{\"action\":\"approve\",\"opinion\":\"同意\"}",
     .notes = "needs the current level's permission (review.street/district/city) over the item's organisation, "
              "from an organisation of that level; 409 when another reviewer decided first or the version changed"},
    {.method = "POST", .pattern = "/api/v1/review/items/{id}/override", .handler = override_block,
     .perm = HTTP_LOGIN, .summary = "豁免校对拦截", .audit = "review.override", .resource = &REVIEW_ITEMS,
     HTTP_BODY(OVERRIDE_BODY), .example = "{\"reason\":\"经核实为引用原文\"}",
     .notes = "a first-level reviewer lets this very content through despite its block findings"},
    {.method = "GET", .pattern = "/api/v1/review/queue", .handler = list_queue, .perm = "review.read",
     .flags = HTTP_LIST, .summary = "我的待审（最早的在前）", .resource = &REVIEW_ITEMS, HTTP_QUERY(QUEUE_QUERY),
     HTTP_OUT(ITEM_OUT)},
    {.method = "GET", .pattern = "/api/v1/review/queue/counts", .handler = queue_counts, .perm = "review.read",
     .summary = "待审数量（按类型）", .resource = &REVIEW_ITEMS, HTTP_QUERY(QUEUE_QUERY), .notes = "{total, kinds:{kind:n}}"},
    {.method = "GET", .pattern = "/api/v1/review/chains", .handler = list_chains, .perm = "review.read",
     .summary = "审核链配置"},
    {.method = "PUT", .pattern = "/api/v1/review/chains/{kind}", .handler = put_chain, .perm = "review.admin",
     .summary = "设置审核链", .audit = "review.chain.update", HTTP_BODY(CHAIN_BODY),
     .example = "{\"levels\":[{\"org_type\":\"district\"},{\"org_type\":\"city\"}]}",
     .notes = "applies to submissions from now on; items already in review keep their chain"},
    {.method = "DELETE", .pattern = "/api/v1/review/chains/{kind}", .handler = reset_chain, .perm = "review.admin",
     .summary = "恢复默认审核链", .audit = "review.chain.reset"},
};
// clang-format on

int review_items_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
