/* htmlsafe.c — the HTML sanitiser of article bodies: libgumbo parses, a
 * whitelist walk writes the tree out again; see htmlsafe.h and
 * docs/security.md.
 *
 * Three parts:
 *  - a resource guard in front of the parser (hs_guard): libgumbo 0.10.1
 *    scans its whole stack of open elements for many tags (quadratic in the
 *    nesting depth), compares each attribute with all earlier ones of the
 *    tag (quadratic in their number), and re-creates the open formatting
 *    elements after each block (quadratic in memory). The guard tokenises
 *    the input pessimistically (it sees every tag the parser sees, and
 *    more), unwraps start tags nested deeper than HS_GUARD_DEPTH and refuses
 *    tags with too many attributes; the parser's memory is capped by its
 *    allocator (hs_alloc), which also frees the tree without recursion;
 *  - the walk (hs_clean_walk) with an explicit stack, which keeps only
 *    whitelisted elements and attributes and writes them so that parsing
 *    the output again gives the same tree (the rules in hs_decide);
 *  - the text and image walks, on the same tree.
 * It is security code: the whitelist decides, the guard only protects the
 * parser's time and memory. Never a regular expression on HTML.
 */
#include "text/htmlsafe.h"
#include "core/str.h"
#include "text/normalize.h"
#include <gumbo.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HS_GUARD_DEPTH 256 /* start tags nested deeper (by the guard's count) are unwrapped */

#define HS_ERR_COMPLEX "正文的 HTML 结构过于复杂（嵌套或格式元素过多），无法处理"
#define HS_ERR_MEMORY  "处理正文时内存不足"

static void hs_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void hs_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    err[norm_utf8_check(err, strlen(err))] = 0; /* not half a character when cut short */
}

/* ---- the parser's memory ----------------------------------------------- */

/* The parser allocates from chunks that are freed all at once: the tree is
 * released without gumbo_destroy_output() (which recurses once per level of
 * nesting), a parse that exceeds its budget is abandoned with longjmp, and
 * the millions of small blocks of a large body cost no malloc each. Blocks
 * the parser frees are not reused: what it frees during a parse (grown
 * buffers and vectors) is a small part of what it keeps. */
#define HS_CHUNK ((size_t)64 << 10) /* under malloc's mmap threshold: reused, not faulted in anew */

typedef union hs_chunk {
    struct {
        union hs_chunk *next;
        size_t used, cap; /* bytes of the data after the header */
    } h;
    max_align_t align;
} hs_chunk_t;

typedef struct {
    hs_chunk_t *chunks;   /* the first one is the one being filled */
    size_t total, budget; /* bytes handed out, and their limit */
    jmp_buf fail;
    const char *why; /* reason of the longjmp */
} hs_mem_t;

static void hs_mem_init(hs_mem_t *m, size_t budget)
{
    m->chunks = NULL;
    m->total = 0;
    m->budget = budget;
    m->why = NULL;
}

static void *hs_alloc(void *ud, size_t n)
{
    hs_mem_t *m = ud;
    const size_t align = sizeof(void *); /* all the parser stores: pointers, sizes, ints */
    if (n > m->budget - m->total) {
        m->why = HS_ERR_COMPLEX;
        longjmp(m->fail, 1);
    }
    n = n ? (n + align - 1) / align * align : align;
    m->total += n;
    hs_chunk_t *c = m->chunks;
    if (!c || c->h.cap - c->h.used < n) {
        size_t cap = n > HS_CHUNK / 4 ? n : HS_CHUNK;
        hs_chunk_t *nc = malloc(sizeof *nc + cap);
        if (!nc) {
            m->why = HS_ERR_MEMORY;
            longjmp(m->fail, 1);
        }
        nc->h.used = 0;
        nc->h.cap = cap;
        if (c && cap != HS_CHUNK) { /* a large block: keep filling the current chunk */
            nc->h.next = c->h.next;
            c->h.next = nc;
        } else {
            nc->h.next = c;
            m->chunks = nc;
        }
        c = nc;
    }
    void *p = (char *)(c + 1) + c->h.used;
    c->h.used += n;
    return p;
}

static void hs_dealloc(void *ud, void *p)
{
    (void)ud;
    (void)p;
}

static void hs_mem_free(hs_mem_t *m)
{
    while (m->chunks) {
        hs_chunk_t *next = m->chunks->h.next;
        free(m->chunks);
        m->chunks = next;
    }
    m->total = 0;
}

/* ---- the resource guard -------------------------------------------------- */

static bool hs_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }
static bool hs_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static unsigned char hs_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

/* s[0..n) equals the lower-case word w, ignoring ASCII case */
static bool hs_ieq(const char *s, size_t n, const char *w)
{
    size_t i = 0;
    for (; i < n && w[i]; i++)
        if (hs_lower((unsigned char)s[i]) != (unsigned char)w[i])
            return false;
    return i == n && !w[i];
}

static bool hs_in(const char *s, size_t n, const char *const *words)
{
    for (; *words; words++)
        if (hs_ieq(s, n, *words))
            return true;
    return false;
}

/* Attributes of the tag whose name ends at s[i], counted with the HTML
 * tokenizer's states (quoted values may hold '>'); stops counting past max. */
