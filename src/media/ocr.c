/* ocr.c — tesseract as a child process and its hOCR output; see ocr.h. */
#include "media/ocr.h"
#include "core/proc.h"
#include "core/str.h"
#include "core/xmlread.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ocr_result_free(ocr_result_t *r)
{
    if (!r)
        return;
    free(r->text);
    free(r->boxes);
    free(r->lines);
    memset(r, 0, sizeof *r);
}

static bool is_cjk_cp(uint32_t cp)
{
    return (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF00 && cp <= 0xFFEF) ||
           (cp >= 0x20000 && cp <= 0x3134F);
}

typedef struct {
    sbuf_t text;
    ocr_box_t *boxes;
    int *lines;
    size_t n, cap;
} build_t;

static int push_char(build_t *b, const char *s, size_t l, ocr_box_t box, int line)
{
    if (b->n == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 256;
        ocr_box_t *nb = realloc(b->boxes, nc * sizeof *nb);
        if (!nb)
            return -1;
        b->boxes = nb;
        int *nl = realloc(b->lines, nc * sizeof *nl);
        if (!nl)
            return -1;
        b->lines = nl;
        b->cap = nc;
    }
    sbuf_append(&b->text, s, l);
    b->boxes[b->n] = box;
    b->lines[b->n] = line;
    b->n++;
    return 0;
}

/* Last code point of the text built so far (0 if none). */
static uint32_t last_cp(const build_t *b)
{
    if (!b->text.len)
        return 0;
    size_t i = b->text.len - 1;
    while (i > 0 && ((unsigned char)b->text.data[i] & 0xC0) == 0x80)
        i--;
    uint32_t cp;
    return utf8_decode(b->text.data + i, b->text.len - i, &cp) ? cp : 0;
}

/* ---- hOCR ----
 * tesseract's hOCR (with -c hocr_char_boxes=1) nests
 *   ocr_page (bbox: the image) > ocr_carea (block) > ocr_par > ocr_line
 *   > ocrx_word (x_wconf) > ocrx_cinfo (x_bboxes: one character)
 * in span/div/p elements of well-formed XHTML, read with the project's
 * XML reader (core/xmlread.h): the class says what an element is, its
 * title carries the numbers, and the text of a word is its characters. A
 * word without character boxes (older tesseract) shares out its bbox by
 * character. */

enum { K_OTHER, K_PAGE, K_BLOCK, K_PAR, K_LINE, K_WORD, K_CHAR };
#define MAX_WORD 1024 /* bytes of one word's text */
#define MAX_SEGS 256  /* character boxes in one word */

typedef struct {
    size_t start, end; /* bytes of the word's text */
    ocr_box_t box;     /* the characters' box; w == 0: none */
} seg_t;

typedef struct {
    char text[MAX_WORD];
    size_t len;
    seg_t seg[MAX_SEGS];
    int nseg;
    ocr_box_t box; /* the word's bbox */
    double conf;
} word_t;

/* "bbox x0 y0 x1 y1" (key given) inside a title → a box; false when absent or out of range. */
static bool title_box(const char *t, size_t n, const char *key, ocr_box_t *box)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i + kl < n; i++) {
        if (memcmp(t + i, key, kl) != 0 || (i && t[i - 1] != ' ' && t[i - 1] != ';') || t[i + kl] != ' ')
            continue;
        long v[4];
        const char *p = t + i + kl, *end = t + n;
        for (int k = 0; k < 4; k++) {
            while (p < end && *p == ' ')
                p++;
            if (p >= end || *p < '0' || *p > '9')
                return false;
            long x = 0;
            while (p < end && *p >= '0' && *p <= '9' && x <= 1000000)
                x = x * 10 + (*p++ - '0');
            if (x > 1000000)
                return false;
            v[k] = x;
        }
        if (v[2] < v[0] || v[3] < v[1])
            return false;
        *box = (ocr_box_t){(int)v[0], (int)v[1], (int)(v[2] - v[0]), (int)(v[3] - v[1])};
        return true;
    }
    return false;
}

