/* grids_api.c — grids (网格): a code unique among the live grids, a name,
 * the district or street organisation it belongs to (its data scope), a
 * boundary (GeoJSON Polygon or MultiPolygon, validated with GEOS: an
 * invalid one is refused with the reason) and free attributes; created one
 * by one or imported from a GeoJSON FeatureCollection (per feature:
 * created, updated, unchanged or refused with the reason); located by a
 * point (GET /api/v1/grids/locate). */
#include "core/str.h"
#include "core/timeutil.h"
#include "geo/proj.h"
#include "http/valid.h"
#include "modules/grid/internal.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_IMPORT_FEATURES 20000

static const res_sort_t GRID_SORTS[] = {{"id", "g.id"},
                                        {"code", "g.code"},
                                        {"name", "g.name"},
                                        {"org_name", "o.name"},
                                        {"area_m2", "g.area_m2"},
                                        {"updated_at", "g.updated_at"},
                                        {NULL, NULL}};
const zd_resource_t GRIDS = {.name = "grid",
                             .title = "网格",
                             .table = "grids",
                             .alias = "g",
                             .from = "grids g JOIN orgs o ON o.id = g.org_id",
                             .where = "g.deleted_at IS NULL",
                             .org_col = "g.org_id",
                             .creator_col = "g.created_by",
                             .perm = "grid.read",
                             .sorts = GRID_SORTS};

/* the district and the street of the owning organisation (by its path) */
#define GRID_COLS                                                                                            \
    "g.id, g.org_id, o.name, g.code, g.name, g.min_lon, g.min_lat, g.max_lon, g.max_lat, g.area_m2, "        \
    "g.centroid_lon, g.centroid_lat, g.attributes, g.source, g.created_at, g.updated_at, "                   \
    "(SELECT COALESCE(d.short_name, d.name) FROM orgs d WHERE d.type = 'district' AND o.path LIKE d.path "   \
    "|| '%'), (SELECT COALESCE(s.short_name, s.name) FROM orgs s WHERE s.type = 'street' AND o.path LIKE "   \
    "s.path || '%')"
#define GRID_COLS_GEOM GRID_COLS ", g.geometry"

static json_t *grid_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, "org_id", json_integer(db_col_int64(st, 1)));
    json_object_set_new(o, "org_name", json_col_text(st, 2));
    json_object_set_new(o, "code", json_col_text(st, 3));
    json_object_set_new(o, "name", json_col_text(st, 4));
    json_object_set_new(o, "bbox",
                        json_pack("[f,f,f,f]", db_col_double(st, 5), db_col_double(st, 6),
                                  db_col_double(st, 7), db_col_double(st, 8)));
    json_object_set_new(o, "area_m2", json_real(round(db_col_double(st, 9) * 100) / 100));
    json_object_set_new(o, "centroid", json_pack("[f,f]", db_col_double(st, 10), db_col_double(st, 11)));
    json_t *attrs = json_parse_or_null(db_col_text(st, 12));
    json_object_set_new(o, "attributes", json_is_object(attrs) ? attrs : json_object());
    if (!json_is_object(attrs))
        json_decref(attrs);
    json_object_set_new(o, "source", json_col_text(st, 13));
    json_object_set_new(o, "created_at", json_time(db_col_int64(st, 14)));
    json_object_set_new(o, "updated_at", json_time(db_col_int64(st, 15)));
    json_object_set_new(o, "district_name", json_col_text(st, 16));
    json_object_set_new(o, "street_name", json_col_text(st, 17));
    if (db_col_count(st) > 18)
        json_object_set_new(o, "geometry", json_parse_or_null(db_col_text(st, 18)));
    return o;
}

static json_t *load(http_req_t *req, db_conn_t *c, int64_t id)
{
    return http_defer_json(req, res_load(req, c, &GRIDS, GRID_COLS_GEOM, id, grid_row, NULL, RES_PLAIN));
}

/* ---- validation ---- */

static const char *check_geometry(json_t *v)
{
    static _Thread_local char why[512];
    geo_shape_t *g = geo_from_geojson(v, why, sizeof why);
    if (!g)
        return why;
    geo_free(g);
    return NULL;
}

static const char *const SOURCES[] = {"manual", "import", "bigdata", NULL};

