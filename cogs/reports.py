"""Message menu "Report post": any member reports a forum post with a reason (to /mod queue)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ForumBot
from bot.domain import timeutil
from bot.domain.words import status_word
from bot.errors import UserFacingError
from bot.failures import AnsweringModal
from bot.i18n import N_, _, pgettext
from bot.storage import posts, reports

REASON_MAX = 500


class ReportModal(AnsweringModal, title=N_("Report post")):  # class defaults: __init__ translates them
    reason: discord.ui.TextInput[ReportModal] = discord.ui.TextInput(
        label=N_("What is wrong with this post?"),
        custom_id="reason",
        style=discord.TextStyle.paragraph,
        min_length=1,
        max_length=REASON_MAX,
        placeholder=N_("Spam, abuse, off-topic, personal data ..."),
    )

    def __init__(self, bot: ForumBot, post_id: int, number: int) -> None:
        super().__init__(title=pgettext("menu", "Report post"))
        self.reason.label = _("What is wrong with this post?")
        self.reason.placeholder = _("Spam, abuse, off-topic, personal data ...")
        self.bot, self.post_id, self.number = bot, post_id, number

    async def on_submit(self, interaction: discord.Interaction) -> None:
        text = str(self.reason.value).strip()
        if not text:
            raise UserFacingError(_("Give a reason so the moderators know what to look at."))
        assert interaction.guild_id is not None
        await self.bot.db.transaction(
            reports.report,
            guild_id=interaction.guild_id,
            post_id=self.post_id,
            reporter_id=interaction.user.id,
            reason=text,
            now=timeutil.iso(interaction.created_at),
        )
        await interaction.response.send_message(
            _("Thanks: post **#{number}** is reported and waits in the moderators' queue.", number=self.number),
            ephemeral=True,
        )


class Reports(commands.Cog):
    def __init__(self, bot: ForumBot) -> None:
        self.bot = bot
        self.menu = app_commands.ContextMenu(name="Report post", callback=self.report_post)
        self.menu.guild_only = True

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    async def report_post(self, interaction: discord.Interaction, message: discord.Message) -> None:
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage()
        post = await self.bot.db.run(posts.by_message, message.id)
        if post is None or post.guild_id != interaction.guild.id:
            raise UserFacingError(_("Only forum posts can be reported; this message is not one."))
        if post.status != "publish":
            raise UserFacingError(
                _(
                    "Post #{number} is already in status «{status}».",
                    number=post.number,
                    status=status_word(post.status),
                )
            )
        if post.author_id == interaction.user.id:
            raise UserFacingError(_("That is your own post: edit or delete it instead."))
        await interaction.response.send_modal(ReportModal(self.bot, post.id, post.number))


async def setup(bot: ForumBot) -> None:
    await bot.add_cog(Reports(bot))
