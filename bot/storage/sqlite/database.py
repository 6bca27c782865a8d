"""One aiosqlite connection, its pragmas and upkeep (migrations: ``schema.py``).

All SQL runs on aiosqlite's connection thread as plain functions that take the raw
``sqlite3.Connection`` (``SqliteConnection``, which names its dialect): one thread round
trip per logical operation, not per statement. ``run`` / ``transaction`` / ``write`` /
``submit`` / ``submit_bulk`` and the group commit are the shared ``bot.storage.writer``
(the PostgreSQL backend has the same API); this module adds the connection, its pragmas,
SQLite's migrations and upkeep.

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

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.storage.api import SqliteConnection, StorageFacts, atomically
from bot.storage.errors import Reason, StorageUnavailable
from bot.storage.sqlite import upkeep
from bot.storage.sqlite.schema import MigrationError as MigrationError
from bot.storage.sqlite.schema import SchemaTooNew as SchemaTooNew
from bot.storage.sqlite.schema import check_schema as check_schema
from bot.storage.sqlite.schema import check_schema_file as check_schema_file
from bot.storage.sqlite.schema import latest_version as latest_version
from bot.storage.sqlite.schema import migrate as migrate
from bot.storage.writer import GroupWriter, Job, run_batch

__all__ = ["Database", "atomically", "integrity_check", "migrate"]

log = logging.getLogger(__name__)
T = TypeVar("T")


class Database(GroupWriter):
    """The SQLite backend: one aiosqlite connection (its thread runs every repository call)."""

    backend = "sqlite"

    def __init__(self, path: Path, *, readonly: bool = False, synchronous: str = "NORMAL") -> None:
        super().__init__()
        self.path = Path(path)
        self.readonly = readonly
        self.synchronous = synchronous if synchronous in {"NORMAL", "FULL"} else "NORMAL"
        self._conn: aiosqlite.Connection | None = None
        self._uncheckpointed = 0  # group commits since the last checkpoint
        self._merge_debt = 0  # rows changed since the search index last needed no merging
        self.upkeep_steps = 0  # idle checkpoints and merge steps done (for tests and benchmarks)

    def describe(self) -> str:
        return str(self.path)

    def reader(self) -> Database:
        """Another read-only connection to the same file (the archive's searches: a long one
        never holds the connection pages read through)."""
        return Database(self.path, readonly=True)

    # ------------------------------------------------------------------ lifecycle
    async def open(self, *, migrate_schema: bool = True, batch_size: int = 100) -> None:
        self.batch_size = max(1, batch_size)
        self._closing = False
        if self.readonly:
            uri = f"file:{self.path.resolve()}?mode=ro"
            self._conn = await aiosqlite.connect(uri, uri=True, isolation_level=None, factory=SqliteConnection)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = await aiosqlite.connect(self.path, isolation_level=None, factory=SqliteConnection)
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

    async def size_facts(self) -> StorageFacts:
        """For /forumadmin health: the file, its WAL and its pages."""
        used, free = await self.run(size_info)
        wal = _file_size(self.path.with_name(self.path.name + "-wal"))
        return StorageFacts(where=str(self.path), on_disk=_file_size(self.path), wal=wal, used=used, free=free)

    # ------------------------------------------------------------------ the connection thread
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

    def _translate(self, error: BaseException) -> BaseException:
        return as_unavailable(error) or error

    def _group(self, conn: Any, jobs: list[Job], live: int) -> tuple[list[tuple[bool, Any]], int]:
        return _run_group(conn, jobs, live, self.yield_seconds, self._someone_waits)

    # ------------------------------------------------------------------ upkeep between commits
    def _next_upkeep(self, *, caller: bool) -> upkeep.Step | None:
        return upkeep.next_step(
            since_checkpoint=self._uncheckpointed, merge_debt=self._merge_debt, busy=caller or bool(self._bulk)
        )

    def _group_committed(self, changes: int) -> None:
        self._uncheckpointed += 1
        self._merge_debt += changes

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


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _run_group(conn: sqlite3.Connection, jobs: list[Job], *args: Any) -> tuple[list[tuple[bool, Any]], int]:
    """``run_batch`` and the number of rows it changed (what the search index's merging owes)."""
    before = conn.total_changes
    outcomes = run_batch(conn, jobs, *args)
    return outcomes, conn.total_changes - before


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
