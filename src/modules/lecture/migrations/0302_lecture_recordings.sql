-- Recordings (回放) of a lecture that took place: video files held by the
-- module (storage: holder lecture; the storage module makes their HLS
-- ladder), optionally of one session; played on demand by the members of
-- the lecture's district (audience_path: the path of the organisation's
-- top-level unit under the city, '/1/' for a city lecture). duration_ms is
-- the storage module's probe, known when the recording is attached.
CREATE TABLE lecture_recordings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lecture_id BIGINT NOT NULL REFERENCES lectures (id),
    session_id BIGINT REFERENCES lecture_sessions (id),
    title TEXT NOT NULL,
    file_id BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    audience_path TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX lecture_recordings_lecture ON lecture_recordings (lecture_id, id);

-- A member's watching of a recording: the shared progress heartbeat's table
-- (src/modules/progress/progress.h, the shape of course_progress). org_id is
-- the member's organisation when watching.
CREATE TABLE lecture_progress (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    recording_id BIGINT NOT NULL REFERENCES lecture_recordings (id),
    lecture_id BIGINT NOT NULL REFERENCES lectures (id),
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
CREATE UNIQUE INDEX lecture_progress_one ON lecture_progress (user_id, recording_id);
CREATE INDEX lecture_progress_lecture ON lecture_progress (lecture_id, org_id);