static const vfield_t GRID_NEW[] = {
    {"code", V_STR, true, 1, 64, .title = "网格编码（唯一）"},
    {"name", V_STR, true, 1, 100, .title = "网格名称"},
    {"org_id", V_ID, true, .title = "所属区或街道（组织）"},
    {"geometry", V_OBJECT, true, .check = check_geometry,
     .title = "边界（GeoJSON Polygon 或 MultiPolygon，经纬度 WGS84/CGCS2000）"},
    {"attributes", V_OBJECT, .title = "其他属性"},
};
static const vfield_t GRID_PATCH[] = {
    {"code", V_STR, false, 1, 64, .title = "网格编码（唯一）"},
    {"name", V_STR, false, 1, 100, .title = "网格名称"},
    {"org_id", V_ID, false, .title = "所属区或街道（组织）"},
    {"geometry", V_OBJECT, false, .check = check_geometry,
     .title = "边界（GeoJSON Polygon 或 MultiPolygon）"},
    {"attributes", V_OBJECT, .title = "其他属性"},
};
static const vfield_t GRID_QUERY[] = {
    {"q", V_STR, .max = 100, .title = "编码或名称包含"},
    {"org_id", V_ID, .title = "所属组织（含下级）"},
    {"source", V_ENUM, .choices = SOURCES, .title = "来源"},
};
static const vfield_t GRID_OUT[] = {
    {"id", V_ID},
    {"code", V_STR, .title = "网格编码"},
    {"name", V_STR, .title = "网格名称"},
    {"org_id", V_ID},
    {"org_name", V_STR, .title = "所属组织"},
    {"district_name", V_STR, .title = "区"},
    {"street_name", V_STR, .title = "街道"},
    {"area_m2", V_NUM, .title = "面积（平方米）"},
    {"centroid", V_ARRAY, .title = "中心点（经度, 纬度）"},
    {"bbox", V_ARRAY, .title = "外包框"},
    {"attributes", V_OBJECT, .title = "其他属性"},
    {"source", V_ENUM, .choices = SOURCES, .title = "来源"},
    {"created_at", V_TIME, .title = "创建时间"},
    {"updated_at", V_TIME, .title = "更新时间"},
};
static const vfield_t LOCATE_QUERY[] = {
    {"lon", V_NUM, true, .title = "经度（WGS84/CGCS2000）"},
    {"lat", V_NUM, true, .title = "纬度（WGS84/CGCS2000）"},
};
static const vfield_t LOCATE_OUT[] = {
    {"grid", V_OBJECT, .title = "所在网格（无则 null）"},
    {"on_border", V_BOOL, .title = "点在网格边界上"},
};
static const vfield_t IMPORT_BODY[] = {
    {"type", V_STR, true, 1, 40, .title = "FeatureCollection"},
    {"features", V_ARRAY, true, 1, MAX_IMPORT_FEATURES,
     .title = "要素：geometry 为边界，properties 含 code、name 与 org_code 或 org_id，其余存为属性"},
    {"org_id", V_ID, .title = "要素未指定组织时的所属区或街道"},
    {"crs", V_OBJECT,
     .title = "坐标系（GeoJSON 2008：{\"type\":\"name\",\"properties\":{\"name\":\"EPSG:4549\"}}）"},
    {"source_crs", V_STR, false, 0, 100,
     .title = "坐标系（表单字段，如 EPSG:4549；优先于 crs）：EPSG:4326、4490、4549、3857，缺省为经纬度"},
};
static const vfield_t IMPORT_OUT[] = {
    {"created", V_INT, .title = "新建"},
    {"updated", V_INT, .title = "更新"},
    {"unchanged", V_INT, .title = "未变化"},
    {"refused", V_INT, .title = "拒绝"},
    {"results", V_ARRAY, .title = "逐个要素的结果：index、code、result、id、reason"},
};
static const vfield_t MAP_OUT[] = {
    {"tile_url", V_STR, .title = "底图瓦片地址（空：无底图）"},
    {"attribution", V_STR, .title = "底图版权说明"},
    {"center", V_ARRAY, .title = "初始中心（经度, 纬度）"},
    {"zoom", V_INT, .title = "初始缩放级别"},
    {"crs", V_STR, .title = "坐标系"},
    {"tile_crs", V_STR, .title = "底图瓦片坐标系（EPSG:3857 或 EPSG:4326）"},
};
static const vfield_t GEOJSON_QUERY[] = {
    {"org_id", V_ID, .title = "所属组织（含下级）"},
};
static const vfield_t OUTLINES_QUERY[] = {
    {"org_id", V_ID, .title = "所属组织（含下级）"},
    {"bbox", V_STR, .max = 120, .check = grid_check_bbox,
     .title = "只要外包框与此范围相交的网格：最小经度,最小纬度,最大经度,最大纬度（度）"},
};

