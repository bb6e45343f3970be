-- The read path of keyword search (docs/search.md "The cost of a keyword
-- query"). For every match of the FTS5 index the query needs the columns
-- its scope, filters, order and score read — kind, org_id, created_by,
-- district_id, doc_time, weight — and, for a knowledge base's search, the
-- document's kb_id attribute. The rows carry the title, body, tags and
-- attributes too (about 9 to a page), and kb_id was an EXISTS probe into
-- search_doc_facets per match; a query matching tens of thousands of chunks
-- read as many table and facet pages, most of them not in the cache.
--
-- kb_id: the value of the document's kb_id attribute exactly as the facet
-- holds it (text; an attribute name is a key of a JSON object, so a document
-- has at most one), kept by triggers on search_doc_facets — the writer
-- (index.c) deletes a document's facets and inserts them again on every put.
-- search_docs_rank: just those columns, keyed by id (about 100 to a page);
-- query.c joins the matches through it (INDEXED BY) and reads the full rows
-- of the page only.
ALTER TABLE search_docs ADD COLUMN kb_id TEXT;
UPDATE search_docs SET kb_id = (SELECT f.value FROM search_doc_facets f WHERE f.doc_id = search_docs.id
                                AND f.name = 'kb_id')
 WHERE id IN (SELECT doc_id FROM search_doc_facets WHERE name = 'kb_id');
CREATE TRIGGER search_doc_facets_kb_insert AFTER INSERT ON search_doc_facets WHEN NEW.name = 'kb_id'
BEGIN
    UPDATE search_docs SET kb_id = NEW.value WHERE id = NEW.doc_id;
END;
CREATE TRIGGER search_doc_facets_kb_delete AFTER DELETE ON search_doc_facets WHEN OLD.name = 'kb_id'
BEGIN
    UPDATE search_docs SET kb_id = NULL WHERE id = OLD.doc_id AND kb_id = OLD.value;
END;
CREATE INDEX search_docs_rank ON search_docs (id, kind, org_id, created_by, district_id, doc_time, weight, kb_id);
