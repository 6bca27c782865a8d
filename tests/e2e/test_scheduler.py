"""The scheduler sleeps until something is due: blocks, idle topics and digests on simulated time.

`rounds` counts every time the scheduler woke and looked; `runs` how often each job ran.
Asserted through those counters, never through timing.
"""

from __future__ import annotations

import pytest

from bot.services.scheduler import AUTO_CLOSE, CAP, DIGEST, EXPIRIES
from bot.storage import members
from tests.backends import BACKENDS
from tests.e2e.helpers import World, member_overwrite, text_of
from tests.e2e.test_moderation import start_topic

MINUTE = 60
HOUR = 3600


async def test_nothing_due_means_no_wake_ups_but_the_hourly_look(world: World) -> None:
    scheduler = world.bot.scheduler
    assert scheduler.running
    rounds, runs = scheduler.rounds, dict(scheduler.runs)
    await world.env.advance_time(59 * MINUTE)
    assert scheduler.rounds == rounds  # the old loop woke 59 times here
    await world.env.advance_time(3 * HOUR)
    assert CAP.total_seconds() == HOUR and scheduler.rounds - rounds == 3  # only the cap's hourly looks
    assert scheduler.runs == runs  # and no job ran: nothing was due


async def test_a_timed_block_wakes_it_early_and_lifts_in_one_step(world: World) -> None:
    troll = world.member("Troll")
    scheduler = world.bot.scheduler
    await world.env.advance_time(10 * MINUTE)  # the scheduler is asleep until the next hourly look
    rounds, lifted = scheduler.rounds, scheduler.runs.get(EXPIRIES, 0)

    result = await world.admin.slash(world.general, "mod block", member=troll, duration="30m")
    assert "is blocked from posting until" in text_of(result)
    assert scheduler.rounds == rounds + 1 and scheduler.runs[EXPIRIES] == lifted + 1  # woken by the change
    assert member_overwrite(world.forum, troll.id) is not None

    await world.env.advance_time(31 * MINUTE)  # one step: the scheduler slept until the expiry
    assert await world.bot.db.run(members.assignment, world.guild.id, troll.id) is None
    assert member_overwrite(world.forum, troll.id) is None
    assert scheduler.rounds == rounds + 2 and scheduler.runs[EXPIRIES] == lifted + 2


async def test_a_block_without_end_plans_nothing(world: World) -> None:
    troll = world.member("Troll")
    scheduler = world.bot.scheduler
    await world.admin.slash(world.general, "mod block", member=troll)
    rounds = scheduler.rounds
    await world.env.advance_time(50 * MINUTE)
    assert scheduler.rounds == rounds
    assert await world.bot.db.run(members.assignment, world.guild.id, troll.id) is not None


async def test_idle_topics_close_at_their_moment_without_polling(world: World) -> None:
    asker = world.member("Asker")
    scheduler = world.bot.scheduler
    await world.admin.slash(world.general, "forumadmin settings", auto_close_days=1)
    idle = await start_topic(world, asker, title="Idle one")
    runs = scheduler.runs[AUTO_CLOSE]
    await world.env.advance_time(24 * HOUR - 1)
    topic = await world.topic(idle)
    assert topic is not None and topic.status == "open"
    assert scheduler.runs[AUTO_CLOSE] == runs  # the hourly looks found it not yet due
    await world.env.advance_time(1)
    topic = await world.topic(idle)
    assert topic is not None and topic.status == "closed" and topic.close_reason == "stale"
    assert scheduler.runs[AUTO_CLOSE] == runs + 1


async def test_turning_auto_close_on_closes_what_is_already_idle(world: World) -> None:
    asker = world.member("Asker")
    idle = await start_topic(world, asker, title="Idle one")
    await world.env.advance_time(25 * HOUR)
    topic = await world.topic(idle)
    assert topic is not None and topic.status == "open"  # auto-close is off
    await world.admin.slash(world.general, "forumadmin settings", auto_close_days=1)
    topic = await world.topic(idle)
    assert topic is not None and topic.status == "closed" and topic.close_reason == "stale"


async def test_a_digest_goes_out_at_its_due_time(world: World) -> None:
    marzana, kumar = world.member("Marzana M"), world.member("Dr. Kumar")
    scheduler = world.bot.scheduler
    thread = await start_topic(world, marzana, title="Busy topic")
    await world.env.advance_time(2 * MINUTE)  # the round after the opening post: nothing to tell
    assert world.dm_texts(marzana) == []
    await kumar.send(thread, "first reply")
    await world.env.advance_time(MINUTE - 1)
    assert world.dm_texts(marzana) == []
    await world.env.advance_time(1)  # a minute after the message
    assert len(world.dm_texts(marzana)) == 1

    # The next reply waits for the 10-minute window (notify_digest_minutes) to end, to the second.
    await world.env.advance_time(11)
    await kumar.send(thread, "second reply")
    runs = scheduler.runs[DIGEST]
    await world.env.advance_time(10 * MINUTE - 11 - 1)
    assert len(world.dm_texts(marzana)) == 1
    assert scheduler.runs[DIGEST] == runs + 1  # the round a minute after the reply: window still closed
    await world.env.advance_time(1)
    dms = world.dm_texts(marzana)
    assert len(dms) == 2 and "second reply" in dms[-1] and "first reply" not in dms[-1]
    assert scheduler.runs[DIGEST] == runs + 2


async def test_a_restarted_bot_plans_from_the_database(world: World) -> None:
    troll = world.member("Troll")
    await world.admin.slash(world.general, "mod block", member=troll, duration="3h")
    fresh = await world.restart()
    assert fresh.scheduler.running
    rounds = fresh.scheduler.rounds
    await world.env.advance_time(3 * HOUR + 1)
    assert await world.bot.db.run(members.assignment, world.guild.id, troll.id) is None
    assert fresh.scheduler.rounds - rounds == 3  # two hourly looks and the expiry, nothing in between


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_reopened_stale_topic_is_idle_from_its_reopening(world: World) -> None:
    """/mod open of a topic the auto-close closed: idle counts from the reopening, not from its
    old last post, so the next round does not close it again (and it still closes, in time)."""
    asker = world.member("Asker")
    scheduler = world.bot.scheduler
    await world.admin.slash(world.general, "forumadmin settings", auto_close_days=1)
    idle = await start_topic(world, asker, title="Idle one")
    await hours(world, 24)
    topic = await world.topic(idle)
    assert topic is not None and topic.status == "closed" and topic.close_reason == "stale"

    await hours(world, 3)
    assert "Reopened topic" in text_of(await world.admin.slash(world.general, "mod open", topic=f"#{topic.number}"))
    runs = scheduler.runs[AUTO_CLOSE]
    await hours(world, 23)
    await world.env.advance_time(HOUR - 1)  # hourly looks and rounds: it is not idle yet
    topic = await world.topic(idle)
    assert topic is not None and topic.status == "open"
    assert scheduler.runs[AUTO_CLOSE] - runs <= 1  # planned for its moment, not polled
    await world.env.advance_time(1)
    topic = await world.topic(idle)
    assert topic is not None and topic.status == "closed" and topic.close_reason == "stale"


async def hours(world: World, count: int) -> None:
    """Simulated hours one at a time (each step settles on its own: kinder to a loaded machine)."""
    for _ in range(count):
        await world.env.advance_time(HOUR)
