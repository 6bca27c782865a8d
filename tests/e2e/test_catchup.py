"""Downtime: what was written while the bot was away is recorded when it comes back."""

from __future__ import annotations

import pytest

from bot.storage import posts, topics
from tests.backends import BACKENDS


async def numbers(world) -> list[int]:
    return await world.bot.db.run(lambda c: [r[0] for r in c.execute("SELECT number FROM posts ORDER BY number")])


def history_calls(world) -> int:
    return sum(1 for r in world.env.http_requests if r.method == "GET" and r.path.endswith("/messages"))


@pytest.mark.parametrize("backend", BACKENDS)
async def test_130_replies_written_while_down_are_recorded_in_order_after_a_restart(world):
    await world.member("Asker").slash(world.general, "topic new", forum=world.forum, title="Q", body="?")
    thread = world.thread("Q")
    writers = [world.member(f"W{i}") for i in range(5)]
    written = [world.offline_message(thread, writers[i % 5], f"missed {i}") for i in range(130)]
    before = history_calls(world)
    await world.restart()
    recorded = await world.posts_of(thread)
    assert [p.message_id for p in recorded[1:]] == written
    assert [p.number for p in recorded] == list(range(1, 132))
    assert history_calls(world) - before == 2  # 130 missed messages, two pages of 100
    # A second catch-up (another restart) records nothing twice.
    await world.restart()
    assert await numbers(world) == list(range(1, 132))


@pytest.mark.parametrize("backend", BACKENDS)
async def test_topics_started_and_threads_archived_while_down_are_caught_up(world):
    await world.member("Asker").slash(world.general, "topic new", forum=world.forum, title="Old", body="?")
    old = world.thread("Old")
    poster = world.member("Poster")
    backend = world.env.backend
    new_thread = backend.create_thread(world.forum.id, "Started offline", poster.id, broadcast=False)
    backend.create_message(new_thread.id, poster.id, "opening, offline", broadcast=False)
    backend.create_message(new_thread.id, world.member("Helper").id, "answer, offline", broadcast=False)
    world.offline_message(old, poster, "late reply")
    backend.edit_channel(old.id, {}, thread_metadata={"archived": True})
    await world.restart()
    adopted = await world.bot.db.run(topics.by_thread, new_thread.id)
    assert adopted is not None and adopted.title == "Started offline" and adopted.author_name == "Poster"
    recorded = await world.bot.db.run(posts.of_topic, adopted.id)
    assert [(p.is_opening, p.content) for p in recorded] == [(True, "opening, offline"), (False, "answer, offline")]
    assert [p.content for p in await world.posts_of(old)] == ["?", "late reply"]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_catch_up_flags_posts_of_members_who_could_not_post_instead_of_deleting(world):
    await world.member("Asker").slash(world.general, "topic new", forum=world.forum, title="Q", body="?")
    thread = world.thread("Q")
    readers = world.guild.create_role("Readers")
    await world.admin.slash(world.general, "forumadmin rolemap", forum_role="spectator", discord_role=readers)
    reader = world.member("Reader", roles=(readers,))
    first = world.offline_message(thread, reader, "while you were away")
    second = world.offline_message(thread, reader, "and again, no throttle after the fact")
    await world.restart()
    assert {m.id for m in thread.history()} >= {first, second}  # nothing deleted
    recorded = await world.posts_of(thread)
    assert [p.content for p in recorded[1:]] == ["while you were away", "and again, no throttle after the fact"]
    assert all(p.flag for p in recorded[1:])


@pytest.mark.parametrize("backend", BACKENDS)
async def test_live_message_in_a_thread_never_seen_adopts_the_history_first(world):
    poster, helper = world.member("Poster"), world.member("Helper")
    backend = world.env.backend
    thread = backend.create_thread(world.forum.id, "Unseen", poster.id, broadcast=False)
    backend.create_message(thread.id, poster.id, "opening", broadcast=False)
    backend.create_message(thread.id, helper.id, "first answer", broadcast=False)
    await world.env.advance_time(11)  # past the helper's throttle window
    await helper.send(world.thread("Unseen"), "live answer")
    topic = await world.bot.db.run(topics.by_thread, thread.id)
    recorded = await world.bot.db.run(posts.of_topic, topic.id)
    assert [p.content for p in recorded] == ["opening", "first answer", "live answer"]
    assert [p.number for p in recorded] == [1, 2, 3]
