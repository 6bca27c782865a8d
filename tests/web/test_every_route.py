"""Every route of the archive, on both backends: each HTML page parses in a strict HTML5 parser
(html5lib, strict mode) and carries its head (canonical, description, OpenGraph, JSON-LD of the
right type); feeds and sitemaps parse as XML and link on BASE_URL only; odd input is a 400 or 404."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from xml.etree import ElementTree

import html5lib
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from bot.storage import create_database, posts
from bot.storage.models import NewPost
from bot.web import crawl
from bot.web.app import create_app
from tests.backends import BACKENDS
from tests.web.seed import DRM, GUILD, QUESTION, TITLE, Seeded, connect, seed

BASE = "https://forum.example.org"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@dataclass
class Archive:
    seeded: Seeded
    client: TestClient  # with BASE_URL
    bare: TestClient  # without


@pytest_asyncio.fixture
async def archive(database_url: str) -> AsyncIterator[Archive]:
    seeded = seed(database_url, extra_topics=20)
    conn = connect(seeded.path)
    for index in range(20):  # the example topic gets a second page
        posts.record_reply(
            conn,
            seeded.topic_id,
            NewPost(
                guild_id=GUILD, message_id=990000 + index, channel_id=700000, author_id=5, author_name="Chatty",
                author_role="participant", content=f"chatter {index}",
                created_at=f"2026-11-28T12:{index:02d}:00.000000+00:00", number=5000 + index,
            ),
        )  # fmt: skip
    conn.execute("UPDATE topics SET tags = ? WHERE number = ?", ('["medicine", "100% sure_"]', 3146))
    conn.execute("UPDATE topics SET tags = ? WHERE number = ?", ('["medicine"]', 4001))
    conn.close()
    db = create_database(seeded.settings, readonly=True)
    await db.open(migrate_schema=False)
    async with (
        TestClient(TestServer(create_app(db, base=BASE + "/"))) as client,
        TestClient(TestServer(create_app(db))) as bare,
    ):
        yield Archive(seeded, client, bare)
    await db.close()


def strict_html(html: str) -> html5lib.html5parser.etree.Element:
    """Parse as a browser would, refusing every parse error (html5lib's strict mode)."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)


def head_of(html: str) -> dict[str, list[str]]:
    """What search engines read: meta name/property → contents, link rel → hrefs, JSON-LD texts."""
    tree = strict_html(html)
    found: dict[str, list[str]] = {}
    for meta in tree.iter("meta"):
        key = meta.get("name") or meta.get("property")
        if key:
            found.setdefault(key, []).append(meta.get("content", ""))
    for link in tree.iter("link"):
        found.setdefault("link:" + link.get("rel", ""), []).append(link.get("href", ""))
    found["title"] = [element.text or "" for element in tree.iter("title")]
    found["jsonld"] = [s.text or "" for s in tree.iter("script") if s.get("type") == "application/ld+json"]
    return found


async def get(client: TestClient, url: str, status: int = 200) -> str:
    response = await client.get(url, allow_redirects=False)
    body = await response.text()
    assert response.status == status, (url, response.status, body[:300])
    return body


def routes_of(client: TestClient) -> set[str]:
    return {resource.canonical for resource in client.server.app.router.resources()}  # type: ignore[union-attr]


async def test_every_page_is_strict_html5_with_its_head(archive: Archive) -> None:
    forum = archive.seeded.forum_id
    topic = f"/topics/3146?guild={GUILD}"
    pages = {
        "/": "/",
        f"/forums/{forum}": f"/forums/{forum}",
        f"/forums/{forum}?page=2": f"/forums/{forum}?page=2",
        f"/forums/{forum}?tag=medicine": f"/forums/{forum}?tag=medicine",
        topic: topic,
        f"{topic}&page=2": f"{topic}&page=2",
        f"{topic}&utm_source=x": topic,  # unknown parameters: the same page, one canonical URL
        "/search?q=medicine": None,
        "/search": None,
    }
    html_routes = set()
    for url, canonical in pages.items():
        html = await get(archive.client, url)
        head = head_of(html)
        html_routes.add(url.split("?")[0].rstrip("0123456789"))
        assert len(head["title"]) == 1 and head["title"][0].endswith("· Threadkeeper archive"), url
        assert head["og:title"] and head["twitter:card"] == ["summary"], url
        if canonical is None:
            assert head["robots"] == ["noindex"] and "link:canonical" not in head, url
            continue
        assert head["link:canonical"] == [BASE + canonical], url
        assert head["og:url"] == [BASE + canonical], url
        assert head["description"] and 0 < len(head["description"][0]) <= 160, url
    # Topic pages: each has its own title and description; page 1 is the QAPage of the solved topic.
    first, second = head_of(await get(archive.client, topic)), head_of(await get(archive.client, f"{topic}&page=2"))
    assert first["title"] == [f"{TITLE} · Threadkeeper archive"]
    assert second["title"] == [f"{TITLE} (page 2 of 2) · Threadkeeper archive"]
    assert first["description"] == [QUESTION] and second["description"] != first["description"]
    assert first["link:next"] == [f"{BASE}{topic}&page=2"] and "link:prev" not in first
    assert second["link:prev"] == [BASE + topic] and "link:next" not in second
    assert first["og:type"] == ["article"] and first["article:published_time"]
    assert f"{BASE}/topics/3146/feed.xml?guild={GUILD}" in first["link:alternate"]
    forum_first = head_of(await get(archive.client, f"/forums/{forum}"))
    assert forum_first["link:next"] == [f"{BASE}/forums/{forum}?page=2"]
    # Error pages and the chooser are strict HTML too, and not for indexing.
    for url, status in (
        ("/nowhere", 404),
        ("/topics/999", 404),
        (f"{topic}&page=3", 404),
        (f"/forums/{forum}?tag=x", 404),
    ):
        assert head_of(await get(archive.client, url, status))["robots"] == ["noindex"]
    # Every HTML route was visited (a new route must join this sweep).
    html_only = {
        r
        for r in routes_of(archive.client)
        if not r.endswith((".xml", ".txt", ".css", ".ico")) and not r.startswith("/attachments/")  # files
    }
    assert html_only == {"/", "/forums/{forum_id}", "/topics/{number}", "/search"}
    assert {"/", "/forums/", "/topics/", "/search"} <= html_routes


async def test_structured_data_is_a_qapage_when_answered_else_a_forum_posting(archive: Archive) -> None:
    html = await get(archive.client, f"/topics/3146?guild={GUILD}")
    (text,) = head_of(html)["jsonld"]
    data = json.loads(text)
    assert data["@context"] == "https://schema.org" and data["@type"] == "QAPage"
    question = data["mainEntity"]
    assert question["@type"] == "Question" and question["name"] == TITLE and question["text"] == QUESTION
    assert question["answerCount"] == 4 + 20  # published replies: 3147, 3153, 3154, 3155 and 20 chatters
    assert question["author"] == {"@type": "Person", "name": "Marzana M"} and question["datePublished"]
    accepted = question["acceptedAnswer"]
    assert accepted["@type"] == "Answer" and accepted["text"].startswith(DRM[:20])
    assert accepted["author"]["name"] == "Dr. M" and accepted["url"] == f"{BASE}/topics/3146?guild={GUILD}#post-3153"
    assert accepted["datePublished"]
    suggested = question["suggestedAnswer"]
    assert all(answer["@type"] == "Answer" and answer["text"] and answer["author"]["name"] for answer in suggested)
    assert "<" not in text  # members' "<script>" cannot close the element
    # A later page, and an unanswered topic: DiscussionForumPosting, naming the first page.
    for url in (f"/topics/3146?guild={GUILD}&page=2", f"/topics/4003?guild={GUILD}"):
        (later,) = head_of(await get(archive.client, url))["jsonld"]
        posting = json.loads(later)
        assert posting["@type"] == "DiscussionForumPosting", url
        assert posting["headline"] and posting["text"] and posting["author"]["name"] and posting["datePublished"]
        assert posting["url"] == BASE + url.split("&")[0]
    comments = json.loads(head_of(await get(archive.client, f"/topics/3146?guild={GUILD}&page=2"))["jsonld"][0])
    assert [c["@type"] for c in comments["comment"]] == ["Comment"] * 10


async def test_the_answer_up_front_and_reply_in_discord(archive: Archive) -> None:
    html = await get(archive.client, f"/topics/3146?guild={GUILD}")
    tree = strict_html(html)
    boxes = [a for a in tree.iter("aside") if a.get("class") == "answer-box"]
    assert len(boxes) == 1
    box = ElementTree.tostring(boxes[0], encoding="unicode")
    assert "Accepted answer" in box and "Dr. M" in box and "overlap" in box
    assert 'href="#post-3153"' in box and 'id="post-3153"' in html  # the jump lands on the answer
    # The box sits right under the question, before any reply.
    assert html.index('id="post-3146"') < html.index("answer-box") < html.index('id="post-3153"')
    assert html.count("Viewing 23 reply threads") == 1  # the layout is otherwise unchanged
    discord = f"https://discord.com/channels/{GUILD}/700000"
    for url in (f"/topics/3146?guild={GUILD}", f"/topics/3146?guild={GUILD}&page=2", f"/topics/4003?guild={GUILD}"):
        page = await get(archive.client, url)
        if "4003" in url:
            discord = f"https://discord.com/channels/{GUILD}/800003"
        assert f'<a class="discord" href="{discord}">Reply in Discord</a>' in page, url
    # An unanswered topic has no box; later pages neither.
    assert "answer-box" not in await get(archive.client, f"/topics/4003?guild={GUILD}")
    assert "answer-box" not in await get(archive.client, f"/topics/3146?guild={GUILD}&page=2")


async def test_one_canonical_url_per_topic(archive: Archive) -> None:
    response = await archive.client.get("/topics/3146", allow_redirects=False)
    assert response.status == 301 and response.headers["Location"] == f"/topics/3146?guild={GUILD}"
    response = await archive.client.get("/topics/3146?page=2", allow_redirects=False)
    assert response.status == 301 and response.headers["Location"] == f"/topics/3146?guild={GUILD}&page=2"
    # The Host header is never trusted: links come from BASE_URL whatever the request says.
    html = await (await archive.client.get(f"/topics/3146?guild={GUILD}", headers={"Host": "evil.example"})).text()
    assert "evil.example" not in html and f'<link rel="canonical" href="{BASE}/topics/3146?guild={GUILD}">' in html
    feed = await (
        await archive.client.get(f"/forums/{archive.seeded.forum_id}/feed.xml", headers={"Host": "evil.example"})
    ).text()
    assert "evil.example" not in feed and f"<link>{BASE}/forums/" in feed


async def test_without_base_url_links_are_relative_and_there_is_no_sitemap(archive: Archive) -> None:
    html = await get(archive.bare, f"/topics/3146?guild={GUILD}")
    head = head_of(html)
    assert head["link:canonical"] == [f"/topics/3146?guild={GUILD}"] and "og:url" not in head
    assert json.loads(head["jsonld"][0])["mainEntity"]["url"] == f"/topics/3146?guild={GUILD}"
    assert "No sitemap" in await get(archive.bare, "/sitemap.xml", 404)
    robots = await get(archive.bare, "/robots.txt")
    assert "Sitemap" not in robots and "Disallow: /search" in robots
    feed = ElementTree.fromstring(await get(archive.bare, f"/forums/{archive.seeded.forum_id}/feed.xml"))
    assert (feed.findtext("channel/link") or "").startswith("/forums/")


async def test_the_sitemap_lists_every_public_topic_with_lastmod(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    robots = await get(archive.client, "/robots.txt")
    assert f"Sitemap: {BASE}/sitemap.xml" in robots
    root = ElementTree.fromstring(await get(archive.client, "/sitemap.xml"))
    assert root.tag == SM + "urlset"
    urls = {u.findtext(SM + "loc"): u.findtext(SM + "lastmod") for u in root.iter(SM + "url")}
    assert f"{BASE}/" in urls and f"{BASE}/forums/{archive.seeded.forum_id}" in urls
    topics = [u for u in urls if "/topics/" in u]
    assert len(topics) == 21 and f"{BASE}/topics/3146?guild={GUILD}" in urls
    assert f"{BASE}/forums/{archive.seeded.staff_forum_id}" not in urls  # the private forum, not its topic
    assert not any("3160" in u for u in urls)
    # lastmod is the freshest post: the example topic's last chatter at 12:19.
    assert urls[f"{BASE}/topics/3146?guild={GUILD}"] == "2026-11-28T12:19:00+00:00"
    assert urls[f"{BASE}/"] == max(v for v in urls.values() if v)
    # Large: a sitemap index of per-forum sitemaps, the same URLs in all.
    monkeypatch.setattr(crawl, "SITEMAP_LIMIT", 8)
    index = ElementTree.fromstring(await get(archive.client, "/sitemap.xml"))
    assert index.tag == SM + "sitemapindex"
    names = [s.findtext(SM + "loc") or "" for s in index.iter(SM + "sitemap")]
    forum = archive.seeded.forum_id
    assert names == [f"{BASE}/sitemaps/forums.xml"] + [f"{BASE}/sitemaps/forum-{forum}-{k}.xml" for k in (1, 2, 3)]
    seen: dict[str | None, str | None] = {}
    for name in names:
        part = ElementTree.fromstring(await get(archive.client, name.removeprefix(BASE)))
        assert part.tag == SM + "urlset" and len(list(part.iter(SM + "url"))) <= 8
        seen.update({u.findtext(SM + "loc"): u.findtext(SM + "lastmod") for u in part.iter(SM + "url")})
    assert seen == urls
    for missing in (f"/sitemaps/forum-{forum}-4.xml", f"/sitemaps/forum-{forum}-0.xml", "/sitemaps/forum-999-1.xml"):
        await get(archive.client, missing, 404)
    await get(archive.client, f"/sitemaps/forum-{archive.seeded.staff_forum_id}-1.xml", 404)


async def test_a_feed_per_topic_and_tag_pages(archive: Archive) -> None:
    feed = ElementTree.fromstring(await get(archive.client, f"/topics/3146/feed.xml?guild={GUILD}"))
    items = list(feed.iter("item"))
    assert feed.findtext("channel/title") == TITLE and len(items) == 20
    assert items[0].findtext("title") == "#5019 · Chatty"  # newest first
    assert items[0].findtext("link") == f"{BASE}/topics/5019?guild={GUILD}"
    assert "chatter 19" in (items[0].findtext("description") or "")
    assert (await archive.client.get(f"/topics/5019?guild={GUILD}", allow_redirects=False)).status == 302
    await get(archive.client, "/topics/3160/feed.xml", 404)  # a private forum's topic
    await get(archive.client, f"/topics/3153/feed.xml?guild={GUILD}", 404)  # a reply, not a topic
    # Tags: the topics carrying one, exactly; a tag no visible topic carries is a 404.
    forum = archive.seeded.forum_id
    tagged = await get(archive.client, f"/forums/{forum}?tag=medicine")
    assert TITLE in tagged and "Filler topic 1" in tagged and "Filler topic 2<" not in tagged
    assert "2 topics tagged medicine" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", tagged))
    odd = await get(archive.client, f"/forums/{forum}?tag=100%25%20sure_")
    assert TITLE in odd and "Filler topic 1" not in odd
    for tag in ("Medicine", "medic", "100", "%", "_", "x" * 101, ""):
        await get(archive.client, f"/forums/{forum}?tag={tag}", 404)
    await get(archive.client, f"/forums/{forum}?tag=medicine&page=2", 404)
    await get(archive.client, f"/forums/{archive.seeded.staff_forum_id}?tag=medicine", 404)
    assert f'href="/forums/{forum}?tag=medicine"' in await get(archive.client, f"/topics/3146?guild={GUILD}")


async def test_odd_input_is_400_or_404_never_500(archive: Archive) -> None:
    forum = archive.seeded.forum_id
    for url in (
        f"/forums/{forum}?page=99",
        f"/forums/{forum}?tag=nope",
        f"/topics/3146?guild={GUILD}&page=3",
        f"/topics/3146/feed.xml?guild={GUILD + 1}",
        "/sitemaps/forum-x-1.xml",
        "/sitemaps/forum-1.xml",
        "/search?q=medicine&page=999",
        "/topics/%E2%80%8B",
    ):
        assert (await archive.client.get(url, allow_redirects=False)).status == 404, url
    for url in (
        f"/topics/3146?guild={GUILD}&page=%FF",
        "/topics/3146?guild=%00&page=1",
        "/topics/3146/feed.xml?guild=x",
        f"/forums/{forum}?page=-1&tag=medicine",
        "/search?q=medicine&page=0",
    ):
        assert (await archive.client.get(url, allow_redirects=False)).status == 400, url
    for url in (f"/forums/{forum}?tag=%FF%FE", f"/forums/{forum}?tag=%00", "/search?q=%FF", f"/forums/{forum}?%%%=&&="):
        status = (await archive.client.get(url, allow_redirects=False)).status
        assert status in (200, 400, 404), (url, status)


async def test_a_big_topics_remembered_order_never_shows_a_hidden_post(archive: Archive) -> None:
    from bot.web.common import ORDERS_KEY

    orders = archive.client.server.app[ORDERS_KEY]  # type: ignore[union-attr]
    orders.big = 5  # the example topic (25 posts) counts as big here
    first = await get(archive.client, f"/topics/3146?guild={GUILD}&page=2")
    assert "chatter 19" in first and orders.hits == 0
    assert "chatter 19" in await get(archive.client, f"/topics/3146?guild={GUILD}&page=2") and orders.hits == 1
    conn = connect(archive.seeded.path)
    # Hidden behind the counters' back (no recount): the remembered order still counts it, the page never shows it.
    conn.execute("UPDATE posts SET status = 'spam' WHERE number = ?", (5019,))
    page = await get(archive.client, f"/topics/3146?guild={GUILD}&page=2")
    assert "chatter 19" not in page and "chatter 18" in page and orders.hits == 2
    # A reply recorded changes the counters: the order is read again and holds it.
    posts.record_reply(
        conn,
        archive.seeded.topic_id,
        NewPost(
            guild_id=GUILD, message_id=999999, channel_id=700000, author_id=5, author_name="Late",
            author_role="participant", content="a late reply", created_at="2026-11-28T13:00:00.000000+00:00",
            number=6000,
        ),
    )  # fmt: skip
    conn.close()
    page = await get(archive.client, f"/topics/3146?guild={GUILD}&page=2")
    assert "a late reply" in page and "chatter 19" not in page and orders.hits == 2


async def test_one_line_at_start_says_base_url_is_not_set(database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    seeded = seed(database_url)
    db = create_database(seeded.settings, readonly=True)
    await db.open(migrate_schema=False)
    try:
        with caplog.at_level("WARNING", logger="bot.web"):
            async with TestClient(TestServer(create_app(db))) as bare:
                await get(bare, "/")
                await get(bare, "/")
            said = [r.getMessage() for r in caplog.records if "BASE_URL" in r.getMessage()]
            assert len(said) == 1 and "relative" in said[0] and "sitemap" in said[0]
            caplog.clear()
            async with TestClient(TestServer(create_app(db, base=BASE))) as client:
                await get(client, "/")
            assert not [r for r in caplog.records if "BASE_URL" in r.getMessage()]
    finally:
        await db.close()
