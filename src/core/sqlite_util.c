/* sqlite_util.c — backup, verify and restore of SQLite files; see
 * sqlite_util.h. */
#include "core/sqlite_util.h"
#include "core/fileio.h"
#include "core/str.h"
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int sqlite_verify_file(const char *path, char *err, size_t errlen)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    int ret = -1;
    if (access(path, R_OK) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, h ? sqlite3_errmsg(h) : "cannot open");
        goto out;
    }
    if (sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        snprintf(err, errlen, "%s is not a SQLite database: %s", path, sqlite3_errmsg(h));
        goto out;
    }
    const char *r = (const char *)sqlite3_column_text(st, 0);
    if (!r || strcmp(r, "ok") != 0) {
        snprintf(err, errlen, "%s fails integrity_check: %s", path, r ? r : "?");
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(h, "SELECT count(*) FROM schema_migrations", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        snprintf(err, errlen, "%s is not a zhendi database (no schema_migrations)", path);
        goto out;
    }
    ret = 0;
out:
    sqlite3_finalize(st);
    sqlite3_close(h);
    return ret;
}

int sqlite_backup_file(const char *src, const char *dest, char *err, size_t errlen)
{
    sqlite3 *from = NULL, *to = NULL;
    int ret = -1;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.partial", dest);
    unlink(tmp);
    if (access(src, R_OK) != 0) {
        snprintf(err, errlen, "no database at %s", src);
        return -1;
    }
    if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", src, sqlite3_errmsg(from));
        goto out;
    }
    sqlite3_busy_timeout(from, 10000);
    /* a backup holds every record: readable by its owner only (SQLite would create it 0644) */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0)
        close(fd);
    if (sqlite3_open_v2(tmp, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot create %s: %s", tmp, sqlite3_errmsg(to));
        goto out;
    }
    sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
    if (!b) {
        snprintf(err, errlen, "backup: %s", sqlite3_errmsg(to));
        goto out;
    }
    int rc;
    /* copy in steps so a running server keeps writing between them; a write
     * by another connection restarts the copy, which then converges */
    while ((rc = sqlite3_backup_step(b, 256)) == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        if (rc != SQLITE_OK)
            sqlite3_sleep(20);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "backup failed: %s", sqlite3_errstr(rc));
        goto out;
    }
    /* the copy is a standalone file: no WAL beside it */
    sqlite3_exec(to, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
    sqlite3_close(to);
    to = NULL;
    if (sqlite_verify_file(tmp, err, errlen) != 0)
        goto out;
    if (fileio_fsync_path(tmp) != 0 || rename(tmp, dest) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", dest, strerror(errno));
        goto out;
    }
    fileio_fsync_dir_of(dest);
    ret = 0;
out:
    sqlite3_close(from);
    sqlite3_close(to);
    if (ret != 0)
        unlink(tmp);
    return ret;
}

static int copy_file(const char *from, const char *to, char *err, size_t errlen)
{
    int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, ret = -1;
    if (in < 0) {
        snprintf(err, errlen, "%s: %s", from, strerror(errno));
        return -1;
    }
    out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (out < 0) {
        snprintf(err, errlen, "%s: %s", to, strerror(errno));
        goto done;
    }
    if (fileio_copy_fd(in, out) < 0 || fsync(out) != 0) {
        snprintf(err, errlen, "copy failed: %s", strerror(errno));
        goto done;
    }
    ret = 0;
done:
    close(in);
    if (out >= 0)
        close(out);
    return ret;
}

int sqlite_restore_file(const char *src, const char *target, char *kept, size_t keptsz, char *err,
                        size_t errlen)
{
    char tmp[4096], aside[4096];
    kept[0] = 0;
    if (sqlite_verify_file(src, err, errlen) != 0)
        return -1;
    snprintf(tmp, sizeof tmp, "%s.restoring", target);
    if (copy_file(src, tmp, err, errlen) != 0) {
        unlink(tmp);
        return -1;
    }
    if (sqlite_verify_file(tmp, err, errlen) != 0) {
        unlink(tmp);
        return -1;
    }
    if (access(target, F_OK) == 0) {
        /* fold the WAL into the old file so that it is complete on its own */
        sqlite3 *h = NULL;
        if (sqlite3_open_v2(target, &h, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
            sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
            sqlite3_exec(h, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
        }
        sqlite3_close(h);
        char stamp[32];
        time_t t = time(NULL);
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
        snprintf(aside, sizeof aside, "%s.before-restore-%s", target, stamp);
        if (rename(target, aside) != 0) {
            snprintf(err, errlen, "cannot move %s aside: %s", target, strerror(errno));
            unlink(tmp);
            return -1;
        }
        str_lcpy(kept, aside, keptsz);
        char side[4200];
        snprintf(side, sizeof side, "%s-wal", target);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", target);
        unlink(side);
    }
    if (rename(tmp, target) != 0) {
        snprintf(err, errlen, "cannot install %s: %s", target, strerror(errno));
        return -1;
    }
    fileio_fsync_dir_of(target);
    return 0;
}
