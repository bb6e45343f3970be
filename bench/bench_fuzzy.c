/* bench_fuzzy — near-miss expansion against this node's in-memory
 * vocabulary at a large size (docs/search.md § Near misses; figures in
 * docs/benchmarks.md). Fills a vocabulary through the feed's own call
 * (search_vocab_add_doc, what a node runs for each new document) with D
 * generated documents — 1,200 Chinese characters over the 3,500 most common
 * ideographs (skewed, so some bigrams are frequent and most rare), 40 words
 * of 3–4 characters from a lexicon of 60,000 (as friso's words), 60 Latin
 * words — then times Q near-miss look-ups of each kind through the calls a
 * query makes (search_fuzzy_df + search_fuzzy_candidates): p50 / p95 / p99
 * in ms, and how often the original is among the first 12 candidates (the
 * ones a query checks in the caller's scope). Prints the vocabulary's size
 * and memory (its own count of allocated bytes, and the process's resident
 * growth).
 *
 *   build/bench_fuzzy [D] [Q]        (defaults 1500 and 400) */
#include "core/str.h"
#include "core/timeutil.h"
#include "modules/search/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t seed = 42;
static uint32_t rnd(uint32_t n)
{
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)((seed >> 33) % n);
}
static uint32_t hanzi(void) /* skewed: the product of two uniforms */
{
    return 0x4E00 + rnd(3500) * rnd(3500) / 3500;
}

#define DOC_CHARS 1200
#define DOC_WORDS 60
#define DOC_LEX   40
#define LEXICON   60000

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2)
            res = 0;
        fclose(f);
    }
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static void put(sbuf_t *b, const uint32_t *cps, size_t n)
{
    char u[4];
    if (b->len)
        sbuf_putc(b, ' ');
    for (size_t i = 0; i < n; i++)
        sbuf_append(b, u, utf8_encode(cps[i], u));
}

