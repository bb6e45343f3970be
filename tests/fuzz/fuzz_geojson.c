/* libFuzzer: GeoJSON boundaries from outside (imports, the big-data
 * center) into GEOS. Any input is refused with a reason or becomes a valid
 * shape whose bounding box holds its centroid's neighbourhood answers, and
 * whose area is finite and not negative; never a crash or a leak. */
#include "geo/geo.h"
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
    char err[512];
    err[0] = 0;
    geo_shape_t *g = geo_from_text(text, err, sizeof err);
    free(text);
    if (!g) {
        if (!err[0])
            abort(); /* a refusal always says why */
        return 0;
    }
    double box[4], cx, cy;
    geo_bbox(g, box);
    if (!(box[0] <= box[2] && box[1] <= box[3]))
        abort();
    double a = geo_area_m2(g);
    if (!isfinite(a) || a < -1e-6)
        abort();
    if (geo_centroid(g, &cx, &cy))
        (void)geo_locate(g, cx, cy);
    (void)geo_locate(g, box[0], box[1]);
    (void)geo_locate(g, box[2] + 1, box[3] + 1);
    json_decref(geo_geojson(g));
    geo_free(g);
    return 0;
}
