/* contracts_api.c — contracting (包干): new-sector party organisations (from
 * the organisation tree, sector 新兴领域) bound to a service site, one site
 * per organisation at a time; service commissioners (党建服务专员) with
 * their category, kept by a district or street and bound to sites. Every
 * bind and unbind is audited; unbinding keeps the history. Statistics by
 * district, street and category. */
#include "core/str.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/grid/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NEW_SECTOR "新兴领域"

static const res_sort_t COMM_SORTS[] = {{"id", "c.id"},
                                        {"name", "c.name"},
                                        {"category", "c.category"},
                                        {"updated_at", "c.updated_at"},
                                        {NULL, NULL}};
const zd_resource_t COMMISSIONERS = {.name = "commissioner",
                                     .title = "党建服务专员",
                                     .table = "commissioners",
                                     .alias = "c",
                                     .from = "commissioners c JOIN orgs o ON o.id = c.org_id",
                                     .where = "c.deleted_at IS NULL",
                                     .org_col = "c.org_id",
                                     .creator_col = "c.created_by",
                                     .perm = "site.read",
                                     .sorts = COMM_SORTS};

const char *const GRID_COMMISSIONER_CATEGORIES[] = {"fulltime", "parttime", "volunteer", "other", NULL};

#define COMM_COLS                                                                                            \
    "c.id, c.org_id, o.name, c.name, c.phone, c.category, c.note, c.created_at, c.updated_at, "              \
    "(SELECT COUNT(*) FROM site_commissioners x JOIN sites s ON s.id = x.site_id WHERE x.commissioner_id "   \
    "= c.id AND x.unbound_at IS NULL AND s.deleted_at IS NULL)"

static json_t *comm_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return json_pack("{s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I}", "id", (json_int_t)db_col_int64(st, 0),
                     "org_id", (json_int_t)db_col_int64(st, 1), "org_name", json_col_text(st, 2), "name",
                     json_col_text(st, 3), "phone", json_col_text(st, 4), "category", json_col_text(st, 5),
                     "note", json_col_text(st, 6), "created_at", json_time(db_col_int64(st, 7)), "updated_at",
                     json_time(db_col_int64(st, 8)), "sites", (json_int_t)db_col_int64(st, 9));
}

static json_t *load_comm(http_req_t *req, db_conn_t *c, int64_t id)
{
    return http_defer_json(req, res_load(req, c, &COMMISSIONERS, COMM_COLS, id, comm_row, NULL, RES_PLAIN));
}

static const vfield_t COMM_NEW[] = {
    {"name", V_STR, true, 1, 50, .title = "姓名"},
    {"category", V_ENUM, true, .choices = GRID_COMMISSIONER_CATEGORIES, .title = "类别"},
    {"org_id", V_ID, true, .title = "所属区或街道"},
    {"phone", V_STR, false, 0, 30, .title = "电话"},
    {"note", V_TEXT, false, 0, 500, .title = "备注"},
};
static const vfield_t COMM_PATCH[] = {
    {"name", V_STR, false, 1, 50, .title = "姓名"},
    {"category", V_ENUM, false, .choices = GRID_COMMISSIONER_CATEGORIES, .title = "类别"},
    {"phone", V_STR, false, 0, 30, .title = "电话"},
    {"note", V_TEXT, false, 0, 500, .title = "备注"},
};
static const vfield_t COMM_QUERY[] = {
    {"q", V_STR, .max = 50, .title = "姓名或电话包含"},
    {"category", V_ENUM, .choices = GRID_COMMISSIONER_CATEGORIES, .title = "类别"},
};
static const vfield_t COMM_OUT[] = {
    {"id", V_ID},
    {"name", V_STR, .title = "姓名"},
    {"category", V_ENUM, .choices = GRID_COMMISSIONER_CATEGORIES, .title = "类别"},
    {"phone", V_STR, .title = "电话"},
    {"org_id", V_ID},
    {"org_name", V_STR, .title = "所属组织"},
    {"sites", V_INT, .title = "服务阵地数"},
    {"note", V_STR, .title = "备注"},
    {"updated_at", V_TIME, .title = "更新时间"},
};
static const vfield_t BIND_ORG[] = {{"org_id", V_ID, true, .title = "新兴领域党组织"}};
static const vfield_t BIND_COMM[] = {{"commissioner_id", V_ID, true, .title = "党建服务专员"}};
static const char *const STATS_BY[] = {"district", "street", "category", NULL};
static const vfield_t STATS_QUERY[] = {
    {"by", V_ENUM, true, .choices = STATS_BY, .title = "按区、街道或专员类别"}};