static size_t hs_count_attrs(const char *s, size_t n, size_t i, size_t max)
{
    enum { BEFORE_NAME, NAME, AFTER_NAME, BEFORE_VALUE, DQ, SQ, UNQUOTED, AFTER_QUOTED, SELF_CLOSING } st;
    st = BEFORE_NAME;
    size_t count = 0;
    for (; i < n && count <= max; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (st) {
        case BEFORE_NAME:
            if (hs_ws(c))
                break;
            if (c == '>')
                return count;
            if (c == '/') {
                st = SELF_CLOSING;
                break;
            }
            count++;
            st = NAME;
            break;
        case NAME:
            if (hs_ws(c))
                st = AFTER_NAME;
            else if (c == '/')
                st = SELF_CLOSING;
            else if (c == '=')
                st = BEFORE_VALUE;
            else if (c == '>')
                return count;
            break;
        case AFTER_NAME:
            if (hs_ws(c))
                break;
            if (c == '/')
                st = SELF_CLOSING;
            else if (c == '=')
                st = BEFORE_VALUE;
            else if (c == '>')
                return count;
            else {
                count++;
                st = NAME;
            }
            break;
        case BEFORE_VALUE:
            if (hs_ws(c))
                break;
            if (c == '"')
                st = DQ;
            else if (c == '\'')
                st = SQ;
            else if (c == '>')
                return count;
            else
                st = UNQUOTED;
            break;
        case DQ:
            if (c == '"')
                st = AFTER_QUOTED;
            break;
        case SQ:
            if (c == '\'')
                st = AFTER_QUOTED;
            break;
        case UNQUOTED:
            if (hs_ws(c))
                st = BEFORE_NAME;
            else if (c == '>')
                return count;
            break;
        case AFTER_QUOTED:
            if (hs_ws(c))
                st = BEFORE_NAME;
            else if (c == '/')
                st = SELF_CLOSING;
            else if (c == '>')
                return count;
            else {
                count++;
                st = NAME;
            }
            break;
        case SELF_CLOSING:
            if (c == '>')
                return count;
            if (!hs_ws(c)) { /* the spec reconsumes in BEFORE_NAME */
                count++;
                st = NAME;
            } else
                st = BEFORE_NAME;
            break;
        }
    }
    return count;
}

static const char *const HS_VOID[] = {"area",  "base",  "basefont", "bgsound", "br",    "col",    "embed",
                                      "frame", "hr",    "image",    "img",     "input", "keygen", "link",
                                      "meta",  "param", "source",   "track",   "wbr",   NULL};

typedef struct {
    size_t off, len; /* the tag name in the input */
} hs_gname_t;

/* The guard: 0 with *out and *out_n the text to parse (the input itself, or a
 * rewritten copy in *owned, which the caller frees); -1 with a reason.
 *
 * Its tokeniser never skips more than the parser does: from each '<' that
 * starts markup it jumps only to the next '>', and every markup construct
 * of the parser (tag, comment, doctype, CDATA, end of raw text) ends at or
 * after that '>'; it does not know raw text, comments or quoted values, so
 * tags inside them count too (pessimistic, harmless). Its stack pops an
 * element only on the end tag of the element on top (or when a <p>, <li>,
 * <td>… start tag follows an open one of the same kind). A start tag that
 * would go deeper than HS_GUARD_DEPTH is replaced by a space. */
static int hs_guard(const char *s, size_t n, char **owned, const char **out, size_t *out_n, char *err,
                    size_t errlen)
{
    int rc = -1;
    hs_gname_t stack[HS_GUARD_DEPTH];
    size_t depth = 0, copied = 0;
    sbuf_t rw;
    sbuf_init(&rw);
    bool rewriting = false;
    size_t i = 0;
    *owned = NULL;
    while (i < n) {
        const char *lt = memchr(s + i, '<', n - i);
        if (!lt)
            break;
        size_t p = (size_t)(lt - s);
        if (p + 1 >= n)
            break;
        unsigned char c = (unsigned char)s[p + 1];
        bool end = c == '/' && p + 2 < n && hs_alpha((unsigned char)s[p + 2]);
        if (!end && !hs_alpha(c) && c != '!' && c != '?' && c != '/') {
            i = p + 1; /* a '<' of text */
            continue;
        }
        const char *gt = memchr(s + p + 1, '>', n - p - 1);
        size_t r = gt ? (size_t)(gt - s) : n; /* the construct ends at or after r */
        if (end || hs_alpha(c)) {
            size_t name = p + (end ? 2 : 1), name_end = name;
            while (name_end < n && !hs_ws((unsigned char)s[name_end]) && s[name_end] != '/' &&
                   s[name_end] != '>')
                name_end++;
            size_t nlen = name_end - name;
            if (hs_count_attrs(s, n, name_end, HTMLSAFE_MAX_ATTRS) > HTMLSAFE_MAX_ATTRS) {
                hs_err(err, errlen, "正文中有标签的属性超过 %d 个", HTMLSAFE_MAX_ATTRS);
                goto out;
            }
            if (end) {
                if (depth && stack[depth - 1].len == nlen &&
                    strncasecmp(s + stack[depth - 1].off, s + name, nlen) == 0)
                    depth--;
            } else if (!hs_in(s + name, nlen, HS_VOID)) {
                /* a start tag that closes an open element of its kind first */
                static const char *const TOP_P[] = {"p", NULL}, *const TOP_LI[] = {"li", NULL},
                                         *const TOP_CELL[] = {"td", "th", NULL},
                                         *const TOP_TR[] = {"tr", NULL}, *const TOP_DD[] = {"dd", "dt", NULL},
                                         *const TOP_OPTION[] = {"option", NULL};
                const char *const *closes = NULL;
                if (hs_ieq(s + name, nlen, "p"))
                    closes = TOP_P;
                else if (hs_ieq(s + name, nlen, "li"))
                    closes = TOP_LI;
                else if (hs_ieq(s + name, nlen, "td") || hs_ieq(s + name, nlen, "th"))
                    closes = TOP_CELL;
                else if (hs_ieq(s + name, nlen, "dd") || hs_ieq(s + name, nlen, "dt"))
                    closes = TOP_DD;
                else if (hs_ieq(s + name, nlen, "option"))
                    closes = TOP_OPTION;
                else if (hs_ieq(s + name, nlen, "tr")) {
                    if (depth && hs_in(s + stack[depth - 1].off, stack[depth - 1].len, TOP_CELL))
                        depth--;
                    closes = TOP_TR;
                }
                if (closes && depth && hs_in(s + stack[depth - 1].off, stack[depth - 1].len, closes))
                    depth--;
                if (depth < HS_GUARD_DEPTH) {
                    stack[depth].off = name;
                    stack[depth].len = nlen;
                    depth++;
                } else {
                    /* too deep: the tag becomes a space (a space, not nothing,
                     * so that the bytes around it cannot join into markup) */
                    rewriting = true;
                    sbuf_append(&rw, s + copied, p - copied);
                    sbuf_putc(&rw, ' ');
                    copied = r < n ? r + 1 : n;
                }
            }
        }
        i = r < n ? r + 1 : n;
    }
    if (rewriting) {
        sbuf_append(&rw, s + copied, n - copied);
        *out_n = rw.len;
        *owned = sbuf_detach(&rw);
        *out = *owned;
    } else {
        *out = s;
        *out_n = n;
    }
    rc = 0;
out:
    sbuf_free(&rw);
    return rc;
}

