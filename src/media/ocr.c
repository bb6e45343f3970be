/* ocr.c — tesseract as a child process and its TSV output; see ocr.h. */
#include "media/ocr.h"
#include "core/proc.h"
#include "core/str.h"
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

int ocr_parse_tsv(const char *tsv, size_t len, ocr_result_t *out)
{
    memset(out, 0, sizeof *out);
    out->confidence = -1;
    build_t b = {0};
    sbuf_init(&b.text);
    int rc = -1, prev_block = -1, prev_par = -1, prev_line = -1, line_id = -1;
    double conf_sum = 0;
    int nwords = 0;
    bool header = false;
    const char *p = tsv, *end = tsv + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char line[4096];
        if (ll >= sizeof line)
            ll = sizeof line - 1;
        memcpy(line, p, ll);
        line[ll] = 0;
        if (ll && line[ll - 1] == '\r')
            line[ll - 1] = 0;
        p = nl ? nl + 1 : end;
        if (!header) {
            if (strncmp(line, "level\t", 6) != 0)
                goto out; /* not tesseract TSV */
            header = true;
            continue;
        }
        /* level page block par line word left top width height conf text */
        char *f[12];
        int nf = 0;
        char *s = line;
        while (nf < 12) {
            f[nf++] = s;
            char *tab = strchr(s, '\t');
            if (!tab)
                break;
            *tab = 0;
            s = tab + 1;
        }
        if (nf < 11)
            continue;
        int64_t v[10];
        bool ok = true;
        for (int i = 0; i < 10 && ok; i++)
            ok = str_to_int64(f[i], &v[i]);
        if (!ok || v[6] < 0 || v[7] < 0 || v[8] < 0 || v[9] < 0 || v[8] > 1000000 || v[9] > 1000000 ||
            v[6] > 1000000 || v[7] > 1000000)
            continue;
        if (v[0] == 1) {
            out->width = (int)v[8];
            out->height = (int)v[9];
            continue;
        }
        if (v[0] != 5 || nf < 12)
            continue;
        const char *word = f[11];
        size_t wl = strlen(word);
        while (wl && (word[wl - 1] == ' '))
            wl--;
        if (!wl || !utf8_valid(word, wl))
            continue;
        int block = (int)v[2], par = (int)v[3], ln = (int)v[4];
        /* separators between words, lines, paragraphs */
        if (b.n > 0) {
            uint32_t first;
            utf8_decode(word, wl, &first);
            const char *sep = NULL;
            if (block != prev_block || par != prev_par)
                sep = "\n";
            else if (ln != prev_line)
                sep = " ";
            else if (!is_cjk_cp(last_cp(&b)) && !is_cjk_cp(first))
                sep = " ";
            if (sep && push_char(&b, sep, 1, (ocr_box_t){0, 0, 0, 0}, -1) != 0)
                goto out;
        }
        if (block != prev_block || par != prev_par || ln != prev_line)
            line_id++;
        prev_block = block;
        prev_par = par;
        prev_line = ln;
        /* each character gets its share of the word's width */
        size_t nchars = utf8_count(word, wl);
        size_t k = 0;
        for (size_t i = 0; i < wl; k++) {
            uint32_t cp;
            size_t l = utf8_decode(word + i, wl - i, &cp);
            if (!l)
                break;
            int x0 = (int)(v[6] + (int64_t)(v[8] * (int64_t)k / (int64_t)nchars));
            int x1 = (int)(v[6] + (int64_t)(v[8] * (int64_t)(k + 1) / (int64_t)nchars));
            ocr_box_t box = {x0, (int)v[7], x1 - x0 > 0 ? x1 - x0 : 1, (int)v[9]};
            if (push_char(&b, word + i, l, box, line_id) != 0)
                goto out;
            i += l;
        }
        double conf = strtod(f[10], NULL);
        if (conf >= 0) {
            conf_sum += conf;
            nwords++;
        }
    }
    if (!header)
        goto out;
    out->len = b.text.len;
    out->text = b.text.data ? sbuf_detach(&b.text) : strdup("");
    out->nchars = b.n;
    out->boxes = b.boxes;
    out->lines = b.lines;
    b.boxes = NULL;
    b.lines = NULL;
    out->confidence = nwords ? conf_sum / nwords : -1;
    rc = out->text ? 0 : -1;
out:
    sbuf_free(&b.text);
    free(b.boxes);
    free(b.lines);
    return rc;
}

static int run_tesseract(const char *path, const ocr_options_t *opt, const char *psm, ocr_result_t *out,
                         char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *argv[] = {"tesseract", path, "stdout", "-l", opt->langs ? opt->langs : "chi_sim+eng",
                          "--psm",     psm,  "tsv",    NULL};
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
    } else if (pr.truncated || ocr_parse_tsv(pr.out, pr.out_len, out) != 0) {
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
