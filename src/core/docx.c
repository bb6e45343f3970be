/* docx.c — see docx.h. The body is written with xmlTextWriter into one
 * buffer; docx_save wraps it in the four parts a .docx needs. */
#include "core/docx.h"
#include <libxml/xmlwriter.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#define W_NS "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

struct docx {
    xmlBufferPtr buf;
    xmlTextWriterPtr w;
    bool failed;
};

static const char CONTENT_TYPES[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Override PartName=\"/word/document.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
    "<Override PartName=\"/word/styles.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>"
    "</Types>";
static const char RELS[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
    "Target=\"word/document.xml\"/></Relationships>";
static const char DOC_RELS[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" "
    "Target=\"styles.xml\"/></Relationships>";
/* 宋体 body text, 黑体 headings, a grid table style */
static const char STYLES[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
    "<w:styles xmlns:w=\"" W_NS "\">"
    "<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii=\"Times New Roman\" w:hAnsi=\"Times New Roman\" "
    "w:eastAsia=\"宋体\"/><w:sz w:val=\"21\"/><w:lang w:val=\"en-US\" "
    "w:eastAsia=\"zh-CN\"/></w:rPr></w:rPrDefault>"
    "<w:pPrDefault><w:pPr><w:spacing w:after=\"120\" w:line=\"300\" "
    "w:lineRule=\"auto\"/></w:pPr></w:pPrDefault>"
    "</w:docDefaults>"
    "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Heading1\"><w:name w:val=\"heading 1\"/><w:basedOn "
    "w:val=\"Normal\"/>"
    "<w:pPr><w:jc w:val=\"center\"/><w:spacing w:before=\"240\" w:after=\"240\"/><w:outlineLvl "
    "w:val=\"0\"/></w:pPr>"
    "<w:rPr><w:rFonts w:eastAsia=\"黑体\"/><w:b/><w:sz w:val=\"32\"/></w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Heading2\"><w:name w:val=\"heading 2\"/><w:basedOn "
    "w:val=\"Normal\"/>"
    "<w:pPr><w:spacing w:before=\"240\" w:after=\"120\"/><w:outlineLvl w:val=\"1\"/></w:pPr>"
    "<w:rPr><w:rFonts w:eastAsia=\"黑体\"/><w:b/><w:sz w:val=\"26\"/></w:rPr></w:style>"
    "<w:style w:type=\"table\" w:styleId=\"TableGrid\"><w:name w:val=\"Table Grid\"/><w:tblPr><w:tblBorders>"
    "<w:top w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/>"
    "<w:left w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/>"
    "<w:bottom w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/>"
    "<w:right w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/>"
    "<w:insideH w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/>"
    "<w:insideV w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/>"
    "</w:tblBorders></w:tblPr></w:style>"
    "</w:styles>";

static void check(docx_t *d, int rc)
{
    if (rc < 0)
        d->failed = true;
}

docx_t *docx_new(void)
{
    docx_t *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->buf = xmlBufferCreate();
    d->w = d->buf ? xmlNewTextWriterMemory(d->buf, 0) : NULL;
    if (!d->w) {
        if (d->buf)
            xmlBufferFree(d->buf);
        free(d);
        return NULL;
    }
    check(d, xmlTextWriterStartDocument(d->w, "1.0", "UTF-8", "yes"));
    check(d, xmlTextWriterStartElement(d->w, BAD_CAST "w:document"));
    check(d, xmlTextWriterWriteAttribute(d->w, BAD_CAST "xmlns:w", BAD_CAST W_NS));
    check(d, xmlTextWriterStartElement(d->w, BAD_CAST "w:body"));
    return d;
}

void docx_free(docx_t *d)
{
    if (!d)
        return;
    xmlFreeTextWriter(d->w);
    xmlBufferFree(d->buf);
    free(d);
}

static void attr(docx_t *d, const char *el, const char *name, const char *val)
{
    check(d, xmlTextWriterStartElement(d->w, BAD_CAST el));
    if (name)
        check(d, xmlTextWriterWriteAttribute(d->w, BAD_CAST name, BAD_CAST val));
    check(d, xmlTextWriterEndElement(d->w));
}

/* Characters XML 1.0 forbids (controls other than tab/newline) are dropped;
 * a newline becomes <w:br/>, a tab <w:tab/>. */
static void text_run(docx_t *d, const char *s, size_t len, const char *highlight, bool bold)
{
    check(d, xmlTextWriterStartElement(d->w, BAD_CAST "w:r"));
    if (highlight || bold) {
        check(d, xmlTextWriterStartElement(d->w, BAD_CAST "w:rPr"));
        if (bold)
            attr(d, "w:b", NULL, NULL);
        if (highlight)
            attr(d, "w:highlight", "w:val", highlight);
        check(d, xmlTextWriterEndElement(d->w));
    }
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && (unsigned char)s[j] >= 0x20)
            j++;
        if (j > i) {
            check(d, xmlTextWriterStartElement(d->w, BAD_CAST "w:t"));
            check(d, xmlTextWriterWriteAttribute(d->w, BAD_CAST "xml:space", BAD_CAST "preserve"));
            check(d, xmlTextWriterWriteFormatString(d->w, "%.*s", (int)(j - i), s + i));
            check(d, xmlTextWriterEndElement(d->w));
        }
        if (j < len) {
            if (s[j] == '\n')
                attr(d, "w:br", NULL, NULL);
            else if (s[j] == '\t')
                attr(d, "w:tab", NULL, NULL);
            j++;
        }
        i = j;
    }
    check(d, xmlTextWriterEndElement(d->w));
}

static void para_start(docx_t *d, const char *style)
{
    check(d, xmlTextWriterStartElement(d->w, BAD_CAST "w:p"));
    if (style) {
        check(d, xmlTextWriterStartElement(d->w, BAD_CAST "w:pPr"));
        attr(d, "w:pStyle", "w:val", style);
        check(d, xmlTextWriterEndElement(d->w));
    }
}

void docx_heading(docx_t *d, int level, const char *text)
{
    para_start(d, level <= 1 ? "Heading1" : "Heading2");
    text_run(d, text, strlen(text), NULL, false);
    check(d, xmlTextWriterEndElement(d->w));
}

void docx_para(docx_t *d, const char *text)
{
    para_start(d, NULL);
    text_run(d, text, strlen(text), NULL, false);
    check(d, xmlTextWriterEndElement(d->w));
}

void docx_marked(docx_t *d, const char *text, size_t len, const docx_mark_t *marks, size_t n)
{
    static const char *const COLOUR[] = {"red", "yellow", "cyan"};
    para_start(d, NULL);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        const docx_mark_t *m = &marks[i];
        if (m->start < at || m->end <= m->start || m->end > len || (unsigned)m->colour > DOCX_MARK_CYAN)
            continue;
        if (m->start > at)
            text_run(d, text + at, m->start - at, NULL, false);
        text_run(d, text + m->start, m->end - m->start, COLOUR[m->colour], true);
        at = m->end;
    }
    if (at < len)
        text_run(d, text + at, len - at, NULL, false);
    check(d, xmlTextWriterEndElement(d->w));
}

static void cell(docx_t *d, json_t *v, bool bold)
{
    check(d, xmlTextWriterStartElement(d->w, BAD_CAST "w:tc"));
    para_start(d, NULL);
    char num[32];
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        s = num;
    }
    if (s && *s)
        text_run(d, s, strlen(s), NULL, bold);
    check(d, xmlTextWriterEndElement(d->w)); /* w:p */
    check(d, xmlTextWriterEndElement(d->w)); /* w:tc */
}

