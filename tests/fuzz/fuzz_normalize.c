/* libFuzzer: the normaliser on random and malformed UTF-8. Checks that a
 * malformed input is reported at a real malformed sequence, and that for
 * well-formed input every normalised character maps back to a strictly
 * increasing position in the original that starts a character (traditional
 * phrases converted by OpenCC included: the corpus has some). */
#include "core/str.h"
#include "text/normalize.h"
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
    const char *s = (const char *)data;
    size_t bad = 0;
    norm_text_t nt;
    int rc = norm_text(s, size, &nt, &bad);
    bool valid = utf8_valid(s, size);
    if ((rc == 0) != valid)
        abort();
    if (rc != 0) {
        /* everything before the reported byte is well-formed, the sequence
         * there is not */
        if (bad >= size || !utf8_valid(s, bad))
            abort();
        uint32_t cp;
        if (utf8_decode(s + bad, size - bad, &cp) != 0)
            abort();
        return 0;
    }
    if (!utf8_valid(nt.text, nt.len) || utf8_count(nt.text, nt.len) != nt.nchars)
        abort();
    size_t chars = utf8_count(s, size);
    for (size_t i = 0; i < nt.nchars; i++) {
        if (nt.orig_start[i] >= chars || nt.orig_byte[i] >= size)
            abort();
        if (((unsigned char)s[nt.orig_byte[i]] & 0xC0) == 0x80) /* never inside a character */
            abort();
        if (i && (nt.orig_start[i] <= nt.orig_start[i - 1] || nt.orig_byte[i] <= nt.orig_byte[i - 1]))
            abort();
    }
    /* the phrase level's overrides are in text order, inside the text, and
     * normalised Chinese characters */
    norm_phrase_t *ov = NULL;
    size_t nov = 0;
    if (norm_phrase(s, size, &ov, &nov) == 0)
        for (size_t i = 0; i < nov; i++)
            if (ov[i].ci >= chars || (i && ov[i].ci <= ov[i - 1].ci) || ov[i].cp == 0)
                abort();
    free(ov);
    /* normalising again changes nothing but interior separators */
    norm_text_t again;
    if (norm_text(nt.text, nt.len, &again, NULL) != 0)
        abort();
    norm_text_free(&again);
    norm_text_free(&nt);
    return 0;
}
