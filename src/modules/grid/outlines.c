/* outlines.c — GET /api/v1/grids/outlines: the grids in the caller's scope
 * in their light form (grids.outline: simplified, rounded to about 1 m,
 * written with the boundary) as one GeoJSON FeatureCollection for the map,
 * built once per scope and version, kept gzip-compressed in memory, and
 * answered with a strong ETag (304 when the browser has it).
 *
 * The version of a scope is one cheap aggregate over its grids (count,
 * the sum of ids, the latest change of a grid and of its organisation,
 * the latest change of a district): a grid written, deleted or moved, or a
 * district renamed, gives another ETag; so does another scope or
 * ?org_id or ?bbox (the scope's SQL and values are hashed in). The bodies
 * are kept in the module's cache of answers (cache.c).
 *
 * ?bbox=min_lon,min_lat,max_lon,max_lat keeps the grids whose bounding box
 * meets that box (the R*Tree / GiST index): the map at street zoom loads
 * the grids it shows, not the city's 20,000; at city zoom it draws the
 * district outlines instead (docs/grid.md "The map at city scale"). */
#include "core/str.h"
#include "http/valid.h"
#include "modules/grid/internal.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *path, *name;
} district_t;

/* The FeatureCollection of the grids of w (ordered by code) into b; the
 * district's name from the districts' paths (looked up here, not a
 * correlated subquery per grid). false on a database error. */
static bool build(db_conn_t *c, const qb_t *w, sbuf_t *b)
{
    district_t ds[256];
    size_t nd = 0;
    db_stmt_t *st = db_prepare(
        c, "SELECT path, COALESCE(short_name, name) FROM orgs WHERE type = 'district' ORDER BY id");
    if (!st)
        return false;
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        if (nd < VN(ds)) {
            ds[nd].path = strdup(db_col_text(st, 0) ? db_col_text(st, 0) : "");
            ds[nd].name = strdup(db_col_text(st, 1) ? db_col_text(st, 1) : "");
            nd++;
        }
    db_done(st);
    bool ok = rc == DB_DONE;
    qb_t q;
    qb_init(&q, "SELECT g.id, g.code, g.name, g.area_m2, o.path, COALESCE(g.outline, g.geometry)");
    qb_append(&q, w);
    qb_sql(&q, " ORDER BY g.code");
    st = ok ? qb_prepare(c, &q) : NULL;
    qb_free(&q);
    ok = st != NULL;
    sbuf_puts(b, "{\"type\":\"FeatureCollection\",\"features\":[");
    bool first = true;
    while (ok && (rc = db_step(st)) == DB_ROW) {
        const char *path = db_col_text(st, 4), *district = NULL;
        for (size_t i = 0; path && i < nd && !district; i++)
            if (!strncmp(path, ds[i].path, strlen(ds[i].path)))
                district = ds[i].name;
        int64_t id = db_col_int64(st, 0);
        json_t *p =
            json_pack("{s:o,s:o,s:o,s:f}", "code", json_col_text(st, 1), "name", json_col_text(st, 2),
                      "district_name", json_text_or_null(district), "area_m2", round(db_col_double(st, 3)));
        char *props = json_dumps(p, JSON_COMPACT | JSON_REAL_PRECISION(15));
        json_decref(p);
        const char *geom = db_col_text(st, 5);
        sbuf_printf(b, "%s{\"type\":\"Feature\",\"id\":%lld,\"geometry\":%s,\"properties\":%s}",
                    first ? "" : ",", (long long)id, geom && *geom ? geom : "null", props ? props : "{}");
        free(props);
        first = false;
    }
    if (ok)
        ok = rc == DB_DONE;
    db_done(st);
    sbuf_puts(b, "]}");
    for (size_t i = 0; i < nd; i++) {
        free(ds[i].path);
        free(ds[i].name);
    }
    return ok;
}

const char *grid_parse_bbox(const char *s, double box[4])
{
    const char *p = s;
    for (int i = 0; i < 4; i++) {
        char *end;
        while (*p == ' ')
            p++;
        if (!*p || *p == ',')
            return "应为 最小经度,最小纬度,最大经度,最大纬度 四个数";
        box[i] = strtod(p, &end);
        if (end == p || !isfinite(box[i]))
            return "应为 最小经度,最小纬度,最大经度,最大纬度 四个数";
        p = end;
        while (*p == ' ')
            p++;
        if (i < 3) {
            if (*p != ',')
                return "应为 最小经度,最小纬度,最大经度,最大纬度 四个数";
            p++;
        }
    }
    if (*p)
        return "应为 最小经度,最小纬度,最大经度,最大纬度 四个数";
    if (box[0] < -180 || box[2] > 180 || box[1] < -90 || box[3] > 90)
        return "经度应在 -180 至 180 之间，纬度应在 -90 至 90 之间";
    if (box[0] > box[2] || box[1] > box[3])
        return "最小经纬度不能大于最大经纬度";
    return NULL;
}

const char *grid_check_bbox(json_t *v)
{
    double box[4];
    return json_is_string(v) ? grid_parse_bbox(json_string_value(v), box) : "应为文本";
}

void grid_outlines(http_req_t *req)
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
    const char *bbox = http_query(req, "bbox");
    double box[4];
    if (bbox && !grid_parse_bbox(bbox, box)) /* checked by the route's query table */
        grid_box_cond(c, &w, box[0], box[1], box[2], box[3]);
    uint64_t scope = grid_scope_hash("outlines-1", &w), etag = scope;
    /* the version of the scope's grids */
    qb_init(&q, "SELECT COUNT(*), COALESCE(SUM(g.id), 0), COALESCE(MAX(g.updated_at), 0), "
                "COALESCE(MAX(o.updated_at), 0), (SELECT COALESCE(MAX(x.updated_at), 0) FROM orgs x WHERE "
                "x.type = 'district')");
    qb_append(&q, &w);
    db_stmt_t *st = qb_prepare(c, &q);
    qb_free(&q);
    int rc = st ? db_step(st) : DB_ERROR;
    if (rc == DB_ROW)
        for (int i = 0; i < 5; i++) {
            int64_t v = db_col_int64(st, i);
            etag = grid_hash(etag, &v, sizeof v);
        }
    db_done(st);
    if (rc != DB_ROW) {
        qb_free(&w);
        http_db_error(req, c);
        return;
    }
    if (grid_cache_answer(req, "ol", etag)) {
        qb_free(&w);
        return;
    }
    sbuf_t b;
    sbuf_init(&b);
    bool ok = build(c, &w, &b);
    qb_free(&w);
    if (!ok) {
        sbuf_free(&b);
        http_db_error(req, c);
        return;
    }
    size_t plain_len = b.len;
    grid_cache_send(req, scope, etag, sbuf_detach(&b), plain_len, 6); /* built once, sent many times */
}
