"""Held posts (SPEC §3, issue 14 part 4): a forum's `hold` rule keeps posts back until a
moderator approves them; on both backends."""

from __future__ import annotations

import pytest

from bot.domain.forumrules import ForumRules
from bot.storage import audit, forums, posts, topics
from tests.backends import BACKENDS
from tests.e2e.helpers import World, text_of


async def set_hold(world: World, hold: str) -> None:
    """The forum's rule, as /forumadmin forum <forum> hold:<hold> stores it."""
    forum = await world.bot.db.run(forums.by_channel, world.forum.id)
    assert forum is not None
    await world.bot.db.transaction(forums.set_rules, forum.id, ForumRules(hold=hold))


async def post_numbered(world: World, number: int):  # type: ignore[no-untyped-def]
    found = await world.bot.db.run(posts.by_number, world.guild.id, number)
    assert found is not None
    return found


@pytest.mark.parametrize("backend", BACKENDS)
async def test_hold_all_typed_reply_slash_reply_new_post_and_topic_new(world: World) -> None:
    asker = world.member("Asker")
    await world.admin.slash(world.general, "topic new", forum=world.forum, title="Welcome", body="Say hello")
    thread = world.thread("Welcome")
    await set_hold(world, "all")

    # A participant's typed reply disappears, is recorded pending, and its author gets it by DM.
    typed = await asker.send(thread, "Hello from a new member")
    assert all(m.id != typed.id for m in thread.history())
    held = await post_numbered(world, 2)
    assert held.status == "pending" and held.content == "Hello from a new member" and held.flag
    dms = "\n".join(world.dm_texts(asker))
    assert "held for approval" in dms and "**#2**" in dms and "Hello from a new member" in dms

    # Moderators are never held.
    await world.admin.send(thread, "A moderator's note")
    assert (await post_numbered(world, 3)).status == "publish"

    # /reply: never sent to the thread; the answer says so.
    await world.env.advance_time(20)
    replied = await asker.slash(world.general, "reply", topic="#1", body="Sent with /reply")
    assert "held for approval" in text_of(replied) and "**#4**" in text_of(replied) and replied.ephemeral
    assert all("Sent with /reply" not in m.content for m in thread.history())
    assert (await post_numbered(world, 4)).status == "pending"

    # A New Post: its thread goes, the topic waits.
    await world.env.advance_time(20)
    with pytest.raises(AssertionError, match="no thread 'My own topic'"):  # its thread is gone at once
        await world.native_post(asker, "My own topic", "Started with New Post")
    native = await world.bot.db.run(topics.containing_post_number, world.guild.id, 5)
    assert native is not None and native.status == "pending" and native.title == "My own topic"
    assert "Started with New Post" in "\n".join(world.dm_texts(asker))

    # /topic new: no thread at all until approved.
    await world.env.advance_time(20)
    started = await asker.slash(world.general, "topic new", forum=world.forum, title="Slash topic", body="Via /topic")
    assert "held for approval" in text_of(started) and "**#6**" in text_of(started)
    assert all(t.name != "Slash topic" for t in world.forum.threads)

    queue = await world.admin.slash(world.general, "mod queue", kind="pending")
    shown = text_of(queue)
    assert "posts held for approval · 4" in shown and "Held: this forum holds every post for approval" in shown
    assert "post **#2**" in shown and "post **#4**" in shown and "topic **#5**" in shown and "topic **#6**" in shown

    # Approve posts each back attributed with its number; a held topic gets its thread.
    clicked = await world.admin.click(queue.response, custom_id=f"tk:mp:{held.id}:a:pending:0")
    assert "Approved post **#2** by Asker" in text_of(clicked), text_of(clicked)
    last = thread.history()[-1]
    assert "`#2`" in last.content and "Hello from a new member" in last.content
    assert (await post_numbered(world, 2)).status == "publish"
    assert any("was approved" in text for text in world.dm_texts(asker))
    approved = await world.admin.slash(world.general, "mod approve", post="#4")
    assert "Approved post **#4**" in text_of(approved)
    assert "`#4`" in thread.history()[-1].content and "Sent with /reply" in thread.history()[-1].content
    for number, title, body in ((5, "My own topic", "Started with New Post"), (6, "Slash topic", "Via /topic")):
        done = await world.admin.slash(world.general, "mod approve", post=f"#{number}")
        assert f"Approved topic **#{number}**" in text_of(done), text_of(done)
        rebuilt = world.thread(title)
        assert f"`#{number}`" in rebuilt.history()[0].content and body in rebuilt.history()[0].content
        topic = await world.topic(rebuilt)
        assert topic is not None and topic.status == "open" and topic.number == number

    entries = [e.action for e in await world.bot.db.run(lambda c: audit.entries(c, world.guild.id))]
    assert entries[:4] == ["topic.approve", "topic.approve", "post.approve", "post.approve"]
    assert "Nothing waiting" in text_of(await world.admin.slash(world.general, "mod queue", kind="pending"))


