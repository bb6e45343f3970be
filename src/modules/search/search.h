/* search.h — the search service every module indexes into (docs/search.md).
 *
 * A module registers the kinds of rows it indexes (search_register_kind, in
 * its init(): a kind names the permission whose data scope applies to its
 * documents and, for `zhendi search rebuild`, a function that indexes every
 * row again) and calls search_put() / search_delete() inside the
 * transaction that writes the row: the document is searchable when that
 * transaction commits, and gone with it when it rolls back.
 *
 * Text is normalised by the text engine (full-width → half-width,
 * traditional → simplified, case folding) and tokenised into CJK character
 * bigrams, the last character of every Chinese run, friso words of three or
 * more characters, and Latin words / numbers; the tokens are stored
 * pre-tokenised (SQLite: an FTS5 table ranked by bm25(); PostgreSQL: a
 * tsvector with GIN, ranked by ts_rank), so both backends find the same
 * documents. */
#ifndef ZD_SEARCH_H
#define ZD_SEARCH_H
#include "core/db.h"
#include "modules/module.h"
#include <jansson.h>

extern const zd_module_t search_module;

/* Progress of a rebuild: false stops it. */
typedef bool (*search_progress_fn)(void *ud, int64_t done, int64_t total);

typedef struct {
    const char *kind;  /* "lecture": the documents' kind (a-z, 0-9, '_', '.') */
    const char *title; /* "讲堂": its Chinese label (facets, the console) */
    const char *perm;  /* the permission whose data scope the caller must hold to see them */
    const char
        *link; /* console page of one row, printf with the ref_id ("/lecture/lectures/%lld"), or NULL */
    /* indexes every live row of the kind again with search_put() on c
     * (inside the rebuild's transaction; the kind's documents were deleted
     * before); reports progress; 0, or -1 on a database error. May be NULL. */
    int (*reindex)(db_conn_t *c, search_progress_fn progress, void *ud);
} search_kind_t;

/* Registers a kind (a static the module keeps); from init(). 0, or -1 when
 * the table of kinds is full or the name is taken. */
int search_register_kind(const search_kind_t *k);
/* The kind registered as name, or NULL. */
const search_kind_t *search_kind(const char *name);

/* One document. Strings are borrowed; NULL is an empty value. */
typedef struct {
    const char *kind;
    int64_t ref_id;          /* the row's id in its module */
    int64_t org_id;          /* owner organisation: data scope */
    int64_t created_by;      /* for the scope "own rows only" */
    const char *title;       /* ≤ a few hundred characters */
    const char *body;        /* the text; only its first SEARCH_BODY_MAX bytes are indexed */
    const char *const *tags; /* NULL-terminated, or NULL */
    json_t *attrs;   /* {"source":"…","type":"…"}: string values are filterable and faceted; borrowed */
    int64_t time_ms; /* the document's time (sort by time, time range) */
    double weight;   /* ranking boost (1.0 when ≤ 0) */
    bool no_vector;  /* keyword only: no embedding (a knowledge base without a vector model) */
    /* the embedding provider: "local", "openai" or "none"; NULL: the search
     * index's (settings). openai documents are embedded after the commit,
     * by the job search.embed, or by the caller (embed_by_caller) through
     * search_embed_docs */
    const char *embedding;
    bool embed_by_caller;
    /* the tokens of title and body (search_doc_tokens) when the caller made
     * them before its write transaction, so that the writer slot is not
     * held while text is segmented; NULL: search_put makes them */
    const char *title_tokens, *body_tokens;
} search_doc_t;

#define SEARCH_BODY_MAX (128 * 1024) /* PostgreSQL caps a tsvector at 1 MB */

/* Inserts or replaces the document (kind, ref_id) in the caller's
 * transaction. 0, or -1 on a database error or malformed UTF-8. */
int search_put(db_conn_t *c, const search_doc_t *d);
/* Removes document (kind, ref_id); 0 (also when there was none) or -1. */
int search_delete(db_conn_t *c, const char *kind, int64_t ref_id);

/* Rebuilds the documents of one kind (NULL: every kind with a reindex
 * function) from the modules' tables, one transaction per kind. Fills
 * *count with the documents indexed. 0, or -1 with a reason in err. */
int search_rebuild(db_t *db, const char *kind, search_progress_fn progress, void *ud, int64_t *count,
                   char *err, size_t errlen);

/* The newest fitted embedding model of the local provider (0: none has
 * been fitted yet: keyword retrieval only), or -1 on a database error. */
int64_t search_vector_model(db_conn_t *c);

/* Embeds the openai documents (kind, ref_ids[0..n)) that are not embedded
 * yet, through the openai provider, outside any transaction (call it after
 * the commit). *embedded gets how many got a vector. 0; -1 with the reason
 * in err (also stored on each document it concerns: embed_state failed). */
int search_embed_docs(db_t *db, const char *kind, const int64_t *ref_ids, size_t n, int64_t *embedded,
                      char *err, size_t errlen);

/* ---- tokenisation (shared with the knowledge bases and tests) ---- */

/* The index tokens of text, space-separated (malloc'd, caller frees; "" for
 * no tokens), or NULL for malformed UTF-8. *ntokens (may be NULL) gets
 * their number. */
char *search_tokenize(const char *text, size_t len, size_t *ntokens);
/* The tokens search_put indexes for a title and a body (the body's first
 * SEARCH_BODY_MAX bytes), into *ttok and *btok (free both): 0, or -1 out
 * of memory. */
int search_doc_tokens(const char *title, const char *body, char **ttok, char **btok);

#endif
