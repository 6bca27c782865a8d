"""Imported authors (bbPress and JSON imports) and linking them to members (/forumadmin link-author).

An import records an author Discord never knew under an id far below any Discord snowflake:
0 (a JSON export's unknown author) or a bbPress login's crc32 + 1 (bot/porting/import_wxr.py).
Such an author is known by the name they were imported under. Linking gives every post and
topic of that name to a member: profile counts, voices, the topic author's subscription and
the rights of an author (marking answers, editing their posts) follow the author id.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.text import one_line
from bot.storage import posts, subscriptions
from bot.storage.api import Connection, dialect

IMPORTED_ID_MAX = 2**32  # import_wxr.author_id: crc32 + 1; Discord's snowflakes are far above


@dataclass(frozen=True)
class ImportedAuthor:
    name: str
    posts: int


@dataclass(frozen=True)
class Link:
    name: str
    member_id: int
    member_name: str
    posts: int
    topics: int
    created: bool  # False: the name was linked already (to member_id)


def unlinked(conn: Connection, guild_id: int, typed: str = "", limit: int = 25) -> list[ImportedAuthor]:
    """Imported authors of this guild not linked to a member yet, most posts first (``typed``:
    what the keymaster typed so far, matched anywhere in the name, case-insensitively)."""
    d = dialect(conn)
    rows = conn.execute(
        "SELECT author_name, COUNT(*) AS n FROM posts WHERE guild_id = ? AND author_id <= ? AND status != 'purged' "
        f"AND {d.nocase('author_name')} LIKE {d.nocase('?')} "
        "GROUP BY author_name ORDER BY n DESC, author_name LIMIT ?",
        (guild_id, IMPORTED_ID_MAX, f"%{_like(typed)}%", limit),
    ).fetchall()
    return [ImportedAuthor(row[0], row[1]) for row in rows]


def _like(text: str) -> str:
    return text.replace("\\", "").replace("%", "").replace("_", "")


def holder(conn: Connection, guild_id: int, name: str) -> tuple[int, str] | None:
    row = conn.execute(
        "SELECT member_id, member_name FROM linked_authors WHERE guild_id = ? AND name = ?", (guild_id, name)
    ).fetchone()
    return (row[0], row[1]) if row else None


def link(
    conn: Connection, guild_id: int, name: str, *, member_id: int, member_name: str, by: int, now: str
) -> Link | None:
    """Give the imported author ``name``'s posts and topics to the member; None when no
    imported author has that name. A name linked already changes nothing (``created`` False)."""
    held = holder(conn, guild_id, name)
    if held is not None:
        return Link(name, held[0], held[1], 0, 0, created=False)
    topic_ids = [
        row[0]
        for row in conn.execute(
            "SELECT DISTINCT topic_id FROM posts WHERE guild_id = ? AND author_id <= ? AND author_name = ?",
            (guild_id, IMPORTED_ID_MAX, name),
        ).fetchall()
    ]
    if not topic_ids:
        return None
    moved = conn.execute(
        "UPDATE posts SET author_id = ? WHERE guild_id = ? AND author_id <= ? AND author_name = ?",
        (member_id, guild_id, IMPORTED_ID_MAX, name),
    ).rowcount
    started = [
        row[0]
        for row in conn.execute(
            "UPDATE topics SET author_id = ? WHERE guild_id = ? AND author_id <= ? AND author_name = ? RETURNING id",
            (member_id, guild_id, IMPORTED_ID_MAX, name),
        ).fetchall()
    ]
    for topic_id in topic_ids:
        posts.refresh_counters(conn, topic_id)  # voices: the author is one member now
    for topic_id in started:
        subscriptions.subscribe_author(conn, topic_id, now)
    conn.execute(
        "INSERT INTO linked_authors(guild_id, name, member_id, member_name, linked_by, linked_at, posts) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (guild_id, name, member_id, one_line(member_name), by, now, moved),
    )
    return Link(name, member_id, member_name, moved, len(started), created=True)
