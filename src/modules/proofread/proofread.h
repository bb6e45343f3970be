/* proofread.h — the proofreading module (校真): lexicon management, text,
 * image and video checks over HTTP, the video job and the CLI command.
 *
 * For other modules (submissions, warehouse intake, ...): the module keeps
 * the compiled lexicons of the database current in one engine (hot reload:
 * rebuilt off to the side after every change here, and every
 * proofread_reload_s seconds for changes made by other nodes) and offers:
 *
 *   pr_lexset_t *ls = proofread_lexicons();   // may be NULL before init
 *   pr_result_t r; pr_check(ls, text, len, NULL, &r, &bad); ...
 *   pr_result_free(&r); pr_lexset_release(ls);
 *
 * or proofread_text_json() for the same JSON as POST /api/v1/proofread.
 * The module's own files share modules/proofread/internal.h.
 */
#ifndef ZD_MOD_PROOFREAD_H
#define ZD_MOD_PROOFREAD_H
#include "core/arena.h"
#include "core/config.h"
#include "core/db.h"
#include "core/embed.h"
#include "http/multipart.h"
#include "modules/module.h"
#include "text/prmedia.h"
#include "text/proofread.h"
#include <jansson.h>

/* ---- public ---- */

/* The current compiled lexicons (a new reference: pr_lexset_release it), or
 * NULL when the module has not started. Thread-safe. */
pr_lexset_t *proofread_lexicons(void);
/* {"findings","summary","verdict","external"} for text (the external
 * service is asked when configured and external is true). NULL with a
 * reason in err on malformed UTF-8 or before start. Thread-safe. */
json_t *proofread_text_json(const char *text, size_t len, bool external, const char *request_id, char *err,
                            size_t errlen);

/* OCR and proofreading of a local image or video file (a submission's
 * picture, a frame every proofread_video_interval_s seconds of a video)
 * with the module's settings and the current lexicons, for jobs. 0 with
 * *result as prmedia_image_json / prmedia_video give it (new reference);
 * -1 with a reason in err; -2 when progress asked to stop; -3 when the
 * engine is not ready yet (retry later). progress may be NULL. */
int proofread_media_file(const char *path, bool video, prmedia_progress_fn progress, void *ud,
                         json_t **result, char *err, size_t errlen);

extern const zd_module_t proofread_module;

#endif
