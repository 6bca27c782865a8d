"""The bench's workloads on PostgreSQL, beside SQLite's, in the same run (``python -m bench``).

The PostgreSQL fixtures are the SQLite fixtures' rows (the same forum, the same ids, so the
same generated replies and queries apply), copied once into databases of their own on the
server (``<prefix>_forum``, ``<prefix>_command``, ``<prefix>_record``, ``<prefix>_empty``) with
COPY, the search vectors computed and their GIN indexes built after loading, then VACUUM
ANALYZE (a running server's autovacuum keeps statistics). A marker table ``bench_fixture``
holds what was loaded (the SQLite fixture's key, the PostgreSQL schema version and
``FIXTURE_VERSION``): a later run finds it and reuses the database. Measurements that write
run on a scratch copy (``CREATE DATABASE ... TEMPLATE``), dropped after.

The measured paths are the bot's: ``bot.storage.postgres.database.Database`` (psycopg 3
pool, the shared group-commit writer), ``posts.record_replies``/``record_reply``,
``topics.posting_context``, ``topics.list_page``, ``search.search``.

``python -m bench.pg shard URL GUILD COUNT SEED`` is one shard process of
``shard_processes_2_ratio`` (started by ``shard_ratio``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import psycopg

from bench import data, measure
from bot.domain import timeutil
from bot.storage import posts
from bot.storage.models import NewPost
from bot.storage.postgres.connection import PgConnection
from bot.storage.postgres.database import Database, latest_version, migrate

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
FIXTURE_VERSION = 2  # bump when the loading below changes: cached databases are keyed by it
TABLES = ("guilds", "forums", "topics", "posts", "topic_voices")  # what data.build writes, in FK order
SEARCH_INDEXES = ("posts_fts_vector", "topics_fts_vector")
# off while loading: the forums' status counters come with the SQLite rows (a per-row UPDATE of
# eight forum rows 100,000 times in one transaction also grows their version chains quadratically)
TRIGGERS = (("posts", "posts_fts_insert"), ("topics", "topics_fts_insert"), ("topics", "topics_status_counts_insert"))
SHARD_WINDOW = 50  # live replies in flight per shard process (messages arriving at once)


def where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path or '/'}"


def unavailable(url: str) -> str | None:
    """Why the server at ``url`` cannot run the PostgreSQL keys (None: it can)."""
    if url == "off":
        return "PostgreSQL keys turned off (--pg off)"
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        return f"no PostgreSQL server answers at {where(url)}: {str(error).strip().splitlines()[0]}"
    return None


def url_of(admin_url: str, database: str) -> str:
    return urlsplit(admin_url)._replace(path=f"/{database}").geturl()


def _admin(admin_url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(admin_url, autocommit=True, connect_timeout=10)


def drop(admin_url: str, database: str) -> None:
    with _admin(admin_url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')  # type: ignore[arg-type]


@contextlib.contextmanager
def scratch(admin_url: str, template: str, name: str) -> Iterator[str]:
    """A copy of the database ``template`` (a file copy on the server), dropped after."""
    database = f"{template}_{name}_{os.getpid()}"
    drop(admin_url, database)
    with _admin(admin_url) as admin:
        admin.execute(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')  # type: ignore[arg-type]
    try:
        yield url_of(admin_url, database)
    finally:
        drop(admin_url, database)


def _migrated(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as raw:
        migrate(PgConnection(raw))


def _load(url: str, source: sqlite3.Connection) -> None:
    """Copy the SQLite fixture's rows in (COPY), then the search vectors and their indexes."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '256MB'")
        index_sql = {
            name: conn.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", (name,)).fetchone()[0]  # type: ignore[index]
            for name in SEARCH_INDEXES
        }
        with conn.transaction():
            for table, trigger in TRIGGERS:  # forums' counters arrive copied; search vectors below
                conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")  # type: ignore[arg-type]
            for name in SEARCH_INDEXES:
                conn.execute(f"DROP INDEX {name}")  # type: ignore[arg-type]
            for table in TABLES:
                theirs = [row[1] for row in source.execute(f"PRAGMA table_info({table})")]
                ours = {
                    row[0]
                    for row in conn.execute(
                        "SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,)
                    )
                }
                columns = [c for c in theirs if c in ours]
                listed = ", ".join(columns)
                with conn.cursor().copy(f"COPY {table} ({listed}) FROM STDIN") as copy:  # type: ignore[arg-type]
                    for row in source.execute(f"SELECT {listed} FROM {table}"):
                        copy.write_row(row)
            conn.execute(
                "INSERT INTO posts_fts(post_id, vector) "
                "SELECT id, to_tsvector('threadkeeper', threadkeeper_text(content)) FROM posts"
            )
            conn.execute(
                "INSERT INTO topics_fts(topic_id, vector) "
                "SELECT id, to_tsvector('threadkeeper', threadkeeper_text(title)) FROM topics"
            )
            for sql in index_sql.values():
                conn.execute(sql)
            for table, trigger in TRIGGERS:
                conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")  # type: ignore[arg-type]
            for table in ("forums", "topics", "posts"):  # identities continue after the copied ids
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # type: ignore[arg-type]
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                )
        conn.execute("VACUUM ANALYZE")


