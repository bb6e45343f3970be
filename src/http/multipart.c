/* multipart.c — streaming multipart/form-data parser; see multipart.h.
 *
 * The body is scanned for the delimiter CRLF "--" boundary as if a CRLF came
 * before the first byte (so that a body starting with the delimiter needs
 * no special case). Since CR occurs only at the start of the delimiter, a
 * failed partial match never hides the start of another one: the bytes
 * matched so far are data, and the current byte is looked at again. */
#include "http/multipart.h"
#include "core/str.h"
#include "core/vec.h"
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    S_PREAMBLE,
    S_AFTER_DELIM,
    S_AFTER_DASH,
    S_PADDING,
    S_AFTER_CR,
    S_HEADERS,
    S_BODY,
    S_EPILOGUE,
    S_ERROR
};

struct multipart {
    char delim[4 + MULTIPART_MAX_BOUNDARY + 1];
    size_t dlen;
    size_t m; /* delimiter bytes matched */
    int state;
    multipart_limits_t lim;
    multipart_cb_t cb;
    void *ud;
    char *hbuf;
    size_t hlen;
    size_t parts, part_bytes;
    multipart_errcode_t code;
    char err[200];
};

static bool bchar(unsigned char c) { return isalnum(c) || strchr("'()+_,-./:=? ", c) != NULL; }

static bool valid_boundary(const char *b, size_t n)
{
    if (n < 1 || n > MULTIPART_MAX_BOUNDARY || b[n - 1] == ' ')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!bchar((unsigned char)b[i]) || b[i] == 0)
            return false;
    return true;
}

bool multipart_boundary(const char *ct, char *out, size_t outsz)
{
    if (!ct || strncasecmp(ct, "multipart/form-data", 19) != 0)
        return false;
    const char *p = ct + 19;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ';')
            p++;
        const char *k = p;
        while (*p && *p != '=' && *p != ';')
            p++;
        size_t kl = (size_t)(p - k);
        while (kl && (k[kl - 1] == ' ' || k[kl - 1] == '\t'))
            kl--;
        if (*p != '=') {
            continue;
        }
        p++;
        char val[MULTIPART_MAX_BOUNDARY + 2];
        size_t vl = 0;
        bool too_long = false;
        if (*p == '"') {
            p++;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1])
                    p++;
                if (vl < sizeof val - 1)
                    val[vl++] = *p;
                else
                    too_long = true;
                p++;
            }
            if (*p != '"')
                return false;
            p++;
        } else {
            while (*p && *p != ';' && *p != ' ' && *p != '\t') {
                if (vl < sizeof val - 1)
                    val[vl++] = *p;
                else
                    too_long = true;
                p++;
            }
        }
        if (kl == 8 && strncasecmp(k, "boundary", 8) == 0) {
            if (too_long || !valid_boundary(val, vl) || vl + 1 > outsz)
                return false;
            memcpy(out, val, vl);
            out[vl] = 0;
            return true;
        }
    }
    return false;
}

void multipart_sanitize_filename(const char *in, size_t n, char *out, size_t outsz)
{
    size_t cap = outsz - 1 < MULTIPART_MAX_FILENAME ? outsz - 1 : MULTIPART_MAX_FILENAME;
    /* last path component */
    size_t start = 0;
    for (size_t i = 0; i < n; i++)
        if (in[i] == '/' || in[i] == '\\')
            start = i + 1;
    size_t o = 0;
    for (size_t i = start; i < n;) {
        uint32_t cp;
        size_t l = utf8_decode(in + i, n - i, &cp);
        char rep[4];
        size_t rl;
        if (!l) {
            rep[0] = '_';
            rl = 1;
            l = 1;
        } else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0x2028 || cp == 0x2029 ||
                   (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF ||
                   (cp < 0x80 && strchr("<>:\"|?*", (int)cp))) {
            /* control, bidi overrides (which disguise extensions), BOM, and
             * characters Windows refuses */
            rep[0] = '_';
            rl = 1;
        } else {
            memcpy(rep, in + i, l);
            rl = l;
        }
        i += l;
        if (o + rl > cap)
            break;
        if (o == 0 && (rep[0] == '.' || rep[0] == ' ') && rl == 1)
            continue; /* no hidden files, no leading blanks */
        memcpy(out + o, rep, rl);
        o += rl;
    }
    while (o > 0 && (out[o - 1] == '.' || out[o - 1] == ' '))
        o--;
    if (o == 0) {
        str_lcpy(out, "file", outsz);
        return;
    }
    out[o] = 0;
}

