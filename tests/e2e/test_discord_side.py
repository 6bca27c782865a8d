"""A thread changed in Discord's own interface is recorded as it happens and at catch-up:
renamed, re-tagged, locked and unlocked (the topic closes and reopens, audit-logged as by
the moderator Discord's audit log names, else "in Discord"), archived, deleted."""

from __future__ import annotations

from typing import Any

import discord
import pytest

from bot.storage import audit
from tests.backends import BACKENDS
from tests.e2e.helpers import World, text_of

THREAD_UPDATE = 111  # Discord's audit log action type


async def _start(world: World, title: str = "Where do I start?", asker: Any = None) -> Any:
    asker = asker or world.member("Asker")
    result = await asker.slash(world.general, "topic new", forum=world.forum, title=title, body="Hello there")
    assert "Started topic" in text_of(result), text_of(result)
    return world.thread(title)


def _edit_in_discord(world: World, thread: Any, *, changes: dict[str, Any] | None = None, **metadata: Any) -> None:
    """What Discord's own interface does: the change, and its THREAD_UPDATE."""
    world.env.backend.edit_channel(thread.id, changes or {}, thread_metadata=metadata or None)


def _audit_lock(world: World, thread: Any, moderator: Any, locked: bool) -> None:
    """Discord's audit log entry for a moderator's lock (or unlock) of the thread."""
    world.env.backend.record_audit_log(
        world.guild.id,
        THREAD_UPDATE,
        target_id=thread.id,
        changes=[{"key": "locked", "old_value": not locked, "new_value": locked}],
        user_id=moderator.id,
    )


async def _entries(world: World, topic_id: int) -> list[tuple[str, str, int]]:
    found = await world.bot.db.run(lambda c: audit.entries(c, world.guild.id, topic_id=topic_id))
    return [(e.action, e.actor_name, e.actor_id) for e in found]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_renames_tags_locks_and_archives_in_discord_are_recorded_live(world: World) -> None:
    channel = world.env.backend.get_channel(world.forum.id)
    channel.available_tags.append(
        {"id": "777", "name": "Howto", "moderated": False, "emoji_id": None, "emoji_name": None}
    )
    world.env.backend.announce_channel_update(world.forum.id)
    await world.env.settle()
    thread = await _start(world)
    _edit_in_discord(world, thread, changes={"name": "Where do I start, really?", "applied_tags": [777]})
    await world.env.settle()
    topic = await world.topic(thread)
    assert topic is not None and topic.title == "Where do I start, really?" and topic.tags == ("Howto",)

    moderator = world.member("Mod Mia")
    _audit_lock(world, thread, moderator, True)
    _edit_in_discord(world, thread, locked=True)
    await world.env.settle()
    topic = await world.topic(thread)
    assert topic is not None and topic.status == "closed"
    assert await _entries(world, topic.id) == [("topic.close", "Mod Mia", moderator.id)]
    # Replies from members are refused in a closed topic, as after /mod close.
    asker = world.member("Asker")
    await world.env.advance_time(30)
    await asker.send(thread, "one more thing")
    assert "one more thing" not in [m.content for m in thread.history()]

    _edit_in_discord(world, thread, locked=False)  # no audit entry for this one: "in Discord"
    await world.env.settle()
    topic = await world.topic(thread)
    assert topic is not None and topic.status == "open"
    assert await _entries(world, topic.id) == [
        ("topic.open", "in Discord", 0),
        ("topic.close", "Mod Mia", moderator.id),
    ]
    reopened = await world.bot.db.run(
        lambda c: c.execute("SELECT reopened_at, last_post_at FROM topics WHERE id = ?", (topic.id,)).fetchone()
    )
    assert reopened[0] is not None and reopened[0] > reopened[1]  # the auto-close counts idleness from here

    _edit_in_discord(world, thread, archived=True)
    await world.env.settle()
    topic = await world.topic(thread)
    assert topic is not None and topic.archived and topic.status == "open"  # archived is not closed
    _edit_in_discord(world, thread, archived=False)
    await world.env.settle()
    topic = await world.topic(thread)
    assert topic is not None and not topic.archived


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_bots_own_close_is_not_taken_for_a_moderators(world: World) -> None:
    thread = await _start(world)
    result = await world.admin.slash(world.general, "mod close", topic="#1", reason="solved")
    assert "Closed topic" in text_of(result)
    topic = await world.topic(thread)
    assert topic is not None and topic.status == "closed"
    assert [e[0] for e in await _entries(world, topic.id)] == ["topic.close"]  # once, by /mod close


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_deleted_thread_marks_the_topic_deleted_and_keeps_its_content(world: World) -> None:
    thread = await _start(world)
    world.env.backend.delete_channel(thread.id)
    await world.env.settle()

    def stored(conn: Any) -> tuple[str, str]:
        row = conn.execute(
            "SELECT t.status, p.content FROM topics t JOIN posts p ON p.topic_id = t.id WHERE t.thread_id = ?",
            (thread.id,),
        ).fetchone()
        return row[0], row[1]

    status, content = await world.bot.db.run(stored)
    assert status == "deleted" and "Hello there" in content


