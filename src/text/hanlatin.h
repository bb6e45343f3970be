/* hanlatin.h — the pinyin of a Chinese name, for finding it by what users
 * type: full syllables ("pudongxinqu") and initials ("pdxq"). ICU's
 * Han-Latin transliteration (libicu, Debian's libicu-dev) with a short list
 * of place and organisation words whose reading it gets wrong (长宁 is
 * chang ning, 闵行 min hang, 银行 yin hang). Thread-safe; the transliterator
 * (≈ 0.1 s to open) is opened on first use. */
#ifndef ZD_HANLATIN_H
#define ZD_HANLATIN_H

/* "pudongxinqu pdxq" for "浦东新区": lower-case ASCII, the full reading then
 * the initials, letters and digits of the input kept; malloc'd, or NULL when
 * ICU is not usable (then callers match names only). */
char *hanlatin_key(const char *utf8);

#endif
