"""Load: a burst of topics, commands during a catch-up (tests/e2e/test_load.py: posts in one instant).

simcord's clock stands still, so everything here happens "in the same second"; members'
interactions are emitted together (tests/e2e/helpers.dispatch_slash) and the bot handles
them concurrently. What must hold: every post recorded exactly once, numbers unique and
gapless per guild, every interaction acknowledged, and a member whose topic Discord
refused (429) told when to try again, with their text handed back.
"""

from __future__ import annotations

import asyncio
import time

from bot.storage.sqlite.database import Database
from tests.e2e.helpers import World, caught, dispatch_slash, text_of


async def guild_numbers(world: World) -> list[int]:
    return await world.bot.db.run(
        lambda c: [
            r[0] for r in c.execute("SELECT number FROM posts WHERE guild_id = ? ORDER BY number", (world.guild.id,))
        ]
    )


async def message_ids_recorded(world: World) -> list[int]:
    return await world.bot.db.run(lambda c: [r[0] for r in c.execute("SELECT message_id FROM posts")])


async def test_200_topics_in_a_burst_with_discord_rate_limiting_some(world: World) -> None:
    members = [world.member(f"Member {i:03d}") for i in range(200)]
    # Discord's thread-creation limit (simcord does not model it): three creations answer 429.
    world.env.inject_error(
        "POST", "/channels/*/threads", status=429, code=0, message="You are being rate limited.", times=3
    )
    results = [
        dispatch_slash(
            world, m, world.general, "topic new", forum=world.forum, title=f"Topic {i:03d}", body=f"Body {i}"
        )
        for i, m in enumerate(members)
    ]
    await world.env.settle()

    assert all(r.acknowledged for r in results)
    told = [text_of(r) for r in results]
    refused = [i for i, t in enumerate(told) if "Started topic" not in t]
    assert len(refused) == 3, [told[i] for i in refused]
    for i in refused:
        text = told[i]
        assert results[i].ephemeral
        assert "rate limiting" in text and "try again in a minute" in text and "not created" in text, text
        assert f"Body {i}" in text  # their text handed back, nothing lost
    assert [getattr(e, "status", None) for e in caught(world)] == [429] * 3  # each answered by the failure path
    assert len(world.forum.threads) == 197  # no thread without its record, no record without a thread
    assert await guild_numbers(world) == list(range(1, 198))

    # They try again a minute later, as told.
    await world.env.advance_time(60)
    for i in refused:
        again = await members[i].slash(
            world.general, "topic new", forum=world.forum, title=f"Topic {i:03d}", body=f"Body {i}"
        )
        assert again.acknowledged and "Started topic" in text_of(again)
    assert await guild_numbers(world) == list(range(1, 201))
    assert len(world.forum.threads) == 200
    recorded_threads = await world.bot.db.run(
        lambda c: sorted(r[0] for r in c.execute("SELECT thread_id FROM topics WHERE guild_id = ?", (world.guild.id,)))
    )
    assert recorded_threads == sorted(t.id for t in world.forum.threads)


async def test_topic_show_and_search_are_answered_while_a_catch_up_writes(world: World) -> None:
    """A catch-up of 5,000 missed messages (/forumadmin sync, the same path as a restart's
    READY) is writing when a member asks for /topic show and /search: both are answered
    before it ends, because the writer commits in groups of at most batch_size."""
    asker, reader = world.member("Asker"), world.member("Reader")
    await asker.slash(world.general, "topic new", forum=world.forum, title="Sourdough", body="How do I start?")
    thread = world.thread("Sourdough")
    writers = [world.member(f"Baker {i}") for i in range(5)]
    missed = 5000
    for i in range(missed):
        world.offline_message(thread, writers[i % 5], f"missed message {i} about sourdough starters")
    db: Database = world.bot.db
    assert db.batch_size == 100  # a command's write waits behind one group at most

    sync = dispatch_slash(world, world.admin, world.general, "forumadmin sync")
    commits = db.commits
    deadline = time.monotonic() + 30
    while db.commits < commits + 1:  # the catch-up's first group of replies is committed
        assert time.monotonic() < deadline, "the catch-up never started writing"
        await asyncio.sleep(0)
    assert len(await message_ids_recorded(world)) < missed  # still far from done
    show = dispatch_slash(world, reader, world.general, "topic show", topic="#1")
    found = dispatch_slash(world, reader, world.general, "search", query="sourdough")
    while not (show.acknowledged and found.acknowledged):
        assert time.monotonic() < deadline, "the commands were not answered"
        await asyncio.sleep(0)
    # Answered while the catch-up is still writing: the sync has not followed up yet.
    assert sync.acknowledged and sync.deferred
    assert sync.response is None or "catch-up read" not in text_of(sync)
    assert len(await message_ids_recorded(world)) < missed, "the catch-up ended before the commands were answered"
    assert "Sourdough" in text_of(show) and show.ephemeral
    assert "sourdough" in text_of(found).lower() and found.ephemeral

    await world.env.settle()
    assert f"recorded {missed} new post(s)" in text_of(sync), text_of(sync)
    ids = await message_ids_recorded(world)
    assert len(ids) == len(set(ids)) == missed + 1
    assert await guild_numbers(world) == list(range(1, missed + 2))
