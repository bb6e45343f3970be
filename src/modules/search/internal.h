/* internal.h — what the search module's own files share. */
#ifndef ZD_MOD_SEARCH_INTERNAL_H
#define ZD_MOD_SEARCH_INTERNAL_H
#include "auth/resource.h"
#include "jobs/jobs.h"
#include "modules/module.h"
#include "modules/search/search.h"
#include <stdint.h>

#define SEARCH_MAX_KINDS 32
#define SEARCH_MAX_RUNS  16 /* runs of a query beyond these are ignored */

/* The registered kinds, in registration order; *n gets their number. */
const search_kind_t *const *search_kinds(size_t *n);

/* A query's runs of normalised characters: Chinese runs (matched by their
 * bigrams, a single character as a prefix) and Latin words / numbers. */
typedef struct {
    uint32_t *cps;
    size_t n;
    bool cjk;
} search_run_t;
typedef struct {
    search_run_t *runs;
    size_t nruns;
} search_terms_t;

/* Parses q (normalised like the index). 0, or -1 for malformed UTF-8;
 * free with search_terms_free (NULL-safe). */
int search_terms_parse(const char *q, search_terms_t *out);
void search_terms_free(search_terms_t *t);
/* The match expression of the terms: FTS5 ("党建" AND "建工" AND "党"*) or
 * PostgreSQL tsquery ('党建' & '建工' & '党':*). malloc'd; *nterms gets the
 * number of terms (0: nothing to match). */
char *search_terms_expr(const search_terms_t *t, bool pg, size_t *nterms);
/* The runs as strings (what the console highlights). New reference. */
json_t *search_terms_json(const search_terms_t *t);
/* text HTML-escaped with the terms' matches in <mark>…</mark>; window > 0:
 * about that many characters around the first match, "…" where cut.
 * malloc'd. */
char *search_highlight(const char *text, const search_terms_t *t, size_t window);

/* ---- near-miss matching (fuzzy.c) ---- */
#define SEARCH_EDIT_MAX_CHARS 64 /* longer strings are never within a bounded distance here */
#define SEARCH_FUZZY_CJK_MAX  4  /* a Chinese run of 2–4 characters is expanded */
/* The edit distance of a and b (code points): insertions, deletions,
 * substitutions and swaps of two neighbours (optimal string alignment),
 * or max + 1 when it is larger than max (computed only that far). */
int search_edit_distance(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, int max);
/* The same on UTF-8 strings of at most SEARCH_EDIT_MAX_CHARS characters;
 * -1 for malformed UTF-8 or longer strings. */
int search_edit_distance_utf8(const char *a, size_t na, const char *b, size_t nb, int max);
/* The distance a run may be expanded by: 1 for a Chinese run of 2–4
 * characters and a Latin word (a–z) of 4–5 letters, 2 for 6–32 letters,
 * 0: never expanded. */
int search_fuzzy_max_distance(const uint32_t *cps, size_t n, bool cjk);

/* The vocabulary (docs/search.md § Near misses): held in memory by each
 * node, never written by the indexer. Loaded from the index (SQLite's
 * fts5vocab, PostgreSQL's ts_stat) in a background thread, then caught up
 * from search_docs (new ids) and search_vec_log (changed documents) at
 * every call of search_fuzzy_sync and once a second by that thread.
 * search_fuzzy_start: the server starts that thread when it starts, so
 * that the first short query does not wait for the load.
 * search_fuzzy_sync: 1 when the vocabulary is loaded and caught up (a
 * first call without the thread starts the loading and waits for it up to
 * 2 s), 0 while it is still loading, -1 on a database error. */
void search_fuzzy_start(db_t *db);
int search_fuzzy_sync(db_conn_t *c);
/* Ends the feeding thread (the module's shutdown). */
void search_fuzzy_shutdown(void);
/* The run's df in the vocabulary (a Chinese run: the smallest df of its
 * bigrams); 0 when a term is unknown. */
