/* geo.c — see geo.h. GEOS through its reentrant C API (*_r): one context
 * per shape, created with it and finished with it. */
#include "geo/geo.h"
#include <geos_c.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_POSITIONS 200000 /* one grid's boundary: far beyond any real one */
#define EARTH_RADIUS  6378137.0

struct geo_shape {
    GEOSContextHandle_t ctx;
    GEOSGeometry *geom;
    const GEOSPreparedGeometry *prep;
    json_t *json; /* {type, coordinates} as given */
    double box[4];
    char gerr[256]; /* GEOS's last error message */
};

static void on_geos_error(const char *msg, void *ud)
{
    geo_shape_t *g = ud;
    snprintf(g->gerr, sizeof g->gerr, "%s", msg ? msg : "");
}

void geo_free(geo_shape_t *g)
{
    if (!g)
        return;
    if (g->prep)
        GEOSPreparedGeom_destroy_r(g->ctx, g->prep);
    if (g->geom)
        GEOSGeom_destroy_r(g->ctx, g->geom);
    if (g->ctx)
        GEOS_finish_r(g->ctx);
    json_decref(g->json);
    free(g);
}

static bool fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return false;
}

/* A position [lon, lat(, alt)] in range. */
static bool position(const json_t *p, double *x, double *y, const char *where, char *err, size_t errlen)
{
    if (!json_is_array(p) || json_array_size(p) < 2 || !json_is_number(json_array_get(p, 0)) ||
        !json_is_number(json_array_get(p, 1)))
        return fail(err, errlen, "%s：坐标须为 [经度, 纬度] 数字对", where);
    *x = json_number_value(json_array_get(p, 0));
    *y = json_number_value(json_array_get(p, 1));
    if (!isfinite(*x) || !isfinite(*y) || *x < -180 || *x > 180 || *y < -90 || *y > 90)
        return fail(err, errlen, "%s：坐标 [%g, %g] 超出经纬度范围（经度 -180~180，纬度 -90~90）", where, *x,
                    *y);
    return true;
}

/* Ring area on the sphere (signed; turf.js ringArea). */
static double ring_area(const json_t *ring)
{
    size_t n = json_array_size(ring);
    if (n < 3)
        return 0;
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *p1 = json_array_get(ring, i), *p2 = json_array_get(ring, (i + 1) % n),
                     *p3 = json_array_get(ring, (i + 2) % n);
        double lon1 = json_number_value(json_array_get(p1, 0)) * M_PI / 180,
               lat2 = json_number_value(json_array_get(p2, 1)) * M_PI / 180,
               lon3 = json_number_value(json_array_get(p3, 0)) * M_PI / 180;
        total += (lon3 - lon1) * sin(lat2);
    }
    return total * EARTH_RADIUS * EARTH_RADIUS / 2;
}

static GEOSGeometry *build_ring(geo_shape_t *g, const json_t *ring, const char *where, size_t *count,
                                char *err, size_t errlen)
{
    size_t n = json_array_size(ring);
    if (!json_is_array(ring) || n < 4) {
        fail(err, errlen, "%s：环至少需要 4 个坐标（首尾相同）", where);
        return NULL;
    }
    if ((*count += n) > MAX_POSITIONS) {
        fail(err, errlen, "坐标点过多（最多 %d 个）", MAX_POSITIONS);
        return NULL;
    }
    double x0 = 0, y0 = 0, x = 0, y = 0;
    GEOSCoordSequence *seq = GEOSCoordSeq_create_r(g->ctx, (unsigned)n, 2);
    if (!seq) {
        fail(err, errlen, "几何对象创建失败");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        char w[200];
        snprintf(w, sizeof w, "%s第 %zu 个坐标", where, i + 1);
        if (!position(json_array_get(ring, i), &x, &y, w, err, errlen)) {
            GEOSCoordSeq_destroy_r(g->ctx, seq);
            return NULL;
        }
        if (i == 0) {
            x0 = x;
            y0 = y;
        }
        GEOSCoordSeq_setXY_r(g->ctx, seq, (unsigned)i, x, y);
    }
    if (x != x0 || y != y0) {
        GEOSCoordSeq_destroy_r(g->ctx, seq);
        fail(err, errlen, "%s：环未闭合（首尾坐标须相同）", where);
        return NULL;
    }
    GEOSGeometry *r = GEOSGeom_createLinearRing_r(g->ctx, seq); /* takes seq */
    if (!r)
        fail(err, errlen, "%s：无法构成环（%s）", where, g->gerr);
    return r;
}

