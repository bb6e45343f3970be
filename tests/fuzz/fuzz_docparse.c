/* libFuzzer: the knowledge-base document parsers (.docx through libzip and
 * libxml2, .html through the sanitiser's reader, .pdf through poppler,
 * .txt/.md, .xlsx) on arbitrary bytes; the first byte picks the parser.
 * Each must answer with valid UTF-8 text or a Chinese reason. */
#include "core/str.h"
#include "text/docparse.h"
#include <glib.h>
#include <stdlib.h>
#include <string.h>

static void quiet(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer ud)
{
    (void)domain, (void)level, (void)msg, (void)ud;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static int once;
    if (!once++)
        g_log_set_default_handler(quiet, NULL); /* poppler's complaints about broken files */
    if (size < 1)
        return 0;
    doc_type_t t = (doc_type_t)(data[0] % DOC_UNKNOWN);
    char err[200] = "";
    char *text = doc_parse(t, data + 1, size - 1, err, sizeof err);
    if (text) {
        if (!utf8_valid(text, strlen(text)))
            abort();
        free(text);
    } else if (!err[0] || !utf8_valid(err, strlen(err))) {
        abort();
    }
    return 0;
}
