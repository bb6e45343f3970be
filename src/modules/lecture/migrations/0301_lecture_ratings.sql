-- A member's rating of a lecture (讲堂评价), the course ratings' shape (0311)
-- for the shared rating code (src/modules/rating): scores 1–5 for the
-- content, the lecturer and the form, an optional comment; one per member
-- and lecture, editable. status is the comment's: published, held (the
-- sensitive-word check found something: waits for moderation) or rejected.
-- org_id is the member's organisation.
CREATE TABLE lecture_ratings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lecture_id BIGINT NOT NULL REFERENCES lectures (id),
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
CREATE UNIQUE INDEX lecture_ratings_one ON lecture_ratings (lecture_id, user_id);
CREATE INDEX lecture_ratings_status ON lecture_ratings (status, id);
