/* libFuzzer: the hOCR reader on arbitrary bytes (seeded with tesseract's own
 * output): it must answer with well-formed text whose every character has a
 * box inside the limits, or refuse. */
#include "core/str.h"
#include "media/ocr.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    ocr_result_t r;
    if (ocr_parse_hocr((const char *)data, size, &r) == 0) {
        if (!r.text || strlen(r.text) != r.len || !utf8_valid(r.text, r.len) ||
            utf8_count(r.text, r.len) != r.nchars)
            abort();
        for (size_t i = 0; i < r.nchars; i++)
            if (r.boxes[i].x < 0 || r.boxes[i].w < 0 || r.boxes[i].x > 2000000 || r.boxes[i].w > 1000000)
                abort();
    }
    ocr_result_free(&r);
    return 0;
}
