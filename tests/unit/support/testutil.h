/* testutil.h — helpers shared by the cmocka unit tests.
 * Include after <stdarg.h> <stddef.h> <setjmp.h> <stdint.h> <cmocka.h>. */
#ifndef ZD_TESTUTIL_H
#define ZD_TESTUTIL_H
#include "core/db.h"

/* A fresh temporary directory (mkdtemp); the caller frees the string and
 * may remove the tree with tu_rmrf(). */
char *tu_tempdir(void);
void tu_rmrf(const char *path);
/* An SQLite database in a fresh temp dir, migrated with the embedded
 * migrations. *dir receives the directory (free + tu_rmrf when done). */
db_t *tu_db(char **dir);
/* Executes SQL or fails the test. */
void tu_exec(db_t *db, const char *sql);
/* Single integer result of SQL, or fails the test. */
int64_t tu_int(db_t *db, const char *sql);

#endif
