/* tokens.c — what the search service makes of text: index tokens (CJK
 * bigrams, the last character of each Chinese run, friso words of three or
 * more characters, Latin words and numbers, all normalised), the terms of a
 * query, and highlighted snippets (UTF-8 safe: cut only at character
 * boundaries of the original text, HTML-escaped, matches in <mark>). */
#include "core/str.h"
#include "modules/search/internal.h"
#include "text/normalize.h"
#include "text/segment.h"
#include <stdlib.h>
#include <string.h>

#define TOKEN_MAX_CHARS 32 /* longer Latin runs are cut (a hash, a URL) */

static void put_cps(sbuf_t *b, const uint32_t *cps, size_t n)
{
    char u[4];
    for (size_t i = 0; i < n; i++)
        sbuf_append(b, u, utf8_encode(cps[i], u));
}

static void emit(sbuf_t *b, size_t *count, const uint32_t *cps, size_t n)
{
    if (!n)
        return;
    if (n > TOKEN_MAX_CHARS)
        n = TOKEN_MAX_CHARS;
    if (b->len)
        sbuf_putc(b, ' ');
    put_cps(b, cps, n);
    (*count)++;
}

/* A run of kept characters of one class: CJK runs end at punctuation
 * (which the normaliser drops), so no bigram spans a comma. In a query
 * (split_at_gaps) they also end where anything was skipped, a space
 * included: "党建 工作" asks for two words; in the indexed text a space
 * between Chinese characters is kept inside the run (PDF and OCR text
 * spaces out characters). */
static size_t run_end(const norm_text_t *nt, size_t i, bool split_at_gaps)
{
    uint8_t k = nt->klass[i];
    size_t j = i + 1;
    while (j < nt->nchars && nt->klass[j] == k && !(k == NORM_CJK && nt->punct_before[j]) &&
           !(split_at_gaps && k == NORM_CJK && nt->orig_start[j] != nt->orig_start[j - 1] + 1))
        j++;
    return j;
}

char *search_tokenize(const char *text, size_t len, size_t *ntokens)
{
    norm_text_t nt;
    if (norm_text(text ? text : "", text ? len : 0, &nt, NULL) != 0)
        return NULL;
    sbuf_t b;
    sbuf_init(&b);
    size_t count = 0;
    for (size_t i = 0; i < nt.nchars;) {
        uint8_t k = nt.klass[i];
        if (k != NORM_CJK && k != NORM_WORD) {
            i++;
            continue;
        }
        size_t j = run_end(&nt, i, false);
        if (k == NORM_CJK) {
            for (size_t p = i; p + 1 < j; p++)
                emit(&b, &count, nt.cps + p, 2);
            emit(&b, &count, nt.cps + j - 1, 1);
        } else {
            emit(&b, &count, nt.cps + i, j - i);
        }
        i = j;
    }
    /* friso's longer words: one token for 共产党员 besides its bigrams */
    seg_token_t *tk = NULL;
    size_t n = 0;
    if (text && len && seg_tokens(text, len, &tk, &n) == 0) {
        size_t p = 0;
        for (size_t t = 0; t < n; t++) {
            if (!tk[t].word || !tk[t].cjk || tk[t].end - tk[t].start < 3)
                continue;
            while (p < nt.nchars && nt.orig_start[p] < tk[t].start)
                p++;
            size_t q = p;
            while (q < nt.nchars && nt.orig_start[q] < tk[t].end && nt.klass[q] == NORM_CJK)
                q++;
            if (q - p >= 3)
                emit(&b, &count, nt.cps + p, q - p);
        }
    }
    free(tk);
    norm_text_free(&nt);
    if (ntokens)
        *ntokens = count;
    return sbuf_detach(&b);
}

/* ---- queries ---- */

void search_terms_free(search_terms_t *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nruns; i++)
        free(t->runs[i].cps);
    free(t->runs);
    memset(t, 0, sizeof *t);
}

int search_terms_parse(const char *q, search_terms_t *out)
{
    memset(out, 0, sizeof *out);
    norm_text_t nt;
    if (norm_text(q ? q : "", q ? strlen(q) : 0, &nt, NULL) != 0)
        return -1;
    for (size_t i = 0; i < nt.nchars && out->nruns < SEARCH_MAX_RUNS;) {
        uint8_t k = nt.klass[i];
        if (k != NORM_CJK && k != NORM_WORD) {
            i++;
            continue;
        }
        size_t j = run_end(&nt, i, true), n = j - i;
        if (n > TOKEN_MAX_CHARS)
            n = TOKEN_MAX_CHARS;
        out->runs = realloc(out->runs, (out->nruns + 1) * sizeof *out->runs);
        if (!out->runs)
            abort();
        search_run_t *r = &out->runs[out->nruns++];
        r->cjk = k == NORM_CJK;
        r->n = n;
        r->cps = malloc(n * sizeof *r->cps);
        if (!r->cps)
            abort();
        memcpy(r->cps, nt.cps + i, n * sizeof *r->cps);
        i = j;
    }
    norm_text_free(&nt);
    return 0;
}

/* The terms every document must hold: each bigram of a Chinese run, a
 * single character as a prefix (it starts a bigram or ends a run), each
 * Latin word. */
typedef void (*term_fn)(void *ud, const uint32_t *cps, size_t n, bool prefix);

