"""Recording the names a message's mentions had when it was written (table ``mention_names``,
read by ``bot.storage.names.lookup``). Called by ``bot.storage.posts`` as each message is
recorded, in the same transaction; a message that mentions nothing costs nothing."""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.text import one_line
from bot.storage.api import Connection
from bot.storage.models import Mentioned, NewPost

KINDS = ("user", "role", "channel")
NAME_LIMIT = 100  # Discord's names are at most 100 characters


def remember(conn: Connection, guild_id: int, seen_at: str, found: Iterable[Mentioned]) -> None:
    """Record the names a message's mentions had when it was written (``seen_at``): a newer
    message's name replaces an older one, never the other way round (catch-up reads old
    messages after new ones)."""
    rows = [
        (guild_id, m.kind, m.id, one_line(m.name)[:NAME_LIMIT], int(m.public), seen_at)
        for m in found
        if m.kind in KINDS and 0 < m.id < 2**63 and m.name.strip()
    ]
    if rows:
        conn.executemany(
            "INSERT INTO mention_names(guild_id, kind, id, name, public, seen_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(guild_id, kind, id) DO UPDATE SET name = excluded.name, public = excluded.public, "
            "seen_at = excluded.seen_at WHERE excluded.seen_at >= mention_names.seen_at",
            rows,
        )


def remember_posts(conn: Connection, news: Iterable[NewPost]) -> None:
    """``remember`` for each recorded message that mentions something."""
    for new in news:
        if new.mentioned:
            remember(conn, new.guild_id, new.created_at, new.mentioned)
