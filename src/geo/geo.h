/* geo.h — grid geometry on the GEOS C API (reentrant: every shape carries
 * its own GEOS context, so shapes may be used on any number of threads at
 * once, one thread per shape).
 *
 * Coordinates are longitude/latitude in degrees, WGS84 / CGCS2000 (the two
 * agree to centimetres, far below the precision of grid boundaries):
 * x = longitude (-180..180), y = latitude (-90..90). docs/grid.md.
 *
 *     char err[256];
 *     geo_shape_t *g = geo_from_geojson(geometry, err, sizeof err);  // Polygon | MultiPolygon
 *     if (!g) refuse(err);                                            // "自相交 (Self-intersection) 于 …"
 *     geo_where_t w = geo_locate(g, 121.5, 31.2);                     // outside | border | inside
 *     geo_free(g);
 */
#ifndef ZD_GEO_H
#define ZD_GEO_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct geo_shape geo_shape_t;

typedef enum { GEO_OUTSIDE = 0, GEO_BORDER = 1, GEO_INSIDE = 2 } geo_where_t;

/* A GeoJSON geometry object ({"type":"Polygon"|"MultiPolygon","coordinates":…};
 * a Feature is accepted too and its geometry taken) checked and built:
 * coordinates are numbers in range, rings are closed with at least four
 * positions, and the result is valid by OGC rules (GEOSisValidReason). NULL
 * with a Chinese reason in err (GEOS's own reason in brackets) otherwise. */
geo_shape_t *geo_from_geojson(const json_t *geometry, char *err, size_t errlen);
/* The same from GeoJSON text (as stored). */
geo_shape_t *geo_from_text(const char *geojson, char *err, size_t errlen);
void geo_free(geo_shape_t *g); /* NULL is fine */

/* Bounding box: min_lon, min_lat, max_lon, max_lat. */
void geo_bbox(const geo_shape_t *g, double box[4]);
/* Area on the sphere of radius 6378137 m (the method of turf.js / Chamberlain
 * and Duquette), in square metres: exterior rings minus holes. */
double geo_area_m2(const geo_shape_t *g);
/* Centroid (GEOSGetCentroid) in degrees. false on failure. */
bool geo_centroid(const geo_shape_t *g, double *lon, double *lat);
/* Where a point lies: strictly inside, on the boundary (outer ring or a
 * hole's ring), or outside (a point inside a hole is outside). */
geo_where_t geo_locate(const geo_shape_t *g, double lon, double lat);
/* The normalised geometry as GeoJSON (new reference): type and coordinates
 * only, a Feature unwrapped. */
json_t *geo_geojson(const geo_shape_t *g);
/* The light form for a map: GEOSTopologyPreserveSimplify with tolerance
 * tol (degrees; rings keep their topology, holes stay inside), every
 * coordinate rounded to 1e-5 degree (about 1 m) and repeated positions
 * dropped; a hole that collapses is left out. GeoJSON text (malloc'd,
 * compact), or NULL when the outer ring itself would collapse (then draw
 * the exact boundary). */
char *geo_outline_text(const geo_shape_t *g, double tol);

/* The union of n GeoJSON geometries (Polygon | MultiPolygon, each checked as
 * geo_from_geojson does) dissolved into one outline (GEOSUnaryUnion_r:
 * shared edges disappear, adjacent grids become one polygon), then
 * simplified with GEOSTopologyPreserveSimplify_r at tolerance degrees
 * (0: not simplified). A new GeoJSON geometry (Polygon or MultiPolygon);
 * NULL with a Chinese reason in err when a part is invalid, n is 0 or GEOS
 * fails. Thread-safe: its own GEOS context per call. */
json_t *geo_union_geojson(json_t *const *geoms, size_t n, double tolerance, char *err, size_t errlen);

#endif
