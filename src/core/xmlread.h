/* xmlread.h — outside XML read safely with libxml2's xmlTextReader: no
 * network, no DTD loading, no entity expansion beyond the predefined ones
 * and character references, errors collected instead of printed. Shared by
 * the .xlsx reader and the OCR (hOCR) reader.
 *
 *     bool bad;
 *     xmlTextReaderPtr r = xml_open(buf, len, &bad);
 *     while (r && xmlTextReaderRead(r) == 1) { if (xml_is(r, "t")) ... }
 *     xmlFreeTextReader(r);   // then bad says whether the XML was malformed
 */
#ifndef ZD_XMLREAD_H
#define ZD_XMLREAD_H
#include <libxml/xmlreader.h>
#include <stdbool.h>
#include <stddef.h>

/* A reader over buf (which must outlive it); NULL when len is too large or
 * out of memory. *bad turns true on an XML error. */
xmlTextReaderPtr xml_open(const char *buf, size_t len, bool *bad);
/* The current node's local name is local. */
bool xml_is(xmlTextReaderPtr r, const char *local);
/* The current element's attribute as a malloc'd string, or NULL. */
char *xml_attr(xmlTextReaderPtr r, const char *name);

#endif
