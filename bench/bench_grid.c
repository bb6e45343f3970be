/* bench_grid — locating a point among 10,000 grids (target < 1 ms): a
 * lattice of 100 × 100 square grids of 0.005° (about 500 m) whose edges
 * carry 5 positions each (21-position rings), written as the module writes
 * them (GeoJSON, bounding box, the R*Tree / GiST index), then random points
 * located with grid_locate_any (bounding-box candidates, then GEOS); then
 * the outline of all of them as one district's (geo_union_geojson).
 * Usage: build/bench_grid [points] [database URL or SQLite path]
 * (docs/benchmarks.md) */
#include "core/embed.h"
#include "core/migrate.h"
#include "core/timeutil.h"
#include "geo/geo.h"
#include "modules/grid/grid.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N    100
#define STEP 0.005
#define X0   121.2
#define Y0   30.9

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static json_t *ring(double x0, double y0)
{
    json_t *r = json_array();
    const double xs[4] = {x0, x0 + STEP, x0 + STEP, x0}, ys[4] = {y0, y0, y0 + STEP, y0 + STEP};
    for (int side = 0; side < 4; side++)
        for (int k = 0; k < 5; k++) {
            double t = k / 5.0;
            double x = xs[side] + (xs[(side + 1) % 4] - xs[side]) * t, y = ys[side] + (ys[(side + 1) % 4] - ys[side]) * t;
            json_array_append_new(r, json_pack("[f,f]", x, y));
        }
    json_array_append_new(r, json_pack("[f,f]", x0, y0));
    return r;
}

int main(int argc, char **argv)
{
    int points = argc > 1 ? atoi(argv[1]) : 10000;
    char dir[] = "/tmp/zhendi-bench-XXXXXX", path[256], err[256];
    if (argc > 2) {
        snprintf(path, sizeof path, "%s", argv[2]);
    } else {
        if (!mkdtemp(dir))
            return 1;
        snprintf(path, sizeof path, "%s/bench.db", dir);
    }
    db_options_t o = {.pool_size = 2};
    db_t *db = db_open(path, &o, err, sizeof err);
    if (!db || migrate_run(db, zd_migrations, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    db_conn_t *c = db_acquire(db);
    db_exec(c, "INSERT INTO orgs (id, type, code, name, path, depth, created_at, updated_at) "
               "VALUES (1, 'city', 'SH', '市', '/1/', 0, 0, 0)");
    int64_t t0 = time_mono_ns();
    db_begin(c);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            json_t *g = json_pack("{s:s,s:[o]}", "type", "Polygon", "coordinates", ring(X0 + i * STEP, Y0 + j * STEP));
            geo_shape_t *s = geo_from_geojson(g, err, sizeof err);
            char *text = json_dumps(g, JSON_COMPACT), code[32];
            snprintf(code, sizeof code, "B-%03d-%03d", i, j);
            double box[4], cx, cy;
            geo_bbox(s, box);
            geo_centroid(s, &cx, &cy);
            db_stmt_t *st = db_prepare(c, "INSERT INTO grids (org_id, code, name, geometry, min_lon, min_lat, "
                                          "max_lon, max_lat, area_m2, centroid_lon, centroid_lat, created_at, "
                                          "updated_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)");
            db_bind_text(st, 1, code);
            db_bind_text(st, 2, code);
            db_bind_text(st, 3, text);
            for (int k = 0; k < 4; k++)
                db_bind_double(st, 4 + k, box[k]);
            db_bind_double(st, 8, geo_area_m2(s));
            db_bind_double(st, 9, cx);
            db_bind_double(st, 10, cy);
            if (db_step(st) != DB_DONE) {
                fprintf(stderr, "insert: %s\n", db_errmsg(c));
                return 1;
            }
            db_done(st);
            free(text);
            geo_free(s);
            json_decref(g);
        }
    db_commit(c);
    db_maintain(db);
    printf("grids: %d written in %.1f s (%s)\n", N * N, (time_mono_ns() - t0) / 1e9, db_backend_name(db));
    double *ms = malloc(sizeof *ms * (size_t)points);
    srand(42);
    int found = 0;
    int64_t all0 = time_mono_ns();
    for (int i = 0; i < points; i++) {
        double lon = X0 + (rand() / (double)RAND_MAX) * N * STEP, lat = Y0 + (rand() / (double)RAND_MAX) * N * STEP;
        int64_t id;
        char code[64];
        int64_t a = time_mono_ns();
        int rc = grid_locate_any(c, lon, lat, &id, code, sizeof code, NULL, 0, NULL);
        ms[i] = (time_mono_ns() - a) / 1e6;
        if (rc < 0) {
            fprintf(stderr, "locate: %s\n", db_errmsg(c));
            return 1;
        }
        found += rc;
    }
    double total = (time_mono_ns() - all0) / 1e6;
    qsort(ms, (size_t)points, sizeof *ms, cmp);
    printf("locate among %d grids: %d points, %d found; mean %.3f ms, p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
           N * N, points, found, total / points, ms[points / 2], ms[points * 99 / 100], ms[points - 1]);
    free(ms);
    /* a district's outline (docs/grid.md): the union of all 10,000 grids as
     * the module computes it — reading their boundaries, GEOS union, the
     * simplification — the worst case of one district holding every grid */
    int64_t u0 = time_mono_ns();
    db_stmt_t *st = db_prepare(c, "SELECT geometry FROM grids WHERE deleted_at IS NULL");
    json_t **parts = malloc(sizeof *parts * N * N);
    size_t n = 0;
    while (st && db_step(st) == DB_ROW && n < (size_t)N * N) {
        json_error_t je;
        parts[n] = json_loads(db_col_text(st, 0), 0, &je);
        if (parts[n])
            n++;
    }
    db_done(st);
    int64_t u1 = time_mono_ns();
    json_t *outline = geo_union_geojson(parts, n, 1e-5, err, sizeof err);
    int64_t u2 = time_mono_ns();
    if (!outline) {
        fprintf(stderr, "union: %s\n", err);
        return 1;
    }
    const char *type = json_string_value(json_object_get(outline, "type"));
    json_t *outer = json_array_get(json_array_get(json_object_get(outline, "coordinates"), 0), 0);
    printf("outline of %zu grids: read %.0f ms, union and simplify %.0f ms, total %.0f ms (%s, outer ring %zu "
           "positions)\n",
           n, (u1 - u0) / 1e6, (u2 - u1) / 1e6, (u2 - u0) / 1e6, type, json_array_size(outer));
    json_decref(outline);
    for (size_t i = 0; i < n; i++)
        json_decref(parts[i]);
    free(parts);
    db_release(c);
    db_close(db);
    if (argc <= 2) {
        unlink(path);
        char wal[300];
        snprintf(wal, sizeof wal, "%s-wal", path);
        unlink(wal);
        snprintf(wal, sizeof wal, "%s-shm", path);
        unlink(wal);
        rmdir(dir);
    }
    return 0;
}
