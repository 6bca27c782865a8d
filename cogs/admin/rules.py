"""/forumadmin forum and /forumadmin roles: a mixin of the Admin GroupCog (cogs/admin/__init__.py)."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.domain.forumrules import ALLOWED, changed, keymaster_lockout, with_changes
from bot.domain.roles import ForumRole
from bot.errors import UserFacingError
from bot.i18n import _, pgettext
from bot.services.access import guild_member, requires
from bot.services.auditing import log_action
from bot.storage import forums, members
from bot.storage.api import Database
from bot.storage.models import Forum
from bot.ui.forumrules import ChannelFacts, Holder, roles_text, rules_text


def _choices(name: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=value, value=value) for value in ALLOWED[name]]


def channel_facts(channel: discord.ForumChannel | discord.TextChannel | None) -> ChannelFacts | None:
    """Discord's own settings of a forum channel: slowmode, default sort order and reaction
    (a text-channel forum has its slowmode and its threads' default slowmode only)."""
    if channel is None:
        return None
    if isinstance(channel, discord.TextChannel):
        return ChannelFacts(
            slowmode_seconds=channel.slowmode_delay or 0,
            thread_slowmode_seconds=channel.default_thread_slowmode_delay or 0,
            sort_order="not set",
            reaction="",
            require_tag=False,
        )
    sort = channel.default_sort_order
    emoji = channel.default_reaction_emoji
    return ChannelFacts(
        slowmode_seconds=channel.slowmode_delay or 0,
        thread_slowmode_seconds=channel.default_thread_slowmode_delay or 0,
        sort_order="not set" if sort is None else sort.name.replace("_", " "),
        reaction="" if emoji is None else str(emoji),
        require_tag=channel.flags.require_tag,
    )


class RulesCommands:
    """discord.py's CogMeta collects app commands from every base class of a cog."""

    db: Database

    async def _sync_overwrites(self, guild: discord.Guild, reason: str, channel_ids: list[int] | None = None) -> str:
        raise NotImplementedError  # Admin's

    @app_commands.command(  # type: ignore[type-var]
        name="forum", description="Show or change one forum's rules: posting, status, archive, hold"
    )
    @app_commands.describe(
        forum="The registered forum channel",
        posting="Who starts topics and replies: everyone, or moderators only (a read-only forum)",
        status="open, or closed (no new topics; replies still allowed)",
        archive="Whether the public web archive shows this forum",
        hold="Posts held for approval: none, links (3+ links), new (a member's first 3 posts), all",
    )
    @app_commands.choices(
        posting=_choices("posting"), status=_choices("status"), archive=_choices("archive"), hold=_choices("hold")
    )
    @requires(ForumRole.KEYMASTER)
    async def forum(
        self,
        interaction: discord.Interaction,
        forum: discord.ForumChannel | discord.TextChannel,
        posting: app_commands.Choice[str] | None = None,
        status: app_commands.Choice[str] | None = None,
        archive: app_commands.Choice[str] | None = None,
        hold: app_commands.Choice[str] | None = None,
    ) -> None:
        member = guild_member(interaction)
        found = await self.db.run(forums.by_channel, forum.id)
        if found is None or not found.registered or found.guild_id != member.guild.id:
            raise UserFacingError(
                _("{forum} is not a registered forum. `/forumadmin add` registers it.", forum=forum.mention)
            )
        if not forum.permissions_for(member).view_channel:
            raise UserFacingError(_("You cannot view that forum's channel, so you cannot set its rules."))
        typed = {"posting": posting, "status": status, "archive": archive, "hold": hold}
        try:
            after = with_changes(found.rules, {k: v.value if v else None for k, v in typed.items()})
        except ValueError as error:
            raise UserFacingError(str(error)) from None
        if all(v is None for v in typed.values()):
            await interaction.response.send_message(self._rules(found, forum), ephemeral=True)
            return
        lockout = keymaster_lockout(after)
        if lockout is not None:
            raise UserFacingError(lockout + " " + _("Nothing was changed."))
        difference = changed(found.rules, after)
        if not difference:
            await interaction.response.send_message(
                _("Nothing changed: those are its rules already.") + "\n" + self._rules(found, forum), ephemeral=True
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.db.transaction(forums.set_rules, found.id, after)
        await log_action(
            self.db,
            interaction,
            "forum.rules",
            details={"channel_id": str(forum.id), "name": found.name, **{k: list(v) for k, v in difference.items()}},
        )
        warning = ""
        if {"posting", "status"} & set(difference):
            reason = f"Threadkeeper: forum rules set by {interaction.user}"
            warning = await self._sync_overwrites(member.guild, reason, [forum.id])
        updated = await self.db.run(forums.get, found.id)
        assert updated is not None
        said = ", ".join(
            f"{pgettext('name', name)} {pgettext('choice', old)} → {pgettext('choice', new)}"
            for name, (old, new) in difference.items()
        )
        await interaction.followup.send(
            _("Saved: {changes}.", changes=said) + "\n" + self._rules(updated, forum) + warning, ephemeral=True
        )

    def _rules(self, found: Forum, channel: discord.ForumChannel | discord.TextChannel) -> str:
        return rules_text(found.name, found.category, found.rules, channel_facts(channel))

    @app_commands.command(  # type: ignore[type-var]
        name="roles", description="Who holds which forum role: mapped roles, keymasters, moderators, blocked"
    )
    @requires(ForumRole.KEYMASTER)
    async def roles(self, interaction: discord.Interaction) -> None:
        member = guild_member(interaction)
        guild = member.guild
        mapping = await self.db.run(members.rolemap, guild.id)
        stored = await self.db.run(members.assignments_in, guild.id, interaction.created_at)
        scopes = await self.db.run(members.scopes_in, guild.id)
        names = {f.id: f.name for f in await self.db.run(forums.registered_in, guild.id)}
        mapped: dict[str, list[str]] = {}
        for role_id, forum_role in sorted(mapping.items(), key=lambda item: -item[1]):
            mapped.setdefault(forum_role.label, []).append(f"<@&{role_id}>")
        by_role: dict[ForumRole, list[Holder]] = {}
        for held in sorted(stored, key=lambda a: a.user_id):
            forums_named = [names.get(f, _("forum {id} (unregistered)", id=f)) for f in scopes.get(held.user_id, ())]
            holder = Holder(f"<@{held.user_id}>", sorted(forums_named, key=str.lower), held.expires_at)
            by_role.setdefault(held.role, []).append(holder)
        text = roles_text(
            mapped=mapped,
            keymasters=by_role.get(ForumRole.KEYMASTER, []),
            moderators=by_role.get(ForumRole.MODERATOR, []),
            blocked=by_role.get(ForumRole.BLOCKED, []),
            others={
                role.label: [h.mention for h in by_role.get(role, [])]
                for role in (ForumRole.PARTICIPANT, ForumRole.SPECTATOR)
            },
        )
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
