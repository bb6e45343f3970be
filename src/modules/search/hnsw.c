/* hnsw.c — the HNSW graph (see hnsw.h and docs/search.md § The index).
 *
 * Layout: node i has its id, vector (row i of one float32 matrix), level
 * and tombstone flag; its layer-0 neighbours are row i of an n × (1 + 2M)
 * uint32 matrix (count, then the neighbours), its upper layers one
 * level × (1 + M) array. Scores are inner products (higher is closer).
 * Insertion and neighbour selection follow the paper (algorithms 1, 2, 4:
 * the heuristic keeps a candidate only when it is closer to the new node
 * than to every neighbour kept so far). A live id maps to its node through
 * an open-addressing table. */
#include "modules/search/hnsw.h"
#include <cblas.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LEVEL 31
#define MAGIC     "ZDHNSW01"
#define VERSION   1u

struct hnsw {
    pthread_rwlock_t lock;
    int dim, M, M0, efc;
    double mult;
    uint64_t rng;
    size_t n, cap, ndead;
    int64_t *ids;
    float *vecs;
    uint8_t *level, *dead;
    uint32_t *l0;  /* cap × (1 + M0) */
    uint32_t **up; /* level × (1 + M), NULL at level 0 */
    int64_t entry; /* -1: empty */
    int maxlevel;
    uint32_t *slots; /* live id → node + 1 */
    size_t nslots;
    uint32_t *vis, epoch; /* the writer's visited marks */
};

/* ---- heaps of (score, node) ---- */

typedef struct {
    float s;
    uint32_t v;
} item_t;

typedef struct {
    item_t *a;
    size_t n, cap;
    bool max; /* max-heap (best on top) or min-heap (worst on top) */
} heap_t;

static bool above(const heap_t *h, item_t x, item_t y) { return h->max ? x.s > y.s : x.s < y.s; }

static int heap_push(heap_t *h, float s, uint32_t v)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        item_t *a = realloc(h->a, cap * sizeof *a);
        if (!a)
            return -1;
        h->a = a;
        h->cap = cap;
    }
    size_t i = h->n++;
    h->a[i] = (item_t){s, v};
    while (i && above(h, h->a[i], h->a[(i - 1) / 2])) {
        item_t t = h->a[i];
        h->a[i] = h->a[(i - 1) / 2];
        h->a[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
    return 0;
}

static item_t heap_pop(heap_t *h)
{
    item_t top = h->a[0];
    h->a[0] = h->a[--h->n];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, r = l + 1, b = i;
        if (l < h->n && above(h, h->a[l], h->a[b]))
            b = l;
        if (r < h->n && above(h, h->a[r], h->a[b]))
            b = r;
        if (b == i)
            break;
        item_t t = h->a[i];
        h->a[i] = h->a[b];
        h->a[b] = t;
        i = b;
    }
    return top;
}

/* ---- basics ---- */

/* OpenBLAS's sdot (its kernel for this CPU: AVX2 / AVX-512): 26 ns for 256
 * dimensions where the plain loop, which the compiler may not reorder, took
 * 125 ns — the graph's build and search are mostly these */
static float dot(const float *a, const float *b, int d) { return cblas_sdot(d, a, 1, b, 1); }

static const float *vec_of(const hnsw_t *h, uint32_t v) { return h->vecs + (size_t)v * (size_t)h->dim; }

static uint32_t *links(const hnsw_t *h, uint32_t v, int lev)
{
    return lev == 0 ? h->l0 + (size_t)v * (size_t)(1 + h->M0)
                    : h->up[v] + (size_t)(lev - 1) * (size_t)(1 + h->M);
}

static int maxconn(const hnsw_t *h, int lev) { return lev == 0 ? h->M0 : h->M; }

static size_t slot_of(const hnsw_t *h, int64_t id)
{
    size_t j = ((uint64_t)id * 11400714819323198485ull) & (h->nslots - 1);
    while (h->slots[j] && h->ids[h->slots[j] - 1] != id)
        j = (j + 1) & (h->nslots - 1);
    return j;
}

static int rehash(hnsw_t *h, size_t want)
{
    size_t ns = 1024;
    while (ns < want * 2)
        ns *= 2;
    uint32_t *s = calloc(ns, sizeof *s);
    if (!s)
        return -1;
    free(h->slots);
    h->slots = s;
    h->nslots = ns;
    for (size_t i = 0; i < h->n; i++)
        if (!h->dead[i])
            h->slots[slot_of(h, h->ids[i])] = (uint32_t)i + 1;
    return 0;
}

/* the node of live id, or -1 */
static int64_t node_of(const hnsw_t *h, int64_t id)
{
    if (!h->nslots)
        return -1;
    size_t j = slot_of(h, id);
    return h->slots[j] ? (int64_t)h->slots[j] - 1 : -1;
}

static void unmap(hnsw_t *h, int64_t id)
{
    size_t j = slot_of(h, id);
    if (!h->slots[j])
        return;
    h->slots[j] = 0;
    for (size_t k = (j + 1) & (h->nslots - 1); h->slots[k]; k = (k + 1) & (h->nslots - 1)) {
        uint32_t p = h->slots[k];
        h->slots[k] = 0;
        h->slots[slot_of(h, h->ids[p - 1])] = p;
    }
}

static hnsw_t *alloc_index(int dim, int M, int efc, uint64_t seed)
{
    if (dim < 1 || dim > 4096 || M < 2 || M > 64 || efc < M || efc > 10000)
        return NULL;
    hnsw_t *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    if (pthread_rwlock_init(&h->lock, NULL) != 0) {
        free(h);
        return NULL;
    }
    h->dim = dim;
    h->M = M;
    h->M0 = 2 * M;
    h->efc = efc;
    h->mult = 1.0 / log((double)M);
    h->rng = seed ? seed : 0x9E3779B97F4A7C15ull;
    h->entry = -1;
    h->maxlevel = -1;
    return h;
}

hnsw_t *hnsw_new(int dim, int M, int ef_construction, uint64_t seed)
{
    return alloc_index(dim, M, ef_construction, seed);
}

void hnsw_free(hnsw_t *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n; i++)
        free(h->up[i]);
    free(h->up);
    free(h->ids);
    free(h->vecs);
    free(h->level);
    free(h->dead);
    free(h->l0);
    free(h->slots);
    free(h->vis);
    pthread_rwlock_destroy(&h->lock);
    free(h);
}

static int grow(hnsw_t *h, size_t cap)
{
    if (cap <= h->cap)
        return 0;
    int64_t *ids = realloc(h->ids, cap * sizeof *ids);
    if (ids)
        h->ids = ids;
    float *vecs = realloc(h->vecs, cap * (size_t)h->dim * sizeof *vecs);
    if (vecs)
        h->vecs = vecs;
    uint8_t *lev = realloc(h->level, cap);
    if (lev)
        h->level = lev;
    uint8_t *dead = realloc(h->dead, cap);
    if (dead)
        h->dead = dead;
    uint32_t *l0 = realloc(h->l0, cap * (size_t)(1 + h->M0) * sizeof *l0);
    if (l0)
        h->l0 = l0;
    uint32_t **up = realloc(h->up, cap * sizeof *up);
    if (up)
        h->up = up;
    uint32_t *vis = realloc(h->vis, cap * sizeof *vis);
    if (vis) {
        memset(vis + h->cap, 0, (cap - h->cap) * sizeof *vis);
        h->vis = vis;
    }
    if (!ids || !vecs || !lev || !dead || !l0 || !up || !vis)
        return -1;
    h->cap = cap;
    return 0;
}

int hnsw_dim(const hnsw_t *h) { return h->dim; }
size_t hnsw_live(const hnsw_t *h) { return h->n - h->ndead; }
size_t hnsw_nodes(const hnsw_t *h) { return h->n; }

size_t hnsw_memory(const hnsw_t *h)
{
    size_t b = sizeof *h +
               h->cap * (sizeof(int64_t) + (size_t)h->dim * sizeof(float) + 2 +
                         (size_t)(1 + h->M0) * sizeof(uint32_t) + sizeof(uint32_t *) + sizeof(uint32_t)) +
               h->nslots * sizeof(uint32_t);
    for (size_t i = 0; i < h->n; i++)
        b += (size_t)h->level[i] * (size_t)(1 + h->M) * sizeof(uint32_t);
    return b;
}

static uint64_t next_rand(hnsw_t *h)
{
    h->rng ^= h->rng << 13;
    h->rng ^= h->rng >> 7;
    h->rng ^= h->rng << 17;
    return h->rng;
}

/* ---- the layer search (algorithm 2) ---- */

typedef struct {
    uint32_t *tags; /* the writer: epoch marks */
    uint32_t epoch;
    uint8_t *bits; /* a reader: a bitset of its own */
} visited_t;

static bool visit(visited_t *vs, uint32_t v)
{
    if (vs->tags) {
        if (vs->tags[v] == vs->epoch)
            return false;
        vs->tags[v] = vs->epoch;
        return true;
    }
    if (vs->bits[v >> 3] & (1u << (v & 7)))
        return false;
    vs->bits[v >> 3] |= (uint8_t)(1u << (v & 7));
    return true;
}

/* The parallel build (hnsw_insert_many): several threads link nodes into
 * the graph at once, as hnswlib does. Each node has a mutex; a thread reads
 * a neighbour list only under its node's mutex (into a copy), holds its own
 * node's mutex for the whole of that node's insertion (so nobody walks from
 * a half-linked node) and takes a neighbour's mutex to link back. No cycle
 * of waits can form: a thread waits for node x only once x is in a list of
 * the layer it works on, and x's inserter has by then finished searching
 * that layer (the layers are worked top down). The entry point has a mutex
 * of its own, held for a whole insertion only by a node that will rise
 * above the top level. Outside hnsw_insert_many mt is NULL: one writer under
 * the rwlock, nothing else to lock. */
typedef struct {
    pthread_mutex_t *node; /* one per node */
    pthread_mutex_t ep;    /* entry, maxlevel */
} mt_t;

