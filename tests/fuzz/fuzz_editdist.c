/* libFuzzer: the edit distance of near-miss matching on outside input (the
 * query). The input is split at its first NUL into two strings and a bound;
 * the function must refuse malformed UTF-8 (-1) exactly when one side is
 * not valid or too long, be symmetric, honour the bound (min(d, max + 1)),
 * and never exceed the longer side's length. */
#include "core/str.h"
#include "modules/search/internal.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (!size)
        return 0;
    int max = data[0] % 5;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    const char *nul = memchr(s, 0, n);
    size_t na = nul ? (size_t)(nul - s) : n / 2;
    const char *b = nul ? nul + 1 : s + na;
    size_t nb = n - na - (nul ? 1 : 0);
    int d = search_edit_distance_utf8(s, na, b, nb, max);
    bool ok = utf8_valid(s, na) && utf8_valid(b, nb) && utf8_count(s, na) <= SEARCH_EDIT_MAX_CHARS &&
              utf8_count(b, nb) <= SEARCH_EDIT_MAX_CHARS;
    if (!ok) {
        if (d != -1)
            abort();
        return 0;
    }
    if (d < 0 || d > max + 1 || d != search_edit_distance_utf8(b, nb, s, na, max))
        abort();
    int full = search_edit_distance_utf8(s, na, b, nb, 200);
    size_t la = utf8_count(s, na), lb = utf8_count(b, nb);
    if (full < 0 || (size_t)full > (la > lb ? la : lb) || d != (full <= max ? full : max + 1))
        abort();
    if ((full == 0) != (la == lb && na == nb && !memcmp(s, b, na)))
        abort();
    return 0;
}
