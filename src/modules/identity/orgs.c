/* orgs.c — the organisation tree: city → districts and sector committees →
 * streets → grassroots committees, general branches and branches.
 * Each row keeps its ancestor path ('/1/5/23/') so that a subtree is one
 * indexed LIKE and the data scope of a district is "path LIKE its path%". */
#include "auth/resource.h"
#include "core/log.h"
#include "core/mime.h"
#include "core/timeutil.h"
#include "core/xlsx.h"
#include "http/upload.h"
#include "http/valid.h"
#include "modules/identity/internal.h"
#include "text/hanlatin.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const identity_org_types[] = {"city",      "district",       "sector", "street",
                                          "committee", "general_branch", "branch", NULL};

static const struct {
    const char *type, *title;
    const char *parents[6]; /* types it may sit under; {NULL} = root only */
} TYPES[] = {
    {"city", "市", {NULL}},
    {"district", "区", {"city", NULL}},
    {"sector", "大口党委", {"city", NULL}},
    {"street", "街镇", {"district", NULL}},
    {"committee", "党委", {"district", "sector", "street", "committee", NULL}},
    {"general_branch", "党总支", {"district", "sector", "street", "committee", NULL}},
    {"branch", "党支部", {"district", "sector", "street", "committee", "general_branch", NULL}},
};
#define NTYPES (sizeof TYPES / sizeof TYPES[0])

const char *identity_org_type_title(const char *type)
{
    for (size_t i = 0; i < NTYPES; i++)
        if (type && !strcmp(TYPES[i].type, type))
            return TYPES[i].title;
    return NULL;
}

bool identity_org_type_allowed(const char *parent, const char *child)
{
    for (size_t i = 0; i < NTYPES; i++) {
        if (strcmp(TYPES[i].type, child) != 0)
            continue;
        if (!parent)
            return TYPES[i].parents[0] == NULL;
        for (int j = 0; TYPES[i].parents[j]; j++)
            if (!strcmp(TYPES[i].parents[j], parent))
                return true;
    }
    return false;
}

/* optional text fields of an organisation, in column order */
static const char *const TEXT_FIELDS[] = {"short_name", "contact_name", "contact_phone",
                                          "address",    "sector",       "industry"};
#define NTEXT (sizeof TEXT_FIELDS / sizeof TEXT_FIELDS[0])

#define ORG_COLS                                                                                             \
    "o.id, o.parent_id, o.type, o.code, o.name, o.short_name, o.contact_name, o.contact_phone, o.address, "  \
    "o.sector, o.industry, o.member_count, o.sort_order, o.status, o.path, o.depth, o.created_at, "          \
    "o.updated_at, "                                                                                         \
    "(SELECT COUNT(*) FROM orgs c WHERE c.parent_id = o.id AND c.status <> 'deleted')"

static json_t *org_json(db_stmt_t *st);
static json_t *org_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return org_json(st);
}

static json_t *org_json(db_stmt_t *st)
{
    json_t *o = json_object();
    const char *type = db_col_text(st, 2);
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, "parent_id", json_col_id(st, 1));
    json_object_set_new(o, "type", json_string(type));
    json_object_set_new(o, "type_title", json_text_or_null(identity_org_type_title(type)));
    json_object_set_new(o, "code", json_string(db_col_text(st, 3)));
    json_object_set_new(o, "name", json_string(db_col_text(st, 4)));
    for (size_t i = 0; i < NTEXT; i++)
        json_object_set_new(o, TEXT_FIELDS[i], json_text_or_null(db_col_text(st, 5 + (int)i)));
    json_object_set_new(o, "member_count", json_integer(db_col_int64(st, 11)));
    json_object_set_new(o, "sort_order", json_integer(db_col_int64(st, 12)));
    json_object_set_new(o, "status", json_string(db_col_text(st, 13)));
    json_object_set_new(o, "depth", json_integer(db_col_int64(st, 15)));
    json_object_set_new(o, "created_at", json_time(db_col_int64(st, 16)));
    json_object_set_new(o, "updated_at", json_time(db_col_int64(st, 17)));
    json_object_set_new(o, "child_count", json_integer(db_col_int64(st, 18)));
    return o;
}