/* One polygon's rings ([outer, hole…]); NULL with err. */
static GEOSGeometry *build_polygon(geo_shape_t *g, const json_t *rings, const char *where, size_t *count,
                                   char *err, size_t errlen)
{
    size_t n = json_array_size(rings);
    if (!json_is_array(rings) || n < 1) {
        fail(err, errlen, "%s：多边形至少需要一个外环", where);
        return NULL;
    }
    if (n > 10000) {
        fail(err, errlen, "%s：内洞过多", where);
        return NULL;
    }
    GEOSGeometry **holes = n > 1 ? calloc(n - 1, sizeof *holes) : NULL;
    GEOSGeometry *shell = NULL, *poly = NULL;
    size_t made = 0;
    char w[160];
    snprintf(w, sizeof w, "%s外环", where);
    shell = build_ring(g, json_array_get(rings, 0), w, count, err, errlen);
    if (!shell)
        goto out;
    for (size_t i = 1; i < n; i++, made++) {
        snprintf(w, sizeof w, "%s第 %zu 个内洞", where, i);
        if (!(holes[i - 1] = build_ring(g, json_array_get(rings, i), w, count, err, errlen)))
            goto out;
    }
    poly = GEOSGeom_createPolygon_r(g->ctx, shell, holes, (unsigned)(n - 1)); /* takes shell and holes */
    if (!poly)
        fail(err, errlen, "%s：无法构成多边形（%s）", where, g->gerr);
    shell = NULL;
    made = 0;
out:
    if (shell)
        GEOSGeom_destroy_r(g->ctx, shell);
    for (size_t i = 0; i < made; i++)
        GEOSGeom_destroy_r(g->ctx, holes[i]);
    free(holes);
    return poly;
}

static const struct {
    const char *geos, *zh;
} REASONS[] = {
    {"Ring Self-intersection", "环自相交"},
    {"Self-intersection", "边界自相交"},
    {"Hole lies outside shell", "内洞不在外环之内"},
    {"Holes are nested", "内洞相互嵌套"},
    {"Interior is disconnected", "内部不连通（内洞把多边形分割开）"},
    {"Nested shells", "多边形相互嵌套"},
    {"Duplicate Rings", "存在重复的环"},
    {"Too few points in geometry component", "环的有效点数不足"},
    {"Invalid Coordinate", "坐标无效"},
    {"Ring is not closed", "环未闭合"},
};

static const char *reason_zh(const char *geos)
{
    for (size_t i = 0; i < sizeof REASONS / sizeof REASONS[0]; i++)
        if (!strncmp(geos, REASONS[i].geos, strlen(REASONS[i].geos)))
            return REASONS[i].zh;
    return "几何图形无效";
}

