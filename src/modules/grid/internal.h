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
extern char grid_tile_url[512], grid_tile_attribution[256];

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
/* Runs q ("FROM grids g WHERE …" with the box condition added here) and
 * tests every candidate exactly: the winning grid into hit (hit->id 0 when
 * none). Among candidates a point strictly inside wins; on a border shared
 * by several, the grid whose code sorts first. 0, or -1 on a database error. */
int grid_locate_q(db_conn_t *c, qb_t *from_where, double lon, double lat, grid_hit_t *hit);

/* After grid_id's boundary changed: its sites whose location is no longer
 * inside it are flagged (location_flag 'outside', for review — never
 * rebound), those inside again unflagged. The number flagged, or -1. */
int grid_flag_sites(db_conn_t *c, int64_t grid_id, const geo_shape_t *g);

int grid_grid_routes(zd_app_t *app, char *err, size_t errlen);
extern const zd_resource_t COMMISSIONERS;
extern const char *const GRID_COMMISSIONER_CATEGORIES[];
int grid_contract_routes(zd_app_t *app, char *err, size_t errlen);
int grid_site_routes(zd_app_t *app, char *err, size_t errlen);
int grid_demo(zd_app_t *app, char *err, size_t errlen);

#endif
