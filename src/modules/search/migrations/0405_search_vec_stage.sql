-- The vectors of a fit in progress (docs/search.md § Vectors, "Fit"). The
-- fit writes the new model's row with provider 'fitting' (not used by any
-- query), embeds every document in batches of its own transactions into
-- this table, and then, in one short transaction, makes the model 'local',
-- copies the staged vectors into search_vectors (skipping documents changed
-- since the pass began, which it embeds again there) and empties its rows.
-- Queries and writes go on with the old model meanwhile; a fit no longer
-- holds every document's tokens in memory nor the write lock for the pass.
CREATE TABLE search_vec_stage (
    model_id BIGINT NOT NULL,
    doc_id BIGINT NOT NULL,
    vec BYTEA NOT NULL,
    PRIMARY KEY (model_id, doc_id)
);
