/* test_lmbigram.c — the word bigram model (lmbigram.c): the loader of its
 * compact file (bad, truncated and inconsistent files give a clean error),
 * the interpolated probabilities, Viterbi scoring under the typo
 * confirmation's forced and banned spans, and libpinyin's converted model
 * when the build made it (the engine's fallback to the unigram otherwise). */
#include "support/cm.h"

#include "support/testutil.h"

#include "core/str.h"
#include "text/lmbigram.h"
#include "text/normalize.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A model file in memory, written as scripts/gen-bigram-lm.py writes it. */
typedef struct {
    const char *a, *b;
    uint32_t count;
} pair_t;
static const char *const WORDS[] = {"我们", "要", "安装", "设备", "按", "装", "安", "我", "们", "按装"};
static const uint32_t UNI[] = {500, 800, 60, 300, 80, 90, 70, 900, 100, 1};
static const pair_t PAIRS[] = {{"要", "安装", 40}, {"安装", "设备", 30}, {"我们", "要", 50}, {"要", "按", 2}};
enum {
    NW = sizeof WORDS / sizeof *WORDS,
    NP = sizeof PAIRS / sizeof *PAIRS,
    NSLOTS = 32,
    NPSLOTS = 8,
    NHSLOTS = 16
};

static uint32_t *g_file;
static size_t g_len;

static size_t fin(uint64_t h, size_t mask)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (size_t)(h & mask);
}

static size_t hslot(const uint32_t *w, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ w[i]) * 0x100000001b3ull;
    return fin(h, NSLOTS - 1);
}

static long idx(const char *w)
{
    for (long i = 0; i < NW; i++)
        if (!strcmp(WORDS[i], w))
            return i;
    fail_msg("no word %s", w);
    return -1;
}

static void build_file(void)
{
    uint32_t pool[64], woff[NW + 1], slots[NSLOTS] = {0}, ctx[NW] = {0}, pstart[NW + 1], pnext[NP],
                                     pcount[NP];
    size_t npool = 0, np = 0;
    uint64_t total = 0;
    for (size_t i = 0; i < NW; i++) {
        woff[i] = (uint32_t)npool;
        size_t n = tu_cps(WORDS[i], pool + npool);
        size_t j = hslot(pool + npool, n);
        while (slots[j])
            j = (j + 1) & (NSLOTS - 1);
        slots[j] = (uint32_t)i + 1;
        npool += n;
        total += UNI[i];
    }
    woff[NW] = (uint32_t)npool;
    for (long i = 0; i < NW; i++) {
        pstart[i] = (uint32_t)np;
        for (long b = 0; b < NW; b++) /* ascending next */
            for (size_t k = 0; k < NP; k++)
                if (idx(PAIRS[k].a) == i && idx(PAIRS[k].b) == b) {
                    pnext[np] = (uint32_t)b;
                    pcount[np++] = PAIRS[k].count;
                    ctx[i] += PAIRS[k].count;
                }
    }
    pstart[NW] = (uint32_t)np;
    uint32_t pslots[NPSLOTS] = {0};
    for (long a = 0; a < NW; a++)
        for (uint32_t k = pstart[a]; k < pstart[a + 1]; k++) {
            size_t j = fin(((uint64_t)a * 0x9e3779b97f4a7c15ull) ^ pnext[k], NPSLOTS - 1);
            while (pslots[j])
                j = (j + 1) & (NPSLOTS - 1);
            pslots[j] = k + 1;
        }
    /* beginnings of two or more characters */
    uint32_t hslots[NHSLOTS] = {0};
    for (size_t i = 0; i < NW; i++) {
        uint64_t h = (0xcbf29ce484222325ull ^ pool[woff[i]]) * 0x100000001b3ull;
        for (uint32_t k = woff[i] + 1; k < woff[i + 1]; k++) {
            h = (h ^ pool[k]) * 0x100000001b3ull;
            uint32_t fp = (uint32_t)(h >> 32) | 1;
            size_t j = fin(h, NHSLOTS - 1);
            while (hslots[j] && hslots[j] != fp)
                j = (j + 1) & (NHSLOTS - 1);
            hslots[j] = fp;
        }
    }
    g_len = 56 + 4 * ((NW + 1) * 2 + NW * 2 + NSLOTS + npool + np * 2 + NPSLOTS + NHSLOTS);
    g_file = calloc(1, g_len);
    unsigned char *p = (unsigned char *)g_file;
    memcpy(p, "ZDBIGRM1", 8);
    uint32_t h[8] = {3, NW, NSLOTS, (uint32_t)npool, (uint32_t)np, 2, NPSLOTS, NHSLOTS};
    memcpy(p + 8, h, sizeof h);
    double lambda = 0.3;
    memcpy(p + 40, &lambda, 8);
    memcpy(p + 48, &total, 8);
    size_t o = 56;
#define PUT(arr, n)                                                                                          \
    memcpy(p + o, arr, (n)*4);                                                                               \
    o += (n)*4
    PUT(woff, NW + 1);
    PUT(UNI, NW);
    PUT(ctx, NW);
    PUT(pstart, NW + 1);
    PUT(slots, NSLOTS);
    PUT(pool, npool);
    PUT(pnext, np);
    PUT(pcount, np);
    PUT(pslots, NPSLOTS);
    PUT(hslots, NHSLOTS);
    assert_int_equal(o, g_len);
}