int identity_org_history(db_conn_t *c, int64_t org, const char *action, int64_t from, int64_t to,
                         json_t *changes, const char *reason, int64_t by)
{
    char *ch = changes ? json_dumps(changes, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO org_history (org_id, action, from_parent_id, to_parent_id, changes, "
                      "reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, org);
        db_bind_text(st, 2, action);
        db_bind_id(st, 3, from);
        db_bind_id(st, 4, to);
        db_bind_text(st, 5, ch);
        db_bind_text(st, 6, reason);
        db_bind_id(st, 7, by);
        db_bind_int64(st, 8, time_now_ms());
        rc = db_step(st);
    }
    db_done(st);
    free(ch);
    return rc == DB_DONE ? 0 : -1;
}

int identity_org_pinyin(db_conn_t *c, int64_t id, const char *name)
{
    char *key = hanlatin_key(name);
    if (!key)
        return 0; /* no ICU: names are still found by their characters */
    db_stmt_t *st = db_prepare(c, "UPDATE orgs SET name_pinyin = ? WHERE id = ?");
    int rc = DB_ERROR;
    if (st) {
        db_bind_text(st, 1, key);
        db_bind_int64(st, 2, id);
        rc = db_step(st);
        db_done(st);
    }
    free(key);
    return rc == DB_DONE ? 0 : -1;
}

int identity_org_pinyin_backfill(db_t *db)
{
    db_conn_t *c = db_acquire(db);
    if (!c)
        return -1;
    int rc = 0, n = 0;
    int64_t last = 0; /* by id: a name ICU cannot read is passed, not retried forever */
    while (rc == 0) { /* a page at a time: no statement open while writing */
        int64_t ids[200];
        char *names[200];
        int k = 0;
        db_stmt_t *st = db_prepare(
            c, "SELECT id, name FROM orgs WHERE name_pinyin IS NULL AND id > ? ORDER BY id LIMIT 200");
        if (!st) {
            rc = -1;
            break;
        }
        db_bind_int64(st, 1, last);
        while (k < 200 && db_step(st) == DB_ROW) {
            ids[k] = db_col_int64(st, 0);
            names[k++] = strdup(db_col_text(st, 1) ? db_col_text(st, 1) : "");
        }
        db_done(st);
        if (!k)
            break;
        rc = db_begin(c);
        for (int i = 0; i < k; i++) {
            if (rc == 0 && identity_org_pinyin(c, ids[i], names[i]) != 0)
                rc = -1;
            free(names[i]);
        }
        if (rc == 0 && db_commit(c) != 0)
            rc = -1;
        if (rc != 0)
            db_rollback(c);
        last = ids[k - 1];
        n += k;
    }
    db_release(c);
    if (n)
        log_msg(LOG_APP, LOG_INFO, "identity.org_pinyin", "组织名称拼音：补全 %d 个", n);
    return rc;
}

int64_t identity_org_insert(db_conn_t *c, int64_t parent_id, const char *type, const char *code,
                            const char *name, json_t *extra, int64_t by)
{
    char ppath[300] = "/";
    int64_t depth = 0, now = time_now_ms();
    if (parent_id) {
        db_stmt_t *st = db_prepare(c, "SELECT path, depth FROM orgs WHERE id = ?");
        if (!st)
            return -1;
        db_bind_int64(st, 1, parent_id);
        if (db_step(st) == DB_ROW) {
            str_lcpy(ppath, db_col_text(st, 0), sizeof ppath);
            depth = db_col_int64(st, 1) + 1;
        }
        db_done(st);
        if (depth > AUTH_ORG_MAX_DEPTH)
            return -3;
    }
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO orgs (parent_id, type, code, name, short_name, contact_name, "
                      "contact_phone, address, sector, industry, member_count, sort_order, path, depth, "
                      "created_by, created_at, updated_at) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '/', ?, ?, ?, ?) RETURNING id");
    if (!st)
        return -1;
    db_bind_id(st, 1, parent_id);
    db_bind_text(st, 2, type);
    db_bind_text(st, 3, code);
    db_bind_text(st, 4, name);
    for (size_t i = 0; i < NTEXT; i++)
        db_bind_text(st, 5 + (int)i, jstr(extra, TEXT_FIELDS[i]));
    db_bind_int64(st, 11, jint(extra, "member_count", 0));
    db_bind_int64(st, 12, jint(extra, "sort_order", 0));
    db_bind_int64(st, 13, depth);
    db_bind_id(st, 14, by);
    db_bind_int64(st, 15, now);
    db_bind_int64(st, 16, now);
    int rc = db_step(st);
    int64_t id = rc == DB_ROW ? db_col_int64(st, 0) : 0;
    db_done(st);
    if (!id)
        return db_errcode(c) == DB_E_UNIQUE ? -2 : -1;
    char path[340];
    snprintf(path, sizeof path, "%s%lld/", ppath, (long long)id);
    if (strlen(path) >= AUTH_ORG_PATH_MAX)
        return -3; /* never cut: a cut path would widen a subtree scope */
    st = db_prepare(c, "UPDATE orgs SET path = ? WHERE id = ?");
    if (!st)
        return -1;
    db_bind_text(st, 1, path);
    db_bind_int64(st, 2, id);
    rc = db_step(st);
    db_done(st);
    if (rc != DB_DONE || identity_org_pinyin(c, id, name) != 0 ||
        identity_org_history(c, id, "create", 0, parent_id, NULL, NULL, by) != 0)
        return -1;
    return id;
}

/* Organisations are a directory: read by every logged-in user within the
 * widest scope of their roles; changed within the scope of org.write. */
static const res_sort_t ORG_SORTS[] = {{"id", "o.id"},
                                       {"code", "o.code"},
                                       {"name", "o.name"},
                                       {"type", "o.type"},
                                       {"member_count", "o.member_count"},
                                       {"created_at", "o.created_at"},
                                       {NULL, NULL}};
#define ORG_RESOURCE                                                                                         \
    .name = "org", .title = "组织", .table = "orgs", .alias = "o", .org_col = "o.id", .path_col = "o.path",  \
    .creator_col = "o.created_by", .directory = true, .sorts = ORG_SORTS
static const zd_resource_t ORGS = {ORG_RESOURCE, .where = "o.status <> 'deleted'"};
static const zd_resource_t ORGS_ANY = {ORG_RESOURCE}; /* deleted ones too: their history */

/* org_json and the path for the ancestors' query (path rides in the arena) */
static json_t *org_row_path(db_stmt_t *st, void *ud)
{
    json_t *o = org_json(st);
    *(char **)ud = strdup(db_col_text(st, 14));
    return o;
}

/* One organisation visible to the caller, as JSON; NULL when not found or
 * outside the scope (the caller answers 404). */
static json_t *load(http_req_t *req, db_conn_t *c, int64_t id, bool with_deleted)
{
    char *path = NULL;
    json_t *o = res_find(req, c, with_deleted ? &ORGS_ANY : &ORGS, ORG_COLS, id, org_row_path, &path,
                         RES_PLAIN, NULL);
    if (!o) {
        free(path);
        return NULL;
    }
    http_defer(req, free, path);
    qb_t q;
    /* ancestors for the breadcrumb, only those the caller may see */
    json_t *anc = json_array();
    qb_init(&q, "SELECT o.id, o.name, o.type FROM orgs o WHERE ");
    qb_text(&q, path);
    qb_sql(&q, " LIKE o.path || '%' AND o.id <> ");
    qb_int(&q, id);
    res_scope(req, &ORGS_ANY, &q);
    qb_sql(&q, " ORDER BY o.depth");
    db_stmt_t *st = qb_prepare(c, &q);
    while (st && db_step(st) == DB_ROW)
        json_array_append_new(anc, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)db_col_int64(st, 0), "name",
                                             db_col_text(st, 1), "type", db_col_text(st, 2)));
    db_done(st);
    qb_free(&q);
    json_object_set_new(o, "path", anc);
    return o;
}

