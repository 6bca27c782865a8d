"""PostgreSQL's spelling of what differs between the backends (``bot.storage.api.dialect``).

The same names as ``bot.storage.sqlite.dialect``.
"""

from __future__ import annotations

from typing import Any

NAME = "postgres"
BEGIN = "BEGIN"  # READ COMMITTED: rows are locked as they are written (numbers: the guild's row)
GREATEST = "GREATEST"
LEAST = "LEAST"
IFNULL = "COALESCE"  # as written in migration 0001's subscriptions_unique index


def indexed_by(index: str) -> str:
    """No index hints in PostgreSQL: its planner has statistics (ANALYZE, autovacuum)."""
    return ""


def contains_nocase(expression: str) -> str:
    """A condition: ``expression`` holds the parameter's ``%word%`` pattern, case ignored."""
    return f"{expression} ILIKE ?"


def nocase(expression: str) -> str:
    """``expression`` as it sorts and compares without regard to case."""
    return f"lower({expression})"


def week_start(expression: str) -> str:
    """The date (YYYY-MM-DD, UTC) of the Monday of the week holding the ISO time ``expression``."""
    return f"to_char(date_trunc('week', ({expression})::timestamptz AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"


def tables(conn: Any) -> set[str]:
    """Names of the tables in the connection's schema."""
    return {
        row[0]
        for row in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
    }


def tuples(conn: Any, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
    """Rows as plain tuples, where building named rows would cost more than the query."""
    return list(conn.execute_tuples(sql, params))
