"""The archive's HTML pages: the forums index, a forum (or one tag of it), a topic, a search.

Each page has one canonical URL (``bot.web.seo``): a topic's is ``/topics/<n>?guild=<id>``
(numbers are per guild), its later pages ``&page=N``; a topic asked for without ``guild=``
is a 301 to it. A page past the last is a 404, as is a tag no visible topic carries.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.domain.mentions import NO_NAMES, Names
from bot.domain.searchquery import SearchQueryError, parse
from bot.storage import archive
from bot.storage import attachments as copies_repo
from bot.storage import names as names_repo
from bot.storage import search as search_repo
from bot.storage.api import Connection
from bot.storage.models import Post, Topic, TopicView
from bot.web import files, markup, reading, seo
from bot.web.common import (
    DB_KEY,
    GATE_KEY,
    ORDERS_KEY,
    SEARCH_DB_KEY,
    guild_param,
    not_found,
    page_number,
    path_id,
    render,
    respond,
    site,
)
from bot.web.gate import Busy
from bot.web.seo import Head, page_title, topic_path

TOPICS_PER_PAGE = 15
RESULTS_PER_PAGE = 10  # as /search in Discord
MAX_SEARCH_PAGE = 10_000
MAX_TAG = 100  # characters; Discord's tag names are at most 20


def forum_path(forum_id: int, tag: str | None = None, page: int = 1) -> str:
    query = {"tag": tag} if tag is not None else {}
    if page > 1:
        query["page"] = str(page)
    return f"/forums/{forum_id}" + (f"?{urlencode(query)}" if query else "")


def search_url(query: str, guild_id: int | None, page: int = 1) -> str:
    params = {"q": query}
    if guild_id is not None:
        params["guild"] = str(guild_id)
    if page > 1:
        params["page"] = str(page)
    return "/search?" + urlencode(params)


def _paged_head(request: web.Request, path_of: Any, page: int, pages: int, **fields: Any) -> Head:
    """A head whose canonical, og:url and prev/next come from ``path_of(page)``."""
    link = site(request).link
    return Head(
        canonical=link(path_of(page)),
        og_url=site(request).absolute(path_of(page)),
        prev=link(path_of(page - 1)) if page > 1 else None,
        next=link(path_of(page + 1)) if page < pages else None,
        **fields,
    )


async def index(request: web.Request) -> web.Response:
    rows = await request.app[DB_KEY].run(archive.public_forums)
    guilds: dict[int, tuple[str, list[archive.ForumRow]]] = {}
    for row in rows:
        guilds.setdefault(row.forum.guild_id, (row.guild_name, []))[1].append(row)
    hidden = 0 if rows else await request.app[DB_KEY].run(archive.hidden_forum_count)
    names = ", ".join(name for name, _ in guilds.values() if name)
    forums = ", ".join(row.forum.name for row in rows)
    head = _paged_head(
        request,
        lambda _page: "/",
        1,
        1,
        title=page_title("Forums"),
        description=seo.shorten(f"The forums of {names}: {forums}." if rows else "No public forums yet."),
    )
    return render(request, "index.html", title="Forums", head=head, guilds=list(guilds.values()), hidden=hidden)


async def forum(request: web.Request) -> web.Response:
    db = request.app[DB_KEY]
    found = await db.run(archive.public_forum, path_id(request, "forum_id"))
    if found is None:
        return not_found(request, "No such forum in the archive.")
    page = page_number(request)
    tag = request.query.get("tag")
    if tag is not None and not 0 < len(tag) <= MAX_TAG:
        return not_found(request, "No topics with that tag.")
    offset = (page - 1) * TOPICS_PER_PAGE

    def read(conn: Connection) -> tuple[list[Topic], int]:
        if tag is not None:
            return archive.tagged_topics(conn, found.forum, tag, offset=offset, limit=TOPICS_PER_PAGE)
        return archive.forum_topics(conn, found.forum, offset=offset, limit=TOPICS_PER_PAGE)

    listed, total = await db.run(read)
    if tag is not None and total == 0:
        return not_found(request, f"No topics tagged “{tag}” in {found.forum.name}.")
    pages = max(1, math.ceil(total / TOPICS_PER_PAGE))
    if page > pages:
        return not_found(request, f"{found.forum.name} has {pages} page{'s' if pages != 1 else ''} of topics.")
    name = found.forum.name if tag is None else f"{found.forum.name}: {tag}"
    about = found.forum.description or f"Topics in {found.forum.name}"
    if tag is not None:
        about = f"Topics tagged “{tag}” in {found.forum.name}"
    feed = f"/forums/{found.forum.id}/feed.xml"
    head = _paged_head(
        request,
        lambda n: forum_path(found.forum.id, tag, n),
        page,
        pages,
        title=page_title(name, page, pages),
        description=seo.shorten(f"{about} · {found.guild_name}" if found.guild_name else about),
        feeds=((f"{found.forum.name}: new topics", site(request).link(feed)),),
    )
    return render(
        request,
        "forum.html",
        title=name,
        head=head,
        row=found,
        tag=tag,
        topics=listed,
        total=total,
        page=page,
        pages=pages,
        base=forum_path(found.forum.id, tag),
        feed=feed,
    )


async def topic(request: web.Request) -> web.Response:
    db = request.app[DB_KEY]
    number = path_id(request, "number")
    guild_id = guild_param(request)
    page = page_number(request)
    found = await db.run(archive.topics_numbered, number, guild_id)
    if not found:
        # #N may be a reply's number: send the reader to the topic holding it (when only one does).
        holders = await db.run(archive.topics_holding_post, number, guild_id)
        if len(holders) == 1:
            holder = holders[0]
            per_page = await db.run(archive.replies_per_page, holder.guild_id)
            at = await db.run(archive.page_of, holder, number, per_page)
            raise web.HTTPFound(topic_path(holder.guild_id, holder.number, (at or 0) + 1) + f"#post-{number}")
        found = holders
    if not found:
        return not_found(request, f"No topic #{number} in the archive.")
    if len(found) > 1:
        names = {t.guild_id: await db.run(archive.guild_name, t.guild_id) for t in found}
        head = Head(title=page_title(f"#{number}"), robots="noindex")
        return render(request, "choose.html", title=f"#{number}", head=head, topics=found, names=names, number=number)
    chosen = found[0]
    if guild_id is None:  # one canonical URL: the guild is part of it
        raise web.HTTPMovedPermanently(topic_path(chosen.guild_id, chosen.number, page))

    orders = request.app[ORDERS_KEY]
    remembered = orders.get(chosen)

    def read(conn: Connection) -> tuple[TopicView, str, Post | None, reading.Order, Names]:
        per_page = archive.replies_per_page(conn, chosen.guild_id)
        order = reading.current(conn, chosen, remembered)
        view = reading.topic_view(conn, chosen, order, page - 1, per_page)
        first = view.entries[0][0] if view.entries else None
        opening = first if first is not None and first.is_opening else archive.opening_post(conn, chosen.id)
        # The names of everything the page's posts mention: one query for the page.
        texts = [post.content for post, _depth in view.entries] + ([opening.content] if opening else [])
        refs = markup.mentioned(texts)
        mentioned = names_repo.lookup(conn, chosen.guild_id, refs) if refs else NO_NAMES
        return view, archive.guild_name(conn, chosen.guild_id), opening, order, mentioned

    view, guild_name, opening, order, mentioned = await db.run(read)
    if order is not remembered:
        orders.put(chosen, order)
    if page > view.pages:
        return not_found(request, f"“{chosen.title}” has {view.pages} page{'s' if view.pages != 1 else ''}.")
    if any(post.attachments for post, _depth in view.entries):  # their kept copies (bot/web/files.py)
        view, opening = await _with_files(db, view, opening)
    shown = [post for post, _depth in view.entries]
    # Each post rendered once (the archive's one renderer); its text from that (descriptions, JSON-LD).
    now = datetime.now(UTC)
    rendered = {
        post.id: markup.markdown(post.content, mentioned, now) for post in [*shown, *([opening] if opening else [])]
    }
    texts = {post_id: seo.plain_text(html) for post_id, html in rendered.items()}
    answers = [post for post in shown if post.accepted and not post.is_opening] if page == 1 else []
    question = texts.get(opening.id, "") if opening else ""
    if page == 1:
        description = seo.shorten(question or chosen.title)
    else:
        description = seo.shorten(f"Page {page} of {view.pages} of the replies to “{chosen.title}”: {question}")
    data = seo.topic_jsonld(site(request), view, opening, texts, page=page)
    feed = f"/topics/{chosen.number}/feed.xml?guild={chosen.guild_id}"
    head = _paged_head(
        request,
        lambda n: topic_path(chosen.guild_id, chosen.number, n),
        page,
        view.pages,
        title=page_title(chosen.title, page, view.pages),
        description=description,
        og_type="article",
        published=chosen.created_at,
        jsonld=seo.jsonld(data) if data else None,
        feeds=((f"{chosen.title}: replies", site(request).link(feed)),),
    )
    return render(
        request,
        "topic.html",
        title=chosen.title,
        head=head,
        view=view,
        guild_name=guild_name,
        posts=view.entries,
        rendered=rendered,
        answers=answers,
        page=page,
        pages=view.pages,
        base=topic_path(chosen.guild_id, chosen.number),
        feed=feed,
        discord=seo.discord_thread_url(chosen.guild_id, chosen.thread_id),
    )


async def _with_files(db: Any, view: TopicView, opening: Post | None) -> tuple[TopicView, Post | None]:
    """The page's posts with their attachments as the templates show them (kept copy or link)."""
    posts = [post for post, _depth in view.entries]
    copies = await db.run(copies_repo.of_posts, [p.id for p in posts if p.attachments])
    by_id = {p.id: p for p in files.dress_all(posts, copies)}
    if opening is not None and opening.id in by_id:
        opening = by_id[opening.id]
    return replace(view, entries=[(by_id[p.id], depth) for p, depth in view.entries]), opening


