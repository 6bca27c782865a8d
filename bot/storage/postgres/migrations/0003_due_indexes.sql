-- SQLite's 0012: the scheduler (bot/services/scheduler.py) asks when the next thing is due;
-- the earliest end of a held digest window and the earliest retry of a failed DM are one
-- ordered index step each, and the guilds with auto-close on are read without a scan.
CREATE INDEX guilds_auto_close ON guilds(guild_id) WHERE auto_close_days > 0;
CREATE INDEX subscriptions_next_dm ON subscriptions(next_dm_at) WHERE next_dm_at IS NOT NULL;
CREATE INDEX dm_failures_retry ON dm_failures(retry_at) WHERE retry_at IS NOT NULL;
