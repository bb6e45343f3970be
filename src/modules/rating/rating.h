/* rating.h — members' ratings (评价) with the sensitive-word check, shared
 * by the course matrix (课程评价) and the lecture hall (讲堂评价). Not a
 * module of its own: it owns no table and no route. Each module keeps a
 * table of the same shape and describes it in a rating_kind_t; the upsert
 * with the proofreading engine's check, the public averages and comments,
 * the moderation and the row's JSON are written once here.
 *
 * The table (name from the kind): id, <parent_col>, user_id, org_id,
 * content, lecturer, form (1–5), comment, status (published | held |
 * rejected), findings, moderated_by, moderated_at, created_at, updated_at,
 * with a unique index on (<parent_col>, user_id). */
#ifndef ZD_MOD_RATING_H
#define ZD_MOD_RATING_H
#include "auth/resource.h"
#include "core/db.h"
#include "http/http.h"
#include "http/valid.h"
#include <jansson.h>

typedef struct {
    const char *table;       /* "course_ratings" */
    const char *parent_col;  /* "course_id": the column, and the JSON field of the parent's id */
    const char *title_field; /* "course_title": the JSON field of the parent's title */
    const char *from;        /* FROM of RATING_COLS: the ratings r, the parent, users u, orgs o */
    const char *cols;        /* RATING_COLS (below) over that FROM */
    const char *target;      /* the audit records' target type: "course_rating" */
} rating_kind_t;

/* The columns a kind's cols must give, in this order (p: the parent):
 * r.id, r.<parent_col>, p.title, r.user_id, u.name, o.name, r.content,
 * r.lecturer, r.form, r.comment, r.status, r.findings, r.moderated_at,
 * r.created_at, r.updated_at */

/* A row of the kind's cols as JSON (a http_row_fn: ud is the kind). */
json_t *rating_row(db_stmt_t *st, void *ud);

extern const char *const RATING_STATUSES[];
/* PUT …/rating's body for the route tables (HTTP_BODY). */
extern const vfield_t RATING_BODY[4];

/* The member's rating of parent (checked visible by the caller) from the
 * validated body, in the request's transaction: inserted or replaced, the
 * comment held for moderation when the sensitive-word check finds
 * something (503 when the engine cannot check). Records the audit entry
 * (action and target type from the route) and answers with the row and a
 * message. */
void rating_put(http_req_t *req, db_conn_t *c, const rating_kind_t *k, int64_t parent);

/* Answers {averages, mine, items}: the averages of the ratings not
 * rejected, the caller's own, the latest 100 published comments. */
void rating_public(http_req_t *req, db_conn_t *c, const rating_kind_t *k, int64_t parent);

/* Publishes or rejects a held rating id of resource r (the moderation
 * scope; 404 outside it, 409 when not held), audited by the route. */
void rating_moderate(http_req_t *req, db_conn_t *c, const rating_kind_t *k, const zd_resource_t *r,
                     int64_t id);

#endif
