/* district_outlines.c — district outlines (区界) for the map: each district's
 * outline is the GEOS union of its live grids, simplified, cached in
 * district_outlines (migration 0508) and recomputed when its grids change.
 * Writers mark the district stale in their own transaction
 * (grid_outline_mark) and recompute before they commit
 * (grid_outlines_refresh); a stale row read before that is computed on the
 * fly. docs/grid.md "District outlines". */
#include "core/timeutil.h"
#include "http/valid.h"
#include "jobs/jobs.h"
#include "modules/grid/internal.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* about 1 m at Shanghai's latitude: far below what the map shows, and it
 * removes the vertices the dissolved grid edges leave on straight lines */
#define OUTLINE_TOLERANCE_DEG 1e-5
/* a district of at most this many grids is recomputed in the transaction
 * that changed it; a bigger one by the job grid.outlines (the union of
 * 10,000 grids takes seconds: docs/benchmarks.md) */
#define OUTLINE_INLINE_MAX 300

const zd_resource_t DISTRICT_OUTLINES = {.name = "district_outline",
                                         .title = "区界",
                                         .table = "district_outlines",
                                         .alias = "x",
                                         .from = "district_outlines x JOIN orgs d ON d.id = x.district_id",
                                         .org_col = "x.district_id",
                                         .no_creator = true, /* derived from the grids, no author */
                                         .id_col = "x.district_id",
                                         .perm = "grid.read"};

/* the district of the grid's organisation (itself when it is one) */
#define DISTRICT_OF_GRID                                                                                     \
    "FROM grids g JOIN orgs o ON o.id = g.org_id JOIN orgs d ON d.type = 'district' AND o.path LIKE "        \
    "d.path || '%' WHERE g.id = ?"

int grid_outline_mark(db_conn_t *c, int64_t grid_id)
{
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO district_outlines (district_id, stale, updated_at) SELECT d.id, "
                      "1, ? " DISTRICT_OF_GRID " ON CONFLICT (district_id) DO UPDATE SET stale = "
                      "district_outlines.stale + 1");
    if (!st)
        return -1;
    db_bind_int64(st, 1, time_now_ms());
    db_bind_int64(st, 2, grid_id);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

/* Dissolves the live grids of district into *geom (new reference; NULL
 * with err when the union failed) and counts them. 0, or -1 on a database
 * error. */
static int compute(db_conn_t *c, int64_t district, json_t **geom, double *area, int *count, char *err,
                   size_t errlen)
{
    *geom = NULL;
    *area = 0;
    *count = 0;
    err[0] = 0;
    db_stmt_t *st =
        db_prepare(c, "SELECT g.geometry FROM grids g JOIN orgs o ON o.id = g.org_id WHERE "
                      "g.deleted_at IS NULL AND o.path LIKE (SELECT d.path FROM orgs d WHERE d.id "
                      "= ?) || '%' ORDER BY g.id");
    if (!st)
        return -1;
    db_bind_int64(st, 1, district);
    json_t *parts = json_array();
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        json_t *g = json_parse_or_null(db_col_text(st, 0));
        if (json_is_object(g))
            json_array_append_new(parts, g);
        else
            json_decref(g);
    }
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(parts);
        return -1;
    }
    size_t n = json_array_size(parts);
    *count = (int)n;
    if (n) {
        json_t **v = malloc(n * sizeof *v);
        for (size_t i = 0; v && i < n; i++)
            v[i] = json_array_get(parts, i);
        *geom = v ? geo_union_geojson(v, n, OUTLINE_TOLERANCE_DEG, err, errlen) : NULL;
        free(v);
        geo_shape_t *s = *geom ? geo_from_geojson(*geom, err, errlen) : NULL;
        if (s)
            *area = geo_area_m2(s);
        geo_free(s);
    }
    json_decref(parts);
    return 0;
}

/* Recomputes the stale outlines on c: all of them (all), or those of at
 * most OUTLINE_INLINE_MAX grids (*left: bigger ones remain). stale counts
 * the changes: a change made while a job computed leaves the row stale. */
