/* history.c — a user's own 校真 checks (文字与文档), kept so that a check can
 * be reopened, its suggestions taken later, and reported:
 *   GET    /api/v1/proofread/history               own checks, newest first (.xlsx export)
 *   GET    /api/v1/proofread/history/{id}          the text and its findings
 *   DELETE /api/v1/proofread/history/{id}          forget one check
 *   GET    /api/v1/proofread/history/{id}/report   findings report, ?format=docx|xlsx
 * Rows are the caller's own (the routes are open to every logged-in user and
 * the descriptor names no permission, so the scope is the caller's rows);
 * proofread_history_save() writes one in the caller's transaction and keeps
 * the newest proofread_history_keep per user. */
#include "auth/auth.h"
#include "auth/resource.h"
#include "core/docx.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/upload.h"
#include "http/valid.h"
#include "modules/proofread/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_MARKED_MAX 100000 /* characters: longer texts are reported without the marked copy */
#define CONTEXT_CHARS     12     /* characters of context either side in the report */

static const char *const KINDS[] = {"text", "document", NULL};
static const char *const VERDICTS[] = {"pass", "warn", "block", NULL};
static const char *const FORMATS[] = {"docx", "xlsx", NULL};

static const res_sort_t SORTS[] = {
    {"id", "h.id"},       {"created_at", "h.created_at"},       {"title", "h.title"},
    {"chars", "h.chars"}, {"finding_count", "h.finding_count"}, {"verdict", "h.verdict"},
    {NULL, NULL}};
/* no .perm: on these HTTP_LOGIN routes every user sees their own checks only */
const zd_resource_t PROOFREAD_CHECKS = {.name = "proofread_check",
                                        .title = "校对记录",
                                        .table = "proofread_checks",
                                        .alias = "h",
                                        .org_col = "h.org_id",
                                        .creator_col = "h.created_by",
                                        .keyset = "h.id",
                                        .sorts = SORTS};

#define LIST_COLS                                                                                            \
    "h.id, h.kind, h.title, h.file_type, h.chars, h.verdict, h.finding_count, h.summary, h.created_at"
#define FULL_COLS LIST_COLS ", h.body, h.result"

static json_t *check_row(db_stmt_t *st, void *ud)
{
    bool full = ud != NULL;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, "kind", json_col_text(st, 1));
    json_object_set_new(o, "title", json_col_text(st, 2));
    json_object_set_new(o, "file_type", json_col_text(st, 3));
    json_object_set_new(o, "chars", json_integer(db_col_int64(st, 4)));
    json_object_set_new(o, "verdict", json_col_text(st, 5));
    json_object_set_new(o, "finding_count", json_integer(db_col_int64(st, 6)));
    const char *s = db_col_text(st, 7);
    json_t *sum = s ? json_loads(s, 0, NULL) : NULL;
    json_object_set_new(o, "summary", sum ? sum : json_object());
    json_object_set_new(o, "created_at", json_time(db_col_int64(st, 8)));
    if (full) {
        json_object_set_new(o, "text", json_col_text(st, 9));
        const char *r = db_col_text(st, 10);
        json_t *res = r ? json_loads(r, 0, NULL) : NULL;
        if (res) {
            json_object_update_missing(o, res); /* findings, external, revision, dropped */
            json_decref(res);
        }
    }
    return o;
}

/* The text's first words, blanks folded, for a history title. */
static char *text_title(const char *text, size_t len)
{
    sbuf_t b = {0};
    size_t chars = 0;
    bool blank = false;
    for (size_t i = 0; i < len && chars < 30;) {
        unsigned char ch = (unsigned char)text[i];
        size_t n = ch < 0x80 ? 1 : ch < 0xE0 ? 2 : ch < 0xF0 ? 3 : 4;
        if (i + n > len)
            break;
        if (ch <= ' ') {
            blank = b.len > 0;
            i++;
            continue;
        }
        if (blank)
            sbuf_putc(&b, ' ');
        blank = false;
        sbuf_append(&b, text + i, n);
        chars++;
        i += n;
    }
    if (!b.len)
        sbuf_puts(&b, "（空白文字）");
    else if (chars == 30)
        sbuf_puts(&b, "…");
    return sbuf_detach(&b);
}

