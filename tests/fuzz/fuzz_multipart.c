/* libFuzzer: the multipart/form-data parser. The same body fed whole and
 * in pieces (sizes taken from the input) must give the same parts and data,
 * and file names must come out sanitised. */
#include "core/str.h"
#include "http/multipart.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
    sbuf_t log;
} trace_t;

static int t_part(void *ud, const multipart_head_t *h)
{
    trace_t *t = ud;
    if (h->filename) {
        size_t n = strlen(h->filename);
        if (!n || n > MULTIPART_MAX_FILENAME || strchr(h->filename, '/') || strchr(h->filename, '\\') ||
            !utf8_valid(h->filename, n) || h->filename[0] == '.')
            abort();
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)h->filename[i] < 0x20)
                abort();
    }
    sbuf_printf(&t->log, "[%s|%s|%s]", h->name, h->filename ? h->filename : "-",
                h->content_type ? h->content_type : "-");
    return 0;
}
static int t_data(void *ud, const char *d, size_t n)
{
    sbuf_append(&((trace_t *)ud)->log, d, n);
    return 0;
}
static int t_end(void *ud)
{
    sbuf_puts(&((trace_t *)ud)->log, "[end]");
    return 0;
}

static int run(const char *body, size_t len, const unsigned char *steps, size_t nsteps, trace_t *t)
{
    multipart_cb_t cb = {t_part, t_data, t_end};
    multipart_limits_t lim = {.max_parts = 8, .max_header_bytes = 512, .max_part_bytes = 4096};
    multipart_t *p = multipart_new("zB", &lim, &cb, t);
    if (!p)
        abort();
    int rc = 0;
    size_t i = 0, k = 0;
    while (i < len && rc == 0) {
        size_t step = nsteps ? (size_t)steps[k++ % nsteps] % 17 + 1 : len;
        if (step > len - i)
            step = len - i;
        rc = multipart_feed(p, body + i, step);
        i += step;
    }
    if (rc == 0)
        rc = multipart_finish(p);
    if (rc != 0 && !multipart_error(p))
        abort();
    multipart_free(p);
    return rc;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t nsteps = data[0] % 8;
    if (size < 1 + nsteps)
        return 0;
    const unsigned char *steps = data + 1;
    const char *body = (const char *)data + 1 + nsteps;
    size_t len = size - 1 - nsteps;
    trace_t whole = {0}, pieces = {0};
    sbuf_init(&whole.log);
    sbuf_init(&pieces.log);
    int a = run(body, len, NULL, 0, &whole);
    int b = run(body, len, steps, nsteps, &pieces);
    if (a != b || (a == 0 && (whole.log.len != pieces.log.len ||
                              (whole.log.len && memcmp(whole.log.data, pieces.log.data, whole.log.len)))))
        abort();
    /* the in-memory form agrees */
    multipart_form_t f;
    char err[200];
    int c = multipart_parse(body, len, "multipart/form-data; boundary=zB",
                            &(multipart_limits_t){8, 512, 4096}, &f, err, sizeof err);
    if ((c == 0) != (a == 0))
        abort();
    if (c == 0)
        multipart_form_free(&f);
    sbuf_free(&whole.log);
    sbuf_free(&pieces.log);
    return 0;
}
