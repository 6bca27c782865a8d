"""PostgreSQL's one-statement paths (postgres/listing.py, postgres/recording.py) give what
SQLite's general paths give on the same forum: the same pages, totals and rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.storage import connect, posts, topics
from bot.storage.models import NewPost, NewTopic
from tests.backends import Server

GUILD = 1


def _post(message_id: int, author: int, *, at: int, reply_to: int | None = None, status: str = "publish") -> NewPost:
    return NewPost(
        guild_id=GUILD, message_id=message_id, channel_id=message_id // 100 * 100, author_id=author,
        author_name=f"M{author}", author_role="participant", content=f"text {message_id}",
        created_at=f"2026-01-{1 + at // 60:02d}T00:{at % 60:02d}:00+00:00", reply_to_message_id=reply_to, status=status,
    )  # fmt: skip


def _forum(conn: Any) -> None:
    """Three forums, 60 topics: stickies and super stickies, open/closed/solved, unanswered
    ones, replies in pages (some pending, some answering others), equal times (ties by id)."""
    conn.execute("INSERT INTO guilds(guild_id) VALUES (?)", (GUILD,))
    for channel in (50, 51, 52):
        conn.execute(
            "INSERT INTO forums(guild_id, channel_id, name, created_at) VALUES (?, ?, 'F', '2026-01-01')",
            (GUILD, channel),
        )
    for i in range(60):
        thread = (100 + i) * 100
        opening = _post(thread, i % 7, at=i % 25)
        recorded = posts.record_topic(
            conn, NewTopic(guild_id=GUILD, forum_id=1 + i % 3, thread_id=thread, title=f"T{i}", opening=opening)
        )
        page = [
            _post(thread + r, (i + r) % 5, at=(i * 7 + r) % 90, reply_to=thread + r - 1 if r % 3 == 2 else None,
                  status="pending" if r == 4 else "publish")
            for r in range(1, i % 6)
        ]  # fmt: skip
        posts.record_replies(conn, recorded.topic.id, page)
        if i % 5 == 0:
            conn.execute("UPDATE topics SET status = 'closed' WHERE id = ?", (recorded.topic.id,))
        if i % 4 == 1:
            conn.execute("UPDATE topics SET solved = 1 WHERE id = ?", (recorded.topic.id,))
    conn.execute("UPDATE topics SET sticky = 'sticky' WHERE title IN ('T3', 'T10', 'T12', 'T30')")
    conn.execute("UPDATE topics SET sticky = 'super' WHERE title IN ('T7', 'T20')")
    conn.execute("UPDATE topics SET status = 'hidden' WHERE title = 'T44'")


def test_lists_and_recorded_rows_agree_between_the_backends(tmp_path: Path, pg_server: Server | None) -> None:
    if pg_server is None:
        pytest.skip("PostgreSQL tests are turned off (THREADKEEPER_TEST_PG=off)")
    url = pg_server.create_database()
    lite = connect(Settings(database_url=f"sqlite:///{tmp_path / 'forum.db'}"), migrate_schema=True)
    pg = connect(Settings(database_url=url), migrate_schema=True)
    try:
        for conn in (lite, pg):
            _forum(conn)
        for sql in (
            "SELECT number, message_id, parent_id, author_id, status, created_at FROM posts ORDER BY id",
            "SELECT id, reply_count, voice_count, last_post_at, last_post_number, status, solved FROM topics "
            "ORDER BY id",
            "SELECT id, topic_count, post_count, last_post_at, open_count, closed_count, solved_count FROM forums "
            "ORDER BY id",
            "SELECT topic_id, author_id FROM topic_voices ORDER BY topic_id, author_id",
        ):
            assert [tuple(r) for r in pg.execute(sql)] == [tuple(r) for r in lite.execute(sql)], sql
        for sort in topics.SORTS:
            for status in topics.STATUS_FILTERS:
                for forum_ids, supers in (([1], [1, 2, 3]), ([2, 3], [2, 3]), ([1, 2, 3], None), ([], [1])):
                    for offset, limit in ((0, 15), (2, 3), (5, 4), (15, 15), (40, 15)):
                        pages = [
                            topics.list_page(
                                conn, forum_ids=forum_ids, super_forum_ids=supers, sort=sort, status=status,
                                offset=offset, limit=limit,
                            )
                            for conn in (lite, pg)
                        ]  # fmt: skip
                        (lite_page, lite_total), (pg_page, pg_total) = pages
                        case = (sort, status, forum_ids, offset, limit)
                        assert pg_total == lite_total, case
                        assert pg_page == lite_page, case
    finally:
        lite.close()
        pg.close()
        pg_server.drop_database(url)
