/* geo: GeoJSON polygons into GEOS — validity refused with the reason, area
 * on the sphere, centroid, and where a point lies (inside, on the outer
 * ring or a hole's ring, in a hole, outside); shapes used on several
 * threads at once (each with its own GEOS context). */
#include "support/cm.h"

#include "geo/geo.h"
#include <math.h>
#include <pthread.h>
#include <string.h>

static geo_shape_t *parse(const char *text, char *err, size_t n)
{
    err[0] = 0;
    return geo_from_text(text, err, n);
}

#define SQUARE_WITH_HOLE                                                                                     \
    "{\"type\":\"Polygon\",\"coordinates\":[[[120,30],[120.01,30],[120.01,30.01],[120,30.01],[120,30]],"     \
    "[[120.004,30.004],[120.004,30.006],[120.006,30.006],[120.006,30.004],[120.004,30.004]]]}"

static void a_square_with_a_hole(void **state)
{
    (void)state;
    char err[256];
    geo_shape_t *g = parse(SQUARE_WITH_HOLE, err, sizeof err);
    assert_non_null(g);
    double box[4];
    geo_bbox(g, box);
    assert_true(box[0] == 120 && box[1] == 30 && box[2] == 120.01 && box[3] == 30.01);
    /* 0.01° × 0.01° at 30°N ≈ 963.6 m × 1105.7 m, less a hole of 4 % */
    double expect =
        0.01 * M_PI / 180 * 6378137 * cos(30.005 * M_PI / 180) * 0.01 * M_PI / 180 * 6378137 * 0.96;
    assert_true(fabs(geo_area_m2(g) - expect) / expect < 0.005);
    double cx, cy;
    assert_true(geo_centroid(g, &cx, &cy));
    assert_true(fabs(cx - 120.005) < 1e-9 && fabs(cy - 30.005) < 1e-9);
    assert_int_equal(geo_locate(g, 120.002, 30.002), GEO_INSIDE);
    assert_int_equal(geo_locate(g, 120.005, 30.005), GEO_OUTSIDE); /* in the hole */
    assert_int_equal(geo_locate(g, 120.004, 30.005), GEO_BORDER);  /* on the hole's ring */
    assert_int_equal(geo_locate(g, 120.01, 30.005), GEO_BORDER);   /* on the outer ring */
    assert_int_equal(geo_locate(g, 120, 30), GEO_BORDER);          /* a corner */
    assert_int_equal(geo_locate(g, 120.02, 30.005), GEO_OUTSIDE);
    json_t *j = geo_geojson(g);
    assert_string_equal(json_string_value(json_object_get(j, "type")), "Polygon");
    json_decref(j);
    geo_free(g);
}

static void invalid_polygons_are_refused_with_the_reason(void **state)
{
    (void)state;
    char err[256];
    /* a bow tie crosses itself */
    assert_null(
        parse("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}", err, sizeof err));
    assert_non_null(strstr(err, "自相交"));
    assert_non_null(strstr(err, "Self-intersection"));
    /* not closed */
    assert_null(parse("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,2]]]}", err, sizeof err));
    assert_non_null(strstr(err, "未闭合"));
    /* too short */
    assert_null(parse("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[0,0]]]}", err, sizeof err));
    assert_non_null(strstr(err, "至少"));
    /* a hole outside its shell */
    assert_null(parse("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1],[0,0]],"
                      "[[2,2],[3,2],[3,3],[2,3],[2,2]]]}",
                      err, sizeof err));
    assert_non_null(strstr(err, "Hole lies outside shell"));
    /* out of range, not numbers, wrong type, not JSON */
    assert_null(
        parse("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[200,0],[1,1],[0,0]]]}", err, sizeof err));
    assert_non_null(strstr(err, "超出"));
    assert_null(
        parse("{\"type\":\"Polygon\",\"coordinates\":[[[0,\"a\"],[1,0],[1,1],[0,0]]]}", err, sizeof err));
    assert_null(parse("{\"type\":\"Point\",\"coordinates\":[0,0]}", err, sizeof err));
    assert_non_null(strstr(err, "Polygon"));
    assert_null(parse("{\"type\":\"Polygon\",\"coordinates\":[]}", err, sizeof err));
    assert_null(parse("not json", err, sizeof err));
    /* overlapping parts of a MultiPolygon */
    assert_null(parse("{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[2,0],[2,2],[0,2],[0,0]]],"
                      "[[[1,1],[3,1],[3,3],[1,3],[1,1]]]]}",
                      err, sizeof err));
    assert_non_null(strstr(err, "GEOS"));
}

