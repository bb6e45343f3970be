/* curldl.h — libcurl opened on first use (core/dynlib.h). Include this
 * instead of <curl/curl.h>: the curl_* functions below stand for pointers
 * filled on the first call of any of them. */
#ifndef ZD_CURLDL_H
#define ZD_CURLDL_H
#include "core/dynlib.h"
#include <curl/curl.h>

#define ZD_CURL_FUNCS(X)                                                                                     \
    X(curl_easy_cleanup)                                                                                     \
    X(curl_easy_escape)                                                                                      \
    X(curl_free)                                                                                             \
    X(curl_easy_getinfo)                                                                                     \
    X(curl_easy_init)                                                                                        \
    X(curl_easy_perform)                                                                                     \
    X(curl_easy_reset)                                                                                       \
    X(curl_easy_setopt)                                                                                      \
    X(curl_easy_strerror)                                                                                    \
    X(curl_global_init)                                                                                      \
    X(curl_slist_append)                                                                                     \
    X(curl_slist_free_all)

typedef ZD_DL_TABLE(ZD_CURL_FUNCS) zd_curl_t;

/* libcurl's functions (loaded on the first call; exits when it cannot be) */
const zd_curl_t *zd_curl(void);

#ifndef ZD_CURLDL_IMPL
#undef curl_easy_getinfo /* curl.h's argument-counting macros */
#undef curl_easy_setopt
#define curl_easy_cleanup   (zd_curl()->curl_easy_cleanup)
#define curl_easy_escape    (zd_curl()->curl_easy_escape)
#define curl_free           (zd_curl()->curl_free)
#define curl_easy_getinfo   (zd_curl()->curl_easy_getinfo)
#define curl_easy_init      (zd_curl()->curl_easy_init)
#define curl_easy_perform   (zd_curl()->curl_easy_perform)
#define curl_easy_reset     (zd_curl()->curl_easy_reset)
#define curl_easy_setopt    (zd_curl()->curl_easy_setopt)
#define curl_easy_strerror  (zd_curl()->curl_easy_strerror)
#define curl_global_init    (zd_curl()->curl_global_init)
#define curl_slist_append   (zd_curl()->curl_slist_append)
#define curl_slist_free_all (zd_curl()->curl_slist_free_all)
#endif
#endif