/* ---- parsing ------------------------------------------------------------- */

typedef struct {
    hs_mem_t mem;
    char *guarded; /* the guard's rewritten input, or NULL */
    GumboOutput *out;
    const GumboNode *root; /* the <html> whose children are the fragment */
} hs_doc_t;

static GumboOutput *hs_parse(hs_mem_t *m, const char *buf, size_t n)
{
    GumboOptions o = kGumboDefaultOptions;
    o.allocator = hs_alloc;
    o.deallocator = hs_dealloc;
    o.userdata = m;
    o.max_errors = 0; /* each recorded error copies the stack of open elements */
    o.fragment_context = GUMBO_TAG_DIV;
    o.fragment_namespace = GUMBO_NAMESPACE_HTML;
    if (setjmp(m->fail))
        return NULL;
    return gumbo_parse_with_options(&o, buf, n);
}

static void hs_doc_close(hs_doc_t *d)
{
    hs_mem_free(&d->mem);
    free(d->guarded);
    d->guarded = NULL;
    d->out = NULL;
    d->root = NULL;
}

/* Validates, guards and parses html[0..len). 0, or -1 with a reason. */
static int hs_doc_open(hs_doc_t *d, const char *html, size_t len, char *err, size_t errlen)
{
    int rc = -1;
    memset(d, 0, sizeof *d);
    /* the parser takes up to ~80 bytes per input byte (2 MiB of "<p>x"),
     * 2 for plain text; more is the formatting elements' re-creation */
    hs_mem_init(&d->mem, ((size_t)32 << 20) + (len > SIZE_MAX / 128 ? SIZE_MAX / 2 : len * 96));
    if (!html)
        html = "";
    size_t bad = norm_utf8_check(html, len);
    if (bad != len) {
        hs_err(err, errlen, "正文不是有效的 UTF-8 文本（第 %zu 字节处）", bad);
        goto out;
    }
    const char *buf;
    size_t n;
    if (hs_guard(html, len, &d->guarded, &buf, &n, err, errlen) != 0)
        goto out;
    d->out = hs_parse(&d->mem, buf, n);
    if (!d->out) {
        hs_err(err, errlen, "%s", d->mem.why ? d->mem.why : HS_ERR_COMPLEX);
        goto out;
    }
    d->root = d->out->root;
    rc = 0;
out:
    if (rc != 0)
        hs_doc_close(d);
    return rc;
}

/* ---- what each element is ------------------------------------------------ */

enum {
    K_KEEP = 1 << 0,     /* on the whitelist */
    K_DROP = 1 << 1,     /* dropped with its content */
    K_VOID = 1 << 2,     /* no end tag, no content */
    K_BLOCK = 1 << 3,    /* a line of its own in the visible text */
    K_CLOSES_P = 1 << 4, /* its start tag closes an open <p> (in button scope) */
    K_SPECIAL = 1 << 5,  /* "special" for the <li> start tag's search */
    K_FMT = 1 << 6,      /* a formatting element (list of active formatting elements) */
    K_TABLE = 1 << 7,    /* table, thead, tbody, tfoot, tr: only table parts inside */
};

static unsigned hs_kind(GumboTag t)
{
    switch (t) {
    case GUMBO_TAG_P: return K_KEEP | K_BLOCK | K_CLOSES_P;
    case GUMBO_TAG_DIV: return K_KEEP | K_BLOCK | K_CLOSES_P;
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_LI: return K_KEEP | K_BLOCK | K_CLOSES_P | K_SPECIAL;
    case GUMBO_TAG_TABLE: return K_KEEP | K_BLOCK | K_CLOSES_P | K_SPECIAL | K_TABLE;
    case GUMBO_TAG_HR: return K_KEEP | K_VOID | K_BLOCK | K_CLOSES_P | K_SPECIAL;
    case GUMBO_TAG_BR: return K_KEEP | K_VOID | K_BLOCK | K_SPECIAL;
    case GUMBO_TAG_IMG:
    case GUMBO_TAG_SOURCE: return K_KEEP | K_VOID | K_SPECIAL;
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_TFOOT: return K_KEEP | K_SPECIAL | K_TABLE;
    case GUMBO_TAG_TR: return K_KEEP | K_BLOCK | K_SPECIAL | K_TABLE;
    case GUMBO_TAG_TD:
    case GUMBO_TAG_TH: return K_KEEP | K_BLOCK | K_SPECIAL;
    case GUMBO_TAG_STRONG:
    case GUMBO_TAG_B:
    case GUMBO_TAG_EM:
    case GUMBO_TAG_I:
    case GUMBO_TAG_U:
    case GUMBO_TAG_S:
    case GUMBO_TAG_CODE:
    case GUMBO_TAG_A: return K_KEEP | K_FMT;
    case GUMBO_TAG_DEL:
    case GUMBO_TAG_SUB:
    case GUMBO_TAG_SUP:
    case GUMBO_TAG_SPAN:
    case GUMBO_TAG_VIDEO: return K_KEEP;
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_MATH:
    case GUMBO_TAG_FORM:
    case GUMBO_TAG_INPUT:
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_FRAME:
    case GUMBO_TAG_FRAMESET:
    case GUMBO_TAG_BASE:
    case GUMBO_TAG_LINK:
    case GUMBO_TAG_META:
    case GUMBO_TAG_TITLE:
    case GUMBO_TAG_HEAD: return K_DROP;
    /* not kept, but lines of their own in the visible text */
    case GUMBO_TAG_ADDRESS:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_CENTER:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_DETAILS:
    case GUMBO_TAG_DIR:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_FIELDSET:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_HGROUP:
    case GUMBO_TAG_LEGEND:
    case GUMBO_TAG_LISTING:
    case GUMBO_TAG_MAIN:
    case GUMBO_TAG_MENU:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_PLAINTEXT:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_SUMMARY:
    case GUMBO_TAG_XMP: return K_BLOCK;
    default: return 0;
    }
}