multipart_t *multipart_new(const char *boundary, const multipart_limits_t *lim, const multipart_cb_t *cb,
                           void *ud)
{
    if (!boundary || !valid_boundary(boundary, strlen(boundary)))
        return NULL;
    multipart_t *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->dlen = (size_t)snprintf(p->delim, sizeof p->delim, "\r\n--%s", boundary);
    if (lim)
        p->lim = *lim;
    if (!p->lim.max_parts)
        p->lim.max_parts = 16;
    if (!p->lim.max_header_bytes)
        p->lim.max_header_bytes = 8192;
    if (cb)
        p->cb = *cb;
    p->ud = ud;
    p->hbuf = malloc(p->lim.max_header_bytes + 1);
    if (!p->hbuf) {
        free(p);
        return NULL;
    }
    p->state = S_PREAMBLE;
    p->m = 2; /* as if a CRLF came first */
    return p;
}

void multipart_free(multipart_t *p)
{
    if (!p)
        return;
    free(p->hbuf);
    free(p);
}

const char *multipart_error(const multipart_t *p) { return p && p->err[0] ? p->err : NULL; }
multipart_errcode_t multipart_errcode(const multipart_t *p) { return p ? p->code : MP_E_NOMEM; }

static int fail_as(multipart_t *p, multipart_errcode_t code, const char *msg)
{
    if (p->state != S_ERROR) {
        str_lcpy(p->err, msg, sizeof p->err);
        p->code = code;
    }
    p->state = S_ERROR;
    return -1;
}

static int fail(multipart_t *p, const char *msg) { return fail_as(p, MP_E_MALFORMED, msg); }

static int emit(multipart_t *p, const char *d, size_t n)
{
    if (!n)
        return 0;
    p->part_bytes += n;
    if (p->lim.max_part_bytes && p->part_bytes > p->lim.max_part_bytes)
        return fail_as(p, MP_E_TOO_LARGE, "上传的文件过大");
    if (p->cb.on_data && p->cb.on_data(p->ud, d, n) != 0)
        return fail_as(p, MP_E_ABORTED, "已中止");
    return 0;
}

/* Parameter value of a Content-Disposition parameter; quoted strings are
 * unescaped. Returns a malloc'd string and its length, or NULL. */
