/* langmodel.h — a unigram word language model over the word frequencies of
 * jieba's dictionary (Debian's python3-jieba, dict.txt: ≈ 349,000 words
 * with counts, MIT), with maximum-probability segmentation of short texts.
 *
 * Used to decide whether a typo-lexicon hit is really a typo: the text
 * around the hit is scored as written and as corrected (text/proofread.c),
 * and the finding is kept when the corrected reading is clearly the more
 * probable one.
 *
 * The probability of a word is count / total; a character that is not in
 * the dictionary counts 1 (jieba's own convention). The score of a text is
 * the log-probability (natural logarithm) of its most probable segmentation
 * into dictionary words and single characters (dynamic programming over
 * all dictionary words that occur in it). Dictionary words are normalised
 * with normalize.h (traditional → simplified, full-width → half-width), so
 * the model is queried with normalised code points.
 *
 * Loading (≈ 0.25 s of CPU, ≈ 18 MiB) happens once, on the first lm_get() —
 * the proofreading engine calls it only when a typo hit needs it — and the
 * model is shared read-only by all threads afterwards.
 */
#ifndef ZD_LANGMODEL_H
#define ZD_LANGMODEL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LM_DEFAULT_DICT "/usr/lib/python3/dist-packages/jieba/dict.txt"
#define LM_MAX_WORD     16  /* longer dictionary words are left out */
#define LM_MAX_TEXT     512 /* code points lm_segment() scores at most */

typedef struct lm lm_t;

/* The model, loaded on the first call from env ZHENDI_LM_DICT or
 * LM_DEFAULT_DICT; NULL when it cannot be loaded (the reason is logged
 * once and kept for lm_error()). Thread-safe; later calls return at once. */
const lm_t *lm_get(void);
/* Why lm_get() returned NULL ("" when it did not). */
const char *lm_error(void);
/* Loads a model from path (tests, benchmarks): NULL with a reason in err.
 * Free with lm_free(). */
lm_t *lm_load(const char *path, char *err, size_t errlen);
/* The same from a dict.txt held in memory (buf[0..len), need not end in a
 * NUL): lines "word count [tag]"; lines without a positive count, words of
 * other scripts and words over LM_MAX_WORD characters are skipped. */
lm_t *lm_load_mem(const char *buf, size_t len, char *err, size_t errlen);
void lm_free(lm_t *m); /* NULL is fine */

/* Words in the model, and ln(total count). */
size_t lm_words(const lm_t *m);
double lm_log_total(const lm_t *m);

/* ln P(word) of the normalised code points w[0..n), or 0 with *found false
 * when the word is not in the dictionary. */
double lm_word_logp(const lm_t *m, const uint32_t *w, size_t n, bool *found);

/* A constraint on the segmentation of one span [start, end) of the text:
 *   force: the span is read as one word of log-probability logp, and no
 *          other word crosses its edges (the corrected reading: the writer
 *          meant the lexicon's suggestion);
 *   ban:   the span is not read as one dictionary word (the written
 *          reading: the lexicon says this spelling is wrong, even when the
 *          dictionary counts it, like 折衷 or 输人); nor is a longer
 *          dictionary word containing it when that word spelled with repl
 *          in place of the span is a dictionary word too (折衷方案 next to
 *          折中方案, 竟争力 next to 竞争力 — but 记叙文 stays a word for the
 *          entry 叙文→序文, as 记序文 is none). */
typedef struct {
    size_t start, end;
    double logp;
    bool ban;
    const uint32_t *repl; /* ban: the correct spelling of the span; NULL: only the span itself is banned */
    size_t nrepl;
} lm_span_t;

/* The hash both models key words by: FNV-1a over the code points
 * (LM_HASH0, lm_hash_step), and a finaliser that spreads FNV's poorly mixed
 * low bits before masking (its prime is 2^40 + 435). */
#define LM_HASH0 0xcbf29ce484222325ull
static inline uint64_t lm_hash_step(uint64_t h, uint32_t cp) { return (h ^ cp) * 0x100000001b3ull; }
static inline size_t lm_hash_slot(uint64_t h, size_t mask)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (size_t)(h & mask);
}

/* For a ban span sp (with repl) and a dictionary word cps[i..i+l) that
 * contains it: writes that word spelled with repl in place of the span
 * into out and returns its length, or 0 when that spelling would be over
 * LM_MAX_WORD or sp has no repl. Both models ban the container when its
 * respelling is a word of theirs. */
size_t lm_respell(const uint32_t *cps, size_t i, size_t l, const lm_span_t *sp, uint32_t out[LM_MAX_WORD]);

/* Most probable segmentation of cps[0..n) (n ≤ LM_MAX_TEXT) under the
 * constraint span (NULL: none). Returns its log-probability; when cut is
 * not NULL, cut[i] for each word start i is the end of the word starting
 * there (cut has n + 1 entries; follow 0 → cut[0] → … → n). Pure and
 * thread-safe. Returns 0 for n == 0 and -INFINITY for n > LM_MAX_TEXT. */
double lm_segment(const lm_t *m, const uint32_t *cps, size_t n, const lm_span_t *span, uint16_t *cut);

#endif
