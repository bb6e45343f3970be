-- A published course's session called off (取消场次) by the organiser: it
-- leaves the schedule (deleted_at), its live bookings are cancelled and
-- those booked told; when and why are kept with it.
ALTER TABLE course_sessions ADD COLUMN cancelled_at BIGINT;
ALTER TABLE course_sessions ADD COLUMN cancel_reason TEXT;
