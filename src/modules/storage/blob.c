/* blob.c — what every object-store backend shares: the key rules of
 * blob.h, checked once here so that no backend turns a request's key into
 * a path outside its root or an unexpected object name. */
#include "modules/storage/blob.h"
#include "modules/storage/blob_internal.h"
#include <string.h>

static bool is_hex64(const char *s)
{
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static bool key_byte(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == '/';
}

/* Every byte a key byte, no "..", no empty or "." segment; a trailing '/'
 * only when allowed (prefixes). */
static bool path_ok(const char *s, bool trailing_slash)
{
    size_t n = strlen(s);
    if (n == 0)
        return true;
    if (s[0] == '/' || strstr(s, "..") || strstr(s, "//"))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!key_byte((unsigned char)s[i]))
            return false;
    if (s[n - 1] == '/' && !trailing_slash)
        return false;
    /* a "." segment: "./x", "x/./y", "x/." */
    if (strcmp(s, ".") == 0 || strncmp(s, "./", 2) == 0 || strstr(s, "/./") ||
        (n >= 2 && strcmp(s + n - 2, "/.") == 0))
        return false;
    return true;
}

bool blob_key_ok(const char *key)
{
    if (!key)
        return false;
    size_t n = strlen(key);
    if (n == 64)
        return is_hex64(key);
    /* d/<sha256>/<name> */
    if (n < 2 + 64 + 2 || n > BLOB_KEY_MAX || strncmp(key, "d/", 2) != 0 || !is_hex64(key + 2) ||
        key[66] != '/')
        return false;
    return path_ok(key + 67, false) && key[67] != 0;
}

bool blob_prefix_ok(const char *prefix)
{
    return prefix && strlen(prefix) <= BLOB_KEY_MAX && path_ok(prefix, true);
}
