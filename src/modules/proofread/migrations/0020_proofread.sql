-- Proofreading (校真): lexicons, their entries and the history of every
-- change (who changed what, with the lexicon's version after the change).
-- Times are milliseconds since the Unix epoch (UTC). Deletes are soft.

CREATE TABLE proofread_lexicons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    category TEXT NOT NULL
        CHECK (category IN ('sensitive', 'formulation', 'typo', 'custom', 'whitelist')),
    severity TEXT NOT NULL CHECK (severity IN ('block', 'warn', 'info')),
    description TEXT,
    enabled INTEGER NOT NULL DEFAULT 1,
    builtin TEXT,                        -- key of the default lexicon it was seeded from (data/lexicons)
    builtin_hash TEXT,                   -- SHA-256 of that file when last seeded
    version BIGINT NOT NULL DEFAULT 1,   -- +1 on every change to the lexicon or its entries
    entry_count BIGINT NOT NULL DEFAULT 0,
    org_id BIGINT,
    created_by BIGINT,
    updated_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE UNIQUE INDEX proofread_lexicons_name ON proofread_lexicons (name) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX proofread_lexicons_builtin ON proofread_lexicons (builtin);

CREATE TABLE proofread_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lexicon_id BIGINT NOT NULL REFERENCES proofread_lexicons (id),
    word TEXT NOT NULL,                  -- as entered
    norm TEXT NOT NULL,                  -- normalised form: two words with the same are duplicates
    suggestion TEXT,
    severity TEXT CHECK (severity IS NULL OR severity IN ('block', 'warn', 'info')), -- NULL: the lexicon's
    note TEXT,
    created_by BIGINT,
    updated_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE UNIQUE INDEX proofread_entries_norm ON proofread_entries (lexicon_id, norm);
CREATE INDEX proofread_entries_lexicon ON proofread_entries (lexicon_id, deleted_at, id);

CREATE TABLE proofread_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT, -- also the lexicons' revision: the engine reloads when it grows
    lexicon_id BIGINT NOT NULL,
    entry_id BIGINT,
    version BIGINT NOT NULL,             -- the lexicon's version after this change
    action TEXT NOT NULL,                -- lexicon.create|update|delete, entry.create|update|delete, import, seed
    word TEXT,                           -- the entry's word, for entry actions
    actor_id BIGINT,                     -- the user; NULL for the system (seeding)
    at BIGINT NOT NULL,
    detail TEXT                          -- JSON: before/after, or import counts
);
CREATE INDEX proofread_history_lexicon ON proofread_history (lexicon_id, id);