/* ---- writing ---- */

/* The organisation is a district or a street inside the caller's scope.
 * NULL when fine, else the reason. */
static const char *check_org(http_req_t *req, db_conn_t *c, int64_t org, bool *dberr)
{
    *dberr = false;
    db_stmt_t *st = db_prepare(c, "SELECT type FROM orgs WHERE id = ? AND status = 'active'");
    if (!st) {
        *dberr = true;
        return NULL;
    }
    db_bind_int64(st, 1, org);
    int rc = db_step(st);
    bool kind =
        rc == DB_ROW && (!strcmp(db_col_text(st, 0), "district") || !strcmp(db_col_text(st, 0), "street"));
    db_done(st);
    if (rc != DB_ROW && rc != DB_DONE) {
        *dberr = true;
        return NULL;
    }
    if (rc == DB_DONE || !auth_org_in_scope(req, c, org))
        return "组织不存在或不在您的管理范围内";
    return kind ? NULL : "网格只能属于区或街道（组织类型须为区或街道）";
}

/* binds the grid's columns from 1: org, code, name, geometry, box, area,
 * centroid, attributes, source; returns the next index */
static int bind_grid(db_stmt_t *st, const grid_in_t *in, const char *geom_text, const char *attrs_text)
{
    double box[4], cx = 0, cy = 0;
    geo_bbox(in->shape, box);
    geo_centroid(in->shape, &cx, &cy);
    db_bind_int64(st, 1, in->org);
    db_bind_text(st, 2, in->code);
    db_bind_text(st, 3, in->name);
    db_bind_text(st, 4, geom_text);
    for (int i = 0; i < 4; i++)
        db_bind_double(st, 5 + i, box[i]);
    db_bind_double(st, 9, geo_area_m2(in->shape));
    db_bind_double(st, 10, cx);
    db_bind_double(st, 11, cy);
    db_bind_text(st, 12, attrs_text);
    db_bind_text(st, 13, in->source);
    return 14;
}

int64_t grid_write(db_conn_t *c, int64_t id, const grid_in_t *in, int64_t user)
{
    json_t *gj = geo_geojson(in->shape);
    char *geom = json_dumps(gj, JSON_COMPACT);
    char *attrs = in->attributes && json_object_size(in->attributes)
                      ? json_dumps(in->attributes, JSON_COMPACT | JSON_SORT_KEYS)
                      : NULL;
    json_decref(gj);
    char *outline = geo_outline_text(in->shape, GRID_OUTLINE_TOLERANCE);
    int64_t now = time_now_ms(), out = -1;
    db_stmt_t *st;
    if (!id) {
        st = db_prepare(
            c, "INSERT INTO grids (org_id, code, name, geometry, min_lon, min_lat, max_lon, max_lat, "
               "area_m2, centroid_lon, centroid_lat, attributes, source, outline, created_by, created_at, "
               "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
        if (st) {
            int k = bind_grid(st, in, geom, attrs);
            db_bind_text(st, k, outline);
            db_bind_id(st, k + 1, user);
            db_bind_int64(st, k + 2, now);
            db_bind_int64(st, k + 3, now);
            if (db_step(st) == DB_ROW)
                out = db_col_int64(st, 0);
        }
    } else {
        st =
            grid_outline_mark(c, id) == 0 /* the district it leaves, when it moves */
                ? db_prepare(
                      c,
                      "UPDATE grids SET org_id = ?, code = ?, name = ?, geometry = ?, min_lon = ?, min_lat = "
                      "?, max_lon = ?, max_lat = ?, area_m2 = ?, centroid_lon = ?, centroid_lat = ?, "
                      "attributes = ?, source = ?, outline = ?, updated_at = ? WHERE id = ? AND deleted_at "
                      "IS NULL")
                : NULL;
        if (st) {
            int k = bind_grid(st, in, geom, attrs);
            db_bind_text(st, k, outline);
            db_bind_int64(st, k + 1, now);
            db_bind_int64(st, k + 2, id);
            if (db_step(st) == DB_DONE)
                out = id;
        }
    }
    db_done(st);
    if (id && out > 0 && grid_flag_sites(c, id, in->shape) < 0)
        out = -1;
    if (out > 0 && grid_outline_mark(c, out) != 0)
        out = -1;
    free(geom);
    free(attrs);
    free(outline);
    return out;
}

int64_t grid_by_code(db_conn_t *c, const char *code)
{
    db_stmt_t *st = db_prepare(c, "SELECT id FROM grids WHERE code = ? AND deleted_at IS NULL");
    if (!st)
        return -1;
    db_bind_text(st, 1, code);
    int rc = db_step(st);
    int64_t id = rc == DB_ROW ? db_col_int64(st, 0) : rc == DB_DONE ? 0 : -1;
    db_done(st);
    return id;
}

/* ---- handlers ---- */

static void list_grids(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &GRIDS, &w);
    const char *q = http_query(req, "q"), *src = http_query(req, "source");
    if (q) {
        static const char *const cols[] = {"g.code", "g.name"};
        qb_like_any(&w, cols, 2, q);
    }
    if (src) {
        qb_sql(&w, " AND g.source = ");
        qb_text(&w, src);
    }
    int64_t org = http_query_i64(req, "org_id", 0);
    if (org) {
        qb_sql(&w, " AND o.path LIKE (SELECT x.path FROM orgs x WHERE x.id = ");
        qb_int(&w, org);
        qb_sql(&w, ") || '%'");
    }
    res_list(req, c, &GRIDS, GRID_COLS, &w, "g.code", grid_row, NULL);
    qb_free(&w);
}

