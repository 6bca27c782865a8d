"""Reads for the export: a guild's forums, topics, posts and revisions, in order."""

from __future__ import annotations

import json
from typing import Any

from bot.storage.api import Connection, Row


def guild_ids(conn: Connection) -> list[int]:
    return [row[0] for row in conn.execute("SELECT guild_id FROM guilds ORDER BY guild_id").fetchall()]


def guild_name(conn: Connection, guild_id: int) -> str:
    row = conn.execute("SELECT name FROM guilds WHERE guild_id = ?", (guild_id,)).fetchone()
    return row[0] if row else ""


def forums_of(conn: Connection, guild_id: int) -> list[Row]:
    return conn.execute("SELECT * FROM forums WHERE guild_id = ? ORDER BY id", (guild_id,)).fetchall()


def topics_of(conn: Connection, forum_id: int) -> list[Row]:
    return conn.execute("SELECT * FROM topics WHERE forum_id = ? ORDER BY number", (forum_id,)).fetchall()


def posts_of(conn: Connection, topic_id: int) -> list[Row]:
    return conn.execute(
        "SELECT p.*, parent.number AS parent_number FROM posts p LEFT JOIN posts parent ON parent.id = p.parent_id "
        "WHERE p.topic_id = ? ORDER BY p.is_opening DESC, p.created_at, p.id",
        (topic_id,),
    ).fetchall()


def revisions_of(conn: Connection, post_id: int) -> list[dict[str, Any]]:
    """SPEC §7: each earlier version, oldest first, with who replaced it (null where Discord
    alone knows) and why."""
    rows = conn.execute(
        "SELECT content, revised_at, editor_id, editor_name, reason FROM revisions WHERE post_id = ? ORDER BY id",
        (post_id,),
    ).fetchall()
    return [
        {
            "content": row[0],
            "edited_at": row[1],
            "editor": {"id": str(row[2]), "name": row[3] or ""} if row[2] is not None else None,
            "reason": row[4],
        }
        for row in rows
    ]


def attachments(row: Row) -> list[dict[str, str]]:
    return list(json.loads(row["attachments"]))
