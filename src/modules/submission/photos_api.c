/* photos_api.c — photo submissions (照片投稿, M1.2): a set of one or many
 * photos with title, activity type, shooting time (from EXIF, editable),
 * place and description, reviewed as one item; the photos themselves are
 * searched by keyword, shooting time and activity type (我的照片) and
 * downloaded in web size or, with permission, as originals. */
#include "core/jsonutil.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/storage/storage.h"
#include "modules/submission/internal.h"
#include <stdlib.h>
#include <string.h>

static const res_sort_t SET_SORTS[] = {{"id", "s.id"},
                                       {"title", "s.title"},
                                       {"shot_at", "s.shot_at"},
                                       {"updated_at", "s.updated_at"},
                                       {NULL, NULL}};
static const zd_resource_t PHOTO_SETS = {.name = "photo_set",
                                         .title = "照片投稿",
                                         .table = "photo_sets",
                                         .alias = "s",
                                         .where = "s.deleted_at IS NULL",
                                         .org_col = "s.org_id",
                                         .creator_col = "s.created_by",
                                         .perm = "submission.read",
                                         .keyset = "s.id",
                                         .sorts = SET_SORTS};
static const res_sort_t PHOTO_SORTS[] = {
    {"id", "p.id"}, {"shot_at", "p.shot_at"}, {"title", "p.title"}, {NULL, NULL}};
static const zd_resource_t PHOTOS = {.name = "photo",
                                     .title = "照片",
                                     .table = "photos",
                                     .alias = "p",
                                     .from = "photos p JOIN photo_sets s ON s.id = p.set_id",
                                     .where = "p.deleted_at IS NULL AND s.deleted_at IS NULL",
                                     .org_col = "p.org_id",
                                     .creator_col = "p.created_by",
                                     .perm = "submission.read",
                                     .keyset = "p.id",
                                     .sorts = PHOTO_SORTS};

#define SET_COLS                                                                                             \
    "s.id, s.org_id, s.title, s.activity_type, s.shot_at, s.place, s.description, s.status, "                \
    "s.review_level, "                                                                                       \
    "s.review_id, s.created_by, s.created_at, s.updated_at, (SELECT name FROM orgs WHERE id = s.org_id), "   \
    "(SELECT COUNT(*) FROM photos x WHERE x.set_id = s.id AND x.deleted_at IS NULL), "                       \
    "(SELECT MIN(x.file_id) FROM photos x WHERE x.set_id = s.id AND x.deleted_at IS NULL)"

static json_t *set_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, "org_id", json_integer(db_col_int64(st, 1)));
    json_object_set_new(o, "title", json_string(db_col_text(st, 2)));
    json_object_set_new(o, "activity_type", json_string(db_col_text(st, 3)));
    json_object_set_new(o, "shot_at", json_time(db_col_int64(st, 4)));
    json_object_set_new(o, "place", json_col_text(st, 5));
    json_object_set_new(o, "description", json_col_text(st, 6));
    json_object_set_new(o, "status", json_string(db_col_text(st, 7)));
    json_object_set_new(o, "review_level", json_integer(db_col_int64(st, 8)));
    json_object_set_new(o, "review_id", json_col_id(st, 9));
    json_object_set_new(o, "created_by", json_integer(db_col_int64(st, 10)));
    json_object_set_new(o, "created_at", json_time(db_col_int64(st, 11)));
    json_object_set_new(o, "updated_at", json_time(db_col_int64(st, 12)));
    json_object_set_new(o, "org_name", json_col_text(st, 13));
    json_object_set_new(o, "photo_count", json_integer(db_col_int64(st, 14)));
    json_object_set_new(o, "cover_id", json_col_id(st, 15));
    return o;
}

#define PHOTO_COLS                                                                                           \
    "p.id, p.set_id, p.file_id, p.title, p.shot_at, p.place, p.description, p.created_by, p.org_id, "        \
    "s.activity_type, s.status, s.title, p.sort"

