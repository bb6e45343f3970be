/* module.h — how a business module plugs into the server.
 * Each module owns its tables (migrations), routes, job kinds and
 * schedules. main.c calls every module's init() once at start-up, in the
 * order of zd_modules[], after migrations and before serving. A module keeps
 * what it needs from the app in its own static state. */
#ifndef ZD_MODULE_H
#define ZD_MODULE_H
#include "core/config.h"
#include "core/db.h"
#include "http/server.h"

typedef struct {
    const config_t *cfg;
    db_t *db;
    http_server_t *http; /* NULL for CLI commands that do not serve */
    int64_t started_at;  /* ms */
} zd_app_t;

/* A CLI subcommand a module adds: `zhendi <name> ARGS...`. argv holds the
 * positional arguments after the name (options were consumed into cfg).
 * Returns the exit status; prints a one-line reason to stderr on failure. */
typedef struct {
    const char *name;  /* "proofread", "user", "audit" ... */
    const char *usage; /* one line for `zhendi help` */
    int (*run)(const config_t *cfg, int argc, char **argv);
} zd_command_t;

typedef struct {
    const char *name;
    /* registers routes, job kinds and schedules; -1 with err to abort start */
    int (*init)(zd_app_t *app, char *err, size_t errlen);
    void (*shutdown)(void);       /* may be NULL */
    const zd_command_t *commands; /* NULL-name-terminated, or NULL */
    /* after every module's init(), before serving (may be NULL): for work
     * that needs what all modules registered, e.g. default role grants */
    int (*start)(zd_app_t *app, char *err, size_t errlen);
    /* loads this module's demo data (`zhendi demo`, `serve --demo` on a new
     * database), after the modules before it loaded theirs; may be NULL */
    int (*demo)(zd_app_t *app, char *err, size_t errlen);
} zd_module_t;

/* Runs every module's demo loader in order; 0 on success. */
int modules_demo(zd_app_t *app, char *err, size_t errlen);

/* NULL-terminated, in start-up order (modules.c) */
extern const zd_module_t *const zd_modules[];

/* Runs every module's init() and start(), then (when demo) their demo
 * loaders, holding a cluster-wide start-up lock so that nodes starting
 * together seed and bootstrap once. 0, or -1 with a one-line reason. */
int modules_start(zd_app_t *app, bool demo, char *err, size_t errlen);
/* For CLI commands: opens the database, applies migrations and runs every
 * module's init() and start() without an HTTP server. 0 on success, else -1
 * with a one-line reason. modules_close_app() undoes it (NULL-safe). */
int modules_open_app(const config_t *cfg, zd_app_t *app, char *err, size_t errlen);
void modules_close_app(zd_app_t *app);

/* Helper for init(): registers a route table. */
int module_routes(zd_app_t *app, const http_route_t *routes, size_t n, char *err, size_t errlen);

#endif
