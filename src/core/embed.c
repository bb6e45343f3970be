/* embed.c — lookup in the generated tables of embedded files. */
#include "core/embed.h"
#include <string.h>

const zd_embedded_t *embed_find(const zd_embedded_t *table, const char *name)
{
    for (const zd_embedded_t *e = table; e->name; e++)
        if (strcmp(e->name, name) == 0)
            return e;
    return NULL;
}
