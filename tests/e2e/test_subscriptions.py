"""Subscriptions and the digest DMs, over simulated time."""

from __future__ import annotations

from datetime import timedelta

import discord

from bot.services.scheduler import DIGEST
from bot.storage import subscriptions
from tests.e2e.helpers import text_of

MINUTE = 60


async def _topic(world, author, title: str = "Busy topic"):  # type: ignore[no-untyped-def]
    await author.slash(world.general, "topic new", forum=world.forum, title=title, body="What do you think?")
    return world.thread(title)


async def test_author_gets_one_digest_per_window_and_never_their_own_posts(world) -> None:  # type: ignore[no-untyped-def]
    marzana, kumar = world.member("Marzana M"), world.member("Dr. Kumar")
    thread = await _topic(world, marzana)
    await kumar.send(thread, "first reply")
    await world.env.advance_time(11)
    await kumar.send(thread, "second reply")
    await marzana.send(thread, "my own reply")
    assert world.dm_texts(marzana) == []

    await world.env.advance_time(MINUTE)
    dms = world.dm_texts(marzana)
    assert len(dms) == 1
    assert "2 new replies" in dms[0] and "Busy topic" in dms[0]
    assert "first reply" in dms[0] and "second reply" in dms[0]
    assert "my own reply" not in dms[0]
    assert world.dm_texts(kumar) == []  # not subscribed; and never about their own posts

    await kumar.send(thread, "third reply")
    await world.env.advance_time(2 * MINUTE)
    assert len(world.dm_texts(marzana)) == 1  # the 10-minute digest window holds it
    await world.env.advance_time(9 * MINUTE)
    dms = world.dm_texts(marzana)
    assert len(dms) == 2 and "1 new reply" in dms[-1] and "third reply" in dms[-1]
    assert "first reply" not in dms[-1]

    await world.env.advance_time(11 * MINUTE)
    assert len(world.dm_texts(marzana)) == 2  # nothing new, nothing sent

    result = await marzana.slash(world.general, "unsubscribe", topic="#1")
    assert "Unsubscribed from **Busy topic**" in text_of(result)
    await kumar.send(thread, "fourth reply")
    await world.env.advance_time(11 * MINUTE)
    assert len(world.dm_texts(marzana)) == 2


async def test_subscribe_to_topics_and_forums_and_list_them(world) -> None:  # type: ignore[no-untyped-def]
    marzana, kumar, drm = world.member("Marzana M"), world.member("Dr. Kumar"), world.member("Dr. M")
    thread = await _topic(world, marzana)
    subscribed = await kumar.slash(world.general, "subscribe", topic="#1", forum=world.forum)
    assert "Subscribed to **Busy topic** (#1)" in text_of(subscribed)
    assert "Subscribed to the forum **Discussion**" in text_of(subscribed)
    again = await kumar.slash(world.general, "subscribe", topic="#1")
    assert "already subscribed" in text_of(again)

    listed = text_of(await kumar.slash(world.general, "subscriptions"))
    assert "Busy topic" in listed and "Forum **Discussion**" in listed
    mine = text_of(await marzana.slash(world.general, "subscriptions"))
    assert "Busy topic" in mine  # authors follow their topics by default

    await drm.send(thread, "a reply from Dr. M")
    await world.env.advance_time(11)
    await drm.slash(world.general, "topic new", forum=world.forum, title="Another question", body="hm?")
    await world.env.advance_time(MINUTE)
    kumar_dms = "\n".join(world.dm_texts(kumar))
    assert "1 new reply" in kumar_dms and "a reply from Dr. M" in kumar_dms
    assert "1 new topic" in kumar_dms and "Another question" in kumar_dms
    assert len(world.dm_texts(kumar)) == 2  # one per topic, one per forum
    assert all("Another question" not in text for text in world.dm_texts(marzana))

    nothing = await kumar.slash(world.general, "subscribe")
    assert "Use this inside a topic's thread" in text_of(nothing)
    assert any("Use this inside a topic's thread" in str(e) for e in world.env.errors)


async def test_closed_dms_are_not_retried_forever(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # back-off shortened from 1 h / 2 h to 5 / 10 minutes, so each retry comes within the test's steps
    monkeypatch.setattr(subscriptions, "FIRST_RETRY", timedelta(minutes=5))
    marzana, kumar = world.member("Marzana M"), world.member("Dr. Kumar")
    thread = await _topic(world, marzana)
    world.close_dms(marzana)
    await kumar.send(thread, "reply 0")
    await world.env.advance_time(MINUTE)
    state = await world.bot.db.run(subscriptions.dm_state, world.guild.id, marzana.id)
    assert state is not None and state[0] == 1 and state[1] is not None
    for i in range(1, 4):
        await world.env.advance_time(11)
        await kumar.send(thread, f"reply {i}")
        await world.env.advance_time(10 * MINUTE)
    assert await world.bot.db.run(subscriptions.dm_state, world.guild.id, marzana.id) == (3, None)
    await kumar.send(thread, "one more")
    await world.env.advance_time(20 * MINUTE)
    # given up: no fourth attempt
    assert await world.bot.db.run(subscriptions.dm_state, world.guild.id, marzana.id) == (3, None)

    listed = text_of(await marzana.slash(world.general, "subscriptions"))
    assert "My last DMs to you failed" in listed
    # Asking starts over: the held digest is tried at once (DMs still closed here: failure 1 again).
    state = await world.bot.db.run(subscriptions.dm_state, world.guild.id, marzana.id)
    assert state is not None and state[0] == 1 and state[1] is not None


async def test_no_dm_about_posts_the_member_cannot_see(world) -> None:  # type: ignore[no-untyped-def]
    marzana, kumar, outsider = world.member("Marzana M"), world.member("Dr. Kumar"), world.member("Outsider")
    thread = await _topic(world, marzana)
    await outsider.slash(world.general, "subscribe", forum=world.forum)
    channel = world.bot.get_channel(world.forum.id)
    assert isinstance(channel, discord.ForumChannel)
    hidden = channel.guild.get_member(outsider.id)
    assert hidden is not None
    await channel.set_permissions(hidden, view_channel=False)
    await world.env.settle()
    await kumar.slash(world.general, "topic new", forum=world.forum, title="Secret topic", body="psst")
    await world.env.advance_time(11)
    await kumar.send(thread, "visible to Marzana")
    await world.env.advance_time(MINUTE)
    assert world.dm_texts(outsider) == []
    assert len(world.dm_texts(marzana)) == 1


async def test_the_digest_sleeps_when_idle_and_wakes_on_messages(world) -> None:  # type: ignore[no-untyped-def]
    marzana, kumar = world.member("Marzana M"), world.member("Dr. Kumar")
    thread = await _topic(world, marzana)
    scheduler = world.bot.scheduler
    await world.env.advance_time(MINUTE)
    runs = scheduler.runs[DIGEST]
    await world.env.advance_time(30 * MINUTE)
    assert scheduler.runs[DIGEST] == runs  # nothing to tell: no work every minute
    await kumar.send(thread, "wake up")
    await kumar.send(world.general, "not in a forum thread")
    await world.env.advance_time(MINUTE)
    assert len(world.dm_texts(marzana)) == 1
    assert scheduler.runs[DIGEST] == runs + 1  # one round for the thread's message
    await world.env.advance_time(30 * MINUTE)
    assert scheduler.runs[DIGEST] == runs + 1
