-- The search service (docs/search.md): one document per indexed row of a
-- module (kind, ref_id), with its owner organisation for the data scope,
-- the district above it (facets), its text, tags and attributes, and the
-- pre-tokenised text in an FTS5 table (rowid = search_docs.id) ranked by
-- bm25(). PostgreSQL keeps the same tokens in a tsvector column with GIN
-- (0400_search.pg.sql). Times are milliseconds since the Unix epoch (UTC).
CREATE TABLE search_docs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    ref_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    district_id BIGINT,                 -- the nearest district above org_id (or itself), else NULL
    created_by BIGINT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',    -- JSON array of strings
    attrs TEXT NOT NULL DEFAULT '{}',   -- JSON object
    doc_time BIGINT NOT NULL,
    weight DOUBLE PRECISION NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (kind, ref_id)
);
CREATE INDEX search_docs_org ON search_docs (org_id);
CREATE INDEX search_docs_time ON search_docs (doc_time);

-- The filterable, faceted values of a document: tag = each tag, and every
-- string attribute (source, type …) by its name.
CREATE TABLE search_doc_facets (
    doc_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (doc_id, name, value)
);
CREATE INDEX search_doc_facets_value ON search_doc_facets (name, value, doc_id);

-- Title and body tokens (space-separated, already normalised): the ascii
-- tokenizer splits on ASCII separators only, so the tokens stay as made.
CREATE VIRTUAL TABLE search_fts USING fts5(title, body, tokenize = 'ascii');
