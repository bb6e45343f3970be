/* fuzzy.c — near-miss matching (docs/search.md § Near misses): the edit
 * distance on Unicode code points (optimal string alignment: insert, delete,
 * substitute, swap two neighbours), the index's vocabulary held in memory by
 * each node (token → document frequency; never written by the indexer: it
 * is loaded from the index and caught up from the documents' ids and the
 * change log search_vec_log), its neighbourhood index (SymSpell-style
 * deletions for Latin words, one-substitution keys for Chinese bigrams and
 * words), and the candidates of a query run within a bounded distance. */
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "modules/search/internal.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- edit distance ---- */

int search_edit_distance(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, int max)
{
    if (max < 0)
        max = 0;
    size_t d = na > nb ? na - nb : nb - na;
    if (d > (size_t)max)
        return max + 1;
    if (!na || !nb)
        return (int)(na + nb);
    if (nb > SEARCH_EDIT_MAX_CHARS || na > SEARCH_EDIT_MAX_CHARS)
        return max + 1;
    int rows[3][SEARCH_EDIT_MAX_CHARS + 1];
    int *pp = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= nb; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= na; i++) {
        cur[0] = (int)i;
        int best = cur[0];
        for (size_t j = 1; j <= nb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = prev[j - 1] + cost;
            if (prev[j] + 1 < v)
                v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
                v = pp[j - 2] + 1;
            cur[j] = v;
            if (v < best)
                best = v;
        }
        if (best > max)
            return max + 1;
        int *t = pp;
        pp = prev;
        prev = cur;
        cur = t;
    }
    return prev[nb] > max ? max + 1 : prev[nb];
}

/* s as code points into out (room for cap); the count, or -1 for malformed
 * UTF-8 or more than cap characters */
static long decode(const char *s, size_t n, uint32_t *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t l = utf8_decode(s + i, n - i, &cp);
        if (!l || k == cap)
            return -1;
        out[k++] = cp;
        i += l;
    }
    return (long)k;
}

int search_edit_distance_utf8(const char *a, size_t na, const char *b, size_t nb, int max)
{
    uint32_t x[SEARCH_EDIT_MAX_CHARS], y[SEARCH_EDIT_MAX_CHARS];
    long n = decode(a, na, x, SEARCH_EDIT_MAX_CHARS), m = decode(b, nb, y, SEARCH_EDIT_MAX_CHARS);
    if (n < 0 || m < 0)
        return -1;
    return search_edit_distance(x, (size_t)n, y, (size_t)m, max);
}

/* ---- the in-memory vocabulary ---- */

enum { K_NONE, K_LATIN, K_BIGRAM, K_WORD }; /* a–z word; two Chinese characters; a word of 3–4 */

static bool is_cjk_cp(uint32_t c) { return c >= 0x2E80; }

/* what kind of token the vocabulary keeps s as (cps/nch: its code points) */
static int token_kind(const char *s, size_t n, uint32_t *cps, size_t *nch)
{
    if (n >= 3 && n <= 32 && s[0] >= 'a' && s[0] <= 'z') {
        for (size_t i = 0; i < n; i++) {
            if (s[i] < 'a' || s[i] > 'z')
                return K_NONE;
            cps[i] = (uint32_t)s[i];
        }
        *nch = n;
        return K_LATIN;
    }
    if (n < 6 || n > 16)
        return K_NONE;
    long k = decode(s, n, cps, 4);
    if (k < 2)
        return K_NONE;
    for (long i = 0; i < k; i++)
        if (!is_cjk_cp(cps[i]))
            return K_NONE;
    *nch = (size_t)k;
    return k == 2 ? K_BIGRAM : K_WORD;
}

typedef struct {
    uint32_t lo, term, next; /* a key's low 32 bits, the term, the next node + 1 in its bucket */
} vnode_t;

typedef struct {
    uint32_t ch, term; /* the other character, the bigram */
} adj_t;
typedef struct {
    adj_t *v;
    uint32_t n, cap;
} alist_t;

struct search_vocab {
    char *arena; /* the terms' bytes, one after another */
    size_t alen, acap;
    uint32_t *off; /* term → its start in arena (its end: the next one's start) */
    int32_t *df;
    uint8_t *meta; /* kind << 6 | characters */
    size_t n, cap;
    uint32_t *slot; /* term hash table: id + 1 */
    size_t scap;
    uint32_t *bucket; /* neighbourhood keys: node + 1 */
    size_t bcap;
    vnode_t *node;
    size_t nn, ncap;
    size_t nkind[4];
    /* the bigrams by character: succ[i] the "c x", pred[i] the "x c" of the
     * character with index i (chars: open addressing, index + 1) */
    uint32_t *ckey, *cidx;
    size_t ccap, nchars;
    alist_t *succ, *pred;
    size_t lcap;
};

static uint64_t fnv(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}

search_vocab_t *search_vocab_new(void) { return calloc(1, sizeof(search_vocab_t)); }

void search_vocab_free(search_vocab_t *v)
{
    if (!v)
        return;
    free(v->arena);
    free(v->off);
    free(v->df);
    free(v->meta);
    free(v->slot);
    free(v->bucket);
    free(v->node);
    for (size_t i = 0; i < v->nchars; i++) {
        free(v->succ[i].v);
        free(v->pred[i].v);
    }
    free(v->succ);
    free(v->pred);
    free(v->ckey);
    free(v->cidx);
    free(v);
}

static size_t term_len(const search_vocab_t *v, uint32_t id)
{
    return (id + 1 < v->n ? v->off[id + 1] : v->alen) - v->off[id];
}

static long find(const search_vocab_t *v, const char *s, size_t n)
{
    if (!v || !v->scap)
        return -1;
    size_t mask = v->scap - 1;
    for (size_t i = fnv(s, n) & mask;; i = (i + 1) & mask) {
        uint32_t e = v->slot[i];
        if (!e)
            return -1;
        uint32_t id = e - 1;
        if (term_len(v, id) == n && !memcmp(v->arena + v->off[id], s, n))
            return id;
    }
}

static int grow_slots(search_vocab_t *v)
{
    size_t cap = v->scap ? v->scap * 2 : 1024;
    uint32_t *s = calloc(cap, sizeof *s);
    if (!s)
        return -1;
    for (uint32_t id = 0; id < v->n; id++) {
        size_t i = fnv(v->arena + v->off[id], term_len(v, id)) & (cap - 1);
        while (s[i])
            i = (i + 1) & (cap - 1);
        s[i] = id + 1;
    }
    free(v->slot);
    v->slot = s;
    v->scap = cap;
    return 0;
}

static int add_key(search_vocab_t *v, uint32_t lo, uint32_t term)
{
    if (v->nn == v->ncap) {
        size_t cap = v->ncap ? v->ncap * 2 : 4096;
        vnode_t *nd = realloc(v->node, cap * sizeof *nd);
        if (!nd)
            return -1;
        v->node = nd;
        v->ncap = cap;
    }
    if (v->nn >= v->bcap) { /* load 1: twice the buckets, relinked */
        size_t cap = v->bcap ? v->bcap * 2 : 4096;
        uint32_t *b = calloc(cap, sizeof *b);
        if (!b)
            return -1;
        for (size_t i = 0; i < v->nn; i++) {
            size_t k = v->node[i].lo & (cap - 1);
            v->node[i].next = b[k];
            b[k] = (uint32_t)i + 1;
        }
        free(v->bucket);
        v->bucket = b;
        v->bcap = cap;
    }
    size_t k = lo & (v->bcap - 1);
    v->node[v->nn] = (vnode_t){lo, term, v->bucket[k]};
    v->bucket[k] = (uint32_t)++v->nn;
    return 0;
}

/* the key of a substitution neighbourhood: tag, length, position and the other characters */
static uint32_t sub_key(char tag, size_t n, size_t pos, const uint32_t *cps)
{
    uint32_t b[8] = {(uint32_t)tag, (uint32_t)n, (uint32_t)pos};
    size_t k = 3;
    for (size_t i = 0; i < n && k < 8; i++)
        if (i != pos)
            b[k++] = cps[i];
    return (uint32_t)fnv(b, k * sizeof *b);
}

#define LATIN_PREFIX 7 /* SymSpell's prefix: deletions are made of the first 7 letters */
#define LATIN_DELS   29

/* the deletion keys (up to 2 letters) of a Latin word's prefix, distinct; their number */
static size_t latin_keys(const char *w, size_t n, int k, uint32_t *out)
{
    size_t p = n < LATIN_PREFIX ? n : LATIN_PREFIX, m = 0;
    char b[LATIN_PREFIX + 1];
    for (size_t i = 0; i <= p; i++)
        for (size_t j = i; j <= p; j++) {
            /* i == p: nothing deleted; j == p: only i; else i and j (i < j) */
            size_t nd = (i < p) + (j < p && j > i);
            if ((int)nd > k || (i == p && j != p))
                continue;
            size_t l = 1;
            b[0] = 'L';
            for (size_t x = 0; x < p; x++)
                if (x != i && !(j < p && j > i && x == j))
                    b[l++] = w[x];
            uint32_t h = (uint32_t)fnv(b, l);
            bool dup = false;
            for (size_t y = 0; y < m && !dup; y++)
                dup = out[y] == h;
            if (!dup)
                out[m++] = h;
        }
    return m;
}

/* the index of character ch's lists; -1 when it has none (add: made; -2 on memory) */
static long char_index(search_vocab_t *v, uint32_t ch, bool add)
{
    if (v->ccap) {
        size_t mask = v->ccap - 1;
        for (size_t i = (ch * 2654435761u) & mask;; i = (i + 1) & mask) {
            if (!v->cidx[i])
                break;
            if (v->ckey[i] == ch)
                return v->cidx[i] - 1;
        }
    }
    if (!add)
        return -1;
    if ((v->nchars + 1) * 2 > v->ccap) {
        size_t cap = v->ccap ? v->ccap * 2 : 4096;
        uint32_t *k = calloc(cap, sizeof *k), *x = calloc(cap, sizeof *x);
        if (!k || !x) {
            free(k);
            free(x);
            return -2;
        }
        for (size_t j = 0; j < v->ccap; j++)
            if (v->cidx[j]) {
                size_t i = (v->ckey[j] * 2654435761u) & (cap - 1);
                while (x[i])
                    i = (i + 1) & (cap - 1);
                k[i] = v->ckey[j];
                x[i] = v->cidx[j];
            }
        free(v->ckey);
        free(v->cidx);
        v->ckey = k;
        v->cidx = x;
        v->ccap = cap;
    }
    if (v->nchars == v->lcap) {
        size_t cap = v->lcap ? v->lcap * 2 : 1024;
        alist_t *a = realloc(v->succ, cap * sizeof *a);
        if (a)
            v->succ = a;
        alist_t *b = realloc(v->pred, cap * sizeof *b);
        if (b)
            v->pred = b;
        if (!a || !b)
            return -2;
        v->lcap = cap;
    }
    size_t i = (ch * 2654435761u) & (v->ccap - 1);
    while (v->cidx[i])
        i = (i + 1) & (v->ccap - 1);
    v->ckey[i] = ch;
    v->cidx[i] = (uint32_t)++v->nchars;
    v->succ[v->nchars - 1] = (alist_t){0};
    v->pred[v->nchars - 1] = (alist_t){0};
    return (long)v->nchars - 1;
}

static int push_adj(alist_t *l, uint32_t ch, uint32_t term)
{
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap + l->cap / 2 + 2 : 4;
        adj_t *a = realloc(l->v, cap * sizeof *a);
        if (!a)
            return -1;
        l->v = a;
        l->cap = cap;
    }
    l->v[l->n++] = (adj_t){ch, term};
    return 0;
}