geo_shape_t *geo_from_geojson(const json_t *geometry, char *err, size_t errlen)
{
    if (json_is_object(geometry) && json_is_string(json_object_get(geometry, "type")) &&
        !strcmp(json_string_value(json_object_get(geometry, "type")), "Feature"))
        geometry = json_object_get(geometry, "geometry");
    if (!json_is_object(geometry)) {
        fail(err, errlen, "缺少几何对象（GeoJSON geometry）");
        return NULL;
    }
    const char *type = json_string_value(json_object_get(geometry, "type"));
    const json_t *coords = json_object_get(geometry, "coordinates");
    bool multi = type && !strcmp(type, "MultiPolygon");
    if (!type || (!multi && strcmp(type, "Polygon") != 0)) {
        fail(err, errlen, "几何类型须为 Polygon 或 MultiPolygon（收到 %s）", type ? type : "无");
        return NULL;
    }
    if (!json_is_array(coords) || json_array_size(coords) == 0) {
        fail(err, errlen, "coordinates 须为非空数组");
        return NULL;
    }
    geo_shape_t *g = calloc(1, sizeof *g);
    if (!g || !(g->ctx = GEOS_init_r())) {
        free(g);
        fail(err, errlen, "几何引擎初始化失败");
        return NULL;
    }
    GEOSContext_setErrorMessageHandler_r(g->ctx, on_geos_error, g);
    size_t count = 0;
    if (!multi) {
        g->geom = build_polygon(g, coords, "", &count, err, errlen);
    } else {
        size_t n = json_array_size(coords);
        GEOSGeometry **polys = calloc(n, sizeof *polys);
        size_t made = 0;
        for (; made < n; made++) {
            char w[64];
            snprintf(w, sizeof w, "第 %zu 个多边形", made + 1);
            if (!(polys[made] = build_polygon(g, json_array_get(coords, made), w, &count, err, errlen)))
                break;
        }
        if (made == n) {
            g->geom = GEOSGeom_createCollection_r(g->ctx, GEOS_MULTIPOLYGON, polys, (unsigned)n);
            if (!g->geom) {
                fail(err, errlen, "无法构成多多边形（%s）", g->gerr);
                for (size_t i = 0; i < n; i++)
                    GEOSGeom_destroy_r(g->ctx, polys[i]);
            }
        } else {
            for (size_t i = 0; i < made; i++)
                GEOSGeom_destroy_r(g->ctx, polys[i]);
        }
        free(polys);
    }
    if (!g->geom) {
        geo_free(g);
        return NULL;
    }
    char *why = GEOSisValidReason_r(g->ctx, g->geom);
    if (!why || strcmp(why, "Valid Geometry") != 0) {
        fail(err, errlen, "多边形无效：%s（GEOS：%s）", why ? reason_zh(why) : "无法检查",
             why ? why : g->gerr);
        if (why)
            GEOSFree_r(g->ctx, why);
        geo_free(g);
        return NULL;
    }
    GEOSFree_r(g->ctx, why);
    if (GEOSGeom_getXMin_r(g->ctx, g->geom, &g->box[0]) != 1 ||
        GEOSGeom_getYMin_r(g->ctx, g->geom, &g->box[1]) != 1 ||
        GEOSGeom_getXMax_r(g->ctx, g->geom, &g->box[2]) != 1 ||
        GEOSGeom_getYMax_r(g->ctx, g->geom, &g->box[3]) != 1) {
        fail(err, errlen, "无法计算外包框（%s）", g->gerr);
        geo_free(g);
        return NULL;
    }
    g->json = json_pack("{s:s,s:O}", "type", type, "coordinates", (json_t *)coords);
    return g;
}

geo_shape_t *geo_from_text(const char *geojson, char *err, size_t errlen)
{
    json_error_t je;
    json_t *j = geojson ? json_loads(geojson, 0, &je) : NULL;
    if (!j) {
        fail(err, errlen, "GeoJSON 无法解析");
        return NULL;
    }
    geo_shape_t *g = geo_from_geojson(j, err, errlen);
    json_decref(j);
    return g;
}

void geo_bbox(const geo_shape_t *g, double box[4]) { memcpy(box, g->box, sizeof g->box); }

static double polygon_area(const json_t *rings)
{
    double a = fabs(ring_area(json_array_get(rings, 0)));
    for (size_t i = 1; i < json_array_size(rings); i++)
        a -= fabs(ring_area(json_array_get(rings, i)));
    return a;
}

double geo_area_m2(const geo_shape_t *g)
{
    const json_t *coords = json_object_get(g->json, "coordinates");
    if (!strcmp(json_string_value(json_object_get(g->json, "type")), "Polygon"))
        return polygon_area(coords);
    double a = 0;
    for (size_t i = 0; i < json_array_size(coords); i++)
        a += polygon_area(json_array_get(coords, i));
    return a;
}

bool geo_centroid(const geo_shape_t *g, double *lon, double *lat)
{
    GEOSGeometry *c = GEOSGetCentroid_r(g->ctx, g->geom);
    bool ok = c && GEOSGeomGetX_r(g->ctx, c, lon) == 1 && GEOSGeomGetY_r(g->ctx, c, lat) == 1;
    if (c)
        GEOSGeom_destroy_r(g->ctx, c);
    return ok;
}

