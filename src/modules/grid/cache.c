/* cache.c — the grid module's cache of built answers: the map's outlines
 * (outlines.c) and the site portraits (portraits_api.c). A few bodies,
 * plain and gzip-compressed, each under the key of its scope (the scope's
 * SQL and values, hashed) and the version of the data it was built from,
 * which is also its strong ETag: a request whose version is the cached
 * one is answered from memory, a browser that holds it gets a 304. The
 * least recently used body is replaced, and a scope's older body by its
 * newer one. docs/grid.md. */
#include "http/valid.h"
#include "modules/grid/internal.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_SLOTS 32 /* the scopes' bodies, and the map's bbox variants (small) beside them */

typedef struct {
    uint64_t scope, etag, used;
    char *plain, *gz;
    size_t plain_len, gz_len;
} slot_t;

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static slot_t cache[CACHE_SLOTS];
static uint64_t cache_clock;

uint64_t grid_hash(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

uint64_t grid_scope_hash(const char *salt, const qb_t *w)
{
    uint64_t h = grid_hash(14695981039346656037ULL, salt, strlen(salt));
    const char *sql = qb_text_sql(w);
    h = grid_hash(h, sql, strlen(sql));
    for (int i = 0; i < w->n; i++) {
        h = grid_hash(h, &w->p[i].is_null, sizeof w->p[i].is_null);
        if (w->p[i].is_text && w->p[i].s)
            h = grid_hash(h, w->p[i].s, strlen(w->p[i].s) + 1);
        else
            h = grid_hash(h, &w->p[i].i, sizeof w->p[i].i);
    }
    return h;
}

/* Sends the cached body of etag, if held; true when it was sent. */
static bool send_cached(http_req_t *req, uint64_t etag, bool gz)
{
    bool sent = false;
    pthread_mutex_lock(&cache_mu);
    for (int i = 0; i < CACHE_SLOTS; i++) {
        slot_t *s = &cache[i];
        if (s->plain && s->etag == etag) {
            s->used = ++cache_clock;
            if (gz && s->gz) {
                http_add_header(req, "Content-Encoding", "gzip");
                http_send(req, 200, "application/json; charset=utf-8", s->gz, s->gz_len);
            } else {
                http_send(req, 200, "application/json; charset=utf-8", s->plain, s->plain_len);
            }
            sent = true;
            break;
        }
    }
    pthread_mutex_unlock(&cache_mu);
    return sent;
}

bool grid_cache_answer(http_req_t *req, const char *prefix, uint64_t etag)
{
    char tag[48];
    snprintf(tag, sizeof tag, "\"%s-%016llx\"", prefix, (unsigned long long)etag);
    http_add_header(req, "ETag", tag);
    http_add_header(req, "Cache-Control", "private, no-cache");
    http_add_header(req, "Vary", "Accept-Encoding");
    const char *inm = http_header_in(req, "If-None-Match");
    if (inm && strstr(inm, tag)) {
        http_send(req, 304, NULL, "", 0);
        return true;
    }
    return send_cached(req, etag, http_accepts_gzip(req));
}

/* Keeps a body (taking plain and gz): in the scope's slot, else a free
 * one, else the least recently used. */
static void keep(uint64_t scope, uint64_t etag, char *plain, size_t plain_len, char *gz, size_t gz_len)
{
    pthread_mutex_lock(&cache_mu);
    slot_t *s = NULL;
    for (int i = 0; i < CACHE_SLOTS && !s; i++)
        if (cache[i].plain && cache[i].scope == scope)
            s = &cache[i];
    for (int i = 0; i < CACHE_SLOTS && !s; i++)
        if (!cache[i].plain)
            s = &cache[i];
    if (!s) {
        s = &cache[0];
        for (int i = 1; i < CACHE_SLOTS; i++)
            if (cache[i].used < s->used)
                s = &cache[i];
    }
    free(s->plain);
    free(s->gz);
    *s = (slot_t){.scope = scope,
                  .etag = etag,
                  .used = ++cache_clock,
                  .plain = plain,
                  .plain_len = plain_len,
                  .gz = gz,
                  .gz_len = gz_len};
    pthread_mutex_unlock(&cache_mu);
}

void grid_cache_send(http_req_t *req, uint64_t scope, uint64_t etag, char *plain, size_t plain_len, int level)
{
    size_t gz_len = 0;
    char *z = http_gzip(plain, plain_len, level, &gz_len);
    if (z && http_accepts_gzip(req)) {
        http_add_header(req, "Content-Encoding", "gzip");
        http_send(req, 200, "application/json; charset=utf-8", z, gz_len);
    } else {
        http_send(req, 200, "application/json; charset=utf-8", plain, plain_len);
    }
    keep(scope, etag, plain, plain_len, z, gz_len);
}
