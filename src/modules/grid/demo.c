/* demo.c — demo grids for the identity module's demo streets (陆家嘴、花木
 * in 浦东, 南京东路、外滩 in 黄浦): simple rectangles near their real places,
 * two of them sharing a border and one with a hole. Loading twice changes
 * nothing. */
#include "core/log.h"
#include "core/timeutil.h"
#include "modules/grid/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *org, *code, *name;
    double x0, y0, x1, y1;
    bool hole; /* a hole in its middle (a park, a lake) */
} DEMO[] = {
    {"SH-PD-01", "PD-LJZ-01", "陆家嘴街道第一网格", 121.495, 31.230, 121.505, 31.240, false},
    {"SH-PD-01", "PD-LJZ-02", "陆家嘴街道第二网格", 121.505, 31.230, 121.515, 31.240, true},
    {"SH-PD-02", "PD-HM-01", "花木街道第一网格", 121.540, 31.205, 121.555, 31.220, false},
    {"SH-HP-01", "HP-NJD-01", "南京东路街道第一网格", 121.475, 31.232, 121.487, 31.240, false},
    {"SH-HP-02", "HP-WT-01", "外滩街道第一网格", 121.487, 31.228, 121.494, 31.240, false},
};

/* sites of four of them (花木's grid is left without one) */
static const struct {
    const char *grid, *name, *type, *address, *leader;
    double lon, lat, area;
} SITES_DEMO[] = {
    {"PD-LJZ-01", "陆家嘴金融城党建服务中心", "center", "浦东新区陆家嘴环路 1000 号", "张建国", 121.500,
     31.236, 1200},
    {"PD-LJZ-02", "陆家嘴滨江党群服务站", "station", "浦东新区滨江大道 2000 号", "李红梅", 121.512, 31.232,
     300},
    {"HP-NJD-01", "南京东路街道党群服务中心", "center", "黄浦区南京东路 300 号", "王志强", 121.480, 31.236,
     900},
    {"HP-WT-01", "外滩楼宇党建阵地", "building", "黄浦区中山东一路 18 号", "陈静", 121.490, 31.235, 260},
};

