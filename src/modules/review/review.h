/* review.h — the review engine (审核流程): one multi-level review state
 * machine that every module with reviewable items uses (submissions, lecture
 * hall, courses, warehouse intake, research topics, venue bookings, live
 * streams). A module owns its rows (an article, a booking); the engine owns
 * their review: the chain of levels, the state, every submitted version with
 * its proofreading findings, every decision with its opinion, the reviewers'
 * queues, the notifications and the statistics (docs/review.md).
 *
 * States (review_items.status, mirrored into the module's row):
 *
 *   draft ──submit──▶ in_review(level 1) ──approve──▶ in_review(level 2) … ──approve──▶ approved
 *     ▲                 │  │  └─reject──▶ rejected (final)
 *     │                 │  └──return──▶ returned ──submit──▶ in_review(level 1), version + 1
 *     └── withdrawn ◀─withdraw (level 1, before its first decision)
 *
 * A module declares its kind once and registers it in its init():
 *
 *   static int article_check(db_conn_t *c, int64_t ref_id, json_t *snapshot, json_t **findings);
 *   static int article_approved(db_conn_t *c, const review_event_t *ev);
 *   const review_kind_t ARTICLE_REVIEW = {
 *       .kind = "article", .title = "文章", .table = "articles", .link = "/submission/articles/%lld",
 *       .levels = REVIEW_DISTRICT_CITY, .check = article_check, .approved = article_approved};
 *   review_register(&ARTICLE_REVIEW);
 *
 * The module's table has columns status TEXT, review_level INTEGER, review_id
 * BIGINT, updated_at BIGINT; the engine keeps status and review_level in step
 * inside the same transaction as each change (the module filters and shows
 * them without reading the engine's tables).
 *
 * Then, inside the module's own request transactions:
 *   create:   review_open(req, c, &ARTICLE_REVIEW, article_id, org_id, category, title)
 *   submit:   review_submit(req, c, &ARTICLE_REVIEW, article_id, snapshot, &item)  (422 on block findings)
 *   withdraw: review_withdraw(req, c, &ARTICLE_REVIEW, article_id, &item)
 * Reviewers decide through the engine's own routes (/api/v1/review/...): the
 * engine checks the level's permission, the reviewer's data scope and
 * organisation level, applies the guarded transition (409 for the second of
 * two simultaneous decisions), runs the kind's hooks and notifies. A hook
 * that must refuse because of other rows (a booking overlapping one approved
 * meanwhile: .approving) calls review_hook_conflict() and returns -1: the
 * reviewer gets 409 with that message and nothing of the decision stays.
 * Every function here runs inside the caller's open transaction and writes
 * no audit record itself: the caller's route audits its own action; the
 * engine's routes audit theirs. */
#ifndef ZD_REVIEW_H
#define ZD_REVIEW_H
#include "core/db.h"
#include "http/http.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

extern const struct zd_module review_module;

/* One level of a chain: the type of the reviewing organisation (orgs.type:
 * "street", "district", "city") and the permission a reviewer must hold
 * (one of review.street, review.district, review.city). */
typedef struct {
    const char *org_type;
    const char *perm;
    const char *title; /* "区级审核" */
} review_level_t;

#define REVIEW_MAX_LEVELS 3

/* Default chains (the console may change a kind's chain: review_chains). */
extern const review_level_t REVIEW_DISTRICT_CITY[]; /* 区级审核 → 市级审核, {NULL}-terminated */
extern const review_level_t REVIEW_CITY[];          /* 市级审核 only */
extern const review_level_t REVIEW_DISTRICT[];      /* 区级审核 only */

/* What a hook is told. */
typedef struct {
    int64_t item_id, ref_id, org_id, actor_id;
    int level;           /* the level decided (1-based), 0 for submit/withdraw */
    int version;         /* the version decided */
    const char *status;  /* the new status */
    const char *opinion; /* the reviewer's opinion, or NULL */
    json_t *snapshot;    /* the decided version's snapshot (borrowed) */
} review_event_t;

