-- Grassroots submissions (基层投稿): articles, photo sets with their photos,
-- videos, and the files they hold. Their review (status, review_level,
-- review_id kept in step by the review engine) is the review module's.
-- Times are milliseconds since the Unix epoch (UTC).

CREATE TABLE articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    author_type TEXT NOT NULL DEFAULT 'org' CHECK (author_type IN ('org', 'person')),
    author TEXT NOT NULL,
    body_html TEXT NOT NULL,            -- sanitised (htmlsafe) before it is stored
    body_text TEXT NOT NULL,            -- its visible text, for search and proofreading
    status TEXT NOT NULL DEFAULT 'draft',
    review_level INTEGER NOT NULL DEFAULT 0,
    review_id BIGINT,
    published_at BIGINT,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX articles_org ON articles (org_id, status);
CREATE INDEX articles_creator ON articles (created_by, id);

CREATE TABLE photo_sets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    activity_type TEXT NOT NULL,
    shot_at BIGINT,
    place TEXT,
    description TEXT,
    status TEXT NOT NULL DEFAULT 'draft',
    review_level INTEGER NOT NULL DEFAULT 0,
    review_id BIGINT,
    published_at BIGINT,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX photo_sets_org ON photo_sets (org_id, status);

-- One photo of a set; shot_at starts as the file's EXIF time.
CREATE TABLE photos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    set_id BIGINT NOT NULL REFERENCES photo_sets (id),
    org_id BIGINT NOT NULL,
    file_id BIGINT NOT NULL,
    title TEXT,
    shot_at BIGINT,
    place TEXT,
    description TEXT,
    sort INTEGER NOT NULL DEFAULT 0,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX photos_set ON photos (set_id, sort);
CREATE INDEX photos_creator ON photos (created_by, shot_at);
CREATE INDEX photos_org ON photos (org_id, shot_at);

CREATE TABLE videos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    course TEXT,                        -- 课程信息
    lecturer TEXT,
    description TEXT,
    file_id BIGINT,                     -- the uploaded video, once there is one
    duration_ms BIGINT,
    check_status TEXT NOT NULL DEFAULT 'pending'
        CHECK (check_status IN ('pending', 'running', 'done', 'failed')),
    check_job BIGINT,
    check_error TEXT,
    check_findings TEXT,                -- JSON: OCR findings of the frames, with time codes
    tags TEXT,                          -- JSON array, set on approval
    status TEXT NOT NULL DEFAULT 'draft',
    review_level INTEGER NOT NULL DEFAULT 0,
    review_id BIGINT,
    published_at BIGINT,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX videos_org ON videos (org_id, status);

-- Files the submissions hold (claimed from the uploader's shared space):
-- images inside articles. OCR of an image runs once, as a job, and its
-- findings join the article's proofreading.
CREATE TABLE submission_files (
    file_id BIGINT PRIMARY KEY,
    org_id BIGINT NOT NULL,
    ocr_status TEXT NOT NULL DEFAULT 'pending' CHECK (ocr_status IN ('pending', 'done', 'failed')),
    ocr_findings TEXT,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
