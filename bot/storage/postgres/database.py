"""The PostgreSQL backend: a psycopg 3 connection pool, the shared writer, migrations.

The repositories are the same synchronous functions as on SQLite: ``run`` takes a pooled
connection in one of this database's worker threads, hands it to the function (as a
``PgConnection``, which speaks the repositories' ``?`` placeholders and named rows) and
gives the connection back. One thread hop per logical operation, as on SQLite; unlike
SQLite, reads, ``transaction`` calls and the writer's group commits run side by side on
different connections (up to ``max_size``), and other processes may write the same
database (shards, the command line).

Concurrency: numbers come from the guild's counter row, locked by ``UPDATE ... RETURNING``
until the transaction that uses them commits, so concurrent writers get unique, gapless
numbers. A job or transaction that loses a deadlock, or finds that another process
recorded the same Discord message first, runs again (``_transient``): its savepoint or
transaction was rolled back whole, so the retry sees the other's rows and records nothing
twice.

Migrations: ``migrations/NNNN_name.sql``, forward-only, each applied in one transaction and
recorded in ``schema_migrations``; concurrent starters wait on an advisory lock; a schema
newer than this code is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar

import psycopg
from psycopg import conninfo
from psycopg_pool import ConnectionPool, PoolTimeout

from bot.domain import timeutil
from bot.storage.api import DatabaseUnavailable, StorageFacts, atomically, migration_files
from bot.storage.errors import Reason, SchemaTooNew, StorageUnavailable
from bot.storage.postgres.connection import PgConnection
from bot.storage.writer import CATCHUP_PAGES, BoundJob, GroupWriter, Job, run_batch

log = logging.getLogger(__name__)
T = TypeVar("T")

MIGRATION_LOCK = 0x7468_6B70  # pg_advisory_lock key while migrating ("thkp")
ATTEMPTS = 3
# Settings of the bot's connections (docs/performance.md, "PostgreSQL beside SQLite"): the
# bot's statements are short, so no parallel workers (on the 1M-post forum the planner chose
# a parallel walk of 100,000 search vectors over the index intersection: 25,000 buffers
# against 10,600) and no JIT compiling (PG 15 compiles above a cost of 100,000: tens of ms).
SESSION_OPTIONS = "-c max_parallel_workers_per_gather=0 -c jit=off"
_TRANSIENT = ("40P01", "40001", "23505")  # deadlock, serialization failure, unique violation


def _migrations() -> list[tuple[int, str, str]]:
    return migration_files("bot.storage.postgres.migrations")


def latest_version() -> int:
    return max((v for v, _, _ in _migrations()), default=0)


def check_schema(conn: PgConnection) -> int:
    """The schema version, or ``SchemaTooNew`` when a newer Threadkeeper wrote it."""
    version, known = schema_version(conn), latest_version()
    if version > known:
        raise SchemaTooNew(version, known, where(conn.raw.info.dsn))
    return version


def schema_version(conn: PgConnection) -> int:
    """The newest migration recorded in the database (0: none, or no schema yet)."""
    if conn.raw.execute("SELECT to_regclass('schema_migrations')").fetchone()[0] is None:  # type: ignore[index]
        return 0
    row = conn.raw.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: PgConnection) -> list[str]:
    """Apply pending migrations, each in one transaction, recorded in ``schema_migrations``.

    Refuses (``SchemaTooNew``) a database whose schema is newer than this code's migrations.
    """
    raw = conn.raw
    raw.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
    try:
        raw.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        current = schema_version(conn)
        latest = latest_version()
        if current > latest:
            raise SchemaTooNew(current, latest, where(conn.raw.info.dsn))
        applied = []
        for version, name, script in _migrations():
            if version <= current:
                continue
            with raw.transaction():
                raw.execute(script)  # type: ignore[arg-type]  # no parameters: several statements at once
                raw.execute(
                    "INSERT INTO schema_migrations(version, name, applied_at) VALUES (%s, %s, %s)",
                    (version, name, timeutil.iso(datetime.now(UTC))),
                )
            applied.append(name)
        return applied
    finally:
        raw.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))


# What the migrations create besides tables (drop_schema removes them too).
_ROUTINES = ("topics_status_counts()", "posts_fts_sync()", "topics_fts_sync()", "threadkeeper_text(text)")


def drop_schema(conn: PgConnection) -> None:
    """Remove every table and routine of Threadkeeper's schema (the demo's reset); the
    extension unaccent stays."""
    from bot.storage.postgres.dialect import tables

    found = tables(conn)
    with conn.raw.transaction():
        if found:
            conn.raw.execute("DROP TABLE " + ", ".join(f'"{name}"' for name in sorted(found)) + " CASCADE")  # type: ignore[arg-type]
        for routine in _ROUTINES:
            conn.raw.execute(f"DROP FUNCTION IF EXISTS {routine} CASCADE")  # type: ignore[arg-type]
        conn.raw.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS threadkeeper")


def where(url: str) -> str:
    """``postgresql://user@host:port/database`` without the password, for messages."""
    try:
        parts = conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "PostgreSQL (an unreadable DATABASE_URL)"
    host = parts.get("host") or "localhost"
    port = parts.get("port") or "5432"
    user = f"{parts['user']}@" if parts.get("user") else ""
    return f"postgresql://{user}{host}:{port}/{parts.get('dbname') or parts.get('user') or ''}"


