"""One scheduler for the bot's timed work: it sleeps until something is due.

Each job (timed blocks that run out, idle topics to close, subscription digests) says
when its next piece of work is due, read from the database; the scheduler sleeps until
the earliest of those moments, runs what is due, and plans again. An idle bot does no
work, and a simulated clock (simcord's ``advance_time``) jumps straight to the next due
moment instead of stepping minute by minute.

What may make a job due sooner than planned calls ``poke``: a timed block, a changed
setting, a reopened topic, a new post (the digest), a catch-up, a fresh READY. A sleep
never lasts longer than ``CAP``, so a change nobody announced (or a clock that jumped)
is found within the hour.

A job's ``next_due(since)`` returns the earliest moment *after* ``since`` (its last run)
at which something becomes due, or None. Work that was due at or before its last run
and still left (a guild that was unavailable, a thread Discord would not lock) waits
for the next poke (a guild coming back, a READY) instead of waking the bot again and
again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot import clock, failures

if TYPE_CHECKING:
    from bot.client import ForumBot

log = logging.getLogger(__name__)

CAP = timedelta(hours=1)  # the longest sleep
RETRY = timedelta(minutes=1)  # after a job failed to plan or run

# The jobs' names, for poke().
EXPIRIES = "expiries"  # timed blocks and roles (bot/services/housekeeping.py)
AUTO_CLOSE = "auto-close"  # idle topics (bot/services/housekeeping.py)
DIGEST = "digest"  # subscription DMs (cogs/subscriptions.py)


@dataclass(frozen=True)
class Job:
    name: str
    next_due: Callable[[datetime | None], Awaitable[datetime | None]]
    """The earliest moment after the given one (None: any moment) when work is due."""
    run: Callable[[datetime], Awaitable[bool]]
    """Do what is due at this moment; True when a batch limit left more for now."""


@dataclass
class _State:
    job: Job
    since: datetime | None = None  # the last run: what was due then is done
    asked: datetime | None = None  # a poke: run at this moment whatever the database says


class Scheduler:
    def __init__(self, bot: ForumBot) -> None:
        self.bot = bot
        self._jobs: dict[str, _State] = {}
        self._task: asyncio.Task[None] | None = None
        self._nap: asyncio.Future[None] | None = None
        self._wake_at: datetime | None = None  # while asleep: when the nap ends
        self._poked = False
        self.rounds = 0  # every time it woke and looked (tests assert it stays idle)
        self.runs: dict[str, int] = {}  # job name -> how many times it ran

    # ------------------------------------------------------------------ jobs
    def add(self, job: Job) -> None:
        """A new job runs at the next round (it may have work from before a restart)."""
        self._jobs[job.name] = _State(job)
        self.poke(job.name)

    def remove(self, name: str) -> None:
        self._jobs.pop(name, None)

    def poke(self, name: str | None = None, *, at: datetime | None = None) -> None:
        """Job ``name`` (every job when None) should run at ``at`` (now when None).

        Cheap: when the moment is not sooner than the planned wake-up, nothing wakes.
        """
        moment = at if at is not None else clock.utcnow()
        states: Iterable[_State] = self._jobs.values()
        if name is not None:
            states = [self._jobs[name]] if name in self._jobs else []
        for state in states:
            if state.asked is None or moment < state.asked:
                state.asked = moment
        if self._wake_at is None or moment < self._wake_at:
            self._poked = True
            if self._nap is not None and not self._nap.done():
                self._nap.cancel()

    # ------------------------------------------------------------------ life
    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._loop(), name="threadkeeper-scheduler")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _loop(self) -> None:
        # It ends with this bot's database (shutdown, or a restart's new bot).
        while self.bot.db.is_open:
            self._poked = False
            wake_at = await self.round()
            if self._poked:
                await asyncio.sleep(0)  # poked while the round ran: look again at once
            else:
                await self._sleep_until(wake_at)

    async def round(self) -> datetime:
        """Run every job that is due; returns when the next one will be (at most CAP ahead)."""
        now = clock.utcnow()
        self.rounds += 1
        wake_at = now + CAP
        if not self.bot.is_ready():
            return wake_at  # READY pokes every job
        for state in list(self._jobs.values()):
            due = await self._due(state, now)
            if due is not None and due <= now:
                await self._run(state, now)
                due = await self._due(state, now)
            if due is not None and due < wake_at:
                wake_at = due
        return wake_at

    async def _due(self, state: _State, now: datetime) -> datetime | None:
        try:
            due = await state.job.next_due(state.since)
        except Exception as error:  # tried again in a minute
            await failures.report(self.bot, error, where=f"planning the {state.job.name} job")
            due = now + RETRY
        if state.asked is not None and (due is None or state.asked < due):
            return state.asked
        return due

    async def _run(self, state: _State, now: datetime) -> None:
        name = state.job.name
        self.runs[name] = self.runs.get(name, 0) + 1
        try:
            more = await state.job.run(now)
        except Exception as error:  # tried again in a minute
            await failures.report(self.bot, error, where=f"{name} job")
            more = False
            state.asked = now + RETRY
        state.since = now
        if state.asked is not None and state.asked <= now:
            state.asked = None
        if more:
            state.asked = now  # a full batch: the rest at once, after the other jobs

    async def _sleep_until(self, wake_at: datetime) -> None:
        delay = (wake_at - clock.utcnow()).total_seconds()
        if delay <= 0:
            await asyncio.sleep(0)
            return
        self._wake_at = wake_at
        # A sleep in its own task, so poke() can end it early; gather() hands back its
        # cancellation as a result, while cancelling this loop still cancels both.
        self._nap = asyncio.ensure_future(asyncio.sleep(delay))
        try:
            await asyncio.gather(self._nap, return_exceptions=True)
        finally:
            self._nap = None
            self._wake_at = None
