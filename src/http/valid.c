/* valid.c — see valid.h. */
#include "http/valid.h"
#include "core/str.h"
#include "core/timeutil.h"
#include <string.h>

json_t *valid_object(http_req_t *req)
{
    json_t *b = http_json_body(req);
    if (!json_is_object(b)) {
        http_error(req, 400, "bad_request", "请求体应为 JSON 对象");
        return NULL;
    }
    return b;
}

static bool clean_text(const char *s, bool multiline)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t')))
            return false;
        if (c == 0x7f)
            return false;
    }
    return true;
}

const char *valid_value(const vfield_t *f, json_t *v)
{
    static _Thread_local char msg[160];
    switch (f->type) {
    case V_STR:
    case V_TEXT: {
        if (!json_is_string(v))
            return "应为文本";
        const char *s = json_string_value(v);
        size_t len = json_string_length(v);
        if (strlen(s) != len)
            return "不能包含空字符";
        if (!clean_text(s, f->type == V_TEXT))
            return f->type == V_STR ? "不能包含换行或控制字符" : "不能包含控制字符";
        size_t chars = utf8_count(s, len);
        int64_t max = f->max ? f->max : f->type == V_STR ? 200 : 100000;
        if ((int64_t)chars < f->min || (int64_t)chars > max) {
            if (f->min > 0 && chars == 0)
                return "不能为空";
            snprintf(msg, sizeof msg, "长度应为 %lld 到 %lld 个字符", (long long)f->min, (long long)max);
            return msg;
        }
        if (f->min > 0) { /* only blanks counts as empty */
            bool blank = true;
            for (const char *p = s; *p && blank; p++)
                blank = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';
            if (blank)
                return "不能为空";
        }
        return NULL;
    }
    case V_INT:
    case V_ID:
        if (!json_is_integer(v))
            return f->type == V_ID ? "应为编号（正整数）" : "应为整数";
        if (f->type == V_ID && json_integer_value(v) <= 0)
            return "应为编号（正整数）";
        if ((f->min || f->max) && (json_integer_value(v) < f->min || json_integer_value(v) > f->max)) {
            snprintf(msg, sizeof msg, "应在 %lld 到 %lld 之间", (long long)f->min, (long long)f->max);
            return msg;
        }
        return NULL;
    case V_NUM:
        if (!json_is_number(v))
            return "应为数字";
        if ((f->min || f->max) &&
            (json_number_value(v) < (double)f->min || json_number_value(v) > (double)f->max)) {
            snprintf(msg, sizeof msg, "应在 %lld 到 %lld 之间", (long long)f->min, (long long)f->max);
            return msg;
        }
        return NULL;
    case V_BOOL: return json_is_boolean(v) ? NULL : "应为 true 或 false";
    case V_TIME: {
        int64_t ms;
        if (!json_is_string(v) || !time_parse_iso8601(json_string_value(v), &ms))
            return "应为 ISO 8601 时间，例如 2026-11-29T09:30:00+08:00";
        return NULL;
    }
    case V_ENUM:
        if (valid_choice(f->choices, json_string_value(v)))
            return NULL;
        {
            size_t off = (size_t)snprintf(msg, sizeof msg, "应为以下之一：");
            for (const char *const *c = f->choices; *c && off < sizeof msg - 40; c++)
                off += (size_t)snprintf(msg + off, sizeof msg - off, "%s%s", c == f->choices ? "" : "、", *c);
        }
        return msg;
    case V_ARRAY:
        if (!json_is_array(v))
            return "应为数组";
        if ((f->min || f->max) &&
            ((int64_t)json_array_size(v) < f->min || (int64_t)json_array_size(v) > f->max)) {
            snprintf(msg, sizeof msg, "应有 %lld 到 %lld 项", (long long)f->min, (long long)f->max);
            return msg;
        }
        return NULL;
    case V_OBJECT: return json_is_object(v) ? NULL : "应为对象";
    }
    return "类型未知";
}

