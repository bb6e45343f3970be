-- Booking of a course's in-person sessions (面授预约), with the lecture
-- hall's guarantees through the shared booking code (src/modules/booking):
-- a booking takes its seat with the guarded UPDATE course_sessions SET
-- booked = booked + 1 WHERE booked < capacity, the CHECK (booked <=
-- capacity) of 0310 refuses an oversold row whoever writes it, and the
-- partial unique index refuses a second live booking of one member for one
-- session. needs_approval: bookings wait for the organiser (预约审核);
-- waitlist: a full session takes a waiting list (waiting counts it).
ALTER TABLE courses ADD COLUMN needs_approval INTEGER NOT NULL DEFAULT 0;
ALTER TABLE courses ADD COLUMN waitlist INTEGER NOT NULL DEFAULT 0;
ALTER TABLE course_sessions ADD COLUMN waiting INTEGER NOT NULL DEFAULT 0 CHECK (waiting >= 0);
ALTER TABLE course_sessions ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE course_sessions ADD COLUMN deleted_at BIGINT;

-- A member's booking of a session: pending (awaiting the organiser),
-- confirmed, waitlisted, rejected, cancelled, attended (checked in).
-- org_id is the member's organisation when booking; course_id is copied
-- for the organiser's lists.
CREATE TABLE course_bookings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id BIGINT NOT NULL REFERENCES course_sessions (id),
    course_id BIGINT NOT NULL REFERENCES courses (id),
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
CREATE UNIQUE INDEX course_bookings_one ON course_bookings (session_id, user_id)
    WHERE status IN ('pending', 'confirmed', 'waitlisted', 'attended');
CREATE INDEX course_bookings_session ON course_bookings (session_id, status, id);
CREATE INDEX course_bookings_user ON course_bookings (user_id, id);
CREATE INDEX course_bookings_course ON course_bookings (course_id, id);
