/* chunk.c — see chunk.h. Offsets are kept in bytes but every cut is moved
 * to a character boundary; lengths are counted in characters. */
#include "modules/kb/chunk.h"
#include "core/str.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kb_rule_parse(const json_t *j, kb_rule_t *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->mode = KB_CHUNK_AUTO;
    r->size = KB_CHUNK_SIZE_DEFAULT;
    r->overlap = KB_CHUNK_OVERLAP_DEFAULT;
    memcpy(r->sep, "\n\n", 3);
    r->seplen = 2;
    if (!j || json_is_null(j))
        return 0;
    if (!json_is_object(j)) {
        snprintf(err, errlen, "分段规则须为对象");
        return -1;
    }
    const char *mode = json_string_value(json_object_get(j, "mode"));
    if (mode) {
        if (!strcmp(mode, "fixed"))
            r->mode = KB_CHUNK_FIXED;
        else if (!strcmp(mode, "separator"))
            r->mode = KB_CHUNK_SEPARATOR;
        else if (!strcmp(mode, "auto"))
            r->mode = KB_CHUNK_AUTO;
        else {
            snprintf(err, errlen, "分段方式须为 fixed（固定长度）、separator（分隔符）或 auto（自动）");
            return -1;
        }
    }
    json_t *v = json_object_get(j, "size");
    if (v) {
        if (!json_is_integer(v) || json_integer_value(v) < 50 || json_integer_value(v) > KB_CHUNK_SIZE_MAX) {
            snprintf(err, errlen, "分段长度须在 50 到 %d 个字之间", KB_CHUNK_SIZE_MAX);
            return -1;
        }
        r->size = (size_t)json_integer_value(v);
    }
    v = json_object_get(j, "overlap");
    if (v) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            (size_t)json_integer_value(v) * 2 >= r->size) {
            snprintf(err, errlen, "重叠长度须不小于 0 且小于分段长度的一半");
            return -1;
        }
        r->overlap = (size_t)json_integer_value(v);
    } else if (r->overlap * 2 >= r->size) {
        r->overlap = r->size / 4;
    }
    const char *sep = json_string_value(json_object_get(j, "separator"));
    if (sep) {
        size_t n = 0;
        for (const char *p = sep; *p && n < sizeof r->sep - 1; p++) {
            if (*p == '\\' && p[1]) {
                p++;
                r->sep[n++] = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p == 'r' ? '\r' : *p;
            } else {
                r->sep[n++] = *p;
            }
        }
        r->sep[n] = 0;
        r->seplen = n;
        if (!n || !utf8_valid(r->sep, n)) {
            snprintf(err, errlen, "分隔符不能为空");
            return -1;
        }
    }
    return 0;
}

json_t *kb_rule_json(const kb_rule_t *r)
{
    static const char *const MODES[] = {"fixed", "separator", "auto"};
    sbuf_t b;
    sbuf_init(&b);
    for (size_t i = 0; i < r->seplen; i++) {
        char c = r->sep[i];
        if (c == '\n')
            sbuf_puts(&b, "\\n");
        else if (c == '\t')
            sbuf_puts(&b, "\\t");
        else if (c == '\r')
            sbuf_puts(&b, "\\r");
        else if (c == '\\')
            sbuf_puts(&b, "\\\\");
        else
            sbuf_putc(&b, c);
    }
    json_t *o = json_pack("{s:s,s:I,s:I,s:s}", "mode", MODES[r->mode], "size", (json_int_t)r->size, "overlap",
                          (json_int_t)r->overlap, "separator", b.data ? b.data : "");
    sbuf_free(&b);
    return o;
}

void kb_pieces_free(kb_pieces_t *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].title);
        free(p->v[i].text);
    }
    free(p->v);
    memset(p, 0, sizeof *p);
}

static bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

/* adds s[0..n) trimmed (when not empty); -1 past the limit */
static int add(kb_pieces_t *out, const char *title, const char *s, size_t n)
{
    while (n && is_space((unsigned char)*s))
        s++, n--;
    while (n && is_space((unsigned char)s[n - 1]))
        n--;
    if (!n)
        return 0;
    if (out->n >= KB_CHUNKS_MAX)
        return -1;
    if (out->n == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 16;
        kb_piece_t *v = realloc(out->v, out->cap * sizeof *v);
        if (!v)
            abort();
        out->v = v;
    }
    kb_piece_t *p = &out->v[out->n++];
    p->title = title && *title ? strdup(title) : NULL;
    p->text = strndup(s, n);
    if (!p->text || (title && *title && !p->title))
        abort();
    return 0;
}

/* byte length of the character at s (1 for a stray byte: input is checked
 * before, this only keeps the walk safe) */
static size_t clen(const char *s, size_t n)
{
    uint32_t cp;
    size_t l = utf8_decode(s, n, &cp);
    return l ? l : 1;
}

/* ends a sentence: 。！？；!?; and a line break */
static bool sentence_end(const char *s, size_t l)
{
    if (l == 1)
        return *s == '\n' || *s == '!' || *s == '?' || *s == ';' || *s == '.';
    static const char *const ENDS[] = {"。", "！", "？", "；", "…", NULL};
    for (const char *const *e = ENDS; *e; e++)
        if (strlen(*e) == l && !memcmp(s, *e, l))
            return true;
    return false;
}

