/* vector.c — the local embedding provider and the in-memory vector index
 * (docs/search.md § Vectors).
 *
 * Provider `local`: TF-IDF over the search tokens (the same bigrams, run
 * ends, friso words and Latin words the keyword index holds; title tokens
 * count twice), reduced by a truncated SVD (randomised range finder with two
 * power iterations: QR by LAPACKE dgeqrf/dorgqr, the small SVD by dgesdd)
 * into `dim` dense dimensions, L2-normalised; cosine similarity is the dot
 * product. The fit reads every document of the index, keeps the vocabulary
 * (at most search_vector_terms tokens by document frequency), stores the
 * model and every document's vector in the database (both backends), in one
 * transaction; search_put embeds new and changed documents with the newest
 * model in the writer's transaction.
 *
 * Index: an exact flat index in memory (Debian's libfaiss-dev ships the C
 * API headers but its libfaiss.a has none of the faiss_* symbols, so the C
 * API cannot be linked: see docs/decisions.md), scored with one
 * cblas_sgemv (OpenBLAS) per query. Each process keeps it as a replica of
 * the database: loaded when the model changes, then caught up from
 * search_vec_log (a sequence number per change) before every query, so a
 * write through one node is searched through any node. */
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "modules/search/hnsw.h"
#include "modules/search/internal.h"
#include <cblas.h>
#include <errno.h>
#include <lapacke.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* an upsert: on PostgreSQL a write racing a fit must not fail on the key */
#define UPSERT_VEC                                                                                           \
    "INSERT INTO search_vectors (doc_id, model_id, vec, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT "        \
    "(doc_id) DO UPDATE SET model_id = excluded.model_id, vec = excluded.vec, updated_at = "                 \
    "excluded.updated_at"
#define LOG_MARGIN 64 /* log entries read again: PostgreSQL commits sequence numbers out of order */

/* ---- a string → index map (open addressing) ---- */

typedef struct {
    char **keys;
    int32_t *vals;
    size_t cap, n;
} strmap_t;

