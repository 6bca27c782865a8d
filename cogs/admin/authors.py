"""/forumadmin link-author: an imported author becomes a member (a mixin of the Admin GroupCog)."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.domain import timeutil
from bot.domain.roles import ForumRole
from bot.domain.text import escape_inline, plural
from bot.errors import UserFacingError
from bot.services.access import requires
from bot.services.auditing import log_action
from bot.storage import authors
from bot.storage.api import Database


class AuthorCommands:
    """discord.py's CogMeta collects app commands from every base class of a cog."""

    db: Database

    @app_commands.command(  # type: ignore[type-var]
        name="link-author", description="An imported author becomes a member: their posts and topics"
    )
    @app_commands.describe(author="The name the author was imported under", member="The member they are")
    @requires(ForumRole.KEYMASTER)
    async def link_author(self, interaction: discord.Interaction, author: str, member: discord.Member) -> None:
        guild = interaction.guild
        assert guild is not None
        if member.bot:
            raise UserFacingError("A bot cannot be an imported author: choose the member who wrote those posts.")
        name = author.strip()
        linked = await self.db.transaction(
            authors.link,
            guild.id,
            name,
            member_id=member.id,
            member_name=member.display_name,
            by=interaction.user.id,
            now=timeutil.iso(interaction.created_at),
        )
        if linked is None:
            raise UserFacingError(
                f"No imported author is called `{escape_inline(name[:100])}`. The author option offers "
                "those not linked yet (`/forumadmin stats` lists them)."
            )
        if not linked.created:
            raise UserFacingError(
                f"`{escape_inline(name[:100])}` is linked already, to <@{linked.member_id}> "
                f"({escape_inline(linked.member_name)}); nothing changed."
            )
        await log_action(
            self.db,
            interaction,
            "author.link",
            target_user=member.id,
            details={"author": name, "posts": linked.posts, "topics": linked.topics},
        )
        await interaction.response.send_message(
            f"**{escape_inline(name)}** is now {member.mention}: {plural(linked.posts, 'post')} and "
            f"{plural(linked.topics, 'topic')} are theirs (profile, answers on their topics, editing their posts).",
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @link_author.autocomplete("author")
    async def _imported_authors(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        found = await self.db.run(authors.unlinked, interaction.guild_id, current[:100])
        return [
            app_commands.Choice(name=f"{a.name[:80]} ({plural(a.posts, 'post')})", value=a.name[:100]) for a in found
        ]