/* node v's list at lev: in place, or with mt a copy in buf (1 + M0) */
static const uint32_t *read_links(const hnsw_t *h, mt_t *mt, uint32_t v, int lev, uint32_t *buf)
{
    const uint32_t *l = links(h, v, lev);
    if (!mt)
        return l;
    pthread_mutex_lock(&mt->node[v]);
    memcpy(buf, l, (size_t)(1 + l[0]) * sizeof *buf);
    pthread_mutex_unlock(&mt->node[v]);
    return buf;
}

/* greedy walk of one upper layer from *cur (ef = 1) */
static void greedy(const hnsw_t *h, mt_t *mt, const float *q, int lev, uint32_t *cur, float *cs, size_t *nvis)
{
    uint32_t buf[1 + 2 * 64];
    for (bool changed = true; changed;) {
        changed = false;
        const uint32_t *l = read_links(h, mt, *cur, lev, buf);
        for (uint32_t i = 1; i <= l[0]; i++) {
            float s = dot(q, vec_of(h, l[i]), h->dim);
            (*nvis)++;
            if (s > *cs) {
                *cs = s;
                *cur = l[i];
                changed = true;
            }
        }
    }
}

typedef struct {
    hnsw_allow_fn allow; /* NULL: no filter */
    void *ud;
    bool skip_dead; /* results hold live nodes only */
    size_t budget;  /* stop after this many scored nodes (0: none) */
    size_t nvis;
    bool spent;
} filt_t;

static bool keep(const hnsw_t *h, const filt_t *f, uint32_t v)
{
    if (f->skip_dead && h->dead[v])
        return false;
    return !f->allow || f->allow(f->ud, h->ids[v]);
}

/* the ef best (kept) nodes of layer lev reached from ep into *top (a
 * min-heap); with a filter or tombstones the walk goes on while fewer than
 * ef are kept (up to the budget) */
static int search_layer(const hnsw_t *h, mt_t *mt, const float *q, uint32_t ep, float eps, size_t ef, int lev,
                        visited_t *vs, filt_t *f, heap_t *top)
{
    uint32_t buf[1 + 2 * 64];
    heap_t cand = {.max = true};
    bool filtered = f->allow || (f->skip_dead && h->ndead);
    visit(vs, ep);
    f->nvis++;
    if (keep(h, f, ep) && heap_push(top, eps, ep) != 0)
        return -1;
    if (heap_push(&cand, eps, ep) != 0)
        return -1;
    float lower = top->n ? top->a[0].s : -INFINITY;
    int rc = 0;
    while (cand.n) {
        item_t c = heap_pop(&cand);
        if (c.s < lower && (top->n >= ef || !filtered))
            break;
        if (f->budget && f->nvis > f->budget) {
            f->spent = true;
            break;
        }
        const uint32_t *l = read_links(h, mt, c.v, lev, buf);
        for (uint32_t i = 1; i <= l[0]; i++) {
            uint32_t u = l[i];
            if (!visit(vs, u))
                continue;
            float s = dot(q, vec_of(h, u), h->dim);
            f->nvis++;
            if (top->n < ef || s > lower) {
                if (heap_push(&cand, s, u) != 0) {
                    rc = -1;
                    goto out;
                }
                if (keep(h, f, u)) {
                    if (heap_push(top, s, u) != 0) {
                        rc = -1;
                        goto out;
                    }
                    if (top->n > ef)
                        heap_pop(top);
                }
                if (top->n)
                    lower = top->a[0].s;
            }
        }
    }
out:
    free(cand.a);
    return rc;
}

/* ---- insertion ---- */

static int cmp_item_desc(const void *a, const void *b)
{
    const item_t *x = a, *y = b;
    if (x->s != y->s)
        return x->s < y->s ? 1 : -1;
    return (x->v > y->v) - (x->v < y->v);
}

/* the heuristic (algorithm 4): c[n] sorted best first → at most m kept in
 * out; the count */
static uint32_t select_nb(const hnsw_t *h, const item_t *c, size_t n, int m, uint32_t *out)
{
    uint32_t k = 0;
    for (size_t i = 0; i < n && k < (uint32_t)m; i++) {
        bool good = true;
        const float *e = vec_of(h, c[i].v);
        for (uint32_t j = 0; j < k && good; j++)
            if (dot(e, vec_of(h, out[j]), h->dim) > c[i].s)
                good = false;
        if (good)
            out[k++] = c[i].v;
    }
    return k;
}

/* adds v to u's list at lev, shrinking it with the heuristic when full */
static int link_back(hnsw_t *h, uint32_t u, uint32_t v, int lev)
{
    uint32_t *l = links(h, u, lev);
    int m = maxconn(h, lev);
    for (uint32_t i = 1; i <= l[0]; i++)
        if (l[i] == v)
            return 0;
    if (l[0] < (uint32_t)m) {
        l[++l[0]] = v;
        return 0;
    }
    item_t *c = malloc((size_t)(m + 1) * sizeof *c);
    if (!c)
        return -1;
    const float *uv = vec_of(h, u);
    for (uint32_t i = 0; i < l[0]; i++)
        c[i] = (item_t){dot(uv, vec_of(h, l[i + 1]), h->dim), l[i + 1]};
    c[m] = (item_t){dot(uv, vec_of(h, v), h->dim), v};
    qsort(c, (size_t)m + 1, sizeof *c, cmp_item_desc);
    l[0] = select_nb(h, c, (size_t)m + 1, m, l + 1);
    free(c);
    return 0;
}

