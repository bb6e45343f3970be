/* sqlite_bm25.h — bm25_len(), FTS5's bm25() with the row's length given
 * (sqlite_bm25.c). */
#ifndef ZD_SQLITE_BM25_H
#define ZD_SQLITE_BM25_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

/* Registers bm25_len on the connection. 0, or -1 (no FTS5). */
int sqlite_bm25_register(sqlite3 *h);
/* The tokens FTS5's "ascii" tokenizer makes of s (runs of ASCII letters and
 * digits and of bytes ≥ 0x80): the length bm25_len wants for that column. */
size_t sqlite_bm25_tokens(const char *s);

#endif