static uint64_t hash_str(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static int strmap_grow(strmap_t *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    char **keys = calloc(cap, sizeof *keys);
    int32_t *vals = calloc(cap, sizeof *vals);
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t j = hash_str(m->keys[i], strlen(m->keys[i])) & (cap - 1);
        while (keys[j])
            j = (j + 1) & (cap - 1);
        keys[j] = m->keys[i];
        vals[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->cap = cap;
    return 0;
}

/* the value of s[0..n), or -1 */
static int32_t strmap_get(const strmap_t *m, const char *s, size_t n)
{
    if (!m->cap)
        return -1;
    for (size_t j = hash_str(s, n) & (m->cap - 1);; j = (j + 1) & (m->cap - 1)) {
        if (!m->keys[j])
            return -1;
        if (!strncmp(m->keys[j], s, n) && !m->keys[j][n])
            return m->vals[j];
    }
}

/* adds s[0..n) with value v unless present; its value, or -2 on no memory */
static int32_t strmap_add(strmap_t *m, const char *s, size_t n, int32_t v)
{
    if ((m->n + 1) * 2 > m->cap && strmap_grow(m) != 0)
        return -2;
    size_t j = hash_str(s, n) & (m->cap - 1);
    for (; m->keys[j]; j = (j + 1) & (m->cap - 1))
        if (!strncmp(m->keys[j], s, n) && !m->keys[j][n])
            return m->vals[j];
    m->keys[j] = strndup(s, n);
    if (!m->keys[j])
        return -2;
    m->vals[j] = v;
    m->n++;
    return v;
}

static void strmap_free(strmap_t *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* ---- the model ---- */

typedef struct vmodel {
    int64_t id;
    int dim;
    size_t nterms;
    strmap_t terms; /* token → row of proj */
    float *idf;
    float *proj; /* nterms × dim */
    int refs;
} vmodel_t;

static pthread_mutex_t g_model_mu = PTHREAD_MUTEX_INITIALIZER;
static vmodel_t *g_model;

static void model_unref(vmodel_t *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&g_model_mu);
    bool last = --m->refs == 0;
    pthread_mutex_unlock(&g_model_mu);
    if (!last)
        return;
    strmap_free(&m->terms);
    free(m->idf);
    free(m->proj);
    free(m);
}

/* the newest model's id: 0 when none, -1 on a database error */
static int64_t newest_model(db_conn_t *c)
{
    int64_t id = 0;
    return db_query_int64(c, "SELECT COALESCE(MAX(id), 0) FROM search_vec_models WHERE provider = 'local'",
                          &id) == 1
               ? id
               : -1;
}

static vmodel_t *model_load(db_conn_t *c, int64_t id)
{
    db_stmt_t *st = db_prepare(c, "SELECT dim, nterms, terms, proj FROM search_vec_models WHERE id = ?");
    if (!st)
        return NULL;
    db_bind_int64(st, 1, id);
    vmodel_t *m = NULL;
    if (db_step(st) == DB_ROW) {
        size_t plen = 0;
        const void *p = db_col_blob(st, 3, &plen);
        const char *terms = db_col_text(st, 2);
        m = calloc(1, sizeof *m);
        int dim = (int)db_col_int64(st, 0);
        size_t nt = (size_t)db_col_int64(st, 1);
        if (m && dim > 0 && p && terms && plen == nt * (size_t)dim * sizeof(float)) {
            m->id = id;
            m->dim = dim;
            m->nterms = nt;
            m->refs = 1;
            m->idf = malloc((nt ? nt : 1) * sizeof *m->idf);
            m->proj = malloc(plen ? plen : 1);
            if (m->idf && m->proj) {
                memcpy(m->proj, p, plen);
                size_t k = 0;
                for (const char *s = terms; *s && k < nt; k++) {
                    const char *sp = strchr(s, ' '), *nl = sp ? strchr(sp, '\n') : NULL;
                    if (!sp || !nl || strmap_add(&m->terms, s, (size_t)(sp - s), (int32_t)k) < 0)
                        break;
                    m->idf[k] = strtof(sp + 1, NULL);
                    s = nl + 1;
                }
                if (k == nt) {
                    db_done(st);
                    return m;
                }
            }
        }
        if (m) {
            m->refs = 1;
            model_unref(m);
        }
        m = NULL;
    }
    db_done(st);
    return NULL;
}

/* the newest model (a reference: model_unref), NULL when there is none;
 * *err set on a database error */
static vmodel_t *model_get(db_conn_t *c, bool *err)
{
    *err = false;
    int64_t id = newest_model(c);
    if (id < 0) {
        *err = true;
        return NULL;
    }
    if (!id)
        return NULL;
    pthread_mutex_lock(&g_model_mu);
    vmodel_t *m = g_model && g_model->id == id ? g_model : NULL;
    if (m)
        m->refs++;
    pthread_mutex_unlock(&g_model_mu);
    if (m)
        return m;
    m = model_load(c, id);
    if (!m) {
        *err = true;
        return NULL;
    }
    pthread_mutex_lock(&g_model_mu);
    vmodel_t *old = g_model;
    if (!g_model || g_model->id < id) {
        g_model = m;
        m->refs++; /* the cache's */
    } else {
        old = NULL;
    }
    pthread_mutex_unlock(&g_model_mu);
    model_unref(old);
    return m;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* term rows of the tokens in the space-separated lists (title twice), sorted */
static size_t token_rows(const strmap_t *terms, const char *const *lists, const int *times, size_t nl,
                         int32_t **out)
{
    size_t n = 0, cap = 64;
    int32_t *v = malloc(cap * sizeof *v);
    for (size_t l = 0; v && l < nl; l++) {
        for (const char *s = lists[l]; s && *s;) {
            const char *e = strchr(s, ' ');
            size_t len = e ? (size_t)(e - s) : strlen(s);
            int32_t k = len ? strmap_get(terms, s, len) : -1;
            for (int t = 0; k >= 0 && t < times[l]; t++) {
                if (n == cap) {
                    int32_t *nv = realloc(v, (cap *= 2) * sizeof *v);
                    if (!nv) {
                        free(v);
                        *out = NULL;
                        return 0;
                    }
                    v = nv;
                }
                v[n++] = k;
            }
            s += len;
            if (*s == ' ')
                s++;
        }
    }
    if (v)
        qsort(v, n, sizeof *v, cmp_i32);
    *out = v;
    return n;
}

/* out (dim) = normalised Σ (1 + ln tf) · idf · proj[term]; false when no
 * token is in the vocabulary */
static bool embed_rows(const vmodel_t *m, const int32_t *rows, size_t n, float *out)
{
    memset(out, 0, (size_t)m->dim * sizeof *out);
    bool any = false;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && rows[j] == rows[i])
            j++;
        float w = (1.0f + logf((float)(j - i))) * m->idf[rows[i]];
        cblas_saxpy(m->dim, w, m->proj + (size_t)rows[i] * (size_t)m->dim, 1, out, 1);
        any = true;
        i = j;
    }
    float norm = any ? cblas_snrm2(m->dim, out, 1) : 0.0f;
    if (!(norm > 1e-12f))
        return false;
    cblas_sscal(m->dim, 1.0f / norm, out, 1);
    return true;
}

static bool embed_tokens(const vmodel_t *m, const char *ttok, const char *btok, float *out)
{
    const char *lists[2] = {ttok, btok};
    const int times[2] = {2, 1};
    int32_t *rows;
    size_t n = token_rows(&m->terms, lists, times, 2, &rows);
    bool ok = rows && embed_rows(m, rows, n, out);
    free(rows);
    return ok;
}

/* ---- writes (search_put / search_delete) ---- */

static int log_change(db_conn_t *c, int64_t doc, int64_t model)
{
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO search_vec_log (doc_id, model_id, created_at) VALUES (?, ?, ?)");
    if (!st)
        return -1;
    db_bind_int64(st, 1, doc);
    db_bind_int64(st, 2, model);
    db_bind_int64(st, 3, time_now_ms());
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

static int put_vec(db_conn_t *c, int64_t doc, int64_t model, const float *v, int dim)
{
    db_stmt_t *st = db_prepare(c, "DELETE FROM search_vectors WHERE doc_id = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, doc);
    int rc = db_step(st);
    db_done(st);
    if (rc != DB_DONE)
        return -1;
    if (!v)
        return 0;
    st = db_prepare(c, UPSERT_VEC);
    if (!st)
        return -1;
    db_bind_int64(st, 1, doc);
    db_bind_int64(st, 2, model);
    db_bind_blob(st, 3, v, (size_t)dim * sizeof *v);
    db_bind_int64(st, 4, time_now_ms());
    rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

int search_vec_store(db_conn_t *c, int64_t doc, int64_t model, const float *v, int dim)
{
    return put_vec(c, doc, model, v, dim) == 0 && log_change(c, doc, model) == 0 ? 0 : -1;
}

int search_vec_put(db_conn_t *c, int64_t doc, const char *ttok, const char *btok, bool skip, bool *embedded)
{
    *embedded = false;
    bool err;
    vmodel_t *m = model_get(c, &err);
    if (err)
        return -1;
    float *v = NULL;
    if (m && !skip) {
        v = malloc((size_t)m->dim * sizeof *v);
        if (!v) {
            model_unref(m);
            return -1;
        }
        if (embed_tokens(m, ttok, btok, v))
            *embedded = true;
        else {
            free(v);
            v = NULL;
        }
    }
    int rc = put_vec(c, doc, m ? m->id : 0, v, m ? m->dim : 0);
    if (rc == 0 && m)
        rc = log_change(c, doc, m->id);
    free(v);
    model_unref(m);
    return rc;
}

int search_vec_delete(db_conn_t *c, int64_t doc)
{
    int64_t m = newest_model(c);
    if (m < 0 || put_vec(c, doc, m, NULL, 0) != 0)
        return -1;
    return m ? log_change(c, doc, m) : 0;
}

/* ---- the in-memory index (a replica of search_vectors) ---- */

typedef struct {
    pthread_rwlock_t lock;
    int64_t model, seq, loaded_at;
    int dim;
    size_t n, cap;
    int64_t *ids;
    float *vecs;
    size_t *slots; /* doc id → position + 1, open addressing */
    size_t nslots;
    /* past search_hnsw_threshold vectors: an HNSW graph of the same vectors
     * (docs/search.md § The index), built by a background thread while the
     * flat scan serves; ids changed meanwhile are replayed into it */
    hnsw_t *hn;
    const char *hn_source; /* "built" or "disk" */
    bool building, joinable;
    pthread_t builder;
    int64_t *pend;
    size_t npend, cappend;
} vindex_t;

/* one index per provider: [0] local, [1] openai */
static vindex_t g_ixs[2] = {{.lock = PTHREAD_RWLOCK_INITIALIZER}, {.lock = PTHREAD_RWLOCK_INITIALIZER}};
static pthread_mutex_t g_sync_mu = PTHREAD_MUTEX_INITIALIZER;
static char g_hnsw_dir[1024]; /* DATA/search: the saved graphs */
static atomic_bool g_stop;

#define HNSW_BUILD_NICE 10
#define HNSW_M          16
#define HNSW_EFC        100

static void ix_pend(vindex_t *x, int64_t id)
{
    if (!x->building)
        return;
    if (x->npend == x->cappend) {
        size_t cap = x->cappend ? x->cappend * 2 : 256;
        int64_t *p = realloc(x->pend, cap * sizeof *p);
        if (!p) { /* the build is lost: dropped at publication */
            x->npend = SIZE_MAX;
            return;
        }
        x->pend = p;
        x->cappend = cap;
    }
    if (x->npend != SIZE_MAX)
        x->pend[x->npend++] = id;
}

static size_t slot_of(const vindex_t *x, int64_t id)
{
    size_t j = ((uint64_t)id * 11400714819323198485ull) & (x->nslots - 1);
    while (x->slots[j] && x->ids[x->slots[j] - 1] != id)
        j = (j + 1) & (x->nslots - 1);
    return j;
}

static int ix_rehash(vindex_t *x, size_t want)
{
    size_t ns = 1024;
    while (ns < want * 2)
        ns *= 2;
    size_t *s = calloc(ns, sizeof *s);
    if (!s)
        return -1;
    free(x->slots);
    x->slots = s;
    x->nslots = ns;
    for (size_t i = 0; i < x->n; i++)
        x->slots[slot_of(x, x->ids[i])] = i + 1;
    return 0;
}

static void ix_clear(vindex_t *x, int64_t model, int dim)
{
    free(x->ids);
    free(x->vecs);
    free(x->slots);
    x->ids = NULL;
    x->vecs = NULL;
    x->slots = NULL;
    x->n = x->cap = x->nslots = 0;
    hnsw_free(x->hn);
    x->hn = NULL;
    x->hn_source = NULL;
    free(x->pend);
    x->pend = NULL;
    x->npend = x->cappend = 0;
    x->model = model;
    x->dim = dim;
    x->seq = 0;
}

/* removes id (linear probing: the cluster after it is placed again) */
static void ix_remove(vindex_t *x, int64_t id)
{
    if (!x->nslots)
        return;
    size_t j = slot_of(x, id);
    if (!x->slots[j])
        return;
    if (x->hn)
        hnsw_delete(x->hn, id);
    ix_pend(x, id);
    size_t pos = x->slots[j] - 1, last = x->n - 1;
    if (pos != last) { /* move the last entry into the hole */
        x->ids[pos] = x->ids[last];
        memcpy(x->vecs + pos * (size_t)x->dim, x->vecs + last * (size_t)x->dim,
               (size_t)x->dim * sizeof(float));
        x->slots[slot_of(x, x->ids[pos])] = pos + 1;
    }
    x->n--;
    x->slots[j] = 0;
    for (size_t k = (j + 1) & (x->nslots - 1); x->slots[k]; k = (k + 1) & (x->nslots - 1)) {
        size_t p = x->slots[k];
        x->slots[k] = 0;
        x->slots[slot_of(x, x->ids[p - 1])] = p;
    }
}

static int ix_set(vindex_t *x, int64_t id, const void *vec, size_t len)
{
    if (len != (size_t)x->dim * sizeof(float)) {
        ix_remove(x, id);
        return 0;
    }
    if ((x->n + 1) * 2 > x->nslots && ix_rehash(x, x->n + 1) != 0)
        return -1;
    size_t j = slot_of(x, id);
    /* the log's last entries are read again at every catch-up: an unchanged
     * vector leaves the graph alone (no tombstone) */
    if (x->slots[j] && !memcmp(x->vecs + (x->slots[j] - 1) * (size_t)x->dim, vec, len))
        return 0;
    if (x->hn && hnsw_insert(x->hn, id, vec) != 0)
        return -1;
    ix_pend(x, id);
    if (!x->slots[j]) {
        if (x->n == x->cap) {
            size_t cap = x->cap ? x->cap * 2 : 1024;
            int64_t *ids = realloc(x->ids, cap * sizeof *ids);
            if (!ids)
                return -1;
            x->ids = ids;
            float *v = realloc(x->vecs, cap * (size_t)x->dim * sizeof *v);
            if (!v)
                return -1;
            x->vecs = v;
            x->cap = cap;
        }
        x->ids[x->n] = id;
        x->slots[j] = ++x->n;
    }
    memcpy(x->vecs + (x->slots[j] - 1) * (size_t)x->dim, vec, len);
    return 0;
}

/* the current model of the openai provider and its dimension (0: none) */
static int oai_model(db_conn_t *c, int64_t *model, int *dim)
{
    *model = search_oai_model(c, false);
    *dim = 0;
    if (*model < 0)
        return -1;
    int64_t d = 0;
    if (*model) {
        db_stmt_t *st = db_prepare(c, "SELECT dim FROM search_vec_models WHERE id = ?");
        if (!st)
            return -1;
        db_bind_int64(st, 1, *model);
        if (db_step(st) == DB_ROW)
            d = db_col_int64(st, 0);
        db_done(st);
    }
    *dim = (int)d;
    return 0;
}

/* ---- the HNSW graph beside the flat index ---- */

static void hnsw_path(int slot, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s/vectors-%s.hnsw", g_hnsw_dir, slot ? "openai" : "local");
}

typedef struct {
    int slot;
    int64_t model;
    int dim;
    size_t n;
    int64_t *ids;
    float *vecs;
} bjob_t;

/* the builder thread: a graph of the snapshot, then the ids changed since
 * replayed from the flat index under its lock, published, saved */
static void *ix_builder(void *arg)
{
    bjob_t *j = arg;
    vindex_t *ix = &g_ixs[j->slot];
    int64_t t0 = time_mono_ns();
    /* below the indexing jobs and the queries (nice 10, inherited by the
     * threads hnsw_insert_many starts): the flat scan answers meanwhile, so
     * the graph may take longer, but indexing and queries are not starved
     * of the cores by it (docs/benchmarks.md, indexing to 1,000,000) */
    if (setpriority(PRIO_PROCESS, (id_t)gettid(), HNSW_BUILD_NICE) != 0)
        log_msg(LOG_SYSTEM, LOG_WARN, "search.hnsw_nice", "无法降低向量图构建线程的优先级：%s",
                strerror(errno));
    hnsw_t *h = hnsw_new(j->dim, HNSW_M, HNSW_EFC, (uint64_t)j->model * 2654435761u + 1);
    /* the snapshot linked on search_hnsw_threads threads (0: min(cores, 4)) */
    if (h && hnsw_insert_many(h, j->n, j->ids, j->vecs, (int)search_hnsw_threads, &g_stop) != 0) {
        hnsw_free(h);
        h = NULL;
    }
    free(j->ids);
    free(j->vecs);
    hnsw_meta_t meta = {j->model, 0};
    bool published = false;
    pthread_rwlock_wrlock(&ix->lock);
    if (h && ix->model == j->model && ix->npend != SIZE_MAX) {
        int rc = 0;
        for (size_t i = 0; i < ix->npend && rc == 0; i++) {
            int64_t id = ix->pend[i];
            size_t sl = ix->nslots ? slot_of(ix, id) : 0;
            if (ix->nslots && ix->slots[sl])
                rc = hnsw_insert(h, id, ix->vecs + (ix->slots[sl] - 1) * (size_t)ix->dim);
            else
                hnsw_delete(h, id);
        }
        if (rc == 0) {
            hnsw_free(ix->hn); /* a rebuild replaces the graph with its tombstones */
            ix->hn = h;
            ix->hn_source = "built";
            meta.seq = ix->seq;
            published = true;
        }
    }
    free(ix->pend);
    ix->pend = NULL;
    ix->npend = ix->cappend = 0;
    ix->building = false;
    pthread_rwlock_unlock(&ix->lock);
    if (!published) {
        hnsw_free(h);
        free(j);
        return NULL;
    }
    /* saved with the model and a log position it holds at least: a
     * restarting node loads it and replays the log from there */
    char path[1100];
    hnsw_path(j->slot, path, sizeof path);
    if (mkdir(g_hnsw_dir, 0750) != 0 && errno != EEXIST)
        log_msg(LOG_SYSTEM, LOG_WARN, "search.hnsw_save", "无法创建向量图目录 %s：%s", g_hnsw_dir,
                strerror(errno));
    else if (hnsw_save(h, path, &meta) != 0)
        log_msg(LOG_SYSTEM, LOG_WARN, "search.hnsw_save", "向量图无法保存到 %s：%s", path, strerror(errno));
    log_msg(LOG_SYSTEM, LOG_INFO, "search.hnsw_built",
            "向量图（HNSW）已建成：%zu 个向量（模型 %lld），用时 %lld 毫秒", j->n, (long long)j->model,
            (long long)((time_mono_ns() - t0) / 1000000));
    free(j);
    return NULL;
}

/* under g_sync_mu: starts the builder when the index has crossed the
 * threshold without a graph, or its graph holds too many tombstones (more
 * than a quarter of its nodes) */
static void ix_maybe_build(vindex_t *ix, int slot)
{
    if (search_hnsw_threshold <= 0 || atomic_load(&g_stop))
        return;
    pthread_rwlock_rdlock(&ix->lock); /* the builder writes building and hn under it */
    bool need = !ix->building && ix->model &&
                (ix->hn ? hnsw_nodes(ix->hn) - hnsw_live(ix->hn) > hnsw_nodes(ix->hn) / 4
                        : ix->n >= (size_t)search_hnsw_threshold);
    pthread_rwlock_unlock(&ix->lock);
    if (!need)
        return;
    if (ix->joinable) { /* the previous builder has ended */
        pthread_join(ix->builder, NULL);
        ix->joinable = false;
    }
    bjob_t *j = calloc(1, sizeof *j);
    pthread_rwlock_wrlock(&ix->lock);
    if (j) {
        j->slot = slot;
        j->model = ix->model;
        j->dim = ix->dim;
        j->n = ix->n;
        j->ids = malloc((ix->n ? ix->n : 1) * sizeof *j->ids);
        j->vecs = malloc((ix->n ? ix->n : 1) * (size_t)ix->dim * sizeof *j->vecs);
    }
    if (j && j->ids && j->vecs) {
        memcpy(j->ids, ix->ids, ix->n * sizeof *j->ids);
        memcpy(j->vecs, ix->vecs, ix->n * (size_t)ix->dim * sizeof *j->vecs);
        ix->building = true;
        ix->npend = 0;
        if (pthread_create(&ix->builder, NULL, ix_builder, j) == 0) {
            ix->joinable = true;
            j = NULL;
        } else {
            ix->building = false;
        }
    }
    pthread_rwlock_unlock(&ix->lock);
    if (j) {
        free(j->ids);
        free(j->vecs);
        free(j);
    }
}

/* a saved graph of `model` for the freshly loaded flat index nx, caught up
 * with the log since its position; NULL (rebuilt in the background) when
 * there is none, it is corrupt, of another model, or the log no longer
 * reaches back to it */
static hnsw_t *ix_load_saved(db_conn_t *c, int slot, const vindex_t *nx)
{
    char path[1100], err[300];
    hnsw_path(slot, path, sizeof path);
    struct stat sb;
    if (!g_hnsw_dir[0] || search_hnsw_threshold <= 0 || stat(path, &sb) != 0)
        return NULL;
    hnsw_meta_t meta;
    hnsw_t *h = hnsw_load(path, &meta, err, sizeof err);
    if (!h) {
        log_msg(LOG_SYSTEM, LOG_WARN, "search.hnsw_refused", "已保存的向量图 %s 无效（%s）：重新构建", path,
                err);
        return NULL;
    }
    int64_t first = 0;
    if (meta.model != nx->model || hnsw_dim(h) != nx->dim ||
        db_query_int64(c, "SELECT COALESCE(MIN(seq), 0) FROM search_vec_log", &first) != 1 ||
        first > meta.seq + 1) {
        hnsw_free(h);
        return NULL;
    }
    db_stmt_t *st = db_prepare(c, "SELECT DISTINCT doc_id FROM search_vec_log WHERE seq > ? AND doc_id > 0");
    int r = DB_ERROR;
    size_t replayed = 0;
    float *cur = malloc((size_t)nx->dim * sizeof *cur);
    if (st && cur) {
        db_bind_int64(st, 1, meta.seq);
        while ((r = db_step(st)) == DB_ROW) {
            int64_t id = db_col_int64(st, 0);
            size_t sl = nx->nslots ? slot_of(nx, id) : 0;
            const float *v =
                nx->nslots && nx->slots[sl] ? nx->vecs + (nx->slots[sl] - 1) * (size_t)nx->dim : NULL;
            if (!v) {
                replayed += (size_t)hnsw_delete(h, id);
            } else if (hnsw_get(h, id, cur) != 1 || memcmp(cur, v, (size_t)nx->dim * sizeof *v)) {
                if (hnsw_insert(h, id, v) != 0) {
                    r = DB_ERROR;
                    break;
                }
                replayed++;
            }
        }
    }
    db_done(st);
    free(cur);
    /* the graph must hold exactly the flat index's documents */
    if (r != DB_DONE || hnsw_live(h) != nx->n) {
        log_msg(LOG_SYSTEM, LOG_WARN, "search.hnsw_refused",
                "已保存的向量图 %s 与索引不一致（%zu / %zu）：重新构建", path, hnsw_live(h), nx->n);
        hnsw_free(h);
        return NULL;
    }
    log_msg(LOG_SYSTEM, LOG_INFO, "search.hnsw_loaded", "向量图已从 %s 载入，并补做变更日志中的 %zu 项变更",
            path, replayed);
    return h;
}

void search_vec_init(const char *data_dir) { snprintf(g_hnsw_dir, sizeof g_hnsw_dir, "%s/search", data_dir); }

void search_vec_shutdown(void)
{
    atomic_store(&g_stop, true);
    for (int i = 0; i < 2; i++) {
        if (g_ixs[i].joinable)
            pthread_join(g_ixs[i].builder, NULL);
        g_ixs[i].joinable = false;
        pthread_rwlock_wrlock(&g_ixs[i].lock);
        ix_clear(&g_ixs[i], 0, 0);
        pthread_rwlock_unlock(&g_ixs[i].lock);
    }
    atomic_store(&g_stop, false);
}

/* brings index `slot` (0 local, 1 openai) up to the database: 0, or -1 on a
 * database error */
static int ix_sync(db_conn_t *c, int slot)
{
    int64_t model = 0;
    int dim = 0;
    if (slot == 0) {
        bool err;
        vmodel_t *m = model_get(c, &err);
        if (err)
            return -1;
        model = m ? m->id : 0;
        dim = m ? m->dim : 0;
        model_unref(m);
    } else if (oai_model(c, &model, &dim) != 0) {
        return -1;
    }
    vindex_t *const ix = &g_ixs[slot];
    pthread_mutex_lock(&g_sync_mu);
    int rc = 0;
    db_stmt_t *st;
    if (model != ix->model) { /* a new fit: load every vector */
        int64_t seq = 0;
        if (db_query_int64(c, "SELECT COALESCE(MAX(seq), 0) FROM search_vec_log", &seq) != 1) {
            pthread_mutex_unlock(&g_sync_mu);
            return -1;
        }
        vindex_t nx = {0};
        ix_clear(&nx, model, dim);
        st = db_prepare(c, "SELECT doc_id, vec FROM search_vectors WHERE model_id = ?");
        rc = st ? 0 : -1;
        if (st) {
            db_bind_int64(st, 1, model);
            int r;
            while ((r = db_step(st)) == DB_ROW) {
                size_t len;
                const void *p = db_col_blob(st, 1, &len);
                if (ix_set(&nx, db_col_int64(st, 0), p, len) != 0) {
                    r = DB_ERROR;
                    break;
                }
            }
            rc = r == DB_DONE ? 0 : -1;
        }
        db_done(st);
        if (rc == 0) {
            nx.seq = seq > LOG_MARGIN ? seq - LOG_MARGIN : 0;
            nx.loaded_at = time_now_ms();
            if (model && nx.n >= (size_t)(search_hnsw_threshold > 0 ? search_hnsw_threshold : 1) &&
                (nx.hn = ix_load_saved(c, slot, &nx)) != NULL)
                nx.hn_source = "disk";
            pthread_rwlock_wrlock(&ix->lock);
            ix_clear(ix, 0, 0);
            ix->model = nx.model;
            ix->dim = nx.dim;
            ix->seq = nx.seq;
            ix->loaded_at = nx.loaded_at;
            ix->ids = nx.ids;
            ix->vecs = nx.vecs;
            ix->slots = nx.slots;
            ix->n = nx.n;
            ix->cap = nx.cap;
            ix->nslots = nx.nslots;
            ix->hn = nx.hn;
            ix->hn_source = nx.hn_source;
            pthread_rwlock_unlock(&ix->lock);
        } else {
            ix_clear(&nx, 0, 0);
        }
    }
    if (rc == 0 && model) { /* catch up with the log */
        st =
            db_prepare(c, "SELECT l.seq, l.doc_id, v.vec FROM search_vec_log l LEFT JOIN search_vectors v ON "
                          "v.doc_id = l.doc_id AND v.model_id = ? WHERE l.seq > ? AND l.doc_id > 0 ORDER BY "
                          "l.seq");
        rc = -1;
        if (st) {
            db_bind_int64(st, 1, model);
            db_bind_int64(st, 2, ix->seq);
            int r;
            int64_t top = ix->seq + LOG_MARGIN;
            pthread_rwlock_wrlock(&ix->lock);
            while ((r = db_step(st)) == DB_ROW) {
                size_t len = 0;
                const void *p = db_col_is_null(st, 2) ? NULL : db_col_blob(st, 2, &len);
                int64_t seq = db_col_int64(st, 0);
                if (seq > top)
                    top = seq;
                if ((p ? ix_set(ix, db_col_int64(st, 1), p, len) : (ix_remove(ix, db_col_int64(st, 1)), 0)) !=
                    0) {
                    r = DB_ERROR;
                    break;
                }
            }
            if (r == DB_DONE) {
                ix->seq = top > LOG_MARGIN ? top - LOG_MARGIN : 0;
                rc = 0;
            }
            pthread_rwlock_unlock(&ix->lock);
        }
        db_done(st);
    }
    if (rc == 0)
        ix_maybe_build(ix, slot);
    pthread_mutex_unlock(&g_sync_mu);
    return rc;
}

static int cmp_hit(const void *a, const void *b)
{
    const search_vhit_t *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return (x->doc_id > y->doc_id) - (x->doc_id < y->doc_id);
}

/* the vectors of index ix with a positive dot product with qv, best first:
 * every one (the flat scan), or — when the graph is there and want is less
 * than the index — the graph's `want` best (*partial: there may be more) */
static int ix_rank(vindex_t *ix, int64_t model, const float *qv, size_t want, search_vhit_t **out, size_t *n,
                   bool *partial, bool *exact)
{
    int rc = 0;
    pthread_rwlock_rdlock(&ix->lock);
    if (ix->model == model && ix->hn && want && want < ix->n) {
        hnsw_hit_t *hh = malloc(want * sizeof *hh);
        search_vhit_t *h = malloc(want * sizeof *h);
        size_t k = 0;
        int ef = (int)search_hnsw_ef;
        hnsw_stats_t hs = {0};
        if (hh && h &&
            hnsw_search(ix->hn, qv, want, ef > (int)want ? ef : (int)want, NULL, NULL, 0, hh, &k, &hs) == 0) {
            *exact = hs.exact;
            size_t m = 0;
            for (size_t i = 0; i < k; i++)
                if (hh[i].score > 1e-6f)
                    h[m++] = (search_vhit_t){hh[i].id, hh[i].score > 1.0f ? 1.0 : hh[i].score};
            *partial = k == want && m == k;
            *out = h;
            *n = m;
            h = NULL;
        } else {
            rc = -1;
        }
        free(hh);
        free(h);
    } else if (ix->model == model && ix->n) {
        *exact = true;
        float *sc = malloc(ix->n * sizeof *sc);
        search_vhit_t *h = malloc(ix->n * sizeof *h);
        if (sc && h) {
            cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)ix->n, ix->dim, 1.0f, ix->vecs, ix->dim, qv, 1,
                        0.0f, sc, 1);
            size_t k = 0;
            for (size_t i = 0; i < ix->n; i++)
                if (sc[i] > 1e-6f)
                    h[k++] = (search_vhit_t){ix->ids[i], sc[i] > 1.0f ? 1.0 : sc[i]};
            qsort(h, k, sizeof *h, cmp_hit);
            *out = h;
            *n = k;
            h = NULL;
        } else {
            rc = -1;
        }
        free(sc);
        free(h);
    }
    pthread_rwlock_unlock(&ix->lock);
    return rc;
}

/* the openai side: q embedded by the service (one retry at most: a
 * request waits for it), ranked against the openai index */
static int oai_rank(db_conn_t *c, const char *q, size_t want, search_vhit_t **out, size_t *n, bool *partial,
                    bool *exact, bool *ready, char *why, size_t whylen)
{
    if (ix_sync(c, 1) != 0)
        return -1;
    int64_t model;
    int dim;
    if (oai_model(c, &model, &dim) != 0)
        return -1;
    if (!model || dim <= 0) {
        snprintf(why, whylen, "openai 向量服务尚未产生向量：结果来自关键词检索");
        return 0;
    }
    search_oai_t o;
    if (search_oai_load(c, &o) != 0)
        return -1;
    float *qv = malloc((size_t)dim * sizeof *qv);
    char err[400] = "";
    int rc = 0;
    o.dim = dim;
    if (!qv) {
        rc = -1;
    } else if (search_oai_embed(&o, &q, 1, qv, 1, err, sizeof err) != 0) {
        snprintf(why, whylen, "向量服务不可用（%s）：结果来自关键词检索", err);
    } else {
        *ready = true;
        rc = ix_rank(&g_ixs[1], model, qv, want, out, n, partial, exact);
    }
    search_oai_free(&o);
    free(qv);
    return rc;
}

int search_vec_rank(db_conn_t *c, const char *q, const char *provider, size_t want, search_vhit_t **out,
                    size_t *n, bool *partial, bool *exact, bool *ready, char *why, size_t whylen)
{
    *out = NULL;
    *n = 0;
    *partial = false;
    *exact = false;
    *ready = false;
    snprintf(why, whylen, "向量模型尚未训练：结果来自关键词检索（训练任务完成后自动启用向量检索）");
    if (provider && !strcmp(provider, "openai"))
        return oai_rank(c, q ? q : "", want, out, n, partial, exact, ready, why, whylen);
    if (ix_sync(c, 0) != 0)
        return -1;
    bool err;
    vmodel_t *m = model_get(c, &err);
    if (err)
        return -1;
    if (!m)
        return 0;
    *ready = true;
    char *tok = search_tokenize(q ? q : "", q ? strlen(q) : 0, NULL);
    float *qv = malloc((size_t)m->dim * sizeof *qv);
    bool ok = tok && qv && embed_tokens(m, tok, "", qv);
    free(tok);
    int rc = ok ? ix_rank(&g_ixs[0], m->id, qv, want, out, n, partial, exact) : 0;
    free(qv);
    model_unref(m);
    return rc;
}

static json_t *ix_json(int slot)
{
    vindex_t *ix = &g_ixs[slot];
    pthread_rwlock_rdlock(&ix->lock);
    json_t *o =
        json_pack("{s:s,s:I,s:I,s:I,s:o,s:I,s:b}", "type", ix->hn ? "hnsw" : "flat", "size",
                  (json_int_t)ix->n, "model_id", (json_int_t)ix->model, "log_seq", (json_int_t)ix->seq,
                  "loaded_at", ix->loaded_at ? json_time(ix->loaded_at) : json_null(), "hnsw_threshold",
                  (json_int_t)search_hnsw_threshold, "building", ix->building);
    if (ix->hn)
        json_object_set_new(o, "hnsw",
                            json_pack("{s:I,s:I,s:I,s:I,s:I,s:s}", "nodes", (json_int_t)hnsw_nodes(ix->hn),
                                      "live", (json_int_t)hnsw_live(ix->hn), "m", (json_int_t)HNSW_M,
                                      "ef_construction", (json_int_t)HNSW_EFC, "ef_search",
                                      (json_int_t)search_hnsw_ef, "source",
                                      ix->hn_source ? ix->hn_source : "built"));
    pthread_rwlock_unlock(&ix->lock);
    return o;
}

json_t *search_vec_oai_index(db_conn_t *c) { return ix_sync(c, 1) == 0 ? ix_json(1) : NULL; }

json_t *search_vec_status(db_conn_t *c)
{
    if (ix_sync(c, 0) != 0)
        return NULL;
    db_stmt_t *st = db_prepare(
        c, "SELECT m.id, m.provider, m.dim, m.nterms, m.ndocs, m.fit_ms, m.created_at, (SELECT "
           "COUNT(*) FROM search_vectors v WHERE v.model_id = m.id), (SELECT COUNT(*) FROM "
           "search_docs), m.singular FROM search_vec_models m WHERE m.provider = 'local' ORDER BY m.id DESC "
           "LIMIT 1");
    if (!st)
        return NULL;
    int r = db_step(st);
    json_t *o = NULL;
    if (r == DB_ROW) {
        o = json_pack("{s:I,s:s,s:I,s:I,s:I,s:I,s:o,s:I,s:I,s:o}", "model_id",
                      (json_int_t)db_col_int64(st, 0), "provider", db_col_text(st, 1), "dim",
                      (json_int_t)db_col_int64(st, 2), "terms", (json_int_t)db_col_int64(st, 3),
                      "fitted_docs", (json_int_t)db_col_int64(st, 4), "fit_ms",
                      (json_int_t)db_col_int64(st, 5), "fitted_at", json_time(db_col_int64(st, 6)), "vectors",
                      (json_int_t)db_col_int64(st, 7), "documents", (json_int_t)db_col_int64(st, 8),
                      "singular_values", json_parse_or_null(db_col_text(st, 9)));
    } else if (r == DB_DONE) {
        int64_t docs = 0;
        db_done(st);
        st = NULL;
        if (db_query_int64(c, "SELECT COUNT(*) FROM search_docs", &docs) != 1)
            return NULL;
        o = json_pack("{s:n,s:s,s:I,s:I,s:I,s:I,s:n,s:I,s:I,s:[]}", "model_id", "provider", "local", "dim",
                      (json_int_t)0, "terms", (json_int_t)0, "fitted_docs", (json_int_t)0, "fit_ms",
                      (json_int_t)0, "fitted_at", "vectors", (json_int_t)0, "documents", (json_int_t)docs,
                      "singular_values");
    }
    db_done(st);
    if (!o)
        return NULL;
    json_object_set_new(o, "index", ix_json(0));
    return o;
}

/* ---- the fit ---- */

typedef struct {
    int64_t *ids;
    size_t *rowp; /* CSR: row i is cols[rowp[i]..rowp[i+1]) */
    int32_t *cols;
    double *vals;
    size_t n, nnz;
} csr_t;

static double gauss(uint64_t *s)
{
    double u[2];
    for (int i = 0; i < 2; i++) {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        u[i] = ((double)(*s >> 11) + 0.5) / 9007199254740992.0;
    }
    return sqrt(-2.0 * log(u[0])) * cos(6.283185307179586 * u[1]);
}

/* orthonormal columns of a (rows × l, row-major) in place */
static int orth(double *a, size_t rows, size_t l)
{
    double *tau = malloc(l * sizeof *tau);
    if (!tau)
        return -1;
    int rc = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, (lapack_int)rows, (lapack_int)l, a, (lapack_int)l, tau);
    if (rc == 0)
        rc = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, (lapack_int)rows, (lapack_int)l, (lapack_int)l, a,
                            (lapack_int)l, tau);
    free(tau);
    return rc == 0 ? 0 : -1;
}