/* a new bigram "a b" into a's successors and b's predecessors */
static int add_adj(search_vocab_t *v, const uint32_t *cps, uint32_t term)
{
    long a = char_index(v, cps[0], true), b = a < 0 ? -2 : char_index(v, cps[1], true);
    if (a < 0 || b < 0)
        return -1;
    return push_adj(&v->succ[a], cps[1], term) || push_adj(&v->pred[b], cps[0], term) ? -1 : 0;
}

int search_vocab_add(search_vocab_t *v, const char *tok, size_t n, int64_t delta, bool only_new)
{
    uint32_t cps[32];
    size_t nch = 0;
    int kind = token_kind(tok, n, cps, &nch);
    if (kind == K_NONE)
        return 0;
    long id = find(v, tok, n);
    if (id >= 0) {
        if (!only_new) {
            int64_t d = v->df[id] + delta;
            v->df[id] = d < 0 ? 0 : d > INT32_MAX ? INT32_MAX : (int32_t)d;
        }
        return 0;
    }
    if (delta <= 0)
        return 0;
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 1024;
        uint32_t *o = realloc(v->off, cap * sizeof *o);
        if (o)
            v->off = o;
        int32_t *d = realloc(v->df, cap * sizeof *d);
        if (d)
            v->df = d;
        uint8_t *m = realloc(v->meta, cap);
        if (m)
            v->meta = m;
        if (!o || !d || !m)
            return -1;
        v->cap = cap;
    }
    if (v->alen + n > v->acap) {
        size_t cap = v->acap ? v->acap * 2 : 65536;
        while (cap < v->alen + n)
            cap *= 2;
        char *a = realloc(v->arena, cap);
        if (!a)
            return -1;
        v->arena = a;
        v->acap = cap;
    }
    if ((v->n + 1) * 2 > v->scap && grow_slots(v) != 0)
        return -1;
    uint32_t t = (uint32_t)v->n;
    memcpy(v->arena + v->alen, tok, n);
    v->off[t] = (uint32_t)v->alen;
    v->alen += n;
    v->df[t] = delta > INT32_MAX ? INT32_MAX : (int32_t)delta;
    v->meta[t] = (uint8_t)(kind << 6 | nch);
    v->n++;
    v->nkind[kind]++;
    size_t i = fnv(tok, n) & (v->scap - 1);
    while (v->slot[i])
        i = (i + 1) & (v->scap - 1);
    v->slot[i] = t + 1;
    if (kind == K_LATIN) {
        uint32_t keys[LATIN_DELS];
        size_t m = latin_keys(tok, n, 2, keys);
        for (size_t k = 0; k < m; k++)
            if (add_key(v, keys[k], t) != 0)
                return -1;
    } else {
        for (size_t p = 0; p < nch; p++)
            if (kind == K_BIGRAM ? add_adj(v, cps, t) != 0 : add_key(v, sub_key('W', nch, p, cps), t) != 0)
                return -1;
    }
    return 0;
}

typedef struct {
    const char *s;
    size_t n;
} span_t;

static int cmp_span(const void *a, const void *b)
{
    const span_t *x = a, *y = b;
    size_t m = x->n < y->n ? x->n : y->n;
    int r = memcmp(x->s, y->s, m);
    return r ? r : (x->n > y->n) - (x->n < y->n);
}

int search_vocab_add_doc(search_vocab_t *v, const char *tokens, bool only_new)
{
    size_t cap = 0, k = 0;
    span_t *sp = NULL;
    uint32_t cps[32];
    for (const char *s = tokens ? tokens : ""; *s;) {
        const char *e = strchr(s, ' ');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        size_t nch;
        if (l && token_kind(s, l, cps, &nch) != K_NONE) {
            if (k == cap) {
                span_t *ns = realloc(sp, (cap = cap ? cap * 2 : 256) * sizeof *ns);
                if (!ns) {
                    free(sp);
                    return -1;
                }
                sp = ns;
            }
            sp[k++] = (span_t){s, l};
        }
        s += l;
        while (*s == ' ')
            s++;
    }
    if (k)
        qsort(sp, k, sizeof *sp, cmp_span);
    int rc = 0;
    for (size_t i = 0; i < k && rc == 0; i++) /* each distinct token once: a document frequency */
        if (!i || cmp_span(&sp[i - 1], &sp[i]) != 0)
            rc = search_vocab_add(v, sp[i].s, sp[i].n, 1, only_new);
    free(sp);
    return rc;
}

json_t *search_vocab_stats(const search_vocab_t *v)
{
    if (!v)
        return json_pack("{s:i,s:i,s:i,s:i,s:i,s:i}", "terms", 0, "cjk_bigrams", 0, "cjk_words", 0,
                         "latin_words", 0, "keys", 0, "bytes", 0);
    size_t bytes = sizeof *v + v->acap + v->cap * (sizeof *v->off + sizeof *v->df + 1) +
                   v->scap * sizeof *v->slot + v->bcap * sizeof *v->bucket + v->ncap * sizeof *v->node +
                   v->ccap * 2 * sizeof *v->ckey + v->lcap * 2 * sizeof *v->succ;
    for (size_t i = 0; i < v->nchars; i++)
        bytes += (v->succ[i].cap + v->pred[i].cap) * sizeof(adj_t);
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "terms", (json_int_t)v->n, "cjk_bigrams",
                     (json_int_t)v->nkind[K_BIGRAM], "cjk_words", (json_int_t)v->nkind[K_WORD], "latin_words",
                     (json_int_t)v->nkind[K_LATIN], "keys", (json_int_t)v->nn, "bytes", (json_int_t)bytes);
}

/* ---- candidates ---- */

#define CAND_MAX 48 /* candidates kept per run, best first: a query checks at most 12 in scope */

typedef struct {
    search_cand_t v[CAND_MAX];
    size_t n;
    size_t qn; /* the run's length */
} clist_t;

