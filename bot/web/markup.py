"""Turning what members wrote into safe HTML: Discord markup, snippets, times. Pure functions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from markupsafe import Markup, escape

from bot.domain import markup as discord_markup
from bot.domain.mentions import NO_NAMES, Names, Refs, readable_text, references
from bot.storage.search import HL_END, HL_START, highlight_segments
from bot.ui.topics import role_display


def markdown(text: str, names: Names = NO_NAMES, now: datetime | None = None, *, feed: bool = False) -> Markup:
    """A member's Discord markup as HTML (``bot.domain.markup``: the archive's, its feeds' and
    the HTML export's one renderer); everything the member typed is escaped. ``names``: the
    names of what the text mentions (``bot.storage.names.lookup``); ``now``: what relative
    timestamps (``<t:…:R>``) are relative to; ``feed``: for RSS readers, which have no
    stylesheet to hide a spoiler with, so it reads ``[spoiler]``."""
    return Markup(discord_markup.render(text or "", names, now=now, withhold_spoilers=feed))  # escaped


def mentioned(texts: Iterable[str]) -> Refs:
    """The ids ``texts`` mention: what to look up (in one query) before rendering them."""
    return references(texts)


def highlight(snippet: str, names: Names | None = None) -> Markup:
    """A search snippet (``bot.storage.search``'s markers around matches): mentions, timestamps
    and emoji read as text (``names``: of what the snippet mentions), a spoiler as
    ``[spoiler]``, every piece of the member's text escaped, the matched words in <mark>."""
    snippet = readable_text(snippet, names or NO_NAMES, keep=HL_START + HL_END)
    return Markup(
        "".join(
            f"<mark>{escape(text)}</mark>" if marked else str(escape(text))
            for text, marked in highlight_segments(snippet)
        )
    )


def as_text(html: Markup) -> str:
    """HTML as plain text, so autoescape escapes it again (RSS descriptions carry escaped HTML)."""
    return str.__str__(html)


def when(iso_text: str | None) -> str:
    """A readable UTC time: 2026-11-28 10:00 UTC."""
    if not iso_text:
        return "never"
    moment = datetime.fromisoformat(iso_text).astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def ago(iso_text: str | None, now: datetime | None = None) -> str:
    """bbPress's freshness: "5 minutes ago", "2 days ago", "never"."""
    if not iso_text:
        return "never"
    then = datetime.fromisoformat(iso_text)
    seconds = max(0, int(((now or datetime.now(UTC)) - then).total_seconds()))
    for unit, size in (("year", 31536000), ("month", 2592000), ("week", 604800), ("day", 86400), ("hour", 3600)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    if seconds >= 60:
        count = seconds // 60
        return f"{count} minute{'s' if count != 1 else ''} ago"
    return "just now"


def rfc822(iso_text: str) -> str:
    """RSS's date format."""
    return datetime.fromisoformat(iso_text).astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


def reply_threads(count: int) -> str:
    return f"Viewing {count} reply thread" + ("" if count == 1 else "s")


__all__ = ["ago", "highlight", "markdown", "mentioned", "reply_threads", "rfc822", "role_display", "when"]
