/* live.h — the live module (远教直播, M1.3): bookings of remote-education
 * live streams by the districts, approved by the city through the review
 * engine, the city's live calendar, the player's heartbeats and the viewer
 * statistics (docs/live.md).
 *
 * Other modules open streams for their own events here (the lecture hall's
 * sessions, docs/lecture.md "Live"): an event already approved by a review
 * chain that includes the city gets an approved stream at once — the live
 * module's own rule (the city approves a district's broadcast) is met by
 * that approval — with the district's one-channel rule (no overlap) checked
 * and guaranteed by the database as for any approved stream. Its playlist,
 * key and heartbeats are the live module's; the other module serves them
 * under its own permission and visibility through the functions below. */
#ifndef ZD_LIVE_H
#define ZD_LIVE_H
#include "http/valid.h"
#include "modules/module.h"

extern const zd_module_t live_module;

/* A stream opened for another module's approved event. */
typedef struct {
    int64_t org_id;     /* the organisation holding the event (its district's channel) */
    int64_t created_by; /* the organiser opening it */
    int64_t starts_at, ends_at;
    const char *title, *speaker, *description, *audience;
    /* an external platform's http(s) HLS (.m3u8) or FLV (.flv) address,
     * checked with live_url_problem first; NULL: pushed to the platform's
     * nginx-rtmp (a stream key is made, the organiser's only) */
    const char *stream_url;
} live_open_t;

/* Why url cannot be a stream's address (the bookings' rules: http(s),
 * .m3u8 or .flv, no user information or odd characters, on one of the
 * configured sources), in Chinese; NULL when it can. */
const char *live_url_problem(const char *url);

/* Opens an approved stream in the caller's transaction: its id (> 0); 0
 * when an approved stream of the same district overlaps (its title copied
 * into conflict, up to n bytes); -1 on a database error. Takes the
 * district's transaction lock as the city's approval does. */
int64_t live_stream_open(db_conn_t *c, const live_open_t *o, char *conflict, size_t n);

/* Called in the transaction of a pushed stream's first push (not of a push
 * resumed after a break): the module that opened the stream tells its
 * audience that it has begun. 0, or -1 on a database error (the push is
 * then refused with 5xx and nginx-rtmp retries). Registered at a module's
 * init, at most 4. */
typedef int (*live_start_fn)(db_conn_t *c, int64_t stream_id);
int live_on_start(live_start_fn fn);

/* Moves a stream to [starts, ends) in the caller's transaction, when the
 * event it broadcasts has moved: 1 moved (or nothing to move: cancelled,
 * ended or missing), 0 when another approved stream of its district
 * overlaps the new time (its title copied into conflict, up to n bytes),
 * -1 on a database error. Takes the district's lock as opening does. */
int live_stream_move(db_conn_t *c, int64_t id, int64_t starts, int64_t ends, char *conflict, size_t n);

/* Calls an approved stream off (cancelled, by user, with reason): 1 done,
 * 0 when already cancelled or ended, -1 on a database error. Nobody is
 * notified here: the opening module tells its own audience. */
int live_stream_close(db_conn_t *c, int64_t id, int64_t user, const char *reason);

/* What a viewer sees of a stream (the calendar's entry: id, title, times,
 * phase upcoming/live/ended/cancelled, ingest, publishing, and with_source
 * its stream_url), plus viewers_now (sessions with a beat in the last
 * 15 s). New reference, NULL when missing or on a database error. */
json_t *live_stream_brief(db_conn_t *c, int64_t id, bool with_source);

/* The ingest of a pushed stream for its organiser (stream_key, server_url,
 * push_url, publishing, pushes, refused, viewers_now …), or NULL after
 * answering (404 no_ingest, 5xx). The caller has checked that the user
 * organises the event. Deferred: lives until the request ends. */
json_t *live_ingest_json(http_req_t *req, db_conn_t *c, int64_t id);

/* Answers index.m3u8 or N.ts of a pushed stream (approved, not cancelled;
 * else 404), after the caller's own visibility check. */
void live_hls_send(http_req_t *req, db_conn_t *c, int64_t id, const char *name);

/* The player's heartbeat (docs/live.md) on stream id, after the caller's
 * own visibility check: the body is LIVE_BEAT_BODY's, validated by the
 * route; answers {session, counted_ms, watch_ms, next_beat_s}, 404 unless
 * approved and not cancelled, 409 not_live outside the window. Commits. */
#define LIVE_BEAT_NFIELDS 3
extern const vfield_t LIVE_BEAT_BODY[LIVE_BEAT_NFIELDS];
extern const vfield_t LIVE_BEAT_OUT[4];
void live_heartbeat(http_req_t *req, db_conn_t *c, int64_t id);

#endif
