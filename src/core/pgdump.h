/* pgdump.h — backup and restore of a PostgreSQL database with pg_dump and
 * pg_restore (custom format), for `zhendi backup` / `zhendi restore` and
 * the system.backup job. The tools run as child processes (found on PATH;
 * Debian's wrapper picks the newest installed version); the connection is
 * handed to them through libpq's environment variables (PGHOST, PGPASSWORD,
 * …) parsed from the URL, so no password shows in a process list.
 * Point-in-time recovery is WAL archiving's job (docs/operations.md); these
 * are the logical backups that can be moved, inspected and restored into
 * any server version at least as new. Functions are thread-safe. */
#ifndef ZD_PGDUMP_H
#define ZD_PGDUMP_H
#include <stddef.h>

/* Writes a dump of the database at url to dest (through dest.tmp, fsynced,
 * then renamed; an existing dest is replaced only by a verified dump).
 * 0 on success, -1 with a one-line reason in err. */
int pgdump_backup(const char *url, const char *dest, char *err, size_t errlen);

/* Checks that file is a custom-format dump of a zhendi database
 * (`pg_restore --list` reads it, and it holds schema_migrations' data). */
int pgdump_verify(const char *file, char *err, size_t errlen);

/* Replaces everything in the database at url by the dump in file, in one
 * transaction (all or nothing): the public schema is dropped and the dump
 * replayed into a new one. Refused while zhendi nodes are connected to the
 * database. When the database holds tables, its contents are first dumped
 * into keep_dir/before-restore-<time>.dump; that path goes to kept ("" if
 * none). 0 on success, -1 with a reason in err. */
int pgdump_restore(const char *url, const char *file, const char *keep_dir, char *kept, size_t keptsz,
                   char *err, size_t errlen);

#endif
