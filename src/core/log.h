/* log.h — structured JSON-lines logs, one file per kind under DATA/logs/.
 * The kinds are those the specification names (N3) plus the access log:
 *   system   start, stop, configuration, errors
 *   app      business operations
 *   job      batch and scheduled runs
 *   transfer file uploads and downloads
 *   db       migrations, database errors, slow queries
 *   access   one line per HTTP request
 *   security what threatened the system: viruses found, share-link passwords
 *            guessed, integrity failures of stored files
 * Files rotate when they pass the size limit or the date changes; rotated
 * files older than the retention are deleted. Every function is thread-safe;
 * before log_open() (or after log_close()) lines go to stderr.
 *
 * A record is built with typed field setters and written in one write(2):
 *     log_rec_t r;
 *     log_begin(&r, LOG_APP, LOG_INFO, "org.create");
 *     log_int(&r, "id", id); log_str(&r, "name", name);
 *     log_end(&r);
 * Never log passwords, tokens or secrets: the log cannot tell them apart. */
#ifndef ZD_LOG_H
#define ZD_LOG_H
#include "core/str.h"
#include <stdbool.h>
#include <stdint.h>

typedef enum {
    LOG_SYSTEM,
    LOG_APP,
    LOG_JOB,
    LOG_TRANSFER,
    LOG_DB,
    LOG_ACCESS,
    LOG_SECURITY,
    LOG_KINDS
} log_kind_t;
typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

typedef struct {
    int64_t max_bytes; /* rotate past this size (default 64 MiB) */
    int keep_days;     /* delete rotated files older than this (default 180) */
    log_level_t min_level;
    bool echo_stderr; /* also copy system-kind records to stderr */
} log_options_t;

/* Opens DIR (created if missing) for all kinds. 0 on success, -1 with errno. */
int log_open(const char *dir, const log_options_t *opt);
void log_close(void);
const char *log_kind_name(log_kind_t k);
const char *log_level_name(log_level_t l);
bool log_kind_parse(const char *s, log_kind_t *out);
bool log_level_parse(const char *s, log_level_t *out);
/* Deletes rotated files older than the retention; returns how many. */
int log_prune(void);
/* The directory logs go to, or NULL before log_open(). */
const char *log_dir(void);

typedef struct {
    sbuf_t buf;
    log_kind_t kind;
    log_level_t level;
    bool skip; /* below min level */
} log_rec_t;

void log_begin(log_rec_t *r, log_kind_t kind, log_level_t level, const char *event);
void log_str(log_rec_t *r, const char *key, const char *val); /* NULL → null */
void log_int(log_rec_t *r, const char *key, int64_t val);
void log_double(log_rec_t *r, const char *key, double val);
void log_bool(log_rec_t *r, const char *key, bool val);
/* Appends a pre-serialised JSON value (must be valid JSON). */
void log_raw(log_rec_t *r, const char *key, const char *json);
void log_end(log_rec_t *r);

/* One-liner: a record with a printf-formatted "msg" field. */
void log_msg(log_kind_t kind, log_level_t level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
