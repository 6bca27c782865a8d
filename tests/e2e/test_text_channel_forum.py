"""A forum in a server without Community: a text channel whose public threads are the topics
(SPEC §4, issue 16 part 5), end to end on both backends."""

from __future__ import annotations

import re

import discord
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.storage import create_database, forums, posts, topics
from bot.web.app import create_app
from tests.backends import BACKENDS
from tests.e2e.helpers import (
    World,
    channel_message,
    create_thread_on,
    errors_text,
    text_of,
    thread_named,
    thread_state,
)

CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES = 1 << 11


async def _help_forum(world: World):  # type: ignore[no-untyped-def]
    helpdesk = world.guild.create_text_channel("help")
    result = await world.admin.slash(world.general, "forumadmin add", channel=helpdesk)
    answer = text_of(result)
    assert "Registered" in answer and "text channel" in answer and "no tags" in answer, answer
    assert "No New Post button" in answer or "no New Post button" in answer
    return helpdesk


async def _recorded_opening(world: World, thread_id: int) -> tuple[str, int]:
    topic = await world.bot.db.run(topics.by_thread, thread_id)
    assert topic is not None
    [opening, *_] = await world.bot.db.run(posts.of_topic, topic.id)
    return opening.content, opening.message_id


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_text_channel_forum_end_to_end(world: World) -> None:
    helpdesk = await _help_forum(world)
    # Permission overwrites: the bot may start threads there; the three posting permissions follow the roles
    me = next(o for o in helpdesk._channel.overwrites if o.target_id == world.bot.user.id)
    assert int(me.allow) & CREATE_PUBLIC_THREADS and int(me.allow) & SEND_MESSAGES

    asker = world.member("Asker")
    # /topic new: a starter message in the channel, and the public thread started from it
    result = await asker.slash(world.general, "topic new", forum=helpdesk, title="Printer on fire", body="Help?")
    assert "Started topic **#1**" in text_of(result), text_of(result)
    thread = thread_named(helpdesk, "Printer on fire")
    starter = [m for m in helpdesk.history() if m.id == thread.id]
    assert starter and "Help?" in starter[0].content
    content, message_id = await _recorded_opening(world, thread.id)
    assert content == "Help?" and message_id == thread.id

    # tags: refused with a clear answer, nothing written
    refused = await asker.slash(world.general, "topic new", forum=helpdesk, title="Tagged", body="x", tags="bug")
    assert "text-channel forum" in text_of(refused) and refused.ephemeral
    assert [t.name for t in helpdesk.threads] == ["Printer on fire"]
    errors_text(world)

    # a reply typed in the thread
    helper = world.member("Helper")
    await helper.send(thread, "Unplug it.")
    await world.env.settle()
    recorded = await world.posts_of(thread)
    assert [p.content for p in recorded] == ["Help?", "Unplug it."]
    assert recorded[1].author_id == helper.id

    # Discord's Create Thread on a member's message: that message opens the topic
    await world.env.advance_time(30)  # past the throttle after the asker's /topic new
    question = channel_message(helpdesk, asker, "Why is the sky blue?")
    native = create_thread_on(helpdesk, asker, question, "Sky")
    await world.env.settle()
    native_topic = await world.topic(native)
    assert native_topic is not None and native_topic.number == 3  # post numbers: #1 opened, #2 replied
    content, message_id = await _recorded_opening(world, native.id)
    assert content == "Why is the sky blue?" and message_id == question

    # a spectator's reply is refused: removed, the text comes back by DM
    await world.admin.slash(world.general, "forumadmin settings", default_role="spectator")
    everyone = next(o for o in helpdesk._channel.overwrites if o.target_id == world.guild.id)
    assert int(everyone.deny) & CREATE_PUBLIC_THREADS and int(everyone.deny) & SEND_MESSAGES
    watcher = world.member("Watcher")
    await world.unchecked_message(thread, watcher, "me too")
    assert [p.content for p in await world.posts_of(thread)] == ["Help?", "Unplug it."]
    assert any("me too" in text for text in world.dm_texts(watcher))
    await world.admin.slash(world.general, "forumadmin settings", default_role="participant")

    # catch-up after a restart: a thread started (and answered) while the bot was away
    offline_question = channel_message(helpdesk, asker, "Is it plugged in?", broadcast=False)
    offline = create_thread_on(helpdesk, asker, offline_question, "Offline", broadcast=False)
    world.offline_message(offline, helper, "It was not.")
    await world.restart()
    recorded = await world.posts_of(offline)
    assert [p.content for p in recorded] == ["Is it plugged in?", "It was not."]
    assert recorded[0].message_id == offline_question

    # /mod close: the thread is locked and archived, its topic closed
    closed = await world.admin.slash(world.general, "mod close", topic="#1", reason="solved")
    assert "closed" in text_of(closed).lower(), text_of(closed)
    assert thread_state(thread) == (True, True)
    found = await world.topic(thread)
    assert found is not None and found.status == "closed"

    # the archive shows it
    await world.bot.db.flush()
    db = create_database(world.bot.settings, readonly=True)
    await db.open(migrate_schema=False)
    try:
        async with TestClient(TestServer(create_app(db))) as client:
            index = await (await client.get("/")).text()
            assert "help" in index
            response = await client.get(f"/topics/1?guild={world.guild.id}")
            assert response.status == 200
            html = await response.text()
    finally:
        await db.close()
    seen = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Printer on fire" in seen and "Unplug it." in seen and "Help?" in seen


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", ["news", "no-permission"])
async def test_a_channel_that_cannot_hold_threads_is_refused_and_nothing_is_written(world: World, kind: str) -> None:
    if kind == "news":
        channel = world.guild.create_news_channel("announcements")
        expected = "announcement"
    else:
        channel = world.guild.create_text_channel(
            "locked", overwrites={world.guild.me: discord.PermissionOverwrite(create_public_threads=False)}
        )
        expected = "create_public_threads"
    result = await world.admin.slash(world.general, "forumadmin add", channel=channel)
    assert expected in text_of(result) and result.ephemeral, text_of(result)
    assert "Registered" not in text_of(result)
    assert await world.bot.db.run(forums.by_channel, channel.id) is None
    errors_text(world)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_starter_message_is_the_opening_post_for_edits_and_spam(world: World) -> None:
    helpdesk = await _help_forum(world)
    asker = world.member("Asker")
    await asker.slash(world.general, "topic new", forum=helpdesk, title="Typo", body="Helo")
    thread = thread_named(helpdesk, "Typo")
    [starter] = [m for m in helpdesk.history() if m.id == thread.id]
    # Edit post on the starter (in the channel, not the thread): the bot's message there is edited
    shown = await asker.context_menu(helpdesk, "Edit post", starter)
    done = await asker.submit_modal(shown, {"title": "Typo", "text": "Hello"})
    assert "Post #1 edited." in text_of(done), text_of(done)
    [starter] = [m for m in helpdesk.history() if m.id == thread.id]
    assert starter.content.endswith("\nHello")
    content, _ = await _recorded_opening(world, thread.id)
    assert content == "Hello"
    # /mod spam of the opening post: the thread and its starter message leave Discord
    result = await world.admin.slash(world.general, "mod spam", post="#1")
    assert "spam" in text_of(result).lower(), text_of(result)
    assert helpdesk.threads == [] and all(m.id != thread.id for m in helpdesk.history())