static bool hs_is_element(const GumboNode *n) { return n->type == GUMBO_NODE_ELEMENT; }

/* Dropped with everything inside: not HTML (SVG, MathML), or on the list. */
static bool hs_dropped(const GumboNode *n)
{
    if (n->type == GUMBO_NODE_TEMPLATE)
        return true;
    return n->v.element.tag_namespace != GUMBO_NAMESPACE_HTML || (hs_kind(n->v.element.tag) & K_DROP);
}

static const char *hs_attr(const GumboNode *n, const char *name)
{
    const GumboAttribute *a = gumbo_get_attribute(&n->v.element.attributes, name);
    return a ? a->value : NULL;
}

/* ---- URLs ------------------------------------------------------------------ */

typedef enum {
    URL_LINK,  /* a href: http, https, mailto, relative */
    URL_IMAGE, /* img src, video poster: http, https, relative, data:image/{png,jpeg,gif,webp};base64 */
    URL_MEDIA, /* video and source src: http, https, relative */
} hs_url_kind_t;

static bool hs_ctl(unsigned char c) { return c <= 0x20 || c == 0x7F; }

/* The URL v with ASCII white space and control characters trimmed
 * (*n bytes from the returned pointer), or NULL when it is not allowed. */
static const char *hs_url(const char *v, hs_url_kind_t kind, size_t *n)
{
    if (!v)
        return NULL;
    size_t a = 0, b = strlen(v);
    while (a < b && hs_ctl((unsigned char)v[a]))
        a++;
    while (b > a && hs_ctl((unsigned char)v[b - 1]))
        b--;
    const char *u = v + a;
    size_t len = b - a;
    if (!len)
        return NULL;
    for (size_t i = 0; i < len; i++) /* a browser drops tabs and newlines inside: "/\t/x" is "//x" */
        if (hs_ctl((unsigned char)u[i]) && u[i] != ' ')
            return NULL;
    if (memchr(u, '\\', len)) /* a browser reads "\" as "/" in http(s) URLs */
        return NULL;
    size_t colon = len;
    for (size_t i = 0; i < len; i++) {
        if (u[i] == '/' || u[i] == '?' || u[i] == '#')
            break;
        if (u[i] == ':') {
            colon = i;
            break;
        }
    }
    *n = len;
    if (colon == len) { /* no scheme: relative, but not "//host" — nor "/ /host", which a
                         * browser reads as a path but a careless proxy or viewer may not */
        size_t k = 1;
        while (k < len && u[k] == ' ')
            k++;
        if (u[0] == '/' && k < len && u[k] == '/')
            return NULL;
        return u;
    }
    if (hs_ieq(u, colon, "http") || hs_ieq(u, colon, "https"))
        return u;
    if (kind == URL_LINK && hs_ieq(u, colon, "mailto"))
        return u;
    if (kind == URL_IMAGE && hs_ieq(u, colon, "data")) {
        static const char *const OK[] = {"data:image/png;base64,", "data:image/jpeg;base64,",
                                         "data:image/gif;base64,", "data:image/webp;base64,", NULL};
        for (const char *const *p = OK; *p; p++) {
            size_t pl = strlen(*p);
            if (len > pl && strncasecmp(u, *p, pl) == 0) {
                for (size_t i = pl; i < len; i++) {
                    unsigned char c = (unsigned char)u[i];
                    if (!hs_alpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '/' && c != '=')
                        return NULL;
                }
                return u;
            }
        }
    }
    return NULL;
}

/* ---- style --------------------------------------------------------------- */

