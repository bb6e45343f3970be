/* outside.h — the settings of an outside service (the city big-data
 * center, an OpenAI-compatible embedding service …), declared once:
 *
 * - its secret is sealed at rest (crypto_seal) and never answered: a form
 *   without a new one keeps the sealed one, and the audit's after-image
 *   says that it changed, never what it is;
 * - 测试连接 tries the form's unsaved values over the saved ones, outside
 *   any transaction (the call may wait for its timeout), and the attempt is
 *   audited with its outcome.
 *
 *     char *sealed;
 *     if (!outside_seal(req, b, "secret", &sealed)) return;   // 500 answered
 *     … UPDATE … secret_sealed = COALESCE(?, secret_sealed) …  (bind sealed)
 *     outside_mark_changed(after, b, "secret");
 *
 *     outside_form(cf.base_url, sizeof cf.base_url, b, "base_url");
 *     char *s = outside_form_secret(b, "secret"); if (s) { wipe saved; use s; }
 *     … the call …
 *     outside_test_reply(req, c, "bigdata", ok, detail, out); */
#ifndef ZD_OUTSIDE_H
#define ZD_OUTSIDE_H
#include "http/http.h"
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* *sealed = body[field] sealed, or NULL when it is absent or empty (keep the
 * sealed one). false after answering 500 when sealing failed. */
bool outside_seal(http_req_t *req, json_t *body, const char *field, char **sealed);

/* after["<field>_changed"] = true when body gave a new secret. */
void outside_mark_changed(json_t *after, json_t *body, const char *field);

/* dst = body[field] when that is a non-empty string (the form's value over
 * the saved one); dst untouched otherwise. */
void outside_form(char *dst, size_t n, json_t *body, const char *field);

/* A copy of body[field] when it is a non-empty string, else NULL. */
char *outside_form_secret(json_t *body, const char *field);

/* The end of a 测试连接: begins a transaction on c, records the route's
 * audit action on target_type #1 (outcome failure when !ok; detail: the
 * address and the result, never a secret) and answers 200 with out
 * (stolen). */
void outside_test_reply(http_req_t *req, db_conn_t *c, const char *target_type, bool ok, const char *detail,
                        json_t *out);

#endif
