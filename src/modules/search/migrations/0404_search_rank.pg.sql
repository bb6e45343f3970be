-- PostgreSQL form of 0404_search_rank.sql: the kb_id column and its
-- triggers, so a knowledge base's search filters on the row it already reads
-- instead of probing search_doc_facets per match. No covering index: ts_rank
-- reads the tsvector from the row itself (docs/search.md "The cost of a
-- keyword query").
ALTER TABLE search_docs ADD COLUMN kb_id TEXT;
UPDATE search_docs SET kb_id = f.value FROM search_doc_facets f
 WHERE f.doc_id = search_docs.id AND f.name = 'kb_id';
CREATE FUNCTION search_doc_facets_kb() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE search_docs SET kb_id = NEW.value WHERE id = NEW.doc_id;
    ELSE
        UPDATE search_docs SET kb_id = NULL WHERE id = OLD.doc_id AND kb_id = OLD.value;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER search_doc_facets_kb_insert AFTER INSERT ON search_doc_facets
    FOR EACH ROW WHEN (NEW.name = 'kb_id') EXECUTE FUNCTION search_doc_facets_kb();
CREATE TRIGGER search_doc_facets_kb_delete AFTER DELETE ON search_doc_facets
    FOR EACH ROW WHEN (OLD.name = 'kb_id') EXECUTE FUNCTION search_doc_facets_kb();
