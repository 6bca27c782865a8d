"""The storage seam: what repositories need from a connection, on either backend.

Repositories (``bot/storage/*.py``) are plain synchronous functions taking a
``Connection``: on SQLite the ``sqlite3.Connection`` itself (``SqliteConnection``, the
factory the SQLite ``Database`` opens it with), on PostgreSQL a thin adapter over a pooled
psycopg 3 connection (``bot.storage.postgres.connection.PgConnection``). Both give the same
calls: ``execute(sql, params)`` with ``?`` placeholders (or ``:name`` with a dict), then
``fetchone()`` / ``fetchall()`` / iteration / ``rowcount``; ``executemany``; rows that
index by position and by column name; and ``dialect`` ("sqlite" or "postgres").

Where the two SQL dialects differ (scalar MAX/GREATEST, index hints, case-insensitive
order, date arithmetic, the catalogue, the transaction's BEGIN) a repository asks
``dialect(conn)`` for the backend's helper module (``bot.storage.sqlite.dialect`` or
``bot.storage.postgres.dialect``): one small module per backend, never a copy of a
repository. Everything else is written once in SQL both understand (``INSERT ... ON
CONFLICT``, ``RETURNING``, ``COALESCE``, ``COUNT(*) FILTER``, aliased subqueries).

Both backends' ``Database`` classes offer the same asynchronous API (``Database``):
``run`` / ``transaction`` / ``write`` / ``submit`` / ``submit_bulk`` / ``flush`` /
``close`` and the health figures; ``bot.storage.create_database(settings)`` picks one.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

Params = Sequence[Any] | Mapping[str, Any]


class Row(Protocol):
    """A result row: ``row[0]`` and ``row["name"]``, iterable, sized."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...

    def keys(self) -> list[str]: ...


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """What a repository may call on its connection (both backends); its ``dialect``
    attribute is read with ``dialect_name()`` (a plain ``sqlite3.Connection`` has none)."""

    def execute(self, sql: str, parameters: Params = ..., /) -> Any: ...

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> Any: ...


class SqliteConnection(sqlite3.Connection):
    """``sqlite3.Connection`` that names its dialect (``sqlite3.connect(..., factory=SqliteConnection)``)."""

    dialect = "sqlite"


def dialect_name(conn: Any) -> str:
    """ "sqlite" or "postgres"; a plain ``sqlite3.Connection`` (tools, tests) is SQLite."""
    return getattr(conn, "dialect", "sqlite")


def dialect(conn: Any) -> ModuleType:
    """The backend's dialect helper module (same names in both; see the module doc)."""
    if dialect_name(conn) == "postgres":
        from bot.storage.postgres import dialect as pg

        return pg
    from bot.storage.sqlite import dialect as lite

    return lite


def atomically(conn: Any, fn: Callable[[Any], T]) -> T:
    """Run ``fn(conn)`` inside BEGIN / COMMIT (ROLLBACK on any error), on either backend.

    SQLite begins IMMEDIATE (the write lock at once, no upgrade deadlock); PostgreSQL a
    plain READ COMMITTED transaction (row locks are taken as rows are written).
    """
    conn.execute(dialect(conn).BEGIN)
    try:
        result = fn(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result


def _postgres_errors() -> tuple[type[Exception], ...]:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return ()
    return (psycopg.Error,)


# What a database call raises when the database itself failed (not a bug in the caller):
# ``except StorageError`` in code that must keep going on either backend.
PostgresError: tuple[type[Exception], ...] = _postgres_errors()
StorageError: tuple[type[Exception], ...] = (sqlite3.Error, *PostgresError)


class DatabaseUnavailable(Exception):
    """The configured database cannot be opened; ``str()`` is one line for the operator."""


@dataclass(frozen=True)
class StorageFacts:
    """What /forumadmin health shows about the database (bytes)."""

    where: str  # the file, or postgresql://host:port/database
    on_disk: int
    wal: int | None = None  # SQLite's write-ahead log file
    used: int | None = None  # SQLite: pages in use
    free: int | None = None  # SQLite: free pages inside the file


class Database(Protocol):
    """The asynchronous API both backends' ``Database`` offer (bot, CLI, archive, demo)."""

    readonly: bool
    batch_size: int
    commits: int

    @property
    def is_open(self) -> bool: ...

    @property
    def queue_depth(self) -> int: ...

    @property
    def backend(self) -> str: ...

    def describe(self) -> str: ...

    def reader(self) -> Database: ...

    async def open(self, *, migrate_schema: bool = True, batch_size: int = 100) -> None: ...

    async def close(self) -> None: ...

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T: ...

    async def transaction(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T: ...

    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T: ...

    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> asyncio.Future[T]: ...

    def submit_bulk(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> asyncio.Future[T]: ...

    async def flush(self) -> None: ...

    async def size_facts(self) -> StorageFacts: ...


def migration_files(package: str) -> list[tuple[int, str, str]]:
    """A backend's migrations: (number, file name, text) of every ``NNNN_name.sql`` in
    ``package``, in order. Two files with one number are a mistake a merge can make (each
    would be applied, one recorded): refused here, before anything runs."""
    from importlib import resources
    from itertools import pairwise

    found = []
    for entry in resources.files(package).iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    found.sort()
    for (number, first, _), (again, second, _) in pairwise(found):
        if number == again:
            raise RuntimeError(f"{package}: {first} and {second} have the same number")
    return found
