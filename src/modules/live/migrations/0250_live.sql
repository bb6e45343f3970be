-- Live streams (直播预约, M1.3): bookings of remote-education live streams,
-- approved by the level above through the review engine, their audience
-- organisations and the viewers' heartbeats. Times are milliseconds since
-- the Unix epoch (UTC).

-- One booking. status / review_level / review_id are the review engine's
-- mirror (review.h); cancelled_at is the module's own state beyond the
-- review (an approved stream called off), kept apart so that the mirror
-- never overwrites it. district_id is the booking organisation's district
-- (its ancestor of type district; for an organisation outside every
-- district, its top-level unit under the city, or the city itself): two
-- approved streams of one district may not overlap (0251).
CREATE TABLE live_streams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    district_id BIGINT NOT NULL REFERENCES orgs (id),
    title TEXT NOT NULL,
    speaker TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    audience TEXT,                      -- 面向对象, free text
    description TEXT,
    source_type TEXT NOT NULL CHECK (source_type IN ('url', 'platform')),
    stream_url TEXT,                    -- http(s) HLS (.m3u8) or FLV
    platform TEXT,                      -- or a room on a live platform
    room_id TEXT,
    status TEXT NOT NULL DEFAULT 'draft',
    review_level INTEGER NOT NULL DEFAULT 0,
    review_id BIGINT,
    cancelled_at BIGINT,
    cancelled_by BIGINT,
    cancel_reason TEXT,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT,
    CHECK (ends_at > starts_at),
    CHECK ((source_type = 'url' AND stream_url IS NOT NULL)
           OR (source_type = 'platform' AND platform IS NOT NULL AND room_id IS NOT NULL))
);
CREATE INDEX live_streams_slot ON live_streams (district_id, starts_at);
CREATE INDEX live_streams_calendar ON live_streams (status, starts_at);
CREATE INDEX live_streams_org ON live_streams (org_id, id);

-- The audience organisations of a booking (面向对象), notified when an
-- approved stream is published or cancelled.
CREATE TABLE live_audience (
    stream_id BIGINT NOT NULL REFERENCES live_streams (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    PRIMARY KEY (stream_id, org_id)
);

-- One row per viewer session (a player tab): its heartbeats add up.
CREATE TABLE live_viewers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id BIGINT NOT NULL REFERENCES live_streams (id),
    user_id BIGINT NOT NULL,
    session TEXT NOT NULL,
    first_at BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    watch_ms BIGINT NOT NULL DEFAULT 0,
    interactions BIGINT NOT NULL DEFAULT 0,
    beats BIGINT NOT NULL DEFAULT 0,
    UNIQUE (stream_id, user_id, session)
);
CREATE INDEX live_viewers_recent ON live_viewers (stream_id, last_at);

-- Sessions seen per minute of a stream (each session counts once in each
-- minute it sent a heartbeat in): the peak of concurrent viewers is the
-- largest n, read from a few hundred rows at most.
CREATE TABLE live_minutes (
    stream_id BIGINT NOT NULL REFERENCES live_streams (id),
    minute BIGINT NOT NULL,             -- ms / 60000
    n BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (stream_id, minute)
);
