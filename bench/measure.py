"""Each measurement of the benchmark, sized by its arguments (the test runs them tiny).

The measured paths are the bot's own: ``Database`` (aiosqlite, the single writer with its
group commit), ``posts.record_reply``, ``topics.posting_context``, ``topics.list_page``,
``search.search`` and, for catch-up and memory, the real bot on simcord.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import statistics
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench import data
from bot import clock
from bot.domain import timeutil
from bot.domain.choices import parse_query
from bot.services.access import decide_role
from bot.services.recording import CATCHUP_CHUNK, HISTORY_PAGE
from bot.storage import choices, posts, topics
from bot.storage.api import Database as AnyDatabase
from bot.storage.models import NewPost
from bot.storage.sqlite.database import Database


def percentile(values: Sequence[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _topic_channels(path: Path, limit: int | None = None) -> list[tuple[int, int]]:
    conn = sqlite3.connect(path)
    sql = "SELECT id, thread_id FROM topics WHERE status IN ('open', 'closed') ORDER BY reply_count DESC, id"
    rows = conn.execute(sql + (f" LIMIT {int(limit)}" if limit else "")).fetchall()
    conn.close()
    return [(row[0], row[1]) for row in rows]


def _new_posts(path: Path, count: int, *, seed: int, size: data.Size, hot_topics: int | None = None) -> list[NewPost]:
    """Replies a live forum would receive: Zipf over topics and members, forum-like text."""
    rng = random.Random(seed)
    maker = data.TextMaker(size, random.Random(seed + 1))
    channels = _topic_channels(path, hot_topics)
    topic_of = dict((channel, topic) for topic, channel in channels)
    base = data.START + timedelta(days=data.SPAN_DAYS * 3 + seed)
    first_id = data.snowflake(base, 0)
    out = []
    for i, (topic_id, channel_id, message_id, author, content) in enumerate(
        data.replies_for(maker, rng, topics=channels, count=count, first_message_id=first_id, members=size.members)
    ):
        assert topic_of[channel_id] == topic_id
        out.append(
            NewPost(
                guild_id=data.GUILD_ID,
                message_id=message_id,
                channel_id=channel_id,
                author_id=author,
                author_name=f"Member {author}",
                author_role="participant",
                content=content,
                created_at=timeutil.iso(base + timedelta(seconds=i)),
            )
        )
    return out


def _topic_ids(path: Path) -> dict[int, int]:
    return {channel: topic for topic, channel in _topic_channels(path)}


# --------------------------------------------------------------------------- record_ratio
def _raw_insert(path: Path, rows: list[tuple[Any, ...]]) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    start = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO posts(guild_id, topic_id, number, message_id, channel_id, author_id, author_name, "
        "author_role, content, attachments, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return len(rows) / elapsed


def by_thread(new_posts: list[NewPost]) -> list[NewPost]:
    """The messages thread by thread, in order: how a catch-up meets them."""
    return sorted(new_posts, key=lambda p: (p.channel_id, p.message_id))


async def _catch_up_pages(db: AnyDatabase, new_posts: list[NewPost], topic_of: dict[int, int]) -> None:
    """bot/recording.py's catch-up, its writer calls in its order: thread by thread, chunks
    of CATCHUP_CHUNK replies per backlog job (``posts.record_replies``), awaited at the end
    (Recorder.catch_up reads the next thread while the writer commits)."""
    pending: list[asyncio.Future[int]] = []
    page: list[NewPost] = []
    for post in new_posts:
        if page and page[-1].channel_id != post.channel_id:
            pending.append(db.submit_bulk(posts.record_replies, topic_of[page[0].channel_id], page))
            page = []
            await asyncio.sleep(0)  # the next thread's history would be read here
        page.append(post)
        if len(page) >= CATCHUP_CHUNK:
            pending.append(db.submit_bulk(posts.record_replies, topic_of[page[0].channel_id], page))
            page = []
    if page:
        pending.append(db.submit_bulk(posts.record_replies, topic_of[page[0].channel_id], page))
    await asyncio.gather(*pending)


async def _one_by_one(db: Database, new_posts: list[NewPost], topic_of: dict[int, int]) -> None:
    """Each message its own ``record_reply`` job (the live path), a page of futures at a time."""
    for i in range(0, len(new_posts), HISTORY_PAGE):
        page = [db.submit_bulk(posts.record_reply, topic_of[p.channel_id], p) for p in new_posts[i : i + HISTORY_PAGE]]
        await asyncio.gather(*page)


async def _bot_record(path: Path, new_posts: list[NewPost], topic_of: dict[int, int], *, single: bool) -> float:
    db = Database(path)
    await db.open()
    start = time.perf_counter()
    await (_one_by_one if single else _catch_up_pages)(db, new_posts, topic_of)
    elapsed = time.perf_counter() - start
    await db.close()
    return len(new_posts) / elapsed


async def record_ratio(
    work: Path, fixture: data.Built, size: data.Size, *, rows: int, rounds: int = 2
) -> dict[str, Any]:
    new_posts = by_thread(_new_posts(fixture.path, rows, seed=11, size=size))
    topic_of = _topic_ids(fixture.path)
    conn = sqlite3.connect(fixture.path)
    next_number = conn.execute("SELECT next_number FROM guilds WHERE guild_id = ?", (data.GUILD_ID,)).fetchone()[0]
    conn.close()
    raw_rows = [
        (p.guild_id, topic_of[p.channel_id], next_number + i, p.message_id, p.channel_id, p.author_id,
         p.author_name, p.author_role, p.content, p.attachments_json(), p.status, p.created_at)
        for i, p in enumerate(new_posts)
    ]  # fmt: skip
    raw_rates: list[float] = []
    bot_rates: list[float] = []
    single_rates: list[float] = []
    first = min(p.message_id for p in new_posts)
    for r in range(rounds):  # interleaved, best of each: the machine is shared
        raw_db = data.copy_db(fixture.path, work / f"raw-{r}.db")
        raw_rates.append(_raw_insert(raw_db, raw_rows))
        for single, rates in ((False, bot_rates), (True, single_rates)):
            bot_db = data.copy_db(fixture.path, work / f"bot-{r}-{single}.db")
            rates.append(await _bot_record(bot_db, new_posts, topic_of, single=single))
            check = sqlite3.connect(bot_db)
            recorded = check.execute("SELECT COUNT(*) FROM posts WHERE message_id >= ?", (first,)).fetchone()[0]
            assert recorded == len(new_posts), "the bot path did not record every post"
            check.close()
            bot_db.unlink()
        raw_db.unlink()
    raw, bot, single_rate = max(raw_rates), max(bot_rates), max(single_rates)
    return {
        "record_ratio": bot / raw,
        "record_ratio_one_job_per_message": single_rate / raw,
        "raw_posts_per_s": raw,
        "bot_posts_per_s": bot,
        "bot_one_job_per_message_posts_per_s": single_rate,
        "rows": rows,
    }


# --------------------------------------------------------------------------- command latency
async def _one_reply(db: AnyDatabase, post: NewPost, role_ids: list[int]) -> float:
    """The database work of one live reply (``Recorder.on_message``): the thread's topic and the
    author's role facts in one read (``topics.posting_context``), the role decided, the write."""
    start = time.perf_counter()
    context = await db.run(topics.posting_context, post.channel_id, post.guild_id, post.author_id, role_ids)
    assert context.topic is not None and not context.retired
    decide_role(None, context.inputs, clock.utcnow())
    await db.write(posts.record_reply, context.topic.id, post)
    return (time.perf_counter() - start) * 1000


