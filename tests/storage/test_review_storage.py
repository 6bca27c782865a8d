"""bot/storage/review.py on both backends: /mod queue's lists, spam-member's window, the
`new` hold rule's count, and the partial indexes of migration 0017 / pg 0008."""

from __future__ import annotations

from dataclasses import replace

from bot.storage import posts, review, topics
from bot.storage.api import Database, dialect_name
from tests.storage.helpers import new_post, new_topic


async def _scene(db: Database, forum_id: int) -> dict[str, int]:
    """Topic A (open) with replies of every status; topic B (pending, held) by author 8."""
    a = await db.transaction(posts.record_topic, new_topic(forum_id, 1000))
    ids = {"a": a.topic.id}
    for index, status in enumerate(("publish", "pending", "spam", "trash", "deleted", "pending"), start=1):
        made = await db.transaction(
            posts.record_reply, a.topic.id, replace(new_post(2000 + index, at=index), status=status)
        )
        ids[f"r{index}"] = made.post.number
    b = await db.transaction(
        posts.record_topic, replace(new_topic(forum_id, 3000, author=8, title="Held topic"), status="pending")
    )
    ids["b"] = b.topic.number
    return ids


async def test_hidden_posts_lists_replies_and_topics_by_status_oldest_first(db: Database, forum_id: int) -> None:
    ids = await _scene(db, forum_id)
    pending, total = await db.run(lambda c: review.hidden_posts(c, 1, "pending", limit=10))
    assert total == 3
    assert [(i.post.number, i.topic_status) for i in pending] == [
        (ids["b"], "pending"),  # its opening post was written first
        (ids["r2"], "open"),
        (ids["r6"], "open"),
    ]
    first, total = await db.run(lambda c: review.hidden_posts(c, 1, "pending", limit=2))
    second, _ = await db.run(lambda c: review.hidden_posts(c, 1, "pending", limit=2, offset=2))
    assert total == 3 and [i.post.number for i in first + second] == [i.post.number for i in pending]
    for status, number in (("spam", ids["r3"]), ("trash", ids["r4"]), ("deleted", ids["r5"])):
        items, count = await db.run(lambda c, s=status: review.hidden_posts(c, 1, s, limit=10))
        assert count == 1 and [i.post.number for i in items] == [number]
    assert await db.run(lambda c: review.hidden_posts(c, 2, "pending", limit=10)) == ([], 0)  # another guild
    # A moderator of named forums sees their forums' posts only.
    mine, count = await db.run(lambda c: review.hidden_posts(c, 1, "pending", limit=10, forum_ids=[forum_id]))
    assert count == 3 and [i.forum_id for i in mine] == [forum_id] * 3
    assert await db.run(lambda c: review.hidden_posts(c, 1, "pending", limit=10, forum_ids=[forum_id + 1])) == ([], 0)
    assert await db.run(lambda c: review.hidden_posts(c, 1, "pending", limit=10, forum_ids=[])) == ([], 0)
    # A topic moved to the trash: its opening post stands for it; its replies stay as they are.
    await db.transaction(topics.set_status, ids["a"], "trash")
    items, count = await db.run(lambda c: review.hidden_posts(c, 1, "trash", limit=10))
    assert count == 2 and {i.post.is_opening for i in items} == {True, False}
    found = await db.run(review.hidden_post, items[0].post.id)
    assert found is not None and found.topic_title == "A question"


async def test_member_posts_since_and_published_count(db: Database, forum_id: int) -> None:
    ids = await _scene(db, forum_id)
    since = "2026-01-01T00:00:03.000000+00:00"
    found = await db.run(review.member_posts_since, 1, 7, since)
    # Published and pending posts from that moment on; spam, trash and deleted are left alone.
    assert [p.number for p in found] == [ids["r6"]]
    everything = await db.run(review.member_posts_since, 1, 7, "2026-01-01T00:00:00.000000+00:00")
    assert [p.number for p in everything] == [1, ids["r1"], ids["r2"], ids["r6"]]
    assert await db.run(lambda c: review.published_count(c, 1, 7, up_to=3)) == 2  # the opening post and r1
    assert await db.run(lambda c: review.published_count(c, 1, 7, up_to=1)) == 1
    # A held topic's opening post is published in a pending topic: it does not count.
    assert await db.run(lambda c: review.published_count(c, 1, 8, up_to=3)) == 0


def test_the_queue_indexes_exist(conn) -> None:  # type: ignore[no-untyped-def]
    if dialect_name(conn) == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'index'"
    else:
        sql = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    names = {row[0] for row in conn.execute(sql).fetchall()}
    assert {"posts_hidden", "topics_hidden"} <= names