typedef struct {
    int64_t id;
    char *ttok, *btok;
} fdoc_t;

typedef struct {
    int32_t term;
    int32_t df;
} dfent_t;

static int cmp_df(const void *a, const void *b)
{
    const dfent_t *x = a, *y = b;
    if (x->df != y->df)
        return y->df - x->df;
    return x->term - y->term;
}

/* the step reported again every 2 s inside a long step: it also renews
 * the job's lease (job_progress), which a large corpus on a loaded machine
 * would outlive between two steps */
static void still(search_progress_fn progress, void *ud, int done, int64_t *last)
{
    int64_t now = time_mono_ns();
    if (progress && now - *last > 2000000000LL) {
        *last = now;
        progress(ud, done, 5);
    }
}

/* a page of documents in id order, for the fit */
typedef struct {
    int64_t id;
    bool local; /* embedded by the local provider (others: fitted on, not embedded) */
    bool tok;   /* t, b hold the tokens (else the title and body) */
    char *t, *b;
} frow_t;

#define FIT_PAGE 500

static void frows_free(frow_t *rows, int n)
{
    for (int i = 0; i < n; i++) {
        free(rows[i].t);
        free(rows[i].b);
        rows[i].t = rows[i].b = NULL;
    }
}

/* up to FIT_PAGE documents with an id above after (changed at or after since,
 * when not 0): on SQLite with the tokens the keyword index holds, on
 * PostgreSQL with their text (frow_tokens makes the tokens). The number
 * read, or -1. */
