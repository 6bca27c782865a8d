-- SQLite's 0016: per-forum rules and scope (issue 14, SPEC §1 "Per-forum scope"). A forum's
-- category is its Discord channel category's name (or the bbPress category it was imported
-- from); posting everyone|moderators, status open|closed, archive public|hidden, hold
-- none|links|new|all (bot/domain/forumrules.py holds the allowed values).
ALTER TABLE forums ADD COLUMN category TEXT COLLATE "C";
ALTER TABLE forums ADD COLUMN posting TEXT COLLATE "C" NOT NULL DEFAULT 'everyone';
ALTER TABLE forums ADD COLUMN status TEXT COLLATE "C" NOT NULL DEFAULT 'open';
ALTER TABLE forums ADD COLUMN archive TEXT COLLATE "C" NOT NULL DEFAULT 'public';
ALTER TABLE forums ADD COLUMN hold TEXT COLLATE "C" NOT NULL DEFAULT 'none';

-- A moderator of named forums only: rows here while the member's explicit assignment is
-- moderator; none = a moderator of the whole server. Any new assignment replaces them.
CREATE TABLE moderator_forums (
    guild_id BIGINT NOT NULL,
    user_id  BIGINT NOT NULL,
    forum_id BIGINT NOT NULL REFERENCES forums(id),
    PRIMARY KEY (guild_id, user_id, forum_id)
);
