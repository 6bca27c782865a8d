"""The gettext catalogs kept in step with the source: ``make messages`` (``python -m bot.catalogs``).

The messages are what Babel's extractor finds in ``bot/`` and ``cogs/`` (``_``, ``ngettext``,
``pgettext``, ``N_``) plus the command tree's strings (names, descriptions, choice names; see
bot/services/translator.py), read from the bot with every cog loaded. ``update()`` writes them
to ``bot/locales/messages.pot`` and merges every ``<language>/LC_MESSAGES/threadkeeper.po``
(new ids arrive untranslated, ids the source lost are dropped); ``problems()`` is what
``tests/unit/test_catalogs.py`` fails on. See docs/languages.md.
"""

from __future__ import annotations

import asyncio
import re
import string
import sys
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot import i18n

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = i18n.LOCALES_DIR / "messages.pot"
SOURCES = ("bot", "cogs")
KEYWORDS = {"_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "N_": None}
# Discord's rule for command, group and option names (and its limit for context menu names)
NAME_RULE = re.compile(r"^[-_\w]{1,32}$")
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)  # no date churn in the catalogs' headers
FIX = "run `make messages`, then translate what it left empty in each .po (docs/languages.md)"

Key = tuple[str, str | None]  # (msgid, msgctxt)


def source_messages() -> dict[Key, Message]:
    """Every marked message of bot/ and cogs/, and every string of the command tree."""
    found: dict[Key, Message] = {}
    for top in SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / top, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("Translators:",)
        ):
            msgid = message if isinstance(message, str) else message[0]
            key = (msgid, context)
            where = (f"{top}/{filename}", lineno)
            if key in found:
                found[key].locations.append(where)
                continue
            found[key] = Message(message, locations=[where], auto_comments=comments, context=context)
    for each in asyncio.run(_tree_strings()):
        key = (each.message, each.context)
        if key in found:
            found[key].auto_comments.append(each.where)
            continue
        found[key] = Message(each.message, context=each.context, auto_comments=[each.where])
    return found


async def _tree_strings() -> list:  # type: ignore[type-arg]
    """The command tree with every cog loaded (no login; a throwaway SQLite database)."""
    from bot.app import create_bot
    from bot.client import COGS
    from bot.config import Settings
    from bot.services.translator import tree_messages

    with tempfile.TemporaryDirectory() as folder:
        bot = create_bot(Settings(database_path=Path(folder) / "catalogs.db"))
        await bot.db.open()  # type: ignore[attr-defined]
        for extension in COGS:
            await bot.load_extension(extension)
        found = tree_messages(bot.tree.get_commands())
        bot.scheduler.stop()  # type: ignore[attr-defined]
        await bot.db.close()  # type: ignore[attr-defined]
    return found


def template(messages: dict[Key, Message]) -> Catalog:
    catalog = Catalog(
        project="Threadkeeper", domain=i18n.DOMAIN, creation_date=FIXED_DATE, revision_date=FIXED_DATE, fuzzy=False
    )
    for message in sorted(messages.values(), key=lambda m: (str(m.context or ""), str(m.id))):
        catalog.add(
            message.id,
            ("", "") if isinstance(message.id, tuple) else "",
            locations=message.locations,
            auto_comments=message.auto_comments,
            context=message.context,
        )
    return catalog


def _header(catalog: Catalog) -> None:
    """The same header on every catalog (no dates or placeholders that change at each run)."""
    catalog.project = "Threadkeeper"
    catalog.version = "1"
    catalog.copyright_holder = "Threadkeeper contributors"
    catalog.msgid_bugs_address = ""
    catalog.last_translator = "Threadkeeper contributors"
    catalog.language_team = f"{catalog.locale_identifier or 'LANGUAGE'} (docs/languages.md)"
    catalog.revision_date = FIXED_DATE
    catalog.creation_date = FIXED_DATE
    catalog.fuzzy = False


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=False, ignore_obsolete=True, include_previous=False)


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, domain=i18n.DOMAIN)


