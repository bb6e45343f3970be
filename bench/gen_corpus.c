/* gen_corpus.c — deterministic Chinese corpus and lexicon for the text
 * engine benchmark (bench/text.sh). Words come from friso's main
 * dictionary, shuffled with a fixed seed; the corpus draws them with a
 * Zipf-like distribution into sentences (，between clauses, 。at the end,
 * a paragraph break every few sentences); the lexicon is a fixed-seed
 * sample of distinct words of two or more characters.
 *
 * A second, "sparse" lexicon of random two- to four-character strings of
 * common ideographs stands for the usual case of sensitive words: they
 * rarely occur in the text.
 *
 *   gen_corpus DICT CORPUS_OUT MB LEXICON_OUT ENTRIES SPARSE_OUT ARTICLE_OUT CHARS
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rs = 0x2545F4914F6CDD1Dull;
static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 9) {
        fprintf(stderr, "usage: gen_corpus DICT CORPUS_OUT MB LEXICON_OUT ENTRIES SPARSE_OUT ARTICLE_OUT CHARS\n");
        return 2;
    }
    FILE *d = fopen(argv[1], "r");
    if (!d) {
        perror(argv[1]);
        return 1;
    }
    size_t cap = 1 << 18, n = 0;
    char **w = malloc(cap * sizeof *w);
    char line[512];
    while (fgets(line, sizeof line, d)) {
        line[strcspn(line, "/\r\n")] = 0;
        if (!line[0] || (unsigned char)line[0] < 0x80)
            continue;
        if (n == cap)
            w = realloc(w, (cap *= 2) * sizeof *w);
        w[n++] = strdup(line);
    }
    fclose(d);
    for (size_t i = n - 1; i > 0; i--) { /* Fisher–Yates */
        size_t j = rnd() % (i + 1);
        char *t = w[i];
        w[i] = w[j];
        w[j] = t;
    }
    /* Zipf-like ranks: cumulative weights 1/(r+10) */
    double *cum = malloc(n * sizeof *cum), acc = 0;
    for (size_t r = 0; r < n; r++)
        cum[r] = acc += 1.0 / (double)(r + 10);

    FILE *c = fopen(argv[2], "w");
    long long want = atoll(argv[3]) * 1000 * 1000, have = 0;
    int sent = 0;
    while (have < want) {
        int words = 8 + (int)(rnd() % 18);
        for (int k = 0; k < words; k++) {
            double x = (double)(rnd() >> 11) / 9007199254740992.0 * acc;
            size_t lo = 0, hi = n - 1;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (cum[mid] < x)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            have += fprintf(c, "%s%s", w[lo], (k + 1 < words && rnd() % 6 == 0) ? "，" : "");
        }
        have += fprintf(c, "。");
        if (++sent % 5 == 0)
            have += fprintf(c, "\n");
    }
    fprintf(c, "\n");
    fclose(c);

    FILE *l = fopen(argv[4], "w");
    size_t want_e = (size_t)atol(argv[5]), got = 0;
    for (size_t i = 0; i < n && got < want_e; i++) {
        size_t j = (i * 2654435761u + 7) % n; /* a fixed spread over the shuffled words */
        if (chars(w[j]) < 2 || !w[j][0])
            continue;
        fprintf(l, "%s\n", w[j]);
        w[j][0] = 0; /* distinct */
        got++;
    }
    fclose(l);

    FILE *sp = fopen(argv[6], "w");
    for (size_t i = 0; i < want_e; i++) {
        int len = 2 + (int)(rnd() % 3);
        for (int k = 0; k < len; k++) {
            unsigned cp = 0x4E00 + (unsigned)(rnd() % (0x9FA5 - 0x4E00 + 1));
            fprintf(sp, "%c%c%c", 0xE0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3F), 0x80 | (cp & 0x3F));
        }
        fputc('\n', sp);
    }
    fclose(sp);

    { /* an article of CHARS characters cut from the corpus */
        FILE *in = fopen(argv[2], "r"), *a = fopen(argv[7], "w");
        size_t want_c = (size_t)atol(argv[8]), nc = 0;
        int ch;
        while (nc < want_c && (ch = fgetc(in)) != EOF) {
            fputc(ch, a);
            nc += (ch & 0xC0) != 0x80;
        }
        while ((ch = fgetc(in)) != EOF && (ch & 0xC0) == 0x80)
            fputc(ch, a);
        fclose(in);
        fclose(a);
    }
    return 0;
}
