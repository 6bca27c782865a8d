-- Fewer pages written per recorded reply (docs/performance.md, "The live path"):
-- 1. Three topic indexes from 0001 changed with every reply (they hold last_post_at or
--    reply_count) and no query needs them since 0006's list indexes: /topic list, the archive
--    and the idle-topic sweep read topics_list_*; the rest read topics_forum_created or the
--    (guild_id, number) key.
-- 2. The search index no longer merges its segments inside the commit that recorded a post
--    (FTS5 automerge wrote up to several hundred pages into one reply's commit, every few
--    dozen replies). The bot merges them in small steps when its writer is idle
--    (bot/storage/upkeep.py); FTS5's crisis merge (16 segments on one level) stays as the
--    bound when nothing runs those steps (offline import).
DROP INDEX topics_forum_latest;
DROP INDEX topics_forum_popular;
DROP INDEX topics_guild_latest;
INSERT INTO posts_fts(posts_fts, rank) VALUES ('automerge', 0);
