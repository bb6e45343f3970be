/* upload.c — the file of an image or video check: the multipart form
 * parsed within the configured size, the "file" part checked by content
 * (libmagic) and written to DATA/tmp for the OCR tools to read. */
#include "core/log.h"
#include "core/mime.h"
#include "http/valid.h"
#include "modules/proofread/proofread.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool upload_parse(http_req_t *req, size_t max_bytes, const char *what, multipart_form_t *form)
{
    size_t len;
    const char *body = http_body(req, &len);
    multipart_limits_t lim = {.max_parts = 8, .max_part_bytes = max_bytes};
    char err[300];
    if (multipart_parse(body, len, http_header_in(req, "Content-Type"), &lim, form, err, sizeof err) == 0)
        return true;
    bool big = strstr(err, "过大") != NULL;
    if (big)
        http_error(req, 413, "payload_too_large", "%s（%s最大 %zu MB）", err, what, max_bytes >> 20);
    else
        http_error(req, 400, "invalid_multipart", "%s", err);
    return false;
}

bool upload_save(http_req_t *req, const multipart_form_t *form, const char *const *types, const char *what,
                 const char *formats, const char *prefix, upload_t *out)
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
    char *dir = http_printf(req, "%s/tmp", engine_config()->data);
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        goto fail;
    out->path = http_printf(req, "%s/%sXXXXXX", dir, prefix);
    int fd = mkstemp(out->path);
    if (fd < 0)
        goto fail;
    size_t off = 0;
    while (off < p->len) {
        ssize_t w = write(fd, p->data + off, p->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    if (close(fd) != 0 || off != p->len) {
        unlink(out->path);
        goto fail;
    }
    return true;
fail:
    log_msg(LOG_TRANSFER, LOG_ERROR, "proofread.upload_failed", "cannot keep an upload under %s: %s", dir,
            strerror(errno));
    http_error(req, 507, "insufficient_storage", "无法保存上传的%s，请稍后再试", what);
    return false;
}

json_t *upload_file_json(const upload_t *u)
{
    return json_pack("{s:s?,s:I,s:s}", "name", u->name, "size", (json_int_t)u->size, "type", u->type);
}
