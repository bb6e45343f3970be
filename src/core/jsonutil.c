/* jsonutil.c — see jsonutil.h. */
#include "core/jsonutil.h"
#include "core/timeutil.h"

json_t *json_time(int64_t ms)
{
    if (!ms)
        return json_null();
    char buf[40];
    return json_string(time_iso8601(ms, buf, sizeof buf));
}

json_t *json_text_or_null(const char *s) { return s ? json_string(s) : json_null(); }
