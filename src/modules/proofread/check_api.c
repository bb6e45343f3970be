/* check_api.c — the checks over HTTP, open to every logged-in user:
 *   POST /api/v1/proofread          {"text","categories"?,"external"?,"explain"?} → findings, summary, verdict
 *   POST /api/v1/proofread/image    multipart/form-data, fields "file", "external"? → the same with boxes
 *   POST /api/v1/text/segment       {"text"} → word tokens with offsets
 *   GET  /api/v1/proofread/meta     categories, severities, limits (for the console)
 *   GET  /api/v1/proofread/engine   compiled lexicon figures (lexicon.read)
 * Image recognition runs in the request, bounded by proofread_ocr_concurrency
 * slots (429 when none frees up within 2 s) and proofread_ocr_timeout_s. */
#include "core/log.h"
#include "core/mime.h"
#include "core/str.h"
#include "http/multipart.h"
#include "http/upload.h"
#include "http/valid.h"
#include "modules/proofread/internal.h"
#include "text/docparse.h"
#include "text/extcheck.h"
#include "text/prmedia.h"
#include "text/segment.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEXT_MAX_CHARS    500000
#define SEGMENT_MAX_CHARS 100000
#define OCR_WAIT_MS       2000 /* longer would hold HTTP threads */

/* what tesseract's image library reads reliably (BMP is left out: palette
 * and grey BMP files fail in leptonica) */
static const char *const IMAGE_TYPES[] = {"image/png",  "image/jpeg", "image/gif",
                                          "image/tiff", "image/webp", NULL};

static void external_config(extcheck_config_t *x)
{
    x->url = proofread_cfg.external_url;
    x->key = proofread_cfg.external_key;
    x->timeout_ms = (int)proofread_cfg.external_timeout_ms;
}

/* The check shared by the text endpoint and other modules. */
static json_t *check_text(const char *text, size_t len, unsigned categories, bool external, bool explain,
                          const char *rid, char *err, size_t errlen)
{
    pr_lexset_t *ls = proofread_engine_acquire();
    if (!ls) {
        snprintf(err, errlen, "校对引擎尚未就绪");
        return NULL;
    }
    pr_options_t o = {.categories = categories, .explain = explain};
    pr_result_t res;
    size_t bad = 0;
    if (pr_check(ls, text, len, &o, &res, &bad) != 0) {
        pr_result_free(&res);
        pr_lexset_release(ls);
        snprintf(err, errlen, "文本不是有效的 UTF-8（第 %zu 字节）", bad);
        return NULL;
    }
    extcheck_result_t ext;
    extcheck_config_t xc = {0};
    if (external)
        external_config(&xc);
    extcheck_run(&xc, text, len, rid, &ext);
    if (ext.status == EXT_OK) {
        /* keep only the categories asked for */
        size_t k = 0;
        for (size_t i = 0; i < ext.n; i++)
            if (!categories || (categories & (1u << ext.items[i].category)))
                ext.items[k++] = ext.items[i];
        pr_result_merge(&res, text, len, ext.items, k);
    } else if (ext.status != EXT_DISABLED) {
        log_msg(LOG_APP, LOG_WARN, "proofread.external_failed", "%s", ext.error);
    }
    json_t *o2 = pr_result_json(&res, text);
    json_object_set_new(o2, "external", extcheck_status_json(&ext));
    json_object_set_new(o2, "revision", json_integer(pr_lexset_stats(ls)->revision));
    extcheck_result_free(&ext);
    pr_result_free(&res);
    pr_lexset_release(ls);
    return o2;
}

json_t *proofread_text_json(const char *text, size_t len, bool external, const char *request_id, char *err,
                            size_t errlen)
{
    return check_text(text, len, 0, external, false, request_id, err, errlen);
}

/* "text": a string of at most max characters (control characters are fine:
 * pasted text has them). NULL after answering 422. */
static const char *text_field(http_req_t *req, json_t *b, size_t max, size_t *len)
{
    json_t *t = json_object_get(b, "text");
    if (!json_is_string(t)) {
        http_error_fields(req, json_pack("{s:s}", "text", t ? "应为字符串" : "必填"));
        return NULL;
    }
    *len = json_string_length(t);
    if (utf8_count(json_string_value(t), *len) > max) {
        http_error_fields(req, json_pack("{s:s}", "text", http_printf(req, "过长（最多 %zu 个字符）", max)));
        return NULL;
    }
    return json_string_value(t);
}

#define CATEGORIES_MSG "应为 sensitive、formulation、typo、custom 组成的数组"

