"""Recreating posts in Discord: restore, move, merge, split.

Discord cannot re-parent messages, so the bot posts each post again and the caller
records where each post now lives. Replies go through a webhook of the forum under the
author's name and avatar when the bot may manage webhooks (the first one is checked to
have landed in its thread); otherwise, or when the webhook fails, the bot posts them
with an attribution line ("`#12` **Name** · *Role*" and the text). A thread's opening
post is always the bot's. When Discord refuses half-way, what was created is removed
again and nothing is recorded. Webhook messages are not recorded as new posts (the
recording path ignores them), like the bot's own. A post too long for one message goes out
as several; every copy is a ``Move`` that names them all, so removing the post later
removes all of them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

import discord

from bot.domain.roles import ForumRole
from bot.domain.text import MESSAGE_LIMIT, post_header, split_text
from bot.errors import UserFacingError
from bot.failures import describe_http_error
from bot.i18n import _, ngettext, speaking
from bot.services import threadedits
from bot.services.posting import NO_MENTIONS, ForumChannel, start_thread
from bot.services.translator import guild_locale
from bot.storage.models import Move, Post, Topic

log = logging.getLogger(__name__)
WEBHOOK_NAME = "Threadkeeper"
Progress = Callable[[int, int], Awaitable[None]]


def role_display(key: str) -> str:
    """A stored role key in the language of the moment."""
    try:
        return ForumRole.parse(key).label
    except ValueError:
        return key.capitalize()


def attributed_chunks(post: Post, guild: discord.Guild | None = None, *, with_name: bool = True) -> list[str]:
    """The post as it is reposted: its number, author (unless a webhook shows the name) and
    role, then its text (split). Everyone in the thread reads the header: in ``guild``'s language."""
    with speaking(guild_locale(guild)):
        return _attributed_chunks(post, with_name=with_name)


def _attributed_chunks(post: Post, *, with_name: bool) -> list[str]:
    body = post.content
    links = "\n".join(a.get("url", "") for a in post.attachments if a.get("url"))
    if links:
        body = (body + "\n" + links).strip()
    if with_name:
        header = post_header(post.author_name, role_display(post.author_role), post.number)
    else:
        header = f"`#{post.number}` · *{role_display(post.author_role)}*"
    # The header rides with the first chunk (split_text alone would cut right after it).
    chunks = split_text(body or _("(no text)"), MESSAGE_LIMIT - len(header) - 1)
    return [f"{header}\n{chunks[0]}", *chunks[1:]]


async def repost(thread: discord.Thread, post: Post) -> Move:
    """Send one post into a thread with an attribution line; the first message is the post's.
    When Discord refuses half-way, the messages of this post already sent are removed."""
    sent: list[discord.Message] = []
    try:
        for chunk in attributed_chunks(post, thread.guild):
            sent.append(await thread.send(chunk, allowed_mentions=NO_MENTIONS))
    except discord.HTTPException:
        await undo_messages(sent)
        raise
    return Move(post.id, thread.id, sent[0].id, tuple(m.id for m in sent[1:]))


class Poster:
    """Sends the copies of one operation: by webhook where possible, else attributed by the bot."""

    def __init__(self, forum: discord.ForumChannel | discord.TextChannel | None) -> None:
        self.forum = forum
        self.webhook: discord.Webhook | None = None
        self._tried = False
        self._verified = False
        self.via_webhook = 0

    async def _hook(self) -> discord.Webhook | None:
        if self._tried:
            return self.webhook
        self._tried = True
        forum = self.forum
        if forum is None or not forum.permissions_for(forum.guild.me).manage_webhooks:
            return None
        try:
            for hook in await forum.webhooks():
                if hook.name == WEBHOOK_NAME and hook.token:
                    self.webhook = hook
                    break
            else:
                self.webhook = await forum.create_webhook(name=WEBHOOK_NAME, reason="Threadkeeper: attributed copies")
        except (discord.HTTPException, TypeError, ValueError):
            log.info("no webhook in %s; copies get an attribution line", forum.id, exc_info=True)
            self.webhook = None
        return self.webhook

    async def _by_webhook(self, hook: discord.Webhook, thread: discord.Thread, post: Post) -> Move | None:
        chunks = attributed_chunks(post, thread.guild, with_name=False)
        member = thread.guild.get_member(post.author_id)
        avatar = member.display_avatar.url if member is not None else None
        name = post.author_name[:80] or "Anonymous"
        sent: list[int] = []
        try:
            for index, chunk in enumerate(chunks):
                message = await hook.send(
                    chunk, username=name, avatar_url=avatar, thread=thread, wait=True, allowed_mentions=NO_MENTIONS
                )
                sent.append(message.id)
                if index == 0 and not self._verified:
                    try:
                        await thread.fetch_message(message.id)
                    except discord.NotFound:
                        # It did not land in the thread (a simulated Discord may ignore thread_id):
                        # take it back, and attribute copies with a line from here on.
                        await hook.delete_message(message.id)
                        self.webhook = None
                        return None
                    self._verified = True
        except discord.HTTPException:
            log.info("webhook copy of #%s failed; posting attributed copies from here on", post.number, exc_info=True)
            self.webhook = None
            for message_id in sent:  # no half copy stays before the attributed one
                try:
                    await hook.delete_message(message_id, thread=thread)
                except discord.HTTPException:
                    log.warning("could not remove webhook copy %s", message_id, exc_info=True)
            return None
        self.via_webhook += 1
        return Move(post.id, thread.id, sent[0], tuple(sent[1:]))

    async def send(self, thread: discord.Thread, post: Post) -> Move:
        hook = await self._hook()
        if hook is not None:
            sent = await self._by_webhook(hook, thread, post)
            if sent is not None:
                return sent
        return await repost(thread, post)