static char *param_value(const char **pp, size_t *outlen)
{
    const char *p = *pp;
    size_t cap = strlen(p) + 1, n = 0;
    char *v = malloc(cap);
    if (!v)
        return NULL;
    if (*p == '"') {
        p++;
        while (*p && *p != '"') {
            if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                p++;
            v[n++] = *p++;
        }
        if (*p != '"') {
            free(v);
            return NULL;
        }
        p++;
    } else {
        while (*p && *p != ';' && *p != ' ' && *p != '\t')
            v[n++] = *p++;
    }
    v[n] = 0;
    *pp = p;
    *outlen = n;
    return v;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* RFC 5987 ext-value: UTF-8''percent-encoded. In place; false if not UTF-8. */
static bool decode_ext(char *v, size_t *len)
{
    if (strncasecmp(v, "utf-8'", 6) != 0)
        return false;
    char *q = strchr(v + 6, '\'');
    if (!q)
        return false;
    q++;
    size_t o = 0;
    for (char *s = q; *s; s++) {
        if (*s == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
            v[o++] = (char)(hexval(s[1]) * 16 + hexval(s[2]));
            s += 2;
        } else {
            v[o++] = *s;
        }
    }
    v[o] = 0;
    *len = o;
    return true;
}

static int parse_headers(multipart_t *p)
{
    p->hbuf[p->hlen] = 0;
    char *name = NULL, *filename = NULL, *ctype = NULL, *fname_ext = NULL;
    size_t fnl = 0, fnel = 0, nl = 0;
    bool disposition = false;
    int rc = -1;
    char *line = p->hbuf;
    while (*line) {
        char *eol = strstr(line, "\r\n");
        if (!eol)
            break;
        *eol = 0;
        /* folded continuation lines are not allowed in form-data (RFC 7578) */
        if (*line == ' ' || *line == '\t') {
            fail(p, "上传内容的分段头格式错误");
            goto out;
        }
        char *colon = strchr(line, ':');
        if (!colon) {
            if (*line) {
                fail(p, "上传内容的分段头格式错误");
                goto out;
            }
            break;
        }
        *colon = 0;
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        if (!strcasecmp(line, "Content-Disposition")) {
            if (disposition) {
                fail(p, "上传内容的分段头重复");
                goto out;
            }
            disposition = true;
            if (strncasecmp(v, "form-data", 9) != 0 || (v[9] && v[9] != ';' && v[9] != ' ')) {
                fail(p, "上传内容不是 form-data");
                goto out;
            }
            const char *q = v + 9;
            while (*q) {
                while (*q == ';' || *q == ' ' || *q == '\t')
                    q++;
                const char *k = q;
                while (*q && *q != '=' && *q != ';')
                    q++;
                size_t kl = (size_t)(q - k);
                while (kl && (k[kl - 1] == ' ' || k[kl - 1] == '\t'))
                    kl--;
                if (*q != '=')
                    continue;
                q++;
                while (*q == ' ' || *q == '\t')
                    q++;
                size_t vl;
                char *val = param_value(&q, &vl);
                if (!val) {
                    fail(p, "上传内容的分段头格式错误");
                    goto out;
                }
                char **dst = NULL;
                size_t *dl = NULL;
                if (kl == 4 && !strncasecmp(k, "name", 4))
                    dst = &name, dl = &nl;
                else if (kl == 8 && !strncasecmp(k, "filename", 8))
                    dst = &filename, dl = &fnl;
                else if (kl == 9 && !strncasecmp(k, "filename*", 9))
                    dst = &fname_ext, dl = &fnel;
                if (dst && !*dst) {
                    *dst = val;
                    *dl = vl;
                } else {
                    free(val);
                }
            }
        } else if (!strcasecmp(line, "Content-Type")) {
            free(ctype);
            ctype = strdup(v);
        }
        line = eol + 2;
    }
    if (!disposition || !name || !nl) {
        fail(p, "上传内容的分段缺少字段名");
        goto out;
    }
    if (nl > MULTIPART_MAX_NAME || !utf8_valid(name, nl) || strlen(name) != nl) {
        fail(p, "上传内容的字段名无效");
        goto out;
    }
    for (size_t i = 0; i < nl; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7F) {
            fail(p, "上传内容的字段名无效");
            goto out;
        }
    char safe[MULTIPART_MAX_FILENAME + 1];
    multipart_head_t h = {name, NULL, ctype};
    if (fname_ext && decode_ext(fname_ext, &fnel)) {
        multipart_sanitize_filename(fname_ext, fnel, safe, sizeof safe);
        h.filename = safe;
    } else if (filename) {
        multipart_sanitize_filename(filename, fnl, safe, sizeof safe);
        h.filename = safe;
    }
    if (p->cb.on_part && p->cb.on_part(p->ud, &h) != 0) {
        fail_as(p, MP_E_ABORTED, "已中止");
        goto out;
    }
    rc = 0;
out:
    free(name);
    free(filename);
    free(fname_ext);
    free(ctype);
    return rc;
}

int multipart_feed(multipart_t *p, const char *data, size_t n)
{
    if (p->state == S_ERROR)
        return -1;
    size_t i = 0;
    /* where the current partial delimiter match began in this piece, or
     * SIZE_MAX when it began in an earlier one */
    size_t mstart = p->m ? SIZE_MAX : 0;
    while (i < n) {
        switch (p->state) {
        case S_PREAMBLE:
        case S_BODY: {
            bool body = p->state == S_BODY;
            if (p->m == 0) {
                const char *cr = memchr(data + i, '\r', n - i);
                size_t stop = cr ? (size_t)(cr - data) : n;
                if (body && emit(p, data + i, stop - i) != 0)
                    return -1;
                i = stop;
                if (!cr)
                    break;
            }
            if (data[i] == p->delim[p->m]) {
                if (p->m == 0)
                    mstart = i;
                p->m++;
                i++;
                if (p->m == p->dlen) {
                    p->m = 0;
                    if (body && p->cb.on_end && p->cb.on_end(p->ud) != 0)
                        return fail_as(p, MP_E_ABORTED, "已中止");
                    p->state = S_AFTER_DELIM;
                }
            } else {
                /* not a delimiter after all: what matched is data */
                if (body) {
                    int r = mstart != SIZE_MAX ? emit(p, data + mstart, p->m) : emit(p, p->delim, p->m);
                    if (r != 0)
                        return -1;
                }
                p->m = 0;
                mstart = 0;
            }
            break;
        }
        case S_AFTER_DELIM:
            if (data[i] == '-')
                p->state = S_AFTER_DASH;
            else if (data[i] == '\r')
                p->state = S_AFTER_CR;
            else if (data[i] == ' ' || data[i] == '\t')
                p->state = S_PADDING;
            else
                return fail(p, "上传内容的分隔符格式错误");
            i++;
            break;
        case S_AFTER_DASH:
            if (data[i] != '-')
                return fail(p, "上传内容的分隔符格式错误");
            p->state = S_EPILOGUE;
            i++;
            break;
        case S_PADDING:
            if (data[i] == '\r')
                p->state = S_AFTER_CR;
            else if (data[i] != ' ' && data[i] != '\t')
                return fail(p, "上传内容的分隔符格式错误");
            i++;
            break;
        case S_AFTER_CR:
            if (data[i] != '\n')
                return fail(p, "上传内容的分隔符格式错误");
            i++;
            if (++p->parts > p->lim.max_parts)
                return fail_as(p, MP_E_LIMIT, "上传内容的分段过多");
            p->hlen = 0;
            p->state = S_HEADERS;
            break;
        case S_HEADERS: {
            /* up to and including the blank line */
            while (i < n) {
                if (p->hlen >= p->lim.max_header_bytes)
                    return fail_as(p, MP_E_LIMIT, "上传内容的分段头过长");
                char c = data[i++];
                if (c == 0)
                    return fail(p, "上传内容的分段头格式错误");
                p->hbuf[p->hlen++] = c;
                if (p->hlen == 2 && p->hbuf[0] == '\r' && p->hbuf[1] == '\n')
                    return fail(p, "上传内容的分段缺少字段名");
                if (p->hlen >= 4 && !memcmp(p->hbuf + p->hlen - 4, "\r\n\r\n", 4)) {
                    p->hlen -= 2; /* keep the last header's CRLF */
                    if (parse_headers(p) != 0)
                        return -1;
                    p->state = S_BODY;
                    p->m = 0;
                    p->part_bytes = 0;
                    mstart = 0;
                    break;
                }
            }
            break;
        }
        case S_EPILOGUE: i = n; break;
        default: return -1;
        }
    }
    return 0;
}

int multipart_finish(multipart_t *p)
{
    if (p->state == S_EPILOGUE)
        return 0;
    return fail(p, "上传内容不完整");
}

/* ---- whole bodies ---- */

typedef struct {
    multipart_form_t *form;
    size_t cap;
    char **owned;
    size_t nowned, capowned;
    bool copied; /* the current part's data had to be copied */
    size_t copycap;
    bool oom;
} collect_t;

static char *own(collect_t *c, char *s)
{
    if (!s)
        return NULL;
    if (c->nowned == c->capowned) {
        size_t nc = c->capowned ? c->capowned * 2 : 16;
        char **no = realloc(c->owned, nc * sizeof *no);
        if (!no) {
            free(s);
            c->oom = true;
            return NULL;
        }
        c->owned = no;
        c->capowned = nc;
    }
    c->owned[c->nowned++] = s;
    return s;
}

static int c_part(void *ud, const multipart_head_t *h)
{
    collect_t *c = ud;
    multipart_form_t *f = c->form;
    if (vec_reserve((void **)&f->parts, &c->cap, f->n, sizeof *f->parts, 4) != 0)
        return -1;
    multipart_part_t *pt = &f->parts[f->n++];
    memset(pt, 0, sizeof *pt);
    pt->name = own(c, strdup(h->name));
    pt->filename = h->filename ? own(c, strdup(h->filename)) : NULL;
    pt->content_type = h->content_type ? own(c, strdup(h->content_type)) : NULL;
    c->copied = false;
    return c->oom || !pt->name ? -1 : 0;
}

static int c_data(void *ud, const char *d, size_t n)
{
    collect_t *c = ud;
    multipart_part_t *pt = &c->form->parts[c->form->n - 1];
    if (!c->copied && (!pt->data || pt->data + pt->len == d)) {
        if (!pt->data)
            pt->data = d;
        pt->len += n;
        return 0;
    }
    /* not contiguous with the body (a piece of the delimiter): copy */
    if (!c->copied) {
        size_t cap = pt->len + n + 1024;
        char *buf = malloc(cap);
        if (!buf)
            return -1;
        memcpy(buf, pt->data, pt->len);
        pt->data = own(c, buf);
        if (!pt->data)
            return -1;
        c->copied = true;
        c->copycap = cap;
    }
    if (pt->len + n > c->copycap) {
        size_t cap = (pt->len + n) * 2;
        char *old = (char *)pt->data, *buf = realloc(old, cap);
        if (!buf)
            return -1;
        for (size_t j = 0; j < c->nowned; j++)
            if (c->owned[j] == old)
                c->owned[j] = buf;
        pt->data = buf;
        c->copycap = cap;
    }
    memcpy((char *)pt->data + pt->len, d, n);
    pt->len += n;
    return 0;
}

void multipart_form_free(multipart_form_t *form)
{
    if (!form)
        return;
    collect_t *c = form->priv;
    if (c) {
        for (size_t i = 0; i < c->nowned; i++)
            free(c->owned[i]);
        free(c->owned);
        free(c);
    }
    free(form->parts);
    memset(form, 0, sizeof *form);
}

int multipart_parse(const char *body, size_t len, const char *content_type, const multipart_limits_t *limits,
                    multipart_form_t *form, char *err, size_t errlen)
{
    memset(form, 0, sizeof *form);
    char boundary[MULTIPART_MAX_BOUNDARY + 1];
    if (!multipart_boundary(content_type, boundary, sizeof boundary)) {
        snprintf(err, errlen, "缺少或无效的 multipart 分隔符（boundary）");
        form->error = MP_E_MALFORMED;
        return -1;
    }
    collect_t *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "内存不足");
        form->error = MP_E_NOMEM;
        return -1;
    }
    c->form = form;
    form->priv = c;
    multipart_cb_t cb = {c_part, c_data, NULL};
    multipart_t *p = multipart_new(boundary, limits, &cb, c);
    if (!p) {
        snprintf(err, errlen, "内存不足");
        multipart_form_free(form);
        form->error = MP_E_NOMEM;
        return -1;
    }
    int rc = multipart_feed(p, body, len);
    if (rc == 0)
        rc = multipart_finish(p);
    if (rc != 0) {
        snprintf(err, errlen, "%s", multipart_error(p) ? multipart_error(p) : "上传内容格式错误");
        multipart_errcode_t code = multipart_error(p) ? multipart_errcode(p) : MP_E_MALFORMED;
        multipart_form_free(form);
        form->error = code;
    }
    for (size_t i = 0; rc == 0 && i < form->n; i++)
        if (!form->parts[i].data)
            form->parts[i].data = ""; /* an empty part */
    multipart_free(p);
    return rc;
}

const multipart_part_t *multipart_get(const multipart_form_t *form, const char *name)
{
    for (size_t i = 0; form && i < form->n; i++)
        if (!strcmp(form->parts[i].name, name))
            return &form->parts[i];
    return NULL;
}
