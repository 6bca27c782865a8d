"""What every recording path shares: the recorder's state, which messages are posts, and
writing one (a topic's opening or a reply), flagged for /mod queue when asked."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot import clock, failures
from bot.domain import mentions, timeutil
from bot.domain.roles import ForumRole
from bot.domain.shards import Shards
from bot.services.access import role_and_inputs
from bot.storage import forums as forums_repo
from bot.storage import posts, reports
from bot.storage.members import RoleInputs
from bot.storage.models import Mentioned, NewPost, NewTopic, Recorded, Topic

if TYPE_CHECKING:
    from bot.client import ForumBot
    from bot.storage.api import Database

log = logging.getLogger("bot.services.recording")
RECORDED_TYPES = (discord.MessageType.default, discord.MessageType.reply)
CatchUpError = (discord.HTTPException, discord.RateLimited)  # what Discord answers a catch-up that is retried


def message_to_post(message: discord.Message, *, role: ForumRole, flag: str | None = None) -> NewPost:
    reference = message.reference
    reply_to = None
    if reference is not None and reference.message_id and reference.channel_id == message.channel.id:
        reply_to = reference.message_id
    return NewPost(
        guild_id=message.guild.id if message.guild else 0,
        message_id=message.id,
        channel_id=message.channel.id,
        author_id=message.author.id,
        author_name=message.author.display_name,
        author_role=role.key,
        content=message.content,
        created_at=timeutil.iso(message.created_at),
        attachments=tuple({"filename": a.filename, "url": a.url} for a in message.attachments),
        reply_to_message_id=reply_to,
        flag=flag,
        mentioned=mentioned_names(message),
    )


def mentioned_names(message: discord.Message) -> tuple[Mentioned, ...]:
    """The names of the users, roles and channels the message mentions, as Discord resolved
    them (the archive shows ``<@id>`` as ``@Name``: bot.storage.names). Ids the message's own
    mentions leave out (the bot's posts of members' text ping nobody) come from the guild's
    cache; what neither knows is left out."""
    guild = message.guild
    if guild is None or "<" not in (message.content or ""):
        return ()
    found: dict[tuple[str, int], Mentioned] = {}
    for user in message.mentions:
        found[("user", user.id)] = Mentioned("user", user.id, user.display_name)
    for role in message.role_mentions:
        found[("role", role.id)] = Mentioned("role", role.id, role.name)
    for channel in message.channel_mentions:
        found[("channel", channel.id)] = Mentioned("channel", channel.id, channel.name, _public(guild, channel))
    return cached_names(guild, message.content, found)


def cached_names(
    guild: discord.Guild | None, content: str, found: dict[tuple[str, int], Mentioned] | None = None
) -> tuple[Mentioned, ...]:
    """``found`` and the names the guild's cache has of the other ids ``content`` mentions
    (an edit's raw payload carries no resolved channels or roles)."""
    found = dict(found or {})
    if guild is None or "<" not in (content or ""):
        return tuple(found.values())
    refs = mentions.references([content])
    for user_id in refs.users:
        member = guild.get_member(user_id)
        if member is not None and ("user", user_id) not in found:
            found[("user", user_id)] = Mentioned("user", user_id, member.display_name)
    for role_id in refs.roles:
        known = guild.get_role(role_id)
        if known is not None and ("role", role_id) not in found:
            found[("role", role_id)] = Mentioned("role", role_id, known.name)
    for channel_id in refs.channels:
        place = guild.get_channel_or_thread(channel_id)
        if place is not None and ("channel", channel_id) not in found:
            found[("channel", channel_id)] = Mentioned("channel", channel_id, place.name, _public(guild, place))
    return tuple(found.values())


def _public(guild: discord.Guild, channel: object) -> bool:
    """@everyone can view the channel (the web archive names no other)."""
    try:
        return bool(channel.permissions_for(guild.default_role).view_channel)  # type: ignore[attr-defined]
    except Exception:  # a thread whose parent is not cached
        return False


def tag_names(thread: discord.Thread) -> tuple[str, ...]:
    try:
        return tuple(tag.name for tag in thread.applied_tags)
    except Exception:  # a thread whose parent is not cached
        return ()


@dataclass
class CatchUpReport:
    threads: int = 0
    recorded: int = 0
    edits: int = 0
    deleted: int = 0  # posts whose message was deleted while the bot was away
    threads_deleted: int = 0  # topics whose thread was deleted while the bot was away
    history_calls: int = 0
    retries: int = 0
    failed_threads: int = 0  # threads still unread after every retry (tried again next time)
    unlisted_forums: int = 0  # forums whose archived threads Discord would not list


class RecorderBase:
    def __init__(self, bot: ForumBot) -> None:
        self.bot = bot
        self.forum_ids: dict[int, int] = {}  # registered forum channel id -> forum id
        self._locks: dict[int, asyncio.Lock] = {}
        self.catchup_lock = asyncio.Lock()
        self.last_catchup: CatchUpReport | None = None
        # The shards a running READY catch-up covers (None while it claims them): a shard gained
        # meanwhile needs no second run (cogs/recording.py).
        self.catchup_shards: Shards | None = None
        # Threads whose history is known complete since this connection's READY: a live
        # message elsewhere first catches its thread up, so it cannot jump the cursor.
        self._synced: set[int] = set()
        self._retry_after: float | None = None
        # The running catch-up's progress callback and how many threads it has listed.
        self._progress: Callable[[int, int], Awaitable[None]] | None = None
        self._listed = 0
        # Cursor of a thread whose live message could not be recorded (storage full or
        # read-only, so not even kv can hold it): the next catch-up of it starts there.
        self._gaps: dict[int, int] = {}

    def _note_failure(self, what: str, error: Exception, guild_id: int | None = None) -> None:
        """Discord would not give what the catch-up asked for: retried, and noted for health."""
        retry_after: float | None = None
        if isinstance(error, discord.RateLimited):
            retry_after = error.retry_after
        elif isinstance(error, discord.HTTPException) and error.status == 429:
            header = getattr(error.response, "headers", {}).get("Retry-After")
            try:
                retry_after = float(header) if header is not None else None
            except ValueError:
                retry_after = None
        if retry_after is not None:
            self._retry_after = max(self._retry_after or 0.0, retry_after)
        failures.note(self.bot, error, where=f"catch-up: {what}", guild_id=guild_id, level=logging.WARNING)

    @property
    def db(self) -> Database:
        return self.bot.db

    async def load(self) -> None:
        self.forum_ids = {f.channel_id: f.id for f in await self.db.run(forums_repo.all_registered)}

    def mark_synced(self, thread_id: int) -> None:
        """The thread's whole history is recorded (e.g. a topic the bot just created)."""
        self._synced.add(thread_id)

    def lock(self, thread_id: int) -> asyncio.Lock:
        found = self._locks.get(thread_id)
        if found is None:
            if len(self._locks) > 5000:  # forget idle locks
                for key in [k for k, v in self._locks.items() if not v.locked()]:
                    del self._locks[key]
            found = self._locks[thread_id] = asyncio.Lock()
        return found

    def _recordable(self, message: discord.Message) -> bool:
        return (
            message.guild is not None
            and self.bot.user is not None
            and message.author.id != self.bot.user.id
            and message.webhook_id is None
            and message.type in RECORDED_TYPES
        )

    async def _thread_of(self, message: discord.Message) -> discord.Thread | None:
        """The thread a message is in; None for messages outside threads."""
        channel = message.channel
        if isinstance(channel, discord.Thread):
            return channel
        if isinstance(channel, discord.abc.GuildChannel) or message.guild is None:
            return None
        # Messages in archived threads may arrive on a bare channel object.
        found = message.guild.get_channel_or_thread(channel.id)
        if found is not None:
            return found if isinstance(found, discord.Thread) else None
        try:
            fetched = await message.guild.fetch_channel(channel.id)
        except discord.HTTPException:
            return None
        return fetched if isinstance(fetched, discord.Thread) else None

    async def _member(self, guild: discord.Guild, user: discord.abc.User) -> discord.Member | None:
        if isinstance(user, discord.Member):
            return user
        found = guild.get_member(user.id)
        if found is not None:
            return found
        try:
            return await guild.fetch_member(user.id)
        except discord.HTTPException:
            return None

    async def _record(
        self,
        message: discord.Message,
        thread: discord.Thread,
        forum_id: int,
        topic: Topic | None,
        role: ForumRole,
        *,
        flag: str | None = None,
    ) -> Recorded:
        new = message_to_post(message, role=role, flag=flag)
        if topic is None:
            recorded = await self.db.write(
                posts.record_topic,
                NewTopic(
                    guild_id=new.guild_id,
                    forum_id=forum_id,
                    thread_id=thread.id,
                    title=thread.name,
                    tags=tag_names(thread),
                    opening=new,
                    recorded_at=timeutil.iso(clock.utcnow()),
                ),
            )
        else:
            recorded = await self.db.write(posts.record_reply, topic.id, new)
        if message.attachments and recorded.created:
            self.bot.attachments.offer(message, recorded.post.id)  # downloads off this path
        if flag is not None and recorded.created:
            await self.db.write(
                reports.hold, guild_id=new.guild_id, post_id=recorded.post.id, reason=flag, now=new.created_at
            )
        return recorded

    async def _role_of(self, message: discord.Message, now: datetime) -> tuple[ForumRole, RoleInputs]:
        assert message.guild is not None
        member = await self._member(message.guild, message.author)
        return await role_and_inputs(self.db, member, now, guild_id=message.guild.id, user_id=message.author.id)
