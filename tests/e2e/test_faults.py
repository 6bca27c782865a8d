"""Discord failing under the bot: records stay consistent and the member is told."""

from __future__ import annotations

import pytest

from bot.storage import posts
from tests.e2e.helpers import caught, text_of


async def count(world, table: str) -> int:
    return await world.bot.db.run(lambda c: c.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


@pytest.mark.parametrize(("status", "code", "expected"), [(403, 50013, "missing a permission"), (500, 0, "HTTP 500")])
async def test_topic_creation_refused_by_discord_records_nothing_and_gives_the_text_back(world, status, code, expected):
    world.env.inject_error("POST", f"/channels/{world.forum.id}/threads", status=status, code=code, times=None)
    result = await world.member("Asker").slash(
        world.general, "topic new", forum=world.forum, title="T", body="my careful words"
    )
    answer = text_of(result)
    assert expected in answer and "was not created" in answer and "my careful words" in answer
    assert "error code" in answer
    assert result.ephemeral and all(m.flags.ephemeral for m in [result.response, *result.followups] if m)
    assert await count(world, "topics") == 0 and world.forum.threads == []
    assert [getattr(e, "status", None) for e in caught(world)] == [status]


async def test_a_topic_that_cannot_be_recorded_leaves_no_thread_behind(world, monkeypatch):
    def broken(conn, new):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(posts, "record_topic", broken)
    result = await world.member("Asker").slash(world.general, "topic new", forum=world.forum, title="T", body="words")
    answer = text_of(result)
    assert "Something went wrong on our side (error code `" in answer and "Your topic was not posted." in answer
    assert "words" in answer
    assert world.forum.threads == [] and await count(world, "topics") == 0
    assert [str(e) for e in caught(world)] == ["disk on fire"]


async def test_reply_refused_by_discord_records_nothing(world):
    await world.member("Asker").slash(world.general, "topic new", forum=world.forum, title="Q", body="?")
    thread = world.thread("Q")
    world.env.inject_error("POST", f"/channels/{thread.id}/messages", status=500)
    result = await world.member("Helper").slash(world.general, "reply", topic="#1", body="lost?")
    assert "HTTP 500" in text_of(result) and "lost?" in text_of(result)
    assert await count(world, "posts") == 1
    assert [getattr(e, "status", None) for e in caught(world)] == [500]


async def test_a_restart_between_posts_loses_nothing_and_reuses_no_number(world):
    asker = world.member("Asker")
    await asker.slash(world.general, "topic new", forum=world.forum, title="Q", body="?")
    thread = world.thread("Q")
    await world.member("A").send(thread, "before")
    await world.restart()
    await world.member("B").send(thread, "after")
    await world.env.advance_time(11)
    result = await asker.slash(world.general, "reply", topic="#1", body="via slash")
    assert "#4" in text_of(result)
    assert [(p.number, p.content) for p in await world.posts_of(thread)] == [
        (1, "?"),
        (2, "before"),
        (3, "after"),
        (4, "via slash"),
    ]