static void get_grid(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *g = load(req, c, id);
    if (g)
        http_json(req, 200, json_incref(g));
}

/* The visible grids as one GeoJSON FeatureCollection (the map). */
static void grids_geojson(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w, q;
    res_from(req, &GRIDS, &w);
    int64_t org = http_query_i64(req, "org_id", 0);
    if (org) {
        qb_sql(&w, " AND o.path LIKE (SELECT x.path FROM orgs x WHERE x.id = ");
        qb_int(&w, org);
        qb_sql(&w, ") || '%'");
    }
    qb_init(&q, "SELECT " GRID_COLS_GEOM);
    qb_append(&q, &w);
    qb_sql(&q, " ORDER BY g.code LIMIT 20000");
    qb_free(&w);
    db_stmt_t *st = qb_prepare(c, &q);
    qb_free(&q);
    if (!st) {
        http_db_error(req, c);
        return;
    }
    json_t *features = json_array();
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        json_t *p = grid_row(st, NULL);
        json_t *geom = json_incref(json_object_get(p, "geometry"));
        json_object_del(p, "geometry");
        json_array_append_new(features,
                              json_pack("{s:s,s:I,s:o,s:o}", "type", "Feature", "id",
                                        (json_int_t)db_col_int64(st, 0), "geometry", geom, "properties", p));
    }
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(features);
        http_db_error(req, c);
        return;
    }
    http_json(req, 200, json_pack("{s:s,s:o}", "type", "FeatureCollection", "features", features));
}

static void map_config(http_req_t *req)
{
    http_json(req, 200,
              json_pack("{s:o,s:o,s:[f,f],s:i,s:s,s:s}", "tile_url",
                        json_text_or_null(grid_tile_url[0] ? grid_tile_url : NULL), "attribution",
                        json_text_or_null(grid_tile_attribution[0] ? grid_tile_attribution : NULL), "center",
                        121.47, 31.23, "zoom", 11, "crs", "WGS84/CGCS2000", "tile_crs", grid_tile_crs));
}

static bool coord_query(http_req_t *req, const char *name, double min, double max, double *out)
{
    const char *s = http_query(req, name);
    char *end = NULL;
    double v = s ? strtod(s, &end) : NAN;
    if (!s || !end || *end || !isfinite(v) || v < min || v > max) {
        http_error_fields(
            req, json_pack("{s:s}", name,
                           !strcmp(name, "lon") ? "经度须在 -180~180 之间" : "纬度须在 -90~90 之间"));
        return false;
    }
    *out = v;
    return true;
}

