"""Leases (which process does a shard's once-per-guild work) and the shard filter of queries.

Several processes may share one database: bot processes running different shards, or by
mistake two running the same ones. A lease row per shard names the process that does the
work that must happen once per guild (bot/services/ownership.py). It is taken or renewed by
one upsert that succeeds only when the row is free, run out, or already ours, so at any
instant one holder at most; a holder that stops renewing loses it when it runs out.

Plain SQL that SQLite and PostgreSQL both run: ``INSERT ... ON CONFLICT ... DO UPDATE ...
WHERE``; times are ISO 8601 UTC text passed in by the caller (bot/domain/timeutil.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.shards import Shards
from bot.storage.api import Connection


@dataclass(frozen=True)
class Lease:
    name: str
    holder: str
    expires_at: str


def lease_name(shard_id: int, shard_count: int) -> str:
    return f"shard {shard_id}/{shard_count}"


_TAKE = (
    "INSERT INTO leases(name, holder, expires_at) VALUES (?, ?, ?) "
    "ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at "
    "WHERE leases.expires_at < ? OR leases.holder = excluded.holder"
)


def take(conn: Connection, names: list[str], holder: str, now: str, until: str) -> list[str]:
    """Take or renew the leases ``names`` for ``holder`` until ``until``; the ones it holds now.

    Call it in one transaction: each row is taken only when it is new, ran out before
    ``now``, or is already the holder's.
    """
    if not names:
        return []
    for name in names:
        conn.execute(_TAKE, (name, holder, until, now))
    marks = ", ".join("?" for _ in names)
    rows = conn.execute(f"SELECT name FROM leases WHERE holder = ? AND name IN ({marks})", (holder, *names))
    return sorted(row[0] for row in rows)


def release(conn: Connection, holder: str) -> int:
    """Give up every lease of ``holder`` (a clean shutdown): another process may take them at once."""
    return conn.execute("DELETE FROM leases WHERE holder = ?", (holder,)).rowcount


def all_leases(conn: Connection) -> list[Lease]:
    rows = conn.execute("SELECT name, holder, expires_at FROM leases ORDER BY name").fetchall()
    return [Lease(name=row[0], holder=row[1], expires_at=row[2]) for row in rows]


def shard_filter(column: str, shards: Shards | None) -> str:
    """A WHERE condition keeping the rows whose guild ``column`` lies on ``shards`` (None: all rows).

    The numbers are validated ints written into the text, so the condition takes no
    parameters and fits any paramstyle; ``x - (x / n) * n`` is ``x mod n`` on integers in
    both engines, without a ``%`` (which psycopg would read as a placeholder).
    """
    if shards is None or shards.all:
        return "1 = 1"
    if shards.none:
        return "1 = 0"
    count = int(shards.count)
    shifted = f"({column} >> 22)"
    ids = ", ".join(str(int(i)) for i in sorted(shards.ids))
    return f"({shifted} - ({shifted} / {count}) * {count}) IN ({ids})"