def poster_for(thread: discord.Thread) -> Poster:
    parent = thread.parent
    return Poster(parent if isinstance(parent, discord.ForumChannel | discord.TextChannel) else None)


async def append(thread: discord.Thread, posts: Sequence[Post], *, progress: Progress | None = None) -> list[Move]:
    """Repost ``posts`` at the end of an existing thread, in order; the moves to record.
    When Discord refuses half-way, the copies already sent are deleted again."""
    moves: list[Move] = []
    poster = poster_for(thread)
    try:
        for index, post in enumerate(posts, start=1):
            moves.append(await poster.send(thread, post))
            if progress is not None:  # it decides how often to show (bot/services/progress.py)
                await progress(index, len(posts))
    except discord.HTTPException as error:
        await undo_messages(messages_of(thread, moves))
        raise UserFacingError(
            describe_http_error(error)
            + " "
            + ngettext(
                "Discord refused after {done} of {count} post; the copies were removed and nothing was changed.",
                "Discord refused after {done} of {count} posts; the copies were removed and nothing was changed.",
                len(posts),
                done=len(moves),
            )
        ) from None
    return moves


def messages_of(thread: discord.Thread, moves: Sequence[Move]) -> list[discord.PartialMessage]:
    """Every message the moves sent: each post's own and its continuations."""
    return [thread.get_partial_message(i) for move in moves for i in (move.message_id, *move.continuations)]


async def undo_messages(sent: Sequence[discord.Message | discord.PartialMessage]) -> None:
    for message in sent:
        try:
            await message.delete()
        except discord.HTTPException:
            log.warning("could not remove copy %s", message.id, exc_info=True)


async def rebuild(
    forum: ForumChannel,
    topic: Topic,
    posts: Sequence[Post],
    *,
    title: str | None = None,
    reason: str,
    progress: Progress | None = None,
) -> tuple[discord.Thread, list[Move]]:
    """A new thread in ``forum`` carrying ``posts`` (the first one opens it), in order.

    Returns the thread and the moves to record.
    Raises UserFacingError (after removing the half-built thread) when Discord refuses.
    """
    assert posts
    opening, rest = posts[0], posts[1:]
    chunks = attributed_chunks(opening, forum.guild)
    try:
        # The topic's tags follow where the forum has tags of the same names (not for a split).
        available = forum.available_tags if isinstance(forum, discord.ForumChannel) else []
        tags = [t for t in available if t.name in topic.tags] if title is None else []
        thread, starter = await start_thread(
            forum, name=(title or topic.title)[:100], content=chunks[0], applied_tags=tags[:5], reason=reason
        )
    except discord.HTTPException as error:
        raise UserFacingError(describe_http_error(error) + " " + _("Nothing was changed.")) from None
    # Locked while it fills, so members cannot post between the copies (a moved topic takes
    # minutes); ``finish`` opens it. Best effort: without Manage Threads it stays open.
    try:
        threadedits.expect(thread.id)
        thread = await thread.edit(locked=True, reason=reason)
    except discord.HTTPException:
        log.info("could not lock the new thread %s while it fills", thread.id)
    moves: list[Move] = []
    try:
        continuations = [await thread.send(chunk, allowed_mentions=NO_MENTIONS) for chunk in chunks[1:]]
        moves.append(Move(opening.id, thread.id, starter.id, tuple(m.id for m in continuations)))
        poster = Poster(forum)
        for index, post in enumerate(rest, start=1):
            moves.append(await poster.send(thread, post))
            if progress is not None:  # it decides how often to show (bot/services/progress.py)
                await progress(index, len(rest))
    except discord.HTTPException as error:
        log.warning("rebuilding topic %s failed after %d posts", topic.id, len(moves), exc_info=True)
        try:
            await thread.delete(reason="Threadkeeper: an unfinished copy is removed")
        except discord.HTTPException:
            log.error("could not remove the unfinished thread %s", thread.id)
        raise UserFacingError(
            describe_http_error(error)
            + " "
            + ngettext(
                "Discord refused after {done} of {count} post; the unfinished copy was removed and nothing was "
                "changed.",
                "Discord refused after {done} of {count} posts; the unfinished copy was removed and nothing was "
                "changed.",
                len(posts),
                done=len(moves),
            )
        ) from None
    return thread, moves


async def retire(old: discord.Thread, pointer: str, *, reason: str, undo: Callable[[], Awaitable[None]]) -> None:
    """Leave a pointer in the old thread and lock it. When Discord refuses, ``undo`` takes
    back what was created, the pointer goes, and the moderator reads why."""
    posted: discord.Message | None = None
    try:
        posted = await old.send(pointer, allowed_mentions=NO_MENTIONS)
        threadedits.expect(old.id)
        await old.edit(locked=True, archived=True, reason=reason)
    except discord.HTTPException as error:
        try:
            if posted is not None:
                await posted.delete()
            await undo()
        except discord.HTTPException:
            log.warning("cleanup after a refused lock failed", exc_info=True)
        raise UserFacingError(
            _("Discord would not lock the old thread:")
            + " "
            + describe_http_error(error)
            + " "
            + _("Nothing was changed.")
        ) from None


async def finish(thread: discord.Thread, *, closed: bool, reason: str) -> None:
    """The rebuilt thread is complete: open it for replies, or lock and archive a closed topic's."""
    if closed:
        await lock_quietly(thread, reason)
        return
    if thread.locked:
        try:
            threadedits.expect(thread.id)
            await thread.edit(locked=False, reason=reason)
        except discord.HTTPException:
            log.warning("could not unlock the rebuilt thread %s", thread.id, exc_info=True)


async def lock_quietly(thread: discord.Thread, reason: str) -> None:
    try:
        threadedits.expect(thread.id)
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
