/* hnsw.h — an approximate nearest-neighbour index (Hierarchical Navigable
 * Small World graph, Malkov & Yashunin 2016) over L2-normalised float32
 * vectors scored by inner product (the same score as the flat index), keyed
 * by int64 ids (docs/search.md § The index).
 *
 * - incremental insert (an id inserted again replaces its vector: the old
 *   node becomes a tombstone), delete by tombstone; hnsw_compact builds a
 *   new graph of the live nodes (the periodic rebuild);
 * - search with an allow-filter: the graph is explored until k allowed
 *   results are found (tombstones and refused nodes are walked through,
 *   never returned) or the visit budget is spent, and then — or when the
 *   graph yielded fewer than k — an exact scan over the allowed live nodes
 *   answers, so a search never returns fewer than k allowed results when
 *   they exist;
 * - thread-safe: any number of concurrent searches and one writer (an
 *   internal rwlock); the writer may link a batch of vectors on several
 *   threads at once (hnsw_insert_many: per-node locks, as hnswlib);
 * - saved to / loaded from a file with the caller's model id and log
 *   sequence number and a checksum; the loader checks every size, count and
 *   neighbour (a corrupt file is refused, never trusted). */
#ifndef ZD_SEARCH_HNSW_H
#define ZD_SEARCH_HNSW_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hnsw hnsw_t;

typedef struct {
    int64_t id;
    float score; /* inner product */
} hnsw_hit_t;

/* true when the caller may see id */
typedef bool (*hnsw_allow_fn)(void *ud, int64_t id);

typedef struct {
    int64_t model; /* the caller's: the model the vectors come from */
    int64_t seq;   /* the caller's: the last change-log entry applied */
} hnsw_meta_t;

typedef struct {
    size_t visited; /* nodes whose score was computed in the graph */
    bool exact;     /* the exact scan answered */
} hnsw_stats_t;

/* dim 1–4096, M 2–64 (neighbours per node above layer 0; 2M at layer 0),
 * ef_construction ≥ M. NULL on bad parameters or no memory. */
hnsw_t *hnsw_new(int dim, int M, int ef_construction, uint64_t seed);
void hnsw_free(hnsw_t *h);

/* Adds id with vector v (dim floats), replacing its vector when present.
 * 0, or -1 on no memory. */
int hnsw_insert(hnsw_t *h, int64_t id, const float *v);
/* Adds n vectors at once (ids[i], row i of vecs), as n hnsw_insert calls
 * would (an id present, or twice in the batch, keeps its last vector), the
 * linking done by `threads` threads (≤ 0: hnsw_default_threads()) with
 * per-node locks; searches wait for the whole batch. stop (may be NULL) is
 * read between nodes: once true the call gives up. 0, or -1 on no memory or
 * when stopped (the index then holds unlinked nodes: free it). */
int hnsw_insert_many(hnsw_t *h, size_t n, const int64_t *ids, const float *vecs, int threads,
                     const atomic_bool *stop);
/* min(online cores, 4) */
int hnsw_default_threads(void);
/* The vector of live id into out (dim floats): 1, or 0 when absent. */
int hnsw_get(hnsw_t *h, int64_t id, float *out);
/* Tombstones id: 1 when it was present, 0 when not. */
int hnsw_delete(hnsw_t *h, int64_t id);

int hnsw_dim(const hnsw_t *h);
size_t hnsw_live(const hnsw_t *h);   /* ids searchable */
size_t hnsw_nodes(const hnsw_t *h);  /* nodes in the graph, tombstones included */
size_t hnsw_memory(const hnsw_t *h); /* bytes held */
/* live nodes reachable from the entry point through the layers' links (=
 * hnsw_live when the graph is whole): for tests and the benchmark */
size_t hnsw_reachable(hnsw_t *h);

/* The k best allowed live vectors for q (allow NULL: all), best first
 * (score descending, then id ascending), with ef ≥ k candidates explored;
 * max_visit (0: the number of nodes / 8) bounds the graph walk before the
 * exact scan takes over. *n results in out[k]. 0, or -1 on no memory. */
int hnsw_search(hnsw_t *h, const float *q, size_t k, int ef, hnsw_allow_fn allow, void *ud, size_t max_visit,
                hnsw_hit_t *out, size_t *n, hnsw_stats_t *stats);

/* The exact answer (every allowed live vector scored): for tests and the
 * benchmark's ground truth. */
int hnsw_exact(hnsw_t *h, const float *q, size_t k, hnsw_allow_fn allow, void *ud, hnsw_hit_t *out,
               size_t *n);

/* A new graph of h's live vectors (same parameters), NULL on no memory. */
hnsw_t *hnsw_compact(hnsw_t *h);

/* Writes h to path (through path.tmp, fsync, rename). 0 or -1 (errno). */
int hnsw_save(hnsw_t *h, const char *path, const hnsw_meta_t *meta);
/* Reads an index written by hnsw_save; NULL with the reason in err when the
 * file is missing, truncated, of another version, inconsistent or fails its
 * checksum. */
hnsw_t *hnsw_load(const char *path, hnsw_meta_t *meta, char *err, size_t errlen);
/* The checksum the file ends with: over its first len bytes. */
uint64_t hnsw_checksum(const void *buf, size_t len);
hnsw_t *hnsw_load_mem(const void *buf, size_t len, hnsw_meta_t *meta, char *err, size_t errlen);

#endif
