-- The scheduler (bot/services/scheduler.py) sleeps until the next thing is due and asks
-- the database when that is: the earliest end of a held digest window and the earliest
-- retry of a failed DM (subscriptions.next_due) are one ordered index step each, however
-- many subscriptions there are; the guilds with auto-close on are read without a scan of
-- every guild. (Block expiries use assignments_expiry from 0001, idle topics
-- topics_list_active from 0006.)
CREATE INDEX guilds_auto_close ON guilds(guild_id) WHERE auto_close_days > 0;
CREATE INDEX subscriptions_next_dm ON subscriptions(next_dm_at) WHERE next_dm_at IS NOT NULL;
CREATE INDEX dm_failures_retry ON dm_failures(retry_at) WHERE retry_at IS NOT NULL;
