"""/mod spam, trash, restore."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.domain.roles import ForumRole
from bot.errors import UserFacingError
from bot.failures import describe_http_error
from bot.services import moderation, restructure
from bot.services.access import guild_member, requires
from bot.services.auditing import log_action
from bot.services.choices import post_choices
from bot.services.lookup import fetch_thread
from bot.services.scheduler import AUTO_CLOSE
from bot.storage import forums, posts, restructuring
from bot.storage.models import Post, Topic
from cogs.moderation.base import ModerationBase


class PostCommands(ModerationBase):
    @app_commands.command(name="spam", description="Mark a post as spam (its opening post: the whole topic)")
    @app_commands.describe(post="The post: #12, 12, a link or an id")
    @app_commands.autocomplete(post=post_choices)
    @requires(ForumRole.MODERATOR)
    async def spam(self, interaction: discord.Interaction, post: str) -> None:
        await self._hide(interaction, post, "spam")

    @app_commands.command(name="trash", description="Move a post to the trash (its opening post: the whole topic)")
    @app_commands.describe(post="The post: #12, 12, a link or an id")
    @app_commands.autocomplete(post=post_choices)
    @requires(ForumRole.MODERATOR)
    async def trash(self, interaction: discord.Interaction, post: str) -> None:
        await self._hide(interaction, post, "trash")

    async def _hide(self, interaction: discord.Interaction, text: str, status: str) -> None:
        """Record the status first, then remove the Discord message (or thread): the delete
        listener only marks published posts deleted, so the status set here stays."""
        actor = guild_member(interaction)
        found, topic = await self._post_and_topic(interaction, text)
        if found.is_opening:
            if topic.status == status:
                raise UserFacingError(f"Topic #{topic.number} is already {status}.")
        elif found.status == status:
            raise UserFacingError(f"Post #{found.number} is already {status}.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        await moderation.hide(self.db, actor.guild, found, topic, status, actor_name=str(actor))
        await log_action(
            self.db,
            interaction,
            f"{'topic' if found.is_opening else 'post'}.{status}",
            topic_id=topic.id,
            post_id=found.id,
            target_user=found.author_id,
        )
        if found.is_opening:
            text = (
                f"Topic **#{topic.number}** is now **{status}**: its thread is removed from Discord, its posts stay "
                f"recorded. `/mod restore #{topic.number}` brings it back."
            )
        else:
            text = (
                f"Post **#{found.number}** is now **{status}**: removed from Discord, kept in the records. "
                f"`/mod restore #{found.number}` brings it back."
            )
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.command(name="restore", description="Bring back a spammed or trashed post or topic, attributed")
    @app_commands.describe(post="The post: #12, 12, a link or an id (a topic's opening post restores the topic)")
    @app_commands.autocomplete(post=post_choices)
    @requires(ForumRole.MODERATOR)
    async def restore(self, interaction: discord.Interaction, post: str) -> None:
        actor = guild_member(interaction)
        found, topic = await self._post_and_topic(interaction, post)
        if found.is_opening:
            await self._restore_topic(interaction, actor, found, topic)
            return
        if found.status not in ("spam", "trash"):
            raise UserFacingError(f"Post #{found.number} is {found.status}; only spam and trash can be restored.")
        if topic.status not in ("open", "closed"):
            raise UserFacingError(f"Its topic #{topic.number} is {topic.status}: restore the topic first.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        thread = await fetch_thread(actor.guild, topic.thread_id)
        try:
            copy = await restructure.poster_for(thread).send(thread, found)
        except discord.HTTPException as error:
            raise UserFacingError(describe_http_error(error) + f" Post #{found.number} stays {found.status}.") from None
        await self.db.transaction(posts.restore, found.id, thread.id, copy.message_id, copy.continuations)
        if topic.status == "closed":
            await restructure.lock_quietly(thread, f"Threadkeeper: restored in a closed topic by {actor}")
        await log_action(
            self.db,
            interaction,
            "post.restore",
            topic_id=topic.id,
            post_id=found.id,
            target_user=found.author_id,
            details={"from": found.status},
        )
        await interaction.followup.send(
            f"Restored post **#{found.number}**, attributed to {found.author_name}: "
            f"{thread.get_partial_message(copy.message_id).jump_url}",
            ephemeral=True,
        )

    async def _restore_topic(
        self, interaction: discord.Interaction, actor: discord.Member, opening: Post, topic: Topic
    ) -> None:
        if topic.status not in ("spam", "trash"):
            raise UserFacingError(f"Topic #{topic.number} is {topic.status}; only spam and trash can be restored.")
        forum = await self.db.run(forums.get, topic.forum_id)
        channel = actor.guild.get_channel(forum.channel_id) if forum is not None and forum.registered else None
        if not isinstance(channel, discord.ForumChannel | discord.TextChannel):
            raise UserFacingError("That topic's forum is no longer registered; register it again first.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        everything = await self.db.run(posts.of_topic, topic.id)
        if not everything or not everything[0].is_opening:
            everything = [opening, *[p for p in everything if p.id != opening.id]]
        progress = self._progress(interaction, "Restoring")
        thread, moves = await restructure.rebuild(
            channel,
            topic,
            everything,
            reason=f"Threadkeeper: restored by {actor}",
            progress=progress.update,
        )
        await self.db.transaction(restructuring.rehome, topic.id, thread_id=thread.id, moves=moves, status="open")
        self.bot.scheduler.poke(AUTO_CLOSE)  # open again, maybe idle long enough
        await restructure.finish(thread, closed=False, reason=f"Threadkeeper: restored by {actor}")
        await log_action(
            self.db,
            interaction,
            "topic.restore",
            topic_id=topic.id,
            post_id=opening.id,
            target_user=opening.author_id,
            details={"from": topic.status, "posts": len(moves)},
        )
        await progress.finish(
            f"Restored topic **#{topic.number}** in {thread.mention} with {len(moves)} post(s), numbers kept."
        )
