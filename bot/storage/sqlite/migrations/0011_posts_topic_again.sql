-- One schema for every database, with or without the deleted 0010.
-- 0010_reading_outline (shipped in 9567f8d, deleted in d6c478f) replaced 0001's posts_topic
-- with a wide covering index (topic_id, created_at, id, status, number, parent_id, accepted,
-- is_opening); a database migrated while it existed is at user_version 10 with that index,
-- every other one has 0001's. Version 10 is never used again (RETIRED_VERSIONS in
-- bot/storage/sqlite/schema.py). Both kinds end here with 0001's posts_topic, rebuilt once
-- (one to two seconds per million posts). Idempotent: it may run on either kind of database.
DROP INDEX IF EXISTS posts_topic;
CREATE INDEX IF NOT EXISTS posts_topic ON posts(topic_id, created_at, id);
