/* router.c — see router.h. Routes are kept as pre-split segments; a match
 * scans them all (a few hundred comparisons at most) and keeps the most
 * specific. */
#include "http/router.h"
#include "core/vec.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *text; /* literal text or param name (pointing into pattern copy) */
    size_t len;
    bool param;
} seg_t;

typedef struct {
    const http_route_t *route;
    const char *module;
    const char *pattern; /* segments point into it */
    seg_t segs[ROUTER_MAX_SEGMENTS];
    int nsegs;
} entry_t;

struct router {
    entry_t *e;
    int n;
    size_t cap;
};

router_t *router_new(void) { return calloc(1, sizeof(router_t)); }

void router_free(router_t *r)
{
    if (!r)
        return;
    free(r->e);
    free(r);
}

int router_count(const router_t *r) { return r->n; }
const http_route_t *router_at(const router_t *r, int i) { return i >= 0 && i < r->n ? r->e[i].route : NULL; }
const char *router_module_at(const router_t *r, int i) { return i >= 0 && i < r->n ? r->e[i].module : ""; }

static bool valid_method(const char *m)
{
    static const char *ok[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (m && strcmp(m, ok[i]) == 0)
            return true;
    return false;
}

static int split_pattern(entry_t *e, char *err, size_t errlen)
{
    const char *p = e->pattern;
    e->nsegs = 0;
    if (*p != '/') {
        snprintf(err, errlen, "route %s: pattern must start with /", e->route->pattern);
        return -1;
    }
    if (strcmp(p, "/") == 0)
        return 0;
    while (*p == '/') {
        p++;
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0 || e->nsegs == ROUTER_MAX_SEGMENTS) {
            snprintf(err, errlen, "route %s: empty segment or too many segments", e->route->pattern);
            return -1;
        }
        seg_t *s = &e->segs[e->nsegs++];
        s->param = p[0] == '{';
        if (s->param && (len < 3 || p[len - 1] != '}')) {
            snprintf(err, errlen, "route %s: bad parameter segment", e->route->pattern);
            return -1;
        }
        s->text = s->param ? p + 1 : p;
        s->len = s->param ? len - 2 : len;
        p += len;
    }
    return 0;
}

static bool mutating(const char *m) { return !http_method_safe(m); }

/* The rules every row of a route table obeys; NULL when fine. */
static const char *route_rule(const http_route_t *rt)
{
    if (!valid_method(rt->method) || !rt->pattern || !rt->handler)
        return "bad method or missing handler";
    if (!rt->perm)
        return "no permission: name one, or HTTP_LOGIN / HTTP_ANYONE";
    if ((strcmp(rt->perm, HTTP_ANYONE) == 0) != ((rt->flags & HTTP_PUBLIC) != 0))
        return "HTTP_ANYONE and HTTP_PUBLIC go together";
    if (!rt->summary || !rt->summary[0])
        return "no summary";
    if (mutating(rt->method) && !(rt->flags & HTTP_NO_AUDIT) && (!rt->audit || !rt->audit[0]))
        return "a mutating route names its audit action (.audit) or says HTTP_NO_AUDIT";
    if ((rt->flags & HTTP_LIST) && strcmp(rt->method, "GET") != 0)
        return "HTTP_LIST is for GET routes";
    if ((rt->flags & HTTP_EXPORT) && (!rt->resource || !rt->nout))
        return "HTTP_EXPORT is for list routes with a resource and their .out fields";
    if (rt->stream && (!mutating(rt->method) || !rt->stream->begin || !rt->stream->data || !rt->stream->end))
        return "a streamed body needs a method with a body and all three of begin, data, end";
    return NULL;
}