/* Adds a category named by the client to *cats; false for another name. */
static bool add_category(const char *name, unsigned *cats)
{
    pr_category_t c;
    if (!name || !pr_category_parse(name, &c) || c == PR_WHITELIST)
        return false;
    *cats |= 1u << c;
    return true;
}

/* Keeps the check o of text in the caller's history (its own transaction,
 * with the route's audit record when detail is given) and adds
 * "history_id" to o. false after answering 5xx. */
static bool keep_check(http_req_t *req, json_t *o, const char *kind, const char *title, const char *file_type,
                       const char *text, size_t len, const char *detail)
{
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return false;
    int64_t id = proofread_history_save(req, c, kind, title, file_type, text, len, o);
    if (id <= 0) {
        http_db_error(req, c);
        return false;
    }
    if (detail ? !audit_commit(req, c, &(audit_entry_t){.target = id, .detail = detail})
               : db_commit(c) != 0) {
        if (!detail)
            http_db_error(req, c);
        return false;
    }
    json_object_set_new(o, "history_id", json_integer(id));
    return true;
}

static void post_proofread(http_req_t *req)
{
    json_t *b = valid_object(req);
    if (!b)
        return;
    size_t len;
    const char *text = text_field(req, b, TEXT_MAX_CHARS, &len);
    if (!text)
        return;
    unsigned cats = 0;
    json_t *cv = json_object_get(b, "categories");
    if (cv && !json_is_null(cv)) {
        size_t i;
        json_t *it;
        bool ok = json_is_array(cv);
        json_array_foreach(cv, i, it) ok = ok && add_category(json_string_value(it), &cats);
        if (!ok) {
            http_error_fields(req, json_pack("{s:s}", "categories", CATEGORIES_MSG));
            return;
        }
    }
    json_t *ev = json_object_get(b, "external");
    if (ev && !json_is_boolean(ev) && !json_is_null(ev)) {
        http_error_fields(req, json_pack("{s:s}", "external", "应为 true 或 false"));
        return;
    }
    json_t *xv = json_object_get(b, "explain");
    if (xv && !json_is_boolean(xv) && !json_is_null(xv)) {
        http_error_fields(req, json_pack("{s:s}", "explain", "应为 true 或 false"));
        return;
    }
    json_t *sv = json_object_get(b, "save");
    if (sv && !json_is_boolean(sv) && !json_is_null(sv)) {
        http_error_fields(req, json_pack("{s:s}", "save", "应为 true 或 false"));
        return;
    }
    char err[200];
    json_t *o = check_text(text, len, cats, !json_is_false(ev), json_is_true(xv), http_request_id(req), err,
                           sizeof err);
    if (!o) {
        http_error(req, 503, "unavailable", "%s", err);
        return;
    }
    if (json_is_true(sv) && !keep_check(req, o, "text", NULL, NULL, text, len, NULL)) {
        json_decref(o);
        return;
    }
    http_json(req, 200, o);
}

/* A plain form field equal to lit. */
static bool field_is(const multipart_part_t *p, const char *lit)
{
    return p->len == strlen(lit) && !memcmp(p->data, lit, p->len);
}

/* The form's "external" field into *external (absent: true; false keeps
 * the text away from the external service); false when it is neither
 * true/1 nor false/0. */
static bool form_external(const multipart_form_t *form, bool *external)
{
    const multipart_part_t *ev = multipart_get(form, "external");
    *external = !(ev && (field_is(ev, "false") || field_is(ev, "0")));
    return !ev || !*external || field_is(ev, "true") || field_is(ev, "1");
}

