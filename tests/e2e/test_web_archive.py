"""The web archive reads what the real bot recorded through simcord."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.storage import create_database
from bot.web.app import create_app
from tests.backends import BACKENDS
from tests.e2e.test_example_thread import DRM, KUMAR, QUESTION, TITLE


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_archive_shows_the_recorded_example_thread(world):
    marzana = world.member("Marzana M")
    kumar = world.member("Dr. Kumar")
    drm = world.member("Dr. M")
    await marzana.slash(world.general, "topic new", forum=world.forum, title=TITLE, body=QUESTION)
    thread = world.thread(TITLE)
    answer = await kumar.send(thread, KUMAR)
    await drm.send(thread, DRM)
    await world.env.advance_time(30)
    await marzana.send(thread, "Thanks <b>Dr.</b> Kumar!", reply_to=answer)
    await world.bot.db.flush()

    db = create_database(world.bot.settings, readonly=True)
    await db.open(migrate_schema=False)
    try:
        async with TestClient(TestServer(create_app(db))) as client:
            index = await (await client.get("/")).text()
            assert "Activity" in index and "Discussion" in index
            response = await client.get(f"/topics/1?guild={world.guild.id}")
            assert response.status == 200
            html = await response.text()
    finally:
        await db.close()
    seen = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert f"Forums › Discussion › {TITLE}" in seen
    assert "Viewing 2 reply threads" in seen  # the thank-you answers Dr. Kumar's reply
    for number, name in ((1, "Marzana M"), (2, "Dr. Kumar"), (3, "Dr. M")):
        assert f'id="post-{number}"' in html and name in html
    assert seen.count("Participant") == 4
    assert 'class="post depth-1" id="post-4"' in html
    assert "&lt;b&gt;Dr.&lt;/b&gt;" in html


# query: how many posts both find (the deleted reply never)
SEARCHES = {"otter": 25, "otter -sleeping": 19, "badger OR sleeping": 7, "ott*": 25, '"otter fact"': 23, "walrus": 0}


async def _command_numbers(world, member, query: str) -> tuple[list[int], str]:  # type: ignore[no-untyped-def]
    """Every post number /search shows the member, page by page (Next until the last page)."""
    result = await member.slash(world.general, "search", query=query)
    found: list[int] = []
    while True:
        shown = "\n".join(e.description or "" for e in result.response.embeds)
        found += [int(n) for n in re.findall(r"\[\*\*#(\d+)\*\*\]", shown)]
        footer = result.response.embeds[0].footer.text or ""
        page, pages = (int(n) for n in re.search(r"Page (\d+) of (\d+)", footer).groups())  # type: ignore[union-attr]
        if page >= pages:
            return found, footer
        await member.click(result.response, label="Next")


async def _archive_numbers(client: TestClient, query: str, guild_id: int) -> tuple[list[int], str]:
    found: list[int] = []
    url = "/search?" + urlencode({"q": query, "guild": guild_id})
    first = ""
    while url:
        response = await client.get(url)
        assert response.status == 200
        html = await response.text()
        first = first or html
        found += [int(n) for n in re.findall(r'<a class="title" href="/topics/(\d+)\?guild=', html)]
        following = re.search(r'<a rel="next" href="([^"]+)"', html)
        url = following.group(1).replace("&amp;", "&") if following else ""
    return found, first


async def test_the_archive_search_finds_what_the_search_command_finds(world) -> None:  # type: ignore[no-untyped-def]
    await world.admin.slash(
        world.general, "topic new", forum=world.forum, title="Otters", body="Where do otters sleep? otter"
    )
    thread = world.thread("Otters")
    for i in range(23):
        await world.admin.send(thread, f"otter fact {i}" + (" sleeping" if i % 4 == 0 else ""))
    await world.admin.send(thread, "a badger, no otter")
    gone = await world.admin.send(thread, "otter that will be deleted")
    await world.admin.delete(gone)
    await world.bot.db.flush()
    reader = world.member("Reader")
    db = create_database(world.bot.settings, readonly=True)
    await db.open(migrate_schema=False)
    try:
        async with TestClient(TestServer(create_app(db))) as client:
            for query, count in SEARCHES.items():
                await world.env.advance_time(31)  # /search's cooldown: a few searches per member and window
                in_discord, footer = await _command_numbers(world, reader, query)
                on_the_web, html = await _archive_numbers(client, query, world.guild.id)
                assert on_the_web == in_discord, query  # the same posts in the same order
                assert len(in_discord) == len(set(in_discord)) == count, query
                total = re.search(r"(\d+) posts?", footer)
                assert total is not None and f"{total.group(1)} result" in html, query
    finally:
        await db.close()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_an_answer_marked_in_discord_is_the_answer_up_front_and_the_qapage_answer(world) -> None:  # type: ignore[no-untyped-def]
    import json

    marzana, kumar, drm = world.member("Marzana M"), world.member("Dr. Kumar"), world.member("Dr. M")
    await marzana.slash(world.general, "topic new", forum=world.forum, title=TITLE, body=QUESTION)
    thread = world.thread(TITLE)
    await kumar.send(thread, KUMAR)
    answer = await drm.send(thread, DRM)
    await marzana.context_menu(thread, "Mark as answer", answer)
    await world.bot.db.flush()

    db = create_database(world.bot.settings, readonly=True)
    await db.open(migrate_schema=False)
    try:
        async with TestClient(TestServer(create_app(db, base="https://forum.example.org"))) as client:
            moved = await client.get("/topics/1", allow_redirects=False)
            assert moved.status == 301 and moved.headers["Location"] == f"/topics/1?guild={world.guild.id}"
            html = await (await client.get(f"/topics/1?guild={world.guild.id}")).text()
            sitemap = await (await client.get("/sitemap.xml")).text()
    finally:
        await db.close()
    box = html[html.index('<aside class="answer-box"') : html.index("</aside>")]
    assert "Dr. M" in box and 'href="#post-3"' in box and "Dr. Kumar" not in box
    assert f'href="https://discord.com/channels/{world.guild.id}/{thread.id}">Reply in Discord</a>' in html
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert data["@type"] == "QAPage" and data["mainEntity"]["acceptedAnswer"]["author"]["name"] == "Dr. M"
    assert [a["author"]["name"] for a in data["mainEntity"]["suggestedAnswer"]] == ["Dr. Kumar"]
    assert f"<loc>https://forum.example.org/topics/1?guild={world.guild.id}</loc>" in sitemap
