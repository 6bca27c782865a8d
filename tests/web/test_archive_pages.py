"""The web archive (SPEC §6) over a database written by the repositories."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from bot.storage import create_database
from bot.storage.sqlite.database import Database
from bot.web.app import create_app
from tests.backends import BACKENDS
from tests.web.seed import DELETED, DRM, GUILD, HOSTILE, KUMAR, QUESTION, SECRET, SPAM, TITLE, Seeded, seed


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def seeded(database_url: str) -> Seeded:
    return seed(database_url, extra_topics=20)


@pytest_asyncio.fixture
async def client(seeded: Seeded) -> AsyncIterator[TestClient]:
    db = create_database(seeded.settings, readonly=True)
    await db.open(migrate_schema=False)
    async with TestClient(TestServer(create_app(db))) as test_client:
        yield test_client
    await db.close()


async def page(client: TestClient, url: str, status: int = 200) -> str:
    response = await client.get(url)
    assert response.status == status, (url, response.status)
    return await response.text()


def text(html: str) -> str:
    """What a reader sees: tags dropped, whitespace collapsed, entities left as they are."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_index_lists_public_forums_with_counts(client: TestClient) -> None:
    html = await page(client, "/")
    seen = text(html)
    assert "Discussion" in seen and "Staff room" not in seen
    assert "Forum" in seen and "Topics" in seen and "Posts" in seen and "Freshness" in seen
    # 21 topics (example + 20 fillers); posts: example thread's 5 published + 20 openings.
    assert re.search(r"Discussion.*?>\s*21\s*<.*?>\s*25\s*<", html, re.S)


async def test_forum_page_stickies_first_and_paginated(client: TestClient, seeded: Seeded) -> None:
    first = text(await page(client, f"/forums/{seeded.forum_id}"))
    assert "Topic Voices Posts Freshness" in first
    assert first.index("Filler topic 0") < first.index("Filler topic 19")  # the sticky leads
    assert "Sticky" in first and "Page 1 of 2" in first
    html = await page(client, f"/forums/{seeded.forum_id}?page=2")
    assert f'href="/topics/3155?guild={GUILD}"' in html  # freshness links the last published post
    second = text(await page(client, f"/forums/{seeded.forum_id}?page=2"))
    assert "Page 2 of 2" in second and "Filler topic 0" not in second
    titles = re.findall(r"(?:Filler topic \d+|What is the difference)", first + second)
    assert len(titles) == 21 and len(set(titles)) == 21


async def test_topic_page_is_the_bbpress_thread(client: TestClient) -> None:
    html = await page(client, f"/topics/3146?guild={GUILD}")
    seen = text(html)
    assert f"Forums › Discussion › {TITLE}" in seen
    # #3147 and #3153 and the hostile #3155 start threads; #3154 answers #3147.
    assert "Viewing 3 reply threads" in seen
    assert "Author" in seen and "Posts" in seen
    for number, name in ((3146, "Marzana M"), (3147, "Dr. Kumar"), (3153, "Dr. M")):
        assert re.search(rf'<span class="name">{re.escape(name)}</span>\s*<span class="role">Participant</span>', html)
        assert f'id="post-{number}"' in html
    assert QUESTION in seen and "interchangeably" in seen and "<strong>interchangeably</strong>" in html
    assert "overlap" in seen
    accepted = re.search(r'<article class="post depth-0 accepted" id="post-(\d+)"', html)
    assert accepted is not None and accepted.group(1) == "3153"
    assert "Accepted answer" in seen
    assert re.search(r'class="post depth-1" id="post-3154"', html)  # the nested reply is indented
    assert KUMAR.split("**")[0] in seen and DRM[:20] in html.replace("&#34;", '"').replace("&quot;", '"')


async def test_hidden_posts_and_private_forums_never_show(client: TestClient, seeded: Seeded) -> None:
    topic = await page(client, f"/topics/3146?guild={GUILD}")
    assert SPAM not in topic and DELETED not in topic
    assert SECRET not in await page(client, "/topics/3160", status=404)
    assert SECRET not in await page(client, f"/topics/3160?guild={GUILD}", status=404)
    await page(client, f"/forums/{seeded.staff_forum_id}", status=404)
    await page(client, f"/forums/{seeded.staff_forum_id}/feed.xml", status=404)
    for query in (SPAM, DELETED, "Secret"):
        assert "0 results" in text(await page(client, f"/search?q={query}"))


async def test_everything_members_wrote_is_escaped(client: TestClient) -> None:
    html = await page(client, f"/topics/3146?guild={GUILD}")
    # The page's one script element is its JSON-LD, which holds no "<" at all (so nothing closes it).
    data = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(data) == 1 and "<" not in data[0] and "\\u003cscript" in data[0]
    html = html.replace(data[0], "").replace('<script type="application/ld+json"></script>', "")
    assert "<script>" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert 'href="javascript:' not in html
    assert HOSTILE[:5] not in html


async def test_search_ranks_and_highlights_safely(client: TestClient) -> None:
    html = await page(client, "/search?q=precision")
    assert "<mark>precision</mark>" in html.lower() or "<mark>Precision</mark>" in html
    assert f"/topics/3146?guild={GUILD}" in html or f"/topics/3147?guild={GUILD}" in html
    hostile = await page(client, "/search?q=script")
    assert "<script>" not in hostile and "<mark>script</mark>" in hostile
    # FTS5 syntax in the query is just words, never an error; what can find nothing is a 400 that says why.
    for query in ('"unbalanced', "AND OR NOT", "NEAR(", "col:umn", "' OR 1=1 --"):
        await page(client, "/search?q=" + query)
    for query in ("*", "x" * 500):
        await page(client, "/search?q=" + query, status=400)


