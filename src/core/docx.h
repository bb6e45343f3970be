/* docx.h — writing a simple Word document (Office Open XML .docx, as Word,
 * WPS and LibreOffice open it): headings, paragraphs, paragraphs with marked
 * (highlighted) spans and tables of text, in a Chinese font. For reports
 * (the 校真 findings report); libzip + libxml2's text writer, so every piece
 * of text is escaped and control characters Word refuses are left out.
 * Not thread-shared: one writer per report. */
#ifndef ZD_DOCX_H
#define ZD_DOCX_H
#include <jansson.h>
#include <stddef.h>

typedef struct docx docx_t;

/* A highlighted span of a paragraph: bytes [start, end) of its text. */
typedef enum { DOCX_MARK_RED, DOCX_MARK_YELLOW, DOCX_MARK_CYAN } docx_mark_colour_t;
typedef struct {
    size_t start, end;
    docx_mark_colour_t colour;
} docx_mark_t;

docx_t *docx_new(void);
void docx_free(docx_t *d);
/* level 1 (title) or 2 (section) */
void docx_heading(docx_t *d, int level, const char *text);
/* A paragraph; "\n" inside starts a new line of the same paragraph. */
void docx_para(docx_t *d, const char *text);
/* A paragraph of text[0..len) with marks (sorted by start, not overlapping;
 * bad ones are skipped). */
void docx_marked(docx_t *d, const char *text, size_t len, const docx_mark_t *marks, size_t n);
/* A table with a bold header row: header is an array of strings, rows an
 * array of arrays of strings or integers. */
void docx_table(docx_t *d, json_t *header, json_t *rows);
/* Writes the document to path. 0, or -1 with a reason in err. */
int docx_save(docx_t *d, const char *path, char *err, size_t errlen);

#endif
