/* test_hnsw.c — the HNSW graph (src/modules/search/hnsw.c): recall@10
 * against the exact scan on clustered random vectors (≥ 0.98), the filter
 * guarantee (never fewer than k allowed results when they exist, however
 * selective the filter), tombstones and replaced vectors, the save / load
 * round trip, files that are refused (flipped byte, truncated, a neighbour
 * out of range under a valid checksum), concurrent searches beside a
 * writer, and the parallel build (hnsw_insert_many on 4 threads: every node
 * reachable, every vector found as its own nearest neighbour, recall as
 * high as one by one, replaced ids; also run under ThreadSanitizer by make
 * test-tsan). */
#include "support/cm.h"

#include "modules/search/hnsw.h"
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DIM 32
#define N   4000

static uint64_t rng = 88172645463325252ull;

static double urand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(void) { return sqrt(-2.0 * log(urand())) * cos(6.283185307179586 * urand()); }

/* n normalised vectors around 40 centres */
static float *clustered(size_t n)
{
    static float centres[40][DIM];
    static bool made;
    if (!made) {
        for (int c = 0; c < 40; c++)
            for (int d = 0; d < DIM; d++)
                centres[c][d] = (float)gauss();
        made = true;
    }
    float *v = malloc(n * DIM * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        int c = (int)(urand() * 40);
        double s = 0;
        for (int d = 0; d < DIM; d++) {
            v[i * DIM + d] = centres[c][d] + (float)(0.6 * gauss());
            s += (double)v[i * DIM + d] * v[i * DIM + d];
        }
        for (int d = 0; d < DIM; d++)
            v[i * DIM + d] /= (float)sqrt(s);
    }
    return v;
}

static hnsw_t *built(const float *v, size_t n)
{
    hnsw_t *h = hnsw_new(DIM, 16, 100, 7);
    assert_non_null(h);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(hnsw_insert(h, (int64_t)i + 1, v + i * DIM), 0);
    return h;
}

/* recall@10 of h against its exact answers over nq queries */
static double recall(hnsw_t *h, const float *qs, size_t nq, hnsw_allow_fn allow, void *ud)
{
    size_t found = 0, total = 0;
    hnsw_hit_t a[10], e[10];
    for (size_t i = 0; i < nq; i++) {
        size_t na, ne;
        assert_int_equal(hnsw_search(h, qs + i * DIM, 10, 64, allow, ud, 0, a, &na, NULL), 0);
        assert_int_equal(hnsw_exact(h, qs + i * DIM, 10, allow, ud, e, &ne), 0);
        assert_int_equal(na, ne);
        for (size_t x = 0; x < ne; x++)
            for (size_t y = 0; y < na; y++)
                if (a[y].id == e[x].id)
                    found++;
        total += ne;
    }
    return total ? (double)found / (double)total : 1.0;
}

static void recall_against_the_exact_scan(void **state)
{
    (void)state;
    float *v = clustered(N), *q = clustered(200);
    hnsw_t *h = built(v, N);
    assert_int_equal(hnsw_live(h), N);
    double r = recall(h, q, 200, NULL, NULL);
    printf("recall@10 = %.4f\n", r);
    assert_true(r >= 0.98);
    /* scores are the inner products, best first */
    hnsw_hit_t a[10];
    size_t na;
    assert_int_equal(hnsw_search(h, q, 10, 64, NULL, NULL, 0, a, &na, NULL), 0);
    assert_int_equal(na, 10);
    for (size_t i = 0; i < na; i++) {
        const float *x = v + (a[i].id - 1) * DIM;
        float s = 0;
        for (int d = 0; d < DIM; d++)
            s += x[d] * q[d];
        assert_true(fabsf(s - a[i].score) < 1e-4f);
        if (i)
            assert_true(a[i - 1].score >= a[i].score);
    }
    hnsw_free(h);
    free(v);
    free(q);
}

static bool every_nth(void *ud, int64_t id) { return id % *(int64_t *)ud == 0; }

