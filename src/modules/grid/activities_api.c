/* activities_api.c — activities of a service site (阵地活动): political
 * (政治), governance (治理) and service (服务) activities with their date,
 * organisers, the contracted organisations that took part (only those
 * contracted to that site: else 422), people reached, photos (files of the
 * storage module held by "site_activity") and a summary. An activity is in
 * its site's data scope (the site's organisation and the districts above
 * it). Coverage of the contracted organisations — who took part how often
 * and who never did in a period — answers per site, street or district and
 * exports as the participation list (统计清单). */
#include "core/mime.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "core/xlsx.h"
#include "http/upload.h"
#include "http/valid.h"
#include "modules/grid/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PHOTOS 20
#define MAX_ORGS   100

static const res_sort_t ACT_SORTS[] = {{"id", "a.id"},
                                       {"held_at", "a.held_at"},
                                       {"type", "a.type"},
                                       {"people_reached", "a.people_reached"},
                                       {"site_name", "s.name"},
                                       {"updated_at", "a.updated_at"},
                                       {NULL, NULL}};
const zd_resource_t SITE_ACTIVITIES = {.name = "site_activity",
                                       .title = "阵地活动",
                                       .table = "site_activities",
                                       .alias = "a",
                                       .from =
                                           "site_activities a JOIN sites s ON s.id = a.site_id JOIN orgs o "
                                           "ON o.id = s.org_id",
                                       .where = "a.deleted_at IS NULL AND s.deleted_at IS NULL",
                                       .org_col = "s.org_id",
                                       .creator_col = "a.created_by",
                                       .perm = "site.read",
                                       .sorts = ACT_SORTS};

/* The organisations contracted now to the live sites (the coverage's rows),
 * in the scope of their site. */
const zd_resource_t SITE_CONTRACTS = {
    .name = "site_contract",
    .title = "阵地包干组织",
    .table = "site_orgs",
    .alias = "b",
    .from =
        "site_orgs b JOIN sites s ON s.id = b.site_id JOIN orgs o ON o.id = s.org_id JOIN orgs bo ON bo.id "
        "= b.org_id",
    .where = "b.unbound_at IS NULL AND s.deleted_at IS NULL",
    .org_col = "s.org_id",
    .creator_col = "b.bound_by",
    .perm = "site.read"};

const char *const GRID_ACTIVITY_TYPES[] = {"political", "governance", "service", NULL};

#define ACT_COLS                                                                                             \
    "a.id, a.site_id, s.name, s.org_id, a.type, a.title, a.held_at, a.organisers, a.people_reached, "        \
    "a.summary, a.photos, a.created_at, a.updated_at, " GRID_DISTRICT_NAME("o") ", " GRID_STREET_NAME("o")

static json_t *act_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    json_t *o = json_object();
    int64_t id = db_col_int64(st, 0);
    json_object_set_new(o, "id", json_integer(id));
    json_object_set_new(o, "site_id", json_integer(db_col_int64(st, 1)));
    json_object_set_new(o, "site_name", json_col_text(st, 2));
    json_object_set_new(o, "org_id", json_integer(db_col_int64(st, 3)));
    json_object_set_new(o, "type", json_col_text(st, 4));
    json_object_set_new(o, "title", json_col_text(st, 5));
    json_object_set_new(o, "held_at", json_time(db_col_int64(st, 6)));
    json_object_set_new(o, "organisers", json_col_text(st, 7));
    json_object_set_new(o, "people_reached", json_integer(db_col_int64(st, 8)));
    json_object_set_new(o, "summary", json_col_text(st, 9));
    json_t *photos = grid_json_col(st, 10, true);
    json_object_set_new(o, "photo_urls", grid_photo_urls("site-activities", id, photos));
    json_object_set_new(o, "photo_file_ids", photos);
    json_object_set_new(o, "created_at", json_time(db_col_int64(st, 11)));
    json_object_set_new(o, "updated_at", json_time(db_col_int64(st, 12)));
    json_object_set_new(o, "district_name", json_col_text(st, 13));
    json_object_set_new(o, "street_name", json_col_text(st, 14));
    json_object_set_new(o, "orgs", json_array());
    json_object_set_new(o, "org_ids", json_array());
    return o;
}

/* The participating organisations of a page of activities, in one query:
 * orgs [{org_id, name}], org_ids and org_names (for the export). */
static bool add_orgs(http_req_t *req, db_conn_t *c, json_t *items, void *ud)
{
    (void)req;
    (void)ud;
    if (!json_array_size(items))
        return true;
    qb_t q;
    qb_init(&q, "SELECT ao.activity_id, o.id, o.name FROM site_activity_orgs ao JOIN orgs o ON o.id = "
                "ao.org_id WHERE ao.activity_id IN (");
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        if (i)
            qb_sql(&q, ", ");
        qb_int(&q, jint(it, "id", 0));
    }
    qb_sql(&q, ") ORDER BY ao.activity_id, o.id");
    db_stmt_t *st = qb_prepare(c, &q);
    qb_free(&q);
    if (!st)
        return false;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        int64_t aid = db_col_int64(st, 0);
        json_array_foreach(items, i, it) if (jint(it, "id", 0) == aid)
        {
            json_array_append_new(json_object_get(it, "orgs"),
                                  json_pack("{s:I,s:o}", "org_id", (json_int_t)db_col_int64(st, 1), "name",
                                            json_col_text(st, 2)));
            json_array_append_new(json_object_get(it, "org_ids"), json_integer(db_col_int64(st, 1)));
        }
    }
    db_done(st);
    json_array_foreach(items, i, it)
    {
        sbuf_t names;
        sbuf_init(&names);
        size_t k;
        json_t *g;
        json_array_foreach(json_object_get(it, "orgs"), k, g)
            sbuf_printf(&names, "%s%s", k ? "、" : "", jstr(g, "name"));
        json_object_set_new(it, "org_names", json_string(names.data ? names.data : ""));
        sbuf_free(&names);
    }
    return rc == DB_DONE;
}

