/* extcheck.c — the external proofreading service over libcurl; see
 * extcheck.h for the protocol. */
#include "text/extcheck.h"
#include "core/curldl.h"
#include "core/str.h"
#include "core/timeutil.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RESPONSE (4u << 20)

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static void curl_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

typedef struct {
    sbuf_t body;
    bool too_big;
} resp_t;

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
    resp_t *r = ud;
    size_t len = size * n;
    if (r->body.len + len > MAX_RESPONSE) {
        r->too_big = true;
        return 0; /* aborts the transfer */
    }
    sbuf_append(&r->body, p, len);
    return len;
}

void extcheck_result_free(extcheck_result_t *r)
{
    if (!r)
        return;
    free(r->items);
    json_decref(r->json);
    memset(r, 0, sizeof *r);
}

json_t *extcheck_status_json(const extcheck_result_t *r)
{
    static const char *const names[] = {"disabled", "ok", "error", "timeout"};
    json_t *o = json_pack("{s:s,s:I}", "status", names[r->status], "findings", (json_int_t)r->n);
    if (r->status != EXT_DISABLED)
        json_object_set_new(o, "ms", json_real(r->ms));
    return o;
}

static int parse(extcheck_result_t *out, const char *body, size_t len)
{
    json_error_t je;
    out->json = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    json_t *items = json_object_get(out->json, "findings");
    if (!json_is_array(items)) {
        snprintf(out->error, sizeof out->error, "response has no findings array");
        return -1;
    }
    size_t n = json_array_size(items);
    out->items = calloc(n ? n : 1, sizeof *out->items);
    if (!out->items)
        return -1;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        json_t *s = json_object_get(it, "start"), *e = json_object_get(it, "end");
        if (!json_is_integer(s) || !json_is_integer(e) || json_integer_value(s) < 0 ||
            json_integer_value(e) <= json_integer_value(s))
            continue; /* the merge also checks the range against the text */
        pr_finding_t *f = &out->items[out->n++];
        f->start = (size_t)json_integer_value(s);
        f->end = (size_t)json_integer_value(e);
        pr_category_t c = PR_CUSTOM;
        if (!pr_category_parse(json_string_value(json_object_get(it, "category")), &c) || c == PR_WHITELIST)
            c = PR_CUSTOM;
        pr_severity_t v = PR_WARN;
        if (!pr_severity_parse(json_string_value(json_object_get(it, "severity")), &v))
            v = PR_WARN;
        f->category = c;
        f->severity = v;
        f->suggestion = json_string_value(json_object_get(it, "suggestion"));
        f->message = json_string_value(json_object_get(it, "message"));
        f->source = PR_SRC_EXTERNAL;
    }
    return 0;
}

void extcheck_run(const extcheck_config_t *cfg, const char *text, size_t len, const char *request_id,
                  extcheck_result_t *out)
{
    memset(out, 0, sizeof *out);
    if (!cfg || !cfg->url || !*cfg->url) {
        out->status = EXT_DISABLED;
        return;
    }
    pthread_once(&g_once, curl_init);
    int64_t t0 = time_mono_ns();
    out->status = EXT_ERROR;
    json_t *req = json_pack("{s:s%,s:s,s:s}", "text", text, len, "offsets", "codepoint", "request_id",
                            request_id ? request_id : "");
    char *payload = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    CURL *h = curl_easy_init();
    struct curl_slist *hdr = NULL;
    resp_t resp = {0};
    sbuf_init(&resp.body);
    if (!payload || !h) {
        snprintf(out->error, sizeof out->error, "out of memory");
        goto out;
    }
    char line[600];
    hdr = curl_slist_append(hdr, "Content-Type: application/json; charset=utf-8");
    hdr = curl_slist_append(hdr, "Accept: application/json");
    if (cfg->key && *cfg->key) {
        snprintf(line, sizeof line, "Authorization: Bearer %.500s", cfg->key);
        hdr = curl_slist_append(hdr, line);
    }
    if (request_id && *request_id) {
        snprintf(line, sizeof line, "X-Request-Id: %.100s", request_id);
        hdr = curl_slist_append(hdr, line);
    }
    long timeout = cfg->timeout_ms > 0 ? cfg->timeout_ms : 3000;
    curl_easy_setopt(h, CURLOPT_URL, cfg->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout < 2000 ? timeout : 2000L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(payload));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "zhendi/" ZHENDI_VERSION);
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (cc == CURLE_OPERATION_TIMEDOUT) {
        out->status = EXT_TIMEOUT;
        snprintf(out->error, sizeof out->error, "timed out after %ld ms", timeout);
    } else if (cc != CURLE_OK) {
        snprintf(out->error, sizeof out->error, "%s",
                 resp.too_big ? "response too large" : curl_easy_strerror(cc));
    } else if (status != 200) {
        snprintf(out->error, sizeof out->error, "HTTP %ld", status);
    } else if (parse(out, resp.body.data ? resp.body.data : "", resp.body.len) == 0) {
        out->status = EXT_OK;
    } else if (!out->error[0]) {
        snprintf(out->error, sizeof out->error, "malformed response");
    }
out:
    if (out->status != EXT_OK) {
        free(out->items);
        out->items = NULL;
        out->n = 0;
    }
    out->ms = (double)(time_mono_ns() - t0) / 1e6;
    curl_slist_free_all(hdr);
    if (h)
        curl_easy_cleanup(h);
    free(payload);
    sbuf_free(&resp.body);
}
