"""/forumadmin link-author: an imported author becomes a member (a mixin of the Admin GroupCog)."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.domain import timeutil
from bot.domain.roles import ForumRole
from bot.domain.text import escape_inline
from bot.errors import UserFacingError
from bot.i18n import _, ngettext
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
            raise UserFacingError(_("A bot cannot be an imported author: choose the member who wrote those posts."))
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
                _(
                    "No imported author is called `{name}`. The author option offers "
                    "those not linked yet (`/forumadmin stats` lists them).",
                    name=escape_inline(name[:100]),
                )
            )
        if not linked.created:
            raise UserFacingError(
                _(
                    "`{name}` is linked already, to {member} ({member_name}); nothing changed.",
                    name=escape_inline(name[:100]),
                    member="<@" + str(linked.member_id) + ">",
                    member_name=escape_inline(linked.member_name),
                )
            )
        await log_action(
            self.db,
            interaction,
            "author.link",
            target_user=member.id,
            details={"author": name, "posts": linked.posts, "topics": linked.topics},
        )
        posts = ngettext("{count} post", "{count} posts", linked.posts)
        topics = ngettext("{count} topic", "{count} topics", linked.topics)
        await interaction.response.send_message(
            _(
                "**{name}** is now {member}: {posts} and {topics} are theirs "
                "(profile, answers on their topics, editing their posts).",
                name=escape_inline(name),
                member=member.mention,
                posts=posts,
                topics=topics,
            ),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @link_author.autocomplete("author")
    async def _imported_authors(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        found = await self.db.run(authors.unlinked, interaction.guild_id, current[:100])
        return [app_commands.Choice(name=a.name[:80] + " (" + _posts(a.posts) + ")", value=a.name[:100]) for a in found]


def _posts(count: int) -> str:
    return ngettext("{count} post", "{count} posts", count)
