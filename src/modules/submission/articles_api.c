/* articles_api.c — article submissions (文章投稿, M1.1): rich text written
 * in the console's editor, sanitised on the server by parsing it with an
 * HTML5 parser (text/htmlsafe.h), proofread (text and the text inside its
 * images) before it is sent and on submission, then reviewed level by level
 * through the review engine and published on approval. */
#include "core/jsonutil.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/submission/internal.h"
#include "text/htmlsafe.h"
#include <stdlib.h>
#include <string.h>

static const res_sort_t ARTICLE_SORTS[] = {{"id", "a.id"},
                                           {"title", "a.title"},
                                           {"category", "a.category"},
                                           {"status", "a.status"},
                                           {"updated_at", "a.updated_at"},
                                           {"published_at", "a.published_at"},
                                           {NULL, NULL}};
static const zd_resource_t ARTICLES = {.name = "article",
                                       .title = "文章",
                                       .table = "articles",
                                       .alias = "a",
                                       .where = "a.deleted_at IS NULL",
                                       .org_col = "a.org_id",
                                       .creator_col = "a.created_by",
                                       .perm = "submission.read",
                                       .keyset = "a.id",
                                       .sorts = ARTICLE_SORTS};

static const char *const AUTHOR_TYPES[] = {"org", "person", NULL};

#define ARTICLE_COLS                                                                                         \
    "a.id, a.org_id, a.title, a.category, a.author_type, a.author, a.status, a.review_level, a.review_id, "  \
    "a.published_at, a.created_by, a.created_at, a.updated_at, (SELECT name FROM orgs WHERE id = "           \
    "a.org_id), "                                                                                            \
    "(SELECT name FROM users WHERE id = a.created_by), a.body_html"

static json_t *article_row(db_stmt_t *st, void *ud)
{
    bool full = ud != NULL;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, "org_id", json_integer(db_col_int64(st, 1)));
    json_object_set_new(o, "title", json_string(db_col_text(st, 2)));
    json_object_set_new(o, "category", json_string(db_col_text(st, 3)));
    json_object_set_new(o, "author_type", json_string(db_col_text(st, 4)));
    json_object_set_new(o, "author", json_string(db_col_text(st, 5)));
    json_object_set_new(o, "status", json_string(db_col_text(st, 6)));
    json_object_set_new(o, "review_level", json_integer(db_col_int64(st, 7)));
    json_object_set_new(o, "review_id", json_col_id(st, 8));
    json_object_set_new(o, "published_at", json_time(db_col_int64(st, 9)));
    json_object_set_new(o, "created_by", json_integer(db_col_int64(st, 10)));
    json_object_set_new(o, "created_at", json_time(db_col_int64(st, 11)));
    json_object_set_new(o, "updated_at", json_time(db_col_int64(st, 12)));
    json_object_set_new(o, "org_name", json_col_text(st, 13));
    json_object_set_new(o, "created_by_name", json_col_text(st, 14));
    if (full)
        json_object_set_new(o, "body_html", json_string(db_col_text(st, 15)));
    return o;
}

static const vfield_t ARTICLE_QUERY[] = {
    {"status", V_ENUM, .choices = REVIEW_STATUSES, .title = "状态"},
    {"category", V_ENUM, .choices = ARTICLE_CATEGORIES, .title = "栏目"},
    {"q", V_STR, .max = 100, .title = "标题或正文包含"},
    {"mine", V_BOOL, .title = "只看我的投稿"},
};
static const vfield_t ARTICLE_NEW[] = {
    {"title", V_STR, true, 1, 200, .title = "标题"},
    {"category", V_ENUM, true, .choices = ARTICLE_CATEGORIES, .title = "栏目"},
    {"author_type", V_ENUM, true, .choices = AUTHOR_TYPES, .title = "作者类型：org 组织，person 个人"},
    {"author", V_STR, true, 1, 100, .title = "作者（组织名称或姓名）"},
    {"org_id", V_ID, true, .title = "投稿组织"},
    {"body_html", V_TEXT, true, 1, 1000000, .title = "正文（HTML，服务器按白名单清洗）"},
};
static const vfield_t ARTICLE_PATCH[] = {
    {"title", V_STR, true, 1, 200, .title = "标题"},
    {"category", V_ENUM, true, .choices = ARTICLE_CATEGORIES, .title = "栏目"},
    {"author_type", V_ENUM, true, .choices = AUTHOR_TYPES, .title = "作者类型"},
    {"author", V_STR, true, 1, 100, .title = "作者"},
    {"body_html", V_TEXT, true, 1, 1000000, .title = "正文（HTML）"},
};
static const vfield_t CHECK_BODY[] = {
    {"title", V_STR, false, 0, 200, .title = "标题"},
    {"body_html", V_TEXT, true, 1, 1000000, .title = "正文（HTML）"},
};
static const vfield_t ARTICLE_OUT[] = {
    {"id", V_ID},
    {"org_id", V_ID},
    {"org_name", V_STR},
    {"title", V_STR},
    {"category", V_ENUM, .choices = ARTICLE_CATEGORIES},
    {"author_type", V_ENUM, .choices = AUTHOR_TYPES},
    {"author", V_STR},
    {"status", V_ENUM, .choices = REVIEW_STATUSES},
    {"review_level", V_INT, .title = "所处审核级"},
    {"review_id", V_ID, .title = "审核事项"},
    {"published_at", V_TIME},
    {"created_by", V_ID},
    {"created_by_name", V_STR},
    {"created_at", V_TIME},
    {"updated_at", V_TIME},
};

