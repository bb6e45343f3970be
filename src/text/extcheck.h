/* extcheck.h — the adapter for an external proofreading service, whose
 * findings are merged with the local engine's (pr_result_merge). The local
 * engine always runs; the service only adds findings, so the product works
 * offline and a slow or failing service costs at most the timeout.
 *
 * Protocol (JSON over HTTP; docs/text-engine.md):
 *   POST <url>
 *   Content-Type: application/json; charset=utf-8
 *   Authorization: Bearer <key>        (when a key is configured)
 *   X-Request-Id: <id>
 *   {"text": "...", "offsets": "codepoint", "request_id": "..."}
 * → 200, Content-Type: application/json
 *   {"findings": [{"start": 0, "end": 2, "category": "sensitive",
 *                  "severity": "block", "suggestion": null, "message": "..."}]}
 * start/end are Unicode code point offsets into text, end exclusive.
 * category ∈ sensitive|formulation|typo|custom (anything else: custom),
 * severity ∈ block|warn|info (anything else: warn). Other statuses, bodies
 * over 4 MiB or malformed JSON count as a failure of the service.
 *
 * Thread-safe (one libcurl handle per call).
 */
#ifndef ZD_EXTCHECK_H
#define ZD_EXTCHECK_H
#include "text/proofread.h"
#include <jansson.h>

typedef struct {
    const char *url; /* NULL or "": disabled */
    const char *key; /* bearer token; NULL or "": none */
    int timeout_ms;  /* whole request; 0: 3000 */
} extcheck_config_t;

typedef enum { EXT_DISABLED, EXT_OK, EXT_ERROR, EXT_TIMEOUT } extcheck_status_t;

typedef struct {
    extcheck_status_t status;
    pr_finding_t *items; /* suggestion/message point into json (kept) */
    size_t n;
    json_t *json;    /* the parsed response */
    char error[256]; /* why it failed (for logs; not shown to users) */
    double ms;
} extcheck_result_t;

/* Asks the service about text[0..len). Always returns with out filled (the
 * status says what happened); free with extcheck_result_free. */
void extcheck_run(const extcheck_config_t *cfg, const char *text, size_t len, const char *request_id,
                  extcheck_result_t *out);
void extcheck_result_free(extcheck_result_t *r); /* NULL is fine */
/* {"status":"ok|disabled|error|timeout","findings":n,"ms":...} */
json_t *extcheck_status_json(const extcheck_result_t *r);

#endif