@pytest.mark.parametrize("backend", BACKENDS)
async def test_stick_in_a_text_channel_forum_records_without_a_pin(world: World) -> None:
    helpdesk = await _help_forum(world)
    await world.member("Asker").slash(world.general, "topic new", forum=helpdesk, title="Rules", body="Be kind")
    result = await world.admin.slash(world.general, "mod stick", topic="#1")
    assert "no pins in Discord" in text_of(result), text_of(result)
    found = await world.topic(thread_named(helpdesk, "Rules"))
    assert found is not None and found.sticky != "none"
    assert not [r for r in world.env.http_requests if r.method == "PATCH" and "flags" in (r.json or {})]


async def test_discord_offers_no_voice_channel_to_forumadmin_add(world: World) -> None:
    """The option's channel types are forum (and media) and text (and announcement) channels:
    Discord itself refuses a voice channel, so the command never sees one."""
    from simcord.backend.errors import OptionError

    lounge = world.guild.create_voice_channel("lounge")
    with pytest.raises(OptionError, match="channel types"):
        await world.admin.slash(world.general, "forumadmin add", channel=lounge)
    assert await world.bot.db.run(forums.by_channel, lounge.id) is None


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_forum_channel_that_stops_holding_threads_tells_the_member_and_leaves_nothing(world: World) -> None:
    """Registered, then Discord refuses to start threads there (the bot's Create Public Threads
    taken away, or the channel turned into an announcement channel): /topic new answers the
    member clearly, records nothing and takes its starter message back."""
    helpdesk = await _help_forum(world)
    world.env.inject_error(
        "POST", f"/channels/{helpdesk.id}/messages/*/threads", status=403, code=50013, message="Missing Permissions"
    )
    asker = world.member("Asker")
    result = await asker.slash(world.general, "topic new", forum=helpdesk, title="Printer on fire", body="Help?")
    answer = text_of(result)
    assert result.ephemeral and "missing a permission" in answer and "Your topic was not created" in answer, answer
    assert "Help?" in answer and "Traceback" not in answer  # the text comes back
    assert helpdesk.threads == [] and [m.content for m in helpdesk.history()] == []
    count = await world.bot.db.run(lambda c: c.execute("SELECT COUNT(*) FROM topics").fetchone()[0])
    assert count == 0
    errors_text(world)