static bool hs_digits(const char *s, size_t n, size_t max)
{
    if (!n || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Length of the number ("12", "1.5", ".5") at the start of s[0..n), or 0. */
static size_t hs_number(const char *s, size_t n)
{
    size_t i = 0, digits = 0;
    bool dot = false;
    for (; i < n && i < 12; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            digits++;
        else if (s[i] == '.' && !dot)
            dot = true;
        else
            break;
    }
    if (!digits || s[i - 1] == '.')
        return 0;
    return i;
}

/* A number followed by one of the units ("" in units allows none). */
static bool hs_length(const char *s, size_t n, const char *const *units)
{
    size_t k = hs_number(s, n);
    return k && hs_in(s + k, n - k, units);
}

static bool hs_color(const char *v, size_t n)
{
    if (n >= 2 && v[0] == '#') {
        if (n - 1 != 3 && n - 1 != 4 && n - 1 != 6 && n - 1 != 8)
            return false;
        for (size_t i = 1; i < n; i++)
            if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
                return false;
        return true;
    }
    size_t open = 0;
    if (n > 4 && memcmp(v, "rgb(", 4) == 0)
        open = 4;
    else if (n > 5 && memcmp(v, "rgba(", 5) == 0)
        open = 5;
    if (open) {
        if (v[n - 1] != ')')
            return false;
        for (size_t i = open; i < n - 1; i++)
            if (!((v[i] >= '0' && v[i] <= '9') || v[i] == ',' || v[i] == '.' || v[i] == ' ' || v[i] == '%'))
                return false;
        return true;
    }
    if (!n || n > 20)
        return false;
    for (size_t i = 0; i < n; i++)
        if (v[i] < 'a' || v[i] > 'z')
            return false;
    return true;
}

static bool hs_has(const char *v, size_t n, const char *w)
{
    size_t wl = strlen(w);
    for (size_t i = 0; i + wl <= n; i++)
        if (strncasecmp(v + i, w, wl) == 0) /* URL(, Expression(, JavaScript */
            return true;
    return false;
}

/* One declaration: prop and value lower-cased and trimmed. */
static bool hs_decl_ok(const char *prop, const char *v, size_t n, GumboTag tag)
{
    static const char *const ALIGN[] = {"left", "right", "center", "justify", NULL};
    static const char *const FONT_UNITS[] = {"px", "em", "rem", "pt", "%", NULL};
    static const char *const WEIGHT[] = {"normal", "bold", NULL};
    static const char *const DECORATION[] = {"none", "underline", "line-through", NULL};
    static const char *const INDENT_UNITS[] = {"em", "px", NULL};
    static const char *const LINE_UNITS[] = {"", "px", "em", "rem", "pt", "%", NULL};
    static const char *const BOX_UNITS[] = {"px", "%", NULL};
    if (!n)
        return false;
    if ((memchr(v, '(', n) && !(n > 4 && (memcmp(v, "rgb(", 4) == 0 || memcmp(v, "rgba(", 5) == 0))) ||
        hs_has(v, n, "url") || hs_has(v, n, "expression") || hs_has(v, n, "javascript") ||
        memchr(v, '\\', n) || hs_has(v, n, "/*") || memchr(v, '<', n) || memchr(v, '@', n))
        return false;
    if (!strcmp(prop, "text-align"))
        return hs_in(v, n, ALIGN);
    if (!strcmp(prop, "color") || !strcmp(prop, "background-color"))
        return hs_color(v, n);
    if (!strcmp(prop, "font-size"))
        return hs_length(v, n, FONT_UNITS);
    if (!strcmp(prop, "font-weight"))
        return hs_in(v, n, WEIGHT) || hs_digits(v, n, 4);
    if (!strcmp(prop, "text-decoration"))
        return hs_in(v, n, DECORATION);
    if (!strcmp(prop, "text-indent"))
        return hs_length(v, n, INDENT_UNITS);
    if (!strcmp(prop, "line-height"))
        return hs_length(v, n, LINE_UNITS);
    if (!strcmp(prop, "width") || !strcmp(prop, "height"))
        return (tag == GUMBO_TAG_IMG || tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TH) &&
               hs_length(v, n, BOX_UNITS);
    return false;
}

/* Copies s[a..b) trimmed of white space and lower-cased into buf (cap
 * bytes with the NUL); false when it does not fit. */
static bool hs_trim_lower(const char *s, size_t a, size_t b, char *buf, size_t cap, size_t *n)
{
    while (a < b && hs_ws((unsigned char)s[a]))
        a++;
    while (b > a && hs_ws((unsigned char)s[b - 1]))
        b--;
    if (b - a >= cap)
        return false;
    for (size_t i = a; i < b; i++)
        buf[i - a] = (char)hs_lower((unsigned char)s[i]);
    buf[b - a] = 0;
    *n = b - a;
    return true;
}

/* The allowed declarations of a style attribute, "prop: value;" joined by
 * spaces, into out (nothing when none is allowed). */
static void hs_style(sbuf_t *out, const char *v, GumboTag tag)
{
    size_t n = strlen(v), start = 0, depth = 0;
    char quote = 0;
    for (size_t i = 0; i <= n; i++) {
        char c = i < n ? v[i] : ';';
        if (quote) {
            if (c == quote)
                quote = 0;
            if (i < n)
                continue;
        } else if (c == '"' || c == '\'') {
            quote = c;
            continue;
        } else if (c == '(') {
            depth++;
            continue;
        } else if (c == ')') {
            if (depth)
                depth--;
            continue;
        }
        if (c != ';' || (depth && i < n))
            continue;
        const char *colon = memchr(v + start, ':', i - start);
        if (colon) {
            char prop[32], val[64];
            size_t pn, vn, c0 = (size_t)(colon - v);
            if (hs_trim_lower(v, start, c0, prop, sizeof prop, &pn) &&
                hs_trim_lower(v, c0 + 1, i, val, sizeof val, &vn) && hs_decl_ok(prop, val, vn, tag)) {
                if (out->len)
                    sbuf_putc(out, ' ');
                sbuf_printf(out, "%s: %s;", prop, val);
            }
        }
        start = i + 1;
    }
}

/* ---- writing -------------------------------------------------------------- */

typedef struct {
    sbuf_t b;
    bool after_pre; /* the last thing written was a <pre> start tag */
} hs_out_t;

/* Code points the parser turns into U+FFFD when they stand in the input
 * (they reach the tree only through character references such as "&#1;"):
 * written as U+FFFD, so that reading the output again changes nothing. */
static bool hs_unwritable(uint32_t cp)
{
    return (cp >= 0x01 && cp <= 0x08) || cp == 0x0B || (cp >= 0x0E && cp <= 0x1F) ||
           (cp >= 0x7F && cp <= 0x9F) || (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
}

static void hs_escape(hs_out_t *o, const char *s, size_t n, bool attr)
{
    size_t run = 0;
    for (size_t i = 0; i < n;) {
        const char *rep = NULL;
        uint32_t cp;
        size_t len = utf8_decode(s + i, n - i, &cp);
        if (!len) { /* a broken sequence, as gumbo 0.10.1 writes for "&#6666666666" */
            len = 1;
            rep = "\xEF\xBF\xBD";
        } else if (cp == '&') {
            rep = "&amp;";
        } else if (cp == '<') {
            rep = "&lt;";
        } else if (cp == '>') {
            rep = "&gt;";
        } else if (cp == '"' && attr) {
            rep = "&quot;";
        } else if (cp == '\r') {
            rep = "&#13;"; /* a raw CR would be read back as LF */
        } else if (hs_unwritable(cp)) {
            rep = "\xEF\xBF\xBD";
        }
        if (rep) {
            sbuf_append(&o->b, s + run, i - run);
            sbuf_puts(&o->b, rep);
            run = i + len;
        }
        i += len;
    }
    sbuf_append(&o->b, s + run, n - run);
    o->after_pre = false;
}

/* s[0..n) with each byte of a broken sequence as U+FFFD (see hs_escape) */
static void hs_fix_utf8(sbuf_t *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = utf8_decode(s + i, n - i, &cp);
        if (len)
            sbuf_append(b, s + i, len);
        else
            sbuf_puts(b, "\xEF\xBF\xBD");
        i += len ? len : 1;
    }
}

static void hs_put_attr(hs_out_t *o, const char *name, const char *v, size_t n)
{
    sbuf_putc(&o->b, ' ');
    sbuf_puts(&o->b, name);
    sbuf_puts(&o->b, "=\"");
    hs_escape(o, v, n, true);
    sbuf_putc(&o->b, '"');
}

static void hs_put_url(hs_out_t *o, const GumboNode *n, const char *name, hs_url_kind_t kind)
{
    size_t len;
    const char *u = hs_url(hs_attr(n, name), kind, &len);
    if (u)
        hs_put_attr(o, name, u, len);
}

/* digits (at most max), and for width/height an optional '%' */
static void hs_put_number(hs_out_t *o, const GumboNode *n, const char *name, size_t max, bool percent)
{
    const char *v = hs_attr(n, name);
    if (!v)
        return;
    size_t len = strlen(v);
    if (percent && len > 1 && v[len - 1] == '%' && hs_digits(v, len - 1, max))
        hs_put_attr(o, name, v, len);
    else if (hs_digits(v, len, max))
        hs_put_attr(o, name, v, len);
}

static void hs_put_text_attr(hs_out_t *o, const GumboNode *n, const char *name)
{
    const char *v = hs_attr(n, name);
    if (v)
        hs_put_attr(o, name, v, strlen(v));
}

static void hs_put_style(hs_out_t *o, const GumboNode *n, GumboTag tag)
{
    const char *v = hs_attr(n, "style");
    if (!v)
        return;
    sbuf_t st;
    sbuf_init(&st);
    hs_style(&st, v, tag);
    if (st.len)
        hs_put_attr(o, "style", st.data, st.len);
    sbuf_free(&st);
}

static bool hs_source_ok(const GumboNode *c)
{
    size_t len;
    return hs_is_element(c) && c->v.element.tag == GUMBO_TAG_SOURCE &&
           c->v.element.tag_namespace == GUMBO_NAMESPACE_HTML && hs_url(hs_attr(c, "src"), URL_MEDIA, &len);
}

static void hs_start_tag(hs_out_t *o, const GumboNode *n)
{
    GumboTag tag = n->v.element.tag;
    sbuf_putc(&o->b, '<');
    sbuf_puts(&o->b, gumbo_normalized_tagname(tag));
    switch (tag) {
    case GUMBO_TAG_A: {
        hs_put_url(o, n, "href", URL_LINK);
        const char *t = hs_attr(n, "target");
        size_t a = 0, b = t ? strlen(t) : 0;
        while (a < b && hs_ws((unsigned char)t[a]))
            a++;
        while (b > a && hs_ws((unsigned char)t[b - 1]))
            b--;
        if (t && hs_ieq(t + a, b - a, "_blank"))
            sbuf_puts(&o->b, " target=\"_blank\" rel=\"noopener noreferrer\"");
        hs_put_text_attr(o, n, "title");
        break;
    }
    case GUMBO_TAG_IMG:
        hs_put_url(o, n, "src", URL_IMAGE);
        hs_put_text_attr(o, n, "alt");
        hs_put_number(o, n, "width", 5, true);
        hs_put_number(o, n, "height", 5, true);
        break;
    case GUMBO_TAG_TD:
    case GUMBO_TAG_TH:
        hs_put_number(o, n, "colspan", 3, false);
        hs_put_number(o, n, "rowspan", 3, false);
        break;
    case GUMBO_TAG_OL: hs_put_number(o, n, "start", 9, false); break;
    case GUMBO_TAG_VIDEO:
        hs_put_url(o, n, "src", URL_MEDIA);
        hs_put_url(o, n, "poster", URL_IMAGE);
        if (hs_attr(n, "controls"))
            sbuf_puts(&o->b, " controls=\"\"");
        hs_put_number(o, n, "width", 5, true);
        hs_put_number(o, n, "height", 5, true);
        break;
    case GUMBO_TAG_SOURCE: {
        hs_put_url(o, n, "src", URL_MEDIA);
        const char *t = hs_attr(n, "type");
        size_t len = t ? strlen(t) : 0;
        bool ok = len && len <= 64;
        for (size_t i = 0; ok && i < len; i++)
            ok = hs_alpha((unsigned char)t[i]) || (t[i] >= '0' && t[i] <= '9') || strchr("/.+-", t[i]);
        if (ok)
            hs_put_attr(o, "type", t, len);
        break;
    }
    default: break;
    }
    if (tag != GUMBO_TAG_SOURCE)
        hs_put_style(o, n, tag);
    sbuf_putc(&o->b, '>');
    o->after_pre = tag == GUMBO_TAG_PRE;
}

static void hs_end_tag(hs_out_t *o, GumboTag tag)
{
    sbuf_puts(&o->b, "</");
    sbuf_puts(&o->b, gumbo_normalized_tagname(tag));
    sbuf_putc(&o->b, '>');
    o->after_pre = false;
}

/* ---- the whitelist walk -------------------------------------------------- */

typedef struct {
    const GumboNode *node;
    unsigned next; /* index of the next child to visit */
} hs_frame_t;

typedef struct {
    hs_frame_t *v;
    size_t n, cap;
} hs_stack_t;

static void hs_push(hs_stack_t *s, const GumboNode *node)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        hs_frame_t *v = realloc(s->v, s->cap * sizeof *v);
        if (!v)
            abort(); /* as sbuf does (arena.h) */
        s->v = v;
    }
    s->v[s->n].node = node;
    s->v[s->n].next = 0;
    s->n++;
}

