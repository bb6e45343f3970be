/* sites_api.c — service sites (党群服务阵地): name, type, address, location
 * (lon/lat, picked on the map or typed), opening hours, floor area,
 * facilities, leader, resident staff, contact people and photos (files of
 * the storage module held by "site"). One site ↔ one grid: the site names
 * its grid, the database refuses a second live site on a grid (409 naming
 * the site holding it), and a location outside the grid is refused naming
 * the grid it falls in. A site belongs to its grid's organisation. */
#include "core/crypto.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/grid/internal.h"
#include "modules/storage/storage.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PHOTOS 20

static const res_sort_t SITE_SORTS[] = {{"id", "s.id"},
                                        {"name", "s.name"},
                                        {"type", "s.type"},
                                        {"grid_code", "g.code"},
                                        {"updated_at", "s.updated_at"},
                                        {NULL, NULL}};
const zd_resource_t SITES = {.name = "site",
                             .title = "阵地",
                             .table = "sites",
                             .alias = "s",
                             .from =
                                 "sites s JOIN grids g ON g.id = s.grid_id JOIN orgs o ON o.id = s.org_id",
                             .where = "s.deleted_at IS NULL",
                             .org_col = "s.org_id",
                             .creator_col = "s.created_by",
                             .perm = "site.read",
                             .sorts = SITE_SORTS};

const char *const GRID_SITE_TYPES[] = {"center", "station", "point", "building", NULL};

#define SITE_COLS                                                                                            \
    "s.id, s.org_id, o.name, s.grid_id, g.code, g.name, s.external_id, s.name, s.type, s.address, s.lon, "   \
    "s.lat, s.opening_hours, s.floor_area, s.facilities, s.leader_name, s.leader_phone, s.staff, "           \
    "s.contacts, s.photos, s.location_flag, s.created_at, s.updated_at, " GRID_DISTRICT_NAME(                \
        "o") ", " GRID_STREET_NAME("o")

json_t *grid_json_col(db_stmt_t *st, int i, bool array)
{
    json_t *v = json_parse_or_null(db_col_text(st, i));
    if (array && !json_is_array(v)) {
        json_decref(v);
        return json_array();
    }
    return v;
}

static json_t *site_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    json_t *o = json_object();
    int64_t id = db_col_int64(st, 0);
    json_object_set_new(o, "id", json_integer(id));
    json_object_set_new(o, "org_id", json_integer(db_col_int64(st, 1)));
    json_object_set_new(o, "org_name", json_col_text(st, 2));
    json_object_set_new(o, "grid_id", json_integer(db_col_int64(st, 3)));
    json_object_set_new(o, "grid_code", json_col_text(st, 4));
    json_object_set_new(o, "grid_name", json_col_text(st, 5));
    json_object_set_new(o, "external_id", json_col_text(st, 6));
    json_object_set_new(o, "name", json_col_text(st, 7));
    json_object_set_new(o, "type", json_col_text(st, 8));
    json_object_set_new(o, "address", json_col_text(st, 9));
    json_object_set_new(o, "lon", json_real(db_col_double(st, 10)));
    json_object_set_new(o, "lat", json_real(db_col_double(st, 11)));
    json_object_set_new(o, "opening_hours", json_col_text(st, 12));
    json_object_set_new(o, "floor_area",
                        db_col_is_null(st, 13) ? json_null() : json_real(db_col_double(st, 13)));
    json_object_set_new(o, "facilities", grid_json_col(st, 14, true));
    json_object_set_new(o, "leader_name", json_col_text(st, 15));
    json_object_set_new(o, "leader_phone", json_col_text(st, 16));
    json_object_set_new(o, "staff", grid_json_col(st, 17, true));
    json_object_set_new(o, "contacts", grid_json_col(st, 18, true));
    json_t *photos = grid_json_col(st, 19, true);
    json_object_set_new(o, "photo_urls", grid_photo_urls("sites", id, photos));
    json_object_set_new(o, "photo_file_ids", photos);
    json_object_set_new(o, "location_flag", json_col_text(st, 20));
    json_object_set_new(o, "created_at", json_time(db_col_int64(st, 21)));
    json_object_set_new(o, "updated_at", json_time(db_col_int64(st, 22)));
    json_object_set_new(o, "district_name", json_col_text(st, 23));
    json_object_set_new(o, "street_name", json_col_text(st, 24));
    return o;
}

