"""Parsing what members type for a topic or post: `#12`, `12`, links, raw ids. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Discord snowflakes are 17-20 digits; forum numbers are anything shorter.
_SNOWFLAKE_MIN_DIGITS = 15
_LINK = re.compile(
    r"^<?https?://(?:(?:ptb|canary|www)\.)?discord(?:app)?\.com/channels/"
    r"(?P<guild>\d+|@me)/(?P<channel>\d+)(?:/(?P<message>\d+))?/?>?$"
)
_NUMBER = re.compile(r"^#?\s*(?P<n>\d+)$")


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
        raise ReferenceError_("Give a topic or post: `#12`, `12`, a message link or an id.")
    link = _LINK.match(value)
    if link:
        guild = link["guild"]
        return Ref(
            guild_id=None if guild == "@me" else int(guild),
            channel_id=int(link["channel"]),
            message_id=int(link["message"]) if link["message"] else None,
        )
    number = _NUMBER.match(value)
    if number:
        digits = number["n"]
        if len(digits) >= _SNOWFLAKE_MIN_DIGITS and not value.startswith("#"):
            return Ref(raw_id=int(digits))
        n = int(digits)
        if n < 1 or n > 2**53:
            raise ReferenceError_(f"`{value[:40]}` is not a post number.")
        return Ref(number=n)
    shown = value[:40].replace("`", "'")
    raise ReferenceError_(f"`{shown}` is not a topic or post. Use `#12`, `12`, a message or thread link, or an id.")
