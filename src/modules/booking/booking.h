/* booking.h — booking of sessions (场次) with a guaranteed capacity, shared
 * by the lecture hall and the course matrix (docs/lecture.md, "Capacity is
 * the database's guarantee"). Not a module of its own: it owns no table and
 * no route. Each module that books keeps its own three tables of the same
 * shape and describes them in a booking_kind_t; the seat taking, the
 * waiting list, the release of a seat, the organiser's decision and the
 * check-in by signed QR token are written once here.
 *
 * The tables (names from the kind, all constants of the module):
 *   parents  (id, org_id, title, needs_approval, waitlist, …): the lecture or
 *            course; k->parent_live is the condition (alias p) under which
 *            its sessions may be booked.
 *   sessions (id, <parent_col>, starts_at, ends_at, capacity, booked,
 *            waiting, updated_at, deleted_at) with CHECK (booked <= capacity).
 *   bookings (id, session_id, <parent_col>, user_id, org_id, status,
 *            opinion, decided_by, decided_at, cancelled_at, attended_at,
 *            created_at, updated_at) with a partial unique index on
 *            (session_id, user_id) over the live states.
 *
 * Every path takes the session's row before a booking's row, so two of them
 * never wait for each other in a circle on PostgreSQL. */
#ifndef ZD_MOD_BOOKING_H
#define ZD_MOD_BOOKING_H
#include "auth/auth.h"
#include "core/db.h"
#include "http/http.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    const char *kind;        /* "lecture": the check-in token's domain "<kind>.checkin:<id>" */
    const char *parents;     /* "lectures" */
    const char *parent_live; /* booking open: "p.status = 'approved' AND p.deleted_at IS NULL …" */
    const char *sessions;    /* "lecture_sessions" */
    const char *bookings;    /* "lecture_bookings" */
    const char *parent_col;  /* "lecture_id", in sessions and bookings */
    const char *noun;        /* "讲堂": the members' messages */
    const char *notify_kind; /* "lecture.booking" */
    bool session_place;      /* each session has its own place column (courses); else the parent's */
} booking_kind_t;

/* Check-in opens this long before a session starts and closes this long
 * after it ends. */
#define BOOKING_CHECKIN_MARGIN_MS (30 * 60000LL)

/* Books session sid for the caller in the request's transaction (the caller
 * has checked the session is visible to them): confirmed, pending when the
 * parent needs approval, waitlisted when full and the parent keeps a
 * waiting list. Answers 409 started / already_booked / full / conflict
 * (parent cancelled meanwhile) or 5xx itself and returns 0; else the new
 * booking's id, *status its state. */
int64_t booking_book(http_req_t *req, db_conn_t *c, const booking_kind_t *k, int64_t sid,
                     const char **status);

/* The end of a booking's part in the group commit (http/batch.h): writes
 * its audit record e in c's transaction and answers 201 with body (stolen);
 * true then, false after answering 5xx. */
bool booking_answer(http_req_t *req, db_conn_t *c, const audit_entry_t *e, json_t *body);

/* Leaves a live booking (JSON with id, session_id, status) for `to`
 * ("cancelled" or "rejected", with the opinion and the caller as decider)
 * with the guarded update `… WHERE id = ? <from_sql>`, frees its seat (or
 * its place on the waiting list) and moves the waiting list up. false after
 * answering 409/5xx. */
bool booking_release(http_req_t *req, db_conn_t *c, const booking_kind_t *k, json_t *before, const char *to,
                     const char *from_sql, const char *opinion);

/* The organiser's decision on a pending booking (JSON with id, session_id,
 * status, user_id, starts_at): approve confirms it, reject frees the seat;
 * the member is told with the opinion (title: the lecture's or course's).
 * false after answering 409/5xx. */
bool booking_decide(http_req_t *req, db_conn_t *c, const booking_kind_t *k, json_t *before, bool approve,
                    const char *opinion, const char *title);

/* A seat of session sid was freed: moves the first of its waiting list up
 * in the caller's transaction (which already holds the session's row) and
 * tells the member. 1 moved up, 0 nobody or no seat, -1 database error. */
int booking_promote(db_conn_t *c, const booking_kind_t *k, int64_t sid);

