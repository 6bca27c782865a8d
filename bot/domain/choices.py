"""Autocomplete: what the member typed as a query, and how a choice reads. Pure.

Discord offers at most 25 choices, each named in at most 100 characters; the value is the
number as text, so what the command receives parses like anything typed (``refs.parse_ref``).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import _

MAX_CHOICES = 25  # Discord's limit
NAME_LIMIT = 100  # characters of a choice's name
_MAX_WORDS = 5
_MAX_WORD = 50
_MAX_DIGITS = 14  # longer digit runs are snowflakes (refs._SNOWFLAKE_MIN_DIGITS), not numbers


@dataclass(frozen=True)
class ChoiceQuery:
    """Nothing typed (both empty), a number prefix, or words to find in titles."""

    prefix: int | None = None
    words: tuple[str, ...] = ()
    nothing: bool = False  # a link or an id: no choice can help


def parse_query(text: str | None) -> ChoiceQuery:
    """``"#31"`` / ``"31"``: numbers starting with 31; ``"Slow Query"``: titles holding
    ``slow`` and ``query``; links and raw ids: no choices (the member pastes them whole)."""
    value = (text or "").strip()
    if value.startswith("#"):
        value = value[1:].strip()
    if not value:
        return ChoiceQuery()
    if value.isdigit() and value.isascii():
        digits = value.lstrip("0")
        if not digits or len(digits) > _MAX_DIGITS:
            return ChoiceQuery(nothing=True)
        return ChoiceQuery(prefix=int(digits))
    if "discord.com/channels/" in value or "discordapp.com/channels/" in value:
        return ChoiceQuery(nothing=True)
    # LIKE's wildcards and escape are dropped: a pattern without them needs no ESCAPE clause
    words = tuple(w for w in (_plain(word)[:_MAX_WORD].lower() for word in value.split()[:_MAX_WORDS]) if w)
    return ChoiceQuery(words=words) if words else ChoiceQuery(nothing=True)


def _plain(word: str) -> str:
    return word.replace("%", "").replace("_", "").replace("\\", "")


def number_ranges(prefix: int, greatest: int) -> list[tuple[int, int]]:
    """The ranges of numbers (up to ``greatest``) whose decimal digits start with ``prefix``,
    highest first: 31 → [3100, 3199], [310, 319], [31, 31] when ``greatest`` ≥ 3100."""
    ranges = []
    scale = 1
    while prefix * scale <= greatest:
        ranges.append((prefix * scale, min((prefix + 1) * scale - 1, greatest)))
        scale *= 10
    return ranges[::-1]


def like_pattern(word: str) -> str:
    """A ``LIKE`` pattern finding ``word`` (already without wildcards) anywhere."""
    return f"%{word}%"


def choice_name(number: int, title: str, *, reply: bool = False, status: str = "") -> str:
    """``#3146 What is the difference…`` in at most 100 characters."""
    shown = " ".join(title.split())
    if reply:
        shown = _("reply in: {title}", title=shown)
    if status:
        shown = f"[{status}] {shown}"
    name = f"#{number} {shown}"
    if len(name) > NAME_LIMIT:
        name = name[: NAME_LIMIT - 1].rstrip() + "…"
    return name
