-- The openai embedding provider (docs/search.md § The openai provider).
-- search_embed_settings: one row (id 1): the OpenAI-compatible endpoint, its
-- key sealed (crypto_seal, never stored clear), the model, dimension,
-- batching, timeout, retries and rate limit, and which provider embeds the
-- documents of the search index (local, openai or none; a knowledge base
-- chooses its own). An openai "model" is a row of search_vec_models with
-- provider 'openai' and terms = the fingerprint url|model|dim: a change of
-- any of them makes a new row, and vectors of the old one are ignored.
CREATE TABLE search_embed_settings (
    id BIGINT PRIMARY KEY,
    url TEXT NOT NULL DEFAULT '',
    key_sealed TEXT,
    model TEXT NOT NULL DEFAULT 'text-embedding-3-small',
    dim INTEGER NOT NULL DEFAULT 1536,
    batch_size INTEGER NOT NULL DEFAULT 32,
    timeout_ms INTEGER NOT NULL DEFAULT 20000,
    retries INTEGER NOT NULL DEFAULT 3,
    rate_limit DOUBLE PRECISION NOT NULL DEFAULT 5,
    index_provider TEXT NOT NULL DEFAULT 'local',
    updated_by BIGINT,
    updated_at BIGINT NOT NULL DEFAULT 0
);
INSERT INTO search_embed_settings (id) VALUES (1);

-- Which provider embeds each document (local, openai, none), and for openai
-- (embedded outside the writer's transaction) its state: pending, done or
-- failed with the reason.
ALTER TABLE search_docs ADD COLUMN embedding TEXT NOT NULL DEFAULT 'local';
ALTER TABLE search_docs ADD COLUMN embed_state TEXT;
ALTER TABLE search_docs ADD COLUMN embed_error TEXT;
CREATE INDEX search_docs_embed ON search_docs (embedding, embed_state);
