/* picture.c — the picture of a module's row (a lecture's poster, a course's
 * cover): claiming an image the caller uploaded and serving it in its web
 * size. Shared by the modules that show one (storage.h). */
#include "http/valid.h"
#include "modules/storage/storage.h"
#include <string.h>

bool storage_claim_picture(http_req_t *req, db_conn_t *c, int64_t file_id, int64_t org_id, const char *holder,
                           const char *field, const char *what)
{
    bool dberr = false;
    json_t *f = http_defer_json(req, storage_file_summary(c, file_id, &dberr));
    if (dberr) {
        http_db_error(req, c);
        return false;
    }
    if (!f || jint(f, "created_by", 0) != http_user_id(req)) {
        http_error_fields(req, json_pack("{s:s}", field, "文件不存在或不是您上传的"));
        return false;
    }
    const char *mime = jstr(f, "mime");
    if (!mime || strncmp(mime, "image/", 6)) {
        http_error(req, 415, "unsupported_media_type", "%s只能是图片", what);
        return false;
    }
    int claimed = storage_file_claim(c, file_id, org_id, holder);
    if (claimed <= 0) {
        if (claimed < 0)
            http_db_error(req, c);
        else
            http_error(req, 409, "conflict", "该文件已被其他业务使用");
        return false;
    }
    return true;
}

void storage_send_picture(http_req_t *req, db_conn_t *c, int64_t file_id, const char *what)
{
    bool dberr = false;
    json_t *f = file_id ? storage_file_summary(c, file_id, &dberr) : NULL;
    if (dberr) {
        http_db_error(req, c);
        return;
    }
    if (!f) {
        http_error(req, 404, "not_found", "没有%s", what);
        return;
    }
    bool web = false;
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(f, "derivatives"), i, d) web =
        web || !strcmp(json_string_value(d), "web");
    json_decref(f);
    if (web)
        storage_file_send_derivative(req, c, file_id, "web");
    else
        storage_file_send(req, c, file_id, true);
}
