/* xmlread.c — see xmlread.h. */
#include "core/xmlread.h"
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void xml_error(void *arg, const char *msg, xmlParserSeverities sev, xmlTextReaderLocatorPtr loc)
{
    (void)msg;
    (void)loc;
    if (sev == XML_PARSER_SEVERITY_ERROR || sev == XML_PARSER_SEVERITY_VALIDITY_ERROR)
        *(bool *)arg = true;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void init(void) { xmlInitParser(); }

xmlTextReaderPtr xml_open(const char *buf, size_t len, bool *bad)
{
    *bad = false;
    pthread_once(&once, init); /* libxml2's global state, before the first reader of any thread */
    if (len > INT32_MAX)
        return NULL;
    xmlTextReaderPtr r = xmlReaderForMemory(buf, (int)len, NULL, NULL,
                                            XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
    if (r)
        xmlTextReaderSetErrorHandler(r, xml_error, bad);
    return r;
}

bool xml_is(xmlTextReaderPtr r, const char *local)
{
    const xmlChar *n = xmlTextReaderConstLocalName(r);
    return n && !strcmp((const char *)n, local);
}

char *xml_attr(xmlTextReaderPtr r, const char *name)
{
    xmlChar *v = xmlTextReaderGetAttribute(r, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *s = strdup((const char *)v);
    xmlFree(v);
    return s;
}
