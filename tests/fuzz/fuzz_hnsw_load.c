/* libFuzzer: the loader of the saved HNSW graph (src/modules/search/hnsw.c)
 * on arbitrary bytes. When the first byte is odd the checksum at the end is
 * written again first, so the structural checks (sizes, counts, levels,
 * neighbours, the entry point, duplicate ids) are reached rather than the
 * checksum alone. A file that loads must be usable: searched (with and
 * without a filter), inserted into, deleted from, compacted and saved. */
#include "modules/search/hnsw.h"
#include <stdlib.h>
#include <string.h>

static bool odd(void *ud, int64_t id)
{
    (void)ud;
    return id & 1;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t len = size - 1;
    unsigned char *b = malloc(len ? len : 1);
    if (!b)
        return 0;
    memcpy(b, data + 1, len);
    if ((data[0] & 1) && len >= 8) {
        uint64_t h = hnsw_checksum(b, len - 8);
        memcpy(b + len - 8, &h, 8);
    }
    char err[256];
    hnsw_meta_t meta;
    hnsw_t *h = hnsw_load_mem(b, len, &meta, err, sizeof err);
    free(b);
    if (!h)
        return 0;
    int dim = hnsw_dim(h);
    float *q = calloc((size_t)dim, sizeof *q);
    if (q) {
        q[0] = 1.0f;
        hnsw_hit_t out[8];
        size_t n;
        hnsw_search(h, q, 8, 16, NULL, NULL, 0, out, &n, NULL);
        hnsw_search(h, q, 8, 16, odd, NULL, 0, out, &n, NULL);
        hnsw_insert(h, -5, q);
        hnsw_delete(h, -5);
        if (n)
            hnsw_delete(h, out[0].id);
        hnsw_search(h, q, 8, 16, NULL, NULL, 50, out, &n, NULL);
        hnsw_t *c = hnsw_compact(h);
        hnsw_free(c);
        free(q);
    }
    hnsw_free(h);
    return 0;
}