static void not_found(http_req_t *req)
{
    http_error(req, 404, "not_found", "组织不存在或不在您的管理范围内");
}

/* ---- handlers ---- */

static void get_types(http_req_t *req)
{
    json_t *items = json_array();
    for (size_t i = 0; i < NTYPES; i++) {
        json_t *parents = json_array();
        for (int j = 0; TYPES[i].parents[j]; j++)
            json_array_append_new(parents, json_string(TYPES[i].parents[j]));
        json_array_append_new(items, json_pack("{s:s,s:s,s:o}", "type", TYPES[i].type, "title",
                                               TYPES[i].title, "parents", parents));
    }
    http_json(req, 200, json_pack("{s:o}", "items", items));
}

static const char *const ORG_STATUS[] = {"active", "disabled", NULL};

static const vfield_t ORG_QUERY[] = {
    {"parent_id", V_ID, .title = "上级组织（只列其直属下级）"},
    {"root", V_BOOL, .title = "只列调用者可见范围的顶层组织"},
    {"type", V_ENUM, .choices = identity_org_types, .title = "组织类型"},
    {"status", V_ENUM, .choices = ORG_STATUS, .title = "状态"},
    {"q", V_STR, .max = 100, .title = "名称、编码或简称包含"},
};

static void list_orgs(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    int64_t parent = http_query_i64(req, "parent_id", 0);
    const char *q = http_query(req, "q"), *type = http_query(req, "type"),
               *status = http_query(req, "status");
    qb_t w;
    res_from(req, &ORGS, &w);
    if (parent) {
        qb_sql(&w, " AND o.parent_id = ");
        qb_int(&w, parent);
    }
    if (http_query_bool(req, "root")) {
        /* the top of what the caller may see */
        if (res_scope_of(req, &ORGS) == SCOPE_ALL)
            qb_sql(&w, " AND o.parent_id IS NULL");
        else {
            qb_sql(&w, " AND o.id = ");
            qb_int(&w, http_user_org(req));
        }
    }
    if (type) {
        qb_sql(&w, " AND o.type = ");
        qb_text(&w, type);
    }
    if (status) {
        qb_sql(&w, " AND o.status = ");
        qb_text(&w, status);
    }
    if (q) {
        /* the name, code or short name, or the name's pinyin: full syllables
         * or initials (浦东新区 by "pudong" or "pdxq"), in any case */
        char *pat = qb_like_pattern(q), *lower = str_ascii_lower(pat);
        qb_sql(&w, " AND (o.name LIKE ");
        qb_text(&w, pat);
        qb_sql(&w, " ESCAPE '\\' OR o.code LIKE ");
        qb_text(&w, pat);
        qb_sql(&w, " ESCAPE '\\' OR o.short_name LIKE ");
        qb_text(&w, pat);
        qb_sql(&w, " ESCAPE '\\' OR o.name_pinyin LIKE ");
        qb_text(&w, lower);
        qb_sql(&w, " ESCAPE '\\')");
        free(pat);
        free(lower);
    }
    res_list(req, c, &ORGS, ORG_COLS, &w, "o.depth, o.sort_order, o.id", org_row, NULL);
    qb_free(&w);
}

static const char *check_code(json_t *v)
{
    const char *s = json_string_value(v);
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '-' ||
              *s == '_' || *s == '.'))
            return "只能包含字母、数字和 - _ .";
    return NULL;
}

static const char *check_phone(json_t *v)
{
    const char *s = json_string_value(v);
    int digits = 0;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9')
            digits++;
        else if (*s != '-' && *s != ' ' && *s != '+' && *s != '(' && *s != ')')
            return "应为电话号码";
    }
    return digits >= 7 && digits <= 15 ? NULL : "应为 7 到 15 位数字的电话号码";
}