/* the first step of an insertion (one writer): node n of the graph gets id,
 * v and a random level, not linked yet (nobody reaches it); a node of the
 * same id becomes a tombstone. The node, or -1 on no memory. */
static int64_t place(hnsw_t *h, int64_t id, const float *v)
{
    int64_t old = node_of(h, id);
    if (old >= 0) { /* a new vector for id: the old node becomes a tombstone */
        unmap(h, id);
        h->dead[old] = 1;
        h->ndead++;
    }
    if (h->n == h->cap && grow(h, h->cap ? h->cap * 2 : 1024) != 0)
        return -1;
    if ((h->n - h->ndead + 1) * 2 > h->nslots && rehash(h, h->n - h->ndead + 1) != 0)
        return -1;
    double u = ((double)(next_rand(h) >> 11) + 0.5) / 9007199254740992.0;
    int lev = (int)(-log(u) * h->mult);
    if (lev > MAX_LEVEL)
        lev = MAX_LEVEL;
    uint32_t node = (uint32_t)h->n;
    h->up[node] = NULL;
    if (lev > 0) {
        h->up[node] = calloc((size_t)lev * (size_t)(1 + h->M), sizeof(uint32_t));
        if (!h->up[node])
            return -1;
    }
    h->ids[node] = id;
    memcpy(h->vecs + (size_t)node * (size_t)h->dim, v, (size_t)h->dim * sizeof *v);
    h->level[node] = (uint8_t)lev;
    h->dead[node] = 0;
    h->l0[(size_t)node * (size_t)(1 + h->M0)] = 0;
    h->n++;
    h->slots[slot_of(h, id)] = node + 1;
    return node;
}

/* the second step: node is linked into the graph (algorithm 1), its visited
 * marks in tags (cap entries of the caller's, *epoch its counter); with mt
 * alongside other threads doing the same (see mt_t). 0 or -1. */
static int link_node(hnsw_t *h, mt_t *mt, uint32_t node, uint32_t *tags, uint32_t *epoch)
{
    const float *v = vec_of(h, node);
    int lev = h->level[node];
    if (mt)
        pthread_mutex_lock(&mt->ep);
    int64_t entry = h->entry;
    int maxlevel = h->maxlevel;
    bool rise = lev > maxlevel; /* mt: the entry point's mutex is kept */
    if (mt && !rise)
        pthread_mutex_unlock(&mt->ep);
    if (entry < 0) {
        h->entry = node;
        h->maxlevel = lev;
        if (mt)
            pthread_mutex_unlock(&mt->ep);
        return 0;
    }
    if (mt)
        pthread_mutex_lock(&mt->node[node]);
    uint32_t cur = (uint32_t)entry;
    float cs = dot(v, vec_of(h, cur), h->dim);
    size_t nvis = 0;
    for (int l = maxlevel; l > lev; l--)
        greedy(h, mt, v, l, &cur, &cs, &nvis);
    uint32_t *sel = malloc((size_t)h->M0 * sizeof *sel);
    item_t *w = NULL;
    heap_t top = {.max = false};
    int rc = sel ? 0 : -1;
    for (int l = lev < maxlevel ? lev : maxlevel; rc == 0 && l >= 0; l--) {
        if (++*epoch == 0) { /* wrapped: clear the marks */
            memset(tags, 0, h->cap * sizeof *tags);
            *epoch = 1;
        }
        visited_t vs = {.tags = tags, .epoch = *epoch};
        filt_t f = {0};
        top.n = 0;
        if (search_layer(h, mt, v, cur, cs, (size_t)h->efc, l, &vs, &f, &top) != 0) {
            rc = -1;
            break;
        }
        size_t nw = top.n;
        item_t *w2 = realloc(w, (nw ? nw : 1) * sizeof *w2);
        if (!w2) {
            rc = -1;
            break;
        }
        w = w2;
        memcpy(w, top.a, nw * sizeof *w);
        qsort(w, nw, sizeof *w, cmp_item_desc);
        /* the node itself is not among them: it is not linked yet */
        uint32_t k = select_nb(h, w, nw, h->M, sel);
        uint32_t *own = links(h, node, l); /* (mt: under the node's mutex, held) */
        own[0] = k;
        memcpy(own + 1, sel, k * sizeof *sel);
        for (uint32_t i = 0; i < k && rc == 0; i++) {
            if (mt)
                pthread_mutex_lock(&mt->node[sel[i]]);
            rc = link_back(h, sel[i], node, l);
            if (mt)
                pthread_mutex_unlock(&mt->node[sel[i]]);
        }
        if (nw) {
            cur = w[0].v;
            cs = w[0].s;
        }
    }
    free(sel);
    free(w);
    free(top.a);
    if (rc == 0 && rise) {
        h->entry = node;
        h->maxlevel = lev;
    }
    if (mt) {
        pthread_mutex_unlock(&mt->node[node]);
        if (rise)
            pthread_mutex_unlock(&mt->ep);
    }
    return rc;
}

