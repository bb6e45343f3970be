/* bench_hnsw — the approximate vector index (src/modules/search/hnsw.c)
 * against the exact flat scan on synthetic clustered vectors
 * (docs/benchmarks.md § Search: the HNSW index).
 *
 * Vectors: `clusters` centres drawn N(0, 1) in `dim` dimensions; each point
 * is its centre plus noise inside a 16-dimensional subspace of its own
 * cluster (σ 0.6) plus isotropic noise (σ 0.15), L2-normalised — synthetic,
 * not the local model's vectors (a 1,000,000-chunk corpus could not be
 * embedded in the time). Queries come from the same distribution and are
 * not in the index.
 *
 * The exact answers come from a separate flat matrix scanned with
 * cblas_sgemv, as the replica (vector.c) does.
 * Reports: build time (one thread, or hnsw_insert_many's threads) and rate, memory of the
 * graph and of the flat matrix, save / load time and file size, then for the
 * flat scan (cblas_sgemv + a top-10 heap, and the replica's full ranking:
 * every positive score sorted) and for HNSW at each ef: query p50 / p95 and
 * recall@10 against the exact answer.
 * Usage: build/bench_hnsw [n=1000000] [queries=500] [M=16] [ef_construction=100]
 *        [dim=128] [file to save to, or -] [threads=1: hnsw_insert_many above 1]
 *        [file of real vectors: float32 rows of dim, the first `queries` rows
 *        the queries, the next n the index (bench/search-vectors-dump.mjs)] */
#include "core/timeutil.h"
#include "modules/search/hnsw.h"
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define SUB 16

static uint64_t rng = 0x2545F4914F6CDD1Dull;

static double urand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(void) { return sqrt(-2.0 * log(urand())) * cos(6.283185307179586 * urand()); }

typedef struct {
    int dim, nc;
    float *centre; /* nc × dim */
    float *basis;  /* nc × SUB × dim */
} gen_t;

