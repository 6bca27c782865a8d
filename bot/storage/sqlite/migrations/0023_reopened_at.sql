-- When a topic last became open again (/mod open, a restore, an unlock in Discord): the idle
-- auto-close measures idleness from the later of its last post and this, so a topic reopened
-- after a long silence is not closed again at the next round (bot/storage/housekeeping.py).
ALTER TABLE topics ADD COLUMN reopened_at TEXT;
CREATE INDEX topics_reopened ON topics(guild_id, reopened_at) WHERE reopened_at IS NOT NULL;
