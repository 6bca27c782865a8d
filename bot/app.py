"""The factory: builds the bot without I/O and without reading the environment."""

from __future__ import annotations

from discord.ext import commands

from bot.client import ForumBot, SyncMode
from bot.config import Settings


def create_bot(
    settings: Settings, *, sync_commands: bool = False, sync_mode: SyncMode | None = None
) -> commands.AutoShardedBot:
    """An unstarted bot (a ``commands.AutoShardedBot``: the shards of ``settings.shard_ids`` of
    ``settings.shard_count``, or all of them). ``sync_commands=True`` syncs its command tree when it logs in.

    ``sync_mode`` (used by the CLI) may instead be "auto": sync only when the tree's
    hash differs from the one stored at the last sync.
    """
    mode: SyncMode = sync_mode or ("always" if sync_commands else "never")
    return ForumBot(settings, sync_mode=mode)