static int refresh(db_conn_t *c, bool all, bool *left)
{
    db_stmt_t *st =
        db_prepare(c, "SELECT x.district_id, x.stale, (SELECT COUNT(*) FROM grids g JOIN orgs o ON o.id "
                      "= g.org_id WHERE g.deleted_at IS NULL AND o.path LIKE d.path || '%') FROM "
                      "district_outlines x JOIN orgs d ON d.id = x.district_id WHERE x.stale > 0 ORDER "
                      "BY x.district_id");
    if (!st)
        return -1;
    int64_t ids[64], stale[64];
    int n = 0, rc;
    while ((rc = db_step(st)) == DB_ROW && n < 64) {
        if (!all && db_col_int64(st, 2) > OUTLINE_INLINE_MAX) {
            *left = true;
            continue;
        }
        ids[n] = db_col_int64(st, 0);
        stale[n++] = db_col_int64(st, 1);
    }
    db_done(st);
    if (rc != DB_DONE && rc != DB_ROW)
        return -1;
    for (int i = 0; i < n; i++) {
        json_t *geom;
        double area;
        int count;
        char err[512];
        if (compute(c, ids[i], &geom, &area, &count, err, sizeof err) != 0)
            return -1;
        char *text = geom ? json_dumps(geom, JSON_COMPACT) : NULL;
        json_decref(geom);
        st = db_prepare(c, count ? "UPDATE district_outlines SET geometry = ?, area_m2 = ?, grid_count = ?, "
                                   "error = ?, stale = 0, updated_at = ? WHERE district_id = ? AND stale = ?"
                                 : "DELETE FROM district_outlines WHERE district_id = ? AND stale = ?");
        if (st && count) {
            db_bind_text(st, 1, text);
            db_bind_double(st, 2, area);
            db_bind_int64(st, 3, count);
            db_bind_text(st, 4, text ? NULL : err);
            db_bind_int64(st, 5, time_now_ms());
            db_bind_int64(st, 6, ids[i]);
            db_bind_int64(st, 7, stale[i]);
        } else if (st) {
            db_bind_int64(st, 1, ids[i]);
            db_bind_int64(st, 2, stale[i]);
        }
        rc = st ? db_step(st) : DB_ERROR;
        db_done(st);
        free(text);
        if (rc != DB_DONE)
            return -1;
    }
    return 0;
}

int grid_outlines_refresh(db_conn_t *c)
{
    bool left = false;
    if (refresh(c, false, &left) != 0)
        return -1;
    if (!left)
        return 0;
    job_spec_t spec = {.kind = "grid.outlines"};
    return jobs_enqueue(c, &spec) > 0 ? 0 : -1;
}

int grid_outlines_refresh_db(db_t *db)
{
    db_conn_t *c = db_acquire(db);
    if (!c)
        return -1;
    int rc = db_begin(c) == 0 && grid_outlines_refresh(c) == 0 && db_commit(c) == 0 ? 0 : -1;
    db_release(c);
    return rc;
}

/* the job: every stale outline, whatever its size */
static int job_outlines(job_ctx_t *ctx)
{
    db_conn_t *c = db_acquire(job_db(ctx));
    if (!c)
        return JOB_RETRY;
    bool left = false;
    int rc = db_begin(c) == 0 && refresh(c, true, &left) == 0 && db_commit(c) == 0 ? JOB_OK : JOB_RETRY;
    if (rc != JOB_OK)
        job_error(ctx, "区界计算失败：%s", db_errmsg(c));
    db_release(c);
    return rc;
}

int grid_outline_init(zd_app_t *app, char *err, size_t errlen)
{
    jobs_register("grid.outlines", "重算区界（区内网格的并集）", job_outlines);
    /* the outlines left stale by a failure or by migration 0508 */
    if (jobs_define_schedule(app->db, "grid.outlines", "重算过期的区界", "*/10 * * * *", "grid.outlines",
                             NULL) != 0) {
        snprintf(err, errlen, "grid: cannot define the outline schedule");
        return -1;
    }
    return grid_outline_routes(app, err, errlen);
}

/* ---- the route ---- */

static const vfield_t OUTLINE_QUERY[] = {
    {"district_id", V_ID, .title = "区（组织）"},
};

