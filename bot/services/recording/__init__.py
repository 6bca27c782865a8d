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

from bot import clock
from bot.domain import timeutil
from bot.domain.policy import Refusal, check_post
from bot.domain.roles import ForumRole
from bot.domain.text import split_text
from bot.services.access import decide_role, is_owner_or_admin, role_and_inputs, role_ids_of
from bot.services.alerts import storage_trouble
from bot.storage import forums as forums_repo
from bot.storage import kv, posts, reports, topics
from bot.storage.api import StorageError, is_unwritable
from bot.storage.members import RoleInputs
from bot.storage.models import NewPost, NewTopic, Recorded, Topic

if TYPE_CHECKING:
    from bot.client import ForumBot
    from bot.storage.api import Database

log = logging.getLogger(__name__)
RECORDED_TYPES = (discord.MessageType.default, discord.MessageType.reply)
HISTORY_PAGE = 100
CATCHUP_CHUNK = 25  # catch-up replies recorded per writer job (2 – 3 ms of work: what a live write may wait for)
NOTICE_SECONDS = 15
# A thread whose history Discord would not give (429, 5xx, ...) is tried again in the same
# catch-up after a back-off, then on the next one. Its cursor before the failure is kept
# in kv under GAP_KEY, so a live message recorded meanwhile cannot hide the gap.
CATCHUP_RETRIES = 3
RETRY_SECONDS = 30.0
GAP_KEY = "catchup_gap:{}"
CatchUpError = (discord.HTTPException, discord.RateLimited)


