/* sqlite_bm25.c — the FTS5 auxiliary function bm25_len(fts, len, w0, w1, …):
 * FTS5's own bm25() (same formula, same arithmetic in the same order: the
 * same scores to the last bit), except that the row's length in tokens is
 * an argument instead of a look-up. bm25() reads the length from the
 * table's %_docsize with a statement per matching row; a query that joins
 * the matches to a covering index holding the length pays that look-up for
 * nothing (docs/search.md "The cost of a keyword query"). len NULL: the
 * look-up, as bm25() does. w0, w1, …: the column weights (1.0 when absent).
 *
 * Registered on every SQLite connection (db_sqlite.c). */
#include "core/sqlite_bm25.h"
#include <math.h>
#include <stdlib.h>

typedef struct {
    int nphrase;
    double avgdl;
    double *idf, *freq; /* nphrase each (one block) */
} bm25_data_t;

static int count_cb(const Fts5ExtensionApi *api, Fts5Context *fts, void *ud)
{
    (void)api;
    (void)fts;
    (*(sqlite3_int64 *)ud)++;
    return SQLITE_OK;
}

static void data_free(void *p)
{
    bm25_data_t *d = p;
    if (d) {
        free(d->idf);
        free(d);
    }
}

/* the query's constants, computed for its first row: the average length and
 * each phrase's IDF (as fts5Bm25GetData) */
static int query_data(const Fts5ExtensionApi *api, Fts5Context *fts, bm25_data_t **out)
{
    bm25_data_t *d = api->xGetAuxdata(fts, 0);
    if (d) {
        *out = d;
        return SQLITE_OK;
    }
    int n = api->xPhraseCount(fts);
    d = calloc(1, sizeof *d);
    if (!d)
        return SQLITE_NOMEM;
    d->nphrase = n;
    d->idf = calloc((size_t)(n > 0 ? n : 1) * 2, sizeof *d->idf);
    if (!d->idf) {
        free(d);
        return SQLITE_NOMEM;
    }
    d->freq = d->idf + n;
    sqlite3_int64 nrow = 0, ntok = 0;
    int rc = api->xRowCount(fts, &nrow);
    if (rc == SQLITE_OK)
        rc = api->xColumnTotalSize(fts, -1, &ntok);
    if (rc == SQLITE_OK)
        d->avgdl = (double)ntok / (double)nrow;
    for (int i = 0; rc == SQLITE_OK && i < n; i++) {
        sqlite3_int64 hit = 0;
        rc = api->xQueryPhrase(fts, i, &hit, count_cb);
        if (rc == SQLITE_OK) {
            double idf = log((nrow - hit + 0.5) / (hit + 0.5));
            d->idf[i] = idf <= 0.0 ? 1e-6 : idf;
        }
    }
    if (rc != SQLITE_OK) {
        data_free(d);
        return rc;
    }
    rc = api->xSetAuxdata(fts, d, data_free); /* frees d itself on failure */
    if (rc == SQLITE_OK)
        *out = d;
    return rc;
}

static void bm25_len(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval,
                     sqlite3_value **val)
{
    const double k1 = 1.2, b = 0.75;
    bm25_data_t *d = NULL;
    int ninst = 0, rc = query_data(api, fts, &d);
    if (rc == SQLITE_OK) {
        for (int i = 0; i < d->nphrase; i++)
            d->freq[i] = 0.0;
        rc = api->xInstCount(fts, &ninst);
    }
    for (int i = 0; rc == SQLITE_OK && i < ninst; i++) {
        int ip, ic, io;
        rc = api->xInst(fts, i, &ip, &ic, &io);
        if (rc == SQLITE_OK)
            d->freq[ip] += nval > ic + 1 ? sqlite3_value_double(val[ic + 1]) : 1.0;
    }
    double len = 0;
    if (rc == SQLITE_OK) {
        if (nval > 0 && sqlite3_value_type(val[0]) != SQLITE_NULL) {
            len = (double)sqlite3_value_int(val[0]);
        } else {
            int ntok = 0;
            rc = api->xColumnSize(fts, -1, &ntok);
            len = (double)ntok;
        }
    }
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    double score = 0.0;
    for (int i = 0; i < d->nphrase; i++)
        score += d->idf[i] * ((d->freq[i] * (k1 + 1.0)) / (d->freq[i] + k1 * (1 - b + b * len / d->avgdl)));
    sqlite3_result_double(ctx, -1.0 * score);
}

int sqlite_bm25_register(sqlite3 *h)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(h, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    (void)sqlite3_step(st);
    sqlite3_finalize(st);
    if (!api || api->iVersion < 2)
        return -1;
    return api->xCreateFunction(api, "bm25_len", NULL, bm25_len, NULL) == SQLITE_OK ? 0 : -1;
}

size_t sqlite_bm25_tokens(const char *s)
{
    size_t n = 0;
    bool in = false;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        bool tok =
            *p >= 0x80 || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z');
        n += tok && !in;
        in = tok;
    }
    return n;
}
