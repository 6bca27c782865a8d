-- Covering indexes for /topic list (topics.list_page): one per sort, led by
-- the forum and the sticky flag, ordered as the sort is, then the columns the filters read,
-- so a page is read in index order and stops after offset + limit matching entries.
CREATE INDEX topics_list_latest  ON topics(forum_id, sticky, created_at DESC, id DESC, status, solved);
CREATE INDEX topics_list_active  ON topics(forum_id, sticky, last_post_at DESC, id DESC, status, solved);
CREATE INDEX topics_list_popular ON topics(forum_id, sticky, reply_count DESC, last_post_at DESC, id DESC, status, solved);
-- Unanswered topics are a small share: their own partial index serves the sort and its count.
CREATE INDEX topics_list_unanswered ON topics(forum_id, created_at DESC, id DESC, status, solved)
    WHERE reply_count = 0 AND sticky = 'none';