static int cmp_text(const search_cand_t *x, const search_cand_t *y)
{
    size_t m = x->n < y->n ? x->n : y->n;
    for (size_t i = 0; i < m; i++)
        if (x->cps[i] != y->cps[i])
            return x->cps[i] < y->cps[i] ? -1 : 1;
    return (x->n > y->n) - (x->n < y->n);
}

static int cmp_cand(const search_cand_t *x, const search_cand_t *y)
{
    if (x->dist != y->dist)
        return x->dist - y->dist;
    if (x->word != y->word)
        return y->word - x->word;
    if (x->ldiff != y->ldiff)
        return x->ldiff - y->ldiff;
    if (x->df != y->df)
        return x->df < y->df ? 1 : -1;
    return cmp_text(x, y);
}

/* keeps the CAND_MAX best distinct candidates, in order (an insertion into a short sorted list) */
static void cl_add(clist_t *l, const uint32_t *cps, size_t n, int dist, int word, int64_t df)
{
    if (df <= 0 || n > SEARCH_FUZZY_CAND_CHARS)
        return;
    search_cand_t e = {.n = n, .dist = dist, .word = word, .df = df};
    memcpy(e.cps, cps, n * sizeof *cps);
    e.ldiff = (int)(n > l->qn ? n - l->qn : l->qn - n);
    if (l->n == CAND_MAX && cmp_cand(&e, &l->v[CAND_MAX - 1]) >= 0)
        return;
    for (size_t i = 0; i < l->n; i++)
        if (!cmp_text(&l->v[i], &e)) { /* the same text found again: keep its better rank */
            if (cmp_cand(&e, &l->v[i]) >= 0)
                return;
            memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof e);
            l->n--;
            break;
        }
    size_t at = l->n < CAND_MAX ? l->n : CAND_MAX - 1;
    while (at > 0 && cmp_cand(&e, &l->v[at - 1]) < 0)
        at--;
    size_t move = (l->n < CAND_MAX ? l->n : CAND_MAX - 1) - at;
    memmove(&l->v[at + 1], &l->v[at], move * sizeof e);
    l->v[at] = e;
    if (l->n < CAND_MAX)
        l->n++;
}

static size_t encode(const uint32_t *cps, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += utf8_encode(cps[i], out + k);
    return k;
}

static int64_t term_df(const search_vocab_t *v, const uint32_t *cps, size_t n)
{
    char b[SEARCH_EDIT_MAX_CHARS * 4];
    long id = find(v, b, encode(cps, n, b));
    return id < 0 ? 0 : v->df[id];
}

/* a Chinese run's df: the smallest of its bigrams' (0: one is unknown) */
static int64_t run_df(const search_vocab_t *v, const uint32_t *cps, size_t n)
{
    if (n < 2)
        return 0;
    int64_t best = INT64_MAX;
    for (size_t i = 0; i + 1 < n && best; i++) {
        int64_t df = term_df(v, cps + i, 2);
        if (df < best)
            best = df;
    }
    return best;
}

/* is the run a word the segmenter found (a token of 3–4 characters)? */
static int is_word(const search_vocab_t *v, const uint32_t *cps, size_t n)
{
    return n >= 3 && n <= 4 && term_df(v, cps, n) > 0;
}

/* the bigrams "ch x" (tail: "x ch") of the vocabulary; NULL when none */
static const alist_t *side(const search_vocab_t *v, uint32_t ch, bool tail)
{
    long i = char_index((search_vocab_t *)v, ch, false);
    return i < 0 ? NULL : tail ? &v->pred[i] : &v->succ[i];
}

static int cmp_adj(const void *a, const void *b)
{
    uint32_t x = ((const adj_t *)a)->ch, y = ((const adj_t *)b)->ch;
    return (x > y) - (x < y);
}

static int cjk_cands(const search_vocab_t *v, const uint32_t *r, size_t n, clist_t *out)
{
    uint32_t w[SEARCH_FUZZY_CJK_MAX + 1];
    /* words the segmenter found in the index, one character replaced */
    if (n >= 3) {
        for (size_t pos = 0; pos < n && v->bcap; pos++) {
            uint32_t key = sub_key('W', n, pos, r);
            for (uint32_t e = v->bucket[key & (v->bcap - 1)]; e; e = v->node[e - 1].next) {
                const vnode_t *nd = &v->node[e - 1];
                if (nd->lo != key || (v->meta[nd->term] >> 6) != K_WORD || (v->meta[nd->term] & 63) != n)
                    continue;
                if (decode(v->arena + v->off[nd->term], term_len(v, nd->term), w, n) != (long)n)
                    continue;
                bool same_rest = true;
                for (size_t i = 0; i < n; i++)
                    same_rest = same_rest && (i == pos || w[i] == r[i]);
                if (same_rest && w[pos] != r[pos])
                    cl_add(out, w, n, 1, 1, v->df[nd->term]);
            }
        }
    }
    /* one character replaced: the characters x between the neighbours' bigrams
     * ("left x" and "x right" both known); the candidate's df is the smallest
     * of those two and of the query's own bigrams away from pos (one unknown:
     * pos is not where the query is wrong) */
    for (size_t pos = 0; pos < n; pos++) {
        int64_t own = INT64_MAX;
        for (size_t i = 0; i + 1 < n && own; i++)
            if (i != pos && i + 1 != pos) {
                int64_t df = term_df(v, r + i, 2);
                own = df < own ? df : own;
            }
        const alist_t *L = pos ? side(v, r[pos - 1], false) : NULL,
                      *R = pos + 1 < n ? side(v, r[pos + 1], true) : NULL;
        if (!own || (pos && !L) || (pos + 1 < n && !R))
            continue;
        adj_t *rs = NULL;
        if (L && R) {
            rs = malloc((R->n ? R->n : 1) * sizeof *rs);
            if (!rs)
                return -1;
            memcpy(rs, R->v, R->n * sizeof *rs);
            qsort(rs, R->n, sizeof *rs, cmp_adj);
        }
        const alist_t *xs = L ? L : R;
        for (uint32_t i = 0; i < xs->n; i++) {
            const adj_t *a = &xs->v[i];
            if (a->ch == r[pos])
                continue;
            int64_t df = v->df[a->term];
            if (rs) {
                const adj_t *b = bsearch(a, rs, R->n, sizeof *rs, cmp_adj);
                if (!b)
                    continue;
                if (v->df[b->term] < df)
                    df = v->df[b->term];
            }
            memcpy(w, r, n * sizeof *r);
            w[pos] = a->ch;
            cl_add(out, w, n, 1, 0, df < own ? df : own); /* a word among them: found above with word 1 */
        }
        free(rs);
    }
    /* one character dropped (two stay at least) and two neighbours swapped */
    for (size_t pos = 0; pos < n && n > 2; pos++) {
        size_t len = 0;
        for (size_t p = 0; p < n; p++)
            if (p != pos)
                w[len++] = r[p];
        cl_add(out, w, len, 1, is_word(v, w, len), run_df(v, w, len));
    }
    for (size_t i = 0; i + 1 < n; i++) {
        if (r[i] == r[i + 1])
            continue;
        memcpy(w, r, n * sizeof *r);
        w[i] = r[i + 1];
        w[i + 1] = r[i];
        cl_add(out, w, n, 1, is_word(v, w, n), run_df(v, w, n));
    }
    return 0;
}

