-- Storage (存储与共享空间): content-addressed blobs, resumable uploads (tus),
-- the shared space (folders, files, recycle bin), share links, usage and
-- quotas per organisation, and the file-transfer log.
-- Times are milliseconds since the Unix epoch (UTC).

-- One row per distinct content. refs counts the storage_files rows that
-- use it; at 0, unreferenced_at starts the grace period after which
-- storage.gc removes the object. 'deleting' marks an object being removed:
-- an ingest of the same content waits for the row to go, then stores anew.
CREATE TABLE storage_blobs (
    sha256 TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    mime TEXT NOT NULL,
    refs BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'missing', 'corrupt', 'deleting')),
    status_note TEXT,                    -- what verification found
    created_at BIGINT NOT NULL,
    unreferenced_at BIGINT,
    verified_at BIGINT,
    width INTEGER,                       -- images and videos, as displayed
    height INTEGER,
    duration_ms BIGINT,                  -- videos
    taken_at BIGINT,                     -- EXIF shooting time
    meta TEXT,                           -- JSON: EXIF summary or the video's streams
    media_status TEXT NOT NULL DEFAULT 'none'
        CHECK (media_status IN ('none', 'pending', 'processing', 'ready', 'failed')),
    media_progress INTEGER,              -- percent while processing
    media_error TEXT,
    media_job BIGINT,
    derivatives TEXT                     -- JSON {"thumb_s":{"key","mime","size","width","height"},...}
);
CREATE INDEX storage_blobs_unref ON storage_blobs (unreferenced_at) WHERE unreferenced_at IS NOT NULL;
CREATE INDEX storage_blobs_status ON storage_blobs (status) WHERE status <> 'ok';

-- A tus upload in progress (and, for a while, its outcome). The bytes are
-- in DATA/uploads/<id>.part on the node that received them.
CREATE TABLE storage_uploads (
    id TEXT PRIMARY KEY,
    org_id BIGINT NOT NULL,
    created_by BIGINT NOT NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('photo', 'video', 'document', 'attachment')),
    length BIGINT NOT NULL,
    filename TEXT NOT NULL,              -- the original UTF-8 name, sanitised
    folder_id BIGINT,
    title TEXT,
    description TEXT,
    tags TEXT,                           -- JSON array
    status TEXT NOT NULL
        CHECK (status IN ('receiving', 'processing', 'done', 'refused', 'failed', 'cancelled')),
    mime TEXT,
    sha256 TEXT,
    file_id BIGINT,
    job_id BIGINT,
    error TEXT,
    error_code TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX storage_uploads_expiry ON storage_uploads (status, expires_at);
CREATE INDEX storage_uploads_creator ON storage_uploads (created_by, created_at);
CREATE INDEX storage_uploads_sha ON storage_uploads (sha256) WHERE sha256 IS NOT NULL;

-- The shared space: a folder tree per organisation. A folder or file put
-- in the recycle bin has deleted_at; what went with a deleted folder has
-- trashed_with = that folder (restored and purged with it).
CREATE TABLE storage_folders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL,
    parent_id BIGINT REFERENCES storage_folders (id),
    name TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT,
    deleted_by BIGINT,
    trashed_with BIGINT
);
CREATE UNIQUE INDEX storage_folders_name ON storage_folders (org_id, COALESCE(parent_id, 0), name)
    WHERE deleted_at IS NULL;
CREATE INDEX storage_folders_parent ON storage_folders (parent_id);
CREATE INDEX storage_folders_trash ON storage_folders (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE storage_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL,
    folder_id BIGINT REFERENCES storage_folders (id),
    blob_sha TEXT NOT NULL REFERENCES storage_blobs (sha256),
    holder TEXT NOT NULL DEFAULT 'space', -- 'space': the shared space; else the module that holds it
    name TEXT NOT NULL,                   -- the original UTF-8 name (display, downloads)
    title TEXT NOT NULL,
    description TEXT,
    tags TEXT NOT NULL DEFAULT '[]',      -- JSON array of strings
    purpose TEXT NOT NULL CHECK (purpose IN ('photo', 'video', 'document', 'attachment')),
    mime TEXT NOT NULL,
    size BIGINT NOT NULL,
    downloads BIGINT NOT NULL DEFAULT 0,
    upload_id TEXT,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT,
    deleted_by BIGINT,
    trashed_with BIGINT
);
CREATE INDEX storage_files_folder ON storage_files (org_id, folder_id, deleted_at);
CREATE INDEX storage_files_blob ON storage_files (blob_sha);
CREATE INDEX storage_files_created ON storage_files (created_at);
CREATE INDEX storage_files_trash ON storage_files (deleted_at) WHERE deleted_at IS NOT NULL;

-- Share links. The token is shown once at creation and again (opened from
-- token_enc, SM4) to those who manage the link; lookups go by its hash.
CREATE TABLE storage_shares (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    file_id BIGINT NOT NULL REFERENCES storage_files (id),
    org_id BIGINT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    token_enc TEXT NOT NULL,
    password_hash TEXT,
    expires_at BIGINT,
    max_downloads BIGINT,
    downloads BIGINT NOT NULL DEFAULT 0,
    fail_count INTEGER NOT NULL DEFAULT 0,
    fail_since BIGINT,
    locked_until BIGINT,
    note TEXT,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoked_by BIGINT
);
CREATE INDEX storage_shares_file ON storage_shares (file_id);

-- Bytes and files held by each organisation (the recycle bin included,
-- until purged), and its quota (NULL: the configured default).
CREATE TABLE storage_usage (
    org_id BIGINT PRIMARY KEY,
    bytes BIGINT NOT NULL DEFAULT 0,
    files BIGINT NOT NULL DEFAULT 0,
    quota_bytes BIGINT,
    updated_at BIGINT NOT NULL
);

-- The file-transfer log (文件传输日志): every upload and download.
CREATE TABLE storage_transfers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('upload', 'download')),
    channel TEXT NOT NULL,               -- 'console', 'share', 'api'
    file_id BIGINT,
    share_id BIGINT,
    upload_id TEXT,
    org_id BIGINT,                       -- the file's organisation
    user_id BIGINT,                      -- NULL for a share link
    user_org BIGINT,
    ip TEXT,
    status INTEGER NOT NULL,
    bytes BIGINT NOT NULL,
    size BIGINT,
    range_text TEXT,
    completed INTEGER NOT NULL,          -- the whole answer went out
    counted INTEGER NOT NULL DEFAULT 0,  -- counted as a download of the file
    ms BIGINT
);
CREATE INDEX storage_transfers_at ON storage_transfers (at);
CREATE INDEX storage_transfers_file ON storage_transfers (file_id, at);
CREATE INDEX storage_transfers_org ON storage_transfers (org_id, at);
