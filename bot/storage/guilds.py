"""Guild rows: per-guild settings and the shared number sequence."""

from __future__ import annotations

from typing import Any

from bot.domain.text import one_line
from bot.storage.api import Connection, dialect
from bot.storage.models import GuildSettings

SETTING_COLUMNS = (
    "default_role",
    "registration",
    "throttle_seconds",
    "replies_per_page",
    "auto_close_days",
    "notify_digest_minutes",
    "edit_window_minutes",
)


def ensure(conn: Connection, guild_id: int, name: str = "") -> None:
    conn.execute(
        "INSERT INTO guilds(guild_id, name) VALUES (?, ?) "
        "ON CONFLICT(guild_id) DO UPDATE SET name = excluded.name WHERE excluded.name != ''",
        (guild_id, one_line(name)),
    )


def settings(conn: Connection, guild_id: int) -> GuildSettings:
    row = conn.execute("SELECT * FROM guilds WHERE guild_id = ?", (guild_id,)).fetchone()
    if row is None:
        ensure(conn, guild_id)
        row = conn.execute("SELECT * FROM guilds WHERE guild_id = ?", (guild_id,)).fetchone()
    return GuildSettings.from_row(row)


def update_settings(conn: Connection, guild_id: int, changes: dict[str, Any]) -> GuildSettings:
    ensure(conn, guild_id)
    for column, value in changes.items():
        if column not in SETTING_COLUMNS:
            raise ValueError(f"unknown setting {column}")
        conn.execute(f"UPDATE guilds SET {column} = ? WHERE guild_id = ?", (value, guild_id))
    return settings(conn, guild_id)


def skip_numbers_to(conn: Connection, guild_id: int, first: int) -> None:
    """The next number is at least ``first`` (numbers only ever grow: never lowers the counter)."""
    ensure(conn, guild_id)
    conn.execute(
        f"UPDATE guilds SET next_number = {dialect(conn).GREATEST}(next_number, ?) WHERE guild_id = ?",
        (first, guild_id),
    )


def allocate_number(conn: Connection, guild_id: int, wanted: int | None = None) -> int:
    """The next number of the guild's shared sequence (or ``wanted`` when it is free)."""
    if wanted is None:
        # The hot path (every recorded post): one UPDATE; the guild row is made only when missing.
        row = conn.execute(
            "UPDATE guilds SET next_number = next_number + 1 WHERE guild_id = ? RETURNING next_number - 1",
            (guild_id,),
        ).fetchone()
        if row is not None:
            return _skip_taken(conn, guild_id, int(row[0]))
    ensure(conn, guild_id)
    if wanted is not None:
        taken = conn.execute("SELECT 1 FROM posts WHERE guild_id = ? AND number = ?", (guild_id, wanted)).fetchone()
        if taken is None:
            conn.execute(
                f"UPDATE guilds SET next_number = {dialect(conn).GREATEST}(next_number, ?) WHERE guild_id = ?",
                (wanted + 1, guild_id),
            )
            return wanted
    row = conn.execute(
        "UPDATE guilds SET next_number = next_number + 1 WHERE guild_id = ? RETURNING next_number - 1",
        (guild_id,),
    ).fetchone()
    return _skip_taken(conn, guild_id, int(row[0]))


def allocate_numbers(conn: Connection, guild_id: int, count: int) -> list[int]:
    """The next ``count`` numbers of the guild's sequence in two statements (a catch-up page):
    the same numbers, in the same order, as ``count`` calls of ``allocate_number()``."""
    if count <= 0:
        return []
    row = conn.execute(
        "UPDATE guilds SET next_number = next_number + ? WHERE guild_id = ? RETURNING next_number - ?",
        (count, guild_id, count),
    ).fetchone()
    if row is None:
        return [allocate_number(conn, guild_id) for _ in range(count)]
    first = int(row[0])
    taken = {
        number
        for (number,) in conn.execute(
            "SELECT number FROM posts WHERE guild_id = ? AND number BETWEEN ? AND ?",
            (guild_id, first, first + count - 1),
        )
    }
    numbers = [number for number in range(first, first + count) if number not in taken]
    while len(numbers) < count:  # an import took some: skip them, as allocate_number() does
        numbers.append(allocate_number(conn, guild_id))
    return numbers


def _skip_taken(conn: Connection, guild_id: int, number: int) -> int:
    # An import may have taken numbers ahead of the sequence: skip them, never reuse.
    while conn.execute("SELECT 1 FROM posts WHERE guild_id = ? AND number = ?", (guild_id, number)).fetchone():
        number = int(
            conn.execute(
                "UPDATE guilds SET next_number = next_number + 1 WHERE guild_id = ? RETURNING next_number - 1",
                (guild_id,),
            ).fetchone()[0]
        )
    return number


def name_of(conn: Connection, guild_id: int) -> str:
    row = conn.execute("SELECT name FROM guilds WHERE guild_id = ?", (guild_id,)).fetchone()
    return row[0] if row else ""
