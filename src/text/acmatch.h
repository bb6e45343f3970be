/* acmatch.h — an Aho–Corasick automaton stored as a double-array trie.
 *
 * Patterns are sequences of integer codes (1 .. alphabet-1; 0 means "not in
 * any pattern" and sends the automaton back to the root). The hot part of a
 * state is an 8-byte slot of node[] (eight share a cache line):
 *     base + code = t   is the transition s → t when node[t].check == s
 *     AC_REPORT bit     set in base when s's fail chain ends a pattern
 * and the part read on mismatches and matches is a 16-byte slot of aux[]:
 *     fail              the longest proper suffix of s that is also a state
 *     report            the first state on s's fail chain (s included) that
 *                       ends a pattern, or 0
 *     nout, len, val    the patterns ending at s: their number, length and
 *                       value (one pattern) or first index in outs[] (several)
 * A step costs one addition and one comparison (plus fail hops after a
 * mismatch), and every occurrence is reported in time proportional to the
 * number of occurrences, usually without touching more memory than aux[s].
 * Several patterns may be identical (they become several outputs of the same
 * state).
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

#define AC_REPORT    0x40000000u /* in node[].base */
#define AC_BASE_MASK 0x3FFFFFFFu

typedef struct {
    uint32_t base; /* AC_BASE_MASK bits: base; AC_REPORT: see above */
    int32_t check; /* parent state; -1 free slot; -2 the root */
} ac_node_t;

typedef struct {
    int32_t fail, report;
    uint32_t val;  /* nout == 1: the pattern's value; nout > 1: index of the first in outs[] */
    uint16_t len;  /* length of the patterns ending here */
    uint16_t nout; /* patterns ending here */
} ac_aux_t;

typedef struct ac {
    ac_node_t *node;
    ac_aux_t *aux;
    uint32_t *outs;    /* values of states with several patterns */
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
        uint32_t t = (a->node[s].base & AC_BASE_MASK) + code;
        if (t < a->size && a->node[t].check == s)
            return (int32_t)t;
        if (s == 0)
            return 0;
        s = a->aux[s].fail;
    }
}

/* The states that end a pattern on s's fail chain: for (r = ac_report(a, s);
 * r > 0; r = ac_next_report(a, r)) ... */
static inline int32_t ac_report(const ac_t *a, int32_t s)
{
    return (a->node[s].base & AC_REPORT) ? a->aux[s].report : 0;
}
static inline int32_t ac_next_report(const ac_t *a, int32_t r) { return a->aux[a->aux[r].fail].report; }
/* The j-th value (j < aux[r].nout) of the patterns ending at state r. */
static inline uint32_t ac_value(const ac_t *a, int32_t r, uint32_t j)
{
    const ac_aux_t *x = &a->aux[r];
    return x->nout == 1 ? x->val : a->outs[x->val + j];
}

#endif
