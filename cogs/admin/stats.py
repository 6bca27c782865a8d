"""/forumadmin stats: a mixin of the Admin GroupCog (cogs/admin.py), kept in its own file."""

from __future__ import annotations

import asyncio
import io

import discord
from discord import app_commands

from bot.domain.roles import ForumRole
from bot.domain.text import escape_inline
from bot.i18n import _, ngettext
from bot.services.access import requires
from bot.storage import authors, forums, stats
from bot.storage.api import Database
from bot.ui.stats import posts_per_week_png, stats_text
from bot.ui.topics import COLOR


class StatsCommands:
    """discord.py's CogMeta collects app commands from every base class of a cog."""

    db: Database

    # mypy: the decorator wants a Cog or Group as self; the mixin only becomes one inside Admin.
    @app_commands.command(  # type: ignore[type-var]
        name="stats", description="Forum statistics: topics, replies, solved, first replies"
    )
    @requires(ForumRole.KEYMASTER)
    async def stats(self, interaction: discord.Interaction) -> None:
        guild = interaction.guild
        assert guild is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        registered = await self.db.run(forums.registered_in, guild.id)
        found = await self.db.run(stats.guild_stats, guild.id, [f.id for f in registered])
        names = ", ".join(f.name for f in registered) or _("no registered forums")
        embed = discord.Embed(title=_("Forum statistics"), description=stats_text(found), colour=COLOR)
        embed.set_footer(text=_("Registered forums: {names}", names=names)[:2000])
        unlinked = await self.db.run(authors.unlinked, guild.id, "", 10)
        if unlinked:
            embed.add_field(
                name=_("Imported authors not linked yet (`/forumadmin link-author`)"),
                value="\n".join(
                    f"{escape_inline(a.name[:60])} — " + ngettext("{count} post", "{count} posts", a.posts)
                    for a in unlinked
                )[:1024],
                inline=False,
            )
        png = await asyncio.to_thread(posts_per_week_png, found.posts_per_week)
        if png is None:
            await interaction.followup.send(embed=embed, ephemeral=True)
            return
        embed.set_image(url="attachment://posts-per-week.png")
        await interaction.followup.send(
            embed=embed, file=discord.File(io.BytesIO(png), filename="posts-per-week.png"), ephemeral=True
        )
