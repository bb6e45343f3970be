/* locate.c — which grid a point falls in: bounding-box candidates from the
 * spatial index (SQLite R*Tree, PostgreSQL GiST over a box), then the exact
 * test with GEOS on each candidate's boundary.
 *
 * The border rule (docs/grid.md): a point strictly inside a grid belongs to
 * it; a point on a border shared by several grids (or on a hole's ring)
 * belongs to the grid whose code sorts first by bytes among those whose
 * closed boundary holds it. Deterministic, whatever order the grids were
 * imported in. */
#include "core/log.h"
#include "core/str.h"
#include "modules/grid/internal.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

/* coordinates in the query as integers of 1e-7 degrees (about 1 cm),
 * rounded outwards so that the box test never loses a candidate */
#define E7 10000000.0

void grid_box_cond(db_conn_t *c, qb_t *q, double min_lon, double min_lat, double max_lon, double max_lat)
{
    int64_t lo_x = (int64_t)floor(min_lon * E7), hi_x = (int64_t)ceil(max_lon * E7);
    int64_t lo_y = (int64_t)floor(min_lat * E7), hi_y = (int64_t)ceil(max_lat * E7);
    if (db_dialect(db_of(c)) == DB_POSTGRES) {
        qb_sql(q, " AND g.bbox && box(point(CAST(");
        qb_int(q, lo_x);
        qb_sql(q, " AS DOUBLE PRECISION) / 10000000, CAST(");
        qb_int(q, lo_y);
        qb_sql(q, " AS DOUBLE PRECISION) / 10000000), point(CAST(");
        qb_int(q, hi_x);
        qb_sql(q, " AS DOUBLE PRECISION) / 10000000, CAST(");
        qb_int(q, hi_y);
        qb_sql(q, " AS DOUBLE PRECISION) / 10000000))");
    } else {
        qb_sql(q, " AND g.id IN (SELECT id FROM grid_rtree WHERE min_lon <= CAST(");
        qb_int(q, hi_x);
        qb_sql(q, " AS REAL) / 10000000 AND max_lon >= CAST(");
        qb_int(q, lo_x);
        qb_sql(q, " AS REAL) / 10000000 AND min_lat <= CAST(");
        qb_int(q, hi_y);
        qb_sql(q, " AS REAL) / 10000000 AND max_lat >= CAST(");
        qb_int(q, lo_y);
        qb_sql(q, " AS REAL) / 10000000)");
    }
}

void grid_bbox_cond(db_conn_t *c, qb_t *q, double lon, double lat)
{
    grid_box_cond(c, q, lon, lat, lon, lat);
}

int grid_locate_q(db_conn_t *c, qb_t *from_where, double lon, double lat, grid_hit_t *hit)
{
    memset(hit, 0, sizeof *hit);
    qb_t q;
    qb_init(&q, "SELECT g.id, g.code, g.name, g.geometry");
    qb_append(&q, from_where);
    grid_bbox_cond(c, &q, lon, lat);
    db_stmt_t *st = qb_prepare(c, &q);
    if (!st) {
        qb_free(&q);
        return -1;
    }
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        char err[256];
        geo_shape_t *g = geo_from_text(db_col_text(st, 3), err, sizeof err);
        if (!g) { /* stored grids were valid when written */
            log_msg(LOG_APP, LOG_WARN, "grid.bad_geometry", "网格 %lld：%s", (long long)db_col_int64(st, 0),
                    err);
            continue;
        }
        geo_where_t w = geo_locate(g, lon, lat);
        geo_free(g);
        /* inside beats border; then the code first by bytes (strcmp, the
         * same on both databases whatever their collation) */
        const char *code = db_col_text(st, 1);
        if (w == GEO_OUTSIDE ||
            (hit->id && (w < hit->where || (w == hit->where && strcmp(code, hit->code) >= 0))))
            continue;
        hit->id = db_col_int64(st, 0);
        str_lcpy(hit->code, code, sizeof hit->code);
        str_lcpy(hit->name, db_col_text(st, 2), sizeof hit->name);
        hit->where = w;
    }
    db_done(st);
    qb_free(&q);
    return rc == DB_ROW || rc == DB_DONE ? 0 : -1;
}

int grid_locate_any(db_conn_t *c, double lon, double lat, int64_t *id, char *code, size_t code_len,
                    char *name, size_t name_len, bool *on_border)
{
    qb_t w;
    qb_init(&w, " FROM grids g WHERE g.deleted_at IS NULL");
    grid_hit_t hit;
    int rc = grid_locate_q(c, &w, lon, lat, &hit);
    qb_free(&w);
    if (rc != 0)
        return -1;
    *id = hit.id;
    if (code)
        str_lcpy(code, hit.code, code_len);
    if (name)
        str_lcpy(name, hit.name, name_len);
    if (on_border)
        *on_border = hit.where == GEO_BORDER;
    return hit.id ? 1 : 0;
}

int grid_flag_sites(db_conn_t *c, int64_t grid_id, const geo_shape_t *g)
{
    db_stmt_t *st = db_prepare(c, "SELECT id, lon, lat, location_flag FROM sites WHERE grid_id = ? AND "
                                  "deleted_at IS NULL");
    if (!st)
        return -1;
    db_bind_int64(st, 1, grid_id);
    int64_t ids[64];
    bool out[64];
    int n = 0, rc, flagged = 0;
    while ((rc = db_step(st)) == DB_ROW && n < 64) { /* one site per grid: a handful at most */
        bool outside = geo_locate(g, db_col_double(st, 1), db_col_double(st, 2)) == GEO_OUTSIDE;
        bool was = !db_col_is_null(st, 3);
        if (outside != was) {
            ids[n] = db_col_int64(st, 0);
            out[n++] = outside;
        }
        flagged += outside;
    }
    db_done(st);
    if (rc != DB_DONE && rc != DB_ROW)
        return -1;
    for (int i = 0; i < n; i++) {
        st = db_prepare(c, "UPDATE sites SET location_flag = ? WHERE id = ?");
        if (!st)
            return -1;
        db_bind_text(st, 1, out[i] ? "outside" : NULL);
        db_bind_int64(st, 2, ids[i]);
        rc = db_step(st);
        db_done(st);
        if (rc != DB_DONE)
            return -1;
    }
    return flagged;
}
