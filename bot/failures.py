"""The one app-command error handler: every failure becomes an ephemeral answer."""

from __future__ import annotations

import logging
import math
import secrets

import discord
from discord import app_commands

from bot.errors import ForumRoleCheckFailure, UserFacingError
from bot.services.alerts import storage_trouble
from bot.storage.api import STORAGE_UNAVAILABLE, is_unwritable

log = logging.getLogger("bot.commands")


def retry_after(error: discord.HTTPException) -> int | None:
    """Whole seconds from a 429's Retry-After header, when Discord sent one."""
    headers = getattr(error.response, "headers", None) or {}
    try:
        value = float(headers.get("Retry-After", ""))
    except (TypeError, ValueError):
        return None
    return max(1, math.ceil(value)) if value > 0 else None


def describe_http_error(error: discord.HTTPException) -> str:
    if isinstance(error, discord.Forbidden):
        return (
            "Discord refused: the bot is missing a permission here "
            f"({error.text or 'Missing Permissions'}). Ask a server admin to check the bot's "
            "permissions on this forum, then try again."
        )
    if error.status == 429:
        wait = retry_after(error)
        when = f"in {wait} second{'s' if wait != 1 else ''}" if wait is not None and wait < 120 else "in a minute"
        if wait is not None and wait >= 120:
            when = f"in {-(-wait // 60)} minutes"
        return f"Discord is rate limiting the bot right now. Please try again {when}."
    return f"Discord could not complete that (HTTP {error.status}). Nothing was recorded; please try again in a moment."


def message_for(error: app_commands.AppCommandError) -> tuple[str, bool]:
    """The member-facing text for an error, and whether it is unexpected (to be logged)."""
    original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    if isinstance(original, UserFacingError):
        return original.message, False
    if isinstance(original, ForumRoleCheckFailure):
        return original.message, False
    if isinstance(original, app_commands.NoPrivateMessage):
        return "Threadkeeper's commands work inside a server, not in direct messages.", False
    if isinstance(original, app_commands.MissingPermissions):
        missing = ", ".join(p.replace("_", " ").title() for p in original.missing_permissions)
        return f"You need the {missing} permission for this command.", False
    if isinstance(original, app_commands.CommandOnCooldown):
        return f"Slow down: try again in {original.retry_after:.0f} seconds.", False
    if isinstance(original, app_commands.TransformerError):
        return f"`{original.value}` is not a valid value for this option.", False
    if isinstance(original, app_commands.CheckFailure):
        return "You may not use this command here.", False
    if isinstance(original, discord.HTTPException):
        return describe_http_error(original), True
    if is_unwritable(original):
        return STORAGE_UNAVAILABLE, True
    return "", True


class ForumTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.guild is None and interaction.type is discord.InteractionType.application_command:
            raise app_commands.NoPrivateMessage()
        return True

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        text, unexpected = message_for(error)
        command = interaction.command.qualified_name if interaction.command else "?"
        if unexpected:
            code = secrets.token_hex(3)
            original = getattr(error, "original", error)
            log.error(
                "command failed: guild=%s command=%s user=%s code=%s error=%s",
                interaction.guild_id,
                command,
                interaction.user.id,
                code,
                type(original).__name__,
                exc_info=error,
                extra={"guild_id": interaction.guild_id, "command": command, "error_code": code},
            )
            # For /forumadmin health: the newest failure, without the member's data.
            interaction.client.last_error = (  # type: ignore[attr-defined]
                f"{discord.utils.utcnow():%Y-%m-%d %H:%M} UTC /{command}: {type(original).__name__} (code {code})"
            )
            if not text:
                text = f"Something went wrong on our side (error code `{code}`). Nothing was lost; please try again."
            else:
                text += f" (error code `{code}`)"
        await send_ephemeral(interaction, text)
        if is_unwritable(getattr(error, "original", error)):
            await storage_trouble(interaction.client, interaction.guild)


async def send_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Answer ephemerally whether or not the interaction was already acknowledged."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not tell user %s about an error", interaction.user.id, exc_info=True)
