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
/* PostgreSQL, when env ZHENDI_TEST_PG names a server's admin URL
 * (scripts/pg-test.sh starts one; `make test` always does):
 * the URL, or NULL after printing why the PostgreSQL tests are skipped. */
const char *tu_pg_admin(void);
/* A new empty database on that server; returns its URL (caller frees). */
char *tu_pg_create(void);
/* Drops a database made by tu_pg_create (connections are ended) and frees url. */
void tu_pg_drop(char *url);
/* Opens url with a pool of pool_size and applies the embedded migrations. */
db_t *tu_pg_open(const char *url, int pool_size);

/* The normalised code points of UTF-8 text s (normalize.h; norm_init()
 * done by the test) into out; fails the test on invalid UTF-8. */
size_t tu_cps(const char *s, uint32_t *out);

/* Executes SQL or fails the test. */
void tu_exec(db_t *db, const char *sql);
/* Single integer result of SQL, or fails the test. */
int64_t tu_int(db_t *db, const char *sql);

#endif