async def _catch_up_writer(db: Database, backlog: list[NewPost], topic_of: dict[int, int]) -> None:
    await _catch_up_pages(db, backlog, topic_of)


async def command_latency(
    work: Path, fixture: data.Built, size: data.Size, *, replies: int, catchup: int, name: str
) -> dict[str, Any]:
    path = data.copy_db(fixture.path, work / f"command-{name}.db")
    topic_of = _topic_ids(path)
    live = _new_posts(path, replies, seed=21, size=size)
    backlog = by_thread(_new_posts(path, catchup, seed=31, size=size, hot_topics=50)) if catchup else []
    db = Database(path)
    await db.open()
    role_ids = [111, 222]
    latencies: list[float] = []
    writer: asyncio.Task[None] | None = None
    if backlog:
        writer = asyncio.create_task(_catch_up_writer(db, backlog, topic_of))
        await asyncio.sleep(0.01)
    started = time.perf_counter()
    for post in live:
        if writer is not None and writer.done():
            break
        latencies.append(await _one_reply(db, post, role_ids))
        if writer is not None:
            await asyncio.sleep(0.005)  # replies arrive now and then while the backlog is written
    during = len(latencies)
    if writer is not None:
        await writer
    elapsed = time.perf_counter() - started
    await db.close()
    return {
        "p99_ms": percentile(latencies, 99),
        "p50_ms": percentile(latencies, 50),
        "replies_measured": during,
        "catchup_messages": len(backlog),
        "seconds": elapsed,
    }