static void post_image(http_req_t *req)
{
    multipart_form_t form;
    if (!http_upload_parse(req, (size_t)proofread_cfg.image_max_mb << 20, "图片", &form))
        return;
    bool external;
    if (!form_external(&form, &external)) {
        multipart_form_free(&form);
        http_error_fields(req, json_pack("{s:s}", "external", "应为 true 或 false"));
        return;
    }
    http_upload_t up;
    bool saved = http_upload_save(req, &form, IMAGE_TYPES, "图片", "PNG、JPEG、GIF、TIFF 或 WebP",
                                  "proofread-img-", &up);
    multipart_form_free(&form);
    if (!saved)
        return;
    const char *path = up.path;
    char err[300];
    json_t *file = http_upload_json(&up);
    if (!proofread_engine_ocr_enter(OCR_WAIT_MS)) {
        unlink(path);
        json_decref(file);
        http_error(req, 429, "too_many_requests", "图片识别任务繁忙，请稍后重试");
        return;
    }
    pr_lexset_t *ls = proofread_engine_acquire();
    prmedia_options_t o = {
        .ocr = {.timeout_ms = (int)proofread_cfg.ocr_timeout_s * 1000, .retry_block = true}};
    prmedia_image_t img;
    int rc = ls ? prmedia_image(ls, path, &o, &img, err, sizeof err) : -1;
    proofread_engine_ocr_leave();
    unlink(path);
    if (rc != 0) {
        if (ls)
            prmedia_image_free(&img);
        pr_lexset_release(ls);
        json_decref(file);
        if (!ls)
            http_error(req, 503, "unavailable", "校对引擎尚未就绪");
        else if (rc == -2)
            http_error(req, 503, "unavailable", "%s", err);
        else
            http_error(req, 422, "ocr_failed", "%s", err);
        return;
    }
    extcheck_config_t xc = {0};
    if (external)
        external_config(&xc);
    extcheck_result_t ext;
    extcheck_run(&xc, img.ocr.text, img.ocr.len, http_request_id(req), &ext);
    if (ext.status == EXT_OK)
        pr_result_merge(&img.res, img.ocr.text, img.ocr.len, ext.items, ext.n);
    else if (ext.status != EXT_DISABLED)
        log_msg(LOG_APP, LOG_WARN, "proofread.external_failed", "%s", ext.error);
    json_t *out = prmedia_image_json(&img);
    json_object_set_new(out, "external", extcheck_status_json(&ext));
    json_object_set_new(out, "file", file);
    json_object_set_new(out, "revision", json_integer(pr_lexset_stats(ls)->revision));
    extcheck_result_free(&ext);
    prmedia_image_free(&img);
    pr_lexset_release(ls);
    http_json(req, 200, out);
}

/* "sensitive,typo" from a form field into *cats; false for another name. */
static bool form_categories(const multipart_part_t *p, unsigned *cats)
{
    char buf[200];
    if (p->len >= sizeof buf)
        return false;
    memcpy(buf, p->data, p->len);
    buf[p->len] = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
        if (!add_category(t, cats))
            return false;
    return *cats != 0;
}

/* A document (.docx, .pdf, .txt, .md, .html, .xlsx) read by its content,
 * its text checked and kept in the caller's history. */
static void post_document(http_req_t *req)
{
    multipart_form_t form;
    if (!http_upload_parse(req, (size_t)proofread_cfg.document_max_mb << 20, "文档", &form))
        return;
    const multipart_part_t *file = multipart_get(&form, "file"), *cv = multipart_get(&form, "categories");
    unsigned cats = 0;
    json_t *bad = json_object();
    if (!file || !file->filename || !file->len)
        json_object_set_new(bad, "file", json_string("请选择要校对的文档（表单字段 file）"));
    if (cv && cv->len && !form_categories(cv, &cats))
        json_object_set_new(bad, "categories",
                            json_string("应为 sensitive、formulation、typo、custom，以逗号分隔"));
    bool external;
    if (!form_external(&form, &external))
        json_object_set_new(bad, "external", json_string("应为 true 或 false"));
    if (json_object_size(bad)) {
        multipart_form_free(&form);
        http_error_fields(req, bad);
        return;
    }
    json_decref(bad);
    char mime[128] = "";
    mime_sniff(file->data, file->len, mime, sizeof mime);
    doc_type_t type = doc_type(mime, file->filename);
    if (type == DOC_UNKNOWN) {
        multipart_form_free(&form);
        http_error(req, 415, "unsupported_media_type",
                   "不支持的文档格式（按内容识别为 %s），请上传 .docx、.pdf、.txt、.md、.html 或 .xlsx 文件",
                   mime);
        return;
    }
    char err[300] = "";
    char *text = doc_parse(type, file->data, file->len, err, sizeof err);
    const char *name = http_printf(
        req, "%s", utf8_valid(file->filename, strlen(file->filename)) ? file->filename : "未命名文档");
    multipart_form_free(&form);
    if (!text) {
        http_error(req, 422, "unreadable_document", "无法读取文档：%s", err);
        return;
    }
    size_t len = strlen(text), chars = utf8_count(text, len);
    if (!chars) {
        free(text);
        http_error(req, 422, "empty_document", "文档中没有可校对的文字（扫描件请转为图片后用图片校对）");
        return;
    }
    if (chars > TEXT_MAX_CHARS) {
        free(text);
        http_error(req, 422, "too_large", "文档文字过长（%zu 字，最多 %d 字），请拆分后分别校对", chars,
                   TEXT_MAX_CHARS);
        return;
    }
    json_t *o = check_text(text, len, cats, external, false, http_request_id(req), err, sizeof err);
    if (!o) {
        free(text);
        http_error(req, 503, "unavailable", "%s", err);
        return;
    }
    const char *ft = doc_type_name(type);
    if (!keep_check(req, o, "document", name, ft, text, len,
                    http_printf(req, "%s（%zu 字，%s）", name, chars, jstr(o, "verdict")))) {
        free(text);
        json_decref(o);
        return;
    }
    json_object_set_new(o, "title", json_string(name));
    json_object_set_new(o, "file_type", json_string(ft));
    json_object_set_new(o, "text", json_stringn(text, len));
    free(text);
    http_json(req, 200, o);
}

