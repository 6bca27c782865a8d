-- A post longer than one Discord message goes out as several: the first is the post's
-- message, the ids of the rest are kept here so moderation can remove them together.
BEGIN;
ALTER TABLE posts ADD COLUMN continuation_ids TEXT NOT NULL DEFAULT '[]';
PRAGMA user_version = 7;
COMMIT;