async def search(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()
    guild_id = guild_param(request)
    page = page_number(request, high=MAX_SEARCH_PAGE)
    head = Head(title=page_title(f"Search: {query}" if query else "Search"), robots="noindex")
    context: dict[str, Any] = {"title": "Search", "head": head, "query": query, "guild_id": guild_id}
    if not query:
        return render(request, "search.html", results=None, **context)
    try:
        parse(query)  # a query that cannot run is refused before it waits for a search slot
    except SearchQueryError as error:
        return render(request, "search.html", status=400, results=None, refused=error.message, **context)
    offset = (page - 1) * RESULTS_PER_PAGE
    try:
        # The slot is held while the page is drawn too: searches never take more than their
        # share of the event loop that pages are answered on.
        async with request.app[GATE_KEY].slot():
            names, results, mentioned = await request.app[SEARCH_DB_KEY].run(
                lambda conn: _search_page(conn, guild_id, query, offset)
            )
            pages = max(1, math.ceil(results.total / RESULTS_PER_PAGE))
            if not results.hits and page > pages:
                return not_found(request, f"The search has {pages} page{'s' if pages != 1 else ''} of results.")
            more = results.total_capped and len(results.hits) == RESULTS_PER_PAGE
            return render(
                request,
                "search.html",
                results=results,
                forum_names=names,
                mentioned=mentioned,
                page=page,
                pages=max(pages, page + 1 if more else page),
                more=more,
                base=search_url(query, guild_id),
                **context,
            )
    except Busy as busy:
        response = respond(
            f"The archive is busy with other searches. Please try again in {busy.retry_after} seconds.",
            status=503,
            content_type="text/plain",
        )
        response.headers["Retry-After"] = str(busy.retry_after)
        return response
    except search_repo.SearchTooBroad as error:
        return render(request, "search.html", results=None, refused=error.message, **context)
    except SearchQueryError as error:
        return render(request, "search.html", status=400, results=None, refused=error.message, **context)


def _search_page(
    conn: Connection, guild_id: int | None, query: str, offset: int
) -> tuple[dict[int, str], search_repo.SearchResults, dict[int, Names]]:
    """A page of search results and the names of what its snippets mention (a query per
    server whose snippets mention something; usually none)."""
    names, results = archive.search_public(conn, guild_id=guild_id, query=query, limit=RESULTS_PER_PAGE, offset=offset)
    mentioned: dict[int, Names] = {}
    for guild in dict.fromkeys(hit.guild_id for hit in results.hits):
        refs = markup.mentioned(hit.snippet for hit in results.hits if hit.guild_id == guild)
        if refs:
            mentioned[guild] = names_repo.lookup(conn, guild, refs)
    return names, results, mentioned


def add_routes(app: web.Application) -> None:
    # [0-9], not \d (every script's digits); the handlers parse strictly (path_id).
    app.router.add_get("/", index)
    app.router.add_get("/forums/{forum_id:[0-9]+}", forum)
    app.router.add_get("/topics/{number:[0-9]+}", topic)
    app.router.add_get("/search", search)
