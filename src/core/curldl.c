/* curldl.c — see curldl.h. */
#define ZD_CURLDL_IMPL
#include "core/curldl.h"
#include "core/dynlib.h"
#include <pthread.h>

static zd_curl_t g_curl;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void load(void)
{
    static const char *const names[] = {
#define X(f) #f,
        ZD_CURL_FUNCS(X)
#undef X
    };
    void *p[sizeof names / sizeof *names];
    zd_dl_open("libcurl.so.4", names, p, (int)(sizeof names / sizeof *names));
    int i = 0;
#define X(f) g_curl.f = (__typeof__(g_curl.f))p[i++];
    ZD_CURL_FUNCS(X)
#undef X
}

const zd_curl_t *zd_curl(void)
{
    pthread_once(&g_once, load);
    return &g_curl;
}
