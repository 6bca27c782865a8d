"""Subscriptions and digests on both backends."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.domain import timeutil
from bot.storage import subscriptions
from tests.storage.seed import Seeder


def due_for(seeder: Seeder, user_id: int) -> list[subscriptions.Digest]:
    return [d for d in subscriptions.due(seeder.conn, seeder.tick(seconds=1)) if d.user_id == user_id]


def test_adopting_an_old_thread_does_not_dm_its_author_about_old_replies(conn: Any) -> None:
    seeder = Seeder(conn)
    # The bot adopts a month-old thread (registration or catch-up): it records the topic, and
    # subscribes its author, a month after it was written; then its old replies.
    adopted = timeutil.iso(seeder.clock + timedelta(days=30))
    topic = seeder.topic(seeder.forum(), "Old thread", "asked long ago", author=1, recorded_at=adopted)
    seeder.reply(topic, "answered long ago", author=2)
    seeder.tick(days=30)
    assert not subscriptions.subscribe_author(seeder.conn, topic.id)  # recording the topic did
    assert due_for(seeder, 1) == []
    seeder.reply(topic, "a new reply", author=2)
    [digest] = due_for(seeder, 1)
    assert digest.total == 1 and digest.posts[0].content == "a new reply"


def test_live_topics_tell_the_author_about_every_reply_and_windows_hold_the_next(conn: Any) -> None:
    seeder = Seeder(conn)
    topic = seeder.topic(seeder.forum(), "Live", "question", author=1)
    subscriptions.subscribe_author(seeder.conn, topic.id, timeutil.iso(seeder.clock))
    assert not subscriptions.subscribe_author(seeder.conn, topic.id)  # once
    seeder.reply(topic, "mine", author=1)
    assert due_for(seeder, 1) == []  # never about one's own posts
    seeder.reply(topic, "r1", author=2)
    seeder.reply(topic, "r2", author=3)
    [digest] = due_for(seeder, 1)
    assert [p.content for p in digest.posts] == ["r1", "r2"]
    held = timeutil.iso(seeder.clock + timedelta(minutes=10))
    subscriptions.sent(seeder.conn, digest.subscription_id, digest.newest_post_id, held)
    seeder.reply(topic, "r3", author=2)
    assert due_for(seeder, 1) == []  # held by the window
    seeder.tick(minutes=10)
    assert [p.content for p in due_for(seeder, 1)[0].posts] == ["r3"]
    assert subscriptions.unsubscribe(seeder.conn, user_id=1, topic_id=topic.id)
    assert due_for(seeder, 1) == []
    assert not subscriptions.subscribe_author(seeder.conn, topic.id)  # the muted default stays muted