def cached(admin_url: str, database: str, fixture: data.Built | None) -> str:
    """The database ``database`` holding ``fixture``'s rows (None: an empty schema), loaded once
    and reused while its marker matches; its URL."""
    key = f"{fixture.path.name if fixture else 'empty'}|pg-schema-{latest_version()}|load-{FIXTURE_VERSION}"
    url = url_of(admin_url, database)
    with contextlib.suppress(psycopg.Error), psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        row = conn.execute("SELECT version FROM bench_fixture").fetchone()
        if row and row[0] == key:
            return url
    drop(admin_url, database)
    with _admin(admin_url) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')  # type: ignore[arg-type]
    _migrated(url)
    if fixture is not None:
        source = sqlite3.connect(fixture.path)
        try:
            _load(url, source)
        finally:
            source.close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_fixture (version TEXT NOT NULL)")
        conn.execute("INSERT INTO bench_fixture VALUES (%s)", (key,))
    return url


# --------------------------------------------------------------------------- pg_record_ratio
def _raw_insert(url: str, rows: list[tuple[Any, ...]]) -> float:
    """The same rows, psycopg ``executemany`` (pipelined) in one transaction: the upper bound."""
    with psycopg.connect(url) as conn:
        start = time.perf_counter()
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO posts(guild_id, topic_id, number, message_id, channel_id, author_id, author_name, "
                "author_role, content, attachments, status, created_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                rows,
            )
        conn.commit()
        return len(rows) / (time.perf_counter() - start)


async def record_ratio(
    admin_url: str, template: str, fixture: data.Built, size: data.Size, *, rows: int, rounds: int = 2
) -> dict[str, Any]:
    """``posts.record_replies`` through the PostgreSQL ``Database``'s ``submit_bulk`` (the
    catch-up, as ``measure.record_ratio`` on SQLite) ÷ a raw batched insert of the same rows."""
    new_posts = measure.by_thread(measure._new_posts(fixture.path, rows, seed=11, size=size))
    topic_of = measure._topic_ids(fixture.path)
    with psycopg.connect(url_of(admin_url, template)) as conn:
        next_number = conn.execute("SELECT next_number FROM guilds WHERE guild_id = %s", (data.GUILD_ID,)).fetchone()[0]  # type: ignore[index]
    raw_rows = [
        (p.guild_id, topic_of[p.channel_id], next_number + i, p.message_id, p.channel_id, p.author_id,
         p.author_name, p.author_role, p.content, p.attachments_json(), p.status, p.created_at)
        for i, p in enumerate(new_posts)
    ]  # fmt: skip
    first = min(p.message_id for p in new_posts)
    raw_rates: list[float] = []
    bot_rates: list[float] = []
    for r in range(rounds):  # interleaved, best of each: the machine is shared
        with scratch(admin_url, template, f"raw{r}") as url:
            raw_rates.append(_raw_insert(url, raw_rows))
        with scratch(admin_url, template, f"bot{r}") as url:
            db = Database(url)
            await db.open(migrate_schema=False)
            start = time.perf_counter()
            await measure._catch_up_pages(db, new_posts, topic_of)
            bot_rates.append(len(new_posts) / (time.perf_counter() - start))
            await db.close()
            with psycopg.connect(url) as check:
                recorded = check.execute("SELECT COUNT(*) FROM posts WHERE message_id >= %s", (first,)).fetchone()[0]  # type: ignore[index]
            assert recorded == len(new_posts), "the bot path did not record every post"
    raw, bot = max(raw_rates), max(bot_rates)
    return {"record_ratio": bot / raw, "raw_posts_per_s": raw, "bot_posts_per_s": bot, "rows": rows}


