"""A thread changed in Discord's own interface — renamed, re-tagged, locked or unlocked,
archived or unarchived, pinned or unpinned — recorded as it happens and at catch-up
(the decisions: bot/domain/threadstate.py; deletions: edits.py).

A lock closes the topic and an unlock reopens it, audit-logged as by the member Discord's
audit log names (the bot needs View Audit Log), else as "in Discord". The bot's own locks
and unlocks are recorded by the paths that make them (bot/services/threadedits.py).
"""

from __future__ import annotations

import logging
from datetime import timedelta

import discord

from bot import clock
from bot.domain import timeutil
from bot.domain.threadstate import Changes, Held, Seen, reconcile
from bot.services import threadedits
from bot.services.recording.base import RecorderBase, tag_names
from bot.storage import audit, topics
from bot.storage.api import Connection
from bot.storage.models import Topic

log = logging.getLogger("bot.services.recording")
IN_DISCORD = "in Discord"
AUDIT_LOOKBACK = timedelta(minutes=2)
THREAD_ACTIONS = (discord.AuditLogAction.thread_update, discord.AuditLogAction.channel_update)


def _record(conn: Connection, topic: Topic, changes: Changes, actor: tuple[int, str] | None, now: str) -> None:
    topics.set_thread_state(
        conn, topic.id, title=changes.title, tags=changes.tags, sticky=changes.sticky, archived=changes.archived
    )
    # Another process hearing the same THREAD_UPDATE may have recorded it first: then no second entry.
    if changes.status is not None and topics.still_in_status(conn, topic.id, topic.status):
        topics.set_status(conn, topic.id, changes.status, now=now)
        audit.record(
            conn,
            guild_id=topic.guild_id,
            actor_id=actor[0] if actor else 0,
            actor_name=actor[1] if actor else IN_DISCORD,
            action="topic.close" if changes.status == "closed" else "topic.open",
            now=now,
            topic_id=topic.id,
            details={"in_discord": True},
        )


class ThreadStates(RecorderBase):
    async def on_thread_update(self, before: discord.Thread | None, after: discord.Thread) -> None:
        """A live THREAD_UPDATE of a registered forum's thread (``before``: None when it was not cached)."""
        if after.parent_id not in self.forum_ids:
            return
        async with self.lock(after.id):
            await self.reconcile_thread(after, was_pinned=before.flags.pinned if before is not None else None)

    async def on_raw_thread_update(self, payload: discord.RawThreadUpdateEvent) -> None:
        """An uncached thread (an archived one) changed: discord.py sends no on_thread_update."""
        if payload.thread is not None or payload.parent_id not in self.forum_ids:
            return
        guild = self.bot.get_guild(payload.guild_id)
        if guild is None:
            return
        await self.on_thread_update(None, discord.Thread(guild=guild, state=guild._state, data=payload.data))

    async def reconcile_thread(
        self, thread: discord.Thread, *, was_pinned: bool | None = None, topic: Topic | None = None
    ) -> bool:
        """Make the topic's record say what Discord shows of its thread; True when it changed.
        The caller holds the thread's lock (live) or runs the catch-up (which does), and may
        pass the topic it has just read."""
        if topic is None:
            topic = await self.db.run(topics.by_thread, thread.id)
        if topic is None or topic.status not in ("open", "closed"):
            return False
        parent = thread.parent
        seen = Seen(
            title=thread.name,
            tags=tag_names(thread),
            forum_tags=tuple(t.name for t in parent.available_tags) if isinstance(parent, discord.ForumChannel) else (),
            locked=thread.locked,
            archived=thread.archived,
            pinned=thread.flags.pinned,
        )
        held = Held(topic.title, topic.tags, topic.status, topic.sticky, topic.archived)
        by_bot = threadedits.by_the_bot(thread.id)
        changes = reconcile(held, seen, was_pinned=was_pinned, by_bot=by_bot)
        actor: tuple[int, str] | None = None
        if changes.status is not None:
            actor = await self._who_changed(thread)
            me = self.bot.user
            if actor is not None and me is not None and actor[0] == me.id:
                changes = reconcile(held, seen, was_pinned=was_pinned, by_bot=True)  # recorded by its own path
        if not changes:
            return False
        await self.db.transaction(_record, topic, changes, actor, timeutil.iso(clock.utcnow()))
        log.info("thread %s changed in Discord: %s", thread.id, changes)
        return True

    async def _who_changed(self, thread: discord.Thread) -> tuple[int, str] | None:
        """(id, name) of whoever lately locked (or unlocked) the thread as it is now, as Discord's
        audit log says; None when the bot may not read it or it names nobody."""
        guild = thread.guild
        if not guild.me.guild_permissions.view_audit_log:
            return None
        since = clock.utcnow() - AUDIT_LOOKBACK
        try:
            async for entry in guild.audit_logs(limit=25):
                if entry.created_at < since:
                    break
                target = entry.target
                locked = getattr(entry.after, "locked", None)
                if (
                    entry.action in THREAD_ACTIONS
                    and target is not None
                    and target.id == thread.id
                    and locked is thread.locked
                ):
                    user = entry.user
                    return (user.id, user.display_name) if user is not None else None
        except discord.HTTPException:
            log.info("could not read the audit log of %s", guild.id, exc_info=True)
        return None
