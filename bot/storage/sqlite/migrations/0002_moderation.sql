-- Moderation: threads a topic left (/mod move, /mod merge). The recorder ignores them,
-- so the locked old thread with its pointer is never adopted as a new topic.
CREATE TABLE retired_threads (
    thread_id  INTEGER PRIMARY KEY,
    topic_id   INTEGER NOT NULL REFERENCES topics(id),
    reason     TEXT    NOT NULL,   -- moved, merged
    retired_at TEXT    NOT NULL
);
