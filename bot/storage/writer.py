"""The group-commit writer both backends' ``Database`` share.

- ``run(fn, ...)``: a read (or a write that manages its own transaction) in one hop to the
  backend's thread.
- ``transaction(fn, ...)``: ``fn`` inside BEGIN/COMMIT, awaited at once (commands that must
  answer at once, e.g. ``/topic new``).
- ``write(fn, ...)``: queued to the single writer task, which runs queued jobs in groups of
  at most ``batch_size`` inside one transaction (each job in its own SAVEPOINT, so one
  failing job fails alone) and resolves each caller after COMMIT.
- ``submit_bulk(fn, ...)``: the same for backlog work (catch-up): live writes go first, and
  a group of backlog work ends early (after ``yield_seconds``) as soon as anyone else waits,
  so a command's latency stays bounded during a catch-up while an idle writer still commits
  in full groups.

A backend supplies ``_call`` (run a function on a connection, off the event loop),
``_transaction_job`` / ``_group`` (how its transactions begin and retry), and optionally
upkeep between group commits (``_next_upkeep`` / ``_upkeep``: SQLite's checkpoints and
search-index merges; PostgreSQL has none, its server vacuums on its own).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from bot.storage.api import atomically, dialect

log = logging.getLogger(__name__)
T = TypeVar("T")
Job = Callable[[Any], Any]


class GroupWriter:
    """Queues, the writer task and the group commit; the backend's connection is a hook."""

    def __init__(self) -> None:
        self._queue: collections.deque[tuple[Job, asyncio.Future[Any]]] = collections.deque()
        self._bulk: collections.deque[tuple[Job, asyncio.Future[Any]]] = collections.deque()
        self._waiting = 0  # callers of run() waiting for the connection
        self.yield_seconds = 0.001
        self._writer: asyncio.Task[None] | None = None
        self.batch_size = 100
        self.commits = 0  # group commits done by the writer (for health and benchmarks)
        self._closing = False  # close() waits for queued writes, not for upkeep
        self._stepped = False  # an upkeep step ran since the last group commit

    # ------------------------------------------------------------------ hooks
    @property
    def is_open(self) -> bool:
        raise NotImplementedError

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        raise NotImplementedError

    def _group(self, conn: Any, jobs: list[Job], live: int) -> tuple[list[tuple[bool, Any]], int]:
        """Run one group of jobs in one transaction: (outcomes, rows changed)."""
        return run_batch(conn, jobs, live, self.yield_seconds, self._someone_waits), 0

    def _next_upkeep(self, *, caller: bool) -> Any:
        return None  # no upkeep unless the backend has some

    async def _upkeep(self, step: Any) -> None:
        return None

    def _group_committed(self, changes: int) -> None:
        return None

    def _translate(self, error: BaseException) -> BaseException:
        """A failed job's error as callers see it (the backend's StorageUnavailable, say)."""
        return error

    # ------------------------------------------------------------------ access
    @property
    def queue_depth(self) -> int:
        return len(self._queue) + len(self._bulk)

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(conn, *args, **kwargs)`` on a connection, off the event loop."""
        self._waiting += 1
        try:
            return await self._call(fn, *args, **kwargs)
        finally:
            self._waiting -= 1

    async def transaction(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(conn, ...)`` atomically, now (not through the writer queue)."""
        return await self.run(atomically, bind(fn, args, kwargs))

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
        if not self.is_open:
            raise RuntimeError("database is not open")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        queue.append((bind(fn, args, kwargs), future))
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
            step = self._next_upkeep(caller=caller)
            if step is not None and not self._closing and not (caller and self._stepped):
                self._stepped = True
                await self._upkeep(step)  # before more backlog; a caller waits for one step at most
            elif self._bulk:
                await self._write_group()
            else:
                return  # nothing to do, or not now: the next write's drain comes back to it

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
            outcomes, changes = await self._call(self._group, jobs, live)
        except Exception as error:  # the COMMIT itself failed: every job failed
            log.exception("group commit of %d writes failed", len(batch))
            outcomes = [(False, error)] * len(batch)
        self.commits += 1
        self._stepped = False
        self._group_committed(changes)
        # Backlog jobs the group yielded before go back to the front, in order.
        for item in reversed(batch[len(outcomes) :]):
            self._bulk.appendleft(item)
        for (_, future), (ok, value) in zip(batch, outcomes, strict=False):
            if future.done():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(self._translate(value))


# Functions that record one catch-up page in one statement on PostgreSQL, with the topic
# statuses whose forum counts them (``posts.record_replies`` registers itself): the
# PostgreSQL writer sends consecutive such jobs together (``postgres/database.run_group``).
CATCHUP_PAGES: dict[Callable[..., Any], tuple[str, ...]] = {}


class BoundJob:
    """``fn`` with its arguments bound after the connection: a job, called with the
    connection. Its parts stay readable (PostgreSQL pipelines a group's catch-up pages:
    ``postgres/database.run_group``)."""

    __slots__ = ("args", "fn", "kwargs")

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.fn, self.args, self.kwargs = fn, args, kwargs

    def __call__(self, conn: Any) -> Any:
        return self.fn(conn, *self.args, **self.kwargs)


def bind(fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Callable[[Any], T]:
    """``fn`` with its arguments bound after the connection."""
    return BoundJob(fn, args, kwargs)


def run_batch(
    conn: Any,
    jobs: list[Job],
    live: int | None = None,
    yield_seconds: float = 0.0,
    someone_waits: Callable[[], bool] | None = None,
    retry: Callable[[BaseException], bool] | None = None,
) -> list[tuple[bool, Any]]:
    """Run ``jobs`` in one transaction, each in its own SAVEPOINT; backlog jobs (after the
    first ``live``) stop early once ``yield_seconds`` have passed and ``someone_waits()``.
    A job whose error ``retry`` calls transient (PostgreSQL: a deadlock, another process
    recorded the same message first) runs again from its savepoint, up to three times.
    Returns the outcomes of the jobs that ran, in order."""
    outcomes: list[tuple[bool, Any]] = []
    live = len(jobs) if live is None else live
    started = time.perf_counter()
    conn.execute(dialect(conn).BEGIN)
    try:
        for index, job in enumerate(jobs):
            if (
                index > live
                and someone_waits is not None
                and time.perf_counter() - started >= yield_seconds
                and someone_waits()
            ):
                break
            for attempt in range(3):
                conn.execute("SAVEPOINT job")
                try:
                    result = job(conn)
                    conn.execute("RELEASE job")
                except Exception as error:
                    conn.execute("ROLLBACK TO job")
                    conn.execute("RELEASE job")
                    if retry is not None and attempt < 2 and retry(error):
                        continue
                    outcomes.append((False, error))
                else:
                    outcomes.append((True, result))
                break
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(Exception):  # no transaction left (SQLite ends one on some errors)
            conn.execute("ROLLBACK")
        raise
    return outcomes
