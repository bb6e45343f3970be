-- Login attempts by address and user name, and whether they succeeded: the
-- limits count failures per (address, user name) and all attempts per
-- address, so an office behind one NAT address is not shut out by its own
-- successful logins. The previous login is kept for "上次登录".
ALTER TABLE login_attempts ADD COLUMN username TEXT;
ALTER TABLE login_attempts ADD COLUMN ok INTEGER NOT NULL DEFAULT 0;
CREATE INDEX login_attempts_user ON login_attempts (ip, username, at);
ALTER TABLE users ADD COLUMN prev_login_at BIGINT;
ALTER TABLE users ADD COLUMN prev_login_ip TEXT;
