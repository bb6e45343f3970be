/* test_vecfit.c — the local provider's fit (vector.c, docs/search.md
 * § Vectors "Fit"): fitted on an evenly spread sample when the corpus is
 * larger, yet every document gets a vector; documents written, changed or
 * deleted while a fit runs end up as if written after it (their vector from
 * their current text, under the new model); nothing of the fit is left
 * behind (no 'fitting' model, an empty stage). SQLite through tu_db. */
#include "support/cm.h"

#include "modules/search/internal.h"
#include "support/testutil.h"
#include "text/normalize.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NDOCS 300

static db_t *g_db;
static char *g_dir;

static const char *const TOPIC[2][30] = {
    {"budget", "fees",   "salary",  "ratio",   "payment", "monthly",  "income", "levy",    "dues",  "rate",
     "tax",    "ledger", "account", "receipt", "bank",    "treasury", "audit",  "expense", "grant", "fund",
     "wage",   "bonus",  "pension", "invoice", "credit",  "debit",    "cash",   "price",   "cost",  "quota"},
    {"volunteer", "elderly", "meals",  "visit",  "community", "service", "care",   "neighbour",
     "clinic",    "lunch",   "escort", "chat",   "garden",    "clean",   "repair", "library",
     "youth",     "sports",  "music",  "dance",  "tea",       "walk",    "doctor", "nurse",
     "shopping",  "helper",  "friend", "family", "home",      "street"},
};
static const char *const FIXED = "volunteer elderly meals visit clinic lunch escort doctor";

static void put(db_conn_t *c, int64_t ref, const char *body)
{
    char title[32];
    snprintf(title, sizeof title, "doc %lld", (long long)ref);
    search_doc_t d = {.kind = "kb_chunk",
                      .ref_id = ref,
                      .org_id = 1,
                      .title = title,
                      .body = body,
                      .time_ms = 1,
                      .weight = 1,
                      .embedding = "local"};
    assert_int_equal(search_put(c, &d), 0);
}

static int setup(void **state)
{
    (void)state;
    char err[256];
    if (norm_init(err, sizeof err) != 0)
        return -1;
    g_db = tu_db(&g_dir);
    db_conn_t *c = db_acquire(g_db);
    uint64_t s = 42;
    char body[512];
    for (int64_t ref = 1; ref <= NDOCS; ref++) {
        int topic = (int)(ref % 2);
        body[0] = 0;
        for (int w = 0; w < 6; w++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            strcat(body, TOPIC[topic][(s >> 33) % 30]);
            strcat(body, " ");
        }
        put(c, ref, ref == 6 ? FIXED : body);
    }
    db_release(c);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    db_close(g_db);
    tu_rmrf(g_dir);
    free(g_dir);
    return 0;
}

/* the vector of the document ref (dim floats into v): its model, 0 when none */
static int64_t vec_of(int64_t ref, float *v, int dim)
{
    db_conn_t *c = db_acquire(g_db);
    db_stmt_t *st =
        db_prepare(c, "SELECT v.model_id, v.vec FROM search_vectors v JOIN search_docs d ON d.id = "
                      "v.doc_id WHERE d.kind = 'kb_chunk' AND d.ref_id = ?");
    assert_non_null(st);
    db_bind_int64(st, 1, ref);
    int64_t model = 0;
    if (db_step(st) == DB_ROW) {
        size_t len = 0;
        const void *p = db_col_blob(st, 1, &len);
        assert_int_equal(len, (size_t)dim * sizeof(float));
        memcpy(v, p, len);
        model = db_col_int64(st, 0);
    }
    db_done(st);
    db_release(c);
    return model;
}

static json_t *fit(int64_t sample, search_progress_fn progress)
{
    search_fit_opts_t o = {.dim = 8, .max_terms = 100, .sample = sample};
    json_t *r = NULL;
    char err[256] = "";
    int rc = search_vec_fit(g_db, &o, progress, NULL, &r, err, sizeof err);
    if (rc != 0)
        fail_msg("fit: %s", err);
    return r;
}

static int64_t jint(json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

static void a_sample_is_fitted_on_and_every_document_embedded(void **state)
{
    (void)state;
    json_t *r = fit(100, NULL);
    assert_int_equal(jint(r, "documents"), NDOCS);
    assert_int_equal(jint(r, "sampled"), 100);
    assert_int_equal(jint(r, "vectors"), NDOCS);
    assert_int_equal(tu_int(g_db, "SELECT COUNT(*) FROM search_vectors WHERE model_id = (SELECT MAX(id) FROM "
                                  "search_vec_models WHERE provider = 'local')"),
                     NDOCS);
    assert_int_equal(tu_int(g_db, "SELECT ndocs FROM search_vec_models WHERE provider = 'local'"), NDOCS);
    json_decref(r);
    r = fit(0, NULL); /* no sample: every document */
    assert_int_equal(jint(r, "sampled"), NDOCS);
    assert_int_equal(tu_int(g_db, "SELECT COUNT(*) FROM search_vec_models"), 1);
    json_decref(r);
}

/* between the pass and the final transaction: one document changed to the
 * text of another, one deleted, one added */
static bool during(void *ud, int64_t done, int64_t total)
{
    (void)ud;
    (void)total;
    if (done != 4)
        return true;
    db_conn_t *c = db_acquire(g_db);
    put(c, 5, FIXED);
    assert_int_equal(search_delete(c, "kb_chunk", 7), 0);
    put(c, 1000, FIXED);
    db_release(c);
    return true;
}

static double dot(const float *a, const float *b, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

static void documents_written_during_a_fit_get_the_new_models_vector_of_their_text(void **state)
{
    (void)state;
    json_t *r = fit(100, during);
    int64_t model = jint(r, "model_id");
    int dim = (int)jint(r, "dim");
    assert_true(dim > 0 && dim <= 8);
    assert_int_equal(jint(r, "changed_during_fit"), 2); /* 5 and 1000 */
    float v5[8], v6[8], v1000[8], v7[8];
    assert_int_equal(vec_of(6, v6, dim), model);
    assert_int_equal(vec_of(5, v5, dim), model);
    assert_int_equal(vec_of(1000, v1000, dim), model);
    assert_true(dot(v5, v6, dim) > 0.9999);    /* the text it has now, not the staged one */
    assert_true(dot(v1000, v6, dim) > 0.9999); /* added during the pass */
    assert_int_equal(vec_of(7, v7, dim), 0);   /* deleted during the pass */
    assert_int_equal(tu_int(g_db,
                            "SELECT COUNT(*) FROM search_vectors WHERE model_id <> (SELECT MAX(id) FROM "
                            "search_vec_models WHERE provider = 'local')"),
                     0);
    assert_int_equal(tu_int(g_db, "SELECT COUNT(*) FROM search_vec_models WHERE provider = 'fitting'"), 0);
    assert_int_equal(tu_int(g_db, "SELECT COUNT(*) FROM search_vec_stage"), 0);
    /* the replicas reload: the refit is in the change log */
    assert_int_equal(
        tu_int(g_db, "SELECT model_id FROM search_vec_log WHERE doc_id = 0 ORDER BY seq DESC LIMIT 1"),
        model);
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_sample_is_fitted_on_and_every_document_embedded),
        cmocka_unit_test(documents_written_during_a_fit_get_the_new_models_vector_of_their_text),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
