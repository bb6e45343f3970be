/* acmatch.c — building the double-array Aho–Corasick automaton of
 * acmatch.h.
 *
 * 1. A plain trie with sorted child lists is built from the patterns.
 * 2. Its nodes are placed into the double array breadth-first: for each node
 *    the smallest base is searched such that base + code is a free slot for
 *    every child code (first fit over free slots, with the "skip dense
 *    regions" heuristic of darts). Codes are expected to be numbered by
 *    descending frequency, which keeps the array dense.
 * 3. Fail and report links are computed breadth-first on the array.
 */
#include "text/acmatch.h"
#include "core/timeutil.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint32_t code, node;
} edge_t;

typedef struct {
    edge_t *kids; /* sorted by code */
    uint32_t nkids, cap;
    uint32_t out_first, out_last, out_n; /* outputs in the staging list */
    uint32_t depth;
} tnode_t;

typedef struct {
    tnode_t *n;
    uint32_t count, cap;
} trie_t;

static void trie_free(trie_t *t)
{
    for (uint32_t i = 0; i < t->count; i++)
        free(t->n[i].kids);
    free(t->n);
}

static int64_t trie_new_node(trie_t *t, uint32_t depth)
{
    if (t->count == t->cap) {
        uint32_t nc = t->cap ? t->cap * 2 : 1024;
        tnode_t *nn = realloc(t->n, nc * sizeof *nn);
        if (!nn)
            return -1;
        t->n = nn;
        t->cap = nc;
    }
    memset(&t->n[t->count], 0, sizeof t->n[0]);
    t->n[t->count].depth = depth;
    return t->count++;
}

