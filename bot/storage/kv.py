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
