"""Registered forums (Discord forum channels the bot keeps)."""

from __future__ import annotations

from bot.domain.text import one_line, without_controls
from bot.storage import guilds
from bot.storage.api import Connection, dialect
from bot.storage.models import Forum


def register(
    conn: Connection,
    *,
    guild_id: int,
    guild_name: str,
    channel_id: int,
    name: str,
    description: str,
    public: bool,
    solved_tag_id: int | None,
    now: str,
) -> Forum:
    """Register (or re-register) a channel; its records, if any, are kept."""
    guilds.ensure(conn, guild_id, guild_name)
    name, description = one_line(name), without_controls(description)
    conn.execute(
        "INSERT INTO forums(guild_id, channel_id, name, description, public, solved_tag_id, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(channel_id) DO UPDATE SET registered = 1, name = excluded.name, "
        "description = excluded.description, public = excluded.public, "
        "solved_tag_id = COALESCE(excluded.solved_tag_id, forums.solved_tag_id)",
        (guild_id, channel_id, name, description, int(public), solved_tag_id, now),
    )
    forum = by_channel(conn, channel_id)
    assert forum is not None
    return forum


def unregister(conn: Connection, forum_id: int) -> None:
    conn.execute("UPDATE forums SET registered = 0 WHERE id = ?", (forum_id,))


def by_channel(conn: Connection, channel_id: int) -> Forum | None:
    row = conn.execute("SELECT * FROM forums WHERE channel_id = ?", (channel_id,)).fetchone()
    return Forum.from_row(row) if row else None


def get(conn: Connection, forum_id: int) -> Forum | None:
    row = conn.execute("SELECT * FROM forums WHERE id = ?", (forum_id,)).fetchone()
    return Forum.from_row(row) if row else None


def registered_in(conn: Connection, guild_id: int) -> list[Forum]:
    rows = conn.execute(
        f"SELECT * FROM forums WHERE guild_id = ? AND registered = 1 ORDER BY {dialect(conn).nocase('name')}, id",
        (guild_id,),
    ).fetchall()
    return [Forum.from_row(row) for row in rows]


def all_registered(conn: Connection) -> list[Forum]:
    rows = conn.execute("SELECT * FROM forums WHERE registered = 1 ORDER BY guild_id, id").fetchall()
    return [Forum.from_row(row) for row in rows]


def set_public(conn: Connection, forum_id: int, public: bool) -> None:
    conn.execute("UPDATE forums SET public = ? WHERE id = ?", (int(public), forum_id))


def set_solved_tag(conn: Connection, forum_id: int, tag_id: int | None) -> None:
    conn.execute("UPDATE forums SET solved_tag_id = ? WHERE id = ?", (tag_id, forum_id))


def update_channel(conn: Connection, channel_id: int, *, name: str, public: bool) -> bool:
    """The channel was renamed or its @everyone visibility changed."""
    name = one_line(name)
    cursor = conn.execute(
        "UPDATE forums SET name = ?, public = ? WHERE channel_id = ? AND (name != ? OR public != ?)",
        (name, int(public), channel_id, name, int(public)),
    )
    return cursor.rowcount > 0


def channel_deleted(conn: Connection, channel_id: int) -> bool:
    """The Discord channel is gone: unregister the forum, keep its records."""
    cursor = conn.execute("UPDATE forums SET registered = 0 WHERE channel_id = ? AND registered = 1", (channel_id,))
    return cursor.rowcount > 0
