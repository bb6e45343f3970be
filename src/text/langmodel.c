/* langmodel.c — jieba's word frequencies as a unigram model, and
 * maximum-probability segmentation; see langmodel.h.
 *
 * Layout: an open-addressing hash table keyed by the normalised code
 * points of every dictionary word and of every prefix of one (a prefix
 * that is not itself a word has no probability), so that the segmentation
 * stops extending a candidate word as soon as no dictionary word starts
 * that way. The hash is computed incrementally while the candidate grows. */
#include "text/langmodel.h"
#include "core/log.h"
#include "text/normalize.h"
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint32_t off; /* into pool */
    float logp;   /* ln P; NAN for a prefix that is not a word (while loading: the count, 0 for a prefix) */
    uint8_t len;  /* 0: empty slot */
} slot_t;         /* 12 bytes */

struct lm {
    slot_t *slots;
    size_t mask, used, nwords;
    uint32_t *pool;
    size_t npool, cappool;
    double log_total, unknown; /* unknown: ln(1 / total), a character not in the dictionary */
    unsigned max_len;
};

/* The slot of w[0..n) with hash h, or NULL. */
static const slot_t *find(const lm_t *m, const uint32_t *w, size_t n, uint64_t h)
{
    for (size_t i = lm_hash_slot(h, m->mask);; i = (i + 1) & m->mask) {
        const slot_t *s = &m->slots[i];
        if (!s->len)
            return NULL;
        if (s->len == n && !memcmp(m->pool + s->off, w, n * sizeof *w))
            return s;
    }
}

static uint64_t hash_of(const uint32_t *w, size_t n)
{
    uint64_t h = LM_HASH0;
    for (size_t i = 0; i < n; i++)
        h = lm_hash_step(h, w[i]);
    return h;
}

/* Doubles the table (kept under 3/4 full: a full one would probe forever). */
static int grow(lm_t *m)
{
    size_t cap = (m->mask + 1) * 2;
    slot_t *ns = calloc(cap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i <= m->mask; i++) {
        const slot_t *s = &m->slots[i];
        if (!s->len)
            continue;
        size_t j = lm_hash_slot(hash_of(m->pool + s->off, s->len), cap - 1);
        while (ns[j].len)
            j = (j + 1) & (cap - 1);
        ns[j] = *s;
    }
    free(m->slots);
    m->slots = ns;
    m->mask = cap - 1;
    return 0;
}

static int insert(lm_t *m, const uint32_t *w, size_t n, uint64_t h, uint32_t count)
{
    if ((m->used + 1) * 4 > (m->mask + 1) * 3 && grow(m) != 0)
        return -1;
    size_t i = lm_hash_slot(h, m->mask);
    for (;; i = (i + 1) & m->mask) {
        slot_t *s = &m->slots[i];
        if (!s->len)
            break;
        if (s->len == n && !memcmp(m->pool + s->off, w, n * sizeof *w)) {
            if (count && s->logp == 0)
                m->nwords++;
            s->logp += (float)count; /* two spellings that normalise alike add up */
            return 0;
        }
    }
    if (m->npool + n > m->cappool) {
        size_t nc = m->cappool ? m->cappool * 3 / 2 : 1 << 20;
        uint32_t *np = realloc(m->pool, nc * sizeof *np);
        if (!np)
            return -1;
        m->pool = np;
        m->cappool = nc;
    }
    memcpy(m->pool + m->npool, w, n * sizeof *w);
    m->slots[i] = (slot_t){(uint32_t)m->npool, (float)count, (uint8_t)n};
    m->npool += n;
    m->used++;
    if (count)
        m->nwords++;
    return 0;
}

void lm_free(lm_t *m)
{
    if (!m)
        return;
    free(m->slots);
    free(m->pool);
    free(m);
}

lm_t *lm_load_mem(const char *buf, size_t size, char *err, size_t errlen)
{
    if (norm_init(err, errlen) != 0)
        return NULL;
    const norm_tables_t *tab = norm_tables();
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += buf[i] == '\n';
    lm_t *m = calloc(1, sizeof *m);
    if (!m)
        goto oom;
    size_t cap = 1;
    while (cap < lines * 2) /* words and their prefixes (≈ 1.4 × the words): under 3/4 full */
        cap <<= 1;
    m->slots = calloc(cap, sizeof *m->slots);
    if (!m->slots)
        goto oom;
    m->mask = cap - 1;
    double total = 0;
    const char *p = buf, *end = buf + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *sp = memchr(p, ' ', (size_t)(le - p));
        /* "word count [tag]": the count is digits up to a space or the end of the line */
        uint64_t count = 0;
        for (const char *q = sp ? sp + 1 : le; q < le && *q >= '0' && *q <= '9'; q++)
            count = count < 0xFFFFFFFull ? count * 10 + (uint64_t)(*q - '0') : 0xFFFFFFFull;
        if (sp && sp > p && count > 0) {
            uint32_t w[LM_MAX_WORD];
            size_t n = 0;
            bool ok = true;
            for (const char *q = p; ok && q < sp;) {
                uint32_t cp;
                size_t l = norm_utf8((const unsigned char *)q, (size_t)(sp - q), &cp);
                norm_class_t k;
                if (!l || n == LM_MAX_WORD) {
                    ok = false;
                    break;
                }
                w[n++] = norm_cp(tab, cp, &k);
                ok = k == NORM_CJK;
                q += l;
            }
            total += (double)count;
            if (ok && n) {
                uint64_t h = LM_HASH0;
                for (size_t j = 0; j < n; j++) {
                    h = lm_hash_step(h, w[j]);
                    if (insert(m, w, j + 1, h, j + 1 == n ? (uint32_t)count : 0) != 0)
                        goto oom;
                }
                if (n > m->max_len)
                    m->max_len = (unsigned)n;
            }
        }
        p = le + 1;
    }
    if (!m->nwords || total < 1) {
        snprintf(err, errlen, "the language model has no words");
        lm_free(m);
        return NULL;
    }
    m->log_total = log(total);
    m->unknown = -m->log_total;
    for (size_t i = 0; i <= m->mask; i++) {
        slot_t *s = &m->slots[i];
        if (s->len)
            s->logp = s->logp > 0 ? (float)(log((double)s->logp) - m->log_total) : NAN;
    }
    return m;
