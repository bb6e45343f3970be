/* prmedia.c — OCR-based proofreading of images and videos; see prmedia.h. */
#include "text/prmedia.h"
#include "core/fileio.h"
#include "core/str.h"
#include "media/keyframes.h"
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void prmedia_image_free(prmedia_image_t *r)
{
    if (!r)
        return;
    ocr_result_free(&r->ocr);
    pr_result_free(&r->res);
}

int prmedia_image(pr_lexset_t *ls, const char *path, const prmedia_options_t *opt, prmedia_image_t *out,
                  char *err, size_t errlen)
{
    static const prmedia_options_t defaults = {0};
    if (!opt)
        opt = &defaults;
    memset(out, 0, sizeof *out);
    out->res.worst = -1;
    int rc = ocr_image(path, &opt->ocr, &out->ocr, err, errlen);
    if (rc != 0)
        return rc;
    size_t bad;
    if (pr_check(ls, out->ocr.text, out->ocr.len, &opt->check, &out->res, &bad) != 0) {
        snprintf(err, errlen, "识别出的文字无法检查");
        return -1;
    }
    return 0;
}

static json_t *box_json(ocr_box_t b)
{
    return json_pack("{s:i,s:i,s:i,s:i}", "x", b.x, "y", b.y, "w", b.w, "h", b.h);
}

static ocr_box_t box_union(ocr_box_t a, ocr_box_t b)
{
    if (!a.w)
        return b;
    if (!b.w)
        return a;
    int x0 = a.x < b.x ? a.x : b.x, y0 = a.y < b.y ? a.y : b.y;
    int x1 = a.x + a.w > b.x + b.w ? a.x + a.w : b.x + b.w,
        y1 = a.y + a.h > b.y + b.h ? a.y + a.h : b.y + b.h;
    return (ocr_box_t){x0, y0, x1 - x0, y1 - y0};
}

json_t *prmedia_finding_json(const pr_finding_t *f, const ocr_result_t *ocr)
{
    json_t *o = pr_finding_json(f, ocr->text);
    ocr_box_t all = {0, 0, 0, 0}, cur = {0, 0, 0, 0};
    int cur_line = -2;
    json_t *boxes = json_array();
    for (size_t i = f->start; i < f->end && i < ocr->nchars; i++) {
        if (ocr->lines[i] < 0 || !ocr->boxes[i].w)
            continue;
        if (ocr->lines[i] != cur_line && cur.w) {
            json_array_append_new(boxes, box_json(cur));
            cur = (ocr_box_t){0, 0, 0, 0};
        }
        cur_line = ocr->lines[i];
        cur = box_union(cur, ocr->boxes[i]);
        all = box_union(all, ocr->boxes[i]);
    }
    if (cur.w)
        json_array_append_new(boxes, box_json(cur));
    json_object_set_new(o, "box", all.w ? box_json(all) : json_null());
    json_object_set_new(o, "boxes", boxes);
    return o;
}

json_t *prmedia_image_json(const prmedia_image_t *r)
{
    json_t *items = json_array();
    for (size_t i = 0; i < r->res.n; i++)
        json_array_append_new(items, prmedia_finding_json(&r->res.items[i], &r->ocr));
    json_t *ocr = json_pack("{s:i,s:i,s:f,s:f}", "width", r->ocr.width, "height", r->ocr.height, "confidence",
                            r->ocr.confidence, "ms", r->ocr.ms);
    return json_pack("{s:s,s:o,s:o,s:s,s:o}", "text", r->ocr.text ? r->ocr.text : "", "findings", items,
                     "summary", pr_summary_json(r->res.by_category), "verdict", pr_result_verdict(&r->res),
                     "ocr", ocr);
}

/* ---- video ---- */

typedef struct {
    json_t *obj; /* the finding's JSON (owned by the result array) */
    char *key;   /* category|entry|text */
    int last_frame;
} track_t;

/* Checks the frames numbered first..first+n-1 (frame k shown at
 * (k - 1) × interval), merging findings that stay on screen. */
typedef struct {
    json_t *findings;
    track_t *tracks;
    size_t ntracks, captracks;
    size_t by_cat[PR_NCATEGORIES];
    int worst;
    int frame_w, frame_h; /* the frames' size: the boxes' coordinate space */
} vstate_t;

#define CONTEXT_CHARS 12 /* of the frame's text either side of a finding */

/* {"before","after"}: the frame's text around a finding, whole characters. */
static json_t *context_json(const char *text, size_t len, size_t start, size_t end)
{
    size_t b = utf8_suffix(text, start, CONTEXT_CHARS);
    size_t a = utf8_prefix(text + end, len - end, CONTEXT_CHARS);
    return json_pack("{s:s%,s:s%}", "before", text + b, start - b, "after", text + end, a);
}