@dataclass
class CatchUpReport:
    threads: int = 0
    recorded: int = 0
    edits: int = 0
    history_calls: int = 0
    retries: int = 0
    failed_threads: int = 0  # threads still unread after every retry (tried again next time)
    unlisted_forums: int = 0  # forums whose archived threads Discord would not list


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
        # Threads whose history is known complete since this connection's READY: a live
        # message elsewhere first catches its thread up, so it cannot jump the cursor.
        self._synced: set[int] = set()
        self._retry_after: float | None = None
        # Cursor of a thread whose live message could not be recorded (storage full or
        # read-only, so not even kv can hold it): the next catch-up of it starts there.
        self._gaps: dict[int, int] = {}
        self.last_error: str | None = None

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

    # ------------------------------------------------------------------ live
    async def on_message(self, message: discord.Message) -> None:
        if not self._recordable(message) or not self.forum_ids:
            return
        thread = await self._thread_of(message)
        forum_id = self.forum_ids.get(thread.parent_id) if thread is not None else None
        if thread is None or forum_id is None:
            return
        assert message.guild is not None
        async with self.lock(thread.id):
            try:
                member = await self._member(message.guild, message.author)
                # The thread's topic and the author's stored role facts: one read (docs/performance.md).
                read = (topics.posting_context, thread.id, message.guild.id, message.author.id, role_ids_of(member))
                context = await self.db.run(*read)
                if context.retired:
                    return  # the old thread of a moved or merged topic
                if context.topic is None or thread.id not in self._synced:
                    # A thread we have not seen yet (adopt what came before this message), or
                    # one not yet reconciled since the bot came back (fill the downtime first).
                    await self._catch_up_thread(thread, forum_id, CatchUpReport(), before=message.id)
                    context = await self.db.run(*read)
                await self._record_live(message, thread, forum_id, context, member)
            except StorageError as error:
                await self._unrecorded(message, thread, error)

    async def _unrecorded(self, message: discord.Message, thread: discord.Thread, error: Exception) -> None:
        """Storage full or read-only: the message stays in Discord, unrecorded, and the next
        message in this thread (or the next catch-up) records it from the cursor kept here."""
        try:
            cursor = await self.db.run(posts.last_message_id, thread.id) or 0
        except StorageError:
            cursor = message.id - 1
        self._synced.discard(thread.id)
        self._gaps[thread.id] = min(cursor, self._gaps.get(thread.id, cursor))
        self.last_error = f"recording message {message.id} failed: {type(error).__name__}: {error}"
        if is_unwritable(error):
            await storage_trouble(self.bot, message.guild)
        log.error(
            "could not record message %s in thread %s; it stays in Discord for the next catch-up",
            message.id,
            thread.id,
            exc_info=True,
            extra={"guild_id": message.guild.id if message.guild else None, "error_code": "storage"},
        )

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
        self,
        message: discord.Message,
        thread: discord.Thread,
        forum_id: int,
        context: topics.PostingContext,
        member: discord.Member | None,
    ) -> None:
        now = message.created_at
        topic, inputs = context.topic, context.inputs
        role = decide_role(member, inputs, now)
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
                    recorded_at=timeutil.iso(clock.utcnow()),
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
        if (
            content is None
            or payload.guild_id is None
            or not self._may_hold_posts(payload.guild_id, payload.channel_id)
        ):
            return
        edited = payload.data.get("edited_timestamp") or timeutil.iso(clock.utcnow())
        await self.db.write(posts.record_edit, payload.message_id, content, edited)

    async def on_raw_delete(self, guild_id: int, channel_id: int, message_ids: list[int]) -> None:
        if self._may_hold_posts(guild_id, channel_id):
            await self.db.write(posts.mark_deleted, message_ids)

    def _may_hold_posts(self, guild_id: int, channel_id: int) -> bool:
        """False for a channel known not to be a forum's thread (a text channel, a thread of
        one): its edits and deletes cost no write. Unknown channels (an archived thread out
        of the cache) are looked up in the records."""
        guild = self.bot.get_guild(guild_id)
        channel = guild.get_channel_or_thread(channel_id) if guild is not None else None
        if channel is None:
            return True
        return isinstance(channel, discord.Thread) and isinstance(channel.parent, discord.ForumChannel | None)

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
        async with self.catchup_lock:
            wanted = set(forum_ids) if forum_ids is not None else None
            if wanted is None:
                self._synced.clear()  # a fresh READY: nothing is known complete any more
            failed: list[tuple[discord.Thread, int]] = []
            unlisted: list[tuple[discord.ForumChannel, int]] = []
            done: set[int] = set()
            for forum in await self.db.run(forums_repo.all_registered):
                if wanted is not None and forum.id not in wanted:
                    continue
                channel = self.bot.get_channel(forum.channel_id)
                if not isinstance(channel, discord.ForumChannel):
                    continue
                if not await self._catch_up_forum(channel, forum.id, report, done, failed, full=full):
                    unlisted.append((channel, forum.id))
            for attempt in range(1, CATCHUP_RETRIES + 1):
                if not failed and not unlisted:
                    break
                await asyncio.sleep(self._backoff(attempt))
                report.retries += 1
                retry, failed = failed, []
                for thread, forum_id in retry:
                    async with self.lock(thread.id):
                        if await self._catch_up_thread_safely(thread, forum_id, report, full=full):
                            done.add(thread.id)
                        else:
                            failed.append((thread, forum_id))
                relist, unlisted = unlisted, []
                for channel, forum_id in relist:
                    if not await self._catch_up_forum(channel, forum_id, report, done, failed, full=full):
                        unlisted.append((channel, forum_id))
            report.threads = len(done) + len(failed)
            report.failed_threads = len(failed)
            report.unlisted_forums = len(unlisted)
            self.last_catchup = report
            try:
                await self.db.write(kv.put, "last_catchup_at", timeutil.iso(clock.utcnow()))
            except StorageError:
                log.error("could not store the catch-up time", exc_info=True)
        log.info(
            "catch-up: %d threads, %d posts recorded, %d edits, %d history calls, %d retries, %d threads failed",
            report.threads,
            report.recorded,
            report.edits,
            report.history_calls,
            report.retries,
            report.failed_threads,
        )
        return report

    def _backoff(self, attempt: int) -> float:
        """Seconds to wait before retry ``attempt``: Discord's Retry-After when it gave one."""
        wait = RETRY_SECONDS * 2 ** (attempt - 1)
        if self._retry_after is not None:
            wait = max(wait, self._retry_after)
            self._retry_after = None
        return min(wait, 300.0)

    def _note_failure(self, what: str, error: Exception) -> None:
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
        status = getattr(error, "status", 429)
        self.last_error = f"catch-up: {what} failed (HTTP {status})"
        log.warning("catch-up: %s failed (HTTP %s)", what, status, exc_info=True)

    async def _catch_up_forum(
        self,
        channel: discord.ForumChannel,
        forum_id: int,
        report: CatchUpReport,
        done: set[int],
        failed: list[tuple[discord.Thread, int]],
        *,
        full: bool,
    ) -> bool:
        """Catch up every thread of a forum not done yet; False when its archive could not be listed."""
        threads, listed = await self._threads_of(channel)
        for thread in threads:
            if thread.id in done or any(t.id == thread.id for t, _ in failed):
                continue
            async with self.lock(thread.id):
                if await self._catch_up_thread_safely(thread, forum_id, report, full=full):
                    done.add(thread.id)
                else:
                    failed.append((thread, forum_id))
        return listed

    async def _threads_of(self, channel: discord.ForumChannel) -> tuple[list[discord.Thread], bool]:
        """Active and archived threads; False when Discord would not list the archived ones."""
        found: dict[int, discord.Thread] = {t.id: t for t in channel.threads}
        listed = True
        try:
            async for thread in channel.archived_threads(limit=None):
                found.setdefault(thread.id, thread)
        except CatchUpError as error:
            self._note_failure(f"listing the archived threads of {channel.id}", error)
            listed = False
        return sorted(found.values(), key=lambda t: t.id), listed

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

    async def _catch_up_thread_safely(
        self, thread: discord.Thread, forum_id: int, report: CatchUpReport, *, full: bool = True
    ) -> bool:
        """One thread of a catch-up; a storage failure fails this thread (retried), not the run.

        Recording is oldest first, so whatever was committed is a prefix and the cursor
        (the newest recorded message) stays true.
        """
        try:
            return await self._catch_up_thread(thread, forum_id, report, full=full)
        except StorageError as error:
            self.last_error = f"catch-up: recording thread {thread.id} failed: {type(error).__name__}: {error}"
            log.error("catch-up could not record thread %s", thread.id, exc_info=True)
            return False

    async def _catch_up_thread(
        self,
        thread: discord.Thread,
        forum_id: int,
        report: CatchUpReport,
        *,
        before: int | None = None,
        full: bool = True,
    ) -> bool:
        """Record what the thread holds after its cursor; False when Discord would not say.

        Without ``full``, a thread whose ``last_message_id`` (as Discord reports it) is not
        newer than the cursor costs no history call. Replies go to the writer in chunks of
        ``CATCHUP_CHUNK`` as backlog jobs (Database.submit_bulk), so live writes go first.
        """
        if await self.db.run(topics.is_retired, thread.id):
            return True  # the old thread of a moved or merged topic: its posts live elsewhere now
        cursor = await self.db.run(posts.last_message_id, thread.id) or 0
        gap_key = GAP_KEY.format(thread.id)
        gap = await self.db.run(kv.get, gap_key)
        if gap is not None:
            cursor = min(cursor, int(gap))
        if thread.id in self._gaps:
            cursor = min(cursor, self._gaps[thread.id])
        idle = cursor and thread.last_message_id and thread.last_message_id <= cursor
        if not full and before is None and idle:
            self._synced.add(thread.id)
            return True  # nothing newer than the cursor: no history call for an idle thread
        try:
            newer, seen_old = await self._history_after(thread, cursor, before, report)
        except CatchUpError as error:
            self._note_failure(f"reading thread {thread.id}", error)
            if gap is None:
                try:
                    await self.db.write(kv.put, gap_key, str(cursor))
                except StorageError:  # storage unwritable: keep the gap in memory instead
                    self._gaps[thread.id] = min(cursor, self._gaps.get(thread.id, cursor))
            return False
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
        report.recorded += sum(await asyncio.gather(*pending))
        if gap is not None:
            await self.db.write(kv.delete, gap_key)
        self._gaps.pop(thread.id, None)
        self._synced.add(thread.id)
        return True

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
