/* lmbigram.c — libpinyin's word bigram, memory-mapped, and Viterbi
 * scoring of short texts; see lmbigram.h. */
#include "text/lmbigram.h"
#include "core/log.h"
#include "core/timeutil.h"
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef ZD_LM_BIGRAM_DEFAULT
#define ZD_LM_BIGRAM_DEFAULT ""
#endif
#define HEADER    56
#define MAXN      64 /* code points lmb_segment() scores at most: a typo's window */
#define FIRST_MAX 0x30000

struct lmb {
    const uint32_t *woff, *uni, *ctx, *pstart, *slots, *pool, *pnext, *pcount, *pslots, *hslots;
    uint32_t nwords, nslots, npool, npairs, maxlen, npslots, nhslots;
    double lambda, log_total, unknown, total;
    uint8_t *
        first_max; /* the longest word starting with each code point below FIRST_MAX (the lattice stops there) */
    void *map;     /* lmb_load(): the mapping to unmap */
    size_t maplen;
};

static long find(const lmb_t *m, const uint32_t *w, size_t n, uint64_t h)
{
    size_t mask = m->nslots - 1;
    for (size_t i = lm_hash_slot(h, mask), probes = 0; probes < m->nslots; i = (i + 1) & mask, probes++) {
        uint32_t s = m->slots[i];
        if (!s)
            return -1;
        uint32_t id = s - 1, o = m->woff[id];
        if (m->woff[id + 1] - o != n || m->pool[o] != w[0])
            continue;
        size_t k = 1;
        while (k < n && m->pool[o + k] == w[k])
            k++;
        if (k == n)
            return (long)id;
    }
    return -1;
}

/* Does a word of two or more characters start with the code points hashed
 * to h? (false: certainly not) */
static bool head(const lmb_t *m, uint64_t h)
{
    uint32_t fp = (uint32_t)(h >> 32) | 1;
    size_t mask = m->nhslots - 1;
    for (size_t i = lm_hash_slot(h, mask), probes = 0; probes < m->nhslots; i = (i + 1) & mask, probes++) {
        if (!m->hslots[i])
            return false;
        if (m->hslots[i] == fp)
            return true;
    }
    return false;
}

long lmb_word_id(const lmb_t *m, const uint32_t *w, size_t n)
{
    if (!n || n > m->maxlen)
        return -1;
    uint64_t h = LM_HASH0;
    for (size_t i = 0; i < n; i++)
        h = lm_hash_step(h, w[i]);
    return find(m, w, n, h);
}

size_t lmb_words(const lmb_t *m) { return m->nwords; }
size_t lmb_pairs(const lmb_t *m) { return m->npairs; }
double lmb_unknown(const lmb_t *m) { return m->unknown; }

double lmb_unigram(const lmb_t *m, long id)
{
    if (id < 0 || (uint32_t)id >= m->nwords || !m->uni[id])
        return m->unknown;
    return log((double)m->uni[id]) - m->log_total;
}

double lmb_cond(const lmb_t *m, long prev, long next)
{
    double pu =
        (next >= 0 && (uint32_t)next < m->nwords && m->uni[next] ? (double)m->uni[next] : 1) / m->total;
    if (prev < 0 || next < 0 || (uint32_t)prev >= m->nwords || !m->ctx[prev])
        return log(pu);
    /* the pair's slot: one or two probes where a binary search among the
     * successors of 的 or 是 would take sixteen cache misses */
    uint32_t c = 0, lo = m->pstart[prev], hi = m->pstart[prev + 1];
    uint64_t h = ((uint64_t)prev * 0x9e3779b97f4a7c15ull) ^ (uint64_t)next;
    size_t mask = m->npslots - 1;
    for (size_t i = lm_hash_slot(h, mask), probes = 0; probes < m->npslots; i = (i + 1) & mask, probes++) {
        uint32_t s = m->pslots[i];
        if (!s)
            break;
        if (s - 1 >= lo && s - 1 < hi && m->pnext[s - 1] == (uint32_t)next) {
            c = m->pcount[s - 1];
            break;
        }
    }
    double pb = (double)c / (double)m->ctx[prev];
    if (pb > 1)
        pb = 1;
    return log(m->lambda * pb + (1 - m->lambda) * pu);
}

#define FAIL(...)                                                                                            \
    do {                                                                                                     \
        snprintf(err, errlen, __VA_ARGS__);                                                                  \
        lmb_free(m);                                                                                         \
        return NULL;                                                                                         \
    } while (0)

