"""The one failure path: every command, menu, form, button and listener reports here.

- **Interactions** (slash commands and menus through ``ForumTree.on_error``, forms through
  ``AnsweringModal``, views through ``AnsweringView``, persistent buttons through the
  ``Answering`` mixin, since discord.py only logs a DynamicItem's errors): ``answer()``
  tells the member ephemerally (a followup when the response is already done) what
  happened and what to do.
- **Listeners** (``ForumBot.on_error``: ``event_failed()``) and **background work**
  (catch-up, housekeeping, digests: ``reported()`` / ``report()``) have no member to answer.

Either way, an unexpected failure (anything but a refusal the member caused) gets a short
error code, logged at ERROR with its traceback (logger ``bot.failures``, fields
``error_code``, ``where``, ``guild_id``, ``command``), shown to the member, and kept as the
bot's ``last_failure`` for ``/forumadmin health``; ``StorageUnavailable`` also tells the
server's owner (``bot.services.alerts``, at most once an hour). ``explain()`` is the pure
mapping from an error to what the member reads.
"""

from __future__ import annotations

import logging
import math
import secrets
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, TypeVar

import discord
from discord import app_commands

from bot import clock
from bot.domain.text import split_text
from bot.errors import ForumRoleCheckFailure, NotDone, UserFacingError
from bot.i18n import N_, _, ngettext
from bot.services import translator
from bot.services.alerts import storage_trouble
from bot.storage.errors import StorageUnavailable

log = logging.getLogger("bot.failures")
T = TypeVar("T")

# Marked with N_ and translated when said (_(STORAGE_BUSY)): the member's language, not the import's.
STORAGE_UNAVAILABLE = N_(
    "The forum cannot save anything right now: its storage is full or read-only. "
    "Nothing was posted or changed; please try again later. The keymasters can see this in `/forumadmin health`."
)
STORAGE_BUSY = N_(
    "The forum's storage is busy right now (another program holds it locked). "
    "Nothing was posted or changed; please try again in a minute."
)
UNEXPECTED = N_("Something went wrong on our side (error code `{code}`). Nothing was lost; please try again.")
GIVE_BACK = N_("Here is your text, so nothing is lost:")


