/* xlsx.c — the .xlsx reader of xlsx.h: zip members through libzip, XML
 * through libxml2's xmlTextReader (streaming, no entity substitution). */
#include "core/xlsx.h"
#include "core/str.h"
#include "core/xmlread.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

typedef struct {
    xlsx_limits_t lim;
    zip_t *zip;
    char **strings; /* shared strings */
    size_t nstrings, capstrings;
    char *err;
    size_t errlen;
} ctx_t;

static int fail(ctx_t *c, const char *msg)
{
    if (!c->err[0])
        snprintf(c->err, c->errlen, "%s", msg);
    return -1;
}

/* A member's bytes (NUL-terminated, malloc'd), NULL when absent (*absent
 * set) or on error (reason in c->err). */
static char *read_member(ctx_t *c, const char *name, size_t *len, bool *absent)
{
    *absent = false;
    zip_stat_t st;
    zip_stat_init(&st);
    zip_int64_t idx = zip_name_locate(c->zip, name, 0);
    if (idx < 0) {
        *absent = true;
        return NULL;
    }
    if (zip_stat_index(c->zip, (zip_uint64_t)idx, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) {
        fail(c, "表格文件已损坏");
        return NULL;
    }
    if (st.size > c->lim.max_member) {
        fail(c, "表格内容过大");
        return NULL;
    }
    zip_file_t *zf = zip_fopen_index(c->zip, (zip_uint64_t)idx, 0);
    if (!zf) {
        fail(c, "表格文件已损坏或已加密");
        return NULL;
    }
    size_t cap = (size_t)st.size + 1, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        zip_fclose(zf);
        fail(c, "内存不足");
        return NULL;
    }
    for (;;) {
        zip_int64_t r = zip_fread(zf, buf + n, cap - n);
        if (r < 0) {
            free(buf);
            zip_fclose(zf);
            fail(c, "表格文件已损坏");
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n >= cap) { /* more than the directory said: refuse */
            free(buf);
            zip_fclose(zf);
            fail(c, "表格文件已损坏（大小不符）");
            return NULL;
        }
    }
    zip_fclose(zf);
    buf[n] = 0;
    *len = n;
    return buf;
}

/* appends text to a growing buffer within the cell limit */
static bool append(ctx_t *c, sbuf_t *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n > c->lim.max_cell)
        return false;
    sbuf_append(b, s, n);
    return true;
}

static int load_shared_strings(ctx_t *c)
{
    size_t len;
    bool absent, bad;
    char *buf = read_member(c, "xl/sharedStrings.xml", &len, &absent);
    if (!buf)
        return absent ? 0 : -1;
    xmlTextReaderPtr r = xml_open(buf, len, &bad);
    if (!r) {
        free(buf);
        return fail(c, "表格文件已损坏");
    }
    int rc = 0, ret;
    sbuf_t cur;
    sbuf_init(&cur);
    bool in_si = false, in_t = false;
    int rph = 0; /* inside a phonetic guide */
    while ((ret = xmlTextReaderRead(r)) == 1) {
        int type = xmlTextReaderNodeType(r);
        if (type == XML_READER_TYPE_ELEMENT) {
            if (xml_is(r, "si")) {
                in_si = true;
                sbuf_free(&cur);
                if (xmlTextReaderIsEmptyElement(r))
                    goto close_si;
            } else if (xml_is(r, "rPh") && !xmlTextReaderIsEmptyElement(r)) {
                rph++;
            } else if (xml_is(r, "t") && !xmlTextReaderIsEmptyElement(r)) {
                in_t = true;
            }
            continue;
        }
        if (type == XML_READER_TYPE_END_ELEMENT) {
            if (xml_is(r, "t"))
                in_t = false;
            else if (xml_is(r, "rPh") && rph > 0)
                rph--;
            else if (xml_is(r, "si"))
                goto close_si;
            continue;
        }
        if ((type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
             type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE) &&
            in_si && in_t && !rph) {
            const char *v = (const char *)xmlTextReaderConstValue(r);
            if (v && !append(c, &cur, v)) {
                rc = fail(c, "表格单元格内容过长");
                break;
            }
        }
        continue;
    close_si:
        in_si = false;
        if (c->nstrings >= c->lim.max_strings) {
            rc = fail(c, "表格内容过多");
            break;
        }
        if (c->nstrings == c->capstrings) {
            size_t nc = c->capstrings ? c->capstrings * 2 : 256;
            char **ns = realloc(c->strings, nc * sizeof *ns);
            if (!ns) {
                rc = fail(c, "内存不足");
                break;
            }
            c->strings = ns;
            c->capstrings = nc;
        }
        c->strings[c->nstrings++] = cur.data ? sbuf_detach(&cur) : strdup("");
    }
    if (!rc && (ret < 0 || bad))
        rc = fail(c, "表格文件已损坏（共享字符串）");
    sbuf_free(&cur);
    xmlFreeTextReader(r);
    free(buf);
    return rc;
}

