/* static.c — serves the built web front ends (web/dist) for GET/HEAD
 * requests outside /api: MIME types by extension, ETag + 304, pre-compressed
 * .gz siblings when the client accepts gzip, a year of caching for Vite's
 * content-hashed /assets/, and for client-side routes the index.html of the
 * single-page application the path belongs to (SPAS: the members' mobile
 * pages under /m/, the console everywhere else). */
#include "core/str.h"
#include "http/internal.h"
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
    const char *ext, *type;
} mime[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".map", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff", "font/woff"},
    {".woff2", "font/woff2"},
    {".ttf", "font/ttf"},
    {".txt", "text/plain; charset=utf-8"},
    {".wasm", "application/wasm"},
    {".mp4", "video/mp4"},
    {".m3u8", "application/vnd.apple.mpegurl"},
    {".ts", "video/mp2t"},
    {".pdf", "application/pdf"},
};

static const char *mime_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash))
        for (size_t i = 0; i < sizeof mime / sizeof mime[0]; i++)
            if (strcasecmp(dot, mime[i].ext) == 0)
                return mime[i].type;
    return "application/octet-stream";
}

/* No "..", no hidden files, nothing odd: only plain relative segments. */
static bool safe_path(const char *p)
{
    if (p[0] != '/')
        return false;
    for (const char *seg = p + 1; *seg;) {
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        if (len == 0 && end)
            return false;
        if (len && seg[0] == '.')
            return false;
        for (size_t i = 0; i < len; i++)
            if (seg[i] == '\\' || (unsigned char)seg[i] < 0x20)
                return false;
        if (!end)
            break;
        seg = end + 1;
    }
    return true;
}

/* Opens a regular file; -1 if missing or not regular. */
static int open_regular(const char *path, struct stat *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        return -1;
    }
    return fd;
}

static bool serve_file(http_req_t *req, const char *full, const char *logical, bool immutable)
{
    struct stat st;
    char gz[4200];
    bool gzip = false;
    int fd = -1;
    if (http_accepts_gzip(req)) {
        snprintf(gz, sizeof gz, "%s.gz", full);
        fd = open_regular(gz, &st);
        gzip = fd >= 0;
    }
    if (fd < 0)
        fd = open_regular(full, &st);
    if (fd < 0)
        return false;
    char etag[96];
    snprintf(etag, sizeof etag, "\"%llx-%llx%s\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL + (unsigned long long)st.st_mtim.tv_nsec,
             gzip ? "-gz" : "");
    http_add_header(req, "ETag", etag);
    http_add_header(req, "Vary", "Accept-Encoding");
    http_add_header(req, "Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
    const char *inm = http_header_in(req, "If-None-Match");
    if (inm && strstr(inm, etag)) {
        close(fd);
        http_send(req, 304, NULL, "", 0);
        return true;
    }
    if (gzip)
        http_add_header(req, "Content-Encoding", "gzip");
    http_send_fd(req, 200, mime_of(logical), fd, 0, (uint64_t)st.st_size);
    return true;
}

/* The single-page applications of web/dist, most specific first: a path
 * under prefix (or prefix without its slash) that names no file is one of
 * that application's client-side routes. */
static const struct {
    const char *prefix, *index;
} SPAS[] = {
    {"/m/", "/m/index.html"}, /* members' mobile pages (Vant) */
    {"/", "/index.html"},     /* the administrators' console */
};

static const char *spa_index(const char *p)
{
    for (size_t i = 0; i < sizeof SPAS / sizeof SPAS[0]; i++) {
        size_t n = strlen(SPAS[i].prefix);
        if (!strncmp(p, SPAS[i].prefix, n) ||
            (n > 1 && strlen(p) == n - 1 && !strncmp(p, SPAS[i].prefix, n - 1)))
            return SPAS[i].index;
    }
    return "/index.html";
}

bool http_static_serve(http_req_t *req, const char *root)
{
    const char *p = req->path;
    if (!safe_path(p) || strlen(p) > 1024)
        return false;
    char full[2200];
    bool immutable = str_starts_with(p, "/assets/");
    if (strcmp(p, "/") != 0) {
        snprintf(full, sizeof full, "%s%s", root, p);
        if (serve_file(req, full, p, immutable))
            return true;
        if (immutable) /* a missing hashed asset must not turn into HTML */
            return false;
    }
    /* client-side route: the SPA it belongs to decides */
    const char *index = spa_index(p);
    snprintf(full, sizeof full, "%s%s", root, index);
    return serve_file(req, full, index, false);
}
