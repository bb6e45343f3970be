-- The live documents and chunks of a base, counted and filtered from an
-- index alone: a document's row holds its whole text (content, raw_b64) in
-- overflow pages before status and deleted_at, so counting a base's
-- documents, or listing them by status, walked every document's text; and a
-- chunk count read every chunk. Both were paid on each document request
-- (docs/benchmarks.md, indexing to 1,000,000 chunks). deleted_at is a
-- column of the index (not its WHERE) so that the index covers the queries.
CREATE INDEX kb_documents_live ON kb_documents (kb_id, deleted_at, status, id);
CREATE INDEX kb_chunks_live ON kb_chunks (kb_id, deleted_at);
-- A document's chunks: replacing them when it is (re)indexed, and its chunk
-- count, scanned the whole kb_chunks table three times per document inside
-- the indexing job's write transaction (kb_chunks_kb leads with kb_id).
CREATE INDEX kb_chunks_doc ON kb_chunks (doc_id, deleted_at);
