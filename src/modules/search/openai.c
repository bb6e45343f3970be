/* openai.c — the openai embedding provider (docs/search.md § The openai
 * provider): any OpenAI-compatible POST {url}/v1/embeddings, called through
 * the project's libcurl wrapper, with batching, a timeout per request,
 * retries with exponential backoff that honour Retry-After, and a rate
 * limit (requests per second, shared by every thread of the process).
 * Never called inside a database transaction. */
#include "core/crypto.h"
#include "core/curldl.h"
#include "core/jsonutil.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/search/internal.h"
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_INPUT_BYTES 8000  /* of a document's title + body sent to embed */
#define MAX_WAIT_MS     60000 /* a Retry-After longer than this is capped */

void search_oai_free(search_oai_t *o)
{
    if (o && o->key) {
        memset(o->key, 0, strlen(o->key));
        free(o->key);
        o->key = NULL;
    }
}

int search_oai_load(db_conn_t *c, search_oai_t *o)
{
    memset(o, 0, sizeof *o);
    db_stmt_t *st = db_prepare(c, "SELECT url, key_sealed, model, dim, batch_size, timeout_ms, retries, "
                                  "rate_limit, index_provider FROM search_embed_settings WHERE id = 1");
    if (!st)
        return -1;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        snprintf(o->url, sizeof o->url, "%s", db_col_text(st, 0) ? db_col_text(st, 0) : "");
        o->key = db_col_text(st, 1) ? crypto_open(db_col_text(st, 1)) : NULL;
        snprintf(o->model, sizeof o->model, "%s", db_col_text(st, 2) ? db_col_text(st, 2) : "");
        o->dim = (int)db_col_int64(st, 3);
        o->batch = (int)db_col_int64(st, 4);
        o->timeout_ms = (int)db_col_int64(st, 5);
        o->retries = (int)db_col_int64(st, 6);
        o->rate = db_col_double(st, 7);
        snprintf(o->index_provider, sizeof o->index_provider, "%s",
                 db_col_text(st, 8) ? db_col_text(st, 8) : "local");
    }
    db_done(st);
    return rc == DB_ROW ? 0 : -1;
}

/* the model row of the current settings (url|model|dim): 0 when none yet;
 * create: make it (in the caller's transaction) */
int64_t search_oai_model(db_conn_t *c, bool create)
{
    static const char *const FP = "(SELECT url || '|' || model || '|' || CAST(dim AS TEXT) FROM "
                                  "search_embed_settings WHERE id = 1)";
    char sql[400];
    snprintf(sql, sizeof sql,
             "SELECT COALESCE(MAX(id), 0) FROM search_vec_models WHERE provider = 'openai' AND terms = %s",
             FP);
    int64_t id = 0;
    if (db_query_int64(c, sql, &id) != 1)
        return -1;
    if (id || !create)
        return id;
    snprintf(sql, sizeof sql,
             "INSERT INTO search_vec_models (provider, dim, nterms, ndocs, terms, proj, created_at) SELECT "
             "'openai', dim, 0, 0, %s, '', ? FROM search_embed_settings WHERE id = 1 RETURNING id",
             FP);
    db_stmt_t *st = db_prepare(c, sql);
    if (!st)
        return -1;
    db_bind_int64(st, 1, time_now_ms());
    id = db_step(st) == DB_ROW ? db_col_int64(st, 0) : -1;
    db_done(st);
    return id;
}

/* ---- the rate limit: one slot every 1/rate seconds, process-wide ---- */

static pthread_mutex_t g_rate_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t g_next_ns;

static void sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static void rate_wait(double rate)
{
    if (!(rate > 0))
        return;
    pthread_mutex_lock(&g_rate_mu);
    int64_t now = time_mono_ns(), at = g_next_ns > now ? g_next_ns : now;
    g_next_ns = at + (int64_t)(1e9 / rate);
    pthread_mutex_unlock(&g_rate_mu);
    sleep_ms((at - now) / 1000000);
}

/* ---- one request ---- */

typedef struct {
    long status;
    int retry_after; /* seconds, 0: none */
    sbuf_t body;
} oai_resp_t;

static pthread_once_t g_curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    sbuf_t *b = ud;
    if (b->len + sz * n > (256u << 20))
        return 0;
    sbuf_append(b, p, sz * n);
    return sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    oai_resp_t *r = ud;
    if (sz * n > 12 && !strncasecmp(p, "Retry-After:", 12))
        r->retry_after = atoi(p + 12);
    return sz * n;
}

/* {url}/v1/embeddings, without a doubled slash or /v1 */
static void endpoint(const char *base, char *out, size_t len)
{
    size_t n = strlen(base);
    while (n && base[n - 1] == '/')
        n--;
    bool v1 = n >= 3 && !strncmp(base + n - 3, "/v1", 3);
    snprintf(out, len, "%.*s%s", (int)n, base, v1 ? "/embeddings" : "/v1/embeddings");
}

/* 0 with r filled, or -1 for a transport failure (reason in err) */
static int post_once(const search_oai_t *o, const char *body, oai_resp_t *r, char *err, size_t errlen)
{
    pthread_once(&g_curl_once, curl_init_once);
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(err, errlen, "无法初始化 HTTP 客户端");
        return -1;
    }
    char url[700], auth[600], errbuf[CURL_ERROR_SIZE] = "";
    endpoint(o->url, url, sizeof url);
    struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/json");
    hd = curl_slist_append(hd, "Accept: application/json");
    if (o->key && *o->key) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", o->key);
        hd = curl_slist_append(hd, auth);
        memset(auth, 0, sizeof auth);
    }
    long tmo = o->timeout_ms > 0 ? o->timeout_ms : 20000;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, tmo);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, tmo < 10000 ? tmo : 10000L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    CURLcode cc = curl_easy_perform(h);
    int rc = 0;
    if (cc != CURLE_OK) {
        if (cc == CURLE_OPERATION_TIMEDOUT)
            snprintf(err, errlen, "向量服务超时（%ld 毫秒内无应答）", tmo);
        else
            snprintf(err, errlen, "无法连接向量服务：%s%s%s", curl_easy_strerror(cc), errbuf[0] ? "：" : "",
                     errbuf);
        rc = -1;
    } else {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    }
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
    return rc;
}