def update(languages: Iterable[str] = ()) -> list[str]:
    """Write the template and merge every catalog (and start the ``languages`` asked for)."""
    pot = template(source_messages())
    _header(pot)
    _write(TEMPLATE, pot)
    said = [f"{TEMPLATE.relative_to(ROOT)}: {len(pot)} messages"]
    for language in sorted(set(i18n.languages()) | set(languages)):
        path = i18n.catalog_path(language)
        catalog = _read(path, language) if path.exists() else Catalog(locale=language, domain=i18n.DOMAIN)
        catalog.update(pot, no_fuzzy_matching=True, update_creation_date=False)
        _header(catalog)
        _write(path, catalog)
        empty = sum(1 for m in catalog if m.id and not _translated(m))
        said.append(f"{path.relative_to(ROOT)}: {len(catalog)} messages, {empty} to translate")
    return said


def _translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return not message.fuzzy and all(strings)


def _key(message: Message) -> Key:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return (msgid, message.context)


def _label(key: Key) -> str:
    return f"{key[0]!r}" + (f" (context {key[1]})" if key[1] else "")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def entry_problems(message: Message, language: str) -> list[str]:
    """What is wrong with one translated entry: missing, fuzzy, placeholders, Discord's name rules."""
    label = f"{language}: {_label(_key(message))}"
    if message.fuzzy:
        return [f"{label} is marked fuzzy: check its translation and remove the fuzzy flag"]
    if not _translated(message):
        return [f"{label} has no translation: translate it in {i18n.catalog_path(language).relative_to(ROOT)}"]
    ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
    strings = [str(s) for s in (message.string if isinstance(message.string, tuple | list) else (message.string,))]
    try:
        wanted = set().union(*(placeholders(i) for i in ids))
    except ValueError as error:
        return [f"{label}: the source's braces do not parse ({error}); write literal braces as {{{{ }}}}"]
    problems = []
    try:
        got = [placeholders(s) for s in strings]
    except ValueError as error:
        return [f"{label}: the translation's braces do not parse ({error}); write literal braces as {{{{ }}}}"]
    if (len(ids) == 1 and got[0] != wanted) or (len(ids) > 1 and set().union(*got) != wanted):
        problems.append(f"{label}: placeholders {sorted(set().union(*got))} differ from the source's {sorted(wanted)}")
    if any(g - wanted for g in got):
        problems.append(f"{label}: a plural form names a placeholder the source has not")
    if message.context == i18n.NAME:
        problems += [f"{label}: {s!r} breaks Discord's name rules" for s in strings if not valid_name(s)]
    if message.context == i18n.MENU:
        problems += [f"{label}: {s!r} is not 1-32 characters" for s in strings if not 1 <= len(s) <= 32]
    return problems


def valid_name(text: str) -> bool:
    """Discord's rule for a command, group or option name: ^[-_\\p{L}\\p{N}]{1,32}$, lowercase."""
    return bool(NAME_RULE.match(text)) and text == text.lower() and all(c.isalnum() or c in "-_" for c in text)


def _sorted(keys: Iterable[Key]) -> list[Key]:
    return sorted(keys, key=str)


def problems() -> list[str]:
    """Every way the catalogs differ from the source, each saying what to do."""
    source = source_messages()
    found: list[str] = []
    if not TEMPLATE.exists():
        return [f"{TEMPLATE.relative_to(ROOT)} is missing: {FIX}"]
    pot = {_key(m) for m in _read(TEMPLATE) if m.id}
    found += [
        f"{_label(k)} is in the source but not in messages.pot: {FIX}" for k in sorted(source.keys() - pot, key=str)
    ]
    found += [
        f"{_label(k)} is in messages.pot but no longer in the source: {FIX}"
        for k in sorted(pot - source.keys(), key=str)
    ]
    for language in i18n.languages():
        catalog = _read(i18n.catalog_path(language), language)
        have = {_key(m): m for m in catalog if m.id}
        found += [
            f"{language}: {_label(k)} is in the source but not in the catalog: {FIX}"
            for k in _sorted(source.keys() - have.keys())
        ]
        found += [
            f"{language}: {_label(k)} is no longer in the source: {FIX} (it drops the id)"
            for k in _sorted(have.keys() - source.keys())
        ]
        for key, message in have.items():
            if key in source:
                found += entry_problems(message, language)
    return found


def main(argv: list[str]) -> int:
    for line in update(argv):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
