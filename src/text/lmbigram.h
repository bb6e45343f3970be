/* lmbigram.h — a word bigram language model of modern Chinese: libpinyin's
 * phrase bigram (Debian's libpinyin-data, GPL-3+: ≈ 138,000 words, 1.8
 * million word pairs), converted at build time by scripts/gen-bigram-lm.py
 * into one compact file that is memory-mapped read-only.
 *
 * Used instead of the unigram model (langmodel.h) to confirm typo findings
 * when the file is there; the unigram stays the fallback when it is not.
 *
 * P(w | v) = λ · c(v, w) / c(v) + (1 − λ) · P(w), libpinyin's own linear
 * interpolation (λ from its table.conf); P(w) = c(w) / total. Where v has
 * no bigram counts (or is unknown), P(w | v) = P(w). A character that is
 * not in the model counts 1. The score of a text is the log-probability of
 * its best path through the lattice of its model words (Viterbi over the
 * states "word ending here"), with the same constraints as lm_segment().
 *
 * File (little-endian): header "ZDBIGRM1", u32 version (3), words, slots,
 * pool, pairs, longest word, pair slots, head slots; f64 λ; u64 total count;
 * then the u32 arrays word_off[words + 1] (into pool), unigram[words],
 * context total[words], pair_start[words + 1], slots[slots] (word id + 1,
 * 0 empty; FNV-1a over the code points with a finaliser, linear probing),
 * pool[pool] (code points), pair_next[pairs] (ascending within a context),
 * pair_count[pairs], pair_slots[pair slots] (pair index + 1, 0 empty; hash
 * of prev · 0x9e3779b97f4a7c15 ^ next with the same finaliser, linear
 * probing), head_slots[head slots] (the upper half | 1 of the FNV-1a hash
 * of every beginning of two or more characters of a word, the word too:
 * the lattice stops extending a candidate when none matches). The loader checks every size and offset (≈ 15 ms for the
 * 36 MB file; the pages are the kernel's, shared by every process). */
#ifndef ZD_LMBIGRAM_H
#define ZD_LMBIGRAM_H
#include "text/langmodel.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lmb lmb_t;

/* The model, mapped on the first call from env ZHENDI_LM_BIGRAM or the
 * build's file (ZD_LM_BIGRAM_DEFAULT); NULL when absent or invalid (the
 * reason is logged once, lmb_error()). Thread-safe; later calls return at
 * once. ZHENDI_LM_BIGRAM=off disables it. */
const lmb_t *lmb_get(void);
const char *lmb_error(void);
/* Milliseconds the first lmb_get() took (0 before). */
double lmb_load_ms(void);

/* Maps path read-only (tests, benchmarks): NULL with a reason in err. */
lmb_t *lmb_load(const char *path, char *err, size_t errlen);
/* Checks a file image held in memory (not copied: keep buf alive while the
 * model is used; buf must be 4-byte aligned). */
lmb_t *lmb_open_mem(const void *buf, size_t len, char *err, size_t errlen);
void lmb_free(lmb_t *m); /* NULL is fine */

size_t lmb_words(const lmb_t *m);
size_t lmb_pairs(const lmb_t *m);
/* The id of word w[0..n), or -1. */
long lmb_word_id(const lmb_t *m, const uint32_t *w, size_t n);
/* ln P(word) (unigram) of id; ln P(next | prev) (interpolated; prev < 0:
 * the unigram). */
double lmb_unigram(const lmb_t *m, long id);
double lmb_cond(const lmb_t *m, long prev, long next);
/* ln(1 / total): the unigram of an unknown character or word. */
double lmb_unknown(const lmb_t *m);

/* Best path through cps[0..n) (n ≤ LM_MAX_TEXT) under span (NULL: none;
 * see lm_span_t: force reads the span as one word — the model's word when
 * it has it, its log-probability floored at span->logp — ban keeps the span
 * and its misspelled containers from being one word). cut as in
 * lm_segment(). Pure and thread-safe. */
double lmb_segment(const lmb_t *m, const uint32_t *cps, size_t n, const lm_span_t *span, uint16_t *cut);

#endif