static void locate_grid(http_req_t *req)
{
    double lon, lat;
    if (!coord_query(req, "lon", -180, 180, &lon) || !coord_query(req, "lat", -90, 90, &lat))
        return;
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &GRIDS, &w);
    grid_hit_t hit;
    int rc = grid_locate_q(c, &w, lon, lat, &hit);
    qb_free(&w);
    if (rc != 0) {
        http_db_error(req, c);
        return;
    }
    json_t *g = NULL;
    if (hit.id) {
        bool dberr = false;
        g = res_find(req, c, &GRIDS, GRID_COLS, hit.id, grid_row, NULL, RES_PLAIN, &dberr);
        if (!g) {
            http_db_error(req, c);
            return;
        }
    }
    http_json(
        req, 200,
        json_pack("{s:o,s:b}", "grid", g ? g : json_null(), "on_border", hit.id && hit.where == GEO_BORDER));
}

static void create_grid(http_req_t *req)
{
    json_t *b = http_json_body(req);
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    int64_t org = jint(b, "org_id", 0);
    bool dberr;
    const char *why = check_org(req, c, org, &dberr);
    if (dberr || why) {
        if (dberr)
            http_db_error(req, c);
        else
            http_error_fields(req, json_pack("{s:s}", "org_id", why));
        return;
    }
    int64_t other = grid_by_code(c, jstr(b, "code"));
    if (other != 0) {
        if (other < 0)
            http_db_error(req, c);
        else
            http_error(req, 409, "duplicate", "网格编码 %s 已存在", jstr(b, "code"));
        return;
    }
    char err[512];
    geo_shape_t *shape = geo_from_geojson(json_object_get(b, "geometry"), err, sizeof err);
    if (!shape) { /* checked by the route already */
        http_error_fields(req, json_pack("{s:s}", "geometry", err));
        return;
    }
    grid_in_t in = {.code = jstr(b, "code"),
                    .name = jstr(b, "name"),
                    .org = org,
                    .shape = shape,
                    .attributes = json_object_get(b, "attributes"),
                    .source = "manual"};
    int64_t id = grid_write(c, 0, &in, http_user_id(req));
    geo_free(shape);
    if (id <= 0 || grid_outlines_refresh(c) != 0) {
        http_db_error(req, c);
        return;
    }
    json_t *o = load(req, c, id);
    if (!o)
        return;
    audit_entry_t ae = {.target = id, .after = o};
    audit_reply(req, c, true, &ae, 201, json_incref(o));
}

static void patch_grid(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *b = http_json_body(req);
    json_t *before = res_lock(req, c, &GRIDS, id) == 0 ? load(req, c, id) : NULL;
    if (!before)
        return;
    int64_t org = jhas(b, "org_id") ? jint(b, "org_id", 0) : jint(before, "org_id", 0);
    if (org != jint(before, "org_id", 0)) {
        bool dberr;
        const char *why = check_org(req, c, org, &dberr);
        if (dberr || why) {
            if (dberr)
                http_db_error(req, c);
            else
                http_error_fields(req, json_pack("{s:s}", "org_id", why));
            return;
        }
    }
    const char *code = jstr(b, "code") ? jstr(b, "code") : jstr(before, "code");
    if (strcmp(code, jstr(before, "code")) != 0) {
        int64_t other = grid_by_code(c, code);
        if (other != 0) {
            if (other < 0)
                http_db_error(req, c);
            else
                http_error(req, 409, "duplicate", "网格编码 %s 已存在", code);
            return;
        }
    }
    char err[512];
    json_t *geom = json_object_get(b, "geometry");
    geo_shape_t *shape =
        geo_from_geojson(json_is_object(geom) ? geom : json_object_get(before, "geometry"), err, sizeof err);
    if (!shape) {
        http_error_fields(req, json_pack("{s:s}", "geometry", err));
        return;
    }
    json_t *attrs =
        jhas(b, "attributes") ? json_object_get(b, "attributes") : json_object_get(before, "attributes");
    grid_in_t in = {.code = code,
                    .name = jstr(b, "name") ? jstr(b, "name") : jstr(before, "name"),
                    .org = org,
                    .shape = shape,
                    .attributes = json_is_object(attrs) ? attrs : NULL,
                    .source = jstr(before, "source")};
    int64_t r = grid_write(c, id, &in, http_user_id(req));
    geo_free(shape);
    if (r <= 0 || grid_outlines_refresh(c) != 0) {
        http_db_error(req, c);
        return;
    }
    json_t *after = load(req, c, id);
    if (!after)
        return;
    audit_entry_t ae = {.target = id, .before = before, .after = after};
    audit_reply(req, c, true, &ae, 200, json_incref(after));
}

