-- No two approved, not cancelled streams of one district overlap in time
-- (PostgreSQL form of 0251_live_overlap.sql): an exclusion constraint, so
-- that two approvals committed at once cannot both get in. btree_gist gives
-- GiST the plain equality on district_id; it is a trusted extension
-- (PostgreSQL 13+), which the database's owner may create; on PostgreSQL 12
-- a superuser creates it once beforehand (docs/operations.md).
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE live_streams ADD CONSTRAINT live_streams_no_overlap
    EXCLUDE USING gist (district_id WITH =, int8range(starts_at, ends_at) WITH &&)
    WHERE (status = 'approved' AND cancelled_at IS NULL AND deleted_at IS NULL);