static json_t *load(http_req_t *req, db_conn_t *c, int64_t id)
{
    return http_defer_json(req, res_load(req, c, &SITES, SITE_COLS, id, site_row, NULL, RES_PLAIN));
}

/* ---- validation ---- */

static const char *check_people(json_t *v)
{
    size_t i;
    json_t *p;
    json_array_foreach(v, i, p)
    {
        if (!json_is_object(p) || !json_is_string(json_object_get(p, "name")) ||
            !json_string_length(json_object_get(p, "name")))
            return "每一项须为 {name, phone, duty}，name 必填";
        const char *keys[] = {"name", "phone", "duty"};
        for (int k = 0; k < 3; k++) {
            json_t *s = json_object_get(p, keys[k]);
            if (s && !json_is_null(s) && (!json_is_string(s) || json_string_length(s) > 200))
                return "name、phone、duty 须为文字（最长 200 字）";
        }
    }
    return NULL;
}

static const char *check_strings(json_t *v)
{
    size_t i;
    json_t *p;
    json_array_foreach(v, i, p) if (!json_is_string(p) || !json_string_length(p) ||
                                    json_string_length(p) > 100) return "每一项须为文字（1~100 字）";
    return NULL;
}

const char *grid_check_file_ids(json_t *v)
{
    size_t i;
    json_t *p;
    json_array_foreach(v, i, p) if (!json_is_integer(p) || json_integer_value(p) <= 0) return "须为文件 id";
    return NULL;
}

static const char *check_lon(json_t *v)
{
    double x = json_number_value(v);
    return x >= -180 && x <= 180 ? NULL : "经度须在 -180~180 之间";
}

static const char *check_lat(json_t *v)
{
    double x = json_number_value(v);
    return x >= -90 && x <= 90 ? NULL : "纬度须在 -90~90 之间";
}

static const char *check_area(json_t *v)
{
    double x = json_number_value(v);
    return x >= 0 && x <= 1e7 ? NULL : "面积须在 0~10,000,000 平方米之间";
}

#define SITE_FIELDS(req)                                                                                               \
    {"name", V_STR, req, 1, 100, .title = "阵地名称"},                                                                 \
        {"type", V_ENUM, req, .choices = GRID_SITE_TYPES, .title = "阵地类型"},                                        \
        {"address", V_STR, req, 1, 200, .title = "地址"},                                                              \
        {"lon", V_NUM, req, .check = check_lon, .title = "经度（WGS84/CGCS2000）"},                                    \
        {"lat", V_NUM, req, .check = check_lat, .title = "纬度（WGS84/CGCS2000）"},                                    \
        {"opening_hours", V_STR, false, 0, 200, .title = "开放时间"},                                                  \
        {"floor_area", V_NUM, false, .check = check_area, .title = "面积（平方米）"},                                  \
        {"facilities", V_ARRAY, false, 0, 50, .check = check_strings, .title = "设施"},                                \
        {"leader_name", V_STR, false, 0, 50, .title = "阵地负责人"},                                                   \
        {"leader_phone", V_STR, false, 0, 30, .title = "负责人电话"},                                                  \
        {"staff", V_ARRAY, false, 0, 50, .check = check_people, .title = "驻点人员 [{name, phone, duty}]"},            \
        {"contacts", V_ARRAY, false, 0, 50, .check = check_people, .title = "联系人 [{name, phone, duty}]"},           \
    {                                                                                                                  \
        "photo_file_ids", V_ARRAY, false, 0, MAX_PHOTOS, .check = grid_check_file_ids,                                 \
                                                         .title = "照片（经 /api/v1/uploads 上传的图片 id）" \
    }

