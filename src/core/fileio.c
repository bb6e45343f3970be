/* fileio.c — see fileio.h. */
#include "core/fileio.h"
#include "core/str.h"
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

int fileio_write_all(int fd, const void *p, size_t n)
{
    const char *b = p;
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

int fileio_mkdirs(const char *path)
{
    char tmp[4096];
    if (str_lcpy(tmp, path, sizeof tmp) >= sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(tmp, 0750) != 0 && errno != EEXIST ? -1 : 0;
}