/* One activity in the scope with its organisations; NULL after answering. */
static json_t *load(http_req_t *req, db_conn_t *c, int64_t id)
{
    json_t *o =
        http_defer_json(req, res_load(req, c, &SITE_ACTIVITIES, ACT_COLS, id, act_row, NULL, RES_PLAIN));
    if (!o)
        return NULL;
    json_t *one = json_pack("[O]", o);
    bool ok = add_orgs(req, c, one, NULL);
    json_decref(one);
    if (!ok) {
        http_db_error(req, c);
        return NULL;
    }
    return o;
}

/* ---- validation ---- */

static const char *check_org_ids(json_t *v)
{
    size_t i, j;
    json_t *p, *q;
    json_array_foreach(v, i, p)
    {
        if (!json_is_integer(p) || json_integer_value(p) <= 0)
            return "须为组织 id";
        json_array_foreach(v, j,
                           q) if (j < i && json_integer_value(q) == json_integer_value(p)) return "组织重复";
    }
    return NULL;
}

#define ACT_FIELDS(req)                                                                                                \
    {"type", V_ENUM, req, .choices = GRID_ACTIVITY_TYPES, .title = "活动类型"},                                        \
        {"title", V_STR, req, 1, 100, .title = "活动名称"}, {"held_at", V_TIME, req, .title = "活动日期"},             \
        {"organisers", V_STR, req, 1, 200, .title = "组织者"},                                                         \
        {"org_ids",                                                                                                    \
         V_ARRAY,                                                                                                      \
         false,                                                                                                        \
         0,                                                                                                            \
         MAX_ORGS,                                                                                                     \
         .check = check_org_ids,                                                                                       \
         .title = "参与的包干组织（须为包干到该阵地的组织）"},                                                         \
        {"people_reached", V_INT, false, 0, 1000000, .title = "服务人数"},                                             \
        {"summary", V_TEXT, false, 0, 5000, .title = "活动小结"},                                                      \
    {                                                                                                                  \
        "photo_file_ids", V_ARRAY, false, 0, MAX_PHOTOS, .check = grid_check_file_ids,                                 \
                                                         .title = "照片（经 /api/v1/uploads 上传的图片 id）" \
    }

static const vfield_t ACT_NEW[] = {
    {"site_id", V_ID, true, .title = "阵地"},
    ACT_FIELDS(true),
};
static const vfield_t ACT_PATCH[] = {ACT_FIELDS(false)};
static const vfield_t ACT_QUERY[] = {
    {"site_id", V_ID, .title = "阵地"},
    {"type", V_ENUM, .choices = GRID_ACTIVITY_TYPES, .title = "活动类型"},
    {"org_id", V_ID, .title = "阵地所属组织（含下级）"},
    {"from", V_TIME, .title = "活动日期起（含）"},
    {"to", V_TIME, .title = "活动日期止（不含）"},
    {"q", V_STR, .max = 100, .title = "名称或组织者包含"},
};
static const vfield_t ACT_OUT[] = {
    {"id", V_ID},
    {"title", V_STR, .title = "活动名称"},
    {"type", V_ENUM, .choices = GRID_ACTIVITY_TYPES, .title = "活动类型"},
    {"held_at", V_TIME, .title = "活动日期"},
    {"site_id", V_ID},
    {"site_name", V_STR, .title = "阵地"},
    {"district_name", V_STR, .title = "区"},
    {"street_name", V_STR, .title = "街道"},
    {"organisers", V_STR, .title = "组织者"},
    {"org_names", V_STR, .title = "参与的包干组织"},
    {"orgs", V_ARRAY, .title = "参与的包干组织 [{org_id, name}]"},
    {"org_ids", V_ARRAY, .title = "参与的包干组织 id"},
    {"people_reached", V_INT, .title = "服务人数"},
    {"summary", V_STR, .title = "活动小结"},
    {"photo_file_ids", V_ARRAY, .title = "照片"},
    {"photo_urls", V_ARRAY, .title = "照片地址"},
    {"updated_at", V_TIME, .title = "更新时间"},
};

/* Every organisation of ids not in had is contracted to site now: 1; 0
 * with the reason naming the first that is not; -1 on a database error.
 * The rule of both the form and the import. */
