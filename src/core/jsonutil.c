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

json_t *json_parse_or_null(const char *s)
{
    json_t *j = s ? json_loads(s, 0, NULL) : NULL;
    return j ? j : json_null();
}

json_t *json_col_id(db_stmt_t *st, int i)
{
    return db_col_is_null(st, i) ? json_null() : json_integer(db_col_int64(st, i));
}

json_t *json_col_text(db_stmt_t *st, int i) { return json_text_or_null(db_col_text(st, i)); }

json_t *json_pick(const json_t *o, const char *const *keys, size_t n)
{
    json_t *out = json_object();
    for (size_t i = 0; out && i < n; i++) {
        json_t *v = json_object_get(o, keys[i]);
        if (v && !json_is_null(v))
            json_object_set(out, keys[i], v);
    }
    return out;
}
