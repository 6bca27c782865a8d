"""One entry point for the three export formats (the CLI and `/forumadmin export`)."""

from __future__ import annotations

from bot.storage.api import Connection

FORMATS = ("json", "html", "markdown")
EXTENSIONS = {"json": "json", "html": "html", "markdown": "md"}


def render(conn: Connection, fmt: str, guild_id: int) -> str:
    """One guild's export as text. Exports are a keymaster's: JSON includes deleted posts.

    HTML and Markdown are readable copies: open and closed topics, published posts, every
    forum of the guild (private ones too). JSON (§7) is the full record.
    """
    from bot.porting import export_html, export_json, export_markdown

    if fmt == "html":
        return export_html.build(conn, guild_id)
    if fmt == "markdown":
        return export_markdown.build(conn, guild_id)
    if fmt == "json":
        return export_json.dumps(export_json.build(conn, guild_id, include_deleted=True))
    raise ValueError(f"unknown export format {fmt!r}")


def filename(fmt: str, guild_id: int) -> str:
    return f"threadkeeper-{guild_id}.{EXTENSIONS[fmt]}"