static int contracted_why(db_conn_t *c, int64_t site, json_t *ids, json_t *had, char *why, size_t whylen)
{
    size_t i, j;
    json_t *p, *h;
    json_array_foreach(ids, i, p)
    {
        int64_t org = json_integer_value(p);
        bool old = false;
        json_array_foreach(had, j, h) old = old || json_integer_value(h) == org;
        if (old)
            continue;
        db_stmt_t *st =
            db_prepare(c, "SELECT o.name, (SELECT COUNT(*) FROM site_orgs b WHERE b.org_id = o.id "
                          "AND b.site_id = ? AND b.unbound_at IS NULL) FROM orgs o WHERE o.id = ?");
        if (!st)
            return -1;
        db_bind_int64(st, 1, site);
        db_bind_int64(st, 2, org);
        int rc = db_step(st);
        bool ok = rc == DB_ROW && db_col_int64(st, 1) > 0;
        if (rc == DB_ROW && !ok)
            snprintf(why, whylen, "「%s」没有包干到此阵地，不能作为参与组织", db_col_text(st, 0));
        else if (rc == DB_DONE)
            snprintf(why, whylen, "组织 #%lld 不存在或没有包干到此阵地", (long long)org);
        db_done(st);
        if (rc != DB_ROW && rc != DB_DONE)
            return -1;
        if (!ok)
            return 0;
    }
    return 1;
}

/* contracted_why answered: 422 not_contracted, or 500 */
static bool check_contracted(http_req_t *req, db_conn_t *c, int64_t site, json_t *ids, json_t *had)
{
    char why[512];
    int rc = contracted_why(c, site, ids, had, why, sizeof why);
    if (rc == 0)
        http_error(req, 422, "not_contracted", "%s", why);
    else if (rc < 0)
        http_db_error(req, c);
    return rc > 0;
}

static bool write_orgs(db_conn_t *c, int64_t id, json_t *ids)
{
    db_stmt_t *st = db_prepare(c, "DELETE FROM site_activity_orgs WHERE activity_id = ?");
    if (!st)
        return false;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    db_done(st);
    size_t i;
    json_t *p;
    json_array_foreach(ids, i, p)
    {
        if (rc != DB_DONE)
            break;
        st = db_prepare(c, "INSERT INTO site_activity_orgs (activity_id, org_id) VALUES (?, ?)");
        if (!st)
            return false;
        db_bind_int64(st, 1, id);
        db_bind_int64(st, 2, json_integer_value(p));
        rc = db_step(st);
        db_done(st);
    }
    return rc == DB_DONE;
}

/* Writes the activity of site (id 0: insert). The id, or -1 after
 * answering. */
static int64_t write_act(http_req_t *req, db_conn_t *c, int64_t id, int64_t site, json_t *b, json_t *before)
{
    json_t *orgs = grid_pick(b, before, "org_ids"), *photos = grid_pick(b, before, "photo_file_ids");
    if (jhas(b, "org_ids") &&
        !check_contracted(req, c, site, orgs, before ? json_object_get(before, "org_ids") : NULL))
        return -1;
    if (jhas(b, "photo_file_ids") &&
        !grid_claim_photos(req, c, photos, before ? json_object_get(before, "photo_file_ids") : NULL,
                           "site_activity"))
        return -1;
    int64_t held = 0;
    time_parse_iso8601(grid_pick_str(b, before, "held_at"), &held);
    char *ph = grid_dump_array(photos);
    int64_t now = time_now_ms(), out = -1;
    db_stmt_t *st;
    if (!id)
        st = db_prepare(
            c, "INSERT INTO site_activities (type, title, held_at, organisers, people_reached, "
               "summary, photos, site_id, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, "
               "?, ?, ?, ?, ?, ?) RETURNING id");
    else
        st = db_prepare(c, "UPDATE site_activities SET type = ?, title = ?, held_at = ?, organisers = ?, "
                           "people_reached = ?, summary = ?, photos = ?, updated_at = ? WHERE id = ? AND "
                           "deleted_at IS NULL");
    if (st) {
        db_bind_text(st, 1, grid_pick_str(b, before, "type"));
        db_bind_text(st, 2, grid_pick_str(b, before, "title"));
        db_bind_int64(st, 3, held);
        db_bind_text(st, 4, grid_pick_str(b, before, "organisers"));
        db_bind_int64(st, 5, json_integer_value(grid_pick(b, before, "people_reached")));
        db_bind_text(st, 6, grid_pick_str(b, before, "summary"));
        db_bind_text(st, 7, ph);
        if (!id) {
            db_bind_int64(st, 8, site);
            db_bind_id(st, 9, http_user_id(req));
            db_bind_int64(st, 10, now);
            db_bind_int64(st, 11, now);
            if (db_step(st) == DB_ROW)
                out = db_col_int64(st, 0);
        } else {
            db_bind_int64(st, 8, now);
            db_bind_int64(st, 9, id);
            if (db_step(st) == DB_DONE)
                out = id;
        }
    }
    db_done(st);
    free(ph);
    if (out > 0 && jhas(b, "org_ids") && !write_orgs(c, out, orgs))
        out = -1;
    if (out <= 0) {
        http_db_error(req, c);
        return -1;
    }
    return out;
}

/* ---- handlers ---- */

/* " AND o.path LIKE <org's path>%": the sites of org and below. */
static void org_subtree(qb_t *w, int64_t org)
{
    qb_sql(w, " AND o.path LIKE (SELECT x.path FROM orgs x WHERE x.id = ");
    qb_int(w, org);
    qb_sql(w, ") || '%'");
}

