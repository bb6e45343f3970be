/* upload.c — see upload.h. */
#include "http/upload.h"
#include "core/crypto.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/mime.h"
#include "core/str.h"
#include "http/internal.h"
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

const char *http_tmp_dir(const http_req_t *req) { return http_server_tmp_dir(req->srv); }

bool http_upload_parse(http_req_t *req, size_t max_bytes, const char *what, multipart_form_t *form)
{
    size_t len;
    const char *body = http_body(req, &len);
    multipart_limits_t lim = {.max_parts = 8, .max_part_bytes = max_bytes};
    char err[300];
    if (multipart_parse(body, len, http_header_in(req, "Content-Type"), &lim, form, err, sizeof err) == 0)
        return true;
    if (form->error == MP_E_TOO_LARGE)
        http_error(req, 413, "payload_too_large", "%s（%s最大 %zu MB）", err, what, max_bytes >> 20);
    else
        http_error(req, 400, "invalid_multipart", "%s", err);
    return false;
}

bool http_upload_save(http_req_t *req, const multipart_form_t *form, const char *const *types,
                      const char *what, const char *formats, const char *prefix, http_upload_t *out)
{
    const multipart_part_t *p = multipart_get(form, "file");
    if (!p || !p->len) {
        http_error_fields(req,
                          json_pack("{s:s}", "file", http_printf(req, "请上传%s（表单字段 file）", what)));
        return false;
    }
    mime_sniff(p->data, p->len, out->type, sizeof out->type);
    if (!mime_in(out->type, types)) {
        http_error(req, 415, "unsupported_media_type", "不支持的%s格式（识别为 %s），请上传 %s", what,
                   out->type, formats);
        return false;
    }
    out->size = p->len;
    out->name = p->filename ? http_printf(req, "%s", p->filename) : NULL;
    const char *dir = http_tmp_dir(req);
    out->path = http_printf(req, "%s/%sXXXXXX", dir, prefix);
    int fd = mkstemp(out->path);
    if (fd < 0)
        goto fail;
    bool written = fileio_write_all(fd, p->data, p->len) == 0;
    if (close(fd) != 0 || !written) {
        unlink(out->path);
        goto fail;
    }
    return true;
fail:
    log_msg(LOG_TRANSFER, LOG_ERROR, "http.upload_failed", "无法在 %s 下保存上传的文件：%s", dir,
            strerror(errno));
    http_error(req, 507, "insufficient_storage", "无法保存上传的%s，请稍后再试", what);
    return false;
}

json_t *http_upload_json(const http_upload_t *u)
{
    return json_pack("{s:s?,s:I,s:s}", "name", u->name, "size", (json_int_t)u->size, "type", u->type);
}

/* ---- .xlsx answers ---- */

/* A temporary file for an answer being built: its path in path. */
static bool tmp_answer(http_req_t *req, const char *prefix, char *path, size_t n)
{
    snprintf(path, n, "%s/%sXXXXXX", http_tmp_dir(req), prefix);
    int tfd = mkstemp(path);
    if (tfd < 0) {
        http_error(req, 500, "internal", "无法创建临时文件");
        return false;
    }
    close(tfd);
    return true;
}

/* Sends the file at path (built; ok says so) as an attachment and removes it. */
static void send_tmp(http_req_t *req, const char *path, bool ok, const char *ctype, const char *filename,
                     const char *what)
{
    int fd = ok ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    unlink(path); /* the open descriptor keeps it readable until sent */
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        http_error(req, 500, "internal", "无法生成%s", what);
        return;
    }
    http_attachment(req, filename, filename);
    http_send_fd(req, 200, ctype, fd, 0, (uint64_t)st.st_size);
}

void http_send_xlsx(http_req_t *req, const char *filename, const char *sheet, json_t *header, json_t *rows)
{
    const char *dir = http_tmp_dir(req);
    char path[4200];
    if (!tmp_answer(req, "export-", path, sizeof path))
        return;
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = (char *)dir};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, sheet) : NULL;
    if (!ws) {
        workbook_close(wb);
        unlink(path);
        http_error(req, 500, "internal", "无法生成表格");
        return;
    }
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    size_t i, j;
    json_t *v, *row;
    json_array_foreach(header, j, v) worksheet_write_string(ws, 0, (lxw_col_t)j, json_string_value(v), bold);
    json_array_foreach(rows, i, row)
    {
        json_array_foreach(row, j, v)
        {
            lxw_row_t r = (lxw_row_t)(i + 1);
            if (json_is_integer(v))
                worksheet_write_number(ws, r, (lxw_col_t)j, (double)json_integer_value(v), NULL);
            else if (json_is_real(v)) /* rounded to what people read: 12.35 MB */
                worksheet_write_number(ws, r, (lxw_col_t)j, round(json_real_value(v) * 100) / 100, NULL);
            else if (json_is_string(v))
                worksheet_write_string(ws, r, (lxw_col_t)j, json_string_value(v), NULL);
        }
    }
    lxw_error e = workbook_close(wb);
    send_tmp(req, path, e == LXW_NO_ERROR,
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename, "表格");
}

void http_send_docx(http_req_t *req, const char *filename, docx_t *d)
{
    char path[4200], err[120];
    if (!tmp_answer(req, "report-", path, sizeof path))
        return;
    int rc = docx_save(d, path, err, sizeof err);
    if (rc != 0)
        log_msg(LOG_APP, LOG_ERROR, "http.docx_failed", "%s", err);
    send_tmp(req, path, rc == 0, "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             filename, "文档");
}

bool http_tus_metadata(const char *md, const char *key, char *out, size_t outsz, bool *bad)
{
    size_t kl = strlen(key);
    for (const char *p = md; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n >= kl && !strncmp(p, key, kl) && (n == kl || p[kl] == ' ')) {
            const char *v = p + kl;
            while (*v == ' ' && v < p + n)
                v++;
            size_t vl = (size_t)(p + n - v);
            char b64[4096];
            if (vl >= sizeof b64) {
                *bad = true;
                return false;
            }
            memcpy(b64, v, vl);
            b64[vl] = 0;
            size_t dl = 0;
            unsigned char *d = vl ? crypto_unbase64(b64, &dl) : (unsigned char *)calloc(1, 1);
            if (!d || dl >= outsz || memchr(d, 0, dl) || !utf8_valid((const char *)d, dl)) {
                free(d);
                *bad = true;
                return false;
            }
            memcpy(out, d, dl);
            out[dl] = 0;
            free(d);
            return true;
        }
        p = end;
    }
    return false;
}

const char *http_xlsx_body(http_req_t *req, size_t *len)
{
    const char *body = http_body(req, len);
    char sniffed[128];
    mime_sniff(body, *len, sniffed, sizeof sniffed);
    static const char *const ok_types[] = {
        "application/zip", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", NULL};
    if (!*len || !mime_in(sniffed, ok_types)) {
        http_error(req, 415, "unsupported_media_type", "请上传 Excel 2007 及以上格式（.xlsx）的文件");
        return NULL;
    }
    return body;
}
