"""Housekeeping: timed blocks lifted when they expire, idle topics closed (auto_close_days).

All its state is stored, so it survives restarts: the first run after a start catches up.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord

from bot.domain import timeutil
from bot.domain.roles import ForumRole
from bot.errors import UserFacingError
from bot.services import moderation, overwrites, ownership
from bot.storage import audit, housekeeping, members

if TYPE_CHECKING:
    from bot.client import ForumBot
    from bot.storage.sqlite.database import Database

log = logging.getLogger(__name__)
HOUSEKEEPING_SECONDS = 60
AUTO_CLOSE_EVERY = timedelta(minutes=10)


class Housekeeper:
    def __init__(self, bot: ForumBot) -> None:
        self.bot = bot
        self._next_auto_close: datetime | None = None
        self.interval: float = HOUSEKEEPING_SECONDS
        self._task: asyncio.Task[None] | None = None

    @property
    def db(self) -> Database:
        return self.bot.db

    def start(self) -> None:
        self._task = asyncio.create_task(self._housekeeping_loop(), name="threadkeeper-housekeeping")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def run(self) -> None:
        """Lifts blocks that ran out and closes idle topics. All state is stored, so it
        survives restarts: the first run after a start catches up."""
        if not self.db.is_open or not self.bot.is_ready():
            return
        try:
            await self.lift_expired()
            now = discord.utils.utcnow()
            if self._next_auto_close is None or now >= self._next_auto_close:
                self._next_auto_close = now + AUTO_CLOSE_EVERY
                await self.auto_close()
        except Exception:
            log.exception("housekeeping failed")

    async def lift_expired(self) -> int:
        now = discord.utils.utcnow()
        lifted = 0
        touched: set[int] = set()
        for guild_id, user_id in await self.db.run(members.due_expiries, now, await ownership.claim(self.bot)):
            guild = self.bot.get_guild(guild_id)
            if guild is None:
                continue  # lifted when the guild is back, so its overwrites follow
            removed = await self.db.transaction(members.lift_expired, guild_id, user_id, now)
            if removed is None:
                continue
            lifted += 1
            touched.add(guild_id)
            me = self.bot.user
            await self.db.write(
                audit.record,
                guild_id=guild_id,
                actor_id=me.id if me else 0,
                actor_name=me.display_name if me else "Threadkeeper",
                action="member.unblock" if removed.role is ForumRole.BLOCKED else "member.role",
                now=timeutil.iso(now),
                target_user=user_id,
                reason="expired",
            )
        for guild_id in touched:
            guild = self.bot.get_guild(guild_id)
            if guild is not None:
                await overwrites.sync_guild(self.db, guild, reason="Threadkeeper: a timed block expired")
        return lifted

    async def auto_close(self) -> int:
        """Close topics idle for the guild's auto_close_days (stickies exempt), reason stale."""
        now = discord.utils.utcnow()
        closed = 0
        me = self.bot.user
        name = me.display_name if me else "Threadkeeper"
        for topic, days in await self.db.run(housekeeping.auto_close_due, now, 20, await ownership.claim(self.bot)):
            guild = self.bot.get_guild(topic.guild_id)
            if guild is None:
                continue
            note = f"Closed automatically: no new post for {days} day{'s' if days != 1 else ''}."
            try:
                await moderation.close_topic(self.db, guild, topic, actor_name=name, reason="stale", note=note)
            except UserFacingError as error:
                log.warning("auto-close of topic %s failed: %s", topic.id, error.message)
                continue
            closed += 1
            await self.db.write(
                audit.record,
                guild_id=topic.guild_id,
                actor_id=me.id if me else 0,
                actor_name=name,
                action="topic.close",
                now=timeutil.iso(now),
                topic_id=topic.id,
                reason="stale",
                details={"auto_close_days": days},
            )
        return closed

    async def _housekeeping_loop(self) -> None:
        # A plain sleep loop: it ends with this bot's database (shutdown, or a restart's new bot).
        while self.db.is_open:
            await asyncio.sleep(self.interval)
            await self.run()
