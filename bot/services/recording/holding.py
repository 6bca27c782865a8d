"""A live post the forum's `hold` rule holds (SPEC §3): recorded pending with its text,
removed from Discord (a New Post: its thread), the author told by DM with the text (a short
self-deleting notice in the thread when DMs are closed, as refusals do); it waits in
`/mod queue pending` until a moderator approves it (``bot/services/publishing.py``).

The record comes first, so the delete listeners (which only mark published posts and open
or closed topics deleted) leave it pending. When Discord will not let the bot remove it, the
post stays up as it stands: recorded published and flagged for `/mod queue` instead.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import discord

from bot import clock
from bot.domain import timeutil
from bot.domain.roles import ForumRole
from bot.i18n import _
from bot.services.holding import held_notice
from bot.services.recording.base import message_to_post, tag_names
from bot.services.recording.refusal import Refusals
from bot.storage import posts, reports, topics
from bot.storage.models import NewTopic, Recorded, Topic

log = logging.getLogger("bot.services.recording")


class Holding(Refusals):
    async def _hold(
        self,
        message: discord.Message,
        thread: discord.Thread,
        forum_id: int,
        topic: Topic | None,
        role: ForumRole,
        why: str,
    ) -> None:
        new = message_to_post(message, role=role, flag=why)  # the flag says why it waits
        starting = topic is None
        recorded: Recorded
        if starting:
            recorded = await self.db.write(
                posts.record_topic,
                NewTopic(
                    guild_id=new.guild_id,
                    forum_id=forum_id,
                    thread_id=thread.id,
                    title=thread.name,
                    tags=tag_names(thread),
                    opening=new,
                    status="pending",
                    recorded_at=timeutil.iso(clock.utcnow()),
                ),
            )
        else:
            assert topic is not None
            recorded = await self.db.write(posts.record_reply, topic.id, replace(new, status="pending"))
        if message.attachments and recorded.created:  # kept for an approval (served only once published)
            self.bot.attachments.offer(message, recorded.post.id)
        try:
            if starting:
                await thread.delete(reason="Threadkeeper: held for approval")
            else:
                await message.delete()
        except discord.HTTPException:
            log.warning("could not remove held message %s in thread %s", message.id, thread.id, exc_info=True)
            await self._keep_up(recorded, why)
            return
        await self._tell(
            message.author,
            thread,
            held_notice(why, recorded.post.number),
            text=message.content,
            title=thread.name if starting else None,
            attachments=message.attachments,
            held=True,
        )

    async def _keep_up(self, recorded: Recorded, why: str) -> None:
        """Discord kept the message: it is published as it stands and flagged for the moderators."""
        if recorded.post.is_opening:
            await self.db.write(topics.set_status, recorded.topic.id, "open")
        else:
            await self.db.write(posts.set_status, recorded.post.id, "publish")
        await self.db.write(
            reports.hold,
            guild_id=recorded.post.guild_id,
            post_id=recorded.post.id,
            reason=_("Held for approval ({why}), but Discord would not let me remove it.", why=why),
            now=recorded.post.created_at,
        )
