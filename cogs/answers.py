"""Message menu "Mark as answer": the topic's author or a moderator accepts answers."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ForumBot
from bot.domain.text import escape_inline
from bot.errors import UserFacingError
from bot.services.access import member_role
from bot.services.auditing import log_action
from bot.services.lookup import fetch_thread
from bot.storage import answers, forums, posts, topics
from bot.storage.models import Forum
from bot.ui.topics import jump_url

log = logging.getLogger(__name__)
MENU_NAME = "Mark as answer"
MAX_THREAD_TAGS = 5


class Answers(commands.Cog):
    def __init__(self, bot: ForumBot) -> None:
        self.bot = bot
        self.db = bot.db
        self.menu = app_commands.ContextMenu(name=MENU_NAME, callback=self.mark)
        self.menu.guild_only = True
        bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    async def mark(self, interaction: discord.Interaction, message: discord.Message) -> None:
        member = interaction.user
        guild = interaction.guild
        if guild is None or not isinstance(member, discord.Member):
            raise app_commands.NoPrivateMessage()
        post = await self.db.run(posts.by_message, message.id)
        if post is None or post.guild_id != guild.id:
            raise UserFacingError("That message is not a post of this server's forums, so it cannot be an answer.")
        topic = await self.db.run(topics.by_id, post.topic_id)
        assert topic is not None
        if post.is_opening:
            raise UserFacingError("That is the topic's question. Use **Mark as answer** on a reply that answers it.")
        if post.status != "publish" or topic.status not in ("open", "closed"):
            raise UserFacingError(f"Post #{post.number} is not published, so it cannot be an accepted answer.")
        if member.id != topic.author_id:
            role = await member_role(self.db, member, interaction.created_at, topic.forum_id)
            if not role.can_moderate:
                raise UserFacingError(
                    f"Only the topic's author ({escape_inline(topic.author_name)}) or a moderator can mark "
                    f"answers in **{escape_inline(topic.title)}**."
                )
        await interaction.response.defer(ephemeral=True, thinking=True)
        change = await self.db.transaction(answers.toggle, post.id)
        forum = await self.db.run(forums.get, topic.forum_id)
        thread = await self._thread(guild, topic.thread_id)
        notes: list[str] = []
        if thread is not None and forum is not None:
            notes.append(await self._sync_solved_tag(thread, forum, change.topic.solved))
        link = jump_url(guild.id, post.channel_id, post.message_id)
        # No note in a closed (archived or locked) thread: sending would reopen it.
        if change.accepted and thread is not None and not thread.archived and not thread.locked:
            try:
                await thread.send(
                    f"✅ **{escape_inline(member.display_name)}** marked [#{post.number}]({link}) by "
                    f"**{escape_inline(post.author_name)}** as an accepted answer.",
                    allowed_mentions=discord.AllowedMentions.none(),
                    suppress_embeds=True,
                )
            except discord.HTTPException:
                log.warning("could not post the answer note in %s", thread.id, exc_info=True)
        await log_action(
            self.db,
            interaction,
            "answer.mark" if change.accepted else "answer.unmark",
            target_user=post.author_id,
            topic_id=topic.id,
            post_id=post.id,
            details={"number": post.number, "solved": change.topic.solved},
        )
        if change.accepted:
            text = f"Marked [#{post.number}]({link}) as an accepted answer; the topic is solved."
        else:
            text = f"[#{post.number}]({link}) is no longer an accepted answer; " + (
                "the topic stays solved by its other accepted answer(s)."
                if change.topic.solved
                else "the topic is no longer solved."
            )
        await interaction.followup.send(text + "".join(n for n in notes if n), ephemeral=True)

    async def _thread(self, guild: discord.Guild, thread_id: int) -> discord.Thread | None:
        try:
            return await fetch_thread(guild, thread_id)
        except UserFacingError:
            return None  # gone from Discord: the record still changes

    async def _sync_solved_tag(self, thread: discord.Thread, forum: Forum, solved: bool) -> str:
        """Apply or remove the forum's Solved tag; a note for the member when it could not be."""
        if forum.solved_tag_id is None:
            return ""
        parent = thread.parent
        tag = parent.get_tag(forum.solved_tag_id) if isinstance(parent, discord.ForumChannel) else None
        if tag is None:
            return "\nThe forum's Solved tag no longer exists, so no tag was changed."
        applied = list(thread.applied_tags)
        has = any(t.id == tag.id for t in applied)
        if solved == has:
            return ""
        if solved and len(applied) >= MAX_THREAD_TAGS:
            return f"\nThe thread already has {MAX_THREAD_TAGS} tags, so the Solved tag could not be added."
        wanted = [*applied, tag] if solved else [t for t in applied if t.id != tag.id]
        reason = "Threadkeeper: accepted answers changed"
        try:
            try:
                await thread.edit(applied_tags=wanted, reason=reason)
            except discord.HTTPException:
                if not thread.archived:
                    raise
                # Discord edits an archived thread only while unarchiving it: do, then archive again.
                await thread.edit(applied_tags=wanted, archived=False, reason=reason)
                await thread.edit(archived=True, reason=reason)
        except discord.HTTPException:
            log.warning("could not update the Solved tag on %s", thread.id, exc_info=True)
            return "\nDiscord would not let me change the thread's Solved tag (missing Manage Threads?)."
        return ""


async def setup(bot: ForumBot) -> None:
    await bot.add_cog(Answers(bot))