static void delete_grid(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = res_lock(req, c, &GRIDS, id) == 0 ? load(req, c, id) : NULL;
    if (!before)
        return;
    db_stmt_t *st = db_prepare(c, "SELECT name FROM sites WHERE grid_id = ? AND deleted_at IS NULL");
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, id);
        rc = db_step(st);
        if (rc == DB_ROW)
            http_error(req, 409, "grid_in_use", "网格已绑定阵地「%s」，请先删除或改绑该阵地",
                       db_col_text(st, 0));
    }
    db_done(st);
    if (rc != DB_DONE) {
        if (rc != DB_ROW)
            http_db_error(req, c);
        return;
    }
    int64_t now = time_now_ms();
    if (!grid_soft_delete(req, c, "grids", id, now, "网格已被删除"))
        return;
    if (grid_outline_mark(c, id) != 0 || grid_outlines_refresh(c) != 0) {
        http_db_error(req, c);
        return;
    }
    json_object_del(before, "geometry");
    audit_entry_t ae = {.target = id, .before = before};
    audit_reply(req, c, true, &ae, 204, NULL);
}

/* ---- import ---- */

static int64_t org_by_code(db_conn_t *c, const char *code)
{
    return db_query_id_by_text(c, "SELECT id FROM orgs WHERE code = ? AND status = 'active'", code);
}

static json_t *refuse(json_t *r, const char *reason)
{
    json_object_set_new(r, "result", json_string("refused"));
    json_object_set_new(r, "reason", json_string(reason));
    return r;
}

/* One feature: its result object (new reference); *dberr on a database error. */
static json_t *import_feature(http_req_t *req, db_conn_t *c, json_t *f, size_t i, int64_t default_org,
                              int epsg, bool *dberr)
{
    json_t *r = json_pack("{s:I}", "index", (json_int_t)i);
    json_t *props = json_object_get(f, "properties");
    if (!json_is_object(f) || !json_is_object(props))
        return refuse(r, "要素须为 Feature 且带 properties");
    const char *code = json_string_value(json_object_get(props, "code"));
    const char *name = json_string_value(json_object_get(props, "name"));
    if (code)
        json_object_set_new(r, "code", json_string(code));
    if (!code || !*code || utf8_count(code, strlen(code)) > 64)
        return refuse(r, "properties.code（网格编码）必填，最长 64 字");
    if (!name || !*name || utf8_count(name, strlen(name)) > 100)
        return refuse(r, "properties.name（网格名称）必填，最长 100 字");
    int64_t org = default_org;
    json_t *oc = json_object_get(props, "org_code"), *oi = json_object_get(props, "org_id");
    if (json_is_string(oc)) {
        org = org_by_code(c, json_string_value(oc));
        if (!org)
            return refuse(r, "org_code 对应的组织不存在");
    } else if (json_is_integer(oi)) {
        org = json_integer_value(oi);
    }
    if (!org)
        return refuse(r, "未指定所属区或街道（properties.org_code 或请求的 org_id）");
    const char *why = check_org(req, c, org, dberr);
    if (*dberr || why) {
        return *dberr ? r : refuse(r, why);
    }
    char err[512];
    json_t *geom = json_object_get(f, "geometry"), *conv = NULL;
    if (epsg && epsg != 4326 && epsg != 4490) { /* into lon/lat first (geo/proj.h) */
        conv = geo_proj_geometry(geom, epsg, err, sizeof err);
        if (!conv)
            return refuse(r, err);
        geom = conv;
    }
    geo_shape_t *shape = geo_from_geojson(geom, err, sizeof err);
    json_decref(conv);
    if (!shape)
        return refuse(r, err);
    json_t *attrs = json_deep_copy(props);
    static const char *const OWN[] = {"code", "name", "org_code", "org_id"};
    for (size_t k = 0; k < 4; k++)
        json_object_del(attrs, OWN[k]);
    grid_in_t in = {
        .code = code, .name = name, .org = org, .shape = shape, .attributes = attrs, .source = "import"};
    int64_t existing = grid_by_code(c, code), id = -1;
    const char *result = "created";
    if (existing > 0) {
        json_t *old = res_find(req, c, &GRIDS, GRID_COLS_GEOM, existing, grid_row, NULL, RES_PLAIN, dberr);
        if (!old) {
            if (!*dberr)
                refuse(r, "同编码的网格属于您管理范围以外的单位");
            goto done;
        }
        json_t *ng = geo_geojson(shape);
        bool same = json_equal(json_object_get(old, "geometry"), ng) && !strcmp(jstr(old, "name"), name) &&
                    jint(old, "org_id", 0) == org && json_equal(json_object_get(old, "attributes"), attrs);
        json_decref(ng);
        json_decref(old);
        if (same) {
            id = existing;
            result = "unchanged";
        } else {
            in.source = "import";
            id = grid_write(c, existing, &in, http_user_id(req));
            result = "updated";
        }
    } else if (existing == 0) {
        id = grid_write(c, 0, &in, http_user_id(req));
    }
    if (id <= 0) {
        *dberr = true;
        goto done;
    }
    json_object_set_new(r, "result", json_string(result));
    json_object_set_new(r, "id", json_integer(id));
done:
    geo_free(shape);
    json_decref(attrs);
    return r;
}

