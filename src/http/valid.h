/* valid.h — table-driven validation of JSON request bodies.
 * A handler declares its fields once:
 *     static const vfield_t F[] = {
 *         {"name", V_STR, .required = true, .min = 1, .max = 100},
 *         {"type", V_ENUM, .required = true, .choices = identity_org_types},
 *     };
 *     if (!valid_body(req, F, VN(F), false)) return;   // 400/422 answered
 * With partial (PATCH) absent fields are fine; null clears an optional one.
 * Declare the table at file scope and name it in the route (HTTP_BODY(F)):
 * the same table documents the body in GET /api/v1/openapi.json.
 * Unknown fields are ignored. Messages are Chinese and name the rule. */
#ifndef ZD_VALID_H
#define ZD_VALID_H
#include "http/http.h"

typedef enum { V_STR, V_TEXT, V_INT, V_NUM, V_BOOL, V_TIME, V_ENUM, V_ARRAY, V_OBJECT, V_ID } vtype_t;

struct vfield {
    const char *name;
    vtype_t type;
    bool required;
    int64_t min, max; /* V_STR/V_TEXT: characters (max 0 → 200 / 100000); V_INT: value (0,0 → any);
                         V_ARRAY: items */
    const char *const *choices; /* V_ENUM: NULL-terminated */
    /* extra rule after the type checks: NULL when fine, else the reason
     * (may point to a static or thread-local buffer) */
    const char *(*check)(json_t *v);
    const char *title; /* what it is, in Chinese (the document; optional) */
};

#define VN(a) (sizeof(a) / sizeof((a)[0]))

/* The body as an object, or NULL after answering 400. */
json_t *valid_object(http_req_t *req);
/* Validates the body; false after answering 400/422. */
bool valid_body(http_req_t *req, const vfield_t *fields, size_t n, bool partial);
/* Validates the route's declared query parameters (strings: V_STR/V_ENUM
 * length and choices, V_INT/V_ID numbers in range, V_BOOL true/false/1/0,
 * V_TIME ISO 8601); false after answering 422 with every bad field. The
 * dispatcher calls it before the handler. */
bool valid_query(http_req_t *req);
/* Checks one value against one rule; NULL when fine, else the reason. */
const char *valid_value(const vfield_t *f, json_t *v);

/* v is one of the NULL-terminated choices (v may be NULL: false). */
bool valid_choice(const char *const *choices, const char *v);

/* Readers for validated bodies: NULL/def when absent or null. */
const char *jstr(json_t *o, const char *key);
/* A vfield_t check: an absent / empty string, or an http:// or https://
 * address without query, fragment or spaces (a connector's base URL). */
const char *valid_http_url(json_t *v);
int64_t jint(json_t *o, const char *key, int64_t def);
bool jbool(json_t *o, const char *key, bool def);
bool jhas(json_t *o, const char *key); /* present, even if null */

#endif