static void latin_cands(const search_vocab_t *v, const uint32_t *r, size_t n, clist_t *out)
{
    int k = search_fuzzy_max_distance(r, n, false);
    char q[33];
    for (size_t i = 0; i < n; i++)
        q[i] = (char)r[i];
    uint32_t keys[LATIN_DELS], w[32];
    size_t m = latin_keys(q, n, k, keys);
    for (size_t j = 0; j < m && v->bcap; j++)
        for (uint32_t e = v->bucket[keys[j] & (v->bcap - 1)]; e; e = v->node[e - 1].next) {
            const vnode_t *nd = &v->node[e - 1];
            size_t len = v->meta[nd->term] & 63;
            if (nd->lo != keys[j] || (v->meta[nd->term] >> 6) != K_LATIN || !v->df[nd->term] ||
                len + (size_t)k < n || len > n + (size_t)k)
                continue;
            const char *s = v->arena + v->off[nd->term];
            for (size_t i = 0; i < len; i++)
                w[i] = (unsigned char)s[i];
            int d = search_edit_distance(r, n, w, len, k);
            if (d >= 1 && d <= k)
                cl_add(out, w, len, d, 0, v->df[nd->term]);
        }
}

int search_fuzzy_max_distance(const uint32_t *cps, size_t n, bool cjk)
{
    if (cjk)
        return n >= 2 && n <= SEARCH_FUZZY_CJK_MAX ? 1 : 0;
    if (n < 4 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (cps[i] < 'a' || cps[i] > 'z')
            return 0;
    return n >= 6 ? 2 : 1;
}

/* ---- this node's vocabulary and its feed ---- */

#define FEED_PAGE   500     /* documents / log entries read at one catch-up step */
#define ID_MARGIN   64      /* PostgreSQL commits ids and sequence numbers out of order: read again */
#define RECENT      1024    /* ids / log entries already taken within the margin */
#define RELOAD_MS   3600000 /* a full reload (deletions, edits without a log entry) at least hourly */
#define WAIT_LOAD_S 2       /* the first query waits this long for the loading */

typedef struct {
    int64_t v[RECENT];
    size_t n, at;
} recent_t;

static struct {
    pthread_rwlock_t rw; /* the vocabulary: readers are the queries */
    search_vocab_t *cur;
    pthread_mutex_t mu; /* the feed (cursors, loading) */
    pthread_cond_t cv;
    bool started, loaded, stop;
    pthread_t th;
    int64_t max_id, log_seq, loaded_at, docs_at_load, docs_fed, load_ms;
    recent_t ids, seqs;
} G = {.rw = PTHREAD_RWLOCK_INITIALIZER, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static bool recent_has(const recent_t *r, int64_t x)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i] == x)
            return true;
    return false;
}

static void recent_put(recent_t *r, int64_t x)
{
    r->v[r->at] = x;
    r->at = (r->at + 1) % RECENT;
    if (r->n < RECENT)
        r->n++;
}

int64_t search_fuzzy_df(const search_run_t *r)
{
    pthread_rwlock_rdlock(&G.rw);
    int64_t df = 0;
    if (G.cur)
        df = r->cjk ? run_df(G.cur, r->cps, r->n) : term_df(G.cur, r->cps, r->n);
    pthread_rwlock_unlock(&G.rw);
    return df;
}

int search_fuzzy_candidates(const search_run_t *r, search_cand_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!search_fuzzy_max_distance(r->cps, r->n, r->cjk))
        return 0;
    clist_t *l = calloc(1, sizeof *l);
    if (!l)
        return -1;
    l->qn = r->n;
    bool err = false;
    pthread_rwlock_rdlock(&G.rw);
    if (G.cur) {
        if (r->cjk)
            err = cjk_cands(G.cur, r->cps, r->n, l) != 0;
        else
            latin_cands(G.cur, r->cps, r->n, l);
    }
    pthread_rwlock_unlock(&G.rw);
    search_cand_t *v = err || !l->n ? NULL : malloc(l->n * sizeof *v);
    if (v)
        memcpy(v, l->v, l->n * sizeof *v);
    *out = v;
    *n = v ? l->n : 0;
    free(l);
    return err ? -1 : 0;
}

/* the vocabulary from the index: SQLite's fts5vocab (documents per term),
 * PostgreSQL's ts_stat (the same over the tsvectors); the cursors it is
 * caught up from are read first (a document written meanwhile may be
 * counted twice, never missed) */
