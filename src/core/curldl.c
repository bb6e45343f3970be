/* curldl.c — see curldl.h. */
#define ZD_CURLDL_IMPL
#include "core/curldl.h"
#include "core/dynlib.h"
#include <pthread.h>

static zd_curl_t g_curl;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void load(void) { ZD_DL_REQUIRE(g_curl, ZD_CURL_FUNCS, "libcurl.so.4"); }

const zd_curl_t *zd_curl(void)
{
    pthread_once(&g_once, load);
    return &g_curl;
}
