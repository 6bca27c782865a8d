"""The read-only web archive (SPEC §6).

Routes:
    /                                  forums: Forum, Topics, Posts, Freshness
    /forums/<forum id>?page=N          topics, stickies first: Topic, Voices, Posts, Freshness
    /topics/<number>?guild=<id>&page=N a topic (numbers are per guild: ``guild`` picks the guild;
                                       without it the number must be unambiguous)
    /search?q=...&guild=<id>&page=N    the `/search` command's search (bot.storage.search) over
                                       the public forums, 10 a page, with the total

Every number in a path or a query string goes through ``bot.domain.numbers.strict_int``
(ASCII digits, within bounds): a bad one in the path is a 404, in the query a 400, never
a 500 (``int()`` takes "٣" and refuses "²", which ``isdigit()`` accepts).
    /forums/<forum id>/feed.xml        RSS of the forum's newest topics
    /static/style.css                  the stylesheet

Only registered public forums, only open/closed topics, only published posts; every
member-written string is escaped by jinja2's autoescape or rendered by markup.markdown.

Pages read through ``db``; searches through a read connection of their own, behind a
``SearchGate`` (one at a time, a queue, else 503 with Retry-After), so a long search never
holds the connection pages read through and a flood of them never stops pages answering.
"""

from __future__ import annotations

import errno
import math
import re
import socket
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from aiohttp import web

from bot.config import Settings
from bot.domain.numbers import strict_id, strict_int
from bot.domain.searchquery import SearchQueryError, parse
from bot.storage import archive, connect, create_database, describe, target
from bot.storage import search as search_repo
from bot.storage.api import Database
from bot.storage.sqlite.database import SchemaTooNew, check_schema_file
from bot.ui.topics import status_line
from bot.web import markup
from bot.web.gate import Busy, SearchGate

TOPICS_PER_PAGE = 15
RESULTS_PER_PAGE = 10  # as /search in Discord
MAX_SEARCH_PAGE = 10_000
DB_KEY = web.AppKey("db", Database)
SEARCH_DB_KEY = web.AppKey("search_db", Database)
GATE_KEY = web.AppKey("search_gate", SearchGate)
ENV_KEY = web.AppKey("jinja", jinja2.Environment)
MAX_PAGE = 100_000
# Characters XML 1.0 cannot carry at all. The record holds none (bot.domain.text), but a
# database recorded before that rule may: the feed drops them rather than break.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


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
    env.globals["search_url"] = search_url
    env.globals["reply_threads"] = markup.reply_threads
    env.globals["status_line"] = status_line
    return env


def topic_url(guild_id: int, number: int, page: int = 1) -> str:
    query = {"guild": str(guild_id)}
    if page > 1:
        query["page"] = str(page)
    return f"/topics/{number}?{urlencode(query)}"


def _page(request: web.Request, high: int = MAX_PAGE) -> int:
    """``?page=``: 1 when absent; a whole number from 1 to ``high``, else 400."""
    if "page" not in request.query:
        return 1
    page = strict_int(request.query["page"], low=1, high=high)
    if page is None:
        raise web.HTTPBadRequest(text=f"page must be a whole number from 1 to {high}")
    return page


def _guild(request: web.Request) -> int | None:
    """``?guild=``: None when absent; a server id, else 400."""
    if "guild" not in request.query:
        return None
    guild_id = strict_id(request.query["guild"])
    if guild_id is None:
        raise web.HTTPBadRequest(text="guild must be a numeric id")
    return guild_id


def _path_id(request: web.Request, name: str) -> int:
    """A number in the path (a forum id, a topic number): 404 unless it is one."""
    value = strict_id(request.match_info[name])
    if value is None:
        raise web.HTTPNotFound()
    return value


def _render(request: web.Request, name: str, *, status: int = 200, **context: Any) -> web.Response:
    body = request.app[ENV_KEY].get_template(name).render(**context)
    if name.endswith(".xml"):
        body = _NOT_XML.sub("", body)
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
    hidden = 0 if rows else await request.app[DB_KEY].run(archive.hidden_forum_count)
    return _render(request, "index.html", title="Forums", guilds=list(guilds.values()), hidden=hidden)


async def forum(request: web.Request) -> web.Response:
    db = request.app[DB_KEY]
    found = await db.run(archive.public_forum, _path_id(request, "forum_id"))
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
    number = _path_id(request, "number")
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


def search_url(query: str, guild_id: int | None, page: int = 1) -> str:
    params = {"q": query}
    if guild_id is not None:
        params["guild"] = str(guild_id)
    if page > 1:
        params["page"] = str(page)
    return "/search?" + urlencode(params)


