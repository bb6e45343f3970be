/* openapi.c — the OpenAPI 3.1 document of every registered route, generated
 * from the route tables (http.h): paths, methods, summaries, permissions
 * (x-permission), audit actions (x-audit), resources (x-resource),
 * parameters, bodies and answers. GET /api/v1/openapi.json serves it; the
 * console renders it; docs/api.md is rendered from it (scripts/api-doc.mjs)
 * and CI fails when the two drift apart. */
#include "auth/resource.h"
#include "http/valid.h"
#include "modules/system/internal.h"
#include <stdio.h>
#include <string.h>

/* JSON Schema of one field */
static json_t *field_schema(const vfield_t *f, bool query)
{
    json_t *s = json_object();
    switch (f->type) {
    case V_STR:
    case V_TEXT:
        json_object_set_new(s, "type", json_string("string"));
        if (f->min > 0)
            json_object_set_new(s, "minLength", json_integer(f->min));
        json_object_set_new(s, "maxLength",
                            json_integer(f->max             ? f->max
                                         : query            ? 100
                                         : f->type == V_STR ? 200
                                                            : 100000));
        break;
    case V_INT:
        json_object_set_new(s, "type", json_string("integer"));
        if (f->min || f->max) {
            json_object_set_new(s, "minimum", json_integer(f->min));
            json_object_set_new(s, "maximum", json_integer(f->max));
        }
        break;
    case V_ID:
        json_object_set_new(s, "type", json_string("integer"));
        json_object_set_new(s, "minimum", json_integer(1));
        break;
    case V_NUM: json_object_set_new(s, "type", json_string("number")); break;
    case V_BOOL: json_object_set_new(s, "type", json_string("boolean")); break;
    case V_TIME:
        json_object_set_new(s, "type", json_string("string"));
        json_object_set_new(s, "format", json_string("date-time"));
        break;
    case V_ENUM: {
        json_t *e = json_array();
        for (const char *const *c = f->choices; c && *c; c++)
            json_array_append_new(e, json_string(*c));
        json_object_set_new(s, "type", json_string("string"));
        json_object_set_new(s, "enum", e);
        break;
    }
    case V_ARRAY:
        json_object_set_new(s, "type", json_string("array"));
        if (f->min || f->max) {
            json_object_set_new(s, "minItems", json_integer(f->min));
            json_object_set_new(s, "maxItems", json_integer(f->max));
        }
        break;
    case V_OBJECT: json_object_set_new(s, "type", json_string("object")); break;
    }
    if (f->title)
        json_object_set_new(s, "description", json_string(f->title));
    return s;
}

static json_t *object_schema(const vfield_t *f, size_t n, bool with_required)
{
    json_t *props = json_object(), *req = json_array();
    for (size_t i = 0; i < n; i++) {
        json_object_set_new(props, f[i].name, field_schema(&f[i], false));
        if (f[i].required)
            json_array_append_new(req, json_string(f[i].name));
    }
    json_t *s = json_pack("{s:s,s:o}", "type", "object", "properties", props);
    if (with_required && json_array_size(req))
        json_object_set_new(s, "required", req);
    else
        json_decref(req);
    return s;
}

static json_t *param(const char *name, const char *in, bool required, json_t *schema, const char *desc)
{
    json_t *p =
        json_pack("{s:s,s:s,s:b,s:o}", "name", name, "in", in, "required", required, "schema", schema);
    if (desc)
        json_object_set_new(p, "description", json_string(desc));
    return p;
}

static json_t *parameters(const http_route_t *rt)
{
    json_t *a = json_array();
    /* path parameters, from the pattern */
    for (const char *p = strchr(rt->pattern, '{'); p; p = strchr(p + 1, '{')) {
        const char *e = strchr(p, '}');
        if (!e)
            break;
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(e - p - 1), p + 1);
        bool id = !strcmp(name, "id") || (strlen(name) > 3 && !strcmp(name + strlen(name) - 3, "_id"));
        json_array_append_new(a, param(name, "path", true,
                                       id ? json_pack("{s:s,s:i}", "type", "integer", "minimum", 1)
                                          : json_pack("{s:s}", "type", "string"),
                                       NULL));
    }
    for (size_t i = 0; i < rt->nquery; i++)
        json_array_append_new(a, param(rt->query[i].name, "query", rt->query[i].required,
                                       field_schema(&rt->query[i], true), rt->query[i].title));
    if (rt->flags & HTTP_LIST) {
        json_array_append_new(
            a, param("page", "query", false,
                     json_pack("{s:s,s:i,s:i}", "type", "integer", "minimum", 1, "default", 1), "页码"));
        json_array_append_new(a, param("page_size", "query", false,
                                       json_pack("{s:s,s:i,s:i,s:i}", "type", "integer", "minimum", 1,
                                                 "maximum", 200, "default", 20),
                                       "每页条数（超过 200 按 200）"));
        const zd_resource_t *r = rt->resource;
        if (r && r->sorts) {
            json_t *keys = json_array();
            for (const res_sort_t *k = r->sorts; k->key; k++)
                json_array_append_new(keys, json_string(k->key));
            json_t *p = param("sort", "query", false, json_pack("{s:s}", "type", "string"),
                              "排序：字段名，逗号分隔，前加 - 为倒序（如 -created_at,name）");
            json_object_set_new(p, "x-sort-keys", keys);
            json_array_append_new(a, p);
        }
        if (r && r->keyset)
            json_array_append_new(a, param("after", "query", false, json_pack("{s:s}", "type", "integer"),
                                           "按键集翻页：上一页答复的 next_after（不与 sort 同用）"));
    }
    if (rt->flags & HTTP_EXPORT)
        json_array_append_new(a, param("format", "query", false,
                                       json_pack("{s:s,s:[s]}", "type", "string", "enum", "xlsx"),
                                       "xlsx：按当前筛选和排序导出全部记录为 Excel 表格（最多 10000 "
                                       "条，代码与时间为中文和本地时间；记录审计）"));
    return a;
}

