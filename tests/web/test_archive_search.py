"""The archive's /search is the `/search` command's search, with pages, guards and a gate."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from bot.storage import posts
from bot.storage import search as search_repo
from bot.storage.models import NewPost
from bot.storage.search import HL_END, HL_START
from bot.storage.sqlite.database import Database
from bot.web.app import create_app
from bot.web.gate import Busy, SearchGate
from tests.web.seed import GUILD, SECRET, Seeded, connect, seed

OTTERS = 25


def add_replies(path: Path, topic_id: int, texts: list[str], first_number: int = 5000) -> list[int]:
    conn = connect(path)
    numbers = []
    for index, content in enumerate(texts):
        number = first_number + index
        posts.record_reply(
            conn,
            topic_id,
            NewPost(
                guild_id=GUILD, message_id=990000 + number, channel_id=700000, author_id=7, author_name="Otto",
                author_role="participant", content=content,
                created_at=f"2026-11-29T{index // 60:02d}:{index % 60:02d}:00.000000+00:00", number=number,
            ),
        )  # fmt: skip
        numbers.append(number)
    conn.close()
    return numbers


@pytest.fixture
def seeded(tmp_path: Path) -> Seeded:
    made = seed(tmp_path / "forum.db")
    texts = [f"otter fact {i}" + (" sleeping" if i % 3 == 0 else "") for i in range(OTTERS)]
    texts += ["a badger", "badger and otter together", f"sneaky {HL_START}<img src=x onerror=alert(1)>{HL_END} otter"]
    add_replies(made.path, made.topic_id, texts)
    return made


async def archive(db: Database, **kw: object) -> TestClient:
    client = TestClient(TestServer(create_app(db, **kw)))  # type: ignore[arg-type]
    await client.start_server()
    return client


@pytest_asyncio.fixture
async def db(seeded: Seeded) -> AsyncIterator[Database]:
    database = Database(seeded.path, readonly=True)
    await database.open(migrate_schema=False)
    yield database
    await database.close()


@pytest_asyncio.fixture
async def client(db: Database) -> AsyncIterator[TestClient]:
    test_client = await archive(db)
    yield test_client
    await test_client.close()


async def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "never happened"
        await asyncio.sleep(0.01)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def found_numbers(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<a class="title" href="/topics/(\d+)\?guild=', html)]


async def every_page(client: TestClient, url: str) -> tuple[list[int], list[str]]:
    """Follow the Next links from ``url``; every number found, and each page's html."""
    numbers: list[int] = []
    pages: list[str] = []
    while url:
        response = await client.get(url)
        assert response.status == 200, (url, response.status)
        html = await response.text()
        pages.append(html)
        numbers += found_numbers(html)
        following = re.search(r'<a rel="next" href="([^"]+)"', html)
        url = following.group(1).replace("&amp;", "&") if following else ""
        assert len(pages) < 50
    return numbers, pages


QUERIES = [
    "otter",
    "otter -sleeping",
    "badger OR sleeping",
    "ott*",
    '"otter fact"',
    "precision medicine",
    "medicine -interchangeably",
    "Secret",  # only in the staff forum: never on the archive
    "BUY-CHEAP-PILLS-NOW",  # spam
]


@pytest.mark.parametrize("query", QUERIES)
async def test_the_archive_finds_exactly_what_the_search_finds_in_public_forums(
    client: TestClient, seeded: Seeded, query: str
) -> None:
    conn = sqlite3.connect(seeded.path)
    expected = search_repo.search(conn, guild_id=GUILD, query=query, forum_ids=[seeded.forum_id], limit=100)
    conn.close()
    for url in (f"/search?q={query}", f"/search?q={query}&guild={GUILD}"):
        numbers, pages = await every_page(client, url.replace("+", "%2B"))
        assert numbers == [hit.number for hit in expected.hits]  # same posts, same order
        assert f"{expected.total} result" in text(pages[0])
    if query == "Secret":
        assert not expected.hits and SECRET not in pages[0]


async def test_a_total_and_page_links_that_reach_every_match(client: TestClient) -> None:
    first = await client.get("/search?q=otter")
    html = await first.text()
    assert f"{OTTERS + 2} results" in text(html) and "best match first" in text(html)
    assert len(found_numbers(html)) == 10 and "Page 1 of 3" in text(html)
    assert 'href="/search?q=otter&amp;page=2"' in html
    numbers, pages = await every_page(client, "/search?q=otter")
    assert len(pages) == 3 and len(numbers) == len(set(numbers)) == OTTERS + 2
    assert "Page 3 of 3" in text(pages[-1]) and len(found_numbers(pages[-1])) == 7
    beyond = await client.get(f"/search?q=otter&guild={GUILD}&page=9", allow_redirects=False)
    assert beyond.status == 404 and "3 pages" in await beyond.text()
    nothing = text(await (await client.get("/search?q=walrus")).text())
    assert "0 results" in nothing and "Nothing matched" in nothing


