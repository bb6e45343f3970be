/* upload.h — files that arrive in a request: a multipart/form-data body
 * parsed within a size, one part checked by its content (libmagic, never
 * the name) and kept as a file under DATA/tmp for the tools that read files
 * (tesseract, ffmpeg), and .xlsx answers built in DATA/tmp. Every module that
 * takes or gives files uses these. */
#ifndef ZD_HTTP_UPLOAD_H
#define ZD_HTTP_UPLOAD_H
#include "core/docx.h"
#include "http/http.h"
#include "http/multipart.h"

typedef struct {
    char *path;       /* DATA/tmp/PREFIXxxxxxx (request arena); the caller unlinks it */
    const char *name; /* sanitised client file name, or NULL */
    size_t size;
    char type[128]; /* by content */
} http_upload_t;

/* The server's directory for temporary files (DATA/tmp). */
const char *http_tmp_dir(const http_req_t *req);

/* Parses the multipart body, no part over max_bytes. true, or false after
 * answering 413 (a part too large) or 400. what names the file in messages
 * ("图片"). The caller frees form. */
bool http_upload_parse(http_req_t *req, size_t max_bytes, const char *what, multipart_form_t *form);
/* Checks the "file" part (present: else 422; type by content in types:
 * else 415, formats listing them for people) and writes it to a new file
 * under DATA/tmp. true, or false after answering (507 when it cannot be
 * written). */
bool http_upload_save(http_req_t *req, const multipart_form_t *form, const char *const *types,
                      const char *what, const char *formats, const char *prefix, http_upload_t *out);
/* One value of a tus Upload-Metadata header ("key b64,key b64"), decoded
 * into out (NUL-terminated UTF-8 without NUL bytes, at most outsz-1 bytes).
 * false when absent; *bad set when present but malformed or too long. */
bool http_tus_metadata(const char *md, const char *key, char *out, size_t outsz, bool *bad);
/* {"name","size","type"} */
json_t *http_upload_json(const http_upload_t *u);

/* Answers an .xlsx download: a bold header row, then rows (arrays of
 * strings, integers and reals — reals rounded to two decimals), built in DATA/tmp (constant memory) and sent from
 * the file. */
void http_send_xlsx(http_req_t *req, const char *filename, const char *sheet, json_t *header, json_t *rows);
/* Answers with the Word document d as an attachment named filename (UTF-8);
 * 500 when it cannot be written. d stays the caller's. */
void http_send_docx(http_req_t *req, const char *filename, docx_t *d);

/* The request body of an import, checked by its content to be an .xlsx
 * workbook; NULL after answering 415 (also for an empty body). */
const char *http_xlsx_body(http_req_t *req, size_t *len);

#endif