int64_t search_fuzzy_df(const search_run_t *r);
#define SEARCH_FUZZY_CAND_CHARS 32 /* the longest run expanded (a Latin word) */
typedef struct {
    uint32_t cps[SEARCH_FUZZY_CAND_CHARS];
    size_t n;
    int dist;
    int word;   /* 1: a word the segmenter found in the index (a Chinese run of 3–4), ranked first */
    int ldiff;  /* |length − the run's length|: at the same distance a replaced character comes first */
    int64_t df; /* documents (for a Chinese run: the smallest df of its bigrams, or the word's) */
} search_cand_t;
/* The vocabulary's runs within the run's distance, best first (distance,
 * segmenter words, then df, then the text); malloc'd. 0 or -1 (memory). */
int search_fuzzy_candidates(const search_run_t *r, search_cand_t **out, size_t *n);

/* A query's expansion: the query's runs and every expansion (what is
 * highlighted), [{from, to, distance}], and the match expression with the
 * alternatives (NULL: nothing expanded). */
typedef struct {
    search_terms_t all;
    json_t *expanded;
    char *expr;
} search_fuzzy_t;
void search_fuzzy_free(search_fuzzy_t *f);
/* Does any document in the caller's scope and filters match expr? 1, 0, -1. */
typedef int (*search_scope_fn)(void *ud, const char *expr);
/* When the query is short (at most 3 runs) and its exact terms find fewer
 * than 3 documents in scope (exact_total): each of its runs not in the
 * vocabulary (when every run is known: each, to neighbours in ≥ 4 × its
 * documents) gets up to 3 of the vocabulary's nearest runs (at most 12
 * tried) — only those in_scope finds, so an expansion never tells of
 * another district's words. 0 (f->expr NULL: nothing expanded) or -1. */
int search_fuzzy_expand(db_conn_t *c, const search_terms_t *t, bool enabled, bool pg, int64_t exact_total,
                        search_scope_fn in_scope, void *ud, search_fuzzy_t *f);

/* The in-memory vocabulary itself (the bench fills one directly). */
typedef struct search_vocab search_vocab_t;
search_vocab_t *search_vocab_new(void);
void search_vocab_free(search_vocab_t *v);
/* Adds one token (space-free, normalised) with df delta; tokens the
 * vocabulary does not keep are ignored. only_new: only an unknown token is
 * added (df 1). 0 or -1 (memory). */
int search_vocab_add(search_vocab_t *v, const char *tok, size_t n, int64_t delta, bool only_new);
/* Adds a document's distinct tokens (a space-separated token string) with
 * df + 1 each (only_new: only the unknown ones). 0 or -1. */
int search_vocab_add_doc(search_vocab_t *v, const char *tokens, bool only_new);
/* Installs v as this node's vocabulary (the old one is freed), loaded. */
void search_vocab_install(search_vocab_t *v);
/* {terms, cjk_bigrams, cjk_words, latin_words, keys, bytes}. New reference. */
json_t *search_vocab_stats(const search_vocab_t *v);
/* This node's vocabulary: the stats and {ready, max_doc_id, log_seq, loaded_at, docs_fed}. */
json_t *search_fuzzy_status(void);

/* ---- vectors (vector.c) ---- */
typedef struct {
    int64_t doc_id;
    double score; /* cosine similarity, 0–1 */
} search_vhit_t;
typedef struct {
    int dim;        /* dimensions kept (fewer when the corpus is smaller) */
    int max_terms;  /* vocabulary size */
    int64_t sample; /* documents fitted on, at most (evenly spread; 0: all); every one is embedded */
} search_fit_opts_t;

/* After the document doc was written (its title / body tokens): its vector
 * under the newest model (none when skip, or no token is known), and a log
 * entry for the replicas. *embedded says whether it has a vector. 0 or -1. */
