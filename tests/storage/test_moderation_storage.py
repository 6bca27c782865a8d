"""Moderation repositories on a real SQLite file: statuses, counters, restructuring, expiries, reports."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.domain.roles import ForumRole
from bot.storage import answers, forums, members, posts, reports, restructuring, topics
from bot.storage.api import Database
from tests.storage.helpers import new_post, new_topic, register_forum


async def topic_with_replies(db: Database, forum_id: int, replies: int, *, thread: int = 1000) -> int:
    recorded = await db.transaction(posts.record_topic, new_topic(forum_id, thread))
    for index in range(replies):
        await db.transaction(
            posts.record_reply,
            recorded.topic.id,
            new_post(thread + 10 + index, channel=thread, author=8 + index, at=index + 1),
        )
    return recorded.topic.id


async def counts(db: Database, forum_id: int) -> tuple[int, int]:
    forum = await db.run(forums.get, forum_id)
    assert forum is not None
    return forum.topic_count, forum.post_count


async def assert_status_counts_exact(db: Database) -> None:
    """Migration 0009's counters equal what a count of the topics says, for every forum."""
    sql = (
        "SELECT f.id, f.open_count, f.closed_count, f.solved_count, "
        "(SELECT COUNT(*) FROM topics t WHERE t.forum_id = f.id AND t.status = 'open'), "
        "(SELECT COUNT(*) FROM topics t WHERE t.forum_id = f.id AND t.status = 'closed'), "
        "(SELECT COUNT(*) FROM topics t WHERE t.forum_id = f.id AND t.solved = 1 AND t.status IN ('open', 'closed')) "
        "FROM forums f"
    )
    for row in await db.run(lambda conn: conn.execute(sql).fetchall()):
        assert tuple(row[1:4]) == tuple(row[4:7]), f"forum {row[0]}"


async def test_status_counters_follow_every_change(db: Database, forum_id: int) -> None:
    other = await register_forum(db, channel_id=200, name="Other")
    first = await topic_with_replies(db, forum_id, 2, thread=1000)
    second = await topic_with_replies(db, forum_id, 1, thread=2000)
    await assert_status_counts_exact(db)
    reply = next(p for p in await db.run(posts.of_topic, first) if not p.is_opening)
    await db.transaction(answers.toggle, reply.id)  # solved
    await db.transaction(topics.set_status, first, "closed", close_reason="resolved")
    await assert_status_counts_exact(db)
    assert await db.run(topics.list_page, forum_ids=[forum_id], status="solved") == (
        [await db.run(topics.by_id, first)],
        1,
    )
    await db.transaction(topics.set_status, first, "spam")
    await db.transaction(topics.set_status, first, "open")
    await db.transaction(topics.set_sticky, second, "sticky")
    _, open_total = await db.run(topics.list_page, forum_ids=[forum_id], status="open")
    assert open_total == 2
    moves = [(p.id, 4000, 9000 + p.number) for p in await db.run(posts.of_topic, second)]
    await db.transaction(
        restructuring.move, second, forum_id=other, thread_id=4000, old_thread_id=2000, moves=moves, now="2026"
    )
    await assert_status_counts_exact(db)
    await db.transaction(answers.toggle, reply.id)  # unsolved
    await db.transaction(topics.mark_thread_deleted, 1000)
    await assert_status_counts_exact(db)
    for status, expected in (("all", 0), ("open", 0), ("closed", 0), ("solved", 0)):
        assert (await db.run(topics.list_page, forum_ids=[forum_id], status=status))[1] == expected
    assert (await db.run(topics.list_page, forum_ids=[other], status="open"))[1] == 1  # the sticky, moved


async def test_topic_status_moves_the_forum_counters(db: Database, forum_id: int) -> None:
    topic_id = await topic_with_replies(db, forum_id, 2)
    assert await counts(db, forum_id) == (1, 3)
    closed = await db.transaction(topics.set_status, topic_id, "closed", close_reason="duplicate")
    assert closed.close_reason == "duplicate" and await counts(db, forum_id) == (1, 3)
    await db.transaction(topics.set_status, topic_id, "spam")
    assert await counts(db, forum_id) == (0, 0)
    reopened = await db.transaction(topics.set_status, topic_id, "open")
    assert reopened.close_reason is None and await counts(db, forum_id) == (1, 3)


