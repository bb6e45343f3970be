/* fileio.h — file helpers every layer shares: writing a whole buffer,
 * creating a directory path. */
#ifndef ZD_FILEIO_H
#define ZD_FILEIO_H
#include <stddef.h>

/* Writes all n bytes to fd (retrying short writes and EINTR). 0, or -1 with
 * errno set. */
int fileio_write_all(int fd, const void *p, size_t n);
/* Creates path and its missing parents (mode 0750). 0, or -1 with errno. */
int fileio_mkdirs(const char *path);

#endif
