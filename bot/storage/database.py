"""One aiosqlite connection, its pragmas, migrations and the single writer.

All SQL runs on aiosqlite's connection thread as plain functions that take the raw
``sqlite3.Connection``: one thread round trip per logical operation, not per statement.

- ``run(fn, ...)``: a read (or a write that manages its own transaction) in one hop.
- ``transaction(fn, ...)``: ``fn`` inside BEGIN IMMEDIATE/COMMIT, awaited at once
  (commands that must answer at once, e.g. ``/topic new``).
- ``write(fn, ...)``: queued to the single writer task, which runs queued jobs in
  groups of at most ``batch_size`` inside one transaction (each job in its own
  SAVEPOINT, so one failing job fails alone) and resolves each caller after COMMIT.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import sqlite3
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

log = logging.getLogger(__name__)
T = TypeVar("T")
Job = Callable[[sqlite3.Connection], Any]


def _migrations() -> list[tuple[int, str, str]]:
    found = []
    for entry in resources.files("bot.storage.migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def latest_version() -> int:
    return max((v for v, _, _ in _migrations()), default=0)


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply pending migrations; each file is one transaction written into the script."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    applied = []
    for version, name, script in _migrations():
        if version <= current:
            continue
        try:
            conn.executescript(script)
        except Exception:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        if conn.execute("PRAGMA user_version").fetchone()[0] != version:
            raise RuntimeError(f"migration {name} did not set user_version to {version}")
        applied.append(name)
    return applied


class Database:
    def __init__(self, path: Path, *, readonly: bool = False, synchronous: str = "NORMAL") -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.synchronous = synchronous if synchronous in {"NORMAL", "FULL"} else "NORMAL"
        self._conn: aiosqlite.Connection | None = None
        self._queue: collections.deque[tuple[Job, asyncio.Future[Any]]] = collections.deque()
        self._writer: asyncio.Task[None] | None = None
        self.batch_size = 100
        self.commits = 0  # group commits done by the writer (for health and benchmarks)

    # ------------------------------------------------------------------ lifecycle
    async def open(self, *, migrate_schema: bool = True, batch_size: int = 100) -> None:
        self.batch_size = max(1, batch_size)
        if self.readonly:
            uri = f"file:{self.path.resolve()}?mode=ro"
            self._conn = await aiosqlite.connect(uri, uri=True, isolation_level=None)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = await aiosqlite.connect(self.path, isolation_level=None)
        await self.run(self._configure)
        if migrate_schema and not self.readonly:
            applied = await self.run(migrate)
            for name in applied:
                log.info("applied migration %s", name)

    def _configure(self, conn: sqlite3.Connection) -> None:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=5000")
        if not self.readonly:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={self.synchronous}")

    async def close(self) -> None:
        if self._conn is not None:
            await self.flush()
            await self._conn.close()
            self._conn = None

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    @property
    def queue_depth(self) -> int:
        return len(self._queue)

    # ------------------------------------------------------------------ access
    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(conn, *args, **kwargs)`` on the connection thread."""
        if self._conn is None:
            raise RuntimeError("database is not open")
        conn = self._conn
        # aiosqlite's _execute runs a callable on its connection thread: the one hop.
        return await conn._execute(lambda: fn(conn._conn, *args, **kwargs))  # type: ignore[no-any-return]

    async def transaction(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(conn, ...)`` atomically, now (not through the writer queue)."""
        return await self.run(atomically, _bind(fn, args, kwargs))

    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Queue ``fn(conn, ...)`` for the writer; returns its result after COMMIT."""
        return await self.submit(fn, *args, **kwargs)

    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> asyncio.Future[T]:
        """Queue a write now, in call order; the future resolves after its group's COMMIT."""
        if self._conn is None:
            raise RuntimeError("database is not open")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append((_bind(fn, args, kwargs), future))
        # The writer runs only while there is something to write: no idle task.
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain(), name="threadkeeper-db-writer")
        return future

    async def flush(self) -> None:
        """Wait until every write queued so far has been committed."""
        if self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def _drain(self) -> None:
        while self._queue:
            batch: list[tuple[Job, asyncio.Future[Any]]] = []
            while self._queue and len(batch) < self.batch_size:
                batch.append(self._queue.popleft())
            try:
                outcomes = await self.run(_run_batch, [job for job, _ in batch])
            except Exception as error:  # the COMMIT itself failed: every job failed
                log.exception("group commit of %d writes failed", len(batch))
                outcomes = [(False, error)] * len(batch)
            self.commits += 1
            for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)


def _bind(fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Callable[[sqlite3.Connection], T]:
    """``fn`` with its arguments bound after the connection."""
    return lambda conn: fn(conn, *args, **kwargs)


def atomically(conn: sqlite3.Connection, fn: Callable[..., T]) -> T:
    """Run ``fn(conn)`` inside BEGIN IMMEDIATE / COMMIT (ROLLBACK on any error)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result


def _run_batch(conn: sqlite3.Connection, jobs: list[Job]) -> list[tuple[bool, Any]]:
    outcomes: list[tuple[bool, Any]] = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        for job in jobs:
            conn.execute("SAVEPOINT job")
            try:
                outcomes.append((True, job(conn)))
                conn.execute("RELEASE job")
            except Exception as error:
                conn.execute("ROLLBACK TO job")
                conn.execute("RELEASE job")
                outcomes.append((False, error))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return outcomes


_UNWRITABLE = ("disk is full", "readonly database", "read-only", "disk i/o error", "unable to open database")


def is_unwritable(error: BaseException) -> bool:
    """True for SQLite errors meaning "nothing can be written now" (disk full, read-only, I/O)."""
    return isinstance(error, sqlite3.OperationalError | sqlite3.DatabaseError) and any(
        marker in str(error).lower() for marker in _UNWRITABLE
    )


STORAGE_UNAVAILABLE = (
    "The forum cannot save anything right now: its storage is full or read-only. "
    "Nothing was posted or changed; please try again later. The keymasters can see this in `/forumadmin health`."
)


def integrity_check(conn: sqlite3.Connection) -> list[str]:
    """Problems found by SQLite's integrity and foreign-key checks (empty when healthy)."""
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        problems = [row[0] for row in rows if row[0] != "ok"]
        problems += [
            f"foreign key violation in {row[0]} rowid {row[1]}"
            for row in conn.execute("PRAGMA foreign_key_check").fetchall()
        ]
    except sqlite3.DatabaseError as error:  # too damaged to even run the checks
        return [str(error)]
    return problems


def size_info(conn: sqlite3.Connection) -> tuple[int, int]:
    """(pages in use x page size, free pages x page size) of the main database."""
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    return pages * page_size, free * page_size
