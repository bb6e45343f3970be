/* acmatch.h — an Aho–Corasick automaton stored as a double-array trie.
 *
 * Patterns are sequences of integer codes (1 .. alphabet-1; 0 means "not in
 * any pattern" and sends the automaton back to the root). Each state is a
 * slot in five parallel int32 arrays:
 *     base[s] + code = t is the transition s → t when check[t] == s
 *     fail[s]        the longest proper suffix of s that is also a state
 *     dict[s]        the nearest state on the fail chain that ends a pattern
 *     out[s]         1 + index of s's first output in outs[], or 0
 * so a step costs one addition and one comparison (plus fail hops after a
 * mismatch), and every pattern occurrence is reported in time proportional
 * to the number of occurrences. Several patterns may be identical (they
 * become several outputs of the same state).
 *
 * An automaton is immutable after ac_build() and may be used by any number
 * of threads at once. The struct is public only so that the scanning step
 * can be inlined into hot loops; treat it as read-only.
 */
#ifndef ZD_ACMATCH_H
#define ZD_ACMATCH_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const uint32_t *codes; /* codes[0..len), each in 1 .. alphabet-1 */
    uint32_t len;          /* ≥ 1 */
    uint32_t value;        /* reported with each occurrence (e.g. an entry index) */
} ac_pattern_t;

typedef struct {
    uint32_t value;
    uint32_t len;  /* pattern length in codes */
    uint32_t last; /* 1 on the last output of a state */
} ac_out_t;

typedef struct ac {
    int32_t *base, *check, *fail, *dict;
    uint32_t *out;
    ac_out_t *outs;
    uint32_t size;     /* slots */
    uint32_t states;   /* used slots (states including the root) */
    uint32_t noutputs; /* patterns */
    uint32_t max_len;  /* longest pattern */
    uint32_t alphabet; /* codes are < alphabet */
    double build_ms;
} ac_t;

/* Builds the automaton. NULL with a reason in err on bad input (empty
 * pattern, code 0 or ≥ alphabet) or out of memory. Patterns are copied. */
ac_t *ac_build(const ac_pattern_t *patterns, size_t n, uint32_t alphabet, char *err, size_t errlen);
void ac_free(ac_t *a); /* NULL is fine */
/* Bytes held by the automaton's arrays. */
size_t ac_memory(const ac_t *a);

/* One step from state s on code; returns the new state (0 is the root). */
static inline int32_t ac_step(const ac_t *a, int32_t s, uint32_t code)
{
    if (code == 0)
        return 0;
    for (;;) {
        uint32_t t = (uint32_t)a->base[s] + code;
        if (t < a->size && a->check[t] == s)
            return (int32_t)t;
        if (s == 0)
            return 0;
        s = a->fail[s];
    }
}

/* First state at or after s on the fail chain that ends a pattern, or 0. */
static inline int32_t ac_first_output(const ac_t *a, int32_t s) { return a->out[s] ? s : a->dict[s]; }

#endif
