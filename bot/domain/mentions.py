"""The pieces of Discord markup that stand for something else: mentions, timestamps, custom
emoji and command mentions, and how each reads as text. Pure; shared by the HTML renderer
(``bot.domain.markup``) and the Markdown export (``readable_markdown`` below).

Names come in as a lookup (``Names``): the archive reads them for a page in one query
(``bot.storage.names``); what it does not know reads as ``@unknown-user``, ``@unknown-role``
or ``#unknown-channel``, never as a raw id. Times are UTC (a page has no reader's zone
without a script).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.domain.text import escape_inline as _escape

USER = re.compile(r"<@!?([0-9]{1,20})>")
ROLE = re.compile(r"<@&([0-9]{1,20})>")
CHANNEL = re.compile(r"<#([0-9]{1,20})>")
TIMESTAMP = re.compile(r"<t:(-?[0-9]{1,17})(?::([tTdDfFR]))?>")
EMOJI = re.compile(r"<(a?):([A-Za-z0-9_]{1,32}):([0-9]{1,20})>")
COMMAND = re.compile(r"</([\w-]{1,32}(?: [\w-]{1,32}){0,2}):([0-9]{1,20})>")

UNKNOWN_USER = "unknown-user"
UNKNOWN_ROLE = "unknown-role"
UNKNOWN_CHANNEL = "unknown-channel"


@dataclass(frozen=True)
class Names:
    """Who and what the ids of a text name: users (display names), roles, channels (a forum
    channel's or a topic thread's name). Absent ids read as unknown."""

    users: Mapping[int, str] = field(default_factory=dict)
    roles: Mapping[int, str] = field(default_factory=dict)
    channels: Mapping[int, str] = field(default_factory=dict)

    def user(self, user_id: int) -> str | None:
        return self.users.get(user_id)

    def role(self, role_id: int) -> str | None:
        return self.roles.get(role_id)

    def channel(self, channel_id: int) -> str | None:
        return self.channels.get(channel_id)


NO_NAMES = Names()


@dataclass(frozen=True)
class Refs:
    """The ids a text (or a page of texts) mentions: what to look up before rendering."""

    users: frozenset[int] = frozenset()
    roles: frozenset[int] = frozenset()
    channels: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.users or self.roles or self.channels)


_ID_MAX = 2**63 - 1  # what the database can hold; a larger "id" names nothing


def references(texts: Iterable[str]) -> Refs:
    """Every user, role and channel id mentioned in ``texts`` (inside code too: looking up a
    name too many costs nothing)."""
    users: set[int] = set()
    roles: set[int] = set()
    channels: set[int] = set()
    for text in texts:
        if not text or "<" not in text:
            continue
        users.update(int(m) for m in USER.findall(text))
        roles.update(int(m) for m in ROLE.findall(text))
        channels.update(int(m) for m in CHANNEL.findall(text))
    return Refs(
        frozenset(i for i in users if i <= _ID_MAX),
        frozenset(i for i in roles if i <= _ID_MAX),
        frozenset(i for i in channels if i <= _ID_MAX),
    )


# ---------------------------------------------------------------- timestamps

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def moment(seconds: str) -> datetime | None:
    """A ``<t:seconds>`` timestamp's time, or None when no calendar holds it."""
    try:
        return datetime.fromtimestamp(int(seconds), UTC)
    except (OverflowError, OSError, ValueError):
        return None


def styled(when: datetime, style: str | None, now: datetime | None = None) -> str:
    """A time as Discord's style asks (UTC, 24-hour):
    t ``10:00 UTC``, T ``10:00:30 UTC``, d ``2026-11-28``, D ``28 November 2026``,
    f (the default) ``28 November 2026 10:00 UTC``, F ``Saturday, 28 November 2026 10:00 UTC``,
    R relative to ``now`` (``3 days ago``, ``in 2 hours``)."""
    day = f"{when.day} {MONTHS[when.month - 1]} {when.year}"
    if style == "t":
        return when.strftime("%H:%M UTC")
    if style == "T":
        return when.strftime("%H:%M:%S UTC")
    if style == "d":
        return f"{when.year:04d}-{when.month:02d}-{when.day:02d}"
    if style == "D":
        return day
    if style == "F":
        return f"{WEEKDAYS[when.weekday()]}, {day} {when.strftime('%H:%M')} UTC"
    if style == "R":
        return relative(when, now or datetime.now(UTC))
    return f"{day} {when.strftime('%H:%M')} UTC"