/* ---- the body ---- */

typedef struct {
    char *html, *text;
    size_t text_len;
    json_t *images; /* file ids */
} body_t;

static void body_free(body_t *b)
{
    free(b->html);
    free(b->text);
    json_decref(b->images);
    memset(b, 0, sizeof *b);
}

/* Sanitises and reads the body; false after answering 422. */
static bool body_read(http_req_t *req, db_conn_t *c, const char *html, body_t *b)
{
    char err[200];
    memset(b, 0, sizeof *b);
    b->html = htmlsafe_clean(html, strlen(html), 0, err, sizeof err);
    if (b->html)
        b->text = htmlsafe_text(b->html, strlen(b->html), &b->text_len, err, sizeof err);
    if (!b->html || !b->text) {
        http_error_fields(req, json_pack("{s:s}", "body_html", err));
        body_free(b);
        return false;
    }
    if (!(b->images = sub_body_images(req, c, b->html))) {
        body_free(b);
        return false;
    }
    return true;
}

/* Findings of the title and the body's text and images: {"findings","blocks"} or NULL. */
static json_t *article_findings(db_conn_t *c, const char *title, const char *text, size_t text_len,
                                json_t *images)
{
    json_t *f = json_array();
    if ((title && *title && sub_proofread(title, strlen(title), "title", f) != 0) ||
        sub_proofread(text, text_len, "body", f) != 0 || sub_file_findings(c, images, f) != 0) {
        json_decref(f);
        return NULL;
    }
    return f;
}

static int article_check(db_conn_t *c, int64_t ref_id, json_t *snapshot, json_t **findings)
{
    (void)ref_id;
    const char *html = jstr(snapshot, "body_html");
    size_t n = 0;
    char err[200];
    char *text = html ? htmlsafe_text(html, strlen(html), &n, err, sizeof err) : NULL;
    json_t *imgs = json_incref(json_object_get(snapshot, "images"));
    *findings = text ? article_findings(c, jstr(snapshot, "title"), text, n, imgs) : NULL;
    json_decref(imgs);
    free(text);
    return *findings ? 0 : -1;
}

