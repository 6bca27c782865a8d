"""/mod spam, trash, restore."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.domain.review import shown_status
from bot.domain.roles import ForumRole
from bot.domain.words import status_word
from bot.errors import UserFacingError
from bot.i18n import _
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
                raise UserFacingError(
                    _("Topic #{number} is already {status}.", number=topic.number, status=status_word(status))
                )
        elif found.status == status:
            raise UserFacingError(
                _("Post #{number} is already {status}.", number=found.number, status=status_word(status))
            )
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
            text = _(
                "Topic **#{number}** is now **{status}**: its thread is removed from Discord, its posts stay "
                "recorded. `/mod restore #{number}` brings it back.",
                number=topic.number,
                status=status_word(status),
            )
        else:
            text = _(
                "Post **#{number}** is now **{status}**: removed from Discord, kept in the records. "
                "`/mod restore #{number}` brings it back.",
                number=found.number,
                status=status_word(status),
            )
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.command(name="restore", description="Bring back a spammed, trashed or deleted post or topic")
    @app_commands.describe(post="The post: #12, 12, a link or an id (a topic's opening post restores the topic)")
    @app_commands.autocomplete(post=post_choices)
    @requires(ForumRole.MODERATOR)
    async def restore(self, interaction: discord.Interaction, post: str) -> None:
        found, topic = await self._post_and_topic(interaction, post)
        status = shown_status(is_opening=found.is_opening, post_status=found.status, topic_status=topic.status)
        if status == "pending":
            raise UserFacingError(publishing.held_already(found, topic))
        if status not in publishing.RESTORABLE:
            raise UserFacingError(publishing.not_restorable(found, topic, status))
        if not found.is_opening and topic.status not in ("open", "closed"):
            raise UserFacingError(
                _(
                    "Its topic #{number} is {status}: restore the topic first.",
                    number=topic.number,
                    status=status_word(topic.status),
                )
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        if found.is_opening:
            progress = self._progress(interaction, _("Restoring"))
            done = await publishing.restore(interaction, found, topic, progress=progress.update)
            self.bot.scheduler.poke(AUTO_CLOSE)  # open again, maybe idle long enough
            await progress.finish(done)
            return
        await interaction.followup.send(await publishing.restore(interaction, found, topic), ephemeral=True)