static const vfield_t SITE_NEW[] = {
    {"grid_id", V_ID, false, .title = "所在网格（一个网格只能有一个阵地；不填则按位置所在网格）"},
    SITE_FIELDS(true),
};
static const vfield_t SITE_PATCH[] = {
    {"grid_id", V_ID, false, .title = "所在网格"},
    SITE_FIELDS(false),
};
static const vfield_t SITE_QUERY[] = {
    {"q", V_STR, .max = 100, .title = "名称或地址包含"},
    {"type", V_ENUM, .choices = GRID_SITE_TYPES, .title = "阵地类型"},
    {"org_id", V_ID, .title = "所属组织（含下级）"},
    {"grid_id", V_ID, .title = "网格"},
    {"flagged", V_BOOL, .title = "只看位置待核查的"},
};
static const vfield_t SITE_OUT[] = {
    {"id", V_ID},
    {"name", V_STR, .title = "阵地名称"},
    {"type", V_ENUM, .choices = GRID_SITE_TYPES, .title = "阵地类型"},
    {"grid_id", V_ID},
    {"grid_code", V_STR, .title = "网格编码"},
    {"grid_name", V_STR, .title = "网格名称"},
    {"org_id", V_ID},
    {"org_name", V_STR, .title = "所属组织"},
    {"district_name", V_STR, .title = "区"},
    {"street_name", V_STR, .title = "街道"},
    {"address", V_STR, .title = "地址"},
    {"lon", V_NUM, .title = "经度"},
    {"lat", V_NUM, .title = "纬度"},
    {"opening_hours", V_STR, .title = "开放时间"},
    {"floor_area", V_NUM, .title = "面积（平方米）"},
    {"facilities", V_ARRAY, .title = "设施"},
    {"leader_name", V_STR, .title = "阵地负责人"},
    {"leader_phone", V_STR, .title = "负责人电话"},
    {"staff", V_ARRAY, .title = "驻点人员"},
    {"contacts", V_ARRAY, .title = "联系人"},
    {"photo_file_ids", V_ARRAY, .title = "照片"},
    {"external_id", V_STR, .title = "外部编号"},
    {"location_flag", V_STR, .title = "位置核查"},
    {"created_at", V_TIME, .title = "创建时间"},
    {"updated_at", V_TIME, .title = "更新时间"},
};

/* ---- checks ---- */

/* The grid (in the caller's scope) holds the point; else answers 422 naming
 * the grid the point falls in. The grid's organisation into *org. */
static bool check_location(http_req_t *req, db_conn_t *c, int64_t grid, double lon, double lat, int64_t *org)
{
    db_stmt_t *st = NULL;
    qb_t q;
    res_from_as(req, &GRIDS, "site.write", &q);
    qb_t s;
    qb_init(&s, "SELECT g.org_id, g.geometry, g.code, g.name");
    qb_append(&s, &q);
    qb_free(&q);
    qb_sql(&s, " AND g.id = ");
    qb_int(&s, grid);
    st = qb_prepare(c, &s);
    qb_free(&s);
    int rc = st ? db_step(st) : DB_ERROR;
    if (rc != DB_ROW) {
        db_done(st);
        if (rc == DB_DONE)
            http_error_fields(req, json_pack("{s:s}", "grid_id", "网格不存在或不在您的管理范围内"));
        else
            http_db_error(req, c);
        return false;
    }
    *org = db_col_int64(st, 0);
    char err[256], code[260], name[404];
    str_lcpy(code, db_col_text(st, 2), sizeof code);
    str_lcpy(name, db_col_text(st, 3), sizeof name);
    geo_shape_t *g = geo_from_text(db_col_text(st, 1), err, sizeof err);
    db_done(st);
    geo_where_t w = g ? geo_locate(g, lon, lat) : GEO_OUTSIDE;
    geo_free(g);
    if (w != GEO_OUTSIDE)
        return true;
    int64_t other = 0;
    char ocode[260] = "", oname[404] = "";
    int found = grid_locate_any(c, lon, lat, &other, ocode, sizeof ocode, oname, sizeof oname, NULL);
    if (found < 0) {
        http_db_error(req, c);
        return false;
    }
    if (found)
        http_error(req, 422, "outside_grid", "位置不在网格「%s」（%s）内，而在网格「%s」（%s）内", name, code,
                   oname, ocode);
    else
        http_error(req, 422, "outside_grid", "位置不在网格「%s」（%s）内，也不在任何网格内", name, code);
    return false;
}

