/* test_xlsx.c — the .xlsx reader: workbooks written by libxlsxwriter and by
 * hand (inline strings, rich text, sparse cells, a renamed first sheet),
 * and refusal of damaged or oversized files. */
#include "support/cm.h"

#include "core/str.h"
#include "core/xlsx.h"
#include "support/testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>
#include <zip.h>

typedef struct {
    char log[8192];
    size_t n;
    int stop_at;
} rows_t;

static int on_row(void *ud, size_t row, const char *const *cells, size_t n)
{
    rows_t *r = ud;
    r->n += (size_t)snprintf(r->log + r->n, sizeof r->log - r->n, "%zu:", row);
    for (size_t i = 0; i < n; i++)
        r->n += (size_t)snprintf(r->log + r->n, sizeof r->log - r->n, "%s%s", i ? "|" : "", cells[i]);
    r->n += (size_t)snprintf(r->log + r->n, sizeof r->log - r->n, ";");
    return r->stop_at && (int)row == r->stop_at ? 7 : 0;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *b = malloc((size_t)n + 1);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void workbook_written_by_libxlsxwriter_reads_back(void **state)
{
    (void)state;
    char *dir = tu_tempdir(), path[1100];
    snprintf(path, sizeof path, "%s/t.xlsx", dir);
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "词库");
    worksheet_write_string(ws, 0, 0, "词条", NULL);
    worksheet_write_string(ws, 0, 1, "建议", NULL);
    worksheet_write_string(ws, 1, 0, "按装", NULL);
    worksheet_write_string(ws, 1, 1, "安装", NULL);
    worksheet_write_string(ws, 2, 0, "按装", NULL); /* shared string reused */
    worksheet_write_number(ws, 2, 2, 42, NULL);
    worksheet_write_boolean(ws, 3, 3, 1, NULL);
    worksheet_write_string(ws, 5, 1, "隔一行，B 列", NULL);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
    size_t len;
    char *buf = slurp(path, &len);
    rows_t r = {0};
    char err[200];
    assert_int_equal(xlsx_read(buf, len, NULL, on_row, &r, err, sizeof err), 0);
    assert_string_equal(r.log, "1:词条|建议;2:按装|安装;3:按装||42;4:|||TRUE;6:|隔一行，B 列;");
    /* a positive callback value stops the reading and is returned */
    rows_t s = {.stop_at = 2};
    assert_int_equal(xlsx_read(buf, len, NULL, on_row, &s, err, sizeof err), 7);
    assert_string_equal(s.log, "1:词条|建议;2:按装|安装;");
    free(buf);
    tu_rmrf(dir);
    free(dir);
}

/* A zip in memory with the given members. */
static char *make_zip(const char *const *names, const char *const *bodies, size_t n, size_t *len)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_t *z = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    assert_non_null(z);
    zip_source_keep(src);
    for (size_t i = 0; i < n; i++) {
        zip_source_t *m = zip_source_buffer(z, bodies[i], strlen(bodies[i]), 0);
        assert_true(zip_file_add(z, names[i], m, ZIP_FL_ENC_UTF_8) >= 0);
    }
    assert_int_equal(zip_close(z), 0);
    assert_int_equal(zip_source_open(src), 0);
    zip_source_seek(src, 0, SEEK_END);
    *len = (size_t)zip_source_tell(src);
    zip_source_seek(src, 0, SEEK_SET);
    char *buf = malloc(*len + 1);
    assert_int_equal(zip_source_read(src, buf, *len), (zip_int64_t)*len);
    zip_source_close(src);
    zip_source_free(src);
    zip_error_fini(&ze);
    return buf;
}

static const char WB[] = "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
                         "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
                         "<sheets><sheet name=\"A\" sheetId=\"1\" r:id=\"rId7\"/></sheets></workbook>";
static const char RELS[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId7\" Type=\"worksheet\" Target=\"worksheets/data.xml\"/>"
    "</Relationships>";
static const char SST[] = "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
                          "<si><t>纯文本</t></si>"
                          "<si><r><t>富</t></r><r><rPr/><t xml:space=\"preserve\">文本 </t></r>"
                          "<rPh><t>フリガナ</t></rPh></si>"
                          "<si><t/></si></sst>";
static const char SHEET[] =
    "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
    "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"C1\" t=\"s\"><v>1</v></c></row>"
    "<row r=\"3\"><c r=\"B3\" t=\"inlineStr\"><is><t>内联&amp;&lt;转义&gt;</t></is></c>"
    "<c r=\"D3\" t=\"s\"><v>2</v></c></row>"
    "<row><c t=\"str\"><f>A1</f><v>公式结果</v></c><c><v>3.5</v></c></row>"
    "<row r=\"9\"/>"
    "</sheetData></worksheet>";

static void hand_written_workbook_with_rich_and_inline_strings_reads(void **state)
{
    (void)state;
    const char *names[] = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml",
                           "xl/worksheets/data.xml"};
    const char *bodies[] = {WB, RELS, SST, SHEET};
    size_t len;
    char *buf = make_zip(names, bodies, 4, &len);
    rows_t r = {0};
    char err[200];
    assert_int_equal(xlsx_read(buf, len, NULL, on_row, &r, err, sizeof err), 0);
    assert_string_equal(r.log, "1:纯文本||富文本 ;3:|内联&<转义>;4:公式结果|3.5;9:;");
    free(buf);
}

