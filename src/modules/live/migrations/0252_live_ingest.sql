-- Live ingest (推流直播, issue 13): a stream pushed over RTMP to the
-- platform's own nginx-rtmp, which writes HLS under the data directory and
-- asks zhendi (on_publish) whether a push may start. One row per stream that
-- takes pushes: its secret stream key (the organiser's only; never shown to
-- viewers, who play by the stream's id through zhendi), and whether a push
-- is running now. Times are milliseconds since the Unix epoch (UTC).
CREATE TABLE live_ingest (
    stream_id BIGINT PRIMARY KEY REFERENCES live_streams (id),
    stream_key TEXT NOT NULL UNIQUE,
    key_created_by BIGINT NOT NULL,
    key_created_at BIGINT NOT NULL,
    publishing_since BIGINT,            -- a push is running (直播中); NULL otherwise
    publish_addr TEXT,                  -- the pushing client's address, from nginx
    last_published_at BIGINT,
    last_ended_at BIGINT,
    pushes BIGINT NOT NULL DEFAULT 0,   -- accepted pushes
    refused BIGINT NOT NULL DEFAULT 0   -- refused attempts with this key (outside its window)
);