static void import_grids(http_req_t *req)
{
    json_t *b = http_json_body(req);
    if (strcmp(jstr(b, "type"), "FeatureCollection") != 0) {
        http_error_fields(req, json_pack("{s:s}", "type", "须为 FeatureCollection"));
        return;
    }
    /* the coordinates' CRS: the form field source_crs ("EPSG:4549"), else
     * the GeoJSON 2008 crs member; lon/lat (EPSG:4326/4490) when neither */
    char cerr[256];
    const char *sc = jstr(b, "source_crs");
    bool form = sc && *sc;
    int epsg = form ? geo_crs_from_name(sc, cerr, sizeof cerr)
                    : geo_crs_parse(json_object_get(b, "crs"), cerr, sizeof cerr);
    if (epsg < 0) {
        http_error_fields(req, json_pack("{s:s}", form ? "source_crs" : "crs", cerr));
        return;
    }
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    int64_t def = jint(b, "org_id", 0);
    json_t *features = json_object_get(b, "features"), *results = json_array();
    http_defer_json(req, results);
    int counts[4] = {0};
    static const char *const KINDS[] = {"created", "updated", "unchanged", "refused"};
    size_t i;
    json_t *f;
    json_array_foreach(features, i, f)
    {
        bool dberr = false;
        json_t *r = import_feature(req, c, f, i, def, epsg, &dberr);
        if (dberr) {
            json_decref(r);
            http_db_error(req, c);
            return;
        }
        for (int k = 0; k < 4; k++)
            if (!strcmp(jstr(r, "result"), KINDS[k]))
                counts[k]++;
        json_array_append_new(results, r);
    }
    if (grid_outlines_refresh(c) != 0) {
        http_db_error(req, c);
        return;
    }
    char detail[160];
    snprintf(detail, sizeof detail, "导入网格：新建 %d、更新 %d、未变化 %d、拒绝 %d", counts[0], counts[1],
             counts[2], counts[3]);
    json_t *out = json_pack("{s:i,s:i,s:i,s:i,s:O}", "created", counts[0], "updated", counts[1], "unchanged",
                            counts[2], "refused", counts[3], "results", results);
    audit_entry_t ae = {.target_type = "grid", .detail = detail, .after = out};
    audit_reply(req, c, true, &ae, 200, out);
}

