/* geo/proj: coordinates from CGCS2000 3-degree GK CM 120E (EPSG:4549) and Web
 * Mercator (EPSG:3857) into lon/lat, against references from PROJ 9.1.1's
 * own tool (proj-bin), e.g.
 *   echo "3457000 640000" | cs2cs -d 10 EPSG:4549 EPSG:4490
 *   → 31.2263426842 121.4693101932
 * (cs2cs uses the official axis order: northing easting in, lat lon out);
 * the crs member's parser; threads converting at once. */
#include "support/cm.h"

#include "geo/proj.h"
#include <math.h>
#include <pthread.h>
#include <string.h>

static void shanghai_in_4549(void **state)
{
    (void)state;
    char err[256] = "";
    double xy[4] = {640000, 3457000, 641000, 3458000}; /* easting, northing */
    assert_int_equal(geo_proj_points(xy, 2, 4549, err, sizeof err), 0);
    assert_true(fabs(xy[0] - 121.4693101932) < 1e-7);
    assert_true(fabs(xy[1] - 31.2263426842) < 1e-7);
    assert_true(fabs(xy[2] - 121.4799428533) < 1e-7);
    assert_true(fabs(xy[3] - 31.2352386358) < 1e-7);
}

static void web_mercator(void **state)
{
    (void)state;
    char err[256] = "";
    double xy[2] = {13522000, 3662000}; /* cs2cs EPSG:3857 EPSG:4326 → 31.2249671211 121.4701927186 */
    assert_int_equal(geo_proj_points(xy, 1, 3857, err, sizeof err), 0);
    assert_true(fabs(xy[0] - 121.4701927186) < 1e-7);
    assert_true(fabs(xy[1] - 31.2249671211) < 1e-7);
}

static void lon_lat_kept(void **state)
{
    (void)state;
    char err[256] = "";
    double xy[2] = {121.4737, 31.2304};
    assert_int_equal(geo_proj_points(xy, 1, 4490, err, sizeof err), 0);
    assert_true(xy[0] == 121.4737 && xy[1] == 31.2304);
    assert_int_equal(geo_proj_points(xy, 1, 2385, err, sizeof err), -1);
    assert_non_null(strstr(err, "不支持"));
}

/* the reverse of the reference: 121.4737 31.2304 is E 640412.3150 N 3457455.4886
 * (echo "31.2304 121.4737" | cs2cs -d 4 EPSG:4490 EPSG:4549): back to within 0.01 m */
static void a_polygon_converted(void **state)
{
    (void)state;
    char err[256] = "";
    json_t *g =
        json_loads("{\"type\":\"Polygon\",\"coordinates\":[[[640412.3150,3457455.4886],[641000,3457455],"
                   "[641000,3458000,4.5],[640412.3150,3457455.4886]]],\"bbox\":[1,2,3,4]}",
                   0, NULL);
    json_t *o = geo_proj_geometry(g, 4549, err, sizeof err);
    assert_non_null(o);
    json_t *p = json_array_get(json_array_get(json_object_get(o, "coordinates"), 0), 0);
    /* 1e-7 deg ≈ 0.01 m; the reference's 4 decimals of metres are ≈ 1e-9 deg */
    assert_true(fabs(json_real_value(json_array_get(p, 0)) - 121.4737) < 1e-7);
    assert_true(fabs(json_real_value(json_array_get(p, 1)) - 31.2304) < 1e-7);
    json_t *z = json_array_get(json_array_get(json_array_get(json_object_get(o, "coordinates"), 0), 2), 2);
    assert_true(json_real_value(z) == 4.5);
    assert_null(json_object_get(o, "bbox"));
    json_decref(o);
    /* a Feature: its geometry */
    json_t *f = json_pack("{s:s,s:O}", "type", "Feature", "geometry", g);
    o = geo_proj_geometry(f, 4549, err, sizeof err);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "type")), "Polygon");
    json_decref(o);
    json_decref(f);
    json_decref(g);
    /* not positions */
    g = json_loads("{\"type\":\"Polygon\",\"coordinates\":[[[\"a\",1]]]}", 0, NULL);
    assert_null(geo_proj_geometry(g, 4549, err, sizeof err));
    assert_non_null(strstr(err, "坐标点"));
    json_decref(g);
    g = json_loads("{\"type\":\"Polygon\",\"coordinates\":[[[[[[1,2]]]]]]}", 0, NULL);
    assert_null(geo_proj_geometry(g, 4549, err, sizeof err));
    json_decref(g);
}

static void crs_names(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(geo_crs_from_name("EPSG:4549", err, sizeof err), 4549);
    assert_int_equal(geo_crs_from_name("epsg:3857", err, sizeof err), 3857);
    assert_int_equal(geo_crs_from_name("urn:ogc:def:crs:EPSG::4549", err, sizeof err), 4549);
    assert_int_equal(geo_crs_from_name("urn:ogc:def:crs:EPSG:9.1:4490", err, sizeof err), 4490);
    assert_int_equal(geo_crs_from_name("urn:ogc:def:crs:OGC:1.3:CRS84", err, sizeof err), 4326);
    assert_int_equal(geo_crs_from_name("4326", err, sizeof err), 4326);
    assert_int_equal(geo_crs_from_name("EPSG:2385", err, sizeof err), -1);
    assert_non_null(strstr(err, "不支持坐标系 EPSG:2385"));
    static const char *const BAD[] = {
        "",         "EPSG:",       "EPSG:45x9",        "EPSG:99999999", "urn:ogc:def:crs:EPSG:a:4549",
        "foo:4549", "EPSG:4549:1", "urn:ogc:def:crs:", "-4549"};
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++)
        assert_int_equal(geo_crs_from_name(BAD[i], err, sizeof err), -1);
    json_t *c = json_loads("{\"type\":\"name\",\"properties\":{\"name\":\"EPSG:4549\"}}", 0, NULL);
    assert_int_equal(geo_crs_parse(c, err, sizeof err), 4549);
    json_decref(c);
    assert_int_equal(geo_crs_parse(NULL, err, sizeof err), 0);
    c = json_loads("{\"type\":\"link\",\"properties\":{\"href\":\"x\"}}", 0, NULL);
    assert_int_equal(geo_crs_parse(c, err, sizeof err), -1);
    json_decref(c);
    c = json_integer(4549);
    assert_int_equal(geo_crs_parse(c, err, sizeof err), -1);
    json_decref(c);
}

static void *convert_many(void *arg)
{
    (void)arg;
    char err[256];
    for (int i = 0; i < 20; i++) {
        double xy[2] = {640000, 3457000};
        if (geo_proj_points(xy, 1, 4549, err, sizeof err) != 0 || fabs(xy[0] - 121.4693101932) > 1e-7)
            return (void *)1;
    }
    return NULL;
}

static void threads_at_once(void **state)
{
    (void)state;
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, convert_many, NULL), 0);
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        assert_null(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shanghai_in_4549), cmocka_unit_test(web_mercator),
        cmocka_unit_test(lon_lat_kept),     cmocka_unit_test(a_polygon_converted),
        cmocka_unit_test(crs_names),        cmocka_unit_test(threads_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
