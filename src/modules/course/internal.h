/* internal.h — what the course module's own files share. */
#ifndef ZD_MOD_COURSE_INTERNAL_H
#define ZD_MOD_COURSE_INTERNAL_H
#include "auth/resource.h"
#include "core/db.h"
#include "modules/booking/booking.h"
#include "modules/course/course.h"
#include "modules/module.h"
#include "modules/review/review.h"

/* The review kind "course" (区级审核 → 市级审核 by default). */
extern const review_kind_t COURSE_REVIEW;
/* The seven series' codes (dictionary course_series), NULL-terminated. */
extern const char *const COURSE_SERIES[];

/* Courses in the caller's data scope (management, course.manage). */
extern const zd_resource_t COURSES;
/* The published courses, city-wide (course.read). */
extern const zd_resource_t COURSE_CATALOG;

/* The course matrix's tables for the shared booking code (courses,
 * course_sessions, course_bookings; booking.h). */
extern const booking_kind_t COURSE_BOOKING;

/* The site's public address for QR codes ("" → from the request's Host). */
extern char course_public_url[512];

/* The courses with their organisation and the columns course_row_json reads. */
#define COURSE_FROM "courses c JOIN orgs o ON o.id = c.org_id"
#define COURSE_COLS                                                                                          \
    "c.id, c.org_id, o.name, c.series, c.title, c.introduction, c.lecturer_name, c.lecturer_details, "       \
    "c.cover_file_id, c.tags, c.status, c.review_level, c.review_id, c.published_at, c.created_by, "         \
    "(SELECT name FROM users WHERE id = c.created_by), c.created_at, c.updated_at, "                         \
    "(SELECT COUNT(*) FROM course_lessons x WHERE x.course_id = c.id), "                                     \
    "(SELECT COALESCE(SUM(x.duration_ms), 0) FROM course_lessons x WHERE x.course_id = c.id), "              \
    "(SELECT MIN(x.starts_at) FROM course_sessions x WHERE x.course_id = c.id), "                            \
    "(SELECT COUNT(*) FROM course_sessions x WHERE x.course_id = c.id), c.needs_approval, c.waitlist"

/* A row of COURSE_COLS as JSON (new reference); members (catalog) sees
 * neither the review's fields nor the creator. */
json_t *course_row_json(db_stmt_t *st, bool catalog);
/* The lessons of a course in order: {id,position,title,file_id,media,
 * duration_ms}; with user_id also that member's progress. NULL on a
 * database error. */
json_t *course_lessons_json(db_conn_t *c, int64_t course_id, int64_t user_id);
/* The in-person sessions of a course by start; with user_id, each carries
 * that member's live booking ({id,status}) or null. NULL on a database
 * error. */
json_t *course_sessions_json(db_conn_t *c, int64_t course_id, int64_t user_id);
/* The list filters shared by the management list and the catalogue
 * (series, tag, lecturer, q, from, to) appended to w. */
void course_filters(http_req_t *req, qb_t *w);
/* The members' page of a course as an absolute URL (written into out). */
void course_member_url(http_req_t *req, int64_t id, char *out, size_t n);

/* The review engine's `revised` hook of kind "course" (courses_api.c):
 * applies an approved revision to the published course. 0 or -1. */
int course_revised(db_conn_t *c, const review_event_t *ev, json_t *changes);

int course_course_routes(zd_app_t *app, char *err, size_t errlen);
int course_catalog_routes(zd_app_t *app, char *err, size_t errlen);
int course_learn_routes(zd_app_t *app, char *err, size_t errlen);
int course_rating_routes(zd_app_t *app, char *err, size_t errlen);
int course_booking_routes(zd_app_t *app, char *err, size_t errlen);

#endif
