/* libFuzzer: JSON request bodies — the depth guard, jansson's parser and the
 * field validator every handler uses. */
#include "http/jsonbody.h"
#include "http/valid.h"
#include <stdlib.h>

static const char *const CHOICES[] = {"city", "district", "branch", NULL};
static const vfield_t F[] = {
    {"name", V_STR, true, 1, 100, NULL, NULL},  {"text", V_TEXT, false, 0, 0, NULL, NULL},
    {"n", V_INT, false, -5, 5, NULL, NULL},     {"id", V_ID, false, 0, 0, NULL, NULL},
    {"when", V_TIME, false, 0, 0, NULL, NULL},  {"type", V_ENUM, false, 0, 0, CHOICES, NULL},
    {"list", V_ARRAY, false, 0, 3, NULL, NULL}, {"x", V_NUM, false, 0, 10, NULL, NULL},
};

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char err[160];
    json_t *j = jsonbody_parse((const char *)data, size, err, sizeof err);
    if (!j)
        return 0;
    if (json_is_object(j))
        for (size_t i = 0; i < sizeof F / sizeof F[0]; i++) {
            json_t *v = json_object_get(j, F[i].name);
            if (v)
                (void)valid_value(&F[i], v);
        }
    char *s = json_dumps(j, JSON_COMPACT);
    free(s);
    json_decref(j);
    return 0;
}
