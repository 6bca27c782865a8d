"""psycopg 3 or asyncpg for the PostgreSQL backend: the same rows, inserted in batches and read
back by key, through each driver the way the bot would use it.

    python -m bench.pg_driver [--url postgresql://postgres@127.0.0.1:5432/postgres] [--rows 20000]

A scratch database is created on the server and dropped after. Printed: rows per second for
a batched insert (500 rows per statement batch, one transaction per batch) and microseconds
per point read (one awaited read at a time, as a command makes them), for

- psycopg, plain: ``executemany`` on one connection, no event loop (the upper bound);
- psycopg, as the bot runs it: ``bot.storage.postgres.database.Database``: a repository
  function per batch on a pooled connection in a worker thread (``transaction``/``run``);
- psycopg, multi-row: the same, one multi-row INSERT per batch (as ``posts.record_replies``
  records a catch-up page);
- asyncpg: ``executemany`` on a pooled connection, on the event loop.

docs/performance.md has the figures and the choice.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import psycopg

from bot.storage.postgres.database import Database

BATCH = 500
READS = 3000
TABLE = (
    "CREATE TABLE bench_posts (id BIGINT PRIMARY KEY, guild_id BIGINT NOT NULL, topic_id BIGINT NOT NULL, "
    "number BIGINT NOT NULL, author_id BIGINT NOT NULL, content TEXT NOT NULL, created_at TEXT NOT NULL)"
)
INSERT_QMARK = "INSERT INTO bench_posts VALUES (?, ?, ?, ?, ?, ?, ?)"
INSERT_DOLLAR = "INSERT INTO bench_posts VALUES ($1, $2, $3, $4, $5, $6, $7)"
INSERT_PCT = "INSERT INTO bench_posts VALUES (%s, %s, %s, %s, %s, %s, %s)"


def rows(count: int, offset: int = 0) -> list[tuple[Any, ...]]:
    return [
        (
            offset + i,
            1,
            offset + i // 25,
            offset + i,
            i % 97,
            f"reply {i} " + "lorem ipsum " * 8,
            f"2026-01-01T00:00:{i % 60:02d}.000000+00:00",
        )
        for i in range(count)
    ]


def scratch(url: str) -> tuple[str, Callable[[], None]]:
    name = f"tk_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    target = urlsplit(url)._replace(path=f"/{name}").geturl()

    def drop() -> None:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return target, drop


def fresh_table(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_posts")
        conn.execute(TABLE)  # type: ignore[arg-type]


def psycopg_plain(url: str, data: list[tuple[Any, ...]], ids: list[int]) -> tuple[float, float]:
    fresh_table(url)
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        for start in range(0, len(data), BATCH):
            with conn.cursor() as cursor:
                cursor.executemany(INSERT_PCT, data[start : start + BATCH])
            conn.commit()
        insert = len(data) / (time.perf_counter() - started)
        conn.autocommit = True
        started = time.perf_counter()
        for key in ids:
            conn.execute("SELECT * FROM bench_posts WHERE id = %s", (key,)).fetchone()
        read = (time.perf_counter() - started) / len(ids) * 1e6
    return insert, read


async def psycopg_bot(url: str, data: list[tuple[Any, ...]], ids: list[int]) -> tuple[float, float]:
    fresh_table(url)
    db = Database(url)
    await db.open(migrate_schema=False)
    try:
        started = time.perf_counter()
        for start in range(0, len(data), BATCH):
            chunk = data[start : start + BATCH]
            await db.transaction(lambda conn, c=chunk: conn.executemany(INSERT_QMARK, c))
        insert = len(data) / (time.perf_counter() - started)
        started = time.perf_counter()
        for key in ids:
            await db.run(lambda conn, k=key: conn.execute("SELECT * FROM bench_posts WHERE id = ?", (k,)).fetchone())
        read = (time.perf_counter() - started) / len(ids) * 1e6
    finally:
        await db.close()
    return insert, read


async def psycopg_bot_multirow(url: str, data: list[tuple[Any, ...]], ids: list[int]) -> tuple[float, float]:
    """As the catch-up records a page (``posts.record_replies``): one multi-row INSERT per batch."""
    fresh_table(url)
    db = Database(url)
    await db.open(migrate_schema=False)
    try:
        started = time.perf_counter()
        for start in range(0, len(data), BATCH):
            chunk = data[start : start + BATCH]
            sql = "INSERT INTO bench_posts VALUES " + ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
            params = [value for row in chunk for value in row]
            await db.transaction(lambda conn, q=sql, p=params: conn.execute(q, p))
        insert = len(data) / (time.perf_counter() - started)
    finally:
        await db.close()
    return insert, float("nan")


async def asyncpg_pool(url: str, data: list[tuple[Any, ...]], ids: list[int]) -> tuple[float, float]:
    import asyncpg

    fresh_table(url)
    pool = await asyncpg.create_pool(url, min_size=1, max_size=8)
    try:
        started = time.perf_counter()
        for start in range(0, len(data), BATCH):
            async with pool.acquire() as conn, conn.transaction():
                await conn.executemany(INSERT_DOLLAR, data[start : start + BATCH])
        insert = len(data) / (time.perf_counter() - started)
        started = time.perf_counter()
        for key in ids:
            async with pool.acquire() as conn:
                await conn.fetchrow("SELECT * FROM bench_posts WHERE id = $1", key)
        read = (time.perf_counter() - started) / len(ids) * 1e6
    finally:
        await pool.close()
    return insert, read


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pg_driver")
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    url, drop = scratch(args.url)
    data = rows(args.rows)
    ids = random.Random(7).sample(range(args.rows), min(READS, args.rows))
    results: dict[str, list[tuple[float, float]]] = {
        "psycopg plain": [],
        "psycopg (bot's Database)": [],
        "psycopg multi-row INSERT": [],
        "asyncpg": [],
    }
    try:
        for _ in range(args.runs):
            results["psycopg plain"].append(psycopg_plain(url, data, ids))
            results["psycopg (bot's Database)"].append(asyncio.run(psycopg_bot(url, data, ids)))
            results["psycopg multi-row INSERT"].append(asyncio.run(psycopg_bot_multirow(url, data, ids)))
            results["asyncpg"].append(asyncio.run(asyncpg_pool(url, data, ids)))
    finally:
        drop()
    print(f"{args.rows} rows in batches of {BATCH}, {len(ids)} point reads, median of {args.runs} runs")
    print(f"{'driver':28} {'insert rows/s':>14} {'read us/row':>12}")
    for name, runs in results.items():
        insert = statistics.median(r[0] for r in runs)
        read = statistics.median(r[1] for r in runs)
        shown = "-" if math.isnan(read) else f"{read:.0f}"
        print(f"{name:28} {insert:14,.0f} {shown:>12}")


if __name__ == "__main__":
    main()