static void the_filter_never_yields_fewer_than_k_allowed(void **state)
{
    (void)state;
    float *v = clustered(N), *q = clustered(50);
    hnsw_t *h = built(v, N);
    /* 1 in 3, 1 in 97 (41 allowed), 1 in 1000 (4 allowed: fewer than k) */
    const int64_t mods[] = {3, 97, 1000};
    for (size_t m = 0; m < 3; m++) {
        int64_t mod = mods[m];
        size_t allowed = (size_t)(N / mod);
        for (size_t i = 0; i < 50; i++) {
            hnsw_hit_t a[10], e[10];
            size_t na, ne;
            hnsw_stats_t st;
            assert_int_equal(hnsw_search(h, q + i * DIM, 10, 32, every_nth, &mod, 0, a, &na, &st), 0);
            assert_int_equal(hnsw_exact(h, q + i * DIM, 10, every_nth, &mod, e, &ne), 0);
            assert_int_equal(na, allowed < 10 ? allowed : 10);
            assert_int_equal(ne, na);
            for (size_t x = 0; x < na; x++)
                assert_int_equal(a[x].id % mod, 0);
            if (allowed < 10) /* fewer than k exist: every one of them, exactly */
                for (size_t x = 0; x < na; x++)
                    assert_int_equal(a[x].id, e[x].id);
        }
        printf("1 in %lld allowed: recall@10 = %.4f\n", (long long)mod, recall(h, q, 50, every_nth, &mod));
        assert_true(recall(h, q, 50, every_nth, &mod) >= 0.95);
    }
    /* a visit budget of 1 node: the exact scan answers */
    int64_t mod = 97;
    hnsw_hit_t a[10];
    size_t na;
    hnsw_stats_t st;
    assert_int_equal(hnsw_search(h, q, 10, 32, every_nth, &mod, 1, a, &na, &st), 0);
    assert_true(st.exact);
    assert_int_equal(na, 10);
    hnsw_free(h);
    free(v);
    free(q);
}

static void deleted_and_replaced_vectors(void **state)
{
    (void)state;
    float *v = clustered(N), *q = clustered(100);
    hnsw_t *h = built(v, N);
    for (int64_t id = 2; id <= N; id += 2)
        assert_int_equal(hnsw_delete(h, id), 1);
    assert_int_equal(hnsw_delete(h, 2), 0);
    assert_int_equal(hnsw_delete(h, N + 5), 0);
    assert_int_equal(hnsw_live(h), N / 2);
    for (size_t i = 0; i < 100; i++) {
        hnsw_hit_t a[10];
        size_t na;
        assert_int_equal(hnsw_search(h, q + i * DIM, 10, 64, NULL, NULL, 0, a, &na, NULL), 0);
        assert_int_equal(na, 10);
        for (size_t x = 0; x < na; x++)
            assert_int_equal(a[x].id % 2, 1);
    }
    double r = recall(h, q, 100, NULL, NULL);
    printf("half deleted: recall@10 = %.4f\n", r);
    assert_true(r >= 0.98);
    /* id 1 gets the query's own vector: it is the best hit, once */
    assert_int_equal(hnsw_insert(h, 1, q), 0);
    assert_int_equal(hnsw_live(h), N / 2);
    assert_int_equal(hnsw_nodes(h), N + 1);
    hnsw_hit_t a[10];
    size_t na;
    assert_int_equal(hnsw_search(h, q, 10, 64, NULL, NULL, 0, a, &na, NULL), 0);
    assert_int_equal(a[0].id, 1);
    assert_true(a[0].score > 0.999f);
    for (size_t x = 1; x < na; x++)
        assert_int_not_equal(a[x].id, 1);
    /* the rebuild keeps the live vectors only, with the same answers */
    hnsw_t *c = hnsw_compact(h);
    assert_non_null(c);
    assert_int_equal(hnsw_nodes(c), N / 2);
    assert_int_equal(hnsw_live(c), N / 2);
    assert_true(recall(c, q, 100, NULL, NULL) >= 0.98);
    hnsw_free(c);
    hnsw_free(h);
    free(v);
    free(q);
}

static char *tmpfile_path(void)
{
    char *p = strdup("/tmp/zd-hnsw-XXXXXX");
    int fd = mkstemp(p);
    assert_true(fd >= 0);
    close(fd);
    return p;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*len);
    assert_int_equal(fread(b, 1, *len, f), *len);
    fclose(f);
    return b;
}

/* the file's checksum written again (a damage the checksum cannot see) */
static void reseal(unsigned char *b, size_t len)
{
    uint64_t h = hnsw_checksum(b, len - 8);
    memcpy(b + len - 8, &h, 8);
}