typedef struct review_kind {
    const char *kind;  /* "article": a code in the review_kind dictionary */
    const char *title; /* "文章" */
    const char *table; /* the module's table the state is mirrored into */
    const char *link;  /* console route of the item, printf with the ref id: "/submission/articles/%lld" */
    const review_level_t *levels; /* the default chain, {NULL}-terminated, 1..3 levels */
    /* On submit, before anything changes: checks of the snapshot
     * (proofreading). *findings gets a new JSON array of
     * {"severity":"block"|"error"|"warning"|"info", "category", "message", ...}
     * (the proofreading engine's findings, or the video check's with "time_ms").
     * 0, or -1 when the check could not run (the submission fails with 503). May be NULL. */
    int (*check)(db_conn_t *c, int64_t ref_id, json_t *snapshot, json_t **findings);
    /* After the last level approved, inside the transaction: publish, tag,
     * index. -1 fails the decision (rolled back, 500; 409 after
     * review_hook_conflict). May be NULL. */
    int (*approved)(db_conn_t *c, const review_event_t *ev);
    /* Before the last level's approval reaches the module's row (the item's
     * guarded transition is made, the row still reads in_review): a check
     * that may still refuse the approval because of other rows, e.g. a
     * booking that would overlap one approved meanwhile. 0 goes on; -1
     * refuses: call review_hook_conflict() first for a 409 with a message
     * (else 500). Everything is rolled back either way. May be NULL. */
    int (*approving)(db_conn_t *c, const review_event_t *ev);
    /* After any other change (submitted, returned, rejected, withdrawn). May be NULL. */
    int (*changed)(db_conn_t *c, const review_event_t *ev);
    /* Revisions (修订, docs/review.md): after the last level approved a
     * revision of an approved row, inside the transaction: apply `changes`
     * (the object the module saved with review_revision_save, borrowed) to
     * the live row — update it, index it, tell whom it concerns. -1 fails
     * the decision (rolled back; 409 after review_hook_conflict). A kind
     * without it has no revisions (409). May be NULL. */
    int (*revised)(db_conn_t *c, const review_event_t *ev, json_t *changes);
} review_kind_t;

/* For a hook about to return -1 because of the data, not of a failure (a
 * conflict with another row): the engine call that ran the hook then
 * answers 409 {"error":{"code":"conflict","message":<msg>}} instead of a
 * database error, and the transaction is rolled back. Thread-local; the
 * engine clears it before running a kind's hooks. */
