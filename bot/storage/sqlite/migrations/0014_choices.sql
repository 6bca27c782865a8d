-- Autocomplete (bot/storage/choices.py): topics by number prefix or title words, newest
-- first, read from this index alone (forum and status filters included), stopping at 25.
CREATE INDEX topics_choices ON topics(guild_id, number, forum_id, status, title);
