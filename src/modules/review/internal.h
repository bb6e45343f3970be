/* internal.h — what the review module's own files share. */
#ifndef ZD_MOD_REVIEW_INTERNAL_H
#define ZD_MOD_REVIEW_INTERNAL_H
#include "auth/resource.h"
#include "modules/module.h"
#include "modules/review/review.h"

/* The registered kinds ({NULL}-terminated view for iteration). */
const review_kind_t *review_kind_at(int i);

/* The decision permissions, {NULL}-terminated: review.street, review.district, review.city. */
extern const char *const REVIEW_DECIDE_PERMS[];
extern const char *const REVIEW_ORG_TYPES[];

/* The chain in force for kind k: a new JSON array of {"org_type","perm","title"},
 * the configured one or the default; NULL on a database error. */
json_t *review_chain(db_conn_t *c, const review_kind_t *k);
/* The default chain of k as JSON (new reference). */
json_t *review_default_chain(const review_kind_t *k);
/* "区级审核" for an organisation type. */
const char *review_level_title(const char *org_type);

/* An item row, loaded with review_item_get. */
typedef struct {
    int64_t id, ref_id, org_id, district_id, created_by, level_at, submitted_at;
    int level, nlevels, version, round_decisions, revisions;
    char kind[32], status[16], level_perm[32], level_org_type[16];
    char revision_status[16]; /* "" without a revision; editing, in_review, returned, rejected */
    int64_t revision_by;
    char *title, *category, *blocked_hash, *override_hash, *blocked_findings;
    json_t *levels;   /* the chain copied at submission, or NULL */
    json_t *revision; /* the revision's changes, or NULL */
} review_row_t;
/* Loads by id (kind NULL) or by (kind, ref_id); lock: FOR UPDATE. 1 found,
 * 0 absent, -1 database error. review_row_free releases it. */
int review_item_get(db_conn_t *c, int64_t id, const char *kind, int64_t ref_id, bool lock, review_row_t *r);
void review_row_free(review_row_t *r);

/* The caller's organisation type ("district"…), "" when unknown. */
const char *review_caller_org_type(http_req_t *req);
/* May the caller decide at the row's current level (or, with level_perm
 * and org_type given, at that level)? Checks permission, scope and the
 * caller's organisation type. -1 on a database error. */
int review_may_decide(http_req_t *req, db_conn_t *c, const char *perm, const char *org_type, int64_t org_id);

/* Records a statistics event in the item's month. 0 or -1. */
int review_stat(db_conn_t *c, const review_row_t *r, const char *event, int level, int64_t dur_ms,
                int64_t now);
/* Moves one item from status `from` to `to` in the current counts (either
 * may be NULL: a new item, a deleted one). 0 or -1. */
int review_status_move(db_conn_t *c, const review_row_t *r, const char *from, const char *to);
/* Writes the state into the module's table. 0 or -1. */
int review_mirror(db_conn_t *c, const review_kind_t *k, int64_t ref_id, const char *status, int level,
                  int64_t now);
/* Appends one step of the history. 0 or -1. */
int review_history_add(http_req_t *req, db_conn_t *c, const review_row_t *r, int version, int level,
                       const char *level_title, const char *action, const char *opinion, int64_t dur_ms,
                       int64_t now);
/* The item's full JSON: fields, chain, history, versions (no snapshots). */
json_t *review_row_json(db_conn_t *c, const review_row_t *r);

/* Notifications of the engine (inbox; e-mail when configured). 0 or -1. */
int review_notify_reviewers(db_conn_t *c, const review_kind_t *k, const review_row_t *r, const char *perm,
                            const char *org_type, const char *what);
int review_notify_submitter(db_conn_t *c, const review_kind_t *k, const review_row_t *r, const char *kind,
                            const char *title, const char *body);

/* Clears a conflict a hook may have reported (review_hook_conflict): before
 * running hooks. */
void review_hook_reset(void);
/* Answers the failure of a step that ran hooks: 409 with the conflict a hook
 * reported, else the database error (http_db_error). */
void review_fail(http_req_t *req, db_conn_t *c);

/* {"total":N,"kinds":{"article":n,…}} of the caller's queue (of one kind,
 * or all when kind is NULL), or NULL on a database error. */
json_t *review_queue_counts(http_req_t *req, db_conn_t *c, const char *kind);

int review_items_routes(zd_app_t *app, char *err, size_t errlen);
int review_stats_routes(zd_app_t *app, char *err, size_t errlen);

#endif
