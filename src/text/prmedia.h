/* prmedia.h — proofreading of what is written in images and videos:
 * image → OCR (media/ocr.h) → the text check (proofread.h), each finding
 * with the bounding box of its characters; video → a frame every N seconds
 * (media/keyframes.h) → the same per frame, each finding with the time it
 * is on screen (a finding seen in consecutive frames is reported once, from
 * its first to its last frame).
 *
 * Thread-safe; slow (child processes): images under a concurrency limit,
 * videos in a job.
 */
#ifndef ZD_PRMEDIA_H
#define ZD_PRMEDIA_H
#include "media/ocr.h"
#include "text/proofread.h"
#include <jansson.h>
#include <stdbool.h>

typedef struct {
    ocr_options_t ocr;
    pr_options_t check;
    const char *tmp_dir; /* video: frames go to a new directory under it (removed after); NULL: /tmp */
    double interval_s;   /* video: seconds between frames; 0: 5 */
    int max_frames;      /* video: 0: 3600 */
} prmedia_options_t;

typedef struct {
    ocr_result_t ocr;
    pr_result_t res; /* findings over ocr.text */
} prmedia_image_t;

/* OCR of the image at path, then the check. 0, or -1 with a reason in err
 * (the image cannot be read), or -2 (tesseract cannot be run). Free out
 * with prmedia_image_free (also after an error). */
int prmedia_image(pr_lexset_t *ls, const char *path, const prmedia_options_t *opt, prmedia_image_t *out,
                  char *err, size_t errlen);
void prmedia_image_free(prmedia_image_t *r); /* NULL is fine */

/* A finding over OCR text as JSON (pr_finding_json plus "box":{x,y,w,h},
 * the union, and "boxes":[...], one per text line it spans). */
json_t *prmedia_finding_json(const pr_finding_t *f, const ocr_result_t *ocr);
/* {"text","findings":[...],"summary","verdict","ocr":{"width","height","confidence","ms"}} */
json_t *prmedia_image_json(const prmedia_image_t *r);

/* Progress of a video check; return false to stop it. */
typedef bool (*prmedia_progress_fn)(void *ud, int64_t done, int64_t total, const char *note);

/* Checks the video at path. 0 with *result = {"duration_s","interval_s",
 * "frames","frame_width","frame_height" (the boxes' pixel space),
 * "findings":[{... "time","end_time","timecode","frame","box","boxes",
 * "context":{"before","after"}}],"summary","verdict"} (new reference); -1 with a reason in err;
 * -2 when progress asked to stop. progress may be NULL. */
int prmedia_video(pr_lexset_t *ls, const char *path, const prmedia_options_t *opt,
                  prmedia_progress_fn progress, void *ud, json_t **result, char *err, size_t errlen);

#endif
