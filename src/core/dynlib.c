/* dynlib.c — see dynlib.h. */
#include "core/dynlib.h"
#include "core/log.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

void zd_dl_open(const char *soname, const char *const *names, void **ptrs, int n)
{
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    const char *why = h ? NULL : dlerror();
    for (int i = 0; h && i < n; i++)
        if (!(ptrs[i] = dlsym(h, names[i])))
            why = names[i];
    if (!why)
        return;
    log_msg(LOG_APP, LOG_ERROR, "dl.missing", "无法载入 %s（%s）：请安装 deps/apt.txt 中的软件包", soname,
            why);
    fprintf(stderr, "zhendi: %s cannot be loaded (%s): install the packages of deps/apt.txt\n", soname, why);
    exit(70);
}
