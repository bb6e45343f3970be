/* rating.c — members' ratings with the sensitive-word check, shared by the
 * course matrix and the lecture hall (rating.h). The comment passes the
 * proofreading engine's check (proofread_text_json, as the submissions use
 * it): a sensitive finding holds it for moderation (status held) instead
 * of showing it; the organisers publish or reject it. The averages (every
 * rating not rejected) and the published comments are public.
 *
 * The table and column names spliced into the SQL are the kinds'
 * constants, never input; every value is bound. */
#include "modules/rating/rating.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "modules/proofread/proofread.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const RATING_STATUSES[] = {"published", "held", "rejected", NULL};

const vfield_t RATING_BODY[4] = {
    {"content", V_INT, true, 1, 5, .title = "内容质量（1–5）"},
    {"lecturer", V_INT, true, 1, 5, .title = "主讲人（1–5）"},
    {"form", V_INT, true, 1, 5, .title = "授课形式（1–5）"},
    {"comment", V_TEXT, false, 0, 500, .title = "评价（经敏感词检查，命中则待审核后公开）"},
};

json_t *rating_row(db_stmt_t *st, void *ud)
{
    const rating_kind_t *k = ud;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, k->parent_col, json_integer(db_col_int64(st, 1)));
    json_object_set_new(o, k->title_field, json_col_text(st, 2));
    json_object_set_new(o, "user_id", json_integer(db_col_int64(st, 3)));
    json_object_set_new(o, "user_name", json_col_text(st, 4));
    json_object_set_new(o, "org_name", json_col_text(st, 5));
    json_object_set_new(o, "content", json_integer(db_col_int64(st, 6)));
    json_object_set_new(o, "lecturer", json_integer(db_col_int64(st, 7)));
    json_object_set_new(o, "form", json_integer(db_col_int64(st, 8)));
    json_object_set_new(o, "comment", json_col_text(st, 9));
    json_object_set_new(o, "status", json_col_text(st, 10));
    json_t *f = db_col_is_null(st, 11) ? NULL : json_loads(db_col_text(st, 11), 0, NULL);
    json_object_set_new(o, "findings", f ? f : json_array());
    json_object_set_new(o, "moderated_at", json_time(db_col_int64(st, 12)));
    json_object_set_new(o, "created_at", json_time(db_col_int64(st, 13)));
    json_object_set_new(o, "updated_at", json_time(db_col_int64(st, 14)));
    return o;
}

/* The sensitive findings of a comment (new reference, maybe empty), or
 * NULL when the engine could not check it. */
static json_t *sensitive(const char *text)
{
    char err[200];
    json_t *r = proofread_text_json(text, strlen(text), false, NULL, err, sizeof err);
    if (!r)
        return NULL;
    json_t *out = json_array();
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(r, "findings"), i, f)
    {
        const char *cat = jstr(f, "category");
        if (cat && !strcmp(cat, "sensitive"))
            json_array_append(out, f);
    }
    json_decref(r);
    return out;
}

static int64_t rating_id(db_conn_t *c, const rating_kind_t *k, int64_t parent, int64_t user)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE %s = ? AND user_id = ?", k->table, k->parent_col);
    db_stmt_t *st = db_prepare(c, sql);
    if (!st)
        return -1;
    db_bind_int64(st, 1, parent);
    db_bind_int64(st, 2, user);
    int rc = db_step(st);
    int64_t id = rc == DB_ROW ? db_col_int64(st, 0) : rc == DB_DONE ? 0 : -1;
    db_done(st);
    return id;
}

/* one rating by id, whatever the moderation scope (the member's own);
 * NULL when missing or on a database error (*dberr) */
static json_t *load_own(db_conn_t *c, const rating_kind_t *k, int64_t id, bool *dberr)
{
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE r.id = ?", k->cols, k->from);
    db_stmt_t *st = db_prepare(c, sql);
    json_t *o = NULL;
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, id);
        rc = db_step(st);
        if (rc == DB_ROW)
            o = rating_row(st, (void *)k);
    }
    db_done(st);
    *dberr = rc == DB_ERROR;
    return o;
}