static int insert_locked(hnsw_t *h, int64_t id, const float *v)
{
    int64_t node = place(h, id, v);
    return node < 0 ? -1 : link_node(h, NULL, (uint32_t)node, h->vis, &h->epoch);
}

int hnsw_insert(hnsw_t *h, int64_t id, const float *v)
{
    pthread_rwlock_wrlock(&h->lock);
    int rc = insert_locked(h, id, v);
    pthread_rwlock_unlock(&h->lock);
    return rc;
}

int hnsw_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 4 ? 4 : (int)n;
}

typedef struct {
    hnsw_t *h;
    mt_t *mt;
    uint32_t first, last; /* the nodes to link: [first, last) */
    _Atomic uint32_t *next;
    atomic_bool *failed;
    const atomic_bool *stop;
} worker_t;

static void *worker(void *arg)
{
    worker_t *w = arg;
    uint32_t *tags = calloc(w->h->cap, sizeof *tags), epoch = 0;
    if (!tags) {
        atomic_store(w->failed, true);
        return NULL;
    }
    for (;;) {
        if (atomic_load(w->failed) || (w->stop && atomic_load(w->stop)))
            break;
        uint32_t node = atomic_fetch_add(w->next, 1);
        if (node >= w->last)
            break;
        if (link_node(w->h, w->mt, node, tags, &epoch) != 0)
            atomic_store(w->failed, true);
    }
    free(tags);
    return NULL;
}

int hnsw_insert_many(hnsw_t *h, size_t n, const int64_t *ids, const float *vecs, int threads,
                     const atomic_bool *stop)
{
    if (threads <= 0)
        threads = hnsw_default_threads();
    if (threads > 64)
        threads = 64;
    pthread_rwlock_wrlock(&h->lock);
    int rc = 0;
    /* one writer: every node placed (ids mapped, vectors copied, levels
     * drawn from the index's generator as one by one), unlinked */
    if (h->n + n >= UINT32_MAX || grow(h, h->n + n) != 0 ||
        ((h->n - h->ndead + n) * 2 > h->nslots && rehash(h, h->n - h->ndead + n) != 0))
        rc = -1;
    uint32_t first = (uint32_t)h->n;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (place(h, ids[i], vecs + i * (size_t)h->dim) < 0)
            rc = -1;
    uint32_t last = (uint32_t)h->n;
    if (rc == 0 && first < last && h->entry < 0) /* the first node is the entry point */
        rc = link_node(h, NULL, first++, h->vis, &h->epoch);
    if ((size_t)threads > (size_t)(last - first) / 64) /* small batches: fewer threads */
        threads = (int)((last - first) / 64) + 1;
    if (rc == 0 && threads <= 1) {
        for (uint32_t v = first; v < last && rc == 0 && !(stop && atomic_load(stop)); v++)
            rc = link_node(h, NULL, v, h->vis, &h->epoch);
    } else if (rc == 0) {
        mt_t mt;
        mt.node = malloc((size_t)h->n * sizeof *mt.node);
        pthread_t *tid = malloc((size_t)threads * sizeof *tid);
        if (!mt.node || !tid || pthread_mutex_init(&mt.ep, NULL) != 0) {
            free(mt.node);
            free(tid);
            pthread_rwlock_unlock(&h->lock);
            return -1;
        }
        for (size_t i = 0; i < h->n; i++)
            pthread_mutex_init(&mt.node[i], NULL);
        _Atomic uint32_t next = first;
        atomic_bool failed = false;
        worker_t w = {h, &mt, first, last, &next, &failed, stop};
        int started = 0;
        for (; started < threads; started++)
            if (pthread_create(&tid[started], NULL, worker, &w) != 0)
                break;
        if (!started)
            worker(&w); /* no thread could start: this one does it all */
        for (int i = 0; i < started; i++)
            pthread_join(tid[i], NULL);
        if (atomic_load(&failed))
            rc = -1;
        for (size_t i = 0; i < h->n; i++)
            pthread_mutex_destroy(&mt.node[i]);
        pthread_mutex_destroy(&mt.ep);
        free(mt.node);
        free(tid);
    }
    if (rc == 0 && stop && atomic_load(stop))
        rc = -1;
    pthread_rwlock_unlock(&h->lock);
    return rc;
}

size_t hnsw_reachable(hnsw_t *h)
{
    pthread_rwlock_rdlock(&h->lock);
    size_t seen = 0;
    if (h->entry >= 0) {
        /* every layer from the top: a node is reached on layer l from the
         * nodes reached on it (the entry point on the top layer, and each
         * node reached above is on the layers below it too) */
        uint8_t *on = calloc(h->n, 1);
        uint32_t *stack = malloc(h->n * sizeof *stack);
        if (on && stack) {
            on[h->entry] = 1;
            for (int l = h->maxlevel; l >= 0; l--) {
                size_t sp = 0;
                for (size_t i = 0; i < h->n; i++)
                    if (on[i] && h->level[i] >= l)
                        stack[sp++] = (uint32_t)i;
                while (sp) {
                    const uint32_t *lk = links(h, stack[--sp], l);
                    for (uint32_t j = 1; j <= lk[0]; j++)
                        if (!on[lk[j]]) {
                            on[lk[j]] = 1;
                            stack[sp++] = lk[j];
                        }
                }
            }
            for (size_t i = 0; i < h->n; i++)
                seen += on[i] && !h->dead[i];
        }
        free(on);
        free(stack);
    }
    pthread_rwlock_unlock(&h->lock);
    return seen;
}

