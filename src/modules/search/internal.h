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

/* ---- vectors (vector.c) ---- */
typedef struct {
    int64_t doc_id;
    double score; /* cosine similarity, 0–1 */
} search_vhit_t;
typedef struct {
    int dim;       /* dimensions kept (fewer when the corpus is smaller) */
    int max_terms; /* vocabulary size */
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
 * every one, exactly). 0 or -1. */
int search_vec_rank(db_conn_t *c, const char *q, const char *provider, size_t want, search_vhit_t **out,
                    size_t *n, bool *partial, bool *ready, char *why, size_t whylen);
/* DATA/search holds the saved graphs; the builder threads end at shutdown. */
void search_vec_init(const char *data_dir);
void search_vec_shutdown(void);
extern int64_t search_hnsw_threshold, search_hnsw_ef, search_hnsw_threads;
/* The model and this node's index: {model_id, dim, terms, vectors, documents, index{…}}; NULL on error. */
json_t *search_vec_status(db_conn_t *c);
/* This node's openai index, caught up: {type, size, model_id, log_seq, loaded_at}; NULL on error. */
json_t *search_vec_oai_index(db_conn_t *c);
/* Fits the local provider on every document and stores the model and the
 * vectors in one transaction. 0; -2 when the corpus is too small; -1 with a
 * reason in err. *result: {model_id, dim, terms, documents, vectors, fit_ms}. */
int search_vec_fit(db_t *db, const search_fit_opts_t *o, search_progress_fn progress, void *ud,
                   json_t **result, char *err, size_t errlen);
int search_vector_routes(zd_app_t *app, char *err, size_t errlen);
int search_job_vector_fit(job_ctx_t *ctx);
extern int64_t search_vector_dim, search_vector_terms;

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
