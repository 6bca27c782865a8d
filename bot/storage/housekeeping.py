"""Reads for the housekeeping jobs: topics due for the idle auto-close, and when the next one is."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain import timeutil
from bot.domain.shards import Shards
from bot.storage import leases, topics
from bot.storage.api import Connection
from bot.storage.models import Topic


def _auto_close_guilds(conn: Connection, shards: Shards | None) -> list[tuple[int, int]]:
    mine = leases.shard_filter("guild_id", shards)
    rows = conn.execute(f"SELECT guild_id, auto_close_days FROM guilds WHERE auto_close_days > 0 AND {mine}").fetchall()
    return [(row[0], row[1]) for row in rows]


def auto_close_due(
    conn: Connection, now: datetime, limit: int = 20, shards: Shards | None = None
) -> list[tuple[Topic, int]]:
    """Open, non-sticky topics idle for their guild's ``auto_close_days`` (with the days), in guilds on ``shards``."""
    found: list[tuple[Topic, int]] = []
    for guild_id, days in _auto_close_guilds(conn, shards):
        cutoff = timeutil.iso(now - timedelta(days=days))
        found += [(topic, days) for topic in topics.idle_open(conn, guild_id, cutoff, limit)]
        if len(found) >= limit:
            break
    return found[:limit]


def next_auto_close(conn: Connection, since: datetime | None) -> datetime | None:
    """The earliest moment after ``since`` (any, when None) an open, non-sticky topic of a
    registered forum has been idle for its guild's ``auto_close_days`` (since its last post,
    or since it was reopened when that came later).

    Per registered forum, one ordered step in ``topics_list_active`` (forum, sticky,
    last_post_at, ..., status) from the first topic that could become due after ``since``.
    """
    earliest: datetime | None = None
    for guild_id, days in _auto_close_guilds(conn, None):
        idle = timedelta(days=days)
        floor = timeutil.iso(since - idle) if since is not None else ""
        row = conn.execute(
            "SELECT MIN((SELECT t.last_post_at FROM topics t WHERE t.forum_id = f.id AND t.sticky = 'none' "
            "AND t.last_post_at > ? AND t.status = 'open' "
            "AND (t.reopened_at IS NULL OR t.reopened_at <= t.last_post_at) "
            "ORDER BY t.last_post_at LIMIT 1)) "
            "FROM forums f WHERE f.guild_id = ? AND f.registered = 1",
            (floor, guild_id),
        ).fetchone()
        last_post = timeutil.parse(row[0]) if row and row[0] else None
        if last_post is not None and (earliest is None or last_post + idle < earliest):
            earliest = last_post + idle
        # Topics reopened after their last post are idle from the reopening (topics_reopened).
        row = conn.execute(
            "SELECT MIN(t.reopened_at) FROM topics t JOIN forums f ON f.id = t.forum_id AND f.registered = 1 "
            "WHERE t.guild_id = ? AND t.reopened_at IS NOT NULL AND t.reopened_at > ? "
            "AND t.reopened_at > t.last_post_at AND t.status = 'open' AND t.sticky = 'none'",
            (guild_id, floor),
        ).fetchone()
        reopened = timeutil.parse(row[0]) if row and row[0] else None
        if reopened is not None and (earliest is None or reopened + idle < earliest):
            earliest = reopened + idle
    return earliest