#define ORG_FIELDS(req_name)                                                                                 \
    {"name", V_STR, req_name, 1, 100, NULL, NULL}, {"code", V_STR, req_name, 1, 40, NULL, check_code},       \
        {"short_name", V_STR, false, 0, 50, NULL, NULL}, {"contact_name", V_STR, false, 0, 50, NULL, NULL},  \
        {"contact_phone", V_STR, false, 0, 30, NULL, check_phone},                                           \
        {"address", V_STR, false, 0, 200, NULL, NULL}, {"sector", V_STR, false, 0, 50, NULL, NULL},          \
        {"industry", V_STR, false, 0, 50, NULL, NULL},                                                       \
        {"member_count", V_INT, false, 0, 10000000, NULL, NULL},                                             \
    {                                                                                                        \
        "sort_order", V_INT, false, -1000000, 1000000, NULL, NULL                                            \
    }

static const vfield_t ORG_NEW[] = {
    ORG_FIELDS(true),
    {"type", V_ENUM, true, 0, 0, identity_org_types, NULL, "组织类型"},
    {"parent_id", V_ID, false, 0, 0, NULL, NULL, "上级组织（只有市级根组织没有）"}};
static const vfield_t ORG_PATCH[] = {ORG_FIELDS(false),
                                     {"status", V_ENUM, false, 0, 0, ORG_STATUS, NULL, "状态"}};
static const vfield_t ORG_OUT[] = {
    {"id", V_ID},
    {"parent_id", V_ID},
    {"type", V_ENUM, .choices = identity_org_types},
    {"type_title", V_STR, .title = "组织类型的中文名"},
    {"code", V_STR},
    {"name", V_STR},
    {"short_name", V_STR},
    {"contact_name", V_STR},
    {"contact_phone", V_STR},
    {"address", V_STR},
    {"sector", V_STR},
    {"industry", V_STR},
    {"member_count", V_INT},
    {"sort_order", V_INT},
    {"status", V_ENUM, .choices = ORG_STATUS},
    {"depth", V_INT, .title = "层级（市为 0）"},
    {"child_count", V_INT},
    {"path", V_ARRAY, .title = "可见的上级组织 [{id,name,type}]（详情）"},
    {"created_at", V_TIME},
    {"updated_at", V_TIME},
};

/* Changes of the tree's shape (create, move, import) take turns across
 * nodes: a move's checks read paths that another move may be rewriting
 * (two crossing moves on PostgreSQL READ COMMITTED would both pass). */
static bool tree_lock(http_req_t *req, db_conn_t *c)
{
    if (db_begin(c) != 0 || db_lock_tx(c, "identity.org_tree") != 0) {
        http_db_error(req, c);
        return false;
    }
    return true;
}

static void too_deep(http_req_t *req, const char *field)
{
    http_error_fields(req, json_pack("{s:s}", field,
                                     http_printf(req, "组织层级过深（最多 %d 级）", AUTH_ORG_MAX_DEPTH + 1)));
}

static void create_org(http_req_t *req)
{
    db_conn_t *c;
    if (!(c = http_db(req)))
        return;
    json_t *b = http_json_body(req);
    int64_t parent = jint(b, "parent_id", 0);
    const char *type = jstr(b, "type");
    char ptype[32] = "";
    if (!tree_lock(req, c))
        return;
    if (parent) {
        json_t *p = load(req, c, parent, false);
        if (!p) {
            http_error_fields(req, json_pack("{s:s}", "parent_id", "上级组织不存在或不在您的管理范围内"));
            return;
        }
        str_lcpy(ptype, jstr(p, "type"), sizeof ptype);
        bool disabled = strcmp(jstr(p, "status"), "active") != 0;
        json_decref(p);
        if (disabled) {
            http_error_fields(req, json_pack("{s:s}", "parent_id", "上级组织已停用"));
            return;
        }
    } else {
        int64_t roots = 0;
        if (strcmp(type, "city") != 0 || res_scope_of(req, &ORGS) != SCOPE_ALL ||
            db_query_int64(c, "SELECT COUNT(*) FROM orgs WHERE parent_id IS NULL AND status <> 'deleted'",
                           &roots) < 0 ||
            roots > 0) {
            http_error_fields(req, json_pack("{s:s}", "parent_id", "必填：只有一个市级根组织"));
            return;
        }
    }
    if (!identity_org_type_allowed(parent ? ptype : NULL, type)) {
        http_error_fields(req,
                          json_pack("{s:s}", "type",
                                    http_printf(req, "“%s”不能设在“%s”之下", identity_org_type_title(type),
                                                parent ? identity_org_type_title(ptype) : "（根）")));
        return;
    }
    int64_t id = identity_org_insert(c, parent, type, jstr(b, "code"), jstr(b, "name"), b, http_user_id(req));
    if (id == -2) {
        http_error_fields(req, json_pack("{s:s}", "code", "组织编码已存在"));
        return;
    }
    if (id == -3) {
        too_deep(req, "parent_id");
        return;
    }
    json_t *o = id > 0 ? load(req, c, id, false) : NULL;
    audit_entry_t ae = {.target = id, .after = o};
    audit_reply(req, c, o != NULL, &ae, 201, o);
}

static void get_org(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *o = load(req, c, id, false);
    if (!o)
        not_found(req);
    else
        http_json(req, 200, o);
}

