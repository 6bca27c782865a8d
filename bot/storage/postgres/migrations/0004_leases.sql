-- SQLite's 0013: which process does a shard's once-per-guild work (catch-up, digests,
-- expired blocks, auto-close, storage alerts) when several processes share this database
-- (bot/storage/leases.py, bot/services/ownership.py). One row per shard, e.g. "shard 0/2";
-- taken or renewed by an upsert that wins only when the row ran out or is already ours
-- (row-locked by INSERT ... ON CONFLICT DO UPDATE, so concurrent takers serialise).
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TEXT COLLATE "C" NOT NULL
);