int hnsw_get(hnsw_t *h, int64_t id, float *out)
{
    pthread_rwlock_rdlock(&h->lock);
    int64_t v = node_of(h, id);
    if (v >= 0)
        memcpy(out, vec_of(h, (uint32_t)v), (size_t)h->dim * sizeof *out);
    pthread_rwlock_unlock(&h->lock);
    return v >= 0;
}

int hnsw_delete(hnsw_t *h, int64_t id)
{
    pthread_rwlock_wrlock(&h->lock);
    int64_t v = node_of(h, id);
    if (v >= 0) {
        unmap(h, id);
        h->dead[v] = 1;
        h->ndead++;
    }
    pthread_rwlock_unlock(&h->lock);
    return v >= 0;
}

/* ---- search ---- */

static int cmp_hit(const void *a, const void *b)
{
    const hnsw_hit_t *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return (x->id > y->id) - (x->id < y->id);
}

/* the top-k min-heap's content into out, best first */
static size_t emit(const hnsw_t *h, heap_t *top, size_t k, hnsw_hit_t *out)
{
    while (top->n > k)
        heap_pop(top);
    size_t n = top->n;
    for (size_t i = 0; i < n; i++)
        out[i] = (hnsw_hit_t){h->ids[top->a[i].v], top->a[i].s};
    qsort(out, n, sizeof *out, cmp_hit);
    return n;
}

static int exact_locked(hnsw_t *h, const float *q, size_t k, hnsw_allow_fn allow, void *ud, hnsw_hit_t *out,
                        size_t *n)
{
    enum { BLOCK = 4096 };
    *n = 0;
    if (!k || !h->n)
        return 0;
    float *sc = malloc(BLOCK * sizeof *sc);
    heap_t top = {.max = false};
    if (!sc)
        return -1;
    int rc = 0;
    for (size_t at = 0; at < h->n && rc == 0; at += BLOCK) {
        size_t m = h->n - at < BLOCK ? h->n - at : BLOCK;
        cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)m, h->dim, 1.0f, h->vecs + at * (size_t)h->dim, h->dim,
                    q, 1, 0.0f, sc, 1);
        for (size_t i = 0; i < m; i++) {
            uint32_t v = (uint32_t)(at + i);
            if (h->dead[v] || (top.n == k && !(sc[i] > top.a[0].s)))
                continue;
            if (allow && !allow(ud, h->ids[v]))
                continue;
            if (heap_push(&top, sc[i], v) != 0) {
                rc = -1;
                break;
            }
            if (top.n > k)
                heap_pop(&top);
        }
    }
    if (rc == 0)
        *n = emit(h, &top, k, out);
    free(sc);
    free(top.a);
    return rc;
}

int hnsw_exact(hnsw_t *h, const float *q, size_t k, hnsw_allow_fn allow, void *ud, hnsw_hit_t *out, size_t *n)
{
    pthread_rwlock_rdlock(&h->lock);
    int rc = exact_locked(h, q, k, allow, ud, out, n);
    pthread_rwlock_unlock(&h->lock);
    return rc;
}

int hnsw_search(hnsw_t *h, const float *q, size_t k, int ef, hnsw_allow_fn allow, void *ud, size_t max_visit,
                hnsw_hit_t *out, size_t *n, hnsw_stats_t *stats)
{
    hnsw_stats_t st = {0};
    *n = 0;
    pthread_rwlock_rdlock(&h->lock);
    int rc = 0;
    if (k && h->entry >= 0 && h->n > h->ndead) {
        uint8_t *bits = calloc(h->n / 8 + 1, 1);
        heap_t top = {.max = false};
        if (!bits) {
            rc = -1;
        } else {
            uint32_t cur = (uint32_t)h->entry;
            float cs = dot(q, vec_of(h, cur), h->dim);
            for (int l = h->maxlevel; l > 0; l--)
                greedy(h, NULL, q, l, &cur, &cs, &st.visited);
            visited_t vs = {.bits = bits};
            filt_t f = {.allow = allow,
                        .ud = ud,
                        .skip_dead = true,
                        .budget = max_visit ? max_visit : h->n / 8 + (size_t)ef,
                        .nvis = st.visited};
            size_t efs = (size_t)ef > k ? (size_t)ef : k;
            rc = search_layer(h, NULL, q, cur, cs, efs, 0, &vs, &f, &top);
            st.visited = f.nvis;
            if (rc == 0 && top.n >= k && !f.spent) {
                *n = emit(h, &top, k, out);
            } else if (rc == 0) { /* too few allowed found, or the budget spent walking past refused
                                   * nodes (a very selective filter): the exact scan over the allowed set */
                st.exact = true;
                rc = exact_locked(h, q, k, allow, ud, out, n);
            }
        }
        free(bits);
        free(top.a);
    }
    pthread_rwlock_unlock(&h->lock);
    if (stats)
        *stats = st;
    return rc;
}

