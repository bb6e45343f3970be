/* migrate.h — numbered schema migrations.
 * Files are named NNNN_name.sql (portable) with an optional NNNN_name.pg.sql
 * that replaces it on PostgreSQL. Each is applied in its own transaction
 * together with its row in schema_migrations (version, name, SHA-256 of the
 * text, time). A database whose applied migration no longer matches the
 * file's checksum — or that knows a version this binary does not — is
 * refused: the schema would not be what the code expects. Several nodes
 * starting at once take turns under db_lock("zhendi.migrations"); the
 * migrations themselves run without a statement timeout. */
#ifndef ZD_MIGRATE_H
#define ZD_MIGRATE_H
#include "core/db.h"
#include "core/embed.h"

/* Applies what is missing. *applied (may be NULL) gets the count.
 * 0 on success, -1 with a one-line reason in err. */
int migrate_run(db_t *db, const zd_embedded_t *files, int *applied, char *err, size_t errlen);
/* Highest applied version, 0 for a new database, -1 on error. */
int migrate_current(db_t *db);

#endif