/* No other live site holds the grid; else answers 409 naming it. */
static bool check_grid_free(http_req_t *req, db_conn_t *c, int64_t grid, int64_t self)
{
    db_stmt_t *st = db_prepare(c, "SELECT s.name, g.name FROM sites s JOIN grids g ON g.id = s.grid_id "
                                  "WHERE s.grid_id = ? AND s.id <> ? AND s.deleted_at IS NULL");
    if (!st) {
        http_db_error(req, c);
        return false;
    }
    db_bind_int64(st, 1, grid);
    db_bind_int64(st, 2, self);
    int rc = db_step(st);
    if (rc == DB_ROW)
        http_error(req, 409, "grid_taken", "网格「%s」已绑定阵地「%s」，一个网格只能有一个阵地",
                   db_col_text(st, 1), db_col_text(st, 0));
    else if (rc != DB_DONE)
        http_db_error(req, c);
    db_done(st);
    return rc == DB_DONE;
}

bool grid_claim_photos(http_req_t *req, db_conn_t *c, json_t *ids, json_t *had, const char *holder)
{
    size_t i, j;
    json_t *p, *h;
    json_array_foreach(ids, i, p)
    {
        int64_t fid = json_integer_value(p);
        bool old = false;
        json_array_foreach(had, j, h) old = old || json_integer_value(h) == fid;
        if (old)
            continue;
        /* the file keeps the uploader's organisation (as uploaded): the
         * row's own scope check guards it */
        if (!storage_claim_picture(req, c, fid, http_user_org(req), holder, "photo_file_ids", "照片"))
            return false;
    }
    return true;
}

void grid_send_photo(http_req_t *req, db_conn_t *c, json_t *row)
{
    int64_t fid;
    if (!http_param_id(req, "file_id", &fid)) {
        http_error(req, 404, "not_found", "照片不存在");
        return;
    }
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(row, "photo_file_ids"), i, p) if (json_integer_value(p) == fid)
    {
        storage_file_send(req, c, fid, true);
        return;
    }
    http_error(req, 404, "not_found", "照片不存在");
}

json_t *grid_photo_urls(const char *base, int64_t id, json_t *photos)
{
    json_t *urls = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(photos, i, p)
        json_array_append_new(urls, json_sprintf("/api/v1/%s/%lld/photos/%lld", base, (long long)id,
                                                 (long long)json_integer_value(p)));
    return urls;
}

char *grid_dump_array(json_t *v)
{
    return json_is_array(v) && json_array_size(v) ? json_dumps(v, JSON_COMPACT) : NULL;
}

json_t *grid_pick(json_t *b, json_t *before, const char *key)
{
    return jhas(b, key) || !before ? json_object_get(b, key) : json_object_get(before, key);
}

const char *grid_pick_str(json_t *b, json_t *before, const char *key)
{
    const char *s = json_string_value(grid_pick(b, before, key));
    return s && *s ? s : NULL;
}

bool grid_soft_delete(http_req_t *req, db_conn_t *c, const char *table, int64_t id, int64_t now,
                      const char *gone)
{
    qb_t q;
    qb_init(&q, "UPDATE ");
    qb_sql(&q, table);
    qb_sql(&q, " SET deleted_at = ");
    qb_int(&q, now);
    qb_sql(&q, ", updated_at = ");
    qb_int(&q, now);
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND deleted_at IS NULL");
    return res_transition(req, c, &q, gone);
}

