"""/mod: the moderators' toolbox, one mixin per family of commands (Red's way):
topics (close/open/stick), restructure (move/merge/split), posts (spam/trash/restore),
members (role/block/spam-member), review (queue/approve/log/history). Housekeeping
(expired blocks, idle topics) lives in bot/services/housekeeping.py: two jobs of the bot's scheduler, added here."""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot.client import ForumBot
from bot.services import queue as mod_queue
from bot.services.housekeeping import Housekeeper
from cogs.moderation.members import MemberCommands
from cogs.moderation.posts import PostCommands
from cogs.moderation.restructure import RestructureCommands
from cogs.moderation.review import ReviewCommands
from cogs.moderation.topics import TopicCommands


@app_commands.default_permissions(manage_threads=True)
class Moderation(
    TopicCommands,
    RestructureCommands,
    PostCommands,
    MemberCommands,
    ReviewCommands,
    commands.GroupCog,
    group_name="mod",
    group_description="Moderators: close, block and review",
):
    def __init__(self, bot: ForumBot) -> None:
        self.bot = bot
        self.db = bot.db
        self.housekeeper = Housekeeper(bot)
        bot.pagers["modlog"] = self._log_page

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*mod_queue.DYNAMIC_ITEMS)  # queue buttons work after restarts
        for job in self.housekeeper.jobs():
            self.bot.scheduler.add(job)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*mod_queue.DYNAMIC_ITEMS)
        for job in self.housekeeper.jobs():
            self.bot.scheduler.remove(job.name)


async def setup(bot: ForumBot) -> None:
    await bot.add_cog(Moderation(bot))
