"""What every /mod mixin shares: the bot, its database, and small helpers."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.client import ForumBot
from bot.domain.roles import ForumRole
from bot.errors import UserFacingError
from bot.i18n import _
from bot.services import moderation, overwrites
from bot.services.access import guild_member, moderating
from bot.services.lookup import resolve_post
from bot.services.progress import ProgressMessage
from bot.storage import forums, topics
from bot.storage.api import Database
from bot.storage.models import Post, Topic

log = logging.getLogger(__name__)
REASON_CHOICES = [app_commands.Choice(name=r, value=r) for r in moderation.CLOSE_REASONS]
ASSIGN_CHOICES = [
    app_commands.Choice(name=r.display, value=r.key)
    for r in (
        ForumRole.PARTICIPANT,
        ForumRole.SPECTATOR,
        ForumRole.BLOCKED,
        ForumRole.MODERATOR,
        ForumRole.KEYMASTER,
    )
] + [app_commands.Choice(name="Default (clear the explicit role)", value="default")]
LOG_PAGE = 15


if TYPE_CHECKING:  # app_commands.command wants its class to be a Cog, which the final class is
    from discord.ext.commands import Cog as _Mixin
else:
    _Mixin = object


class ModerationBase(_Mixin):
    """Mixed into the Moderation GroupCog (discord.py collects app commands from every class of its MRO)."""

    bot: ForumBot
    db: Database

    async def _post_and_topic(self, interaction: discord.Interaction, text: str) -> tuple[Post, Topic]:
        actor = guild_member(interaction)
        found = await resolve_post(self.db, actor.guild.id, text)
        topic = await self.db.run(topics.by_id, found.topic_id)
        assert topic is not None
        await self._in_scope(interaction, topic.forum_id)
        return found, topic

    async def _in_scope(self, interaction: discord.Interaction, forum_id: int) -> ForumRole:
        """The actor moderates that forum (a forum moderator only theirs; nobody one whose
        channel they cannot view), else a clear refusal. Their role there."""
        return await moderating(self.db, guild_member(interaction), forum_id, interaction.created_at)

    async def _whole_server(self, interaction: discord.Interaction) -> None:
        """Member-wide actions (roles, blocks) are for moderators of the whole server."""
        from bot.storage import members

        actor = guild_member(interaction)
        if await self.db.run(members.moderator_forums, actor.guild.id, actor.id):
            raise UserFacingError(
                _(
                    "You moderate named forums only: roles and blocks, which reach every forum, "
                    "are for moderators of the whole server and keymasters."
                )
            )

    async def _sync(self, guild: discord.Guild, reason: str) -> str:
        failed = await overwrites.sync_guild(self.db, guild, reason=reason)
        if failed:
            return "\n" + _(
                "⚠️ Discord would not let me update the posting permissions on: {channels}. "
                "My own check still enforces the role.",
                channels=", ".join(failed),
            )
        return ""

    def _progress(self, interaction: discord.Interaction, what: str) -> ProgressMessage:
        """A bar in the command's answer, edited every few seconds; past Discord's 15-minute
        token it continues in a DM (or the channel); ``finish`` sends the summary there too."""
        return ProgressMessage(interaction, what)

    async def _forum_channel(self, guild: discord.Guild, forum_id: int) -> discord.ForumChannel | discord.TextChannel:
        forum = await self.db.run(forums.get, forum_id)
        channel = guild.get_channel(forum.channel_id) if forum is not None and forum.registered else None
        if not isinstance(channel, discord.ForumChannel | discord.TextChannel):
            raise UserFacingError(_("That topic's forum is no longer registered."))
        return channel
