/* docparse.c — see docparse.h. */
#include "text/docparse.h"
#include "core/dynlib.h"
#include "core/str.h"
#include "core/xlsx.h"
#include "core/xmlread.h"
#include "text/htmlsafe.h"
#include <dlfcn.h>
#include <poppler.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

#define MAX_TEXT (32u << 20) /* text extracted from one document */

static const char *const NAMES[] = {"txt", "md", "html", "docx", "pdf", "xlsx", "unknown"};

const char *doc_type_name(doc_type_t t) { return NAMES[t <= DOC_UNKNOWN ? t : DOC_UNKNOWN]; }

doc_type_t doc_type_of(const char *name)
{
    for (int i = 0; name && i < DOC_UNKNOWN; i++)
        if (!strcmp(name, NAMES[i]))
            return (doc_type_t)i;
    return DOC_UNKNOWN;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = s ? strlen(s) : 0, m = strlen(suffix);
    return n >= m && !strcasecmp(s + n - m, suffix);
}

doc_type_t doc_type(const char *mime, const char *filename)
{
    if (!mime)
        return DOC_UNKNOWN;
    if (!strcmp(mime, "application/pdf"))
        return DOC_PDF;
    if (!strcmp(mime, "text/html"))
        return DOC_HTML;
    if (strstr(mime, "wordprocessingml"))
        return DOC_DOCX;
    if (strstr(mime, "spreadsheetml"))
        return DOC_XLSX;
    if (!strcmp(mime, "application/zip") || !strcmp(mime, "application/octet-stream")) {
        /* libmagic without the Office rules: a zip; the members decide (doc_parse checks) */
        if (ends_with(filename, ".docx"))
            return DOC_DOCX;
        if (ends_with(filename, ".xlsx"))
            return DOC_XLSX;
        return DOC_UNKNOWN;
    }
    if (!strcmp(mime, "text/plain") || !strcmp(mime, "text/markdown") || !strcmp(mime, "text/x-markdown")) {
        if (ends_with(filename, ".html") || ends_with(filename, ".htm"))
            return DOC_HTML;
        return ends_with(filename, ".md") || ends_with(filename, ".markdown") ||
                       !strcmp(mime, "text/markdown")
                   ? DOC_MD
                   : DOC_TEXT;
    }
    return DOC_UNKNOWN;
}

static char *fail(char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
    return NULL;
}

/* ---- HTML: the visible text as the article sanitiser reads it (guarded
 * against pathological nesting), each block a paragraph ---- */

/* collapses runs of blank lines and trailing spaces */
static char *tidy(sbuf_t *b)
{
    sbuf_t o;
    sbuf_init(&o);
    int nl = 0;
    for (size_t i = 0; i < b->len; i++) {
        char c = b->data[i];
        if (c == '\r')
            continue;
        if (c == '\n') {
            while (o.len && (o.data[o.len - 1] == ' ' || o.data[o.len - 1] == '\t'))
                o.data[--o.len] = 0;
            if (++nl <= 2 && o.len)
                sbuf_putc(&o, '\n');
            continue;
        }
        if ((c == ' ' || c == '\t') && nl)
            continue; /* indentation after a break */
        nl = 0;
        sbuf_putc(&o, c);
    }
    sbuf_free(b);
    if (!o.data)
        sbuf_puts(&o, "");
    return sbuf_detach(&o);
}

static char *parse_html(const char *buf, size_t len, char *err, size_t errlen)
{
    size_t n = 0;
    char *t = htmlsafe_text(buf, len, &n, err, errlen);
    if (!t)
        return NULL;
    sbuf_t b;
    sbuf_init(&b);
    for (size_t i = 0; i < n; i++) {
        if (t[i] == '\n')
            sbuf_putc(&b, '\n');
        sbuf_putc(&b, t[i]);
    }
    free(t);
    return tidy(&b);
}

/* ---- DOCX ---- */

