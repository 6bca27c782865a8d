"""Reports and held posts: what reaches /mod queue."""

from __future__ import annotations

import sqlite3


def hold(conn: sqlite3.Connection, *, guild_id: int, post_id: int, reason: str, now: str) -> int:
    """A post recorded although it should not have been allowed (flagged)."""
    row = conn.execute(
        "INSERT INTO reports(guild_id, post_id, kind, reason, created_at) VALUES (?, ?, 'held', ?, ?) RETURNING id",
        (guild_id, post_id, reason, now),
    ).fetchone()
    return int(row[0])


def open_count(conn: sqlite3.Connection, guild_id: int) -> int:
    row = conn.execute("SELECT COUNT(*) FROM reports WHERE guild_id = ? AND status = 'open'", (guild_id,)).fetchone()
    return int(row[0])


def open_for_post(conn: sqlite3.Connection, post_id: int) -> list[tuple[str, str]]:
    rows = conn.execute(
        "SELECT kind, reason FROM reports WHERE post_id = ? AND status = 'open' ORDER BY id", (post_id,)
    ).fetchall()
    return [(row[0], row[1]) for row in rows]