static void patch_org(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *b = http_json_body(req);
    json_t *before = load(req, c, id, false);
    if (!before) {
        not_found(req);
        return;
    }
    http_defer_json(req, before);
    const char *status = jstr(b, "status");
    if (status && !strcmp(status, "disabled") && strcmp(jstr(before, "status"), "disabled") != 0) {
        int64_t active = 0;
        db_stmt_t *st = db_prepare(c, "SELECT COUNT(*) FROM orgs WHERE parent_id = ? AND status = 'active'");
        if (st) {
            db_bind_int64(st, 1, id);
            if (db_step(st) == DB_ROW)
                active = db_col_int64(st, 0);
        }
        db_done(st);
        if (active) {
            http_error(req, 409, "conflict", "该组织还有 %lld 个启用中的下级组织，请先停用或移走它们",
                       (long long)active);
            return;
        }
    }
    /* SET col = COALESCE(?, col) for strings given; null clears optional ones */
    qb_t q;
    qb_init(&q, "UPDATE orgs SET updated_at = ");
    qb_int(&q, time_now_ms());
    json_t *changes = json_object();
    static const char *const cols[] = {"name",          "code",       "short_name", "contact_name",
                                       "contact_phone", "address",    "sector",     "industry",
                                       "member_count",  "sort_order", "status"};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        json_t *v = json_object_get(b, cols[i]);
        if (!v)
            continue;
        bool required = i < 2 || i >= 8;
        if (json_is_null(v) && required)
            continue; /* cannot clear a required field: valid_body already said so for name/code */
        json_t *old = json_object_get(before, cols[i]);
        if (json_equal(old, v))
            continue;
        json_object_set_new(changes, cols[i], json_pack("[OO]", old ? old : json_null(), v));
        qb_sql(&q, http_printf(req, ", %s = ", cols[i]));
        if (json_is_integer(v))
            qb_int(&q, json_integer_value(v));
        else
            qb_text(&q, json_string_value(v)); /* NULL for null */
    }
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    int rc = DB_DONE;
    if (json_object_size(changes)) {
        db_stmt_t *st = qb_prepare(c, &q);
        rc = st ? db_step(st) : DB_ERROR;
        db_done(st);
        json_t *name = json_object_get(changes, "name");
        if (rc == DB_DONE && name &&
            identity_org_pinyin(c, id, json_string_value(json_array_get(name, 1))) != 0)
            rc = DB_ERROR;
    }
    qb_free(&q);
    if (rc != DB_DONE) {
        json_decref(changes);
        if (db_errcode(c) == DB_E_UNIQUE)
            http_error_fields(req, json_pack("{s:s}", "code", "组织编码已存在"));
        else
            http_db_error(req, c);
        return;
    }
    const char *action = !status || !json_object_get(changes, "status") ? "update"
                         : !strcmp(status, "disabled")                  ? "disable"
                                                                        : "enable";
    json_t *after = json_object_size(changes) ? load(req, c, id, false) : json_incref(before);
    /* a request that changed nothing is recorded too: someone saved */
    audit_entry_t ae = {.action = http_printf(req, "org.%s", action),
                        .target = id,
                        .detail = json_object_size(changes) ? NULL : "没有变化",
                        .before = before,
                        .after = after};
    if (!after ||
        (json_object_size(changes) &&
         identity_org_history(c, id, action, 0, 0, changes, NULL, http_user_id(req)) != 0) ||
        audit_write(c, req, &ae) != 0 || db_commit(c) != 0) {
        json_decref(changes);
        json_decref(after);
        http_db_error(req, c);
        return;
    }
    json_decref(changes);
    http_json(req, 200, after);
}

static void delete_org(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = load(req, c, id, false);
    if (!before) {
        not_found(req);
        return;
    }
    http_defer_json(req, before);
    int64_t users = 0;
    db_stmt_t *st = db_prepare(c, "SELECT COUNT(*) FROM users WHERE org_id = ?");
    if (st) {
        db_bind_int64(st, 1, id);
        if (db_step(st) == DB_ROW)
            users = db_col_int64(st, 0);
    }
    db_done(st);
    if (jint(before, "child_count", 0) > 0 || users > 0) {
        http_error(req, 409, "conflict", "该组织下还有下级组织或用户，不能删除（可改为停用）");
        return;
    }
    if (json_is_null(json_object_get(before, "parent_id"))) {
        http_error(req, 409, "conflict", "市级根组织不能删除");
        return;
    }
    st = db_prepare(c, "UPDATE orgs SET status = 'deleted', deleted_at = ?, updated_at = ? WHERE id = ?");
    int rc = DB_ERROR;
    if (st) {
        int64_t now = time_now_ms();
        db_bind_int64(st, 1, now);
        db_bind_int64(st, 2, now);
        db_bind_int64(st, 3, id);
        rc = db_step(st);
    }
    db_done(st);
    audit_entry_t ae = {.target = id, .before = before};
    audit_reply(req, c,
                rc == DB_DONE &&
                    identity_org_history(c, id, "delete", 0, 0, NULL, NULL, http_user_id(req)) == 0,
                &ae, 204, NULL);
}

/* GET /orgs/{id}/tree?depth=N — the subtree as nested "children". */
static const vfield_t TREE_QUERY[] = {{"depth", V_INT, .min = 1, .max = 10, .title = "向下几级（默认 10）"}};

