-- A post longer than one Discord message goes out as several: the first is the post's
-- message, the ids of the rest are kept here so moderation can remove them together.
ALTER TABLE posts ADD COLUMN continuation_ids TEXT NOT NULL DEFAULT '[]';
