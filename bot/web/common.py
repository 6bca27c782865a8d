"""What every archive handler shares: the app's keys, reading the query string strictly,
rendering a template with the archive's headers."""

from __future__ import annotations

import re
from typing import Any

import jinja2
from aiohttp import web

from bot.domain.numbers import strict_id, strict_int
from bot.storage.api import Database
from bot.web.gate import SearchGate
from bot.web.reading import ReadingOrders
from bot.web.seo import Head, Site, page_title

DB_KEY = web.AppKey("db", Database)
SEARCH_DB_KEY = web.AppKey("search_db", Database)
GATE_KEY = web.AppKey("search_gate", SearchGate)
ENV_KEY = web.AppKey("jinja", jinja2.Environment)
SITE_KEY = web.AppKey("site", Site)
ORDERS_KEY = web.AppKey("reading_orders", ReadingOrders)
MAX_PAGE = 100_000
# Characters XML 1.0 cannot carry at all. The record holds none (bot.domain.text), but a
# database recorded before that rule may: feeds and sitemaps drop them rather than break.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# The archive loads nothing from elsewhere and runs no script (JSON-LD is data, not script).
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
CONTENT_TYPES = {".xml": "application/rss+xml", ".html": "text/html"}


def site(request: web.Request) -> Site:
    return request.app[SITE_KEY]


def page_number(request: web.Request, high: int = MAX_PAGE) -> int:
    """``?page=``: 1 when absent; a whole number from 1 to ``high``, else 400."""
    if "page" not in request.query:
        return 1
    page = strict_int(request.query["page"], low=1, high=high)
    if page is None:
        raise web.HTTPBadRequest(text=f"page must be a whole number from 1 to {high}")
    return page


def guild_param(request: web.Request) -> int | None:
    """``?guild=``: None when absent; a server id, else 400."""
    if "guild" not in request.query:
        return None
    guild_id = strict_id(request.query["guild"])
    if guild_id is None:
        raise web.HTTPBadRequest(text="guild must be a numeric id")
    return guild_id


def path_id(request: web.Request, name: str) -> int:
    """A number in the path (a forum id, a topic number): 404 unless it is one."""
    value = strict_id(request.match_info[name])
    if value is None:
        raise web.HTTPNotFound()
    return value


def respond(body: str, *, content_type: str, status: int = 200) -> web.Response:
    response = web.Response(text=body, status=status, content_type=content_type, charset="utf-8")
    response.headers.update(HEADERS)
    return response


def render(request: web.Request, name: str, *, status: int = 200, **context: Any) -> web.Response:
    """A template with the archive's headers. HTML pages get a ``head`` (bot.web.seo.Head):
    a plain one from ``title`` unless the handler made its own."""
    if name.endswith(".html"):
        context.setdefault("head", Head(title=page_title(context.get("title", ""))))
    body = request.app[ENV_KEY].get_template(name).render(**context)
    suffix = name[name.rfind(".") :]
    if suffix == ".xml":
        body = NOT_XML.sub("", body)
    return respond(body, status=status, content_type=CONTENT_TYPES.get(suffix, "text/plain"))


def not_found(request: web.Request, what: str) -> web.Response:
    return render(
        request,
        "error.html",
        status=404,
        title="Not found",
        message=what,
        head=Head(title=page_title("Not found"), robots="noindex"),
    )