/* The first worksheet's member name: workbook.xml's first <sheet> and its
 * relationship; xl/worksheets/sheet1.xml when those are missing. */
static void first_sheet(ctx_t *c, char *out, size_t outsz)
{
    str_lcpy(out, "xl/worksheets/sheet1.xml", outsz);
    size_t len;
    bool absent, bad;
    char *wb = read_member(c, "xl/workbook.xml", &len, &absent);
    char *rid = NULL;
    if (wb) {
        xmlTextReaderPtr r = xml_open(wb, len, &bad);
        while (r && xmlTextReaderRead(r) == 1)
            if (xmlTextReaderNodeType(r) == XML_READER_TYPE_ELEMENT && xml_is(r, "sheet")) {
                rid = xml_attr(r, "r:id");
                break;
            }
        xmlFreeTextReader(r);
        free(wb);
    }
    c->err[0] = 0; /* a missing or odd workbook.xml is not fatal */
    if (!rid)
        return;
    char *rels = read_member(c, "xl/_rels/workbook.xml.rels", &len, &absent);
    if (rels) {
        xmlTextReaderPtr r = xml_open(rels, len, &bad);
        while (r && xmlTextReaderRead(r) == 1) {
            if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT || !xml_is(r, "Relationship"))
                continue;
            char *id = xml_attr(r, "Id"), *target = xml_attr(r, "Target");
            if (id && target && !strcmp(id, rid) && !strstr(target, "..")) {
                if (target[0] == '/')
                    str_lcpy(out, target + 1, outsz);
                else
                    snprintf(out, outsz, "xl/%s", target);
            }
            free(id);
            free(target);
        }
        xmlFreeTextReader(r);
        free(rels);
    }
    c->err[0] = 0;
    free(rid);
}

/* Column index (0-based) of a cell reference like "AB12"; -1 if none. */
static long col_of(const char *ref)
{
    long col = 0;
    int letters = 0;
    for (; ref && *ref >= 'A' && *ref <= 'Z'; ref++, letters++) {
        col = col * 26 + (*ref - 'A' + 1);
        if (col > 100000)
            return -1;
    }
    return letters ? col - 1 : -1;
}

static long row_of(const char *ref)
{
    while (ref && *ref >= 'A' && *ref <= 'Z')
        ref++;
    int64_t v;
    return ref && str_to_int64(ref, &v) && v > 0 && v < 100000000 ? (long)v : -1;
}

