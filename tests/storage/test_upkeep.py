"""Upkeep off the commit path (issue 6): the writer merges the search index and
checkpoints the WAL when it is idle, and an overdue step still runs under constant load."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.storage import posts
from bot.storage.sqlite import upkeep
from bot.storage.sqlite.database import Database, atomically, migrate
from tests.storage.helpers import new_post, new_topic, register_forum


@pytest.fixture
def backend() -> str:
    return "sqlite"  # SQLite's own upkeep: WAL checkpoints and FTS5 merges


REPLIES = 40  # one commit each: ten times the segments FTS5 merges at once (usermerge, 4)


def _index_needs_merging(path: Path) -> bool:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        return atomically(conn, upkeep.merge_search_index)
    finally:
        conn.close()


def _file_holds_every_page(path: Path) -> bool:
    conn = sqlite3.connect(path)
    pages, page_size = conn.execute("PRAGMA page_count").fetchone()[0], conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    return path.stat().st_size == pages * page_size


async def test_an_idle_writer_merges_the_search_index_and_checkpoints(db: Database, forum_id: int) -> None:
    topic = (await db.transaction(posts.record_topic, new_topic(forum_id))).topic
    for i in range(REPLIES):
        await db.write(posts.record_reply, topic.id, new_post(5000 + i, at=i, content=f"otters {i}"))
    await db.flush()  # the writer's task ends once its upkeep is done
    assert db.upkeep_steps > 0
    assert await db.run(lambda conn: conn.execute("PRAGMA journal_size_limit").fetchone()[0]) == upkeep.WAL_KEEP_BYTES
    assert _file_holds_every_page(db.path)  # checkpointed: the commits are in the database file
    assert not _index_needs_merging(db.path)
    sql = "SELECT COUNT(*) FROM posts_fts WHERE posts_fts MATCH 'otters'"
    assert await db.run(lambda conn: conn.execute(sql).fetchone()[0]) == REPLIES


def test_without_the_writer_the_same_commits_leave_merging_and_checkpointing(tmp_path: Path) -> None:
    """The control for the test above: the commits alone (migration 0008 turned FTS5's automerge
    off) leave segments to merge and pages outside the database file."""
    path = tmp_path / "plain.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    migrate(conn)
    conn.execute("INSERT INTO guilds(guild_id) VALUES (1)")
    conn.execute("INSERT INTO forums(guild_id, channel_id, name, created_at) VALUES (1, 100, 'F', '2026-01-01')")
    topic = atomically(conn, lambda c: posts.record_topic(c, new_topic(1))).topic
    for i in range(REPLIES):
        atomically(conn, lambda c, i=i: posts.record_reply(c, topic.id, new_post(5000 + i, at=i)))
    assert not _file_holds_every_page(path)
    assert _index_needs_merging(path)
    conn.close()


async def test_upkeep_never_delays_close(tmp_path: Path) -> None:
    db = Database(tmp_path / "c.db")
    await db.open()
    forum_id = await register_forum(db)
    topic = (await db.transaction(posts.record_topic, new_topic(forum_id))).topic
    pending = [db.submit(posts.record_reply, topic.id, new_post(5000 + i, at=i)) for i in range(REPLIES)]
    await db.close()  # waits for the queued writes, then stops: no upkeep step on the way out
    assert all(future.done() and not future.exception() for future in pending)
    assert db.upkeep_steps == 0
    await db.open()
    count = await db.run(lambda conn: conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0])
    assert count == REPLIES + 1
    await db.close()


E = upkeep.CHECKPOINT_EVERY
M = upkeep.MERGE_DEBT


@pytest.mark.parametrize(
    ("since_checkpoint", "merge_debt", "busy", "expected"),
    [
        (0, 0, False, None),  # nothing written
        (1, 1, False, "merge"),  # idle: merge first ...
        (1, 0, False, "checkpoint"),  # ... then checkpoint
        (0, 1, False, "merge"),
        (1, 1, True, None),  # a caller waits and nothing is overdue: later
        (E - 1, M - 1, True, None),
        (E, 1, True, "checkpoint"),  # overdue under load
        (1, M, True, "merge"),
        (E, M, True, "checkpoint"),
        (E, M, False, "checkpoint"),
    ],
)
def test_next_step(since_checkpoint: int, merge_debt: int, busy: bool, expected: str | None) -> None:
    step = upkeep.next_step(since_checkpoint=since_checkpoint, merge_debt=merge_debt, busy=busy)
    assert step == expected
