-- A user's own jobs (their video checks), newest first, without a scan of the queue.
CREATE INDEX jobs_creator ON jobs (created_by, kind, id);
