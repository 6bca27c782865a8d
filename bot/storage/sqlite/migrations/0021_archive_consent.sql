-- Members' consent to the public web archive (issue 15, /forum privacy archive:hidden): one
-- row per member of a guild who keeps their posts off the web archive (its pages, search,
-- feeds, sitemaps and readable exports; Discord and the JSON export are unchanged). Keyed by
-- guild first: the archive's queries probe it per post or topic (guild_id, author_id), and
-- "does this guild have any?" is one seek. No row: the member's posts are shown (the default).
CREATE TABLE archive_optouts (
    guild_id  INTEGER NOT NULL REFERENCES guilds(guild_id),
    member_id INTEGER NOT NULL,
    since     TEXT    NOT NULL,
    PRIMARY KEY (guild_id, member_id)
) WITHOUT ROWID;
-- A forum's count of topics whose author chose hidden (the archive's forum pages and index).
CREATE INDEX topics_author ON topics(guild_id, author_id);
