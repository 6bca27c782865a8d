"""The read-only web archive (SPEC §6): the aiohttp app, its templates, serving it.

Routes (bot/web/pages.py: HTML pages; bot/web/crawl.py: what machines read):
    /                                  forums: Forum, Topics, Posts, Freshness
    /forums/<forum id>?tag=T&page=N    topics, stickies first: Topic, Voices, Posts, Freshness
                                       (``tag``: only the topics carrying it; none carries it: 404)
    /topics/<number>?guild=<id>&page=N a topic (numbers are per guild: ``guild`` picks the guild;
                                       without it an unambiguous number is a 301 to the canonical URL)
    /search?q=...&guild=<id>&page=N    the `/search` command's search (bot.storage.search) over
                                       the public forums, 10 a page, with the total
    /forums/<forum id>/feed.xml        RSS of the forum's newest topics
    /topics/<number>/feed.xml?guild=   RSS of the topic's newest replies
    /sitemap.xml, /sitemaps/...        sitemaps (with BASE_URL only), /robots.txt naming them
    /attachments/<guild>/<post number>/<n>/<name>
                                       a kept copy of a public post's attachment (bot/web/files.py)
    /static/style.css                  the stylesheet

Every number in a path or a query string goes through ``bot.domain.numbers.strict_int``
(ASCII digits, within bounds): a bad one in the path is a 404, in the query a 400, never
a 500 (``int()`` takes "٣" and refuses "²", which ``isdigit()`` accepts). A page past the
last one is a 404.

Only registered public forums, only open/closed topics, only published posts; every
member-written string is escaped by jinja2's autoescape or rendered by markup.markdown.
Absolute links are built on ``BASE_URL`` (bot.web.seo.Site), never on the request's Host.

Pages read through ``db``; searches through a read connection of their own, behind a
``SearchGate`` (one at a time, a queue, else 503 with Retry-After), so a long search never
holds the connection pages read through and a flood of them never stops pages answering.
"""

from __future__ import annotations

import errno
import logging
import socket
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from bot.config import Settings, base_url
from bot.storage import connect, create_database, describe, target
from bot.storage.api import Database
from bot.storage.sqlite.database import SchemaTooNew, check_schema_file
from bot.ui.topics import status_line
from bot.web import crawl, files, markup, pages
from bot.web.common import DB_KEY, ENV_KEY, GATE_KEY, ORDERS_KEY, SEARCH_DB_KEY, SITE_KEY, not_found
from bot.web.gate import SearchGate
from bot.web.reading import ReadingOrders
from bot.web.seo import Site, topic_path

log = logging.getLogger("bot.web")
NO_BASE_URL = (
    "BASE_URL is not set: the archive's links are relative, its pages name no og:url and "
    "/sitemap.xml is a 404 (set BASE_URL to the archive's public address, docs/archive.md)."
)


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
    env.filters["filesize"] = files.filesize
    env.globals["topic_url"] = topic_path
    env.globals["forum_url"] = pages.forum_path
    env.globals["search_url"] = pages.search_url
    env.globals["reply_threads"] = markup.reply_threads
    env.globals["status_line"] = status_line
    return env


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
        return not_found(request, "There is no such page in the archive.")


def create_app(
    db: Database,
    *,
    search_db: Database | None = None,
    gate: SearchGate | None = None,
    base: str = "",
    attachments_root: Path | None = None,
) -> web.Application:
    """The archive over an (already opened, read-only) database, published at ``base``
    (``BASE_URL``; "" when unset: relative links, no sitemap, one log line at start saying so).

    Searches read through ``search_db``; without one, the app opens its own read-only
    handle on ``db``'s database at startup (and closes it at cleanup). ``gate`` bounds how
    many searches run and wait (default: one at a time, 32 waiting; ``bot/web/gate.py``).
    ``attachments_root`` holds the kept attachments (``Settings.attachments_root``); without
    one every ``/attachments/...`` is a 404 and pages link the originals.
    """
    app = web.Application(middlewares=[errors])
    app[DB_KEY] = db
    app[ENV_KEY] = templates()
    app[GATE_KEY] = gate or SearchGate()
    app[SITE_KEY] = Site(base_url(base))
    app[ORDERS_KEY] = ReadingOrders()
    if attachments_root is not None:
        app[files.ROOT_KEY] = attachments_root
    if not app[SITE_KEY].base_url:

        async def say_no_base_url(_app: web.Application) -> None:
            log.warning(NO_BASE_URL)

        app.on_startup.append(say_no_base_url)
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
    pages.add_routes(app)
    crawl.add_routes(app)
    files.add_routes(app)
    app.router.add_get("/static/style.css", stylesheet)
    app.router.add_get("/favicon.ico", no_icon)
    return app


def open_app(settings: Settings) -> web.Application:
    """An app that opens the configured database read-only at startup and closes it at cleanup."""
    db = create_database(settings, readonly=True)
    app = create_app(db, base=settings.base_url, attachments_root=settings.attachments_root)

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
    # PostgreSQL unreachable or wrong (DatabaseUnavailable), either backend holding an unfinished
    # db copy (UnfinishedCopy): one line by bot.__main__, before serving.
    connect(settings).close()
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