void rating_put(http_req_t *req, db_conn_t *c, const rating_kind_t *k, int64_t parent)
{
    json_t *b = http_json_body(req);
    const char *comment = jstr(b, "comment");
    if (comment && !*comment)
        comment = NULL;
    json_t *found = comment ? http_defer_json(req, sensitive(comment)) : NULL;
    if (comment && !found) {
        http_error(req, 503, "unavailable", "校对引擎暂不可用，请稍后再提交评价");
        return;
    }
    bool held = found && json_array_size(found) > 0, dberr = false;
    int64_t me = http_user_id(req), now = time_now_ms(), rid = rating_id(c, k, parent, me);
    json_t *before = rid > 0 ? http_defer_json(req, load_own(c, k, rid, &dberr)) : NULL;
    if (rid < 0 || dberr) {
        http_db_error(req, c);
        return;
    }
    char *fj = held ? json_dumps(found, JSON_COMPACT) : NULL;
    char sql[800];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s (%s, user_id, org_id, content, lecturer, form, comment, status, findings, "
             "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (%s, user_id) DO "
             "UPDATE SET content = excluded.content, lecturer = excluded.lecturer, form = excluded.form, "
             "comment = excluded.comment, status = excluded.status, findings = excluded.findings, "
             "moderated_by = NULL, moderated_at = NULL, updated_at = excluded.updated_at",
             k->table, k->parent_col, k->parent_col);
    db_stmt_t *st = db_prepare(c, sql);
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, parent);
        db_bind_int64(st, 2, me);
        db_bind_int64(st, 3, http_user_org(req));
        db_bind_int64(st, 4, jint(b, "content", 0));
        db_bind_int64(st, 5, jint(b, "lecturer", 0));
        db_bind_int64(st, 6, jint(b, "form", 0));
        db_bind_text(st, 7, comment);
        db_bind_text(st, 8, held ? "held" : "published");
        db_bind_text(st, 9, fj);
        db_bind_int64(st, 10, now);
        db_bind_int64(st, 11, now);
        rc = db_step(st);
    }
    db_done(st);
    free(fj);
    rid = rc == DB_DONE ? rating_id(c, k, parent, me) : -1;
    json_t *after = rid > 0 ? load_own(c, k, rid, &dberr) : NULL;
    if (!after) {
        http_db_error(req, c);
        return;
    }
    json_object_set_new(after, "message",
                        json_string(held ? "评价已提交，含需审核的内容，审核通过后公开" : "评价已提交"));
    audit_entry_t ae = {.target_type = k->target, .target = rid, .before = before, .after = after};
    audit_reply(req, c, true, &ae, 200, after);
}

void rating_public(http_req_t *req, db_conn_t *c, const rating_kind_t *k, int64_t parent)
{
    char sql[1200];
    snprintf(sql, sizeof sql,
             "SELECT COUNT(*), AVG(content), AVG(lecturer), AVG(form) FROM %s WHERE %s = ? AND status <> "
             "'rejected'",
             k->table, k->parent_col);
    db_stmt_t *st = db_prepare(c, sql);
    json_t *avg = NULL;
    if (st) {
        db_bind_int64(st, 1, parent);
        if (db_step(st) == DB_ROW) {
            int64_t n = db_col_int64(st, 0);
            double a = n ? db_col_double(st, 1) : 0, l = n ? db_col_double(st, 2) : 0,
                   f = n ? db_col_double(st, 3) : 0;
            avg = json_pack("{s:f,s:f,s:f,s:f,s:I}", "content", a, "lecturer", l, "form", f, "overall",
                            (a + l + f) / 3, "count", (json_int_t)n);
        }
    }
    db_done(st);
    json_t *items = json_array(), *mine = json_null();
    snprintf(sql, sizeof sql,
             "SELECT %s FROM %s WHERE r.%s = ? AND (r.status = 'published' AND r.comment IS NOT NULL OR "
             "r.user_id = ?) ORDER BY r.updated_at DESC, r.id DESC LIMIT 101",
             k->cols, k->from, k->parent_col);
    st = avg ? db_prepare(c, sql) : NULL;
    int rc = DB_ERROR;
    int64_t me = http_user_id(req);
    if (st) {
        db_bind_int64(st, 1, parent);
        db_bind_int64(st, 2, me);
        while ((rc = db_step(st)) == DB_ROW) {
            json_t *o = rating_row(st, (void *)k);
            if (jint(o, "user_id", 0) == me) {
                json_decref(mine);
                mine = json_deep_copy(o);
                json_object_del(mine, "findings");
            }
            if (!strcmp(jstr(o, "status"), "published") && jstr(o, "comment") &&
                json_array_size(items) < 100) {
                static const char *const KEEP[] = {"id",   "user_name", "content",   "lecturer",
                                                   "form", "comment",   "updated_at"};
                json_array_append_new(items, json_pick(o, KEEP, VN(KEEP)));
            }
            json_decref(o);
        }
    }
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(avg);
        json_decref(items);
        json_decref(mine);
        http_db_error(req, c);
        return;
    }
    http_json(req, 200, json_pack("{s:o,s:o,s:o}", "averages", avg, "mine", mine, "items", items));
}

void rating_moderate(http_req_t *req, db_conn_t *c, const rating_kind_t *k, const zd_resource_t *r,
                     int64_t id)
{
    json_t *before = http_defer_json(req, res_load(req, c, r, k->cols, id, rating_row, (void *)k, RES_PLAIN));
    if (!before)
        return;
    bool publish = !strcmp(jstr(http_json_body(req), "action"), "publish");
    char head[96];
    snprintf(head, sizeof head, "UPDATE %s SET status = ", k->table);
    qb_t q;
    qb_init(&q, head);
    qb_text(&q, publish ? "published" : "rejected");
    qb_sql(&q, ", moderated_by = ");
    qb_int(&q, http_user_id(req));
    qb_sql(&q, ", moderated_at = ");
    qb_int(&q, time_now_ms());
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND status = 'held'");
    if (!res_transition(req, c, &q, "只有待审核的评价可以审核"))
        return;
    json_t *after = res_load(req, c, r, k->cols, id, rating_row, (void *)k, RES_PLAIN);
    audit_entry_t ae = {.target = id, .before = before, .after = after};
    audit_reply(req, c, after != NULL, &ae, 200, after);
}