hnsw_t *hnsw_compact(hnsw_t *h)
{
    pthread_rwlock_rdlock(&h->lock);
    hnsw_t *x = alloc_index(h->dim, h->M, h->efc, h->rng);
    for (size_t i = 0; x && i < h->n; i++)
        if (!h->dead[i] && insert_locked(x, h->ids[i], vec_of(h, (uint32_t)i)) != 0) {
            hnsw_free(x);
            x = NULL;
        }
    pthread_rwlock_unlock(&h->lock);
    return x;
}

/* ---- the file ---- */

/* a 64-bit checksum over 8-byte words (FNV-1a style), then the tail */
typedef struct {
    uint64_t h;
    uint8_t tail[8];
    size_t ntail;
} sum_t;

static void sum_add(sum_t *s, const void *p, size_t len)
{
    const uint8_t *b = p;
    if (!len)
        return;
    while (len && s->ntail) {
        s->tail[s->ntail++] = *b++;
        len--;
        if (s->ntail == 8) {
            uint64_t w;
            memcpy(&w, s->tail, 8);
            s->h = (s->h ^ w) * 1099511628211ull;
            s->ntail = 0;
        }
    }
    for (; len >= 8; b += 8, len -= 8) {
        uint64_t w;
        memcpy(&w, b, 8);
        s->h = (s->h ^ w) * 1099511628211ull;
    }
    memcpy(s->tail, b, len);
    s->ntail = len;
}

static uint64_t sum_end(sum_t *s)
{
    uint64_t h = s->h;
    for (size_t i = 0; i < s->ntail; i++)
        h = (h ^ s->tail[i]) * 1099511628211ull;
    return h ^ (uint64_t)s->ntail;
}

uint64_t hnsw_checksum(const void *buf, size_t len)
{
    sum_t s = {.h = 1469598103934665603ull};
    sum_add(&s, buf, len);
    return sum_end(&s);
}

typedef struct {
    char magic[8];
    uint32_t version, dim, M, efc;
    uint64_t n;
    int64_t entry;
    int32_t maxlevel;
    uint32_t zero;
    int64_t model, seq;
    uint64_t rng;
} fhead_t;

static int put(FILE *f, sum_t *s, const void *p, size_t len)
{
    sum_add(s, p, len);
    return len && fwrite(p, 1, len, f) != len ? -1 : 0;
}

