-- SQLite's 0014: autocomplete (bot/storage/choices.py) reads topics by number prefix or
-- title words, newest first, from this index alone (an index-only scan), stopping at 25.
CREATE INDEX topics_choices ON topics(guild_id, number, forum_id, status, title);