geo_where_t geo_locate(const geo_shape_t *g, double lon, double lat)
{
    if (lon < g->box[0] || lon > g->box[2] || lat < g->box[1] || lat > g->box[3])
        return GEO_OUTSIDE;
    geo_shape_t *m = (geo_shape_t *)g; /* the prepared form is a cache */
    if (!m->prep)
        m->prep = GEOSPrepare_r(m->ctx, m->geom);
    GEOSGeometry *p = GEOSGeom_createPointFromXY_r(g->ctx, lon, lat);
    if (!p || !m->prep)
        return GEO_OUTSIDE;
    geo_where_t w = GEO_OUTSIDE;
    if (GEOSPreparedContainsProperly_r(g->ctx, m->prep, p) == 1)
        w = GEO_INSIDE;
    else if (GEOSPreparedIntersects_r(g->ctx, m->prep, p) == 1)
        w = GEO_BORDER;
    GEOSGeom_destroy_r(g->ctx, p);
    return w;
}

json_t *geo_geojson(const geo_shape_t *g) { return json_deep_copy(g->json); }

json_t *geo_union_geojson(json_t *const *geoms, size_t n, double tolerance, char *err, size_t errlen)
{
    if (!n) {
        fail(err, errlen, "没有可合并的网格边界");
        return NULL;
    }
    /* every part is built in the one context of this call: GEOS geometries
     * must not cross contexts */
    geo_shape_t *parts = calloc(1, sizeof *parts);
    GEOSGeometry **gs = calloc(n, sizeof *gs);
    GEOSGeometry *coll = NULL, *u = NULL, *s = NULL;
    GEOSGeoJSONWriter *w = NULL;
    char *text = NULL;
    json_t *out = NULL;
    size_t made = 0;
    if (!parts || !gs || !(parts->ctx = GEOS_init_r())) {
        fail(err, errlen, "几何引擎初始化失败");
        goto out;
    }
    GEOSContext_setErrorMessageHandler_r(parts->ctx, on_geos_error, parts);
    for (; made < n; made++) {
        char where[64];
        snprintf(where, sizeof where, "第 %zu 个网格", made + 1);
        geo_shape_t *one = geo_from_geojson(geoms[made], err, errlen); /* validity, own context */
        if (!one)
            goto out;
        geo_free(one);
        const json_t *g = geoms[made];
        if (json_is_string(json_object_get(g, "type")) &&
            !strcmp(json_string_value(json_object_get(g, "type")), "Feature"))
            g = json_object_get(g, "geometry");
        const json_t *coords = json_object_get(g, "coordinates");
        size_t count = 0;
        if (!strcmp(json_string_value(json_object_get(g, "type")), "Polygon")) {
            gs[made] = build_polygon(parts, coords, where, &count, err, errlen);
        } else {
            size_t k = json_array_size(coords);
            GEOSGeometry **ps = calloc(k, sizeof *ps);
            size_t ok = 0;
            while (ps && ok < k &&
                   (ps[ok] = build_polygon(parts, json_array_get(coords, ok), where, &count, err, errlen)))
                ok++;
            if (ps && ok == k)
                gs[made] = GEOSGeom_createCollection_r(parts->ctx, GEOS_MULTIPOLYGON, ps, (unsigned)k);
            if (!gs[made])
                for (size_t i = 0; i < ok; i++)
                    GEOSGeom_destroy_r(parts->ctx, ps[i]);
            free(ps);
        }
        if (!gs[made])
            goto out;
    }
    coll = GEOSGeom_createCollection_r(parts->ctx, GEOS_GEOMETRYCOLLECTION, gs, (unsigned)n); /* takes gs */
    made = 0;
    if (!coll || !(u = GEOSUnaryUnion_r(parts->ctx, coll))) {
        fail(err, errlen, "网格边界合并失败（%s）", parts->gerr);
        goto out;
    }
    if (tolerance > 0 && !(s = GEOSTopologyPreserveSimplify_r(parts->ctx, u, tolerance))) {
        fail(err, errlen, "轮廓简化失败（%s）", parts->gerr);
        goto out;
    }
    int type = GEOSGeomTypeId_r(parts->ctx, s ? s : u);
    if (type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON) {
        fail(err, errlen, "合并结果不是多边形");
        goto out;
    }
    if (!(w = GEOSGeoJSONWriter_create_r(parts->ctx)) ||
        !(text = GEOSGeoJSONWriter_writeGeometry_r(parts->ctx, w, s ? s : u, -1))) {
        fail(err, errlen, "轮廓无法写成 GeoJSON（%s）", parts->gerr);
        goto out;
    }
    json_error_t je;
    if (!(out = json_loads(text, 0, &je)))
        fail(err, errlen, "轮廓无法写成 GeoJSON");
out:
    if (parts && parts->ctx) {
        for (size_t i = 0; i < made; i++)
            if (gs[i])
                GEOSGeom_destroy_r(parts->ctx, gs[i]);
        if (coll)
            GEOSGeom_destroy_r(parts->ctx, coll);
        if (u)
            GEOSGeom_destroy_r(parts->ctx, u);
        if (s)
            GEOSGeom_destroy_r(parts->ctx, s);
        if (text)
            GEOSFree_r(parts->ctx, text);
        if (w)
            GEOSGeoJSONWriter_destroy_r(parts->ctx, w);
    }
    geo_free(parts);
    free(gs);
    return out;
}

