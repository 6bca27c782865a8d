-- /mod queue's lists of posts out of Discord (issue 14): pending, spam, trash and deleted
-- replies of a guild, oldest first (bot/storage/review.py), and topics of those statuses
-- (their opening posts stand for them). Partial: published posts and open or closed topics,
-- nearly all rows, are not in them and cost nothing to write.
CREATE INDEX posts_hidden ON posts(guild_id, status, created_at) WHERE status != 'publish';
CREATE INDEX topics_hidden ON topics(guild_id, status, created_at) WHERE status NOT IN ('open', 'closed');
