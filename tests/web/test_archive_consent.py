"""Members who keep their posts off the web archive (/forum privacy archive:hidden; issue 15,
SPEC §6): every surface of the archive and the readable exports leave them out at once, and
bring them back when they choose ``shown``; the JSON export keeps everything."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from bot.porting import exports
from bot.storage import authors, consent, create_database
from bot.web.app import create_app
from tests.backends import BACKENDS
from tests.web.seed import DRM, GUILD, KUMAR, QUESTION, TITLE, Seeded, connect, seed

BASE = "https://forum.example.org"
KUMAR_ID = sum(map(ord, "Dr. Kumar"))
MARZANA_ID = sum(map(ord, "Marzana M"))
MALLORY_ID = sum(map(ord, "Mallory"))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def seeded(database_url: str) -> Seeded:
    return seed(database_url, extra_topics=20)


def choose(seeded: Seeded, member_id: int, archive: str) -> None:
    conn = connect(seeded.path)
    try:
        conn.execute("BEGIN")
        consent.set_choice(conn, GUILD, member_id, archive, now="2026-11-29T10:00:00+00:00")
        conn.execute("COMMIT")
    finally:
        conn.close()


@pytest_asyncio.fixture
async def client(seeded: Seeded) -> AsyncIterator[TestClient]:
    db = create_database(seeded.settings, readonly=True)
    await db.open(migrate_schema=False)
    async with TestClient(TestServer(create_app(db, base=BASE))) as test_client:
        yield test_client
    await db.close()


async def get(client: TestClient, url: str, status: int = 200) -> str:
    response = await client.get(url)
    assert response.status == status, (url, response.status)
    return await response.text()


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def jsonld(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found is not None
    return dict(json.loads(found.group(1)))


def topic_row(forum_html: str, number: int) -> str:
    """The forum page's row of topic #number."""
    rows = re.findall(r"<tr[^>]*>.*?</tr>", forum_html, re.S)
    return next(row for row in rows if f"#{number} ·" in row)


async def test_a_hidden_members_replies_leave_every_surface_and_come_back(client: TestClient, seeded: Seeded) -> None:
    topic_url = f"/topics/3146?guild={GUILD}"
    before = await get(client, topic_url)
    assert "Dr. Kumar" in before and 'id="post-3147"' in before
    assert "Viewing 3 reply threads" in text(before)
    row = topic_row(await get(client, f"/forums/{seeded.forum_id}?page=2"), 3146)
    assert re.search(r'data-label="Voices">4<.*data-label="Posts">5<', row, re.S)

    choose(seeded, KUMAR_ID, consent.HIDDEN)
    choose(seeded, MALLORY_ID, consent.HIDDEN)
    page = await get(client, topic_url)
    seen = text(page)
    assert "Dr. Kumar" not in page and "interchangeably" not in page and 'id="post-3147"' not in page
    assert "Mallory" not in page and 'id="post-3155"' not in page
    # The thank-you answered Kumar's reply: it stands as a reply thread of its own now.
    assert "Viewing 2 reply threads" in seen and 'class="post depth-0" id="post-3154"' in page
    assert "Dr. M" in page and "Thanks, that helps!" in page  # the others' posts stay, numbers kept
    data = jsonld(page)
    assert "Dr. Kumar" not in json.dumps(data) and data["@type"] == "QAPage"
    assert data["mainEntity"]["answerCount"] == 2  # Dr. M's answer and the thank-you
    # A hidden reply's number is no address of its topic; its feed item and search hit are gone.
    await get(client, f"/topics/3147?guild={GUILD}", status=404)
    feed = await get(client, f"/topics/3146/feed.xml?guild={GUILD}")
    assert "Dr. Kumar" not in feed and "interchangeably" not in feed and "Thanks, that helps!" in feed
    found = await get(client, f"/search?q=interchangeably&guild={GUILD}")
    assert "/topics/3147?" not in found and "Dr. Kumar" not in found
    assert "/topics/3146" in await get(client, f"/search?q=precision&guild={GUILD}")  # the others' posts are found
    # Counts leave them out: Voices 4 → 2, Posts 5 → 3, Freshness links the newest shown post (Mallory's was).
    row = topic_row(await get(client, f"/forums/{seeded.forum_id}?page=2"), 3146)
    assert re.search(r'data-label="Voices">2<.*data-label="Posts">3<', row, re.S)
    assert "/topics/3154?guild=" in row and "/topics/3155?" not in row
    index = await get(client, "/")
    assert re.search(r"Discussion.*?>\s*21\s*<.*?>\s*23\s*<", index, re.S)  # 25 posts less their 2

    choose(seeded, KUMAR_ID, consent.SHOWN)
    choose(seeded, MALLORY_ID, consent.SHOWN)
    again = await get(client, topic_url)
    assert "Dr. Kumar" in again and 'id="post-3147"' in again and "Viewing 3 reply threads" in text(again)
    assert "Dr. Kumar" in await get(client, f"/topics/3146/feed.xml?guild={GUILD}")
    assert "/topics/3147?" in await get(client, f"/search?q=interchangeably&guild={GUILD}")
    assert re.search(r"Discussion.*?>\s*21\s*<.*?>\s*25\s*<", await get(client, "/"), re.S)


