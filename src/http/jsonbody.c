/* jsonbody.c — see jsonbody.h. */
#include "http/jsonbody.h"
#include <stdbool.h>
#include <stdio.h>

/* Deepest nesting of [ and { outside strings; stops counting past max. */
static int depth_of(const char *s, size_t n, int max)
{
    int d = 0, deepest = 0;
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (c == '"')
            in_str = true;
        else if (c == '[' || c == '{') {
            if (++d > deepest && (deepest = d) > max)
                return deepest;
        } else if (c == ']' || c == '}')
            d--;
    }
    return deepest;
}

json_t *jsonbody_parse(const char *buf, size_t len, char *err, size_t errlen)
{
    if (depth_of(buf, len, JSONBODY_MAX_DEPTH) > JSONBODY_MAX_DEPTH) {
        snprintf(err, errlen, "嵌套超过 %d 层", JSONBODY_MAX_DEPTH);
        return NULL;
    }
    json_error_t e;
    json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &e);
    if (!j)
        snprintf(err, errlen, "第 %d 行第 %d 列：%s", e.line, e.column, e.text);
    return j;
}