static void a_valid_file_loads_and_interpolates(void **state)
{
    (void)state;
    char err[200];
    lmb_t *m = lmb_open_mem(g_file, g_len, err, sizeof err);
    if (!m)
        fail_msg("%s", err);
    assert_int_equal(lmb_words(m), NW);
    assert_int_equal(lmb_pairs(m), NP);
    uint32_t w[8];
    size_t n = tu_cps("安装", w);
    assert_int_equal(lmb_word_id(m, w, n), idx("安装"));
    n = tu_cps("装设", w);
    assert_int_equal(lmb_word_id(m, w, n), -1);
    double total = 0;
    for (size_t i = 0; i < NW; i++)
        total += UNI[i];
    /* P(安装 | 要) = 0.3 · 40/42 + 0.7 · 60/total; unseen pair: the unigram share only */
    assert_true(fabs(lmb_cond(m, idx("要"), idx("安装")) - log(0.3 * 40.0 / 42 + 0.7 * 60 / total)) < 1e-9);
    assert_true(fabs(lmb_cond(m, idx("要"), idx("设备")) - log(0.7 * 300 / total)) < 1e-9);
    assert_true(fabs(lmb_cond(m, idx("设备"), idx("要")) - log(800 / total)) < 1e-9); /* no context counts */
    assert_true(fabs(lmb_cond(m, -1, idx("要")) - log(800 / total)) < 1e-9);
    assert_true(fabs(lmb_unknown(m) + log(total)) < 1e-9);
    lmb_free(m);
}

static void the_best_path_and_the_typo_spans(void **state)
{
    (void)state;
    char err[200];
    lmb_t *m = lmb_open_mem(g_file, g_len, err, sizeof err);
    assert_non_null(m);
    uint32_t w[16], sug[4];
    uint16_t cut[17];
    size_t n = tu_cps("我们要安装设备", w);
    double best = lmb_segment(m, w, n, NULL, cut);
    assert_true(isfinite(best) && best < 0);
    /* 我们/要/安装/设备 */
    assert_int_equal(cut[0], 2);
    assert_int_equal(cut[2], 3);
    assert_int_equal(cut[3], 5);
    assert_int_equal(cut[5], 7);
    /* as written: 按装 banned as a word (the lexicon says it is misspelled) */
    size_t nw = tu_cps("我们要按装设备", w), ns = tu_cps("安装", sug);
    lm_span_t ban = {3, 5, 0, true, sug, ns};
    double sw = lmb_segment(m, w, nw, &ban, cut);
    assert_int_equal(cut[3], 4); /* 按/装 */
    assert_int_equal(cut[4], 5);
    double unbanned = lmb_segment(m, w, nw, NULL, cut);
    assert_true(unbanned >= sw);
    /* corrected: 安装 forced as one word, the bigram 要→安装 makes it win */
    uint32_t c[16];
    size_t nc = tu_cps("我们要安装设备", c);
    lm_span_t force = {3, 5, -30, false, NULL, 0};
    double sc = lmb_segment(m, c, nc, &force, cut);
    assert_int_equal(cut[3], 5);
    assert_true(sc - sw > 2);
    /* a forced word the model lacks takes the floor */
    nc = tu_cps("我们要装按设备", c);
    lm_span_t floor = {3, 5, -4, false, NULL, 0};
    assert_true(isfinite(lmb_segment(m, c, nc, &floor, cut)));
    assert_int_equal(cut[3], 5);
    /* limits: empty text 0, too long -inf, unknown characters still score */
    assert_true(lmb_segment(m, c, 0, NULL, NULL) == 0);
    uint32_t big[80] = {0};
    for (size_t i = 0; i < 80; i++)
        big[i] = 0x4E00 + (uint32_t)i;
    assert_true(lmb_segment(m, big, 80, NULL, NULL) == -INFINITY);
    assert_true(isfinite(lmb_segment(m, big, 10, NULL, cut)));
    lmb_free(m);
}

