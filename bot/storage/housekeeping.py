"""Reads for the housekeeping task: topics due for the idle auto-close."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain import timeutil
from bot.storage import topics
from bot.storage.api import Connection
from bot.storage.models import Topic


def auto_close_due(conn: Connection, now: datetime, limit: int = 20) -> list[tuple[Topic, int]]:
    """Open, non-sticky topics idle for their guild's ``auto_close_days`` (with the days)."""
    found: list[tuple[Topic, int]] = []
    for guild_id, days in conn.execute("SELECT guild_id, auto_close_days FROM guilds WHERE auto_close_days > 0"):
        cutoff = timeutil.iso(now - timedelta(days=days))
        found += [(topic, days) for topic in topics.idle_open(conn, guild_id, cutoff, limit)]
        if len(found) >= limit:
            break
    return found[:limit]
