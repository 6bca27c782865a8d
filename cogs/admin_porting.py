"""/forumadmin export|import (keymasters): a mixin of the Admin GroupCog (cogs/admin.py).

discord.py's CogMeta collects app commands from every class in the cog's MRO, so these
commands become subcommands of `/forumadmin` like the ones written in admin.py itself.
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.access import requires
from bot.auditing import log_action
from bot.errors import UserFacingError
from bot.porting import exports
from bot.roles import ForumRole

if TYPE_CHECKING:
    from discord.ext import commands

    from bot.client import ForumBot
    from bot.storage.database import Database

    # For the type checker the mixin is a Cog (app_commands.command wants a Cog's method);
    # at runtime it is a plain class, and Admin's CogMeta collects its commands.
    _MixinBase = commands.Cog
else:
    _MixinBase = object

log = logging.getLogger(__name__)
FORMAT_CHOICES = [
    app_commands.Choice(name="json (the full record, default)", value="json"),
    app_commands.Choice(name="html (a static copy of the archive)", value="html"),
    app_commands.Choice(name="markdown", value="markdown"),
]


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def too_big_message(size: int, limit: int, fmt: str, guild_id: int) -> str:
    return (
        f"The {fmt} export is {megabytes(size)}, over Discord's upload limit of {megabytes(limit)} for this "
        f"server, so I cannot attach it. On the bot's machine, run:\n"
        f"`python -m bot export --format {fmt} --guild {guild_id} --out {exports.filename(fmt, guild_id)}`"
    )


class PortingCommands(_MixinBase):
    """`/forumadmin export [format]` and `/forumadmin import <file> [forum]`."""

    bot: ForumBot
    db: Database

    @app_commands.command(name="export", description="Export the forum as a file: json (default), html or markdown")
    @app_commands.describe(fmt="json: the full record (default); html: a static copy of the archive; markdown")
    @app_commands.rename(fmt="format")
    @app_commands.choices(fmt=FORMAT_CHOICES)
    @requires(ForumRole.KEYMASTER)
    async def export(self, interaction: discord.Interaction, fmt: app_commands.Choice[str] | None = None) -> None:
        guild = interaction.guild
        assert guild is not None
        chosen = fmt.value if fmt else "json"
        await interaction.response.defer(ephemeral=True, thinking=True)
        text = await self.db.run(exports.render, chosen, guild.id)
        data = text.encode("utf-8")
        await log_action(self.db, interaction, "forum.export", details={"format": chosen, "bytes": len(data)})
        limit = guild.filesize_limit
        if len(data) > limit:
            raise UserFacingError(too_big_message(len(data), limit, chosen, guild.id))
        await interaction.followup.send(
            f"The forum's {chosen} export ({megabytes(len(data))}).",
            file=discord.File(io.BytesIO(data), filename=exports.filename(chosen, guild.id)),
            ephemeral=True,
        )
