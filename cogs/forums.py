"""/forum: joining as a participant, leaving, the forum index, and a member's privacy choice."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ForumBot
from bot.domain import timeutil
from bot.domain.roles import ForumRole
from bot.errors import UserFacingError
from bot.i18n import _
from bot.services import overwrites
from bot.services.access import guild_member, member_role
from bot.services.auditing import log_action
from bot.storage import consent, forums, guilds, members
from bot.ui.topics import forum_list_embed


class Forums(commands.GroupCog, group_name="forum", group_description="Join the forum and see its forums"):
    def __init__(self, bot: ForumBot) -> None:
        self.bot = bot
        self.db = bot.db

    @app_commands.command(name="join", description="Become a participant: start topics and reply")
    async def join(self, interaction: discord.Interaction) -> None:
        member = guild_member(interaction)
        role = await member_role(self.db, member, interaction.created_at)
        if role.can_post:
            await interaction.response.send_message(
                _("You can already start topics and reply (your forum role is {role}).", role=role.label),
                ephemeral=True,
            )
            return
        if role is ForumRole.BLOCKED:
            raise UserFacingError(_("You are blocked from posting in this forum; a moderator can lift it."))
        stored = await self.db.run(members.assignment, member.guild.id, member.id)
        if stored is not None and stored.source != "join":
            raise UserFacingError(
                _("A moderator set your forum role to {role}; ask a moderator to change it.", role=stored.role.label)
            )
        settings = await self.db.run(guilds.settings, member.guild.id)
        if not settings.registration_open:
            raise UserFacingError(_("Registration is closed: ask a moderator to make you a participant."))
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.db.transaction(
            members.assign,
            guild_id=member.guild.id,
            user_id=member.id,
            role=ForumRole.PARTICIPANT,
            source="join",
            assigned_by=member.id,
            now=timeutil.iso(interaction.created_at),
        )
        await overwrites.sync_guild(self.db, member.guild, reason=f"Threadkeeper: {member} joined the forum")
        await interaction.followup.send(
            _(
                "Welcome! You are now a **{role}**: you can start topics and reply. `/forum leave` undoes it.",
                role=ForumRole.PARTICIPANT.label,
            ),
            ephemeral=True,
        )

    @app_commands.command(name="leave", description="Remove your forum registration")
    async def leave(self, interaction: discord.Interaction) -> None:
        member = guild_member(interaction)
        stored = await self.db.run(members.assignment, member.guild.id, member.id)
        if stored is None or stored.source != "join":
            raise UserFacingError(_("You have no forum registration to remove (`/forum join` makes one)."))
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.db.transaction(members.clear, member.guild.id, member.id)
        await overwrites.sync_guild(self.db, member.guild, reason=f"Threadkeeper: {member} left the forum")
        role = await member_role(self.db, member, interaction.created_at)
        await interaction.followup.send(
            _("Your registration is removed; your forum role is now {role}.", role=role.label), ephemeral=True
        )

    @app_commands.command(name="list", description="The registered forums: topics, posts, freshness")
    async def list(self, interaction: discord.Interaction) -> None:
        member = guild_member(interaction)
        registered = await self.db.run(forums.registered_in, member.guild.id)
        visible = [
            f
            for f in registered
            if (channel := member.guild.get_channel(f.channel_id)) is None
            or channel.permissions_for(member).view_channel
        ]
        await interaction.response.send_message(embed=forum_list_embed(visible, member.guild.id), ephemeral=True)

    @app_commands.command(name="privacy", description="Whether the public web archive may show your posts")
    @app_commands.describe(
        archive="shown (the default) or hidden: your posts leave the web archive; Discord is unchanged"
    )
    @app_commands.choices(archive=[app_commands.Choice(name=value, value=value) for value in consent.CHOICES])
    async def privacy(self, interaction: discord.Interaction, archive: app_commands.Choice[str] | None = None) -> None:
        member = guild_member(interaction)
        if archive is None:
            current = await self.db.run(consent.choice, member.guild.id, member.id)
            await interaction.response.send_message(privacy_text(current), ephemeral=True)
            return
        changed = await self.db.transaction(
            consent.set_choice, member.guild.id, member.id, archive.value, now=timeutil.iso(interaction.created_at)
        )
        if not changed:
            await interaction.response.send_message(
                _("Nothing changed: that is your choice already.") + "\n" + privacy_text(archive.value), ephemeral=True
            )
            return
        await log_action(
            self.db, interaction, "member.privacy", target_user=member.id, details={"archive": archive.value}
        )
        if archive.value == consent.HIDDEN:
            text = _(
                "Done: your posts are off the web archive from now on, your earlier posts too. Its topic pages, "
                "search, feeds and sitemap leave them out, and topics you started leave it whole. Discord is "
                "unchanged. `/forum privacy archive:shown` brings them back."
            )
        else:
            text = _(
                "Done: the web archive shows your posts again (those in its public forums). "
                "`/forum privacy archive:hidden` keeps them off it."
            )
        await interaction.response.send_message(text, ephemeral=True)


def privacy_text(choice: str) -> str:
    """What ``/forum privacy`` says of the member's current choice."""
    if choice == consent.HIDDEN:
        return _(
            "Your choice: **hidden**. The public web archive leaves out your posts (and the topics you "
            "started); Discord is unchanged. `/forum privacy archive:shown` brings them back."
        )
    return _(
        "Your choice: **shown** (the default). The public web archive may show your posts in its public "
        "forums. `/forum privacy archive:hidden` keeps them off it; Discord is unchanged."
    )


async def setup(bot: ForumBot) -> None:
    await bot.add_cog(Forums(bot))
