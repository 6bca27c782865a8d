"""Live messages: the bot's own check (role, closed topic, throttle), then record, hold or refuse."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import discord

from bot import clock
from bot.domain import timeutil
from bot.domain.forumrules import role_in_forum
from bot.domain.policy import check_post
from bot.services.access import decide_role, role_ids_of
from bot.services.holding import forum_hold, hold_reason
from bot.services.recording.base import CatchUpReport
from bot.services.recording.catchup import CatchUp
from bot.services.recording.holding import Holding
from bot.storage import kv, posts, topics
from bot.storage.errors import StorageUnavailable

if TYPE_CHECKING:
    pass

log = logging.getLogger("bot.services.recording")
CLAIMS_KEPT = timedelta(days=1)  # a gateway event is not delivered again after that


class LiveRecording(CatchUp, Holding):
    async def on_message(self, message: discord.Message) -> None:
        if not self._recordable(message) or not self.forum_ids:
            return
        thread = await self._thread_of(message)
        forum_id = self.forum_ids.get(thread.parent_id) if thread is not None else None
        if thread is None or forum_id is None or thread.is_private():
            return  # a private thread of a text-channel forum is not a topic
        assert message.guild is not None
        async with self.lock(thread.id):
            try:
                member = await self._member(message.guild, message.author)
                # The thread's topic and the author's stored role facts: one read (docs/performance.md).
                author = message.author.id
                read = (topics.posting_context, thread.id, message.guild.id, author, role_ids_of(member), forum_id)
                context = await self.db.run(*read)
                if context.retired:
                    return  # the old thread of a moved or merged topic
                if context.topic is None or thread.id not in self._synced:
                    # A thread we have not seen yet (adopt what came before this message), or
                    # one not yet reconciled since the bot came back (fill the downtime first).
                    await self._catch_up_thread(thread, forum_id, CatchUpReport(), before=message.id)
                    context = await self.db.run(*read)
                await self._record_live(message, thread, forum_id, context, member)
            except Exception:
                await self._unrecorded(message, thread)
                raise  # reported by the one failure path (ForumBot.on_error)

    async def on_thread_create(self, thread: discord.Thread) -> None:
        """Discord's *Create Thread* on a message of a text-channel forum: that message (in the
        channel, not the thread) opens the topic, checked like a forum post; the bot's own
        threads (/topic new, moves) are recorded by their command."""
        forum_id = self.forum_ids.get(thread.parent_id)
        me = self.bot.user
        if forum_id is None or not isinstance(thread.parent, discord.TextChannel) or me is None:
            return
        if thread.is_private():
            return
        if thread.owner_id == me.id:
            return
        async with self.lock(thread.id):
            starter = await self._starter(thread)
            if starter is None or not self._recordable(starter):
                return  # its first recordable reply opens the topic (as in the catch-up)
            member = await self._member(thread.guild, starter.author)
            read = (topics.posting_context, thread.id, thread.guild.id, starter.author.id, role_ids_of(member))
            context = await self.db.run(*read)
            if context.topic is not None or context.retired:
                return
            await self._record_live(starter, thread, forum_id, context, member)

    async def _unrecorded(self, message: discord.Message, thread: discord.Thread) -> None:
        """Recording failed (storage full or read-only, or worse): the message stays in Discord,
        unrecorded, and the next message in this thread (or the next catch-up) records it from
        the cursor kept here."""
        try:
            cursor = await self.db.run(posts.last_message_id, thread.id) or 0
        except StorageUnavailable:
            cursor = message.id - 1
        self._synced.discard(thread.id)
        self._gaps[thread.id] = min(cursor, self._gaps.get(thread.id, cursor))
        log.info("message %s in thread %s stays in Discord for the next catch-up", message.id, thread.id)

    async def _record_live(
        self,
        message: discord.Message,
        thread: discord.Thread,
        forum_id: int,
        context: topics.PostingContext,
        member: discord.Member | None,
    ) -> None:
        now = message.created_at
        topic, inputs = context.topic, context.inputs
        role = role_in_forum(decide_role(member, inputs, now), inputs.scope, forum_id)
        refusal = check_post(
            role=role,
            starting_topic=topic is None,
            topic_status=topic.status if topic else None,
            registration_open=inputs.registration_open,
            throttle_seconds=inputs.throttle_seconds,
            last_post_at=timeutil.parse(inputs.last_post_at),
            now=now,
            rules=context.rules,
        )
        if refusal is not None:
            if await self._first_to_act(message):
                await self._refuse(message, thread, forum_id, topic, role, refusal)
            return
        if not role.can_moderate:  # moderators are never held
            # The forum's rules come with the posting context where that read carries them.
            rules = getattr(context, "rules", None)
            hold = rules.hold if rules is not None else await forum_hold(self.db, forum_id)
            assert message.guild is not None
            why = await hold_reason(
                self.db, hold, role=role, text=message.content, guild_id=message.guild.id, user_id=message.author.id
            )
            if why is not None:
                if await self._first_to_act(message):
                    await self._hold(message, thread, forum_id, topic, role, why)
                return
        await self._record(message, thread, forum_id, topic, role)

    async def _first_to_act(self, message: discord.Message) -> bool:
        """Whether this process removes (or holds) the message and tells its author: the first
        to claim it in the database does, any other process that heard the same event does
        nothing (one DM, never a second removal taken for a failure). When the database cannot
        be written, this process acts anyway: enforcing twice beats not at all."""
        now = clock.utcnow()
        forget = timeutil.iso(now - CLAIMS_KEPT)
        try:
            return bool(await self.db.transaction(kv.claim_message, message.id, timeutil.iso(now), forget))
        except StorageUnavailable:
            return True