static const vfield_t STATS_OUT[] = {
    {"by", V_ENUM, .choices = STATS_BY, .title = "分组"},
    {"items", V_ARRAY,
     .title = "各组：name，按区或街道时 sites（阵地）、orgs（包干组织）、commissioners（专员）；按类别时 "
              "commissioners、serving（在阵地服务的）"},
};
static const vfield_t CONTRACTS_OUT[] = {
    {"orgs", V_ARRAY, .title = "包干的新兴领域党组织"},
    {"commissioners", V_ARRAY, .title = "绑定的党建服务专员"},
};

/* ---- commissioners ---- */

static void list_comms(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &COMMISSIONERS, &w);
    const char *q = http_query(req, "q"), *cat = http_query(req, "category");
    if (q) {
        static const char *const cols[] = {"c.name", "c.phone"};
        qb_like_any(&w, cols, 2, q);
    }
    if (cat) {
        qb_sql(&w, " AND c.category = ");
        qb_text(&w, cat);
    }
    res_list(req, c, &COMMISSIONERS, COMM_COLS, &w, "c.id DESC", comm_row, NULL);
    qb_free(&w);
}

static void get_comm(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *o = load_comm(req, c, id);
    if (o)
        http_json(req, 200, json_incref(o));
}

static void create_comm(http_req_t *req)
{
    json_t *b = http_json_body(req);
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    int64_t org = jint(b, "org_id", 0);
    if (!auth_org_in_scope(req, c, org)) {
        http_error_fields(req, json_pack("{s:s}", "org_id", "组织不存在或不在您的管理范围内"));
        return;
    }
    int64_t now = time_now_ms(), id = 0;
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO commissioners (org_id, name, phone, category, note, created_by, "
                      "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (st) {
        db_bind_int64(st, 1, org);
        db_bind_text(st, 2, jstr(b, "name"));
        db_bind_text(st, 3, grid_pick_str(b, NULL, "phone"));
        db_bind_text(st, 4, jstr(b, "category"));
        db_bind_text(st, 5, grid_pick_str(b, NULL, "note"));
        db_bind_id(st, 6, http_user_id(req));
        db_bind_int64(st, 7, now);
        db_bind_int64(st, 8, now);
        if (db_step(st) == DB_ROW)
            id = db_col_int64(st, 0);
    }
    db_done(st);
    if (id <= 0) {
        http_db_error(req, c);
        return;
    }
    json_t *o = load_comm(req, c, id);
    if (!o)
        return;
    audit_entry_t ae = {.target = id, .after = o};
    audit_reply(req, c, true, &ae, 201, json_incref(o));
}

static void patch_comm(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *b = http_json_body(req);
    json_t *before = res_lock(req, c, &COMMISSIONERS, id) == 0 ? load_comm(req, c, id) : NULL;
    if (!before)
        return;
    qb_t q;
    qb_init(&q, "UPDATE commissioners SET name = ");
    qb_text(&q, grid_pick_str(b, before, "name"));
    qb_sql(&q, ", phone = ");
    qb_text(&q, grid_pick_str(b, before, "phone"));
    qb_sql(&q, ", category = ");
    qb_text(&q, grid_pick_str(b, before, "category"));
    qb_sql(&q, ", note = ");
    qb_text(&q, grid_pick_str(b, before, "note"));
    qb_sql(&q, ", updated_at = ");
    qb_int(&q, time_now_ms());
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND deleted_at IS NULL");
    if (!res_transition(req, c, &q, "专员已被删除"))
        return;
    json_t *after = load_comm(req, c, id);
    if (!after)
        return;
    audit_entry_t ae = {.target = id, .before = before, .after = after};
    audit_reply(req, c, true, &ae, 200, json_incref(after));
}

static bool exec_ids(db_conn_t *c, const char *sql, int64_t a, int64_t b, int64_t d)
{
    db_stmt_t *st = db_prepare(c, sql);
    if (!st)
        return false;
    db_bind_int64(st, 1, a);
    db_bind_int64(st, 2, b);
    if (d)
        db_bind_int64(st, 3, d);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE;
}