static void list_acts(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &SITE_ACTIVITIES, &w);
    const char *q = http_query(req, "q"), *type = http_query(req, "type"), *from = http_query(req, "from"),
               *to = http_query(req, "to");
    if (q) {
        static const char *const cols[] = {"a.title", "a.organisers"};
        qb_like_any(&w, cols, 2, q);
    }
    if (type) {
        qb_sql(&w, " AND a.type = ");
        qb_text(&w, type);
    }
    int64_t site = http_query_i64(req, "site_id", 0), org = http_query_i64(req, "org_id", 0), t;
    if (site) {
        qb_sql(&w, " AND a.site_id = ");
        qb_int(&w, site);
    }
    if (org)
        org_subtree(&w, org);
    if (from && time_parse_iso8601(from, &t)) {
        qb_sql(&w, " AND a.held_at >= ");
        qb_int(&w, t);
    }
    if (to && time_parse_iso8601(to, &t)) {
        qb_sql(&w, " AND a.held_at < ");
        qb_int(&w, t);
    }
    res_list_then(req, c, &SITE_ACTIVITIES, ACT_COLS, &w, "a.held_at DESC, a.id DESC", act_row, NULL,
                  add_orgs);
    qb_free(&w);
}

static void get_act(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    json_t *o = c ? load(req, c, id) : NULL;
    if (o)
        http_json(req, 200, json_incref(o));
}

/* The site of an activity is in the scope of site.write; else false after
 * answering 422. */
static bool site_in_scope(http_req_t *req, db_conn_t *c, int64_t site)
{
    qb_t w, q;
    res_from_as(req, &SITES, "site.write", &w);
    qb_init(&q, "SELECT s.org_id");
    qb_append(&q, &w);
    qb_free(&w);
    qb_sql(&q, " AND s.id = ");
    qb_int(&q, site);
    db_stmt_t *st = qb_prepare(c, &q);
    qb_free(&q);
    int rc = st ? db_step(st) : DB_ERROR;
    db_done(st);
    if (rc == DB_DONE)
        http_error_fields(req, json_pack("{s:s}", "site_id", "阵地不存在或不在您的管理范围内"));
    else if (rc != DB_ROW)
        http_db_error(req, c);
    return rc == DB_ROW;
}

static void create_act(http_req_t *req)
{
    json_t *b = http_json_body(req);
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    int64_t site = jint(b, "site_id", 0);
    if (!site_in_scope(req, c, site))
        return;
    int64_t id = write_act(req, c, 0, site, b, NULL);
    json_t *o = id > 0 ? load(req, c, id) : NULL;
    if (!o)
        return;
    audit_entry_t ae = {.target = id, .after = o};
    audit_reply(req, c, true, &ae, 201, json_incref(o));
}

static void patch_act(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = res_lock(req, c, &SITE_ACTIVITIES, id) == 0 ? load(req, c, id) : NULL;
    if (!before || write_act(req, c, id, jint(before, "site_id", 0), http_json_body(req), before) <= 0)
        return;
    json_t *after = load(req, c, id);
    if (!after)
        return;
    audit_entry_t ae = {.target = id, .before = before, .after = after};
    audit_reply(req, c, true, &ae, 200, json_incref(after));
}

static void delete_act(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = res_lock(req, c, &SITE_ACTIVITIES, id) == 0 ? load(req, c, id) : NULL;
    if (!before)
        return;
    int64_t now = time_now_ms();
    if (!grid_soft_delete(req, c, "site_activities", id, now, "活动已被删除"))
        return;
    audit_entry_t ae = {.target = id, .before = before};
    audit_reply(req, c, true, &ae, 204, NULL);
}

static void act_photo(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    json_t *o = c ? load(req, c, id) : NULL;
    if (o)
        grid_send_photo(req, c, o);
}

/* ---- coverage of the contracted organisations ---- */

static const vfield_t COV_QUERY[] = {
    {"site_id", V_ID, .title = "阵地"},
    {"org_id", V_ID, .title = "阵地所属区或街道（含下级）"},
    {"from", V_TIME, .title = "期间起（含）"},
    {"to", V_TIME, .title = "期间止（不含）"},
};
static const vfield_t COV_OUT[] = {
    {"org_id", V_ID},
    {"org_name", V_STR, .title = "包干组织"},
    {"site_id", V_ID},
    {"site_name", V_STR, .title = "阵地"},
    {"district_name", V_STR, .title = "区"},
    {"street_name", V_STR, .title = "街道"},
    {"activities", V_INT, .title = "参与活动次数"},
    {"last_held_at", V_TIME, .title = "最近一次参与"},
    {"took_part", V_BOOL, .title = "期间内参与过"},
};

/* The organisations now contracted to the sites in the scope (and the
 * filters), each with how many activities of its site it took part in
 * during [from, to) and the last one; those with none "never took part". */