static json_t *photo_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    int64_t id = db_col_int64(st, 0);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(id));
    json_object_set_new(o, "set_id", json_integer(db_col_int64(st, 1)));
    json_object_set_new(o, "file_id", json_integer(db_col_int64(st, 2)));
    json_object_set_new(o, "title", json_col_text(st, 3));
    json_object_set_new(o, "shot_at", json_time(db_col_int64(st, 4)));
    json_object_set_new(o, "place", json_col_text(st, 5));
    json_object_set_new(o, "description", json_col_text(st, 6));
    json_object_set_new(o, "created_by", json_integer(db_col_int64(st, 7)));
    json_object_set_new(o, "org_id", json_integer(db_col_int64(st, 8)));
    json_object_set_new(o, "activity_type", json_string(db_col_text(st, 9)));
    json_object_set_new(o, "status", json_string(db_col_text(st, 10)));
    json_object_set_new(o, "set_title", json_string(db_col_text(st, 11)));
    char u[96];
    snprintf(u, sizeof u, "/api/v1/photos/%lld/file?variant=thumb_m", (long long)id);
    json_object_set_new(o, "thumb_url", json_string(u));
    snprintf(u, sizeof u, "/api/v1/photos/%lld/file?variant=web", (long long)id);
    json_object_set_new(o, "web_url", json_string(u));
    return o;
}

static const vfield_t PHOTO_ITEM_FIELDS[] = {
    {"file_id", V_ID, true, .title = "已上传的照片文件"},
    {"title", V_STR, false, 0, 100, .title = "照片标题"},
    {"shot_at", V_TIME, .title = "拍摄时间（默认取自 EXIF）"},
    {"place", V_STR, false, 0, 100, .title = "地点"},
    {"description", V_TEXT, false, 0, 1000, .title = "说明"},
};

static const char *check_photos(json_t *v)
{
    size_t i;
    json_t *p;
    json_array_foreach(v, i, p)
    {
        if (!json_is_object(p))
            return "每张照片须为对象 {file_id, ...}";
        for (size_t k = 0; k < VN(PHOTO_ITEM_FIELDS); k++) {
            json_t *x = json_object_get(p, PHOTO_ITEM_FIELDS[k].name);
            if (!x && PHOTO_ITEM_FIELDS[k].required)
                return "每张照片须指定 file_id";
            const char *why = x && !json_is_null(x) ? valid_value(&PHOTO_ITEM_FIELDS[k], x) : NULL;
            if (why)
                return why;
        }
    }
    return NULL;
}

static const vfield_t SET_QUERY[] = {
    {"status", V_ENUM, .choices = REVIEW_STATUSES, .title = "状态"},
    {"activity_type", V_ENUM, .choices = PHOTO_ACTIVITY_TYPES, .title = "活动类型"},
    {"q", V_STR, .max = 100, .title = "标题包含"},
    {"mine", V_BOOL, .title = "只看我的投稿"},
};
static const vfield_t SET_NEW[] = {
    {"title", V_STR, true, 1, 200, .title = "标题"},
    {"activity_type", V_ENUM, true, .choices = PHOTO_ACTIVITY_TYPES, .title = "活动类型"},
    {"shot_at", V_TIME, .title = "拍摄时间（默认取第一张照片的 EXIF）"},
    {"place", V_STR, false, 0, 100, .title = "地点"},
    {"description", V_TEXT, false, 0, 5000, .title = "说明"},
    {"org_id", V_ID, true, .title = "投稿组织"},
    {"photos", V_ARRAY, false, 1, 100, .check = check_photos,
     .title = "照片 [{file_id,title,shot_at,place,description}]"},
};
static const vfield_t SET_PATCH[] = {
    {"title", V_STR, true, 1, 200, .title = "标题"},
    {"activity_type", V_ENUM, true, .choices = PHOTO_ACTIVITY_TYPES, .title = "活动类型"},
    {"shot_at", V_TIME, .title = "拍摄时间"},
    {"place", V_STR, false, 0, 100, .title = "地点"},
    {"description", V_TEXT, false, 0, 5000, .title = "说明"},
    {"photos", V_ARRAY, false, 1, 100, .check = check_photos, .title = "追加的照片"},
};
static const vfield_t PHOTO_QUERY[] = {
    {"q", V_STR, .max = 100, .title = "标题、地点或说明包含"},
    {"activity_type", V_ENUM, .choices = PHOTO_ACTIVITY_TYPES, .title = "活动类型"},
    {"from", V_TIME, .title = "拍摄时间不早于"},
    {"to", V_TIME, .title = "拍摄时间不晚于"},
    {"status", V_ENUM, .choices = REVIEW_STATUSES, .title = "投稿状态"},
    {"mine", V_BOOL, .title = "只看我的照片"},
    {"set_id", V_ID, .title = "所属投稿"},
};
static const vfield_t PHOTO_PATCH[] = {
    {"title", V_STR, false, 0, 100, .title = "照片标题"},
    {"shot_at", V_TIME, .title = "拍摄时间"},
    {"place", V_STR, false, 0, 100, .title = "地点"},
    {"description", V_TEXT, false, 0, 1000, .title = "说明"},
};
static const vfield_t SET_OUT[] = {
    {"id", V_ID},
    {"org_id", V_ID},
    {"org_name", V_STR},
    {"title", V_STR},
    {"activity_type", V_ENUM, .choices = PHOTO_ACTIVITY_TYPES},
    {"shot_at", V_TIME},
    {"place", V_STR},
    {"status", V_ENUM, .choices = REVIEW_STATUSES},
    {"review_id", V_ID},
    {"photo_count", V_INT},
    {"cover_id", V_ID, .title = "封面照片的文件"},
    {"created_by", V_ID},
    {"updated_at", V_TIME},
};
static const vfield_t PHOTO_OUT[] = {
    {"id", V_ID},
    {"set_id", V_ID},
    {"file_id", V_ID},
    {"title", V_STR},
    {"shot_at", V_TIME},
    {"place", V_STR},
    {"activity_type", V_ENUM, .choices = PHOTO_ACTIVITY_TYPES},
    {"status", V_ENUM, .choices = REVIEW_STATUSES},
    {"thumb_url", V_STR},
    {"web_url", V_STR},
};

