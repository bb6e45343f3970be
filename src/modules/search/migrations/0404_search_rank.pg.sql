-- Nothing on PostgreSQL: the covering index of 0404_search_rank.sql serves
-- SQLite's join from the FTS5 matches to search_docs; here ts_rank reads the
-- tsvector from the row itself (docs/search.md "The cost of a keyword query").
SELECT 1;