# ---------------------------------------------------------------- what the member reads
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
        return _(
            "Discord refused: the bot is missing a permission here ({detail}). Ask a server admin to check the "
            "bot's permissions on this forum, then try again.",
            detail=error.text or "Missing Permissions",
        )
    if error.status == 429:
        wait = retry_after(error)
        if wait is not None and wait < 120:
            return ngettext(
                "Discord is rate limiting the bot right now. Please try again in {count} second.",
                "Discord is rate limiting the bot right now. Please try again in {count} seconds.",
                wait,
            )
        if wait is not None:
            return ngettext(
                "Discord is rate limiting the bot right now. Please try again in {count} minute.",
                "Discord is rate limiting the bot right now. Please try again in {count} minutes.",
                -(-wait // 60),
            )
        return _("Discord is rate limiting the bot right now. Please try again in a minute.")
    return _(
        "Discord could not complete that (HTTP {status}). Nothing was recorded; please try again in a moment.",
        status=error.status,
    )


@dataclass(frozen=True)
class Explanation:
    """What the member reads about an error, before any error code is added."""

    text: str  # empty: nothing specific to say (the generic UNEXPECTED text is used)
    unexpected: bool  # not a refusal the member caused: error code, log with traceback, health
    storage: bool = False  # the database cannot take writes: the owner is alerted
    outcome: str = ""  # what became of the action (NotDone), said after the explanation
    give_back: str | None = None  # the member's text, handed back (NotDone)


def explain(error: BaseException) -> Explanation:
    """Map an error (as any path catches it, wrappers included) to what the member reads."""
    if isinstance(error, app_commands.CommandInvokeError):
        return explain(error.original)
    if isinstance(error, NotDone):
        inner = explain(error.__cause__) if error.__cause__ is not None else Explanation("", True)
        outcome = " ".join(part for part in (inner.outcome, error.outcome) if part)
        return Explanation(inner.text, inner.unexpected, inner.storage, outcome, error.give_back or inner.give_back)
    if isinstance(error, UserFacingError | ForumRoleCheckFailure):
        return Explanation(error.message, False)
    if isinstance(error, app_commands.NoPrivateMessage):
        return Explanation(_("Threadkeeper's commands work inside a server, not in direct messages."), False)
    if isinstance(error, app_commands.MissingPermissions):
        missing = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return Explanation(_("You need the {permissions} permission for this command.", permissions=missing), False)
    if isinstance(error, app_commands.CommandOnCooldown):
        wait = round(error.retry_after)
        return Explanation(
            ngettext("Slow down: try again in {count} second.", "Slow down: try again in {count} seconds.", wait), False
        )
    if isinstance(error, app_commands.TransformerError):
        return Explanation(_("`{value}` is not a valid value for this option.", value=error.value), False)
    if isinstance(error, app_commands.CheckFailure):
        return Explanation(_("You may not use this command here."), False)
    if isinstance(error, StorageUnavailable):
        text = _(STORAGE_BUSY) if error.reason == "locked" else _(STORAGE_UNAVAILABLE)
        return Explanation(text, True, storage=True)
    if isinstance(error, discord.HTTPException):
        return Explanation(describe_http_error(error), True)
    return Explanation("", True)


def member_text(explanation: Explanation, code: str | None) -> str:
    """The whole answer: the explanation, the error code when there is one, the outcome."""
    if explanation.text:
        text = explanation.text + (" " + _("(error code `{code}`)", code=code) if code else "")
    else:
        text = _(UNEXPECTED, code=code or "?")
    if explanation.outcome:
        text += " " + explanation.outcome
    if explanation.give_back:
        text += "\n" + _(GIVE_BACK)
    return text


def message_for(error: BaseException) -> tuple[str, bool]:
    """The member-facing text for an error (without a code), and whether it is unexpected."""
    explanation = explain(error)
    return explanation.text, explanation.unexpected


def what_failed(error: BaseException) -> str:
    """The failure in a few words for logs and health: its type, never the member's data."""
    while True:
        if isinstance(error, app_commands.CommandInvokeError):
            error = error.original
        elif isinstance(error, NotDone) and error.__cause__ is not None:
            error = error.__cause__
        else:
            break
    if isinstance(error, StorageUnavailable):
        return f"StorageUnavailable ({error.reason})"
    if isinstance(error, discord.HTTPException):
        return f"{type(error).__name__} (HTTP {error.status})"
    return type(error).__name__


# ---------------------------------------------------------------- log, health, alert
@dataclass(frozen=True)
class Failure:
    """The newest unexpected failure, for /forumadmin health."""

    at: datetime
    where: str
    what: str
    code: str

    def line(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} UTC in {self.where}: {self.what} (code `{self.code}`)"


def note(
    client: discord.Client,
    error: BaseException,
    *,
    where: str,
    guild_id: int | None = None,
    user_id: int | None = None,
    command: str | None = None,
    level: int = logging.ERROR,
) -> Failure:
    """Give the failure a code, log it with its traceback and keep it for health."""
    code = secrets.token_hex(3)
    what = what_failed(error)
    log.log(
        level,
        "failed: where=%s guild=%s user=%s code=%s error=%s",
        where,
        guild_id,
        user_id,
        code,
        what,
        exc_info=error,
        extra={"guild_id": guild_id, "command": command, "where": where, "error_code": code},
    )
    failure = Failure(at=clock.utcnow(), where=where, what=what, code=code)
    client.last_failure = failure  # type: ignore[attr-defined]
    return failure


async def alert_owners(client: discord.Client, guild: discord.Guild | None) -> None:
    """The storage alert for the guild concerned, or every guild for work that spans them."""
    for each in [guild] if guild is not None else list(client.guilds):
        await storage_trouble(client, each)


async def report(
    client: discord.Client,
    error: BaseException,
    *,
    where: str,
    guild: discord.Guild | None = None,
    level: int = logging.ERROR,
) -> Failure:
    """A failure with no member to answer (a listener, background work): log, health, alert."""
    failure = note(client, error, where=where, guild_id=guild.id if guild else None, level=level)
    if explain(error).storage:
        await alert_owners(client, guild)
    return failure


async def reported(
    client: discord.Client, work: Awaitable[T], *, where: str, guild: discord.Guild | None = None
) -> T | None:
    """Await background ``work``; a failure goes through ``report`` (None is returned)."""
    try:
        return await work
    except Exception as error:
        await report(client, error, where=where, guild=guild)
        return None


def guild_of(client: discord.Client, args: tuple[Any, ...]) -> discord.Guild | None:
    """The guild an event's arguments belong to (a message, a channel, a raw payload)."""
    for arg in args:
        guild = getattr(arg, "guild", None)
        if isinstance(guild, discord.Guild):
            return guild
        guild_id = getattr(arg, "guild_id", None)
        if isinstance(guild_id, int):
            return client.get_guild(guild_id)
        if isinstance(arg, discord.Guild):
            return arg
    return None


async def event_failed(client: discord.Client, error: BaseException | None, event: str, args: tuple[Any, ...]) -> None:
    """A listener raised (``Client.on_error``): reported under the event's name."""
    if error is not None:
        await report(client, error, where=event, guild=guild_of(client, args))


# ---------------------------------------------------------------- interactions
def where_of(interaction: discord.Interaction) -> str:
    command = interaction.command
    if isinstance(command, app_commands.ContextMenu):
        return f"{command.name} (menu)"
    if command is not None:
        return f"/{command.qualified_name}"
    return interaction.type.name


async def answer(interaction: discord.Interaction, error: BaseException, *, where: str | None = None) -> None:
    """Tell the member what happened and what to do; note unexpected failures, alert on storage."""
    translator.enter(interaction)  # (already so, unless the failure came before any check)
    explanation = explain(error)
    command = interaction.command
    place = where or where_of(interaction)
    code = None
    if explanation.unexpected:
        name = command.qualified_name if isinstance(command, app_commands.Command) else getattr(command, "name", None)
        failure = note(
            interaction.client,
            error,
            where=place,
            guild_id=interaction.guild_id,
            user_id=interaction.user.id,
            command=name,
        )
        code = failure.code
    told = await send_ephemeral(interaction, member_text(explanation, code))
    if told and explanation.give_back:
        try:
            for chunk in split_text(explanation.give_back, 1990):
                await interaction.followup.send(chunk, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException:
            log.warning("could not hand user %s their text back", interaction.user.id, exc_info=True)
    if explanation.storage:
        await alert_owners(interaction.client, interaction.guild)


async def send_ephemeral(interaction: discord.Interaction, text: str) -> bool:
    """Answer ephemerally whether or not the interaction was already acknowledged."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not tell user %s about an error", interaction.user.id, exc_info=True)
        return False
    return True


class ForumTree(app_commands.CommandTree):
    """Slash commands and context menus: every error goes through ``answer``."""

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        translator.enter(interaction)  # this command's answers speak the member's language
        if interaction.guild is None and interaction.type is discord.InteractionType.application_command:
            raise app_commands.NoPrivateMessage()
        return True

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await answer(interaction, error)


class AnsweringModal(discord.ui.Modal):
    """A form whose failures the member is told about (discord.py only logs them)."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:  # type: ignore[override]
        translator.enter(interaction)  # the form's answers speak the member's language
        return True

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:  # type: ignore[override]
        await answer(interaction, error, where=f"{self.title} form")


class AnsweringView(discord.ui.View):
    """A view whose items' failures the member is told about (discord.py only logs them)."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:  # type: ignore[override]
        translator.enter(interaction)  # the view's answers speak the member's language
        return True

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /) -> None:
        await answer(interaction, error, where=f"{type(item).__name__} of {type(self).__name__}")


class Answering:
    """Mixin for a persistent button (``discord.ui.DynamicItem``): put it first among the
    bases and implement ``pressed``. discord.py only logs a DynamicItem's errors (the view it
    builds for the press is its own), so the callback runs the press inside ``answer``."""

    where: ClassVar[str] = "a button"

    async def callback(self, interaction: discord.Interaction[Any]) -> Any:
        translator.enter(interaction)  # the press's answers speak the member's language
        try:
            await self.pressed(interaction)
        except Exception as error:
            await answer(interaction, error, where=self.where)

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        raise NotImplementedError
