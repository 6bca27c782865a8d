"""One entry point for the three export formats (the CLI and `/forumadmin export`)."""

from __future__ import annotations

from collections.abc import Callable

from bot.storage.api import Connection

Step = Callable[[int, int], None]  # (topics done, topics in all): a progress bar's (bot/progress.py)

FORMATS = ("json", "html", "markdown")
EXTENSIONS = {"json": "json", "html": "html", "markdown": "md"}


def render(conn: Connection, fmt: str, guild_id: int, step: Step | None = None) -> str:
    """One guild's export as text. Exports are a keymaster's: JSON includes deleted posts.

    HTML and Markdown are readable copies: open and closed topics, published posts, every
    forum of the guild (private ones too). JSON (§7) is the full record. ``step`` hears
    after each topic how many are done of how many.
    """
    from bot.porting import export_html, export_json, export_markdown

    if fmt == "html":
        return export_html.build(conn, guild_id, step=step)
    if fmt == "markdown":
        return export_markdown.build(conn, guild_id, step=step)
    if fmt == "json":
        return export_json.dumps(export_json.build(conn, guild_id, include_deleted=True, step=step))
    raise ValueError(f"unknown export format {fmt!r}")


def filename(fmt: str, guild_id: int) -> str:
    return f"threadkeeper-{guild_id}.{EXTENSIONS[fmt]}"