@pytest.mark.parametrize("backend", BACKENDS)
async def test_changes_made_while_the_bot_was_away_are_recorded_at_catch_up(world: World) -> None:
    thread = await _start(world)
    channel = world.env.backend.get_channel(thread.id)
    channel.name = "Renamed while away"  # no THREAD_UPDATE reaches the bot
    assert channel.thread_metadata is not None
    channel.thread_metadata.locked = True
    channel.thread_metadata.archived = True
    bot = await world.restart()  # a fresh READY: the catch-up
    topic = await world.topic(thread)
    assert topic is not None and (topic.title, topic.status, topic.archived) == ("Renamed while away", "closed", True)
    assert [e[:2] for e in await _entries(world, topic.id)] == [("topic.close", "in Discord")]
    again = await bot.recorder.catch_up(full=True)  # twice changes nothing
    assert again.recorded == 0 and len(await _entries(world, topic.id)) == 1


def _tags(world: World, *names: str, moderated: tuple[str, ...] = ()) -> None:
    channel = world.env.backend.get_channel(world.forum.id)
    for index, name in enumerate(names):
        channel.available_tags.append(
            {"id": str(800 + index), "name": name, "moderated": name in moderated, "emoji_id": None, "emoji_name": None}
        )
    world.env.backend.announce_channel_update(world.forum.id)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_topic_tags_by_the_author_or_a_moderator(world: World) -> None:
    _tags(world, "Howto", "Bug", "Staff pick", moderated=("Staff pick",))
    await world.env.settle()
    asker = world.member("Asker")
    thread = await _start(world, asker=asker)
    choices = await asker.autocomplete(world.general, "topic tags", "tags", "Bug, h", topic="#1")
    assert [c["value"] for c in choices] == ["Bug, Howto"]  # the topic's forum's tags
    result = await asker.slash(world.general, "topic tags", topic="#1", tags="bug, howto")
    assert "now has `Howto`, `Bug`" in text_of(result), text_of(result)
    topic = await world.topic(thread)
    assert topic is not None and topic.tags == ("Howto", "Bug")
    assert sorted(thread._channel.applied_tags) == [800, 801]

    stranger = world.member("Stranger")
    refusals = [
        (stranger, "Howto", "Only the topic's author or a moderator"),
        (asker, "Feature", "This forum has no tag `Feature`"),
        (asker, "Staff pick", "Only moderators may apply Staff pick"),
    ]
    for actor, tags, says in refusals:
        result = await actor.slash(world.general, "topic tags", topic="#1", tags=tags)
        assert says in text_of(result), text_of(result)
    assert [str(e) for e in world.env.errors]  # the refusals, read
    topic = await world.topic(thread)
    assert topic is not None and topic.tags == ("Howto", "Bug")  # nothing changed

    result = await world.admin.slash(world.general, "topic tags", topic="#1", tags="Staff pick")
    assert "now has `Staff pick`" in text_of(result)
    entries = await _entries(world, topic.id)
    assert [e[0] for e in entries] == ["topic.tags", "topic.tags"]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_forum_that_requires_a_tag_asks_for_one_up_front(world: World) -> None:
    _tags(world, "Howto", "Bug")
    await world.env.settle()
    forum = world.bot.get_channel(world.forum.id)
    assert isinstance(forum, discord.ForumChannel)
    forum._flags = discord.ChannelFlags(require_tag=True).value  # simcord 3.2.1 carries no channel flags
    asker = world.member("Asker")
    shown = await asker.slash(world.general, "topic new", forum=world.forum, title="Crash on start", body="It crashes")
    assert "requires a tag" in text_of(shown) and shown.ephemeral
    assert not world.forum.threads  # nothing posted yet
    posted = await asker.select(shown.response, ["Bug"])
    assert "Started topic **#1**" in text_of(posted), text_of(posted)
    thread = world.thread("Crash on start")
    assert thread._channel.applied_tags == [801]
    topic = await world.topic(thread)
    assert topic is not None and topic.tags == ("Bug",)