static int read_sheet(ctx_t *c, const char *name, xlsx_row_fn fn, void *ud)
{
    size_t len;
    bool absent, bad;
    char *buf = read_member(c, name, &len, &absent);
    if (!buf)
        return absent ? fail(c, "不是有效的 .xlsx 表格（找不到工作表）") : -1;
    xmlTextReaderPtr r = xml_open(buf, len, &bad);
    if (!r) {
        free(buf);
        return fail(c, "表格文件已损坏");
    }
    char **cells = calloc(c->lim.max_cols, sizeof *cells);
    if (!cells) {
        xmlFreeTextReader(r);
        free(buf);
        return fail(c, "内存不足");
    }
    size_t ncells = 0, rows = 0, rownum = 0;
    long nextcol = 0;
    char *ctype = NULL;
    long col = -1;
    bool in_v = false, in_is_t = false, in_row = false;
    int rph = 0;
    sbuf_t val;
    sbuf_init(&val);
    int rc = 0, ret;
    while ((ret = xmlTextReaderRead(r)) == 1 && rc == 0) {
        int type = xmlTextReaderNodeType(r);
        if (type == XML_READER_TYPE_ELEMENT) {
            bool empty = xmlTextReaderIsEmptyElement(r);
            if (xml_is(r, "row")) {
                char *rr = xml_attr(r, "r");
                long n = rr ? row_of(rr) : -1;
                free(rr);
                rownum = n > 0 && (size_t)n > rownum ? (size_t)n : rownum + 1;
                if (++rows > c->lim.max_rows) {
                    rc = fail(c, "表格行数过多");
                    break;
                }
                ncells = 0;
                nextcol = 0;
                in_row = !empty;
                if (empty)
                    rc = fn(ud, rownum, (const char *const *)cells, 0);
            } else if (xml_is(r, "c") && in_row) {
                char *ref = xml_attr(r, "r");
                col = ref ? col_of(ref) : nextcol;
                free(ref);
                if (col < 0)
                    col = nextcol;
                nextcol = col + 1;
                if ((size_t)col >= c->lim.max_cols) {
                    rc = fail(c, "表格列数过多");
                    break;
                }
                free(ctype);
                ctype = xml_attr(r, "t");
                sbuf_free(&val);
                if (empty)
                    col = -1;
            } else if (xml_is(r, "v") && col >= 0 && !empty) {
                in_v = true;
            } else if (xml_is(r, "rPh") && !empty) {
                rph++;
            } else if (xml_is(r, "t") && col >= 0 && !empty) {
                in_is_t = true; /* inline string */
            }
            continue;
        }
        if (type == XML_READER_TYPE_END_ELEMENT) {
            if (xml_is(r, "v")) {
                in_v = false;
            } else if (xml_is(r, "t")) {
                in_is_t = false;
            } else if (xml_is(r, "rPh") && rph > 0) {
                rph--;
            } else if (xml_is(r, "c") && col >= 0) {
                const char *text = val.data ? val.data : "";
                if (ctype && !strcmp(ctype, "s")) {
                    int64_t k;
                    if (!str_to_int64(text, &k) || k < 0 || (size_t)k >= c->nstrings) {
                        rc = fail(c, "表格文件已损坏（共享字符串编号无效）");
                        break;
                    }
                    text = c->strings[k];
                } else if (ctype && !strcmp(ctype, "b")) {
                    text = !strcmp(text, "1") ? "TRUE" : "FALSE";
                }
                free(cells[col]);
                cells[col] = strdup(text);
                if ((size_t)col + 1 > ncells)
                    ncells = (size_t)col + 1;
                col = -1;
            } else if (xml_is(r, "row") && in_row) {
                in_row = false;
                /* trailing empty cells are not passed */
                while (ncells > 0 && (!cells[ncells - 1] || !cells[ncells - 1][0]))
                    ncells--;
                for (size_t j = 0; j < ncells; j++)
                    if (!cells[j])
                        cells[j] = strdup("");
                rc = fn(ud, rownum, (const char *const *)cells, ncells);
                for (size_t j = 0; j < c->lim.max_cols; j++) {
                    free(cells[j]);
                    cells[j] = NULL;
                }
            }
            continue;
        }
        if ((type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
             type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE) &&
            col >= 0 && (in_v || in_is_t) && !rph) {
            const char *v = (const char *)xmlTextReaderConstValue(r);
            if (v && !append(c, &val, v)) {
                rc = fail(c, "表格单元格内容过长");
                break;
            }
        }
    }
    if (rc == 0 && (ret < 0 || bad))
        rc = fail(c, "表格文件已损坏（工作表）");
    for (size_t j = 0; j < c->lim.max_cols; j++)
        free(cells[j]);
    free(cells);
    free(ctype);
    sbuf_free(&val);
    xmlFreeTextReader(r);
    free(buf);
    return rc;
}