static void post_segment(http_req_t *req)
{
    json_t *b = valid_object(req);
    if (!b)
        return;
    size_t len;
    const char *text = text_field(req, b, SEGMENT_MAX_CHARS, &len);
    if (!text)
        return;
    seg_token_t *tok;
    size_t n;
    if (seg_tokens(text, len, &tok, &n) != 0) {
        http_error(req, 503, "unavailable", "分词词典不可用");
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, json_pack("{s:I,s:I,s:I,s:I,s:s%,s:b}", "start",
                                               (json_int_t)tok[i].start, "end", (json_int_t)tok[i].end,
                                               "byte_start", (json_int_t)tok[i].byte_start, "byte_end",
                                               (json_int_t)tok[i].byte_end, "text", text + tok[i].byte_start,
                                               tok[i].byte_end - tok[i].byte_start, "word", tok[i].word));
    free(tok);
    http_json(req, 200, json_pack("{s:o}", "tokens", items));
}

static void get_meta(http_req_t *req)
{
    json_t *cats = json_array(), *sevs = json_array(), *itypes = json_array(), *rules = json_array();
    for (int r = 0; r < PR_NRULES; r++)
        json_array_append_new(rules, json_pack("{s:s,s:s}", "code", pr_rule_name((pr_rule_t)r), "title",
                                               pr_rule_title((pr_rule_t)r)));
    for (int c = 0; c < PR_NCATEGORIES; c++)
        json_array_append_new(cats, json_pack("{s:s,s:s}", "code", pr_category_name((pr_category_t)c),
                                              "title", pr_category_title((pr_category_t)c)));
    for (int s = PR_NSEVERITIES - 1; s >= 0; s--)
        json_array_append_new(sevs, json_pack("{s:s,s:s}", "code", pr_severity_name((pr_severity_t)s),
                                              "title", pr_severity_title((pr_severity_t)s)));
    for (int i = 0; IMAGE_TYPES[i]; i++)
        json_array_append_new(itypes, json_string(IMAGE_TYPES[i]));
    json_t *verdicts = json_array();
    for (const zd_label_t *l = PROOFREAD_VERDICTS; l->value; l++)
        json_array_append_new(verdicts, json_pack("{s:s,s:s}", "code", l->value, "title", l->label));
    json_t *o = json_pack("{s:o,s:o,s:o,s:o,s:I,s:I,s:I,s:I,s:o,s:b}", "categories", cats, "severities", sevs,
                          "rules", rules, "verdicts", verdicts, "text_max_chars", (json_int_t)TEXT_MAX_CHARS,
                          "image_max_bytes", (json_int_t)(proofread_cfg.image_max_mb << 20),
                          "video_max_bytes", (json_int_t)(proofread_cfg.video_max_mb << 20),
                          "video_interval_s", (json_int_t)proofread_cfg.video_interval_s, "image_types",
                          itypes, "external", proofread_cfg.external_url[0] != 0);
    json_object_set_new(o, "document_max_bytes",
                        json_integer((json_int_t)(proofread_cfg.document_max_mb << 20)));
    json_object_set_new(o, "history_keep", json_integer((json_int_t)proofread_cfg.history_keep));
    http_json(req, 200, o);
}

static void get_engine(http_req_t *req) { http_json(req, 200, proofread_engine_stats_json()); }

