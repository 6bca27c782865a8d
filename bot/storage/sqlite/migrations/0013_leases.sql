-- Leases: which process does a shard's once-per-guild work (catch-up, digests, expired
-- blocks, auto-close, storage alerts) when several processes share this database
-- (bot/storage/leases.py, bot/services/ownership.py). One row per shard, e.g. "shard 0/2";
-- taken or renewed by an upsert that wins only when the row ran out or is already ours.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,  -- "shard <id>/<count>"
    holder     TEXT NOT NULL,     -- "<hostname>:<pid>:<token>" of the process holding it
    expires_at TEXT NOT NULL      -- ISO 8601 UTC; anyone may take the lease once this has passed
);