/* ---- the photos of a set ---- */

static json_t *photos_of(db_conn_t *c, int64_t set_id)
{
    db_stmt_t *st = db_prepare(c, "SELECT " PHOTO_COLS " FROM photos p JOIN photo_sets s ON s.id = p.set_id "
                                  "WHERE p.set_id = ? AND p.deleted_at IS NULL ORDER BY p.sort, p.id");
    if (!st)
        return NULL;
    db_bind_int64(st, 1, set_id);
    json_t *a = json_array();
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        json_array_append_new(a, photo_row(st, NULL));
    db_done(st);
    if (rc != DB_DONE) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static json_t *load_set(http_req_t *req, db_conn_t *c, int64_t id, int flags)
{
    json_t *s = res_load(req, c, &PHOTO_SETS, SET_COLS, id, set_row, NULL, flags);
    if (!s)
        return NULL;
    json_t *p = photos_of(c, id), *r = review_item_json(c, &SUB_PHOTO, id);
    if (!p) {
        json_decref(s);
        json_decref(r);
        http_db_error(req, c);
        return NULL;
    }
    json_object_set_new(s, "photos", p);
    json_object_set_new(s, "review", r ? r : json_null());
    return s;
}

static int64_t time_of(json_t *o, const char *key)
{
    int64_t ms = 0;
    const char *s = jstr(o, key);
    return s && time_parse_iso8601(s, &ms) ? ms : 0;
}

/* Claims and inserts the photos of a body; *first_shot gets the first EXIF
 * time. false after answering. */
static bool add_photos(http_req_t *req, db_conn_t *c, int64_t set_id, int64_t org_id, json_t *photos,
                       int64_t *first_shot)
{
    int64_t now = time_now_ms(), sort = 0;
    db_stmt_t *st = db_prepare(c, "SELECT COALESCE(MAX(sort), 0) FROM photos WHERE set_id = ?");
    if (st) {
        db_bind_int64(st, 1, set_id);
        if (db_step(st) == DB_ROW)
            sort = db_col_int64(st, 0);
    }
    db_done(st);
    size_t i;
    json_t *p;
    json_array_foreach(photos, i, p)
    {
        int64_t fid = jint(p, "file_id", 0);
        bool dberr;
        json_t *f = storage_file_summary(c, fid, &dberr);
        const char *mime = jstr(f, "mime");
        if (dberr || !f || jint(f, "created_by", 0) != http_user_id(req) || !mime ||
            strncmp(mime, "image/", 6)) {
            json_decref(f);
            if (dberr)
                http_db_error(req, c);
            else
                http_error_fields(req,
                                  json_pack("{s:s}", "photos", "照片文件不存在、不是图片或不是您上传的"));
            return false;
        }
        int64_t exif = time_of(f, "taken_at"), shot = time_of(p, "shot_at");
        if (!shot)
            shot = exif;
        if (first_shot && !*first_shot)
            *first_shot = shot;
        json_decref(f);
        int claimed = storage_file_claim(c, fid, org_id, "submission");
        if (claimed != 1) {
            if (claimed < 0)
                http_db_error(req, c);
            else
                http_error(req, 409, "conflict", "照片文件已被使用，或不属于投稿组织的共享空间");
            return false;
        }
        st = db_prepare(
            c, "INSERT INTO photos (set_id, org_id, file_id, title, shot_at, place, description, sort, "
               "created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        bool ok = st != NULL;
        if (st) {
            db_bind_int64(st, 1, set_id);
            db_bind_int64(st, 2, org_id);
            db_bind_int64(st, 3, fid);
            db_bind_text(st, 4, jstr(p, "title"));
            if (shot)
                db_bind_int64(st, 5, shot);
            else
                db_bind_null(st, 5);
            db_bind_text(st, 6, jstr(p, "place"));
            db_bind_text(st, 7, jstr(p, "description"));
            db_bind_int64(st, 8, ++sort);
            db_bind_int64(st, 9, http_user_id(req));
            db_bind_int64(st, 10, now);
            db_bind_int64(st, 11, now);
            ok = db_step(st) == DB_DONE;
        }
        db_done(st);
        if (!ok) {
            http_db_error(req, c);
            return false;
        }
    }
    return true;
}

/* ---- review ---- */

static int photo_check(db_conn_t *c, int64_t ref_id, json_t *snap, json_t **findings)
{
    (void)c;
    (void)ref_id;
    json_t *f = json_array();
    const char *t = jstr(snap, "title"), *d = jstr(snap, "description");
    int rc = (t ? sub_proofread(t, strlen(t), "title", f) : 0) |
             (d ? sub_proofread(d, strlen(d), "description", f) : 0);
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(snap, "photos"), i, p)
    {
        const char *pt = jstr(p, "title"), *pd = jstr(p, "description");
        rc |= (pt ? sub_proofread(pt, strlen(pt), "title", f) : 0) |
              (pd ? sub_proofread(pd, strlen(pd), "description", f) : 0);
    }
    if (rc) {
        json_decref(f);
        return -1;
    }
    *findings = f;
    return 0;
}

const review_kind_t SUB_PHOTO = {.kind = "photo",
                                 .title = "照片",
                                 .table = "photo_sets",
                                 .link = "/submission/photos/%lld",
                                 .levels = REVIEW_DISTRICT_CITY,
                                 .check = photo_check};

/* ---- handlers ---- */

static void list_sets(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &PHOTO_SETS, &w);
    const char *st = http_query(req, "status"), *at = http_query(req, "activity_type"),
               *q = http_query(req, "q");
    if (st) {
        qb_sql(&w, " AND s.status = ");
        qb_text(&w, st);
    }
    if (at) {
        qb_sql(&w, " AND s.activity_type = ");
        qb_text(&w, at);
    }
    if (q && *q) {
        static const char *const cols[] = {"s.title", "s.description"};
        qb_like_any(&w, cols, 2, q);
    }
    if (http_query_bool(req, "mine")) {
        qb_sql(&w, " AND s.created_by = ");
        qb_int(&w, http_user_id(req));
    }
    res_list(req, c, &PHOTO_SETS, SET_COLS, &w, "s.id DESC", set_row, NULL);
    qb_free(&w);
}

