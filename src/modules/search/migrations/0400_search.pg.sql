-- The search service, PostgreSQL form of 0400_search.sql: the same
-- documents, with the pre-tokenised title (weight A) and body (weight D) in
-- a tsvector column under a GIN index instead of SQLite's FTS5 table. The
-- tsvector is built from the search module's own tokens (a literal, like
-- the `simple` configuration but without PostgreSQL's parser, which drops
-- Chinese characters under the C locale), so both backends match the same
-- documents.
CREATE TABLE search_docs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    ref_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    district_id BIGINT,
    created_by BIGINT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    attrs TEXT NOT NULL DEFAULT '{}',
    doc_time BIGINT NOT NULL,
    weight DOUBLE PRECISION NOT NULL DEFAULT 1,
    tsv tsvector NOT NULL DEFAULT ''::tsvector,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (kind, ref_id)
);
CREATE INDEX search_docs_org ON search_docs (org_id);
CREATE INDEX search_docs_time ON search_docs (doc_time);
CREATE INDEX search_docs_tsv ON search_docs USING gin (tsv);

CREATE TABLE search_doc_facets (
    doc_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (doc_id, name, value)
);
CREATE INDEX search_doc_facets_value ON search_doc_facets (name, value, doc_id);
