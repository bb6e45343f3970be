/* bench_search_tokens — the search service's own tokens of the evaluation
 * set's documents and queries, for the Xapian peer (bench/bench_xapian.cc;
 * docs/benchmarks.md § Search: keyword search against Xapian): the
 * comparison is then of the engines, not of the segmenters.
 *
 * Documents (docs.jsonl of scripts/gen-search-eval.py: {"id", "title",
 * "text"}) → `id<TAB>title tokens<TAB>body tokens`, the tokens
 * search_tokenize makes for the index (CJK bigrams, the last character of a
 * Chinese run, friso words of three or more characters, Latin words and
 * numbers, normalised; space-separated). Queries (queries.tsv:
 * qid<TAB>split<TAB>text) → `qid<TAB>terms`, the terms every matching
 * document must hold as the keyword query asks them of SQLite FTS5
 * (search_terms_expr: bigrams, a single character as a prefix `c*`, Latin
 * words; space-separated).
 * Usage: build/bench_search_tokens DOCS.jsonl QUERIES.tsv OUT_DOCS OUT_QUERIES [copies=1]
 *   copies > 1 writes each document that many times (ids suffixed #cN), to
 *   compare at a larger size. */
#include "modules/search/internal.h"
#include "text/normalize.h"
#include "text/segment.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s DOCS.jsonl QUERIES.tsv OUT_DOCS OUT_QUERIES [copies]\n", argv[0]);
        return 2;
    }
    int copies = argc > 5 ? atoi(argv[5]) : 1;
    char err[256];
    if (norm_init(err, sizeof err) != 0 || seg_init(NULL, err, sizeof err) != 0) {
        fprintf(stderr, "tokenizer: %s\n", err);
        return 1;
    }
    FILE *in = fopen(argv[1], "r"), *out = fopen(argv[3], "w");
    if (!in || !out) {
        perror("docs");
        return 1;
    }
    char *line = NULL;
    size_t cap = 0, nd = 0;
    while (getline(&line, &cap, in) > 0) {
        json_error_t e;
        json_t *d = json_loads(line, 0, &e);
        const char *id = json_string_value(json_object_get(d, "id")),
                   *title = json_string_value(json_object_get(d, "title")),
                   *text = json_string_value(json_object_get(d, "text"));
        if (!id || !title || !text) {
            fprintf(stderr, "bad line: %s\n", e.text);
            return 1;
        }
        size_t nt = 0, nb = 0;
        char *tt = search_tokenize(title, strlen(title), &nt), *bt = search_tokenize(text, strlen(text), &nb);
        if (!tt || !bt) {
            fprintf(stderr, "%s: not tokenised (malformed UTF-8?)\n", id);
            return 1;
        }
        for (int c = 0; c < copies; c++) {
            if (c)
                fprintf(out, "%s#c%d\t%s\t%s\n", id, c, tt, bt);
            else
                fprintf(out, "%s\t%s\t%s\n", id, tt, bt);
        }
        nd++;
        free(tt);
        free(bt);
        json_decref(d);
    }
    fclose(in);
    fclose(out);
    in = fopen(argv[2], "r");
    out = fopen(argv[4], "w");
    if (!in || !out) {
        perror("queries");
        return 1;
    }
    size_t nq = 0;
    while (getline(&line, &cap, in) > 0) {
        line[strcspn(line, "\r\n")] = 0;
        char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2)
            continue;
        *t1 = 0;
        search_terms_t t;
        if (search_terms_parse(t2 + 1, &t) != 0)
            return 1;
        size_t n = 0;
        char *x = search_terms_expr(&t, false, &n); /* "ab" AND "c"* */
        fprintf(out, "%s\t", line);
        for (const char *p = x; *p; p++) {
            if (*p == '"')
                continue;
            if (!strncmp(p, " AND ", 5)) {
                fputc(' ', out);
                p += 4;
                continue;
            }
            fputc(*p, out);
        }
        fputc('\n', out);
        free(x);
        search_terms_free(&t);
        nq++;
    }
    fclose(in);
    fclose(out);
    free(line);
    printf("%zu documents (×%d), %zu queries tokenised\n", nd, copies, nq);
    return 0;
}