static void get_set(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    json_t *s = c ? load_set(req, c, id, RES_PLAIN) : NULL;
    if (s)
        http_json(req, 200, s);
}

static void create_set(http_req_t *req)
{
    json_t *b = http_json_body(req);
    db_conn_t *c = http_db(req);
    int64_t org = jint(b, "org_id", 0), now = time_now_ms(), id = -1;
    if (!c || !http_begin(req, c) || !sub_org_ok(req, c, org))
        return;
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO photo_sets (org_id, title, activity_type, shot_at, place, description, "
                      "created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (st) {
        db_bind_int64(st, 1, org);
        db_bind_text(st, 2, jstr(b, "title"));
        db_bind_text(st, 3, jstr(b, "activity_type"));
        int64_t shot = time_of(b, "shot_at");
        if (shot)
            db_bind_int64(st, 4, shot);
        else
            db_bind_null(st, 4);
        db_bind_text(st, 5, jstr(b, "place"));
        db_bind_text(st, 6, jstr(b, "description"));
        db_bind_int64(st, 7, http_user_id(req));
        db_bind_int64(st, 8, now);
        db_bind_int64(st, 9, now);
        if (db_step(st) == DB_ROW)
            id = db_col_int64(st, 0);
    }
    db_done(st);
    if (id < 0) {
        http_db_error(req, c);
        return;
    }
    int64_t first = 0;
    if (json_object_get(b, "photos") && !add_photos(req, c, id, org, json_object_get(b, "photos"), &first))
        return;
    if (!time_of(b, "shot_at") && first) {
        st = db_prepare(c, "UPDATE photo_sets SET shot_at = ? WHERE id = ?");
        if (st) {
            db_bind_int64(st, 1, first);
            db_bind_int64(st, 2, id);
            db_step(st);
        }
        db_done(st);
    }
    if (review_open(req, c, &SUB_PHOTO, id, org, jstr(b, "activity_type"), jstr(b, "title")) < 0)
        return;
    json_t *o = load_set(req, c, id, RES_PLAIN);
    audit_entry_t ae = {.target = id, .after = o, .detail = jstr(b, "title")};
    audit_reply(req, c, o != NULL, &ae, 201, o);
}