void review_hook_conflict(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Registers a kind; in the module's init(). Not thread-safe (before serving).
 * -1 when the kind is registered twice or its default chain is empty. */
int review_register(const review_kind_t *k);
const review_kind_t *review_kind(const char *kind);

/* Creates the review item of a new module row, in state draft. category is
 * the kind's own classification for statistics (an article's category, a
 * photo's activity type), or NULL. Returns the item id (also written into the
 * module row's review_id), or -1 after answering 5xx. */
int64_t review_open(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t ref_id, int64_t org_id,
                    const char *category, const char *title);

/* Keeps the item's title and category in step after the module edited its row. */
int review_retitle(db_conn_t *c, const review_kind_t *k, int64_t ref_id, const char *category,
                   const char *title);

/* Submits (or resubmits after a return / withdrawal) the row as a new
 * version with the given snapshot (the fields a reviewer sees; borrowed):
 * runs the kind's check; when it reports severity "block" findings and no
 * reviewer overrode them for this very content, answers 422
 * {"error":{"code":"proofread_block",…},"findings":[…]} and returns false
 * (the transaction is then to be rolled back by the caller simply by
 * returning). On success the item is in review at level 1 (or approved
 * at once when the chain is empty), the reviewers of level 1 are notified,
 * *item (when given) gets the item's JSON (new reference). false after
 * answering 409 (not in draft/returned/withdrawn), 422 or 5xx. */
bool review_submit(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t ref_id, json_t *snapshot,
                   json_t **item);

/* The submit route of a module whose items open their review on first
 * submission (lectures, live streams, courses): opens the review when the
 * item (the module's row as JSON, with review_id, org_id and title) has
 * none yet, then submits the snapshot of the item's `keys`. false after
 * answering, as review_submit. */
bool review_submit_item(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t ref_id, json_t *item,
                        const char *category, const char *const *keys, size_t nkeys);

/* The withdraw route of such a module: 409 with not_submitted when the
 * item was never submitted, else review_withdraw. false after answering. */
bool review_withdraw_item(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t ref_id, json_t *item,
                          const char *not_submitted);

/* The findings of severity "block" among findings (those that stop a submission). */
int review_count_blocks(json_t *findings);

/* Withdraws the item (in review at level 1, no decision of this round yet).
 * false after answering 409 or 5xx. */
bool review_withdraw(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t ref_id, json_t **item);

/* The module deleted its row: the item goes when it was never submitted;
 * otherwise its history stays, marked withdrawn. 0 or -1. */
int review_discard(db_conn_t *c, const review_kind_t *k, int64_t ref_id);

/* Is the row editable by its submitter (draft, returned, withdrawn)? -1 on error. */
int review_editable(db_conn_t *c, const review_kind_t *k, int64_t ref_id);

/* The item's JSON ({"id","kind","status","level","levels":[…],"version",
 * "history":[…]} …) for the module's detail answers, or NULL (absent / error). */
json_t *review_item_json(db_conn_t *c, const review_kind_t *k, int64_t ref_id);

/* Can the caller decide or override items of this kind at level `level`
 * for organisation org_id? (a reviewer opening a submission's detail page) */
bool review_can_decide(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t org_id, int level);

/* Revisions (修订) of an approved row, for kinds with a `revised` hook.
 * The module keeps its row as published (its status stays "approved": the
 * engine writes nothing into the module's table during a revision) and
 * the changes beside it, in the item:
 *
 *   approved ──save──▶ approved + revision editing ──submit──▶ in_review (level 1…, revision in_review)
 *      ▲                     ▲  │discard                          │ approve (last level): `revised` applies
 *      │                     │  ▼                                 │   the changes, revision cleared
 *      └─────────────────────┴── approved + revision returned / rejected / editing (withdrawn)
 *
 * save:    review_revision_save(req, c, k, ref_id, changes) — the module
 *          validated `changes` (borrowed) with its own create/update rules;
 *          409 when the row is not approved, the revision is in review or
 *          the kind has no revisions. Replaces the changes saved before.
 * submit:  review_revision_submit(req, c, k, ref_id, snapshot, &item) — as
 *          review_submit (checks, 422 on block findings, a new version in
 *          the history); the snapshot should show the changes (field,
 *          before, after) to the reviewers.
 * withdraw: review_revision_withdraw (level 1, before its first
 *          decision; 409 when no revision is in review): the revision is
 *          editable again.
 * discard: review_revision_discard — not while in review (409).
 * Return or reject leave the published row untouched and the revision
 * editable (returned / rejected); a rejected revision does not reject
 * the item. false after answering. */
bool review_revision_save(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t ref_id,
                          json_t *changes);
bool review_revision_submit(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t ref_id,
                            json_t *snapshot, json_t **item);
bool review_revision_discard(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t ref_id);
bool review_revision_withdraw(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t ref_id);
/* The saved revision's changes to submit (owned by the request); NULL after
 * answering 5xx, or 409 when nothing is saved. */
json_t *review_revision_changes(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t ref_id);
/* The row's revision {status, review_level, level_title, changes, by,
 * withdrawable}, JSON null when it has none (new reference); NULL on a
 * database error. */
json_t *review_revision_json(db_conn_t *c, const review_kind_t *k, int64_t ref_id);

/* ---- a kind's revision routes, written once ----
 *
 * The four routes of a module's revisions (PUT|DELETE …/{id}/revision,
 * …/revision/submit, …/revision/withdraw) have one prologue — the row
 * locked in the caller's scope (res_lock, 404 outside), loaded, published
 * (else 409), not frozen — and one snapshot shape: the row's snapshot keys
 * as the reviewers see it with the changes laid over (lists such as
 * added sessions or lessons are left to the diff) and `revision: [{field,
 * title, before, after}]`. Each answers the row reloaded with its
 * `revision`, audited by the route's code with the detail
 * "保存|提交|撤回|放弃<noun>《title》的修订…". The module gives what differs. */
typedef struct {
    const review_kind_t *kind;
    const void *resource; /* the module's zd_resource_t (auth/resource.h) */
    const char *noun;     /* "讲堂": the messages */
    /* the row in scope with its lists (owned by the request); NULL after answering */
    json_t *(*load)(http_req_t *req, db_conn_t *c, int64_t id);
    /* why a published row cannot be revised now (409), or NULL; may be NULL */
    const char *(*frozen)(json_t *row);
    /* the body against the published row: what differs (new reference), or
     * NULL after answering 4xx/5xx */
    json_t *(*changes)(http_req_t *req, db_conn_t *c, json_t *row, json_t *body);
    /* the reviewers' [{field, title, before, after}] (new reference) */
    json_t *(*diff)(http_req_t *req, json_t *row, json_t *changes);
    /* before submitting (409 not_ready…): false after answering; may be NULL */
    bool (*ready)(http_req_t *req, db_conn_t *c, json_t *changes);
    const char *const *snapshot_keys;
    size_t n_snapshot;
    const char *const *list_keys; /* changes not laid over the snapshot */
    size_t n_list;
} review_reviser_t;

void review_revision_save_route(http_req_t *req, const review_reviser_t *r);
void review_revision_submit_route(http_req_t *req, const review_reviser_t *r);
void review_revision_withdraw_route(http_req_t *req, const review_reviser_t *r);
void review_revision_discard_route(http_req_t *req, const review_reviser_t *r);
/* The route table's four handlers over one reviser: save_revision,
 * submit_revision, withdraw_revision, discard_revision (static). */
#define REVIEW_REVISION_HANDLERS(r)                                                                          \
    static void save_revision(http_req_t *req) { review_revision_save_route(req, &(r)); }                    \
    static void submit_revision(http_req_t *req) { review_revision_submit_route(req, &(r)); }                \
    static void withdraw_revision(http_req_t *req) { review_revision_withdraw_route(req, &(r)); }            \
    static void discard_revision(http_req_t *req) { review_revision_discard_route(req, &(r)); }

/* A revision's statuses, {NULL}-terminated: editing, in_review, returned, rejected. */
extern const char *const REVIEW_REVISION_STATUSES[];

/* The statuses, {NULL}-terminated (for a module's V_ENUM filters). */
extern const char *const REVIEW_STATUSES[];

/* Where an approved, scheduled item (a live stream, a lecture) stands now:
 * "cancelled" (cancelled_at set), "upcoming" (no start yet or before it),
 * "ongoing" (before its end), "ended"; NULL while it is not approved. */
const char *review_event_phase(const char *status, int64_t cancelled_at, int64_t starts, int64_t ends);

#endif
