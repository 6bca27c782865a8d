-- SQLite's 0014: members own their posts (issue 13). A revision says who replaced that
-- version and why; the post carries its latest edit's editor name and reason for readers;
-- edit_window_minutes: participants edit within that many minutes of posting (0 = always).
ALTER TABLE revisions ADD COLUMN editor_id BIGINT;
ALTER TABLE revisions ADD COLUMN editor_name TEXT COLLATE "C";
ALTER TABLE revisions ADD COLUMN reason TEXT COLLATE "C";
ALTER TABLE posts ADD COLUMN edited_by TEXT COLLATE "C";
ALTER TABLE posts ADD COLUMN edit_reason TEXT COLLATE "C";
ALTER TABLE guilds ADD COLUMN edit_window_minutes INTEGER NOT NULL DEFAULT 0;

-- Imported authors (bbPress and JSON imports: author ids below any Discord snowflake) linked
-- to a member with /forumadmin link-author: one row per name they were imported under.
CREATE TABLE linked_authors (
    guild_id    BIGINT  NOT NULL REFERENCES guilds(guild_id),
    name        TEXT    COLLATE "C" NOT NULL,
    member_id   BIGINT  NOT NULL,
    member_name TEXT    COLLATE "C" NOT NULL,
    linked_by   BIGINT  NOT NULL,
    linked_at   TEXT    COLLATE "C" NOT NULL,
    posts       INTEGER NOT NULL,
    PRIMARY KEY (guild_id, name)
);
