"""The command tree in members' languages, and the language of an interaction.

``CatalogTranslator`` (set by ``ForumBot.setup_hook`` with ``tree.set_translator``) gives Discord
the localisations of command, group and option names (msgctxt ``name``), context menu names
(``menu``), descriptions (no context) and choice names (``choice``) from the gettext catalogs
(bot/i18n.py) when the tree is synced. ``tree_messages`` lists those strings for the catalogs
(bot/catalogs.py). ``enter`` sets the language of the moment from an interaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot import i18n

NAMES = (Where.command_name, Where.group_name, Where.parameter_name)


def context_of(location: Where, data: object) -> str | None:
    """The msgctxt of a tree string at ``location``."""
    if location in NAMES:
        return i18n.MENU if isinstance(data, app_commands.ContextMenu) else i18n.NAME
    if location is Where.choice_name:
        return i18n.CHOICE
    return None


class CatalogTranslator(app_commands.Translator):
    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        if str(locale).startswith("en-"):
            return None  # the source language
        return i18n.translate_to(str(locale), string.message, context_of(context.location, context.data))


def enter(interaction: discord.Interaction) -> None:
    """The rest of this interaction's task speaks the member's language (English without a catalog)."""
    i18n.set_locale(str(interaction.locale))


def guild_locale(guild: discord.Guild | None) -> str | None:
    """A server's language (its Community setting "Primary Language"), for work no interaction caused."""
    return str(guild.preferred_locale) if guild is not None else None


@dataclass(frozen=True)
class TreeString:
    """One translatable string of the command tree, for the catalogs."""

    message: str
    context: str | None
    where: str  # e.g. "/topic new: option title (description)"


AnyCommand = app_commands.Command | app_commands.Group | app_commands.ContextMenu


def tree_messages(commands: Iterable[AnyCommand]) -> list[TreeString]:
    return [each for command in commands for each in _walk(command, "")]


def _walk(command: AnyCommand, prefix: str) -> Iterator[TreeString]:
    if isinstance(command, app_commands.ContextMenu):
        yield TreeString(command.name, i18n.MENU, f"menu {command.name}")
        return
    path = f"{prefix}{command.name}"
    yield TreeString(command.name, i18n.NAME, f"/{path}: name")
    yield TreeString(command.description, None, f"/{path}: description")
    if isinstance(command, app_commands.Group):
        for child in command.commands:
            yield from _walk(child, path + " ")
        return
    for parameter in command.parameters:
        name = parameter.display_name  # a renamed option's name as members see it
        yield TreeString(name, i18n.NAME, f"/{path}: option {name}")
        yield TreeString(parameter.description, None, f"/{path}: option {name} (description)")
        for choice in parameter.choices:
            yield TreeString(choice.name, i18n.CHOICE, f"/{path}: option {name}, choice {choice.name}")
