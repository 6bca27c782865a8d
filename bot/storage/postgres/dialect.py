"""PostgreSQL's spelling of what differs between the backends (``bot.storage.api.dialect``).

The same names as ``bot.storage.sqlite.dialect``.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def insert_rows(
    conn: Any, table: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]], returning: str
) -> list[Any]:
    """Insert ``rows`` (values in the order of ``columns``: (name, PostgreSQL type)) in one
    INSERT from one array per column (``unnest``), in their order; the ``returning`` columns
    of each row made. The statement's text is the same for any number of rows, so psycopg
    prepares it once and the server plans it once; a multi-row VALUES list is a new statement
    for each length, parsed and planned every time (the catch-up's pages: 2.3 times slower
    than a prepared insert per row)."""
    names = ", ".join(name for name, _ in columns)
    arrays = ", ".join(f"?::{kind}[]" for _, kind in columns)
    return list(
        conn.execute(
            f"INSERT INTO {table}({names}) SELECT {names} FROM unnest({arrays}) WITH ORDINALITY "
            f"AS page({names}, position) ORDER BY position RETURNING {returning}",
            [list(column) for column in zip(*rows, strict=True)],
        ).fetchall()
    )


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
    status is in ``visible``, its forum's post count and latest post. One statement (SQLite
    runs three): the voices' INSERT and the topic's UPDATE are data-modifying CTEs, whose
    RETURNING rows the next part reads."""
    conn.execute(
        "WITH voices AS (INSERT INTO topic_voices(topic_id, author_id) SELECT ?, unnest(?::bigint[]) "
        "ON CONFLICT DO NOTHING RETURNING author_id), "
        "topic AS (UPDATE topics SET reply_count = reply_count + ?, "
        "voice_count = voice_count + (SELECT COUNT(*) FROM voices), "
        "last_post_number = CASE WHEN ? >= last_post_at THEN ? ELSE last_post_number END, "
        "last_post_at = GREATEST(last_post_at, ?) WHERE id = ? RETURNING forum_id, status) "
        "UPDATE forums SET post_count = post_count + ?, last_post_at = GREATEST(COALESCE(last_post_at, ''), ?) "
        "FROM topic WHERE forums.id = topic.forum_id AND topic.status = ANY(?::text[])",
        (
            topic_id,
            list(authors),
            published,
            last_at,
            last_number,
            last_at,
            topic_id,
            published,
            last_at,
            list(visible),
        ),
    )


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


# ---------------------------------------------------------------- the catalogue (db copy)
SNAPSHOT = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"  # one snapshot until COMMIT

# Tables this backend keeps itself: the record of applied migrations, and the search
# vectors (migration 0002), filled by triggers as posts and topics arrive.
_INTERNAL = {"schema_migrations", "posts_fts", "topics_fts"}
_FTS = {"posts_fts": "posts", "topics_fts": "topics"}


def internal_tables(conn: Any) -> set[str]:
    return _INTERNAL & tables(conn)


def columns(conn: Any, table: str) -> list[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = ? ORDER BY ordinal_position",
        (table,),
    )
    return [row[0] for row in rows]


def primary_key(conn: Any, table: str) -> list[str]:
    rows = conn.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = to_regclass(?) AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)",
        (f'"{table}"',),
    )
    return [row[0] for row in rows]


def references(conn: Any, table: str) -> list[tuple[str, str, str]]:
    rows = conn.execute(
        "SELECT a.attname, r.relname, ra.attname FROM pg_constraint c "
        "JOIN pg_class r ON r.oid = c.confrelid "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1] "
        "WHERE c.contype = 'f' AND c.conrelid = to_regclass(?)",
        (f'"{table}"',),
    )
    return [(row[0], row[1], row[2]) for row in rows]


def _sequences(conn: Any) -> list[tuple[str, str, str]]:
    """(table, column, sequence) of every identity or serial column."""
    rows = conn.execute(
        "SELECT table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), column_name) "
        "FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')"
    )
    return [(row[0], row[1], row[2]) for row in rows if row[2]]


def id_positions(conn: Any) -> dict[str, tuple[str, int]]:
    """The last id each identity column's sequence gave (0: none yet)."""
    found = {}
    for table, column, sequence in _sequences(conn):
        row = conn.execute(f"SELECT last_value, is_called FROM {sequence}").fetchone()
        found[table] = (column, int(row[0]) if row[1] else 0)
    return found


def set_id_position(conn: Any, table: str, column: str, position: int) -> bool:
    """Make ``table``'s sequence give ids after ``position`` (setval)."""
    if position > 0:
        conn.execute("SELECT setval(pg_get_serial_sequence(?, ?), ?, true)", (f'"{table}"', column, position))
    else:
        conn.execute("SELECT setval(pg_get_serial_sequence(?, ?), 1, false)", (f'"{table}"', column))
    return True


def clear(conn: Any, names: list[str]) -> None:
    """Empty ``names`` and the search vectors, ids restarting, in the caller's transaction."""
    every = sorted(set(names) | (set(_FTS) & tables(conn)))
    conn.execute("TRUNCATE " + ", ".join(f'"{name}"' for name in every) + " RESTART IDENTITY")


def after_bulk_load(conn: Any) -> None:
    """Statistics for the planner now, not when autovacuum gets to it."""
    conn.execute("ANALYZE")


def index_problems(conn: Any) -> list[str]:
    """Search vectors missing for a post or a topic (the triggers fill one per row)."""
    problems = []
    for index, table in _FTS.items():
        if index in tables(conn):
            rows, vectors = (int(conn.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0]) for name in (table, index))
            if rows != vectors:
                problems.append(f"{index}: {vectors} search vectors for {rows} {table}")
    return problems
