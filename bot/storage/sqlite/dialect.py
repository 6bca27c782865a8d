"""SQLite's spelling of what differs between the backends (``bot.storage.api.dialect``).

``bot.storage.postgres.dialect`` has the same names. Repositories write everything else
once, in SQL both backends understand.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def insert_rows(
    conn: Any, table: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]], returning: str
) -> list[Any]:
    """Insert ``rows`` (values in the order of ``columns``: (name, PostgreSQL type)) in one
    multi-row INSERT; the ``returning`` columns of each row made."""
    names = ", ".join(name for name, _ in columns)
    values = ", ".join(["(" + ", ".join("?" * len(columns)) + ")"] * len(rows))
    params = [value for row in rows for value in row]
    return list(conn.execute(f"INSERT INTO {table}({names}) VALUES {values} RETURNING {returning}", params).fetchall())


def count_page(
    conn: Any,
    topic_id: int,
    authors: Sequence[int],
    published: int,
    last_at: str,
    last_number: int,
    visible: Sequence[str],
) -> None:
    """A recorded page of ``published`` replies by ``authors`` in counters (``posts.record_replies``):
    the topic's new voices, reply and voice counts and latest post, then, when the topic's
    status is in ``visible``, its forum's post count and latest post."""
    voices = len(
        conn.execute(  # the voices this page adds: the rows the INSERT made
            "INSERT INTO topic_voices(topic_id, author_id) VALUES "
            + ", ".join(["(?, ?)"] * len(authors))
            + " ON CONFLICT DO NOTHING RETURNING author_id",
            [value for author in authors for value in (topic_id, author)],
        ).fetchall()
    )
    row = conn.execute(
        "UPDATE topics SET reply_count = reply_count + ?, voice_count = voice_count + ?, "
        "last_post_number = CASE WHEN ? >= last_post_at THEN ? ELSE last_post_number END, "
        f"last_post_at = {GREATEST}(last_post_at, ?) WHERE id = ? RETURNING forum_id, status",
        (published, voices, last_at, last_number, last_at, topic_id),
    ).fetchone()
    if row["status"] in visible:
        conn.execute(
            "UPDATE forums SET post_count = post_count + ?, "
            f"last_post_at = {GREATEST}(COALESCE(last_post_at, ''), ?) WHERE id = ?",
            (published, last_at, row["forum_id"]),
        )


def tables(conn: Any) -> set[str]:
    """Names of the database's tables."""
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def tuples(conn: Any, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
    """Rows as plain tuples, where building named rows would cost more than the query."""
    cursor = conn.cursor()
    cursor.row_factory = None  # sqlite3.Row costs twice the query on a big topic's outline
    return list(cursor.execute(sql, params).fetchall())


# ---------------------------------------------------------------- the catalogue (db copy)
SNAPSHOT = "BEGIN"  # a read transaction: in WAL mode one snapshot until COMMIT, writers go on


def internal_tables(conn: Any) -> set[str]:
    """Tables SQLite keeps itself: its own (sqlite_*), the full-text indexes (virtual tables,
    filled by triggers as rows arrive) and their shadow tables."""
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
    virtual = {row[0] for row in rows if (row[1] or "").upper().startswith("CREATE VIRTUAL TABLE")}
    return {
        row[0]
        for row in rows
        if row[0].startswith("sqlite_") or row[0] in virtual or any(row[0].startswith(v + "_") for v in virtual)
    }


def columns(conn: Any, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]


def primary_key(conn: Any, table: str) -> list[str]:
    """The primary key's columns in key order (a rowid table without one: ``rowid``)."""
    found = sorted((row[5], row[1]) for row in conn.execute(f'PRAGMA table_info("{table}")') if row[5])
    return [name for _, name in found] or ["rowid"]


def references(conn: Any, table: str) -> list[tuple[str, str, str]]:
    """The table's foreign keys: (column, referenced table, referenced column)."""
    return [(row[3], row[2], row[4]) for row in conn.execute(f'PRAGMA foreign_key_list("{table}")')]


def id_positions(conn: Any) -> dict[str, tuple[str, int]]:
    """The last id each AUTOINCREMENT table gave (sqlite_sequence). Plain INTEGER PRIMARY
    KEY tables (all of Threadkeeper's) give max(id) + 1 and keep no position of their own."""
    if "sqlite_sequence" not in tables(conn):
        return {}
    return {
        row[0]: (primary_key(conn, row[0])[0], int(row[1]))
        for row in conn.execute("SELECT name, seq FROM sqlite_sequence")
    }


def set_id_position(conn: Any, table: str, column: str, position: int) -> bool:
    """Make ``table`` give ids after ``position``; False when SQLite keeps no position for it
    (max(id) + 1 is its next id then)."""
    if table not in id_positions(conn):
        return False
    conn.execute("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?", (position, table))
    return True


def clear(conn: Any, names: list[str]) -> None:
    """Empty ``names`` (children first) in the caller's transaction; the search indexes
    follow through their triggers."""
    for name in names:
        conn.execute(f'DELETE FROM "{name}"')


def after_bulk_load(conn: Any) -> None:
    """Rebuild the full-text indexes in one compact piece (the triggers filled them row by
    row, one segment per transaction): exact whatever an interrupted copy left behind."""
    for index in ("posts_fts", "topics_fts"):
        if index in tables(conn):
            conn.execute(f"INSERT INTO {index}({index}) VALUES ('rebuild')")


def index_problems(conn: Any) -> list[str]:
    """FTS5's own check of each full-text index against its table (rank 1: the content too)."""
    import sqlite3

    problems = []
    for index in ("posts_fts", "topics_fts"):
        if index in tables(conn):
            try:
                conn.execute(f"INSERT INTO {index}({index}, rank) VALUES ('integrity-check', 1)")
            except sqlite3.DatabaseError as error:
                problems.append(f"{index}: {error}")
    return problems