static void delete_comm(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = res_lock(req, c, &COMMISSIONERS, id) == 0 ? load_comm(req, c, id) : NULL;
    if (!before)
        return;
    int64_t now = time_now_ms();
    /* their bindings end with them */
    if (!exec_ids(
            c,
            "UPDATE site_commissioners SET unbound_at = ?, unbound_by = ? WHERE commissioner_id = ? AND "
            "unbound_at IS NULL",
            now, http_user_id(req), id)) {
        http_db_error(req, c);
        return;
    }
    if (!grid_soft_delete(req, c, "commissioners", id, now, "专员已被删除"))
        return;
    audit_entry_t ae = {.target = id, .before = before};
    audit_reply(req, c, true, &ae, 204, NULL);
}

/* ---- a site's contracts ---- */

static json_t *contracts_json(db_conn_t *c, int64_t site)
{
    db_stmt_t *st =
        db_prepare(c, "SELECT o.id, o.name, o.code, o.type, b.bound_at FROM site_orgs b JOIN orgs o "
                      "ON o.id = b.org_id WHERE b.site_id = ? AND b.unbound_at IS NULL ORDER BY b.id");
    if (!st)
        return NULL;
    db_bind_int64(st, 1, site);
    json_t *orgs = json_array(), *comms = json_array();
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        json_array_append_new(orgs,
                              json_pack("{s:I,s:o,s:o,s:o,s:o}", "org_id", (json_int_t)db_col_int64(st, 0),
                                        "name", json_col_text(st, 1), "code", json_col_text(st, 2), "type",
                                        json_col_text(st, 3), "bound_at", json_time(db_col_int64(st, 4))));
    db_done(st);
    if (rc != DB_DONE)
        goto fail;
    st = db_prepare(
        c, "SELECT m.id, m.name, m.category, m.phone, b.bound_at FROM site_commissioners b JOIN "
           "commissioners m ON m.id = b.commissioner_id WHERE b.site_id = ? AND b.unbound_at IS NULL "
           "AND m.deleted_at IS NULL ORDER BY b.id");
    if (!st)
        goto fail;
    db_bind_int64(st, 1, site);
    while ((rc = db_step(st)) == DB_ROW)
        json_array_append_new(
            comms, json_pack("{s:I,s:o,s:o,s:o,s:o}", "commissioner_id", (json_int_t)db_col_int64(st, 0),
                             "name", json_col_text(st, 1), "category", json_col_text(st, 2), "phone",
                             json_col_text(st, 3), "bound_at", json_time(db_col_int64(st, 4))));
    db_done(st);
    if (rc != DB_DONE)
        goto fail;
    return json_pack("{s:o,s:o}", "orgs", orgs, "commissioners", comms);
fail:
    json_decref(orgs);
    json_decref(comms);
    return NULL;
}

static void get_contracts(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c || !res_visible(req, c, &SITES, id))
        return;
    json_t *o = contracts_json(c, id);
    if (!o) {
        http_db_error(req, c);
        return;
    }
    http_json(req, 200, o);
}

/* After a bind or unbind: the contracts, audited with the detail, answered. */
static void reply_contracts(http_req_t *req, db_conn_t *c, int64_t site, const char *detail)
{
    json_t *o = contracts_json(c, site);
    audit_entry_t ae = {.target = site, .detail = detail, .after = o};
    audit_reply(req, c, o != NULL, &ae, 200, o);
}

