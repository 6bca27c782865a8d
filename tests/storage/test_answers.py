"""Accepted answers and the solved flag, on both backends."""

from __future__ import annotations

from typing import Any

import pytest

from bot.storage import answers, posts, topics
from tests.storage.seed import Seeder


def test_solved_follows_accepted_published_answers(conn: Any) -> None:
    seeder = Seeder(conn)
    topic = seeder.topic(seeder.forum(), "Q", "question")
    one, two = seeder.reply(topic, "one"), seeder.reply(topic, "two")

    def solved() -> bool:
        found = topics.by_id(seeder.conn, topic.id)
        assert found is not None
        return found.solved

    change = answers.toggle(seeder.conn, one.id)
    assert change.accepted and change.topic.solved and not change.was_solved
    answers.toggle(seeder.conn, two.id)
    assert [p.number for p in answers.accepted_of(seeder.conn, topic.id)] == [one.number, two.number]
    assert not answers.toggle(seeder.conn, one.id).accepted and solved()
    # an accepted answer that is deleted (or trashed) no longer solves the topic; restoring it does
    posts.set_status(seeder.conn, two.id, "trash")
    assert not solved()
    posts.set_status(seeder.conn, two.id, "publish")
    assert solved()
    with pytest.raises(ValueError):
        opening = seeder.conn.execute("SELECT id FROM posts WHERE is_opening = 1").fetchone()[0]
        answers.toggle(seeder.conn, opening)
