-- Course matrix (系列党课矩阵, M3): courses in seven series, reviewed through
-- the review engine and published on approval, their lessons (audio or
-- video files held through the storage module), their in-person sessions,
-- and the members' learning progress. Times are milliseconds since the Unix
-- epoch (UTC).

-- One course. series is a code of the dictionary course_series; tags are
-- kept as ",tag1,tag2," so that one tag is found with a bound LIKE
-- '%,tag,%' on both backends. status / review_level / review_id are the
-- review engine's mirror (review.h).
CREATE TABLE courses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    series TEXT NOT NULL,
    title TEXT NOT NULL,
    introduction TEXT,
    lecturer_name TEXT NOT NULL,
    lecturer_details TEXT,
    cover_file_id BIGINT,              -- a picture held by the module (storage: holder course)
    tags TEXT NOT NULL DEFAULT ',',
    status TEXT NOT NULL DEFAULT 'draft',
    review_level INTEGER NOT NULL DEFAULT 0,
    review_id BIGINT,
    published_at BIGINT,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX courses_org ON courses (org_id, id);
CREATE INDEX courses_status ON courses (status, series, id);

-- A lesson: one audio or video file (storage, holder course), in order.
-- Replaced as a whole while the course is editable (never once published,
-- so progress rows never lose their lesson). duration_ms from the storage
-- module's probe (0 while unknown).
CREATE TABLE course_lessons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id BIGINT NOT NULL REFERENCES courses (id),
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    file_id BIGINT NOT NULL,
    media TEXT NOT NULL CHECK (media IN ('video', 'audio')),
    duration_ms BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX course_lessons_position ON course_lessons (course_id, position);

-- An in-person session of a course given on site (optional schedule),
-- with the same capacity guarantee as the lecture hall's sessions.
CREATE TABLE course_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id BIGINT NOT NULL REFERENCES courses (id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    place TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    booked INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    CHECK (ends_at > starts_at),
    CHECK (capacity > 0),
    CHECK (booked >= 0 AND booked <= capacity)
);
CREATE INDEX course_sessions_course ON course_sessions (course_id, starts_at);

-- A member's progress in one lesson: one row, written by the player's
-- heartbeat with one UPSERT. intervals are the watched ranges of the
-- lesson in seconds, merged and sorted ("0-35,60-90"); watched_ms is their
-- total; position_ms the resume position; last_beat_at and last_pos_ms let
-- the next beat tell playing (the position moved about as far as the clock)
-- from seeking. org_id is the member's organisation (the organisers'
-- statistics by organisation).
CREATE TABLE course_progress (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    lesson_id BIGINT NOT NULL REFERENCES course_lessons (id),
    course_id BIGINT NOT NULL REFERENCES courses (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    position_ms BIGINT NOT NULL DEFAULT 0,
    last_pos_ms BIGINT NOT NULL DEFAULT 0,
    last_beat_at BIGINT NOT NULL DEFAULT 0,
    watched_ms BIGINT NOT NULL DEFAULT 0,
    intervals TEXT NOT NULL DEFAULT '',
    completed_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX course_progress_one ON course_progress (user_id, lesson_id);
CREATE INDEX course_progress_course ON course_progress (course_id, org_id);
