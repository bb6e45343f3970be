/* system.h — what the system module offers other parts of the program. */
#ifndef ZD_SYSTEM_H
#define ZD_SYSTEM_H
#include "modules/module.h"

/* Online backup of the database into the backup directory (SQLite: a
 * verified copy, zhendi-<time>.db; PostgreSQL: pg_dump, zhendi-<time>.dump),
 * keeping the newest cfg->backup_keep; path gets the file written. */
int system_backup_now(const config_t *cfg, db_t *db, char *path, size_t pathsz, char *err, size_t errlen);
extern const zd_module_t system_module;

#endif
