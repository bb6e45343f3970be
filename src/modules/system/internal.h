/* internal.h — what the system module's files share. Private to the
 * module: others use system.h. */
#ifndef ZD_SYSTEM_INTERNAL_H
#define ZD_SYSTEM_INTERNAL_H
#include "modules/system/system.h"

/* The OpenAPI 3.1 document of every route registered on http (openapi.c). */
json_t *system_openapi_document(const http_server_t *http);
/* Registers the jobs and schedules API (jobs_api.c). */
int system_jobs_routes(zd_app_t *app, char *err, size_t errlen);

#endif