static void coverage(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    int64_t from = 0, to = INT64_MAX, site = http_query_i64(req, "site_id", 0),
            org = http_query_i64(req, "org_id", 0);
    const char *f = http_query(req, "from"), *t = http_query(req, "to");
    if (f)
        time_parse_iso8601(f, &from);
    if (t)
        time_parse_iso8601(t, &to);
    qb_t w, q;
    res_from(req, &SITE_CONTRACTS, &w);
    qb_init(&q, "SELECT b.org_id, bo.name, s.id, s.name, " GRID_DISTRICT_NAME("o") ", " GRID_STREET_NAME(
                    "o") ", (SELECT COUNT(*) FROM site_activity_orgs ao JOIN site_activities a ON a.id = "
                         "ao.activity_id WHERE ao.org_id = b.org_id AND a.site_id = s.id AND a.deleted_at IS "
                         "NULL AND a.held_at >= ");
    qb_int(&q, from);
    qb_sql(&q, " AND a.held_at < ");
    qb_int(&q, to);
    qb_sql(&q, "), (SELECT MAX(a.held_at) FROM site_activity_orgs ao JOIN site_activities a ON a.id = "
               "ao.activity_id WHERE ao.org_id = b.org_id AND a.site_id = s.id AND a.deleted_at IS NULL AND "
               "a.held_at >= ");
    qb_int(&q, from);
    qb_sql(&q, " AND a.held_at < ");
    qb_int(&q, to);
    qb_sql(&q, ")");
    qb_append(&q, &w);
    qb_free(&w);
    if (site) {
        qb_sql(&q, " AND s.id = ");
        qb_int(&q, site);
    }
    if (org)
        org_subtree(&q, org);
    qb_sql(&q, " ORDER BY s.id, 7 DESC, b.org_id");
    db_stmt_t *st = qb_prepare(c, &q);
    qb_free(&q);
    if (!st) {
        http_db_error(req, c);
        return;
    }
    json_t *items = json_array();
    int64_t covered = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        int64_t n = db_col_int64(st, 6);
        covered += n > 0;
        json_array_append_new(
            items,
            json_pack("{s:I,s:o,s:I,s:o,s:o,s:o,s:I,s:o,s:b}", "org_id", (json_int_t)db_col_int64(st, 0),
                      "org_name", json_col_text(st, 1), "site_id", (json_int_t)db_col_int64(st, 2),
                      "site_name", json_col_text(st, 3), "district_name", json_col_text(st, 4), "street_name",
                      json_col_text(st, 5), "activities", (json_int_t)n, "last_held_at",
                      db_col_is_null(st, 7) ? json_null() : json_time(db_col_int64(st, 7)), "took_part",
                      n > 0));
    }
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(items);
        http_db_error(req, c);
        return;
    }
    if (res_export_wanted(req)) {
        res_export(req, c, &SITE_CONTRACTS, http_defer_json(req, items));
        return;
    }
    size_t total = json_array_size(items);
    http_json(req, 200,
              json_pack("{s:o,s:I,s:I,s:I,s:f}", "items", items, "total", (json_int_t)total, "covered",
                        (json_int_t)covered, "never", (json_int_t)(total - (size_t)covered), "rate",
                        total ? (double)covered / (double)total : 0.0));
}

/* ---- import from a workbook (POST /site-activities/import) ---- */

/* The columns of the import sheet, matched by header text (the template's).
 * The site by its code (external id) or its name, the organisations by code
 * or name, separated by 、 , ， ； or spaces. */
enum {
    ACOL_SITE,
    ACOL_TYPE,
    ACOL_TITLE,
    ACOL_DATE,
    ACOL_ORGANISERS,
    ACOL_ORGS,
    ACOL_PEOPLE,
    ACOL_SUMMARY,
    ANCOLS
};
static const char *const AHEADERS[ANCOLS] = {"阵地",   "活动类型",       "活动名称", "活动日期",
                                             "组织者", "参与的包干组织", "服务人数", "活动小结"};
static const char *const AKEYS[ANCOLS] = {"site",       "type", "title",          "held_at",
                                          "organisers", "orgs", "people_reached", "summary"};
#define ACT_IMPORT_MAX_ROWS 1000
#define ACT_IMPORT_MAX_BODY (5u << 20)

typedef struct {
    int col[ANCOLS];
    bool have_header;
    json_t *rows;   /* [{row, site, type, ...}] as text */
    json_t *errors; /* [{row, message}] */
} aimport_t;

static void aerror(json_t *errors, size_t row, const char *msg)
{
    json_array_append_new(errors, json_pack("{s:I,s:s}", "row", (json_int_t)row, "message", msg));
}

static int aread_row(void *ud, size_t row, const char *const *cells, size_t ncells)
{
    aimport_t *im = ud;
    if (!im->have_header) {
        im->have_header = true;
        xlsx_header_cols(AHEADERS, ANCOLS, cells, ncells, im->col);
        for (int k = 0; k <= ACOL_ORGANISERS; k++)
            if (im->col[k] < 0) {
                aerror(im->errors, row,
                       "表头不符：须有“阵地”“活动类型”“活动名称”“活动日期”“组织者”列，请使用下载的模板");
                return 1;
            }
        return 0;
    }
    json_t *r = json_pack("{s:I}", "row", (json_int_t)row);
    bool any = false;
    for (int k = 0; k < ANCOLS; k++) {
        const char *v = im->col[k] >= 0 && (size_t)im->col[k] < ncells ? cells[im->col[k]] : NULL;
        while (v && *v == ' ')
            v++;
        if (v && *v) {
            json_object_set_new(r, AKEYS[k], json_string(v));
            any = true;
        }
    }
    if (any)
        json_array_append_new(im->rows, r);
    else
        json_decref(r);
    if (json_array_size(im->rows) > ACT_IMPORT_MAX_ROWS) {
        aerror(im->errors, row, "一次最多导入 1000 条活动，请分批导入");
        return 1;
    }
    return 0;
}