int main(int argc, char **argv)
{
    int D = argc > 1 ? atoi(argv[1]) : 1500, Q = argc > 2 ? atoi(argv[2]) : 400;
    if (D < 1 || Q < 1) {
        fprintf(stderr, "usage: bench_fuzzy [D] [Q]\n");
        return 2;
    }
    uint32_t(*lex)[4] = malloc(LEXICON * sizeof *lex);
    size_t *lexn = malloc(LEXICON * sizeof *lexn);
    for (int i = 0; i < LEXICON; i++) {
        lexn[i] = 3 + rnd(2);
        for (size_t k = 0; k < lexn[i]; k++)
            lex[i][k] = hanzi();
    }
    uint32_t *text = malloc((size_t)D * DOC_CHARS * sizeof *text);
    uint32_t *used = malloc((size_t)D * DOC_LEX * sizeof *used); /* the lexicon words the documents hold */
    char(*words)[16] = malloc((size_t)D * DOC_WORDS * sizeof *words);
    long rss0 = rss_kb();
    search_vocab_t *v = search_vocab_new();
    int64_t fill_ns = 0, tokens = 0;
    for (int d = 0; d < D; d++) {
        sbuf_t b;
        sbuf_init(&b);
        uint32_t *t = text + (size_t)d * DOC_CHARS;
        for (int i = 0; i < DOC_CHARS; i++)
            t[i] = hanzi();
        for (int i = 0; i + 1 < DOC_CHARS; i++, tokens++)
            put(&b, t + i, 2);
        for (int i = 0; i < DOC_LEX; i++, tokens++) {
            uint32_t w = rnd(LEXICON) * rnd(LEXICON) / LEXICON;
            used[(size_t)d * DOC_LEX + i] = w;
            put(&b, lex[w], lexn[w]);
        }
        for (int i = 0; i < DOC_WORDS; i++, tokens++) {
            char *w = words[(size_t)d * DOC_WORDS + i];
            int len = 4 + (int)rnd(9);
            for (int k = 0; k < len; k++)
                w[k] = (char)('a' + rnd(26) * rnd(26) / 26);
            w[len] = 0;
            sbuf_putc(&b, ' ');
            sbuf_puts(&b, w);
        }
        int64_t a = time_mono_ns();
        if (search_vocab_add_doc(v, b.data, false) != 0) {
            fprintf(stderr, "out of memory\n");
            return 1;
        }
        fill_ns += time_mono_ns() - a;
        sbuf_free(&b);
    }
    long rss1 = rss_kb();
    json_t *s = search_vocab_stats(v);
    printf("vocabulary: %lld terms (%lld Chinese bigrams, %lld words of 3-4, %lld Latin words), %lld keys, "
           "%.1f MB counted, resident growth %.1f MB; from %d documents (%lld tokens) fed in %.2f s = %.0f "
           "tokens/s (%.0f documents/s)\n",
           (long long)json_integer_value(json_object_get(s, "terms")),
           (long long)json_integer_value(json_object_get(s, "cjk_bigrams")),
           (long long)json_integer_value(json_object_get(s, "cjk_words")),
           (long long)json_integer_value(json_object_get(s, "latin_words")),
           (long long)json_integer_value(json_object_get(s, "keys")),
           (double)json_integer_value(json_object_get(s, "bytes")) / 1048576.0, (double)(rss1 - rss0) / 1024.0,
           D, (long long)tokens, (double)fill_ns / 1e9, (double)tokens / ((double)fill_ns / 1e9),
           (double)D / ((double)fill_ns / 1e9));
    json_decref(s);
    search_vocab_install(v);
    static const char *const KINDS[] = {"Chinese run of 4 (1 replaced / 1 extra / 2 swapped)",
                                        "Chinese word of 3-4 (1 replaced)", "Chinese run of 2 (1 replaced)",
                                        "Latin word (1-2 letters changed)"};
    for (int kind = 0; kind < 4; kind++) {
        double *ms = malloc((size_t)Q * sizeof *ms);
        int found = 0;
        size_t cands = 0;
        for (int q = 0; q < Q; q++) {
            search_run_t r;
            uint32_t orig[16], cps[16];
            size_t on;
            if (kind == 0 || kind == 2) {
                on = kind == 0 ? 4 : 2;
                size_t at = (size_t)rnd((uint32_t)D) * DOC_CHARS + rnd(DOC_CHARS - 5);
                memcpy(orig, text + at, on * sizeof *orig);
                memcpy(cps, orig, on * sizeof *orig);
                r = (search_run_t){cps, on, true};
                int op = kind == 2 ? 0 : (int)rnd(3), pos = (int)rnd((uint32_t)on);
                if (op == 0) {
                    cps[pos] = hanzi();
                } else if (op == 1 && pos < 3) { /* two neighbours swapped */
                    cps[pos] = orig[pos + 1];
                    cps[pos + 1] = orig[pos];
                } else { /* an extra character: a run of 5 is not expanded, so a window of 3 gets one */
                    on = 3;
                    memmove(cps + pos % 3 + 1, orig + pos % 3, (size_t)(3 - pos % 3) * sizeof *cps);
                    memcpy(cps, orig, (size_t)(pos % 3) * sizeof *cps);
                    cps[pos % 3] = hanzi();
                    r.n = 4;
                }
            } else if (kind == 1) {
                uint32_t w = used[rnd((uint32_t)(D * DOC_LEX))];
                on = lexn[w];
                memcpy(orig, lex[w], on * sizeof *orig);
                memcpy(cps, orig, on * sizeof *orig);
                cps[rnd((uint32_t)on)] = hanzi();
                r = (search_run_t){cps, on, true};
            } else {
                const char *w = words[rnd((uint32_t)(D * DOC_WORDS))];
                on = strlen(w);
                for (size_t k = 0; k < on; k++)
                    orig[k] = cps[k] = (uint32_t)w[k];
                r = (search_run_t){cps, on, false};
                int edits = on >= 6 ? 2 : 1;
                for (int e = 0; e < edits; e++)
                    cps[1 + rnd((uint32_t)on - 1)] = 'a' + rnd(26);
            }
            int64_t a = time_mono_ns();
            search_cand_t *cv = NULL;
            size_t nc = 0;
            (void)search_fuzzy_df(&r);
            if (search_fuzzy_candidates(&r, &cv, &nc) != 0) {
                fprintf(stderr, "out of memory\n");
                return 1;
            }
            ms[q] = (double)(time_mono_ns() - a) / 1e6;
            cands += nc;
            bool same = r.n == on && !memcmp(cps, orig, on * sizeof *cps);
            for (size_t k = 0; k < nc && k < 12 && !same; k++)
                same = cv[k].n == on && !memcmp(cv[k].cps, orig, on * sizeof *orig);
            found += same;
            free(cv);
        }
        qsort(ms, (size_t)Q, sizeof *ms, cmp_d);
        printf("  %s: %d queries, p50 %.3f ms, p95 %.3f ms, p99 %.3f ms, max %.3f ms; %.1f candidates on "
               "average; the original among the first 12: %.1f %%\n",
               KINDS[kind], Q, ms[Q / 2], ms[Q * 95 / 100], ms[Q * 99 / 100], ms[Q - 1], (double)cands / Q,
               100.0 * found / Q);
        free(ms);
    }
    search_fuzzy_shutdown();
    free(text);
    free(words);
    free(lex);
    free(lexn);
    free(used);
    return 0;
}
