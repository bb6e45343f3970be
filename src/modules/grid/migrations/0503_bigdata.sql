-- The big-data center synchronisation (M7, docs/bigdata-protocol.md).
-- bigdata_settings: one row (id 1), the connector; the secret is sealed
-- (crypto_seal, SM4 + HMAC-SM3 under the master key), never stored clear.
-- pull_cursor is the center's opaque cursor after the last applied page.
-- unreachable_since / alerted_at: the outage clock of the alert.
CREATE TABLE bigdata_settings (
    id BIGINT PRIMARY KEY,
    enabled INTEGER NOT NULL DEFAULT 0,
    base_url TEXT NOT NULL DEFAULT '',
    app_key TEXT NOT NULL DEFAULT '',
    secret_sealed TEXT,
    sign_method TEXT NOT NULL DEFAULT 'HMAC-SM3',
    timeout_s INTEGER NOT NULL DEFAULT 20,
    page_size INTEGER NOT NULL DEFAULT 500,
    interval_min INTEGER NOT NULL DEFAULT 5,
    alert_after_min INTEGER NOT NULL DEFAULT 30,
    pull_cursor TEXT NOT NULL DEFAULT '',
    last_run_at BIGINT,
    last_ok_at BIGINT,
    unreachable_since BIGINT,
    alerted_at BIGINT,
    running_until BIGINT,               -- the lease of the run in progress
    updated_by BIGINT,
    updated_at BIGINT NOT NULL DEFAULT 0
);
INSERT INTO bigdata_settings (id) VALUES (1);

-- One row per sync run: what it did and how it ended.
CREATE TABLE bigdata_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,                 -- schedule, manual, full
    status TEXT NOT NULL,               -- running, ok, failed
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    pulled INTEGER NOT NULL DEFAULT 0,  -- grids received
    changed INTEGER NOT NULL DEFAULT 0, -- grids created, updated or deleted
    pushed INTEGER NOT NULL DEFAULT 0,  -- site changes the center accepted
    failed INTEGER NOT NULL DEFAULT 0,  -- grids refused and pushes that failed
    flagged INTEGER NOT NULL DEFAULT 0, -- sites flagged for review
    error TEXT,
    details TEXT,                       -- JSON array of {code|external_id, reason}, at most 100
    created_by BIGINT
);
CREATE INDEX bigdata_runs_started ON bigdata_runs (started_at);

-- The outbox of site changes, written in the transaction of the change.
-- status: pending (to send, maybe after failures: attempts, last_error,
-- next_at), sent, failed (the center refused it: 4xx; retried by hand).
-- A newer change of a site replaces its unsent row.
CREATE TABLE bigdata_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    site_id BIGINT NOT NULL REFERENCES sites (id),
    external_id TEXT NOT NULL,
    site_name TEXT NOT NULL,
    change_key TEXT NOT NULL UNIQUE,    -- the Idempotency-Key
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    last_error TEXT,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX bigdata_outbox_due ON bigdata_outbox (status, next_at);
CREATE INDEX bigdata_outbox_site ON bigdata_outbox (site_id, status);
