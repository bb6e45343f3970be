/* normalize.h — the character normalisation the text engine matches on.
 *
 * Every code point is mapped to exactly one code point (so that offsets in
 * the normalised stream map back to the original text one to one):
 *   1. NFKC with case folding where the result is a single code point:
 *      full-width → half-width (Ａ→a, ，→,, U+3000 → space), compatibility
 *      ideographs and Kangxi radicals → unified ideographs, ①→1, upper →
 *      lower case;
 *   2. traditional → simplified Chinese (OpenCC t2s, character level).
 * On top of the per-character map, a text that contains a traditional
 * character (one the character-level t2s changes) is converted once at
 * PHRASE level with OpenCC (norm_phrase()): 乾隆 stays 乾隆 while 乾淨 becomes
 * 干净 and 頭髮 头发. The conversion is aligned back to the original code
 * points, so each original character still has exactly one normalised one;
 * the rare phrases whose conversion changes the number of characters keep
 * the character-level map.
 * Characters whose NFKC/case-fold form is longer than one code point (ß, ㈠)
 * are left as they are. Only the Basic Multilingual Plane is mapped;
 * supplementary characters map to themselves.
 *
 * Each normalised code point also has a class. The matcher keeps WORD and
 * CJK characters and skips the "interference" classes SPACE (white space,
 * zero-width and other invisible characters, combining marks) and PUNCT
 * (punctuation, symbols, emoji, private use); BREAK (line and paragraph
 * breaks) ends every match. Where a skipped run separates two WORD
 * characters (Latin letters, digits), a single space is kept instead so that
 * words of spaced scripts do not run together ("this exam" must not contain
 * "sex").
 *
 * Thread-safety: norm_init() may be called from any thread any number of
 * times (pthread_once inside); after it succeeded everything here is
 * read-only and safe to use from all threads.
 */
#ifndef ZD_NORMALIZE_H
#define ZD_NORMALIZE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    NORM_CJK = 0,   /* Han, kana, hangul, ...: written without spaces */
    NORM_WORD = 1,  /* letters, digits and marks of spaced scripts */
    NORM_SPACE = 2, /* skipped: spaces, zero-width, invisible, combining marks */
    NORM_PUNCT = 3, /* skipped: punctuation, symbols, private use */
    NORM_BREAK = 4, /* line/paragraph break: no match spans it */
} norm_class_t;

typedef struct {
    const uint16_t *map;     /* [0x10000] BMP code point → normalised code point */
    const uint8_t *klass;    /* [0x10000] BMP code point → norm_class_t of its normalised form */
    const uint32_t *klass28; /* [0x10000] the same class shifted left by 28 (a template for lookup tables) */
    /* the inverse of map: the BMP code points that normalise to c are
     * pre[pre_start[c] .. pre_start[c + 1]) */
    const uint32_t *pre_start; /* [0x10001] */
    const uint16_t *pre;       /* [0x10000] */
    /* [0x10000] 1 for a traditional character: the character-level t2s
     * changes it (乾, 淨, 髮), so phrase-level conversion may apply */
    const uint8_t *trad;
} norm_tables_t;

/* Maps the tables' snapshot from the cache directory when it is current,
 * else builds them (≈ 15–20 ms of CPU; OpenCC's t2s data must be
 * installed) and writes the snapshot for the next process (normalize.c,
 * docs/text-engine.md). 0 on success; -1 with a reason in err. */
int norm_init(char *err, size_t errlen);
/* The tables, or NULL before a successful norm_init(). */
const norm_tables_t *norm_tables(void);

/* Class of a supplementary (≥ U+10000) code point. */
norm_class_t norm_class_supp(uint32_t cp);

/* Normalised code point and class of any code point (after norm_init). */
static inline uint32_t norm_cp(const norm_tables_t *t, uint32_t cp, norm_class_t *klass)
{
    if (cp < 0x10000) {
        *klass = (norm_class_t)t->klass[cp];
        return t->map[cp];
    }
    *klass = norm_class_supp(cp);
    return cp;
}

/* Strict UTF-8 decoding for hot loops: returns the byte length (1–4) and the
 * code point, or 0 for a malformed, overlong, surrogate or truncated
 * sequence. */
static inline size_t norm_utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        uint32_t v = ((c & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
        if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))
            return 0;
        *cp = v;
        return 3;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        if (n < 2 || (s[1] & 0xC0) != 0x80)
            return 0;
        *cp = ((c & 0x1Fu) << 6) | (s[1] & 0x3Fu);
        return 2;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        uint32_t v = ((c & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
        if (v < 0x10000 || v > 0x10FFFF)
            return 0;
        *cp = v;
        return 4;
    }
    return 0;
}

/* ---- phrase-level traditional → simplified ---- */

/* One character whose phrase-level conversion differs from the
 * character-level map: the code point at index ci of the original text
 * normalises to cp (乾 in 乾隆 → 乾, 沈 in 沈默 → 沉). */
typedef struct {
    size_t ci;
    uint32_t cp;
} norm_phrase_t;

/* Converts text[0..len) with OpenCC t2s (phrase level) when it contains a
 * traditional character — only windows of 24 characters on each side of
 * each traditional character (merged when they meet), so that a simplified
 * text with the odd traditional character does not pay OpenCC's speed for
 * all of it — and aligns the result with the
 * original code points: runs of Chinese characters between characters
 * OpenCC leaves alone are matched one to one when their lengths agree
 * (the rare length change keeps the character-level map for that run).
 * Only the well-formed prefix of text is converted. *out (malloc'd, free
 * it; NULL when *n is 0) receives the characters whose normalised form
 * differs from the character-level map, in text order. 0 on success
 * (also when nothing needed converting); -1 when the conversion failed or
 * memory ran out (*n = 0: the character-level map applies). Thread-safe
 * (one OpenCC converter shared read-only). */
int norm_phrase(const char *text, size_t len, norm_phrase_t **out, size_t *n);

/* ---- whole-text normalisation (lexicon words, search, keywords) ---- */

/* The normalised form of a text: interference characters dropped, a single
 * space where a skipped run separated two WORD characters, breaks kept as
 * '\n' (runs of breaks collapse to one; none at the ends). */
typedef struct {
    char *text;           /* UTF-8, NUL-terminated; owned */
    size_t len;           /* bytes */
    size_t nchars;        /* code points */
    uint32_t *cps;        /* [nchars] normalised code points; owned */
    size_t *orig_start;   /* [nchars] code point index in the original of each character; owned */
    size_t *orig_byte;    /* [nchars] byte offset in the original of each character; owned */
    uint8_t *klass;       /* [nchars] class (NORM_CJK, NORM_WORD, or NORM_SPACE for the kept separator) */
    size_t *punct_before; /* [nchars] PUNCT characters skipped since the previous kept character */
} norm_text_t;

/* Normalises text[0..len), traditional phrases at phrase level
 * (norm_phrase()). 0 on success (free with norm_text_free()); -1
 * for malformed UTF-8, with *bad_offset set to the byte offset of the first
 * bad sequence (when bad_offset is not NULL). */
int norm_text(const char *text, size_t len, norm_text_t *out, size_t *bad_offset);
void norm_text_free(norm_text_t *t); /* NULL is fine; leaves *t zeroed */

/* Byte offset of the first malformed UTF-8 sequence in s[0..n), or n when
 * all of it is well-formed. */
size_t norm_utf8_check(const char *s, size_t n);

#endif
