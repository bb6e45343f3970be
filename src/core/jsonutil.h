/* jsonutil.h — small jansson helpers shared by every layer. */
#ifndef ZD_JSONUTIL_H
#define ZD_JSONUTIL_H
#include <jansson.h>
#include <stdint.h>

json_t *json_time(int64_t ms);            /* ISO 8601 string, or null when ms == 0 */
json_t *json_text_or_null(const char *s); /* string, or null for NULL */

#endif