#define GRID_EXAMPLE_GEOMETRY                                                                                \
    "{\"type\":\"Polygon\",\"coordinates\":[[[121.90,31.00],[121.91,31.00],[121.91,31.01],[121.90,31.01],"   \
    "[121.90,31.00]]]}"

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/grids", .handler = list_grids, .perm = "grid.read",
     .flags = HTTP_LIST | HTTP_EXPORT, .summary = "网格列表", .resource = &GRIDS, HTTP_QUERY(GRID_QUERY),
     HTTP_OUT(GRID_OUT)},
    {.method = "POST", .pattern = "/api/v1/grids", .handler = create_grid, .perm = "grid.write",
     .summary = "新建网格", .audit = "grid.create", .resource = &GRIDS, HTTP_BODY(GRID_NEW), HTTP_OUT(GRID_OUT),
     .status = 201,
     .example = "{\"code\":\"CT{n}\",\"name\":\"契约网格{n}\",\"org_id\":\"{org}\",\"geometry\":" GRID_EXAMPLE_GEOMETRY "}",
     .notes = "422 with the reason when the boundary is not a valid Polygon/MultiPolygon (GEOS: self-intersection "
              "…) or the organisation is not a district or street in the caller's scope; 409 duplicate code"},
    {.method = "GET", .pattern = "/api/v1/grids/locate", .handler = locate_grid, .perm = "grid.read",
     .summary = "按坐标定位网格", .resource = &GRIDS, HTTP_QUERY(LOCATE_QUERY), HTTP_OUT(LOCATE_OUT),
     .notes = "among the grids in the caller's scope: bounding-box index, then the exact test; a point on a "
              "border shared by several grids belongs to the one whose code sorts first (docs/grid.md)"},
    {.method = "GET", .pattern = "/api/v1/grids/geojson", .handler = grids_geojson, .perm = "grid.read",
     .summary = "网格边界（GeoJSON）", .resource = &GRIDS, HTTP_QUERY(GEOJSON_QUERY),
     .notes = "a FeatureCollection of the visible grids (the map), properties as in the list"},
    {.method = "GET", .pattern = "/api/v1/grids/outlines", .handler = grid_outlines, .perm = "grid.read",
     .summary = "网格轮廓（地图用简化边界）", .resource = &GRIDS, HTTP_QUERY(OUTLINES_QUERY),
     .notes = "the visible grids as one GeoJSON FeatureCollection in their light form (simplified with "
              "GEOSTopologyPreserveSimplify, rounded to about 1 m; each feature's id is the grid's, properties code, name, district_name, "
              "area_m2), built once per scope and version and kept gzip-compressed; a strong ETag, 304 on "
              "If-None-Match; ?bbox= keeps the grids whose bounding box meets it (the map zoomed in; its own ETag "
              "and cached body), a malformed or out-of-range box is 422"},
    {.method = "GET", .pattern = "/api/v1/grids/map-config", .handler = map_config, .perm = "grid.read",
     .summary = "地图设置", HTTP_OUT(MAP_OUT),
     .notes = "the base map's tile URL (null: none, the map draws on a plain background and loads nothing from "
              "elsewhere), its attribution, the initial centre and zoom"},
    {.method = "POST", .pattern = "/api/v1/grids/import", .handler = import_grids, .perm = "grid.write",
     .max_body = 50u << 20, .summary = "导入网格（GeoJSON）", .audit = "grid.import", .resource = &GRIDS,
     HTTP_BODY(IMPORT_BODY), HTTP_OUT(IMPORT_OUT),
     .example = "{\"type\":\"FeatureCollection\",\"org_id\":\"{org}\",\"features\":[{\"type\":\"Feature\","
                "\"properties\":{\"code\":\"CTI{n}\",\"name\":\"导入网格{n}\"},\"geometry\":" GRID_EXAMPLE_GEOMETRY "}]}",
     .notes = "a FeatureCollection: each feature is created, updated (same code), unchanged or refused with its "
              "reason (invalid boundary, unknown organisation …); one transaction for the accepted ones; coordinates "
              "in EPSG:4549 or 3857 (crs member or source_crs) are converted to lon/lat first, another CRS is 422"},
    {.method = "GET", .pattern = "/api/v1/grids/{id}", .handler = get_grid, .perm = "grid.read",
     .summary = "网格详情", .resource = &GRIDS, HTTP_OUT(GRID_OUT), .notes = "adds geometry (GeoJSON)"},
    {.method = "PATCH", .pattern = "/api/v1/grids/{id}", .handler = patch_grid, .perm = "grid.write",
     .summary = "修改网格", .audit = "grid.update", .resource = &GRIDS, HTTP_BODY(GRID_PATCH), HTTP_OUT(GRID_OUT),
     .example = "{\"name\":\"契约网格（改）\"}"},
    {.method = "DELETE", .pattern = "/api/v1/grids/{id}", .handler = delete_grid, .perm = "grid.write",
     .summary = "删除网格", .audit = "grid.delete", .resource = &GRIDS, .status = 204, .notes = "soft; 409 grid_in_use while a site is bound to it"},
};
// clang-format on

int grid_grid_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