static const GumboVector *hs_children(const GumboNode *n)
{
    return n->type == GUMBO_NODE_DOCUMENT ? &n->v.document.children : &n->v.element.children;
}

typedef struct {
    const GumboNode *node;
    GumboTag tag;
} hs_open_t;

typedef struct {
    hs_out_t o;
    hs_open_t open[HTMLSAFE_MAX_DEPTH]; /* the elements written and not yet closed */
    size_t depth;
} hs_clean_t;

typedef enum { HS_SKIP, HS_UNWRAP, HS_EMIT } hs_decision_t;

static GumboTag hs_parent(const hs_clean_t *c)
{
    return c->depth ? c->open[c->depth - 1].tag : GUMBO_TAG_LAST;
}

/* The rules that make the output parse back to the same tree: each start
 * tag written must only insert its element into the current one (no
 * implied end tags, no foster parenting, no ignored tags, no adoption
 * agency), so that each end tag written closes exactly the current node. */
static hs_decision_t hs_decide(const hs_clean_t *c, const GumboNode *n)
{
    if (hs_dropped(n))
        return HS_SKIP;
    GumboTag tag = n->v.element.tag;
    unsigned k = hs_kind(tag);
    hs_decision_t no = (k & K_VOID) ? HS_SKIP : HS_UNWRAP;
    if (!(k & K_KEEP))
        return HS_UNWRAP;
    GumboTag parent = hs_parent(c);
    bool table_part = tag == GUMBO_TAG_THEAD || tag == GUMBO_TAG_TBODY || tag == GUMBO_TAG_TFOOT ||
                      tag == GUMBO_TAG_TR || tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TH;
    if (parent != GUMBO_TAG_LAST && (hs_kind(parent) & K_TABLE)) {
        /* inside table, thead, tbody, tfoot and tr only their parts */
        bool ok = (parent == GUMBO_TAG_TABLE &&
                   (tag == GUMBO_TAG_THEAD || tag == GUMBO_TAG_TBODY || tag == GUMBO_TAG_TFOOT)) ||
                  (parent == GUMBO_TAG_TR && (tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TH)) ||
                  (parent != GUMBO_TAG_TABLE && parent != GUMBO_TAG_TR && tag == GUMBO_TAG_TR);
        if (!ok)
            return no;
    } else if (table_part) {
        return HS_UNWRAP; /* a table part outside its table is ignored by the parser */
    }
    if (c->depth >= HTMLSAFE_MAX_DEPTH)
        return no;
    if (tag == GUMBO_TAG_SOURCE)
        return HS_SKIP;   /* written with its <video> */
    if (k & K_CLOSES_P) { /* an open <p> in button scope would be closed */
        for (size_t i = c->depth; i-- > 0;) {
            GumboTag t = c->open[i].tag;
            if (t == GUMBO_TAG_P)
                return no;
            if (t == GUMBO_TAG_TABLE || t == GUMBO_TAG_TD || t == GUMBO_TAG_TH)
                break;
        }
    }
    if (tag >= GUMBO_TAG_H1 && tag <= GUMBO_TAG_H6 && parent >= GUMBO_TAG_H1 && parent <= GUMBO_TAG_H6)
        return HS_UNWRAP;      /* a heading start tag closes a heading that is the current node */
    if (tag == GUMBO_TAG_LI) { /* closes an open <li> unless a special element other than div, p is between */
        for (size_t i = c->depth; i-- > 0;) {
            GumboTag t = c->open[i].tag;
            if (t == GUMBO_TAG_LI)
                return HS_UNWRAP;
            if ((hs_kind(t) & K_SPECIAL) && t != GUMBO_TAG_DIV && t != GUMBO_TAG_P)
                break;
        }
    }
    if (k & K_FMT) {
        /* <a> in <a> runs the adoption agency; a fourth open formatting
         * element of the same kind drops the first from the list of active
         * formatting elements (td and th are markers of that list) */
        int same = 0;
        for (size_t i = c->depth; i-- > 0;) {
            GumboTag t = c->open[i].tag;
            if (t == GUMBO_TAG_TD || t == GUMBO_TAG_TH)
                break;
            if (t == tag)
                same++;
        }
        if ((tag == GUMBO_TAG_A && same) || same >= 3)
            return HS_UNWRAP;
    }
    size_t len;
    if (tag == GUMBO_TAG_IMG && !hs_url(hs_attr(n, "src"), URL_IMAGE, &len))
        return HS_SKIP;
    if (tag == GUMBO_TAG_VIDEO) {
        if (c->depth + 1 >= HTMLSAFE_MAX_DEPTH)
            return HS_SKIP;
        bool ok = hs_url(hs_attr(n, "src"), URL_MEDIA, &len) != NULL;
        const GumboVector *kids = &n->v.element.children;
        for (unsigned i = 0; !ok && i < kids->length; i++)
            ok = hs_source_ok(kids->data[i]);
        if (!ok)
            return HS_SKIP;
    }
    return HS_EMIT;
}

