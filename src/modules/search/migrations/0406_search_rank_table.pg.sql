-- PostgreSQL form of 0406_search_rank_table.sql: nothing. Keyword search
-- there ranks with ts_rank over the row's own tsvector (no FTS5, no
-- %_docsize, no search_rank); the version is kept so both backends carry
-- the same migration numbers.
SELECT 1;
