"""SQLite's spelling of what differs between the backends (``bot.storage.api.dialect``).

``bot.storage.postgres.dialect`` has the same names. Repositories write everything else
once, in SQL both backends understand.
"""

from __future__ import annotations

from typing import Any

NAME = "sqlite"
BEGIN = "BEGIN IMMEDIATE"  # the write lock at once: no deadlock upgrading a read lock
GREATEST = "MAX"  # scalar MAX(a, b, ...)
LEAST = "MIN"
IFNULL = "IFNULL"  # as written in migration 0001's subscriptions_unique index (the planner matches it)


def indexed_by(index: str) -> str:
    """A planner hint naming the index (SQLite's ``INDEXED BY``)."""
    return f"INDEXED BY {index}"


def contains_nocase(expression: str) -> str:
    """A condition: ``expression`` holds the parameter's ``%word%`` pattern (ASCII case ignored;
    SQLite's LIKE ignores it already, and costs a third of ``LOWER(x) LIKE ? ESCAPE``)."""
    return f"{expression} LIKE ?"


def nocase(expression: str) -> str:
    """``expression`` as it sorts and compares without regard to (ASCII) case."""
    return f"{expression} COLLATE NOCASE"


def week_start(expression: str) -> str:
    """The date (YYYY-MM-DD, UTC) of the Monday of the week holding the ISO time ``expression``."""
    return f"date({expression}, 'weekday 0', '-6 days')"


def tables(conn: Any) -> set[str]:
    """Names of the database's tables."""
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def tuples(conn: Any, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
    """Rows as plain tuples, where building named rows would cost more than the query."""
    cursor = conn.cursor()
    cursor.row_factory = None  # sqlite3.Row costs twice the query on a big topic's outline
    return list(cursor.execute(sql, params).fetchall())
