-- A topic's reading order comes from its posts' outlines (posts.outline: id, number, parent,
-- accepted, opening), read from this index alone; only the page's posts are then read in
-- full (topics.show_page). It replaces 0001's posts_topic (topic_id, created_at, id), which
-- it still serves: one index per post either way.
BEGIN;
DROP INDEX posts_topic;
CREATE INDEX posts_topic ON posts(topic_id, created_at, id, status, number, parent_id, accepted, is_opening);
PRAGMA user_version = 10;
COMMIT;
