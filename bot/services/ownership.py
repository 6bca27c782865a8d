"""Whose once-per-guild work is it? ``owns(bot, guild_id)``.

Some work must happen once per guild however many processes share the database: the
catch-up after a fresh READY, subscription digests, lifting expired blocks, auto-closing
idle topics, the owner's storage alert. It is done by the process that

1. runs the guild's shard, ``(guild_id >> 22) % shard_count`` (discord.py's formula: Discord
   sends that guild's events to that shard only), and
2. holds that shard's lease in the database (bot/storage/leases.py), so that two processes
   running the same shard (two unsharded bots on one database by mistake, or a replacement
   started before the old process stopped) do the work once, not twice.

A lease lasts LEASE_SECONDS and is renewed every RENEW_SECONDS (by a small loop, and by any
round of once-per-guild work that finds it due: ``await claim(bot)``). A process that stops
cleanly releases its leases; one that dies loses them when they run out, and the process
that takes a lease (at start, or over from another) dispatches ``forum_shards_gained``, so its
catch-up and digests run for the guilds it just took on. Live recording and commands need no lease: a guild's
events reach only the processes running its shard, recording is idempotent, and refusing or
holding a live post is claimed per message in the database (kv.claim_message), so two
processes hearing the same message tell its author once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot import clock
from bot.domain import timeutil
from bot.domain.shards import NO_SHARDS, Shards
from bot.storage import leases

if TYPE_CHECKING:
    from bot.client import ForumBot

log = logging.getLogger(__name__)
LEASE_SECONDS = 300.0
RENEW_SECONDS = 100.0  # renewals are attempted at most this often (a held lease gets three chances)
SKEW = timedelta(seconds=10)  # a lease is not used in its last seconds: clocks of two hosts may differ this much
GAINED_EVENT = "forum_shards_gained"  # listeners: on_forum_shards_gained(shards: Shards)
_TOKEN = secrets.token_hex(4)  # one per process: a restarted bot object in the same process keeps its leases


def process_name() -> str:
    """``hostname pid 1234``: what /forumadmin health and the logs call this process."""
    return f"{socket.gethostname()} pid {os.getpid()}"


def holder_id() -> str:
    """This process in the leases table: hostname, pid and a random token (pids repeat across hosts)."""
    return f"{socket.gethostname()}:{os.getpid()}:{_TOKEN}"


class Ownership:
    """This process's shards and the leases it holds on them."""

    def __init__(self, bot: ForumBot) -> None:
        self.bot = bot
        self.holder = holder_id()
        self.held: dict[int, datetime] = {}  # shard id -> when its lease runs out (as renewed last)
        self.count: int | None = None  # the shard count ``held`` was taken for
        self.others: frozenset[int] = frozenset()  # shards whose lease another process held at the last renewal
        self.last_error: str | None = None
        self.renew_every = timedelta(seconds=RENEW_SECONDS)
        self._attempted: datetime | None = None
        self._claimed = False
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._renewal: asyncio.Task[Shards] | None = None

    def running(self) -> Shards | None:
        """The shards this process runs; None before it connects (discord.py may pick the count then)."""
        count = self.bot.shard_count
        if not count:
            return None
        ids = self.bot.shard_ids if self.bot.shard_ids is not None else range(count)
        return Shards(count, frozenset(ids))

    def owned(self, *, best_effort: bool = False) -> Shards:
        """The shards whose once-per-guild work is this process's now.

        ``best_effort`` counts every shard it runs unless the database said, at the last
        renewal it answered, that another process holds its lease (the owner's storage alert:
        when the database cannot be written nobody can renew, and the owner must still hear).
        """
        running = self.running()
        if running is None:
            return NO_SHARDS
        if best_effort:
            return Shards(running.count, running.ids - self.others)
        if running.count != self.count:
            return NO_SHARDS
        limit = clock.utcnow() + SKEW
        return Shards(
            running.count, frozenset(k for k, until in self.held.items() if k in running.ids and until > limit)
        )

    def owns(self, guild_id: int, *, best_effort: bool = False) -> bool:
        return self.owned(best_effort=best_effort).holds(guild_id)

    async def claim(self) -> Shards:
        """Take or renew this process's leases (at most once per RENEW_SECONDS); the shards it owns now."""
        running = self.running()
        if running is None:
            return NO_SHARDS
        gained: frozenset[int] = frozenset()
        async with self._lock:
            now = clock.utcnow()
            due = self._attempted is None or self.count != running.count or now - self._attempted >= self.renew_every
            if due and self.bot.db.is_open:
                gained = await self._renew(running, now)
        if gained:
            self.bot.dispatch(GAINED_EVENT, Shards(running.count, gained))
        return self.owned()

    async def _renew(self, running: Shards, now: datetime) -> frozenset[int]:
        names = {leases.lease_name(k, running.count): k for k in sorted(running.ids)}
        until = now + timedelta(seconds=LEASE_SECONDS)
        try:
            taken = await self.bot.db.transaction(
                leases.take, list(names), self.holder, timeutil.iso(now), timeutil.iso(until)
            )
        except Exception as error:
            self.last_error = f"lease renewal failed: {type(error).__name__}: {error}"
            log.warning("could not renew the shard leases: %s", error)
            return frozenset()
        self._attempted = now
        before = set(self.held) if self.count == running.count else set()
        self.count = running.count
        self.held = {names[name]: until for name in taken}
        self.others = frozenset(running.ids - set(self.held))
        self.last_error = None
        gained, lost = set(self.held) - before, before - set(self.held)
        first, self._claimed = not self._claimed, True
        missing = self.others
        if missing and (first or lost):
            log.warning(
                "shard(s) %s: another process holds the lease, so it does their once-per-guild work "
                "(is the same shard running twice?)",
                ", ".join(str(k) for k in sorted(missing)),
            )
        if gained and not first:
            log.info("took over the lease of shard(s) %s", ", ".join(str(k) for k in sorted(gained)))
        return frozenset(gained)

    def start(self) -> None:
        """Renew the leases in the background (from the first READY on, while the database is open)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._renew_loop(), name="threadkeeper-leases")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def release(self) -> None:
        """Give the leases up (a clean shutdown): another process may take them at once."""
        self.stop()
        if not self.held or not self.bot.db.is_open:
            return
        try:
            await self.bot.db.transaction(leases.release, self.holder)
        except Exception:
            log.warning("could not release the shard leases; they run out in %.0f s", LEASE_SECONDS)
        self.held = {}

    async def _renew_loop(self) -> None:
        # Each renewal is a task of its own that ends, so this loop only ever waits on its sleep
        # (a simulated clock then skips over it without waiting on the database).
        while self.bot.db.is_open:
            await asyncio.sleep(self.renew_every.total_seconds())
            if self.bot.is_ready() and (self._renewal is None or self._renewal.done()):
                self._renewal = asyncio.create_task(self.claim(), name="threadkeeper-lease-renewal")


def ownership_of(bot: Any) -> Ownership | None:
    found = getattr(bot, "ownership", None)
    return found if isinstance(found, Ownership) else None


def owns(bot: Any, guild_id: int, *, best_effort: bool = False) -> bool:
    """True when the once-per-guild work of ``guild_id`` is this process's (its shard, its lease)."""
    ownership = ownership_of(bot)
    return ownership is not None and ownership.owns(guild_id, best_effort=best_effort)


def owned(bot: Any) -> Shards:
    """The shards whose once-per-guild work is this process's now (no database call)."""
    ownership = ownership_of(bot)
    return NO_SHARDS if ownership is None else ownership.owned()


async def claim(bot: Any) -> Shards:
    """Renew the leases if due; the shards whose once-per-guild work is this process's now."""
    ownership = ownership_of(bot)
    return NO_SHARDS if ownership is None else await ownership.claim()
