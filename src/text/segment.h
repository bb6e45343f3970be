/* segment.h — Chinese word segmentation with friso (mmseg, complex mode)
 * over the friso-dict lexicons, behind a thread-safe API.
 *
 * The text is normalised first (normalize.h: full-width → half-width,
 * traditional → simplified, case folding, zero-width characters dropped),
 * segmented, and every token is mapped back to offsets in the original
 * text, so traditional or full-width input segments as well as simplified.
 * Punctuation and white space are not returned as tokens.
 *
 * The dictionary (≈ 170,000 words) is loaded once, on the first call of
 * seg_init() or seg_tokens(), and shared read-only by all threads; every
 * call segments with its own friso task. The friso settings are built in
 * (no friso.ini is read): mmseg complex mode, maximum word length 5, no
 * name recognition, no synonyms, unknown words kept as single characters.
 */
#ifndef ZD_SEGMENT_H
#define ZD_SEGMENT_H
#include <stdbool.h>
#include <stddef.h>

#define SEG_DEFAULT_DICT "/usr/share/friso/dict/UTF-8/"

typedef struct {
    size_t start, end;           /* code point offsets into the original text, [start, end) */
    size_t byte_start, byte_end; /* the same in bytes */
    bool word;                   /* a dictionary word of two or more characters */
    bool cjk;                    /* Chinese (as opposed to Latin letters, digits) */
} seg_token_t;

/* Loads the dictionary from dict_dir (NULL: env ZHENDI_FRISO_DICT or
 * SEG_DEFAULT_DICT; the directory holds friso.lex.ini). Only the first
 * successful call loads; later calls return 0 at once. Thread-safe.
 * -1 with a reason in err when the dictionary cannot be read. */
int seg_init(const char *dict_dir, char *err, size_t errlen);
/* Segments text[0..len) (UTF-8). 0 with *tokens (malloc'd, caller frees;
 * NULL when *n is 0) and *n; -1 on malformed UTF-8 or when no dictionary
 * could be loaded. Thread-safe. */
int seg_tokens(const char *text, size_t len, seg_token_t **tokens, size_t *n);
/* Frees the dictionary (tests; nothing may be segmenting). */
void seg_shutdown(void);

#endif