static void gen_point(const gen_t *g, float *out)
{
    int c = (int)(urand() * g->nc);
    const float *ce = g->centre + (size_t)c * (size_t)g->dim,
                *b = g->basis + (size_t)c * SUB * (size_t)g->dim;
    for (int d = 0; d < g->dim; d++)
        out[d] = ce[d] + (float)(0.15 * gauss());
    for (int s = 0; s < SUB; s++) {
        float w = (float)(0.6 * gauss());
        for (int d = 0; d < g->dim; d++)
            out[d] += w * b[(size_t)s * (size_t)g->dim + d];
    }
    float n = cblas_snrm2(g->dim, out, 1);
    cblas_sscal(g->dim, 1.0f / n, out, 1);
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void pct(double *v, size_t n, double *p50, double *p95)
{
    qsort(v, n, sizeof *v, cmpd);
    *p50 = v[n / 2];
    *p95 = v[(size_t)((double)n * 0.95)];
}

typedef struct {
    int64_t id;
    double score;
} flat_hit_t;

static int cmp_flat(const void *a, const void *b)
{
    const flat_hit_t *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return (x->id > y->id) - (x->id < y->id);
}

static long rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 1000000, nq = argc > 2 ? (size_t)atol(argv[2]) : 500;
    int M = argc > 3 ? atoi(argv[3]) : 16, efc = argc > 4 ? atoi(argv[4]) : 100,
        dim = argc > 5 ? atoi(argv[5]) : 128;
    const char *file = argc > 6 && strcmp(argv[6], "-") ? argv[6] : NULL;
    int threads = argc > 7 ? atoi(argv[7]) : 1;
    const char *real = argc > 8 ? argv[8] : NULL; /* float32 rows of dim: queries first, then the index */
    gen_t g = {.dim = dim, .nc = 1000};
    g.centre = malloc((size_t)g.nc * (size_t)dim * sizeof(float));
    g.basis = malloc((size_t)g.nc * SUB * (size_t)dim * sizeof(float));
    for (size_t i = 0; i < (size_t)g.nc * (size_t)dim; i++)
        g.centre[i] = (float)gauss();
    for (size_t i = 0; i < (size_t)g.nc * SUB * (size_t)dim; i++)
        g.basis[i] = (float)(gauss() / sqrt((double)dim) * 4.0);
    float *q = malloc(nq * (size_t)dim * sizeof *q), *v = malloc((size_t)dim * sizeof *v);
    FILE *rf = NULL;
    if (real) { /* real vectors: the first nq rows are the queries, the next n the index */
        rf = fopen(real, "rb");
        if (!rf || fread(q, sizeof *q * (size_t)dim, nq, rf) != nq) {
            fprintf(stderr, "%s: fewer than %zu rows of %d floats\n", real, nq, dim);
            return 1;
        }
    } else {
        for (size_t i = 0; i < nq; i++)
            gen_point(&g, q + i * (size_t)dim);
    }
    printf("bench_hnsw: n=%zu dim=%d queries=%zu M=%d ef_construction=%d threads=%d (%s)\n", n, dim, nq, M,
           efc, threads, real ? real : "synthetic clustered vectors");
    char load[128] = "?";
    FILE *la = fopen("/proc/loadavg", "r");
    if (la) {
        if (!fgets(load, sizeof load, la))
            snprintf(load, sizeof load, "?");
        fclose(la);
        load[strcspn(load, "\n")] = 0;
    }
    printf("load average at start: %s (%ld cores)\n", load, sysconf(_SC_NPROCESSORS_ONLN));
    hnsw_t *h = hnsw_new(dim, M, efc, 12345);
    float *mat = malloc(n * (size_t)dim * sizeof *mat); /* the flat index's matrix */
    if (!mat) {
        fprintf(stderr, "no memory\n");
        return 1;
    }
    if (rf) {
        size_t got = fread(mat, sizeof *mat * (size_t)dim, n, rf);
        fclose(rf);
        if (got < n) {
            printf("(the file holds %zu index rows: n=%zu)\n", got, got);
            n = got;
        }
    } else {
        for (size_t i = 0; i < n; i++)
            gen_point(&g, mat + i * (size_t)dim);
    }
    int64_t *ids = malloc(n * sizeof *ids);
    for (size_t i = 0; i < n; i++)
        ids[i] = (int64_t)i + 1;
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    int64_t t0 = time_mono_ns();
    /* in batches of 100,000 (as the product's builder: hnsw_insert_many),
     * one thread: hnsw_insert one by one */
    for (size_t i = 0; i < n; i += 100000) {
        size_t m = n - i < 100000 ? n - i : 100000;
        int rc = 0;
        if (threads > 1)
            rc = hnsw_insert_many(h, m, ids + i, mat + i * (size_t)dim, threads, NULL);
        else
            for (size_t j = i; j < i + m && rc == 0; j++)
                rc = hnsw_insert(h, ids[j], mat + j * (size_t)dim);
        if (rc != 0) {
            fprintf(stderr, "insert failed (no memory?)\n");
            return 1;
        }
        fprintf(stderr, "  %zu inserted, %.1f s\n", i + m, (double)(time_mono_ns() - t0) / 1e9);
    }
    free(ids);
    double build = (double)(time_mono_ns() - t0) / 1e9;
    getrusage(RUSAGE_SELF, &ru1);
    double cpu =
        (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec + ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
        (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec + ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) /
            1e6;
    size_t flat = n * (size_t)dim * sizeof(float) + n * sizeof(int64_t);
    FILE *lb = fopen("/proc/loadavg", "r");
    if (lb) {
        if (!fgets(load, sizeof load, lb))
            snprintf(load, sizeof load, "?");
        fclose(lb);
        load[strcspn(load, "\n")] = 0;
    }
    printf(
        "build: %.1f s wall, %.1f s CPU (%.0f vectors/s of wall, %d thread%s); load average after the build: "
        "%s\n",
        build, cpu, (double)n / build, threads, threads > 1 ? "s" : "", load);
    printf("memory: graph %.0f MB (vectors included), flat matrix %.0f MB; peak RSS %ld MB\n",
           (double)hnsw_memory(h) / 1048576.0, (double)flat / 1048576.0, rss_mb());
    if (file) {
        hnsw_meta_t meta = {1, (int64_t)n};
        t0 = time_mono_ns();
        if (hnsw_save(h, file, &meta) != 0) {
            perror("save");
            return 1;
        }
        double ts = (double)(time_mono_ns() - t0) / 1e9;
        char err[200];
        t0 = time_mono_ns();
        hnsw_t *l = hnsw_load(file, &meta, err, sizeof err);
        double tl = (double)(time_mono_ns() - t0) / 1e9;
        FILE *f = fopen(file, "rb");
        long sz = 0;
        if (f) {
            fseek(f, 0, SEEK_END);
            sz = ftell(f);
            fclose(f);
        }
        printf("save: %.1f s, load (validated): %.1f s, file %.0f MB%s\n", ts, tl, (double)sz / 1048576.0,
               l ? "" : " — LOAD FAILED");
        hnsw_free(l);
        unlink(file);
    }
    /* the exact answers: the flat scan over the replica's matrix (one
     * cblas_sgemv per query), top 10 by a partial selection */
    hnsw_hit_t *truth = malloc(nq * 10 * sizeof *truth), got[10];
    double *lat = malloc(nq * sizeof *lat), p50, p95;
    float *sc = malloc(n * sizeof *sc);
    flat_hit_t *fh = malloc(n * sizeof *fh);
    for (size_t i = 0; i < nq; i++) {
        t0 = time_mono_ns();
        cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)n, dim, 1.0f, mat, dim, q + i * (size_t)dim, 1, 0.0f,
                    sc, 1);
        hnsw_hit_t *t = truth + i * 10;
        size_t k = 0;
        for (size_t j = 0; j < n; j++) {
            if (k == 10 && sc[j] <= t[9].score)
                continue;
            size_t at = k < 10 ? k++ : 9;
            while (at > 0 && t[at - 1].score < sc[j]) {
                t[at] = t[at - 1];
                at--;
            }
            t[at] = (hnsw_hit_t){(int64_t)j + 1, sc[j]};
        }
        lat[i] = (double)(time_mono_ns() - t0) / 1e6;
    }
    pct(lat, nq, &p50, &p95);
    printf("flat top-10 (sgemv + selection): p50 %.1f ms, p95 %.1f ms, recall 1.0\n", p50, p95);
    size_t nf = nq < 50 ? nq : 50, npos = 0;
    for (size_t i = 0; i < nf; i++) { /* the replica's ranking: every positive score, sorted */
        t0 = time_mono_ns();
        cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)n, dim, 1.0f, mat, dim, q + i * (size_t)dim, 1, 0.0f,
                    sc, 1);
        size_t k = 0;
        for (size_t j = 0; j < n; j++)
            if (sc[j] > 1e-6f)
                fh[k++] = (flat_hit_t){(int64_t)j + 1, sc[j]};
        qsort(fh, k, sizeof *fh, cmp_flat);
        npos += k;
        lat[i] = (double)(time_mono_ns() - t0) / 1e6;
    }
    pct(lat, nf, &p50, &p95);
    printf("flat full ranking (sgemv + sort of every positive score, %.0f per query): p50 %.1f ms, p95 %.1f "
           "ms\n",
           (double)npos / (double)nf, p50, p95);
    free(sc);
    free(fh);
    const int efs[] = {32, 64, 100, 128, 200, 400};
    for (size_t e = 0; e < sizeof efs / sizeof *efs; e++) {
        size_t hit = 0, visited = 0;
        for (size_t i = 0; i < nq; i++) {
            size_t k;
            hnsw_stats_t st;
            t0 = time_mono_ns();
            hnsw_search(h, q + i * (size_t)dim, 10, efs[e], NULL, NULL, 0, got, &k, &st);
            lat[i] = (double)(time_mono_ns() - t0) / 1e6;
            visited += st.visited;
            for (size_t a = 0; a < k; a++)
                for (size_t b = 0; b < 10; b++)
                    if (got[a].id == truth[i * 10 + b].id)
                        hit++;
        }
        pct(lat, nq, &p50, &p95);
        printf("hnsw ef=%d: recall@10 %.4f, p50 %.2f ms, p95 %.2f ms, %.0f nodes scored per query\n", efs[e],
               (double)hit / (double)(nq * 10), p50, p95, (double)visited / (double)nq);
    }
    { /* a filter letting 1 in 100 through */
        size_t hit = 0, exact = 0;
        for (size_t i = 0; i < nq; i++) {
            size_t k, kt;
            hnsw_stats_t st;
            hnsw_hit_t t[10];
            int64_t mod = 100;
            extern bool bench_every(void *, int64_t);
            t0 = time_mono_ns();
            hnsw_search(h, q + i * (size_t)dim, 10, 100, bench_every, &mod, 0, got, &k, &st);
            lat[i] = (double)(time_mono_ns() - t0) / 1e6;
            exact += st.exact;
            hnsw_exact(h, q + i * (size_t)dim, 10, bench_every, &mod, t, &kt);
            for (size_t a = 0; a < k; a++)
                for (size_t b = 0; b < kt; b++)
                    if (got[a].id == t[b].id)
                        hit++;
        }
        pct(lat, nq, &p50, &p95);
        printf("hnsw ef=100, 1 %% allowed by the filter: recall@10 %.4f, p50 %.2f ms, p95 %.2f ms, exact "
               "fallback %zu of %zu\n",
               (double)hit / (double)(nq * 10), p50, p95, exact, nq);
    }
    FILE *la2 = fopen("/proc/loadavg", "r");
    if (la2) {
        if (fgets(load, sizeof load, la2)) {
            load[strcspn(load, "\n")] = 0;
            printf("load average at the end: %s\n", load);
        }
        fclose(la2);
    }
    hnsw_free(h);
    free(truth);
    free(lat);
    free(q);
    free(v);
    free(mat);
    free(g.centre);
    free(g.basis);
    return 0;
}

bool bench_every(void *ud, int64_t id);
bool bench_every(void *ud, int64_t id) { return id % *(int64_t *)ud == 0; }