bool valid_body(http_req_t *req, const vfield_t *fields, size_t n, bool partial)
{
    json_t *b = valid_object(req);
    if (!b)
        return false;
    json_t *errors = json_object();
    for (size_t i = 0; i < n; i++) {
        const vfield_t *f = &fields[i];
        json_t *v = json_object_get(b, f->name);
        const char *why = NULL;
        if (!v || json_is_null(v)) {
            if (f->required && (!partial || v))
                why = "必填";
        } else {
            why = valid_value(f, v);
            if (!why && f->check)
                why = f->check(v);
        }
        if (why)
            json_object_set_new(errors, f->name, json_string(why));
    }
    if (json_object_size(errors)) {
        http_error_fields(req, errors);
        return false;
    }
    json_decref(errors);
    return true;
}

const char *jstr(json_t *o, const char *key) { return json_string_value(json_object_get(o, key)); }

const char *valid_http_url(json_t *v)
{
    const char *s = json_string_value(v);
    if (!s || !*s)
        return NULL;
    if (strncmp(s, "https://", 8) && strncmp(s, "http://", 7))
        return "须为 http:// 或 https:// 开头的地址";
    if (strchr(s, '?') || strchr(s, '#') || strchr(s, ' '))
        return "地址不能含查询参数、# 或空格";
    return NULL;
}

int64_t jint(json_t *o, const char *key, int64_t def)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? json_integer_value(v) : def;
}

bool jbool(json_t *o, const char *key, bool def)
{
    json_t *v = json_object_get(o, key);
    return json_is_boolean(v) ? json_is_true(v) : def;
}

bool jhas(json_t *o, const char *key) { return json_object_get(o, key) != NULL; }

bool valid_choice(const char *const *choices, const char *v)
{
    for (; v && *choices; choices++)
        if (strcmp(*choices, v) == 0)
            return true;
    return false;
}

/* One query value against its declaration; NULL when fine. */
static const char *query_type(const vfield_t *f, const char *v)
{
    static _Thread_local char msg[160];
    size_t len = strlen(v);
    if (!utf8_valid(v, len) || !clean_text(v, false))
        return "不是有效的文本";
    int64_t n;
    switch (f->type) {
    case V_INT:
    case V_ID:
        if (!str_to_int64(v, &n) || (f->type == V_ID && n <= 0))
            return f->type == V_ID ? "应为编号（正整数）" : "应为整数";
        if ((f->min || f->max) && (n < f->min || n > f->max)) {
            snprintf(msg, sizeof msg, "应为 %lld 到 %lld 之间的整数", (long long)f->min, (long long)f->max);
            return msg;
        }
        return NULL;
    case V_BOOL:
        return !strcmp(v, "true") || !strcmp(v, "false") || !strcmp(v, "1") || !strcmp(v, "0")
                   ? NULL
                   : "应为 true 或 false";
    case V_TIME:
        return time_parse_iso8601(v, &n) ? NULL : "应为 ISO 8601 时间，例如 2026-11-29T09:30:00+08:00";
    case V_ENUM: {
        json_t *s = json_string(v);
        const char *why = valid_value(f, s);
        json_decref(s);
        return why;
    }
    default: {
        size_t chars = utf8_count(v, len);
        int64_t max = f->max ? f->max : 100;
        if ((int64_t)chars > max) {
            snprintf(msg, sizeof msg, "最多 %lld 个字符", (long long)max);
            return msg;
        }
        return NULL;
    }
    }
}

/* The type's rules, then the field's own check (a month's range, say). */
static const char *query_value(const vfield_t *f, const char *v)
{
    const char *why = query_type(f, v);
    if (!why && f->check) {
        json_t *s = json_string(v);
        why = s ? f->check(s) : "不是有效的文本";
        json_decref(s);
    }
    return why;
}

bool valid_query(http_req_t *req)
{
    const http_route_t *rt = http_route(req);
    json_t *errors = NULL;
    const char *format = rt && (rt->flags & HTTP_EXPORT) ? http_query(req, "format") : NULL;
    if (format && strcmp(format, "xlsx") != 0)
        errors = json_pack("{s:s}", "format", "只能为 xlsx（导出 Excel 表格）");
    if (!errors && (!rt || !rt->nquery))
        return true;
    for (size_t i = 0; i < rt->nquery; i++) {
        const vfield_t *f = &rt->query[i];
        const char *v = http_query(req, f->name);
        const char *why = v ? query_value(f, v) : f->required ? "必填" : NULL;
        if (!why)
            continue;
        if (!errors)
            errors = json_object();
        json_object_set_new(errors, f->name, json_string(why));
    }
    if (!errors)
        return true;
    http_error_fields(req, errors);
    return false;
}
