-- Lecture hall (初心讲堂, M2): lectures reviewed through the review engine
-- and published on approval, their sessions (场次) and the members'
-- bookings with check-in. Times are milliseconds since the Unix epoch (UTC).

-- One lecture. status / review_level / review_id are the review engine's
-- mirror (review.h); cancelled_at is the module's own state beyond the
-- review (a published lecture called off), kept apart so that the mirror
-- never overwrites it. needs_approval: bookings wait for the organiser
-- (预约审核); waitlist: a full session takes a waiting list.
CREATE TABLE lectures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    title TEXT NOT NULL,
    speaker TEXT NOT NULL,
    place TEXT NOT NULL,
    description TEXT,
    poster_file_id BIGINT,              -- a picture held by the module (storage: holder lecture)
    needs_approval INTEGER NOT NULL DEFAULT 0,
    waitlist INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'draft',
    review_level INTEGER NOT NULL DEFAULT 0,
    review_id BIGINT,
    cancelled_at BIGINT,
    cancelled_by BIGINT,
    cancel_reason TEXT,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX lectures_org ON lectures (org_id, id);
CREATE INDEX lectures_status ON lectures (status, id);

-- A session (场次) of a lecture with its own time and capacity. booked is
-- the number of seats held (pending, confirmed and attended bookings):
-- a booking takes a seat with the guarded UPDATE … SET booked = booked + 1
-- WHERE booked < capacity in its own transaction, and the CHECK makes an
-- oversold session impossible whatever writes the row. waiting counts the
-- waiting list.
CREATE TABLE lecture_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lecture_id BIGINT NOT NULL REFERENCES lectures (id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    capacity INTEGER NOT NULL,
    booked INTEGER NOT NULL DEFAULT 0,
    waiting INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT,
    CHECK (ends_at > starts_at),
    CHECK (capacity > 0),
    CHECK (booked >= 0 AND booked <= capacity),
    CHECK (waiting >= 0)
);
CREATE INDEX lecture_sessions_lecture ON lecture_sessions (lecture_id, starts_at);

-- A member's booking of a session: pending (awaiting the organiser),
-- confirmed, waitlisted, rejected, cancelled, attended (checked in).
-- org_id is the member's organisation when booking (the data scope of
-- the members' side); lecture_id is copied for the organiser's lists.
CREATE TABLE lecture_bookings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id BIGINT NOT NULL REFERENCES lecture_sessions (id),
    lecture_id BIGINT NOT NULL REFERENCES lectures (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'waitlisted', 'rejected', 'cancelled',
                                           'attended')),
    opinion TEXT,
    decided_by BIGINT,
    decided_at BIGINT,
    cancelled_at BIGINT,
    attended_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- one live booking per member and session (a cancelled or rejected one may
-- be followed by a new one)
CREATE UNIQUE INDEX lecture_bookings_one ON lecture_bookings (session_id, user_id)
    WHERE status IN ('pending', 'confirmed', 'waitlisted', 'attended');
CREATE INDEX lecture_bookings_session ON lecture_bookings (session_id, status, id);
CREATE INDEX lecture_bookings_user ON lecture_bookings (user_id, id);
CREATE INDEX lecture_bookings_lecture ON lecture_bookings (lecture_id, id);