static int article_approved(db_conn_t *c, const review_event_t *ev)
{
    db_stmt_t *st = db_prepare(c, "UPDATE articles SET published_at = ? WHERE id = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, time_now_ms());
    db_bind_int64(st, 2, ev->ref_id);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

const review_kind_t SUB_ARTICLE = {.kind = "article",
                                   .title = "文章",
                                   .table = "articles",
                                   .link = "/submission/articles/%lld",
                                   .levels = REVIEW_DISTRICT_CITY,
                                   .check = article_check,
                                   .approved = article_approved};

/* ---- handlers ---- */

static void list_articles(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &ARTICLES, &w);
    const char *st = http_query(req, "status"), *cat = http_query(req, "category"), *q = http_query(req, "q");
    if (st) {
        qb_sql(&w, " AND a.status = ");
        qb_text(&w, st);
    }
    if (cat) {
        qb_sql(&w, " AND a.category = ");
        qb_text(&w, cat);
    }
    if (q && *q) {
        static const char *const cols[] = {"a.title", "a.body_text"};
        qb_like_any(&w, cols, 2, q);
    }
    if (http_query_bool(req, "mine")) {
        qb_sql(&w, " AND a.created_by = ");
        qb_int(&w, http_user_id(req));
    }
    res_list(req, c, &ARTICLES, ARTICLE_COLS, &w, "a.id DESC", article_row, NULL);
    qb_free(&w);
}

static json_t *load_full(http_req_t *req, db_conn_t *c, int64_t id, int flags)
{
    json_t *a = res_load(req, c, &ARTICLES, ARTICLE_COLS, id, article_row, (void *)1, flags);
    if (a) {
        json_t *r = review_item_json(c, &SUB_ARTICLE, id);
        json_object_set_new(a, "review", r ? r : json_null());
    }
    return a;
}

static void get_article(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    json_t *a = c ? load_full(req, c, id, RES_PLAIN) : NULL;
    if (a)
        http_json(req, 200, a);
}

static int64_t insert_article(db_conn_t *c, json_t *b, const body_t *body, int64_t user)
{
    int64_t now = time_now_ms(), id = -1;
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO articles (org_id, title, category, author_type, author, body_html, "
                      "body_text, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                      "RETURNING id");
    if (!st)
        return -1;
    db_bind_int64(st, 1, jint(b, "org_id", 0));
    db_bind_text(st, 2, jstr(b, "title"));
    db_bind_text(st, 3, jstr(b, "category"));
    db_bind_text(st, 4, jstr(b, "author_type"));
    db_bind_text(st, 5, jstr(b, "author"));
    db_bind_text(st, 6, body->html);
    db_bind_textn(st, 7, body->text, body->text_len);
    db_bind_int64(st, 8, user);
    db_bind_int64(st, 9, now);
    db_bind_int64(st, 10, now);
    if (db_step(st) == DB_ROW)
        id = db_col_int64(st, 0);
    db_done(st);
    return id;
}

static void create_article(http_req_t *req)
{
    json_t *b = http_json_body(req);
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c) || !sub_org_ok(req, c, jint(b, "org_id", 0)))
        return;
    body_t body;
    if (!body_read(req, c, jstr(b, "body_html"), &body))
        return;
    int64_t id = insert_article(c, b, &body, http_user_id(req));
    body_free(&body);
    if (id < 0) {
        http_db_error(req, c);
        return;
    }
    if (review_open(req, c, &SUB_ARTICLE, id, jint(b, "org_id", 0), jstr(b, "category"), jstr(b, "title")) <
        0)
        return;
    json_t *o = load_full(req, c, id, RES_PLAIN);
    audit_entry_t ae = {.target = id, .after = o, .detail = jstr(b, "title")};
    audit_reply(req, c, o != NULL, &ae, 201, o);
}

/* The article of {id} for a change by its submitter while editable, or NULL after answering. */
static json_t *for_change(http_req_t *req, db_conn_t *c, int64_t id)
{
    json_t *a = http_defer_json(
        req, res_load(req, c, &ARTICLES, ARTICLE_COLS, id, article_row, (void *)1, RES_FOR_UPDATE));
    if (!a || !sub_is_submitter(req, a))
        return NULL;
    return a;
}

static void patch_article(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = for_change(req, c, id);
    if (!before || !sub_editable(req, c, &SUB_ARTICLE, id))
        return;
    json_t *b = http_json_body(req);
    body_t body = {0};
    if (jstr(b, "body_html") && !body_read(req, c, jstr(b, "body_html"), &body))
        return;
    static const char *const F[] = {"title",     "category",  "author_type", "author",
                                    "body_html", "body_text", NULL};
    json_t *set = http_defer_json(req, json_deep_copy(b));
    if (body.html) { /* what is stored is the sanitised body */
        json_object_set_new(set, "body_html", json_string(body.html));
        json_object_set_new(set, "body_text", json_stringn(body.text, body.text_len));
    }
    body_free(&body);
    bool ok = sub_update(c, "articles", id, set, F) == 0;
    json_t *after = ok ? load_full(req, c, id, RES_PLAIN) : NULL;
    if (after && review_retitle(c, &SUB_ARTICLE, id, jstr(after, "category"), jstr(after, "title")) != 0) {
        json_decref(after);
        after = NULL;
    }
    audit_entry_t ae = {.target = id, .before = before, .after = after, .detail = jstr(before, "title")};
    audit_reply(req, c, after != NULL, &ae, 200, after);
}

static void delete_article(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before = for_change(req, c, id);
    if (!before || !sub_editable(req, c, &SUB_ARTICLE, id))
        return;
    bool ok = sub_soft_delete(c, "articles", "id", id) == 0;
    ok = ok && review_discard(c, &SUB_ARTICLE, id) == 0;
    audit_entry_t ae = {.target = id, .before = before, .detail = jstr(before, "title")};
    audit_reply(req, c, ok, &ae, 204, NULL);
}

static json_t *snapshot_of(json_t *a, json_t *images)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:O}", "title", jstr(a, "title"), "category",
                     jstr(a, "category"), "author_type", jstr(a, "author_type"), "author", jstr(a, "author"),
                     "org_name", jstr(a, "org_name") ? jstr(a, "org_name") : "", "body_html",
                     jstr(a, "body_html"), "images", images);
}

