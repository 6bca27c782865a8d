"""Parsing what members type for a topic or post: `#12`, `12`, links, raw ids. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.i18n import _

# Discord snowflakes are 17-20 digits; forum numbers are anything shorter.
_SNOWFLAKE_MIN_DIGITS = 15
_LINK = re.compile(
    r"^<?https?://(?:(?:ptb|canary|www)\.)?discord(?:app)?\.com/channels/"
    r"(?P<guild>\d+|@me)/(?P<channel>\d+)(?:/(?P<message>\d+))?/?>?$"
)
_NUMBER = re.compile(r"^#?\s*(?P<n>\d+)$")
# Discord ids are signed 64-bit (as are SQLite INTEGERs): larger "ids" name nothing.
SNOWFLAKE_MAX = 2**63 - 1
NUMBER_MAX = 2**53


class ReferenceError_(ValueError):
    """Raised for text that is no reference at all."""


@dataclass(frozen=True)
class Ref:
    """A parsed reference. Exactly one of number / snowflake forms is set."""

    number: int | None = None
    guild_id: int | None = None
    channel_id: int | None = None
    message_id: int | None = None
    raw_id: int | None = None


def parse_ref(text: str) -> Ref:
    """Parse a reference or raise ReferenceError_ with a message for the member."""
    value = (text or "").strip()
    if not value:
        raise ReferenceError_(_("Give a topic or post: `#12`, `12`, a message link or an id."))
    shown = " ".join(value[:40].replace("`", "'").split())
    link = _LINK.match(value)
    if link:
        guild = link["guild"]
        return Ref(
            guild_id=None if guild == "@me" else _snowflake(guild, shown),
            channel_id=_snowflake(link["channel"], shown),
            message_id=_snowflake(link["message"], shown) if link["message"] else None,
        )
    number = _NUMBER.match(value)
    if number:
        digits = number["n"]
        if len(digits) >= _SNOWFLAKE_MIN_DIGITS and not value.startswith("#"):
            return Ref(raw_id=_snowflake(digits, shown))
        # Bound the length before int(): Python refuses to convert over 4,300 digits.
        n = int(digits) if len(digits) <= 16 else 0
        if n < 1 or n > NUMBER_MAX:
            raise ReferenceError_(_("`{text}` is not a post number.", text=shown))
        return Ref(number=n)
    raise ReferenceError_(
        _("`{text}` is not a topic or post. Use `#12`, `12`, a message or thread link, or an id.", text=shown)
    )


def _snowflake(digits: str, shown: str) -> int:
    value = int(digits) if len(digits) <= 20 else 0
    if not 1 <= value <= SNOWFLAKE_MAX:
        raise ReferenceError_(_("`{text}` does not contain a valid Discord id.", text=shown))
    return value