/* The visible districts' outlines as one GeoJSON FeatureCollection. */
static void district_outlines(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w, q;
    res_from(req, &DISTRICT_OUTLINES, &w);
    int64_t district = http_query_i64(req, "district_id", 0);
    if (district) {
        qb_sql(&w, " AND x.district_id = ");
        qb_int(&w, district);
    }
    qb_init(&q, "SELECT x.district_id, COALESCE(d.short_name, d.name), x.geometry, x.area_m2, x.grid_count, "
                "x.stale, x.error, x.updated_at, x.geometry IS NULL");
    qb_append(&q, &w);
    qb_sql(&q, " ORDER BY d.code, x.district_id");
    qb_free(&w);
    db_stmt_t *st = qb_prepare(c, &q);
    qb_free(&q);
    if (!st) {
        http_db_error(req, c);
        return;
    }
    json_t *features = json_array(), *stale = json_array();
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        int64_t id = db_col_int64(st, 0);
        bool is_stale = db_col_int64(st, 5) > 0;
        json_t *p = json_pack("{s:I,s:o,s:f,s:I,s:o,s:o,s:b}", "district_id", (json_int_t)id, "district_name",
                              json_col_text(st, 1), "area_m2", round(db_col_double(st, 3) * 100) / 100,
                              "grid_count", (json_int_t)db_col_int64(st, 4), "error", json_col_text(st, 6),
                              "updated_at", json_time(db_col_int64(st, 7)), "stale", is_stale);
        json_t *f = json_pack("{s:s,s:I,s:o,s:o}", "type", "Feature", "id", (json_int_t)id, "geometry",
                              json_parse_or_null(db_col_text(st, 2)), "properties", p);
        /* small or never computed: now; a big one stays as it was until the job */
        if (is_stale && (db_col_int64(st, 8) || db_col_int64(st, 4) <= OUTLINE_INLINE_MAX))
            json_array_append(stale, f);
        json_array_append_new(features, f);
    }
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(features);
        json_decref(stale);
        http_db_error(req, c);
        return;
    }
    /* stale: changed by a write not yet recomputed (a pull in progress) or
     * never computed (grids from before migration 0508): computed now */
    size_t i;
    json_t *f;
    json_array_foreach(stale, i, f)
    {
        json_t *geom, *p = json_object_get(f, "properties");
        double area;
        int count;
        char err[512];
        if (compute(c, json_integer_value(json_object_get(f, "id")), &geom, &area, &count, err, sizeof err) !=
            0) {
            json_decref(features);
            json_decref(stale);
            http_db_error(req, c);
            return;
        }
        json_object_set_new(f, "geometry", geom ? geom : json_null());
        json_object_set_new(p, "area_m2", json_real(round(area * 100) / 100));
        json_object_set_new(p, "grid_count", json_integer(count));
        json_object_set_new(p, "error", geom ? json_null() : json_string(err));
        json_object_set_new(p, "updated_at", json_time(time_now_ms()));
        json_object_set_new(p, "stale", json_false());
    }
    json_decref(stale);
    /* a district whose last grid went away meanwhile has nothing to draw */
    for (i = json_array_size(features); i-- > 0;)
        if (!json_integer_value(
                json_object_get(json_object_get(json_array_get(features, i), "properties"), "grid_count")))
            json_array_remove(features, i);
    http_json(req, 200, json_pack("{s:s,s:o}", "type", "FeatureCollection", "features", features));
}

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/grids/district-outlines", .handler = district_outlines,
     .perm = "grid.read", .summary = "区界（GeoJSON）", .resource = &DISTRICT_OUTLINES,
     HTTP_QUERY(OUTLINE_QUERY),
     .notes = "a FeatureCollection of the outlines of the districts in the caller's scope (a district's user: "
              "their own; the city: all): the union of the district's live grids, simplified to about 1 m; "
              "properties district_id, district_name, grid_count, area_m2, error (why the union failed, "
              "geometry null then), updated_at, stale (true: a district of more than 300 grids changed and the "
              "job grid.outlines has not recomputed it yet; the outline shown is the previous one)"},
};
// clang-format on

int grid_outline_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
