/* libFuzzer: the router's path parsing and matching with arbitrary bytes. */
#include "http/router.h"
#include <stdlib.h>
#include <string.h>

static void h(http_req_t *r) { (void)r; }

static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/healthz", .handler = h, .perm = HTTP_LOGIN, .summary = "t"},
    {.method = "GET", .pattern = "/api/v1/orgs/{id}", .handler = h, .perm = HTTP_LOGIN, .summary = "t"},
    {.method = "GET", .pattern = "/api/v1/orgs/import", .handler = h, .perm = HTTP_LOGIN, .summary = "t"},
    {.method = "POST",
     .pattern = "/api/v1/orgs/{id}/users/{uid}",
     .handler = h,
     .perm = HTTP_LOGIN,
     .summary = "t",
     .flags = HTTP_NO_AUDIT},
};

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static router_t *r;
    if (!r) {
        char err[128];
        r = router_new();
        router_add(r, routes, sizeof routes / sizeof routes[0], "test", err, sizeof err);
    }
    char *path = malloc(size + 1);
    memcpy(path, data, size);
    path[size] = 0;
    route_match_t m;
    const char *methods[] = {"GET", "POST", "HEAD", "DELETE"};
    route_result_t res = router_match(r, methods[size % 4], path, &m);
    if (res == ROUTE_FOUND)
        for (int i = 0; i < m.nparams; i++) /* params must lie inside the path */
            if (m.params[i].value < path || m.params[i].value + m.params[i].len > path + size)
                abort();
    free(path);
    return 0;
}