async def test_a_spammed_topic_stays_spam_when_its_thread_is_deleted(db: Database, forum_id: int) -> None:
    topic_id = await topic_with_replies(db, forum_id, 0)
    await db.transaction(topics.set_status, topic_id, "spam")
    assert await db.transaction(topics.mark_thread_deleted, 1000) is None
    topic = await db.run(topics.by_id, topic_id)
    assert topic is not None and topic.status == "spam"


async def test_split_keeps_numbers_and_counters(db: Database, forum_id: int) -> None:
    topic_id = await topic_with_replies(db, forum_id, 3)  # numbers 1..4
    leaving = [p for p in await db.run(posts.of_topic, topic_id) if p.number >= 3]
    moves = [(p.id, 2000, 5000 + p.number) for p in leaving]
    created = await db.transaction(restructuring.split, topic_id, thread_id=2000, title="Split", moves=moves)
    assert created.number == 3 and created.reply_count == 1 and created.thread_id == 2000
    assert [p.number for p in await db.run(posts.of_topic, created.id)] == [3, 4]
    assert [p.number for p in await db.run(posts.of_topic, topic_id)] == [1, 2]
    assert await counts(db, forum_id) == (2, 4)
    first = await db.run(posts.by_number, 1, 3)
    assert first is not None and first.is_opening and first.message_id == 5003 and first.channel_id == 2000
    await assert_status_counts_exact(db)


async def test_merge_joins_posts_and_keeps_counters_true(db: Database, forum_id: int) -> None:
    target = await topic_with_replies(db, forum_id, 1, thread=1000)  # 1, 2
    source = await topic_with_replies(db, forum_id, 1, thread=3000)  # 3, 4
    moving = await db.run(posts.of_topic, source)
    moves = [(p.id, 1000, 7000 + p.number) for p in moving]
    joined = await db.transaction(restructuring.merge, source, target, moves=moves, old_thread_id=3000, now="2026")
    assert joined.reply_count == 3
    # Read in time order: both openings at 00:00, both replies at 00:01.
    assert [p.number for p in await db.run(posts.of_topic, target)] == [1, 3, 2, 4]
    left = await db.run(topics.by_id, source)
    assert left is not None and left.status == "closed" and left.close_reason == "merged"
    assert await db.run(topics.is_retired, 3000)
    assert await counts(db, forum_id) == (2, 4)
    await assert_status_counts_exact(db)


async def test_move_changes_forum_counters_and_retires_the_old_thread(db: Database, forum_id: int) -> None:
    other = await register_forum(db, channel_id=200, name="Other")
    topic_id = await topic_with_replies(db, forum_id, 2)
    moves = [(p.id, 4000, 9000 + p.number) for p in await db.run(posts.of_topic, topic_id)]
    moved = await db.transaction(
        restructuring.move, topic_id, forum_id=other, thread_id=4000, old_thread_id=1000, moves=moves, now="2026"
    )
    assert moved.forum_id == other and moved.thread_id == 4000
    assert await counts(db, forum_id) == (0, 0) and await counts(db, other) == (1, 3)
    assert await db.run(topics.is_retired, 1000) and not await db.run(topics.is_retired, 4000)
    assert await db.run(posts.last_message_id, 1000) is None
    await assert_status_counts_exact(db)


async def test_timed_assignments_expire_once(db: Database) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    await db.transaction(
        members.assign,
        guild_id=1,
        user_id=5,
        role=ForumRole.BLOCKED,
        source="block",
        assigned_by=2,
        now="2026-01-01T00:00:00+00:00",
        expires_at=(start + timedelta(minutes=30)).isoformat(timespec="microseconds"),
    )
    await db.transaction(
        members.assign, guild_id=1, user_id=6, role=ForumRole.BLOCKED, source="block", assigned_by=2, now="x"
    )
    assert await db.run(members.due_expiries, start + timedelta(minutes=29)) == []
    later = start + timedelta(minutes=31)
    assert await db.run(members.due_expiries, later) == [(1, 5)]
    lifted = await db.transaction(members.lift_expired, 1, 5, later)
    assert lifted is not None and lifted.role is ForumRole.BLOCKED
    assert await db.transaction(members.lift_expired, 1, 5, later) is None
    assert await db.transaction(members.lift_expired, 1, 6, later) is None  # no end: never lifted


