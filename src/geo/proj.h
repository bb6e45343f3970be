/* proj.h — coordinates from another reference system into the storage one
 * (issue 14), with PROJ.
 *
 * Storage CRS: EPSG:4326 (WGS84) longitude/latitude in degrees, x = lon,
 * y = lat. CGCS2000 (EPSG:4490) is taken as equal to it: the two differ by a
 * few centimetres, far below the precision of a grid boundary, and PROJ
 * itself has only a ballpark (null) transformation between them — the
 * common practice in China. Supported sources:
 *
 *   EPSG:4326  WGS84 lon/lat             (kept as is)
 *   EPSG:4490  CGCS2000 lon/lat          (kept as is)
 *   EPSG:4549  CGCS2000 / 3-degree Gauss-Kruger CM 120E (Shanghai's zone),
 *              metres, x = easting (false easting 500 000, no zone prefix),
 *              y = northing
 *   EPSG:3857  Web Mercator, metres
 *
 * Positions are given x = easting/longitude first, as GeoJSON wants, whatever
 * the CRS's official axis order (proj_normalize_for_visualization).
 * Others are refused (geo_crs_supported). Thread-safe: one PJ_CONTEXT per
 * call. libproj is opened with dlopen() on first use (core/dynlib.h), so
 * commands that never convert do not load it.
 *
 *     char err[256];
 *     int epsg = geo_crs_parse(json_object_get(fc, "crs"), err, sizeof err); // 0 absent, -1 err
 *     json_t *g = geo_proj_geometry(geometry, epsg, err, sizeof err);      // new, lon/lat
 */
#ifndef ZD_GEO_PROJ_H
#define ZD_GEO_PROJ_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define GEO_STORAGE_EPSG 4326

/* true for the EPSG codes above */
bool geo_crs_supported(int epsg);

/* A CRS name: "EPSG:4549", "EPSG::4549", "urn:ogc:def:crs:EPSG::4549",
 * "urn:ogc:def:crs:EPSG:9.1:4549", "urn:ogc:def:crs:OGC:1.3:CRS84" (= 4326),
 * or digits alone. The EPSG code, or -1 with a Chinese reason in err when
 * it is not one of these forms or not supported. */
int geo_crs_from_name(const char *name, char *err, size_t errlen);

/* A GeoJSON 2008 "crs" member ({"type":"name","properties":{"name":…}}) or
 * a string holding a name: the EPSG code, 0 when crs is NULL / JSON null,
 * -1 with a Chinese reason in err otherwise. */
int geo_crs_parse(const json_t *crs, char *err, size_t errlen);

/* The geometry (any GeoJSON geometry object with "coordinates", or a
 * Feature: its geometry) with every position converted from epsg to the
 * storage CRS: a new object {type, coordinates} (other members dropped).
 * For 4326 and 4490 a copy. NULL with a Chinese reason in err when the
 * CRS is not supported, a position is not two or three numbers, PROJ cannot
 * be loaded or the conversion fails (a point outside the CRS's domain). */
json_t *geo_proj_geometry(const json_t *geometry, int epsg, char *err, size_t errlen);

/* Converts n positions xy[2i], xy[2i+1] in place from epsg to the storage
 * CRS. 0, or -1 with a Chinese reason in err. */
int geo_proj_points(double *xy, size_t n, int epsg, char *err, size_t errlen);

#endif
