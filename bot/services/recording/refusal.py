"""A post the bot's own check refused: removed, and its author told why with their text back
(a short in-thread notice when their DMs are closed). One that cannot be removed is held."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

import discord

from bot.domain.policy import Refusal
from bot.domain.roles import ForumRole
from bot.domain.text import split_text
from bot.services.recording.base import RecorderBase
from bot.storage.models import Topic

if TYPE_CHECKING:
    pass

log = logging.getLogger("bot.services.recording")
NOTICE_SECONDS = 15


class Refusals(RecorderBase):
    async def _refuse(
        self,
        message: discord.Message,
        thread: discord.Thread,
        forum_id: int,
        topic: Topic | None,
        role: ForumRole,
        refusal: Refusal,
    ) -> None:
        starting = topic is None
        try:
            if starting:
                await thread.delete(reason=f"Threadkeeper: {refusal.reason}")
            else:
                await message.delete()
        except discord.HTTPException:
            log.warning("could not remove refused message %s in thread %s", message.id, thread.id, exc_info=True)
            # The message stays in Discord: record it as it stands, held for moderators.
            await self._record(message, thread, forum_id, topic, role, flag=refusal.reason)
            await self._tell(
                message.author,
                thread,
                f"{refusal.reason} Your post stays up for now and is held for the moderators.",
                text=None,
            )
            return
        await self._tell(
            message.author,
            thread,
            refusal.reason,
            text=message.content,
            title=thread.name if starting else None,
            attachments=message.attachments,
        )

    async def _tell(
        self,
        user: discord.User | discord.Member,
        thread: discord.Thread,
        reason: str,
        *,
        text: str | None,
        title: str | None = None,
        attachments: Iterable[discord.Attachment] = (),
        fate: str = "was removed",
    ) -> None:
        """DM the member why (and their text back); a short notice in the thread if DMs are closed."""
        where = f"**{thread.name}**" if title is None else "the forum"
        lines = [reason]
        if text is not None:
            lines.append(f"Your post in {where} {fate}. Here is what you wrote, so nothing is lost:")
        try:
            await user.send("\n".join(lines))
            if text is not None:
                original = (f"Title: {title}\n\n" if title else "") + text
                links = "\n".join(a.url for a in attachments)
                for chunk in split_text((original + ("\n" + links if links else "")).strip() or "(no text)"):
                    await user.send(chunk)
            return
        except discord.HTTPException:
            pass
        if title is not None:
            return  # the thread itself is gone: nowhere to leave a notice
        try:
            await thread.send(
                f"{user.mention} {reason} (Your direct messages are closed, so I could not send your text back.)",
                delete_after=NOTICE_SECONDS,
                allowed_mentions=discord.AllowedMentions(users=[discord.Object(user.id)]),
            )
        except discord.HTTPException:
            log.warning("could not notify %s in thread %s", user.id, thread.id, exc_info=True)