static json_t *request_body(const http_route_t *rt)
{
    const char *ctype = rt->flags & HTTP_BODY_MULTIPART ? "multipart/form-data"
                        : rt->flags & HTTP_BODY_TEXT    ? "text/plain"
                        : rt->flags & HTTP_BODY_RAW     ? "application/octet-stream"
                                                        : "application/json";
    json_t *schema = rt->nbody ? object_schema(rt->body, rt->nbody, strcmp(rt->method, "PATCH") != 0)
                     : rt->flags & (HTTP_BODY_MULTIPART | HTTP_BODY_TEXT | HTTP_BODY_RAW)
                         ? json_pack("{s:s}", "type", "string")
                         : NULL;
    if (!schema)
        return NULL;
    json_t *media = json_pack("{s:o}", "schema", schema);
    if (rt->example) {
        json_t *ex = json_loads(rt->example, 0, NULL);
        if (ex)
            json_object_set_new(media, "example", ex);
    }
    bool required = !rt->nbody;
    for (size_t i = 0; i < rt->nbody; i++)
        required |= rt->body[i].required;
    return json_pack("{s:b,s:{s:o}}", "required", required, "content", ctype, media);
}

static json_t *error_ref(const char *desc)
{
    return json_pack("{s:s,s:{s:{s:{s:s}}}}", "description", desc, "content", "application/json", "schema",
                     "$ref", "#/components/schemas/Error");
}

static json_t *responses(const http_route_t *rt)
{
    json_t *r = json_object();
    int status = rt->status ? rt->status : 200;
    char code[8];
    snprintf(code, sizeof code, "%d", status);
    if (status == 204) {
        json_object_set_new(r, code, json_pack("{s:s}", "description", "成功，无内容"));
    } else if (rt->flags & HTTP_EVENTS) {
        json_object_set_new(r, code,
                            json_pack("{s:s,s:{s:{s:{s:s}}}}", "description", "事件流（Server-Sent Events）",
                                      "content", "text/event-stream", "schema", "type", "string"));
        json_object_set_new(r, "503", error_ref("连接数已达上限或服务正在停止"));
    } else if (rt->flags & HTTP_DOWNLOAD) {
        json_object_set_new(r, code,
                            json_pack("{s:s,s:{s:{s:{s:s,s:s}}}}", "description", "文件", "content",
                                      "application/octet-stream", "schema", "type", "string", "format",
                                      "binary"));
    } else {
        json_t *item =
            rt->nout ? object_schema(rt->out, rt->nout, false) : json_pack("{s:s}", "type", "object");
        json_t *schema = rt->flags & HTTP_LIST
                             ? json_pack("{s:s,s:{s:{s:s,s:o},s:{s:s},s:{s:s},s:{s:s},s:{s:s}},s:[ssss]}",
                                         "type", "object", "properties", "items", "type", "array", "items",
                                         item, "total", "type", "integer", "page", "type", "integer",
                                         "page_size", "type", "integer", "next_after", "type", "integer",
                                         "required", "items", "total", "page", "page_size")
                             : item;
        json_object_set_new(r, code,
                            json_pack("{s:s,s:{s:{s:o}}}", "description", "成功", "content",
                                      "application/json", "schema", schema));
    }
    bool public_route = rt->flags & HTTP_PUBLIC;
    if (rt->nquery || rt->nbody || (rt->flags & HTTP_LIST))
        json_object_set_new(r, "422", error_ref("字段或参数有误（fields 逐项说明）"));
    if (!public_route) {
        json_object_set_new(r, "401", error_ref("未登录或会话已过期"));
        json_object_set_new(r, "403", error_ref("没有权限（或缺少 X-CSRF-Token）"));
    }
    if (strchr(rt->pattern, '{'))
        json_object_set_new(r, "404", error_ref("不存在，或不在您的数据范围内"));
    if (!http_method_safe(rt->method) && !(rt->flags & HTTP_NO_AUDIT))
        json_object_set_new(r, "409", error_ref("与当前状态或已有记录冲突"));
    return r;
}

