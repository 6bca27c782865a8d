"""/mod spam, trash, restore."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.domain.review import shown_status
from bot.domain.roles import ForumRole
from bot.errors import UserFacingError
from bot.services import moderation, publishing
from bot.services.access import guild_member, requires
from bot.services.auditing import log_action
from bot.services.choices import post_choices
from bot.services.scheduler import AUTO_CLOSE
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

    @app_commands.command(name="restore", description="Bring back a spammed, trashed or deleted post or topic")
    @app_commands.describe(post="The post: #12, 12, a link or an id (a topic's opening post restores the topic)")
    @app_commands.autocomplete(post=post_choices)
    @requires(ForumRole.MODERATOR)
    async def restore(self, interaction: discord.Interaction, post: str) -> None:
        found, topic = await self._post_and_topic(interaction, post)
        status = shown_status(is_opening=found.is_opening, post_status=found.status, topic_status=topic.status)
        what = f"Topic #{topic.number}" if found.is_opening else f"Post #{found.number}"
        if status == "pending":
            raise UserFacingError(f"{what} is held for approval: `/mod approve #{found.number}` publishes it.")
        if status not in publishing.RESTORABLE:
            raise UserFacingError(f"{what} is {status}; only spam, trash and deleted posts can be restored.")
        if not found.is_opening and topic.status not in ("open", "closed"):
            raise UserFacingError(f"Its topic #{topic.number} is {topic.status}: restore the topic first.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        if found.is_opening:
            progress = self._progress(interaction, "Restoring")
            done = await publishing.restore(interaction, found, topic, progress=progress.update)
            self.bot.scheduler.poke(AUTO_CLOSE)  # open again, maybe idle long enough
            await progress.finish(done)
            return
        await interaction.followup.send(await publishing.restore(interaction, found, topic), ephemeral=True)