/* ---- the light form (geo_outline_text) ---- */

#define OUTLINE_SCALE 1e5 /* 1e-5 degree: about 1.1 m of latitude */

/* The ring's positions rounded, repeats dropped; NULL when fewer than four
 * remain (collapsed). */
static json_t *outline_ring(GEOSContextHandle_t ctx, const GEOSGeometry *ring)
{
    const GEOSCoordSequence *cs = ring ? GEOSGeom_getCoordSeq_r(ctx, ring) : NULL;
    unsigned int n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(ctx, cs, &n))
        return NULL;
    json_t *a = json_array();
    double px = NAN, py = NAN;
    for (unsigned int i = 0; i < n; i++) {
        double x, y;
        if (!GEOSCoordSeq_getXY_r(ctx, cs, i, &x, &y)) {
            json_decref(a);
            return NULL;
        }
        x = round(x * OUTLINE_SCALE) / OUTLINE_SCALE;
        y = round(y * OUTLINE_SCALE) / OUTLINE_SCALE;
        if (x == px && y == py)
            continue;
        json_array_append_new(a, json_pack("[f,f]", x, y));
        px = x;
        py = y;
    }
    if (json_array_size(a) < 4) {
        json_decref(a);
        return NULL;
    }
    return a;
}

/* A polygon's rings (outer first); NULL when the outer ring collapsed. */
static json_t *outline_polygon(GEOSContextHandle_t ctx, const GEOSGeometry *p)
{
    json_t *outer = outline_ring(ctx, GEOSGetExteriorRing_r(ctx, p));
    if (!outer)
        return NULL;
    json_t *rings = json_array();
    json_array_append_new(rings, outer);
    int holes = GEOSGetNumInteriorRings_r(ctx, p);
    for (int i = 0; i < holes; i++) {
        json_t *h = outline_ring(ctx, GEOSGetInteriorRingN_r(ctx, p, i));
        if (h)
            json_array_append_new(rings, h);
    }
    return rings;
}

char *geo_outline_text(const geo_shape_t *g, double tol)
{
    GEOSGeometry *s = GEOSTopologyPreserveSimplify_r(g->ctx, g->geom, tol);
    if (!s)
        return NULL;
    json_t *coords = NULL;
    const char *type = "Polygon";
    int id = GEOSGeomTypeId_r(g->ctx, s);
    if (id == GEOS_POLYGON) {
        coords = outline_polygon(g->ctx, s);
    } else if (id == GEOS_MULTIPOLYGON) {
        type = "MultiPolygon";
        coords = json_array();
        int parts = GEOSGetNumGeometries_r(g->ctx, s);
        for (int i = 0; i < parts; i++) {
            json_t *p = outline_polygon(g->ctx, GEOSGetGeometryN_r(g->ctx, s, i));
            if (p)
                json_array_append_new(coords, p);
        }
        if (!json_array_size(coords)) {
            json_decref(coords);
            coords = NULL;
        }
    }
    GEOSGeom_destroy_r(g->ctx, s);
    if (!coords)
        return NULL;
    json_t *o = json_pack("{s:s,s:o}", "type", type, "coordinates", coords);
    /* ten significant digits print 121.12345 as such, not 121.12345000000001 */
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(o);
    return text;
}
