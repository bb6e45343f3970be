-- The read path of keyword search, second step (docs/search.md "The cost of
-- a keyword query"). Each match of the FTS5 index needed two look-ups: the
-- covering index search_docs_rank (0404) for its scope, filters, time and
-- weight, and FTS5's own %_docsize for bm25()'s document length — a
-- statement per match inside FTS5, about two thirds of a frequent query's
-- time at 1,000,000 chunks. search_rank holds those columns and the length
-- (ntok: the tokens of title and body, as FTS5 counts them) in a narrow
-- rowid table keyed by the document's id: one integer-key seek per match,
-- and bm25_len() (src/core/sqlite_bm25.c, registered on every connection)
-- takes the length from it. Kept from search_docs by triggers (kb_id arrives
-- there from search_doc_facets, 0404); index.c writes ntok after the FTS row.
-- The existing rows' lengths are read from %_docsize: one varint per column
-- (title, body), decoded from hex (a length needs at most 3 bytes).
CREATE TABLE search_rank (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    org_id BIGINT NOT NULL,
    created_by BIGINT,
    district_id BIGINT,
    kb_id TEXT,
    doc_time BIGINT NOT NULL,
    weight DOUBLE PRECISION NOT NULL,
    ntok BIGINT
);
WITH x AS (SELECT id, hex(sz) AS h FROM search_fts_docsize),
     b AS (SELECT id,
                 (instr('0123456789ABCDEF', substr(h, 1, 1)) - 1) * 16 + instr('0123456789ABCDEF', substr(h, 2, 1)) - 1 AS b1,
                 (instr('0123456789ABCDEF', substr(h, 3, 1)) - 1) * 16 + instr('0123456789ABCDEF', substr(h, 4, 1)) - 1 AS b2,
                 (instr('0123456789ABCDEF', substr(h, 5, 1)) - 1) * 16 + instr('0123456789ABCDEF', substr(h, 6, 1)) - 1 AS b3,
                 (instr('0123456789ABCDEF', substr(h, 7, 1)) - 1) * 16 + instr('0123456789ABCDEF', substr(h, 8, 1)) - 1 AS b4,
                 (instr('0123456789ABCDEF', substr(h, 9, 1)) - 1) * 16 + instr('0123456789ABCDEF', substr(h, 10, 1)) - 1 AS b5,
                 (instr('0123456789ABCDEF', substr(h, 11, 1)) - 1) * 16 + instr('0123456789ABCDEF', substr(h, 12, 1)) - 1 AS b6
            FROM x),
     n AS (SELECT id,
                  CASE WHEN b1 < 128 THEN b1 + (CASE WHEN b2 < 128 THEN b2 WHEN b3 < 128 THEN (b2 - 128) * 128 + b3 ELSE ((b2 - 128) * 128 + b3 - 128) * 128 + b4 END)
                       WHEN b2 < 128 THEN (b1 - 128) * 128 + b2 + (CASE WHEN b3 < 128 THEN b3 WHEN b4 < 128 THEN (b3 - 128) * 128 + b4 ELSE ((b3 - 128) * 128 + b4 - 128) * 128 + b5 END)
                       ELSE ((b1 - 128) * 128 + b2 - 128) * 128 + b3 + (CASE WHEN b4 < 128 THEN b4 WHEN b5 < 128 THEN (b4 - 128) * 128 + b5 ELSE ((b4 - 128) * 128 + b5 - 128) * 128 + b6 END)
                  END AS ntok
             FROM b)
INSERT INTO search_rank (id, kind, org_id, created_by, district_id, kb_id, doc_time, weight, ntok)
SELECT d.id, d.kind, d.org_id, d.created_by, d.district_id, d.kb_id, d.doc_time, d.weight, n.ntok
  FROM search_docs d LEFT JOIN n ON n.id = d.id;
CREATE TRIGGER search_docs_rank_insert AFTER INSERT ON search_docs
BEGIN
    INSERT INTO search_rank (id, kind, org_id, created_by, district_id, kb_id, doc_time, weight)
    VALUES (NEW.id, NEW.kind, NEW.org_id, NEW.created_by, NEW.district_id, NEW.kb_id, NEW.doc_time, NEW.weight);
END;
CREATE TRIGGER search_docs_rank_update AFTER UPDATE OF kind, org_id, created_by, district_id, kb_id, doc_time,
    weight ON search_docs
BEGIN
    UPDATE search_rank SET kind = NEW.kind, org_id = NEW.org_id, created_by = NEW.created_by,
           district_id = NEW.district_id, kb_id = NEW.kb_id, doc_time = NEW.doc_time, weight = NEW.weight
     WHERE id = NEW.id;
END;
CREATE TRIGGER search_docs_rank_delete AFTER DELETE ON search_docs
BEGIN
    DELETE FROM search_rank WHERE id = OLD.id;
END;
DROP INDEX search_docs_rank;
