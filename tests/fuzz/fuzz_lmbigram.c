/* libFuzzer: the loader of the word bigram's compact file (lmbigram.c,
 * lmb_open_mem) on random bytes, and the scoring of random text over what
 * it accepted. Checks that the cuts walk from 0 to the end in increasing
 * steps and that a forced span is one word. */
#include "text/lmbigram.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char err[256];
    /* the loader wants 4-byte alignment (a mapping has it) */
    uint32_t *buf = malloc(size + 4);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    lmb_t *m = lmb_open_mem(buf, size, err, sizeof err);
    if (!m) {
        if (!err[0])
            abort();
        free(buf);
        return 0;
    }
    /* text: the file's own code points (in range of what the pool holds) */
    uint32_t cps[64];
    size_t n = 0;
    for (size_t i = 0; i + 4 <= size && n < 64; i += 4)
        cps[n++] = buf[i / 4] % 0x30000;
    uint16_t cut[65];
    for (int mode = 0; mode < 3; mode++) {
        lm_span_t sp = {n / 3, n / 3 + (n > 2 ? 2 : 0), -5.0, mode == 2, cps, n > 2 ? 1 : 0};
        double s = lmb_segment(m, cps, n, mode ? &sp : NULL, cut);
        if (isnan(s) || s > 1e-9)
            abort();
        if (s == -INFINITY)
            continue;
        for (size_t i = 0; i < n;) {
            if (cut[i] <= i || cut[i] > n)
                abort();
            if (mode == 1 && sp.start < sp.end && i == sp.start && cut[i] != sp.end)
                abort();
            i = cut[i];
        }
    }
    lmb_free(m);
    free(buf);
    return 0;
}
