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

/* Does the caller hold live.write over the booking (its organiser)? 1, 0,
 * -1 on a database error. */
int live_may_write(http_req_t *req, db_conn_t *c, int64_t id);
/* Is the booking (as loaded: review_id, status, id) still editable (draft,
 * returned, withdrawn)? -1 on a database error. */
int live_editable(db_conn_t *c, json_t *s);

/* Streams pushed to the platform's nginx-rtmp (ingest_api.c). The player's
 * address of a stream that takes pushes: zhendi's own origin, by id. */
#define LIVE_INGEST_PLAYLIST "/api/v1/live/calendar/%lld/hls/index.m3u8"
/* Viewers now: sessions with a beat this recently; pushed streams' players
 * beat every LIVE_INGEST_BEAT_S seconds. */
#define LIVE_VIEWERS_NOW_MS 15000
#define LIVE_INGEST_BEAT_S  10
/* Creates the stream key of stream id (a new one replaces the old): 0, -1
 * on a database error. key gets 33 bytes. */
int live_ingest_new_key(db_conn_t *c, int64_t id, int64_t user, char key[33]);
/* The ingest's settings (live.c's table; ingest_api.c's storage). */
extern char live_ingest_secret[128];
extern char live_ingest_hls_dir[1024];
extern char live_ingest_rtmp_host[256];
extern int64_t live_ingest_rtmp_port;
/* Where nginx-rtmp writes HLS: the setting, else DATA/live-hls. */
void live_ingest_init(const char *data_dir);
int live_ingest_routes(zd_app_t *app, char *err, size_t errlen);
int live_stream_routes(zd_app_t *app, char *err, size_t errlen);
int live_viewer_routes(zd_app_t *app, char *err, size_t errlen);
int live_demo(zd_app_t *app, char *err, size_t errlen);

#endif
