/* libFuzzer: the crs member of a GeoJSON import and a CRS name (geo/proj.h),
 * then the coordinates walked and converted. Any input yields a supported
 * EPSG code, "absent", or a refusal with a reason; a converted geometry is
 * arrays of finite numbers; never a crash, an overread or a leak. */
#include "geo/proj.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    char err[256];
    err[0] = 0;
    int code = geo_crs_from_name(text, err, sizeof err); /* the form field */
    if ((code < 0 && !err[0]) || (code >= 0 && !geo_crs_supported(code)))
        abort();
    json_t *doc = json_loads(text, JSON_DECODE_ANY, NULL);
    free(text);
    if (!doc)
        return 0;
    err[0] = 0;
    const json_t *crs = json_is_object(doc) ? json_object_get(doc, "crs") : doc;
    code = geo_crs_parse(crs, err, sizeof err);
    if ((code < 0 && !err[0]) || (code > 0 && !geo_crs_supported(code)))
        abort();
    const json_t *geom = json_is_object(doc) ? json_object_get(doc, "geometry") : NULL;
    if (code > 0 && geom && size < 4096) {
        json_t *out = geo_proj_geometry(geom, code, err, sizeof err);
        if (!out && !err[0])
            abort();
        json_decref(out);
    }
    json_decref(doc);
    return 0;
}