static void saved_loaded_and_corrupt_files(void **state)
{
    (void)state;
    float *v = clustered(1500), *q = clustered(30);
    hnsw_t *h = hnsw_new(DIM, 8, 40, 3);
    for (size_t i = 0; i < 1500; i++)
        assert_int_equal(hnsw_insert(h, (int64_t)i * 3 + 7, v + i * DIM), 0);
    hnsw_delete(h, 7);
    char *path = tmpfile_path();
    hnsw_meta_t meta = {42, 1234}, got = {0};
    assert_int_equal(hnsw_save(h, path, &meta), 0);
    char err[200];
    hnsw_t *l = hnsw_load(path, &got, err, sizeof err);
    assert_non_null(l);
    assert_int_equal(got.model, 42);
    assert_int_equal(got.seq, 1234);
    assert_int_equal(hnsw_live(l), hnsw_live(h));
    for (size_t i = 0; i < 30; i++) { /* the same graph: the same answers */
        hnsw_hit_t a[10], b[10];
        size_t na, nb;
        assert_int_equal(hnsw_search(h, q + i * DIM, 10, 32, NULL, NULL, 0, a, &na, NULL), 0);
        assert_int_equal(hnsw_search(l, q + i * DIM, 10, 32, NULL, NULL, 0, b, &nb, NULL), 0);
        assert_int_equal(na, nb);
        for (size_t x = 0; x < na; x++)
            assert_int_equal(a[x].id, b[x].id);
    }
    /* incremental after loading */
    assert_int_equal(hnsw_insert(l, 99999, q), 0);
    hnsw_hit_t a[1];
    size_t na;
    assert_int_equal(hnsw_search(l, q, 1, 32, NULL, NULL, 0, a, &na, NULL), 0);
    assert_int_equal(a[0].id, 99999);
    hnsw_free(l);

    size_t len;
    unsigned char *b = slurp(path, &len);
    /* a flipped byte anywhere */
    for (size_t at = 0; at < len; at += len / 37 + 1) {
        b[at] ^= 0x40;
        l = hnsw_load_mem(b, len, NULL, err, sizeof err);
        assert_null(l);
        b[at] ^= 0x40;
    }
    /* truncated */
    assert_null(hnsw_load_mem(b, len / 2, NULL, err, sizeof err));
    assert_null(hnsw_load_mem(b, 10, NULL, err, sizeof err));
    /* a neighbour out of range under a valid checksum: the first layer-0
     * list starts after the header (72 bytes), ids, levels, flags, vectors */
    size_t n = 1500, l0 = 72 + n * 8 + n * 2 + n * DIM * 4;
    uint32_t cnt, bad = 5000000;
    memcpy(&cnt, b + l0, 4);
    assert_true(cnt >= 1 && cnt <= 16);
    uint32_t save;
    memcpy(&save, b + l0 + 4, 4);
    memcpy(b + l0 + 4, &bad, 4);
    reseal(b, len);
    assert_null(hnsw_load_mem(b, len, NULL, err, sizeof err));
    assert_non_null(strstr(err, "neighbour"));
    memcpy(b + l0 + 4, &save, 4);
    /* a count above the layer's maximum */
    bad = 17;
    memcpy(b + l0, &bad, 4);
    reseal(b, len);
    assert_null(hnsw_load_mem(b, len, NULL, err, sizeof err));
    memcpy(b + l0, &cnt, 4);
    /* a node count larger than the file */
    uint64_t big = 1ull << 40;
    memcpy(b + 24, &big, 8);
    reseal(b, len);
    assert_null(hnsw_load_mem(b, len, NULL, err, sizeof err));
    memcpy(b + 24, &(uint64_t){n}, 8);
    reseal(b, len);
    l = hnsw_load_mem(b, len, NULL, err, sizeof err); /* restored: accepted again */
    assert_non_null(l);
    hnsw_free(l);
    assert_null(hnsw_load("/nonexistent/zd.hnsw", NULL, err, sizeof err));
    free(b);
    unlink(path);
    free(path);
    hnsw_free(h);
    free(v);
    free(q);
}

typedef struct {
    hnsw_t *h;
    const float *q;
    int fails;
} reader_t;