int xlsx_read(const void *buf, size_t len, const xlsx_limits_t *lim, xlsx_row_fn fn, void *ud, char *err,
              size_t errlen)
{
    ctx_t c = {.err = err, .errlen = errlen};
    err[0] = 0;
    if (lim)
        c.lim = *lim;
    if (!c.lim.max_member)
        c.lim.max_member = 64u << 20;
    if (!c.lim.max_rows)
        c.lim.max_rows = 1000000;
    if (!c.lim.max_cols)
        c.lim.max_cols = 256;
    if (!c.lim.max_cell)
        c.lim.max_cell = 32768;
    if (!c.lim.max_strings)
        c.lim.max_strings = 2000000;
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = len ? zip_source_buffer_create(buf, len, 0, &ze) : NULL;
    if (!src) {
        zip_error_fini(&ze);
        return fail(&c, "不是有效的 .xlsx 表格");
    }
    c.zip = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    zip_error_fini(&ze);
    if (!c.zip) {
        zip_source_free(src);
        return fail(&c, "不是有效的 .xlsx 表格（无法解压）");
    }
    int rc = load_shared_strings(&c);
    if (rc == 0) {
        char sheet[512];
        first_sheet(&c, sheet, sizeof sheet);
        rc = read_sheet(&c, sheet, fn, ud);
    }
    zip_discard(c.zip);
    for (size_t i = 0; i < c.nstrings; i++)
        free(c.strings[i]);
    free(c.strings);
    return rc;
}

size_t xlsx_header_cols(const char *const *headers, size_t nh, const char *const *cells, size_t ncells,
                        int *col)
{
    size_t found = 0;
    for (size_t k = 0; k < nh; k++) {
        col[k] = -1;
        for (size_t j = 0; j < ncells && col[k] < 0; j++) {
            const char *h = cells[j] ? cells[j] : "";
            while (*h == ' ')
                h++;
            if (*headers[k] && !strncmp(h, headers[k], strlen(headers[k])))
                col[k] = (int)j;
        }
        found += col[k] >= 0;
    }
    return found;
}

static bool valid_ymd(long y, long m, long d)
{
    static const int DAYS[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > DAYS[m - 1])
        return false;
    return !(m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

/* "YYYY-MM-DD" of a valid_ymd() day */
static void put_ymd(char out[11], long y, long m, long d)
{
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u, (unsigned)d % 100u);
}

/* digits at *p (at most maxd), advancing; -1 if none */
static long take_num(const char **p, int maxd)
{
    long v = 0;
    int n = 0;
    while (**p >= '0' && **p <= '9' && n < maxd) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    return n ? v : -1;
}

/* the separator at *p (one of "-", "/", ".", or the UTF-8 word w), advancing */
static bool take_sep(const char **p, const char *w)
{
    if (**p == '-' || **p == '/' || **p == '.') {
        (*p)++;
        return true;
    }
    size_t n = strlen(w);
    if (!strncmp(*p, w, n)) {
        *p += n;
        return true;
    }
    return false;
}

bool xlsx_date(const char *cell, char out[11])
{
    if (!cell)
        return false;
    const char *p = cell;
    while (*p == ' ')
        p++;
    const char *s = p;
    long y = take_num(&p, 5);
    if (y < 0)
        return false;
    if (*p == '\0' || (*p == '.' && p - s != 4)) {
        /* an Excel serial: whole days since 1899-12-30 (so 60 is the
         * 1900-02-29 that never was: refused), a fraction of a day ignored */
        if (*p == '.') {
            p++;
            while (*p >= '0' && *p <= '9')
                p++;
            if (*p)
                return false;
        }
        if (y < 1 || y == 60)
            return false;
        long z = y + (y < 60 ? 1 : 0) - 25569 + 719468; /* days since 1970-01-01, then civil */
        long era = z / 146097, doe = z - era * 146097;
        long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        long yy = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
        yy += m <= 2;
        if (!valid_ymd(yy, m, d))
            return false;
        put_ymd(out, yy, m, d);
        return true;
    }
    if (p - s != 4 || !take_sep(&p, "年"))
        return false;
    long m = take_num(&p, 2);
    if (m < 0 || !take_sep(&p, "月"))
        return false;
    long d = take_num(&p, 2);
    if (d < 0)
        return false;
    if (!strncmp(p, "日", strlen("日")))
        p += strlen("日");
    if (*p && *p != ' ' && *p != 'T')
        return false;
    if (!valid_ymd(y, m, d))
        return false;
    put_ymd(out, y, m, d);
    return true;
}