static search_vocab_t *load(db_conn_t *c, int64_t *max_id, int64_t *seq, int64_t *ndocs)
{
    bool pg = db_dialect(db_of(c)) == DB_POSTGRES;
    if (db_query_int64(c, "SELECT COALESCE(MAX(id), 0) FROM search_docs", max_id) != 1 ||
        db_query_int64(c, "SELECT COALESCE(MAX(seq), 0) FROM search_vec_log", seq) != 1 ||
        db_query_int64(c, "SELECT COUNT(*) FROM search_docs", ndocs) != 1)
        return NULL;
    if (!pg && db_exec(c, "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_fts_terms USING "
                          "fts5vocab(main, search_fts, row)") != 0)
        return NULL;
    db_stmt_t *st = db_prepare(c, pg ? "SELECT word, ndoc FROM ts_stat('SELECT tsv FROM search_docs')"
                                     : "SELECT term, doc FROM temp.search_fts_terms");
    search_vocab_t *v = search_vocab_new();
    int rc = DB_ERROR;
    if (st && v) {
        while ((rc = db_step(st)) == DB_ROW) {
            const char *t = db_col_text(st, 0);
            if (t && search_vocab_add(v, t, strlen(t), db_col_int64(st, 1), false) != 0) {
                rc = DB_ERROR;
                break;
            }
        }
    }
    db_done(st);
    if (rc != DB_DONE) {
        search_vocab_free(v);
        return NULL;
    }
    return v;
}

/* one document's tokens (title and body), malloc'd; NULL when it is gone or on an error (*err) */
static char *doc_tokens(db_conn_t *c, bool pg, int64_t id, bool *err)
{
    db_stmt_t *st =
        db_prepare(c, pg ? "SELECT array_to_string(tsvector_to_array(tsv), ' ') FROM search_docs WHERE id = ?"
                         : "SELECT title || ' ' || body FROM search_fts WHERE rowid = ?");
    char *out = NULL;
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, id);
        rc = db_step(st);
        if (rc == DB_ROW) {
            const char *t = db_col_text(st, 0);
            out = strdup(t ? t : "");
        }
    }
    db_done(st);
    if (rc == DB_ERROR || (rc == DB_ROW && !out))
        *err = true;
    return out;
}

/* the rows (key, document) of sql past cursor − margin whose key is not
 * yet taken, in key order, at most FEED_PAGE + ID_MARGIN; *top the largest
 * key read. The count, or -1 on an error. */
static long next_rows(db_conn_t *c, const char *sql, int64_t cursor, const recent_t *seen, int64_t *keys,
                      int64_t *docs, int64_t *top)
{
    db_stmt_t *st = db_prepare(c, sql);
    if (!st)
        return -1;
    db_bind_int64(st, 1, cursor > ID_MARGIN ? cursor - ID_MARGIN : 0);
    long k = 0;
    int rc;
    *top = cursor;
    while ((rc = db_step(st)) == DB_ROW) {
        int64_t key = db_col_int64(st, 0);
        if (key > *top)
            *top = key;
        if (key <= cursor && recent_has(seen, key))
            continue;
        keys[k] = key;
        docs[k++] = db_col_int64(st, 1);
    }
    db_done(st);
    return rc == DB_DONE ? k : -1;
}

/* feeds the documents of rows: new (+1 for each distinct token) or edited
 * (only their unknown tokens); marks the keys taken. 0 or -1. */
static int feed(db_conn_t *c, bool pg, const int64_t *keys, const int64_t *docs, long n, bool edited,
                recent_t *seen, int64_t *cursor)
{
    bool err = false;
    for (long i = 0; i < n && !err; i++) {
        /* the log also names new documents: those the ids just fed are skipped */
        char *t = edited && recent_has(&G.ids, docs[i]) ? NULL : doc_tokens(c, pg, docs[i], &err);
        if (t) {
            pthread_rwlock_wrlock(&G.rw);
            int rc = G.cur ? search_vocab_add_doc(G.cur, t, edited) : 0;
            pthread_rwlock_unlock(&G.rw);
            err = err || rc != 0;
            G.docs_fed++;
        }
        free(t);
        if (err)
            break;
        recent_put(seen, keys[i]);
        if (keys[i] > *cursor)
            *cursor = keys[i];
    }
    return err ? -1 : 0;
}

#define PAGE_SQL(x) x " LIMIT 564" /* FEED_PAGE + ID_MARGIN */

/* Catches up (G.mu held) at most `pages` steps of each feed. 0 (all read),
 * 1 (more to read) or -1. */
static int catch_up(db_conn_t *c, int pages)
{
    bool pg = db_dialect(db_of(c)) == DB_POSTGRES;
    int64_t keys[FEED_PAGE + ID_MARGIN], docs[FEED_PAGE + ID_MARGIN], top;
    for (int step = 0; step < pages; step++) {
        long n = next_rows(c, PAGE_SQL("SELECT id, id FROM search_docs WHERE id > ? ORDER BY id"), G.max_id,
                           &G.ids, keys, docs, &top);
        if (n < 0 || feed(c, pg, keys, docs, n, false, &G.ids, &G.max_id) != 0)
            return -1;
        long m = next_rows(
            c, PAGE_SQL("SELECT seq, doc_id FROM search_vec_log WHERE seq > ? AND doc_id > 0 ORDER BY seq"),
            G.log_seq, &G.seqs, keys, docs, &top);
        if (m < 0 || feed(c, pg, keys, docs, m, true, &G.seqs, &G.log_seq) != 0)
            return -1;
        if (n < FEED_PAGE && m < FEED_PAGE)
            return 0;
    }
    return 1;
}

