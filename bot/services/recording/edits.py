"""Edits, deletes and thread deletions, from raw events (uncached messages are never missed)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot import clock
from bot.domain import timeutil
from bot.services.recording.base import RecorderBase, cached_names
from bot.storage import attachments as attachments_repo
from bot.storage import posts, topics

if TYPE_CHECKING:
    pass

log = logging.getLogger("bot.services.recording")


class EditRecording(RecorderBase):
    async def on_raw_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        content = payload.data.get("content")
        remaining = payload.data.get("attachments")
        if (
            (content is None and remaining is None)
            or payload.guild_id is None
            or not self._may_hold_posts(payload.guild_id, payload.channel_id)
            or self._sent_by_bot(payload.data)
        ):
            return
        edited = payload.data.get("edited_timestamp") or timeutil.iso(clock.utcnow())
        # Discord lets a member remove attachments in an edit (never add): the record and the
        # kept copies lose them, in the same write as the text's edit.
        urls = None if remaining is None else [str(a.get("url", "")) for a in remaining]

        mentioned = cached_names(self.bot.get_guild(payload.guild_id), content) if content is not None else ()

        def record(conn: Any) -> attachments_repo.Trimmed | None:
            trimmed = attachments_repo.trim(conn, payload.message_id, urls) if urls is not None else None
            if content is not None:
                posts.record_edit(conn, payload.message_id, content, edited, mentioned=mentioned)
            return trimmed

        trimmed = await self.db.write(record)
        if trimmed is not None:  # their files leave the disk; the ones left are kept again
            await self.bot.attachments.removed(trimmed, dict(payload.data))

    async def on_raw_delete(self, guild_id: int, channel_id: int, message_ids: list[int]) -> None:
        if self._may_hold_posts(guild_id, channel_id):
            await self.db.write(posts.mark_deleted, message_ids)

    def _sent_by_bot(self, data: Any) -> bool:
        """The bot's or its webhook's message: Edit post recorded its edit already (the message
        holds the attribution line besides the text), and notices are not posts."""
        author = data.get("author") or {}
        user = self.bot.user
        return data.get("webhook_id") is not None or (user is not None and str(author.get("id")) == str(user.id))

    def _may_hold_posts(self, guild_id: int, channel_id: int) -> bool:
        """False for a channel known not to be a forum's thread (a text channel, a thread of
        one) nor a text-channel forum: its edits and deletes cost no write. Unknown channels (an archived thread out
        of the cache) are looked up in the records."""
        guild = self.bot.get_guild(guild_id)
        channel = guild.get_channel_or_thread(channel_id) if guild is not None else None
        if channel is None or channel_id in self.forum_ids:
            return True  # a text-channel forum's messages include its topics' starter messages
        if not isinstance(channel, discord.Thread):
            return False
        return isinstance(channel.parent, discord.ForumChannel | None) or channel.parent_id in self.forum_ids

    async def on_thread_delete(self, thread_id: int) -> None:
        await self.db.write(topics.mark_thread_deleted, thread_id)
