"""The fast paths of issue 6 give the same records as the plain ones (on both backends)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from typing import Any

from bot.storage import posts, topics
from bot.storage.api import Database, dialect_name
from bot.storage.models import Mentioned, NewPost, NewTopic

GUILD = 1


def _db(fresh_conn: Callable[[], Any]) -> Any:
    conn = fresh_conn()
    conn.execute("INSERT INTO guilds(guild_id) VALUES (?)", (GUILD,))
    conn.execute(
        "INSERT INTO forums(guild_id, channel_id, name, created_at) VALUES (?, 50, 'F', '2026-01-01')", (GUILD,)
    )
    return conn


def mentioning(post: NewPost) -> NewPost:
    return dataclasses.replace(post, content=f"{post.content} <@77>", mentioned=(Mentioned("user", 77, "Seventy"),))


def _post(message_id: int, author: int, *, at: int, reply_to: int | None = None, status: str = "publish") -> NewPost:
    return NewPost(
        guild_id=GUILD,
        message_id=message_id,
        channel_id=100,
        author_id=author,
        author_name=f"M{author}",
        author_role="participant",
        content=f"text {message_id}",
        created_at=f"2026-01-01T00:{at:02d}:00+00:00",
        reply_to_message_id=reply_to,
        status=status,
    )


def _topic(conn: Any) -> int:
    recorded = posts.record_topic(
        conn, NewTopic(guild_id=GUILD, forum_id=1, thread_id=100, title="T", opening=_post(100, 1, at=0))
    )
    return recorded.topic.id


def test_record_replies_matches_record_reply_row_for_row(fresh_conn: Callable[[], Any]) -> None:
    replies = [
        _post(101, 2, at=1),
        _post(102, 3, at=2, reply_to=101),  # answers a message earlier in the same page
        _post(103, 2, at=3, status="pending"),
        _post(104, 4, at=4),
    ]
    one = _db(fresh_conn)
    page = _db(fresh_conn)
    one_topic, page_topic = _topic(one), _topic(page)
    for reply in replies:
        posts.record_reply(one, one_topic, reply)
    assert posts.record_replies(page, page_topic, [*replies[:2], *replies]) == 4  # repeats are skipped
    assert posts.record_replies(page, page_topic, replies) == 0

    def rows(conn: Any, sql: str) -> list[tuple[object, ...]]:
        return [tuple(row) for row in conn.execute(sql)]

    for sql in (
        "SELECT number, message_id, parent_id, author_id, status, created_at FROM posts ORDER BY id",
        "SELECT reply_count, voice_count, last_post_at, last_post_number FROM topics",
        "SELECT topic_count, post_count, last_post_at FROM forums",
        "SELECT * FROM topic_voices ORDER BY author_id",
        "SELECT next_number FROM guilds",
    ):
        assert rows(page, sql) == rows(one, sql), sql
    if dialect_name(page) == "sqlite":
        assert rows(page, "SELECT rowid FROM posts_fts WHERE posts_fts MATCH '104'") == [(5,)]


def test_a_page_after_an_import_and_answering_recorded_posts_matches_record_reply(
    fresh_conn: Callable[[], Any],
) -> None:
    # PostgreSQL records a page in one statement (postgres/recording.py) and hands pages it
    # cannot number (numbers an import took ahead) to the general path: both must match.
    first = [_post(101, 2, at=1), _post(102, 3, at=2)]
    imported = dataclasses.replace(_post(90, 5, at=3), number=5)  # an import took #5 ...
    later = [
        _post(103, 4, at=4, reply_to=101),  # answers a post recorded before this page
        _post(104, 2, at=5, reply_to=103),  # answers one earlier in this page
        _post(105, 6, at=6, reply_to=999),  # answers a message nobody recorded
        _post(106, 3, at=7, status="pending"),
    ]
    one = _db(fresh_conn)
    page = _db(fresh_conn)
    one_topic, page_topic = _topic(one), _topic(page)
    for conn, topic in ((one, one_topic), (page, page_topic)):
        assert posts.record_replies(conn, topic, first) == 2
        posts.record_reply(conn, topic, imported)
        conn.execute("UPDATE guilds SET next_number = 4")  # ... ahead of the sequence
    for reply in later:
        posts.record_reply(one, one_topic, reply)
    assert posts.record_replies(page, page_topic, later) == 4  # numbers 4, 6, 7, 8: #5 is taken
    assert posts.record_replies(page, page_topic, [_post(107, 7, at=8)]) == 1

    def rows(conn: Any, sql: str) -> list[tuple[object, ...]]:
        return [tuple(row) for row in conn.execute(sql)]

    posts.record_reply(one, one_topic, _post(107, 7, at=8))
    for sql in (
        "SELECT number, message_id, parent_id, author_id, status, created_at FROM posts ORDER BY id",
        "SELECT reply_count, voice_count, last_post_at, last_post_number FROM topics",
        "SELECT topic_count, post_count, last_post_at FROM forums",
        "SELECT * FROM topic_voices ORDER BY author_id",
        "SELECT next_number FROM guilds",
    ):
        assert rows(page, sql) == rows(one, sql), sql
    assert [r[0] for r in rows(page, "SELECT number FROM posts ORDER BY id")] == [1, 2, 3, 5, 4, 6, 7, 8, 9]


def test_list_page_reads_stickies_first_and_counts_from_the_counters(fresh_conn: Callable[[], Any]) -> None:
    conn = _db(fresh_conn)
    conn.execute(
        "INSERT INTO forums(guild_id, channel_id, name, created_at) VALUES (?, 51, 'G', '2026-01-01')", (GUILD,)
    )
    for i in range(40):
        forum_id = 1 + i % 2
        new = NewTopic(
            guild_id=GUILD, forum_id=forum_id, thread_id=1000 + i, title=f"T{i}", opening=_post(1000 + i, i, at=i % 60)
        )
        recorded = posts.record_topic(conn, new)
        for r in range(i % 4):
            posts.record_reply(conn, recorded.topic.id, _post(5000 + i * 10 + r, 99, at=(i + r) % 60))
    conn.execute("UPDATE topics SET sticky = 'sticky' WHERE thread_id = 1010")
    conn.execute("UPDATE topics SET sticky = 'super' WHERE thread_id = 1021")
    for sort in topics.SORTS:
        for forum_ids in ([1], [1, 2]):
            seen: list[int] = []
            total = 0
            for page in range(4):
                found, total = topics.list_page(
                    conn, forum_ids=forum_ids, super_forum_ids=[1, 2], sort=sort, offset=page * 15
                )
                seen += [t.id for t in found]
            unanswered = "AND reply_count = 0" if sort == "unanswered" else ""
            expected = conn.execute(
                f"SELECT COUNT(*) FROM topics WHERE (forum_id IN ({','.join('?' * len(forum_ids))}) "
                f"OR sticky = 'super') {unanswered}",
                forum_ids,
            ).fetchone()[0]
            assert total == len(seen) == len(set(seen)) == expected, (sort, forum_ids)
            first = topics.by_id(conn, seen[0])
            assert first is not None and first.sticky == ("none" if sort == "unanswered" else "super")
        plain, _ = topics.list_page(conn, forum_ids=[1, 2], sort=sort, limit=40)
        keys = {
            "latest": lambda t: (t.created_at, t.id),
            "unanswered": lambda t: (t.created_at, t.id),
            "active": lambda t: (t.last_post_at, t.id),
            "popular": lambda t: (t.reply_count, t.last_post_at, t.id),
        }
        rest = [t for t in plain if t.sticky == "none"]
        assert rest == sorted(rest, key=keys[sort], reverse=True), sort


async def test_backlog_yields_to_live_writes_and_keeps_its_order(db: Database) -> None:
    key = "INTEGER PRIMARY KEY" if db.backend == "sqlite" else "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
    await db.transaction(lambda conn: conn.execute(f"CREATE TABLE t(id {key}, v TEXT)"))
    order: list[str] = []

    def put(conn: Any, value: str) -> str:
        conn.execute("INSERT INTO t(v) VALUES (?)", (value,))
        order.append(value)
        return value

    backlog = [db.submit_bulk(put, f"b{i}") for i in range(300)]
    await asyncio.sleep(0)
    live = await db.write(put, "live")
    assert live == "live"
    assert await asyncio.gather(*backlog) == [f"b{i}" for i in range(300)]
    rows = await db.run(lambda conn: [r[0] for r in conn.execute("SELECT v FROM t ORDER BY id")])
    assert rows == order
    assert [v for v in rows if v != "live"] == [f"b{i}" for i in range(300)]  # backlog order kept
    assert rows.index("live") < 299  # the live write did not wait for the whole backlog


async def test_catch_up_pages_through_the_writer_match_record_reply(
    db: Database, fresh_conn: Callable[[], Any]
) -> None:
    # PostgreSQL's writer sends a group's catch-up pages together (postgres/database.py,
    # pipeline mode) and reads their answers after; a page the one statement cannot number
    # (an import took #9 ahead of the sequence) makes the group run again one job at a time.
    # Either way: the rows, numbers and counters of record_reply, message by message.
    pages = [
        [_post(101, 2, at=1), _post(102, 3, at=2, reply_to=101)],  # answers one in its page
        [_post(103, 2, at=3, status="pending"), _post(104, 4, at=4, reply_to=102)],
        [_post(104, 4, at=4), _post(105, 5, at=5)],  # 104 again: skipped
        [mentioning(_post(106, 6, at=6)), _post(107, 2, at=7, reply_to=106)],  # its mention's name kept too
    ]
    later = [[_post(108, 3, at=8)], [_post(109, 4, at=9), _post(110, 5, at=10)], [_post(111, 6, at=11)]]
    imported = dataclasses.replace(_post(90, 7, at=12), number=10)  # an import took #10 ...

    def setup(conn: Any) -> int:
        conn.execute("INSERT INTO guilds(guild_id) VALUES (?)", (GUILD,))
        conn.execute(
            "INSERT INTO forums(guild_id, channel_id, name, created_at) VALUES (?, 50, 'F', '2026-01-01')", (GUILD,)
        )
        return _topic(conn)

    topic = await db.transaction(setup)
    assert await asyncio.gather(*(db.submit_bulk(posts.record_replies, topic, page) for page in pages)) == [2, 2, 1, 2]
    await db.transaction(lambda conn: posts.record_reply(conn, topic, imported))
    await db.transaction(lambda conn: conn.execute("UPDATE guilds SET next_number = 9"))  # ... ahead
    assert await asyncio.gather(*(db.submit_bulk(posts.record_replies, topic, page) for page in later)) == [1, 2, 1]

    one = _db(fresh_conn)
    one_topic = _topic(one)
    seen: set[int] = set()
    for page in [*pages, *later]:
        for reply in page:
            if reply.message_id not in seen:
                seen.add(reply.message_id)
                posts.record_reply(one, one_topic, reply)
        if page is pages[-1]:
            posts.record_reply(one, one_topic, imported)
            one.execute("UPDATE guilds SET next_number = 9")

    def rows(conn: Any, sql: str) -> list[tuple[object, ...]]:
        return [tuple(row) for row in conn.execute(sql)]

    for sql in (
        "SELECT number, message_id, parent_id, author_id, status, created_at FROM posts ORDER BY id",
        "SELECT reply_count, voice_count, last_post_at, last_post_number FROM topics",
        "SELECT topic_count, post_count, last_post_at FROM forums",
        "SELECT * FROM topic_voices ORDER BY author_id",
        "SELECT next_number FROM guilds",
        "SELECT guild_id, kind, id, name FROM mention_names",
    ):
        assert await db.run(rows, sql) == rows(one, sql), sql
    assert await db.run(rows, "SELECT name FROM mention_names") == [("Seventy",)]
    numbers = [r[0] for r in await db.run(rows, "SELECT number FROM posts ORDER BY id")]
    assert numbers == [1, 2, 3, 4, 5, 6, 7, 8, 10, 9, 11, 12, 13]