# --------------------------------------------------------------------------- pg_command_p99_ms_idle
async def command_latency(
    admin_url: str, template: str, fixture: data.Built, size: data.Size, *, replies: int
) -> dict[str, Any]:
    """The live path (``measure._one_reply``: posting_context, then record_reply through
    ``Database.write``), one reply at a time, on an idle PostgreSQL ``Database``. Ten replies
    first open the pool's connections and are not counted (a running bot's pool is open)."""
    live = measure._new_posts(fixture.path, replies + 10, seed=21, size=size)
    role_ids = [111, 222]
    with scratch(admin_url, template, "command") as url:
        db = Database(url)
        await db.open(migrate_schema=False)
        latencies = [await measure._one_reply(db, post, role_ids) for post in live]
        await db.close()
    latencies = latencies[10:]
    return {
        "p99_ms": measure.percentile(latencies, 99),
        "p50_ms": measure.percentile(latencies, 50),
        "replies_measured": len(latencies),
    }


# --------------------------------------------------------------------------- search and list
def warm(url: str) -> dict[str, Any]:
    """Read the database's tables and indexes once (``pg_prewarm``, mode ``read``: into the
    operating system's page cache, as ``data.warm`` reads the SQLite file before its search):
    a running server's database is cached; a fixture just loaded, copied or pushed out by other
    work is not (then the first searches wait for the disk: seconds for a common word's count).
    Returns the seconds it took and the pages read, or why it could not (the extension missing:
    the measurements then meet whatever is cached)."""
    started = time.perf_counter()
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            pages = conn.execute(
                "SELECT COALESCE(SUM(pg_prewarm(c.oid, 'read')), 0) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i', 't')"
            ).fetchone()[0]  # type: ignore[index]
    except psycopg.Error as error:
        return {"skipped": str(error).strip().splitlines()[0]}
    return {"seconds": time.perf_counter() - started, "pages": int(pages)}


async def search_latency(url: str, fixture: data.Built, size: data.Size) -> dict[str, Any]:
    db = Database(url, readonly=True)
    await db.open(migrate_schema=False)
    return await measure.search_latency(fixture, size, db)


async def list_latency(url: str, fixture: data.Built) -> dict[str, Any]:
    db = Database(url, readonly=True)
    await db.open(migrate_schema=False)
    return await measure.list_latency(fixture, db)


# --------------------------------------------------------------------------- shard_processes_2_ratio
SHARD_GUILD_BASE = 950_000_000_000_000_000
SHARD_TOPICS = 100


def _shard_forum(url: str, guild_id: int) -> None:
    """A guild with one forum and ``SHARD_TOPICS`` topics (raw SQL: only the fixture)."""
    now = timeutil.iso(data.START)
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO guilds(guild_id, name) VALUES (%s, 'Shard bench')", (guild_id,))
        forum = conn.execute(
            "INSERT INTO forums(guild_id, channel_id, name, created_at) VALUES (%s, %s, 'Forum', %s) RETURNING id",
            (guild_id, guild_id + 1, now),
        ).fetchone()[0]  # type: ignore[index]
        for t in range(SHARD_TOPICS):
            conn.execute(
                "INSERT INTO topics(guild_id, forum_id, number, thread_id, title, author_id, author_name, "
                "author_role, created_at, last_post_at, last_post_number) "
                "VALUES (%s, %s, %s, %s, %s, 1, 'Member 1', 'participant', %s, %s, %s)",
                (guild_id, forum, t + 1, guild_id + 1000 + t, f"Topic {t}", now, now, t + 1),
            )
        conn.execute("UPDATE guilds SET next_number = %s WHERE guild_id = %s", (SHARD_TOPICS + 1, guild_id))
        conn.commit()