static void bind_org(http_req_t *req)
{
    int64_t site;
    db_conn_t *c = http_db_change(req, &site);
    if (!c || !res_visible(req, c, &SITES, site))
        return;
    int64_t org = jint(http_json_body(req), "org_id", 0);
    db_stmt_t *st = db_prepare(c, "SELECT name, sector FROM orgs WHERE id = ? AND status = 'active'");
    if (!st) {
        http_db_error(req, c);
        return;
    }
    db_bind_int64(st, 1, org);
    int rc = db_step(st);
    char name[400] = "";
    bool sector = false;
    if (rc == DB_ROW) {
        str_lcpy(name, db_col_text(st, 0), sizeof name);
        sector = db_col_text(st, 1) && !strcmp(db_col_text(st, 1), NEW_SECTOR);
    }
    db_done(st);
    if (rc != DB_ROW && rc != DB_DONE) {
        http_db_error(req, c);
        return;
    }
    if (rc == DB_DONE || !auth_org_in_scope(req, c, org)) {
        http_error_fields(req, json_pack("{s:s}", "org_id", "组织不存在或不在您的管理范围内"));
        return;
    }
    if (!sector) {
        http_error_fields(req, json_pack("{s:s}", "org_id", "只能包干新兴领域党组织"));
        return;
    }
    st = db_prepare(c,
                    "SELECT s.name FROM site_orgs b JOIN sites s ON s.id = b.site_id WHERE b.org_id = ? AND "
                    "b.unbound_at IS NULL");
    if (!st) {
        http_db_error(req, c);
        return;
    }
    db_bind_int64(st, 1, org);
    rc = db_step(st);
    if (rc == DB_ROW)
        http_error(req, 409, "org_contracted", "「%s」已包干到阵地「%s」，请先解除", name,
                   db_col_text(st, 0));
    db_done(st);
    if (rc != DB_DONE) {
        if (rc != DB_ROW)
            http_db_error(req, c);
        return;
    }
    st = db_prepare(c, "INSERT INTO site_orgs (site_id, org_id, bound_by, bound_at) VALUES (?, ?, ?, ?)");
    rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, site);
        db_bind_int64(st, 2, org);
        db_bind_id(st, 3, http_user_id(req));
        db_bind_int64(st, 4, time_now_ms());
        rc = db_step(st);
    }
    db_done(st);
    if (rc != DB_DONE) {
        http_db_error(req, c);
        return;
    }
    char detail[512];
    snprintf(detail, sizeof detail, "包干组织：%s", name);
    reply_contracts(req, c, site, detail);
}

static void unbind_org(http_req_t *req)
{
    int64_t site, org;
    db_conn_t *c = http_db_change(req, &site);
    if (!c || !res_visible(req, c, &SITES, site))
        return;
    if (!http_param_id(req, "org_id", &org)) {
        http_error(req, 404, "not_found", "该组织未包干到此阵地");
        return;
    }
    qb_t q;
    qb_init(&q, "UPDATE site_orgs SET unbound_at = ");
    qb_int(&q, time_now_ms());
    qb_sql(&q, ", unbound_by = ");
    qb_int(&q, http_user_id(req));
    qb_sql(&q, " WHERE site_id = ");
    qb_int(&q, site);
    qb_sql(&q, " AND org_id = ");
    qb_int(&q, org);
    qb_sql(&q, " AND unbound_at IS NULL");
    if (!res_transition(req, c, &q, "该组织未包干到此阵地"))
        return;
    char detail[64];
    snprintf(detail, sizeof detail, "解除包干组织 #%lld", (long long)org);
    reply_contracts(req, c, site, detail);
}

static void bind_comm(http_req_t *req)
{
    int64_t site;
    db_conn_t *c = http_db_change(req, &site);
    if (!c || !res_visible(req, c, &SITES, site))
        return;
    int64_t comm = jint(http_json_body(req), "commissioner_id", 0);
    bool dberr = false;
    json_t *m = http_defer_json(
        req, res_find(req, c, &COMMISSIONERS, COMM_COLS, comm, comm_row, NULL, RES_PLAIN, &dberr));
    if (!m) {
        if (dberr)
            http_db_error(req, c);
        else
            http_error_fields(req, json_pack("{s:s}", "commissioner_id", "专员不存在或不在您的管理范围内"));
        return;
    }
    db_stmt_t *st =
        db_prepare(c, "SELECT COUNT(*) FROM site_commissioners WHERE site_id = ? AND commissioner_id = ? "
                      "AND unbound_at IS NULL");
    int rc = DB_ERROR;
    int64_t n = 0;
    if (st) {
        db_bind_int64(st, 1, site);
        db_bind_int64(st, 2, comm);
        if ((rc = db_step(st)) == DB_ROW)
            n = db_col_int64(st, 0);
    }
    db_done(st);
    if (rc != DB_ROW) {
        http_db_error(req, c);
        return;
    }
    if (n) {
        http_error(req, 409, "already_bound", "专员「%s」已绑定此阵地", jstr(m, "name"));
        return;
    }
    st = db_prepare(
        c, "INSERT INTO site_commissioners (site_id, commissioner_id, bound_by, bound_at) VALUES (?, ?, "
           "?, ?)");
    rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, site);
        db_bind_int64(st, 2, comm);
        db_bind_id(st, 3, http_user_id(req));
        db_bind_int64(st, 4, time_now_ms());
        rc = db_step(st);
    }
    db_done(st);
    if (rc != DB_DONE) {
        http_db_error(req, c);
        return;
    }
    char detail[256];
    snprintf(detail, sizeof detail, "绑定专员：%s", jstr(m, "name"));
    reply_contracts(req, c, site, detail);
}