static json_t *set_for_change(http_req_t *req, db_conn_t *c, int64_t id)
{
    json_t *s =
        http_defer_json(req, res_load(req, c, &PHOTO_SETS, SET_COLS, id, set_row, NULL, RES_FOR_UPDATE));
    return s && sub_is_submitter(req, s) && sub_editable(req, c, &SUB_PHOTO, id) ? s : NULL;
}

static void patch_set(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    json_t *before = c ? set_for_change(req, c, id) : NULL;
    if (!before)
        return;
    json_t *b = http_json_body(req);
    static const char *const F[] = {"title", "activity_type", "place", "description", "shot_at", NULL};
    bool ok = sub_update(c, "photo_sets", id, b, F) == 0;
    if (ok && json_object_get(b, "photos") &&
        !add_photos(req, c, id, jint(before, "org_id", 0), json_object_get(b, "photos"), NULL))
        return;
    json_t *after = ok ? load_set(req, c, id, RES_PLAIN) : NULL;
    if (after && review_retitle(c, &SUB_PHOTO, id, jstr(after, "activity_type"), jstr(after, "title")) != 0) {
        json_decref(after);
        after = NULL;
    }
    audit_entry_t ae = {.target = id, .before = before, .after = after, .detail = jstr(before, "title")};
    audit_reply(req, c, after != NULL, &ae, 200, after);
}

static void delete_set(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    json_t *before = c ? set_for_change(req, c, id) : NULL;
    if (!before)
        return;
    bool ok = sub_soft_delete(c, "photos", "set_id", id) == 0 &&
              sub_soft_delete(c, "photo_sets", "id", id) == 0 && review_discard(c, &SUB_PHOTO, id) == 0;
    audit_entry_t ae = {.target = id, .before = before, .detail = jstr(before, "title")};
    audit_reply(req, c, ok, &ae, 204, NULL);
}

