/* docparse.h — the text of an uploaded document (knowledge bases, 校真), by its type as
 * libmagic reads the content (never the extension): .txt and .md as they
 * are (UTF-8), .html as the article sanitiser reads its visible text (text/htmlsafe.h:
 * each block a paragraph), .docx with libzip + libxml2 (its
 * paragraphs, headings by style), .pdf with poppler-glib (page by page),
 * .xlsx with the project's reader (core/xlsx.h: the first sheet; a row per
 * paragraph "header: value; …", so the separator "\n\n" gives one chunk
 * per row). Outside input: bounded sizes, no network, no entities
 * (fuzzed: tests/fuzz/fuzz_docparse.c). Thread-safe. */
#ifndef ZD_DOCPARSE_H
#define ZD_DOCPARSE_H
#include <stdbool.h>
#include <stddef.h>

/* The document kinds: "txt", "md", "html", "docx", "pdf", "xlsx". */
typedef enum { DOC_TEXT, DOC_MD, DOC_HTML, DOC_DOCX, DOC_PDF, DOC_XLSX, DOC_UNKNOWN } doc_type_t;

/* The kind of a file from its sniffed MIME type and (to tell .md from .txt
 * and .xlsx from .docx inside a zip) its name. */
doc_type_t doc_type(const char *mime, const char *filename);
const char *doc_type_name(doc_type_t t);
doc_type_t doc_type_of(const char *name); /* from doc_type_name, or DOC_UNKNOWN */

/* The text of buf[0..len) (malloc'd UTF-8, caller frees), or NULL with a
 * Chinese reason in err. */
char *doc_parse(doc_type_t t, const void *buf, size_t len, char *err, size_t errlen);

#endif