/* the reason of an error answer: {"error":{"message","type","code"}} */
static void error_reason(const oai_resp_t *r, char *err, size_t errlen)
{
    json_t *j = r->body.data ? json_loadb(r->body.data, r->body.len, 0, NULL) : NULL;
    json_t *e = json_object_get(j, "error");
    const char *msg = jstr(e, "message"), *code = jstr(e, "code"), *type = jstr(e, "type");
    if (!msg && json_is_string(e))
        msg = json_string_value(e);
    snprintf(err, errlen, "向量服务返回 HTTP %ld：%.200s%s%.60s%s", r->status, msg ? msg : "（无说明）",
             code || type ? "（" : "",
             code   ? code
             : type ? type
                    : "",
             code || type ? "）" : "");
    json_decref(j);
}

/* the vectors of a 200 answer into out (n × dim, L2-normalised): 0 or -1 */
static int parse_vectors(const search_oai_t *o, const oai_resp_t *r, size_t n, float *out, char *err,
                         size_t errlen)
{
    json_t *j = r->body.data ? json_loadb(r->body.data, r->body.len, 0, NULL) : NULL;
    json_t *data = json_object_get(j, "data");
    int rc = -1;
    if (!json_is_array(data) || json_array_size(data) != n) {
        snprintf(err, errlen, "向量服务的应答格式不对：应有 %zu 个向量（data 数组）", n);
        goto out;
    }
    bool *seen = calloc(n ? n : 1, sizeof *seen);
    if (!seen)
        goto out;
    size_t i;
    json_t *it;
    json_array_foreach(data, i, it)
    {
        json_t *emb = json_object_get(it, "embedding");
        json_int_t at = json_is_integer(json_object_get(it, "index"))
                            ? json_integer_value(json_object_get(it, "index"))
                            : (json_int_t)i;
        if (at < 0 || (size_t)at >= n || seen[at] || !json_is_array(emb)) {
            snprintf(err, errlen, "向量服务的应答格式不对：第 %zu 项的 index 或 embedding 无效", i);
            free(seen);
            goto out;
        }
        if (json_array_size(emb) != (size_t)o->dim) {
            snprintf(err, errlen, "向量服务返回的维数 %zu 与设置的 %d 不符", json_array_size(emb), o->dim);
            free(seen);
            goto out;
        }
        seen[at] = true;
        float *v = out + (size_t)at * (size_t)o->dim;
        double norm = 0;
        for (int d = 0; d < o->dim; d++) {
            double x = json_number_value(json_array_get(emb, (size_t)d));
            v[d] = (float)x;
            norm += x * x;
        }
        norm = sqrt(norm);
        for (int d = 0; d < o->dim; d++)
            v[d] = norm > 1e-12 ? (float)(v[d] / norm) : 0.0f;
    }
    free(seen);
    rc = 0;
out:
    json_decref(j);
    return rc;
}

/* text cut to at most max bytes at a character boundary */
static json_t *input_text(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max) {
        n = max;
        while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    return json_stringn(s, n);
}

int search_oai_embed(const search_oai_t *o, const char *const *texts, size_t n, float *out, int max_retries,
                     char *err, size_t errlen)
{
    if (!o->url[0]) {
        snprintf(err, errlen, "未配置向量服务地址（检索 → 向量模型设置）");
        return -1;
    }
    if (o->dim <= 0) {
        snprintf(err, errlen, "向量维数无效");
        return -1;
    }
    json_t *in = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(in, input_text(texts[i] && *texts[i] ? texts[i] : " ", MAX_INPUT_BYTES));
    json_t *req = json_pack("{s:s,s:o}", "model", o->model, "input", in);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    if (!body) {
        snprintf(err, errlen, "内存不足");
        return -1;
    }
    int retries = max_retries >= 0 && max_retries < o->retries ? max_retries : o->retries, rc = -1, attempt;
    for (attempt = 0;; attempt++) {
        rate_wait(o->rate);
        oai_resp_t r = {0};
        sbuf_init(&r.body);
        bool again;
        if (post_once(o, body, &r, err, errlen) != 0) {
            again = true; /* timeout or connection: worth another try */
        } else if (r.status >= 200 && r.status < 300) {
            rc = parse_vectors(o, &r, n, out, err, errlen);
            again = false;
        } else {
            error_reason(&r, err, errlen);
            again = r.status == 429 || r.status >= 500 || r.status == 408;
        }
        int wait_s = r.retry_after;
        sbuf_free(&r.body);
        if (rc == 0 || !again || attempt >= retries)
            break;
        /* exponential backoff from 500 ms, or what Retry-After asks */
        int64_t ms = wait_s > 0 ? (int64_t)wait_s * 1000 : 500LL << (attempt < 6 ? attempt : 6);
        sleep_ms(ms < MAX_WAIT_MS ? ms : MAX_WAIT_MS);
    }
    if (rc != 0 && attempt > 0) {
        size_t l = strlen(err);
        snprintf(err + l, errlen > l ? errlen - l : 0, "（已重试 %d 次）", attempt);
    }
    free(body);
    return rc;
}