async def test_snippets_are_escaped_and_marked(client: TestClient) -> None:
    html = await (await client.get("/search?q=sneaky")).text()
    assert "<img" not in html and "onerror=alert(1)&gt;" in html
    assert "<mark>sneaky</mark>" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("o*", "at least 2 letters"),
        ("otter m*", "at least 2 letters"),
        ("ab* OR cd* OR ef* OR gh* OR ij*", "at most 4 word beginnings"),
        ("-otter", "not only words to leave out"),
        ("🦦", "at least one word"),
        ("x" * 201, "keep it under 200"),
        (" ".join(f"w{i}" for i in range(13)), "at most 12"),
    ],
)
async def test_bad_queries_are_a_400_page_with_the_message(client: TestClient, query: str, message: str) -> None:
    response = await client.get("/search", params={"q": query})
    assert response.status == 400
    html = await response.text()
    assert message in html.replace("&#96;", "`") and 'class="refused"' in html


@pytest.mark.parametrize("page", ["0", "-1", "abc", "²", "1.5", "99999999999999999999", ""])
async def test_bad_page_numbers_are_400(client: TestClient, page: str) -> None:
    assert (await client.get(f"/search?q=otter&page={page}")).status == 400


async def test_a_search_past_its_time_budget_says_narrow_it(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_repo, "TIME_BUDGET_SECONDS", 0.0)  # any search reading more than a few rows
    response = await client.get("/search?q=otter")
    html = text(await response.text())
    assert response.status == 200 and "too broad" in html and "narrow it" in html
    assert "Page 1" not in html


async def test_a_full_search_slot_answers_503_with_retry_after(db: Database, seeded: Seeded) -> None:
    gate = SearchGate(slots=1, waiting=0, retry_after=3)
    client = await archive(db, gate=gate)
    try:
        async with gate.slot():  # another search holds the only slot
            busy = await client.get("/search?q=otter")
            assert busy.status == 503 and busy.headers["Retry-After"] == "3"
            assert "try again in 3 seconds" in await busy.text()
            assert (await client.get("/search?q=o*")).status == 400  # refused without waiting for a slot
            for url in ("/", f"/forums/{seeded.forum_id}", f"/topics/3146?guild={GUILD}"):
                assert (await client.get(url)).status == 200  # pages never pass through the gate
        assert (await client.get("/search?q=otter")).status == 200
        assert gate.turned_away == 1
    finally:
        await client.close()


async def test_searches_queue_for_the_slot_up_to_a_limit(db: Database) -> None:
    gate = SearchGate(slots=1, waiting=1, wait_seconds=30)
    client = await archive(db, gate=gate)
    try:
        async with gate.slot():
            queued = asyncio.create_task(client.get("/search?q=otter"))
            await until(lambda: gate.waiting == 1)
            assert (await client.get("/search?q=badger")).status == 503  # the queue is full
            assert not queued.done()
        assert (await queued).status == 200
    finally:
        await client.close()


async def test_pages_answer_while_the_search_connection_is_busy(db: Database, seeded: Seeded) -> None:
    searches = Database(seeded.path, readonly=True)
    await searches.open(migrate_schema=False)
    client = await archive(db, search_db=searches)
    release = threading.Event()
    try:
        blocker = asyncio.create_task(searches.run(lambda _conn: release.wait(30)))  # a search that runs long
        waiting = asyncio.create_task(client.get("/search?q=otter"))
        await until(lambda: searches._waiting == 2)  # the blocker and the search, both on the search connection
        for url in ("/", f"/forums/{seeded.forum_id}", f"/topics/3146?guild={GUILD}", f"/topics/5001?guild={GUILD}"):
            response = await client.get(url)
            assert response.status == 200, url
        assert not waiting.done()
        release.set()
        assert await blocker
        assert (await waiting).status == 200
    finally:
        release.set()
        await client.close()
        await searches.close()


async def test_the_gate_gives_a_slot_again_only_after_its_interval() -> None:
    spaced = SearchGate(slots=1, waiting=1, wait_seconds=0.05, min_interval=60)
    async with spaced.slot():
        pass  # a search that took no time: its answer is not delayed, the slot is
    with pytest.raises(Busy):
        async with spaced.slot():
            pass
    free = SearchGate(slots=1, waiting=1, wait_seconds=0.05, min_interval=0)
    for _ in range(3):
        async with free.slot():
            pass