/* loads (first, or when due) and installs a vocabulary; 0 or -1 */
static int reload(db_t *db)
{
    db_conn_t *c = db_acquire(db);
    if (!c)
        return -1;
    int64_t t0 = time_mono_ns(), max_id = 0, seq = 0, ndocs = 0;
    search_vocab_t *v = load(c, &max_id, &seq, &ndocs);
    if (!v) {
        log_msg(LOG_SYSTEM, LOG_WARN, "search.vocab_failed", "近似匹配词表载入失败：%s", db_errmsg(c));
        db_release(c);
        return -1;
    }
    json_t *s = search_vocab_stats(v);
    pthread_mutex_lock(&G.mu);
    pthread_rwlock_wrlock(&G.rw);
    search_vocab_t *old = G.cur;
    G.cur = v;
    pthread_rwlock_unlock(&G.rw);
    search_vocab_free(old);
    G.max_id = max_id;
    G.log_seq = seq;
    G.ids.n = G.ids.at = G.seqs.n = G.seqs.at = 0;
    G.docs_at_load = ndocs;
    G.docs_fed = 0;
    G.loaded_at = time_now_ms();
    G.load_ms = (time_mono_ns() - t0) / 1000000;
    G.loaded = true;
    int rc = catch_up(c, 1000) < 0 ? -1 : 0;
    pthread_cond_broadcast(&G.cv);
    pthread_mutex_unlock(&G.mu);
    db_release(c);
    log_msg(LOG_SYSTEM, LOG_INFO, "search.vocab_loaded",
            "近似匹配词表已载入：%lld 个词（%lld 个文档），约 %lld MB，用时 %lld 毫秒",
            (long long)json_integer_value(json_object_get(s, "terms")), (long long)ndocs,
            (long long)(json_integer_value(json_object_get(s, "bytes")) >> 20), (long long)G.load_ms);
    json_decref(s);
    return rc;
}

static void *feeder(void *arg)
{
    db_t *db = arg;
    for (;;) {
        bool more = false;
        pthread_mutex_lock(&G.mu);
        /* new documents are counted exactly by the feed: a reload only
         * corrects what it cannot see (deletions, edits without a log entry,
         * a rebuild's second count), so it is hourly — a reload after each
         * quarter of growth scanned the whole index again and again during
         * a bulk import (docs/benchmarks.md) */
        bool loaded = G.loaded, due = time_now_ms() - G.loaded_at > RELOAD_MS;
        pthread_mutex_unlock(&G.mu);
        if (!loaded || due) {
            reload(db);
        } else {
            /* a step at a time (queries wait for the lock meanwhile), again at once while behind */
            db_conn_t *c = db_acquire(db); /* before the lock: a query holding a connection may wait on it */
            if (c) {
                pthread_mutex_lock(&G.mu);
                more = catch_up(c, 1) == 1;
                pthread_mutex_unlock(&G.mu);
                db_release(c);
            }
        }
        pthread_mutex_lock(&G.mu);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        if (!G.stop && !more)
            pthread_cond_timedwait(&G.cv, &G.mu, &ts);
        bool stop = G.stop;
        pthread_mutex_unlock(&G.mu);
        if (stop)
            return NULL;
    }
}

/* the feeding thread, once (G.mu held) */
static void start_locked(db_t *db)
{
    if (!G.started && !G.stop) {
        G.started = pthread_create(&G.th, NULL, feeder, db) == 0;
        if (!G.started)
            log_msg(LOG_SYSTEM, LOG_WARN, "search.vocab_failed", "近似匹配词表线程无法启动");
    }
}

void search_fuzzy_start(db_t *db)
{
    pthread_mutex_lock(&G.mu);
    start_locked(db);
    pthread_mutex_unlock(&G.mu);
}

int search_fuzzy_sync(db_conn_t *c)
{
    pthread_mutex_lock(&G.mu);
    start_locked(db_of(c));
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += WAIT_LOAD_S;
    while (!G.loaded && G.started && !G.stop)
        if (pthread_cond_timedwait(&G.cv, &G.mu, &ts) != 0)
            break;
    int rc = G.loaded ? (catch_up(c, 1) < 0 ? -1 : 1) : 0;
    pthread_mutex_unlock(&G.mu);
    return rc;
}

void search_fuzzy_shutdown(void)
{
    pthread_mutex_lock(&G.mu);
    G.stop = true;
    bool join = G.started;
    G.started = false;
    pthread_cond_broadcast(&G.cv);
    pthread_mutex_unlock(&G.mu);
    if (join)
        pthread_join(G.th, NULL);
    pthread_rwlock_wrlock(&G.rw);
    search_vocab_free(G.cur);
    G.cur = NULL;
    pthread_rwlock_unlock(&G.rw);
    G.loaded = false;
}

void search_vocab_install(search_vocab_t *v)
{
    pthread_rwlock_wrlock(&G.rw);
    search_vocab_t *old = G.cur;
    G.cur = v;
    pthread_rwlock_unlock(&G.rw);
    search_vocab_free(old);
    pthread_mutex_lock(&G.mu);
    G.loaded = true;
    pthread_mutex_unlock(&G.mu);
}

json_t *search_fuzzy_status(void)
{
    pthread_rwlock_rdlock(&G.rw);
    json_t *s = search_vocab_stats(G.cur);
    pthread_rwlock_unlock(&G.rw);
    pthread_mutex_lock(&G.mu);
    json_object_set_new(s, "ready", json_boolean(G.loaded));
    json_object_set_new(s, "max_doc_id", json_integer(G.max_id));
    json_object_set_new(s, "log_seq", json_integer(G.log_seq));
    json_object_set_new(s, "loaded_at", json_integer(G.loaded_at));
    json_object_set_new(s, "load_ms", json_integer(G.load_ms));
    json_object_set_new(s, "docs_fed", json_integer(G.docs_fed));
    pthread_mutex_unlock(&G.mu);
    return s;
}

/* ---- a query's expansion (docs/search.md § Near misses) ---- */

#define FUZZY_FEW_HITS    3  /* fewer exact hits than this: near misses are searched too */
#define FUZZY_RUNS        3  /* a short query: at most this many runs */
#define FUZZY_PER_RUN     3  /* expansions of one run, at most */
#define FUZZY_KNOWN_RATIO 4  /* a known run: only to neighbours in at least 4 × as many documents */
#define FUZZY_TRIES       12 /* candidates of one run checked in the caller's scope, at most */

