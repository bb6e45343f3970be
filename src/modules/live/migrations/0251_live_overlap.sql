-- No two approved, not cancelled streams of one district overlap in time
-- (half-open intervals [starts_at, ends_at): one may start when the other
-- ends). SQLite runs one writer at a time, so a check before each write is
-- the guarantee; PostgreSQL has an exclusion constraint (0251 .pg.sql).
CREATE TRIGGER live_streams_overlap_insert BEFORE INSERT ON live_streams
WHEN NEW.status = 'approved' AND NEW.cancelled_at IS NULL AND NEW.deleted_at IS NULL
BEGIN
    SELECT RAISE(ABORT, 'live_streams_no_overlap: overlaps an approved live stream of the same district')
    WHERE EXISTS (SELECT 1 FROM live_streams s
                  WHERE s.district_id = NEW.district_id AND s.status = 'approved'
                    AND s.cancelled_at IS NULL AND s.deleted_at IS NULL
                    AND s.starts_at < NEW.ends_at AND NEW.starts_at < s.ends_at);
END;

CREATE TRIGGER live_streams_overlap_update BEFORE UPDATE ON live_streams
WHEN NEW.status = 'approved' AND NEW.cancelled_at IS NULL AND NEW.deleted_at IS NULL
BEGIN
    SELECT RAISE(ABORT, 'live_streams_no_overlap: overlaps an approved live stream of the same district')
    WHERE EXISTS (SELECT 1 FROM live_streams s
                  WHERE s.id <> NEW.id AND s.district_id = NEW.district_id AND s.status = 'approved'
                    AND s.cancelled_at IS NULL AND s.deleted_at IS NULL
                    AND s.starts_at < NEW.ends_at AND NEW.starts_at < s.ends_at);
END;
