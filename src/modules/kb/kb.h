/* kb.h — knowledge bases (知识库, Central Kitchen M5; docs/kb.md): bases
 * with an owner organisation, a chunking rule and retrieval settings; their
 * documents (JSON text or uploaded .txt/.md/.html/.docx/.pdf/.xlsx) indexed
 * by the job kb.index into chunks, each a document of kind kb_chunk in the
 * search service; chunks edited by hand with their history. Other modules
 * have nothing to call here yet. */
#ifndef ZD_KB_H
#define ZD_KB_H
#include "modules/module.h"

extern const zd_module_t kb_module;

#endif
