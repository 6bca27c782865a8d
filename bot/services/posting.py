"""Sending a member's text into a thread on their behalf: split for Discord, pinging nobody."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord

from bot.i18n import N_, _

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()
REST_REFUSED = N_("⚠️ Discord refused the rest of your long text; it is recorded in full (see `/topic show`).")


def rest_refused(complete: bool) -> str:
    """What an answer adds when Discord refused the continuation of a long post."""
    return "" if complete else "\n" + _(REST_REFUSED)


async def send_rest(thread: discord.Thread, chunks: Sequence[str]) -> tuple[list[int], bool]:
    """Send the continuation chunks of a long post; their message ids, and whether all went."""
    sent: list[int] = []
    for chunk in chunks:
        try:
            message = await thread.send(chunk, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException:
            log.warning("continuation of a long post in %s failed", thread.id, exc_info=True)
            return sent, False
        sent.append(message.id)
    return sent, True


async def delete_messages(thread: discord.Thread, message_ids: Sequence[int]) -> None:
    """Best effort: remove messages (a post's continuations) that may already be gone."""
    for message_id in message_ids:
        try:
            await thread.get_partial_message(message_id).delete()
        except discord.HTTPException:
            log.info("continuation %s in %s could not be removed", message_id, thread.id)


# A forum is a Discord forum channel, or (servers without Community) a text channel whose
# public threads are the topics, each started from a message in the channel (docs/forum-roles.md).
ForumChannel = discord.ForumChannel | discord.TextChannel
THREAD_PERMISSIONS = ("view_channel", "send_messages", "create_public_threads", "send_messages_in_threads")


def is_forum_channel(channel: object) -> bool:
    """A channel that can be a forum: a forum channel, or a text channel that is not an announcement channel."""
    if isinstance(channel, discord.ForumChannel):
        return True
    return isinstance(channel, discord.TextChannel) and not channel.is_news()


def cannot_hold_threads(channel: discord.abc.GuildChannel, me: discord.Member) -> str | None:
    """Why a text channel cannot be a forum (None when it can): the member-facing reason."""
    if isinstance(channel, discord.ForumChannel):
        return None
    if not isinstance(channel, discord.TextChannel) or channel.is_news():
        return _(
            "{channel} cannot be a forum: only a forum channel or a text channel can "
            "(announcement and voice channels cannot hold the public threads topics need).",
            channel=channel.mention,
        )
    allowed = channel.permissions_for(me)
    missing = [name for name in THREAD_PERMISSIONS if not getattr(allowed, name)]
    if missing:
        return _(
            "{channel} cannot be a forum yet: I lack {permissions} there "
            "(topics are public threads started from messages). Nothing was registered.",
            channel=channel.mention,
            permissions=", ".join(f"`{name}`" for name in missing),
        )
    return None


async def start_thread(
    channel: ForumChannel,
    *,
    name: str,
    content: str,
    applied_tags: Sequence[discord.ForumTag] = (),
    reason: str | None = None,
) -> tuple[discord.Thread, discord.Message]:
    """A new topic's thread and its first message: a forum post, or in a text channel a
    starter message in the channel and the public thread started from it. A starter left
    behind when Discord refuses the thread is removed again."""
    if isinstance(channel, discord.ForumChannel):
        created = await channel.create_thread(
            name=name, content=content, applied_tags=list(applied_tags), allowed_mentions=NO_MENTIONS, reason=reason
        )
        return created.thread, created.message
    starter = await channel.send(content, allowed_mentions=NO_MENTIONS)
    try:
        thread = await starter.create_thread(name=name, reason=reason)
    except discord.HTTPException:
        try:
            await starter.delete()
        except discord.HTTPException:
            log.warning("starter message %s in %s could not be removed", starter.id, channel.id)
        raise
    return thread, starter
