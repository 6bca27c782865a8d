"""Discord failing under the commands: members are told, records stay consistent."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import assert_numbers_gapless, caught, text_of


@pytest.mark.parametrize(("status", "told"), [(429, "rate limiting"), (500, "HTTP 500"), (503, "HTTP 503")])
async def test_topic_creation_refused_by_discord_tells_the_member_and_records_nothing(world, status, told):
    ann = world.member("Ann")
    world.env.inject_error("POST", f"/channels/{world.forum.id}/threads", status=status, times=1)
    result = await ann.slash(world.general, "topic new", forum=world.forum, title="Refused", body="my words")
    text = text_of(result)
    assert told in text and "not created" in text and "my words" in text  # told, and the text comes back
    assert "Refused" not in [t.name for t in world.forum.threads]
    assert [getattr(e, "status", None) for e in caught(world)] == [status]
    assert await assert_numbers_gapless(world) == []
    # Discord recovers: the next try works and takes number 1 (no number was burned).
    await world.env.advance_time(60)
    again = await ann.slash(world.general, "topic new", forum=world.forum, title="Refused", body="my words")
    assert "#1" in text_of(again)


async def test_reply_refused_by_discord_tells_the_member_and_records_nothing(world):
    ann = world.member("Ann")
    made = await ann.slash(world.general, "topic new", forum=world.forum, title="Topic", body="opening")
    thread = world.thread("Topic")
    assert "Started topic" in text_of(made)
    await world.env.advance_time(60)
    world.env.inject_error("POST", f"/channels/{thread.id}/messages", status=429, times=1)
    result = await ann.slash(world.general, "reply", topic="#1", body="my reply")
    text = text_of(result)
    assert "rate limiting" in text and "my reply" in text and "not posted" in text
    assert len(await assert_numbers_gapless(world)) == 1
    assert [getattr(e, "status", None) for e in caught(world)] == [429]