@pytest.mark.parametrize("backend", BACKENDS)
async def test_hold_links_and_new_members_and_closed_dms(world: World) -> None:
    asker, newcomer = world.member("Asker"), world.member("Newcomer")
    await asker.slash(world.general, "topic new", forum=world.forum, title="Links", body="Share links")
    thread = world.thread("Links")
    await world.env.advance_time(20)
    await set_hold(world, "links")
    two = await asker.send(thread, "See https://a.example and https://b.example")
    await world.env.advance_time(20)
    three = await asker.send(thread, "https://a.example https://b.example https://c.example")
    history = [m.id for m in thread.history()]
    assert two.id in history and three.id not in history
    assert (await post_numbered(world, 3)).status == "pending"
    dms = world.dm_texts(asker)
    await world.deliver_again(three.id)  # heard twice (another process on this shard): held and told once
    assert world.dm_texts(asker) == dms and (await post_numbered(world, 3)).status == "pending"
    assert [p.number for p in await world.posts_of(thread, include_hidden=True)] == [1, 2, 3]
    offered = await world.admin.autocomplete(world.general, "mod approve", "post", "3")
    assert [c["value"] for c in offered] == ["3"] and "pending" in offered[0]["name"]
    assert "Approved post **#3**" in text_of(await world.admin.slash(world.general, "mod approve", post="#3"))

    # hold=new: a member's posts wait until three of them are published.
    await set_hold(world, "new")
    world.close_dms(newcomer)
    first = await newcomer.send(thread, "My first words")
    assert first.id not in [m.id for m in thread.history()]
    notice = [m for m in thread.history() if "held for approval" in m.content]
    assert notice and "direct messages are closed" in notice[-1].content  # short notice instead of a DM
    await world.env.advance_time(16)
    assert not any("held for approval" in m.content for m in thread.history())  # it deleted itself
    await world.env.advance_time(20)
    said = await asker.send(thread, "Asker has posted enough")  # three published posts: not held
    assert said.id in [m.id for m in thread.history()]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_held_post_discord_will_not_remove_stays_up_flagged(world: World) -> None:
    asker = world.member("Asker")
    await world.admin.slash(world.general, "topic new", forum=world.forum, title="Welcome", body="Say hello")
    thread = world.thread("Welcome")
    await set_hold(world, "all")
    world.env.inject_error("DELETE", f"/channels/{thread.id}/messages/*", status=403, code=50013, times=1)
    stuck = await asker.send(thread, "Discord keeps this one")
    assert stuck.id in [m.id for m in thread.history()]
    kept = await post_numbered(world, 2)
    assert kept.status == "publish" and kept.message_id == stuck.id
    queue = await world.admin.slash(world.general, "mod queue")
    assert "Flagged 1" in text_of(queue) and "Discord would not let me remove it" in text_of(queue)
    pending = await world.admin.slash(world.general, "mod queue", kind="pending")
    assert "Nothing waiting" in text_of(pending)
