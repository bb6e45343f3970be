/* proj.c — see proj.h. PROJ through dlopen (core/dynlib.h), one context per
 * call: a PJ and its context are not to be shared between threads. */
#include "geo/proj.h"
#include "core/dynlib.h"
#include <dlfcn.h>
#include <math.h>
#include <proj.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_DEPTH     4      /* MultiPolygon: polygons → rings → positions → numbers */
#define MAX_POSITIONS 200000 /* as geo.c */

#define ZD_PROJ_FUNCS(X)                                                                                     \
    X(proj_context_create)                                                                                   \
    X(proj_context_destroy)                                                                                  \
    X(proj_context_errno)                                                                                    \
    X(proj_context_errno_string)                                                                             \
    X(proj_create_crs_to_crs)                                                                                \
    X(proj_normalize_for_visualization)                                                                      \
    X(proj_destroy)                                                                                          \
    X(proj_trans)                                                                                            \
    X(proj_errno)

static ZD_DL_TABLE(ZD_PROJ_FUNCS) pj;
static char pj_dl_error[256];
static int pj_dl_rc = -1;
static pthread_once_t pj_once = PTHREAD_ONCE_INIT;

static void pj_load(void)
{
    ZD_DL_LOAD(pj_dl_rc, pj, ZD_PROJ_FUNCS, "libproj.so.25", RTLD_LOCAL, pj_dl_error, sizeof pj_dl_error);
}

bool geo_crs_supported(int epsg) { return epsg == 4326 || epsg == 4490 || epsg == 4549 || epsg == 3857; }

static void say(char *err, size_t errlen, const char *fmt, const char *arg)
{
    if (err && errlen)
        snprintf(err, errlen, fmt, arg);
}

/* digits only, 1..6 of them: the code; -1 otherwise */
static int code_of(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 6)
        return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int geo_crs_from_name(const char *name, char *err, size_t errlen)
{
    if (!name || !*name || strlen(name) > 100) {
        say(err, errlen, "%s", "坐标系名称为空或过长，应为 EPSG:代码，例如 EPSG:4549");
        return -1;
    }
    int code = -1;
    const char *p = name;
    if (!strcasecmp(p, "urn:ogc:def:crs:OGC:1.3:CRS84") || !strcasecmp(p, "urn:ogc:def:crs:OGC::CRS84") ||
        !strcasecmp(p, "CRS84")) {
        code = 4326;
    } else {
        if (!strncasecmp(p, "urn:ogc:def:crs:", 16))
            p += 16;
        if (!strncasecmp(p, "EPSG:", 5)) {
            p += 5;
            /* an optional version between the colons: EPSG::4549, EPSG:9.1:4549 */
            const char *colon = strchr(p, ':');
            if (colon) {
                for (const char *v = p; v < colon; v++)
                    if ((*v < '0' || *v > '9') && *v != '.')
                        goto bad;
                p = colon + 1;
            }
        } else if (p != name) {
            goto bad;
        }
        code = code_of(p);
    }
    if (code < 0)
        goto bad;
    if (!geo_crs_supported(code)) {
        if (err && errlen)
            snprintf(err, errlen,
                     "不支持坐标系 EPSG:%d，支持 EPSG:4326（WGS84）、EPSG:4490（CGCS2000）、"
                     "EPSG:4549（CGCS2000 3 度带 中央经线 120°E）、EPSG:3857（Web 墨卡托）",
                     code);
        return -1;
    }
    return code;
bad:
    say(err, errlen, "%s",
        "无法识别的坐标系名称，应为 EPSG:代码 或 urn:ogc:def:crs:EPSG::代码，例如 EPSG:4549");
    return -1;
}

int geo_crs_parse(const json_t *crs, char *err, size_t errlen)
{
    if (!crs || json_is_null(crs))
        return 0;
    if (json_is_string(crs))
        return geo_crs_from_name(json_string_value(crs), err, errlen);
    const json_t *props = json_object_get(crs, "properties");
    const char *type = json_string_value(json_object_get(crs, "type"));
    if (!json_is_object(crs) || !type || strcmp(type, "name") != 0 || !json_is_object(props) ||
        !json_is_string(json_object_get(props, "name"))) {
        say(err, errlen, "%s", "crs 须为 {\"type\":\"name\",\"properties\":{\"name\":\"EPSG:代码\"}}");
        return -1;
    }
    return geo_crs_from_name(json_string_value(json_object_get(props, "name")), err, errlen);
}

typedef struct {
    PJ_CONTEXT *ctx;
    PJ *pj;
    size_t count;
    char *err;
    size_t errlen;
} conv_t;

