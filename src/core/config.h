/* config.h — the effective configuration of a zhendi process.
 * Sources, lowest precedence first: built-in defaults, the config file
 * (`key = value` lines; --config FILE, env ZHENDI_CONFIG, or DATA/zhendi.conf
 * when present), environment variables (ZHENDI_<KEY>), command-line flags
 * (--key value or --key=value). Each key is declared once in the table in
 * config.c with its type, bounds and whether it is a secret.
 * The struct is filled once at start-up and read-only afterwards. */
#ifndef ZD_CONFIG_H
#define ZD_CONFIG_H
#include "core/str.h"
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    char listen[256];    /* HOST:PORT */
    char data[1024];     /* data directory */
    char db[1024];       /* SQLite path or postgresql:// URL; "" → DATA/zhendi.db */
    char config[1024];   /* the config file read, if any */
    char web_root[1024]; /* built console; "" → next to the binary */
    char timezone[64];
    char log_level[16];
    int64_t log_max_mb;
    int64_t log_keep_days;
    int64_t threads; /* HTTP threads; 0 → auto */
    int64_t workers; /* job worker threads */
    int64_t db_pool; /* 0 → auto */
    int64_t slow_query_ms;
    int64_t db_statement_timeout_s;
    int64_t db_lock_timeout_ms;
    int64_t db_cache_mb; /* SQLite page cache per connection */
    int64_t max_connections;
    int64_t per_ip_connections; /* 0 → unlimited; trusted proxies are exempt */
    int64_t header_timeout_s;   /* a request's line and headers must be in within this */
    int64_t body_min_rate;      /* bytes per second a body must keep up */
    int64_t idle_timeout_s;
    int64_t max_header_kb;
    int64_t json_limit_kb;
    int64_t spool_kb;
    int64_t shutdown_timeout_s;
    int64_t job_lease_s;
    int64_t job_max_attempts;
    int64_t job_backoff_s;
    int64_t job_keep_days;
    char backup_dir[1024]; /* "" → DATA/backups */
    int64_t backup_keep;
    bool demo;                  /* load demo data when the database is new */
    bool cookie_secure;         /* mark the session cookie Secure (behind HTTPS) */
    char trusted_proxies[512];  /* addresses whose X-Forwarded-For is believed */
    char secret_key_file[1024]; /* "" → DATA/secret.key */
    int64_t argon2_t;
    int64_t argon2_m_kb;
    int64_t argon2_p;
    bool fault_injection; /* tests only: X-Zhendi-Fault (ZD_FAULTSIM builds) */
} config_t;

/* A setting. The core's live in config_t (off); a module declares its own
 * table (ptr to its own storage), ending with {NULL}, in zd_module_t.settings:
 *
 *   static int64_t video_max_mb;
 *   static const config_opt_t SETTINGS[] = {
 *       CONFIG_INT(proofread_video_max_mb, &video_max_mb, 200, 1, 4096, "largest video accepted"),
 *       {NULL}};
 *
 * Each is a flag --name, an environment variable ZHENDI_NAME and a line of
 * the config file, listed with its help by `zhendi config check`. */
typedef enum { CT_STR, CT_INT, CT_BOOL } config_type_t;
typedef struct {
    const char *key;
    config_type_t type;
    size_t off;  /* core: offset into config_t */
    void *ptr;   /* module: its storage (char[size], int64_t or bool) */
    size_t size; /* CT_STR: buffer size */
    const char *def;
    int64_t min, max;
    int secret; /* in dumps: 1 masks a URL's password, 2 hides the whole value */
    const char *help;
} config_opt_t;

#define CONFIG_STR(k, buf, d, sec, h)                                                                        \
    {                                                                                                        \
        .key = #k, .type = CT_STR, .ptr = (buf), .size = sizeof(buf), .def = d, .secret = sec, .help = h     \
    }
#define CONFIG_INT(k, var, d, lo, hi, h)                                                                     \
    {                                                                                                        \
        .key = #k, .type = CT_INT, .ptr = (var), .def = #d, .min = lo, .max = hi, .help = h                  \
    }
#define CONFIG_BOOL(k, var, d, h)                                                                            \
    {                                                                                                        \
        .key = #k, .type = CT_BOOL, .ptr = (var), .def = d, .max = 1, .help = h                              \
    }

/* Adds a module's settings (NULL-key terminated) under its name; call before
 * config_load. 0, or -1 when a key is taken or a table lacks storage. */
int config_register(const char *group, const config_opt_t *opts);

/* Fills cfg from defaults, file, env and argv (argv[0] is not skipped: pass
 * the flags only). Invalid values are errors, and so are unknown flags unless
 * pass_unknown, which hands them on in pos[] for a subcommand to parse:
 * returns -1 and writes a one-line reason into err. Positional arguments are
 * returned in pos[] (up to max_pos) and their count in *npos. */
int config_load(config_t *cfg, int argc, char **argv, char **pos, int max_pos, int *npos, bool pass_unknown,
                char *err, size_t errlen);
/* Effective configuration as `key = value` lines, secrets masked. */
void config_dump(const config_t *cfg, sbuf_t *out);
/* Derived values with defaults resolved. */
void config_db_url(const config_t *cfg, char *out, size_t outsz);
void config_backup_dir(const config_t *cfg, char *out, size_t outsz);
void config_secret_key_file(const config_t *cfg, char *out, size_t outsz);
/* DATA/tmp: request bodies spooled to disk, uploads waiting for a job,
 * files being built for a download. */
void config_tmp_dir(const config_t *cfg, char *out, size_t outsz);

#endif
