-- Members own their posts (issue 13). A revision says who replaced that version and why
-- (editor null where Discord alone knows); the post carries its latest edit's editor name
-- and reason, so readers see "Edited by <name>: <reason>" without reading revisions.
-- edit_window_minutes: participants edit within that many minutes of posting (0 = always).
ALTER TABLE revisions ADD COLUMN editor_id INTEGER;
ALTER TABLE revisions ADD COLUMN editor_name TEXT;
ALTER TABLE revisions ADD COLUMN reason TEXT;
ALTER TABLE posts ADD COLUMN edited_by TEXT;
ALTER TABLE posts ADD COLUMN edit_reason TEXT;
ALTER TABLE guilds ADD COLUMN edit_window_minutes INTEGER NOT NULL DEFAULT 0;

-- Imported authors (bbPress and JSON imports: author ids below any Discord snowflake) linked
-- to a member with /forumadmin link-author: one row per name they were imported under.
CREATE TABLE linked_authors (
    guild_id    INTEGER NOT NULL REFERENCES guilds(guild_id),
    name        TEXT    NOT NULL,
    member_id   INTEGER NOT NULL,
    member_name TEXT    NOT NULL,
    linked_by   INTEGER NOT NULL,
    linked_at   TEXT    NOT NULL,
    posts       INTEGER NOT NULL,
    PRIMARY KEY (guild_id, name)
);
