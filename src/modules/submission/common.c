/* common.c — what the three kinds of submission share: who may change a
 * submission, proofreading of text, the images an article body shows, and
 * keywords for automatic tags. */
#include "core/str.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/proofread/proofread.h"
#include "modules/storage/storage.h"
#include "modules/submission/internal.h"
#include "text/htmlsafe.h"
#include "text/segment.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool sub_is_submitter(http_req_t *req, json_t *row)
{
    if (jint(row, "created_by", 0) == http_user_id(req))
        return true;
    http_error(req, 403, "forbidden", "只有投稿人本人可以修改、提交或撤回投稿");
    return false;
}

bool sub_editable(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t id)
{
    int e = review_editable(c, k, id);
    if (e < 0)
        http_db_error(req, c);
    else if (!e)
        http_error(req, 409, "conflict", "审核中或审核已完成的投稿不能修改或删除");
    return e == 1;
}

bool sub_org_ok(http_req_t *req, db_conn_t *c, int64_t org_id)
{
    if (auth_org_in_scope(req, c, org_id))
        return true;
    if (!http_responded(req))
        http_error_fields(req, json_pack("{s:s}", "org_id", "组织不存在或不在您的管理范围内"));
    return false;
}

int sub_proofread(const char *text, size_t len, const char *src, json_t *out)
{
    if (!len)
        return 0;
    char err[200];
    json_t *r = proofread_text_json(text, len, false, NULL, err, sizeof err);
    if (!r)
        return -1;
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(r, "findings"), i, f)
    {
        json_object_set_new(f, "source", json_string(src));
        json_array_append(out, f);
    }
    json_decref(r);
    return 0;
}

int sub_file_findings(db_conn_t *c, json_t *file_ids, json_t *out)
{
    size_t i;
    json_t *id;
    json_array_foreach(file_ids, i, id)
    {
        db_stmt_t *st =
            db_prepare(c, "SELECT ocr_status, ocr_findings FROM submission_files WHERE file_id = ?");
        if (!st)
            return -1;
        db_bind_int64(st, 1, json_integer_value(id));
        int rc = db_step(st);
        if (rc == DB_ROW && !strcmp(db_col_text(st, 0), "done")) {
            json_t *fs = json_loads(db_col_is_null(st, 1) ? "[]" : db_col_text(st, 1), 0, NULL);
            size_t j;
            json_t *f;
            json_array_foreach(fs, j, f)
            {
                json_object_set_new(f, "source", json_string("image"));
                json_object_set(f, "file_id", id);
                json_array_append(out, f);
            }
            json_decref(fs);
        } else if (rc == DB_ROW && !strcmp(db_col_text(st, 0), "pending"))
            json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:O}", "severity", "info", "category", "ocr",
                                                 "message", "图片文字识别尚未完成，图中文字未校对", "file_id",
                                                 id));
        db_done(st);
        if (rc == DB_ERROR)
            return -1;
    }
    return 0;
}

#define FILE_PREFIX "/api/v1/submission/files/"

json_t *sub_body_images(http_req_t *req, db_conn_t *c, const char *html)
{
    json_t *srcs = htmlsafe_images(html, strlen(html)), *ids = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(srcs, i, s)
    {
        const char *src = json_string_value(s), *p = src ? src + strlen(FILE_PREFIX) : NULL;
        int64_t id = 0;
        bool ok = src && str_starts_with(src, FILE_PREFIX);
        for (; ok && *p >= '0' && *p <= '9' && id < 100000000000000; p++)
            id = id * 10 + (*p - '0');
        ok = ok && id > 0 && (!*p || *p == '?');
        if (ok) {
            db_stmt_t *st = db_prepare(c, "SELECT 1 FROM submission_files WHERE file_id = ?");
            int rc = DB_ERROR;
            if (st) {
                db_bind_int64(st, 1, id);
                rc = db_step(st);
            }
            db_done(st);
            if (rc == DB_ERROR) {
                json_decref(srcs);
                json_decref(ids);
                http_db_error(req, c);
                return NULL;
            }
            ok = rc == DB_ROW;
        }
        if (!ok) {
            http_error_fields(req, json_pack("{s:s}", "body_html",
                                             "正文中的图片须通过平台上传（不接受外部链接或内嵌图片）"));
            json_decref(srcs);
            json_decref(ids);
            return NULL;
        }
        bool seen = false;
        size_t j;
        json_t *x;
        json_array_foreach(ids, j, x) seen = seen || json_integer_value(x) == id;
        if (!seen)
            json_array_append_new(ids, json_integer(id));
    }
    json_decref(srcs);
    return ids;
}