int64_t proofread_history_save(http_req_t *req, db_conn_t *c, const char *kind, const char *title,
                               const char *file_type, const char *text, size_t len, json_t *result)
{
    json_t *findings = json_object_get(result, "findings");
    json_t *keep = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(result, k, v) if (strcmp(k, "summary") && strcmp(k, "verdict"))
        json_object_set(keep, k, v);
    char *res = json_dumps(keep, JSON_COMPACT);
    char *sum = json_dumps(json_object_get(result, "summary"), JSON_COMPACT);
    json_decref(keep);
    char *own_title = title ? NULL : text_title(text, len);
    int64_t now = time_now_ms(), id = -1;
    db_stmt_t *st = res && sum ? db_prepare(c, "INSERT INTO proofread_checks (kind, title, file_type, chars, "
                                               "verdict, finding_count, summary, body, result, org_id, "
                                               "created_by, created_at, updated_at) VALUES "
                                               "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")
                               : NULL;
    if (st) {
        db_bind_text(st, 1, kind);
        db_bind_text(st, 2, title ? title : own_title);
        db_bind_text(st, 3, file_type);
        db_bind_int64(st, 4, (int64_t)utf8_count(text, len));
        db_bind_text(st, 5, jstr(result, "verdict"));
        db_bind_int64(st, 6, (int64_t)json_array_size(findings));
        db_bind_text(st, 7, sum);
        db_bind_textn(st, 8, text, len);
        db_bind_text(st, 9, res);
        db_bind_id(st, 10, http_user_org(req));
        db_bind_int64(st, 11, http_user_id(req));
        db_bind_int64(st, 12, now);
        db_bind_int64(st, 13, now);
        if (db_step(st) == DB_ROW)
            id = db_col_int64(st, 0);
        db_done(st);
    }
    free(own_title);
    free(res);
    free(sum);
    if (id <= 0)
        return -1;
    /* the newest proofread_history_keep of this user stay */
    st = db_prepare(c, "DELETE FROM proofread_checks WHERE created_by = ? AND id NOT IN (SELECT id FROM "
                       "proofread_checks WHERE created_by = ? ORDER BY id DESC LIMIT ?)");
    if (!st)
        return -1;
    db_bind_int64(st, 1, http_user_id(req));
    db_bind_int64(st, 2, http_user_id(req));
    db_bind_int64(st, 3, proofread_cfg.history_keep);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? id : -1;
}

/* ---- routes ---- */

static void list_checks(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &PROOFREAD_CHECKS, &w);
    const char *kind = http_query(req, "kind"), *verdict = http_query(req, "verdict"),
               *q = http_query(req, "q");
    if (kind) {
        qb_sql(&w, " AND h.kind = ");
        qb_text(&w, kind);
    }
    if (verdict) {
        qb_sql(&w, " AND h.verdict = ");
        qb_text(&w, verdict);
    }
    if (q && *q) {
        static const char *const cols[] = {"h.title"};
        qb_like_any(&w, cols, 1, q);
    }
    res_list(req, c, &PROOFREAD_CHECKS, LIST_COLS, &w, "h.id DESC", check_row, NULL);
    qb_free(&w);
}

static void get_check(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *o = res_load(req, c, &PROOFREAD_CHECKS, FULL_COLS, id, check_row, (void *)1, RES_PLAIN);
    if (o)
        http_json(req, 200, o);
}

