"""A static copy of the archive: one self-contained HTML file per guild (no scripts, inline CSS).
Posts go through the archive's one renderer (``bot.web.markup.markdown``), with the names of
what they mention.

Kept attachments (bot/services/attachments.py) are linked by their place in the attachments
directory (``attachments/<guild>/<message>/<n>-<name>``, relative to the file): copy that
directory beside the export to keep its pictures; the others link Discord's original address."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from importlib import resources

from bot import clock
from bot.porting.readable import ReadableForum, ReadableGuild, ReadableTopic, collect
from bot.storage import attachments as copies_repo
from bot.storage.api import Connection
from bot.storage.attachments import Copy
from bot.storage.models import Post

EXPORT_DIR = "attachments"  # where the export's links expect the kept files, beside it


def _export_href(_post: Post, _n: int, copy: Copy) -> str:
    return f"{EXPORT_DIR}/{copy.path}"


def with_files(conn: Connection, guild: ReadableGuild) -> ReadableGuild:
    """The guild's posts with their attachments linked to the kept copies where there are some."""
    from bot.web.files import dress_all

    forums = []
    for forum in guild.forums:
        topics = []
        for topic in forum.topics:
            posts = [post for post, _depth in topic.ordered]
            if any(post.attachments for post in posts):
                copies = copies_repo.of_posts(conn, [p.id for p in posts if p.attachments])
                dressed = dress_all(posts, copies, _export_href)
                depths = [depth for _post, depth in topic.ordered]
                topic = ReadableTopic(page=topic.page, ordered=list(zip(dressed, depths, strict=True)))
            topics.append(topic)
        forums.append(ReadableForum(forum=forum.forum, topics=topics))
    return replace(guild, forums=forums)


def build(
    conn: Connection, guild_id: int, *, now: str | None = None, step: Callable[[int, int], None] | None = None
) -> str:
    from bot.web.app import templates

    css = resources.files("bot.web").joinpath("static/style.css").read_text(encoding="utf-8")
    guild = with_files(conn, collect(conn, guild_id, step))
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