static void bad_files_give_a_clean_error(void **state)
{
    (void)state;
    char err[200];
    uint32_t *copy = malloc(g_len);
    /* truncated anywhere */
    for (size_t cutlen = 0; cutlen < g_len; cutlen += 4) {
        memcpy(copy, g_file, g_len);
        assert_null(lmb_open_mem(copy, cutlen, err, sizeof err));
        assert_true(strlen(err) > 0);
    }
    memcpy(copy, g_file, g_len);
    memcpy(copy, "ZDBIGRM2", 8);
    assert_null(lmb_open_mem(copy, g_len, err, sizeof err));
    assert_non_null(strstr(err, "magic"));
    memcpy(copy, g_file, g_len);
    copy[2] = 9; /* version */
    assert_null(lmb_open_mem(copy, g_len, err, sizeof err));
    assert_non_null(strstr(err, "version"));
    /* a successor out of range (the last pair_next) */
    memcpy(copy, g_file, g_len);
    copy[g_len / 4 - NHSLOTS - NPSLOTS - NP - 1] = 999;
    assert_null(lmb_open_mem(copy, g_len, err, sizeof err));
    assert_non_null(strstr(err, "pairs"));
    /* a slot pointing past the words */
    memcpy(copy, g_file, g_len);
    size_t slots = 14 + (NW + 1) * 2 + NW * 2;
    copy[slots] = NW + 5;
    assert_null(lmb_open_mem(copy, g_len, err, sizeof err));
    assert_non_null(strstr(err, "slot"));
    free(copy);
    assert_null(lmb_load("/nonexistent/zh-bigram.lm", err, sizeof err));
    assert_non_null(strstr(err, "not found"));
    /* a file on disk: mapped, checked, unmapped */
    char path[] = "/tmp/zd-lmb-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    assert_int_equal(fwrite(g_file, 1, g_len - 4, f), g_len - 4);
    fclose(f);
    assert_null(lmb_load(path, err, sizeof err));
    assert_non_null(strstr(err, "truncated"));
    f = fopen(path, "wb");
    assert_int_equal(fwrite(g_file, 1, g_len, f), g_len);
    fclose(f);
    lmb_t *m = lmb_load(path, err, sizeof err);
    assert_non_null(m);
    lmb_free(m);
    remove(path);
}

/* The build's model (libpinyin): typical typos and a hard negative. */
static void libpinyin_model_when_built(void **state)
{
    (void)state;
    const lmb_t *m = lmb_get();
    if (!m) {
        /* no libpinyin-data at build time: the engine falls back to the unigram */
        print_message("bigram model absent (%s): skipped\n", lmb_error());
        assert_non_null(strstr(lmb_error(), "bigram model"));
        assert_null(lmb_get()); /* and it stays given up: no retry per hit */
        return;
    }
    assert_ptr_equal(lmb_get(), m);
    assert_true(lmb_words(m) > 100000 && lmb_pairs(m) > 1000000);
    uint32_t w[32], c[32], sug[4];
    size_t nw = tu_cps("我们要按装设备", w), nc = tu_cps("我们要安装设备", c), ns = tu_cps("安装", sug);
    lm_span_t ban = {3, 5, 0, true, sug, ns}, force = {3, 5, log(100) + lmb_unknown(m), false, NULL, 0};
    double sw = lmb_segment(m, w, nw, &ban, NULL), sc = lmb_segment(m, c, nc, &force, NULL);
    assert_true(sc - sw > 2); /* 按装 → 安装 is kept */
}

int main(void)
{
    char err[200];
    if (norm_init(err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    build_file();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_valid_file_loads_and_interpolates),
        cmocka_unit_test(the_best_path_and_the_typo_spans),
        cmocka_unit_test(bad_files_give_a_clean_error),
        cmocka_unit_test(libpinyin_model_when_built),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(g_file);
    return rc;
}
