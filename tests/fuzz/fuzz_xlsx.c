/* libFuzzer: the .xlsx reader on arbitrary bytes (seeded with real
 * workbooks): it must answer with rows or a reason, within its limits. */
#include "core/str.h"
#include "core/xlsx.h"
#include <stdlib.h>
#include <string.h>

/* the importers' helpers on every cell: a header row matched, each cell read
 * as a date — "YYYY-MM-DD" or false */
static const char *const HEADS[] = {"阵地", "活动类型", "活动日期", "组织编码", "用户名"};

static int on_row(void *ud, size_t row, const char *const *cells, size_t n)
{
    size_t *count = ud;
    (*count)++;
    if (row == 0 || n > 64)
        abort();
    for (size_t i = 0; i < n; i++)
        if (!cells[i] || strlen(cells[i]) > 4096)
            abort();
    int col[sizeof HEADS / sizeof HEADS[0]];
    size_t found = xlsx_header_cols(HEADS, sizeof HEADS / sizeof HEADS[0], cells, n, col);
    for (size_t k = 0; k < sizeof HEADS / sizeof HEADS[0]; k++)
        if (col[k] >= (int)n || col[k] < -1)
            abort();
    if (found > sizeof HEADS / sizeof HEADS[0])
        abort();
    for (size_t i = 0; i < n; i++) {
        char d[11];
        if (xlsx_date(cells[i], d) && (strlen(d) != 10 || d[4] != '-' || d[7] != '-' ||
                                       strncmp(d, "1900", 4) < 0 || strncmp(d, "9999", 4) > 0))
            abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    xlsx_limits_t lim = {
        .max_member = 1u << 20, .max_rows = 1000, .max_cols = 64, .max_cell = 4096, .max_strings = 10000};
    size_t rows = 0;
    char err[200] = "";
    int rc = xlsx_read(data, size, &lim, on_row, &rows, err, sizeof err);
    if (rc < 0 && (!err[0] || !utf8_valid(err, strlen(err))))
        abort();
    if (rows > 1000)
        abort();
    return 0;
}
