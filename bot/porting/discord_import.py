"""Posting an import into Discord (`/forumadmin import`), recording each post as it goes.

- Each open or closed topic becomes a thread in its forum: the bot starts it with the
  opening post under an attribution line (`**Marzana M** · 2021-03-01 10:00 UTC · #3146`).
- Replies follow in order through a webhook of the forum channel, under the original
  author's display name, when the bot may manage webhooks; otherwise the bot posts them
  with the same attribution line. A threaded reply says which post it answers; the
  record keeps its parent.
- Spam, trash, pending and deleted posts (and topics) are recorded, never posted.
- Numbers are kept where free in the guild (NewPost.number).
- Closed topics are locked and archived once their posts are in.
- Every recorded post also moves the import's progress (kv) in the same transaction,
  so running the same file again resumes where it stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

import discord

from bot.domain.text import escape_inline, split_text
from bot.i18n import _, speaking
from bot.porting import apply
from bot.porting.model import ImportDoc, ImportPost, ImportTopic
from bot.services import threadedits
from bot.services.progress import bar
from bot.services.translator import guild_locale
from bot.storage.api import Database
from bot.storage.models import Forum

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()
WEBHOOK_NAME = "Threadkeeper import"
Report = Callable[[str], Awaitable[None]]


@dataclass
class ImportSummary:
    topics_posted: int = 0
    topics_recorded_only: int = 0
    posts_posted: int = 0
    posts_recorded_only: int = 0
    skipped_done: int = 0
    numbers_kept: int = 0
    numbers_changed: int = 0
    via_webhook: bool = False
    created: list[str] = field(default_factory=list)  # forum channels the import made


def attribution(post: ImportPost, *, with_name: bool, answering: int | None = None) -> str:
    moment = datetime.fromisoformat(post.created_at).strftime("%Y-%m-%d %H:%M UTC")
    parts = [f"**{escape_inline(post.author.name)}**"] if with_name else []
    parts.append(moment)
    if post.number is not None:
        parts.append(f"`#{post.number}`")
    if answering is not None:
        parts.append("↳ " + _("answering {number}", number="`#" + str(answering) + "`"))
    return " · ".join(parts)


def body(post: ImportPost, header: str) -> list[str]:
    text = post.content or ""
    for attachment in post.attachments:
        text += f"\n📎 {attachment.get('filename', 'file')}: {attachment.get('url', '')}"
    return split_text(f"{header}\n{text}".rstrip())


class DiscordImporter:
    def __init__(
        self,
        db: Database,
        guild: discord.Guild,
        targets: dict[str, tuple[Forum, discord.ForumChannel]],
        progress: apply.Progress,
        report: Report,
    ) -> None:
        self.db = db
        self.guild = guild
        self.targets = targets  # file forum name → (registered forum, its channel)
        self.progress = progress
        self.report = report
        self.summary = ImportSummary()
        self._webhooks: dict[int, discord.Webhook | None] = {}
        self._verified = False  # the first webhook message is checked to be in its thread

    async def _landed(self, thread: discord.Thread, message_id: int) -> bool:
        try:
            await thread.fetch_message(message_id)
        except discord.NotFound:
            return False
        return True

    async def _webhook(self, channel: discord.ForumChannel) -> discord.Webhook | None:
        if channel.id not in self._webhooks:
            found: discord.Webhook | None = None
            try:
                for hook in await channel.webhooks():
                    if hook.name == WEBHOOK_NAME and hook.token:
                        found = hook
                        break
                if found is None:
                    found = await channel.create_webhook(name=WEBHOOK_NAME, reason="Threadkeeper: attributed import")
            except (discord.HTTPException, TypeError, ValueError):
                log.info("no webhook in %s; imported replies get an attribution line", channel.id, exc_info=True)
                found = None
            self._webhooks[channel.id] = found
        return self._webhooks[channel.id]

    async def run(self, doc: ImportDoc) -> ImportSummary:
        total = doc.topic_count
        done = 0
        for forum_doc in doc.forums:
            forum, channel = self.targets[forum_doc.name]
            for topic in forum_doc.topics:
                done += 1
                if topic.key in self.progress.done_topics:
                    self.summary.skipped_done += 1
                    continue
                await self._topic(forum, channel, topic)
                shown = bar(done, total)
                await self.report(_("Importing… {bar} topics, {posts} posts so far.", bar=shown, posts=self._posts()))
        self.summary.numbers_kept = self.progress.numbers_kept
        self.summary.numbers_changed = self.progress.numbers_changed
        return self.summary

    def _posts(self) -> int:
        return self.summary.posts_posted + self.summary.posts_recorded_only

    async def _topic(self, forum: Forum, channel: discord.ForumChannel, topic: ImportTopic) -> None:
        posted = apply.shown(topic)
        thread: discord.Thread | None = None
        thread_id = self.progress.threads.get(topic.key)
        opening = topic.posts[0]
        if thread_id is None:
            message_id: int | None = None
            if posted:
                with speaking(guild_locale(self.guild)):  # everyone reads it: the server's language
                    chunks = body(opening, attribution(opening, with_name=True))
                wanted = {tag.lower() for tag in topic.tags}
                tags = [t for t in channel.available_tags if t.name.lower() in wanted][:5]
                created = await channel.create_thread(
                    name=topic.title, content=chunks[0], applied_tags=tags, allowed_mentions=NO_MENTIONS
                )
                thread, message_id = created.thread, created.message.id
                for chunk in chunks[1:]:
                    await thread.send(chunk, allowed_mentions=NO_MENTIONS)
            recorded = await self.db.transaction(
                apply.record_opening,
                self.progress,
                guild_id=self.guild.id,
                forum_id=forum.id,
                topic=topic,
                thread_id=thread.id if thread else None,
                message_id=message_id,
            )
            thread_id = recorded.topic.thread_id
            if posted:
                self.summary.topics_posted += 1
                self.summary.posts_posted += 1
            else:
                self.summary.topics_recorded_only += 1
                self.summary.posts_recorded_only += 1
        elif posted:
            thread = await self._existing_thread(thread_id)
        from bot.storage import topics as topics_repo

        stored = await self.db.run(topics_repo.by_thread, thread_id)
        assert stored is not None
        for post in topic.posts[1:]:
            if post.key in self.progress.messages:
                continue
            await self._reply(channel, thread, stored.id, thread_id, topic, post)
        await self.db.transaction(apply.finish_topic, self.progress, topic_id=stored.id, topic=topic)
        if posted and thread is not None and topic.status == "closed":
            try:
                threadedits.expect(thread.id)
                await thread.edit(locked=True, archived=True, reason="Threadkeeper: imported as closed")
            except discord.HTTPException:
                log.warning("could not lock imported closed topic %s", thread.id, exc_info=True)

    async def _existing_thread(self, thread_id: int) -> discord.Thread | None:
        found = self.guild.get_thread(thread_id)
        if found is not None:
            return found
        try:
            fetched = await self.guild.fetch_channel(thread_id)
        except discord.HTTPException:
            return None
        return fetched if isinstance(fetched, discord.Thread) else None

    async def _reply(
        self,
        channel: discord.ForumChannel,
        thread: discord.Thread | None,
        topic_id: int,
        thread_id: int,
        topic: ImportTopic,
        post: ImportPost,
    ) -> None:
        message_id: int | None = None
        if thread is not None and post.status == "publish":
            message_id = await self._send(channel, thread, post)
        await self.db.transaction(
            apply.record_reply,
            self.progress,
            guild_id=self.guild.id,
            topic_id=topic_id,
            thread_id=thread_id,
            post=post,
            message_id=message_id,
            parent_message=apply.parent_message(self.progress, topic, post),
        )
        if message_id is None:
            self.summary.posts_recorded_only += 1
        else:
            self.summary.posts_posted += 1

    async def _send(self, channel: discord.ForumChannel, thread: discord.Thread, post: ImportPost) -> int:
        webhook = await self._webhook(channel)
        if webhook is not None:
            sent = await self._send_by_webhook(channel, webhook, thread, post)
            if sent is not None:
                return sent
        with speaking(guild_locale(self.guild)):
            chunks = body(post, attribution(post, with_name=True, answering=post.parent))
        first_message = await thread.send(chunks[0], allowed_mentions=NO_MENTIONS)
        for chunk in chunks[1:]:
            await thread.send(chunk, allowed_mentions=NO_MENTIONS)
        return first_message.id

    async def _send_by_webhook(
        self, channel: discord.ForumChannel, webhook: discord.Webhook, thread: discord.Thread, post: ImportPost
    ) -> int | None:
        """The reply under its author's name; None when the bot must post it attributed instead."""
        with speaking(guild_locale(self.guild)):
            chunks = body(post, attribution(post, with_name=False, answering=post.parent))
        name = post.author.name[:80] or "Anonymous"
        try:
            first = await webhook.send(chunks[0], username=name, thread=thread, wait=True, allowed_mentions=NO_MENTIONS)
            if not self._verified and not await self._landed(thread, first.id):
                # It did not land in the thread (simcord 3.2.1 ignores a webhook's thread_id):
                # take it back, and attribute replies with a line from here on.
                await webhook.delete_message(first.id)
                self._webhooks[channel.id] = None
                return None
            self._verified = True
            for chunk in chunks[1:]:
                await webhook.send(chunk, username=name, thread=thread, wait=True, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException:
            # e.g. a name Discord refuses for webhooks: this post goes out attributed by the bot.
            log.info("webhook send failed for #%s; posting it attributed", post.number, exc_info=True)
            return None
        self.summary.via_webhook = True
        return first.id
