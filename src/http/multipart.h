/* multipart.h — a multipart/form-data parser (RFC 7578 over RFC 2046),
 * shared by every upload (proofreading images and videos now, the storage
 * module later).
 *
 * Streaming: multipart_feed() takes the body in pieces of any size (down to
 * one byte) and calls back with each part's headers and data as they
 * arrive, so a large upload need not be held in memory; the data callback
 * gets pointers into the fed buffer wherever possible. Outside input is
 * bounded: number of parts, bytes of one part's header block, bytes of one
 * part's data. A part must carry Content-Disposition: form-data with a
 * name; file names are sanitised (multipart_sanitize_filename) before any
 * callback sees them. Errors carry a Chinese reason for the 400 answer.
 *
 * For a body that is already in memory, multipart_parse() collects all
 * parts, their data pointing into the body.
 *
 * A parser belongs to one thread at a time; different parsers are
 * independent.
 */
#ifndef ZD_MULTIPART_H
#define ZD_MULTIPART_H
#include <stdbool.h>
#include <stddef.h>

#define MULTIPART_MAX_BOUNDARY 70
#define MULTIPART_MAX_NAME     200 /* bytes of a field name */
#define MULTIPART_MAX_FILENAME 255 /* bytes of a sanitised file name */

/* What went wrong, for the status of the answer (never search the message) */
typedef enum {
    MP_OK = 0,
    MP_E_MALFORMED, /* not valid multipart/form-data: 400 */
    MP_E_TOO_LARGE, /* a part past max_part_bytes: 413 */
    MP_E_LIMIT,     /* too many parts or too long a header block: 400 */
    MP_E_ABORTED,   /* a callback refused */
    MP_E_NOMEM,
} multipart_errcode_t;

typedef struct {
    size_t max_parts;        /* 0: 16 */
    size_t max_header_bytes; /* one part's header block; 0: 8 KiB */
    size_t max_part_bytes;   /* one part's data; 0: unlimited */
} multipart_limits_t;

typedef struct {
    const char *name;         /* field name (valid UTF-8, no control characters) */
    const char *filename;     /* sanitised file name, or NULL for a plain field */
    const char *content_type; /* as the client sent it, or NULL */
} multipart_head_t;

/* Callbacks return 0 to go on; anything else stops the parser with an
 * error (multipart_error() then says "已中止"). Any may be NULL. Pointers are
 * valid during the call only. */
typedef struct {
    int (*on_part)(void *ud, const multipart_head_t *head);
    int (*on_data)(void *ud, const char *data, size_t n);
    int (*on_end)(void *ud); /* the part's data is complete */
} multipart_cb_t;

typedef struct multipart multipart_t;

/* A parser for one body. NULL when the boundary is invalid or out of
 * memory. limits and cb may be NULL. */
multipart_t *multipart_new(const char *boundary, const multipart_limits_t *limits, const multipart_cb_t *cb,
                           void *ud);
void multipart_free(multipart_t *p); /* NULL is fine */
/* Feeds the next piece of the body: 0, or -1 on malformed input, a limit
 * exceeded or a callback's refusal (then every later call fails too). */
int multipart_feed(multipart_t *p, const char *data, size_t n);
/* The body has ended: 0 when the closing delimiter was seen, else -1. */
int multipart_finish(multipart_t *p);
/* Why the parser failed (Chinese), or NULL; and which kind of failure. */
const char *multipart_error(const multipart_t *p);
multipart_errcode_t multipart_errcode(const multipart_t *p);

/* The boundary parameter of a Content-Type value ("multipart/form-data;
 * boundary=xyz", quoted or not) into out (≥ MULTIPART_MAX_BOUNDARY + 1
 * bytes); false when absent or not a valid RFC 2046 boundary. */
bool multipart_boundary(const char *content_type, char *out, size_t outsz);

/* A file name that is safe to show and to use as the last component of a
 * path: directory parts (/ and \) removed, control characters and
 * <>:"|?* replaced by '_', leading dots and spaces and trailing dots and
 * spaces removed, malformed UTF-8 replaced by '_', at most
 * MULTIPART_MAX_FILENAME bytes (never cutting a character), "file" when
 * nothing is left. out needs MULTIPART_MAX_FILENAME + 1 bytes. */
void multipart_sanitize_filename(const char *in, size_t n, char *out, size_t outsz);

/* ---- whole bodies ---- */

typedef struct {
    char *name, *filename, *content_type; /* owned by the form */
    const char *data;                     /* into the body, or owned by the form */
    size_t len;
} multipart_part_t;

typedef struct {
    multipart_part_t *parts;
    size_t n;
    multipart_errcode_t error; /* after a failed multipart_parse */
    void *priv;                /* owned allocations */
} multipart_form_t;

/* Parses a complete body. 0 with form filled (free it with
 * multipart_form_free; parts may point into body, which must outlive the
 * form); -1 with a Chinese reason in err and the kind in form->error. */
int multipart_parse(const char *body, size_t len, const char *content_type, const multipart_limits_t *limits,
                    multipart_form_t *form, char *err, size_t errlen);
void multipart_form_free(multipart_form_t *form); /* NULL is fine */
/* The first part called name, or NULL. */
const multipart_part_t *multipart_get(const multipart_form_t *form, const char *name);

#endif