static void row(docx_t *d, json_t *cells, bool header)
{
    check(d, xmlTextWriterStartElement(d->w, BAD_CAST "w:tr"));
    if (header) { /* repeated on every page */
        check(d, xmlTextWriterStartElement(d->w, BAD_CAST "w:trPr"));
        attr(d, "w:tblHeader", NULL, NULL);
        check(d, xmlTextWriterEndElement(d->w));
    }
    size_t i;
    json_t *v;
    json_array_foreach(cells, i, v) cell(d, v, header);
    check(d, xmlTextWriterEndElement(d->w));
}

void docx_table(docx_t *d, json_t *header, json_t *rows)
{
    check(d, xmlTextWriterStartElement(d->w, BAD_CAST "w:tbl"));
    check(d, xmlTextWriterStartElement(d->w, BAD_CAST "w:tblPr"));
    attr(d, "w:tblStyle", "w:val", "TableGrid");
    check(d, xmlTextWriterStartElement(d->w, BAD_CAST "w:tblW"));
    check(d, xmlTextWriterWriteAttribute(d->w, BAD_CAST "w:w", BAD_CAST "5000"));
    check(d, xmlTextWriterWriteAttribute(d->w, BAD_CAST "w:type", BAD_CAST "pct"));
    check(d, xmlTextWriterEndElement(d->w));
    check(d, xmlTextWriterEndElement(d->w)); /* tblPr */
    row(d, header, true);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) row(d, r, false);
    check(d, xmlTextWriterEndElement(d->w));
    /* Word needs a paragraph between a table and what follows */
    docx_para(d, "");
}