int hnsw_save(hnsw_t *h, const char *path, const hnsw_meta_t *meta)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 5);
    if (!tmp)
        return -1;
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        free(tmp);
        return -1;
    }
    pthread_rwlock_rdlock(&h->lock);
    fhead_t hd = {.version = VERSION,
                  .dim = (uint32_t)h->dim,
                  .M = (uint32_t)h->M,
                  .efc = (uint32_t)h->efc,
                  .n = h->n,
                  .entry = h->entry,
                  .maxlevel = h->maxlevel,
                  .model = meta ? meta->model : 0,
                  .seq = meta ? meta->seq : 0,
                  .rng = h->rng};
    memcpy(hd.magic, MAGIC, 8);
    sum_t s = {.h = 1469598103934665603ull};
    int rc = put(f, &s, &hd, sizeof hd);
    rc |= put(f, &s, h->ids, h->n * sizeof *h->ids);
    rc |= put(f, &s, h->level, h->n);
    rc |= put(f, &s, h->dead, h->n);
    rc |= put(f, &s, h->vecs, h->n * (size_t)h->dim * sizeof *h->vecs);
    rc |= put(f, &s, h->l0, h->n * (size_t)(1 + h->M0) * sizeof *h->l0);
    for (size_t i = 0; i < h->n && rc == 0; i++)
        if (h->level[i])
            rc |= put(f, &s, h->up[i], (size_t)h->level[i] * (size_t)(1 + h->M) * sizeof(uint32_t));
    pthread_rwlock_unlock(&h->lock);
    uint64_t sum = sum_end(&s);
    if (rc == 0 && fwrite(&sum, 1, sizeof sum, f) != sizeof sum)
        rc = -1;
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        rc = -1;
    if (fclose(f) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

typedef struct {
    const uint8_t *p;
    size_t left;
} rd_t;

static const void *take(rd_t *r, size_t n)
{
    if (n > r->left)
        return NULL;
    const void *p = r->p;
    r->p += n;
    r->left -= n;
    return p;
}

#define BAD(...)                                                                                             \
    do {                                                                                                     \
        snprintf(err, errlen, __VA_ARGS__);                                                                  \
        goto bad;                                                                                            \
    } while (0)

hnsw_t *hnsw_load_mem(const void *buf, size_t len, hnsw_meta_t *meta, char *err, size_t errlen)
{
    hnsw_t *h = NULL;
    fhead_t hd;
    if (len < sizeof hd + sizeof(uint64_t))
        BAD("file too short (%zu bytes)", len);
    { /* the checksum first: nothing else of a damaged file is read */
        uint64_t want;
        memcpy(&want, (const uint8_t *)buf + len - sizeof want, sizeof want);
        if (hnsw_checksum(buf, len - sizeof(uint64_t)) != want)
            BAD("checksum mismatch");
    }
    rd_t r = {buf, len - sizeof(uint64_t)};
    memcpy(&hd, take(&r, sizeof hd), sizeof hd);
    if (memcmp(hd.magic, MAGIC, 8) != 0 || hd.version != VERSION)
        BAD("not an index file of version %u", VERSION);
    if (hd.dim < 1 || hd.dim > 4096 || hd.M < 2 || hd.M > 64 || hd.efc < hd.M || hd.efc > 10000 || hd.zero)
        BAD("bad parameters (dim %u, M %u, ef_construction %u)", hd.dim, hd.M, hd.efc);
    size_t M0 = 2 * (size_t)hd.M,
           per = sizeof(int64_t) + 2 + (size_t)hd.dim * sizeof(float) + (1 + M0) * sizeof(uint32_t);
    if (hd.n > r.left / per || hd.n >= UINT32_MAX)
        BAD("node count %llu larger than the file", (unsigned long long)hd.n);
    size_t n = (size_t)hd.n;
    if (n ? (hd.entry < 0 || (uint64_t)hd.entry >= n || hd.maxlevel < 0 || hd.maxlevel > MAX_LEVEL)
          : (hd.entry != -1 || hd.maxlevel != -1))
        BAD("bad entry point");
    h = alloc_index((int)hd.dim, (int)hd.M, (int)hd.efc, hd.rng);
    if (!h || (n && grow(h, n) != 0))
        BAD("out of memory");
    const void *ids = take(&r, n * sizeof(int64_t)), *lev = take(&r, n), *dead = take(&r, n),
               *vecs = take(&r, n * (size_t)hd.dim * sizeof(float)),
               *l0 = take(&r, n * (1 + M0) * sizeof(uint32_t));
    if (!ids || !lev || !dead || !vecs || !l0)
        BAD("truncated");
    if (n) { /* (an empty graph has no arrays yet) */
        memcpy(h->ids, ids, n * sizeof(int64_t));
        memcpy(h->level, lev, n);
        memcpy(h->dead, dead, n);
        memcpy(h->vecs, vecs, n * (size_t)hd.dim * sizeof(float));
        memcpy(h->l0, l0, n * (1 + M0) * sizeof(uint32_t));
        memset(h->up, 0, n * sizeof *h->up);
    }
    h->n = n; /* from here hnsw_free releases what was read */
    int top = -1;
    for (size_t i = 0; i < n; i++) {
        if (h->level[i] > MAX_LEVEL || h->dead[i] > 1)
            BAD("node %zu: bad level or flag", i);
        if (h->level[i] > top)
            top = h->level[i];
        h->ndead += h->dead[i];
        for (size_t d = 0; d < (size_t)hd.dim; d++)
            if (!isfinite(h->vecs[i * hd.dim + d]))
                BAD("node %zu: vector not finite", i);
    }
    if (n && (top != hd.maxlevel || h->level[hd.entry] != hd.maxlevel))
        BAD("entry point not on the top level");
    for (size_t i = 0; i < n; i++) {
        if (!h->level[i])
            continue;
        size_t sz = (size_t)h->level[i] * (1 + (size_t)hd.M) * sizeof(uint32_t);
        const void *p = take(&r, sz);
        if (!p)
            BAD("truncated (upper layers)");
        h->up[i] = malloc(sz);
        if (!h->up[i])
            BAD("out of memory");
        memcpy(h->up[i], p, sz);
    }
    if (r.left)
        BAD("%zu bytes after the graph", r.left);
    for (size_t i = 0; i < n; i++) /* every neighbour exists on that layer */
        for (int l = 0; l <= h->level[i]; l++) {
            const uint32_t *lk = links(h, (uint32_t)i, l);
            if (lk[0] > (uint32_t)maxconn(h, l))
                BAD("node %zu layer %d: %u neighbours", i, l, lk[0]);
            for (uint32_t j = 1; j <= lk[0]; j++)
                if (lk[j] >= n || h->level[lk[j]] < l)
                    BAD("node %zu layer %d: bad neighbour", i, l);
        }
    h->entry = hd.entry;
    h->maxlevel = hd.maxlevel;
    if (rehash(h, n - h->ndead + 1) != 0)
        BAD("out of memory");
    for (size_t i = 0; i < n; i++) {
        if (h->dead[i])
            continue;
        size_t j = slot_of(h, h->ids[i]);
        if (h->slots[j] != i + 1)
            BAD("id %lld twice", (long long)h->ids[i]);
    }
    if (meta)
        *meta = (hnsw_meta_t){hd.model, hd.seq};
    return h;
bad:
    hnsw_free(h);
    return NULL;
}

hnsw_t *hnsw_load(const char *path, hnsw_meta_t *meta, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || sb.st_size <= 0) {
        snprintf(err, errlen, "%s: empty or unreadable", path);
        close(fd);
        return NULL;
    }
    void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    hnsw_t *h = hnsw_load_mem(p, (size_t)sb.st_size, meta, err, errlen);
    munmap(p, (size_t)sb.st_size);
    return h;
}
