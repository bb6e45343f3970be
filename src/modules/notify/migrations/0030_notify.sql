-- Notifications (消息中心): one row per message to one user. The recipient
-- owns it (the data scope of every notification route is "its recipient");
-- org_id is the organisation the message is about. Marking read sets
-- read_at; deleting sets deleted_at (kept for the record). updated_at moves
-- with every change: the servers poll it to wake the consoles of messages
-- written by other nodes and by jobs.
-- Times are milliseconds since the Unix epoch (UTC).
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL,            -- recipient (identity's users.id)
    org_id BIGINT NOT NULL,             -- organisation the message is about
    kind TEXT NOT NULL,                 -- notify_kind: review.new, system, ...
    title TEXT NOT NULL,
    body TEXT,
    link TEXT,                          -- console route to open: /review/items/12
    read_at BIGINT,
    deleted_at BIGINT,
    mailed_at BIGINT,                   -- when the e-mail copy went out
    created_by BIGINT,                  -- who caused it; NULL: the system
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX notifications_inbox ON notifications (user_id, read_at, id);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_changed ON notifications (updated_at);