int grid_demo(zd_app_t *app, char *err, size_t errlen)
{
    db_conn_t *c = db_acquire(app->db);
    if (!c) {
        snprintf(err, errlen, "no database connection");
        return -1;
    }
    int ret = -1;
    int64_t n = 0;
    if (db_query_int64(c, "SELECT COUNT(*) FROM grids", &n) < 0)
        goto dberr;
    if (n > 0 || !db_query_id_by_text(c, "SELECT id FROM orgs WHERE code = ?", "SH-PD-01")) {
        ret = 0;
        goto out;
    }
    if (db_begin(c) != 0)
        goto dberr;
    int64_t now = time_now_ms();
    for (size_t i = 0; i < sizeof DEMO / sizeof DEMO[0]; i++) {
        int64_t org = db_query_id_by_text(c, "SELECT id FROM orgs WHERE code = ?", DEMO[i].org);
        if (!org)
            goto dberr;
        double x0 = DEMO[i].x0, y0 = DEMO[i].y0, x1 = DEMO[i].x1, y1 = DEMO[i].y1;
        json_t *rings =
            json_pack("[[[f,f],[f,f],[f,f],[f,f],[f,f]]]", x0, y0, x1, y0, x1, y1, x0, y1, x0, y0);
        if (DEMO[i].hole) {
            double hx0 = x0 + (x1 - x0) * 0.4, hx1 = x0 + (x1 - x0) * 0.6, hy0 = y0 + (y1 - y0) * 0.4,
                   hy1 = y0 + (y1 - y0) * 0.6;
            json_array_append_new(rings, json_pack("[[f,f],[f,f],[f,f],[f,f],[f,f]]", hx0, hy0, hx0, hy1, hx1,
                                                   hy1, hx1, hy0, hx0, hy0));
        }
        json_t *geom = json_pack("{s:s,s:o}", "type", "Polygon", "coordinates", rings);
        char why[256];
        geo_shape_t *g = geo_from_geojson(geom, why, sizeof why);
        char *text = json_dumps(geom, JSON_COMPACT);
        json_decref(geom);
        if (!g) {
            free(text);
            snprintf(err, errlen, "grid demo: %s", why);
            goto out;
        }
        double box[4], cx = 0, cy = 0;
        geo_bbox(g, box);
        geo_centroid(g, &cx, &cy);
        db_stmt_t *st =
            db_prepare(c, "INSERT INTO grids (org_id, code, name, geometry, min_lon, min_lat, max_lon, "
                          "max_lat, area_m2, centroid_lon, centroid_lat, attributes, source, "
                          "created_at, updated_at, outline) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                          "'manual', ?, ?, ?)");
        char *outline = geo_outline_text(g, GRID_OUTLINE_TOLERANCE);
        int rc = DB_ERROR;
        if (st) {
            db_bind_int64(st, 1, org);
            db_bind_text(st, 2, DEMO[i].code);
            db_bind_text(st, 3, DEMO[i].name);
            db_bind_text(st, 4, text);
            for (int k = 0; k < 4; k++)
                db_bind_double(st, 5 + k, box[k]);
            db_bind_double(st, 9, geo_area_m2(g));
            db_bind_double(st, 10, cx);
            db_bind_double(st, 11, cy);
            db_bind_text(st, 12, "{\"households\":1200,\"note\":\"演示数据\"}");
            db_bind_int64(st, 13, now);
            db_bind_int64(st, 14, now);
            db_bind_text(st, 15, outline);
            rc = db_step(st);
        }
        db_done(st);
        free(outline);
        free(text);
        geo_free(g);
        if (rc != DB_DONE)
            goto dberr;
    }
    for (size_t i = 0; i < sizeof SITES_DEMO / sizeof SITES_DEMO[0]; i++) {
        db_stmt_t *st = db_prepare(
            c,
            "INSERT INTO sites (org_id, grid_id, external_id, name, type, address, lon, lat, opening_hours, "
            "floor_area, facilities, leader_name, leader_phone, created_at, updated_at) SELECT g.org_id, "
            "g.id, "
            "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM grids g WHERE g.code = ?");
        int rc = DB_ERROR;
        if (st) {
            char ext[40];
            snprintf(ext, sizeof ext, "demo-site-%zu", i + 1);
            db_bind_text(st, 1, ext);
            db_bind_text(st, 2, SITES_DEMO[i].name);
            db_bind_text(st, 3, SITES_DEMO[i].type);
            db_bind_text(st, 4, SITES_DEMO[i].address);
            db_bind_double(st, 5, SITES_DEMO[i].lon);
            db_bind_double(st, 6, SITES_DEMO[i].lat);
            db_bind_text(st, 7, "周一至周日 9:00-21:00");
            db_bind_double(st, 8, SITES_DEMO[i].area);
            db_bind_text(st, 9, "[\"党员活动室\",\"会议室\",\"阅览室\"]");
            db_bind_text(st, 10, SITES_DEMO[i].leader);
            db_bind_text(st, 11, "13800138000");
            db_bind_int64(st, 12, now);
            db_bind_int64(st, 13, now);
            db_bind_text(st, 14, SITES_DEMO[i].grid);
            rc = db_step(st);
        }
        db_done(st);
        if (rc != DB_DONE || db_changes(c) != 1)
            goto dberr;
    }
    db_stmt_t *mark =
        db_prepare(c, "INSERT INTO district_outlines (district_id, stale, updated_at) SELECT "
                      "DISTINCT d.id, 1, 0 FROM grids g JOIN orgs o ON o.id = g.org_id JOIN orgs d "
                      "ON d.type = 'district' AND o.path LIKE d.path || '%' WHERE g.deleted_at IS "
                      "NULL AND NOT EXISTS (SELECT 1 FROM district_outlines x WHERE x.district_id = "
                      "d.id)");
    int mrc = mark ? db_step(mark) : DB_ERROR;
    db_done(mark);
    if (mrc != DB_DONE || grid_outlines_refresh(c) != 0)
        goto dberr;
    audit_entry_t ae = {.action = "system.demo_load", .detail = "加载演示数据：网格 5 个、阵地 4 个"};
    if (audit_write(c, NULL, &ae) != 0 || db_commit(c) != 0)
        goto dberr;
    log_msg(LOG_APP, LOG_INFO, "demo.loaded", "已载入演示网格与阵地");
    ret = 0;
    goto out;
dberr:
    snprintf(err, errlen, "grid demo: %s", db_errmsg(c));
out:
    db_release(c);
    return ret;
}
