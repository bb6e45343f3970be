/* libFuzzer: the PostgreSQL SQL translation with arbitrary text. Besides not
 * crashing: without flags, text without the row-locking markers comes back
 * unchanged, and with placeholders only `?` changes. */
#include "core/db_pgsql.h"
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *sql = malloc(size + 1);
    memcpy(sql, data, size);
    sql[size] = 0; /* the text up to a NUL byte is what a caller would pass */
    bool marker = strstr(sql, "/*SKIP_LOCKED*/") || strstr(sql, "/*FOR_UPDATE*/");
    for (unsigned flags = 0; flags < 4; flags++) {
        int n = -1;
        char *out = db_pgsql_translate(sql, flags, &n);
        if (n < 0 || n > 65535)
            abort();
        if (flags == 0 && !marker && strcmp(out, sql) != 0)
            abort();
        if (flags == DB_PGSQL_PARAMS && !marker && !strchr(sql, '?') && strcmp(out, sql) != 0)
            abort();
        if (!(flags & DB_PGSQL_PARAMS) && n != 0)
            abort();
        free(out);
    }
    free(sql);
    return 0;
}
