/* htmlsafe_oracle.h — what the output of htmlsafe_clean() must be, checked
 * independently of src/text/htmlsafe.c: the output is parsed again with
 * libgumbo (as a browser would read it) and every element, attribute, URL
 * and style is held against the whitelist of docs/security.md, written out
 * here a second time. Shared by tests/fuzz/fuzz_htmlsafe.c and
 * tests/unit/text/test_htmlsafe.c. */
#ifndef ZD_HTMLSAFE_ORACLE_H
#define ZD_HTMLSAFE_ORACLE_H
#include <gumbo.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* the URL with every white space and control character removed (a
 * browser drops tabs and newlines anywhere) and lower-cased */
static inline void hso_squeeze(const char *v, char *out, size_t cap)
{
    size_t n = 0;
    for (; *v && n + 1 < cap; v++)
        if ((unsigned char)*v > 0x20 && *v != 0x7F)
            out[n++] = (char)((*v >= 'A' && *v <= 'Z') ? *v + 32 : *v);
    out[n] = 0;
}

/* NULL when the URL is allowed for the attribute, else why not */
static inline const char *hso_url(const char *tag, const char *attr, const char *v)
{
    char u[512];
    hso_squeeze(v, u, sizeof u);
    if (!u[0])
        return "empty URL";
    if (!strncmp(u, "//", 2) || strchr(u, '\\'))
        return "URL to another host";
    size_t scheme = strcspn(u, ":/?#");
    if (u[scheme] != ':')
        return NULL; /* relative */
    if (!strncmp(u, "http:", 5) || !strncmp(u, "https:", 6))
        return NULL;
    if (!strcmp(tag, "a") && !strncmp(u, "mailto:", 7))
        return NULL;
    if ((!strcmp(tag, "img") || (!strcmp(tag, "video") && !strcmp(attr, "poster"))) &&
        (!strncmp(u, "data:image/png;base64,", 22) || !strncmp(u, "data:image/jpeg;base64,", 23) ||
         !strncmp(u, "data:image/gif;base64,", 22) || !strncmp(u, "data:image/webp;base64,", 23)))
        return NULL;
    return "URL scheme not allowed";
}

static inline bool hso_in(const char *w, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(w, *list))
            return true;
    return false;
}

static inline const GumboNode **hso_push(const GumboNode **v, size_t *n, size_t *cap, const GumboNode *node)
{
    if (*n == *cap) {
        *cap *= 2;
        v = realloc(v, *cap * sizeof *v);
        if (!v)
            abort();
    }
    v[(*n)++] = node;
    return v;
}

/* NULL when html[0..len) holds only what the whitelist allows, else a
 * description of the first thing that it does not (in a static buffer) */
static inline const char *hso_violation(const char *html, size_t len)
{
    static const char *const ELEMENTS[] = {
        "p",     "br",    "hr",  "h1", "h2", "h3",    "h4",     "h5",  "h6",         "strong",
        "b",     "em",    "i",   "u",  "s",  "del",   "sub",    "sup", "blockquote", "pre",
        "code",  "span",  "div", "ul", "ol", "li",    "a",      "img", "table",      "thead",
        "tbody", "tfoot", "tr",  "th", "td", "video", "source", NULL};
    static char why[256]; /* the fuzzer and the tests are single-threaded */
    GumboOptions o = kGumboDefaultOptions;
    o.fragment_context = GUMBO_TAG_DIV;
    o.max_errors = 0;
    GumboOutput *out = gumbo_parse_with_options(&o, html, len);
    const char *res = NULL;
    /* iterative walk: the nodes to visit, the root's children reversed */
    size_t cap = 64, n = 0;
    const GumboNode **todo = malloc(cap * sizeof *todo);
    const GumboVector *top = &out->root->v.element.children;
    for (unsigned i = top->length; i-- > 0;)
        todo = hso_push(todo, &n, &cap, top->data[i]);
    while (n && !res) {
        const GumboNode *node = todo[--n];
        if (node->type == GUMBO_NODE_COMMENT || node->type == GUMBO_NODE_CDATA ||
            node->type == GUMBO_NODE_TEMPLATE) {
            res = "comment, CDATA or template";
            break;
        }
        if (node->type != GUMBO_NODE_ELEMENT)
            continue;
        const GumboElement *e = &node->v.element;
        const char *tag = gumbo_normalized_tagname(e->tag);
        if (e->tag_namespace != GUMBO_NAMESPACE_HTML || e->tag == GUMBO_TAG_UNKNOWN ||
            !hso_in(tag, ELEMENTS)) {
            snprintf(why, sizeof why, "element <%s> (namespace %d)", e->tag == GUMBO_TAG_UNKNOWN ? "?" : tag,
                     (int)e->tag_namespace);
            res = why;
            break;
        }
        if (e->tag == GUMBO_TAG_VIDEO && !gumbo_get_attribute(&e->attributes, "src")) {
            bool source = false;
            for (unsigned i = 0; i < e->children.length; i++) {
                const GumboNode *c = e->children.data[i];
                source |= c->type == GUMBO_NODE_ELEMENT && c->v.element.tag == GUMBO_TAG_SOURCE &&
                          gumbo_get_attribute(&c->v.element.attributes, "src");
            }
            if (!source) {
                res = "<video> without a source";
                break;
            }
        }
        for (unsigned i = 0; i < e->attributes.length && !res; i++) {
            const GumboAttribute *a = e->attributes.data[i];
            const char *an = a->name;
            bool ok = !strcmp(an, "style") && e->tag != GUMBO_TAG_SOURCE;
            if (!strcmp(tag, "a"))
                ok |= hso_in(an, (const char *const[]){"href", "target", "rel", "title", NULL});
            else if (!strcmp(tag, "img"))
                ok |= hso_in(an, (const char *const[]){"src", "alt", "width", "height", NULL});
            else if (!strcmp(tag, "td") || !strcmp(tag, "th"))
                ok |= hso_in(an, (const char *const[]){"colspan", "rowspan", NULL});
            else if (!strcmp(tag, "ol"))
                ok |= !strcmp(an, "start");
            else if (!strcmp(tag, "video"))
                ok |= hso_in(an, (const char *const[]){"src", "poster", "controls", "width", "height", NULL});
            else if (!strcmp(tag, "source"))
                ok |= hso_in(an, (const char *const[]){"src", "type", NULL});
            if (!ok || !strncasecmp(an, "on", 2)) {
                snprintf(why, sizeof why, "attribute %s on <%s>", an, tag);
                res = why;
                break;
            }
            if (!strcmp(an, "href") || !strcmp(an, "src") || !strcmp(an, "poster")) {
                const char *bad = hso_url(tag, an, a->value);
                if (bad) {
                    snprintf(why, sizeof why, "%s: %s=\"%.100s\" on <%s>", bad, an, a->value, tag);
                    res = why;
                }
            } else if (!strcmp(an, "target") && strcmp(a->value, "_blank")) {
                res = "target other than _blank";
            } else if (!strcmp(an, "style")) {
                char s[1024];
                hso_squeeze(a->value, s, sizeof s);
                static const char *const BAD[] = {"url", "expression", "\\", "/*",
                                                  "<",   "javascript", "@",  NULL};
                for (const char *const *b = BAD; *b && !res; b++)
                    if (strstr(s, *b)) {
                        snprintf(why, sizeof why, "style \"%.100s\"", a->value);
                        res = why;
                    }
            }
        }
        for (unsigned i = e->children.length; i-- > 0;)
            todo = hso_push(todo, &n, &cap, e->children.data[i]);
    }
    free(todo);
    gumbo_destroy_output(&o, out);
    return res;
}

#endif
