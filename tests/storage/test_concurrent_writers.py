"""Many writers, one truth (PostgreSQL): real connections writing one guild at the same time.

Numbers come from the guild's counter row, locked by ``UPDATE ... RETURNING`` until the
transaction that took them ends, so they stay unique and gapless however many writers
there are, and a rolled-back transaction gives its number back. Recording the same Discord
message from two processes records it once.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from bot.config import Settings
from bot.storage import connect, create_database, posts
from bot.storage.api import atomically
from tests.storage.helpers import new_post, new_topic, register_forum

WRITERS = 6
EACH = 25


@pytest.fixture
def backend() -> str:
    return "postgres"


def test_numbers_stay_unique_and_gapless_under_concurrent_writers(database_url: str, conn: Any) -> None:
    settings = Settings(database_url=database_url)
    topic = atomically(conn, lambda c: _topic(c)).topic
    start = threading.Barrier(WRITERS)
    failures: list[BaseException] = []

    def writer(index: int) -> None:
        own = connect(settings)  # its own server session, as another process would have
        try:
            start.wait()
            for i in range(EACH):
                message_id = 100_000 + index * 1000 + i
                if i % 5 == 4:  # a transaction that takes a number, then rolls back
                    with pytest.raises(RuntimeError):
                        atomically(own, lambda c, m=message_id: _record_then_fail(c, topic.id, m))
                    continue
                atomically(own, lambda c, m=message_id: posts.record_reply(c, topic.id, new_post(m, author=index)))
        except BaseException as error:  # reported below: a thread's assert would vanish
            failures.append(error)
        finally:
            own.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    numbers = [row[0] for row in conn.execute("SELECT number FROM posts ORDER BY number")]
    recorded = 1 + WRITERS * (EACH - EACH // 5)
    assert numbers == list(range(1, recorded + 1))  # unique, gapless, rolled-back numbers reused
    assert conn.execute("SELECT next_number FROM guilds WHERE guild_id = 1").fetchone()[0] == recorded + 1
    row = conn.execute("SELECT reply_count, voice_count FROM topics WHERE id = ?", (topic.id,)).fetchone()
    assert (row[0], row[1]) == (recorded - 1, WRITERS + 1)


def _topic(conn: Any) -> posts.Recorded:
    from bot.storage import forums

    forums.register(
        conn,
        guild_id=1,
        guild_name="G1",
        channel_id=100,
        name="Discussion",
        description="",
        public=True,
        solved_tag_id=None,
        now="2026-01-01T00:00:00.000000+00:00",
    )
    return posts.record_topic(conn, new_topic(1))


def _record_then_fail(conn: Any, topic_id: int, message_id: int) -> None:
    posts.record_reply(conn, topic_id, new_post(message_id))
    raise RuntimeError("changed my mind")


async def test_two_processes_recording_the_same_messages_record_each_once(database_url: str) -> None:
    """Two databases (two pools: two shard processes, or a catch-up and the live path of
    another) queue the same replies at once: each message is one post with one number."""
    settings = Settings(database_url=database_url)
    first, second = create_database(settings), create_database(settings)
    await first.open()
    await second.open()
    try:
        forum_id = await register_forum(first)
        topic = (await first.transaction(posts.record_topic, new_topic(forum_id))).topic
        replies = [new_post(5000 + i, author=i % 3) for i in range(40)]
        one = [first.submit(posts.record_reply, topic.id, reply) for reply in replies]
        two = [second.submit(posts.record_reply, topic.id, reply) for reply in reversed(replies)]
        results = await asyncio.gather(*one, *two)
        created = [result for result in results if result.created]
        assert len(created) == len(replies)
        rows = await first.run(
            lambda c: c.execute("SELECT message_id, number FROM posts WHERE is_opening = 0").fetchall()
        )
        assert sorted(row[0] for row in rows) == [reply.message_id for reply in replies]
        assert sorted(row[1] for row in rows) == list(range(2, 2 + len(replies)))
        # whichever writer recorded a message, the other one answers with the same post
        by_message = {row[0]: row[1] for row in rows}
        assert all(result.post.number == by_message[result.post.message_id] for result in results)
        stored = await first.run(
            lambda c: c.execute("SELECT reply_count FROM topics WHERE id = ?", (topic.id,)).fetchone()
        )
        assert stored[0] == len(replies)
    finally:
        await first.close()
        await second.close()
