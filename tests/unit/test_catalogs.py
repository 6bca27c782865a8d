"""The gettext catalogs against the source (bot/catalogs.py, docs/languages.md).

Every marked message and every command-tree string is in messages.pot and translated in every
language's .po, nothing the source lost stays behind, placeholders match, and translated
command names keep Discord's rules (and stay unique among their siblings)."""

from __future__ import annotations

import asyncio
import gettext
from pathlib import Path

import discord
import pytest
from babel.messages.catalog import Message
from discord import app_commands

from bot import catalogs, i18n
from bot.config import Settings
from bot.services.translator import CatalogTranslator


@pytest.fixture(scope="module")
def tree_commands() -> list:  # type: ignore[type-arg]
    async def load() -> list:  # type: ignore[type-arg]
        import tempfile

        from bot.app import create_bot
        from bot.client import COGS

        with tempfile.TemporaryDirectory() as folder:
            bot = create_bot(Settings(database_path=Path(folder) / "t.db"))
            await bot.db.open()  # type: ignore[attr-defined]
            for extension in COGS:
                await bot.load_extension(extension)
            commands = bot.tree.get_commands()
            bot.scheduler.stop()  # type: ignore[attr-defined]
            await bot.db.close()  # type: ignore[attr-defined]
        return commands

    return asyncio.run(load())


def test_the_catalogs_match_the_source() -> None:
    found = catalogs.problems()
    assert not found, f"{len(found)} catalog problem(s):\n" + "\n".join(found[:60])


def test_spanish_and_german_ship() -> None:
    assert {"es", "de"} <= set(i18n.languages())


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("topic", True),
        ("días_cierre_auto", True),
        ("rollenzuordnung-entfernen", True),
        ("Topic", False),  # lowercase only
        ("mark as answer", False),  # no spaces
        ("a" * 33, False),
        ("", False),
        ("tema!", False),
    ],
)
def test_discords_name_rule(text: str, valid: bool) -> None:
    assert catalogs.valid_name(text) is valid


def _entry(msgid: str, msgstr: str, context: str | None = None) -> Message:
    return Message(msgid, msgstr, context=context)


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        (_entry("Post #{number} is hidden.", "La publicación #{number} está oculta."), None),
        (_entry("Post #{number} is hidden.", "La publicación #{numero} está oculta."), "placeholders"),
        (_entry("Post #{number} is hidden.", ""), "no translation"),
        (_entry("Use {{ and }} for braces", "Usa {{ y }} para las llaves"), None),
        (_entry("Use {{ and }} for braces", "Usa { y } para las llaves"), "differ from"),
        (_entry("topic", "Tema", context=i18n.NAME), "name rules"),
        (_entry("topic", "mi tema", context=i18n.NAME), "name rules"),
        (_entry("Report post", "x" * 33, context=i18n.MENU), "1-32"),
        (Message(("{count} reply", "{count} replies"), ("{count} respuesta", "{count} respuestas")), None),
        (Message(("{count} reply", "{count} replies"), ("{count} respuesta", "")), "no translation"),
        (Message(("one reply", "{count} replies"), ("una respuesta", "{count} respuestas")), None),
        (Message(("one reply", "{count} replies"), ("una respuesta", "{n} respuestas")), "placeholders"),
    ],
)
def test_entry_problems(message: Message, problem: str | None) -> None:
    found = catalogs.entry_problems(message, "es")
    if problem is None:
        assert found == []
    else:
        assert any(problem in each for each in found), found


def test_a_fuzzy_entry_is_not_translated() -> None:
    message = _entry("Reply to a topic", "Responde a un tema")
    message.flags.add("fuzzy")
    assert "fuzzy" in catalogs.entry_problems(message, "es")[0]


def test_a_locale_without_catalog_is_english() -> None:
    with i18n.speaking("ja"):
        assert i18n._("Reply to a topic") == "Reply to a topic"
    assert isinstance(i18n.translations("zz-ZZ"), gettext.NullTranslations)
    assert not i18n.has_catalog("ja")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("es-ES", "Responde a un tema"), ("es-419", "Responde a un tema"), ("de", "Antwortet auf ein Thema")],
)
def test_discord_locales_find_their_catalog(locale: str, expected: str) -> None:
    with i18n.speaking(locale):
        assert i18n._("Reply to a topic") == expected
    assert i18n._("Reply to a topic") == "Reply to a topic"  # outside the block: English again


def _siblings(commands: list) -> list[tuple[str, list[str]]]:  # type: ignore[type-arg]
    """(where, names) for every level whose names Discord wants unique: commands, subcommands, options."""
    levels = [("top level", [c.name for c in commands if not isinstance(c, app_commands.ContextMenu)])]
    for command in commands:
        if isinstance(command, app_commands.Group):
            levels.append((f"/{command.name}", [c.name for c in command.commands]))
            levels += _siblings(list(command.commands))[1:]
        elif isinstance(command, app_commands.Command):
            levels.append((f"/{command.qualified_name} options", [p.display_name for p in command.parameters]))
    return levels


@pytest.mark.parametrize("language", ["es", "de"])
def test_translated_names_stay_unique_among_siblings(tree_commands: list, language: str) -> None:  # type: ignore[type-arg]
    for where, names in _siblings(tree_commands):
        translated = [i18n.translate_to(language, name, i18n.NAME) or name for name in names]
        doubles = {t for t in translated if translated.count(t) > 1}
        assert not doubles, f"{language}: {where} would have two names {doubles}: translate them apart"


@pytest.mark.parametrize("language", ["es", "de"])
def test_translated_descriptions_and_choices_fit(tree_commands: list, language: str) -> None:  # type: ignore[type-arg]
    from bot.services.translator import tree_messages

    for each in tree_messages(tree_commands):
        if each.context in (None, i18n.CHOICE):
            text = i18n.translate_to(language, each.message, each.context)
            assert text is not None and 1 <= len(text) <= 100, f"{language}: {each.where}: {text!r}"


async def test_the_translator_answers_for_discord_locales(tree_commands: list) -> None:  # type: ignore[type-arg]
    translator = CatalogTranslator()
    topic = next(c for c in tree_commands if c.name == "topic")
    topic_str = app_commands.locale_str("topic")
    context = app_commands.TranslationContext(app_commands.TranslationContextLocation.group_name, topic)
    assert await translator.translate(topic_str, discord.Locale.spain_spanish, context) == "tema"
    assert (
        await translator.translate(app_commands.locale_str("topic"), discord.Locale.latin_american_spanish, context)
        == "tema"
    )
    assert await translator.translate(topic_str, discord.Locale.german, context) == "thema"
    assert await translator.translate(topic_str, discord.Locale.japanese, context) is None
    assert (
        await translator.translate(app_commands.locale_str("topic"), discord.Locale.american_english, context) is None
    )


def test_no_module_that_translates_binds_the_name_underscore() -> None:
    """``role, _ = ...`` in a module that imports ``_`` from bot.i18n makes ``_`` local to that
    function: its ``_("...")`` calls then fail (UnboundLocalError) or call the wrong thing."""
    import ast

    found = []
    for top in ("bot", "cogs"):
        for path in (catalogs.ROOT / top).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            imports_it = any(
                isinstance(node, ast.ImportFrom)
                and node.module == "bot.i18n"
                and any(a.name == "_" for a in node.names)
                for node in tree.body
            )
            if not imports_it:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
                    found.append(f"{path.relative_to(catalogs.ROOT)}:{node.lineno}")
    assert not found, f"name another throwaway than `_` (it is gettext here): {found}"