oom:
    snprintf(err, errlen, "out of memory while loading the language model");
    lm_free(m);
    return NULL;
}

lm_t *lm_load(const char *path, char *err, size_t errlen)
{
    char *buf = NULL;
    lm_t *m = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "language model %s not found (install python3-jieba)", path);
        return NULL;
    }
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && size <= (1L << 30) &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)size)) &&
        fread(buf, 1, (size_t)size, f) == (size_t)size) {
        m = lm_load_mem(buf, (size_t)size, err, errlen);
        if (!m) {
            char why[200];
            snprintf(why, sizeof why, "%s", err);
            snprintf(err, errlen, "%s: %s", path, why);
        }
    } else {
        snprintf(err, errlen, "cannot read language model %s", path);
    }
    fclose(f);
    free(buf);
    return m;
}

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static lm_t *g_model;
static char g_error[300];

static void load_once(void)
{
    const char *path = getenv("ZHENDI_LM_DICT");
    if (!path || !*path)
        path = LM_DEFAULT_DICT;
    g_model = lm_load(path, g_error, sizeof g_error);
    if (!g_model)
        log_msg(LOG_APP, LOG_WARN, "proofread.lm_unavailable", "%s；错别字发现将不经语言模型确认直接报告",
                g_error);
}

const lm_t *lm_get(void)
{
    pthread_once(&g_once, load_once);
    return g_model;
}

const char *lm_error(void)
{
    pthread_once(&g_once, load_once);
    return g_error;
}

size_t lm_words(const lm_t *m) { return m->nwords; }
double lm_log_total(const lm_t *m) { return m->log_total; }

double lm_word_logp(const lm_t *m, const uint32_t *w, size_t n, bool *found)
{
    *found = false;
    if (!n || n > LM_MAX_WORD)
        return 0;
    uint64_t h = LM_HASH0;
    for (size_t i = 0; i < n; i++)
        h = lm_hash_step(h, w[i]);
    const slot_t *s = find(m, w, n, h);
    if (!s || isnan(s->logp))
        return 0;
    *found = true;
    return s->logp;
}

size_t lm_respell(const uint32_t *cps, size_t i, size_t l, const lm_span_t *sp, uint32_t out[LM_MAX_WORD])
{
    if (!sp->repl || l - (sp->end - sp->start) + sp->nrepl > LM_MAX_WORD)
        return 0;
    size_t k = 0;
    for (size_t j = i; j < sp->start; j++)
        out[k++] = cps[j];
    for (size_t j = 0; j < sp->nrepl; j++)
        out[k++] = sp->repl[j];
    for (size_t j = sp->end; j < i + l; j++)
        out[k++] = cps[j];
    return k;
}

/* Is the dictionary word cps[i..i+l), which contains the banned span,
 * a misspelling of another dictionary word (the span replaced)? */
static bool banned_container(const lm_t *m, const uint32_t *cps, size_t i, size_t l, const lm_span_t *sp)
{
    if (sp->start == i && sp->end == i + l)
        return true;
    uint32_t w[LM_MAX_WORD];
    size_t k = lm_respell(cps, i, l, sp, w);
    bool found = false;
    if (k)
        lm_word_logp(m, w, k, &found);
    return found;
}

double lm_segment(const lm_t *m, const uint32_t *cps, size_t n, const lm_span_t *span, uint16_t *cut)
{
    if (n > LM_MAX_TEXT)
        return -INFINITY;
    bool force = span && !span->ban && span->start < span->end && span->end <= n;
    bool ban = span && span->ban && span->end - span->start >= 2 && span->end <= n;
    double route[LM_MAX_TEXT + 1];
    route[n] = 0;
    if (cut)
        cut[n] = (uint16_t)n;
    for (size_t i = n; i-- > 0;) {
        if (force && i > span->start && i < span->end) {
            route[i] = -INFINITY; /* inside the forced word: no word starts here */
            if (cut)
                cut[i] = (uint16_t)(i + 1);
            continue;
        }
        if (force && i == span->start) {
            route[i] = span->logp + route[span->end];
            if (cut)
                cut[i] = (uint16_t)span->end;
            continue;
        }
        /* a single character is always a candidate */
        double best = -INFINITY;
        size_t best_end = i + 1;
        uint64_t h = LM_HASH0;
        size_t lim = n - i < m->max_len ? n - i : m->max_len;
        if (force && i < span->start && span->start - i < lim)
            lim = span->start - i; /* no word crosses into the forced one */
        for (size_t l = 1; l <= lim; l++) {
            h = lm_hash_step(h, cps[i + l - 1]);
            const slot_t *s = find(m, cps + i, l, h);
            double lp;
            if (s && !isnan(s->logp) &&
                !(ban && i <= span->start && i + l >= span->end && banned_container(m, cps, i, l, span)))
                lp = s->logp;
            else if (l == 1)
                lp = m->unknown;
            else if (!s)
                break; /* no dictionary word starts this way */
            else
                continue;
            double c = lp + route[i + l];
            if (c > best) {
                best = c;
                best_end = i + l;
            }
        }
        route[i] = best;
        if (cut)
            cut[i] = (uint16_t)best_end;
    }
    return route[0];
}
