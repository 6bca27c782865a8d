"""Saved searches: what a /search page's buttons run again (kept 30 days after last use)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.api import Connection


@dataclass(frozen=True)
class SavedSearch:
    key: str
    guild_id: int
    query: str
    forum_id: int | None
    author_id: int | None
    solved_only: bool


def save(
    conn: Connection,
    *,
    key: str,
    guild_id: int,
    query: str,
    forum_id: int | None,
    author_id: int | None,
    solved_only: bool,
    now: str,
) -> None:
    conn.execute(
        "INSERT INTO search_pages(key, guild_id, query, forum_id, author_id, solved_only, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET created_at = excluded.created_at",
        (key, guild_id, query, forum_id, author_id, int(solved_only), now),
    )


def saved(conn: Connection, key: str) -> SavedSearch | None:
    row = conn.execute("SELECT * FROM search_pages WHERE key = ?", (key,)).fetchone()
    if row is None:
        return None
    return SavedSearch(
        key=row["key"],
        guild_id=row["guild_id"],
        query=row["query"],
        forum_id=row["forum_id"],
        author_id=row["author_id"],
        solved_only=bool(row["solved_only"]),
    )


def prune_saved(conn: Connection, before: str) -> int:
    """Forget saved searches not used since ``before`` (their buttons then say so)."""
    return conn.execute("DELETE FROM search_pages WHERE created_at < ?", (before,)).rowcount
