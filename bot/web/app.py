"""The read-only web archive (SPEC §6).

Routes:
    /                                  forums: Forum, Topics, Posts, Freshness
    /forums/<forum id>?page=N          topics, stickies first: Topic, Voices, Posts, Freshness
    /topics/<number>?guild=<id>&page=N a topic (numbers are per guild: ``guild`` picks the guild;
                                       without it the number must be unambiguous)
    /search?q=...&guild=<id>           full-text search of published posts
    /forums/<forum id>/feed.xml        RSS of the forum's newest topics
    /static/style.css                  the stylesheet

Only registered public forums, only open/closed topics, only published posts; every
member-written string is escaped by jinja2's autoescape or rendered by markup.markdown.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from aiohttp import web

from bot.config import Settings
from bot.storage import archive, connect, create_database, describe, target
from bot.storage.api import Database
from bot.ui.topics import status_line
from bot.web import markup

TOPICS_PER_PAGE = 15
DB_KEY = web.AppKey("db", Database)
ENV_KEY = web.AppKey("jinja", jinja2.Environment)
SearchFn = Callable[..., list[archive.SearchHit]]
SEARCH_FN_KEY: web.AppKey[SearchFn] = web.AppKey("search")
MAX_QUERY_CHARS = 200


def templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bot.web", "templates"),
        autoescape=jinja2.select_autoescape(["html", "xml"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["markdown"] = markup.markdown
    env.filters["highlight"] = markup.highlight
    env.filters["when"] = markup.when
    env.filters["ago"] = markup.ago
    env.filters["rfc822"] = markup.rfc822
    env.filters["as_text"] = markup.as_text
    env.filters["role"] = markup.role_display
    env.globals["topic_url"] = topic_url
    env.globals["reply_threads"] = markup.reply_threads
    env.globals["status_line"] = status_line
    return env


def topic_url(guild_id: int, number: int, page: int = 1) -> str:
    query = {"guild": str(guild_id)}
    if page > 1:
        query["page"] = str(page)
    return f"/topics/{number}?{urlencode(query)}"


def _page(request: web.Request) -> int:
    text = request.query.get("page", "1")
    return int(text) if text.isdigit() and 0 < int(text) < 100000 else 1


def _guild(request: web.Request) -> int | None:
    text = request.query.get("guild", "")
    if not text:
        return None
    if not text.isdigit() or len(text) > 19 or int(text) >= 2**63:
        raise web.HTTPBadRequest(text="guild must be a numeric id")
    return int(text)


def _render(request: web.Request, name: str, *, status: int = 200, **context: Any) -> web.Response:
    body = request.app[ENV_KEY].get_template(name).render(**context)
    content_type = "application/rss+xml" if name.endswith(".xml") else "text/html"
    response = web.Response(text=body, status=status, content_type=content_type, charset="utf-8")
    # The archive loads nothing from elsewhere and runs no script.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _not_found(request: web.Request, what: str) -> web.Response:
    return _render(request, "error.html", status=404, title="Not found", message=what)


async def index(request: web.Request) -> web.Response:
    rows = await request.app[DB_KEY].run(archive.public_forums)
    guilds: dict[int, tuple[str, list[archive.ForumRow]]] = {}
    for row in rows:
        guilds.setdefault(row.forum.guild_id, (row.guild_name, []))[1].append(row)
    return _render(request, "index.html", title="Forums", guilds=list(guilds.values()))


async def forum(request: web.Request) -> web.Response:
    db = request.app[DB_KEY]
    found = await db.run(archive.public_forum, int(request.match_info["forum_id"]))
    if found is None:
        return _not_found(request, "No such forum in the archive.")
    page = _page(request)
    listed, total = await db.run(
        lambda conn: archive.forum_topics(conn, found.forum, offset=(page - 1) * TOPICS_PER_PAGE, limit=TOPICS_PER_PAGE)
    )
    pages = max(1, math.ceil(total / TOPICS_PER_PAGE))
    if page > pages:
        raise web.HTTPFound(f"/forums/{found.forum.id}?page={pages}")
    return _render(
        request,
        "forum.html",
        title=found.forum.name,
        row=found,
        topics=listed,
        total=total,
        page=page,
        pages=pages,
        base=f"/forums/{found.forum.id}",
    )


async def topic(request: web.Request) -> web.Response:
    db = request.app[DB_KEY]
    number = int(request.match_info["number"])
    guild_id = _guild(request)
    found = await db.run(archive.topics_numbered, number, guild_id)
    if not found:
        # #N may be a reply's number: send the reader to the topic holding it (when only one does).
        holders = await db.run(archive.topics_holding_post, number, guild_id)
        if len(holders) == 1:
            holder = holders[0]
            per_page = await db.run(archive.replies_per_page, holder.guild_id)
            page = await db.run(archive.page_of, holder.id, number, per_page)
            raise web.HTTPFound(topic_url(holder.guild_id, holder.number, (page or 0) + 1) + f"#post-{number}")
        found = holders
    if not found:
        return _not_found(request, f"No topic #{number} in the archive.")
    if len(found) > 1:
        names = {t.guild_id: await db.run(archive.guild_name, t.guild_id) for t in found}
        return _render(request, "choose.html", title=f"#{number}", topics=found, names=names, number=number)
    chosen = found[0]
    per_page = await db.run(archive.replies_per_page, chosen.guild_id)
    page = _page(request)
    view = await db.run(archive.topic_view, chosen.id, page - 1, per_page)
    if page > view.pages:
        raise web.HTTPFound(topic_url(chosen.guild_id, chosen.number, view.pages))
    guild_name = await db.run(archive.guild_name, chosen.guild_id)
    return _render(
        request,
        "topic.html",
        title=view.topic.title,
        view=view,
        guild_name=guild_name,
        posts=view.entries,
        page=page,
        pages=view.pages,
        base=topic_url(chosen.guild_id, chosen.number),
    )


async def search(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()[:MAX_QUERY_CHARS]
    guild_id = _guild(request)
    hits: list[archive.SearchHit] = []
    if query:
        hits = await request.app[DB_KEY].run(request.app[SEARCH_FN_KEY], query, guild_id=guild_id)
    return _render(request, "search.html", title="Search", query=query, hits=hits, searched=bool(query))


async def feed(request: web.Request) -> web.Response:
    db = request.app[DB_KEY]
    found = await db.run(archive.public_forum, int(request.match_info["forum_id"]))
    if found is None:
        return _not_found(request, "No such forum in the archive.")
    items = await db.run(archive.newest_topics, found.forum.id)
    base = f"{request.scheme}://{request.host}"
    return _render(request, "feed.xml", row=found, items=items, base=base)


async def stylesheet(request: web.Request) -> web.Response:
    css = resources.files("bot.web").joinpath("static/style.css").read_text(encoding="utf-8")
    response = web.Response(text=css, content_type="text/css", charset="utf-8")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


async def no_icon(_request: web.Request) -> web.Response:
    """Browsers ask for it; the archive has none (204 keeps their consoles quiet)."""
    return web.Response(status=204)


@web.middleware
async def errors(request: web.Request, handler: Callable[[web.Request], Any]) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except web.HTTPNotFound:
        return _not_found(request, "There is no such page in the archive.")


def create_app(db: Database, *, search_fn: SearchFn | None = None) -> web.Application:
    """The archive over an (already opened, read-only) database.

    ``search_fn(conn, text, *, guild_id)`` returning ``archive.SearchHit``s can replace the
    built-in FTS5 search (e.g. the `/search` command's, when it lives in bot/storage/search.py).
    """
    app = web.Application(middlewares=[errors])
    app[DB_KEY] = db
    app[ENV_KEY] = templates()
    app[SEARCH_FN_KEY] = search_fn or archive.search
    app.router.add_get("/", index)
    app.router.add_get(r"/forums/{forum_id:\d{1,18}}", forum)
    app.router.add_get(r"/forums/{forum_id:\d{1,18}}/feed.xml", feed)
    app.router.add_get(r"/topics/{number:\d{1,18}}", topic)
    app.router.add_get("/search", search)
    app.router.add_get("/static/style.css", stylesheet)
    app.router.add_get("/favicon.ico", no_icon)
    return app


def open_app(settings: Settings) -> web.Application:
    """An app that opens the configured database read-only at startup and closes it at cleanup."""
    db = create_database(settings, readonly=True)
    app = create_app(db)

    async def lifecycle(_app: web.Application) -> Any:
        await db.open(migrate_schema=False)
        yield
        await db.close()

    app.cleanup_ctx.append(lifecycle)
    return app


def serve(settings: Settings, host: str, port: int) -> None:
    """``python -m bot web``: serve until interrupted."""
    kind, where = target(settings)
    if kind == "sqlite" and not Path(where).exists():
        raise SystemExit(f"No database at {where} (set DATABASE_PATH, or run `python -m bot demo` first).")
    if kind == "postgres":
        connect(settings).close()  # unreachable or wrong: DatabaseUnavailable, one line, before serving
    print(f"Serving the archive of {describe(settings)} at http://{host}:{port}/ (Ctrl+C stops)")
    web.run_app(open_app(settings), host=host, port=port, print=None)
