"""A static copy of the archive: one self-contained HTML file per guild (no scripts, inline CSS).
Posts go through the archive's one renderer (``bot.web.markup.markdown``), with the names of
what they mention."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from importlib import resources

from bot import clock
from bot.porting.readable import collect
from bot.storage.api import Connection


def build(
    conn: Connection, guild_id: int, *, now: str | None = None, step: Callable[[int, int], None] | None = None
) -> str:
    from bot.web.app import templates

    css = resources.files("bot.web").joinpath("static/style.css").read_text(encoding="utf-8")
    guild = collect(conn, guild_id, step)
    exported_at = now or clock.utcnow().replace(microsecond=0).isoformat()
    return (
        templates()
        .get_template("export.html")
        .render(
            title=guild.name or "Forums",
            guild=guild,
            css=css,
            exported_at=exported_at,
            now=datetime.fromisoformat(exported_at),  # relative timestamps read as of the export
        )
    )
