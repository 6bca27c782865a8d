"""Reads for the housekeeping task: topics due for the idle auto-close."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from bot.domain import timeutil
from bot.domain.shards import Shards
from bot.storage import leases, topics
from bot.storage.models import Topic


def auto_close_due(
    conn: sqlite3.Connection, now: datetime, limit: int = 20, shards: Shards | None = None
) -> list[tuple[Topic, int]]:
    """Open, non-sticky topics idle for their guild's ``auto_close_days`` (with the days), in guilds on ``shards``."""
    found: list[tuple[Topic, int]] = []
    mine = leases.shard_filter("guild_id", shards)
    for guild_id, days in conn.execute(
        f"SELECT guild_id, auto_close_days FROM guilds WHERE auto_close_days > 0 AND {mine}"
    ):
        cutoff = timeutil.iso(now - timedelta(days=days))
        found += [(topic, days) for topic in topics.idle_open(conn, guild_id, cutoff, limit)]
        if len(found) >= limit:
            break
    return found[:limit]