async def test_reports_dedupe_list_and_resolve_once(db: Database, forum_id: int) -> None:
    topic_id = await topic_with_replies(db, forum_id, 1)
    post = (await db.run(posts.of_topic, topic_id))[1]
    first = await db.transaction(reports.report, guild_id=1, post_id=post.id, reporter_id=9, reason="spam", now="t")
    again = await db.transaction(reports.report, guild_id=1, post_id=post.id, reporter_id=9, reason="spam!", now="t")
    other = await db.transaction(reports.report, guild_id=1, post_id=post.id, reporter_id=10, reason="rude", now="t")
    assert first == again != other
    items, total = await db.run(reports.open_items, 1)
    assert total == 2 and [i.id for i in items] == [first, other] and items[0].post.number == 2
    assert await db.transaction(reports.resolve, first, status="dismissed", by=1, now="t")
    assert not await db.transaction(reports.resolve, first, status="approved", by=1, now="t")
    assert await db.transaction(reports.resolve_post, post.id, status="approved", by=1, now="t") == 1
    assert await db.run(reports.open_count, 1) == 0


async def test_a_block_gives_back_the_role_it_replaced(db: Database) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    await db.transaction(
        members.assign, guild_id=1, user_id=5, role=ForumRole.PARTICIPANT, source="join", assigned_by=5, now="t"
    )
    ends = (start + timedelta(hours=1)).isoformat(timespec="microseconds")
    await db.transaction(members.block, guild_id=1, user_id=5, assigned_by=2, now="t", expires_at=ends, reason="x")
    blocked = await db.run(members.assignment, 1, 5)
    assert blocked is not None and blocked.role is ForumRole.BLOCKED and blocked.source == "block"
    await db.transaction(members.lift_expired, 1, 5, start + timedelta(hours=2))
    back = await db.run(members.assignment, 1, 5)
    assert back is not None and back.role is ForumRole.PARTICIPANT and back.source == "join"

    # Blocked again, then a moderator sets the role outright: the old role is not brought back.
    await db.transaction(members.block, guild_id=1, user_id=5, assigned_by=2, now="t", expires_at=None, reason=None)
    await db.transaction(members.set_role, guild_id=1, user_id=5, role=ForumRole.BLOCKED, assigned_by=2, now="t")
    await db.transaction(members.end_block, 1, 5, start)
    assert await db.run(members.assignment, 1, 5) is None


async def test_idle_open_lists_open_plain_topics_of_registered_forums_oldest_first(db: Database, forum_id: int) -> None:
    other_forum = await register_forum(db, channel_id=101, name="Other")
    gone_forum = await register_forum(db, channel_id=102, name="Gone")
    other_guild_forum = await register_forum(db, guild_id=2, channel_id=103, name="Elsewhere")
    ids = {}
    for name, forum, thread, at, guild in [
        ("old", forum_id, 1000, 5, 1),
        ("older", other_forum, 2000, 2, 1),
        ("fresh", forum_id, 3000, 50, 1),
        ("sticky", forum_id, 4000, 1, 1),
        ("closed", other_forum, 5000, 1, 1),
        ("unregistered", gone_forum, 6000, 1, 1),
        ("other guild", other_guild_forum, 7000, 1, 2),
    ]:
        new = replace(
            new_topic(forum, thread, guild=guild), opening=new_post(thread + 1, channel=thread, at=at, guild=guild)
        )
        ids[name] = (await db.transaction(posts.record_topic, new)).topic.id
    await db.transaction(topics.set_sticky, ids["sticky"], "sticky")
    await db.transaction(
        lambda conn: conn.execute("UPDATE topics SET status = 'closed' WHERE id = ?", (ids["closed"],))
    )
    await db.transaction(forums.unregister, gone_forum)
    idle = await db.run(topics.idle_open, 1, "2026-01-01T00:00:30")
    assert [t.id for t in idle] == [ids["older"], ids["old"]]
    assert [t.id for t in await db.run(topics.idle_open, 1, "2026-01-01T00:00:30", 1)] == [ids["older"]]
