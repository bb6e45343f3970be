/* revision_routes.c — the routes of a kind's revisions (修订), shared by
 * the lecture hall and the course matrix (review.h, "a kind's revision
 * routes, written once"). */
#include "auth/resource.h"
#include "core/jsonutil.h"
#include "http/valid.h"
#include "modules/review/review.h"
#include <string.h>

/* The published row in scope, locked, not frozen; NULL after answering. */
static json_t *revisable(http_req_t *req, db_conn_t *c, const review_reviser_t *r, int64_t id)
{
    json_t *o = res_lock(req, c, (const zd_resource_t *)r->resource, id) == 0 ? r->load(req, c, id) : NULL;
    if (!o)
        return NULL;
    if (strcmp(jstr(o, "status"), "approved")) {
        http_error(req, 409, "conflict", "只有已发布的%s可以修订；未发布的%s请直接修改", r->noun, r->noun);
        return NULL;
    }
    const char *why = r->frozen ? r->frozen(o) : NULL;
    if (why) {
        http_error(req, 409, "conflict", "%s", why);
        return NULL;
    }
    return o;
}

/* reloaded with its revision, audited, answered */
static void reply(http_req_t *req, db_conn_t *c, const review_reviser_t *r, int64_t id, const char *verb,
                  json_t *o, int status, const char *tail)
{
    json_t *after = r->load(req, c, id);
    json_t *rv = after ? review_revision_json(c, r->kind, id) : NULL;
    if (!rv) {
        if (after)
            http_db_error(req, c);
        return;
    }
    json_object_set_new(after, "revision", rv);
    audit_entry_t ae = {.target = id,
                        .after = after,
                        .detail =
                            http_printf(req, "%s%s《%s》的修订%s", verb, r->noun, jstr(o, "title"), tail)};
    audit_reply(req, c, true, &ae, status, status == 204 ? NULL : json_incref(after));
}

void review_revision_save_route(http_req_t *req, const review_reviser_t *r)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    json_t *o = c ? revisable(req, c, r, id) : NULL;
    if (!o)
        return;
    json_t *ch = http_defer_json(req, r->changes(req, c, o, http_json_body(req)));
    if (!ch)
        return;
    if (!json_object_size(ch)) {
        http_error_fields(req,
                          json_pack("{s:s}", "title", http_printf(req, "修订内容与已发布的%s相同", r->noun)));
        return;
    }
    if (review_revision_save(req, c, r->kind, id, ch))
        reply(req, c, r, id, "保存", o, 200, "");
}

void review_revision_submit_route(http_req_t *req, const review_reviser_t *r)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    json_t *o = c ? revisable(req, c, r, id) : NULL;
    if (!o)
        return;
    json_t *ch = review_revision_changes(req, c, r->kind, id);
    if (!ch || (r->ready && !r->ready(req, c, ch)))
        return;
    /* the reviewers see the row as it will be, and what changes */
    json_t *snap = http_defer_json(req, json_pick(o, r->snapshot_keys, r->n_snapshot));
    const char *key;
    json_t *v;
    json_object_foreach(ch, key, v)
    {
        bool list = false;
        for (size_t i = 0; i < r->n_list; i++)
            list = list || !strcmp(key, r->list_keys[i]);
        if (!list)
            json_object_set(snap, key, v);
    }
    json_object_set_new(snap, "revision", r->diff(req, o, ch));
    if (review_revision_submit(req, c, r->kind, id, snap, NULL))
        reply(req, c, r, id, "提交", o, 200, "审核");
}

void review_revision_withdraw_route(http_req_t *req, const review_reviser_t *r)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    json_t *o = c ? revisable(req, c, r, id) : NULL;
    if (o && review_revision_withdraw(req, c, r->kind, id))
        reply(req, c, r, id, "撤回", o, 200, "");
}

void review_revision_discard_route(http_req_t *req, const review_reviser_t *r)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    json_t *o = c ? revisable(req, c, r, id) : NULL;
    if (o && review_revision_discard(req, c, r->kind, id))
        reply(req, c, r, id, "放弃", o, 204, "");
}
