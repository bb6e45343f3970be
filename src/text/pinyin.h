/* pinyin.h — readings of Chinese characters in toneless pinyin, for the
 * lexicons that match by pinyin and homophones (issue 16; proofread.h).
 *
 * Table: the character readings of Rime's pinyin_simp dictionary (Debian's
 * rime-data-pinyin-simp, /usr/share/rime-data/pinyin_simp.dict.yaml,
 * derived from Android's PinyinIME, Apache-2.0; env ZHENDI_PINYIN_DICT for
 * another file of the same format: "字<TAB>syllable<TAB>weight" lines). Its
 * 16,470 single characters (simplified, BMP) each have one or more toneless
 * readings ("ü" written "v": 女 nv) with a frequency weight; the most
 * frequent one is the character's primary reading. Readings much rarer
 * than the primary (under PY_ALT_SHARE of its weight) are left out.
 *
 * Loaded once, on the first py_get() (≈ 10 ms of CPU, 0.5 MiB), only by a
 * lexicon set that has a lexicon matching by pinyin; read-only and shared
 * by all threads afterwards.
 */
#ifndef ZD_PINYIN_H
#define ZD_PINYIN_H
#include <stddef.h>
#include <stdint.h>

#define PY_MAX_READINGS 3 /* per character: the primary and up to two others */
#define PY_ALT_SHARE    0.1

typedef struct py_table py_table_t;

/* The table, loaded on the first call; NULL when the file is missing or
 * unreadable (py_error() says why; logged once). */
const py_table_t *py_get(void);
const char *py_error(void);

/* The readings of a (normalised, BMP) character, primary first: the number
 * written to out[0..max) (0: none, e.g. not a Chinese character). Each is a
 * NUL-terminated lower-case syllable ("zhong"). */
int py_readings(const py_table_t *t, uint32_t cp, const char **out, int max);
/* The primary reading, or NULL. */
const char *py_primary(const py_table_t *t, uint32_t cp);
/* Characters with at least one reading, distinct syllables. */
size_t py_nchars(const py_table_t *t);
size_t py_nsyllables(const py_table_t *t);

#endif