static int fit_page(db_conn_t *c, int64_t after, int64_t since, frow_t *rows)
{
    bool pg = db_dialect(db_of(c)) == DB_POSTGRES;
    db_stmt_t *st =
        db_prepare(c, pg ? "SELECT d.id, d.embedding, d.title, d.body FROM search_docs d WHERE d.id > ? "
                           "AND d.updated_at >= ? ORDER BY d.id LIMIT 500"
                         : "SELECT d.id, d.embedding, f.title, f.body FROM search_docs d CROSS JOIN "
                           "search_fts f ON f.rowid = d.id WHERE d.id > ? AND d.updated_at >= ? "
                           "ORDER BY d.id LIMIT 500");
    if (!st)
        return -1;
    db_bind_int64(st, 1, after);
    db_bind_int64(st, 2, since);
    int n = 0, r;
    while (n < FIT_PAGE && (r = db_step(st)) == DB_ROW) {
        const char *e = db_col_text(st, 1), *t = db_col_text(st, 2), *b = db_col_text(st, 3);
        frow_t *w = &rows[n++];
        w->id = db_col_int64(st, 0);
        w->local = !strcmp(e ? e : "local", "local");
        w->tok = !pg;
        w->t = strdup(t ? t : "");
        w->b = strdup(b ? b : "");
        if (!w->t || !w->b) {
            r = DB_ERROR;
            break;
        }
    }
    db_done(st);
    if (r == DB_ERROR) {
        frows_free(rows, n);
        return -1;
    }
    return n;
}