static void each_term(const search_terms_t *t, term_fn fn, void *ud)
{
    for (size_t i = 0; i < t->nruns; i++) {
        const search_run_t *r = &t->runs[i];
        if (r->cjk && r->n >= 2) {
            for (size_t p = 0; p + 1 < r->n; p++) {
                bool seen = false; /* 党建党建: each bigram once */
                for (size_t e = 0; e < p && !seen; e++)
                    seen = r->cps[e] == r->cps[p] && r->cps[e + 1] == r->cps[p + 1];
                if (!seen)
                    fn(ud, r->cps + p, 2, false);
            }
        } else {
            fn(ud, r->cps, r->n, r->cjk);
        }
    }
}

typedef struct {
    sbuf_t *b;
    bool pg;
    size_t n;
} expr_t;

static void add_term(void *ud, const uint32_t *cps, size_t n, bool prefix)
{
    expr_t *e = ud;
    if (e->n++)
        sbuf_puts(e->b, e->pg ? " & " : " AND ");
    char q = e->pg ? '\'' : '"', u[4];
    sbuf_putc(e->b, q);
    for (size_t i = 0; i < n;
         i++) { /* a quote inside is doubled (never there: letters, digits, ideographs) */
        if (cps[i] == (uint32_t)q || (e->pg && cps[i] == '\\'))
            sbuf_putc(e->b, cps[i] == '\\' ? '\\' : q);
        sbuf_append(e->b, u, utf8_encode(cps[i], u));
    }
    sbuf_putc(e->b, q);
    if (prefix)
        sbuf_puts(e->b, e->pg ? ":*" : "*");
}

char *search_terms_expr(const search_terms_t *t, bool pg, size_t *nterms)
{
    sbuf_t b;
    sbuf_init(&b);
    expr_t e = {&b, pg, 0};
    each_term(t, add_term, &e);
    if (nterms)
        *nterms = e.n;
    return sbuf_detach(&b);
}

json_t *search_terms_json(const search_terms_t *t)
{
    json_t *a = json_array();
    for (size_t i = 0; i < t->nruns; i++) {
        sbuf_t one;
        sbuf_init(&one);
        put_cps(&one, t->runs[i].cps, t->runs[i].n);
        json_array_append_new(a, json_string(one.data));
        sbuf_free(&one);
    }
    return a;
}

/* ---- snippets ---- */

static void put_escaped(sbuf_t *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '<': sbuf_puts(b, "&lt;"); break;
        case '>': sbuf_puts(b, "&gt;"); break;
        case '&': sbuf_puts(b, "&amp;"); break;
        case '"': sbuf_puts(b, "&quot;"); break;
        case '\'': sbuf_puts(b, "&#39;"); break;
        default: sbuf_putc(b, s[i]);
        }
    }
}

typedef struct {
    const norm_text_t *nt;
    bool *hit;
} mark_t;

static void mark_term(void *ud, const uint32_t *cps, size_t n, bool prefix)
{
    (void)prefix;
    mark_t *m = ud;
    const norm_text_t *nt = m->nt;
    for (size_t i = 0; i + n <= nt->nchars; i++) {
        size_t k = 0;
        while (k < n && nt->cps[i + k] == cps[k] && (k == 0 || !nt->punct_before[i + k]))
            k++;
        if (k == n)
            for (k = 0; k < n; k++)
                m->hit[i + k] = true;
    }
}

char *search_highlight(const char *text, const search_terms_t *t, size_t window)
{
    if (!text)
        text = "";
    size_t len = strlen(text);
    norm_text_t nt;
    sbuf_t b;
    sbuf_init(&b);
    if (norm_text(text, len, &nt, NULL) != 0) {
        put_escaped(&b, text, utf8_prefix(text, len, window ? window : len));
        return sbuf_detach(&b);
    }
    bool *hit = calloc(nt.nchars + 1, sizeof *hit);
    if (!hit)
        abort();
    mark_t m = {&nt, hit};
    if (t)
        each_term(t, mark_term, &m);
    /* the window: from a little before the first match */
    size_t first = 0, from = 0, to = nt.nchars;
    while (first < nt.nchars && !hit[first])
        first++;
    if (window && nt.nchars > window) {
        if (first < nt.nchars && first > window / 4)
            from = first - window / 4;
        to = from + window < nt.nchars ? from + window : nt.nchars;
        if (to == nt.nchars && to - from < window)
            from = to > window ? to - window : 0;
    }
    size_t bstart = from ? nt.orig_byte[from] : 0, bend = to < nt.nchars ? nt.orig_byte[to] : len;
    if (from)
        sbuf_puts(&b, "…");
    size_t at = bstart;
    for (size_t i = from; i < to;) {
        if (!hit[i]) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < to && hit[j])
            j++;
        size_t ms = nt.orig_byte[i], last = nt.orig_byte[j - 1];
        uint32_t cp;
        size_t cl = norm_utf8((const unsigned char *)text + last, len - last, &cp);
        size_t me = last + (cl ? cl : 1);
        put_escaped(&b, text + at, ms - at);
        sbuf_puts(&b, "<mark>");
        put_escaped(&b, text + ms, me - ms);
        sbuf_puts(&b, "</mark>");
        at = me;
        i = j;
    }
    if (bend > at)
        put_escaped(&b, text + at, bend - at);
    if (to < nt.nchars)
        sbuf_puts(&b, "…");
    free(hit);
    norm_text_free(&nt);
    return sbuf_detach(&b);
}