static void get_tree(http_req_t *req)
{
    int64_t id, depth;
    db_conn_t *c;
    if (!http_param_id(req, "id", &id) || !http_query_int(req, "depth", 10, 1, 10, &depth) ||
        !(c = http_db(req)))
        return;
    json_t *top = load(req, c, id, false);
    if (!top) {
        not_found(req);
        return;
    }
    qb_t q;
    qb_init(&q, "SELECT " ORG_COLS
                " FROM orgs o WHERE o.status <> 'deleted' AND o.path LIKE (SELECT path FROM orgs "
                "WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, ") || '%' AND o.id <> ");
    qb_int(&q, id);
    qb_sql(&q, " AND o.depth <= ");
    qb_int(&q, jint(top, "depth", 0) + depth);
    res_scope(req, &ORGS, &q);
    qb_sql(&q, " ORDER BY o.depth, o.sort_order, o.id LIMIT 20001");
    /* index by id; rows come parents first */
    json_t *by_id = json_object();
    char key[32];
    snprintf(key, sizeof key, "%lld", (long long)id);
    json_object_set_new(top, "children", json_array());
    json_object_set(by_id, key, top);
    db_stmt_t *st = qb_prepare(c, &q);
    int n = 0;
    while (st && db_step(st) == DB_ROW && ++n <= 20000) {
        json_t *o = org_json(st);
        json_object_set_new(o, "children", json_array());
        snprintf(key, sizeof key, "%lld", (long long)db_col_int64(st, 1));
        json_t *parent = json_object_get(by_id, key);
        if (parent)
            json_array_append(json_object_get(parent, "children"), o);
        snprintf(key, sizeof key, "%lld", (long long)db_col_int64(st, 0));
        json_object_set_new(by_id, key, o);
    }
    db_done(st);
    qb_free(&q);
    json_decref(by_id);
    if (n > 20000) {
        json_decref(top);
        http_error(req, 422, "too_large", "下级组织过多，请减小 depth 或分级加载");
        return;
    }
    http_json(req, 200, top);
}

static const vfield_t MOVE_BODY[] = {{"parent_id", V_ID, true, 0, 0, NULL, NULL, "新的上级组织"},
                                     {"reason", V_STR, false, 0, 200, NULL, NULL, "调整原因"}};

static void move_org(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *b = http_json_body(req);
    int64_t to = jint(b, "parent_id", 0);
    /* with the tree's lock held, the paths read below are the paths written
     * by every move that came before */
    if (!tree_lock(req, c))
        return;
    json_t *org = http_defer_json(req, load(req, c, id, false));
    json_t *parent = org ? http_defer_json(req, load(req, c, to, false)) : NULL;
    if (!org) {
        not_found(req);
        return;
    }
    if (!parent) {
        http_error_fields(req, json_pack("{s:s}", "parent_id", "目标上级组织不存在或不在您的管理范围内"));
        return;
    }
    /* the old and new paths, read straight from the rows */
    char old_path[AUTH_ORG_PATH_MAX] = "", new_parent_path[AUTH_ORG_PATH_MAX] = "";
    int64_t old_depth = 0, new_depth = 0, from = jint(org, "parent_id", 0), sub_depth = 0, sub_len = 0;
    db_stmt_t *st = db_prepare(c, "SELECT id, path, depth FROM orgs WHERE id IN (?, ?)");
    if (st) {
        db_bind_int64(st, 1, id);
        db_bind_int64(st, 2, to);
        while (db_step(st) == DB_ROW) {
            if (db_col_int64(st, 0) == id) {
                str_lcpy(old_path, db_col_text(st, 1), sizeof old_path);
                old_depth = db_col_int64(st, 2);
            } else {
                str_lcpy(new_parent_path, db_col_text(st, 1), sizeof new_parent_path);
                new_depth = db_col_int64(st, 2) + 1;
            }
        }
    }
    db_done(st);
    if (to == id || str_starts_with(new_parent_path, old_path)) {
        http_error_fields(req, json_pack("{s:s}", "parent_id", "不能移到自身或其下级之下"));
        return;
    }
    if (!identity_org_type_allowed(jstr(parent, "type"), jstr(org, "type"))) {
        http_error_fields(req, json_pack("{s:s}", "parent_id",
                                         http_printf(req, "“%s”不能设在“%s”之下", jstr(org, "type_title"),
                                                     jstr(parent, "type_title"))));
        return;
    }
    if (strcmp(jstr(parent, "status"), "active") != 0) {
        http_error_fields(req, json_pack("{s:s}", "parent_id", "目标上级组织已停用"));
        return;
    }
    char new_path[AUTH_ORG_PATH_MAX + 32];
    snprintf(new_path, sizeof new_path, "%s%lld/", new_parent_path, (long long)id);
    /* the deepest and the longest path of the branch, where they would land */
    char *like = db_like_escape(old_path);
    char *pat = http_printf(req, "%s%%", like);
    free(like);
    st = db_prepare(c, "SELECT MAX(depth), MAX(LENGTH(path)) FROM orgs WHERE path LIKE ?");
    if (st) {
        db_bind_text(st, 1, pat);
        if (db_step(st) == DB_ROW) {
            sub_depth = db_col_int64(st, 0) - old_depth;
            sub_len = db_col_int64(st, 1) - (int64_t)strlen(old_path);
        }
    }
    db_done(st);
    if (new_depth + sub_depth > AUTH_ORG_MAX_DEPTH ||
        (int64_t)strlen(new_path) + sub_len >= AUTH_ORG_PATH_MAX) {
        too_deep(req, "parent_id");
        return;
    }
    int64_t now = time_now_ms();
    int rc = DB_DONE;
    if (from != to) {
        /* the whole branch: new prefix, shifted depth */
        st = db_prepare(c, "UPDATE orgs SET path = ? || substr(path, ?), depth = depth + ?, updated_at = ? "
                           "WHERE path LIKE ?");
        rc = DB_ERROR;
        if (st) {
            db_bind_text(st, 1, new_path);
            db_bind_int64(st, 2, (int64_t)strlen(old_path) + 1);
            db_bind_int64(st, 3, new_depth - old_depth);
            db_bind_int64(st, 4, now);
            db_bind_text(st, 5, pat);
            rc = db_step(st);
        }
        db_done(st);
        if (rc == DB_DONE) {
            st = db_prepare(c, "UPDATE orgs SET parent_id = ? WHERE id = ?");
            rc = DB_ERROR;
            if (st) {
                db_bind_int64(st, 1, to);
                db_bind_int64(st, 2, id);
                rc = db_step(st);
            }
            db_done(st);
        }
        if (rc == DB_DONE &&
            identity_org_history(c, id, "move", from, to, NULL, jstr(b, "reason"), http_user_id(req)) != 0)
            rc = DB_ERROR;
    }
    json_t *after = rc == DB_DONE ? load(req, c, id, false) : NULL;
    audit_entry_t ae = {.target = id,
                        .detail = from == to ? "上级组织未变" : jstr(b, "reason"),
                        .before = org,
                        .after = after};
    audit_reply(req, c, after != NULL, &ae, 200, after);
}

