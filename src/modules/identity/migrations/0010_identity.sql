-- Identity and access: organisations, users, roles, sessions, API tokens,
-- settings and the tamper-evident audit log.

CREATE TABLE orgs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id BIGINT REFERENCES orgs (id),
    type TEXT NOT NULL CHECK (type IN ('city', 'district', 'sector', 'street', 'committee',
                                       'general_branch', 'branch')),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    short_name TEXT,
    path TEXT NOT NULL,             -- ids of the ancestors and itself: '/1/5/23/'
    depth INTEGER NOT NULL,
    contact_name TEXT,
    contact_phone TEXT,
    address TEXT,
    sector TEXT,                    -- e.g. 新兴领域, for tag matching and grid contracting
    industry TEXT,
    member_count BIGINT NOT NULL DEFAULT 0,
    sort_order BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled', 'deleted')),
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX orgs_parent ON orgs (parent_id, sort_order);
CREATE INDEX orgs_path ON orgs (path);
CREATE INDEX orgs_name ON orgs (name);

CREATE TABLE org_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    action TEXT NOT NULL,           -- create, update, move, disable, enable, delete, import
    from_parent_id BIGINT,
    to_parent_id BIGINT,
    changes TEXT,                   -- JSON {field: [old, new]}
    reason TEXT,
    created_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX org_history_org ON org_history (org_id, id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    password_hash TEXT NOT NULL,
    password_changed_at BIGINT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    provisioned INTEGER NOT NULL DEFAULT 0, -- bootstrap account with an operator-given password
    phone_enc TEXT,                 -- SM4 sealed
    phone_masked TEXT,              -- 138****5678
    email TEXT,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until BIGINT,
    totp_enc TEXT,                  -- SM4 sealed base32 secret, when enrolled
    totp_pending_enc TEXT,          -- secret offered, not yet confirmed
    totp_last_step BIGINT NOT NULL DEFAULT 0, -- replay guard
    last_login_at BIGINT,
    last_login_ip TEXT,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX users_org ON users (org_id);

CREATE TABLE password_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX password_history_user ON password_history (user_id, id);

-- (role, permission) defaults already granted to built-in roles once; an
-- administrator's later removal is not undone on the next start.
CREATE TABLE role_defaults (
    role TEXT NOT NULL,
    permission TEXT NOT NULL,
    PRIMARY KEY (role, permission)
);

CREATE TABLE roles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    data_scope TEXT NOT NULL CHECK (data_scope IN ('all', 'subtree', 'org', 'self')),
    builtin INTEGER NOT NULL DEFAULT 0,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE role_permissions (
    role_id BIGINT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (role_id, permission)
);

CREATE TABLE user_roles (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id BIGINT NOT NULL REFERENCES roles (id),
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_role ON user_roles (role_id);

-- Server-side sessions: any node can serve any request.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE, -- SHA-256 of the cookie value; the value itself is never stored
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    ip TEXT,
    user_agent TEXT,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,     -- absolute lifetime
    revoked_at BIGINT,
    revoked_reason TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE, -- SHA-256 of the secret
    prefix TEXT NOT NULL,           -- first characters, to recognise a token in lists
    permissions TEXT NOT NULL,      -- JSON array
    expires_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT,
    created_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Login attempts per client address, for the rate limit shared by all nodes.
CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ip TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_attempts_ip ON login_attempts (ip, at);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,            -- JSON
    updated_by BIGINT,
    updated_at BIGINT NOT NULL
);

-- Append-only, hash-chained: hash = SM3(prev_hash | fields). audit_head holds
-- the chain's end and serialises writers.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    seq BIGINT NOT NULL UNIQUE,
    at BIGINT NOT NULL,
    user_id BIGINT,
    username TEXT,
    org_id BIGINT,
    ip TEXT,
    user_agent TEXT,
    action TEXT NOT NULL,
    target_type TEXT,
    target_id TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
    detail TEXT,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_user ON audit_log (user_id, at);
CREATE INDEX audit_log_action ON audit_log (action, at);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY,
    seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