static void submit_set(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    json_t *s = c ? http_defer_json(req, load_set(req, c, id, RES_FOR_UPDATE)) : NULL;
    if (!s || !sub_is_submitter(req, s))
        return;
    if (!json_array_size(json_object_get(s, "photos"))) {
        http_error(req, 409, "conflict", "投稿中没有照片");
        return;
    }
    json_t *photos = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(s, "photos"), i, p) json_array_append_new(
        photos, json_pack("{s:O,s:O,s:O,s:O,s:O}", "file_id", json_object_get(p, "file_id"), "title",
                          json_object_get(p, "title"), "shot_at", json_object_get(p, "shot_at"), "place",
                          json_object_get(p, "place"), "description", json_object_get(p, "description")));
    json_t *snap =
        http_defer_json(req, json_pack("{s:O,s:O,s:O,s:O,s:O,s:o}", "title", json_object_get(s, "title"),
                                       "activity_type", json_object_get(s, "activity_type"), "shot_at",
                                       json_object_get(s, "shot_at"), "place", json_object_get(s, "place"),
                                       "description", json_object_get(s, "description"), "photos", photos));
    if (!review_submit(req, c, &SUB_PHOTO, id, snap, NULL))
        return;
    json_t *after = load_set(req, c, id, RES_PLAIN);
    audit_entry_t ae = {.target = id, .after = after, .detail = jstr(s, "title")};
    audit_reply(req, c, after != NULL, &ae, 200, after);
}

static void withdraw_set(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    json_t *s =
        c ? http_defer_json(req, res_load(req, c, &PHOTO_SETS, SET_COLS, id, set_row, NULL, RES_FOR_UPDATE))
          : NULL;
    if (!s || !sub_is_submitter(req, s) || !review_withdraw(req, c, &SUB_PHOTO, id, NULL))
        return;
    json_t *after = load_set(req, c, id, RES_PLAIN);
    audit_entry_t ae = {.target = id, .after = after, .detail = jstr(s, "title")};
    audit_reply(req, c, after != NULL, &ae, 200, after);
}

static void list_photos(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &PHOTOS, &w);
    const char *q = http_query(req, "q"), *at = http_query(req, "activity_type"),
               *st = http_query(req, "status");
    int64_t from = 0, to = 0;
    if (q && *q) {
        static const char *const cols[] = {"p.title", "p.place", "p.description", "s.title", "s.place"};
        qb_like_any(&w, cols, 5, q);
    }
    if (at) {
        qb_sql(&w, " AND s.activity_type = ");
        qb_text(&w, at);
    }
    if (st) {
        qb_sql(&w, " AND s.status = ");
        qb_text(&w, st);
    }
    if (http_query(req, "from") && time_parse_iso8601(http_query(req, "from"), &from)) {
        qb_sql(&w, " AND p.shot_at >= ");
        qb_int(&w, from);
    }
    if (http_query(req, "to") && time_parse_iso8601(http_query(req, "to"), &to)) {
        qb_sql(&w, " AND p.shot_at <= ");
        qb_int(&w, to);
    }
    if (http_query(req, "set_id")) {
        qb_sql(&w, " AND p.set_id = ");
        qb_int(&w, http_query_i64(req, "set_id", 0));
    }
    if (http_query_bool(req, "mine")) {
        qb_sql(&w, " AND p.created_by = ");
        qb_int(&w, http_user_id(req));
    }
    res_list(req, c, &PHOTOS, PHOTO_COLS, &w, "p.id DESC", photo_row, NULL);
    qb_free(&w);
}

static json_t *photo_for_change(http_req_t *req, db_conn_t *c, int64_t id)
{
    json_t *p = http_defer_json(req, res_load(req, c, &PHOTOS, PHOTO_COLS, id, photo_row, NULL, RES_PLAIN));
    return p && sub_is_submitter(req, p) && sub_editable(req, c, &SUB_PHOTO, jint(p, "set_id", 0)) ? p : NULL;
}

static void patch_photo(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    json_t *before = c ? photo_for_change(req, c, id) : NULL;
    if (!before)
        return;
    json_t *b = http_json_body(req);
    static const char *const F[] = {"title", "place", "description", "shot_at", NULL};
    bool ok = sub_update(c, "photos", id, b, F) == 0;
    json_t *after = ok ? res_load(req, c, &PHOTOS, PHOTO_COLS, id, photo_row, NULL, RES_PLAIN) : NULL;
    audit_entry_t ae = {.target = id, .before = before, .after = after};
    audit_reply(req, c, after != NULL, &ae, 200, after);
}

static void delete_photo(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    json_t *before = c ? photo_for_change(req, c, id) : NULL;
    if (!before)
        return;
    bool ok = sub_soft_delete(c, "photos", "id", id) == 0;
    audit_entry_t ae = {.target = id, .before = before};
    audit_reply(req, c, ok, &ae, 204, NULL);
}