/* An organisation's history is seen as the organisation is (deleted ones
 * too): read by every logged-in user within their directory scope. */
static const res_sort_t HISTORY_SORTS[] = {
    {"id", "h.id"}, {"action", "h.action"}, {"created_at", "h.created_at"}, {NULL, NULL}};
static const zd_resource_t ORG_HISTORY = {.name = "org_history",
                                          .title = "组织变更记录",
                                          .table = "org_history",
                                          .alias = "h",
                                          .from = "org_history h JOIN orgs o ON o.id = h.org_id "
                                                  "LEFT JOIN users u ON u.id = h.created_by "
                                                  "LEFT JOIN orgs fp ON fp.id = h.from_parent_id "
                                                  "LEFT JOIN orgs tp ON tp.id = h.to_parent_id",
                                          .org_col = "o.id",
                                          .path_col = "o.path",
                                          .creator_col = "h.created_by",
                                          .directory = true,
                                          .keyset = "h.id",
                                          .sorts = HISTORY_SORTS};

#define HISTORY_COLS                                                                                         \
    "h.id, h.action, h.from_parent_id, h.to_parent_id, h.changes, h.reason, h.created_by, u.name, "          \
    "h.created_at, fp.name, tp.name"

static json_t *history_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return json_pack("{s:I,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)db_col_int64(st, 0),
                     "action", db_col_text(st, 1), "from_parent_id", json_col_id(st, 2), "from_parent_name",
                     json_col_text(st, 9), "to_parent_id", json_col_id(st, 3), "to_parent_name",
                     json_col_text(st, 10), "changes", json_parse_or_null(db_col_text(st, 4)), "reason",
                     json_col_text(st, 5), "created_by", json_col_id(st, 6), "created_by_name",
                     json_col_text(st, 7), "created_at", json_time(db_col_int64(st, 8)));
}

static void org_history(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    if (!res_visible(req, c, &ORGS_ANY, id))
        return;
    qb_t w;
    res_from(req, &ORG_HISTORY, &w);
    qb_sql(&w, " AND h.org_id = ");
    qb_int(&w, id);
    res_list(req, c, &ORG_HISTORY, HISTORY_COLS, &w, "h.id DESC", history_row, NULL);
    qb_free(&w);
}

static const vfield_t EXPORT_QUERY[] = {{"parent_id", V_ID, .title = "只导出这个组织及其下级"}};

static void export_orgs(http_req_t *req)
{
    int64_t parent = http_query_i64(req, "parent_id", 0);
    db_conn_t *c;
    if (!(c = http_db(req)))
        return;
    qb_t q;
    qb_init(
        &q,
        "SELECT o.code, o.name, o.type, p.code, o.short_name, o.contact_name, o.contact_phone, o.address, "
        "o.sector, o.industry, o.member_count, o.status FROM orgs o LEFT JOIN orgs p ON p.id = o.parent_id "
        "WHERE o.status <> 'deleted'");
    if (parent) {
        json_t *top = load(req, c, parent, false);
        if (!top) {
            qb_free(&q);
            not_found(req);
            return;
        }
        json_decref(top);
        qb_sql(&q, " AND o.path LIKE (SELECT path FROM orgs WHERE id = ");
        qb_int(&q, parent);
        qb_sql(&q, ") || '%'");
    }
    res_scope(req, &ORGS, &q);
    qb_sql(&q, " ORDER BY o.path");
    json_t *rows = json_array();
    db_stmt_t *st = qb_prepare(c, &q);
    while (st && db_step(st) == DB_ROW) {
        json_t *r = json_array();
        for (int i = 0; i < 12; i++) {
            if (i == 10)
                json_array_append_new(r, json_integer(db_col_int64(st, i)));
            else if (i == 2)
                json_array_append_new(r, json_string(identity_org_type_title(db_col_text(st, i))));
            else if (i == 11)
                json_array_append_new(r,
                                      json_string(!strcmp(db_col_text(st, i), "active") ? "启用" : "停用"));
            else
                json_array_append_new(r, json_string(db_col_text(st, i) ? db_col_text(st, i) : ""));
        }
        json_array_append_new(rows, r);
    }
    db_done(st);
    qb_free(&q);
    json_t *header = json_pack("[ssssssssssss]", "组织编码", "组织名称", "组织类型", "上级编码", "简称",
                               "联系人", "联系电话", "地址", "领域", "行业", "党员数", "状态");
    audit_entry_t ae = {.detail = http_printf(req, "导出 %zu 个组织", json_array_size(rows))};
    if (audit_req(req, &ae))
        http_send_xlsx(req, "组织机构.xlsx", "组织机构", header, rows);
    json_decref(header);
    json_decref(rows);
}

