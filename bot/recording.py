"""The recording path: live messages, edits, deletes, and the catch-up after downtime.

Live messages pass the bot's own check (role, closed topic, throttle); a refused one is
deleted and its author gets the text back. Catch-up records what Discord holds as it
stands: no throttle after the fact, and a post its author could not have made is
recorded flagged for /mod queue instead of deleted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot import timeutil
from bot.access import is_owner_or_admin, role_and_inputs
from bot.policy import Refusal, check_post
from bot.render.text import split_text
from bot.roles import ForumRole
from bot.storage import forums as forums_repo
from bot.storage import kv, posts, reports, topics
from bot.storage.members import RoleInputs
from bot.storage.models import NewPost, NewTopic, Recorded, Topic

if TYPE_CHECKING:
    from bot.client import ForumBot

log = logging.getLogger(__name__)
RECORDED_TYPES = (discord.MessageType.default, discord.MessageType.reply)
HISTORY_PAGE = 100
CATCHUP_CHUNK = 10  # catch-up replies recorded per writer job (a few ms of work)
NOTICE_SECONDS = 15


@dataclass
class CatchUpReport:
    threads: int = 0
    recorded: int = 0
    edits: int = 0
    history_calls: int = 0


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
    )


def tag_names(thread: discord.Thread) -> tuple[str, ...]:
    try:
        return tuple(tag.name for tag in thread.applied_tags)
    except Exception:  # a thread whose parent is not cached
        return ()


class Recorder:
    def __init__(self, bot: ForumBot) -> None:
        self.bot = bot
        self.forum_ids: dict[int, int] = {}  # registered forum channel id -> forum id
        self._locks: dict[int, asyncio.Lock] = {}
        self.catchup_lock = asyncio.Lock()
        self.last_catchup: CatchUpReport | None = None

    @property
    def db(self):  # type: ignore[no-untyped-def]
        return self.bot.db

    async def load(self) -> None:
        self.forum_ids = {f.channel_id: f.id for f in await self.db.run(forums_repo.all_registered)}

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
        channel = message.channel
        if isinstance(channel, discord.Thread):
            return channel
        guild = message.guild
        if guild is None:
            return None
        # Messages in archived threads may arrive on a bare channel object.
        found = guild.get_thread(channel.id)
        if found is not None:
            return found
        try:
            fetched = await guild.fetch_channel(channel.id)
        except discord.HTTPException:
            return None
        return fetched if isinstance(fetched, discord.Thread) else None

    # ------------------------------------------------------------------ live
    async def on_message(self, message: discord.Message) -> None:
        if not self._recordable(message):
            return
        channel = message.channel
        parent_id = getattr(channel, "parent_id", None)
        if parent_id is None and not isinstance(channel, discord.Thread):
            thread = await self._thread_of(message) if self.forum_ids else None
            parent_id = thread.parent_id if thread else None
        else:
            thread = channel if isinstance(channel, discord.Thread) else None
        forum_id = self.forum_ids.get(parent_id or 0)
        if forum_id is None:
            return
        if thread is None:
            thread = await self._thread_of(message)
            if thread is None:
                return
        async with self.lock(thread.id):
            topic = await self.db.run(topics.by_thread, thread.id)
            if topic is None:
                # A thread we have not seen yet: adopt what came before this message.
                await self._catch_up_thread(thread, forum_id, CatchUpReport(), before=message.id)
                topic = await self.db.run(topics.by_thread, thread.id)
            await self._record_live(message, thread, forum_id, topic)

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

    async def _record_live(
        self, message: discord.Message, thread: discord.Thread, forum_id: int, topic: Topic | None
    ) -> None:
        assert message.guild is not None
        now = message.created_at
        role, inputs = await self._role_of(message, now)
        refusal = check_post(
            role=role,
            starting_topic=topic is None,
            topic_status=topic.status if topic else None,
            registration_open=inputs.registration_open,
            throttle_seconds=inputs.throttle_seconds,
            last_post_at=timeutil.parse(inputs.last_post_at),
            now=now,
        )
        if refusal is not None:
            await self._refuse(message, thread, forum_id, topic, role, refusal)
            return
        await self._record(message, thread, forum_id, topic, role)

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
                ),
            )
        else:
            recorded = await self.db.write(posts.record_reply, topic.id, new)
        if flag is not None and recorded.created:
            await self.db.write(
                reports.hold, guild_id=new.guild_id, post_id=recorded.post.id, reason=flag, now=new.created_at
            )
        return recorded

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
    ) -> None:
        """DM the member why (and their text back); a short notice in the thread if DMs are closed."""
        where = f"**{thread.name}**" if title is None else "the forum"
        lines = [reason]
        if text is not None:
            lines.append(f"Your post in {where} was removed. Here is what you wrote, so nothing is lost:")
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

    # ------------------------------------------------------------ edits, deletes
    async def on_raw_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        content = payload.data.get("content")
        if content is None or payload.guild_id is None:
            return
        edited = payload.data.get("edited_timestamp") or timeutil.iso(timeutil.utcnow())
        await self.db.write(posts.record_edit, payload.message_id, content, edited)

    async def on_raw_delete(self, message_ids: list[int]) -> None:
        await self.db.write(posts.mark_deleted, message_ids)

    async def on_thread_delete(self, thread_id: int) -> None:
        await self.db.write(topics.mark_thread_deleted, thread_id)

    # ------------------------------------------------------------------ catch-up
    async def catch_up(self, forum_ids: Iterable[int] | None = None, *, full: bool = False) -> CatchUpReport:
        """Reconcile registered forums with Discord; running it twice changes nothing.

        A thread whose ``last_message_id`` (as Discord reports it) is not newer than the
        last recorded message costs no history call; ``full`` reads the newest page of
        every thread anyway, to pick up edits made while the bot was away.
        """
        report = CatchUpReport()
        committing: list[asyncio.Future[None]] = []
        async with self.catchup_lock:
            wanted = set(forum_ids) if forum_ids is not None else None
            for forum in await self.db.run(forums_repo.all_registered):
                if wanted is not None and forum.id not in wanted:
                    continue
                channel = self.bot.get_channel(forum.channel_id)
                if not isinstance(channel, discord.ForumChannel):
                    continue
                for thread in await self._threads_of(channel, report):
                    # The thread stays locked until its replies are committed (so a live message
                    # cannot overtake them), but the next thread's history is read meanwhile and
                    # the writer commits many threads' replies per group.
                    lock = self.lock(thread.id)
                    await lock.acquire()
                    deferred: list[asyncio.Future[int]] = []
                    try:
                        await self._catch_up_thread(thread, forum.id, report, full=full, deferred=deferred)
                    except BaseException:
                        lock.release()
                        raise
                    committing.append(asyncio.ensure_future(self._commit_then_release(lock, deferred, report)))
            await asyncio.gather(*committing)
            self.last_catchup = report
            await self.db.write(kv.put, "last_catchup_at", timeutil.iso(timeutil.utcnow()))
        log.info(
            "catch-up: %d threads, %d posts recorded, %d edits, %d history calls",
            report.threads,
            report.recorded,
            report.edits,
            report.history_calls,
        )
        return report

    async def _threads_of(self, channel: discord.ForumChannel, report: CatchUpReport) -> list[discord.Thread]:
        found: dict[int, discord.Thread] = {t.id: t for t in channel.threads}
        try:
            async for thread in channel.archived_threads(limit=None):
                found.setdefault(thread.id, thread)
        except discord.HTTPException:
            log.warning("could not list archived threads of %s", channel.id, exc_info=True)
        report.threads += len(found)
        return sorted(found.values(), key=lambda t: t.id)

    @staticmethod
    async def _commit_then_release(
        lock: asyncio.Lock, deferred: list[asyncio.Future[int]], report: CatchUpReport
    ) -> None:
        try:
            recorded = sum(await asyncio.gather(*deferred))
            report.recorded += recorded  # after the await: these tasks run side by side
        finally:
            lock.release()

    async def _history_after(
        self, thread: discord.Thread, cursor: int, before: int | None, report: CatchUpReport
    ) -> tuple[list[discord.Message], list[discord.Message]]:
        """Messages newer than ``cursor`` (oldest first), and the recorded ones seen on the way.

        Pages backwards with ``before`` from the newest message down to the cursor.
        """
        newer: list[discord.Message] = []
        seen_old: list[discord.Message] = []
        anchor: discord.abc.Snowflake | None = discord.Object(before) if before else None
        while True:
            page = [m async for m in thread.history(limit=HISTORY_PAGE, before=anchor)]
            report.history_calls += 1
            if not page:
                break
            for message in page:
                (newer if message.id > cursor else seen_old).append(message)
            oldest = min(m.id for m in page)
            if oldest <= cursor or len(page) < HISTORY_PAGE:
                break
            anchor = discord.Object(oldest)
        newer.sort(key=lambda m: m.id)
        return newer, seen_old

    async def _catch_up_thread(
        self,
        thread: discord.Thread,
        forum_id: int,
        report: CatchUpReport,
        *,
        before: int | None = None,
        full: bool = True,
        deferred: list[asyncio.Future[int]] | None = None,
    ) -> None:
        """Record what the thread holds after the last recorded message. Replies are queued
        to the writer in chunks; with ``deferred`` their futures are left there, unawaited."""
        cursor = await self.db.run(posts.last_message_id, thread.id) or 0
        if not full and before is None and cursor and thread.last_message_id and thread.last_message_id <= cursor:
            return  # nothing newer than the cursor: no history call for an idle thread
        try:
            newer, seen_old = await self._history_after(thread, cursor, before, report)
        except discord.HTTPException:
            log.warning("could not read history of thread %s", thread.id, exc_info=True)
            return
        for message in seen_old:
            if message.edited_at is not None and self._recordable(message):
                changed = await self.db.write(
                    posts.record_edit, message.id, message.content, timeutil.iso(message.edited_at)
                )
                report.edits += changed is not None
        topic = await self.db.run(topics.by_thread, thread.id)
        roles: dict[int, tuple[ForumRole, bool]] = {}
        page: list[NewPost] = []
        pending: list[asyncio.Future[int]] = []
        for message in newer:
            if not self._recordable(message):
                continue
            role, may_post = await self._role_at(message, roles, starting=topic is None)
            flag = None if may_post else "Recorded during catch-up, but the author's forum role could not post."
            if topic is None:
                recorded = await self._record(message, thread, forum_id, None, role, flag=flag)
                topic = recorded.topic
                report.recorded += recorded.created
                continue
            if flag is not None:
                self._submit_page(topic.id, page, pending)
                report.recorded += sum(await asyncio.gather(*pending))  # keep message order
                pending.clear()
                await self._record(message, thread, forum_id, topic, role, flag=flag)
                report.recorded += 1
                continue
            page.append(message_to_post(message, role=role))
            if len(page) >= CATCHUP_CHUNK:
                self._submit_page(topic.id, page, pending)
        if topic is not None:
            self._submit_page(topic.id, page, pending)
        if deferred is not None:
            deferred.extend(pending)
        else:
            report.recorded += sum(await asyncio.gather(*pending))

    def _submit_page(self, topic_id: int, page: list[NewPost], pending: list[asyncio.Future[int]]) -> None:
        """Queue a chunk of catch-up replies as one backlog job (see Database.submit_bulk):
        the writer commits many chunks per group, and a command waits for one chunk at most."""
        if page:
            pending.append(self.db.submit_bulk(posts.record_replies, topic_id, list(page)))
            page.clear()

    async def _role_at(
        self, message: discord.Message, cache: dict[int, tuple[ForumRole, bool]], *, starting: bool
    ) -> tuple[ForumRole, bool]:
        author = message.author
        if author.id not in cache:
            role, _ = await self._role_of(message, message.created_at)
            cache[author.id] = (role, role.can_start_topics if starting else role.can_reply)
        return cache[author.id]

    async def _role_of(self, message: discord.Message, now: datetime) -> tuple[ForumRole, RoleInputs]:
        assert message.guild is not None
        member = await self._member(message.guild, message.author)
        return await role_and_inputs(self.db, member, now, guild_id=message.guild.id, user_id=message.author.id)


__all__ = ["CatchUpReport", "Recorder", "is_owner_or_admin"]