static void photo_file(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    json_t *p =
        c ? http_defer_json(req, res_load(req, c, &PHOTOS, PHOTO_COLS, id, photo_row, NULL, RES_PLAIN))
          : NULL;
    if (!p)
        return;
    sub_send_image(req, c, jint(p, "file_id", 0), false);
}

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/photo-sets", .handler = list_sets, .perm = "submission.read",
     .flags = HTTP_LIST, .summary = "照片投稿列表", .resource = &PHOTO_SETS, HTTP_QUERY(SET_QUERY), HTTP_OUT(SET_OUT)},
    {.method = "POST", .pattern = "/api/v1/photo-sets", .handler = create_set, .perm = "submission.write",
     .summary = "新建照片投稿（草稿）", .audit = "photo_set.create", .resource = &PHOTO_SETS, HTTP_BODY(SET_NEW),
     HTTP_OUT(SET_OUT), .status = 201,
     .example = "{\"title\":\"主题党日活动照片{n}\",\"activity_type\":\"theme_day\",\"org_id\":\"{org}\"}",
     .notes = "photos: files the caller uploaded (/api/v1/uploads, purpose photo), now or later (PATCH photos "
              "appends); shot_at defaults to the first photo's EXIF time"},
    {.method = "GET", .pattern = "/api/v1/photo-sets/{id}", .handler = get_set, .perm = "submission.read",
     .summary = "照片投稿详情（含照片与审核记录）", .resource = &PHOTO_SETS, HTTP_OUT(SET_OUT)},
    {.method = "PATCH", .pattern = "/api/v1/photo-sets/{id}", .handler = patch_set, .perm = "submission.write",
     .summary = "修改照片投稿", .audit = "photo_set.update", .resource = &PHOTO_SETS, HTTP_BODY(SET_PATCH),
     HTTP_OUT(SET_OUT), .example = "{\"title\":\"修改后的标题{n}\"}", .notes = "while draft, returned or withdrawn"},
    {.method = "DELETE", .pattern = "/api/v1/photo-sets/{id}", .handler = delete_set, .perm = "submission.write",
     .summary = "删除照片投稿", .audit = "photo_set.delete", .resource = &PHOTO_SETS, .status = 204},
    {.method = "POST", .pattern = "/api/v1/photo-sets/{id}/submit", .handler = submit_set,
     .perm = "submission.write", .summary = "提交审核", .audit = "photo_set.submit", .resource = &PHOTO_SETS,
     HTTP_OUT(SET_OUT)},
    {.method = "POST", .pattern = "/api/v1/photo-sets/{id}/withdraw", .handler = withdraw_set,
     .perm = "submission.write", .summary = "撤回照片投稿", .audit = "photo_set.withdraw", .resource = &PHOTO_SETS,
     HTTP_OUT(SET_OUT)},
    {.method = "GET", .pattern = "/api/v1/photos", .handler = list_photos, .perm = "submission.read",
     .flags = HTTP_LIST, .summary = "照片检索（我的照片）", .resource = &PHOTOS, HTTP_QUERY(PHOTO_QUERY), HTTP_OUT(PHOTO_OUT)},
    {.method = "PATCH", .pattern = "/api/v1/photos/{id}", .handler = patch_photo, .perm = "submission.write",
     .summary = "修改照片信息", .audit = "photo.update", .resource = &PHOTOS, HTTP_BODY(PHOTO_PATCH),
     HTTP_OUT(PHOTO_OUT), .example = "{\"title\":\"合影{n}\"}", .notes = "while its submission is not in review or approved"},
    {.method = "DELETE", .pattern = "/api/v1/photos/{id}", .handler = delete_photo, .perm = "submission.write",
     .summary = "删除照片", .audit = "photo.delete", .resource = &PHOTOS, .status = 204},
    {.method = "GET", .pattern = "/api/v1/photos/{id}/file", .handler = photo_file, .perm = "submission.read",
     .flags = HTTP_DOWNLOAD, .summary = "照片文件（原图或网页尺寸）", .resource = &PHOTOS, .query = SUB_IMAGE_QUERY, .nquery = 1,
     .notes = "original needs submission.download"},
};
// clang-format on

int sub_photos_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