static char *parse_docx(const char *buf, size_t len, char *err, size_t errlen)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = len ? zip_source_buffer_create(buf, len, 0, &ze) : NULL;
    zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze) : NULL;
    zip_error_fini(&ze);
    if (!z) {
        zip_source_free(src);
        return fail(err, errlen, "不是有效的 .docx 文档（无法解压）");
    }
    zip_stat_t st;
    zip_stat_init(&st);
    zip_int64_t idx = zip_name_locate(z, "word/document.xml", 0);
    char *xml = NULL;
    size_t n = 0;
    if (idx < 0 || zip_stat_index(z, (zip_uint64_t)idx, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) ||
        st.size > MAX_TEXT * 2) {
        zip_discard(z);
        return fail(err, errlen, "不是有效的 .docx 文档（缺少正文或正文过大）");
    }
    zip_file_t *zf = zip_fopen_index(z, (zip_uint64_t)idx, 0);
    if (zf) {
        xml = malloc((size_t)st.size + 1);
        zip_int64_t r;
        while (xml && n <= st.size && (r = zip_fread(zf, xml + n, (size_t)st.size + 1 - n)) > 0)
            n += (size_t)r;
        zip_fclose(zf);
    }
    zip_discard(z);
    if (!xml || n != st.size) {
        free(xml);
        return fail(err, errlen, "不是有效的 .docx 文档（正文已损坏或已加密）");
    }
    bool bad = false;
    xmlTextReaderPtr r = xml_open(xml, n, &bad);
    sbuf_t b, para;
    sbuf_init(&b);
    sbuf_init(&para);
    bool heading = false, in_t = false;
    while (r && xmlTextReaderRead(r) == 1 && b.len < MAX_TEXT) {
        int type = xmlTextReaderNodeType(r);
        if (type == XML_READER_TYPE_ELEMENT) {
            if (xml_is(r, "p")) {
                para.len = 0;
                if (para.data)
                    para.data[0] = 0;
                heading = false;
            } else if (xml_is(r, "pStyle")) {
                char *v = xml_attr(r, "w:val");
                heading =
                    v && (!strncasecmp(v, "heading", 7) || !strncasecmp(v, "title", 5) || strstr(v, "标题"));
                free(v);
            } else if (xml_is(r, "t")) {
                in_t = !xmlTextReaderIsEmptyElement(r);
            } else if (xml_is(r, "tab")) {
                sbuf_putc(&para, '\t');
            } else if (xml_is(r, "br")) {
                sbuf_putc(&para, '\n');
            }
        } else if ((type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE) && in_t) {
            const xmlChar *v = xmlTextReaderConstValue(r);
            if (v)
                sbuf_puts(&para, (const char *)v);
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            if (xml_is(r, "t"))
                in_t = false;
            else if (xml_is(r, "p") && para.len) {
                if (b.len)
                    sbuf_puts(&b, "\n\n");
                if (heading)
                    sbuf_puts(&b, "# ");
                sbuf_append(&b, para.data, para.len);
            }
        }
    }
    if (r)
        xmlFreeTextReader(r);
    free(xml);
    sbuf_free(&para);
    if (!r || bad) {
        sbuf_free(&b);
        return fail(err, errlen, "不是有效的 .docx 文档（正文不是有效的 XML）");
    }
    return tidy(&b);
}

/* ---- PDF ---- */

/* poppler-glib is opened with dlopen() on the first PDF, not linked: its
 * fifty-odd libraries (poppler, cairo, NSS, lcms …) would cost every start
 * of the binary in the dynamic loader, also `zhendi proofread --text`
 * (issue 16). glib and gobject stay linked (libvips's API needs them). */
#define ZD_POPPLER_FUNCS(X)                                                                                  \
    X(poppler_document_new_from_bytes)                                                                       \
    X(poppler_document_get_n_pages)                                                                          \
    X(poppler_document_get_page)                                                                             \
    X(poppler_page_get_text)                                                                                 \
    X(poppler_error_quark)

static ZD_DL_TABLE(ZD_POPPLER_FUNCS) px;
static pthread_once_t px_once = PTHREAD_ONCE_INIT;
static char px_error[256];
static bool px_ok;

static void poppler_open(void)
{
    int rc;
    ZD_DL_LOAD(rc, px, ZD_POPPLER_FUNCS, "libpoppler-glib.so.8", RTLD_LOCAL, px_error, sizeof px_error);
    px_ok = rc == 0;
}

