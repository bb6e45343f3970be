/* internal.h — what the live module's own files share. */
#ifndef ZD_MOD_LIVE_INTERNAL_H
#define ZD_MOD_LIVE_INTERNAL_H
#include "auth/resource.h"
#include "modules/live/live.h"
#include "modules/module.h"
#include "modules/review/review.h"

/* The review kind "live" (approval by the city by default). */
extern const review_kind_t LIVE_REVIEW;

/* Bookings in the caller's data scope (management). */
extern const zd_resource_t LIVE_STREAMS;
/* The published calendar: approved, not cancelled bookings, city-wide for
 * every holder of live.read. */
extern const zd_resource_t LIVE_EVENTS;

/* Heartbeats are accepted from this long before the start to this long
 * after the end. */
#define LIVE_WATCH_MARGIN_MS (30 * 60000LL)

/* The district a booking of org_id belongs to (see 0250_live.sql); 0 when
 * the organisation does not exist, -1 on a database error. */
int64_t live_district_of(db_conn_t *c, int64_t org_id);
/* The approved, not cancelled stream of district that overlaps
 * [starts, ends), other than except_id: 1 with its id and title (copied
 * into title, up to n bytes), 0 when none, -1 on a database error. */
int live_find_overlap(db_conn_t *c, int64_t district, int64_t starts, int64_t ends, int64_t except_id,
                      int64_t *other, char *title, size_t n);
/* "2026-11-29 14:00" in the server's zone. buf ≥ 32 bytes. */
const char *live_fmt_time(int64_t ms, char *buf, size_t n);
/* Notifies the users who may watch (live.read) in each audience
 * organisation of the stream (at most 50). Number notified, -1 on error. */
int live_notify_audience(db_conn_t *c, int64_t stream_id, int64_t org_id, const char *kind, const char *title,
                         const char *body);

/* Is the stream address on one of the configured sources (the setting
 * live_stream_sources)? true when none are configured. */
bool live_url_allowed(const char *url);
/* The setting itself ("" when none). */
const char *live_stream_sources(void);

int live_stream_routes(zd_app_t *app, char *err, size_t errlen);
int live_viewer_routes(zd_app_t *app, char *err, size_t errlen);
int live_demo(zd_app_t *app, char *err, size_t errlen);

#endif
