/* htmlsafe.h — the HTML of article bodies (what wangEditor 5 writes) made
 * safe to show, its visible text for proofreading, and its images.
 *
 * The input is parsed by a real HTML5 parser (libgumbo, as a fragment in a
 * <div>), and the tree is written out again by hand from a whitelist of
 * elements, attributes, URL schemes and CSS declarations; no regular
 * expression ever looks at the HTML. What is allowed is listed in
 * docs/security.md ("HTML of article bodies").
 *
 * The output is built so that a browser (or this parser) reading it again
 * gets exactly the tree that was written: htmlsafe_clean() of its own output
 * returns the same bytes. Elements nested deeper than HTMLSAFE_MAX_DEPTH
 * are unwrapped (their content is kept). Before parsing, a resource guard
 * unwraps start tags nested deeper than the parser can afford and refuses
 * tags with more than HTMLSAFE_MAX_ATTRS attributes and inputs that make the
 * parser allocate too much (libgumbo is quadratic in both); nothing here
 * recurses, so a deeply nested input cannot overflow the C stack.
 *
 * Thread-safety: no global state; every function may be called from any
 * number of threads at once.
 */
#ifndef ZD_HTMLSAFE_H
#define ZD_HTMLSAFE_H
#include <jansson.h>
#include <stddef.h>

#define HTMLSAFE_DEFAULT_MAX_LEN ((size_t)2 << 20) /* bytes, when max_len is 0 */
#define HTMLSAFE_MAX_DEPTH       200               /* elements nested in the output */
#define HTMLSAFE_MAX_ATTRS       256               /* attributes of one tag in the input */

/* Sanitises an HTML fragment (an article body) to the whitelist. Returns a
 * malloc'd NUL-terminated UTF-8 string (caller frees; "" for a body with
 * nothing left), or NULL with a one-line Chinese reason in err (when err is
 * not NULL) when the input is not valid UTF-8, exceeds max_len bytes (0: the
 * default of 2 MiB), is too complex for the parser, or the result would
 * exceed max_len. */
char *htmlsafe_clean(const char *html, size_t len, size_t max_len, char *err, size_t errlen);

/* The visible text of an HTML fragment for proofreading: text nodes in
 * document order, block elements (p, div, h1–h6, li, tr, blockquote, br,
 * pre, table cells …) separated by one "\n", entities decoded, runs of
 * white space outside <pre> collapsed to one space, the content of the
 * elements htmlsafe_clean() drops whole (script, style, iframe …, and what
 * is inside <video>) left out, img alt text not included. For a sanitised
 * fragment this is what a reader sees. malloc'd and NUL-terminated, *out_len
 * set (when not NULL); NULL with a Chinese reason in err on invalid UTF-8 or
 * an input too complex for the parser. */
char *htmlsafe_text(const char *html, size_t len, size_t *out_len, char *err, size_t errlen);

/* The src of every <img> of a (sanitised) fragment, in document order,
 * leading and trailing white space trimmed, as a jansson array of strings
 * (new reference; the caller json_decref()s it), so that a caller can check
 * that each image belongs to the author. Images inside the elements that
 * htmlsafe_clean() drops whole are not listed. NULL on invalid UTF-8 or an
 * input too complex for the parser. */
json_t *htmlsafe_images(const char *html, size_t len);

#endif