static void unbind_comm(http_req_t *req)
{
    int64_t site, comm;
    db_conn_t *c = http_db_change(req, &site);
    if (!c || !res_visible(req, c, &SITES, site))
        return;
    if (!http_param_id(req, "commissioner_id", &comm)) {
        http_error(req, 404, "not_found", "该专员未绑定此阵地");
        return;
    }
    qb_t q;
    qb_init(&q, "UPDATE site_commissioners SET unbound_at = ");
    qb_int(&q, time_now_ms());
    qb_sql(&q, ", unbound_by = ");
    qb_int(&q, http_user_id(req));
    qb_sql(&q, " WHERE site_id = ");
    qb_int(&q, site);
    qb_sql(&q, " AND commissioner_id = ");
    qb_int(&q, comm);
    qb_sql(&q, " AND unbound_at IS NULL");
    if (!res_transition(req, c, &q, "该专员未绑定此阵地"))
        return;
    char detail[64];
    snprintf(detail, sizeof detail, "解除专员 #%lld", (long long)comm);
    reply_contracts(req, c, site, detail);
}

/* ---- statistics ---- */

static void contract_stats(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    const char *by = http_query(req, "by");
    bool cat = !strcmp(by, "category");
    qb_t w, q;
    if (cat) {
        res_from(req, &COMMISSIONERS, &w);
        qb_init(&q,
                "SELECT c.category, COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM site_commissioners x JOIN "
                "sites s ON s.id = x.site_id WHERE x.commissioner_id = c.id AND x.unbound_at IS NULL AND "
                "s.deleted_at IS NULL) THEN 1 ELSE 0 END), 0");
        qb_append(&q, &w);
        qb_sql(&q, " GROUP BY c.category ORDER BY c.category");
    } else {
        res_from(req, &SITES, &w);
        qb_init(
            &q,
            "SELECT t.grp, COUNT(*), SUM(t.orgs), SUM(t.comms) FROM (SELECT (SELECT COALESCE(d.short_name, "
            "d.name) FROM orgs d WHERE d.type = ");
        qb_text(&q, by);
        qb_sql(&q,
               " AND o.path LIKE d.path || '%') AS grp, (SELECT COUNT(*) FROM site_orgs b WHERE b.site_id = "
               "s.id AND b.unbound_at IS NULL) AS orgs, (SELECT COUNT(*) FROM site_commissioners x JOIN "
               "commissioners m ON m.id = x.commissioner_id WHERE x.site_id = s.id AND x.unbound_at IS NULL "
               "AND m.deleted_at IS NULL) AS comms");
        qb_append(&q, &w);
        qb_sql(&q, ") t GROUP BY t.grp ORDER BY t.grp");
    }
    qb_free(&w);
    db_stmt_t *st = qb_prepare(c, &q);
    qb_free(&q);
    if (!st) {
        http_db_error(req, c);
        return;
    }
    json_t *items = json_array();
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (cat)
            json_array_append_new(items, json_pack("{s:o,s:I,s:I}", "name", json_col_text(st, 0),
                                                   "commissioners", (json_int_t)db_col_int64(st, 1),
                                                   "serving", (json_int_t)db_col_int64(st, 2)));
        else
            json_array_append_new(items, json_pack("{s:o,s:I,s:I,s:I}", "name", json_col_text(st, 0), "sites",
                                                   (json_int_t)db_col_int64(st, 1), "orgs",
                                                   (json_int_t)db_col_int64(st, 2), "commissioners",
                                                   (json_int_t)db_col_int64(st, 3)));
    }
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(items);
        http_db_error(req, c);
        return;
    }
    http_json(req, 200, json_pack("{s:s,s:o}", "by", by, "items", items));
}

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/commissioners", .handler = list_comms, .perm = "site.read",
     .flags = HTTP_LIST | HTTP_EXPORT, .summary = "党建服务专员列表", .resource = &COMMISSIONERS,
     HTTP_QUERY(COMM_QUERY), HTTP_OUT(COMM_OUT)},
    {.method = "POST", .pattern = "/api/v1/commissioners", .handler = create_comm, .perm = "site.write",
     .summary = "新建党建服务专员", .audit = "commissioner.create", .resource = &COMMISSIONERS, HTTP_BODY(COMM_NEW),
     HTTP_OUT(COMM_OUT), .status = 201,
     .example = "{\"name\":\"专员{n}\",\"category\":\"fulltime\",\"org_id\":\"{org}\",\"phone\":\"13800000000\"}"},
    {.method = "GET", .pattern = "/api/v1/commissioners/{id}", .handler = get_comm, .perm = "site.read",
     .summary = "党建服务专员详情", .resource = &COMMISSIONERS, HTTP_OUT(COMM_OUT)},
    {.method = "PATCH", .pattern = "/api/v1/commissioners/{id}", .handler = patch_comm, .perm = "site.write",
     .summary = "修改党建服务专员", .audit = "commissioner.update", .resource = &COMMISSIONERS,
     HTTP_BODY(COMM_PATCH), HTTP_OUT(COMM_OUT), .example = "{\"category\":\"volunteer\"}"},
    {.method = "DELETE", .pattern = "/api/v1/commissioners/{id}", .handler = delete_comm, .perm = "site.write",
     .summary = "删除党建服务专员", .audit = "commissioner.delete", .resource = &COMMISSIONERS, .status = 204,
     .notes = "soft; their site bindings end (unbound, kept as history)"},
    {.method = "GET", .pattern = "/api/v1/sites/{id}/contracts", .handler = get_contracts, .perm = "site.read",
     .summary = "阵地包干情况", .resource = &SITES, HTTP_OUT(CONTRACTS_OUT)},
    {.method = "POST", .pattern = "/api/v1/sites/{id}/orgs", .handler = bind_org, .perm = "site.write",
     .summary = "包干新兴领域党组织到阵地", .audit = "site.org_bind", .resource = &SITES, HTTP_BODY(BIND_ORG),
     HTTP_OUT(CONTRACTS_OUT), .example = "{\"org_id\":\"{org}\"}",
     .notes = "an organisation of sector 新兴领域 in the caller's scope (else 422); 409 org_contracted naming the "
              "site it is contracted to"},
    {.method = "DELETE", .pattern = "/api/v1/sites/{id}/orgs/{org_id}", .handler = unbind_org, .perm = "site.write",
     .summary = "解除组织包干", .audit = "site.org_unbind", .resource = &SITES, HTTP_OUT(CONTRACTS_OUT),
     .notes = "the binding is kept with unbound_at; 409 when not bound"},
    {.method = "POST", .pattern = "/api/v1/sites/{id}/commissioners", .handler = bind_comm, .perm = "site.write",
     .summary = "绑定党建服务专员到阵地", .audit = "site.commissioner_bind", .resource = &SITES,
     HTTP_BODY(BIND_COMM), HTTP_OUT(CONTRACTS_OUT), .example = "{\"commissioner_id\":1}",
     .notes = "a commissioner in the caller's scope; 409 already_bound"},
    {.method = "DELETE", .pattern = "/api/v1/sites/{id}/commissioners/{commissioner_id}", .handler = unbind_comm,
     .perm = "site.write", .summary = "解除专员绑定", .audit = "site.commissioner_unbind", .resource = &SITES,
     HTTP_OUT(CONTRACTS_OUT), .notes = "kept with unbound_at; 409 when not bound"},
    {.method = "GET", .pattern = "/api/v1/contracting/stats", .handler = contract_stats, .perm = "site.read",
     .summary = "包干统计", .resource = &SITES, HTTP_QUERY(STATS_QUERY), HTTP_OUT(STATS_OUT),
     .notes = "over the sites (by district or street) or the commissioners (by category) in the caller's scope"},
};
// clang-format on

int grid_contract_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
