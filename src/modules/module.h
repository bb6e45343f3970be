/* module.h — how a business module plugs into the server.
 *
 * A module is a folder under src/modules/ with one zd_module_t, listed once
 * in zd_modules[] (modules.c). It brings, declared here rather than written
 * into core files: its settings, its permissions, its routes (registered in
 * init with module_routes), job kinds and schedules, CLI commands, demo
 * data, the to-do items of its users, the Chinese labels of its codes, and
 * migrations in its own folder (src/modules/<name>/migrations/NNNN_*.sql,
 * numbered in its range, see docs/modules.md). The console side is
 * web/src/modules/<name>/. docs/modules.md is the checklist and skeleton.
 *
 * Start-up order (modules_start): every module's permissions are
 * registered, then every init() in the order of zd_modules[], then every
 * start(), then the checks that every route's permission is in the
 * catalogue and every resource descriptor matches the database; demo data
 * last. A module keeps what it needs from the app in its own static state. */
#ifndef ZD_MODULE_H
#define ZD_MODULE_H
#include "auth/auth.h"
#include "core/config.h"
#include "core/db.h"
#include "http/server.h"

typedef struct zd_module zd_module_t;

typedef struct {
    const config_t *cfg;
    db_t *db;
    http_server_t *http;        /* NULL for CLI commands that do not serve */
    int64_t started_at;         /* ms */
    const zd_module_t *current; /* the module being initialised (module_routes) */
} zd_app_t;

/* A CLI subcommand a module adds: `zhendi <name> ARGS...`. argv holds the
 * positional arguments after the name (options were consumed into cfg).
 * Returns the exit status; prints a one-line reason to stderr on failure. */
typedef struct {
    const char *name;  /* "proofread", "user", "audit" ... */
    const char *usage; /* one line for `zhendi help` */
    int (*run)(const config_t *cfg, int argc, char **argv);
} zd_command_t;

/* The Chinese label of a code a user can see (a status, a kind, an audit
 * action), with the colour of its tag: the dictionary service
 * (GET /api/v1/dicts) serves them to the console, so a label is defined once. */
typedef struct {
    const char *value; /* the code: "active" */
    const char *label; /* "正常" */
    const char *tag;   /* Element Plus tag type: success, info, warning, danger, primary; NULL: info */
} zd_label_t;

typedef struct {
    const char *name;        /* "user_status" */
    const char *title;       /* "用户状态" */
    const zd_label_t *items; /* ends with {NULL} */
} zd_dict_t;

/* The to-do items of the caller that this module knows of, appended to
 * items as {"key","title","count","link"}: 0, or -1 on a database error. */
typedef int (*zd_todo_fn)(http_req_t *req, db_conn_t *c, json_t *items);

struct zd_module {
    const char *name;  /* "identity": its folder, its routes' tag, its settings' group */
    const char *title; /* "身份与权限" */
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
    const config_opt_t *settings;         /* {NULL}-terminated, or NULL */
    const auth_perm_group_t *permissions; /* {NULL}-terminated, or NULL */
    zd_todo_fn todo;                      /* may be NULL */
    const zd_dict_t *dicts;               /* {NULL}-terminated, or NULL */
    /* labels kept in the database (the roles' titles): adds its dictionaries
     * to dicts like modules_dicts() lays them out; 0, or -1 on a database
     * error. May be NULL. */
    int (*live_dicts)(db_conn_t *c, json_t *dicts);
};

/* NULL-terminated, in start-up order (modules.c) */
extern const zd_module_t *const zd_modules[];

/* Registers every module's settings with the configuration (main, before
 * config_load). 0, or -1 with err. */
int modules_settings(char *err, size_t errlen);
/* Runs every module's demo loader in order; 0 on success. */
int modules_demo(zd_app_t *app, char *err, size_t errlen);
/* Runs every module's init() and start(), then (when demo) their demo
 * loaders, holding a cluster-wide start-up lock so that nodes starting
 * together seed and bootstrap once. 0, or -1 with a one-line reason. */
int modules_start(zd_app_t *app, bool demo, char *err, size_t errlen);
/* For CLI commands: opens the database, applies migrations and runs every
 * module's init() and start() without an HTTP server. 0 on success, else -1
 * with a one-line reason. modules_close_app() undoes it (NULL-safe). */
int modules_open_app(const config_t *cfg, zd_app_t *app, char *err, size_t errlen);
void modules_close_app(zd_app_t *app);
/* Every module's shutdown, in order (safe after a start that failed half-way). */
void modules_shutdown(void);

/* Helper for init(): registers a route table of the module being started. */
int module_routes(zd_app_t *app, const http_route_t *routes, size_t n, char *err, size_t errlen);

/* Every module's to-do items for the caller ({"items":[...]}), or NULL on a
 * database error. */
json_t *modules_todo(http_req_t *req, db_conn_t *c);
/* {"name": {"title","items":[{"value","label","tag"}]}} of every module,
 * plus "audit_action" (from the route tables' audit actions and the
 * modules' own audit_action dictionaries) and "permission". */
json_t *modules_dicts(const http_server_t *http);
/* Adds every module's live dictionaries (roles ...) to dicts: 0, or -1 on a
 * database error. */
int modules_live_dicts(db_conn_t *c, json_t *dicts);
/* dicts[name].items (the dictionary created, with title, on first use):
 * for modules' live_dicts. */
json_t *modules_dict_items(json_t *dicts, const char *name, const char *title);

#endif