static double title_num(const char *t, size_t n, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i + kl < n; i++)
        if (!memcmp(t + i, key, kl) && t[i + kl] == ' ') {
            char tmp[32];
            size_t l = 0;
            for (size_t j = i + kl + 1;
                 j < n && l < sizeof tmp - 1 && ((t[j] >= '0' && t[j] <= '9') || t[j] == '.'); j++)
                tmp[l++] = t[j];
            tmp[l] = 0;
            return l ? strtod(tmp, NULL) : -1;
        }
    return -1;
}

static int kind_of(const char *cls, size_t n)
{
    static const struct {
        const char *name;
        int kind;
    } k[] = {{"ocr_page", K_PAGE},   {"ocr_carea", K_BLOCK},  {"ocr_par", K_PAR},
             {"ocr_line", K_LINE},   {"ocr_caption", K_LINE}, {"ocr_textfloat", K_LINE},
             {"ocr_header", K_LINE}, {"ocrx_word", K_WORD},   {"ocrx_cinfo", K_CHAR}};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (strlen(k[i].name) == n && !memcmp(cls, k[i].name, n))
            return k[i].kind;
    return K_OTHER;
}

/* Appends text (ASCII white space and control characters dropped: a word
 * has none) to the word, in the segment of the current character box. */
static void word_text(word_t *w, const char *s, const ocr_box_t *cbox)
{
    size_t start = w->len;
    for (; *s; s++)
        if ((unsigned char)*s > ' ' && *s != 0x7f && w->len + 1 < sizeof w->text)
            w->text[w->len++] = *s;
    if (w->len == start)
        return;
    seg_t *last = w->nseg ? &w->seg[w->nseg - 1] : NULL;
    if (last && ((!cbox->w && !last->box.w && last->end == start) || w->nseg == MAX_SEGS))
        last->end = w->len; /* more text outside character boxes, or no room for another box */
    else
        w->seg[w->nseg++] = (seg_t){start, w->len, *cbox};
}

typedef struct {
    build_t b;
    int block, par, line;                /* counters: ids of the current ones */
    int prev_block, prev_par, prev_line; /* of the last word added */
    int line_id;
    double conf_sum;
    int nwords;
} hocr_t;

/* A complete word goes into the text: separator, then each character with
 * its box (its own, or its share of the word's). */
static int word_end(hocr_t *h, word_t *w)
{
    size_t ok = 0; /* the well-formed start (a word cut at MAX_WORD, or bad bytes) */
    while (ok < w->len) {
        uint32_t cp;
        size_t l = utf8_decode(w->text + ok, w->len - ok, &cp);
        if (!l)
            break;
        ok += l;
    }
    w->len = ok;
    for (int i = 0; i < w->nseg; i++) {
        if (w->seg[i].start > w->len)
            w->seg[i].start = w->len;
        if (w->seg[i].end > w->len)
            w->seg[i].end = w->len;
    }
    if (!w->len)
        return 0;
    build_t *b = &h->b;
    if (b->n > 0) {
        uint32_t first;
        utf8_decode(w->text, w->len, &first);
        const char *sep = NULL;
        if (h->block != h->prev_block || h->par != h->prev_par)
            sep = "\n";
        else if (h->line != h->prev_line)
            sep = " ";
        else if (!is_cjk_cp(last_cp(b)) && !is_cjk_cp(first))
            sep = " ";
        if (sep && push_char(b, sep, 1, (ocr_box_t){0, 0, 0, 0}, -1) != 0)
            return -1;
    }
    if (h->block != h->prev_block || h->par != h->prev_par || h->line != h->prev_line)
        h->line_id++;
    h->prev_block = h->block;
    h->prev_par = h->par;
    h->prev_line = h->line;
    size_t nchars = utf8_count(w->text, w->len), k = 0;
    for (int s = 0; s < w->nseg; s++) {
        size_t segchars = utf8_count(w->text + w->seg[s].start, w->seg[s].end - w->seg[s].start), j = 0;
        for (size_t i = w->seg[s].start; i < w->seg[s].end; k++, j++) {
            uint32_t cp;
            size_t l = utf8_decode(w->text + i, w->seg[s].end - i, &cp);
            if (!l)
                break;
            /* the character's box, else its share of the word's */
            ocr_box_t whole = w->seg[s].box.w ? w->seg[s].box : w->box;
            size_t of = w->seg[s].box.w ? segchars : nchars, at = w->seg[s].box.w ? j : k;
            int x0 = whole.x + (int)((int64_t)whole.w * (int64_t)at / (int64_t)of);
            int x1 = whole.x + (int)((int64_t)whole.w * (int64_t)(at + 1) / (int64_t)of);
            ocr_box_t box = {x0, whole.y, x1 - x0 > 0 ? x1 - x0 : 1, whole.h};
            if (push_char(b, w->text + i, l, box, h->line_id) != 0)
                return -1;
            i += l;
        }
    }
    if (w->conf >= 0) {
        h->conf_sum += w->conf;
        h->nwords++;
    }
    return 0;
}