async def search(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()
    guild_id = _guild(request)
    page = _page(request, high=MAX_SEARCH_PAGE)
    context: dict[str, Any] = {"title": "Search", "query": query, "guild_id": guild_id}
    if not query:
        return _render(request, "search.html", results=None, **context)
    try:
        parse(query)  # a query that cannot run is refused before it waits for a search slot
    except SearchQueryError as error:
        return _render(request, "search.html", status=400, results=None, refused=error.message, **context)
    offset = (page - 1) * RESULTS_PER_PAGE
    try:
        # The slot is held while the page is drawn too: searches never take more than their
        # share of the event loop that pages are answered on.
        async with request.app[GATE_KEY].slot():
            names, results = await request.app[SEARCH_DB_KEY].run(
                lambda conn: archive.search_public(
                    conn, guild_id=guild_id, query=query, limit=RESULTS_PER_PAGE, offset=offset
                )
            )
            pages = max(1, math.ceil(results.total / RESULTS_PER_PAGE))
            if not results.hits and page > pages:
                raise web.HTTPFound(search_url(query, guild_id, pages))
            more = results.total_capped and len(results.hits) == RESULTS_PER_PAGE
            return _render(
                request,
                "search.html",
                results=results,
                forum_names=names,
                page=page,
                pages=max(pages, page + 1 if more else page),
                more=more,
                base=search_url(query, guild_id),
                **context,
            )
    except Busy as busy:
        response = web.Response(
            status=503,
            text=f"The archive is busy with other searches. Please try again in {busy.retry_after} seconds.",
        )
        response.headers["Retry-After"] = str(busy.retry_after)
        return response
    except search_repo.SearchTooBroad as error:
        return _render(request, "search.html", results=None, refused=error.message, **context)
    except SearchQueryError as error:
        return _render(request, "search.html", status=400, results=None, refused=error.message, **context)


async def feed(request: web.Request) -> web.Response:
    db = request.app[DB_KEY]
    found = await db.run(archive.public_forum, _path_id(request, "forum_id"))
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


def create_app(db: Database, *, search_db: Database | None = None, gate: SearchGate | None = None) -> web.Application:
    """The archive over an (already opened, read-only) database.

    Searches read through ``search_db``; without one, the app opens its own read-only
    handle on ``db``'s database at startup (and closes it at cleanup). ``gate`` bounds how
    many searches run and wait (default: one at a time, 32 waiting; ``bot/web/gate.py``).
    """
    app = web.Application(middlewares=[errors])
    app[DB_KEY] = db
    app[ENV_KEY] = templates()
    app[GATE_KEY] = gate or SearchGate()
    if search_db is None:
        own = db.reader()
        app[SEARCH_DB_KEY] = own

        async def search_connection(_app: web.Application) -> Any:
            await own.open(migrate_schema=False)
            yield
            await own.close()

        app.cleanup_ctx.append(search_connection)
    else:
        app[SEARCH_DB_KEY] = search_db
    app.router.add_get("/", index)
    # [0-9], not \d (every script's digits); the handlers parse strictly (_path_id).
    app.router.add_get("/forums/{forum_id:[0-9]+}", forum)
    app.router.add_get("/forums/{forum_id:[0-9]+}/feed.xml", feed)
    app.router.add_get("/topics/{number:[0-9]+}", topic)
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


def listen_problem(error: OSError, host: str, port: int, *, command: str = "") -> str | None:
    """One line for an address the archive cannot listen on; None for other errors.

    ``command`` is how the archive was started when it takes no ``--host``/``--port``
    (the demo): the advice then names only the environment variables.
    """
    other = 8081 if port == 8080 else 8080
    if command:
        port_advice = f"choose another port with WEB_PORT (e.g. WEB_PORT={other} {command})"
        host_advice = f"choose another address with WEB_HOST (e.g. WEB_HOST=127.0.0.1 {command})"
    else:
        port_advice = f"choose another port with WEB_PORT or --port (e.g. --port {other})"
        host_advice = "choose another address with WEB_HOST or --host (e.g. --host 127.0.0.1)"
    if isinstance(error, socket.gaierror):
        reason, advice = f"{host!r} is not a host name or address here", host_advice
    elif error.errno == errno.EADDRINUSE:
        reason, advice = "the port is already in use (another archive, or another program)", port_advice
    elif error.errno == errno.EACCES:
        reason, advice = "this user may not listen on that port (below 1024 needs privileges)", port_advice
    elif error.errno == errno.EADDRNOTAVAIL:
        reason, advice = "that address is not one of this machine's", host_advice
    else:
        return None
    return f"The archive cannot listen on {host}:{port}: {reason}; {advice}."


def check_listen(host: str, port: int, *, command: str = "") -> str | None:
    """Try the address now (as aiohttp will: SO_REUSEADDR), so a caller can refuse early."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        for family, kind, proto, _, address in infos:
            with socket.socket(family, kind, proto) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(address)
    except OSError as error:
        problem = listen_problem(error, host, port, command=command)
        return problem or f"The archive cannot listen on {host}:{port}: {error}."
    return None


def serve(settings: Settings, host: str, port: int, *, command: str = "") -> None:
    """``python -m bot web``: serve until interrupted. A database it cannot open, or an address
    it cannot listen on (a port in use), is one line saying what to set, not a traceback."""
    kind, where = target(settings)
    if kind == "sqlite":
        if not Path(where).exists():
            raise SystemExit(f"No database at {where} (set DATABASE_PATH, or run `python -m bot demo` first).")
        try:
            check_schema_file(Path(where))
        except SchemaTooNew as error:
            raise SystemExit(str(error)) from None
    else:
        connect(settings).close()  # unreachable or wrong: DatabaseUnavailable, one line, before serving
    problem = check_listen(host, port, command=command)
    if problem is not None:
        raise SystemExit(problem)
    print(f"Serving the archive of {describe(settings)} at http://{host}:{port}/ (Ctrl+C stops)")
    try:
        web.run_app(open_app(settings), host=host, port=port, print=None)
    except OSError as error:
        problem = listen_problem(error, host, port, command=command)
        if problem is None:
            raise
        raise SystemExit(problem) from None
