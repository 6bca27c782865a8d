"""Text helpers: splitting long text for Discord, post headers, safe inline quoting."""

from __future__ import annotations

MESSAGE_LIMIT = 2000


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
