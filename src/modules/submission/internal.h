/* internal.h — what the submission module's own files share. */
#ifndef ZD_MOD_SUBMISSION_INTERNAL_H
#define ZD_MOD_SUBMISSION_INTERNAL_H
#include "auth/resource.h"
#include "http/valid.h"
#include "jobs/jobs.h"
#include "modules/module.h"
#include "modules/review/review.h"
#include "modules/submission/submission.h"

extern const review_kind_t SUB_ARTICLE, SUB_PHOTO, SUB_VIDEO;
extern const char *const ARTICLE_CATEGORIES[];
extern const char *const PHOTO_ACTIVITY_TYPES[];

/* The submitter alone changes a submission: false after answering 403. */
bool sub_is_submitter(http_req_t *req, json_t *row);
/* The row may be edited (draft, returned, withdrawn): false after answering 409 or 5xx. */
bool sub_editable(http_req_t *req, db_conn_t *c, const review_kind_t *k, int64_t id);
/* The organisation named in a body is in the caller's scope: false after answering 422. */
bool sub_org_ok(http_req_t *req, db_conn_t *c, int64_t org_id);
/* Proofreads text as the proofreading module does; appends its findings
 * (each with "source": src) to out. 0, or -1 when the engine is not ready. */
int sub_proofread(const char *text, size_t len, const char *src, json_t *out);
/* Appends the OCR findings of submission files (images) to out. 0 or -1. */
int sub_file_findings(db_conn_t *c, json_t *file_ids, json_t *out);
/* The file ids of the submission images an HTML body shows, or NULL after
 * answering 422 (an image not uploaded through the platform). */
json_t *sub_body_images(http_req_t *req, db_conn_t *c, const char *html);
/* UPDATE table SET updated_at = now and, for each of fields (the caller's
 * constant list of column names, never names from the body) that body
 * has, that column: text, or for a name ending in "_at" an ISO 8601 time
 * as ms; null clears. 0 or -1. */
int sub_update(db_conn_t *c, const char *table, int64_t id, json_t *body, const char *const *fields);
/* Marks the rows of table whose column col is id deleted. 0 or -1. */
int sub_soft_delete(db_conn_t *c, const char *table, const char *col, int64_t id);
/* ?variant= of a submission image (original, web, thumb_m, thumb_s), and
 * the answer with it: originals need submission.download, the rest are
 * the storage module's derivatives. The caller checked that the image is
 * visible. */
extern const vfield_t SUB_IMAGE_QUERY[1];
void sub_send_image(http_req_t *req, db_conn_t *c, int64_t file_id, bool inline_);
/* Keywords of a text (friso segmentation, frequency × length), at most n. */
json_t *sub_keywords(const char *text, size_t n);

int sub_articles_routes(zd_app_t *app, char *err, size_t errlen);
int sub_photos_routes(zd_app_t *app, char *err, size_t errlen);
int sub_videos_routes(zd_app_t *app, char *err, size_t errlen);
int sub_files_routes(zd_app_t *app, char *err, size_t errlen);
extern const config_t *sub_cfg;
int sub_ocr_job(job_ctx_t *ctx);
int sub_video_check_job(job_ctx_t *ctx);

#endif