/* The check-in token of a session: "<id>.<mac>" (HMAC under the server's
 * ticket key over "<kind>.checkin:<id>"), written into out (≥ 64 bytes). */
void booking_checkin_token(const booking_kind_t *k, int64_t sid, char *out, size_t n);
/* The session a token names, or 0 when it is not one of this kind's. */
int64_t booking_checkin_session(const booking_kind_t *k, const char *token);

/* Finds the caller's booking a check-in token names: confirmed (or
 * attended already: *again) and within the window. Answers 404 not_found /
 * not_booked, 409 not_confirmed / not_open or 5xx itself and returns 0;
 * else the booking's id, for booking_attend (unless *again). */
int64_t booking_checkin(http_req_t *req, db_conn_t *c, const booking_kind_t *k, const char *token,
                        bool *again);
/* confirmed → attended with the guarded update; false after 409/5xx. */
bool booking_attend(http_req_t *req, db_conn_t *c, const booking_kind_t *k, int64_t id);

/* Calls off the live bookings (pending, confirmed, waitlisted) of one
 * session (session_id) or of every session of a parent (session_id 0,
 * parent_id): cancelled, the seats and the waiting lists freed, and each
 * member told once — notify kind `notify_kind`, the title given, the reason
 * as the body, a link to 我的预约. The caller locked the sessions' rows
 * first (the lock order of booking: session, then booking) and changed the
 * parent or session itself. The number of members told, or -1 on a
 * database error. */
int booking_call_off(db_conn_t *c, const booking_kind_t *k, int64_t parent_id, int64_t session_id,
                     const char *notify_kind, const char *title, const char *reason, int64_t org_id,
                     int64_t actor);

/* ---- revision (修订) of a published parent's sessions ----
 *
 * The rules are the lecture hall's and the course matrix's alike: an entry
 * [{id?, starts_at, ends_at, capacity, place?}] with an id changes that
 * session (one of `have`, the parent's sessions as JSON with id, starts_at,
 * ends_at, capacity, booked and, for session_place kinds, place), one
 * without adds a session; sessions not named stay, none is removed. End
 * after start, at most 24 h; a changed time lies in the future and a
 * started session keeps its time; a capacity may grow but never fall
 * below the seats held (名额不能少于已预约的 N 人). */

/* The entries that change something (a new array; unchanged ones left
 * out). Problems go into `fields` as "sessions[i].<field>": <message>;
 * the caller answers 422 when it is not empty. At most `max` sessions in
 * all. */
json_t *booking_revise_sessions(http_req_t *req, const booking_kind_t *k, json_t *have, json_t *given,
                                size_t max, json_t *fields);

/* The reviewers' lines of those changes, appended to `diff`: {field:
 * "sessions", title: 场次 | 新增场次, before, after} in Chinese. */
void booking_sessions_diff(http_req_t *req, const booking_kind_t *k, json_t *have, json_t *changes,
                           json_t *diff);

/* Locks the parent's sessions' rows (ordered by id), as every booking path
 * takes them first; the revised hook calls it before changing the parent.
 * 0 or -1. */
int booking_lock_sessions(db_conn_t *c, const booking_kind_t *k, int64_t parent_id);

typedef struct {
    int64_t parent_id;
    json_t *changes;          /* booking_revise_sessions' array (may be NULL) */
    const char *parent_place; /* not NULL: the parent's place changed to it; every session's members told */
    const char *notify_kind;  /* "lecture.session_changed" */
    const char *title;        /* the message's title */
    int64_t org_id, actor;
} booking_revision_t;

/* Applies the changes in the approving decision's transaction (after
 * booking_lock_sessions), guarded booked <= capacity, and tells each member
 * with a live booking of a session whose time or place changed, once per
 * session (old and new time, the new place). 0; -1 on a database error;
 * -2 when bookings overtook a capacity cut meanwhile (the message in
 * conflict, for review_hook_conflict). */
int booking_apply_sessions(db_conn_t *c, const booking_kind_t *k, const booking_revision_t *r, char *conflict,
                           size_t n);

/* Can the member still cancel a booking in this state before `starts`? */
bool booking_can_cancel(const char *status, int64_t starts_ms);

/* "2026-11-29 14:00" in the server's zone. buf ≥ 32 bytes. */
const char *booking_fmt_time(int64_t ms, char *buf, size_t n);

#endif