static void hs_text(hs_clean_t *c, const char *s)
{
    size_t n = strlen(s);
    GumboTag parent = hs_parent(c);
    if (parent != GUMBO_TAG_LAST && (hs_kind(parent) & K_TABLE)) {
        /* only white space stays in a table; other text is moved out of it */
        for (size_t i = 0; i < n; i++)
            if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\f')
                return;
    }
    if (!n)
        return;
    if (c->o.after_pre && s[0] == '\n')
        sbuf_putc(&c->o.b, '\n'); /* the parser drops a newline right after <pre> */
    hs_escape(&c->o, s, n, false);
}

static void hs_clean_walk(hs_clean_t *c, const GumboNode *root)
{
    hs_stack_t st = {0};
    hs_push(&st, root);
    while (st.n) {
        hs_frame_t *f = &st.v[st.n - 1];
        const GumboVector *kids = hs_children(f->node);
        if (f->next >= kids->length) {
            if (c->depth && c->open[c->depth - 1].node == f->node)
                hs_end_tag(&c->o, c->open[--c->depth].tag);
            st.n--;
            continue;
        }
        const GumboNode *n = kids->data[f->next++];
        if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE) {
            hs_text(c, n->v.text.text);
            continue;
        }
        if (n->type != GUMBO_NODE_ELEMENT && n->type != GUMBO_NODE_TEMPLATE)
            continue; /* comments, CDATA */
        switch (hs_decide(c, n)) {
        case HS_SKIP: break;
        case HS_UNWRAP: hs_push(&st, n); break;
        case HS_EMIT: {
            GumboTag tag = n->v.element.tag;
            hs_start_tag(&c->o, n);
            if (hs_kind(tag) & K_VOID)
                break;
            if (tag == GUMBO_TAG_VIDEO) { /* only its sources, nothing else */
                const GumboVector *vk = &n->v.element.children;
                for (unsigned i = 0; i < vk->length; i++)
                    if (hs_source_ok(vk->data[i]))
                        hs_start_tag(&c->o, vk->data[i]);
                hs_end_tag(&c->o, tag);
                break;
            }
            c->open[c->depth].node = n;
            c->open[c->depth].tag = tag;
            c->depth++;
            hs_push(&st, n);
            break;
        }
        }
    }
    free(st.v);
}

