-- SQLite's 0021: members' consent to the public web archive (issue 15, /forum privacy
-- archive:hidden): one row per member of a guild who keeps their posts off the web archive.
-- Keyed by guild first: the archive's queries probe it per post or topic.
CREATE TABLE archive_optouts (
    guild_id  BIGINT NOT NULL REFERENCES guilds(guild_id),
    member_id BIGINT NOT NULL,
    since     TEXT   COLLATE "C" NOT NULL,
    PRIMARY KEY (guild_id, member_id)
);
-- A forum's count of topics whose author chose hidden (the archive's forum pages and index).
CREATE INDEX topics_author ON topics(guild_id, author_id);
