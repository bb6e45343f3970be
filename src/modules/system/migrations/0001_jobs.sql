-- The durable job queue, periodic schedules and the record of every run.
-- Times are milliseconds since the Unix epoch (UTC).

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,                 -- registered handler name, e.g. 'system.backup'
    payload TEXT NOT NULL DEFAULT '{}', -- JSON
    priority INTEGER NOT NULL DEFAULT 0,-- higher first
    status TEXT NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'done', 'dead', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 5,
    run_at BIGINT NOT NULL,             -- not before
    lease_until BIGINT,                 -- a running job past this is taken over
    locked_by TEXT,                     -- worker id holding the lease
    idempotency_key TEXT UNIQUE,        -- the same key enqueues once
    schedule_id BIGINT,                 -- set when a schedule fired it
    progress_done BIGINT NOT NULL DEFAULT 0,
    progress_total BIGINT NOT NULL DEFAULT 0,
    progress_note TEXT,
    result TEXT,                        -- JSON from the handler
    last_error TEXT,
    org_id BIGINT,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX jobs_claim ON jobs (status, run_at, priority);
CREATE INDEX jobs_lease ON jobs (status, lease_until);
CREATE INDEX jobs_kind ON jobs (kind, created_at);

CREATE TABLE schedules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,          -- stable key, e.g. 'system.backup'
    title TEXT NOT NULL,                -- shown in the console
    cron TEXT NOT NULL,                 -- 5 fields, server time zone
    job_kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    enabled INTEGER NOT NULL DEFAULT 1,
    next_run_at BIGINT,                 -- the next firing; advanced atomically
    last_run_at BIGINT,
    last_job_id BIGINT,
    org_id BIGINT,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE job_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id BIGINT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    schedule_id BIGINT,
    kind TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    worker TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    status TEXT NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'done', 'failed', 'lost')),
    items BIGINT NOT NULL DEFAULT 0,    -- items processed
    error TEXT
);
CREATE INDEX job_runs_job ON job_runs (job_id);
CREATE INDEX job_runs_schedule ON job_runs (schedule_id, started_at);
CREATE INDEX job_runs_started ON job_runs (started_at);