char *htmlsafe_clean(const char *html, size_t len, size_t max_len, char *err, size_t errlen)
{
    char *res = NULL;
    hs_doc_t d;
    hs_clean_t *c = NULL;
    if (!max_len)
        max_len = HTMLSAFE_DEFAULT_MAX_LEN;
    if (len > max_len) {
        hs_err(err, errlen, "正文长度 %zu 字节，超过上限 %zu 字节", len, max_len);
        return NULL;
    }
    if (hs_doc_open(&d, html, len, err, errlen) != 0)
        return NULL;
    c = calloc(1, sizeof *c);
    if (!c) {
        hs_err(err, errlen, "%s", HS_ERR_MEMORY);
        goto out;
    }
    sbuf_init(&c->o.b);
    hs_clean_walk(c, d.root);
    if (c->o.b.len > max_len) {
        hs_err(err, errlen, "清理后的正文长度 %zu 字节，超过上限 %zu 字节", c->o.b.len, max_len);
        goto out;
    }
    res = sbuf_detach(&c->o.b);
out:
    if (c)
        sbuf_free(&c->o.b);
    free(c);
    hs_doc_close(&d);
    return res;
}

/* ---- visible text ---------------------------------------------------------- */

typedef struct {
    sbuf_t b;
    bool space; /* white space seen since the last character written */
    int pre;    /* open <pre> elements */
} hs_textout_t;

static void hs_break(hs_textout_t *t)
{
    if (t->b.len && t->b.data[t->b.len - 1] != '\n')
        sbuf_putc(&t->b, '\n');
    t->space = false;
}

static void hs_visible(hs_textout_t *t, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = utf8_decode(s + i, n - i, &cp); /* U+FFFD when broken (see hs_escape) */
        if (!len)
            len = 1;
        if (hs_ws((unsigned char)s[i]) && !t->pre) {
            t->space = true;
        } else {
            if (t->space && t->b.len && t->b.data[t->b.len - 1] != '\n')
                sbuf_putc(&t->b, ' ');
            t->space = false;
            if (cp == '\r')
                sbuf_putc(&t->b, '\n');
            else if (len > 1 || cp < 0x80)
                sbuf_append(&t->b, s + i, len);
            else
                sbuf_puts(&t->b, "\xEF\xBF\xBD");
        }
        i += len;
    }
}

char *htmlsafe_text(const char *html, size_t len, size_t *out_len, char *err, size_t errlen)
{
    hs_doc_t d;
    if (hs_doc_open(&d, html, len, err, errlen) != 0)
        return NULL;
    hs_textout_t t = {0};
    sbuf_init(&t.b);
    hs_stack_t st = {0};
    hs_push(&st, d.root);
    while (st.n) {
        hs_frame_t *f = &st.v[st.n - 1];
        const GumboVector *kids = hs_children(f->node);
        if (f->next >= kids->length) {
            if (st.n > 1) { /* leaving an element */
                GumboTag tag = f->node->v.element.tag;
                if (hs_kind(tag) & K_BLOCK)
                    hs_break(&t);
                if (tag == GUMBO_TAG_PRE)
                    t.pre--;
            }
            st.n--;
            continue;
        }
        const GumboNode *n = kids->data[f->next++];
        if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE) {
            hs_visible(&t, n->v.text.text);
            continue;
        }
        if (n->type != GUMBO_NODE_ELEMENT || hs_dropped(n) || n->v.element.tag == GUMBO_TAG_VIDEO)
            continue;
        GumboTag tag = n->v.element.tag;
        if (hs_kind(tag) & K_BLOCK)
            hs_break(&t);
        if (tag == GUMBO_TAG_PRE)
            t.pre++;
        hs_push(&st, n);
    }
    free(st.v);
    hs_doc_close(&d);
    while (t.b.len && t.b.data[t.b.len - 1] == '\n')
        t.b.data[--t.b.len] = 0;
    if (out_len)
        *out_len = t.b.len;
    return sbuf_detach(&t.b);
}

/* ---- images ---------------------------------------------------------------- */

json_t *htmlsafe_images(const char *html, size_t len)
{
    hs_doc_t d;
    if (hs_doc_open(&d, html, len, NULL, 0) != 0)
        return NULL;
    json_t *arr = json_array();
    hs_stack_t st = {0};
    hs_push(&st, d.root);
    while (arr && st.n) {
        hs_frame_t *f = &st.v[st.n - 1];
        const GumboVector *kids = hs_children(f->node);
        if (f->next >= kids->length) {
            st.n--;
            continue;
        }
        const GumboNode *n = kids->data[f->next++];
        if (n->type != GUMBO_NODE_ELEMENT || hs_dropped(n))
            continue;
        if (n->v.element.tag == GUMBO_TAG_IMG) {
            const char *src = hs_attr(n, "src");
            size_t a = 0, b = src ? strlen(src) : 0;
            while (a < b && hs_ctl((unsigned char)src[a]))
                a++;
            while (b > a && hs_ctl((unsigned char)src[b - 1]))
                b--;
            if (b > a) {
                sbuf_t fixed;
                sbuf_init(&fixed);
                hs_fix_utf8(&fixed, src + a, b - a);
                json_array_append_new(arr, json_stringn(fixed.data, fixed.len));
                sbuf_free(&fixed);
            }
        }
        hs_push(&st, n);
    }
    free(st.v);
    hs_doc_close(&d);
    return arr;
}
