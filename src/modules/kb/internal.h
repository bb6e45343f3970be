/* internal.h — what the knowledge-base module's own files share. */
#ifndef ZD_MOD_KB_INTERNAL_H
#define ZD_MOD_KB_INTERNAL_H
#include "auth/resource.h"
#include "jobs/jobs.h"
#include "modules/kb/chunk.h"
#include "modules/kb/kb.h"
#include "modules/module.h"
#include "modules/search/search.h"
#include "text/docparse.h"

extern const zd_resource_t KBS;
extern const zd_resource_t KB_DOCS;
extern const zd_resource_t KB_CHUNKS;
extern const search_kind_t KB_CHUNK_SEARCH;

/* the statuses of a document's indexing */
extern const char *const DOC_STATUSES[];

/* the base's own columns; KB_COLS adds its live document and chunk counts
 * (over the partial indexes kb_documents_live / kb_chunks_live, migration
 * 0411: never a read of the rows themselves) */
#define KB_BASE_COLS                                                                                         \
    "k.id, k.org_id, (SELECT name FROM orgs WHERE id = k.org_id), k.name, k.description, k.embedding, "      \
    "k.chunk_rule, k.retrieval, k.created_by, k.created_at, k.updated_at"
#define KB_COLS                                                                                              \
    KB_BASE_COLS ", (SELECT COUNT(*) FROM kb_documents x WHERE x.kb_id = k.id AND x.deleted_at IS NULL), "   \
                 "(SELECT COUNT(*) FROM kb_chunks x WHERE x.kb_id = k.id AND x.deleted_at IS NULL)"
/* a row of KB_COLS, or of KB_BASE_COLS (then without the counts) */
json_t *kb_row(db_stmt_t *st, void *ud);

/* Indexes chunk id in the search service (removes it when disabled or
 * deleted), in the caller's transaction: 0 or -1. */
int kb_chunk_index(db_conn_t *c, int64_t chunk_id, bool embed_by_caller);
/* A chunk's title and text with their search tokens, made before the
 * write transaction (search_doc_tokens). */
typedef struct {
    const char *title, *body;
    char *ttok, *btok;
} kb_pretok_t;
/* kb_chunk_index with the tokens of pre when they are of the chunk's
 * title and text as stored (pre may be NULL). */
int kb_chunk_index_pre(db_conn_t *c, int64_t chunk_id, bool embed_by_caller, const kb_pretok_t *pre);
/* Indexes every live chunk of the base again (after its embedding setting changed). 0 or -1. */
int kb_reindex_chunks(db_conn_t *c, int64_t kb_id);
/* Queues the indexing job of a document (inside the caller's transaction)
 * and marks it queued: the job's id, or -1. */
int64_t kb_doc_enqueue(db_conn_t *c, int64_t doc_id, int64_t org_id, int64_t user_id);
/* The job kb.index. */
int kb_job_index(job_ctx_t *ctx);

/* The knowledge base of the path's {id} in the caller's scope (deferred),
 * or NULL after answering 404/5xx. */
json_t *kb_param_load(http_req_t *req, db_conn_t *c, int64_t *kb_id);

int kb_demo(zd_app_t *app, char *err, size_t errlen);
int kb_base_routes(zd_app_t *app, char *err, size_t errlen);
int kb_doc_routes(zd_app_t *app, char *err, size_t errlen);
int kb_chunk_routes(zd_app_t *app, char *err, size_t errlen);

#endif