/* ---- even character boxes ----
 * tesseract's LSTM places a character's box where the network recognised
 * it, which drifts to the right along a run of Chinese characters (measured
 * on 48 px Noto Sans CJK: 按 at 106–152 where it is drawn at 88–136, 件 at
 * 383–392 instead of 328–376), while the first and last characters of a
 * run are placed well. Chinese characters are all one em wide, so in a run
 * containing them the boxes are redrawn by sharing the run's extent out by
 * each character's advance (1 em for Chinese and full-width forms, about
 * half an em for Latin letters and digits). A run is the characters of one
 * line without a gap wider than one and a half line heights between them
 * (table cells or columns on one line stay apart). Runs of Latin text only
 * keep tesseract's boxes, which are good there. */

static double advance_em(uint32_t cp)
{
    if (is_cjk_cp(cp))
        return 1.0;
    if (cp >= '0' && cp <= '9')
        return 0.55;
    if (cp >= 'A' && cp <= 'Z')
        return 0.65;
    if (cp >= 'a' && cp <= 'z')
        return 0.5;
    if (cp == ' ')
        return 0.3;
    return 0.55;
}

/* Redraws the boxes of characters [from, to) (separators included, which
 * keep an empty box) over their extent, by advance. */
static void even_run(build_t *b, const uint32_t *cps, size_t from, size_t to)
{
    int x0 = 0, x1 = 0, y0 = 0, y1 = 0;
    bool any = false, cjk = false;
    double total = 0;
    for (size_t i = from; i < to; i++) {
        total += advance_em(cps[i]);
        if (b->lines[i] < 0 || !b->boxes[i].w)
            continue;
        const ocr_box_t *x = &b->boxes[i];
        if (!any || x->x < x0)
            x0 = x->x;
        if (!any || x->x + x->w > x1)
            x1 = x->x + x->w;
        if (!any || x->y < y0)
            y0 = x->y;
        if (!any || x->y + x->h > y1)
            y1 = x->y + x->h;
        any = true;
        cjk |= is_cjk_cp(cps[i]);
    }
    if (!any || !cjk || total <= 0 || x1 <= x0)
        return;
    double at = 0;
    for (size_t i = from; i < to; i++) {
        double a = advance_em(cps[i]);
        if (b->lines[i] >= 0) {
            int l = x0 + (int)((x1 - x0) * at / total + 0.5);
            int r = x0 + (int)((x1 - x0) * (at + a) / total + 0.5);
            b->boxes[i] = (ocr_box_t){l, y0, r > l ? r - l : 1, y1 - y0};
        }
        at += a;
    }
}

