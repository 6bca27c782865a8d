"""/forumadmin purge, purge-member: the only permanent deletion (a mixin of the Admin GroupCog).

Both ask first: an ephemeral confirmation with a button only the keymaster who asked may
press. Then the records become tombstones (bot/storage/purge.py) and the messages leave
Discord. The audit entry names the post numbers, never their content.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.domain.roles import ForumRole
from bot.domain.text import escape_inline
from bot.errors import UserFacingError
from bot.failures import AnsweringView
from bot.i18n import _, ngettext
from bot.services import attachments, editing
from bot.services.access import requires
from bot.services.auditing import log_action
from bot.services.choices import post_choices
from bot.services.lookup import resolve_post
from bot.storage import purge
from bot.storage.api import Database

AUDIT_NUMBERS_MAX = 200  # post numbers named in one audit entry


class ConfirmPurge(AnsweringView):
    def __init__(self, db: Database, keymaster_id: int, *, post_id: int | None = None, member_id: int | None = None):
        super().__init__(timeout=300)
        self.db, self.keymaster_id, self.post_id, self.member_id = db, keymaster_id, post_id, member_id
        self.confirm.label = _("Purge permanently")  # in the keymaster's language (made in their interaction)

    @discord.ui.button(style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, _button: discord.ui.Button[Any]) -> None:
        if interaction.user.id != self.keymaster_id:
            raise UserFacingError(_("Only the keymaster who asked for this purge can confirm it."))
        guild = interaction.guild
        assert guild is not None
        if self.post_id is not None:
            one = await self.db.transaction(purge.purge_post, self.post_id)
            done = [one] if one is not None else []
        else:
            assert self.member_id is not None
            done = await self.db.transaction(purge.purge_member, guild.id, self.member_id)
        if not done:
            raise UserFacingError(_("Nothing left to purge: it was purged already."))
        purging = ngettext("Purging {count} post …", "Purging {count} posts …", len(done))
        await interaction.response.edit_message(content=purging, view=None)
        self.stop()
        failed = await editing.remove_purged(guild, done)
        settings = getattr(interaction.client, "settings", None)
        if settings is not None:  # the kept copies of their attachments leave the disk too
            await attachments.delete_kept(settings.attachments_root, [f for p in done for f in p.files])
        numbers = [p.post.number for p in done]
        await log_action(
            self.db,
            interaction,
            "post.purge" if self.post_id is not None else "member.purge",
            target_user=done[0].post.author_id,
            post_id=done[0].post.id if self.post_id is not None else None,
            details={"numbers": numbers[:AUDIT_NUMBERS_MAX], "posts": len(numbers)},
        )
        shown = ", ".join(f"#{n}" for n in numbers[:20]) + (" …" if len(numbers) > 20 else "")
        note = (
            "\n⚠️ "
            + ngettext(
                "{count} message could not be removed from Discord.",
                "{count} messages could not be removed from Discord.",
                failed,
            )
            if failed
            else ""
        )
        purged = ngettext(
            "Purged {count} post ({numbers}): only its number remains.",
            "Purged {count} posts ({numbers}): only their numbers remain.",
            len(numbers),
            numbers=shown,
        )
        await interaction.edit_original_response(content=purged + note)


class PurgeCommands:
    """discord.py's CogMeta collects app commands from every base class of a cog."""

    db: Database

    @app_commands.command(  # type: ignore[type-var]
        name="purge", description="Delete a post permanently: its number stays as a tombstone"
    )
    @app_commands.describe(post="The post: #12, 12, a link or an id")
    @app_commands.autocomplete(post=post_choices)
    @requires(ForumRole.KEYMASTER)
    async def purge(self, interaction: discord.Interaction, post: str) -> None:
        assert interaction.guild is not None
        found = await resolve_post(self.db, interaction.guild.id, post)
        if found.status == purge.PURGED:
            raise UserFacingError(_("Post #{number} is purged already.", number=found.number))
        if found.is_opening:
            asked = _(
                "Purge post **#{number}** by **{author}** permanently? Its text, revisions, attachments' records "
                "and search entry are gone for good (the post and its topic's title); its message leaves "
                "Discord; only the number remains.",
                number=found.number,
                author=escape_inline(found.author_name),
            )
        else:
            asked = _(
                "Purge post **#{number}** by **{author}** permanently? Its text, revisions, attachments' records "
                "and search entry are gone for good; its message leaves Discord; only the number remains.",
                number=found.number,
                author=escape_inline(found.author_name),
            )
        await interaction.response.send_message(
            asked,
            view=ConfirmPurge(self.db, interaction.user.id, post_id=found.id),
            ephemeral=True,
        )

    @app_commands.command(  # type: ignore[type-var]
        name="purge-member", description="Delete every post of a member permanently (numbers stay as tombstones)"
    )
    @app_commands.describe(member="The member whose posts are purged")
    @requires(ForumRole.KEYMASTER)
    async def purge_member(self, interaction: discord.Interaction, member: discord.Member) -> None:
        assert interaction.guild is not None
        count = await self.db.run(purge.member_post_count, interaction.guild.id, member.id)
        if count == 0:
            raise UserFacingError(_("{member} has no posts to purge.", member=member.mention))
        await interaction.response.send_message(
            ngettext(
                "Purge all {count} post of {member} permanently? Its text, revisions, "
                "attachments' records and search entry are gone for good; its message leaves Discord; "
                "only the number remains.",
                "Purge all {count} posts of {member} permanently? Their text, revisions, "
                "attachments' records and search entries are gone for good; their messages leave Discord; "
                "only the numbers remain.",
                count,
                member=member.mention,
            ),
            view=ConfirmPurge(self.db, interaction.user.id, member_id=member.id),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )
