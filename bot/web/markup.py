"""Turning what members wrote into safe HTML: Discord Markdown, snippets, times. Pure functions."""

from __future__ import annotations

from datetime import UTC, datetime

from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from bot.storage.search import highlight_segments
from bot.ui.topics import role_display

# CommonMark without raw HTML (members' "<script>" stays text), Discord's ~~strike~~, and a
# line break wherever the member pressed Enter (as Discord shows it). Images are not loaded
# from members' links (no tracking pixels): the image syntax stays a plain link.
_MD = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False}).enable("strikethrough")
_MD.disable("image")
_MD.validateLink = lambda url: url.strip().lower().startswith(("http://", "https://", "mailto:", "#"))  # type: ignore[method-assign]


def markdown(text: str) -> Markup:
    """Discord-flavoured Markdown as HTML; everything the member typed is escaped."""
    rendered = _MD.render(text or "")
    # Links members wrote open elsewhere and carry no referrer or ranking credit.
    rendered = rendered.replace("<a href=", '<a rel="nofollow noopener noreferrer ugc" href=')
    return Markup(rendered)  # markdown-it escapes text and refuses raw HTML


def highlight(snippet: str) -> Markup:
    """A search snippet (``bot.storage.search``'s markers around matches): every piece of the
    member's text escaped, the matched words in <mark>."""
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


__all__ = ["ago", "highlight", "markdown", "reply_threads", "rfc822", "role_display", "when"]
