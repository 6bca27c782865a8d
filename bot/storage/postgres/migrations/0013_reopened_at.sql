-- SQLite's 0023: when a topic last became open again (/mod open, a restore, an unlock in
-- Discord); the idle auto-close measures idleness from the later of its last post and this.
ALTER TABLE topics ADD COLUMN reopened_at TEXT;
CREATE INDEX topics_reopened ON topics(guild_id, reopened_at) WHERE reopened_at IS NOT NULL;