/* fixed-size cutting of s[0..n) */
static int fixed(kb_pieces_t *out, const char *title, const char *s, size_t n, size_t size, size_t overlap)
{
    size_t start = 0;
    while (start < n) {
        /* walk size characters, remembering the last sentence end in the last fifth */
        size_t pos = start, chars = 0, cut_at = 0;
        while (pos < n && chars < size) {
            size_t l = clen(s + pos, n - pos);
            pos += l;
            chars++;
            if (chars * 5 >= size * 4 && sentence_end(s + pos - l, l))
                cut_at = pos;
        }
        size_t end = pos >= n ? n : cut_at ? cut_at : pos;
        if (add(out, title, s + start, end - start) != 0)
            return -1;
        if (end >= n)
            break;
        /* step back overlap characters, but always move forward */
        size_t back = end, k = 0;
        while (k < overlap && back > start + 1) {
            back--;
            while (back > start && ((unsigned char)s[back] & 0xC0) == 0x80)
                back--;
            k++;
        }
        start = back > start ? back : end;
    }
    return 0;
}

static int by_separator(kb_pieces_t *out, const char *s, size_t n, const kb_rule_t *r)
{
    size_t start = 0;
    while (start <= n) {
        const char *hit = NULL;
        for (size_t i = start; i + r->seplen <= n; i++)
            if (!memcmp(s + i, r->sep, r->seplen)) {
                hit = s + i;
                break;
            }
        size_t end = hit ? (size_t)(hit - s) : n;
        if (fixed(out, NULL, s + start, end - start, r->size, r->overlap) != 0)
            return -1;
        if (!hit)
            break;
        start = end + r->seplen;
    }
    return 0;
}

/* a Markdown heading line: '#'s, a space, the title */
static bool heading(const char *line, size_t n, const char **title, size_t *tn)
{
    size_t h = 0;
    while (h < n && line[h] == '#')
        h++;
    if (!h || h > 6 || h >= n || line[h] != ' ')
        return false;
    *title = line + h + 1;
    *tn = n - h - 1;
    while (*tn && is_space((unsigned char)(*title)[*tn - 1]))
        (*tn)--;
    return *tn > 0;
}

static int automatic(kb_pieces_t *out, const char *s, size_t n, const kb_rule_t *r)
{
    sbuf_t cur;
    sbuf_init(&cur);
    char title[256] = "";
    size_t cur_chars = 0;
    int rc = 0;
    size_t pos = 0;
    /* paragraphs: runs of non-blank lines */
    while (pos < n && rc == 0) {
        size_t le = pos;
        while (le < n && s[le] != '\n')
            le++;
        bool blank_line = true;
        for (size_t i = pos; i < le && blank_line; i++)
            blank_line = is_space((unsigned char)s[i]);
        if (blank_line) {
            pos = le + 1;
            continue;
        }
        const char *ht;
        size_t hn;
        size_t ps = pos, pe = le;
        if (heading(s + pos, le - pos, &ht, &hn)) {
            rc = fixed(out, title, cur.data ? cur.data : "", cur.len, r->size, r->overlap);
            cur.len = 0;
            if (cur.data)
                cur.data[0] = 0;
            cur_chars = 0;
            size_t keep = utf8_prefix(ht, hn, 80);
            memcpy(title, ht, keep);
            title[keep] = 0;
            pos = le + 1;
            continue;
        }
        /* the paragraph: until a blank line or a heading */
        while (pe < n) {
            size_t next = pe + 1, ne = next;
            while (ne < n && s[ne] != '\n')
                ne++;
            bool blank = true;
            for (size_t i = next; i < ne && blank; i++)
                blank = is_space((unsigned char)s[i]);
            const char *t2;
            size_t t2n;
            if (next >= n || blank || heading(s + next, ne - next, &t2, &t2n))
                break;
            pe = ne;
        }
        size_t pchars = utf8_count(s + ps, pe - ps);
        if (cur_chars && cur_chars + pchars > r->size) {
            rc = fixed(out, title, cur.data, cur.len, r->size, r->overlap);
            cur.len = 0;
            cur.data[0] = 0;
            cur_chars = 0;
        }
        if (rc == 0) {
            if (cur.len)
                sbuf_puts(&cur, "\n\n");
            sbuf_append(&cur, s + ps, pe - ps);
            cur_chars += pchars;
        }
        pos = pe + 1;
    }
    if (rc == 0 && cur.len)
        rc = fixed(out, title, cur.data, cur.len, r->size, r->overlap);
    sbuf_free(&cur);
    return rc;
}

int kb_chunk_text(const char *text, size_t len, const kb_rule_t *r, kb_pieces_t *out)
{
    if (!utf8_valid(text, len))
        return -1;
    int rc;
    switch (r->mode) {
    case KB_CHUNK_FIXED: rc = fixed(out, NULL, text, len, r->size, r->overlap); break;
    case KB_CHUNK_SEPARATOR: rc = by_separator(out, text, len, r); break;
    default: rc = automatic(out, text, len, r); break;
    }
    if (rc != 0)
        kb_pieces_free(out);
    return rc;
}