/* Child of node for code, created when missing; -1 on out of memory. */
static int64_t trie_child(trie_t *t, uint32_t node, uint32_t code)
{
    tnode_t *p = &t->n[node];
    uint32_t lo = 0, hi = p->nkids;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (p->kids[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < p->nkids && p->kids[lo].code == code)
        return p->kids[lo].node;
    int64_t c = trie_new_node(t, p->depth + 1);
    if (c < 0)
        return -1;
    p = &t->n[node]; /* may have moved */
    if (p->nkids == p->cap) {
        uint32_t nc = p->cap ? p->cap * 2 : 2;
        edge_t *nk = realloc(p->kids, nc * sizeof *nk);
        if (!nk)
            return -1;
        p->kids = nk;
        p->cap = nc;
    }
    memmove(&p->kids[lo + 1], &p->kids[lo], (p->nkids - lo) * sizeof *p->kids);
    p->kids[lo] = (edge_t){code, (uint32_t)c};
    p->nkids++;
    return c;
}

/* ---- the double array ----
 * A bitset of used slots (a few KiB: it stays in the L1 cache) makes the
 * first-fit search cheap: free slots are found a 64-bit word at a time and
 * a candidate base is tested bit by bit. */

typedef struct {
    ac_t *a;
    uint32_t cap;
    uint64_t *used;  /* cap bits */
    uint32_t low;    /* every slot below is used */
    uint32_t top;    /* highest used slot */
    uint32_t window; /* how far below the top a hard node looks for room */
} da_t;

static bool da_is_used(const da_t *d, uint32_t i) { return (d->used[i >> 6] >> (i & 63)) & 1; }

static int da_grow(da_t *d, uint32_t need)
{
    if (need <= d->cap)
        return 0;
    uint32_t nc = d->cap ? d->cap : 4096;
    while (nc < need) {
        if (nc > UINT32_MAX / 4)
            return -1;
        nc *= 2;
    }
    ac_node_t *node = realloc(d->a->node, nc * sizeof *node);
    if (!node)
        return -1;
    d->a->node = node;
    uint64_t *used = realloc(d->used, (nc / 64) * sizeof *used);
    if (!used)
        return -1;
    d->used = used;
    memset(d->used + d->cap / 64, 0, (nc - d->cap) / 64 * sizeof *used);
    for (uint32_t i = d->cap; i < nc; i++)
        d->a->node[i] = (ac_node_t){0, -1}; /* check -1: free */
    d->cap = nc;
    return 0;
}

static void da_use(da_t *d, uint32_t slot, int32_t check)
{
    d->a->node[slot].check = check;
    d->used[slot >> 6] |= 1ull << (slot & 63);
    if (slot > d->top)
        d->top = slot;
    while (d->low < d->cap && d->used[d->low >> 6] == UINT64_MAX)
        d->low = (d->low | 63) + 1;
}

/* The first free slot at or after p, or cap when there is none. */
static uint32_t da_next_free(const da_t *d, uint32_t p)
{
    while (p < d->cap) {
        uint64_t w = ~d->used[p >> 6] & (UINT64_MAX << (p & 63));
        if (w)
            return (p & ~63u) + (uint32_t)__builtin_ctzll(w);
        p = (p | 63) + 1;
    }
    return d->cap;
}

/* Smallest base ≥ 0 such that base + code is free for every child code.
 * When a child's slot is taken, the base jumps to where that child's slot
 * is the next free one. A node with many children that still finds no room
 * after HARD_JUMPS jumps in the dense part is placed near the top instead,
 * where there is room (a little density for a bounded build time). */
#define HARD_JUMPS 2048

static int64_t da_find_base(da_t *d, const tnode_t *node)
{
    uint32_t first = node->kids[0].code, last = node->kids[node->nkids - 1].code;
    uint32_t b = da_next_free(d, d->low > first ? d->low : first) - first;
    uint32_t jumps = 0;
    for (;;) {
        if (b + last >= d->cap && da_grow(d, b + last + 1) != 0)
            return -1;
        uint32_t i = 0;
        for (; i < node->nkids; i++) {
            uint32_t p = b + node->kids[i].code;
            if (!da_is_used(d, p))
                continue;
            b = da_next_free(d, p) - node->kids[i].code;
            if (++jumps == HARD_JUMPS) {
                uint32_t near = d->top > d->window ? d->top - d->window : 0;
                if (b + first < near)
                    b = da_next_free(d, near > first ? near : first) - first;
            }
            break;
        }
        if (i == node->nkids)
            return b;
    }
}

void ac_free(ac_t *a)
{
    if (!a)
        return;
    free(a->node);
    free(a->aux);
    free(a->outs);
    free(a);
}

size_t ac_memory(const ac_t *a)
{
    if (!a)
        return 0;
    return sizeof *a + (size_t)a->size * (sizeof(ac_node_t) + sizeof(ac_aux_t)) +
           (size_t)a->noutputs * sizeof(uint32_t);
}

ac_t *ac_build(const ac_pattern_t *pats, size_t n, uint32_t alphabet, char *err, size_t errlen)
{
    int64_t t0 = time_mono_ns();
    trie_t t = {0};
    ac_t *a = calloc(1, sizeof *a);
    uint32_t *slot = NULL, *queue = NULL, *olist = NULL, *onext = NULL;
    da_t d = {NULL, 0, NULL, 0, 0, 0};
    bool ok = false;
    if (!a || n > UINT32_MAX / 2 || trie_new_node(&t, 0) < 0)
        goto oom;
    a->alphabet = alphabet;

    /* 1. trie; outputs staged as linked lists per node */
    olist = malloc((n ? n : 1) * sizeof *olist);
    onext = malloc((n ? n : 1) * sizeof *onext);
    if (!olist || !onext)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        if (pats[i].len == 0) {
            snprintf(err, errlen, "pattern %zu is empty", i);
            goto out;
        }
        uint32_t node = 0;
        for (uint32_t j = 0; j < pats[i].len; j++) {
            uint32_t c = pats[i].codes[j];
            if (c == 0 || c >= alphabet) {
                snprintf(err, errlen, "pattern %zu has code %u outside 1..%u", i, c, alphabet - 1);
                goto out;
            }
            int64_t k = trie_child(&t, node, c);
            if (k < 0)
                goto oom;
            node = (uint32_t)k;
        }
        /* staged outputs keep pattern order */
        olist[i] = (uint32_t)i;
        onext[i] = UINT32_MAX;
        tnode_t *tn = &t.n[node];
        if (tn->out_n == 0)
            tn->out_first = (uint32_t)i;
        else
            onext[tn->out_last] = (uint32_t)i;
        tn->out_last = (uint32_t)i;
        tn->out_n++;
        if (pats[i].len > a->max_len)
            a->max_len = pats[i].len;
        if (pats[i].len > UINT16_MAX) {
            snprintf(err, errlen, "pattern %zu is longer than %u", i, UINT16_MAX);
            goto out;
        }
    }

    /* 2. place the nodes breadth-first */
    d.a = a;
    d.window = 2 * alphabet + 1024;
    slot = malloc(t.count * sizeof *slot);
    queue = malloc(t.count * sizeof *queue);
    if (!slot || !queue || da_grow(&d, 1024) != 0)
        goto oom;
    slot[0] = 0;
    da_use(&d, 0, -2); /* the root: used, no parent */
    uint32_t qh = 0, qt = 0;
    queue[qt++] = 0;
    uint32_t maxslot = 0;
    while (qh < qt) {
        uint32_t node = queue[qh++];
        tnode_t *tn = &t.n[node];
        uint32_t s = slot[node];
        if (tn->nkids == 0)
            continue;
        int64_t b = da_find_base(&d, tn);
        if (b < 0 || b > (int64_t)(AC_BASE_MASK - alphabet))
            goto oom;
        a->node[s].base = (uint32_t)b;
        for (uint32_t i = 0; i < tn->nkids; i++) {
            uint32_t ts = (uint32_t)b + tn->kids[i].code;
            da_use(&d, ts, (int32_t)s);
            slot[tn->kids[i].node] = ts;
            if (ts > maxslot)
                maxslot = ts;
            queue[qt++] = tn->kids[i].node;
        }
    }
    a->size = maxslot + 1;
    a->states = t.count;

    /* outputs: one pattern in aux[s].val, several in outs[] */
    a->aux = calloc(a->size, sizeof *a->aux);
    a->outs = malloc((n ? n : 1) * sizeof *a->outs);
    if (!a->aux || !a->outs)
        goto oom;
    uint32_t no = 0;
    for (uint32_t q = 0; q < qt; q++) {
        tnode_t *tn = &t.n[queue[q]];
        if (!tn->out_n)
            continue;
        ac_aux_t *x = &a->aux[slot[queue[q]]];
        if (tn->out_n > UINT16_MAX) {
            snprintf(err, errlen, "more than %u identical patterns", UINT16_MAX);
            goto out;
        }
        x->nout = (uint16_t)tn->out_n;
        x->len = (uint16_t)tn->depth;
        if (tn->out_n == 1) {
            x->val = pats[tn->out_first].value;
            continue;
        }
        x->val = no;
        for (uint32_t k = tn->out_first; k != UINT32_MAX; k = onext[k])
            a->outs[no++] = pats[k].value;
    }
    a->noutputs = (uint32_t)n;

    /* 3. fail and report links, breadth-first (queue order) */
    for (uint32_t q = 0; q < qt; q++) {
        uint32_t node = queue[q];
        int32_t s = (int32_t)slot[node];
        tnode_t *tn = &t.n[node];
        for (uint32_t i = 0; i < tn->nkids; i++) {
            int32_t c = (int32_t)slot[tn->kids[i].node];
            int32_t f = 0;
            if (s != 0) {
                f = a->aux[s].fail;
                for (;;) {
                    uint32_t x = (a->node[f].base & AC_BASE_MASK) + tn->kids[i].code;
                    if (x < a->size && a->node[x].check == f) {
                        f = (int32_t)x;
                        break;
                    }
                    if (f == 0)
                        break;
                    f = a->aux[f].fail;
                }
            }
            a->aux[c].fail = f;
            a->aux[c].report = a->aux[c].nout ? c : a->aux[f].report;
            if (a->aux[c].report)
                a->node[c].base |= AC_REPORT;
        }
    }
    /* shrink the arrays to the used size */
    ac_node_t *nn = realloc(a->node, a->size * sizeof *nn);
    if (nn)
        a->node = nn;
    a->build_ms = (double)(time_mono_ns() - t0) / 1e6;
    ok = true;
    goto out;
oom:
    snprintf(err, errlen, "out of memory while building the automaton");
out:
    trie_free(&t);
    free(d.used);
    free(slot);
    free(queue);
    free(olist);
    free(onext);
    if (!ok) {
        ac_free(a);
        return NULL;
    }
    return a;
}