static int even_boxes(build_t *b, const char *text, size_t len)
{
    if (!b->n)
        return 0;
    uint32_t *cps = malloc(b->n * sizeof *cps);
    if (!cps)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < len && k < b->n;) {
        size_t l = utf8_decode(text + i, len - i, &cps[k]);
        if (!l)
            break;
        i += l;
        k++;
    }
    for (; k < b->n; k++)
        cps[k] = 0;
    /* runs: a character of the same line continues the run (separators in
     * between belong to it) unless the gap before it is too wide */
    size_t start = 0, last = SIZE_MAX; /* last: the run's previous character */
    int line = -1, height = 0;
    for (size_t i = 0; i <= b->n; i++) {
        bool ends = i == b->n;
        if (!ends && b->lines[i] < 0)
            continue;
        if (!ends && last != SIZE_MAX) {
            const ocr_box_t *p = &b->boxes[last], *c = &b->boxes[i];
            int gap = c->x - (p->x + p->w);
            int h = height > c->h ? height : c->h;
            ends = b->lines[i] != line || (p->w && c->w && 2 * gap > 3 * h);
        }
        if (ends && last != SIZE_MAX) {
            even_run(b, cps, start, last + 1);
            start = i;
            height = 0;
        }
        if (i == b->n)
            break;
        if (last == SIZE_MAX)
            start = i;
        line = b->lines[i];
        last = i;
        if (b->boxes[i].h > height)
            height = b->boxes[i].h;
    }
    free(cps);
    return 0;
}

int ocr_parse_hocr(const char *hocr, size_t len, ocr_result_t *out)
{
    memset(out, 0, sizeof *out);
    out->confidence = -1;
    hocr_t h = {.prev_block = -1, .prev_par = -1, .prev_line = -1, .line_id = -1};
    sbuf_init(&h.b.text);
    int rc = -1, word_depth = -1, char_depth = -1;
    bool page = false, bad;
    word_t *w = calloc(1, sizeof *w);
    ocr_box_t cbox = {0, 0, 0, 0}, none = {0, 0, 0, 0};
    xmlTextReaderPtr r = w ? xml_open(hocr, len, &bad) : NULL;
    if (!r)
        goto out;
    /* a malformed document ends the reading; what was read stands */
    while (xmlTextReaderRead(r) == 1) {
        int type = xmlTextReaderNodeType(r), depth = xmlTextReaderDepth(r);
        if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA) {
            if (word_depth >= 0)
                word_text(w, (const char *)xmlTextReaderConstValue(r), char_depth >= 0 ? &cbox : &none);
            continue;
        }
        if (type == XML_READER_TYPE_END_ELEMENT) {
            if (depth == char_depth) {
                char_depth = -1;
                cbox = none;
            } else if (depth == word_depth) {
                word_depth = -1;
                if (word_end(&h, w) != 0)
                    goto out;
            }
            continue;
        }
        if (type != XML_READER_TYPE_ELEMENT)
            continue;
        char *cls = xml_attr(r, "class"), *title = xml_attr(r, "title");
        int k = cls ? kind_of(cls, strlen(cls)) : K_OTHER;
        size_t ttl = title ? strlen(title) : 0;
        bool open = !xmlTextReaderIsEmptyElement(r); /* an end element follows */
        switch (k) {
        case K_PAGE: {
            ocr_box_t b;
            if (title_box(title, ttl, "bbox", &b)) {
                out->width = b.x + b.w;
                out->height = b.y + b.h;
            }
            page = true;
            break;
        }
        case K_BLOCK: h.block++; break;
        case K_PAR: h.par++; break;
        case K_LINE: h.line++; break;
        case K_WORD:
            if (word_depth >= 0 || !open)
                break; /* a word inside a word: its text belongs to the outer one */
            memset(w, 0, sizeof *w);
            title_box(title, ttl, "bbox", &w->box);
            w->conf = title_num(title, ttl, "x_wconf");
            word_depth = depth;
            break;
        case K_CHAR:
            if (char_depth >= 0 || !open)
                break;
            if (!title_box(title, ttl, "x_bboxes", &cbox))
                cbox = none;
            else if (!cbox.w)
                cbox.w = 1;
            char_depth = depth;
            break;
        }
        free(cls);
        free(title);
    }
    if (word_depth >= 0 && word_end(&h, w) != 0) /* cut short: keep what was read */
        goto out;
    if (!page || even_boxes(&h.b, h.b.text.data ? h.b.text.data : "", h.b.text.len) != 0)
        goto out;
    out->len = h.b.text.len;
    out->text = h.b.text.data ? sbuf_detach(&h.b.text) : strdup("");
    out->nchars = h.b.n;
    out->boxes = h.b.boxes;
    out->lines = h.b.lines;
    h.b.boxes = NULL;
    h.b.lines = NULL;
    out->confidence = h.nwords ? h.conf_sum / h.nwords : -1;
    rc = out->text ? 0 : -1;
