"""Writing an audit entry for an action a member took through an interaction."""

from __future__ import annotations

from typing import Any

import discord

from bot.domain import timeutil
from bot.storage import audit
from bot.storage.api import Database


async def log_action(db: Database, interaction: discord.Interaction, action: str, **fields: Any) -> int:
    assert interaction.guild_id is not None
    return await db.write(
        audit.record,
        guild_id=interaction.guild_id,
        actor_id=interaction.user.id,
        actor_name=interaction.user.display_name,
        action=action,
        now=timeutil.iso(interaction.created_at),
        **fields,
    )