static void a_multipolygon_and_a_feature(void **state)
{
    (void)state;
    char err[256];
    geo_shape_t *g =
        parse("{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"MultiPolygon\","
              "\"coordinates\":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],[[[2,0],[3,0],[3,1],[2,1],[2,0]]]]}}",
              err, sizeof err);
    assert_non_null(g);
    assert_int_equal(geo_locate(g, 2.5, 0.5), GEO_INSIDE);
    assert_int_equal(geo_locate(g, 1.5, 0.5), GEO_OUTSIDE);
    assert_int_equal(geo_locate(g, 1, 0.5), GEO_BORDER);
    double cx, cy;
    assert_true(geo_centroid(g, &cx, &cy));
    assert_true(fabs(cx - 1.5) < 1e-9 && fabs(cy - 0.5) < 1e-9);
    geo_free(g);
    geo_free(NULL);
}

/* two squares sharing an edge, split in the middle of that edge: one
 * rectangle after the union, the split vertices simplified away; a square
 * apart stays a second polygon; an invalid part is refused */
static void the_union_of_adjacent_grids_is_one_polygon(void **state)
{
    (void)state;
    json_error_t je;
    json_t *a = json_loads("{\"type\":\"Polygon\",\"coordinates\":[[[120,30],[120.01,30],[120.01,30.005],"
                           "[120.01,30.01],[120,30.01],[120,30]]]}",
                           0, &je),
           *b = json_loads("{\"type\":\"Polygon\",\"coordinates\":[[[120.01,30],[120.02,30],[120.02,30.01],"
                           "[120.01,30.01],[120.01,30]]]}",
                           0, &je),
           *far =
               json_loads("{\"type\":\"MultiPolygon\",\"coordinates\":[[[[121,31],[121.01,31],[121.01,31.01],"
                          "[121,31.01],[121,31]]]]}",
                          0, &je),
           *bad =
               json_loads("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}", 0, &je);
    json_t *two[] = {a, b};
    char err[256];
    json_t *u = geo_union_geojson(two, 2, 1e-5, err, sizeof err);
    assert_non_null(u);
    assert_string_equal(json_string_value(json_object_get(u, "type")), "Polygon");
    json_t *rings = json_object_get(u, "coordinates");
    assert_int_equal(json_array_size(rings), 1);
    assert_int_equal(json_array_size(json_array_get(rings, 0)), 5); /* a rectangle, closed */
    geo_shape_t *ga = geo_from_geojson(a, err, sizeof err), *gb = geo_from_geojson(b, err, sizeof err),
                *gu = geo_from_geojson(u, err, sizeof err);
    assert_non_null(gu);
    double sum = geo_area_m2(ga) + geo_area_m2(gb);
    assert_true(fabs(geo_area_m2(gu) - sum) / sum < 1e-9);
    geo_free(ga);
    geo_free(gb);
    geo_free(gu);
    json_decref(u);

    json_t *three[] = {a, b, far};
    u = geo_union_geojson(three, 3, 1e-5, err, sizeof err);
    assert_non_null(u);
    assert_string_equal(json_string_value(json_object_get(u, "type")), "MultiPolygon");
    assert_int_equal(json_array_size(json_object_get(u, "coordinates")), 2);
    json_decref(u);

    json_t *with_bad[] = {a, bad};
    assert_null(geo_union_geojson(with_bad, 2, 0, err, sizeof err));
    assert_non_null(strstr(err, "自相交"));
    assert_null(geo_union_geojson(two, 0, 0, err, sizeof err));
    json_decref(a);
    json_decref(b);
    json_decref(far);
    json_decref(bad);
}

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200; i++) {
        char err[256];
        geo_shape_t *g = geo_from_text(SQUARE_WITH_HOLE, err, sizeof err);
        if (!g || geo_locate(g, 120.002, 30.002) != GEO_INSIDE ||
            geo_locate(g, 120.005, 30.005) != GEO_OUTSIDE) {
            geo_free(g);
            return (void *)1;
        }
        geo_free(g);
    }
    return NULL;
}

static void shapes_on_several_threads(void **state)
{
    (void)state;
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker, NULL), 0);
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        assert_null(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_square_with_a_hole),
        cmocka_unit_test(invalid_polygons_are_refused_with_the_reason),
        cmocka_unit_test(a_multipolygon_and_a_feature),
        cmocka_unit_test(shapes_on_several_threads),
        cmocka_unit_test(the_union_of_adjacent_grids_is_one_polygon),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