static void delete_check(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before =
        http_defer_json(req, res_load(req, c, &PROOFREAD_CHECKS, LIST_COLS, id, check_row, NULL, RES_PLAIN));
    if (!before)
        return;
    db_stmt_t *st = db_prepare(c, "DELETE FROM proofread_checks WHERE id = ?");
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, id);
        rc = db_step(st);
        db_done(st);
    }
    if (rc != DB_DONE) {
        http_db_error(req, c);
        return;
    }
    audit_entry_t ae = {.target = id, .before = before, .detail = jstr(before, "title")};
    audit_reply(req, c, true, &ae, 204, NULL);
}

/* ---- the findings report ---- */

static const char *rule_title(const char *name)
{
    for (int r = 0; r < PR_NRULES; r++)
        if (name && !strcmp(name, pr_rule_name((pr_rule_t)r)))
            return pr_rule_title((pr_rule_t)r);
    return "";
}
static const char *category_title(const char *name)
{
    pr_category_t cat;
    return name && pr_category_parse(name, &cat) ? pr_category_title(cat) : "";
}
static const char *severity_title(const char *name)
{
    pr_severity_t s;
    return name && pr_severity_parse(name, &s) ? pr_severity_title(s) : "";
}
static const char *verdict_title(const char *v)
{
    for (const zd_label_t *l = PROOFREAD_VERDICTS; v && l->value; l++)
        if (!strcmp(l->value, v))
            return l->label;
    return "";
}

/* Byte offset of the character n characters before (dir < 0) or after b. */
static size_t step_chars(const char *s, size_t len, size_t b, long n)
{
    if (n < 0) {
        for (long k = 0; k < -n && b > 0; k++) {
            b--;
            while (b > 0 && ((unsigned char)s[b] & 0xC0) == 0x80)
                b--;
        }
        return b;
    }
    for (long k = 0; k < n && b < len; k++) {
        b++;
        while (b < len && ((unsigned char)s[b] & 0xC0) == 0x80)
            b++;
    }
    return b;
}

/* "…前文【原文】后文…" with line breaks shown as spaces. */
static char *context_of(const char *text, size_t len, size_t bs, size_t be)
{
    size_t a = step_chars(text, len, bs, -CONTEXT_CHARS), z = step_chars(text, len, be, CONTEXT_CHARS);
    sbuf_t b = {0};
    if (a > 0)
        sbuf_puts(&b, "…");
    for (size_t i = a; i < z; i++) {
        if (i == bs)
            sbuf_puts(&b, "【");
        if (i == be)
            sbuf_puts(&b, "】");
        char ch = text[i];
        sbuf_putc(&b, ch == '\n' || ch == '\r' || ch == '\t' ? ' ' : ch);
    }
    if (z == be)
        sbuf_puts(&b, "】");
    if (z < len)
        sbuf_puts(&b, "…");
    return sbuf_detach(&b);
}

/* One row per finding: 序号 位置 原文 上下文 类别 级别 修改建议 来源 说明. */
static json_t *finding_rows(json_t *o, const char *text, size_t len)
{
    json_t *rows = json_array(), *f;
    size_t i;
    json_array_foreach(json_object_get(o, "findings"), i, f)
    {
        size_t bs = (size_t)jint(f, "byte_start", 0), be = (size_t)jint(f, "byte_end", 0);
        if (be > len || bs > be)
            continue;
        char *ctx = context_of(text, len, bs, be);
        const char *lex = jstr(f, "lexicon"), *rule = rule_title(jstr(f, "rule")), *src = jstr(f, "source");
        if (!lex)
            lex = src && !strcmp(src, "external") ? "外部服务" : "";
        char where[48], from[400];
        snprintf(where, sizeof where, "第 %lld 字", (long long)jint(f, "start", 0) + 1);
        snprintf(from, sizeof from, "%s%s%s", lex, *lex && *rule ? " · " : "", rule);
        const char *sug = jstr(f, "suggestion"), *msg = jstr(f, "message"), *t = jstr(f, "text");
        json_array_append_new(rows, json_pack("[I,s,s,s,s,s,s,s,s]", (json_int_t)(i + 1), where, t ? t : "",
                                              ctx, category_title(jstr(f, "category")),
                                              severity_title(jstr(f, "severity")), sug ? sug : "", from,
                                              msg ? msg : ""));
        free(ctx);
    }
    return rows;
}

