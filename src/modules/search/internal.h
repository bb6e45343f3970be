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
int search_vec_delete(db_conn_t *c, int64_t doc);
/* Every document with a positive cosine similarity to q, best first
 * (malloc'd; *ready false when no model has been fitted yet). 0 or -1. */
int search_vec_rank(db_conn_t *c, const char *q, search_vhit_t **out, size_t *n, bool *ready);
/* The model and this node's index: {model_id, dim, terms, vectors, documents, index{…}}; NULL on error. */
json_t *search_vec_status(db_conn_t *c);
/* Fits the local provider on every document and stores the model and the
 * vectors in one transaction. 0; -2 when the corpus is too small; -1 with a
 * reason in err. *result: {model_id, dim, terms, documents, vectors, fit_ms}. */
int search_vec_fit(db_t *db, const search_fit_opts_t *o, search_progress_fn progress, void *ud,
                   json_t **result, char *err, size_t errlen);
int search_vector_routes(zd_app_t *app, char *err, size_t errlen);
int search_job_vector_fit(job_ctx_t *ctx);
extern int64_t search_vector_dim, search_vector_terms;

/* zhendi search rebuild [KIND] */
int search_cli_run(const config_t *cfg, int argc, char **argv);
int search_query_routes(zd_app_t *app, char *err, size_t errlen);

#endif
