"""Recreating posts in Discord: restore, and (later) move/merge/split.

Discord cannot re-parent messages, so the bot posts each post again, attributed
("`#12` **Name** · *Role*" and the text), and the caller records where each post
now lives. When Discord refuses half-way, what was created is removed again and
nothing is recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

import discord

from bot.errors import UserFacingError
from bot.render.text import MESSAGE_LIMIT, post_header, split_text
from bot.roles import ForumRole
from bot.storage.models import Post, Topic
from bot.tree import describe_http_error

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()
Progress = Callable[[int, int], Awaitable[None]]


def role_display(key: str) -> str:
    try:
        return ForumRole.parse(key).display
    except ValueError:
        return key.capitalize()


def attributed_chunks(post: Post) -> list[str]:
    """The post as the bot reposts it: its number, author and role, then its text (split)."""
    body = post.content
    links = "\n".join(a.get("url", "") for a in post.attachments if a.get("url"))
    if links:
        body = (body + "\n" + links).strip()
    header = post_header(post.author_name, role_display(post.author_role), post.number)
    # The header rides with the first chunk (split_text alone would cut right after it).
    chunks = split_text(body or "(no text)", MESSAGE_LIMIT - len(header) - 1)
    return [f"{header}\n{chunks[0]}", *chunks[1:]]


async def repost(thread: discord.Thread, post: Post) -> discord.Message:
    """Send one post into a thread; the first message is the one recorded."""
    chunks = attributed_chunks(post)
    first = await thread.send(chunks[0], allowed_mentions=NO_MENTIONS)
    for chunk in chunks[1:]:
        await thread.send(chunk, allowed_mentions=NO_MENTIONS)
    return first


async def append(
    thread: discord.Thread, posts: Sequence[Post], *, progress: Progress | None = None
) -> list[tuple[int, int, int]]:
    """Repost ``posts`` at the end of an existing thread, in order; the moves to record.
    When Discord refuses half-way, the copies already sent are deleted again."""
    moves: list[tuple[int, int, int]] = []
    sent: list[discord.Message] = []
    try:
        for index, post in enumerate(posts, start=1):
            message = await repost(thread, post)
            sent.append(message)
            moves.append((post.id, thread.id, message.id))
            if progress is not None and index % 25 == 0:
                await progress(index, len(posts))
    except discord.HTTPException as error:
        await undo_messages(sent)
        raise UserFacingError(
            describe_http_error(error) + f" Discord refused after {len(moves)} of {len(posts)} posts; "
            "the copies were removed and nothing was changed."
        ) from None
    return moves


async def undo_messages(sent: Sequence[discord.Message | discord.PartialMessage]) -> None:
    for message in sent:
        try:
            await message.delete()
        except discord.HTTPException:
            log.warning("could not remove copy %s", message.id, exc_info=True)


async def rebuild(
    forum: discord.ForumChannel,
    topic: Topic,
    posts: Sequence[Post],
    *,
    title: str | None = None,
    reason: str,
    progress: Progress | None = None,
) -> tuple[discord.Thread, list[tuple[int, int, int]]]:
    """A new thread in ``forum`` carrying ``posts`` (the first one opens it), in order.

    Returns the thread and the (post id, channel id, message id) moves to record.
    Raises UserFacingError (after removing the half-built thread) when Discord refuses.
    """
    assert posts
    opening, rest = posts[0], posts[1:]
    chunks = attributed_chunks(opening)
    try:
        # The topic's tags follow where the forum has tags of the same names (not for a split).
        tags = [t for t in forum.available_tags if t.name in topic.tags] if title is None else []
        created = await forum.create_thread(
            name=(title or topic.title)[:100],
            content=chunks[0],
            applied_tags=tags[:5],
            allowed_mentions=NO_MENTIONS,
            reason=reason,
        )
    except discord.HTTPException as error:
        raise UserFacingError(describe_http_error(error) + " Nothing was changed.") from None
    thread = created.thread
    # Locked while it fills, so members cannot post between the copies (a moved topic takes
    # minutes); ``finish`` opens it. Best effort: without Manage Threads it stays open.
    try:
        thread = await thread.edit(locked=True, reason=reason)
    except discord.HTTPException:
        log.info("could not lock the new thread %s while it fills", thread.id)
    moves = [(opening.id, thread.id, created.message.id)]
    try:
        for chunk in chunks[1:]:
            await thread.send(chunk, allowed_mentions=NO_MENTIONS)
        for index, post in enumerate(rest, start=1):
            message = await repost(thread, post)
            moves.append((post.id, thread.id, message.id))
            if progress is not None and index % 25 == 0:
                await progress(index, len(rest))
    except discord.HTTPException as error:
        log.warning("rebuilding topic %s failed after %d posts", topic.id, len(moves), exc_info=True)
        try:
            await thread.delete(reason="Threadkeeper: an unfinished copy is removed")
        except discord.HTTPException:
            log.error("could not remove the unfinished thread %s", thread.id)
        raise UserFacingError(
            describe_http_error(error) + f" Discord refused after {len(moves)} of {len(posts)} posts; "
            "the unfinished copy was removed and nothing was changed."
        ) from None
    return thread, moves


async def retire(old: discord.Thread, pointer: str, *, reason: str, undo: Callable[[], Awaitable[None]]) -> None:
    """Leave a pointer in the old thread and lock it. When Discord refuses, ``undo`` takes
    back what was created, the pointer goes, and the moderator reads why."""
    posted: discord.Message | None = None
    try:
        posted = await old.send(pointer, allowed_mentions=NO_MENTIONS)
        await old.edit(locked=True, archived=True, reason=reason)
    except discord.HTTPException as error:
        try:
            if posted is not None:
                await posted.delete()
            await undo()
        except discord.HTTPException:
            log.warning("cleanup after a refused lock failed", exc_info=True)
        raise UserFacingError(
            "Discord would not lock the old thread: " + describe_http_error(error) + " Nothing was changed."
        ) from None


async def finish(thread: discord.Thread, *, closed: bool, reason: str) -> None:
    """The rebuilt thread is complete: open it for replies, or lock and archive a closed topic's."""
    if closed:
        await lock_quietly(thread, reason)
        return
    if thread.locked:
        try:
            await thread.edit(locked=False, reason=reason)
        except discord.HTTPException:
            log.warning("could not unlock the rebuilt thread %s", thread.id, exc_info=True)


async def lock_quietly(thread: discord.Thread, reason: str) -> None:
    try:
        await thread.edit(locked=True, archived=True, reason=reason)
    except discord.HTTPException:
        log.warning("could not lock thread %s", thread.id, exc_info=True)


async def delete_messages(guild: discord.Guild, where: Sequence[tuple[int, int]]) -> int:
    """Delete (channel id, message id) messages; how many Discord would not remove."""
    failed = 0
    for channel_id, message_id in where:
        channel = guild.get_channel_or_thread(channel_id)
        if not isinstance(channel, discord.Thread):
            try:
                fetched = await guild.fetch_channel(channel_id)
            except discord.HTTPException:
                failed += 1
                continue
            if not isinstance(fetched, discord.Thread):
                failed += 1
                continue
            channel = fetched
        try:
            await channel.get_partial_message(message_id).delete()
        except discord.NotFound:
            pass
        except discord.HTTPException:
            failed += 1
    return failed
