-- The archive's per-forum sitemaps (bot/web/crawl.py, archive.sitemap_topics): a forum's
-- visible topics in id order with the columns a sitemap needs, read from this index alone
-- (author_id: for the archive's consent filter, which probes (guild_id, author_id)). Without
-- it the biggest forum's sitemap read 36,000 topic rows through topics_forum_created and
-- sorted them: 100 ms at 1M posts, 35 ms from this index. A reply rewrites this entry in
-- place (last_post_at, same key): one leaf page, as the list indexes already do.
CREATE INDEX topics_sitemap ON topics(forum_id, id, status, guild_id, number, last_post_at, author_id);
