"""Registered forums (Discord forum channels the bot keeps)."""

from __future__ import annotations

from bot.domain.forumrules import ForumRules
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
    category: str | None = None,
) -> Forum:
    """Register (or re-register) a channel; its records and rules, if any, are kept.

    ``category``: the channel's Discord category name (None: the channel has none).
    """
    guilds.ensure(conn, guild_id, guild_name)
    name, description = one_line(name), without_controls(description)
    conn.execute(
        "INSERT INTO forums(guild_id, channel_id, name, description, public, solved_tag_id, created_at, category) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(channel_id) DO UPDATE SET registered = 1, name = excluded.name, "
        "description = excluded.description, public = excluded.public, "
        "solved_tag_id = COALESCE(excluded.solved_tag_id, forums.solved_tag_id), category = excluded.category",
        (guild_id, channel_id, name, description, int(public), solved_tag_id, now, _category(category)),
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


def set_rules(conn: Connection, forum_id: int, rules: ForumRules) -> None:
    """/forumadmin forum: posting, status, archive and hold at once (values checked by the domain)."""
    conn.execute(
        "UPDATE forums SET posting = ?, status = ?, archive = ?, hold = ? WHERE id = ?",
        (rules.posting, rules.status, rules.archive, rules.hold, forum_id),
    )


def set_category(conn: Connection, forum_id: int, category: str | None) -> bool:
    """The forum's category (None: none); True when it changed."""
    category = _category(category)
    cursor = conn.execute(
        "UPDATE forums SET category = ? WHERE id = ? AND COALESCE(category, '') != COALESCE(?, '')",
        (category, forum_id, category),
    )
    return cursor.rowcount > 0


def _category(category: str | None) -> str | None:
    """A category name as stored: one line, runs of spaces as one, or None when it has no text."""
    if category is None:
        return None
    cleaned = " ".join(one_line(category).split())
    return cleaned[:100] or None


def update_channel(conn: Connection, channel_id: int, *, name: str, public: bool, category: str | None) -> bool:
    """The channel was renamed, moved to another category or its @everyone visibility changed."""
    name, category = one_line(name), _category(category)
    cursor = conn.execute(
        "UPDATE forums SET name = ?, public = ?, category = ? WHERE channel_id = ? "
        "AND (name != ? OR public != ? OR COALESCE(category, '') != COALESCE(?, ''))",
        (name, int(public), category, channel_id, name, int(public), category),
    )
    return cursor.rowcount > 0


def channel_deleted(conn: Connection, channel_id: int) -> bool:
    """The Discord channel is gone: unregister the forum, keep its records."""
    cursor = conn.execute("UPDATE forums SET registered = 0 WHERE channel_id = ? AND registered = 1", (channel_id,))
    return cursor.rowcount > 0
