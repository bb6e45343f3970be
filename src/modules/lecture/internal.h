/* internal.h — what the lecture module's own files share. */
#ifndef ZD_MOD_LECTURE_INTERNAL_H
#define ZD_MOD_LECTURE_INTERNAL_H
#include "auth/resource.h"
#include "core/db.h"
#include "modules/booking/booking.h"
#include "modules/lecture/lecture.h"
#include "modules/module.h"
#include "modules/review/review.h"
#include "modules/search/search.h"

/* The review kind "lecture" (区级审核 → 市级审核 by default). */
extern const review_kind_t LECTURE_REVIEW;

/* Lectures in the caller's data scope (management, lecture.manage). */
extern const zd_resource_t LECTURES;
/* Sessions of the lectures in the caller's scope (management). */
extern const zd_resource_t LECTURE_SESSIONS;
/* The published, not cancelled lectures, city-wide (lecture.read). */
extern const zd_resource_t LECTURE_CATALOG;
/* The sessions of the published, not cancelled lectures, city-wide
 * (lecture.read): what a member may see of a session. */
extern const zd_resource_t LECTURE_CATALOG_SESSIONS;
/* Bookings of the lectures in the caller's scope (the organiser's lists). */
extern const zd_resource_t LECTURE_BOOKINGS;

/* The lecture hall's tables for the shared booking code (lectures,
 * lecture_sessions, lecture_bookings; booking.h). */
extern const booking_kind_t LECTURE_BOOKING;

/* The lectures with their organisation, and the columns lecture_row_json reads
 * (the sessions' span, count, capacity and seats held). */
#define LECTURE_FROM "lectures l JOIN orgs o ON o.id = l.org_id"
#define LECTURE_COLS                                                                                         \
    "l.id, l.org_id, o.name, l.title, l.speaker, l.place, l.description, l.needs_approval, l.waitlist, "     \
    "l.status, l.review_level, l.review_id, l.cancelled_at, l.cancel_reason, l.created_by, "                 \
    "(SELECT name FROM users WHERE id = l.created_by), l.created_at, l.updated_at, "                         \
    "(SELECT MIN(x.starts_at) FROM lecture_sessions x WHERE x.lecture_id = l.id AND x.deleted_at IS NULL), " \
    "(SELECT MAX(x.ends_at) FROM lecture_sessions x WHERE x.lecture_id = l.id AND x.deleted_at IS NULL), "   \
    "(SELECT COUNT(*) FROM lecture_sessions x WHERE x.lecture_id = l.id AND x.deleted_at IS NULL), "         \
    "(SELECT COALESCE(SUM(x.capacity), 0) FROM lecture_sessions x WHERE x.lecture_id = l.id AND "            \
    "x.deleted_at IS NULL), (SELECT COALESCE(SUM(x.booked), 0) FROM lecture_sessions x WHERE "               \
    "x.lecture_id = l.id AND x.deleted_at IS NULL), l.poster_file_id"

/* A row of LECTURE_COLS (lectures_api.c) as JSON (new reference). */
json_t *lecture_row_json(db_stmt_t *st);
/* The sessions of a lecture, by start; with user_id, each carries that
 * member's live booking ({id,status}) or null. NULL on a database error. */
json_t *lecture_sessions_json(db_conn_t *c, int64_t lecture_id, int64_t user_id);

/* Answers with the poster of a lecture JSON (poster_file_id), or 404. */
void lecture_send_poster(http_req_t *req, db_conn_t *c, json_t *lecture);

/* The review engine's `revised` hook of kind "lecture" (lectures_api.c):
 * applies an approved revision's changes to the published lecture and its
 * sessions, tells the members booked on a session whose time or place
 * changed (lecture.session_changed), re-indexes. 0 or -1 (a conflict
 * through review_hook_conflict). */
int lecture_revised(db_conn_t *c, const review_event_t *ev, json_t *changes);

/* The search service's kind "lecture" (index.c). */
extern const search_kind_t LECTURE_SEARCH;
/* Writes lecture id into the search index (or removes it when deleted), in
 * the caller's transaction: 0, or -1 on a database error. */
int lecture_index(db_conn_t *c, int64_t id);

/* Live broadcasts of sessions (live_api.c): each session of the array
 * gets live — {session_id, phase, ingest, publishing, play_url,
 * viewers_now} of its open broadcast, or null. 0, -1 on a database error. */
int lecture_live_attach(db_conn_t *c, json_t *sessions);
/* Cancels the live streams of every session of the lecture (its
 * cancellation): the number cancelled, -1 on a database error. */
int lecture_live_close_all(db_conn_t *c, int64_t lecture_id, int64_t user, const char *reason);
/* The lecture's open broadcasts follow their sessions' times (after a
 * revision moved them): 1 done, 0 when a moved stream would overlap another
 * approved stream of its district (its title in conflict), -1 on error. */
int lecture_live_follow(db_conn_t *c, int64_t lecture_id, char *conflict, size_t n);
/* live.h's start hook: the first push of a session's broadcast tells the
 * members booked on it (lecture.live) that it has begun. */
int lecture_live_started(db_conn_t *c, int64_t stream_id);
int lecture_live_routes(zd_app_t *app, char *err, size_t errlen);

int lecture_demo(zd_app_t *app, char *err, size_t errlen);
int lecture_lecture_routes(zd_app_t *app, char *err, size_t errlen);
int lecture_booking_routes(zd_app_t *app, char *err, size_t errlen);
int lecture_stats_routes(zd_app_t *app, char *err, size_t errlen);
int lecture_rating_routes(zd_app_t *app, char *err, size_t errlen);
int lecture_recording_routes(zd_app_t *app, char *err, size_t errlen);

#endif
