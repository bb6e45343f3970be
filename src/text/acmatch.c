/* acmatch.c — building the double-array Aho–Corasick automaton of
 * acmatch.h.
 *
 * 1. A plain trie with sorted child lists is built from the patterns.
 * 2. Its nodes are placed into the double array breadth-first: for each node
 *    the smallest base is searched such that base + code is a free slot for
 *    every child code (first fit over free slots, with the "skip dense
 *    regions" heuristic of darts). Codes are expected to be numbered by
 *    descending frequency, which keeps the array dense.
 * 3. Fail and dictionary links are computed breadth-first on the array.
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

/* ---- the double array ---- */

typedef struct {
    ac_t *a;
    uint32_t cap;
    uint32_t next_check; /* slots below are (nearly) all used */
} da_t;

static int da_grow(da_t *d, uint32_t need)
{
    if (need <= d->cap)
        return 0;
    uint32_t nc = d->cap ? d->cap : 4096;
    while (nc < need) {
        if (nc > UINT32_MAX / 2)
            return -1;
        nc *= 2;
    }
    int32_t *base = realloc(d->a->base, nc * sizeof *base);
    if (!base)
        return -1;
    d->a->base = base;
    int32_t *check = realloc(d->a->check, nc * sizeof *check);
    if (!check)
        return -1;
    d->a->check = check;
    for (uint32_t i = d->cap; i < nc; i++) {
        d->a->base[i] = 0;
        d->a->check[i] = -1; /* free */
    }
    d->cap = nc;
    return 0;
}

/* Smallest base ≥ 0 such that base + code is free for every child code. */
static int64_t da_find_base(da_t *d, const tnode_t *node)
{
    uint32_t first = node->kids[0].code;
    uint32_t pos = d->next_check > first ? d->next_check : first;
    uint32_t used_run = 0;
    bool dense = true;
    for (;; pos++) {
        if (da_grow(d, pos + 1) != 0)
            return -1;
        if (d->a->check[pos] != -1) {
            used_run++;
            continue;
        }
        /* darts: once a stretch is almost full, stop searching it again */
        if (dense && used_run > 0 && pos > d->next_check) {
            uint32_t span = pos - d->next_check;
            if (used_run * 100 >= span * 95)
                d->next_check = pos;
            else
                dense = false;
        }
        uint32_t b = pos - first;
        uint32_t last = b + node->kids[node->nkids - 1].code;
        if (da_grow(d, last + 1) != 0)
            return -1;
        bool ok = true;
        for (uint32_t i = 1; i < node->nkids; i++)
            if (d->a->check[b + node->kids[i].code] != -1) {
                ok = false;
                break;
            }
        if (ok)
            return b;
    }
}

void ac_free(ac_t *a)
{
    if (!a)
        return;
    free(a->base);
    free(a->check);
    free(a->fail);
    free(a->dict);
    free(a->out);
    free(a->outs);
    free(a);
}

size_t ac_memory(const ac_t *a)
{
    if (!a)
        return 0;
    return sizeof *a + (size_t)a->size * (4 * sizeof(int32_t) + sizeof(uint32_t)) +
           (size_t)a->noutputs * sizeof(ac_out_t);
}

ac_t *ac_build(const ac_pattern_t *pats, size_t n, uint32_t alphabet, char *err, size_t errlen)
{
    int64_t t0 = time_mono_ns();
    trie_t t = {0};
    ac_t *a = calloc(1, sizeof *a);
    uint32_t *slot = NULL, *queue = NULL, *olist = NULL, *onext = NULL;
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
    }

    /* 2. place the nodes breadth-first */
    da_t d = {a, 0, 1};
    slot = malloc(t.count * sizeof *slot);
    queue = malloc(t.count * sizeof *queue);
    if (!slot || !queue || da_grow(&d, 1024) != 0)
        goto oom;
    slot[0] = 0;
    a->check[0] = -2; /* the root: used, no parent */
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
        if (b < 0 || b > INT32_MAX)
            goto oom;
        a->base[s] = (int32_t)b;
        for (uint32_t i = 0; i < tn->nkids; i++) {
            uint32_t ts = (uint32_t)b + tn->kids[i].code;
            a->check[ts] = (int32_t)s;
            slot[tn->kids[i].node] = ts;
            if (ts > maxslot)
                maxslot = ts;
            queue[qt++] = tn->kids[i].node;
        }
    }
    a->size = maxslot + 1;
    a->states = t.count;

    /* outputs in slot order: out[s] = 1 + index of the first */
    a->fail = calloc(a->size, sizeof *a->fail);
    a->dict = calloc(a->size, sizeof *a->dict);
    a->out = calloc(a->size, sizeof *a->out);
    a->outs = malloc((n ? n : 1) * sizeof *a->outs);
    if (!a->fail || !a->dict || !a->out || !a->outs)
        goto oom;
    uint32_t no = 0;
    for (uint32_t q = 0; q < qt; q++) {
        tnode_t *tn = &t.n[queue[q]];
        if (!tn->out_n)
            continue;
        a->out[slot[queue[q]]] = no + 1;
        for (uint32_t k = tn->out_first; k != UINT32_MAX; k = onext[k]) {
            a->outs[no] = (ac_out_t){pats[k].value, pats[k].len, onext[k] == UINT32_MAX};
            no++;
        }
    }
    a->noutputs = no;

    /* 3. fail and dictionary links, breadth-first (queue order) */
    for (uint32_t q = 0; q < qt; q++) {
        uint32_t node = queue[q];
        int32_t s = (int32_t)slot[node];
        tnode_t *tn = &t.n[node];
        for (uint32_t i = 0; i < tn->nkids; i++) {
            int32_t c = (int32_t)slot[tn->kids[i].node];
            int32_t f = 0;
            if (s != 0) {
                f = a->fail[s];
                for (;;) {
                    uint32_t x = (uint32_t)a->base[f] + tn->kids[i].code;
                    if (x < a->size && a->check[x] == f) {
                        f = (int32_t)x;
                        break;
                    }
                    if (f == 0)
                        break;
                    f = a->fail[f];
                }
            }
            a->fail[c] = f;
            a->dict[c] = a->out[f] ? f : a->dict[f];
        }
    }
    /* shrink the arrays to the used size */
    int32_t *nb = realloc(a->base, a->size * sizeof *nb);
    if (nb)
        a->base = nb;
    int32_t *nch = realloc(a->check, a->size * sizeof *nch);
    if (nch)
        a->check = nch;
    a->build_ms = (double)(time_mono_ns() - t0) / 1e6;
    ok = true;
    goto out;
oom:
    snprintf(err, errlen, "out of memory while building the automaton");
out:
    trie_free(&t);
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
