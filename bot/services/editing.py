"""Editing and removing a post's Discord messages for the Edit post / Delete post menus.

A post the bot sent on a member's behalf is one message of the bot or of its webhook (moves,
restores, imports), plus the continuation messages of a long post. Its first line is the
attribution header ("`#12` **Name** · *Role*"), which an edit keeps; the text after it is
split again, continuation messages are edited in place, extra ones sent and surplus ones
deleted. When Discord refuses, what was already changed is put back and the error is raised:
the caller records nothing.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence

import discord

from bot.domain.text import split_text
from bot.errors import UserFacingError
from bot.i18n import _, speaking
from bot.services.posting import NO_MENTIONS
from bot.services.translator import guild_locale
from bot.storage.models import Post
from bot.storage.purge import Purged

log = logging.getLogger(__name__)


def sent_by_bot(message: discord.Message, bot_user_id: int) -> bool:
    """The bot or its webhook sent this message (not the member themselves)."""
    return message.webhook_id is not None or message.author.id == bot_user_id


async def _webhook(thread: discord.Thread, webhook_id: int) -> discord.Webhook | None:
    parent = thread.parent
    if not isinstance(parent, discord.ForumChannel):
        return None
    for hook in await parent.webhooks():
        if hook.id == webhook_id and hook.token:
            return hook
    return None


class _Sender:
    """Edits, sends and deletes messages as whoever sent the post's first message."""

    def __init__(self, thread: discord.Thread, hook: discord.Webhook | None, post: Post) -> None:
        self.thread, self.hook, self.post = thread, hook, post

    def _partial(self, message_id: int) -> discord.PartialMessage:
        parent = self.thread.parent
        if message_id == self.thread.id and isinstance(parent, discord.TextChannel):
            return parent.get_partial_message(message_id)  # a text-channel forum's starter: in the channel
        return self.thread.get_partial_message(message_id)

    async def edit(self, message_id: int, content: str) -> None:
        if self.hook is not None:
            await self.hook.edit_message(message_id, content=content, thread=self.thread, allowed_mentions=NO_MENTIONS)
        else:
            await self._partial(message_id).edit(content=content, allowed_mentions=NO_MENTIONS)

    async def send(self, content: str) -> int:
        if self.hook is not None:
            member = self.thread.guild.get_member(self.post.author_id)
            sent = await self.hook.send(
                content,
                username=self.post.author_name[:80] or "Anonymous",
                avatar_url=member.display_avatar.url if member is not None else None,
                thread=self.thread,
                wait=True,
                allowed_mentions=NO_MENTIONS,
            )
            return sent.id
        return (await self.thread.send(content, allowed_mentions=NO_MENTIONS)).id

    async def delete(self, message_id: int) -> None:
        try:
            if self.hook is not None:
                await self.hook.delete_message(message_id, thread=self.thread)
            else:
                await self._partial(message_id).delete()
        except discord.NotFound:
            pass  # already gone


async def _sender(thread: discord.Thread, message: discord.Message, post: Post) -> _Sender:
    hook = None
    if message.webhook_id is not None:
        hook = await _webhook(thread, message.webhook_id)
        if hook is None:
            raise UserFacingError(
                _(
                    "The webhook that sent post #{number} is gone, so its message can no longer be changed.",
                    number=post.number,
                )
            )
    return _Sender(thread, hook, post)


def new_chunks(message: discord.Message, post: Post, text: str) -> list[str]:
    """The post's messages after the edit: its header line kept, the text (and the links of
    its attachments, as a repost shows them) split again."""
    header = message.content.split("\n", 1)[0]
    links = "\n".join(a.get("url", "") for a in post.attachments if a.get("url"))
    body = (text + "\n" + links).strip() if links else text
    return split_text(f"{header}\n{body}")


async def rewrite(thread: discord.Thread, message: discord.Message, post: Post, text: str) -> tuple[int, ...]:
    """Edit the post's messages to ``text``; the continuation ids afterwards. Raises
    discord.HTTPException (with the messages as they were) when Discord refuses."""
    sender = await _sender(thread, message, post)
    chunks = new_chunks(message, post, text)
    old = list(post.continuations)
    before = message.content
    await sender.edit(message.id, chunks[0])
    kept: list[int] = []
    sent: list[int] = []
    try:
        for index, chunk in enumerate(chunks[1:]):
            if index < len(old):
                await sender.edit(old[index], chunk)
                kept.append(old[index])
            else:
                sent.append(await sender.send(chunk))
    except discord.HTTPException:
        await _undo(sender, message.id, before, sent)
        raise
    for surplus in old[len(chunks) - 1 :]:
        try:
            await sender.delete(surplus)
        except discord.HTTPException:
            log.info("surplus continuation %s of #%s could not be removed", surplus, post.number)
    return (*kept, *sent)


async def _undo(sender: _Sender, message_id: int, before: str, sent: Sequence[int]) -> None:
    try:
        await sender.edit(message_id, before)
        for message_id in sent:
            await sender.delete(message_id)
    except discord.HTTPException:
        log.warning("could not undo a refused edit of #%s", sender.post.number, exc_info=True)


async def remove(thread: discord.Thread, message: discord.Message, post: Post) -> None:
    """Delete the post's messages (its own and its continuations); raises when Discord refuses
    the first one."""
    if sent_by_bot(message, thread.guild.me.id):
        sender = await _sender(thread, message, post)
        await sender.delete(message.id)
        for continuation in post.continuations:
            try:
                await sender.delete(continuation)
            except discord.HTTPException:
                log.info("continuation %s of #%s could not be removed", continuation, post.number)
    else:
        with contextlib.suppress(discord.NotFound):
            await message.delete()


async def remove_purged(guild: discord.Guild, purged: Sequence[Purged]) -> int:
    """Best effort after a purge: the purged posts' messages leave Discord (an opening post's
    thread is renamed to its tombstone title). How many could not be removed."""
    failed = 0
    renamed: set[int] = set()
    for gone in purged:
        post = gone.post
        if post.status not in ("publish", "pending"):
            continue  # spam, trash and deleted posts have no message any more
        channel = guild.get_channel_or_thread(post.channel_id)
        if channel is None:
            try:
                channel = await guild.fetch_channel(post.channel_id)
            except discord.HTTPException:
                failed += 1
                continue
        if not isinstance(channel, discord.Thread):
            failed += 1
            continue
        for message_id in (post.message_id, *post.continuations):
            try:
                await channel.get_partial_message(message_id).delete()
            except discord.NotFound:
                pass
            except discord.HTTPException:
                log.warning("purged message %s could not be removed", message_id, exc_info=True)
                failed += 1
        if post.is_opening and channel.id not in renamed:
            renamed.add(channel.id)
            try:
                with speaking(guild_locale(guild)):  # a thread's name: everyone reads it
                    name = _("Topic #{number} (purged)", number=gone.topic_number)
                await channel.edit(name=name, reason="Threadkeeper: purged")
            except discord.HTTPException:
                log.warning("purged topic's thread %s could not be renamed", channel.id, exc_info=True)
    return failed
