"""Load: many members posting in the same second; every post recorded once, numbers gapless."""

from __future__ import annotations

from tests.e2e.helpers import assert_numbers_gapless, burst, text_of


async def test_25_members_posting_in_the_same_second(world):
    ann = world.member("Ann")
    made = await ann.slash(world.general, "topic new", forum=world.forum, title="Busy", body="go")
    assert "Started topic" in text_of(made)
    thread = world.thread("Busy")
    members = [world.member(f"Member {i}") for i in range(25)]

    ids: list[int] = []
    for round_ in range(3):
        await world.env.advance_time(15)  # past the throttle
        ids += burst(world, thread, [(m, f"round {round_} from {m.name}") for m in members])
        await world.env.settle()

    recorded = await world.posts_of(thread)
    assert len(recorded) == 1 + 75
    assert {p.message_id for p in recorded} >= set(ids)
    # Numbers follow Discord's order within the thread (the per-thread lock keeps it).
    replies = [p for p in recorded if not p.is_opening]
    assert [p.message_id for p in sorted(replies, key=lambda p: p.number)] == sorted(ids)
    assert len(await assert_numbers_gapless(world)) == 76
    topic = await world.topic(thread)
    assert topic is not None and topic.reply_count == 75 and topic.voice_count == 26
    # Nobody was refused: nothing deleted, no DM sent.
    assert len(thread.history()) == 76


async def test_a_burst_in_many_threads_at_once(world):
    members = [world.member(f"Poster {i}") for i in range(10)]
    threads = []
    for i, member in enumerate(members):
        made = await member.slash(world.general, "topic new", forum=world.forum, title=f"T{i}", body="start")
        assert "Started topic" in text_of(made)
        threads.append(world.thread(f"T{i}"))
    sent: list[int] = []
    for shift in (1, 3):  # two rounds, every member in another member's thread, all at once
        await world.env.advance_time(15)
        for i, member in enumerate(members):
            thread = threads[(i + shift) % len(threads)]
            sent.append(world.env.backend.create_message(thread.id, member.id, f"{member.name} {shift}").id)
        await world.env.settle()
    rows = await assert_numbers_gapless(world)
    assert len(rows) == 10 + 20
    assert set(sent) <= {m for _, m in rows}
    for thread in threads:
        topic = await world.topic(thread)
        assert topic is not None and topic.reply_count == 2