def _shard_posts(url: str, guild_id: int, count: int, seed: int) -> tuple[list[NewPost], dict[int, int]]:
    with psycopg.connect(url) as conn:
        found = conn.execute("SELECT thread_id, id FROM topics WHERE guild_id = %s", (guild_id,)).fetchall()
        topic_of: dict[int, int] = {int(row[0]): int(row[1]) for row in found}
    rng = random.Random(seed)
    maker = data.TextMaker(data.TINY, random.Random(seed + 1))
    channels = sorted(topic_of)
    base = data.START + timedelta(days=1000 + seed)
    news = [
        NewPost(
            guild_id=guild_id,
            message_id=data.snowflake(base, i) + seed * 10_000_000,
            channel_id=rng.choice(channels),
            author_id=rng.randrange(1, 500),
            author_name="Member",
            author_role="participant",
            content=maker.text(),
            created_at=timeutil.iso(base + timedelta(seconds=i)),
        )
        for i in range(count)
    ]
    return news, topic_of


async def _shard_process(url: str, guild_id: int, count: int, seed: int) -> None:
    """One shard process: its guild's live replies, ``SHARD_WINDOW`` in flight, each its own
    ``record_reply`` through ``Database.write`` (group commit), after the parent says go."""
    news, topic_of = _shard_posts(url, guild_id, count, seed)
    db = Database(url)
    await db.open(migrate_schema=False)
    print("ready", flush=True)
    sys.stdin.readline()
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(news), SHARD_WINDOW):
        window = news[i : i + SHARD_WINDOW]
        await asyncio.gather(*(db.write(posts.record_reply, topic_of[p.channel_id], p) for p in window))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    await db.close()
    print(f"done {wall:.6f} {cpu:.6f}", flush=True)


def _cpu_busy() -> tuple[int, int]:
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def _run_shards(url: str, guilds: list[int], count: int, seed: int) -> dict[str, Any]:
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.pg", "shard", url, str(guild), str(count), str(seed + n)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n, guild in enumerate(guilds)
    ]
    try:
        for child in children:
            assert child.stdout is not None and child.stdout.readline().strip() == "ready", "a shard did not start"
        busy0, total0 = _cpu_busy()
        start = time.perf_counter()
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        reports = []
        for child in children:
            assert child.stdout is not None
            _, wall, cpu = child.stdout.readline().split()
            reports.append((float(wall), float(cpu)))
        elapsed = time.perf_counter() - start
        busy1, total1 = _cpu_busy()
        for child in children:
            child.wait(timeout=60)
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    return {
        "processes": len(guilds),
        "posts_per_s": count * len(guilds) / elapsed,
        "seconds": elapsed,
        "process_cpu_share": [round(cpu / wall, 3) for wall, cpu in reports],  # of one core
        "machine_cpu_busy": round((busy1 - busy0) / max(1, total1 - total0), 3),  # of all cores
    }


async def shard_ratio(admin_url: str, template: str, *, count: int) -> dict[str, Any]:
    """Posts per second recorded by two shard processes writing different guilds into one
    PostgreSQL ÷ by one process (fresh guilds each run, best of two runs each)."""
    with scratch(admin_url, template, "shards") as url:
        guilds = [SHARD_GUILD_BASE + n * 1_000_000 for n in range(6)]
        for guild in guilds:
            _shard_forum(url, guild)
        runs = [
            await asyncio.to_thread(_run_shards, url, guilds[0:1], count, 100),
            await asyncio.to_thread(_run_shards, url, guilds[1:3], count, 200),
            await asyncio.to_thread(_run_shards, url, guilds[3:4], count, 300),
            await asyncio.to_thread(_run_shards, url, guilds[4:6], count, 400),
        ]
        with psycopg.connect(url) as conn:
            numbers = conn.execute(
                "SELECT COUNT(*), COUNT(DISTINCT (guild_id, number)) FROM posts WHERE guild_id >= %s",
                (SHARD_GUILD_BASE,),
            ).fetchone()
    assert numbers is not None and numbers[0] == numbers[1] == count * 6, "shard processes lost or repeated posts"
    one = max((r for r in runs if r["processes"] == 1), key=lambda r: r["posts_per_s"])
    two = max((r for r in runs if r["processes"] == 2), key=lambda r: r["posts_per_s"])
    return {
        "ratio": two["posts_per_s"] / one["posts_per_s"],
        "one_process": one,
        "two_processes": two,
        "posts_per_process": count,
        "load_average": os.getloadavg(),
    }


def main(argv: list[str]) -> int:
    if len(argv) == 5 and argv[0] == "shard":
        url, guild, count, seed = argv[1], int(argv[2]), int(argv[3]), int(argv[4])
        asyncio.run(_shard_process(url, guild, count, seed))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