static void submit_article(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *a = for_change(req, c, id);
    if (!a)
        return;
    json_t *imgs = http_defer_json(req, sub_body_images(req, c, jstr(a, "body_html")));
    if (!imgs)
        return;
    json_t *snap = http_defer_json(req, snapshot_of(a, imgs));
    if (!review_submit(req, c, &SUB_ARTICLE, id, snap, NULL))
        return;
    json_t *after = load_full(req, c, id, RES_PLAIN);
    audit_entry_t ae = {.target = id, .after = after, .detail = jstr(a, "title")};
    audit_reply(req, c, after != NULL, &ae, 200, after);
}

static void withdraw_article(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *a = for_change(req, c, id);
    if (!a || !review_withdraw(req, c, &SUB_ARTICLE, id, NULL))
        return;
    json_t *after = load_full(req, c, id, RES_PLAIN);
    audit_entry_t ae = {.target = id, .after = after, .detail = jstr(a, "title")};
    audit_reply(req, c, after != NULL, &ae, 200, after);
}

static void check_article(http_req_t *req)
{
    json_t *b = http_json_body(req);
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    body_t body;
    if (!body_read(req, c, jstr(b, "body_html"), &body))
        return;
    json_t *f = article_findings(c, jstr(b, "title"), body.text, body.text_len, body.images);
    if (!f) {
        body_free(&body);
        http_error(req, 503, "check_unavailable", "内容校对暂时无法进行，请稍后再试");
        return;
    }
    int blocks = review_count_blocks(f);
    json_t *o = json_pack("{s:o,s:i,s:s,s:s%}", "findings", f, "blocks", blocks, "body_html", body.html,
                          "text", body.text, body.text_len);
    body_free(&body);
    http_json(req, 200, o);
}

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/articles", .handler = list_articles, .perm = "submission.read",
     .flags = HTTP_LIST, .summary = "文章投稿列表", .resource = &ARTICLES, HTTP_QUERY(ARTICLE_QUERY), HTTP_OUT(ARTICLE_OUT)},
    {.method = "POST", .pattern = "/api/v1/articles", .handler = create_article, .perm = "submission.write",
     .summary = "新建文章（草稿）", .audit = "article.create", .resource = &ARTICLES, HTTP_BODY(ARTICLE_NEW),
     HTTP_OUT(ARTICLE_OUT), .status = 201,
     .example = "{\"title\":\"社区党群服务中心开展主题党日活动{n}\",\"category\":\"news\",\"author_type\":\"org\","
                "\"author\":\"陆家嘴街道党工委\",\"org_id\":\"{org}\",\"body_html\":\"<p>活动内容。</p>\"}",
     .notes = "body_html is sanitised to a whitelist (HTML5 parser); images must be uploaded through the platform "
              "(/api/v1/submission/files)"},
    {.method = "POST", .pattern = "/api/v1/articles/check", .handler = check_article, .perm = "submission.write",
     .flags = HTTP_NO_AUDIT, .summary = "校对文章（提交前预览）", HTTP_BODY(CHECK_BODY),
     .example = "{\"title\":\"标题\",\"body_html\":\"<p>正文</p>\"}",
     .notes = "{findings (source title/body/image), blocks, body_html (as it will be stored), text (what offsets refer to)}"},
    {.method = "GET", .pattern = "/api/v1/articles/{id}", .handler = get_article, .perm = "submission.read",
     .summary = "文章详情（含审核记录）", .resource = &ARTICLES, HTTP_OUT(ARTICLE_OUT)},
    {.method = "PATCH", .pattern = "/api/v1/articles/{id}", .handler = patch_article, .perm = "submission.write",
     .summary = "修改文章", .audit = "article.update", .resource = &ARTICLES, HTTP_BODY(ARTICLE_PATCH),
     HTTP_OUT(ARTICLE_OUT), .example = "{\"title\":\"修改后的标题{n}\"}",
     .notes = "by its submitter, while draft, returned or withdrawn; else 409"},
    {.method = "DELETE", .pattern = "/api/v1/articles/{id}", .handler = delete_article, .perm = "submission.write",
     .summary = "删除文章", .audit = "article.delete", .resource = &ARTICLES, .status = 204},
    {.method = "POST", .pattern = "/api/v1/articles/{id}/submit", .handler = submit_article,
     .perm = "submission.write", .summary = "提交审核", .audit = "article.submit", .resource = &ARTICLES,
     HTTP_OUT(ARTICLE_OUT),
     .notes = "proofreads title, text and images; 422 proofread_block with findings unless a reviewer overrode "
              "them for this content; 409 when not draft/returned/withdrawn"},
    {.method = "POST", .pattern = "/api/v1/articles/{id}/withdraw", .handler = withdraw_article,
     .perm = "submission.write", .summary = "撤回投稿", .audit = "article.withdraw", .resource = &ARTICLES,
     HTTP_OUT(ARTICLE_OUT), .notes = "before the first decision; 409 afterwards"},
};
// clang-format on

int sub_articles_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