static int video_frames(pr_lexset_t *ls, const char *dir, int first, int n, double interval, double duration,
                        const prmedia_options_t *opt, vstate_t *v, prmedia_progress_fn progress, void *ud,
                        int64_t total, char *err, size_t errlen)
{
    for (int j = 0; j < n; j++) {
        int k = first + j - 1; /* 0-based frame index */
        if (progress && !progress(ud, k, total, "正在识别画面文字"))
            return -2;
        char frame[1300];
        snprintf(frame, sizeof frame, "%s/frame-%05d.png", dir, k + 1);
        prmedia_image_t img;
        char ferr[300];
        if (prmedia_image(ls, frame, opt, &img, ferr, sizeof ferr) != 0) {
            prmedia_image_free(&img);
            snprintf(err, errlen, "第 %d 帧：%s", k + 1, ferr);
            return -1;
        }
        unlink(frame);
        if (!v->frame_w) {
            v->frame_w = img.ocr.width;
            v->frame_h = img.ocr.height;
        }
        double t = k * interval;
        double end = t + interval;
        if (duration > 0 && end > duration)
            end = duration;
        for (size_t i = 0; i < img.res.n; i++) {
            const pr_finding_t *f = &img.res.items[i];
            char *key = NULL;
            if (asprintf(&key, "%d|%p|%.*s", (int)f->category, (const void *)f->entry,
                         (int)(f->byte_end - f->byte_start), img.ocr.text + f->byte_start) < 0) {
                prmedia_image_free(&img);
                snprintf(err, errlen, "内存不足");
                return -1;
            }
            track_t *tr = NULL;
            for (size_t q = 0; q < v->ntracks && !tr; q++)
                if (v->tracks[q].last_frame == k - 1 && !strcmp(v->tracks[q].key, key))
                    tr = &v->tracks[q];
            if (tr) { /* still on screen */
                tr->last_frame = k;
                json_object_set_new(tr->obj, "end_time", json_real(end));
                free(key);
                continue;
            }
            json_t *o = prmedia_finding_json(f, &img.ocr);
            char tc[32];
            keyframes_timecode(t, tc, sizeof tc);
            json_object_set_new(o, "time", json_real(t));
            json_object_set_new(o, "end_time", json_real(end));
            json_object_set_new(o, "timecode", json_string(tc));
            json_object_set_new(o, "frame", json_integer(k + 1));
            json_object_set_new(o, "context",
                                context_json(img.ocr.text, img.ocr.len, f->byte_start, f->byte_end));
            json_array_append_new(v->findings, o);
            v->by_cat[f->category]++;
            if ((int)f->severity > v->worst)
                v->worst = (int)f->severity;
            if (v->ntracks == v->captracks) {
                size_t nc = v->captracks ? v->captracks * 2 : 16;
                track_t *nt = realloc(v->tracks, nc * sizeof *nt);
                if (!nt) {
                    free(key);
                    prmedia_image_free(&img);
                    snprintf(err, errlen, "内存不足");
                    return -1;
                }
                v->tracks = nt;
                v->captracks = nc;
            }
            v->tracks[v->ntracks++] = (track_t){o, key, k};
        }
        prmedia_image_free(&img);
    }
    return 0;
}

#define SEGMENT_FRAMES 24 /* frames extracted per ffmpeg run, so that progress moves */

int prmedia_video(pr_lexset_t *ls, const char *path, const prmedia_options_t *opt,
                  prmedia_progress_fn progress, void *ud, json_t **result, char *err, size_t errlen)
{
    static const prmedia_options_t defaults = {0};
    if (!opt)
        opt = &defaults;
    *result = NULL;
    double interval = opt->interval_s > 0 ? opt->interval_s : 5;
    int maxf = opt->max_frames > 0 ? opt->max_frames : 3600;
    keyframes_info_t info;
    if (keyframes_probe(path, &info, err, errlen) != 0)
        return -1;
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/proofread-frames-XXXXXX", opt->tmp_dir ? opt->tmp_dir : "/tmp");
    if (!mkdtemp(dir)) {
        snprintf(err, errlen, "无法创建临时目录");
        return -1;
    }
    vstate_t v = {.findings = json_array(), .worst = -1};
    int rc = -1, done = 0;
    int64_t total = info.duration_s > 0 ? (int64_t)ceil(info.duration_s / interval) : 0;
    if (total > maxf)
        total = maxf;
    if (progress && !progress(ud, 0, total, "正在抽取视频画面")) {
        rc = -2;
        goto out;
    }
    for (;;) {
        /* a segment of frames when the duration is known, else everything */
        keyframes_options_t ko = {
            .interval_s = interval, .first_number = done + 1, .max_frames = maxf - done};
        if (info.duration_s > 0) {
            ko.start_s = done * interval;
            if (ko.start_s >= info.duration_s)
                break;
            ko.max_frames = ko.max_frames < SEGMENT_FRAMES ? ko.max_frames : SEGMENT_FRAMES;
            ko.duration_s = ko.max_frames * interval;
        }
        int n = 0;
        if (keyframes_extract(path, dir, &ko, &n, err, errlen) != 0)
            goto out;
        int r = video_frames(ls, dir, done + 1, n, interval, info.duration_s, opt, &v, progress, ud,
                             total > done + n ? total : done + n, err, errlen);
        if (r != 0) {
            rc = r;
            goto out;
        }
        done += n;
        if (info.duration_s <= 0 || n == 0 || done >= maxf)
            break;
    }
    if (progress)
        progress(ud, done, done, "完成");
    *result = json_pack("{s:f,s:f,s:i,s:i,s:i,s:O,s:o,s:s}", "duration_s", info.duration_s, "interval_s",
                        interval, "frames", done, "frame_width", v.frame_w, "frame_height", v.frame_h,
                        "findings", v.findings, "summary", pr_summary_json(v.by_cat), "verdict",
                        v.worst == PR_BLOCK  ? "block"
                        : v.worst == PR_WARN ? "warn"
                                             : "pass");
    rc = *result ? 0 : -1;
    if (rc)
        snprintf(err, errlen, "内存不足");
out:
    for (size_t j = 0; j < v.ntracks; j++)
        free(v.tracks[j].key);
    free(v.tracks);
    json_decref(v.findings);
    fileio_rmtree(dir);
    return rc;
}