/* The site named by code or name in the scope of site.write: its id; 0
 * with why; -1 on a database error. */
static int64_t import_site(http_req_t *req, db_conn_t *c, const char *name, const char **why)
{
    qb_t w, q;
    res_from_as(req, &SITES, "site.write", &w);
    qb_init(&q, "SELECT s.id, CASE WHEN s.external_id = ");
    qb_text(&q, name);
    qb_sql(&q, " THEN 1 ELSE 0 END");
    qb_append(&q, &w);
    qb_free(&w);
    qb_sql(&q, " AND (s.external_id = ");
    qb_text(&q, name);
    qb_sql(&q, " OR s.name = ");
    qb_text(&q, name);
    qb_sql(&q, ") ORDER BY 2 DESC, s.id LIMIT 2");
    db_stmt_t *st = qb_prepare(c, &q);
    qb_free(&q);
    int rc = st ? db_step(st) : DB_ERROR, rc2 = DB_DONE;
    int64_t id = 0;
    bool by_code = false;
    if (rc == DB_ROW) {
        id = db_col_int64(st, 0);
        by_code = db_col_int64(st, 1) == 1;
        rc2 = db_step(st);
    }
    db_done(st);
    if ((rc != DB_ROW && rc != DB_DONE) || (rc2 != DB_ROW && rc2 != DB_DONE))
        return -1;
    if (!id)
        *why = http_printf(req, "阵地：“%s”不存在或不在您的管理范围内", name);
    else if (!by_code && rc2 == DB_ROW) {
        *why = http_printf(req, "阵地：名为“%s”的阵地不止一个，请填写阵地编码", name);
        id = 0;
    }
    return id;
}

/* "陆家嘴街道第一党委、SH-PD-01-B" → organisation ids (by code, else by name);
 * NULL with why for one that does not exist or is not unique; *dberr on a
 * database error. */