lmb_t *lmb_open_mem(const void *buf, size_t len, char *err, size_t errlen)
{
    lmb_t *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    const unsigned char *b = buf;
    if (len < HEADER || memcmp(b, "ZDBIGRM1", 8) != 0)
        FAIL("not a bigram model (bad magic or truncated header)");
    uint32_t h[8];
    memcpy(h, b + 8, sizeof h);
    memcpy(&m->lambda, b + 40, 8);
    uint64_t total;
    memcpy(&total, b + 48, 8);
    if (h[0] != 3)
        FAIL("bigram model version %u (expected 3)", h[0]);
    m->nwords = h[1], m->nslots = h[2], m->npool = h[3], m->npairs = h[4], m->maxlen = h[5],
    m->npslots = h[6], m->nhslots = h[7];
    if (!m->nwords || m->nslots < m->nwords || (m->nslots & (m->nslots - 1)) || m->npslots <= m->npairs ||
        (m->npslots & (m->npslots - 1)) || !m->nhslots || (m->nhslots & (m->nhslots - 1)) ||
        !(m->lambda >= 0) || !(m->lambda < 1) || !total || !m->maxlen || m->maxlen > LM_MAX_WORD)
        FAIL("bigram model header is inconsistent");
    uint64_t words = (uint64_t)m->nwords * 4 + 2 + (uint64_t)m->npairs * 2 + m->nslots + m->npool +
                     m->npslots + m->nhslots;
    if (words > (SIZE_MAX - HEADER) / 4 || HEADER + words * 4 != len)
        FAIL("bigram model is truncated or has trailing bytes (%zu bytes, expected %llu)", len,
             (unsigned long long)(HEADER + words * 4));
    if ((uintptr_t)(b + HEADER) % _Alignof(uint32_t))
        FAIL("bigram model is not aligned in memory");
    /* aligned, checked above (a mapped file always is) */
    const uint32_t *p = (const uint32_t *)(const void *)(b + HEADER);
    m->woff = p, p += m->nwords + 1;
    m->uni = p, p += m->nwords;
    m->ctx = p, p += m->nwords;
    m->pstart = p, p += m->nwords + 1;
    m->slots = p, p += m->nslots;
    m->pool = p, p += m->npool;
    m->pnext = p, p += m->npairs;
    m->pcount = p, p += m->npairs;
    m->pslots = p, p += m->npslots;
    m->hslots = p;
    if (m->woff[0] != 0 || m->woff[m->nwords] != m->npool || m->pstart[0] != 0 ||
        m->pstart[m->nwords] != m->npairs)
        FAIL("bigram model offsets are inconsistent");
    uint64_t sum = 0;
    for (uint32_t i = 0; i < m->nwords; i++) {
        uint32_t l = m->woff[i + 1] - m->woff[i];
        sum += m->uni[i];
        if (m->woff[i + 1] < m->woff[i] || !l || l > m->maxlen || m->pstart[i + 1] < m->pstart[i])
            FAIL("bigram model word %u is inconsistent", i);
        for (uint32_t j = m->pstart[i]; j < m->pstart[i + 1]; j++)
            if (m->pnext[j] >= m->nwords || (j > m->pstart[i] && m->pnext[j] <= m->pnext[j - 1]))
                FAIL("bigram model pairs of word %u are inconsistent", i);
    }
    if (sum > total)
        FAIL("bigram model counts exceed its total");
    uint32_t empty = 0;
    for (uint32_t i = 0; i < m->nslots; i++) {
        if (m->slots[i] > m->nwords)
            FAIL("bigram model slot %u is out of range", i);
        empty += !m->slots[i];
    }
    if (!empty)
        FAIL("bigram model hash table is full");
    empty = 0;
    for (uint32_t i = 0; i < m->npslots; i++) {
        if (m->pslots[i] > m->npairs)
            FAIL("bigram model pair slot %u is out of range", i);
        empty += !m->pslots[i];
    }
    if (!empty)
        FAIL("bigram model pair table is full");
    empty = 0;
    for (uint32_t i = 0; i < m->nhslots; i++)
        empty += !m->hslots[i];
    if (!empty)
        FAIL("bigram model table of word beginnings is full");
    if (!(m->first_max = calloc(FIRST_MAX, 1)))
        FAIL("out of memory");
    for (uint32_t i = 0; i < m->nwords; i++) {
        uint32_t c = m->pool[m->woff[i]], l = m->woff[i + 1] - m->woff[i];
        if (c < FIRST_MAX && m->first_max[c] < l)
            m->first_max[c] = (uint8_t)l;
    }
    m->total = (double)total;
    m->log_total = log((double)total);
    m->unknown = -m->log_total;
    return m;
}

lmb_t *lmb_load(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen,
                 "bigram model %s not found (built from libpinyin-data by scripts/gen-bigram-lm.py)", path);
        return NULL;
    }
    struct stat st;
    void *map = MAP_FAILED;
    if (fstat(fd, &st) == 0 && st.st_size > 0)
        map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        snprintf(err, errlen, "cannot map bigram model %s", path);
        return NULL;
    }
    char why[200];
    lmb_t *m = lmb_open_mem(map, (size_t)st.st_size, why, sizeof why);
    if (!m) {
        munmap(map, (size_t)st.st_size);
        snprintf(err, errlen, "%s: %s", path, why);
        return NULL;
    }
    m->map = map;
    m->maplen = (size_t)st.st_size;
    return m;
}

void lmb_free(lmb_t *m)
{
    if (!m)
        return;
    if (m->map)
        munmap(m->map, m->maplen);
    free(m->first_max);
    free(m);
}

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static lmb_t *g_model;
static char g_error[300];
static double g_load_ms;

