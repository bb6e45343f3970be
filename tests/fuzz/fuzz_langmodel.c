/* libFuzzer: the language model's dictionary reader (langmodel.c,
 * lm_load_mem) on random "word count tag" lines, and the segmentation of
 * random text over what it loaded. Checks that a segmentation's cuts walk
 * from 0 to the end in increasing steps, and that a forced span is one word. */
#include "text/langmodel.h"
#include "text/normalize.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[256];
    if (norm_init(err, sizeof err) != 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char err[256];
    lm_t *m = lm_load_mem((const char *)data, size, err, sizeof err);
    if (!m)
        return 0;
    /* text: the input's code points (valid ones), at most 64 */
    uint32_t cps[64];
    size_t n = 0;
    for (size_t i = 0; i < size && n < 64;) {
        uint32_t cp;
        size_t l = norm_utf8(data + i, size - i, &cp);
        if (!l) {
            i++;
            continue;
        }
        norm_class_t k;
        cps[n++] = norm_cp(norm_tables(), cp, &k);
        i += l;
    }
    uint16_t cut[65];
    for (int mode = 0; mode < 3; mode++) {
        lm_span_t sp = {n / 3, n / 3 + (n > 2 ? 2 : 0), -5.0, mode == 2, cps, n > 2 ? 1 : 0};
        double s = lm_segment(m, cps, n, mode ? &sp : NULL, cut);
        if (isnan(s) || s > 1e-9)
            abort();
        for (size_t i = 0; i < n;) {
            if (cut[i] <= i || cut[i] > n)
                abort();
            if (mode == 1 && sp.start < sp.end && i == sp.start && cut[i] != sp.end)
                abort();
            i = cut[i];
        }
    }
    lm_free(m);
    return 0;
}
