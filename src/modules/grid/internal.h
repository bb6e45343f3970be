/* internal.h — what the grid module's own files share. */
#ifndef ZD_MOD_GRID_INTERNAL_H
#define ZD_MOD_GRID_INTERNAL_H
#include "auth/resource.h"
#include "core/db.h"
#include "core/qb.h"
#include "geo/geo.h"
#include "modules/grid/grid.h"
#include "modules/module.h"

/* Grids in the caller's data scope (the owning district or street). */
extern const zd_resource_t GRIDS;

/* Service sites in the caller's data scope (their grid's organisation). */
extern const zd_resource_t SITES;
extern const char *const GRID_SITE_TYPES[];

/* Settings: the base map's tile URL and attribution ("" none). */
extern char grid_tile_url[512], grid_tile_attribution[256], grid_tile_crs[16];

/* One candidate grid of a located point. */
typedef struct {
    int64_t id;
    char code[260], name[404];
    geo_where_t where;
} grid_hit_t;

/* Adds the bounding-box condition " AND <the grid's box holds lon/lat>" to
 * q (a query over grids g): the R*Tree on SQLite, the GiST box on
 * PostgreSQL. */
void grid_bbox_cond(db_conn_t *c, qb_t *q, double lon, double lat);
/* The same for a box: the grids whose bounding box meets it (rounded
 * outwards to 1e-7 degree, so no grid touching it is lost). */
void grid_box_cond(db_conn_t *c, qb_t *q, double min_lon, double min_lat, double max_lon, double max_lat);
/* Runs q ("FROM grids g WHERE …" with the box condition added here) and
 * tests every candidate exactly: the winning grid into hit (hit->id 0 when
 * none). Among candidates a point strictly inside wins; on a border shared
 * by several, the grid whose code sorts first. 0, or -1 on a database error. */
int grid_locate_q(db_conn_t *c, qb_t *from_where, double lon, double lat, grid_hit_t *hit);

/* After grid_id's boundary changed: its sites whose location is no longer
 * inside it are flagged (location_flag 'outside', for review — never
 * rebound), those inside again unflagged. The number flagged, or -1. */
int grid_flag_sites(db_conn_t *c, int64_t grid_id, const geo_shape_t *g);

/* The simplification's tolerance of the map's outlines (degrees: about
 * 1 m; the coordinates are rounded to 1e-5 degree too). */
#define GRID_OUTLINE_TOLERANCE 1e-5

/* GET /api/v1/grids/outlines (outlines.c). */
void grid_outlines(http_req_t *req);
/* ?bbox= of the outlines: "min_lon,min_lat,max_lon,max_lat" in degrees
 * into box; NULL when fine, else the reason in Chinese. */
const char *grid_parse_bbox(const char *s, double box[4]);
/* The same as a query check (vfield_t.check). */
const char *grid_check_bbox(json_t *v);

/* ---- the cache of built answers (cache.c): outlines, portraits ---- */

/* FNV-1a of p[0..n) continuing from h. */
uint64_t grid_hash(uint64_t h, const void *p, size_t n);
/* The identity of a scope: salt, the SQL of its condition w and the
 * values bound. */
uint64_t grid_scope_hash(const char *salt, const qb_t *w);
/* Sets the answer's strong ETag ("<prefix>-<etag>") and caching headers,
 * then answers 304 when the browser holds it, or the cached body of etag
 * when held: true when answered. */
bool grid_cache_answer(http_req_t *req, const char *prefix, uint64_t etag);
/* Answers 200 with plain (taken; gzip-compressed at level when the client
 * accepts it) and keeps both in the cache as scope's body of etag. */
void grid_cache_send(http_req_t *req, uint64_t scope, uint64_t etag, char *plain, size_t plain_len,
                     int level);

/* A grid to write. */
typedef struct {
    const char *code, *name;
    int64_t org;
    geo_shape_t *shape;
    json_t *attributes; /* object or NULL */
    const char *source; /* manual, import, bigdata */
} grid_in_t;

/* Inserts (id 0) or updates grid id as user (0: the system), then re-tests
 * the sites of an updated grid (grid_flag_sites). The id, or -1 on a
 * database error. */
int64_t grid_write(db_conn_t *c, int64_t id, const grid_in_t *in, int64_t user);
/* The live grid holding code: its id (0 none, -1 error). */
int64_t grid_by_code(db_conn_t *c, const char *code);

/* ---- the big-data center (bigdata.c, bigdata_api.c) ---- */

/* Queues a site change for the center in the caller's transaction: the
 * site as loaded (site_row's JSON, borrowed), deleted when it was deleted.
 * A queued, unsent change of the same site is replaced. 0, or -1 on a
 * database error. */
