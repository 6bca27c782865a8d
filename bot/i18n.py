"""Languages: the gettext function members' messages go through, and whose language it is now.

``_("Post #{number} is hidden.", number=12)`` translates into the language of the moment and
fills the named placeholders (translators may reorder them; literal braces are always ``{{ }}``).
``ngettext(singular, plural, count, ...)`` picks the plural form (``{count}`` is filled too),
``pgettext(context, text)`` translates a short word that means different things in different
places, and ``N_("...")`` only marks a text for the catalogs (a constant translated later with
``_(CONSTANT)``).

The language of the moment is a context variable (``LOCALE``), set once where an interaction
enters (``bot/failures.py``: the command tree's, forms' and views' interaction checks and the
persistent buttons) from ``interaction.locale``, or from the server's preferred locale for work
no interaction caused (a typed message refused, a digest). Tasks copy it when they start, so
services never pass a locale around. Unset, it is English.

Catalogs are ``bot/locales/<language>/LC_MESSAGES/threadkeeper.po``, read at first use (Babel's
``read_po``, compiled in memory: no .mo file, no build step). A Discord locale is looked up as
itself (``pt-BR`` → ``pt_BR``), then by its language (``es-419`` → ``es``); a locale with no
catalog is English. Pure: no discord, no storage (domain rules may use it for their refusals).
See docs/languages.md.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "threadkeeper"
SOURCE_LOCALE = "en-US"

LOCALE: ContextVar[str] = ContextVar("threadkeeper_locale", default=SOURCE_LOCALE)

# msgctxt of the command tree's strings (bot/services/translator.py)
NAME = "name"  # command, group and option names: Discord's name rules
MENU = "menu"  # context menu names
CHOICE = "choice"  # an option's choice names


def catalog_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def languages() -> list[str]:
    """The languages with a catalog (``es``, ``de``, ...), English (the source) not among them."""
    if not LOCALES_DIR.is_dir():
        return []
    return sorted(p.name for p in LOCALES_DIR.iterdir() if catalog_path(p.name).is_file())


def candidates(locale: str) -> list[str]:
    """Catalog names to try for a Discord locale: ``es-419`` → ``es_419``, ``es``."""
    tag = str(locale).replace("-", "_")
    language = tag.split("_")[0].lower()
    return [tag, language] if tag != language else [language]


@cache
def _compiled(language: str) -> gettext.NullTranslations:
    """A catalog compiled in memory (fuzzy and untranslated entries fall back to English)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with catalog_path(language).open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The translations for a Discord locale; English (no translation) when none has a catalog."""
    known = set(languages())
    for name in candidates(locale):
        if name in known:
            return _compiled(name)
    return gettext.NullTranslations()


def has_catalog(locale: str) -> bool:
    return any(name in set(languages()) for name in candidates(locale))


def _fill(text: str, values: dict[str, Any]) -> str:
    return text.format(**values)  # always: a message's literal braces are written {{ }}


def _(message: str, /, **values: Any) -> str:
    """``message`` in the language of the moment, its ``{placeholders}`` filled from ``values``."""
    return _fill(translations(LOCALE.get()).gettext(message), values)


def ngettext(singular: str, plural: str, count: int, /, **values: Any) -> str:
    """The plural form for ``count`` in the language of the moment; ``{count}`` is filled too."""
    return _fill(translations(LOCALE.get()).ngettext(singular, plural, count), {"count": count, **values})


def pgettext(context: str, message: str, /, **values: Any) -> str:
    """``message`` as meant in ``context`` (a word with several meanings)."""
    return _fill(translations(LOCALE.get()).pgettext(context, message), values)


def N_(message: str, /) -> str:
    """Mark ``message`` for the catalogs without translating it now."""
    return message


def translate_to(locale: str, message: str, context: str | None = None) -> str | None:
    """``message`` in ``locale``'s catalog, or None when that catalog has no translation for it."""
    table = translations(locale)
    if isinstance(table, gettext.GNUTranslations):
        found = table.pgettext(context, message) if context else table.gettext(message)
        return found if found != message or _has_entry(table, message, context) else None
    return None


def _has_entry(table: gettext.GNUTranslations, message: str, context: str | None) -> bool:
    key = f"{context}\x04{message}" if context else message
    return key in table._catalog  # type: ignore[attr-defined]


def set_locale(locale: str | None) -> None:
    """The language of the rest of this task (an interaction's, a server's); None: English."""
    LOCALE.set(str(locale) if locale else SOURCE_LOCALE)


@contextmanager
def speaking(locale: str | None) -> Iterator[None]:
    """Within the block, messages are in ``locale`` (e.g. a server's, for a DM it sends)."""
    token = LOCALE.set(str(locale) if locale else SOURCE_LOCALE)
    try:
        yield
    finally:
        LOCALE.reset(token)