# --------------------------------------------------------------------------- search
def search_queries(size: data.Size, seed: int = 6) -> list[tuple[str, str]]:
    """50 fixed queries: (kind, query): rare, common, two-term, prefix, very common."""
    words = data.vocabulary(size.vocabulary, random.Random(seed))
    rng = random.Random(99)
    n = len(words)
    queries: list[tuple[str, str]] = []
    for _ in range(10):
        queries.append(("rare", words[rng.randrange(n // 3, n)]))
    for _ in range(10):
        queries.append(("common", words[rng.randrange(40, min(n, 400))]))
    for _ in range(10):
        queries.append(("two-term", f"{words[rng.randrange(40, min(n, 2000))]} {words[rng.randrange(200, n)]}"))
    long_words = [w for w in words[100 : min(n, 3000)] if len(w) >= 5]
    for _ in range(10):
        queries.append(("prefix", rng.choice(long_words)[:4] + "*"))
    for word in words[:10]:
        queries.append(("very common", word))
    return queries


async def search_latency(fixture: data.Built, size: data.Size, db: AnyDatabase | None = None) -> dict[str, Any]:
    """``db``: an open database holding ``fixture``'s rows (PostgreSQL); default: the SQLite file."""
    try:
        from bot.storage import search as search_repo  # type: ignore[attr-defined]
    except ImportError:
        return {"p95_ms": None, "note": "bot.storage.search is not in this tree yet (the reading branch)"}
    if db is None:
        db = Database(fixture.path, readonly=True)
        await db.open(migrate_schema=False)
    by_kind: dict[str, list[float]] = {}
    times: list[float] = []
    queries = search_queries(size)
    too_broad: list[str] = []
    for kind, query in [*queries[:5], *queries]:  # the first five warm the cache, then all 50 count
        start = time.perf_counter()
        try:
            found = await db.run(search_repo.search, guild_id=fixture.guild_id, query=query, limit=10)
            assert found is not None
        except search_repo.SearchTooBroad:  # past the time budget: counted at the time it took
            too_broad.append(query)
        ms = (time.perf_counter() - start) * 1000
        times.append(ms)
        by_kind.setdefault(kind, []).append(ms)
    times = times[5:]
    await db.close()
    return {
        "p95_ms": percentile(times, 95),
        "by_kind_p95_ms": {kind: percentile(v, 95) for kind, v in by_kind.items()},
        "queries": len(times),
        "too_broad": too_broad,
    }


# --------------------------------------------------------------------------- /topic list
async def list_latency(fixture: data.Built, db: AnyDatabase | None = None) -> dict[str, Any]:
    """``db``: an open database holding ``fixture``'s rows (PostgreSQL); default: the SQLite file."""
    conn = sqlite3.connect(fixture.path)
    biggest = conn.execute("SELECT forum_id FROM topics GROUP BY forum_id ORDER BY COUNT(*) DESC LIMIT 1").fetchone()[0]
    conn.close()
    if db is None:
        db = Database(fixture.path, readonly=True)
        await db.open(migrate_schema=False)
    everything = list(fixture.forum_ids)
    cases = []
    for forum_ids in ([biggest], everything):
        for sort in topics.SORTS:
            for status in topics.STATUS_FILTERS:
                for page in (0, 5):
                    cases += [(forum_ids, sort, status, page)] * 3  # three times: a shared machine is noisy
    times: list[float] = []
    by_sort: dict[str, list[float]] = {}
    by_status: dict[str, list[float]] = {}
    for i, (forum_ids, sort, status, page) in enumerate([*cases[:4], *cases]):
        start = time.perf_counter()
        found, _total = await db.run(
            lambda conn, f=forum_ids, s=sort, st=status, p=page: topics.list_page(
                conn, forum_ids=f, super_forum_ids=everything, sort=s, status=st, offset=p * 15, limit=15
            )
        )
        ms = (time.perf_counter() - start) * 1000
        assert isinstance(found, list)
        if i < 4:  # warming the cache
            continue
        times.append(ms)
        by_sort.setdefault(sort, []).append(ms)
        by_status.setdefault(status, []).append(ms)
    await db.close()
    return {
        # the key: every /topic list query: each sort, each status filter, one forum and the whole guild, two pages
        "p95_ms": percentile(times, 95),
        "by_sort_p95_ms": {sort: percentile(v, 95) for sort, v in by_sort.items()},
        "by_status_p95_ms": {status: percentile(v, 95) for status, v in by_status.items()},
        "queries": len(times),
    }


# --------------------------------------------------------------------------- autocomplete
def autocomplete_queries(path: Path, seed: int = 6) -> list[tuple[str, str]]:
    """(kind, typed) as members type them: nothing, number prefixes, words of real titles
    (common and rare, one and two), and words no title holds (the whole index read)."""
    conn = sqlite3.connect(path)
    titles = [row[0] for row in conn.execute("SELECT title FROM topics ORDER BY id")]
    greatest = conn.execute("SELECT MAX(number) FROM topics").fetchone()[0]
    conn.close()
    rng = random.Random(seed)
    queries: list[tuple[str, str]] = [("empty", "")] * 3
    for digits in (1, 2, 3, 4, len(str(greatest))):
        for _ in range(3):
            queries.append(("digits", str(rng.randint(1, greatest))[:digits]))
    for _ in range(6):
        words = rng.choice(titles).split()
        queries.append(("word", rng.choice(words)[:4]))
        queries.append(("words", " ".join(rng.sample(words, min(2, len(words))))))
    queries += [("no match", "zqxjv"), ("no match", "qqq www")] * 3
    return queries


async def autocomplete_latency(fixture: data.Built) -> dict[str, Any]:
    """``choices.topic_choices`` as a member's autocomplete runs it: all forums and the biggest."""
    conn = sqlite3.connect(fixture.path)
    biggest = conn.execute("SELECT forum_id FROM topics GROUP BY forum_id ORDER BY COUNT(*) DESC LIMIT 1").fetchone()[0]
    conn.close()
    db = Database(fixture.path, readonly=True)
    await db.open(migrate_schema=False)
    queries = autocomplete_queries(fixture.path)
    times: list[float] = []
    by_kind: dict[str, list[float]] = {}
    for i, (forum_ids, (kind, typed)) in enumerate(
        [(f, q) for f in ([biggest], list(fixture.forum_ids)) for q in [*queries[:4], *queries]]
    ):
        query = parse_query(typed)
        start = time.perf_counter()
        found = await db.run(
            lambda conn, f=forum_ids, q=query: choices.topic_choices(conn, data.GUILD_ID, f, q)  # type: ignore[misc]
        )
        ms = (time.perf_counter() - start) * 1000
        assert isinstance(found, list)
        if i % (len(queries) + 4) < 4:  # warming the cache
            continue
        times.append(ms)
        by_kind.setdefault(kind, []).append(ms)
    await db.close()
    return {
        "p95_ms": percentile(times, 95),
        "by_kind_p95_ms": {kind: percentile(v, 95) for kind, v in by_kind.items()},
        "queries": len(times),
    }


# --------------------------------------------------------------------------- /topic show
async def show_latency(fixture: data.Built, *, per_page: int = 15) -> dict[str, Any]:
    """``topics.show_page`` on the three biggest topics (details only, not a goal): first,
    middle and last page, three times each."""
    conn = sqlite3.connect(fixture.path)
    biggest = conn.execute("SELECT id, reply_count FROM topics ORDER BY reply_count DESC LIMIT 3").fetchall()
    conn.close()
    db = Database(fixture.path, readonly=True)
    await db.open(migrate_schema=False)
    times: list[float] = []
    for topic_id, replies in biggest:
        last = replies // per_page
        for page in (0, last // 2, last) * 3:
            start = time.perf_counter()
            view = await db.run(lambda c, t=topic_id, p=page: topics.show_page(c, t, page=p, per_page=per_page))
            times.append((time.perf_counter() - start) * 1000)
            assert view.entries
    await db.close()
    return {"p95_ms": percentile(times, 95), "topics_replies": [r for _, r in biggest], "queries": len(times)}


def summary(values: Sequence[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "max": max(values)}