static bool add_part(zip_t *z, const char *name, const void *data, size_t len)
{
    zip_source_t *s = zip_source_buffer(z, data, len, 0);
    if (!s)
        return false;
    if (zip_file_add(z, name, s, ZIP_FL_ENC_UTF_8) < 0) {
        zip_source_free(s);
        return false;
    }
    return true;
}

int docx_save(docx_t *d, const char *path, char *err, size_t errlen)
{
    /* A4 page with 2.5 cm margins, then close body and document */
    check(d, xmlTextWriterStartElement(d->w, BAD_CAST "w:sectPr"));
    check(d, xmlTextWriterStartElement(d->w, BAD_CAST "w:pgSz"));
    check(d, xmlTextWriterWriteAttribute(d->w, BAD_CAST "w:w", BAD_CAST "11906"));
    check(d, xmlTextWriterWriteAttribute(d->w, BAD_CAST "w:h", BAD_CAST "16838"));
    check(d, xmlTextWriterEndElement(d->w));
    check(d, xmlTextWriterStartElement(d->w, BAD_CAST "w:pgMar"));
    static const char *const MAR[] = {"w:top", "w:right", "w:bottom", "w:left"};
    for (int i = 0; i < 4; i++)
        check(d, xmlTextWriterWriteAttribute(d->w, BAD_CAST MAR[i], BAD_CAST "1418"));
    check(d, xmlTextWriterEndElement(d->w));
    check(d, xmlTextWriterEndElement(d->w)); /* sectPr */
    check(d, xmlTextWriterEndDocument(d->w));
    check(d, xmlTextWriterFlush(d->w));
    if (d->failed) {
        snprintf(err, errlen, "生成文档内容失败");
        return -1;
    }
    int ze;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &ze);
    if (!z) {
        snprintf(err, errlen, "无法创建文档文件");
        return -1;
    }
    bool ok = add_part(z, "[Content_Types].xml", CONTENT_TYPES, sizeof CONTENT_TYPES - 1) &&
              add_part(z, "_rels/.rels", RELS, sizeof RELS - 1) &&
              add_part(z, "word/_rels/document.xml.rels", DOC_RELS, sizeof DOC_RELS - 1) &&
              add_part(z, "word/styles.xml", STYLES, sizeof STYLES - 1) &&
              add_part(z, "word/document.xml", xmlBufferContent(d->buf), (size_t)xmlBufferLength(d->buf));
    if (!ok) {
        zip_discard(z);
        snprintf(err, errlen, "无法写入文档文件");
        return -1;
    }
    if (zip_close(z) != 0) {
        zip_discard(z);
        snprintf(err, errlen, "无法写入文档文件");
        return -1;
    }
    return 0;
}