/* the page after the one in rows (freed first; *np 0 at the start), from
 * fit_page: its size, 0 at the end, -1 on an error */
static int fit_next(db_conn_t *c, int64_t since, frow_t *rows, int *np, int64_t *after)
{
    if (*np > 0) {
        *after = rows[*np - 1].id;
        frows_free(rows, *np);
    }
    *np = fit_page(c, *after, since, rows);
    return *np;
}

static bool frow_tokens(frow_t *w)
{
    if (w->tok)
        return true;
    char *t, *b;
    if (search_doc_tokens(w->t, w->b, &t, &b) != 0)
        return false;
    free(w->t);
    free(w->b);
    w->t = t;
    w->b = b;
    w->tok = true;
    return true;
}

/* the fitted model's vector of every local document in the page; each
 * into the stage (stage) or, in the final transaction, search_vectors
 * (*nvec: counts those embedded) */
static int embed_page(db_conn_t *c, const vmodel_t *m, frow_t *rows, int n, bool stage, float *vec,
                      int64_t *nvec)
{
    for (int i = 0; i < n; i++) {
        if (!rows[i].local)
            continue;
        if (!frow_tokens(&rows[i]))
            return -1;
        bool ok = embed_tokens(m, rows[i].t, rows[i].b, vec);
        if (!stage) { /* a document changed during the pass: as search_put would */
            if (put_vec(c, rows[i].id, m->id, ok ? vec : NULL, m->dim) != 0)
                return -1;
        } else if (ok) {
            db_stmt_t *st =
                db_prepare(c, "INSERT INTO search_vec_stage (model_id, doc_id, vec) VALUES (?, ?, ?)");
            if (!st)
                return -1;
            db_bind_int64(st, 1, m->id);
            db_bind_int64(st, 2, rows[i].id);
            db_bind_blob(st, 3, vec, (size_t)m->dim * sizeof *vec);
            int r = db_step(st);
            db_done(st);
            if (r != DB_DONE)
                return -1;
        }
        if (nvec)
            *nvec += ok;
    }
    return 0;
}

