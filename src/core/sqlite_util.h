/* sqlite_util.h — file-level SQLite operations used by `zhendi backup` and
 * `zhendi restore` (they work on database files, not through the pool). */
#ifndef ZD_SQLITE_UTIL_H
#define ZD_SQLITE_UTIL_H
#include <stddef.h>

/* Online copy of the database at src into dest (overwritten) with SQLite's
 * backup API — safe while a server writes — then integrity_check on the copy
 * and fsync. 0 on success, -1 with a reason in err. */
int sqlite_backup_file(const char *src, const char *dest, char *err, size_t errlen);
/* integrity_check of a database file, and that it is a zhendi database
 * (has schema_migrations). 0 when fine. */
int sqlite_verify_file(const char *path, char *err, size_t errlen);
/* Replaces the database at target by a verified copy of src. The previous
 * database (checkpointed first) is kept as target.before-restore-<time>; its
 * name is written to kept. Refuses when a server holds the data directory
 * lock (callers check) . */
int sqlite_restore_file(const char *src, const char *target, char *kept, size_t keptsz, char *err,
                        size_t errlen);

#endif
