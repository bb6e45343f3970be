/* pqdl.c — see pqdl.h. */
#define ZD_PQDL_IMPL
#include "core/pqdl.h"
#include "core/dynlib.h"
#include <pthread.h>

static zd_pq_t g_pq;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void load(void) { ZD_DL_REQUIRE(g_pq, ZD_PQ_FUNCS, "libpq.so.5"); }

const zd_pq_t *zd_pq(void)
{
    pthread_once(&g_once, load);
    return &g_pq;
}