void search_fuzzy_free(search_fuzzy_t *f)
{
    search_terms_free(&f->all);
    json_decref(f->expanded);
    free(f->expr);
    memset(f, 0, sizeof *f);
}

static void run_push(search_terms_t *t, const uint32_t *cps, size_t n, bool cjk)
{
    search_run_t *v = realloc(t->runs, (t->nruns + 1) * sizeof *v);
    uint32_t *c = malloc((n ? n : 1) * sizeof *c);
    if (!v || !c)
        abort();
    t->runs = v;
    memcpy(c, cps, n * sizeof *c);
    t->runs[t->nruns++] = (search_run_t){c, n, cjk};
}

static json_t *cps_json(const uint32_t *cps, size_t n)
{
    char *s = malloc(n * 4 + 1), *e = s;
    if (!s)
        abort();
    for (size_t i = 0; i < n; i++)
        e += utf8_encode(cps[i], e);
    *e = 0;
    json_t *j = json_string(s);
    free(s);
    return j;
}

/* the expression of one run (its terms ANDed) */
static char *run_expr(const uint32_t *cps, size_t n, bool cjk, bool pg)
{
    search_run_t r = {(uint32_t *)cps, n, cjk};
    search_terms_t one = {&r, 1};
    return search_terms_expr(&one, pg, NULL);
}

/* When the query is short and its exact terms find fewer than
 * FUZZY_FEW_HITS documents in scope: each of its runs not in the vocabulary
 * (when every run is known: each, to neighbours in ≥ 4 × its documents) gets up to
 * FUZZY_PER_RUN of the vocabulary's nearest runs — only those that match a
 * document the caller may see under the same filters, so an expansion never
 * tells of another district's words. 0 (f->expr NULL: nothing expanded) or -1. */
int search_fuzzy_expand(db_conn_t *c, const search_terms_t *t, bool enabled, bool pg, int64_t exact_total,
                        search_scope_fn in_scope, void *ud, search_fuzzy_t *f)
{
    memset(f, 0, sizeof *f);
    f->expanded = json_array();
    if (!enabled || !t->nruns || t->nruns > FUZZY_RUNS || exact_total >= FUZZY_FEW_HITS)
        return 0;
    bool short_run = false; /* a query no run of which may be expanded does not wait for the vocabulary */
    for (size_t i = 0; i < t->nruns && !short_run; i++)
        short_run = search_fuzzy_max_distance(t->runs[i].cps, t->runs[i].n, t->runs[i].cjk) > 0;
    if (!short_run)
        return 0;
    int ready = search_fuzzy_sync(c); /* this node's vocabulary, caught up (fuzzy.c) */
    if (ready <= 0)
        return ready;
    bool expand[FUZZY_RUNS] = {0}, any_unknown = false; /* some run is short (above) */
    int64_t own_df[FUZZY_RUNS] = {0};
    for (size_t i = 0; i < t->nruns; i++) {
        const search_run_t *r = &t->runs[i];
        if (!search_fuzzy_max_distance(r->cps, r->n, r->cjk))
            continue;
        int64_t df = search_fuzzy_df(r);
        own_df[i] = df;
        expand[i] = !df;
        any_unknown = any_unknown || !df;
    }
    for (size_t i = 0; i < t->nruns; i++)
        if (!any_unknown)
            expand[i] = search_fuzzy_max_distance(t->runs[i].cps, t->runs[i].n, t->runs[i].cjk) > 0;
    for (size_t i = 0; i < t->nruns; i++)
        run_push(&f->all, t->runs[i].cps, t->runs[i].n, t->runs[i].cjk);
    sbuf_t e;
    sbuf_init(&e);
    bool expanded = false;
    for (size_t i = 0; i < t->nruns; i++) {
        const search_run_t *r = &t->runs[i];
        char *own = run_expr(r->cps, r->n, r->cjk, pg);
        sbuf_t alts;
        sbuf_init(&alts);
        if (expand[i]) {
            search_cand_t *cv;
            size_t nc;
            if (search_fuzzy_candidates(r, &cv, &nc) != 0) {
                free(own);
                sbuf_free(&e);
                return -1;
            }
            size_t kept = 0;
            size_t tried = 0;
            for (size_t k = 0; k < nc && tried < FUZZY_TRIES && kept < FUZZY_PER_RUN; k++) {
                /* a known run (the query found few): only its far more frequent neighbours,
                 * the usual spelling of what may be a misspelling in a few documents */
                if (own_df[i] && cv[k].df < FUZZY_KNOWN_RATIO * own_df[i])
                    continue;
                tried++;
                char *x = run_expr(cv[k].cps, cv[k].n, r->cjk, pg);
                int hit = in_scope(ud, x);
                if (hit > 0) {
                    sbuf_puts(&alts, pg ? " | (" : " OR (");
                    sbuf_puts(&alts, x);
                    sbuf_puts(&alts, ")");
                    run_push(&f->all, cv[k].cps, cv[k].n, r->cjk);
                    json_array_append_new(f->expanded,
                                          json_pack("{s:o,s:o,s:i}", "from", cps_json(r->cps, r->n), "to",
                                                    cps_json(cv[k].cps, cv[k].n), "distance", cv[k].dist));
                    kept++;
                }
                free(x);
                if (hit < 0) {
                    free(cv);
                    free(own);
                    sbuf_free(&alts);
                    sbuf_free(&e);
                    return -1;
                }
            }
            free(cv);
        }
        if (i)
            sbuf_puts(&e, pg ? " & " : " AND ");
        /* ((own) OR (alternative) …): the run or one of its near misses */
        sbuf_puts(&e, alts.len ? "((" : "(");
        sbuf_puts(&e, own);
        sbuf_puts(&e, ")");
        if (alts.len) {
            sbuf_puts(&e, alts.data);
            sbuf_puts(&e, ")");
            expanded = true;
        }
        sbuf_free(&alts);
        free(own);
    }
    if (expanded)
        f->expr = sbuf_detach(&e);
    else
        sbuf_free(&e);
    return 0;
}
