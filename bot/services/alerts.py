"""Telling a server's owner (its first keymaster) when the bot cannot write its database.

Members are told in their own answers; the owner gets one DM per outage (at most one an
hour per server), so a full disk is noticed without anyone running /forumadmin health.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import discord

from bot import clock
from bot.i18n import N_, _, speaking
from bot.services import ownership
from bot.services.translator import guild_locale

log = logging.getLogger(__name__)
QUIET = timedelta(hours=1)
STORAGE_ALERT = N_(
    "⚠️ Threadkeeper cannot write its database for **{guild}** (the disk is full, the file is "
    "read-only, or another program holds it locked). Members are told and get their text back; "
    "messages typed in threads stay in Discord and are recorded once writing works again. "
    "`/forumadmin health` shows the state; docs/operations.md says what to do."
)


async def storage_trouble(client: discord.Client, guild: discord.Guild | None) -> None:
    """DM the guild owner that storage is unwritable, unless they were told within the hour."""
    if guild is None or not ownership.owns(client, guild.id, best_effort=True):
        return  # another process (its shard, or its lease) tells this guild's owner
    told: dict[int, datetime] | None = getattr(client, "storage_alerts", None)
    if told is None:
        return
    now = clock.utcnow()
    if guild.id in told and now - told[guild.id] < QUIET:
        return
    told[guild.id] = now
    owner = guild.owner or (await _fetch_owner(guild))
    if owner is None:
        return
    try:
        with speaking(guild_locale(guild)):  # no interaction of the owner's: the server's language
            said = _(STORAGE_ALERT, guild=guild.name)
        await owner.send(said)
    except discord.HTTPException:
        log.warning("could not tell the owner of guild %s about the storage failure", guild.id)


async def _fetch_owner(guild: discord.Guild) -> discord.Member | None:
    if guild.owner_id is None:
        return None
    try:
        return await guild.fetch_member(guild.owner_id)
    except discord.HTTPException:
        return None
