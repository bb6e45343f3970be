/* libFuzzer: the HTML sanitiser. Every output is parsed again with libgumbo
 * and held against the whitelist by an oracle written independently of the
 * sanitiser (htmlsafe_oracle.h): no element outside the whitelist, no
 * attribute named on*, no href/src/poster with a scheme that is not
 * allowed, no url()/expression in a style; the output is valid UTF-8 and
 * cleaning it again changes nothing. Malformed UTF-8 must be refused, and
 * the text and image walks must agree with the sanitiser. */
#include "core/str.h"
#include "htmlsafe_oracle.h"
#include "text/htmlsafe.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const char *in = (const char *)data;
    char err[256] = "";
    char *out = htmlsafe_clean(in, size, 0, err, sizeof err);
    if (!out) {
        if (!err[0]) /* a refusal always says why */
            abort();
        return 0;
    }
    if (!utf8_valid(in, size)) /* malformed UTF-8 must have been refused */
        abort();
    size_t n = strlen(out);
    if (!utf8_valid(out, n))
        abort();
    const char *bad = hso_violation(out, n);
    if (bad) {
        fprintf(stderr, "whitelist violated: %s\noutput: %s\n", bad, out);
        abort();
    }
    char *again = htmlsafe_clean(out, n, 0, err, sizeof err);
    if (!again || strcmp(again, out)) {
        fprintf(stderr, "not idempotent\nonce:  %s\ntwice: %s\n", out, again ? again : err);
        abort();
    }
    /* the visible text: valid UTF-8 of the length told */
    size_t tl = 0;
    char *text = htmlsafe_text(in, size, &tl, err, sizeof err);
    if (!text || strlen(text) != tl || !utf8_valid(text, tl))
        abort();
    /* the images of the output: each one passes the oracle's URL rule */
    json_t *img = htmlsafe_images(out, n);
    if (!img)
        abort();
    for (size_t i = 0; i < json_array_size(img); i++)
        if (hso_url("img", "src", json_string_value(json_array_get(img, i))))
            abort();
    json_decref(img);
    free(text);
    free(again);
    free(out);
    return 0;
}
