"""The writer's group commit (one failing job fails alone) and search-index segments per write."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.storage import posts
from bot.storage.sqlite.database import Database, atomically, migrate
from tests.storage.helpers import new_post, new_topic


def _segments(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(DISTINCT segid) FROM posts_fts_idx").fetchone()[0])


async def test_a_failing_job_fails_alone_and_leaves_nothing(db: Database, forum_id: int) -> None:
    topic = (await db.transaction(posts.record_topic, new_topic(forum_id))).topic

    def half_then_fail(conn: sqlite3.Connection) -> None:
        posts.record_reply(conn, topic.id, new_post(7001, content="half written"))
        raise ValueError("broken job")

    futures = [
        db.submit(posts.record_reply, topic.id, new_post(7000, content="before")),
        db.submit(half_then_fail),
        db.submit(posts.record_reply, topic.id, new_post(7002, content="after")),
    ]
    results = await asyncio.gather(*futures, return_exceptions=True)
    assert isinstance(results[1], ValueError)
    assert not isinstance(results[0], BaseException) and not isinstance(results[2], BaseException)
    assert results[0].post.number + 1 == results[2].post.number  # the failed job's number was not used
    recorded = await db.run(lambda conn: [r[0] for r in conn.execute("SELECT message_id FROM posts ORDER BY id")])
    assert recorded == [1001, 7000, 7002]
    assert await db.run(lambda conn: conn.execute("SELECT reply_count FROM topics").fetchone()[0]) == 2


def test_a_catch_up_page_is_one_search_index_segment(tmp_path: Path) -> None:
    """FTS5 writes a segment at every statement journal: one INSERT per post made a segment
    per post (all to be merged later); ``record_replies`` inserts a page in one statement."""
    conn = sqlite3.connect(tmp_path / "g.db", isolation_level=None)
    conn.row_factory = sqlite3.Row
    migrate(conn)
    conn.execute("INSERT INTO guilds(guild_id) VALUES (1)")
    conn.execute("INSERT INTO forums(guild_id, channel_id, name, created_at) VALUES (1, 100, 'F', '2026-01-01')")
    topic = atomically(conn, lambda c: posts.record_topic(c, new_topic(1))).topic
    before = _segments(conn)
    page = [new_post(8000 + i, content=f"word{i}", reply_to=8000 + i - 1 if i else 1001) for i in range(25)]
    assert atomically(conn, lambda c: posts.record_replies(c, topic.id, page)) == 25
    assert _segments(conn) == before + 1
    one_by_one = [new_post(9000 + i, content=f"other{i}") for i in range(5)]
    atomically(conn, lambda c: [posts.record_reply(c, topic.id, new) for new in one_by_one])
    assert _segments(conn) == before + 1 + 5  # what a statement per post does
    conn.close()


@pytest.mark.parametrize("backlog", [False, True])
async def test_every_job_failing_commits_nothing_and_tells_each(db: Database, backlog: bool) -> None:
    def fail(conn: sqlite3.Connection, n: int) -> None:
        conn.execute("INSERT INTO kv(key, value) VALUES (?, 'x')", (f"k{n}",))
        raise sqlite3.IntegrityError(f"job {n}")

    submit = db.submit_bulk if backlog else db.submit
    results = await asyncio.gather(*[submit(fail, n) for n in range(5)], return_exceptions=True)
    assert [str(r) for r in results] == [f"job {n}" for n in range(5)]
    assert await db.run(lambda conn: conn.execute("SELECT COUNT(*) FROM kv").fetchone()[0]) == 0
