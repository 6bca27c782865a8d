"""Housekeeping: timed blocks lifted when they expire, idle topics closed (auto_close_days).

Two jobs of the scheduler (bot/services/scheduler.py), which sleeps until one is due.
All their state is stored, so they survive restarts: the first round after a start
catches up.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from bot.domain import timeutil
from bot.domain.roles import ForumRole
from bot.errors import UserFacingError
from bot.i18n import ngettext, speaking
from bot.services import moderation, overwrites, ownership
from bot.services.scheduler import AUTO_CLOSE, EXPIRIES, Job
from bot.services.translator import guild_locale
from bot.storage import audit, housekeeping, members

if TYPE_CHECKING:
    from bot.client import ForumBot
    from bot.storage.api import Database

log = logging.getLogger(__name__)
AUTO_CLOSE_BATCH = 20  # topics closed per run; a full batch runs again at once


class Housekeeper:
    def __init__(self, bot: ForumBot) -> None:
        self.bot = bot

    @property
    def db(self) -> Database:
        return self.bot.db

    def jobs(self) -> list[Job]:
        return [
            Job(EXPIRIES, self._next_expiry, self._lift),
            Job(AUTO_CLOSE, self._next_auto_close, self._close_idle),
        ]

    async def _next_expiry(self, since: datetime | None) -> datetime | None:
        return await self.db.run(members.next_expiry, since)

    async def _next_auto_close(self, since: datetime | None) -> datetime | None:
        return await self.db.run(housekeeping.next_auto_close, since)

    async def _lift(self, now: datetime) -> bool:
        await self.lift_expired(now)
        return False

    async def _close_idle(self, now: datetime) -> bool:
        closed, batch = await self.auto_close(now)
        return batch >= AUTO_CLOSE_BATCH and closed > 0

    async def lift_expired(self, now: datetime) -> int:
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

    async def auto_close(self, now: datetime) -> tuple[int, int]:
        """Close topics idle for the guild's auto_close_days (stickies exempt), reason stale.

        Returns (closed, looked at): at most AUTO_CLOSE_BATCH are looked at per call."""
        closed = 0
        me = self.bot.user
        name = me.display_name if me else "Threadkeeper"
        due = await self.db.run(housekeeping.auto_close_due, now, AUTO_CLOSE_BATCH, await ownership.claim(self.bot))
        for topic, days in due:
            guild = self.bot.get_guild(topic.guild_id)
            if guild is None:
                continue
            with speaking(guild_locale(guild)):  # a note in the thread: the server's language
                note = ngettext(
                    "Closed automatically: no new post for {count} day.",
                    "Closed automatically: no new post for {count} days.",
                    days,
                )
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
        return closed, len(due)