def unavailable(url: str, error: BaseException) -> DatabaseUnavailable:
    first = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return DatabaseUnavailable(f"Cannot open the database {where(url)}: {first}")


def _transient(error: BaseException) -> bool:
    return isinstance(error, psycopg.Error) and error.sqlstate in _TRANSIENT


class Database(GroupWriter):
    """The PostgreSQL backend (see the module doc); the same API as the SQLite ``Database``."""

    backend = "postgres"

    def __init__(self, url: str, *, readonly: bool = False, min_size: int = 1, max_size: int = 8) -> None:
        super().__init__()
        self.url = url
        self.readonly = readonly
        self.min_size = max(1, min_size)
        self.max_size = max(self.min_size, max_size)
        self._pool: ConnectionPool | None = None
        self._executor: ThreadPoolExecutor | None = None
        self.upkeep_steps = 0  # PostgreSQL vacuums on its own: no upkeep steps

    def describe(self) -> str:
        return where(self.url)

    def reader(self) -> Database:
        """Another read-only handle on the same database, with a small pool of its own (the
        archive's searches: they never take the connections pages read through)."""
        return Database(self.url, readonly=True, min_size=1, max_size=2)

    # ------------------------------------------------------------------ lifecycle
    async def open(self, *, migrate_schema: bool = True, batch_size: int = 100) -> None:
        self.batch_size = max(1, batch_size)
        self._closing = False
        loop = asyncio.get_running_loop()
        executor = ThreadPoolExecutor(max_workers=self.max_size, thread_name_prefix="threadkeeper-pg")
        options = SESSION_OPTIONS + (" -c default_transaction_read_only=on" if self.readonly else "")
        try:
            # One plain connection first: its error (refused, no such database, password) is
            # the one line the operator needs; the pool would only time out.
            probe = await loop.run_in_executor(executor, lambda: _probe(self.url, options))
            probe.close()
            pool = ConnectionPool(
                self.url,
                min_size=self.min_size,
                max_size=self.max_size,
                open=False,
                kwargs={"autocommit": True, "options": options},
                name="threadkeeper",
            )
            await loop.run_in_executor(executor, lambda: pool.open(wait=True, timeout=30))
        except (psycopg.Error, OSError, TimeoutError) as error:
            executor.shutdown(wait=False)
            raise unavailable(self.url, error) from None
        self._executor, self._pool = executor, pool
        if migrate_schema and not self.readonly:
            applied = await self.run(migrate)
            for name in applied:
                log.info("applied migration %s", name)

    async def close(self) -> None:
        if self._pool is not None:
            self._closing = True
            await self.flush()
            pool, executor = self._pool, self._executor
            self._pool = None
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(executor, pool.close)
            if executor is not None:
                executor.shutdown(wait=False)
            self._executor = None

    @property
    def is_open(self) -> bool:
        return self._pool is not None

    async def size_facts(self) -> StorageFacts:
        size = await self.run(lambda conn: conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])
        return StorageFacts(where=self.describe(), on_disk=int(size))

    # ------------------------------------------------------------------ connections
    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self._pool is None or self._executor is None:
            raise RuntimeError("database is not open")
        pool = self._pool

        def call() -> T:
            with pool.connection() as raw:
                return fn(PgConnection(raw), *args, **kwargs)

        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, call)
        except (psycopg.Error, PoolTimeout) as error:
            unavailable = as_unavailable(error)
            if unavailable is None:
                raise
            raise unavailable from error

    def _translate(self, error: BaseException) -> BaseException:
        return as_unavailable(error) or error

    async def transaction(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(conn, ...)`` atomically, now; run again when it lost a deadlock or a race
        for the same message to another writer (it was rolled back whole)."""

        def attempt(conn: PgConnection) -> T:
            for tries in range(ATTEMPTS):
                try:
                    return atomically(conn, lambda c: fn(c, *args, **kwargs))
                except psycopg.Error as error:
                    if tries + 1 < ATTEMPTS and _transient(error):
                        continue
                    raise
            raise AssertionError("unreachable")

        return await self.run(attempt)

    def _group(self, conn: Any, jobs: list[Job], live: int) -> tuple[list[tuple[bool, Any]], int]:
        return run_group(conn, jobs, live, self.yield_seconds, self._someone_waits), 0

    def _someone_waits(self) -> bool:
        # Readers use their own pooled connections: only live writes wait for the writer.
        return bool(self._queue)


def run_group(
    conn: PgConnection, jobs: list[Job], live: int, yield_seconds: float, someone_waits: Callable[[], bool]
) -> list[tuple[bool, Any]]:
    """The writer's group commit on PostgreSQL: the jobs in one transaction without a
    SAVEPOINT each (two round trips per job saved: a catch-up page is one statement,
    ``postgres/recording.py``). When a job fails, the transaction is rolled back whole and
    the group runs again as ``run_batch`` runs it, each job in its savepoint, so the failing
    job fails alone and the others are recorded, as before; a job may run twice then, as it
    may after a deadlock (``_transient``). Backlog jobs yield as in ``run_batch``.
    Consecutive catch-up pages (``posts.record_replies``) are sent together, up to
    ``PIPELINE_PAGES`` at a time (``_pipelined``), their answers read after."""
    outcomes: list[tuple[bool, Any]] = []
    started = time.perf_counter()
    raw = conn.raw
    raw.execute("BEGIN")
    try:
        index = 0
        while index < len(jobs):
            if index > live and time.perf_counter() - started >= yield_seconds and someone_waits():
                break
            pages = _pages_from(jobs, index)
            if len(pages) > 1:
                outcomes += _pipelined(conn, pages)
                index += len(pages)
            else:
                outcomes.append((True, jobs[index](conn)))
                index += 1
        raw.execute("COMMIT")
        return outcomes
    except Exception:
        with contextlib.suppress(Exception):
            raw.execute("ROLLBACK")
    except BaseException:
        with contextlib.suppress(Exception):
            raw.execute("ROLLBACK")
        raise
    return run_batch(conn, jobs, live, yield_seconds, someone_waits, retry=_transient)


# Catch-up pages sent together (psycopg's pipeline mode): each page is one statement
# (postgres/recording.py) that needs no other page's answer, so a group's pages go out
# back to back and their answers are read after, where each page waited for its answer
# before the next was sent (docs/performance.md, pg_record_ratio). The writer checks
# whether a backlog group should yield between two such runs.
PIPELINE_PAGES = 16


class _PageNeedsGeneralPath(Exception):
    """A pipelined page wrote nothing (numbers an import took, no guild row): the group runs
    again one job at a time, so that page takes the general path in its turn."""


def _pages_from(jobs: list[Job], start: int) -> list[tuple[list[Any], dict[str, Any]]]:
    """The catch-up pages (``writer.CATCHUP_PAGES`` jobs the one statement can record) from
    ``jobs[start]`` on, consecutive, at most ``PIPELINE_PAGES``: (page, parameters)."""
    from bot.storage.postgres import recording

    pages: list[tuple[list[Any], dict[str, Any]]] = []
    for job in jobs[start : start + PIPELINE_PAGES]:
        if not isinstance(job, BoundJob) or job.fn not in CATCHUP_PAGES or job.kwargs or len(job.args) != 2:
            break
        prepared = recording.page_params(job.args[0], job.args[1], CATCHUP_PAGES[job.fn])
        if prepared is None:
            break
        pages.append(prepared)
    return pages


def _pipelined(conn: PgConnection, pages: list[tuple[list[Any], dict[str, Any]]]) -> list[tuple[bool, Any]]:
    """Record these pages as ``posts.record_replies`` would, one after another, their
    statements sent before any answer is read; the same rows, numbers and counters."""
    from bot.storage.mention_names import remember_posts
    from bot.storage.postgres import recording

    for page, _params in pages:  # as record_replies does first (rolled back with the group)
        remember_posts(conn, page)
    outcomes: list[tuple[bool, Any]] = []
    with conn.raw.pipeline():
        cursors = []
        for _page, params in pages:
            cursor = conn.raw.cursor()
            cursor.execute(recording.PAGE_SQL, params)
            cursors.append(cursor)
        for (page, _params), cursor in zip(pages, cursors, strict=True):
            recorded = recording.finish_page(conn, page, cursor.fetchone())
            if recorded is None:
                raise _PageNeedsGeneralPath()
            outcomes.append((True, recorded))
    return outcomes


def _probe(url: str, options: str | None) -> psycopg.Connection[Any]:
    kwargs: dict[str, Any] = {"autocommit": True, "connect_timeout": 10}
    if options:
        kwargs["options"] = options
    return psycopg.connect(url, **kwargs)


def integrity_check(conn: PgConnection) -> list[str]:
    """Problems PostgreSQL would not catch itself: its constraints hold by construction, so
    this checks the schema version and the counters the code keeps."""
    problems = []
    version = schema_version(conn)
    if version != latest_version():
        problems.append(f"schema version {version}, this code expects {latest_version()}")
    if version:
        rows = conn.execute(
            "SELECT f.id FROM forums f WHERE f.open_count != (SELECT COUNT(*) FROM topics t WHERE t.forum_id = f.id "
            "AND t.status = 'open') OR f.closed_count != (SELECT COUNT(*) FROM topics t WHERE t.forum_id = f.id "
            "AND t.status = 'closed')"
        ).fetchall()
        problems += [f"forum {row[0]}: status counters differ from its topics" for row in rows]
    return problems


# PostgreSQL's SQLSTATEs that mean "the database cannot take the work now", and what they
# mean for StorageUnavailable: disk full, out of memory or files, a read-only transaction
# (a standby, or default_transaction_read_only), lock timeouts, the connection classes.
_UNAVAILABLE: dict[str, Reason] = {
    "53100": "full",  # disk_full
    "53200": "full",  # out_of_memory
    "53000": "full",  # insufficient_resources
    "25006": "read-only",  # read_only_sql_transaction
    "55P03": "locked",  # lock_not_available
    "08000": "unreachable",
    "08001": "unreachable",
    "08003": "unreachable",
    "08004": "unreachable",
    "08006": "unreachable",
    "57P01": "unreachable",  # admin_shutdown
    "57P03": "unreachable",  # cannot_connect_now
}


def as_unavailable(error: BaseException) -> StorageUnavailable | None:
    """``error`` as StorageUnavailable (caused by it) when it means the database cannot take
    the work now (server gone, full, read-only, pool exhausted); None for anything else."""
    reason: Reason | None = None
    if isinstance(error, PoolTimeout):
        reason = "unreachable"
    elif isinstance(error, psycopg.Error):
        reason = _UNAVAILABLE.get(error.sqlstate or "")
        if reason is None and error.sqlstate is None and isinstance(error, psycopg.OperationalError):
            reason = "unreachable"  # the connection broke before the server said why
    if reason is None:
        return None
    unavailable = StorageUnavailable(reason, str(error).strip().splitlines()[0] if str(error).strip() else "")
    unavailable.__cause__ = error
    return unavailable