/* the fields of a new organisation, for the import's rows */
const vfield_t identity_org_fields[] = {ORG_FIELDS(true)};
const size_t identity_org_nfields = VN(identity_org_fields);

static const vfield_t HISTORY_OUT[] = {
    {"id", V_ID},
    {"action", V_STR, .title = "create, update, disable, enable, move, delete, import"},
    {"from_parent_id", V_ID},
    {"from_parent_name", V_STR},
    {"to_parent_id", V_ID},
    {"to_parent_name", V_STR},
    {"changes", V_OBJECT, .title = "字段: [原值, 新值]"},
    {"reason", V_STR},
    {"created_by", V_ID},
    {"created_by_name", V_STR},
    {"created_at", V_TIME},
};

/* one route, one or two lines */
// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/org-types", .handler = get_types, .perm = HTTP_LOGIN,
     .summary = "组织类型", .notes = "{items:[{type,title,parents}]}: which type may sit under which"},
    {.method = "GET", .pattern = "/api/v1/orgs", .handler = list_orgs, .perm = HTTP_LOGIN, .flags = HTTP_LIST,
     .summary = "组织列表", .resource = &ORGS, HTTP_QUERY(ORG_QUERY), HTTP_OUT(ORG_OUT)},
    {.method = "POST", .pattern = "/api/v1/orgs", .handler = create_org, .perm = "org.write", .summary = "新建组织",
     .audit = "org.create", .resource = &ORGS, HTTP_BODY(ORG_NEW), HTTP_OUT(ORG_OUT), .status = 201,
     .example = "{\"name\":\"契约测试党支部\",\"code\":\"CT-{n}\",\"type\":\"branch\",\"parent_id\":\"{org}\"}",
     .notes = "the parent must be in the caller's org.write scope and take this type; at most 13 levels"},
    {.method = "GET", .pattern = "/api/v1/orgs/export", .handler = export_orgs, .perm = "org.read",
     .flags = HTTP_DOWNLOAD, .summary = "导出组织（.xlsx）", .audit = "org.export", .resource = &ORGS,
     HTTP_QUERY(EXPORT_QUERY)},
    {.method = "GET", .pattern = "/api/v1/orgs/import-template", .handler = identity_org_import_template,
     .perm = "org.write", .flags = HTTP_DOWNLOAD, .summary = "组织导入模板（.xlsx）"},
    {.method = "POST", .pattern = "/api/v1/orgs/import", .handler = identity_org_import, .perm = "org.write",
     .flags = HTTP_BODY_RAW, .max_body = 20u << 20, .summary = "导入组织（.xlsx）", .audit = "org.import",
     .resource = &ORGS,
     .notes = "the export's layout; matched by code; all or nothing: 422 import_rejected with " "errors[{row,message}]"},
    {.method = "GET", .pattern = "/api/v1/orgs/{id}", .handler = get_org, .perm = HTTP_LOGIN, .summary = "组织详情",
     .resource = &ORGS, HTTP_OUT(ORG_OUT)},
    {.method = "PATCH", .pattern = "/api/v1/orgs/{id}", .handler = patch_org, .perm = "org.write",
     .summary = "修改组织", .audit = "org.update", .resource = &ORGS, HTTP_BODY(ORG_PATCH), HTTP_OUT(ORG_OUT),
     .example = "{\"short_name\":\"契约测试\"}",
     .notes = "status disabled needs every child disabled first (409); the record's action is org.update, "
       "org.disable or org.enable"},
    {.method = "DELETE", .pattern = "/api/v1/orgs/{id}", .handler = delete_org, .perm = "org.write",
     .summary = "删除组织", .audit = "org.delete", .resource = &ORGS, .status = 204,
     .notes = "soft; 409 while it has children or users"},
    {.method = "GET", .pattern = "/api/v1/orgs/{id}/tree", .handler = get_tree, .perm = HTTP_LOGIN,
     .summary = "组织树", .resource = &ORGS, HTTP_QUERY(TREE_QUERY), .notes = "the subtree as nested children"},
    {.method = "POST", .pattern = "/api/v1/orgs/{id}/move",
     .example = "{\"parent_id\":\"{org}\",\"reason\":\"隶属关系调整\"}", .handler = move_org, .perm = "org.write",
     .summary = "调整隶属关系", .audit = "org.move", .resource = &ORGS, HTTP_BODY(MOVE_BODY), HTTP_OUT(ORG_OUT),
     .notes = "the whole branch moves; 422 under itself, under a type that cannot hold it, or too deep"},
    {.method = "GET", .pattern = "/api/v1/orgs/{id}/history", .handler = org_history, .perm = HTTP_LOGIN,
     .flags = HTTP_LIST, .summary = "组织变更历史", .resource = &ORG_HISTORY, HTTP_OUT(HISTORY_OUT)},
};
// clang-format on

int identity_org_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