/* a fit that did not finish: its model row and staged vectors */
static void fit_abandon(db_conn_t *c, int64_t mid)
{
    (void)DB_EXEC_I64(c, "DELETE FROM search_vec_stage WHERE model_id = ?", mid);
    (void)DB_EXEC_I64(c, "DELETE FROM search_vec_models WHERE id = ? AND provider = 'fitting'", mid);
}

int search_vec_fit(db_t *db, const search_fit_opts_t *o, search_progress_fn progress, void *ud,
                   json_t **result, char *err, size_t errlen)
{
    int64_t t0 = time_mono_ns(), beat = t0;
    db_conn_t *c = db_acquire(db);
    if (!c) {
        snprintf(err, errlen, "no database connection");
        return -1;
    }
    int ret = -1;
    fdoc_t *docs = NULL;
    size_t nd = 0, cap = 0;
    strmap_t all = {0};
    int32_t *dfs = NULL, *remap = NULL;
    size_t ndfs = 0;
    dfent_t *ord = NULL;
    csr_t X = {0};
    double *omega = NULL, *Y = NULL, *Z = NULL, *B = NULL, *S = NULL, *U = NULL, *VT = NULL;
    float *proj = NULL, *vec = NULL;
    frow_t *page = calloc(FIT_PAGE, sizeof *page);
    int np = 0;
    char *svs = NULL;
    int64_t mid = 0, total = 0, seen = 0;
    sbuf_t terms;
    sbuf_init(&terms);
    vmodel_t m = {0};
    /* 1. the sample's tokens: every document, or o->sample of them evenly
     * spread over the ids when there are more */
    if (!page || db_query_int64(c, "SELECT COUNT(*) FROM search_docs", &total) != 1) {
        snprintf(err, errlen, "reading the documents: %s", page && db_errmsg(c) ? db_errmsg(c) : "no memory");
        goto out;
    }
    uint64_t want = o->sample > 0 && total > o->sample ? (uint64_t)o->sample : 0, n0 = (uint64_t)total;
    int64_t after = 0;
    while (fit_next(c, 0, page, &np, &after) > 0) {
        for (int i = 0; i < np; i++, seen++) {
            uint64_t s = (uint64_t)seen;
            if (want && s * want / n0 == (s + 1) * want / n0)
                continue;
            if (nd == cap) {
                fdoc_t *nd2 = realloc(docs, (cap = cap ? cap * 2 : 256) * sizeof *docs);
                if (!nd2)
                    goto nomem;
                docs = nd2;
            }
            if (!frow_tokens(&page[i]))
                goto nomem;
            docs[nd++] = (fdoc_t){.id = page[i].id, .ttok = page[i].t, .btok = page[i].b};
            page[i].t = page[i].b = NULL;
        }
        still(progress, ud, 0, &beat);
    }
    if (np < 0) {
        np = 0;
        snprintf(err, errlen, "reading the documents: %s", db_errmsg(c) ? db_errmsg(c) : "no memory");
        goto out;
    }
    if (progress)
        progress(ud, 1, 5);
    /* 2. document frequencies over every token */
    for (size_t i = 0; i < nd; i++) {
        still(progress, ud, 1, &beat);
        const char *lists[2] = {docs[i].ttok, docs[i].btok};
        for (int l = 0; l < 2; l++)
            for (const char *s = lists[l]; *s;) {
                const char *e = strchr(s, ' ');
                size_t len = e ? (size_t)(e - s) : strlen(s);
                if (len) {
                    int32_t k = strmap_add(&all, s, len, (int32_t)all.n);
                    if (k < 0)
                        goto nomem;
                    if ((size_t)k >= ndfs) {
                        size_t nc = ndfs ? ndfs * 2 : 4096;
                        while (nc <= (size_t)k)
                            nc *= 2;
                        int32_t *d2 = realloc(dfs, nc * 2 * sizeof *dfs); /* df, last doc + 1 */
                        if (!d2)
                            goto nomem;
                        memset(d2 + ndfs * 2, 0, (nc - ndfs) * 2 * sizeof *d2);
                        dfs = d2;
                        ndfs = nc;
                    }
                    if (dfs[k * 2 + 1] != (int32_t)i + 1) {
                        dfs[k * 2]++;
                        dfs[k * 2 + 1] = (int32_t)i + 1;
                    }
                }
                s += len;
                if (*s == ' ')
                    s++;
            }
    }
    /* 3. the vocabulary: the most frequent tokens seen in ≥ 2 documents
     * (any, in a tiny corpus), and in at most half of a large one */
    int32_t mindf = nd >= 50 ? 2 : 1, maxdf = nd >= 50 ? (int32_t)(nd / 2) : (int32_t)nd;
    ord = malloc((all.n ? all.n : 1) * sizeof *ord);
    remap = malloc((all.n ? all.n : 1) * sizeof *remap);
    if (!ord || !remap)
        goto nomem;
    size_t nv = 0;
    for (size_t k = 0; k < all.n; k++) {
        remap[k] = -1;
        if (dfs[k * 2] >= mindf && dfs[k * 2] <= maxdf)
            ord[nv++] = (dfent_t){(int32_t)k, dfs[k * 2]};
    }
    qsort(ord, nv, sizeof *ord, cmp_df);
    if (nv > (size_t)o->max_terms)
        nv = (size_t)o->max_terms;
    size_t l = (size_t)o->dim + 10;
    if (l > nd)
        l = nd;
    if (l > nv)
        l = nv;
    if (l < 2) {
        snprintf(err, errlen, "文档太少（%zu 篇，%zu 个可用词），无法训练向量模型", nd, nv);
        ret = -2;
        goto out;
    }
    m.nterms = nv;
    m.idf = malloc(nv * sizeof *m.idf);
    if (!m.idf)
        goto nomem;
    for (size_t k = 0; k < nv; k++)
        remap[ord[k].term] = (int32_t)k;
    for (size_t i = 0; i < all.cap; i++) { /* the model's own map: token → row */
        if (!all.keys[i] || remap[all.vals[i]] < 0)
            continue;
        int32_t row = remap[all.vals[i]];
        if (strmap_add(&m.terms, all.keys[i], strlen(all.keys[i]), row) < 0)
            goto nomem;
        m.idf[row] = (float)(log((1.0 + (double)nd) / (1.0 + (double)ord[row].df)) + 1.0);
    }
    { /* "token idf" lines in row order */
        char **names = calloc(nv, sizeof *names);
        if (!names)
            goto nomem;
        for (size_t i = 0; i < all.cap; i++)
            if (all.keys[i] && remap[all.vals[i]] >= 0)
                names[remap[all.vals[i]]] = all.keys[i];
        for (size_t k = 0; k < nv; k++)
            sbuf_printf(&terms, "%s %.6g\n", names[k], (double)m.idf[k]);
        free(names);
    }
    strmap_free(&all);
    /* 4. the TF-IDF rows, L2-normalised (CSR) */
    X.n = nd;
    X.ids = malloc((nd ? nd : 1) * sizeof *X.ids);
    X.rowp = calloc(nd + 1, sizeof *X.rowp);
    if (!X.ids || !X.rowp)
        goto nomem;
    size_t xcap = 0;
    for (size_t i = 0; i < nd; i++) {
        X.ids[i] = docs[i].id;
        const char *lists[2] = {docs[i].ttok, docs[i].btok};
        const int times[2] = {2, 1};
        int32_t *rows;
        size_t n = token_rows(&m.terms, lists, times, 2, &rows);
        if (!rows)
            goto nomem;
        size_t start = X.nnz;
        double norm = 0;
        for (size_t a = 0; a < n;) {
            size_t b = a;
            while (b < n && rows[b] == rows[a])
                b++;
            if (X.nnz == xcap) {
                xcap = xcap ? xcap * 2 : 65536;
                int32_t *c2 = realloc(X.cols, xcap * sizeof *c2);
                if (c2)
                    X.cols = c2;
                double *v2 = realloc(X.vals, xcap * sizeof *v2);
                if (v2)
                    X.vals = v2;
                if (!c2 || !v2) {
                    free(rows);
                    goto nomem;
                }
            }
            double w = (1.0 + log((double)(b - a))) * m.idf[rows[a]];
            X.cols[X.nnz] = rows[a];
            X.vals[X.nnz++] = w;
            norm += w * w;
            a = b;
        }
        free(rows);
        norm = sqrt(norm);
        for (size_t a = start; norm > 0 && a < X.nnz; a++)
            X.vals[a] /= norm;
        X.rowp[i + 1] = X.nnz;
        free(docs[i].ttok);
        free(docs[i].btok);
        docs[i].ttok = docs[i].btok = NULL;
    }
    if (progress)
        progress(ud, 2, 5);
    /* 5. randomised truncated SVD: Y = X Ω, two power iterations, B = Qᵀ X */
    omega = malloc(nv * l * sizeof *omega);
    Y = malloc(nd * l * sizeof *Y);
    Z = malloc(nv * l * sizeof *Z);
    if (!omega || !Y || !Z)
        goto nomem;
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < nv * l; i++)
        omega[i] = gauss(&seed);
    const double *W = omega;
    for (int it = 0; it < 3; it++) {
        still(progress, ud, 2, &beat);
        memset(Y, 0, nd * l * sizeof *Y);
        for (size_t i = 0; i < nd; i++)
            for (size_t a = X.rowp[i]; a < X.rowp[i + 1]; a++)
                cblas_daxpy((int)l, X.vals[a], W + (size_t)X.cols[a] * l, 1, Y + i * l, 1);
        if (orth(Y, nd, l) != 0)
            goto lapack;
        if (it == 2)
            break;
        memset(Z, 0, nv * l * sizeof *Z); /* Z = Xᵀ Q */
        for (size_t i = 0; i < nd; i++)
            for (size_t a = X.rowp[i]; a < X.rowp[i + 1]; a++)
                cblas_daxpy((int)l, X.vals[a], Y + i * l, 1, Z + (size_t)X.cols[a] * l, 1);
        if (orth(Z, nv, l) != 0)
            goto lapack;
        W = Z;
    }
    B = calloc(l * nv, sizeof *B); /* l × nv */
    S = malloc(l * sizeof *S);
    U = malloc(l * l * sizeof *U);
    VT = malloc(l * nv * sizeof *VT);
    if (!B || !S || !U || !VT)
        goto nomem;
    for (size_t i = 0; i < nd; i++)
        for (size_t a = X.rowp[i]; a < X.rowp[i + 1]; a++)
            cblas_daxpy((int)l, X.vals[a], Y + i * l, 1, B + (size_t)X.cols[a], (int)nv);
    if (LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', (lapack_int)l, (lapack_int)nv, B, (lapack_int)nv, S, U,
                       (lapack_int)l, VT, (lapack_int)nv) != 0)
        goto lapack;
    size_t k = (size_t)o->dim < l ? (size_t)o->dim : l;
    m.dim = (int)k;
    proj = malloc(nv * k * sizeof *proj);
    vec = malloc(k * sizeof *vec);
    if (!proj || !vec)
        goto nomem;
    for (size_t j = 0; j < nv; j++)
        for (size_t rr = 0; rr < k; rr++)
            proj[j * k + rr] = (float)VT[rr * nv + j];
    m.proj = proj;
    json_t *sv = json_array();
    for (size_t rr = 0; rr < k && rr < 16; rr++)
        json_array_append_new(sv, json_real(round(S[rr] * 1000.0) / 1000.0));
    svs = json_dumps(sv, JSON_COMPACT);
    json_decref(sv);
    if (!svs)
        goto nomem;
    /* the sample's matrices are done with: freed before the pass */
    free(X.ids);
    free(X.rowp);
    free(X.cols);
    free(X.vals);
    X = (csr_t){0};
    free(omega);
    free(Y);
    free(Z);
    free(B);
    free(U);
    free(VT);
    omega = Y = Z = B = U = VT = NULL;
    if (progress)
        progress(ud, 3, 5);
    /* 4. the model, not used yet (provider 'fitting'), and every document's
     * vector into the stage, a page per transaction: queries and writes go
     * on with the old model (fits abandoned by a crash: removed after 6 h) */
    int64_t now = time_now_ms(), nvec = 0; /* the new model's vectors, counted at the switch */
    if (DB_EXEC_I64(c,
                    "DELETE FROM search_vec_stage WHERE model_id IN (SELECT id FROM search_vec_models WHERE "
                    "provider = 'fitting' AND created_at < ?)",
                    now - 6 * 3600000LL) != 0 ||
        DB_EXEC_I64(c, "DELETE FROM search_vec_models WHERE provider = 'fitting' AND created_at < ?",
                    now - 6 * 3600000LL) != 0)
        goto dberr;
    db_stmt_t *st = db_prepare(c, "INSERT INTO search_vec_models (provider, dim, nterms, ndocs, terms, proj, "
                                  "singular, fit_ms, created_at) VALUES ('fitting', ?, ?, 0, ?, ?, ?, 0, ?) "
                                  "RETURNING id");
    if (!st)
        goto dberr;
    db_bind_int64(st, 1, (int64_t)k);
    db_bind_int64(st, 2, (int64_t)nv);
    db_bind_text(st, 3, terms.data ? terms.data : "");
    db_bind_blob(st, 4, proj, nv * k * sizeof *proj);
    db_bind_text(st, 5, svs);
    db_bind_int64(st, 6, now);
    if (db_step(st) == DB_ROW)
        mid = db_col_int64(st, 0);
    db_done(st);
    if (mid <= 0)
        goto dberr;
    m.id = mid;
    int64_t since = time_now_ms();
    after = 0;
    while (fit_next(c, 0, page, &np, &after) > 0) {
        if (db_begin(c) != 0)
            goto dberr;
        if (embed_page(c, &m, page, np, true, vec, NULL) != 0 || db_commit(c) != 0)
            goto dberr_tx;
        still(progress, ud, 3, &beat);
    }
    if (np < 0) {
        np = 0;
        goto dberr;
    }
    if (progress)
        progress(ud, 4, 5);
    /* 5. one transaction: the model in use, the staged vectors in place
     * (not over a document changed since the pass began: that one is
     * embedded again from its text here), the old model's vectors gone */
    if (db_begin(c) != 0)
        goto dberr;
    if (DB_EXEC_I64(
            c,
            "UPDATE search_vec_models SET provider = 'local', ndocs = (SELECT COUNT(*) FROM search_docs), "
            "fit_ms = ? WHERE id = ?",
            (time_mono_ns() - t0) / 1000000, mid) != 0)
        goto dberr_tx;
    st = db_prepare(c,
                    "INSERT INTO search_vectors (doc_id, model_id, vec, updated_at) SELECT s.doc_id, "
                    "s.model_id, s.vec, ? FROM search_vec_stage s JOIN search_docs d ON d.id = s.doc_id "
                    "WHERE s.model_id = ? AND d.updated_at < ? ON CONFLICT (doc_id) DO UPDATE SET model_id = "
                    "excluded.model_id, vec = excluded.vec, updated_at = excluded.updated_at");
    if (!st)
        goto dberr_tx;
    db_bind_int64(st, 1, time_now_ms());
    db_bind_int64(st, 2, mid);
    db_bind_int64(st, 3, since);
    int r = db_step(st);
    db_done(st);
    if (r != DB_DONE)
        goto dberr_tx;
    int64_t changed = 0;
    after = 0;
    while (fit_next(c, since, page, &np, &after) > 0)
        if (embed_page(c, &m, page, np, false, vec, &changed) != 0)
            goto dberr_tx;
    if (np < 0) {
        np = 0;
        goto dberr_tx;
    }
    if (DB_EXEC_I64(c,
                    "DELETE FROM search_vectors WHERE model_id <> ? AND model_id NOT IN (SELECT id FROM "
                    "search_vec_models WHERE provider = 'openai')",
                    mid) != 0 ||
        DB_EXEC_I64(c, "DELETE FROM search_vec_models WHERE id <> ? AND provider = 'local'", mid) != 0 ||
        DB_EXEC_I64(c, "DELETE FROM search_vec_stage WHERE model_id = ?", mid) != 0 ||
        db_query_int64(c,
                       "SELECT COUNT(*) FROM search_vectors WHERE model_id = (SELECT MAX(id) FROM "
                       "search_vec_models WHERE provider = 'local')",
                       &nvec) != 1 ||
        log_change(c, 0, mid) != 0)
        goto dberr_tx;
    /* the log keeps the last 100,000 changes: a replica further behind reloads */
    if (db_exec(c, "DELETE FROM search_vec_log WHERE seq < (SELECT MAX(seq) FROM search_vec_log) - 100000") !=
            0 ||
        db_commit(c) != 0)
        goto dberr_tx;
    /* PostgreSQL: planner statistics for the rewritten table now, not at
     * autovacuum's leisure (the scope check of the candidates needs them) */
    if (db_dialect(db) == DB_POSTGRES)
        (void)db_exec(c, "ANALYZE search_vectors, search_docs, search_doc_facets");
    if (progress)
        progress(ud, 5, 5);
    *result = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "model_id", (json_int_t)mid, "dim",
                        (json_int_t)k, "terms", (json_int_t)nv, "documents", (json_int_t)seen, "sampled",
                        (json_int_t)nd, "vectors", (json_int_t)nvec, "changed_during_fit",
                        (json_int_t)changed, "fit_ms", (json_int_t)((time_mono_ns() - t0) / 1000000));
    mid = 0; /* in use: not abandoned */
    ret = 0;
    goto out;
dberr_tx:
    snprintf(err, errlen, "storing the model: %s", db_errmsg(c) ? db_errmsg(c) : "?");
    db_rollback(c);
    goto out;
dberr:
    snprintf(err, errlen, "storing the model: %s", db_errmsg(c) ? db_errmsg(c) : "?");
    goto out;
lapack:
    snprintf(err, errlen, "LAPACK failed in the SVD");
    goto out;
nomem:
    snprintf(err, errlen, "out of memory");
out:
    if (mid > 0)
        fit_abandon(c, mid);
    frows_free(page, np);
    free(page);
    free(svs);
    for (size_t i = 0; i < nd; i++) {
        free(docs[i].ttok);
        free(docs[i].btok);
    }
    free(docs);
    strmap_free(&all);
    strmap_free(&m.terms);
    free(m.idf);
    free(dfs);
    free(remap);
    free(ord);
    free(X.ids);
    free(X.rowp);
    free(X.cols);
    free(X.vals);
    free(omega);
    free(Y);
    free(Z);
    free(B);
    free(S);
    free(U);
    free(VT);
    free(proj);
    free(vec);
    sbuf_free(&terms);
    db_release(c);
    return ret;
}

int64_t search_vector_model(db_conn_t *c) { return newest_model(c); }