/* Writes the site (id 0: insert). The id, or -1 after answering. */
static int64_t write_site(http_req_t *req, db_conn_t *c, int64_t id, json_t *b, json_t *before)
{
    int64_t grid = jhas(b, "grid_id") ? jint(b, "grid_id", 0) : jint(before, "grid_id", 0);
    double lon = json_number_value(grid_pick(b, before, "lon")),
           lat = json_number_value(grid_pick(b, before, "lat"));
    int64_t org = 0;
    if (!grid) { /* the grid the location falls in */
        qb_t w;
        res_from_as(req, &GRIDS, "site.write", &w);
        grid_hit_t hit;
        int rc = grid_locate_q(c, &w, lon, lat, &hit);
        qb_free(&w);
        if (rc != 0) {
            http_db_error(req, c);
            return -1;
        }
        if (!hit.id) {
            http_error(req, 422, "outside_grid", "位置不在您管理范围内的任何网格内");
            return -1;
        }
        grid = hit.id;
    }
    if (!check_location(req, c, grid, lon, lat, &org) || !check_grid_free(req, c, grid, id))
        return -1;
    json_t *photos = grid_pick(b, before, "photo_file_ids");
    if (jhas(b, "photo_file_ids") &&
        !grid_claim_photos(req, c, photos, before ? json_object_get(before, "photo_file_ids") : NULL, "site"))
        return -1;
    char *fac = grid_dump_array(grid_pick(b, before, "facilities")),
         *staff = grid_dump_array(grid_pick(b, before, "staff")),
         *contacts = grid_dump_array(grid_pick(b, before, "contacts")), *ph = grid_dump_array(photos);
    json_t *area = grid_pick(b, before, "floor_area");
    int64_t now = time_now_ms(), out = -1;
    db_stmt_t *st;
    if (!id)
        st = db_prepare(c,
                        "INSERT INTO sites (org_id, grid_id, name, type, address, lon, lat, opening_hours, "
                        "floor_area, facilities, leader_name, leader_phone, staff, contacts, photos, "
                        "external_id, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                        "?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    else
        st = db_prepare(c,
                        "UPDATE sites SET org_id = ?, grid_id = ?, name = ?, type = ?, address = ?, lon = ?, "
                        "lat = ?, opening_hours = ?, floor_area = ?, facilities = ?, leader_name = ?, "
                        "leader_phone = ?, staff = ?, contacts = ?, photos = ?, location_flag = NULL, "
                        "updated_at = ? WHERE id = ? AND deleted_at IS NULL");
    if (st) {
        db_bind_int64(st, 1, org);
        db_bind_int64(st, 2, grid);
        db_bind_text(st, 3, grid_pick_str(b, before, "name"));
        db_bind_text(st, 4, grid_pick_str(b, before, "type"));
        db_bind_text(st, 5, grid_pick_str(b, before, "address"));
        db_bind_double(st, 6, lon);
        db_bind_double(st, 7, lat);
        db_bind_text(st, 8, grid_pick_str(b, before, "opening_hours"));
        if (json_is_number(area))
            db_bind_double(st, 9, json_number_value(area));
        else
            db_bind_null(st, 9);
        db_bind_text(st, 10, fac);
        db_bind_text(st, 11, grid_pick_str(b, before, "leader_name"));
        db_bind_text(st, 12, grid_pick_str(b, before, "leader_phone"));
        db_bind_text(st, 13, staff);
        db_bind_text(st, 14, contacts);
        db_bind_text(st, 15, ph);
        if (!id) {
            char ext[40];
            crypto_random_hex(16, ext);
            db_bind_text(st, 16, ext);
            db_bind_id(st, 17, http_user_id(req));
            db_bind_int64(st, 18, now);
            db_bind_int64(st, 19, now);
            if (db_step(st) == DB_ROW)
                out = db_col_int64(st, 0);
        } else {
            db_bind_int64(st, 16, now);
            db_bind_int64(st, 17, id);
            if (db_step(st) == DB_DONE)
                out = id;
        }
    }
    db_done(st);
    free(fac);
    free(staff);
    free(contacts);
    free(ph);
    if (out <= 0) {
        /* two requests binding one grid at once: the unique index decides */
        if (db_errcode(c) == DB_E_UNIQUE)
            http_error(req, 409, "grid_taken", "该网格已绑定其他阵地，一个网格只能有一个阵地");
        else
            http_db_error(req, c);
        return -1;
    }
    return out;
}

/* ---- handlers ---- */

static void list_sites(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &SITES, &w);
    const char *q = http_query(req, "q"), *type = http_query(req, "type");
    if (q) {
        static const char *const cols[] = {"s.name", "s.address"};
        qb_like_any(&w, cols, 2, q);
    }
    if (type) {
        qb_sql(&w, " AND s.type = ");
        qb_text(&w, type);
    }
    int64_t org = http_query_i64(req, "org_id", 0), grid = http_query_i64(req, "grid_id", 0);
    if (org) {
        qb_sql(&w, " AND o.path LIKE (SELECT x.path FROM orgs x WHERE x.id = ");
        qb_int(&w, org);
        qb_sql(&w, ") || '%'");
    }
    if (grid) {
        qb_sql(&w, " AND s.grid_id = ");
        qb_int(&w, grid);
    }
    if (http_query_bool(req, "flagged"))
        qb_sql(&w, " AND s.location_flag IS NOT NULL");
    res_list(req, c, &SITES, SITE_COLS, &w, "s.id DESC", site_row, NULL);
    qb_free(&w);
}

