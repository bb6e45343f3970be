/* jsonutil.h — small jansson helpers shared by every layer. */
#ifndef ZD_JSONUTIL_H
#define ZD_JSONUTIL_H
#include "core/db.h"
#include <jansson.h>
#include <stdint.h>

json_t *json_time(int64_t ms);             /* ISO 8601 string, or null when ms == 0 */
json_t *json_text_or_null(const char *s);  /* string, or null for NULL */
json_t *json_parse_or_null(const char *s); /* the JSON text parsed, or null (NULL or not JSON) */
/* A new object with the members of o named in keys[0..n) that are present
 * and not null (a snapshot of the fields a reviewer sees, say). */
json_t *json_pick(const json_t *o, const char *const *keys, size_t n);
/* Column i of the current row as an integer id, or null when NULL. */
json_t *json_col_id(db_stmt_t *st, int i);
/* Column i as text, or null when NULL. */
json_t *json_col_text(db_stmt_t *st, int i);

#endif
