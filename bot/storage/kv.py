"""Small key/value facts the process keeps (command tree hash, last catch-up)."""

from __future__ import annotations

from bot.storage.api import Connection, dialect


def get(conn: Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def put(conn: Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO kv(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


COPY_UNFINISHED = "db_copy_unfinished"  # a db copy target not finished yet (bot/storage/copy.py)
ACTED = "acted:"  # kv keys of live messages a process removed or held (claim_message)


def claim_message(conn: Connection, message_id: int, now: str, forget_before: str) -> bool:
    """True for the first caller (of any process) to claim acting on ``message_id``: removing
    or holding it and telling its author. The same gateway event may reach two processes
    (two unsharded bots on one database, a replacement started early) or one twice (a
    resumed session): only the first acts. Claims older than ``forget_before`` are dropped."""
    # LIKE, not a key range: a range over punctuation depends on the database's collation.
    conn.execute("DELETE FROM kv WHERE key LIKE ? AND value < ?", (ACTED + "%", forget_before))
    cursor = conn.execute(
        "INSERT INTO kv(key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING", (f"{ACTED}{message_id}", now)
    )
    return int(cursor.rowcount) > 0


LAST_CATCHUP = "last_catchup_at"  # + ":<guild id>": when that guild's forums were last caught up


def put_catchup_times(conn: Connection, guild_ids: list[int], at: str) -> None:
    """A catch-up ended at ``at`` for these guilds (each process its own guilds: /forumadmin health
    reads its guild's time, not the last catch-up of whichever process ran one)."""
    put(conn, LAST_CATCHUP, at)
    for guild_id in guild_ids:
        put(conn, f"{LAST_CATCHUP}:{guild_id}", at)


def catchup_time(conn: Connection, guild_id: int) -> str | None:
    """When the forums of ``guild_id`` were last caught up (databases from before: any catch-up)."""
    return get(conn, f"{LAST_CATCHUP}:{guild_id}") or get(conn, LAST_CATCHUP)


def holds_forum_not_marked(conn: Connection, mark: str) -> bool:
    """True when the database holds forum data but not the key ``mark`` (e.g. not made by the demo)."""
    tables = dialect(conn).tables(conn)
    if "guilds" not in tables or conn.execute("SELECT 1 FROM guilds LIMIT 1").fetchone() is None:
        return False
    return "kv" not in tables or get(conn, mark) is None


def delete(conn: Connection, key: str) -> None:
    conn.execute("DELETE FROM kv WHERE key = ?", (key,))


def count_prefix(conn: Connection, prefix: str) -> int:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return int(conn.execute("SELECT COUNT(*) FROM kv WHERE key LIKE ? ESCAPE '\\'", (escaped + "%",)).fetchone()[0])