async def test_a_reply_number_leads_to_its_topic_page(client: TestClient) -> None:
    response = await client.get(f"/topics/3153?guild={GUILD}", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == f"/topics/3146?guild={GUILD}#post-3153"
    # Without ?guild= too, while only one server has that number.
    response = await client.get("/topics/3154", allow_redirects=False)
    assert response.headers["Location"] == f"/topics/3146?guild={GUILD}#post-3154"
    # Hidden posts lead nowhere.
    assert (await client.get(f"/topics/3156?guild={GUILD}", allow_redirects=False)).status == 404


async def test_unknown_and_bad_urls(client: TestClient) -> None:
    assert "No topic #999" in await page(client, "/topics/999", status=404)
    await page(client, "/nowhere", status=404)
    await page(client, "/topics/3146?guild=abc", status=400)
    await page(client, "/topics/3146?guild=99999999999999999999", status=400)
    await page(client, "/search?q=x&guild=9223372036854775808", status=400)
    await page(client, "/topics/999999999999999999", status=404)
    await page(client, f"/topics/3146?guild={GUILD}&page=zzz", status=400)  # tests/web/test_hostile_urls.py


async def test_rss_feed_of_new_topics(client: TestClient, seeded: Seeded) -> None:
    response = await client.get(f"/forums/{seeded.forum_id}/feed.xml")
    assert response.status == 200 and response.content_type == "application/rss+xml"
    root = ElementTree.fromstring(await response.read())
    titles = [item.findtext("title") for item in root.iter("item")]
    # The 20 newest topics, newest first: the example thread is the 21st.
    assert titles == [f"Filler topic {i}" for i in range(19, -1, -1)] and TITLE not in titles
    links = [item.findtext("link") or "" for item in root.iter("item")]
    assert links[0].endswith(f"/topics/4019?guild={GUILD}")
    assert "filler body 19" in (root.find("channel/item/description").text or "")  # type: ignore[union-attr]


async def test_the_same_number_in_two_guilds_asks_which(tmp_path: Path) -> None:
    from tests.web.seed import connect

    seeded = seed(tmp_path / "two.db")
    conn = connect(seeded.path)
    conn.execute("UPDATE forums SET guild_id = ? WHERE id = ?", (GUILD, seeded.forum_id))
    conn.execute("INSERT INTO guilds(guild_id, name) VALUES (200, 'Other')")
    conn.execute(
        "INSERT INTO forums(guild_id, channel_id, name, created_at) VALUES (200, 9, 'Elsewhere', '2026-01-01')"
    )
    forum_id = conn.execute("SELECT id FROM forums WHERE channel_id = 9").fetchone()[0]
    conn.execute(
        "INSERT INTO topics(guild_id, forum_id, number, thread_id, title, author_id, author_name, author_role, "
        "created_at, last_post_at) VALUES (200, ?, 3146, 42, 'Another 3146', 1, 'X', 'participant', "
        "'2026-01-01', '2026-01-01')",
        (forum_id,),
    )
    conn.close()
    db = Database(seeded.path, readonly=True)
    await db.open(migrate_schema=False)
    try:
        async with TestClient(TestServer(create_app(db))) as client:
            chooser = text(await page(client, "/topics/3146"))
            assert "Another 3146" in chooser and TITLE in chooser and "Other" in chooser
            assert TITLE in text(await page(client, f"/topics/3146?guild={GUILD}"))
    finally:
        await db.close()


async def test_topic_pages_hold_fifteen_posts(tmp_path: Path) -> None:
    from bot.storage import posts
    from bot.storage.models import NewPost
    from tests.web.seed import connect

    seeded = seed(tmp_path / "long.db")
    conn = connect(seeded.path)
    for index in range(20):
        posts.record_reply(
            conn,
            seeded.topic_id,
            NewPost(
                guild_id=GUILD, message_id=990000 + index, channel_id=700000, author_id=5, author_name="Chatty",
                author_role="participant", content=f"chatter {index}",
                created_at=f"2026-11-28T12:{index:02d}:00.000000+00:00", number=5000 + index,
            ),
        )  # fmt: skip
    conn.close()
    db = Database(seeded.path, readonly=True)
    await db.open(migrate_schema=False)
    try:
        async with TestClient(TestServer(create_app(db))) as client:
            first = await page(client, f"/topics/3146?guild={GUILD}")
            assert first.count('<article class="post') == 15 and "Page 1 of 2" in text(first)
            second = await page(client, f"/topics/3146?guild={GUILD}&page=2")
            assert second.count('<article class="post') == 25 - 15 and "chatter 19" in second
            assert "Viewing 23 reply threads" in text(second)
            response = await client.get(f"/topics/5019?guild={GUILD}", allow_redirects=False)
            assert response.headers["Location"] == f"/topics/3146?guild={GUILD}&page=2#post-5019"
            last = await client.get(f"/topics/3146?guild={GUILD}&page=9", allow_redirects=False)
            assert last.status == 404 and "has 2 pages" in await last.text()  # past the end: no such page
    finally:
        await db.close()