static const vfield_t TEXT_BODY[] = {
    {"text", V_TEXT, true, 0, TEXT_MAX_CHARS, .title = "要校对的文本（控制字符可以有）"},
    {"categories", V_ARRAY, .title = "只查这些类别：sensitive、formulation、typo、custom"},
    {"external", V_BOOL, .title = "是否同时询问外部校对服务（已配置时，默认 true）"},
    {"explain", V_BOOL,
     .title = "是否说明语言模型的判断：错别字发现附两种读法及其得分，被否决的命中列于 dropped"},
    {"save", V_BOOL, .title = "是否记入本人的校对记录（默认 false；答复带 history_id）"},
};
static const vfield_t DOCUMENT_FORM[] = {
    {"file", V_STR, true, .title = "文档（.docx、.pdf、.txt、.md、.html、.xlsx，按内容识别）"},
    {"categories", V_STR, .title = "只查这些类别，以逗号分隔：sensitive,formulation,typo,custom"},
    {"external", V_BOOL, .title = "是否同时询问外部校对服务"},
};
static const vfield_t IMAGE_FORM[] = {
    {"file", V_STR, true, .title = "图片（PNG、JPEG、GIF、TIFF、WebP）"},
    {"external", V_BOOL, .title = "是否同时询问外部校对服务"},
};
static const vfield_t SEGMENT_BODY[] = {
    {"text", V_TEXT, true, 0, SEGMENT_MAX_CHARS, .title = "要分词的文本"}};
static const vfield_t CHECK_OUT[] = {
    {"findings", V_ARRAY,
     .title = "[{start,end,text,category,severity,suggestion,lexicon,source,rule,message,explain?,...}]"},
    {"dropped", V_ARRAY, .title = "explain=true 时：语言模型否决的错别字命中（附 explain）"},
    {"summary", V_OBJECT, .title = "各类别的数量"},
    {"verdict", V_ENUM, .choices = (const char *const[]){"pass", "warn", "block", NULL}},
    {"external", V_OBJECT, .title = "外部服务的状态"},
    {"revision", V_INT, .title = "词库版本"},
    {"history_id", V_ID, .title = "记入校对记录时：记录编号"},
};

/* one route, one or two lines */
// clang-format off
static http_route_t routes[] = {
    {.method = "POST", .pattern = "/api/v1/proofread", .handler = post_proofread, .perm = HTTP_LOGIN,
     .flags = HTTP_NO_AUDIT | HTTP_BODY_CUSTOM, .max_body = 4u << 20, .summary = "文本校对", HTTP_BODY(TEXT_BODY), HTTP_OUT(CHECK_OUT),
     .example = "{\"text\":\"坚持以经济建设为中心\"}",
     .notes = "offsets are code points; a check changes nothing (no audit record)"},
    {.method = "POST", .pattern = "/api/v1/proofread/image", .handler = post_image, .perm = HTTP_LOGIN,
     .flags = HTTP_BODY_MULTIPART | HTTP_NO_AUDIT, .summary = "图片校对（文字识别）", HTTP_BODY(IMAGE_FORM),
     .notes = "multipart/form-data; findings carry boxes in the image's pixels; 422 ocr_failed, 503 when "
       "every recognition slot is busy"},
    {.method = "POST", .pattern = "/api/v1/proofread/document", .handler = post_document, .perm = HTTP_LOGIN,
     .flags = HTTP_BODY_MULTIPART, .summary = "文档校对", .audit = "proofread.document", .resource = &PROOFREAD_CHECKS,
     HTTP_BODY(DOCUMENT_FORM), HTTP_OUT(CHECK_OUT),
     .notes = "multipart/form-data; the text is read by the file's content (415 otherwise; 422 unreadable_document, "
       "empty_document, too_large over 500,000 characters); the check is kept in the caller's history: the answer "
       "adds history_id, title, file_type and the text read"},
    {.method = "POST", .pattern = "/api/v1/text/segment", .handler = post_segment, .perm = HTTP_LOGIN,
     .flags = HTTP_NO_AUDIT | HTTP_BODY_CUSTOM, .max_body = 2u << 20, .summary = "中文分词", HTTP_BODY(SEGMENT_BODY),
     .example = "{\"text\":\"党群服务阵地\"}", .notes = "{tokens:[{start,end,byte_start,byte_end,text,word}]}"},
    {.method = "GET", .pattern = "/api/v1/proofread/meta", .handler = get_meta, .perm = HTTP_LOGIN,
     .summary = "校对的类别、级别与上限"},
    {.method = "GET", .pattern = "/api/v1/proofread/engine", .handler = get_engine, .perm = "lexicon.read",
     .summary = "校对引擎状态", .notes = "entries, automaton size, build time, revision"},
};
// clang-format on

int proofread_check_routes(zd_app_t *app, char *err, size_t errlen)
{
    routes[1].max_body = ((size_t)proofread_cfg.image_max_mb << 20) + (64u << 10); /* + form overhead */
    routes[2].max_body = ((size_t)proofread_cfg.document_max_mb << 20) + (64u << 10);
    return module_routes(app, routes, VN(routes), err, errlen);
}
