"""What the catch-up compares with Discord to find what was deleted there while the bot was
away: a thread's recorded messages, a forum's threads (bot/services/recording/catchup.py)."""

from __future__ import annotations

from bot.storage.api import Connection


def oldest_message_id(conn: Connection, channel_id: int) -> int | None:
    """The oldest recorded message of a thread: how far back a whole read of its history goes."""
    row = conn.execute("SELECT MIN(message_id) FROM posts WHERE channel_id = ?", (channel_id,)).fetchone()
    return row[0]


def published_message_ids(conn: Connection, channel_id: int, low: int, high: int) -> list[int]:
    """Message ids of a thread's published posts from ``low`` to ``high`` (both included): what
    Discord must still hold there (the catch-up's proof of a deletion made while it was away)."""
    rows = conn.execute(
        "SELECT message_id FROM posts WHERE channel_id = ? AND message_id >= ? AND message_id <= ? "
        "AND status = 'publish'",
        (channel_id, low, high),
    ).fetchall()
    return [row[0] for row in rows]


def visible_thread_ids(conn: Connection, forum_id: int) -> list[int]:
    """Threads of a forum's open and closed topics (not the retired threads of moved ones):
    each must still exist in Discord (the catch-up's check for threads deleted while it was away).
    Synthetic ids (an import without Discord: negative) name no thread."""
    rows = conn.execute(
        "SELECT thread_id FROM topics WHERE forum_id = ? AND status IN ('open', 'closed') AND thread_id > 0 "
        "AND NOT EXISTS (SELECT 1 FROM retired_threads r WHERE r.thread_id = topics.thread_id)",
        (forum_id,),
    ).fetchall()
    return [row[0] for row in rows]
