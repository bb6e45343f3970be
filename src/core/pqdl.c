/* pqdl.c — see pqdl.h. */
#define ZD_PQDL_IMPL
#include "core/pqdl.h"
#include "core/dynlib.h"
#include <pthread.h>

static zd_pq_t g_pq;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void load(void)
{
    static const char *const names[] = {
#define X(f) #f,
        ZD_PQ_FUNCS(X)
#undef X
    };
    void *p[sizeof names / sizeof *names];
    zd_dl_open("libpq.so.5", names, p, (int)(sizeof names / sizeof *names));
    int i = 0;
#define X(f) g_pq.f = (__typeof__(g_pq.f))p[i++];
    ZD_PQ_FUNCS(X)
#undef X
}

const zd_pq_t *zd_pq(void)
{
    pthread_once(&g_once, load);
    return &g_pq;
}
