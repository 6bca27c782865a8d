"""Numbers from outside — URLs, query strings, import files, the command line, the
environment — parsed strictly, in one place. Pure.

Python's ``int()`` takes much more than such text should carry: other scripts' digits
(``int("٣") == 3``), signs, underscores (``"1_000"``), surrounding whitespace, and it raises
on more than 4,300 digits; ``str.isdigit()`` says yes to superscripts (``"²"``) that
``int()`` then refuses. ``?page=²`` gave the archive a 500 that way. Here a number is ASCII
digits only, within stated bounds, or nothing.
"""

from __future__ import annotations

import re

# SQLite's INTEGER is signed 64-bit; Discord's snowflakes are unsigned 64-bit but stay
# below 2**63 until 2084, so every id the bot stores is 1 .. 2**63 - 1.
ID_MAX = 2**63 - 1
PORT_MAX = 65535

_DIGITS = re.compile(r"[0-9]+")  # [0-9], not \d: \d matches every script's digits


def strict_int(text: object, *, low: int = 0, high: int = ID_MAX) -> int | None:
    """``text`` as an int when it is ASCII digits only (no sign, space or ``_``) and
    ``low <= value <= high``; else None."""
    if not isinstance(text, str) or not text or len(text) > len(str(high)) + 2:
        return None  # leading zeros are fine (a few), thousands of digits are not read
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def strict_id(text: object) -> int | None:
    """A Discord or database id: 1 .. 2**63 - 1, written in ASCII digits."""
    return strict_int(text, low=1, high=ID_MAX)


def describe_problem(text: object, *, what: str = "a number", low: int = 1, high: int = ID_MAX) -> str:
    """Why ``text`` is not ``what`` (``strict_int(text, low=low, high=high)`` was None), for a message."""
    shown = repr(text)[:40] if not isinstance(text, str) else repr(text[:30] + ("…" if len(text) > 30 else ""))
    if isinstance(text, str) and _DIGITS.fullmatch(text):
        return f"{shown} is out of range: {what} is {low} to {high}"
    return f"{shown} is not {what} written in the digits 0-9"


def describe_id_problem(text: object) -> str:
    """Why ``text`` is not an id (``strict_id(text)`` was None), in words for an error message."""
    return describe_problem(text, what="an id")
