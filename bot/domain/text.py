"""Text helpers: control characters out of recorded text, splitting long text for Discord,
post headers, safe inline quoting."""

from __future__ import annotations

import re

MESSAGE_LIMIT = 2000

# Control characters (Unicode category Cc: U+0000-U+001F, U+007F-U+009F) and lone surrogates
# (Cs, which JSON can smuggle in and UTF-8 cannot encode). XML 1.0 cannot carry most of them
# at all: one U+0001 in a title made the archive's RSS feed unreadable.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")  # all but \t and \n
_LINE_BREAKS = re.compile("[\t\n\r]")
_LINE_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def without_controls(text: str) -> str:
    """Text as it is recorded (SPEC §3): newlines and tabs kept, CRLF as one newline, every
    other control character dropped. Text without any comes back as it is (the common case)."""
    if _CONTROLS.search(text) is None:
        return text
    return _CONTROLS.sub("", text.replace("\r\n", "\n"))


def one_line(text: str) -> str:
    """A one-line value as it is recorded (titles, tags, names): tabs and line breaks become
    spaces, every other control character is dropped."""
    if _LINE_CONTROLS.search(text) is None:
        return text
    return _LINE_CONTROLS.sub("", _LINE_BREAKS.sub(" ", text.replace("\r\n", " ")))


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split into chunks of at most ``limit`` characters; never drops a character.

    Prefers paragraph breaks, then line breaks, then spaces, each only when it leaves the
    chunk at least half full (a short header line never goes out alone); a word longer
    than the limit is cut hard. Joining the chunks gives back the text.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        found = [(window.rfind(sep), len(sep)) for sep in ("\n\n", "\n", " ")]
        usable = [p + n for p, n in found if p > 0]
        cut = next((p + n for p, n in found if p >= limit // 2), max(usable, default=limit))
        chunks.append(rest[:cut])
        rest = rest[cut:]
    if rest or not chunks:
        chunks.append(rest)
    return chunks


def post_header(author_name: str, role_display: str, number: int | None = None) -> str:
    prefix = f"`#{number}` " if number is not None else ""
    return f"{prefix}**{escape_inline(author_name)}** · *{role_display}*"


def escape_inline(text: str) -> str:
    """Escape Discord markdown in a short inline value (names, titles)."""
    for char in ("\\", "*", "_", "~", "`", "|", ">", "["):
        text = text.replace(char, "\\" + char)
    return text


def excerpt(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"
