-- A session (场次) of a published lecture broadcast live (讲堂直播,
-- docs/lecture.md "Live"): the live module's stream opened for it
-- (live.h live_stream_open: approved at once — the lecture's own review
-- reached the city —, pushed to the platform's nginx-rtmp or an external
-- platform's HLS/FLV address). One row per session: closing cancels the
-- stream (the row stays, pointing at it); opening again points it at the
-- new stream. lecture_id is copied for the lecture's list and its
-- cancellation.
CREATE TABLE lecture_session_live (
    session_id BIGINT PRIMARY KEY REFERENCES lecture_sessions (id),
    lecture_id BIGINT NOT NULL REFERENCES lectures (id),
    stream_id BIGINT NOT NULL UNIQUE REFERENCES live_streams (id),
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX lecture_session_live_lecture ON lecture_session_live (lecture_id);