static json_t *report_header(void)
{
    return json_pack("[s,s,s,s,s,s,s,s,s]", "序号", "位置", "原文", "上下文", "类别", "级别", "修改建议",
                     "来源", "说明");
}

/* A file name without the characters file systems refuse. */
static char *report_name(const char *title, const char *ext)
{
    sbuf_t b = {0};
    sbuf_puts(&b, "校对报告-");
    size_t n = utf8_prefix(title, strlen(title), 40);
    for (size_t i = 0; i < n; i++)
        sbuf_putc(&b, strchr("/\\:*?\"<>|", title[i]) || (unsigned char)title[i] < 0x20 ? '_' : title[i]);
    sbuf_putc(&b, '.');
    sbuf_puts(&b, ext);
    return sbuf_detach(&b);
}

static void report_docx(http_req_t *req, json_t *o, const char *text, size_t len, json_t *header,
                        json_t *rows, const char *name)
{
    docx_t *d = docx_new();
    if (!d) {
        http_error(req, 500, "internal", "无法生成文档");
        return;
    }
    char line[600], at[40];
    snprintf(line, sizeof line, "校对报告：%s", jstr(o, "title") ? jstr(o, "title") : "");
    docx_heading(d, 1, line);
    int64_t ms = 0;
    time_parse_iso8601(jstr(o, "created_at"), &ms);
    time_local(ms, at, sizeof at);
    json_t *sum = json_object_get(o, "summary");
    snprintf(line, sizeof line,
             "检查时间：%s\n检查字数：%lld 字\n校对结论：%s\n发现问题：%lld 处（敏感词 %lld，规范提法 "
             "%lld，错别字 "
             "%lld，自定义 %lld）",
             at, (long long)jint(o, "chars", 0), verdict_title(jstr(o, "verdict")),
             (long long)jint(o, "finding_count", 0), (long long)jint(sum, "sensitive", 0),
             (long long)jint(sum, "formulation", 0), (long long)jint(sum, "typo", 0),
             (long long)jint(sum, "custom", 0));
    docx_para(d, line);
    docx_heading(d, 2, "一、问题清单");
    if (json_array_size(rows))
        docx_table(d, header, rows);
    else
        docx_para(d, "未发现问题。");
    docx_heading(d, 2, "二、原文标注");
    if (jint(o, "chars", 0) > REPORT_MARKED_MAX) {
        snprintf(line, sizeof line, "原文超过 %d 字，报告中不附标注原文，请在系统中查看。",
                 REPORT_MARKED_MAX);
        docx_para(d, line);
    } else {
        json_t *fs = json_object_get(o, "findings"), *f;
        size_t i, n = 0;
        docx_mark_t *m = calloc(json_array_size(fs) + 1, sizeof *m);
        json_array_foreach(fs, i, f)
        {
            size_t bs = (size_t)jint(f, "byte_start", 0), be = (size_t)jint(f, "byte_end", 0);
            if (!m || be > len || bs >= be || (n && bs < m[n - 1].end))
                continue; /* overlapping findings: the first one marks the span */
            const char *sv = jstr(f, "severity");
            m[n++] = (docx_mark_t){bs, be,
                                   sv && !strcmp(sv, "block")  ? DOCX_MARK_RED
                                   : sv && !strcmp(sv, "warn") ? DOCX_MARK_YELLOW
                                                               : DOCX_MARK_CYAN};
        }
        docx_marked(d, text, len, m, n);
        free(m);
        docx_para(d, "标注说明：红色为阻断（必须修改），黄色为警告（需人工复核），青色为提示。");
    }
    http_send_docx(req, name, d);
    docx_free(d);
}

