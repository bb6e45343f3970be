/* libFuzzer: the two headers a file transfer reads from outside — a
 * download's Range (http_parse_ranges) and a tus upload's Upload-Metadata
 * (http_tus_metadata). The input is "size\nrange\nmetadata". */
#include "core/str.h"
#include "http/download.h"
#include "http/upload.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *in = malloc(size + 1);
    memcpy(in, data, size);
    in[size] = 0;
    char *range = strchr(in, '\n');
    char *md = range ? strchr(range + 1, '\n') : NULL;
    if (range)
        *range++ = 0;
    if (md)
        *md++ = 0;
    uint64_t objsize = strtoull(in, NULL, 10) % (1ULL << 40);
    http_range_t r[HTTP_MAX_RANGES];
    int n = http_parse_ranges(range ? range : in, objsize, r);
    if (n > HTTP_MAX_RANGES)
        abort();
    for (int i = 0; i < n; i++) { /* inside the object, sorted, apart */
        if (r[i].first > r[i].last || r[i].last >= objsize)
            abort();
        if (i && r[i].first <= r[i - 1].last + 1)
            abort();
    }
    static const char *const KEYS[] = {"filename", "purpose", "title", "tags", "folder_id", "x"};
    for (size_t k = 0; k < sizeof KEYS / sizeof KEYS[0]; k++) {
        char out[64];
        bool bad = false;
        if (http_tus_metadata(md ? md : in, KEYS[k], out, sizeof out, &bad)) {
            size_t len = strlen(out);
            if (len >= sizeof out || !utf8_valid(out, len))
                abort();
        }
    }
    free(in);
    return 0;
}
