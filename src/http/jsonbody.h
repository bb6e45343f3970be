/* jsonbody.h — parsing of JSON request bodies with the limits outside input
 * needs: at most JSONBODY_MAX_DEPTH levels of nesting (checked before
 * jansson recurses), valid UTF-8, no duplicate keys, no NUL in strings. */
#ifndef ZD_JSONBODY_H
#define ZD_JSONBODY_H
#include <jansson.h>
#include <stddef.h>

#define JSONBODY_MAX_DEPTH 32

/* New reference, or NULL with a short Chinese reason in err. */
json_t *jsonbody_parse(const char *buf, size_t len, char *err, size_t errlen);

#endif
