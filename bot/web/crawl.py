"""What machines read of the archive: RSS feeds, ``/sitemap.xml`` and ``/robots.txt``.

Every link in them is built on ``BASE_URL`` (``bot.web.seo.Site``), never on the request's
Host header. Without ``BASE_URL`` feeds carry relative links and the sitemaps are a 404
that says to set it (a sitemap of relative URLs is not a sitemap); robots.txt then names none.

Sitemaps (docs/archive.md): while the public forums hold at most ``SITEMAP_LIMIT`` URLs in
all, ``/sitemap.xml`` lists them (the forums index, each forum, each topic's first page, with
``lastmod`` from the freshest post). Past that it is a sitemap index naming
``/sitemaps/forums.xml`` (the index and the forums) and ``/sitemaps/forum-<id>-<k>.xml``,
each forum's topics ``SITEMAP_LIMIT`` at a time. Every query reads one forum's index range.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from aiohttp import web

from bot.domain.mentions import NO_NAMES, Names
from bot.storage import archive
from bot.storage import names as names_repo
from bot.web import markup
from bot.web.common import DB_KEY, NOT_XML, guild_param, not_found, path_id, render, respond, site
from bot.web.seo import topic_path

SITEMAP_LIMIT = 50_000  # URLs per sitemap file (the sitemap protocol's limit)
FEED_ITEMS = 20
NO_BASE_URL = "No sitemap: the archive's public address is not set (BASE_URL, docs/archive.md)."


# What ``timeutil.iso`` records: the date and time of day in extended form, then fractions or
# the offset. Of such a text in UTC, the lastmod is its first 19 characters and "+00:00".
_RECORDED = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[.+]")


def lastmod(iso_text: str | None) -> str:
    """A W3C datetime (seconds, UTC) from a recorded time; "" for none or an unreadable one."""
    if not iso_text:
        return ""
    try:
        moment = datetime.fromisoformat(iso_text)
    except ValueError:
        return ""
    if moment.tzinfo is UTC and _RECORDED.match(iso_text):
        # as recorded (already UTC): no conversion and formatting (5 µs each, 50,000 per sitemap)
        return iso_text[:19] + "+00:00"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def url_element(loc_xml: str, modified: str) -> str:
    """One ``<url>`` of a sitemap: ``loc_xml`` already escaped for XML."""
    return (
        f"<url><loc>{loc_xml}</loc><lastmod>{modified}</lastmod></url>"
        if modified
        else f"<url><loc>{loc_xml}</loc></url>"
    )


def urlset(entries: Iterable[tuple[str, str]]) -> str:
    """A sitemap of (absolute URL, lastmod) pairs."""
    return urlset_of([url_element(escape(loc), modified) for loc, modified in entries])


def urlset_of(elements: list[str]) -> str:
    """A sitemap of ``<url>`` elements (``url_element``)."""
    head = '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    return "\n".join([head, *elements, "</urlset>\n"])


def topic_elements(base_url: str, entries: Iterable[archive.SitemapEntry]) -> list[str]:
    """The ``<url>`` elements of these topics' first pages. A topic's path is numbers only, so
    only ``BASE_URL`` is escaped, once (a forum's sitemap holds up to 50,000 of them)."""
    root = escape(base_url)
    return [url_element(root + topic_path(e.guild_id, e.number), lastmod(e.last_post_at)) for e in entries]


def sitemap_index(entries: Iterable[tuple[str, str]]) -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for loc, modified in entries:
        stamp = f"<lastmod>{modified}</lastmod>" if modified else ""
        lines.append(f"<sitemap><loc>{escape(loc)}</loc>{stamp}</sitemap>")
    lines.append("</sitemapindex>\n")
    return "\n".join(lines)


def _xml(request: web.Request, body: str) -> web.Response:
    """A sitemap document. Its text is ``BASE_URL`` and numbers only (no member's text), so
    characters XML cannot carry can only come from ``BASE_URL`` (a 4 MB sitemap took 27 ms
    to search for them)."""
    if NOT_XML.search(site(request).base_url):
        body = NOT_XML.sub("", body)
    response = respond(body, content_type="application/xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


async def _forum_urls(request: web.Request) -> tuple[list[archive.ForumRow], list[tuple[str, str]]]:
    rows = await request.app[DB_KEY].run(archive.public_forums)
    base = site(request).base_url
    freshest = max((lastmod(row.forum.last_post_at) for row in rows), default="")
    urls = [(base + "/", freshest)]
    urls += [(f"{base}/forums/{row.forum.id}", lastmod(row.forum.last_post_at)) for row in rows]
    return rows, urls


async def _topic_elements(request: web.Request, forum_id: int, offset: int, limit: int) -> list[str]:
    entries = await request.app[DB_KEY].run(
        lambda conn: archive.sitemap_topics(conn, forum_id, offset=offset, limit=limit)
    )
    return topic_elements(site(request).base_url, entries)


def _chunks(topic_count: int) -> int:
    return max(1, math.ceil(topic_count / SITEMAP_LIMIT))


async def sitemap(request: web.Request) -> web.Response:
    if not site(request).base_url:
        return respond(NO_BASE_URL, status=404, content_type="text/plain")
    rows, urls = await _forum_urls(request)
    base = site(request).base_url
    if len(urls) + sum(row.forum.topic_count for row in rows) <= SITEMAP_LIMIT:
        elements = [url_element(escape(loc), modified) for loc, modified in urls]
        for row in rows:
            elements += await _topic_elements(request, row.forum.id, 0, SITEMAP_LIMIT)
        return _xml(request, urlset_of(elements))
    index = [(f"{base}/sitemaps/forums.xml", urls[0][1])]
    for row in rows:
        index += [
            (f"{base}/sitemaps/forum-{row.forum.id}-{k}.xml", lastmod(row.forum.last_post_at))
            for k in range(1, _chunks(row.forum.topic_count) + 1)
        ]
    return _xml(request, sitemap_index(index))


async def forums_sitemap(request: web.Request) -> web.Response:
    if not site(request).base_url:
        return respond(NO_BASE_URL, status=404, content_type="text/plain")
    _rows, urls = await _forum_urls(request)
    return _xml(request, urlset(urls))


async def forum_sitemap(request: web.Request) -> web.Response:
    if not site(request).base_url:
        return respond(NO_BASE_URL, status=404, content_type="text/plain")
    found = await request.app[DB_KEY].run(archive.public_forum, path_id(request, "forum_id"))
    chunk = path_id(request, "chunk")
    if found is None or not 1 <= chunk <= _chunks(found.forum.topic_count):
        raise web.HTTPNotFound()
    offset = (chunk - 1) * SITEMAP_LIMIT
    return _xml(request, urlset_of(await _topic_elements(request, found.forum.id, offset, SITEMAP_LIMIT)))


async def robots(request: web.Request) -> web.Response:
    """Everything may be read but the search (endless pages of the same posts); the sitemap named."""
    lines = ["User-agent: *", "Disallow: /search", "Allow: /"]
    if site(request).base_url:
        lines.append(f"Sitemap: {site(request).base_url}/sitemap.xml")
    return respond("\n".join(lines) + "\n", content_type="text/plain")


async def forum_feed(request: web.Request) -> web.Response:
    """RSS of a forum's newest topics."""
    found = await request.app[DB_KEY].run(archive.public_forum, path_id(request, "forum_id"))
    if found is None:
        return not_found(request, "No such forum in the archive.")
    items = await request.app[DB_KEY].run(archive.newest_topics, found.forum.id)
    mentioned = await _names(request, found.forum.guild_id, [opening.content for _, opening in items if opening])
    now = datetime.now(UTC)
    link = site(request).link
    return render(
        request,
        "feed.xml",
        title=f"{found.forum.name} · {found.guild_name}",
        link=link(f"/forums/{found.forum.id}"),
        description=f"New topics in {found.forum.name}",
        items=[
            {
                "title": topic.title,
                "link": link(topic_path(topic.guild_id, topic.number)),
                "guid": f"threadkeeper:{topic.guild_id}:{topic.number}",
                "date": topic.created_at,
                "html": markup.markdown(opening.content if opening else "", mentioned, now, feed=True),
            }
            for topic, opening in items
        ],
    )


async def topic_feed(request: web.Request) -> web.Response:
    """RSS of a topic's newest replies; each links to its reply (``/topics/<reply number>``
    leads to the page holding it)."""
    db = request.app[DB_KEY]
    number, guild_id = path_id(request, "number"), guild_param(request)
    found = await db.run(archive.topics_numbered, number, guild_id)
    if len(found) != 1:
        what = "Several servers have this topic number: add ?guild=." if found else f"No topic #{number}."
        return not_found(request, what)
    topic = found[0]
    replies = await db.run(lambda conn: archive.newest_replies(conn, topic.id, FEED_ITEMS))
    mentioned = await _names(request, topic.guild_id, [post.content for post in replies])
    now = datetime.now(UTC)
    link = site(request).link
    return render(
        request,
        "feed.xml",
        title=topic.title,
        link=link(topic_path(topic.guild_id, topic.number)),
        description=f"Replies to “{topic.title}”",
        items=[
            {
                "title": f"#{post.number} · {post.author_name}",
                "link": link(topic_path(topic.guild_id, post.number)),
                "guid": f"threadkeeper:{topic.guild_id}:{post.number}",
                "date": post.created_at,
                "html": markup.markdown(post.content, mentioned, now, feed=True),
            }
            for post in replies
        ],
    )


async def _names(request: web.Request, guild_id: int, texts: list[str]) -> Names:
    """The names of what a feed's posts mention: one query, none when they mention nothing."""
    refs = markup.mentioned(texts)
    if not refs:
        return NO_NAMES
    return await request.app[DB_KEY].run(lambda conn: names_repo.lookup(conn, guild_id, refs))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/forums/{forum_id:[0-9]+}/feed.xml", forum_feed)
    app.router.add_get("/topics/{number:[0-9]+}/feed.xml", topic_feed)
    app.router.add_get("/sitemap.xml", sitemap)
    app.router.add_get("/sitemaps/forums.xml", forums_sitemap)
    app.router.add_get("/sitemaps/forum-{forum_id:[0-9]+}-{chunk:[0-9]+}.xml", forum_sitemap)
    app.router.add_get("/robots.txt", robots)
