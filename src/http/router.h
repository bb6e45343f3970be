/* router.h — the route table: patterns with {param} segments, matched by
 * method and path. Built once at start-up, then read-only and thread-safe.
 * Where several patterns match, literal segments win over parameters from
 * left to right (/orgs/import beats /orgs/{id}). */
#ifndef ZD_ROUTER_H
#define ZD_ROUTER_H
#include "http/http.h"

#define ROUTER_MAX_PARAMS   8
#define ROUTER_MAX_SEGMENTS 16
#define ROUTER_MAX_PATH     2048

typedef struct router router_t;

typedef struct {
    const char *name; /* from the pattern; not NUL-terminated */
    size_t name_len;
    const char *value; /* points into the matched path; not NUL-terminated */
    size_t len;
} route_param_t;

typedef enum { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_METHOD_NOT_ALLOWED } route_result_t;

typedef struct {
    const http_route_t *route;
    int index; /* stable index of the route, for metrics */
    route_param_t params[ROUTER_MAX_PARAMS];
    int nparams;
    char allow[64]; /* for 405: "GET, POST" */
} route_match_t;

router_t *router_new(void);
void router_free(router_t *r); /* NULL is fine */
/* Adds routes (the table must outlive the router). -1 with err on a bad
 * pattern or a duplicate method+pattern. */
int router_add(router_t *r, const http_route_t *routes, size_t n, const char *module, char *err,
               size_t errlen);
route_result_t router_match(const router_t *r, const char *method, const char *path, route_match_t *m);
int router_count(const router_t *r);
const http_route_t *router_at(const router_t *r, int index);
/* The module name given to router_add for the route at index ("" if none). */
const char *router_module_at(const router_t *r, int index);

#endif