out:
    if (r)
        xmlFreeTextReader(r);
    free(w);
    sbuf_free(&h.b.text);
    free(h.b.boxes);
    free(h.b.lines);
    return rc;
}

static int run_tesseract(const char *path, const ocr_options_t *opt, const char *psm, ocr_result_t *out,
                         char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *argv[] = {"tesseract",
                          path,
                          "stdout",
                          "-l",
                          opt->langs ? opt->langs : "chi_sim+eng",
                          "--psm",
                          psm,
                          "-c",
                          "hocr_char_boxes=1",
                          "hocr",
                          NULL};
    /* one thread per recognition: the server runs several at once */
    static const char *const env[] = {"OMP_THREAD_LIMIT=1", NULL};
    proc_opts_t po = {.timeout_ms = opt->timeout_ms ? opt->timeout_ms : 60000,
                      .max_stdout = 32u << 20,
                      .max_memory_mb = opt->max_memory_mb ? opt->max_memory_mb : 2048,
                      .env = env};
    proc_result_t pr;
    if (proc_run(argv, &po, &pr) != 0) {
        snprintf(err, errlen, "无法运行文字识别程序 tesseract：%s", pr.err);
        proc_result_free(&pr);
        return -2;
    }
    int rc = -1;
    if (pr.timed_out) {
        snprintf(err, errlen, "文字识别超时（%d 秒）", po.timeout_ms / 1000);
    } else if (pr.status != 0) {
        /* tesseract's last message line says why (unreadable image, ...) */
        char *msg = pr.err;
        size_t ml = strlen(msg);
        while (ml && (msg[ml - 1] == '\n' || msg[ml - 1] == '\r'))
            msg[--ml] = 0;
        char *lastnl = strrchr(msg, '\n');
        snprintf(err, errlen, "文字识别失败：%.300s", lastnl ? lastnl + 1 : msg);
    } else if (pr.truncated || ocr_parse_hocr(pr.out, pr.out_len, out) != 0) {
        snprintf(err, errlen, "文字识别结果无法解析");
    } else {
        out->ms = pr.ms;
        rc = 0;
    }
    proc_result_free(&pr);
    return rc;
}

int ocr_image(const char *path, const ocr_options_t *opt, ocr_result_t *out, char *err, size_t errlen)
{
    static const ocr_options_t defaults = {0};
    if (!opt)
        opt = &defaults;
    int rc = run_tesseract(path, opt, "3", out, err, errlen);
    if (rc == 0 && out->nchars == 0 && opt->retry_block) {
        ocr_result_t again;
        if (run_tesseract(path, opt, "6", &again, err, errlen) == 0 && again.nchars > 0) {
            again.ms += out->ms;
            ocr_result_free(out);
            *out = again;
        } else {
            ocr_result_free(&again);
        }
    }
    return rc;
}
