/* notify.h — the notify module's public face: messages to users (消息中心).
 *
 * A module tells a user about something (a submission waiting for their
 * review, a decision on theirs) with notify_user() or, for everyone whose
 * duty it is, notify_perm(), inside its own transaction: the message exists
 * exactly when the change it is about does. After the commit the user's open
 * consoles are woken (Server-Sent Events, GET /api/v1/notifications/stream)
 * and, when the user has an e-mail address and notify_smtp_url is set, an
 * e-mail copy goes out through the "notify.mail" job. docs/notify.md.
 *
 *     notify_msg_t m = {.user_id = author, .kind = "review.decision",
 *                       .title = "您提交的稿件已通过审核", .link = "/review/items/12",
 *                       .org_id = item_org};
 *     if (notify_user(c, &m) != 0) { http_db_error(req, c); return; }
 *
 * Thread-safe; c is the caller's connection (in or out of a transaction). */
#ifndef ZD_NOTIFY_H
#define ZD_NOTIFY_H
#include "core/db.h"
#include "modules/module.h"
#include <stdint.h>

/* One message to one user. Strings are copied. */
typedef struct {
    int64_t user_id;    /* recipient */
    const char *kind;   /* a code labelled in the notify_kind dictionary, e.g. "review.new",
                         "review.decision", "review.override", "live.cancelled", "system" */
    const char *title;  /* one line of Chinese, ≤ 200 chars (longer is cut at a UTF-8 boundary) */
    const char *body;   /* may be NULL */
    const char *link;   /* console route to open, e.g. "/review/items/12", may be NULL */
    int64_t org_id;     /* organisation the message is about (data scope of the message), 0 = recipient's */
    int64_t created_by; /* who caused it (the acting user), 0 = the system; optional */
} notify_msg_t;

/* Inserts the message into the recipient's inbox inside the caller's
 * transaction (rolled back with it); when the transaction commits, open
 * consoles of that user are woken (SSE) and, if the user has an e-mail
 * address and notify_smtp_url is set, a "notify.mail" job is enqueued in the
 * same transaction (jobs_enqueue, see src/jobs/jobs.h). A recipient that
 * does not exist or is disabled gets nothing (0). 0, or -1 on a db error. */
int notify_user(db_conn_t *c, const notify_msg_t *m);

/* The same message to every active user who holds permission `perm` with a
 * data scope that covers organisation `org_id` (all: any org; subtree:
 * org_id inside the user's org subtree; org: the user's own org; self:
 * none), whose own organisation is of type `org_type` (orgs.type:
 * 'city','district','street',…; NULL = any type), except user `except_user`
 * (0 = none). m->user_id is ignored; m->org_id 0 means org_id. Returns the
 * number notified, or -1 on a db error. Caps at 500 recipients. */
int notify_perm(db_conn_t *c, const char *perm, int64_t org_id, const char *org_type, int64_t except_user,
                const notify_msg_t *m);

/* The recipients' cap of notify_perm (and of a broadcast). */
#define NOTIFY_MAX_RECIPIENTS 500

extern const zd_module_t notify_module;

#endif
