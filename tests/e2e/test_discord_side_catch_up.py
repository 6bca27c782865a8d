"""Changes made in Discord's own interface while the bot was away are recorded at catch-up
(issue 14 part 6): tags, pins, unlocks, and deletions — a message or a thread deleted in
Discord is recorded deleted, but only where Discord proves it gone (history read without a
hole, 404 Unknown Channel), and never a post the bot removed or reposted itself. Pins live
too (simcord 3.2.1 sends no thread flags: tests/e2e/helpers.with_thread_flags)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.storage import audit, forums, posts, topics
from tests.backends import BACKENDS
from tests.e2e.helpers import (
    PINNED,
    World,
    delete_channel_offline,
    delete_offline,
    pin_in_discord,
    text_of,
    with_thread_flags,
)


async def _start(world: World, title: str, asker: Any = None) -> Any:
    asker = asker or world.member("Asker")
    result = await asker.slash(world.general, "topic new", forum=world.forum, title=title, body=f"{title}?")
    assert "Started topic" in text_of(result), text_of(result)
    return world.thread(title)


async def _replies(world: World, thread: Any, *texts: str) -> list[int]:
    """Replies typed by different members; the message ids."""
    ids = []
    for index, text in enumerate(texts):
        message = await world.member(f"Helper {thread.name} {index}").send(thread, text)
        ids.append(message.id)
    return ids


async def _status(world: World, message_id: int) -> str:
    found = await world.bot.db.run(posts.by_message, message_id)
    assert found is not None, message_id
    return found.status


@pytest.mark.parametrize("backend", BACKENDS)
async def test_messages_deleted_while_away_are_recorded_deleted_where_discord_proves_it(world: World) -> None:
    busy = await _start(world, "Busy")
    gone, kept = await _replies(world, busy, "will be deleted", "stays")
    idle = await _start(world, "Idle")
    first, second, third = await _replies(world, idle, "one", "two", "three")
    closed = await _start(world, "Closed once")
    (hidden,) = await _replies(world, closed, "deleted behind a closing note")
    number = (await world.topic(closed)).number
    await world.admin.slash(world.general, "mod close", topic=f"#{number}")
    await world.admin.slash(world.general, "mod open", topic=f"#{number}")
    await _replies(world, closed, "after the reopening")

    # Away: in Busy a reply is deleted and another written; in Idle one is deleted, nothing
    # written; in "Closed once" (idle too) a reply is deleted, but the bot's closing and
    # reopening notes keep Discord's message count as high as the replies recorded: no read,
    # no proof.
    delete_offline(world, busy, gone)
    late = world.offline_message(busy, world.member("Late"), "written while away")
    delete_offline(world, idle, second)
    delete_offline(world, closed, hidden)
    bot = await world.restart()
    assert [await _status(world, m) for m in (gone, kept, late)] == ["deleted", "publish", "publish"]
    assert [await _status(world, m) for m in (first, second, third)] == ["publish", "deleted", "publish"]
    assert await _status(world, hidden) == "publish"  # not proven by this catch-up
    report = bot.recorder.last_catchup
    assert report is not None and report.deleted == 2
    topic = await world.topic(idle)
    assert topic is not None and topic.reply_count == 2  # the counters follow

    # /forumadmin sync reads every thread whole: the last one is found, nothing else changes.
    result = await world.admin.slash(world.general, "forumadmin sync")
    await world.env.settle()
    said = text_of(result)
    assert "Deleted in Discord meanwhile, now recorded deleted: 1 post(s), 0 thread(s)." in said, said
    assert await _status(world, hidden) == "deleted"
    again = await bot.recorder.catch_up(full=True)  # twice changes nothing
    assert again.deleted == 0 and again.recorded == 0


@pytest.mark.parametrize("backend", BACKENDS)
async def test_posts_the_bot_removed_or_reposted_are_never_taken_for_deletions(world: World) -> None:
    thread = await _start(world, "Moderated")
    spam, trashed, plain = await _replies(world, thread, "buy pills", "off topic", "fine")
    numbers = {}
    for message_id in (spam, trashed):
        found = await world.bot.db.run(posts.by_message, message_id)
        assert found is not None
        numbers[message_id] = found.number
    assert "is now **spam**" in text_of(await world.admin.slash(world.general, "mod spam", post=str(numbers[spam])))
    await world.admin.slash(world.general, "mod trash", post=str(numbers[trashed]))
    restored = await world.admin.slash(world.general, "mod restore", post=str(numbers[trashed]))
    assert "Restored" in text_of(restored), text_of(restored)
    await world.restart()
    bot = world.bot
    report = await bot.recorder.catch_up(full=True)  # a whole read of every thread
    assert report.deleted == 0
    by_number = {
        n: await world.bot.db.run(posts.by_number, world.guild.id, n) for n in (numbers[spam], numbers[trashed])
    }
    assert by_number[numbers[spam]].status == "spam"
    assert by_number[numbers[trashed]].status == "publish"  # reposted, at its new message
    assert by_number[numbers[trashed]].message_id != trashed
    assert await _status(world, plain) == "publish"


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_thread_deleted_while_away_marks_its_topic_deleted_at_catch_up(world: World) -> None:
    doomed = await _start(world, "Doomed")
    archived = await _start(world, "Archived, not deleted")
    world.env.backend.edit_channel(archived.id, {}, thread_metadata={"archived": True})
    await world.env.settle()
    kept = await _start(world, "Kept")
    delete_channel_offline(world, doomed)
    doomed_topic = await world.topic(doomed)
    bot = await world.restart()
    assert doomed_topic is not None
    gone = await world.bot.db.run(topics.by_id, doomed_topic.id)
    assert gone is not None and gone.status == "deleted"
    kept_posts = await world.bot.db.run(posts.of_topic, gone.id, include_hidden=True)
    assert [p.content for p in kept_posts] == ["Doomed?"]  # its content is kept
    assert [(await world.topic(t)).status for t in (archived, kept)] == ["open", "open"]
    report = bot.recorder.last_catchup
    assert report is not None and report.threads_deleted == 1
    health = text_of(await world.admin.slash(world.general, "forumadmin health"))
    assert "0 post(s) and 1 thread(s) found deleted in Discord" in health, health
    again = await bot.recorder.catch_up(full=True)
    assert again.threads_deleted == 0


@pytest.mark.parametrize("backend", BACKENDS)
async def test_tags_and_unlocks_made_while_away_are_recorded_at_catch_up(world: World) -> None:
    channel = world.env.backend.get_channel(world.forum.id)
    channel.available_tags.append(
        {"id": "901", "name": "Howto", "moderated": False, "emoji_id": None, "emoji_name": None}
    )
    world.env.backend.announce_channel_update(world.forum.id)
    await world.env.settle()
    tagged = await _start(world, "Tag me")
    closed = await _start(world, "Closed")
    number = (await world.topic(closed)).number
    assert "Closed topic" in text_of(await world.admin.slash(world.general, "mod close", topic=f"#{number}"))
    world.env.backend.get_channel(tagged.id).applied_tags = [901]  # no THREAD_UPDATE reaches the bot
    meta = world.env.backend.get_channel(closed.id).thread_metadata
    meta.locked = meta.archived = False
    await world.restart()
    topic = await world.topic(tagged)
    assert topic is not None and topic.tags == ("Howto",)
    topic = await world.topic(closed)
    assert topic is not None and (topic.status, topic.archived) == ("open", False)
    found = await world.bot.db.run(lambda c: audit.entries(c, world.guild.id, topic_id=topic.id))
    assert [(e.action, e.actor_name) for e in found] == [("topic.open", "in Discord"), ("topic.close", "Owner")]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_forum_post_pinned_in_discord_is_sticky_live_and_at_catch_up(world: World, monkeypatch) -> None:
    flags = with_thread_flags(monkeypatch)
    live = await _start(world, "Pinned live")
    away = await _start(world, "Pinned while away")
    pin_in_discord(world, flags, live, True)
    await world.env.settle()
    assert (await world.topic(live)).sticky == "sticky"
    listed = text_of(await world.member("Reader").slash(world.general, "topic list"))
    assert listed.index("Pinned live") < listed.index("Pinned while away")  # stickies first
    pin_in_discord(world, flags, live, False)  # unpinned live: no longer sticky
    await world.env.settle()
    assert (await world.topic(live)).sticky == "none"

    pin_in_discord(world, flags, away, True, broadcast=False)
    await world.restart()
    assert (await world.topic(away)).sticky == "sticky"
    assert (await world.topic(live)).sticky == "none"
    # An unpin seen only at catch-up leaves a sticky sticky: Discord pins one post per forum,
    # so a sticky without the pin is normal (/mod stick of a second topic).
    pin_in_discord(world, flags, away, False, broadcast=False)
    await world.restart()
    assert (await world.topic(away)).sticky == "sticky"


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_message_pinned_in_discord_is_not_a_post(world: World) -> None:
    thread = await _start(world, "Pins")
    (reply,) = await _replies(world, thread, "pin me")
    moderator = world.member("Mod Mia")
    world.env.backend.set_pinned(thread.id, reply, True, actor_id=moderator.id)  # Discord's "Pin Message"
    await world.env.settle()
    assert any(m.type.value == 6 for m in thread.history())  # Discord's "pinned a message" notice
    assert [p.content for p in await world.posts_of(thread)] == ["Pins?", "pin me"]
    await world.restart()
    assert [p.content for p in await world.posts_of(thread)] == ["Pins?", "pin me"]
    assert await _status(world, reply) == "publish"


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_forum_moved_to_another_category_while_away_follows_at_catch_up(world: World) -> None:
    help_desk = world.guild.create_category("Help desk")
    world.env.backend.get_channel(world.forum.id).parent_id = help_desk.id  # no CHANNEL_UPDATE reaches the bot
    await world.restart()
    stored = await world.bot.db.run(forums.by_channel, world.forum.id)
    assert stored is not None and stored.category == "Help desk"
    listed = text_of(await world.admin.slash(world.general, "forum list"))
    assert listed.index("Help desk") < listed.index("Discussion")


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_text_channel_forums_starter_is_never_taken_for_a_deletion(world: World) -> None:
    """A text-channel forum's topic opens with a message in the channel, not in its thread's
    history: a whole read of the thread must not take it for deleted — also after a restore
    rebuilt the topic (its record then names the new thread). Nor does the starter's
    removal by /mod spam (Discord's MESSAGE_DELETE of it) count as the member's deletion."""
    helpdesk = world.guild.create_text_channel("help")
    assert "Registered" in text_of(await world.admin.slash(world.general, "forumadmin add", channel=helpdesk))
    asker = world.member("Asker")
    started = await asker.slash(world.general, "topic new", forum=helpdesk, title="Printer", body="Help?")
    assert "Started topic **#1**" in text_of(started), text_of(started)
    thread = next(t for t in helpdesk.threads if t.name == "Printer")
    await world.member("Helper").send(thread, "Unplug it.")
    await world.admin.slash(world.general, "mod spam", post="#1")
    restored = await world.admin.slash(world.general, "mod restore", post="#1")
    assert "Restored" in text_of(restored), text_of(restored)
    await world.restart()
    report = await world.bot.recorder.catch_up(full=True)
    assert report.deleted == 0
    rebuilt = next(t for t in helpdesk.threads if t.name == "Printer")
    assert [(p.content, p.status) for p in await world.posts_of(rebuilt)] == [
        ("Help?", "publish"),
        ("Unplug it.", "publish"),
    ]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_forum_channel_deleted_while_away_is_unregistered_at_catch_up(world: World) -> None:
    from tests.e2e.test_forum_rules import second_forum

    support = await second_forum(world, "Support")
    await _start(world, "Kept in the records")
    started = await world.admin.slash(world.general, "topic new", forum=support, title="Gone with it", body="?")
    assert "Started topic" in text_of(started), text_of(started)
    delete_channel_offline(world, support)
    await world.restart()
    stored = await world.bot.db.run(forums.by_channel, support.id)
    assert stored is not None and not stored.registered  # unregistered, its records kept
    kept = await world.bot.db.run(topics.containing_post_number, world.guild.id, 2)
    assert kept is not None and kept.title == "Gone with it"
    assert (await world.bot.db.run(forums.by_channel, world.forum.id)).registered  # the other one stays
    listed = text_of(await world.admin.slash(world.general, "forum list"))
    assert "Support" not in listed and "Discussion" in listed


@pytest.mark.parametrize("backend", BACKENDS)
async def test_mod_stick_pins_the_post_in_discord_one_per_forum(world: World, monkeypatch) -> None:
    flags = with_thread_flags(monkeypatch)
    first = await _start(world, "House rules")
    second = await _start(world, "Also important")
    stuck = text_of(await world.admin.slash(world.general, "mod stick", topic="#1"))
    assert "It is pinned in Discord too." in stuck, stuck
    assert flags[first.id] == PINNED
    other = text_of(await world.admin.slash(world.general, "mod stick", topic="#2"))
    assert "Discord pins one post per forum" in other and "so this one is not pinned" in other, other
    assert flags.get(second.id, 0) == 0 and (await world.topic(second)).sticky == "sticky"
    unstuck = text_of(await world.admin.slash(world.general, "mod unstick", topic="#1"))
    assert "is no longer sticky" in unstuck and flags[first.id] == 0, unstuck
    topic = await world.topic(first)
    assert topic is not None and topic.sticky == "none"
    # The bot's own pin came back as THREAD_UPDATEs: recorded once, by the command.
    found = await world.bot.db.run(lambda c: audit.entries(c, world.guild.id, topic_id=topic.id))
    assert [e.action for e in found] == ["topic.unstick", "topic.stick"]
