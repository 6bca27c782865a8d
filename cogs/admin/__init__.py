"""/forumadmin: registering forums, settings, the role map (keymasters)."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ForumBot
from bot.domain import timeutil
from bot.domain.roles import ForumRole
from bot.errors import UserFacingError
from bot.i18n import N_, _, ngettext, pgettext
from bot.services import overwrites
from bot.services.access import INTEGRATIONS_NOTE, requires
from bot.services.auditing import log_action
from bot.services.posting import cannot_hold_threads
from bot.services.progress import ProgressMessage
from bot.services.scheduler import AUTO_CLOSE
from bot.storage import forums, guilds, members
from bot.storage.models import GuildSettings
from cogs.admin.authors import AuthorCommands
from cogs.admin.health import HealthCommands
from cogs.admin.porting import PortingCommands
from cogs.admin.purge import PurgeCommands
from cogs.admin.rules import RulesCommands
from cogs.admin.stats import StatsCommands

log = logging.getLogger(__name__)
SOLVED_TAG = "Solved"
MAX_FORUM_TAGS = 20
ROLE_CHOICES = [app_commands.Choice(name=r.display, value=r.key) for r in reversed(ForumRole)]
TEXT_CHANNEL_NOTE = N_(  # said with _(TEXT_CHANNEL_NOTE)
    "A text channel: each topic is a public thread started from a message in it (`/topic new`, or "
    "Discord's *Create Thread* on a message). What differs from a forum channel: no tags (so no `Solved` "
    "tag: accepted answers are still recorded and shown), no New Post button, and `/mod stick` does not "
    "pin in Discord (stuck topics still lead `/topic list` and the archive). Members who may start topics "
    "may also chat in the channel; only messages that start a thread become topics."
)
DEFAULT_ROLE_CHOICES = [
    app_commands.Choice(name=r.display, value=r.key)
    for r in (ForumRole.PARTICIPANT, ForumRole.SPECTATOR, ForumRole.BLOCKED)
]


def settings_text(settings: GuildSettings) -> str:
    """The guild's settings, each under its option's name as Discord shows it to the keymaster."""

    def line(name: str, value: object, note: str = "") -> str:
        return f"{name}: `{value}`" + (f" ({note})" if note else "")

    return "\n".join(
        [
            _("**Forum settings**"),
            line(pgettext("name", "default_role"), settings.default_role.key),
            line(pgettext("name", "registration"), settings.registration),
            line(pgettext("name", "throttle_seconds"), settings.throttle_seconds),
            line(pgettext("name", "replies_per_page"), settings.replies_per_page),
            line(
                pgettext("name", "auto_close_days"),
                settings.auto_close_days,
                _("off") if not settings.auto_close_days else "",
            ),
            line(pgettext("name", "notify_digest_minutes"), settings.notify_digest_minutes),
            line(
                pgettext("name", "edit_window_minutes"),
                settings.edit_window_minutes,
                _("no limit") if not settings.edit_window_minutes else "",
            ),
        ]
    )


@app_commands.default_permissions(manage_guild=True)
class Admin(
    RulesCommands,
    StatsCommands,
    AuthorCommands,
    PurgeCommands,
    PortingCommands,
    HealthCommands,
    commands.GroupCog,
    group_name="forumadmin",
    group_description="Keymasters: set up the forum",
):
    def __init__(self, bot: ForumBot) -> None:
        self.bot = bot
        self.db = bot.db

    async def _sync_overwrites(self, guild: discord.Guild, reason: str, channel_ids: list[int] | None = None) -> str:
        failed = await overwrites.sync_guild(self.db, guild, reason=reason, channel_ids=channel_ids)
        if failed:
            return "\n⚠️ " + _(
                "Discord would not let me set the posting permissions on: {channels}. "
                "Give the bot Manage Channels and Manage Roles there; my own check still enforces roles.",
                channels=", ".join(failed),
            )
        return ""

    @app_commands.command(name="add", description="Register a forum channel (or a text channel) as a forum")
    @app_commands.describe(
        channel="A forum channel, or a text channel whose public threads become topics",
        description="A short description for the forum list",
    )
    @requires(ForumRole.KEYMASTER)
    async def add(
        self,
        interaction: discord.Interaction,
        channel: discord.ForumChannel | discord.TextChannel,
        description: str | None = None,
    ) -> None:
        guild = interaction.guild
        assert guild is not None
        if channel.guild.id != guild.id:
            raise UserFacingError(_("That channel is not in this server."))
        description = (description or "").strip()
        if len(description) > 300:
            raise UserFacingError(_("Keep the description under 300 characters."))
        refused = cannot_hold_threads(channel, guild.me)
        if refused is not None:
            raise UserFacingError(refused)
        await interaction.response.defer(ephemeral=True, thinking=True)
        if isinstance(channel, discord.ForumChannel):
            tag_id, tag_note = await self._solved_tag(channel)
        else:
            tag_id, tag_note = None, "\n" + _(TEXT_CHANNEL_NOTE)
        public = channel.permissions_for(guild.default_role).view_channel
        forum = await self.db.transaction(
            forums.register,
            guild_id=guild.id,
            guild_name=guild.name,
            channel_id=channel.id,
            name=channel.name,
            description=description,
            public=public,
            solved_tag_id=tag_id,
            now=timeutil.iso(interaction.created_at),
            category=channel.category.name if channel.category is not None else None,
        )
        default_role = (await self.db.run(guilds.settings, guild.id)).default_role
        adopted = overwrites.adopted_rules(channel, forum.rules, default_role)
        if adopted != forum.rules:  # a deny on @everyone set in Discord becomes the forum's rule
            await self.db.transaction(forums.set_rules, forum.id, adopted)
        self.bot.recorder.forum_ids[channel.id] = forum.id
        warning = await self._sync_overwrites(guild, f"Threadkeeper: registered by {interaction.user}", [channel.id])
        shown = ProgressMessage(interaction, _("Adopting existing threads"))
        report = await self.bot.recorder.catch_up([forum.id], progress=shown.update)
        await log_action(
            self.db, interaction, "forum.add", details={"channel_id": str(channel.id), "name": channel.name}
        )
        registered = _("Registered {channel} as the forum **{name}**.", channel=channel.mention, name=channel.name)
        adopted_from = ngettext(
            "Adopted {posts} post(s) from {count} existing thread.",
            "Adopted {posts} post(s) from {count} existing threads.",
            report.threads,
            posts=report.recorded,
        )
        await shown.finish(f"{registered} {adopted_from} {tag_note}{warning}")

    async def _solved_tag(self, channel: discord.ForumChannel) -> tuple[int | None, str]:
        for tag in channel.available_tags:
            if tag.name.lower() == SOLVED_TAG.lower():
                return tag.id, _("Its `{tag}` tag marks solved topics.", tag=tag.name)
        if len(channel.available_tags) >= MAX_FORUM_TAGS:
            return None, _("It has no room for a `Solved` tag (Discord allows 20 tags).")
        try:
            tag = await channel.create_tag(name=SOLVED_TAG, emoji=discord.PartialEmoji(name="✅"), moderated=True)
        except discord.HTTPException:
            log.warning("could not create the Solved tag in %s", channel.id, exc_info=True)
            return None, _("I could not create a `Solved` tag (missing Manage Channels?).")
        return tag.id, _("I created a moderated `Solved` tag for solved topics.")

    @app_commands.command(name="remove", description="Unregister a forum; its records stay")
    @app_commands.describe(forum="The registered forum channel")
    @requires(ForumRole.KEYMASTER)
    async def remove(self, interaction: discord.Interaction, forum: discord.ForumChannel | discord.TextChannel) -> None:
        found = await self.db.run(forums.by_channel, forum.id)
        if found is None or not found.registered or found.guild_id != interaction.guild_id:
            raise UserFacingError(_("{forum} is not a registered forum.", forum=forum.mention))
        await self.db.transaction(forums.unregister, found.id)
        self.bot.recorder.forum_ids.pop(forum.id, None)
        await log_action(
            self.db, interaction, "forum.remove", details={"channel_id": str(forum.id), "name": forum.name}
        )
        said = ngettext(
            "{forum} is no longer a forum. Its {count} topic stays recorded and in exports; "
            "`/forumadmin add` registers it again. Its permission overwrites were left as they are.",
            "{forum} is no longer a forum. Its {count} topics stay recorded and in exports; "
            "`/forumadmin add` registers it again. Its permission overwrites were left as they are.",
            found.topic_count,
            forum=forum.mention,
        )
        await interaction.response.send_message(said, ephemeral=True)

    @app_commands.command(name="settings", description="Show or change the forum settings")
    @app_commands.describe(
        default_role="Role of members with no other role (bbPress's auto role)",
        registration="Whether spectators may become participants with /forum join",
        throttle_seconds="Seconds a member must wait between posts (moderators exempt)",
        replies_per_page="Posts per page in /topic show",
        auto_close_days="Close topics idle this many days (0 = off)",
        notify_digest_minutes="At most one notification DM per topic per this many minutes",
        edit_window_minutes="Participants may edit their posts this many minutes after posting (0 = no limit)",
    )
    @app_commands.choices(
        default_role=DEFAULT_ROLE_CHOICES,
        registration=[
            app_commands.Choice(name="open", value="open"),
            app_commands.Choice(name="closed", value="closed"),
        ],
    )
    @requires(ForumRole.KEYMASTER)
    async def settings(
        self,
        interaction: discord.Interaction,
        default_role: app_commands.Choice[str] | None = None,
        registration: app_commands.Choice[str] | None = None,
        throttle_seconds: app_commands.Range[int, 0, 86400] | None = None,
        replies_per_page: app_commands.Range[int, 5, 50] | None = None,
        auto_close_days: app_commands.Range[int, 0, 3650] | None = None,
        notify_digest_minutes: app_commands.Range[int, 0, 1440] | None = None,
        edit_window_minutes: app_commands.Range[int, 0, 525600] | None = None,
    ) -> None:
        guild = interaction.guild
        assert guild is not None
        changes: dict[str, Any] = {
            key: value
            for key, value in {
                "default_role": default_role.value if default_role else None,
                "registration": registration.value if registration else None,
                "throttle_seconds": throttle_seconds,
                "replies_per_page": replies_per_page,
                "auto_close_days": auto_close_days,
                "notify_digest_minutes": notify_digest_minutes,
                "edit_window_minutes": edit_window_minutes,
            }.items()
            if value is not None
        }
        if not changes:
            current = await self.db.run(guilds.settings, guild.id)
            await interaction.response.send_message(settings_text(current), ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        before = await self.db.run(guilds.settings, guild.id)
        updated = await self.db.transaction(guilds.update_settings, guild.id, changes)
        if updated.auto_close_days != before.auto_close_days:
            self.bot.scheduler.poke(AUTO_CLOSE)  # idle topics may be due at once
        await log_action(self.db, interaction, "settings.update", details=changes)
        warning = ""
        if updated.default_role != before.default_role:
            warning = await self._sync_overwrites(guild, f"Threadkeeper: default role set by {interaction.user}")
        await interaction.followup.send(_("Saved.") + "\n" + settings_text(updated) + warning, ephemeral=True)

    @app_commands.command(name="rolemap", description="Map a Discord role to a forum role")
    @app_commands.describe(
        forum_role="The forum role members with the Discord role get", discord_role="The Discord role"
    )
    @app_commands.choices(forum_role=ROLE_CHOICES)
    @requires(ForumRole.KEYMASTER)
    async def rolemap(
        self,
        interaction: discord.Interaction,
        forum_role: app_commands.Choice[str],
        discord_role: discord.Role,
    ) -> None:
        guild = interaction.guild
        assert guild is not None
        if discord_role.is_default():
            raise UserFacingError(_("Use `/forumadmin settings default_role` for @everyone."))
        role = ForumRole.parse(forum_role.value)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.db.transaction(members.map_role, guild.id, discord_role.id, role)
        await log_action(
            self.db,
            interaction,
            "rolemap.set",
            details={"discord_role": str(discord_role.id), "forum_role": role.key},
        )
        warning = await self._sync_overwrites(guild, f"Threadkeeper: role map changed by {interaction.user}")
        note = "\n" + _(INTEGRATIONS_NOTE) if role >= ForumRole.MODERATOR else ""
        said = _(
            "Members with {discord_role} now have the forum role **{role}** "
            "(explicit assignments and server admins come first).",
            discord_role=discord_role.mention,
            role=role.label,
        )
        await interaction.followup.send(said + note + warning, ephemeral=True)

    @app_commands.command(name="rolemap-remove", description="Remove a Discord role from the role map")
    @app_commands.describe(discord_role="The mapped Discord role")
    @requires(ForumRole.KEYMASTER)
    async def rolemap_remove(self, interaction: discord.Interaction, discord_role: discord.Role) -> None:
        guild = interaction.guild
        assert guild is not None
        removed = await self.db.transaction(members.unmap_role, guild.id, discord_role.id)
        if not removed:
            raise UserFacingError(_("{discord_role} is not in the role map.", discord_role=discord_role.mention))
        await interaction.response.defer(ephemeral=True, thinking=True)
        await log_action(self.db, interaction, "rolemap.remove", details={"discord_role": str(discord_role.id)})
        warning = await self._sync_overwrites(guild, f"Threadkeeper: role map changed by {interaction.user}")
        said = _("{discord_role} no longer maps to a forum role.", discord_role=discord_role.mention)
        await interaction.followup.send(said + warning, ephemeral=True)

    @app_commands.command(name="sync", description="Re-sync commands, permission overwrites and a full catch-up")
    @requires(ForumRole.KEYMASTER)
    async def sync(self, interaction: discord.Interaction) -> None:
        guild = interaction.guild
        assert guild is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        synced = await self.bot.sync_tree_if_needed(force=True)
        warning = await self._sync_overwrites(guild, f"Threadkeeper: sync by {interaction.user}")
        ids = [f.id for f in await self.db.run(forums.registered_in, guild.id)]
        shown = ProgressMessage(interaction, _("Catching up"))
        report = await self.bot.recorder.catch_up(ids, full=True, progress=shown.update)
        await log_action(self.db, interaction, "forum.sync")
        commands_done = _("Commands synced") if synced else _("Commands unchanged")
        caught = ngettext(
            "permissions checked; catch-up read {count} thread and recorded {posts} new post(s).",
            "permissions checked; catch-up read {count} threads and recorded {posts} new post(s).",
            report.threads,
            posts=report.recorded,
        )
        if report.deleted or report.threads_deleted:
            caught += " " + _(
                "Deleted in Discord meanwhile, now recorded deleted: {posts} post(s), {threads} thread(s).",
                posts=report.deleted,
                threads=report.threads_deleted,
            )
        await shown.finish(f"{commands_done}; {caught}{warning}")


async def setup(bot: ForumBot) -> None:
    await bot.add_cog(Admin(bot))
