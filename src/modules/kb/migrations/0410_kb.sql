-- Knowledge bases (知识库, Central Kitchen M5; docs/kb.md): a base with its
-- owner organisation (data scope), chunking rule and retrieval settings;
-- its documents with their indexing state; their chunks (each also a
-- document of kind kb_chunk in the search index) and the chunks' history.
-- Times are milliseconds since the Unix epoch (UTC).
CREATE TABLE kbs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    name TEXT NOT NULL,
    description TEXT,
    embedding TEXT NOT NULL DEFAULT 'none',   -- embedding provider: none until one lands (keyword only)
    chunk_rule TEXT NOT NULL,                 -- JSON {mode,size,overlap,separator}
    retrieval TEXT NOT NULL,                  -- JSON {top_k,semantic_weight,keyword_weight,score_threshold,fusion}
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX kbs_org ON kbs (org_id, id);

-- A document: JSON text or an uploaded file (its bytes kept, base64, so that
-- a re-index parses it again), indexed by the job kb.index:
-- queued → parsing → chunking → embedding → done, or failed with error.
CREATE TABLE kb_documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kb_id BIGINT NOT NULL REFERENCES kbs (id),
    org_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    doc_type TEXT NOT NULL,                   -- txt md html docx pdf xlsx
    filename TEXT,
    mime TEXT,
    size BIGINT NOT NULL DEFAULT 0,
    content TEXT,                             -- the text (JSON documents; parsed uploads after parsing)
    raw_b64 TEXT,                             -- an upload's bytes
    status TEXT NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'parsing', 'chunking', 'embedding', 'done', 'failed')),
    progress INTEGER NOT NULL DEFAULT 0,      -- percent
    chunk_count BIGINT NOT NULL DEFAULT 0,
    char_count BIGINT NOT NULL DEFAULT 0,
    error TEXT,
    vector_note TEXT,                         -- what the embedding step did (none yet: keyword only)
    job_id BIGINT,
    indexed_at BIGINT,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX kb_documents_kb ON kb_documents (kb_id, id);

-- A chunk; doc_id NULL for a chunk added by hand. manual: added or edited by
-- hand (a re-index of its document keeps it). version counts the edits.
CREATE TABLE kb_chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kb_id BIGINT NOT NULL REFERENCES kbs (id),
    doc_id BIGINT,
    org_id BIGINT NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0,
    title TEXT,
    content TEXT NOT NULL,
    weight DOUBLE PRECISION NOT NULL DEFAULT 1,
    enabled INTEGER NOT NULL DEFAULT 1,
    manual INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX kb_chunks_kb ON kb_chunks (kb_id, doc_id, seq);

-- Every version of a chunk edited by hand (the one before each edit).
CREATE TABLE kb_chunk_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chunk_id BIGINT NOT NULL,
    version INTEGER NOT NULL,
    title TEXT,
    content TEXT NOT NULL,
    weight DOUBLE PRECISION NOT NULL,
    enabled INTEGER NOT NULL,
    changed_by BIGINT NOT NULL,
    changed_at BIGINT NOT NULL
);
CREATE INDEX kb_chunk_history_chunk ON kb_chunk_history (chunk_id, version);