/* A few function words friso keeps as words that make poor tags. */
static const char *const STOP[] = {"我们", "他们", "你们", "这个", "那个", "一个", "没有",
                                   "就是", "进行", "开展", "以及", "通过", "已经", "可以",
                                   "今天", "同时", "为了", "自己", "什么", NULL};

json_t *sub_keywords(const char *text, size_t n)
{
    json_t *out = json_array();
    seg_token_t *t = NULL;
    size_t nt = 0;
    if (!text || seg_tokens(text, strlen(text), &t, &nt) != 0)
        return out;
    typedef struct {
        size_t start, len, count, chars;
    } kw_t;
    kw_t *k = calloc(nt ? nt : 1, sizeof *k);
    size_t nk = 0;
    for (size_t i = 0; k && i < nt; i++) {
        if (!t[i].word || !t[i].cjk)
            continue;
        size_t len = t[i].byte_end - t[i].byte_start;
        const char *w = text + t[i].byte_start;
        bool stop = false;
        for (int s = 0; STOP[s] && !stop; s++)
            stop = strlen(STOP[s]) == len && !memcmp(STOP[s], w, len);
        if (stop)
            continue;
        size_t j = 0;
        while (j < nk && !(k[j].len == len && !memcmp(text + k[j].start, w, len)))
            j++;
        if (j == nk)
            k[nk++] = (kw_t){t[i].byte_start, len, 0, t[i].end - t[i].start};
        k[j].count++;
    }
    /* score = count × characters; pick the best n, first seen wins ties */
    for (size_t picked = 0; k && picked < n; picked++) {
        size_t best = nk;
        for (size_t j = 0; j < nk; j++)
            if (k[j].count && (best == nk || k[j].count * k[j].chars > k[best].count * k[best].chars))
                best = j;
        if (best == nk)
            break;
        json_array_append_new(out, json_stringn(text + k[best].start, k[best].len));
        k[best].count = 0;
    }
    free(k);
    free(t);
    return out;
}

int sub_update(db_conn_t *c, const char *table, int64_t id, json_t *body, const char *const *fields)
{
    char sql[160];
    qb_t q;
    snprintf(sql, sizeof sql, "UPDATE %s SET updated_at = ", table);
    qb_init(&q, sql);
    qb_int(&q, time_now_ms());
    for (int i = 0; fields[i]; i++) {
        if (!jhas(body, fields[i]))
            continue;
        snprintf(sql, sizeof sql, ", %s = ", fields[i]);
        qb_sql(&q, sql);
        int64_t ms = 0;
        if (!str_ends_with(fields[i], "_at"))
            qb_text(&q, jstr(body, fields[i]));
        else if (jstr(body, fields[i]) && time_parse_iso8601(jstr(body, fields[i]), &ms))
            qb_int(&q, ms);
        else
            qb_sql(&q, "NULL");
    }
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    db_stmt_t *st = qb_prepare(c, &q);
    int rc = st ? db_step(st) : DB_ERROR;
    db_done(st);
    qb_free(&q);
    return rc == DB_DONE ? 0 : -1;
}

int sub_soft_delete(db_conn_t *c, const char *table, const char *col, int64_t id)
{
    char sql[160];
    snprintf(sql, sizeof sql,
             "UPDATE %s SET deleted_at = ?, updated_at = ? WHERE %s = ? AND deleted_at IS NULL", table, col);
    db_stmt_t *st = db_prepare(c, sql);
    if (!st)
        return -1;
    int64_t now = time_now_ms();
    db_bind_int64(st, 1, now);
    db_bind_int64(st, 2, now);
    db_bind_int64(st, 3, id);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

static const char *const IMAGE_VARIANTS[] = {"original", "web", "thumb_m", "thumb_s", NULL};
const vfield_t SUB_IMAGE_QUERY[1] = {
    {"variant", V_ENUM, .choices = IMAGE_VARIANTS, .title = "尺寸（默认 web）"}};

void sub_send_image(http_req_t *req, db_conn_t *c, int64_t file_id, bool inline_)
{
    const char *v = http_query(req, "variant");
    if (v && !strcmp(v, "original")) {
        if (!auth_has(req, "submission.download")) {
            http_error(req, 403, "forbidden", "您没有下载原图的权限");
            return;
        }
        storage_file_send(req, c, file_id, inline_);
    } else
        storage_file_send_derivative(req, c, file_id, v ? v : "web");
}
