"""/mod role, block, unblock, spam-member."""

from __future__ import annotations

from datetime import timedelta
from typing import NoReturn

import discord
from discord import app_commands

from bot.domain import timeutil
from bot.domain.durations import describe, parse_duration
from bot.domain.roles import ForumRole, may_assign
from bot.errors import UserFacingError
from bot.i18n import _, ngettext
from bot.services import moderation
from bot.services.access import INTEGRATIONS_NOTE, REFUSED_ACTION, guild_member, member_role, requires
from bot.services.auditing import log_action
from bot.services.scheduler import EXPIRIES
from bot.storage import forums, members, review
from cogs.moderation.base import ASSIGN_CHOICES, ModerationBase


class MemberCommands(ModerationBase):
    async def _roles(
        self, interaction: discord.Interaction, member: discord.Member
    ) -> tuple[discord.Member, ForumRole, ForumRole]:
        actor = guild_member(interaction)
        if member.bot:
            raise UserFacingError(_("Bots have no forum role."))
        if member.guild.id != actor.guild.id:
            raise UserFacingError(_("That member is not in this server."))
        await self._whole_server(interaction)
        actor_role = await member_role(self.db, actor, interaction.created_at)
        target_role = await member_role(self.db, member, interaction.created_at)
        return actor, actor_role, target_role

    async def _scope(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        new: ForumRole | None,
        forum: discord.ForumChannel | discord.TextChannel | None,
    ) -> tuple[int, ...]:
        """The forums a moderator of named forums will moderate: the ones they had, and ``forum``."""
        if forum is None:
            return ()
        if new is not ForumRole.MODERATOR:
            raise UserFacingError(_("`forum` goes with the Moderator role only: it makes a moderator of that forum."))
        found = await self.db.run(forums.by_channel, forum.id)
        if found is None or not found.registered or found.guild_id != member.guild.id:
            raise UserFacingError(
                _("{forum} is not a registered forum. `/forum list` shows the forums.", forum=forum.mention)
            )
        stored = await self.db.run(members.assignment, member.guild.id, member.id)
        had = await self.db.run(members.moderator_forums, member.guild.id, member.id)
        kept = had if stored is not None and stored.role is ForumRole.MODERATOR else ()
        return tuple(sorted({*kept, found.id}))

    async def _refuse(self, interaction: discord.Interaction, member: discord.Member, refusal: str) -> NoReturn:
        """A role change the actor's forum role does not allow: audited (who tried what), then refused."""
        command = interaction.command.qualified_name if interaction.command is not None else "mod"
        await log_action(
            self.db,
            interaction,
            REFUSED_ACTION,
            target_user=member.id,
            reason=refusal,
            details={"command": f"/{command}"},
        )
        raise UserFacingError(refusal)

    @app_commands.command(name="role", description="Give a member an explicit forum role, or clear it")
    @app_commands.describe(
        member="The member",
        role="The forum role; Default clears the explicit role",
        forum="With Moderator: a moderator of this registered forum only (more forums: give the role again)",
    )
    @app_commands.choices(role=ASSIGN_CHOICES)
    @requires(ForumRole.MODERATOR)
    async def role(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        role: app_commands.Choice[str],
        forum: discord.ForumChannel | discord.TextChannel | None = None,
    ) -> None:
        actor, actor_role, target_role = await self._roles(interaction, member)
        new = None if role.value == "default" else ForumRole.parse(role.value)
        scope = await self._scope(interaction, member, new, forum)
        refusal = may_assign(actor_role, target_role, new)
        if refusal is not None:
            await self._refuse(interaction, member, refusal)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.db.transaction(
            members.set_role,
            guild_id=actor.guild.id,
            user_id=member.id,
            role=new,
            assigned_by=actor.id,
            now=timeutil.iso(interaction.created_at),
            forum_ids=scope,
        )
        warning = await self._sync(actor.guild, f"Threadkeeper: forum role of {member} set by {actor}")
        await log_action(
            self.db,
            interaction,
            "member.role",
            target_user=member.id,
            details={"role": role.value, "before": target_role.key}
            | ({"forums": [str(f) for f in scope]} if scope else {}),
        )
        after = await member_role(self.db, member, interaction.created_at)
        if new is None:
            text = _(
                "{member}'s forum role is now **{role}** (the explicit role is cleared).",
                member=member.mention,
                role=after.label,
            )
        else:
            text = _("{member}'s forum role is now **{role}**.", member=member.mention, role=after.label)
        if scope:
            named = await self.db.run(forums.registered_in, actor.guild.id)
            text += " " + _(
                "They moderate {forums} only.",
                forums=", ".join(f"<#{f.channel_id}>" for f in named if f.id in scope),
            )
        if new is not None and new >= ForumRole.MODERATOR:
            text += "\n" + _(INTEGRATIONS_NOTE)
        await interaction.followup.send(text + warning, ephemeral=True)

    @app_commands.command(name="block", description="Block a member from posting, for a while or until unblocked")
    @app_commands.describe(
        member="The member to block",
        duration="How long: 30m, 12h, 7d (leave out for no end)",
        reason="Why (kept in the audit log)",
    )
    @requires(ForumRole.MODERATOR)
    async def block(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        duration: str | None = None,
        reason: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        actor, actor_role, target_role = await self._roles(interaction, member)
        try:
            delta = parse_duration(duration) if duration is not None else None
        except ValueError as error:
            raise UserFacingError(str(error)) from None
        refusal = may_assign(actor_role, target_role, ForumRole.BLOCKED)
        if refusal is not None:
            await self._refuse(interaction, member, refusal)
        await interaction.response.defer(ephemeral=True, thinking=True)
        expires = interaction.created_at + delta if delta is not None else None
        await self.db.transaction(
            members.block,
            guild_id=actor.guild.id,
            user_id=member.id,
            assigned_by=actor.id,
            now=timeutil.iso(interaction.created_at),
            expires_at=timeutil.iso(expires) if expires is not None else None,
            reason=reason,
        )
        if expires is not None:
            self.bot.scheduler.poke(EXPIRIES)  # it may run out before the next planned wake-up
        warning = await self._sync(actor.guild, f"Threadkeeper: {member} blocked by {actor}")
        await log_action(
            self.db,
            interaction,
            "member.block",
            target_user=member.id,
            reason=reason,
            details={"duration": describe(delta) if delta else "no end", "before": target_role.key},
        )
        said = _(
            "{member} is blocked from posting {until}.", member=member.mention, until=moderation.expires_text(expires)
        )
        await interaction.followup.send(said + warning, ephemeral=True)

    @app_commands.command(name="unblock", description="Lift a member's block")
    @app_commands.describe(member="The blocked member")
    @requires(ForumRole.MODERATOR)
    async def unblock(self, interaction: discord.Interaction, member: discord.Member) -> None:
        actor, actor_role, target_role = await self._roles(interaction, member)
        stored = await self.db.run(members.assignment, actor.guild.id, member.id)
        if stored is None or stored.role is not ForumRole.BLOCKED:
            if target_role is ForumRole.BLOCKED:
                raise UserFacingError(
                    _(
                        "{member} has no block from `/mod block` "
                        "(their Discord role maps to Blocked: see `/forumadmin rolemap`).",
                        member=member.mention,
                    )
                )
            raise UserFacingError(_("{member} has no block from `/mod block`.", member=member.mention))
        refusal = may_assign(actor_role, target_role, None)
        if refusal is not None:
            await self._refuse(interaction, member, refusal)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.db.transaction(members.end_block, actor.guild.id, member.id, interaction.created_at)
        warning = await self._sync(actor.guild, f"Threadkeeper: {member} unblocked by {actor}")
        await log_action(self.db, interaction, "member.unblock", target_user=member.id)
        after = await member_role(self.db, member, interaction.created_at)
        said = _("{member} is unblocked; their forum role is now **{role}**.", member=member.mention, role=after.label)
        await interaction.followup.send(said + warning, ephemeral=True)

    @app_commands.command(
        name="spam-member", description="Mark as spammer: their recent posts become spam and they are blocked"
    )
    @app_commands.describe(member="The member", days="Their posts of the last this many days (default 7)")
    @requires(ForumRole.MODERATOR)
    async def spam_member(
        self, interaction: discord.Interaction, member: discord.Member, days: app_commands.Range[int, 1, 3650] = 7
    ) -> None:
        actor, actor_role, target_role = await self._roles(interaction, member)
        refusal = may_assign(actor_role, target_role, ForumRole.BLOCKED)
        if refusal is not None:
            await self._refuse(interaction, member, refusal)
        await interaction.response.defer(ephemeral=True, thinking=True)
        since = timeutil.iso(interaction.created_at - timedelta(days=days))
        found = await self.db.run(review.member_posts_since, actor.guild.id, member.id, since)
        found = sorted(found, key=lambda p: (not p.is_opening, p.created_at, p.id))  # topics first
        marked, refused = await moderation.spam_posts(self.db, actor.guild, found, actor_name=str(actor))
        await self.db.transaction(
            members.block,
            guild_id=actor.guild.id,
            user_id=member.id,
            assigned_by=actor.id,
            now=timeutil.iso(interaction.created_at),
            expires_at=None,
            reason=f"spam-member: posts of the last {days} day(s) marked spam",
        )
        warning = await self._sync(actor.guild, f"Threadkeeper: {member} marked as spammer by {actor}")
        await log_action(
            self.db,
            interaction,
            "member.spam",
            target_user=member.id,
            details={"days": days, "posts": marked, "refused": refused, "before": target_role.key},
        )
        numbers = ", ".join(f"#{n}" for n in marked[:30]) + (" …" if len(marked) > 30 else "")
        if marked:
            what = ngettext(
                "{count} post of the last {days} day(s) is spam ({numbers}).",
                "{count} posts of the last {days} day(s) are spam ({numbers}).",
                len(marked),
                days=days,
                numbers=numbers,
            )
        else:
            what = ngettext(
                "no posts of the last {count} day to mark.", "no posts of the last {count} days to mark.", days
            )
        text = (
            _(
                "{member} is marked as a spammer: blocked from posting until a moderator unblocks them, and {what}",
                member=member.mention,
                what=what,
            )
            + " "
            + _("`/mod restore` brings a post back, `/mod unblock` lifts the block.")
        )
        if refused:
            text += "\n⚠️ " + ngettext(
                "Discord would not remove {count} post; it stays as it was: {numbers}",
                "Discord would not remove {count} posts; they stay as they were: {numbers}",
                len(refused),
                numbers=", ".join(f"#{n}" for n in refused[:30]),
            )
        await interaction.followup.send(text + warning, ephemeral=True)
