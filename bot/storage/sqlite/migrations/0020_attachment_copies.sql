-- SQLite's 0020: kept copies of attachments (issue 15: attachments that stay readable).
-- One row per attachment of a post the keeper has looked at (bot/services/attachments.py):
-- kept (a file under the attachments directory), skipped (off, too big, not an image) or
-- failed (tried again at the next catch-up). A post with attachments and no rows is not
-- looked at yet; the partial index finds those without reading every post.
CREATE TABLE attachment_copies (
    guild_id     INTEGER NOT NULL,
    post_id      INTEGER NOT NULL REFERENCES posts(id),
    n            INTEGER NOT NULL,   -- its place among the post's attachments, from 0
    filename     TEXT    NOT NULL,   -- as the member uploaded it
    state        TEXT    NOT NULL,   -- kept, skipped, failed
    reason       TEXT,               -- skipped: off, too-big, not-image; failed: what went wrong
    path         TEXT,               -- kept: <guild>/<message>/<n>-<safe name>, under the directory
    content_type TEXT,               -- kept: image/png, image/jpeg, image/gif, image/webp or application/octet-stream
    size         INTEGER,            -- bytes (kept: on disk; otherwise as Discord said, when known)
    width        INTEGER,
    height       INTEGER,
    tries        INTEGER NOT NULL DEFAULT 0,
    updated_at   TEXT    NOT NULL,
    PRIMARY KEY (guild_id, post_id, n)
);
CREATE INDEX attachment_copies_failed ON attachment_copies(tries) WHERE state = 'failed';
CREATE INDEX posts_with_attachments ON posts(id) WHERE attachments <> '[]';
