"""The catch-up: reconcile registered forums with Discord after downtime, as Discord holds them.

No throttle applies after the fact; a post its author could not have made is recorded flagged
for /mod queue instead of deleted. Running it twice changes nothing.

Deletions made while the bot was away: ``vanished.py``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING

import discord

from bot import clock, failures
from bot.domain import timeutil
from bot.domain.forumrules import ForumRules, may_reply, may_start_topic, role_in_forum
from bot.domain.roles import ForumRole
from bot.i18n import _, speaking
from bot.services import ownership
from bot.services.posting import ForumChannel, is_forum_channel
from bot.services.recording.base import CatchUpError, CatchUpReport, mentioned_names, message_to_post
from bot.services.recording.vanished import Vanished, lost_some
from bot.services.translator import guild_locale
from bot.storage import forums as forums_repo
from bot.storage import kv, posts, reconcile, topics
from bot.storage.errors import StorageUnavailable
from bot.storage.models import NewPost

if TYPE_CHECKING:
    pass

log = logging.getLogger("bot.services.recording")
HISTORY_PAGE = 100
CATCHUP_CHUNK = 25  # catch-up replies recorded per writer job (2 – 3 ms of work: what a live write may wait for)
# A thread whose history Discord would not give (429, 5xx, ...) is tried again in the same
# catch-up after a back-off, then on the next one. Its cursor before the failure is kept
# in kv under GAP_KEY, so a live message recorded meanwhile cannot hide the gap.
CATCHUP_RETRIES = 3
RETRY_SECONDS = 30.0
GAP_KEY = "catchup_gap:{}"
Progress = Callable[[int, int], Awaitable[None]]  # (threads read, threads listed so far)


class CatchUp(Vanished):
    async def catch_up(
        self, forum_ids: Iterable[int] | None = None, *, full: bool = False, progress: Progress | None = None
    ) -> CatchUpReport:
        """Reconcile registered forums with Discord; running it twice changes nothing.

        A thread whose ``last_message_id`` (as Discord reports it) is not newer than the
        last recorded message costs no history call; ``full`` reads the newest page of
        every thread anyway, to pick up edits made while the bot was away.

        Without ``forum_ids`` (a fresh READY, or shards taken over) it covers the forums of the
        guilds this process owns (bot/services/ownership.py); named forums are caught up as asked.
        ``progress`` hears after each thread how many are read of those listed so far.
        """
        report = CatchUpReport()
        async with self.catchup_lock:
            self._progress, self._listed = progress, 0
            wanted = set(forum_ids) if forum_ids is not None else None
            owned = None
            if wanted is None:
                self.catchup_shards = None  # claiming: a shard gained meanwhile is covered by this run
                self.catchup_shards = owned = await ownership.claim(self.bot)
                self._synced.clear()  # a fresh READY: nothing is known complete any more
            failed: list[tuple[discord.Thread, int]] = []
            unlisted: list[tuple[ForumChannel, int]] = []
            done: set[int] = set()
            guilds: set[int] = set()
            for forum in await self.db.run(forums_repo.all_registered):
                if wanted is not None and forum.id not in wanted:
                    continue
                if owned is not None and not owned.holds(forum.guild_id):
                    continue  # another process's guild (another shard, or its lease)
                channel = self.bot.get_channel(forum.channel_id)
                if channel is None:
                    await self._forum_gone(forum.guild_id, forum.channel_id)
                    continue
                if not is_forum_channel(channel):
                    continue
                assert isinstance(channel, discord.ForumChannel | discord.TextChannel)
                guilds.add(forum.guild_id)
                category = channel.category.name if channel.category is not None else None
                if category != forum.category:  # moved to another Discord category while we were away
                    await self.db.write(forums_repo.set_category, forum.id, category)
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
            self._progress = None
            # Attachments the catch-up recorded, and downloads that failed before: in the background.
            self.bot.attachments.sweep(guilds)
            if report.recorded:
                self.bot.scheduler.poke()  # adopted topics may be idle; recorded posts may be news to subscribers
            try:
                await self.db.write(kv.put_catchup_times, sorted(guilds), timeutil.iso(clock.utcnow()))
            except StorageUnavailable as error:
                await failures.report(self.bot, error, where="catch-up: storing its time")
        log.info(
            "catch-up: %d threads, %d posts recorded, %d edits, %d deleted, %d threads deleted, %d history calls, "
            "%d retries, %d threads failed",
            report.threads,
            report.recorded,
            report.edits,
            report.deleted,
            report.threads_deleted,
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

    async def _catch_up_forum(
        self,
        channel: ForumChannel,
        forum_id: int,
        report: CatchUpReport,
        done: set[int],
        failed: list[tuple[discord.Thread, int]],
        *,
        full: bool,
    ) -> bool:
        """Catch up every thread of a forum not done yet; False when its archive could not be listed."""
        threads, listed = await self._threads_of(channel)
        if listed:
            await self._threads_gone(channel, forum_id, {t.id for t in threads}, report)
        todo = [t for t in threads if t.id not in done and all(t.id != f.id for f, _why in failed)]
        self._listed += len(todo)
        for thread in todo:
            async with self.lock(thread.id):
                if await self._catch_up_thread_safely(thread, forum_id, report, full=full):
                    done.add(thread.id)
                else:
                    failed.append((thread, forum_id))
            if self._progress is not None:  # it decides how often to show (bot/services/progress.py)
                await self._progress(len(done) + len(failed), self._listed)
        return listed

    async def _threads_of(self, channel: ForumChannel) -> tuple[list[discord.Thread], bool]:
        """Active and archived threads; False when Discord would not list the archived ones."""
        found: dict[int, discord.Thread] = {t.id: t for t in channel.threads if not t.is_private()}
        listed = True
        try:
            async for thread in channel.archived_threads(limit=None):
                found.setdefault(thread.id, thread)
        except CatchUpError as error:
            self._note_failure(f"listing the archived threads of {channel.id}", error, channel.guild.id)
            listed = False
        return sorted(found.values(), key=lambda t: t.id), listed

    async def _history_after(
        self,
        thread: discord.Thread,
        cursor: int,
        before: int | None,
        report: CatchUpReport,
        *,
        floor: int | None = None,
    ) -> tuple[list[discord.Message], list[discord.Message], int]:
        """Messages newer than ``cursor`` (oldest first), the recorded ones seen on the way, and
        the id from which the pages hold every message up to ``before`` (0: from the start).

        Pages backwards with ``before`` from the newest message down to the cursor (down to
        ``floor`` when given: a whole read, for deletions).
        """
        newer: list[discord.Message] = []
        seen_old: list[discord.Message] = []
        anchor: discord.abc.Snowflake | None = discord.Object(before) if before else None
        stop = cursor if floor is None else min(cursor, floor)
        low = 0
        while True:
            page = [m async for m in thread.history(limit=HISTORY_PAGE, before=anchor)]
            report.history_calls += 1
            if not page:
                low = 0
                break
            for message in page:
                (newer if message.id > cursor else seen_old).append(message)
            oldest = min(m.id for m in page)
            low = 0 if len(page) < HISTORY_PAGE else oldest
            if oldest <= stop or len(page) < HISTORY_PAGE:
                break
            anchor = discord.Object(oldest)
        if cursor < thread.id and (before is None or thread.id < before):
            starter = await self._starter(thread)
            if starter is not None and all(m.id != starter.id for m in newer):
                newer.append(starter)
        newer.sort(key=lambda m: m.id)
        return newer, seen_old, low

    async def _starter(self, thread: discord.Thread) -> discord.Message | None:
        """A text-channel forum's thread opens with the message it was started from, which
        lives in the channel, not in the thread (its id is the thread's); None elsewhere or
        when it is gone (the thread's first reply then opens the topic)."""
        parent = thread.parent
        if not isinstance(parent, discord.TextChannel):
            return None
        try:
            return await parent.fetch_message(thread.id)
        except discord.NotFound:
            return None

    async def _catch_up_thread_safely(
        self, thread: discord.Thread, forum_id: int, report: CatchUpReport, *, full: bool = True
    ) -> bool:
        """One thread of a catch-up; a failure (storage full, read-only) fails this thread
        (retried, reported through the failure path), not the run.

        Recording is oldest first, so whatever was committed is a prefix and the cursor
        (the newest recorded message) stays true.
        """
        try:
            return await self._catch_up_thread(thread, forum_id, report, full=full)
        except Exception as error:
            await failures.report(self.bot, error, where=f"catch-up: recording thread {thread.id}", guild=thread.guild)
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
        cursor = newest = await self.db.run(posts.last_message_id, thread.id) or 0
        known = await self.db.run(topics.by_thread, thread.id)
        whole = known is not None and (full or lost_some(thread, known))
        gap_key = GAP_KEY.format(thread.id)
        gap = await self.db.run(kv.get, gap_key)
        if gap is not None:
            cursor = min(cursor, int(gap))
        if thread.id in self._gaps:
            cursor = min(cursor, self._gaps[thread.id])
        idle = cursor and thread.last_message_id and thread.last_message_id <= cursor
        if not full and before is None and idle and not whole:
            self._synced.add(thread.id)
            await self.reconcile_thread(thread, topic=known)  # renamed, re-tagged, locked ... while away
            return True  # nothing newer than the cursor: no history call for an idle thread
        floor = await self.db.run(reconcile.oldest_message_id, thread.id) if whole else None
        try:
            newer, seen_old, low = await self._history_after(thread, cursor, before, report, floor=floor)
        except CatchUpError as error:
            self._note_failure(f"reading thread {thread.id}", error, thread.guild.id)
            if gap is None:
                try:
                    await self.db.write(kv.put, gap_key, str(cursor))
                except StorageUnavailable:  # keep the gap in memory instead
                    self._gaps[thread.id] = min(cursor, self._gaps.get(thread.id, cursor))
            return False
        for message in seen_old:
            if message.edited_at is not None and self._recordable(message):
                changed = await self.db.write(
                    posts.record_edit,
                    message.id,
                    message.content,
                    timeutil.iso(message.edited_at),
                    mentioned=mentioned_names(message),
                )
                report.edits += changed is not None
        topic = await self.db.run(topics.by_thread, thread.id)
        rules = await self.db.run(topics.forum_rules, forum_id)
        roles: dict[int, tuple[ForumRole, bool]] = {}
        page: list[NewPost] = []
        pending: list[asyncio.Future[int]] = []
        for message in newer:
            if not self._recordable(message):
                continue
            role, may_post = await self._role_at(message, roles, forum_id, rules, starting=topic is None)
            flag = None if may_post else self._caught_up_flag(thread.guild)
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
        high = newest if before is None else min(newest, before - 1)
        report.deleted += await self._deleted_while_away(thread, newer, seen_old, low, high)
        if gap is not None:
            await self.db.write(kv.delete, gap_key)
        self._gaps.pop(thread.id, None)
        self._synced.add(thread.id)
        if before is None:
            await self.reconcile_thread(thread)  # renamed, re-tagged, locked ... while the bot was away
        return True

    def _submit_page(self, topic_id: int, page: list[NewPost], pending: list[asyncio.Future[int]]) -> None:
        """Queue a chunk of catch-up replies as one backlog job (see Database.submit_bulk):
        the writer commits many chunks per group, and a command waits for one chunk at most."""
        if page:
            pending.append(self.db.submit_bulk(posts.record_replies, topic_id, list(page)))
            page.clear()

    @staticmethod
    def _caught_up_flag(guild: discord.Guild) -> str:
        """The reason a post recorded though its author could not post is flagged (stored, so in
        the server's language, as a refusal is said)."""
        with speaking(guild_locale(guild)):
            return _("Recorded during catch-up, but the author's forum role could not post.")

    async def _role_at(
        self,
        message: discord.Message,
        cache: dict[int, tuple[ForumRole, bool]],
        forum_id: int,
        rules: ForumRules,
        *,
        starting: bool,
    ) -> tuple[ForumRole, bool]:
        """The author's role in this forum and whether its rules let them make this post."""
        author = message.author
        if author.id not in cache:
            role, inputs = await self._role_of(message, message.created_at)
            role = role_in_forum(role, inputs.scope, forum_id)
            cache[author.id] = (role, may_start_topic(role, rules) if starting else may_reply(role, rules))
        return cache[author.id]
