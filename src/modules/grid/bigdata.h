/* bigdata.h — the grid module's client of the city big-data center
 * (docs/bigdata-protocol.md), shared by bigdata.c and bigdata_api.c.
 * Private to the module. Thread-safe: nothing global but curl's one-time
 * initialisation. */
#ifndef ZD_MOD_GRID_BIGDATA_H
#define ZD_MOD_GRID_BIGDATA_H
#include "core/db.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The connector's settings, the secret opened (owned: bd_conf_free). */
typedef struct {
    bool enabled, has_secret;
    char base_url[512], app_key[128], sign_method[16], cursor[1024];
    char *secret; /* NULL when none, or when the sealed one cannot be opened */
    int timeout_s, page_size, interval_min, alert_after_min;
    int crs; /* EPSG code of the center's geometries (geo/proj.h) */
    int64_t last_run_at, unreachable_since, alerted_at;
} bd_conf_t;

/* Reads the row; 0, or -1 on a database error. */
int bd_conf_load(db_conn_t *c, bd_conf_t *cf);
void bd_conf_free(bd_conf_t *cf); /* wipes the secret; NULL is fine */

/* The signature of a request (docs/bigdata-protocol.md): digest of the body
 * (SM3, or SHA-256 for "HMAC-SHA256") and the HMAC of the five lines. */
void bd_sign(const char *method_name, const char *secret, const char *verb, const char *path,
             const char *timestamp, const char *nonce, const char *body, size_t len, char digest[65],
             char sig[65]);

/* An answer: status and body (owned: bd_resp_free), or err on a transport
 * failure. */
typedef struct {
    long status;
    char *body;
    size_t len;
    int retry_after;
    char err[512];
} bd_resp_t;
/* One signed request to base_url + pathq; a 429 is retried after its
 * Retry-After (at most 30 s, 3 times). 0 with an answer, -1 when the center
 * could not be reached (r->err). */
int bd_request(const bd_conf_t *cf, const char *verb, const char *pathq, const char *body, const char *idem,
               bd_resp_t *r);
void bd_resp_free(bd_resp_t *r);
void bd_resp_error(const bd_resp_t *r, char *out, size_t n);
/* Delay before retrying a push after `attempts` failures: 30 s doubling, at most 1 h. */
int64_t bd_backoff_ms(int attempts);
/* A new row of bigdata_runs (kind schedule|manual|full); its id or -1. */
int64_t bd_run_create(db_conn_t *c, const char *kind, const char *status, int64_t user);

#endif
