/* chunk.h — cutting a document's text into chunks by a rule (docs/kb.md):
 *   fixed      about `size` characters with `overlap` characters repeated,
 *              cut at a sentence end in the last fifth of the window when
 *              there is one, never inside a UTF-8 character;
 *   separator  at every occurrence of `separator` (escapes \n \t \r \\
 *              allowed), pieces longer than size cut as fixed;
 *   auto       the document's structure: a heading line (Markdown '#')
 *              starts a chunk and titles it, paragraphs (blank lines) are
 *              merged up to size, a longer paragraph is cut as fixed.
 * Pure functions over UTF-8 text; thread-safe. Input is outside input
 * (fuzzed: tests/fuzz/fuzz_kb_chunk.c). */
#ifndef ZD_KB_CHUNK_H
#define ZD_KB_CHUNK_H
#include <jansson.h>
#include <stddef.h>

typedef enum { KB_CHUNK_FIXED, KB_CHUNK_SEPARATOR, KB_CHUNK_AUTO } kb_chunk_mode_t;

#define KB_CHUNK_SIZE_DEFAULT    1024
#define KB_CHUNK_OVERLAP_DEFAULT 50
#define KB_CHUNK_SIZE_MAX        8000
#define KB_CHUNKS_MAX            20000 /* a document yields at most this many chunks */

typedef struct {
    kb_chunk_mode_t mode;
    size_t size;    /* characters, 50..8000 */
    size_t overlap; /* characters, < size / 2 */
    char sep[64];   /* separator, escapes already decoded */
    size_t seplen;
} kb_rule_t;

typedef struct {
    char *title; /* malloc'd or NULL (auto: the heading) */
    char *text;  /* malloc'd, non-empty */
} kb_piece_t;

typedef struct {
    kb_piece_t *v;
    size_t n, cap;
} kb_pieces_t;

/* The rule from its JSON ({"mode","size","overlap","separator"}); NULL or
 * missing fields take the defaults. 0, or -1 with a Chinese reason in err
 * (an unknown mode, size out of range, an empty separator). */
int kb_rule_parse(const json_t *j, kb_rule_t *r, char *err, size_t errlen);
/* The rule as JSON (the separator with its escapes). New reference. */
json_t *kb_rule_json(const kb_rule_t *r);

/* Cuts text[0..len) (UTF-8; malformed sequences are an error) by the rule
 * into out (zeroed by the caller; free with kb_pieces_free). 0, or -1 for
 * malformed UTF-8 or more than KB_CHUNKS_MAX chunks. */
int kb_chunk_text(const char *text, size_t len, const kb_rule_t *r, kb_pieces_t *out);
void kb_pieces_free(kb_pieces_t *p);

#endif
