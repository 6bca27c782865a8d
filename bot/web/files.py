"""Attachments in the archive: kept copies served from ``/attachments/...``, the rest linked.

``/attachments/<guild>/<post number>/<n>/<name>`` serves attachment ``n`` (from 0) of post
#number when the keeper kept it (bot/services/attachments.py) and an anonymous reader may
see the post (``bot.storage.attachments.served``: the topic page's own predicates). Anything
else, a name that is not the kept file's, a path that leaves the attachments directory or a
file gone from the disk, is a 404. Pictures are served as what their bytes are (PNG, JPEG,
GIF, WebP); every other file as ``application/octet-stream`` with ``Content-Disposition:
attachment``, so a browser downloads it rather than rendering it under the archive's origin.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.domain.attachments import safe_name, web_link
from bot.domain.numbers import strict_int
from bot.storage import attachments as copies_repo
from bot.storage.attachments import KEPT, Copy
from bot.storage.models import Post
from bot.web.common import DB_KEY, path_id

ROOT_KEY = web.AppKey("attachments_root", Path)
MAX_N = 9  # Discord's 10 attachments a message
# A kept file may change visibility (its post hidden, its member's consent): caches keep it an hour.
CACHE = "public, max-age=3600"
# The file itself runs nothing and loads nothing, whatever it is.
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"

Href = Callable[[Post, int, Copy], str]


def filesize(size: int) -> str:
    """``1.2 MB``, ``340 KB``, ``12 bytes``."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size // 1024} KB"
    return f"{size} byte{'s' if size != 1 else ''}"


def archive_href(post: Post, n: int, copy: Copy) -> str:
    """The archive's address of a kept file."""
    return f"/attachments/{post.guild_id}/{post.number}/{n}/{safe_name(copy.filename)}"


def dressed(post: Post, copies: Mapping[int, Copy], href: Href = archive_href) -> Post:
    """The post with its attachments as the templates show them: ``filename``, and ``src``
    (the kept copy, ``image`` with ``width``/``height`` when known) or ``link`` (the original
    http(s) address, which may have expired) or neither."""
    files: list[dict[str, Any]] = []
    for n, attachment in enumerate(post.attachments):
        name = str(attachment.get("filename") or "file")
        copy = copies.get(n)
        if copy is not None and copy.state == KEPT and copy.path:
            files.append(
                {
                    "filename": name,
                    "src": href(post, n, copy),
                    "image": copy.is_image,
                    "width": copy.width,
                    "height": copy.height,
                    "size": copy.size,
                }
            )
        else:
            files.append({"filename": name, "link": web_link(str(attachment.get("url") or ""))})
    return replace(post, attachments=tuple(files))  # type: ignore[arg-type]


def dress_all(posts: list[Post], copies: Mapping[int, Mapping[int, Copy]], href: Href = archive_href) -> list[Post]:
    return [dressed(p, copies.get(p.id, {}), href) if p.attachments else p for p in posts]


async def serve(request: web.Request) -> web.StreamResponse:
    guild_id = path_id(request, "guild")
    number = path_id(request, "number")
    n = strict_int(request.match_info["n"], low=0, high=MAX_N)
    root = request.app.get(ROOT_KEY)
    info = request.match_info
    if n is None or root is None or (info["guild"], info["number"], info["n"]) != (str(guild_id), str(number), str(n)):
        raise web.HTTPNotFound()  # one address per file: no leading zeros
    copy = await request.app[DB_KEY].run(copies_repo.served, guild_id, number, n)
    if copy is None or copy.path is None or request.match_info["name"] != safe_name(copy.filename):
        raise web.HTTPNotFound()
    base = root.resolve()
    try:
        target = (base / copy.path).resolve()
    except (OSError, RuntimeError, ValueError):
        raise web.HTTPNotFound() from None
    if base not in target.parents or not target.is_file():
        raise web.HTTPNotFound()
    headers = {
        "Content-Type": (copy.content_type if copy.is_image else None) or "application/octet-stream",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": CACHE,
        "Content-Security-Policy": FILE_CSP,
        "Referrer-Policy": "no-referrer",
    }
    if not copy.is_image:
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(safe_name(copy.filename))}"
    return web.FileResponse(target, headers=headers)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/attachments/{guild:[0-9]+}/{number:[0-9]+}/{n:[0-9]+}/{name}", serve)