int grid_outbox_site(db_conn_t *c, const json_t *site, bool deleted, int64_t user);
/* Registers the sync job and its schedule. */
int grid_bigdata_init(zd_app_t *app, char *err, size_t errlen);
int grid_bigdata_routes(zd_app_t *app, char *err, size_t errlen);
/* One sync run (pull grids, push sites) as run_id (0: a new run of kind).
 * 0 when it ran (ok or failed, recorded in the run), -1 when it could not
 * start (another run holds the lease: the run is marked so). */
int grid_bigdata_run(db_t *db, int64_t run_id, const char *kind, int64_t user);

/* ---- shared by the sites and their activities ---- */

/* The short name of the district / street holding organisation alias o
 * (an SQL expression for a column list). */
#define GRID_DISTRICT_NAME(o)                                                                                \
    "(SELECT COALESCE(d.short_name, d.name) FROM orgs d WHERE d.type = 'district' AND " o                    \
    ".path LIKE d.path || '%')"
#define GRID_STREET_NAME(o)                                                                                  \
    "(SELECT COALESCE(x.short_name, x.name) FROM orgs x WHERE x.type = 'street' AND " o                      \
    ".path LIKE x.path || '%')"
/* The value of key in a PATCH body b, else before's (before NULL: b's). */
json_t *grid_pick(json_t *b, json_t *before, const char *key);
/* The same as text, NULL for absent or "". */
const char *grid_pick_str(json_t *b, json_t *before, const char *key);
/* Soft-deletes row id of table (a module constant) at now; false after
 * answering 409 gone when it was deleted meanwhile. */
bool grid_soft_delete(http_req_t *req, db_conn_t *c, const char *table, int64_t id, int64_t now,
                      const char *gone);
/* A JSON column (NULL or unparsable: null, or [] when array). */
json_t *grid_json_col(db_stmt_t *st, int i, bool array);
/* A non-empty array as compact JSON (the caller frees), else NULL. */
char *grid_dump_array(json_t *v);
/* vfield check of photo_file_ids: positive integers. */
const char *grid_check_file_ids(json_t *v);
/* The photos of ids not in had are the caller's images, claimed as holder
 * ("site", "site_activity"); false after answering 4xx/5xx. */
bool grid_claim_photos(http_req_t *req, db_conn_t *c, json_t *ids, json_t *had, const char *holder);
/* Sends the photo {file_id} when row's photo_file_ids holds it, else 404. */
void grid_send_photo(http_req_t *req, db_conn_t *c, json_t *row);
/* ["/api/v1/<base>/<id>/photos/<file id>", …] for photos. */
json_t *grid_photo_urls(const char *base, int64_t id, json_t *photos);

/* ---- activities of the sites (activities_api.c) ---- */
extern const zd_resource_t SITE_ACTIVITIES;
extern const char *const GRID_ACTIVITY_TYPES[];
extern const zd_label_t GRID_ACTIVITY_TYPE[]; /* their labels (the dictionary site_activity_type) */
/* The organisations contracted now to the live sites (alias b; the site s,
 * its organisation o, the contracted organisation bo), in the site's scope. */
extern const zd_resource_t SITE_CONTRACTS;
int grid_activity_routes(zd_app_t *app, char *err, size_t errlen);
/* portraits of the sites and the dashboard's indicators (portraits_api.c) */
int grid_portrait_routes(zd_app_t *app, char *err, size_t errlen);

int grid_grid_routes(zd_app_t *app, char *err, size_t errlen);

/* ---- district outlines (district_outlines.c) ---- */
extern const zd_resource_t DISTRICT_OUTLINES;
/* Marks the outline of the district holding grid_id's organisation stale
 * (the grid as it is now: call before a change of its organisation and
 * after every write). 0, or -1 on a database error. */
int grid_outline_mark(db_conn_t *c, int64_t grid_id);
/* Recomputes the stale outlines on c (in the caller's transaction): the
 * GEOS union of the district's live grids; a district left without grids
 * loses its row. Districts of more than 300 grids are left to the job
 * grid.outlines, enqueued here. 0, or -1 on a database error. */
int grid_outlines_refresh(db_conn_t *c);
/* The same in a transaction of its own (after a big-data pull). */
int grid_outlines_refresh_db(db_t *db);
int grid_outline_routes(zd_app_t *app, char *err, size_t errlen);
/* Registers the job grid.outlines, its schedule and the route. */
int grid_outline_init(zd_app_t *app, char *err, size_t errlen);
extern const zd_resource_t COMMISSIONERS;
extern const char *const GRID_COMMISSIONER_CATEGORIES[];
int grid_contract_routes(zd_app_t *app, char *err, size_t errlen);
int grid_site_routes(zd_app_t *app, char *err, size_t errlen);
int grid_demo(zd_app_t *app, char *err, size_t errlen);

#endif
