"""One aiosqlite connection, its pragmas and the single writer (migrations: ``schema.py``).

All SQL runs on aiosqlite's connection thread as plain functions that take the raw
``sqlite3.Connection``: one thread round trip per logical operation, not per statement.

- ``run(fn, ...)``: a read (or a write that manages its own transaction) in one hop.
- ``transaction(fn, ...)``: ``fn`` inside BEGIN IMMEDIATE/COMMIT, awaited at once
  (commands that must answer at once, e.g. ``/topic new``).
- ``write(fn, ...)``: queued to the single writer task, which runs queued jobs in
  groups of at most ``batch_size`` inside one transaction (each job in its own
  SAVEPOINT, so one failing job fails alone) and resolves each caller after COMMIT.
- ``submit_bulk(fn, ...)``: the same for backlog work (catch-up): live writes go first,
  and a group of backlog work ends early (after ``yield_seconds``) as soon as anyone
  else waits for the connection, so a command's latency stays bounded during a catch-up
  while an idle writer still commits in full groups.

Upkeep stays out of the commits members wait for (``bot.storage.sqlite.upkeep``): between
group commits the writer checkpoints the WAL and merges the search index, one short step
at a time: whenever its queues are empty and no caller waits, and, under a load that never
leaves it idle, when a step is overdue (``upkeep.next_step``), at most one step between two
group commits while a caller waits. A caller waits for one short step, never a long one.

Errors that mean the database cannot take writes now (full, read-only, locked past
``busy_timeout``, unreachable) come out of ``run``, ``transaction`` and the writer's futures
as ``bot.storage.errors.StorageUnavailable`` (SQLite's result code decides, ``as_unavailable``);
any other sqlite3 error (a constraint, a bug) stays what it is.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.storage.errors import Reason, StorageUnavailable
from bot.storage.sqlite import upkeep
from bot.storage.sqlite.schema import MigrationError as MigrationError
from bot.storage.sqlite.schema import SchemaTooNew as SchemaTooNew
from bot.storage.sqlite.schema import check_schema as check_schema
from bot.storage.sqlite.schema import check_schema_file as check_schema_file
from bot.storage.sqlite.schema import latest_version as latest_version
from bot.storage.sqlite.schema import migrate as migrate

log = logging.getLogger(__name__)
T = TypeVar("T")
Job = Callable[[sqlite3.Connection], Any]


class Database:
    def __init__(self, path: Path, *, readonly: bool = False, synchronous: str = "NORMAL") -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.synchronous = synchronous if synchronous in {"NORMAL", "FULL"} else "NORMAL"
        self._conn: aiosqlite.Connection | None = None
        self._queue: collections.deque[tuple[Job, asyncio.Future[Any]]] = collections.deque()
        self._bulk: collections.deque[tuple[Job, asyncio.Future[Any]]] = collections.deque()
        self._waiting = 0  # callers of run() waiting for the connection thread
        self.yield_seconds = 0.001
        self._writer: asyncio.Task[None] | None = None
        self.batch_size = 100
        self.commits = 0  # group commits done by the writer (for health and benchmarks)
        self._uncheckpointed = 0  # group commits since the last checkpoint
        self._merge_debt = 0  # rows changed since the search index last needed no merging
        self.upkeep_steps = 0  # idle checkpoints and merge steps done (for tests and benchmarks)
        self._closing = False  # close() waits for queued writes, not for upkeep
        self._stepped = False  # an upkeep step ran since the last group commit

    # ------------------------------------------------------------------ lifecycle
    async def open(self, *, migrate_schema: bool = True, batch_size: int = 100) -> None:
        self.batch_size = max(1, batch_size)
        self._closing = False
        if self.readonly:
            uri = f"file:{self.path.resolve()}?mode=ro"
            self._conn = await aiosqlite.connect(uri, uri=True, isolation_level=None)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = await aiosqlite.connect(self.path, isolation_level=None)
        await self.run(self._configure)
        try:
            await self.run(check_schema, self.path)
            if migrate_schema and not self.readonly:
                applied = await self.run(migrate)
                for name in applied:
                    log.info("applied migration %s", name)
        except BaseException:
            await self._conn.close()  # a refused schema leaves no open connection behind
            self._conn = None
            raise

    def _configure(self, conn: sqlite3.Connection) -> None:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=5000")
        if not self.readonly:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={self.synchronous}")
            conn.execute(f"PRAGMA wal_autocheckpoint={upkeep.AUTOCHECKPOINT_PAGES}")
            conn.execute(f"PRAGMA journal_size_limit={upkeep.WAL_KEEP_BYTES}")

    async def close(self) -> None:
        if self._conn is not None:
            self._closing = True
            await self.flush()
            await self._conn.close()  # the last connection to close checkpoints what is left
            self._conn = None

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    @property
    def queue_depth(self) -> int:
        return len(self._queue) + len(self._bulk)

    # ------------------------------------------------------------------ access
    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(conn, *args, **kwargs)`` on the connection thread."""
        self._waiting += 1
        try:
            return await self._call(fn, *args, **kwargs)
        finally:
            self._waiting -= 1

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self._conn is None:
            raise RuntimeError("database is not open")
        conn = self._conn
        try:
            # aiosqlite's _execute runs a callable on its connection thread: the one hop.
            return await conn._execute(lambda: fn(conn._conn, *args, **kwargs))  # type: ignore[no-any-return]
        except sqlite3.Error as error:
            unavailable = as_unavailable(error)
            if unavailable is None:
                raise
            raise unavailable from error

    async def transaction(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(conn, ...)`` atomically, now (not through the writer queue)."""
        return await self.run(atomically, _bind(fn, args, kwargs))

    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Queue ``fn(conn, ...)`` for the writer; returns its result after COMMIT."""
        return await self.submit(fn, *args, **kwargs)

    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> asyncio.Future[T]:
        """Queue a write now, in call order; the future resolves after its group's COMMIT."""
        return self._enqueue(self._queue, fn, args, kwargs)

    def submit_bulk(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> asyncio.Future[T]:
        """Queue backlog work (catch-up): after live writes, in groups that yield to waiting callers."""
        return self._enqueue(self._bulk, fn, args, kwargs)

    def _enqueue(
        self,
        queue: collections.deque[tuple[Job, asyncio.Future[Any]]],
        fn: Callable[..., T],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> asyncio.Future[T]:
        if self._conn is None:
            raise RuntimeError("database is not open")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        queue.append((_bind(fn, args, kwargs), future))
        # The writer runs only while there is something to write: no idle task.
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain(), name="threadkeeper-db-writer")
        return future

    async def flush(self) -> None:
        """Wait until every write queued so far has been committed."""
        if self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    def _someone_waits(self) -> bool:
        # Read on the connection thread: plain int and deque length reads are safe under the GIL.
        return self._waiting > 0 or bool(self._queue)

    async def _drain(self) -> None:
        while True:
            if self._queue:
                await self._write_group()
                continue
            await asyncio.sleep(0)  # callers just answered make their next call first
            if self._queue:
                continue
            caller = self._waiting > 0
            step = upkeep.next_step(
                since_checkpoint=self._uncheckpointed, merge_debt=self._merge_debt, busy=caller or bool(self._bulk)
            )
            if step is not None and not self._closing and not (caller and self._stepped):
                await self._upkeep(step)  # before more backlog; a caller waits for one step at most
            elif self._bulk:
                await self._write_group()
            else:
                return  # nothing to do, or not now: the next write's drain comes back to it

    async def _upkeep(self, step: upkeep.Step) -> None:
        """One short step of upkeep; a failure is logged and left for the next drain."""
        self.upkeep_steps += 1
        self._stepped = True
        try:
            if step == "checkpoint":
                self._uncheckpointed = 0
                await self._call(upkeep.checkpoint)
            elif await self._call(atomically, upkeep.merge_search_index):
                self._uncheckpointed += 1  # it wrote pages
                self._merge_debt = max(1, self._merge_debt - upkeep.MERGE_STEP_PAYS)  # 1: idle, merge on
            else:
                self._merge_debt = 0  # nothing left to merge
        except (sqlite3.Error, StorageUnavailable):
            log.warning("database upkeep (%s) failed; the next write tries again", step, exc_info=True)
            self._merge_debt = 0

    async def _write_group(self) -> None:
        """One group commit: the live writes queued (up to ``batch_size``), else backlog."""
        batch: list[tuple[Job, asyncio.Future[Any]]] = []
        live = 0
        while self._queue and len(batch) < self.batch_size:
            batch.append(self._queue.popleft())
            live += 1
        # A group with live writes carries no backlog: its callers wait for its COMMIT.
        while not live and self._bulk and len(batch) < self.batch_size:
            batch.append(self._bulk.popleft())
        jobs = [job for job, _ in batch]
        changes = 0
        try:
            outcomes, changes = await self._call(_run_group, jobs, live, self.yield_seconds, self._someone_waits)
        except Exception as error:  # the COMMIT itself failed: every job failed
            log.exception("group commit of %d writes failed", len(batch))
            outcomes = [(False, error)] * len(batch)
        self.commits += 1
        self._stepped = False
        self._uncheckpointed += 1
        self._merge_debt += changes
        # Backlog jobs the group yielded before go back to the front, in order.
        for item in reversed(batch[len(outcomes) :]):
            self._bulk.appendleft(item)
        for (_, future), (ok, value) in zip(batch, outcomes, strict=False):
            if future.done():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(as_unavailable(value) or value)


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


def _run_group(conn: sqlite3.Connection, jobs: list[Job], *args: Any) -> tuple[list[tuple[bool, Any]], int]:
    """``_run_batch`` and the number of rows it changed (what the search index's merging owes)."""
    before = conn.total_changes
    outcomes = _run_batch(conn, jobs, *args)
    return outcomes, conn.total_changes - before


def _run_batch(
    conn: sqlite3.Connection,
    jobs: list[Job],
    live: int | None = None,
    yield_seconds: float = 0.0,
    someone_waits: Callable[[], bool] | None = None,
) -> list[tuple[bool, Any]]:
    """Run ``jobs`` in one transaction; backlog jobs (after the first ``live``) stop early
    once ``yield_seconds`` have passed and ``someone_waits()``. Returns the outcomes of
    the jobs that ran, in order."""
    outcomes: list[tuple[bool, Any]] = []
    live = len(jobs) if live is None else live
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    try:
        for index, job in enumerate(jobs):
            if (
                index > live
                and someone_waits is not None
                and time.perf_counter() - started >= yield_seconds
                and someone_waits()
            ):
                break
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


# SQLite's primary result codes (the low byte of an extended code) that mean "the database
# cannot take writes now", and what they mean for StorageUnavailable.
_UNAVAILABLE: dict[int, Reason] = {
    13: "full",  # SQLITE_FULL
    8: "read-only",  # SQLITE_READONLY (a read-only file or mount, PRAGMA query_only)
    5: "locked",  # SQLITE_BUSY: another connection kept its lock past busy_timeout
    6: "locked",  # SQLITE_LOCKED
    10: "unreachable",  # SQLITE_IOERR
    14: "unreachable",  # SQLITE_CANTOPEN
}
# Errors raised without a result code (older drivers) are recognised by SQLite's own words.
_WORDS: tuple[tuple[str, Reason], ...] = (
    ("disk is full", "full"),
    ("readonly database", "read-only"),
    ("database is locked", "locked"),
    ("disk i/o error", "unreachable"),
    ("unable to open database", "unreachable"),
)


def unavailable_reason(error: BaseException) -> Reason | None:
    """Why ``error`` (a sqlite3 error) means the database cannot take writes now, or None."""
    if not isinstance(error, sqlite3.Error):
        return None
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int) and code >= 0:
        return _UNAVAILABLE.get(code & 0xFF)
    text = str(error).lower()
    return next((reason for words, reason in _WORDS if words in text), None)


def as_unavailable(error: BaseException) -> StorageUnavailable | None:
    """``error`` as StorageUnavailable (caused by it) when it means the database cannot take
    writes now; None for any other error (a bug, a constraint), which stays what it is."""
    reason = unavailable_reason(error)
    if reason is None:
        return None
    unavailable = StorageUnavailable(reason, str(error))
    unavailable.__cause__ = error
    return unavailable


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