async def test_a_topic_whose_author_is_hidden_leaves_the_archive_whole(client: TestClient, seeded: Seeded) -> None:
    sitemap = await get(client, "/sitemap.xml")
    assert f"{BASE}/topics/3146?guild={GUILD}" in sitemap
    choose(seeded, MARZANA_ID, consent.HIDDEN)
    await get(client, f"/topics/3146?guild={GUILD}", status=404)
    await get(client, f"/topics/3153?guild={GUILD}", status=404)  # nor its replies' numbers
    await get(client, f"/topics/3146/feed.xml?guild={GUILD}", status=404)
    assert f"/topics/3146?guild={GUILD}" not in await get(client, "/sitemap.xml")
    assert "/topics/4000?guild=" in await get(client, "/sitemap.xml")  # the others' topics stay
    forum = await get(client, f"/forums/{seeded.forum_id}")
    assert TITLE not in forum and "Marzana M" not in forum and "20 topics" in text(forum)
    assert TITLE not in await get(client, f"/forums/{seeded.forum_id}/feed.xml")
    for query in ("precision", "interchangeably"):  # her question, and Dr. Kumar's answer in her topic
        assert "/topics/3146" not in await get(client, f"/search?q={query}&guild={GUILD}")
    index = await get(client, "/")
    assert re.search(r"Discussion.*?>\s*20\s*<.*?>\s*20\s*<", index, re.S)  # 21 - 1 topics, 25 - 5 posts
    assert QUESTION not in index

    choose(seeded, MARZANA_ID, consent.SHOWN)
    assert DRM.split()[0] in await get(client, f"/topics/3146?guild={GUILD}")
    assert f"/topics/3146?guild={GUILD}" in await get(client, "/sitemap.xml")
    assert "21 topics" in text(await get(client, f"/forums/{seeded.forum_id}"))


async def test_forum_pages_keep_their_paging_when_topics_are_hidden(client: TestClient, seeded: Seeded) -> None:
    filler = sum(map(ord, "Filler"))  # wrote the 20 filler topics
    choose(seeded, filler, consent.HIDDEN)
    forum = await get(client, f"/forums/{seeded.forum_id}")
    assert "1 topic ·" in text(forum) and "Filler topic" not in forum and TITLE in forum
    await get(client, f"/forums/{seeded.forum_id}?page=2", status=404)  # one page now
    assert "/topics/4000" not in await get(client, "/sitemap.xml")


def test_the_readable_exports_leave_hidden_members_out_and_the_json_export_keeps_them(seeded: Seeded) -> None:
    choose(seeded, KUMAR_ID, consent.HIDDEN)
    conn = connect(seeded.path)
    try:
        html = exports.render(conn, "html", GUILD)
        markdown = exports.render(conn, "markdown", GUILD)
        backup = exports.render(conn, "json", GUILD)
    finally:
        conn.close()
    for copy in (html, markdown):
        assert "Dr. Kumar" not in copy and "interchangeably" not in copy and "Dr. M" in copy
    assert "Viewing 3 reply threads" in text(html)  # the thank-you stands alone, as on the archive
    assert "Dr. Kumar" in backup and KUMAR.split("**")[0] in backup  # the operator's full backup


async def test_an_imported_authors_posts_follow_the_member_they_are_linked_to(
    client: TestClient, seeded: Seeded
) -> None:
    member_id = 412345678901234567  # a Discord snowflake
    conn = connect(seeded.path)
    try:
        conn.execute("BEGIN")
        linked = authors.link(
            conn, GUILD, "Dr. Kumar", member_id=member_id, member_name="Kumar", by=1, now="2026-11-29T09:00:00+00:00"
        )
        conn.execute("COMMIT")
    finally:
        conn.close()
    assert linked is not None and linked.created
    choose(seeded, KUMAR_ID, consent.HIDDEN)  # the imported id chooses nothing any more
    assert "Dr. Kumar" in await get(client, f"/topics/3146?guild={GUILD}")
    choose(seeded, member_id, consent.HIDDEN)
    page = await get(client, f"/topics/3146?guild={GUILD}")
    assert "Dr. Kumar" not in page and "interchangeably" not in page


async def test_a_remembered_reading_order_follows_a_choice_at_once(client: TestClient, seeded: Seeded) -> None:
    from bot.web.common import ORDERS_KEY

    orders = client.server.app[ORDERS_KEY]  # type: ignore[union-attr]
    orders.big = 2  # the example topic (5 posts) counts as big here: its order is remembered
    topic_url = f"/topics/3146?guild={GUILD}"
    assert "Viewing 3 reply threads" in text(await get(client, topic_url))
    assert "Viewing 3 reply threads" in text(await get(client, topic_url)) and orders.hits == 1
    choose(seeded, MALLORY_ID, consent.HIDDEN)
    page = await get(client, topic_url)
    assert "Viewing 2 reply threads" in text(page) and "Mallory" not in page
    choose(seeded, MALLORY_ID, consent.SHOWN)
    assert "Viewing 3 reply threads" in text(await get(client, topic_url))


async def test_a_forums_hidden_archive_rule_holds_for_the_same_surfaces(client: TestClient, seeded: Seeded) -> None:
    from bot.domain.forumrules import ForumRules
    from bot.storage import forums

    conn = connect(seeded.path)
    try:
        conn.execute("BEGIN")
        forums.set_rules(conn, seeded.forum_id, ForumRules(archive="hidden"))
        conn.execute("COMMIT")
    finally:
        conn.close()
    assert "Discussion" not in await get(client, "/")
    await get(client, f"/forums/{seeded.forum_id}", status=404)
    await get(client, f"/topics/3146?guild={GUILD}", status=404)
    await get(client, f"/topics/3153?guild={GUILD}", status=404)
    await get(client, f"/forums/{seeded.forum_id}/feed.xml", status=404)
    await get(client, f"/topics/3146/feed.xml?guild={GUILD}", status=404)
    await get(client, f"/sitemaps/forum-{seeded.forum_id}-1.xml", status=404)
    sitemap = await get(client, "/sitemap.xml")
    assert "/topics/" not in sitemap and f"/forums/{seeded.forum_id}" not in sitemap
    assert "/topics/3146" not in await get(client, f"/search?q=precision&guild={GUILD}")