#define poppler_document_new_from_bytes (*px.poppler_document_new_from_bytes)
#define poppler_document_get_n_pages    (*px.poppler_document_get_n_pages)
#define poppler_document_get_page       (*px.poppler_document_get_page)
#define poppler_page_get_text           (*px.poppler_page_get_text)
#define poppler_error_quark             (*px.poppler_error_quark)

static char *parse_pdf(const char *buf, size_t len, char *err, size_t errlen)
{
    pthread_once(&px_once, poppler_open);
    if (!px_ok)
        return fail(err, errlen, "无法读取 PDF：未能加载 poppler-glib");
    GBytes *bytes = g_bytes_new(buf, len);
    GError *ge = NULL;
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &ge);
    g_bytes_unref(bytes);
    if (!doc) {
        bool locked = ge && ge->domain == POPPLER_ERROR && ge->code == POPPLER_ERROR_ENCRYPTED;
        if (ge)
            g_error_free(ge);
        return fail(err, errlen, locked ? "PDF 已加密，无法读取" : "不是有效的 PDF 文件");
    }
    sbuf_t b;
    sbuf_init(&b);
    int pages = poppler_document_get_n_pages(doc);
    for (int i = 0; i < pages && b.len < MAX_TEXT; i++) {
        PopplerPage *p = poppler_document_get_page(doc, i);
        if (!p)
            continue;
        char *t = poppler_page_get_text(p);
        if (t && *t) {
            if (b.len)
                sbuf_puts(&b, "\n\n");
            sbuf_puts(&b, t);
        }
        g_free(t);
        g_object_unref(p);
    }
    g_object_unref(doc);
    return tidy(&b);
}

/* ---- XLSX: the first sheet, one paragraph per row ---- */

typedef struct {
    sbuf_t b;
    char **head;
    size_t nhead;
} xl_t;

static int xl_row(void *ud, size_t row, const char *const *cells, size_t n)
{
    xl_t *x = ud;
    (void)row;
    if (!x->head) { /* the first row with values names the columns */
        if (!n)
            return 0;
        x->head = calloc(n, sizeof *x->head);
        if (!x->head)
            abort();
        x->nhead = n;
        for (size_t i = 0; i < n; i++)
            x->head[i] = strdup(cells[i]);
        return 0;
    }
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (!*cells[i])
            continue;
        if (!any && x->b.len)
            sbuf_puts(&x->b, "\n\n");
        else if (any)
            sbuf_puts(&x->b, "；");
        any = true;
        const char *h = i < x->nhead && x->head[i] && *x->head[i] ? x->head[i] : NULL;
        if (h)
            sbuf_printf(&x->b, "%s：%s", h, cells[i]);
        else
            sbuf_puts(&x->b, cells[i]);
    }
    return x->b.len > MAX_TEXT ? 1 : 0;
}

static char *parse_xlsx(const char *buf, size_t len, char *err, size_t errlen)
{
    xl_t x = {0};
    sbuf_init(&x.b);
    xlsx_limits_t lim = {.max_rows = 200000};
    int rc = xlsx_read(buf, len, &lim, xl_row, &x, err, errlen);
    for (size_t i = 0; i < x.nhead; i++)
        free(x.head[i]);
    free(x.head);
    if (rc < 0) {
        sbuf_free(&x.b);
        return NULL;
    }
    if (!x.b.data)
        sbuf_puts(&x.b, "");
    return sbuf_detach(&x.b);
}

char *doc_parse(doc_type_t t, const void *data, size_t len, char *err, size_t errlen)
{
    const char *buf = data;
    switch (t) {
    case DOC_TEXT:
    case DOC_MD: {
        if (!utf8_valid(buf, len))
            return fail(err, errlen, "文本不是 UTF-8 编码");
        size_t skip = len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3) ? 3 : 0; /* BOM */
        sbuf_t b;
        sbuf_init(&b);
        sbuf_append(&b, buf + skip, len - skip);
        return tidy(&b);
    }
    case DOC_HTML: return parse_html(buf, len, err, errlen);
    case DOC_DOCX: return parse_docx(buf, len, err, errlen);
    case DOC_PDF: return parse_pdf(buf, len, err, errlen);
    case DOC_XLSX: return parse_xlsx(buf, len, err, errlen);
    default: return fail(err, errlen, "不支持的文件类型");
    }
}
