/* libFuzzer: the knowledge-base chunker on arbitrary text and rules. The
 * first bytes pick the rule (mode, size, overlap, separator); every chunk
 * must be non-empty valid UTF-8 no longer than the size (in characters),
 * and the chunker must end (each step moves forward). */
#include "core/str.h"
#include "modules/kb/chunk.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 4)
        return 0;
    static const char *const MODES[] = {"fixed", "separator", "auto"};
    char sep[8] = {0};
    size_t seplen = data[3] % 4;
    if (seplen + 4 > size)
        seplen = 0;
    memcpy(sep, data + 4, seplen);
    json_t *rule = json_pack("{s:s,s:i,s:i}", "mode", MODES[data[0] % 3], "size", 50 + data[1] * 4, "overlap",
                             data[2] % 25);
    if (seplen && utf8_valid(sep, seplen) && !memchr(sep, 0, seplen))
        json_object_set_new(rule, "separator", json_string(sep));
    kb_rule_t r;
    char err[200];
    if (kb_rule_parse(rule, &r, err, sizeof err) != 0) {
        json_decref(rule);
        return 0;
    }
    json_decref(rule);
    const char *text = (const char *)data + 4 + seplen;
    size_t n = size - 4 - seplen;
    if (memchr(text, 0, n)) { /* documents reach the chunker as C strings (JSON refuses \u0000) */
        return 0;
    }
    kb_pieces_t p = {0};
    if (kb_chunk_text(text, n, &r, &p) != 0) {
        if (utf8_valid(text, n) && n < KB_CHUNKS_MAX)
            abort(); /* valid text this short always chunks */
        return 0;
    }
    for (size_t i = 0; i < p.n; i++) {
        size_t len = strlen(p.v[i].text);
        if (!len || !utf8_valid(p.v[i].text, len) || utf8_count(p.v[i].text, len) > r.size)
            abort();
        if (p.v[i].title && !utf8_valid(p.v[i].title, strlen(p.v[i].title)))
            abort();
    }
    kb_pieces_free(&p);
    return 0;
}