static void *reader(void *p)
{
    reader_t *r = p;
    for (int i = 0; i < 300; i++) {
        hnsw_hit_t a[10];
        size_t na;
        if (hnsw_search(r->h, r->q + (size_t)(i % 50) * DIM, 10, 32, NULL, NULL, 0, a, &na, NULL) != 0 ||
            na != 10)
            r->fails++;
    }
    return NULL;
}

static void concurrent_searches_beside_a_writer(void **state)
{
    (void)state;
    float *v = clustered(N), *q = clustered(50);
    hnsw_t *h = built(v, N / 2);
    reader_t r[3] = {{h, q, 0}, {h, q, 0}, {h, q, 0}};
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, reader, &r[i]);
    for (size_t i = N / 2; i < N; i++) {
        assert_int_equal(hnsw_insert(h, (int64_t)i + 1, v + i * DIM), 0);
        if (i % 7 == 0)
            hnsw_delete(h, (int64_t)(i - N / 2) + 1);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(r[i].fails, 0);
    }
    hnsw_free(h);
    free(v);
    free(q);
}

/* the parallel build: 4 threads linking batches (the first into an empty
 * graph), ids replaced in a later batch and twice within one */
static void concurrent_inserts_keep_the_graph_whole(void **state)
{
    (void)state;
    float *v = clustered(N), *q = clustered(200);
    int64_t *ids = malloc(N * sizeof *ids);
    for (size_t i = 0; i < N; i++)
        ids[i] = (int64_t)i + 1;
    hnsw_t *h = hnsw_new(DIM, 16, 100, 7);
    assert_non_null(h);
    assert_int_equal(hnsw_insert_many(h, 300, ids, v, 4, NULL), 0);
    assert_int_equal(hnsw_insert_many(h, N - 300, ids + 300, v + 300 * DIM, 4, NULL), 0);
    assert_int_equal(hnsw_live(h), N);
    assert_int_equal(hnsw_nodes(h), N);
    assert_int_equal(hnsw_reachable(h), N);
    /* each vector is its own nearest neighbour, found through the graph */
    size_t self = 0;
    for (size_t i = 0; i < N; i++) {
        hnsw_hit_t a[1];
        size_t na;
        hnsw_stats_t st;
        assert_int_equal(hnsw_search(h, v + i * DIM, 1, 64, NULL, NULL, 0, a, &na, &st), 0);
        assert_int_equal(na, 1);
        self += a[0].id == (int64_t)i + 1 && !st.exact;
    }
    assert_true(self >= N * 995 / 1000);
    double mt = recall(h, q, 200, NULL, NULL);
    hnsw_t *one = built(v, N);
    double st1 = recall(one, q, 200, NULL, NULL);
    print_message("recall@10 at ef 64: %.4f on 4 threads, %.4f one by one\n", mt, st1);
    assert_true(mt >= 0.98);
    assert_true(mt >= st1 - 0.01);
    hnsw_free(one);
    /* a later batch replaces 100 ids (one of them twice), on 4 threads
     * beside the tombstones */
    int64_t rid[101];
    for (int i = 0; i < 100; i++)
        rid[i] = (int64_t)(i * 37 % N) + 1;
    rid[100] = rid[0];
    assert_int_equal(hnsw_insert_many(h, 101, rid, q, 4, NULL), 0);
    assert_int_equal(hnsw_live(h), N);
    assert_int_equal(hnsw_nodes(h), N + 101);
    assert_int_equal(hnsw_reachable(h), N);
    float got[DIM];
    assert_int_equal(hnsw_get(h, rid[0], got), 1);
    assert_memory_equal(got, q + 100 * DIM, sizeof got);
    assert_int_equal(hnsw_get(h, rid[1], got), 1);
    assert_memory_equal(got, q + 1 * DIM, sizeof got);
    /* a stop flag already raised: the call gives up */
    atomic_bool stop = true;
    assert_int_equal(hnsw_insert_many(h, 1000, ids, v, 4, &stop), -1);
    hnsw_free(h);
    free(ids);
    free(v);
    free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(recall_against_the_exact_scan),
        cmocka_unit_test(the_filter_never_yields_fewer_than_k_allowed),
        cmocka_unit_test(deleted_and_replaced_vectors),
        cmocka_unit_test(saved_loaded_and_corrupt_files),
        cmocka_unit_test(concurrent_searches_beside_a_writer),
        cmocka_unit_test(concurrent_inserts_keep_the_graph_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
