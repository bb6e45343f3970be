/* dynlib.c — see dynlib.h. */
#include "core/dynlib.h"
#include "core/log.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int zd_dl_try(const char *soname, int flags, const char *const *names, void **ptrs, int n, char *err,
              size_t errlen)
{
    void *h = dlopen(soname, RTLD_NOW | flags);
    if (!h) {
        snprintf(err, errlen, "%s", dlerror());
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (!(ptrs[i] = dlsym(h, names[i]))) {
            snprintf(err, errlen, "%s: no %s", soname, names[i]);
            return -1;
        }
    return 0;
}

void zd_dl_open(const char *soname, const char *const *names, void **ptrs, int n)
{
    char why[256];
    if (zd_dl_try(soname, RTLD_LOCAL, names, ptrs, n, why, sizeof why) == 0)
        return;
    log_msg(LOG_APP, LOG_ERROR, "dl.missing", "无法载入 %s（%s）：请安装 deps/apt.txt 中的软件包", soname,
            why);
    fprintf(stderr, "zhendi: %s cannot be loaded (%s): install the packages of deps/apt.txt\n", soname, why);
    exit(70);
}
