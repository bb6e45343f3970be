/* bench_phrase.c — what the phrase-level traditional → simplified
 * conversion (OpenCC t2s once per text, text/normalize.h norm_phrase)
 * costs the check.
 *
 *   build/bench_phrase [--data DIR] [--rounds 7]
 *
 * Articles of ≈ 3,000 characters are cut from the evaluation set's clean
 * sentences (tests/data/proofread-eval/clean.txt and domain.txt); the same
 * articles are converted to traditional characters with OpenCC s2t. Each
 * set is checked with the built-in lexicons (typo confirmation off, so that
 * only matching is timed) with the phrase level and with the per-character
 * map alone (pr_options_t.char_level: the engine before the phrase level),
 * best of --rounds. Also prints the conversion alone (norm_phrase) and how
 * many characters the phrase level normalises otherwise than the
 * per-character map. */
#include "core/arena.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "modules/proofread/internal.h"
#include "text/normalize.h"
#include "text/proofread.h"
#include <opencc/opencc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    sbuf_t b;
    sbuf_init(&b);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        sbuf_append(&b, chunk, n);
    fclose(f);
    *len = b.len;
    return b.data ? b.data : strdup("");
}

typedef struct {
    char *text;
    size_t starts[1025], n;
} articles_t;

/* Cuts text at line breaks into ≈ 9 KB pieces (≈ 3,000 characters). */
static void cut(articles_t *a)
{
    size_t len = strlen(a->text);
    a->n = 0;
    for (size_t off = 0; off < len && a->n < 1024;) {
        a->starts[a->n++] = off;
        size_t e = off + 9000 < len ? off + 9000 : len;
        while (e < len && a->text[e - 1] != '\n')
            e++;
        off = e;
    }
    a->starts[a->n] = len;
}

/* Best of rounds: ns per article checking every article. */
static double time_checks(pr_lexset_t *ls, const articles_t *a, bool char_level, int rounds, size_t *findings)
{
    double best = 0;
    for (int r = 0; r < rounds; r++) {
        pr_options_t o = {.verify = PR_VERIFY_NONE, .char_level = char_level};
        size_t found = 0;
        int64_t t0 = time_mono_ns();
        for (size_t i = 0; i < a->n; i++) {
            pr_result_t res;
            if (pr_check(ls, a->text + a->starts[i], a->starts[i + 1] - a->starts[i], &o, &res, NULL) == 0)
                found += res.n;
            pr_result_free(&res);
        }
        double d = (double)(time_mono_ns() - t0) / (double)a->n;
        if (r == 0 || d < best)
            best = d;
        *findings = found;
    }
    return best;
}

static double time_phrase(const articles_t *a, int rounds, size_t *overrides)
{
    double best = 0;
    for (int r = 0; r < rounds; r++) {
        size_t total = 0;
        int64_t t0 = time_mono_ns();
        for (size_t i = 0; i < a->n; i++) {
            norm_phrase_t *ov;
            size_t n;
            norm_phrase(a->text + a->starts[i], a->starts[i + 1] - a->starts[i], &ov, &n);
            total += n;
            free(ov);
        }
        double d = (double)(time_mono_ns() - t0) / (double)a->n;
        if (r == 0 || d < best)
            best = d;
        *overrides = total;
    }
    return best;
}

int main(int argc, char **argv)
{
    const char *dir = "tests/data/proofread-eval";
    int rounds = 7;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--data") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--data DIR] [--rounds N]\n", argv[0]);
            return 2;
        }
    }
    if (rounds < 1 || rounds > 1000)
        rounds = 7;
    char err[256], path[1100];
    if (norm_init(err, sizeof err) != 0) {
        fprintf(stderr, "bench_phrase: %s\n", err);
        return 2;
    }
    /* clean and domain sentences, '#' lines left out, eight to a line */
    sbuf_t all;
    sbuf_init(&all);
    const char *files[] = {"clean.txt", "domain.txt"};
    size_t k = 0;
    for (int f = 0; f < 2; f++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[f]);
        size_t len;
        char *t = slurp(path, &len);
        if (!t) {
            fprintf(stderr, "bench_phrase: cannot read %s\n", path);
            return 2;
        }
        for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n")) {
            if (*line == '#' || !*line)
                continue;
            sbuf_append(&all, line, strlen(line));
            sbuf_putc(&all, ++k % 8 ? ' ' : '\n');
        }
        free(t);
    }
    articles_t simp = {.text = all.data}, trad = {0};
    opencc_t s2t = opencc_open(OPENCC_DEFAULT_CONFIG_SIMP_TO_TRAD);
    if (s2t == (opencc_t)-1) {
        fprintf(stderr, "bench_phrase: OpenCC s2t: %s\n", opencc_error());
        return 2;
    }
    char *conv = opencc_convert_utf8(s2t, all.data, all.len);
    trad.text = strdup(conv);
    opencc_convert_utf8_free(conv);
    opencc_close(s2t);
    cut(&simp);
    cut(&trad);

    arena_t *a = arena_new(1 << 16);
    pr_entry_t *v = NULL;
    size_t n = 0, cap = 0;
    if (proofread_lexicon_collect_builtin(a, &v, &n, &cap) != 0) {
        fprintf(stderr, "bench_phrase: cannot read the built-in lexicons\n");
        return 2;
    }
    pr_lexset_t *ls = pr_lexset_build(v, n, 0, err, sizeof err);
    if (!ls) {
        fprintf(stderr, "bench_phrase: %s\n", err);
        return 2;
    }
    printf("text: %zu bytes of simplified sentences, %zu articles of ≈ 3,000 characters; the same in traditional "
           "characters (OpenCC s2t); built-in lexicons (%zu entries); best of %d\n",
           all.len, simp.n, pr_lexset_stats(ls)->entries, rounds);
    const articles_t *sets[2] = {&simp, &trad};
    const char *names[2] = {"simplified", "traditional"};
    for (int s = 0; s < 2; s++) {
        size_t f_phrase = 0, f_char = 0, ov = 0;
        double t_char = time_checks(ls, sets[s], true, rounds, &f_char);
        double t_phrase = time_checks(ls, sets[s], false, rounds, &f_phrase);
        double t_conv = time_phrase(sets[s], rounds, &ov);
        double mb = (double)(sets[s]->starts[sets[s]->n]) / 1e6;
        printf("%-11s per article: per-character map %.1f µs, phrase level %.1f µs (%+.1f %%; "
               "norm_phrase alone %.1f µs); %.0f vs %.0f MB/s; findings %zu vs %zu; "
               "%zu characters normalised otherwise by the phrase level\n",
               names[s], t_char / 1e3, t_phrase / 1e3, 100 * (t_phrase - t_char) / t_char, t_conv / 1e3,
               mb * 1e3 / (t_char * (double)sets[s]->n / 1e6), mb * 1e3 / (t_phrase * (double)sets[s]->n / 1e6),
               f_char, f_phrase, ov);
    }
    pr_lexset_release(ls);
    free(v);
    arena_free(a);
    free(trad.text);
    sbuf_free(&all);
    return 0;
}
