-- Reading answers (issue 4): subscription digests, persistent search pages.
-- Digest state of each subscription: the newest post already considered (topic
-- subscriptions: replies; forum subscriptions: opening posts of new topics), and the
-- earliest time the next DM may go out (at most one per notify_digest_minutes).
ALTER TABLE subscriptions ADD COLUMN cursor_post_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscriptions ADD COLUMN next_dm_at TEXT;
UPDATE subscriptions SET cursor_post_id = (SELECT IFNULL(MAX(id), 0) FROM posts);

-- Members whose DMs failed (closed DMs, left the server): retried with back-off, then
-- not at all until they use /subscribe or /subscriptions again.
CREATE TABLE dm_failures (
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    failures    INTEGER NOT NULL DEFAULT 0,
    retry_at    TEXT,                -- NULL with failures > 0: given up
    last_error  TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (guild_id, user_id)
) WITHOUT ROWID;

-- /search keeps its query here so its Previous/Next buttons (custom id: the key) work
-- after a restart; the key is a hash of the search, so the same search reuses its row.
CREATE TABLE search_pages (
    key         TEXT    PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    query       TEXT    NOT NULL,
    forum_id    INTEGER,
    author_id   INTEGER,
    solved_only INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT    NOT NULL
) WITHOUT ROWID;
