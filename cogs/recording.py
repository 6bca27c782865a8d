"""Listeners that feed the recording path (bot/services/recording/) and start the catch-up.

A listener that raises is reported by ForumBot.on_error (bot/failures.py); the catch-up task
reports through ``failures.reported``."""

from __future__ import annotations

import asyncio
import logging

import discord
from discord.ext import commands

from bot import failures
from bot.client import ForumBot
from bot.domain.shards import Shards
from bot.storage import forums, guilds

log = logging.getLogger(__name__)


class Recording(commands.Cog):
    def __init__(self, bot: ForumBot) -> None:
        self.bot = bot
        self.recorder = bot.recorder
        self._catchup: asyncio.Task[None] | None = None
        self._again = False

    async def cog_load(self) -> None:
        await self.recorder.load()

    def start_catch_up(self) -> None:
        """Catch up the guilds this process owns; one more time after the running one, if one runs."""
        if self._catchup is None or self._catchup.done():
            self.recorder.catchup_shards = None  # not claimed yet
            self._catchup = asyncio.create_task(self._catch_up(), name="threadkeeper-catch-up")
        else:
            self._again = True

    async def _catch_up(self) -> None:
        self._again = False
        await failures.reported(self.bot, self.recorder.catch_up(), where="catch-up")
        while self._again:
            self._again = False
            await failures.reported(self.bot, self.recorder.catch_up(), where="catch-up")

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # on_ready fires for every fresh READY of the process (not for a resumed session): catch up.
        self.start_catch_up()

    @commands.Cog.listener()
    async def on_shard_ready(self, shard_id: int) -> None:
        # With several shards, one shard's fresh READY after the start is not an on_ready.
        if self.bot.is_ready():
            self.start_catch_up()

    @commands.Cog.listener()
    async def on_forum_shards_gained(self, gained: Shards) -> None:
        # This process took over the once-per-guild work of these shards (bot/services/ownership.py).
        running = self._catchup is not None and not self._catchup.done()
        covered = self.recorder.catchup_shards
        if running and (covered is None or gained.ids <= covered.ids):
            return  # the running catch-up claimed (or is claiming) them itself
        self.start_catch_up()

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        await self.recorder.on_message(message)

    @commands.Cog.listener()
    async def on_thread_create(self, thread: discord.Thread) -> None:
        await self.recorder.on_thread_create(thread)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        await self.recorder.on_raw_edit(payload)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        if payload.guild_id is not None:
            await self.recorder.on_raw_delete(payload.guild_id, payload.channel_id, [payload.message_id])

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        if payload.guild_id is not None:
            await self.recorder.on_raw_delete(payload.guild_id, payload.channel_id, sorted(payload.message_ids))

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        await self.recorder.on_thread_delete(payload.thread_id)

    @commands.Cog.listener()
    async def on_guild_channel_update(self, before: discord.abc.GuildChannel, after: discord.abc.GuildChannel) -> None:
        if isinstance(after, discord.ForumChannel | discord.TextChannel) and after.id in self.recorder.forum_ids:
            public = after.permissions_for(after.guild.default_role).view_channel
            category = after.category.name if after.category is not None else None
            await self.bot.db.write(forums.update_channel, after.id, name=after.name, public=public, category=category)

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        if self.recorder.forum_ids.pop(channel.id, None) is not None:
            await self.bot.db.write(forums.channel_deleted, channel.id)

    @commands.Cog.listener()
    async def on_guild_update(self, before: discord.Guild, after: discord.Guild) -> None:
        if before.name != after.name:
            await self.bot.db.write(guilds.ensure, after.id, after.name)


async def setup(bot: ForumBot) -> None:
    await bot.add_cog(Recording(bot))