static void lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

/* "GET /api/v1/users/{id}" → "get_users_id" */
static void operation_id(const http_route_t *rt, char *out, size_t outsz)
{
    size_t n = (size_t)snprintf(out, outsz, "%s", rt->method);
    lower(out);
    const char *p = rt->pattern;
    if (!strncmp(p, "/api/v1", 7))
        p += 7;
    for (; *p && n + 2 < outsz; p++) {
        char c = *p;
        if (c == '{' || c == '}')
            continue;
        out[n++] = (c == '/' || c == '-') ? '_' : c;
    }
    out[n] = 0;
}

json_t *system_openapi_document(const http_server_t *http)
{
    json_t *paths = json_object(), *tags = json_array();
    for (int m = 0; zd_modules[m]; m++)
        json_array_append_new(tags,
                              json_pack("{s:s,s:s}", "name", zd_modules[m]->name, "description",
                                        zd_modules[m]->title ? zd_modules[m]->title : zd_modules[m]->name));
    int n = http_server_route_count(http);
    for (int i = 0; i < n; i++) {
        const char *module;
        const http_route_t *rt = http_server_route_at(http, i, &module);
        json_t *path = json_object_get(paths, rt->pattern);
        if (!path) {
            path = json_object();
            json_object_set_new(paths, rt->pattern, path);
        }
        char opid[200], method[8];
        operation_id(rt, opid, sizeof opid);
        snprintf(method, sizeof method, "%s", rt->method);
        lower(method);
        json_t *op = json_pack("{s:s,s:s,s:[s],s:s}", "operationId", opid, "summary", rt->summary, "tags",
                               module, "x-permission", rt->perm);
        if (rt->notes)
            json_object_set_new(op, "description", json_string(rt->notes));
        if (rt->flags & HTTP_PUBLIC)
            json_object_set_new(op, "security", json_array());
        else if (rt->flags & HTTP_SESSION_ONLY)
            json_object_set_new(op, "security", json_pack("[{s:[]}]", "session"));
        if (rt->audit)
            json_object_set_new(op, "x-audit", json_string(rt->audit));
        if (rt->resource) {
            json_object_set_new(op, "x-resource", json_string(rt->resource->name));
            json_object_set_new(op, "x-resource-title", json_string(rt->resource->title));
            json_object_set_new(op, "x-scoped", json_boolean(!rt->resource->no_org));
        }
        if (rt->flags & HTTP_LIST)
            json_object_set_new(op, "x-list", json_true());
        if (rt->flags & HTTP_NO_AUDIT)
            json_object_set_new(op, "x-no-audit", json_true());
        json_t *params = parameters(rt);
        if (json_array_size(params))
            json_object_set_new(op, "parameters", params);
        else
            json_decref(params);
        json_t *body = !http_method_safe(rt->method) ? request_body(rt) : NULL;
        if (body)
            json_object_set_new(op, "requestBody", body);
        json_object_set_new(op, "responses", responses(rt));
        json_object_set_new(path, method, op);
    }
    json_t *error = json_pack("{s:s,s:{s:{s:s,s:{s:{s:s},s:{s:s},s:{s:s}},s:[ss]}},s:[s]}", "type", "object",
                              "properties", "error", "type", "object", "properties", "code", "type", "string",
                              "message", "type", "string", "fields", "type", "object", "required", "code",
                              "message", "required", "error");
    return json_pack(
        "{s:s,s:{s:s,s:s,s:s},s:[{s:s}],s:o,s:[{s:[]},{s:[]}],s:{s:{s:{s:s,s:s,s:s},s:{s:s,s:s}},s:{s:o}},s:"
        "o}",
        "openapi", "3.1.0", "info", "title", "阵地平台 API（上海市党群服务阵地智慧服务平台）", "version",
        ZHENDI_VERSION, "description",
        "由各模块的路由表生成。约定见 docs/api.md：错误格式 {\"error\":{\"code\",\"message\",\"fields\"}}，"
        "列表 {items,total,page,page_size}，时间为带时区的 ISO 8601。会话 Cookie 的修改请求须带 "
        "X-CSRF-Token；"
        "程序客户端用 Authorization: Bearer <令牌>。",
        "servers", "url", "/", "tags", tags, "security", "session", "token", "components", "securitySchemes",
        "session", "type", "apiKey", "in", "cookie", "name", "zhendi_session", "token", "type", "http",
        "scheme", "bearer", "schemas", "Error", error, "paths", paths);
}