static int conv_open(conv_t *cv, int epsg)
{
    pthread_once(&pj_once, pj_load);
    if (pj_dl_rc != 0) {
        say(cv->err, cv->errlen, "坐标转换库 PROJ 无法加载（%s），请安装 libproj25 与 proj-data",
            pj_dl_error);
        return -1;
    }
    cv->ctx = pj.proj_context_create();
    if (!cv->ctx) {
        say(cv->err, cv->errlen, "%s", "坐标转换库 PROJ 初始化失败");
        return -1;
    }
    char src[32];
    snprintf(src, sizeof src, "EPSG:%d", epsg);
    PJ *raw = pj.proj_create_crs_to_crs(cv->ctx, src, "EPSG:4326", NULL);
    PJ *norm = raw ? pj.proj_normalize_for_visualization(cv->ctx, raw) : NULL;
    if (raw)
        pj.proj_destroy(raw);
    if (!norm) {
        int e = pj.proj_context_errno(cv->ctx);
        const char *m = pj.proj_context_errno_string(cv->ctx, e);
        if (cv->err && cv->errlen)
            snprintf(cv->err, cv->errlen,
                     "无法建立从 EPSG:%d 到 EPSG:4326 的坐标转换（%s），请检查 proj-data", epsg,
                     m ? m : "PROJ");
        pj.proj_context_destroy(cv->ctx);
        cv->ctx = NULL;
        return -1;
    }
    cv->pj = norm;
    return 0;
}

static void conv_close(conv_t *cv)
{
    if (cv->pj)
        pj.proj_destroy(cv->pj);
    if (cv->ctx)
        pj.proj_context_destroy(cv->ctx);
}

static int conv_one(conv_t *cv, double *x, double *y)
{
    if (!isfinite(*x) || !isfinite(*y)) {
        say(cv->err, cv->errlen, "%s", "坐标须为有限数值");
        return -1;
    }
    PJ_COORD in = {{*x, *y, 0, HUGE_VAL}};
    PJ_COORD out = pj.proj_trans(cv->pj, PJ_FWD, in);
    if (!isfinite(out.xy.x) || !isfinite(out.xy.y) || out.xy.x == HUGE_VAL || pj.proj_errno(cv->pj)) {
        if (cv->err && cv->errlen)
            snprintf(cv->err, cv->errlen, "坐标 (%.3f, %.3f) 超出该坐标系的适用范围，无法转换", *x, *y);
        return -1;
    }
    *x = out.xy.x;
    *y = out.xy.y;
    return 0;
}

int geo_proj_points(double *xy, size_t n, int epsg, char *err, size_t errlen)
{
    if (!geo_crs_supported(epsg)) {
        char code[16];
        snprintf(code, sizeof code, "%d", epsg);
        say(err, errlen, "不支持坐标系 EPSG:%s", code);
        return -1;
    }
    if (epsg == 4326 || epsg == 4490 || n == 0)
        return 0;
    conv_t cv = {.err = err, .errlen = errlen};
    if (conv_open(&cv, epsg) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = conv_one(&cv, &xy[2 * i], &xy[2 * i + 1]);
    conv_close(&cv);
    return rc;
}

/* a converted copy of coordinates (nested arrays, positions at the bottom) */
static json_t *walk(conv_t *cv, const json_t *a, int depth)
{
    if (!json_is_array(a)) {
        say(cv->err, cv->errlen, "%s",
            depth ? "坐标点须为 [x, y] 或 [x, y, z] 数值" : "coordinates 须为数组");
        return NULL;
    }
    if (json_array_size(a) > 0 && json_is_number(json_array_get(a, 0))) {
        size_t n = json_array_size(a);
        if (n < 2 || n > 3 || !json_is_number(json_array_get(a, 1)) ||
            (n == 3 && !json_is_number(json_array_get(a, 2)))) {
            say(cv->err, cv->errlen, "%s", "坐标点须为 [x, y] 或 [x, y, z] 数值");
            return NULL;
        }
        if (++cv->count > MAX_POSITIONS) {
            say(cv->err, cv->errlen, "%s", "坐标点过多");
            return NULL;
        }
        double x = json_number_value(json_array_get(a, 0)), y = json_number_value(json_array_get(a, 1));
        if (cv->pj && conv_one(cv, &x, &y) != 0)
            return NULL;
        json_t *p = json_pack("[ff]", x, y);
        if (n == 3)
            json_array_append(p, json_array_get(a, 2));
        return p;
    }
    if (depth >= MAX_DEPTH) {
        say(cv->err, cv->errlen, "%s", "coordinates 嵌套过深");
        return NULL;
    }
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        json_t *c = walk(cv, v, depth + 1);
        if (!c) {
            json_decref(out);
            return NULL;
        }
        json_array_append_new(out, c);
    }
    return out;
}

json_t *geo_proj_geometry(const json_t *geometry, int epsg, char *err, size_t errlen)
{
    const char *t = json_string_value(json_object_get(geometry, "type"));
    if (t && !strcmp(t, "Feature"))
        geometry = json_object_get(geometry, "geometry");
    t = json_string_value(json_object_get(geometry, "type"));
    if (!json_is_object(geometry) || !t) {
        say(err, errlen, "%s", "geometry 须为带 type 的 GeoJSON 几何对象");
        return NULL;
    }
    if (!geo_crs_supported(epsg)) {
        char code[16];
        snprintf(code, sizeof code, "%d", epsg);
        say(err, errlen, "不支持坐标系 EPSG:%s", code);
        return NULL;
    }
    conv_t cv = {.err = err, .errlen = errlen};
    if (epsg != 4326 && epsg != 4490 && conv_open(&cv, epsg) != 0)
        return NULL;
    json_t *coords = walk(&cv, json_object_get(geometry, "coordinates"), 0);
    conv_close(&cv);
    if (!coords)
        return NULL;
    return json_pack("{s:s,s:o}", "type", t, "coordinates", coords);
}
