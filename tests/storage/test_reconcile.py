"""bot/storage/reconcile.py on both backends: what the catch-up compares with Discord to find
deletions made there while the bot was away; and posts.mark_deleted leaving a hidden
topic's posts alone."""

from __future__ import annotations

from dataclasses import replace

from bot.storage import posts, reconcile, restructuring, topics
from bot.storage.api import Database
from tests.storage.helpers import new_post, new_topic

NOW = "2026-01-02T00:00:00.000000+00:00"


async def test_a_threads_published_messages_in_a_range(db: Database, forum_id: int) -> None:
    made = await db.transaction(posts.record_topic, new_topic(forum_id, 1000))  # opening: message 1001
    for message_id, status in ((1010, "publish"), (1020, "spam"), (1030, "publish"), (1040, "pending")):
        await db.transaction(posts.record_reply, made.topic.id, replace(new_post(message_id), status=status))
    assert await db.run(reconcile.published_message_ids, 1000, 0, 10**18) == [1001, 1010, 1030]
    assert await db.run(reconcile.published_message_ids, 1000, 1010, 1030) == [1010, 1030]  # both ends included
    assert await db.run(reconcile.published_message_ids, 1000, 1011, 1029) == []
    assert await db.run(reconcile.published_message_ids, 999, 0, 10**18) == []  # another thread
    assert await db.run(reconcile.oldest_message_id, 1000) == 1001
    assert await db.run(reconcile.oldest_message_id, 999) is None


async def test_visible_thread_ids_leave_out_hidden_retired_and_synthetic_threads(db: Database, forum_id: int) -> None:
    kept = await db.transaction(posts.record_topic, new_topic(forum_id, 1000))
    spam = await db.transaction(posts.record_topic, new_topic(forum_id, 2000))
    await db.transaction(topics.set_status, spam.topic.id, "spam")
    moved = await db.transaction(posts.record_topic, new_topic(forum_id, 3000))
    await db.transaction(restructuring.retire_thread, 3000, moved.topic.id, "moved", NOW)
    offline = await db.transaction(posts.record_topic, new_topic(forum_id, -5))  # an import without Discord
    assert offline.topic.thread_id == -5 and kept.topic.thread_id == 1000
    assert await db.run(reconcile.visible_thread_ids, forum_id) == [1000]


async def test_mark_deleted_changes_published_posts_of_visible_topics_only(db: Database, forum_id: int) -> None:
    shown = await db.transaction(posts.record_topic, new_topic(forum_id, 1000))
    reply = await db.transaction(posts.record_reply, shown.topic.id, new_post(1010))
    hidden = await db.transaction(posts.record_topic, new_topic(forum_id, 2000))
    await db.transaction(topics.set_status, hidden.topic.id, "trash")  # the bot removes its messages
    changed = await db.transaction(posts.mark_deleted, [1010, 2001, 999])
    assert [p.id for p in changed] == [reply.post.id]
    assert (await db.run(posts.by_message, 2001)).status == "publish"  # the trashed topic's opening: untouched
    assert (await db.run(posts.by_message, 1010)).status == "deleted"
    assert await db.transaction(posts.mark_deleted, [1010]) == []  # once
