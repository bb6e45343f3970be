-- Vector retrieval (docs/search.md § Vectors): the fitted local embedding
-- model (vocabulary with idf, projection of truncated SVD as float32), one
-- vector per document under the model that made it, and the ordered change
-- log every node's in-memory index catches up from (a sequence number per
-- indexed change; doc_id 0 marks a refit). Only the newest model is used.
CREATE TABLE search_vec_models (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    provider TEXT NOT NULL,
    dim BIGINT NOT NULL,
    nterms BIGINT NOT NULL,
    ndocs BIGINT NOT NULL,
    terms TEXT NOT NULL,              -- "token idf" lines, in projection row order
    proj BYTEA NOT NULL,              -- nterms × dim float32, row-major
    singular TEXT NOT NULL DEFAULT '[]',
    fit_ms BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE search_vectors (
    doc_id BIGINT NOT NULL PRIMARY KEY,
    model_id BIGINT NOT NULL,
    vec BYTEA NOT NULL,               -- dim float32, L2-normalised
    updated_at BIGINT NOT NULL
);
CREATE INDEX search_vectors_model ON search_vectors (model_id);

CREATE TABLE search_vec_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id BIGINT NOT NULL,
    model_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
