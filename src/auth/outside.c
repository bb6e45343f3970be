/* outside.c — see outside.h. */
#include "auth/outside.h"
#include "auth/auth.h"
#include "core/crypto.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *given(json_t *body, const char *field)
{
    const char *s = json_string_value(json_object_get(body, field));
    return s && *s ? s : NULL;
}

bool outside_seal(http_req_t *req, json_t *body, const char *field, char **sealed)
{
    const char *s = given(body, field);
    *sealed = s ? crypto_seal(s) : NULL;
    if (s && !*sealed) {
        http_error(req, 500, "seal_failed", "密钥加密失败");
        return false;
    }
    return true;
}

void outside_mark_changed(json_t *after, json_t *body, const char *field)
{
    if (!after || !given(body, field))
        return;
    char k[64];
    snprintf(k, sizeof k, "%s_changed", field);
    json_object_set_new(after, k, json_true()); /* the fact, never the value */
}

void outside_form(char *dst, size_t n, json_t *body, const char *field)
{
    const char *s = given(body, field);
    if (s)
        snprintf(dst, n, "%s", s);
}

char *outside_form_secret(json_t *body, const char *field)
{
    const char *s = given(body, field);
    return s ? strdup(s) : NULL;
}

void outside_test_reply(http_req_t *req, db_conn_t *c, const char *target_type, bool ok, const char *detail,
                        json_t *out)
{
    if (!http_begin(req, c)) {
        json_decref(out);
        return;
    }
    audit_entry_t ae = {
        .target_type = target_type, .target = 1, .outcome = ok ? NULL : "failure", .detail = detail};
    audit_reply(req, c, out != NULL, &ae, 200, out);
}
