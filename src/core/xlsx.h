/* xlsx.h — reading the first worksheet of an .xlsx workbook (Office Open
 * XML, as written by Excel, WPS and LibreOffice) as rows of text cells, with
 * libzip and libxml2's streaming reader.
 *
 * Cell values come out as text: shared and inline strings as written (rich
 * text runs joined, phonetic guides left out), numbers and formula results
 * as stored (no number formats applied), booleans as "TRUE"/"FALSE".
 *
 * Outside input: every member is size-checked before and while it is
 * unpacked (zip bombs), the XML is read without network access, DTD loading
 * or entity substitution, and rows, columns and cell lengths are bounded.
 * Errors carry a Chinese reason for the 4xx answer.
 *
 * Thread-safe: calls share nothing.
 */
#ifndef ZD_XLSX_H
#define ZD_XLSX_H
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    size_t max_member;  /* uncompressed bytes of one member; 0: 64 MiB */
    size_t max_rows;    /* 0: 1,000,000 */
    size_t max_cols;    /* 0: 256 (cells further right are an error) */
    size_t max_cell;    /* bytes of one cell's text; 0: 32 KiB */
    size_t max_strings; /* shared strings; 0: 2,000,000 */
} xlsx_limits_t;

/* One row: row is the 1-based row number; cells[0] is column A; missing
 * cells are ""; trailing empty cells are not passed (ncells may be 0 for a
 * row with no values). Pointers are valid during the call only. Return 0 to
 * go on; a positive value stops the reading and is returned by xlsx_read(). */
typedef int (*xlsx_row_fn)(void *ud, size_t row, const char *const *cells, size_t ncells);

/* Reads buf[0..len). 0 after the last row; -1 with a reason in err for a
 * file that is not a readable workbook or exceeds a limit; otherwise the
 * callback's stop value. lim may be NULL. */
int xlsx_read(const void *buf, size_t len, const xlsx_limits_t *lim, xlsx_row_fn fn, void *ud, char *err,
              size_t errlen);

/* Import sheets (shared by the importers): the column of each of the nh
 * expected headers in a header row, matched by prefix ("活动日期（2026-12-05）"
 * is "活动日期"); col[k] is -1 for a header not found. The number found. */
size_t xlsx_header_cols(const char *const *headers, size_t nh, const char *const *cells, size_t ncells,
                        int *col);

/* A date as Chinese spreadsheets hold it: "2026-12-05", "2026/12/5",
 * "2026.12.5", "2026年12月5日" (a time after a space is ignored), or an Excel
 * date serial ("46361", "46361.5": days since 1899-12-30, the 1900 date
 * system). out: "YYYY-MM-DD". false for anything else or a day that does
 * not exist (years 1900-9999). */
bool xlsx_date(const char *cell, char out[11]);

#endif
