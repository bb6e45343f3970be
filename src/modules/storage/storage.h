/* storage.h — what other modules may call of the storage module: files by
 * id. A module that holds files (a submission's attachments, a lecture's
 * materials) lets the user upload them through tus (/api/v1/uploads, see
 * docs/storage.md), then claims the resulting file for its own row; the
 * file leaves the shared space and is served through the owning module's
 * routes, which check their own scope first and then call storage_file_send. */
#ifndef ZD_STORAGE_H
#define ZD_STORAGE_H
#include "core/db.h"
#include "http/http.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

extern const struct zd_module storage_module;

/* {"id","name","title","mime","size","purpose","sha256","media_status",
 *  "width","height","duration_ms","derivatives":[names],"taken_at" (EXIF),
 *  "org_id","created_by","holder"} of a file that is not deleted, or NULL
 * (absent, or a database error when *dberr). */
json_t *storage_file_summary(db_conn_t *c, int64_t file_id, bool *dberr);

/* Moves a file of the shared space into the hold of module `holder`
 * ("submission"): it no longer shows in the shared space. Inside the
 * caller's transaction. 1 done, 0 not found or already held, -1 error. */
int storage_file_claim(db_conn_t *c, int64_t file_id, int64_t org_id, const char *holder);

/* Answers the request with the file's content (Range, ETag, download
 * name), counting and logging the download. The caller checked access. */
void storage_file_send(http_req_t *req, db_conn_t *c, int64_t file_id, bool inline_);

/* Answers with a derivative of the file ("thumb_s", "thumb_m", "web",
 * "poster", "mp4"), 404 while it is being made. The caller checked access. */
void storage_file_send_derivative(http_req_t *req, db_conn_t *c, int64_t file_id, const char *name);
/* Answers with a file of the video's HLS ladder: the master playlist
 * (variant NULL, name "master.m3u8") or a variant's playlist or segment. */
void storage_file_send_hls(http_req_t *req, db_conn_t *c, int64_t file_id, const char *variant,
                           const char *name);
/* Copies the file's content to the local file dst (for tools that read
 * files: OCR of a video's frames). 0, or -1 with a reason in err. */
int storage_file_fetch(db_conn_t *c, int64_t file_id, const char *dst, char *err, size_t errlen);

/* The picture of a module's row (a lecture's poster, a course's cover):
 * claims file_id for holder after checking that the caller uploaded it and
 * that it is an image, in the caller's transaction. false after answering
 * 422 (naming field), 415 (naming what: "海报"), 409 (held elsewhere) or 5xx. */
bool storage_claim_picture(http_req_t *req, db_conn_t *c, int64_t file_id, int64_t org_id, const char *holder,
                           const char *field, const char *what);
/* Answers with the picture in its "web" size when made, else the original;
 * 404 ("没有<what>") when file_id is 0 or the file is gone. The caller
 * checked access. */
void storage_send_picture(http_req_t *req, db_conn_t *c, int64_t file_id, const char *what);

#endif
