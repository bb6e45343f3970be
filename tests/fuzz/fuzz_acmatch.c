/* libFuzzer: lexicon compilation and the check. The input is lexicon
 * words (lines) up to a NUL byte, then the text. Every finding must lie
 * inside the text on character boundaries, and the original span, as the
 * whole text normalises (traditional phrases are converted in context),
 * must read the same as its entry's word (the matcher and the normaliser
 * agree) — for sensitive words once runs of one repeated
 * character are collapsed; malformed UTF-8 must be reported, never crash.
 * Entries 3, 4, 10, 11… (n % 7 of 3 or 4) match by pinyin too: their
 * findings by pinyin (rule PR_RULE_PINYIN) only have to lie on character
 * boundaries, as they read otherwise. */
#include "core/str.h"
#include "text/normalize.h"
#include "text/proofread.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[256];
    if (norm_init(err, sizeof err) != 0)
        abort();
    return 0;
}

/* the normal form without separators (a span may have lost or gained a
 * separator at its edges relative to the word) */
static char *squeeze(const char *s, size_t n)
{
    norm_text_t nt;
    if (norm_text(s, n, &nt, NULL) != 0)
        return NULL;
    char *o = malloc(nt.len + 1);
    size_t k = 0;
    for (size_t i = 0; i < nt.len; i++)
        if (nt.text[i] != ' ' && nt.text[i] != '\n')
            o[k++] = nt.text[i];
    o[k] = 0;
    norm_text_free(&nt);
    return o;
}

/* The normalised characters of the text (nt) that come from the bytes
 * [bs, be) of the original, without separators. */
static char *span_form(const norm_text_t *nt, size_t bs, size_t be)
{
    char *o = malloc(nt->nchars * 4 + 1);
    size_t k = 0;
    for (size_t i = 0; i < nt->nchars; i++) {
        if (nt->orig_byte[i] < bs || nt->orig_byte[i] >= be || nt->cps[i] == ' ' || nt->cps[i] == '\n')
            continue;
        k += utf8_encode(nt->cps[i], o + k);
    }
    o[k] = 0;
    return o;
}

/* s with every character equal to the one before it removed (in place) */
static void collapse(char *s)
{
    size_t o = 0, prev = 0, prevlen = 0;
    for (size_t i = 0; s[i];) {
        size_t l = 1;
        while (s[i + l] && ((unsigned char)s[i + l] & 0xC0) == 0x80)
            l++;
        if (prevlen == l && !memcmp(s + prev, s + i, l)) {
            i += l;
            continue;
        }
        memmove(s + o, s + i, l);
        prev = o;
        prevlen = l;
        o += l;
        i += l;
    }
    s[o] = 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const char *in = (const char *)data;
    const char *nul = memchr(in, 0, size);
    if (!nul)
        return 0;
    size_t wl = (size_t)(nul - in), tl = size - wl - 1;
    const char *text = nul + 1;
    char *words = strndup(in, wl);
    pr_entry_t e[64];
    size_t n = 0;
    for (char *w = strtok(words, "\n"); w && n < 64; w = strtok(NULL, "\n")) {
        if (!utf8_valid(w, strlen(w)))
            continue;
        e[n] = (pr_entry_t){w,
                            NULL,
                            NULL,
                            0,
                            (int64_t)n + 1,
                            (pr_category_t)(n % PR_NCATEGORIES),
                            (pr_severity_t)(n % PR_NSEVERITIES),
                            PR_REPEATS_DEFAULT,
                            n % 7 == 3 || n % 7 == 4};
        n++;
    }
    char err[256];
    pr_lexset_t *ls = pr_lexset_build(e, n, 0, err, sizeof err);
    if (!ls)
        abort();
    pr_result_t r;
    size_t bad = 0;
    pr_options_t o = {.no_verify = true};
    int rc = pr_check(ls, text, tl, &o, &r, &bad);
    if ((rc == 0) != utf8_valid(text, tl))
        abort();
    norm_text_t whole = {0};
    if (rc == 0 && norm_text(text, tl, &whole, NULL) != 0)
        abort();
    for (size_t i = 0; rc == 0 && i < r.n; i++) {
        const pr_finding_t *f = &r.items[i];
        if (f->byte_start >= f->byte_end || f->byte_end > tl || f->start >= f->end)
            abort();
        if (((unsigned char)text[f->byte_start] & 0xC0) == 0x80 ||
            (f->byte_end < tl && ((unsigned char)text[f->byte_end] & 0xC0) == 0x80))
            abort();
        if (utf8_count(text, f->byte_start) != f->start || utf8_count(text, f->byte_end) != f->end)
            abort();
        if (f->rule == PR_RULE_PINYIN) {
            if (i && (f->start < r.items[i - 1].start))
                abort();
            continue;
        }
        char *a = span_form(&whole, f->byte_start, f->byte_end);
        char *b = squeeze(f->entry->word, strlen(f->entry->word));
        if (!a || !b)
            abort();
        if (strcmp(a, b) != 0 && f->category == PR_SENSITIVE)
            collapse(a);
        if (strcmp(a, b) != 0)
            abort();
        free(a);
        free(b);
        if (i && (f->start < r.items[i - 1].start))
            abort();
    }
    norm_text_free(&whole);
    pr_result_free(&r);
    pr_lexset_release(ls);
    free(words);
    return 0;
}