def relative(when: datetime, now: datetime) -> str:
    """``3 days ago`` / ``in 2 hours`` / ``just now``, as Discord's R style reads."""
    seconds = int((now - when).total_seconds())
    future, seconds = seconds < 0, abs(seconds)
    for unit, size in (("year", 31536000), ("month", 2592000), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            phrase = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {phrase}" if future else f"{phrase} ago"
    return "just now"


def iso(when: datetime) -> str:
    """The machine-readable time of a ``<time datetime=...>``."""
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if 0 < when.year < 10000 else when.isoformat()


# ---------------------------------------------------------------- as text


def user_text(names: Names, user_id: str) -> str:
    return "@" + (names.user(int(user_id)) or UNKNOWN_USER)


def role_text(names: Names, role_id: str) -> str:
    return "@" + (names.role(int(role_id)) or UNKNOWN_ROLE)


def channel_text(names: Names, channel_id: str) -> str:
    return "#" + (names.channel(int(channel_id)) or UNKNOWN_CHANNEL)


# Code is left as written (Discord shows mentions in code as typed); so are escapes.
_TOKEN_PATTERN = (
    USER.pattern.replace("(", "(?P<user>", 1)
    + r"|"
    + ROLE.pattern.replace("(", "(?P<role>", 1)
    + r"|"
    + CHANNEL.pattern.replace("(", "(?P<channel>", 1)
    + r"|<t:(?P<seconds>-?[0-9]{1,17})(?::(?P<style>[tTdDfFR]))?>"
    + r"|<a?:(?P<emoji>[A-Za-z0-9_]{1,32}):[0-9]{1,20}>"
    + r"|</(?P<command>[\w-]{1,32}(?: [\w-]{1,32}){0,2}):[0-9]{1,20}>"
)
_TOKENS = re.compile(_TOKEN_PATTERN)  # the mentions, times, emoji and commands alone
_READABLE = re.compile(r"(?P<fence>```[\s\S]*?```)|(?P<ticks>`+)|(?P<escape>\\[^0-9A-Za-z\s])|" + _TOKEN_PATTERN)


def readable_markdown(text: str, names: Names = NO_NAMES) -> str:
    """A member's Discord Markdown for the Markdown export: kept as written, but mentions read
    ``@Name`` / ``@Role`` / ``#channel``, timestamps as dates (``R`` too: a file has no
    "now", so it reads as the full date), custom emoji ``:name:`` and command mentions
    ``/name``; not inside code. Spoilers stay ``||hidden||``, as Discord readers know them."""
    if not text or "<" not in text:
        return text
    out: list[str] = []
    pos = 0
    while (found := _READABLE.search(text, pos)) is not None:
        out.append(text[pos : found.start()])
        pos = found.end()
        if found.group("ticks"):  # `code`: as written, up to the run of backticks as long
            closing = _closing_ticks(text, pos, len(found.group("ticks")))
            if closing >= 0:
                pos = closing
            out.append(text[found.start() : pos])
        else:
            out.append(_readable(found, names))
    out.append(text[pos:])
    return "".join(out)


def _same(text: str) -> str:
    return text


def _closing_ticks(text: str, pos: int, length: int) -> int:
    """Just past the next run of exactly ``length`` backticks from ``pos``, or -1."""
    while (start := text.find("`", pos)) >= 0:
        end = start
        while end < len(text) and text[end] == "`":
            end += 1
        if end - start == length:
            return end
        pos = end
    return -1


def _readable(found: re.Match[str], names: Names, *, markdown: bool = True) -> str:
    escape_inline = _escape if markdown else _same
    if found.group("user"):
        return escape_inline(user_text(names, found.group("user")))
    if found.group("role"):
        return escape_inline(role_text(names, found.group("role")))
    if found.group("channel"):
        return escape_inline(channel_text(names, found.group("channel")))
    if found.group("seconds"):
        when = moment(found.group("seconds"))
        style = found.group("style")
        return found.group(0) if when is None else styled(when, "f" if style == "R" else style)
    if found.group("emoji"):
        return escape_inline(f":{found.group('emoji')}:")
    if found.group("command"):
        return escape_inline(f"/{found.group('command')}")
    return found.group(0)  # a fence or an escape: as written


_TEXT_SPOILER = re.compile(r"\|\|([\s\S]+?)\|\|")


def readable_text(text: str, names: Names = NO_NAMES, *, keep: str = "") -> str:
    """Plain text (a search snippet) with mentions, timestamps, emoji and command mentions read
    as in ``readable_markdown``, unescaped (the caller escapes), and each ``||spoiler||`` as
    ``[spoiler]``. ``keep``: characters a spoiler's text may hold that must stay (a snippet's
    highlight markers), kept after ``[spoiler]`` in order."""
    if not text:
        return text
    if "||" in text:
        text = _TEXT_SPOILER.sub(lambda m: "[spoiler]" + "".join(c for c in m.group(1) if c in keep), text)
    if "<" not in text:
        return text
    return _TOKENS.sub(lambda found: _readable(found, names, markdown=False), text)