static void load_once(void)
{
    int64_t t0 = time_mono_ns();
    const char *path = getenv("ZHENDI_LM_BIGRAM");
    if (!path || !*path)
        path = ZD_LM_BIGRAM_DEFAULT;
    if (!strcmp(path, "off") || !*path) {
        snprintf(g_error, sizeof g_error, "bigram model disabled");
        return;
    }
    g_model = lmb_load(path, g_error, sizeof g_error);
    g_load_ms = (double)(time_mono_ns() - t0) / 1e6;
    if (!g_model)
        log_msg(LOG_APP, LOG_WARN, "proofread.lm_bigram_unavailable", "%s；错别字确认改用一元词频模型",
                g_error);
}

const lmb_t *lmb_get(void)
{
    pthread_once(&g_once, load_once);
    return g_model;
}

const char *lmb_error(void)
{
    pthread_once(&g_once, load_once);
    return g_error;
}

double lmb_load_ms(void) { return g_load_ms; }

/* Is the model word cps[i..i+l), which contains the banned span, a
 * misspelling of another model word (the span replaced)? */
static bool banned_container(const lmb_t *m, const uint32_t *cps, size_t i, size_t l, const lm_span_t *sp)
{
    if (sp->start == i && sp->end == i + l)
        return true;
    uint32_t w[LM_MAX_WORD];
    size_t k = lm_respell(cps, i, l, sp, w);
    return k && lmb_word_id(m, w, k) >= 0;
}

typedef struct {
    uint16_t s, e;
    int16_t back;     /* best predecessor arc, -1: none (starts the text) */
    int16_t next_end; /* the next arc ending where this one ends */
    int32_t id;       /* model word, -1: unknown character or word */
    double score;
} arc_t;

double lmb_segment(const lmb_t *m, const uint32_t *cps, size_t n, const lm_span_t *span, uint16_t *cut)
{
    if (n == 0)
        return 0;
    if (n > MAXN)
        return -INFINITY;
    bool force = span && !span->ban && span->start < span->end && span->end <= n;
    bool ban = span && span->ban && span->end - span->start >= 2 && span->end <= n;
    arc_t arcs[MAXN * LM_MAX_WORD];
    int16_t end_head[MAXN + 1];
    for (size_t i = 0; i <= n; i++)
        end_head[i] = -1;
    size_t na = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && end_head[i] < 0)
            continue; /* no path reaches i */
        if (force && i > span->start && i < span->end)
            continue; /* inside the forced word */
        uint64_t h = LM_HASH0;
        size_t lim = n - i < m->maxlen ? n - i : m->maxlen;
        if (cps[i] < FIRST_MAX && m->first_max[cps[i]] < lim)
            lim = m->first_max[cps[i]] ? m->first_max[cps[i]] : 1;
        if (force && i == span->start)
            lim = span->end - i;
        for (size_t l = 1; l <= lim; l++) {
            h = lm_hash_step(h, cps[i + l - 1]);
            size_t e = i + l;
            long id;
            double floor = -INFINITY;
            if (force && i == span->start) {
                if (e != span->end)
                    continue;
                id = lmb_word_id(m, cps + i, l);
                floor = span->logp;
            } else {
                if (force && i < span->start && e > span->start)
                    break; /* no word crosses into the forced one */
                if (l > 1 && !head(m, h))
                    break; /* no word starts this way */
                id = find(m, cps + i, l, h);
                if (id >= 0 && ban && i <= span->start && e >= span->end &&
                    banned_container(m, cps, i, l, span))
                    id = -1;
                if (id < 0 && l > 1)
                    continue;
            }
            /* best predecessor */
            double best = -INFINITY;
            int16_t back = -1;
            if (i == 0) {
                best = id >= 0 ? lmb_unigram(m, id) : m->unknown;
                if (best < floor)
                    best = floor;
            } else {
                for (int16_t a = end_head[i]; a >= 0; a = arcs[a].next_end) {
                    double c = id >= 0 ? lmb_cond(m, arcs[a].id, id) : m->unknown;
                    if (c < floor)
                        c = floor;
                    c += arcs[a].score;
                    if (c > best) {
                        best = c;
                        back = a;
                    }
                }
            }
            if (best == -INFINITY)
                continue;
            arcs[na] = (arc_t){(uint16_t)i, (uint16_t)e, back, end_head[e], (int32_t)id, best};
            end_head[e] = (int16_t)na++;
        }
    }
    double best = -INFINITY;
    int16_t last = -1;
    for (int16_t a = end_head[n]; a >= 0; a = arcs[a].next_end)
        if (arcs[a].score > best) {
            best = arcs[a].score;
            last = a;
        }
    if (cut && last >= 0) {
        for (size_t i = 0; i <= n; i++)
            cut[i] = (uint16_t)(i + 1 <= n ? i + 1 : n);
        for (int16_t a = last; a >= 0; a = arcs[a].back)
            cut[arcs[a].s] = arcs[a].e;
    }
    return best;
}
