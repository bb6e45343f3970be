-- A member's rating of a course (课程评价): scores 1–5 for the content, the
-- lecturer and the form, and an optional comment; one per member and
-- course, editable. status is the comment's: published (shown on the
-- course page), held (the proofreading engine's sensitive-word check
-- found something: waits for moderation) or rejected (moderated away). The
-- scores count in the averages unless the rating was rejected. org_id is
-- the member's organisation.
CREATE TABLE course_ratings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id BIGINT NOT NULL REFERENCES courses (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    content INTEGER NOT NULL CHECK (content BETWEEN 1 AND 5),
    lecturer INTEGER NOT NULL CHECK (lecturer BETWEEN 1 AND 5),
    form INTEGER NOT NULL CHECK (form BETWEEN 1 AND 5),
    comment TEXT,
    status TEXT NOT NULL CHECK (status IN ('published', 'held', 'rejected')),
    findings TEXT,
    moderated_by BIGINT,
    moderated_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX course_ratings_one ON course_ratings (course_id, user_id);
CREATE INDEX course_ratings_status ON course_ratings (status, id);
