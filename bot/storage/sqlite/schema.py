"""The schema: numbered migrations applied by a runner that owns each one's transaction,
and the refusal of a schema newer than this code (docs/operations.md, "Upgrades")."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from bot.storage.api import migration_files
from bot.storage.errors import SchemaTooNew

# Versions that must never be used again. The list of shipped migrations is pinned by
# tests/storage/test_migrations.py: a migration, once shipped, is never deleted, renamed or
# renumbered; a change is a new, higher-numbered migration (docs/operations.md, "Upgrades").
RETIRED_VERSIONS = {
    5: "never shipped: no release or commit ever held a 0005 (the number was skipped)",
    10: "0010_reading_outline shipped in 9567f8d and was deleted in d6c478f; databases migrated "
    "in between are at version 10 with its wide posts_topic index, which 0011 replaces",
}


class MigrationError(Exception):
    """A migration file the runner will not apply as it is (the runner owns the transaction)."""


def _migrations() -> list[tuple[int, str, str]]:
    return migration_files("bot.storage.sqlite.migrations")


def latest_version() -> int:
    return max((v for v, _, _ in _migrations()), default=0)


_LEADING_COMMENTS = re.compile(r"\A(?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/)*", re.S)
_TRANSACTION_CONTROL = re.compile(
    r"(?:BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b|PRAGMA\s+(?:\w+\s*\.\s*)?user_version\b", re.I
)


def statements(script: str, name: str = "script") -> list[str]:
    """The script's statements, one by one (``sqlite3.complete_statement`` decides where one ends,
    so a trigger's ``BEGIN ... END;`` stays whole). A migration carries no transaction control
    and does not set ``user_version``: the runner does both (``MigrationError`` otherwise)."""
    found: list[str] = []
    start = 0
    for index, char in enumerate(script):
        if char == ";" and sqlite3.complete_statement(script[start : index + 1]):
            found.append(script[start : index + 1])
            start = index + 1
    rest = _LEADING_COMMENTS.sub("", script[start:])
    if rest:
        raise MigrationError(f"{name}: the last statement does not end with a semicolon: {rest[:60]!r}")
    kept = []
    for statement in found:
        head = _LEADING_COMMENTS.sub("", statement)
        if head in ("", ";"):
            continue
        if _TRANSACTION_CONTROL.match(head):
            raise MigrationError(
                f"{name}: {head.split(None, 1)[0].rstrip(';')} is the runner's: a migration holds "
                "schema statements only (the runner begins, sets user_version and commits)"
            )
        kept.append(head.strip())
    return kept


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_schema(conn: sqlite3.Connection, where: object = "the database") -> int:
    """The schema version, or ``SchemaTooNew`` when a newer Threadkeeper wrote it."""
    version = schema_version(conn)
    known = latest_version()
    if version > known:
        raise SchemaTooNew(version, known, where)
    return version


def check_schema_file(path: Path) -> int | None:
    """``check_schema`` of a database file, read-only; None when there is no file yet."""
    if not Path(path).exists():
        return None
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        return check_schema(conn, path)
    finally:
        conn.close()


def migrate(
    conn: sqlite3.Connection, migrations: list[tuple[int, str, str]] | None = None, *, where: object = "the database"
) -> list[str]:
    """Apply the pending migrations, each in one transaction that the runner owns.

    For each file: BEGIN IMMEDIATE, its statements one by one, ``PRAGMA user_version = N``,
    COMMIT; on any failure ROLLBACK, so the schema and ``user_version`` stay as they were
    (SQLite's DDL is transactional). ``executescript`` is not used: it commits whatever is
    pending before it runs, which would split a migration's transaction. Refuses a schema
    newer than the code knows (``SchemaTooNew``).
    """
    known = _migrations() if migrations is None else migrations
    current = schema_version(conn)
    latest = max((v for v, _, _ in known), default=0)
    if current > latest:
        raise SchemaTooNew(current, latest, where)
    if conn.in_transaction:
        raise MigrationError("migrate() needs a connection with no transaction open")
    applied = []
    for version, name, script in known:
        if version <= current:
            continue
        body = statements(script, name)  # checked before anything runs
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in body:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {int(version)}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        current = version
        applied.append(name)
    return applied
