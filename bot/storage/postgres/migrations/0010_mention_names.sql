-- SQLite's 0019: the names of the users, roles and channels members' messages mention, as
-- Discord resolved them when the message was recorded (issue 15: the archive shows <@id> as
-- @Name). One row per id and kind ('user', 'role', 'channel'), the newest message's name
-- winning; public: a channel @everyone can view (the web archive names no other).
CREATE TABLE mention_names (
    guild_id BIGINT  NOT NULL,
    kind     TEXT    COLLATE "C" NOT NULL,
    id       BIGINT  NOT NULL,
    name     TEXT    COLLATE "C" NOT NULL,
    public   INTEGER NOT NULL DEFAULT 1,
    seen_at  TEXT    COLLATE "C" NOT NULL,
    PRIMARY KEY (guild_id, kind, id)
);