static void get_report(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *o = http_defer_json(
        req, res_load(req, c, &PROOFREAD_CHECKS, FULL_COLS, id, check_row, (void *)1, RES_PLAIN));
    if (!o)
        return;
    const char *fmt = http_query(req, "format");
    bool xlsx = fmt && !strcmp(fmt, "xlsx");
    const char *text = jstr(o, "text") ? jstr(o, "text") : "";
    size_t len = strlen(text);
    json_t *rows = http_defer_json(req, finding_rows(o, text, len)),
           *header = http_defer_json(req, report_header());
    audit_entry_t ae = {.target = id, .detail = xlsx ? "xlsx" : "docx"};
    if (!audit_req(req, &ae))
        return;
    char *name = report_name(jstr(o, "title") ? jstr(o, "title") : "", xlsx ? "xlsx" : "docx");
    if (xlsx)
        http_send_xlsx(req, name, "问题清单", header, rows);
    else
        report_docx(req, o, text, len, header, rows, name);
    free(name);
}

static const vfield_t LIST_QUERY[] = {
    {"kind", V_ENUM, .choices = KINDS, .title = "类型"},
    {"verdict", V_ENUM, .choices = VERDICTS, .title = "校对结论"},
    {"q", V_STR, .max = 100, .title = "标题包含"},
};
static const vfield_t REPORT_QUERY[] = {
    {"format", V_ENUM, .choices = FORMATS,
     .title = "报告格式：docx（默认，Word 文档）或 xlsx（问题清单表格）"},
};
static const vfield_t CHECK_OUT[] = {
    {"id", V_ID},
    {"kind", V_ENUM, .choices = KINDS, .title = "类型"},
    {"title", V_STR, .title = "标题"},
    {"file_type", V_STR, .title = "文件类型"},
    {"chars", V_INT, .title = "字数"},
    {"verdict", V_ENUM, .choices = VERDICTS, .title = "校对结论"},
    {"finding_count", V_INT, .title = "问题数"},
    {"summary", V_OBJECT, .title = "各类别的数量"},
    {"created_at", V_TIME, .title = "检查时间"},
    {"text", V_STR, .title = "检查的文字（详情）"},
    {"findings", V_ARRAY, .title = "发现（详情），与文本校对的答复相同"},
};

/* one route, one or two lines */
// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/proofread/history", .handler = list_checks, .perm = HTTP_LOGIN,
     .flags = HTTP_LIST | HTTP_EXPORT, .summary = "我的校对记录", .resource = &PROOFREAD_CHECKS, HTTP_QUERY(LIST_QUERY), HTTP_OUT(CHECK_OUT),
     .notes = "the caller's own checks only, newest first; at most proofread_history_keep per user"},
    {.method = "GET", .pattern = "/api/v1/proofread/history/{id}", .handler = get_check, .perm = HTTP_LOGIN,
     .summary = "校对记录详情", .resource = &PROOFREAD_CHECKS, HTTP_OUT(CHECK_OUT), .notes = "with the text and its findings"},
    {.method = "DELETE", .pattern = "/api/v1/proofread/history/{id}", .handler = delete_check, .perm = HTTP_LOGIN,
     .summary = "删除校对记录", .audit = "proofread.history_delete", .resource = &PROOFREAD_CHECKS, .status = 204},
    {.method = "GET", .pattern = "/api/v1/proofread/history/{id}/report", .handler = get_report, .perm = HTTP_LOGIN,
     .flags = HTTP_DOWNLOAD, .summary = "导出校对报告", .audit = "proofread.report", .resource = &PROOFREAD_CHECKS, HTTP_QUERY(REPORT_QUERY),
     .notes = "docx: summary, the findings table and the text with the findings marked (texts up to 100,000 characters); "
       "xlsx: the findings table"},
};
// clang-format on

int proofread_history_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