static void get_site(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *s = load(req, c, id);
    if (s)
        http_json(req, 200, json_incref(s));
}

static void create_site(http_req_t *req)
{
    json_t *b = http_json_body(req);
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    int64_t id = write_site(req, c, 0, b, NULL);
    if (id <= 0)
        return;
    json_t *o = load(req, c, id);
    if (!o)
        return;
    if (grid_outbox_site(c, o, false, http_user_id(req)) != 0) {
        http_db_error(req, c);
        return;
    }
    audit_entry_t ae = {.target = id, .after = o};
    audit_reply(req, c, true, &ae, 201, json_incref(o));
}

static void patch_site(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = res_lock(req, c, &SITES, id) == 0 ? load(req, c, id) : NULL;
    if (!before || write_site(req, c, id, http_json_body(req), before) <= 0)
        return;
    json_t *after = load(req, c, id);
    if (!after)
        return;
    if (grid_outbox_site(c, after, false, http_user_id(req)) != 0) {
        http_db_error(req, c);
        return;
    }
    audit_entry_t ae = {.target = id, .before = before, .after = after};
    audit_reply(req, c, true, &ae, 200, json_incref(after));
}

static void delete_site(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = res_lock(req, c, &SITES, id) == 0 ? load(req, c, id) : NULL;
    if (!before)
        return;
    int64_t now = time_now_ms();
    if (!grid_soft_delete(req, c, "sites", id, now, "阵地已被删除"))
        return;
    if (grid_outbox_site(c, before, true, http_user_id(req)) != 0) {
        http_db_error(req, c);
        return;
    }
    audit_entry_t ae = {.target = id, .before = before};
    audit_reply(req, c, true, &ae, 204, NULL);
}

static void site_photo(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    json_t *s = c ? load(req, c, id) : NULL;
    if (s)
        grid_send_photo(req, c, s);
}

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/sites", .handler = list_sites, .perm = "site.read",
     .flags = HTTP_LIST | HTTP_EXPORT, .summary = "阵地列表", .resource = &SITES, HTTP_QUERY(SITE_QUERY),
     HTTP_OUT(SITE_OUT)},
    {.method = "POST", .pattern = "/api/v1/sites", .handler = create_site, .perm = "site.write",
     .summary = "新建阵地", .audit = "site.create", .resource = &SITES, HTTP_BODY(SITE_NEW), HTTP_OUT(SITE_OUT),
     .status = 201,
     .example = "{\"name\":\"契约阵地{n}\",\"type\":\"station\",\"address\":\"花木路 1 号\",\"lon\":121.548,"
                "\"lat\":31.212}",
     .notes = "without grid_id, the grid the location falls in (in the caller's scope); the site belongs to its grid's organisation; 409 grid_taken naming the site that holds the grid; "
              "422 outside_grid naming the grid the location falls in"},
    {.method = "GET", .pattern = "/api/v1/sites/{id}", .handler = get_site, .perm = "site.read",
     .summary = "阵地详情", .resource = &SITES, HTTP_OUT(SITE_OUT)},
    {.method = "GET", .pattern = "/api/v1/sites/{id}/photos/{file_id}", .handler = site_photo,
     .perm = "site.read", .flags = HTTP_DOWNLOAD, .summary = "阵地照片", .resource = &SITES},
    {.method = "PATCH", .pattern = "/api/v1/sites/{id}", .handler = patch_site, .perm = "site.write",
     .summary = "修改阵地", .audit = "site.update", .resource = &SITES, HTTP_BODY(SITE_PATCH), HTTP_OUT(SITE_OUT),
     .example = "{\"opening_hours\":\"周一至周五 9:00-17:00\"}",
     .notes = "the same checks as creating; clears location_flag"},
    {.method = "DELETE", .pattern = "/api/v1/sites/{id}", .handler = delete_site, .perm = "site.write",
     .summary = "删除阵地", .audit = "site.delete", .resource = &SITES, .status = 204,
     .notes = "soft; the grid is free for another site"},
};
// clang-format on

int grid_site_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