static void damaged_and_oversized_files_are_refused(void **state)
{
    (void)state;
    rows_t r = {0};
    char err[200];
    assert_int_equal(xlsx_read("not a zip at all", 16, NULL, on_row, &r, err, sizeof err), -1);
    assert_true(utf8_valid(err, strlen(err)) && err[0]);
    assert_int_equal(xlsx_read("", 0, NULL, on_row, &r, err, sizeof err), -1);

    const char *names[] = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml",
                           "xl/worksheets/data.xml"};
    const char *bodies[] = {WB, RELS, SST, SHEET};
    size_t len;
    char *buf = make_zip(names, bodies, 4, &len);
    /* a member larger than allowed */
    xlsx_limits_t small = {.max_member = 100};
    assert_int_equal(xlsx_read(buf, len, &small, on_row, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "过大"));
    xlsx_limits_t rows = {.max_rows = 2};
    assert_int_equal(xlsx_read(buf, len, &rows, on_row, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "行数"));
    xlsx_limits_t cols = {.max_cols = 3};
    assert_int_equal(xlsx_read(buf, len, &cols, on_row, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "列数"));
    /* truncated file */
    assert_int_equal(xlsx_read(buf, len / 2, NULL, on_row, &r, err, sizeof err), -1);
    free(buf);

    /* broken XML and a shared string index out of range */
    const char *bad_sheet[] = {
        "<worksheet><sheetData><row><c t=\"s\"><v>9</v></c></row></sheetData></worksheet>",
        "<worksheet><sheetData><row><c><v>1</v></row></worksheet>"};
    for (int i = 0; i < 2; i++) {
        const char *n2[] = {"xl/worksheets/sheet1.xml"};
        const char *b2[] = {bad_sheet[i]};
        buf = make_zip(n2, b2, 1, &len);
        assert_int_equal(xlsx_read(buf, len, NULL, on_row, &r, err, sizeof err), -1);
        free(buf);
    }
    /* entities are not expanded (billion laughs) */
    const char *n3[] = {"xl/worksheets/sheet1.xml"};
    const char *b3[] = {
        "<!DOCTYPE w [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
        "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
        "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>&c;</t></is></c></row>"
        "</sheetData></worksheet>"};
    buf = make_zip(n3, b3, 1, &len);
    rows_t e = {0};
    int rc = xlsx_read(buf, len, NULL, on_row, &e, err, sizeof err);
    assert_true(rc == 0 || rc == -1);
    assert_null(strstr(e.log, "aaaaaaaaaa"));
    free(buf);
}

/* the dates of Chinese spreadsheets, and the import sheets' headers */
static void dates_and_headers_of_import_sheets(void **state)
{
    (void)state;
    char d[11];
    static const char *const good[][2] = {{"2026-12-05", "2026-12-05"},  {"2026/12/5", "2026-12-05"},
                                          {"2026.12.5", "2026-12-05"},   {"2026年12月5日", "2026-12-05"},
                                          {"2026年2月28", "2026-02-28"}, {" 2026-12-05 10:30", "2026-12-05"},
                                          {"46361", "2026-12-05"},       {"46361.75", "2026-12-05"},
                                          {"1", "1900-01-01"},           {"59", "1900-02-28"},
                                          {"61", "1900-03-01"},          {"2024/2/29", "2024-02-29"}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_true(xlsx_date(good[i][0], d));
        assert_string_equal(d, good[i][1]);
    }
    static const char *const bad[] = {"",   "昨天",        "2026-13-01", "2026-02-29", "2026/2/30",
                                      "60", "2026-12-05x", "26-12-05",   "2026-12",    "0",
                                      "-5", "1900-02-29",  "2026.12",    "46361.5x",   NULL};
    for (size_t i = 0; bad[i]; i++)
        assert_false(xlsx_date(bad[i], d));
    assert_false(xlsx_date(NULL, d));

    static const char *const heads[] = {"阵地", "活动日期", "组织者"};
    const char *cells[] = {"活动日期（如 2026-12-05）", "", " 阵地", "备注"};
    int col[3];
    assert_int_equal(xlsx_header_cols(heads, 3, cells, 4, col), 2);
    assert_int_equal(col[0], 2);
    assert_int_equal(col[1], 0);
    assert_int_equal(col[2], -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(workbook_written_by_libxlsxwriter_reads_back),
        cmocka_unit_test(hand_written_workbook_with_rich_and_inline_strings_reads),
        cmocka_unit_test(damaged_and_oversized_files_are_refused),
        cmocka_unit_test(dates_and_headers_of_import_sheets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
