"""ForumBot: opens the database, loads the cogs, syncs commands when asked."""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from datetime import datetime
from typing import Any, Literal

import discord
from discord.ext import commands

from bot import failures, i18n
from bot.config import Settings
from bot.failures import Failure, ForumTree
from bot.services.attachments import Keeper
from bot.services.ownership import Ownership
from bot.services.recording import Recorder
from bot.services.scheduler import Scheduler
from bot.services.translator import CatalogTranslator
from bot.storage import create_database, kv
from bot.ui.pager import PageButton, PageFn

log = logging.getLogger(__name__)
SyncMode = Literal["always", "auto", "never"]

COGS = (
    "cogs.recording",
    "cogs.admin",
    "cogs.forums",
    "cogs.topics",
    "cogs.moderation",
    "cogs.reports",
    "cogs.search",
    "cogs.answers",
    "cogs.ownposts",
    "cogs.profiles",
    "cogs.subscriptions",
)


def intents() -> discord.Intents:
    wanted = discord.Intents.default()
    wanted.message_content = True  # privileged: posts are recorded with their text
    wanted.members = True  # privileged: roles and display names of members
    return wanted


class ForumBot(commands.AutoShardedBot):
    """The bot. It runs ``settings.shard_ids`` of ``settings.shard_count`` shards (SHARD_IDS /
    SHARD_COUNT); without them, every shard, as many as Discord recommends."""

    def __init__(self, settings: Settings, *, sync_mode: SyncMode = "never") -> None:
        shards: dict[str, Any] = {"shard_count": settings.shard_count}
        if settings.shard_ids is not None:
            shards["shard_ids"] = list(settings.shard_ids)
        super().__init__(
            **shards,
            command_prefix=commands.when_mentioned,
            intents=intents(),
            tree_cls=ForumTree,
            help_command=None,
            # Nothing the bot sends pings anyone unless a call opts in explicitly.
            allowed_mentions=discord.AllowedMentions.none(),
            max_messages=1000,
        )
        self.settings = settings
        self.sync_mode: SyncMode = sync_mode
        self.db = create_database(settings)
        self.recorder = Recorder(self)
        self.attachments = Keeper(self)  # copies of attachments, off the recording path (services/attachments.py)
        self.scheduler = Scheduler(self)  # timed work: cogs add their jobs, it sleeps until one is due
        self.ownership = Ownership(self)  # whose once-per-guild work is it (bot/services/ownership.py)
        self.pagers: dict[str, PageFn] = {}
        self.last_failure: Failure | None = None  # the newest unexpected failure (bot/failures.py), for health
        self.storage_alerts: dict[int, datetime] = {}  # guild id -> when its owner was told (services/alerts.py)

    async def setup_hook(self) -> None:
        await self.db.open(batch_size=self.settings.writer_batch_size)
        await self.tree.set_translator(CatalogTranslator())  # the commands in members' languages (docs/languages.md)
        for extension in COGS:
            await self.load_extension(extension)
        self.add_dynamic_items(PageButton)
        await self.sync_tree_if_needed()
        self.scheduler.start()

    async def on_ready(self) -> None:
        running = self.ownership.running()
        log.info("ready: shards %s, %s", running.label() if running else "?", self.ownership.holder)
        self.ownership.start()
        self.scheduler.poke()  # a fresh READY: every job looks again (guilds may be back)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        if self.is_ready():
            self.scheduler.poke()  # work held for this guild while it was unavailable

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        """A listener raised: the one failure path reports it (log with code, health, alert)."""
        await failures.event_failed(self, sys.exc_info()[1], event_method, args)

    def tree_hash(self) -> str:
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands()]
        blob = json.dumps(payload, sort_keys=True, default=str)
        digest = hashlib.sha256(blob.encode())
        for language in i18n.languages():  # a changed translation of the tree syncs it again
            digest.update(language.encode() + i18n.catalog_path(language).read_bytes())
        return digest.hexdigest()

    async def sync_tree_if_needed(self, *, force: bool = False) -> bool:
        if self.sync_mode == "never" and not force:
            return False
        digest = self.tree_hash()
        if not force and self.sync_mode == "auto" and await self.db.run(kv.get, "command_tree_hash") == digest:
            return False
        if self.settings.dev_guild_id:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()
        await self.db.transaction(kv.put, "command_tree_hash", digest)
        log.info("synced the command tree (%s)", digest[:12])
        return True

    async def close(self) -> None:
        self.scheduler.stop()
        try:
            await self.attachments.close()
            await self.ownership.release()
            await super().close()
        finally:
            if self.db.is_open:
                await self.db.close()
