/* fileio.h — file helpers every layer shares: writing a whole buffer,
 * creating a directory path, copying between descriptors, and the durable
 * ways to make a file appear (fsync, rename, fsync the directory). */
#ifndef ZD_FILEIO_H
#define ZD_FILEIO_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Writes all n bytes to fd (retrying short writes and EINTR). 0, or -1 with
 * errno set. */
int fileio_write_all(int fd, const void *p, size_t n);
/* Creates path and its missing parents (mode 0750). 0, or -1 with errno. */
int fileio_mkdirs(const char *path);
/* Removes path and everything under it (symbolic links are removed, not
 * followed); what cannot be removed stays. */
void fileio_rmtree(const char *path);
/* Copies everything from in's current offset to its end into out at out's
 * current offset: copy_file_range (in-kernel, reflink where the file system
 * can), falling back to read/write across file systems that refuse it.
 * The number of bytes copied, or -1 with errno. */
int64_t fileio_copy_fd(int in, int out);
/* fsync of the file or directory at path. 0, or -1 with errno. */
int fileio_fsync_path(const char *path);
/* fsync of the directory holding path, so that a rename or a new name in
 * it survives a crash. 0, or -1 with errno. */
int fileio_fsync_dir_of(const char *path);
/* Replaces path with the n bytes at p, atomically and durably: a temporary
 * file beside it (mode), fsync, rename, fsync of the directory. A reader
 * sees the old contents or the new, never part. 0, or -1 with errno (the
 * temporary file removed). */
int fileio_write_atomic(const char *path, const void *p, size_t n, mode_t mode);

#endif