int search_vec_put(db_conn_t *c, int64_t doc, const char *ttok, const char *btok, bool skip, bool *embedded);
/* Stores (v non-NULL) or drops the vector of doc under model and logs the
 * change for the replicas. 0 or -1. */
int search_vec_store(db_conn_t *c, int64_t doc, int64_t model, const float *v, int dim);
int search_vec_delete(db_conn_t *c, int64_t doc);
/* The documents with a positive cosine similarity to q under provider
 * ("local" or "openai"), best first (malloc'd; *ready false when that
 * provider has no model yet or could not embed q: why says so): every one
 * (the flat scan), or, when the index has its HNSW graph and want (> 0) is
 * smaller than the index, the graph's approximate `want` best with
 * *partial true when more may exist (ask again with a larger want; want 0:
 * every one, exactly). *exact: the exact scan answered (asked, no graph,
 * or the graph's walk found fewer than want). 0 or -1. */
int search_vec_rank(db_conn_t *c, const char *q, const char *provider, size_t want, search_vhit_t **out,
                    size_t *n, bool *partial, bool *exact, bool *ready, char *why, size_t whylen);
/* DATA/search holds the saved graphs; the builder threads end at shutdown. */
void search_vec_init(const char *data_dir);
void search_vec_shutdown(void);
extern int64_t search_hnsw_threshold, search_hnsw_ef, search_hnsw_threads;
/* The model and this node's index: {model_id, dim, terms, vectors, documents, index{…}}; NULL on error. */
json_t *search_vec_status(db_conn_t *c);
/* This node's openai index, caught up: {type, size, model_id, log_seq, loaded_at}; NULL on error. */
json_t *search_vec_oai_index(db_conn_t *c);
/* Fits the local provider on every document (or o->sample of them), embeds
 * every document into a stage a page per transaction, then puts the model and
 * the vectors in use in one transaction. 0; -2 when the corpus is too small;
 * -1 with a reason in err. *result: {model_id, dim, terms, documents,
 * sampled, vectors, changed_during_fit, fit_ms}. */
int search_vec_fit(db_t *db, const search_fit_opts_t *o, search_progress_fn progress, void *ud,
                   json_t **result, char *err, size_t errlen);
int search_vector_routes(zd_app_t *app, char *err, size_t errlen);
int search_job_vector_fit(job_ctx_t *ctx);
extern int64_t search_vector_dim, search_vector_terms, search_vector_sample;

/* ---- the openai provider (openai.c, embed_api.c) ---- */
typedef struct {
    char url[512];
    char *key; /* opened from its seal, or NULL */
    char model[128];
    int dim, batch, timeout_ms, retries;
    double rate; /* requests per second */
    char index_provider[8];
} search_oai_t;
/* The settings (search_embed_settings): 0 or -1; free with search_oai_free. */
int search_oai_load(db_conn_t *c, search_oai_t *o);
void search_oai_free(search_oai_t *o);
/* The model row of the current settings (url|model|dim), 0 when none;
 * create: make it in the caller's transaction. -1 on a database error. */
int64_t search_oai_model(db_conn_t *c, bool create);
/* Embeds n texts into out (n × o->dim floats, L2-normalised) with retries
 * (at most max_retries, -1: the settings'), backoff and the rate limit.
 * 0, or -1 with a Chinese reason in err. */
int search_oai_embed(const search_oai_t *o, const char *const *texts, size_t n, float *out, int max_retries,
                     char *err, size_t errlen);
int search_embed_routes(zd_app_t *app, char *err, size_t errlen);
int search_job_embed(job_ctx_t *ctx);
/* Queues the job search.embed (at most one per few seconds). 0 or -1. */
int search_embed_kick(db_conn_t *c);

/* zhendi search rebuild [KIND] */
int search_cli_run(const config_t *cfg, int argc, char **argv);
int search_query_routes(zd_app_t *app, char *err, size_t errlen);

#endif
