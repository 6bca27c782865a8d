"""The web archive under hostile searches, measured through the real aiohttp app on loopback.

The archive is ``python -m bot web`` itself, in a child process on 127.0.0.1 (its read-only
connection for pages, its own read connection for searches, its search gate, its default
logging), asked by an ``aiohttp.ClientSession`` in this process, as browsers would ask it.
A child process, not an in-process test server: the clients' own work (16 of them
hammering) must not run on the event loop that answers pages, as it never would.

- ``search_latency``: the hostile query set, one request at a time, each timed from request
  to the last byte of the answer: one-letter prefixes (refused), 12 prefixes joined by OR
  (refused: at most 4 per search), the 50 most common words of ``bench/data.py``
  (newest-first fallback). Searches at the caps (four two-letter prefixes joined by OR, which
  run into the time budget) are timed too, as details.
- ``topic_pages``: topic pages read one at a time, each timed the same way: random topics'
  first pages and the biggest topics' first and last pages (``archive_topic_p95_ms_1m``).
- ``sitemap``: ``/sitemap.xml`` and every sitemap it names, each timed (``archive_sitemap_ms_1m``
  is the slowest one: what a crawler waits for one document), with ``BASE_URL`` set.
- ``pages_during_flood``: 16 clients search expensively without pause (searches at the caps;
  a 503 is followed by the next search at once, as a hostile client does) while one reader
  reads topic pages, timed the same way; the same pages alone first, for comparison.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import sqlite3
import string
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from bench import data
from bench.measure import percentile

FLOOD_CLIENTS = 16


def hostile_queries(seed: int = 8) -> list[tuple[str, str]]:
    """(kind, query): 10 one-letter prefixes, 10 × 12 two-letter prefixes joined by OR, 50 common words."""
    rng = random.Random(seed)
    starts = sorted({word[:2] for word in data.COMMON if len(word) >= 2} | set(data.SYLLABLES))
    queries = [("one-letter prefix", f"{letter}*") for letter in rng.sample(string.ascii_lowercase, 10)]
    for _ in range(10):
        queries.append(("12 prefixes OR", " OR ".join(f"{start}*" for start in rng.sample(starts, 12))))
    queries += [("very common word", word) for word in data.COMMON[:50]]
    return queries


def at_the_caps(seed: int = 9, count: int = 10) -> list[str]:
    """Searches the guards allow that read the most: four two-letter prefixes of common words, OR'd."""
    rng = random.Random(seed)
    starts = sorted({word[:2] for word in data.COMMON[:60] if len(word) >= 2})
    return [" OR ".join(f"{start}*" for start in rng.sample(starts, 4)) for _ in range(count)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def archive(fixture: data.Built) -> AsyncIterator[aiohttp.ClientSession]:
    """``python -m bot web`` on the fixture, in a child process; a session asking it."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "LOG_FORMAT")}
    env["DATABASE_PATH"] = str(fixture.path)
    env["BASE_URL"] = f"http://127.0.0.1:{port}"
    child = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "bot", "web", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{port}") as session:
            deadline = time.monotonic() + 60
            while True:
                try:
                    async with session.get("/") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    pass
                if child.returncode is not None or time.monotonic() > deadline:
                    raise RuntimeError("the archive did not start")
                await asyncio.sleep(0.1)
            yield session
    finally:
        if child.returncode is None:
            child.terminate()
        try:
            await asyncio.wait_for(child.wait(), 10)
        except TimeoutError:
            child.kill()
            await child.wait()


async def timed_get(
    session: aiohttp.ClientSession, path: str, params: dict[str, str] | None = None
) -> tuple[float, int]:
    start = time.perf_counter()
    async with session.get(path, params=params, allow_redirects=False) as response:
        await response.read()
        status = response.status
    return (time.perf_counter() - start) * 1000, status


async def search_latency(fixture: data.Built) -> dict[str, Any]:
    queries = hostile_queries()
    by_kind: dict[str, list[float]] = {}
    statuses: dict[str, Counter[int]] = {}
    times: list[float] = []
    async with archive(fixture) as session:
        for _kind, query in queries[:5]:  # warm the connections and the page cache
            await timed_get(session, "/search", {"q": query})
        for kind, query in queries:
            ms, status = await timed_get(session, "/search", {"q": query})
            times.append(ms)
            by_kind.setdefault(kind, []).append(ms)
            statuses.setdefault(kind, Counter())[status] += 1
        caps: list[float] = []
        cap_statuses: Counter[int] = Counter()
        for query in at_the_caps():
            ms, status = await timed_get(session, "/search", {"q": query})
            caps.append(ms)
            cap_statuses[status] += 1
    return {
        "p95_ms": percentile(times, 95),
        "p50_ms": percentile(times, 50),
        "by_kind_p95_ms": {kind: percentile(v, 95) for kind, v in by_kind.items()},
        "statuses": {kind: dict(c) for kind, c in statuses.items()},
        "queries": len(times),
        "at_the_caps_p95_ms": percentile(caps, 95),
        "at_the_caps_statuses": dict(cap_statuses),
    }


def _topic_pages(fixture: data.Built, count: int, seed: int = 12) -> list[str]:
    conn = sqlite3.connect(fixture.path)
    numbers = [row[0] for row in conn.execute("SELECT number FROM topics WHERE status IN ('open', 'closed')")]
    conn.close()
    rng = random.Random(seed)
    return [f"/topics/{n}?guild={fixture.guild_id}" for n in rng.sample(numbers, min(count, len(numbers)))]


async def pages_during_flood(fixture: data.Built, *, seconds: float, pages: int = 100) -> dict[str, Any]:
    """Topic pages (``pages`` random ones, in turn) for ``seconds`` while FLOOD_CLIENTS search at the caps."""
    urls = _topic_pages(fixture, pages)
    expensive = at_the_caps(count=FLOOD_CLIENTS)
    async with archive(fixture) as session:
        for url in urls[:5]:
            await timed_get(session, url)
        alone = [(await timed_get(session, url))[0] for url in urls]
        stop = asyncio.Event()
        outcomes: Counter[int] = Counter()

        async def flood(query: str) -> None:
            while not stop.is_set():
                _ms, status = await timed_get(session, "/search", {"q": query})
                outcomes[status] += 1

        flooders = [asyncio.create_task(flood(query)) for query in expensive]
        await asyncio.sleep(1.0)  # the slot taken, the queue filled
        during: list[float] = []
        statuses: Counter[int] = Counter()
        started = time.perf_counter()
        while time.perf_counter() - started < seconds or len(during) < len(urls):
            ms, status = await timed_get(session, urls[len(during) % len(urls)])
            during.append(ms)
            statuses[status] += 1
        elapsed = time.perf_counter() - started
        stop.set()
        await asyncio.gather(*flooders)
    assert set(statuses) == {200}, statuses
    return {
        "p95_ms": percentile(during, 95),
        "p50_ms": percentile(during, 50),
        "alone_p95_ms": percentile(alone, 95),
        "alone_p50_ms": percentile(alone, 50),
        "pages": len(during),
        "seconds": elapsed,
        "flood_clients": FLOOD_CLIENTS,
        "flood_statuses": dict(outcomes),  # 200 (results or "too broad"), 503 (no slot in time)
    }


def _topic_urls(fixture: data.Built, count: int, seed: int = 13) -> tuple[list[str], list[str]]:
    """(random topics' first pages, the three biggest topics' first and last pages)."""
    conn = sqlite3.connect(fixture.path)
    rows = conn.execute("SELECT number, reply_count FROM topics WHERE status IN ('open', 'closed')").fetchall()
    per_page = conn.execute("SELECT replies_per_page FROM guilds WHERE guild_id = ?", (fixture.guild_id,)).fetchone()
    conn.close()
    per_page = int(per_page[0]) if per_page else 15
    rng = random.Random(seed)
    plain = [f"/topics/{n}?guild={fixture.guild_id}" for n, _ in rng.sample(rows, min(count, len(rows)))]
    huge = []
    for number, replies in sorted(rows, key=lambda row: -row[1])[:3]:
        last = max(1, -(-(replies + 1) // per_page))
        huge.append(f"/topics/{number}?guild={fixture.guild_id}")
        huge.append(f"/topics/{number}?guild={fixture.guild_id}" + (f"&page={last}" if last > 1 else ""))
    return plain, huge


async def topic_pages(fixture: data.Built, *, count: int = 200, rounds: int = 3) -> dict[str, Any]:
    """Topic pages one at a time: ``count`` random first pages once, the biggest topics' first
    and last pages ``rounds`` times each (so they weigh in the 95th percentile)."""
    plain, huge = _topic_urls(fixture, count)
    async with archive(fixture) as session:
        for url in plain[:5] + huge:  # warm the connection and the page cache
            await timed_get(session, url)
        times: list[float] = []
        huge_times: dict[str, list[float]] = {}
        statuses: Counter[int] = Counter()
        for url in plain:
            ms, status = await timed_get(session, url)
            times.append(ms)
            statuses[status] += 1
        for _ in range(rounds):
            for url in huge:
                ms, status = await timed_get(session, url)
                times.append(ms)
                huge_times.setdefault(url, []).append(ms)
                statuses[status] += 1
    assert set(statuses) == {200}, statuses
    return {
        "p95_ms": percentile(times, 95),
        "p50_ms": percentile(times, 50),
        "pages": len(times),
        "biggest_topics_ms": {url: min(v) for url, v in huge_times.items()},
    }


async def sitemap(fixture: data.Built) -> dict[str, Any]:
    """``/sitemap.xml`` and each sitemap it names, timed one at a time."""
    from xml.etree import ElementTree

    loc = "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"
    async with archive(fixture) as session:
        await timed_get(session, "/sitemap.xml")  # warm
        start = time.perf_counter()
        async with session.get("/sitemap.xml") as response:
            body = await response.read()
            assert response.status == 200, response.status
        documents = {"/sitemap.xml": (time.perf_counter() - start) * 1000}
        root = ElementTree.fromstring(body)
        urls = 0
        if root.tag.endswith("sitemapindex"):
            for element in root.iter(loc):
                path = "/" + (element.text or "").split("/", 3)[3]
                start = time.perf_counter()
                async with session.get(path) as response:
                    part = await response.read()
                    assert response.status == 200, (path, response.status)
                documents[path] = (time.perf_counter() - start) * 1000
                urls += len(ElementTree.fromstring(part).findall(f".//{loc}"))
        else:
            urls = len(root.findall(f".//{loc}"))
    return {
        "slowest_ms": max(documents.values()),
        "total_ms": sum(documents.values()),
        "documents": len(documents),
        "urls": urls,
        "ms_by_document": documents,
    }
