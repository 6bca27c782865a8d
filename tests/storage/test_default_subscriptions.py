"""A topic's author follows it by default, however the topic came to be."""

from bot.storage import posts, restructuring, subscriptions
from bot.storage.api import Database
from tests.storage.helpers import new_post, new_topic


async def test_a_split_topic_is_followed_by_the_author_of_its_first_post(db: Database, forum_id: int):
    topic = (await db.write(posts.record_topic, new_topic(forum_id, 1000, author=7))).topic
    moved = (await db.write(posts.record_reply, topic.id, new_post(2001, author=8, at=5))).post
    before = await db.run(subscriptions.of_member, 1, 8)
    split = await db.transaction(
        restructuring.split,
        topic.id,
        thread_id=5000,
        title="Split",
        moves=[(moved.id, 5000, 5001)],
        now="2026-01-02T00:00:00.000000+00:00",
    )
    after = await db.run(subscriptions.of_member, 1, 8)
    assert before == [] and [s.topic_id for s in after] == [split.id]
