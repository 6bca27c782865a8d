"""What was deleted in Discord while the bot was away, recorded only where Discord proves it.

- a message: a published post whose message is missing from history the catch-up read
  without a hole over its id (history pages are contiguous: the newest page down to the
  cursor, and down to the thread's oldest recorded post when it reads the whole thread).
  A thread is read whole by a full catch-up (``/forumadmin sync``), and by any catch-up when
  Discord's ``message_count`` (which leaves out the opening message and deleted ones) is
  below the topic's published replies: something is gone. Posts the bot removed itself
  (spam, trash, held) are not published, and posts it reposted (restore, approve, move,
  merge, split) are recorded at their new message, so neither is ever taken for a deletion;
- a thread: a topic's thread missing from the forum's active and archived threads, for
  which Discord answers 404 Unknown Channel.
"""

from __future__ import annotations

import logging

import discord

from bot.services.posting import ForumChannel
from bot.services.recording.base import CatchUpError, CatchUpReport
from bot.services.recording.threads import ThreadStates
from bot.storage import forums as forums_repo
from bot.storage import posts, reconcile, topics
from bot.storage.models import Topic

log = logging.getLogger("bot.services.recording")


class Vanished(ThreadStates):
    async def _forum_gone(self, guild_id: int, channel_id: int) -> None:
        """A registered forum's channel deleted while the bot was away: unregistered (its records
        stay), as when Discord says so live — when Discord answers 404 Unknown Channel for it."""
        if self.bot.get_guild(guild_id) is None:
            return  # the server itself is not here (yet): nothing is known of its channels
        try:
            await self.bot.fetch_channel(channel_id)
        except discord.NotFound:
            if await self.db.write(forums_repo.channel_deleted, channel_id):
                self.forum_ids.pop(channel_id, None)
                log.info("forum channel %s was deleted while the bot was away: unregistered", channel_id)
        except CatchUpError as error:
            self._note_failure(f"looking up forum channel {channel_id}", error, guild_id)

    async def _threads_gone(
        self, channel: ForumChannel, forum_id: int, listed: set[int], report: CatchUpReport
    ) -> None:
        """Topics whose thread was deleted while the bot was away: missing from the forum's
        active and archived threads, and Discord says 404 Unknown Channel (nothing less)."""
        for thread_id in await self.db.run(reconcile.visible_thread_ids, forum_id):
            if thread_id in listed:
                continue
            try:
                await self.bot.fetch_channel(thread_id)
            except discord.NotFound:
                if await self.db.write(topics.mark_thread_deleted, thread_id) is not None:
                    report.threads_deleted += 1
                    log.info("thread %s was deleted while the bot was away", thread_id)
            except CatchUpError as error:
                self._note_failure(f"looking up thread {thread_id}", error, channel.guild.id)

    async def _deleted_while_away(
        self,
        thread: discord.Thread,
        newer: list[discord.Message],
        seen_old: list[discord.Message],
        low: int,
        high: int,
    ) -> int:
        """Mark deleted the published posts of ``low``..``high`` whose message the history (read
        without a hole over that range) no longer holds; how many."""
        if high < low or not high:
            return 0
        seen = {m.id for m in newer} | {m.id for m in seen_old}
        if not isinstance(thread.parent, discord.ForumChannel):
            seen.add(thread.id)  # a text-channel forum's starter lives in the channel, not in the thread's history
        recorded = await self.db.run(reconcile.published_message_ids, thread.id, low, high)
        gone = [message_id for message_id in recorded if message_id not in seen]
        if not gone:
            return 0
        changed = await self.db.write(posts.mark_deleted, gone)
        log.info("thread %s: %d post(s) deleted while the bot was away", thread.id, len(changed))
        return len(changed)


def lost_some(thread: discord.Thread, topic: Topic) -> bool:
    """Discord holds fewer messages in the thread than the topic's published replies: some
    were deleted (``message_count`` leaves out the opening message and deleted ones)."""
    count = thread.message_count
    return count is not None and count < topic.reply_count