static json_t *import_orgs(http_req_t *req, db_conn_t *c, const char *text, const char **why, bool *dberr)
{
    json_t *out = json_array();
    char *s = strdup(text), *save = NULL;
    static const char *const SEPS[] = {"、", "，", "；", "　"};
    for (size_t i = 0; i < sizeof SEPS / sizeof SEPS[0]; i++)
        for (char *p; (p = strstr(s, SEPS[i]));)
            memset(p, ',', strlen(SEPS[i]));
    for (char *tok = strtok_r(s, ",; ", &save); tok && !*why; tok = strtok_r(NULL, ",; ", &save)) {
        db_stmt_t *st =
            db_prepare(c, "SELECT id FROM orgs WHERE deleted_at IS NULL AND (code = ? OR name = ?) "
                          "ORDER BY CASE WHEN code = ? THEN 0 ELSE 1 END, id LIMIT 2");
        int rc = DB_ERROR, rc2 = DB_DONE;
        int64_t id = 0;
        if (st) {
            db_bind_text(st, 1, tok);
            db_bind_text(st, 2, tok);
            db_bind_text(st, 3, tok);
            rc = db_step(st);
            if (rc == DB_ROW) {
                id = db_col_int64(st, 0);
                rc2 = db_step(st);
            }
        }
        db_done(st);
        if ((rc != DB_ROW && rc != DB_DONE) || (rc2 != DB_ROW && rc2 != DB_DONE)) {
            *dberr = true;
            break;
        }
        if (!id)
            *why = http_printf(req, "参与的包干组织：组织“%s”不存在", tok);
        else
            json_array_append_new(out, json_integer(id));
        (void)rc2; /* a name shared by several: the first by id; a code is unique */
    }
    free(s);
    if (*why || *dberr) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* the reason a value breaks its field's rule in 登记阵地活动, prefixed with the column */
static const char *act_field_why(http_req_t *req, const char *field, const char *column, json_t *v)
{
    for (size_t i = 0; i < VN(ACT_NEW); i++)
        if (!strcmp(ACT_NEW[i].name, field)) {
            const char *why = valid_value(&ACT_NEW[i], v);
            return why ? http_printf(req, "%s：%s", column, why) : NULL;
        }
    return NULL;
}

/* One row of the sheet as the body of POST /site-activities, checked by the
 * same rules; NULL with why. Sets *site. */
static json_t *import_body(http_req_t *req, db_conn_t *c, json_t *r, int64_t *site, const char **why,
                           bool *dberr)
{
    *why = NULL;
    for (int k = 0; k <= ACOL_ORGANISERS; k++)
        if (!jstr(r, AKEYS[k])) {
            *why = http_printf(req, "%s：必填", AHEADERS[k]);
            return NULL;
        }
    *site = import_site(req, c, jstr(r, "site"), why);
    if (*site < 0)
        *dberr = true;
    if (*site <= 0)
        return NULL;
    json_t *b = http_defer_json(req, json_pack("{s:I}", "site_id", (json_int_t)*site));
    /* the type by its label (政治活动, or 政治) or its code */
    const char *t = jstr(r, "type"), *type = NULL;
    for (const zd_label_t *l = GRID_ACTIVITY_TYPE; l->value && !type; l++)
        if (!strcmp(t, l->value) || !strcmp(t, l->label) ||
            (!strncmp(l->label, t, strlen(t)) && strlen(t) >= 6))
            type = l->value;
    json_object_set_new(b, "type", json_string(type ? type : t));
    json_object_set_new(b, "title", json_string(jstr(r, "title")));
    char day[11];
    if (!xlsx_date(jstr(r, "held_at"), day)) {
        *why = http_printf(req, "活动日期：无法识别“%s”，请写成 2026-12-05、2026/12/5 或日期格式的单元格",
                           jstr(r, "held_at"));
        return NULL;
    }
    json_object_set_new(b, "held_at", json_string(day));
    json_object_set_new(b, "organisers", json_string(jstr(r, "organisers")));
    if (jstr(r, "people_reached")) {
        char *end;
        const char *pr = jstr(r, "people_reached");
        double n = strtod(pr, &end);
        if (end == pr || *end || n != (double)(long long)n) {
            *why = http_printf(req, "服务人数：须为整数，而不是“%s”", pr);
            return NULL;
        }
        json_object_set_new(b, "people_reached", json_integer((json_int_t)n));
    }
    if (jstr(r, "summary"))
        json_object_set_new(b, "summary", json_string(jstr(r, "summary")));
    if (jstr(r, "orgs")) {
        json_t *ids = import_orgs(req, c, jstr(r, "orgs"), why, dberr);
        if (!ids)
            return NULL;
        json_object_set_new(b, "org_ids", ids);
    }
    static const char *const CHECKS[][2] = {{"type", "活动类型"},           {"title", "活动名称"},
                                            {"held_at", "活动日期"},        {"organisers", "组织者"},
                                            {"people_reached", "服务人数"}, {"summary", "活动小结"},
                                            {"org_ids", "参与的包干组织"}};
    for (size_t k = 0; k < sizeof CHECKS / sizeof CHECKS[0] && !*why; k++) {
        json_t *v = json_object_get(b, CHECKS[k][0]);
        if (v)
            *why = act_field_why(req, CHECKS[k][0], CHECKS[k][1], v);
    }
    if (*why)
        return NULL;
    char cwhy[512];
    int crc = json_object_get(b, "org_ids")
                  ? contracted_why(c, *site, json_object_get(b, "org_ids"), NULL, cwhy, sizeof cwhy)
                  : 1;
    if (crc < 0)
        *dberr = true;
    else if (crc == 0)
        *why = http_printf(req, "参与的包干组织：%s", cwhy);
    return crc > 0 ? b : NULL;
}

/* Activities from an .xlsx in the template's layout: every row checked as
 * 登记阵地活动 checks its body (the site in the caller's scope of
 * site.write, the organisations contracted to it), then all recorded in one
 * transaction, each audited, or none: 422 import_rejected with every row's
 * reason in Chinese. */
static void import_acts(http_req_t *req)
{
    size_t len;
    const char *body = http_xlsx_body(req, &len);
    if (!body)
        return;
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    aimport_t im = {.rows = http_defer_json(req, json_array()), .errors = http_defer_json(req, json_array())};
    char err[256];
    xlsx_limits_t lim = {.max_rows = ACT_IMPORT_MAX_ROWS + 100, .max_member = 64u << 20};
    if (xlsx_read(body, len, &lim, aread_row, &im, err, sizeof err) < 0) {
        http_error(req, 422, "invalid_file", "无法读取表格：%s", err);
        return;
    }
    if (!json_array_size(im.errors) && !json_array_size(im.rows))
        aerror(im.errors, 2, "表格中没有活动");
    json_t *created = http_defer_json(req, json_array());
    if (!json_array_size(im.errors) && !http_begin(req, c))
        return;
    size_t i;
    json_t *r;
    json_t *todo = json_array_size(im.errors) ? NULL : im.rows;
    json_array_foreach(todo, i, r)
    {
        size_t row = (size_t)jint(r, "row", 0);
        const char *why = NULL;
        bool dberr = false;
        int64_t site = 0;
        json_t *b = import_body(req, c, r, &site, &why, &dberr);
        if (dberr) {
            http_db_error(req, c);
            return;
        }
        if (!b) {
            aerror(im.errors, row, why);
            continue;
        }
        if (json_array_size(im.errors))
            continue; /* checked only: nothing will be written */
        int64_t id = write_act(req, c, 0, site, b, NULL);
        json_t *o = id > 0 ? load(req, c, id) : NULL;
        if (!o)
            return;
        audit_entry_t ae = {.action = "site_activity.create",
                            .target_type = "site_activity",
                            .target = id,
                            .after = o,
                            .detail = "表格导入"};
        if (audit_write(c, req, &ae) != 0) {
            http_db_error(req, c);
            return;
        }
        json_array_append_new(created, json_pack("{s:I,s:I,s:s}", "row", (json_int_t)row, "id",
                                                 (json_int_t)id, "title", jstr(o, "title")));
    }
    if (json_array_size(im.errors)) {
        db_rollback(c);
        json_t *e = json_pack("{s:s,s:s,s:O}", "code", "import_rejected", "message",
                              "表格中有错误，未导入任何活动，请修改后重新导入", "errors", im.errors);
        http_json(req, 422, json_pack("{s:o}", "error", e));
        return;
    }
    audit_entry_t ae = {.target_type = "site_activity",
                        .detail = http_printf(req, "表格导入 %zu 条阵地活动", json_array_size(created))};
    json_t *o =
        json_pack("{s:I,s:O}", "created", (json_int_t)json_array_size(created), "activities", created);
    audit_reply(req, c, true, &ae, 200, o);
}

/* The import template: the columns and one example row. */
static void act_import_template(http_req_t *req)
{
    json_t *header = json_array(),
           *rows = json_pack("[[ssssssss]]", "陆家嘴金融城党建服务中心", "政治活动", "主题党日", "2026-12-05",
                             "陆家嘴街道党工委", "SH-PD-01-C、SH-PD-01-B", "40", "学习全会精神");
    for (int k = 0; k < ANCOLS; k++)
        json_array_append_new(header, json_string(AHEADERS[k]));
    http_send_xlsx(req, "阵地活动导入模板.xlsx", "阵地活动", header, rows);
    json_decref(header);
    json_decref(rows);
}

// clang-format off
static const http_route_t routes[] = {
    {.method = "POST", .pattern = "/api/v1/site-activities/import", .handler = import_acts, .perm = "site.write",
     .flags = HTTP_BODY_RAW, .max_body = ACT_IMPORT_MAX_BODY, .summary = "导入阵地活动（.xlsx）",
     .audit = "site_activity.import", .resource = &SITE_ACTIVITIES,
     .notes = "body: the workbook (template: GET /site-activities/import-template; columns 阵地 (code or name) 活动类型 "
       "(label) 活动名称 活动日期 (2026-12-05, 2026/12/5, 2026年12月5日 or a date cell) 组织者 参与的包干组织 (codes or "
       "names, separated by 、) 服务人数 活动小结). Each row checked as POST /site-activities. All or nothing: 200 "
       "{created, activities:[{row,id,title}]}, or 422 import_rejected {errors:[{row,message}]}; at most 1000 rows "
       "and 5 MB; 415 for anything but .xlsx"},
    {.method = "GET", .pattern = "/api/v1/site-activities/import-template", .handler = act_import_template,
     .perm = "site.write", .flags = HTTP_DOWNLOAD, .summary = "阵地活动导入模板（.xlsx）"},
    {.method = "GET", .pattern = "/api/v1/site-activities", .handler = list_acts, .perm = "site.read",
     .flags = HTTP_LIST | HTTP_EXPORT, .summary = "阵地活动列表", .resource = &SITE_ACTIVITIES,
     HTTP_QUERY(ACT_QUERY), HTTP_OUT(ACT_OUT)},
    {.method = "GET", .pattern = "/api/v1/site-activities/coverage", .handler = coverage, .perm = "site.read",
     .flags = HTTP_EXPORT, .summary = "包干组织参与情况（统计清单）", .resource = &SITE_CONTRACTS,
     HTTP_QUERY(COV_QUERY), HTTP_OUT(COV_OUT),
     .notes = "every organisation now contracted to a site in the scope, with the activities of that site it took "
              "part in during [from, to); answers total, covered, never and rate beside the items; "
              "?format=xlsx: the participation list"},
    {.method = "POST", .pattern = "/api/v1/site-activities", .handler = create_act, .perm = "site.write",
     .summary = "登记阵地活动", .audit = "site_activity.create", .resource = &SITE_ACTIVITIES, HTTP_BODY(ACT_NEW),
     HTTP_OUT(ACT_OUT), .status = 201,
     .example = "{\"site_id\":1,\"type\":\"service\",\"title\":\"契约活动{n}\",\"held_at\":\"2026-11-20\","
                "\"organisers\":\"街道党工委\",\"people_reached\":30}",
     .notes = "site_id in the caller's scope (else 422); org_ids only organisations contracted to that site "
              "(422 not_contracted naming the first that is not)"},
    {.method = "GET", .pattern = "/api/v1/site-activities/{id}", .handler = get_act, .perm = "site.read",
     .summary = "阵地活动详情", .resource = &SITE_ACTIVITIES, HTTP_OUT(ACT_OUT)},
    {.method = "GET", .pattern = "/api/v1/site-activities/{id}/photos/{file_id}", .handler = act_photo,
     .perm = "site.read", .flags = HTTP_DOWNLOAD, .summary = "阵地活动照片", .resource = &SITE_ACTIVITIES},
    {.method = "PATCH", .pattern = "/api/v1/site-activities/{id}", .handler = patch_act, .perm = "site.write",
     .summary = "修改阵地活动", .audit = "site_activity.update", .resource = &SITE_ACTIVITIES,
     HTTP_BODY(ACT_PATCH), HTTP_OUT(ACT_OUT), .example = "{\"people_reached\":45}",
     .notes = "the site does not change; organisations already listed may stay after their contract ended"},
    {.method = "DELETE", .pattern = "/api/v1/site-activities/{id}", .handler = delete_act, .perm = "site.write",
     .summary = "删除阵地活动", .audit = "site_activity.delete", .resource = &SITE_ACTIVITIES, .status = 204,
     .notes = "soft"},
};
// clang-format on

int grid_activity_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
