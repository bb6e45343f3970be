-- Review engine (审核流程): the review of every reviewable row of every
-- module. Times are milliseconds since the Unix epoch (UTC).

-- A kind's chain as configured in the console; a kind without a row uses
-- the default chain its module declares. levels: JSON
-- [{"org_type":"district","perm":"review.district","title":"区级审核"}, …].
CREATE TABLE review_chains (
    kind TEXT PRIMARY KEY,
    levels TEXT NOT NULL,
    updated_by BIGINT,
    updated_at BIGINT NOT NULL
);

-- One per reviewable row (kind, ref_id). The chain is copied at each
-- submission (levels), so a change of configuration does not move items
-- already in review. level_perm / level_org_type are those of the current
-- level (the reviewers' queue reads them); level_at is when the item
-- reached it (oldest first; time spent per level).
CREATE TABLE review_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    ref_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    district_id BIGINT,                 -- the district the organisation belongs to (statistics)
    category TEXT,
    title TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'in_review', 'returned', 'approved', 'rejected', 'withdrawn')),
    level INTEGER NOT NULL DEFAULT 0,
    nlevels INTEGER NOT NULL DEFAULT 0,
    levels TEXT,
    level_perm TEXT,
    level_org_type TEXT,
    level_at BIGINT,
    round_decisions INTEGER NOT NULL DEFAULT 0, -- decisions since the last submission
    version INTEGER NOT NULL DEFAULT 0,
    submitted_at BIGINT,                -- first submission
    finished_at BIGINT,                 -- approved or rejected
    blocked_hash TEXT,                  -- content refused for "block" findings
    blocked_findings TEXT,              -- and those findings (JSON), for the reviewer who may override
    override_hash TEXT,                 -- content a reviewer let through despite them
    override_reason TEXT,
    override_by BIGINT,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (kind, ref_id)
);
-- the reviewers' queue: in review, at a level, oldest first
CREATE INDEX review_items_queue ON review_items (status, level_perm, level_org_type, level_at);
CREATE INDEX review_items_org ON review_items (org_id, status);
CREATE INDEX review_items_creator ON review_items (created_by, id);

-- Every submitted version: what the reviewers saw and what proofreading found.
CREATE TABLE review_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id BIGINT NOT NULL REFERENCES review_items (id),
    version INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    findings TEXT NOT NULL DEFAULT '[]',
    blocks INTEGER NOT NULL DEFAULT 0,
    overridden BOOLEAN NOT NULL DEFAULT FALSE,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (item_id, version)
);

-- Every step of the history: submissions, withdrawals, overrides and the
-- reviewers' decisions with their opinions.
CREATE TABLE review_decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id BIGINT NOT NULL REFERENCES review_items (id),
    org_id BIGINT NOT NULL,
    version INTEGER NOT NULL,
    level INTEGER NOT NULL,
    level_title TEXT,
    action TEXT NOT NULL
        CHECK (action IN ('submit', 'withdraw', 'approve', 'return', 'reject', 'override')),
    opinion TEXT,
    duration_ms BIGINT,                 -- time the item waited at the level
    actor_id BIGINT NOT NULL,
    actor_name TEXT,
    actor_org BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX review_decisions_item ON review_decisions (item_id, id);

-- Counters for the statistics, kept in the transaction of each event, so
-- that statistics over millions of items read a few thousand rows.
-- event: submitted, approved (final), returned, rejected, withdrawn, and
-- passed (a level approved; level > 0, dur_ms = time spent there).
CREATE TABLE review_stats (
    month TEXT NOT NULL,                -- '2026-12' (Asia/Shanghai)
    kind TEXT NOT NULL,
    category TEXT NOT NULL DEFAULT '',
    org_id BIGINT NOT NULL,
    district_id BIGINT NOT NULL DEFAULT 0,
    level INTEGER NOT NULL DEFAULT 0,
    event TEXT NOT NULL,
    n BIGINT NOT NULL DEFAULT 0,
    dur_ms BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (month, kind, category, org_id, level, event)
);
CREATE INDEX review_stats_district ON review_stats (district_id, month);

-- How many items are in each state now, per kind and organisation: kept
-- with every change of state, so the statistics never count the items.
CREATE TABLE review_status_counts (
    kind TEXT NOT NULL,
    org_id BIGINT NOT NULL,
    district_id BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    n BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, org_id, status)
);