int router_add(router_t *r, const http_route_t *routes, size_t n, const char *module, char *err,
               size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        const http_route_t *rt = &routes[i];
        const char *why = route_rule(rt);
        if (why) {
            snprintf(err, errlen, "route %s %s: %s", rt->method ? rt->method : "?",
                     rt->pattern ? rt->pattern : "?", why);
            return -1;
        }
        if (vec_reserve((void **)&r->e, &r->cap, (size_t)r->n, sizeof *r->e, 64) != 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        entry_t *e = &r->e[r->n];
        memset(e, 0, sizeof *e);
        e->route = rt;
        e->module = module ? module : "";
        e->pattern = rt->pattern;
        if (split_pattern(e, err, errlen) != 0)
            return -1;
        for (int j = 0; j < r->n; j++)
            if (strcmp(r->e[j].route->pattern, rt->pattern) == 0 &&
                strcmp(r->e[j].route->method, rt->method) == 0) {
                snprintf(err, errlen, "route %s %s registered twice", rt->method, rt->pattern);
                return -1;
            }
        r->n++;
    }
    return 0;
}

/* Segment boundaries of path into starts[]/lens[]; -1 if malformed. */
static int split_path(const char *path, const char **starts, size_t *lens)
{
    if (path[0] != '/')
        return -1;
    if (path[1] == 0)
        return 0;
    int n = 0;
    const char *p = path;
    while (*p == '/') {
        p++;
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0 || n == ROUTER_MAX_SEGMENTS)
            return -1;
        starts[n] = p;
        lens[n++] = len;
        p += len;
    }
    return n;
}

/* true when a is more specific than b: first differing segment literal in a */
static bool more_specific(const entry_t *a, const entry_t *b)
{
    for (int i = 0; i < a->nsegs && i < b->nsegs; i++)
        if (a->segs[i].param != b->segs[i].param)
            return !a->segs[i].param;
    return false;
}

/* The best route for method and the path's segments, or NULL; collects
 * the other methods of the path in m->allow. */
static const entry_t *best_route(const router_t *r, const char *want, int n, const char *const *starts,
                                 const size_t *lens, route_match_t *m, bool *path_matched)
{
    const entry_t *best = NULL;
    for (int i = 0; i < r->n; i++) {
        const entry_t *e = &r->e[i];
        if (e->nsegs != n)
            continue;
        bool ok = true;
        for (int s = 0; s < n && ok; s++) {
            if (e->segs[s].param)
                ok = lens[s] > 0;
            else
                ok = e->segs[s].len == lens[s] && memcmp(e->segs[s].text, starts[s], lens[s]) == 0;
        }
        if (!ok)
            continue;
        *path_matched = true;
        if (strcmp(e->route->method, want) != 0) {
            size_t al = strlen(m->allow);
            if (!strstr(m->allow, e->route->method) && al + 10 < sizeof m->allow)
                snprintf(m->allow + al, sizeof m->allow - al, "%s%s", al ? ", " : "", e->route->method);
            continue;
        }
        if (!best || more_specific(e, best)) {
            best = e;
            m->index = i;
        }
    }
    return best;
}

route_result_t router_match(const router_t *r, const char *method, const char *path, route_match_t *m)
{
    const char *starts[ROUTER_MAX_SEGMENTS] = {0};
    size_t lens[ROUTER_MAX_SEGMENTS] = {0};
    memset(m, 0, sizeof *m);
    m->index = -1;
    if (!path || strlen(path) > ROUTER_MAX_PATH)
        return ROUTE_NOT_FOUND;
    int n = split_path(path, starts, lens);
    if (n < 0)
        return ROUTE_NOT_FOUND;
    bool path_matched = false;
    const entry_t *best = best_route(r, method, n, starts, lens, m, &path_matched);
    if (!best && strcmp(method, "HEAD") == 0) /* HEAD is GET without the body, unless a route says more */
        best = best_route(r, "GET", n, starts, lens, m, &path_matched);
    if (!best)
        return path_matched ? ROUTE_METHOD_NOT_ALLOWED : ROUTE_NOT_FOUND;
    m->route = best->route;
    for (int s = 0; s < n; s++)
        if (best->segs[s].param && m->nparams < ROUTER_MAX_PARAMS) {
            route_param_t *p = &m->params[m->nparams++];
            p->name = best->segs[s].text;
            p->name_len = best->segs[s].len;
            p->value = starts[s];
            p->len = lens[s];
        }
    m->allow[0] = 0;
    return ROUTE_FOUND;
}
