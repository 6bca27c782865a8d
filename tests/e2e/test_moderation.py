"""/mod close|open|role|block|unblock|log|history, as moderators and members use them."""

from __future__ import annotations

import pytest

from bot.storage import audit, members, posts, topics
from tests.e2e.helpers import (
    SEND_MESSAGES_IN_THREADS,
    World,
    errors_text,
    member_overwrite,
    moderator_discord_role,
    text_of,
    thread_state,
)


async def start_topic(world: World, author, title: str = "A question", body: str = "What is it?"):  # type: ignore[no-untyped-def]
    result = await author.slash(world.general, "topic new", forum=world.forum, title=title, body=body)
    assert "Started topic" in text_of(result), text_of(result)
    return world.thread(title)


async def make_moderator(world: World, name: str = "Mo"):  # type: ignore[no-untyped-def]
    mod = world.member(name, roles=(moderator_discord_role(world),))
    result = await world.admin.slash(world.general, "mod role", member=mod, role="moderator")
    assert "**Moderator**" in text_of(result), text_of(result)
    return mod


async def test_close_locks_archives_notes_and_refuses_replies_then_open(world: World) -> None:
    asker = world.member("Asker")
    helper = world.member("Helper")
    mod = await make_moderator(world)
    thread = await start_topic(world, asker)

    result = await mod.slash(world.general, "mod close", topic="#1", reason="duplicate", note="See #7 instead.")
    assert result.ephemeral and "Closed topic **#1**" in text_of(result)
    assert thread_state(thread) == (True, True)
    note = thread.history()[-1].content
    assert "Topic closed" in note and "duplicate" in note and "See #7 instead." in note and "Mo" in note
    topic = await world.topic(thread)
    assert topic is not None and topic.status == "closed" and topic.close_reason == "duplicate"

    # A participant's reply is refused by the bot's own check; a moderator may still reply.
    await world.unchecked_message(thread, helper, "Let me add something")
    assert all(m.content != "Let me add something" for m in thread.history())
    assert any("closed" in text for text in world.dm_texts(helper))
    await world.unchecked_message(thread, mod, "Moderator footnote")
    assert [p.content for p in await world.posts_of(thread)][-1] == "Moderator footnote"

    again = await mod.slash(world.general, "mod close", topic="#1")
    assert "already closed" in errors_text(world) and "already closed" in text_of(again) and again.ephemeral

    opened = await mod.slash(world.general, "mod open", topic="#1")
    assert "Reopened topic **#1**" in text_of(opened)
    assert thread_state(thread) == (False, False)
    topic = await world.topic(thread)
    assert topic is not None and topic.status == "open" and topic.close_reason is None
    await world.env.advance_time(20)
    await world.unchecked_message(thread, helper, "Now I can reply")
    assert [p.content for p in await world.posts_of(thread)][-1] == "Now I can reply"

    entries = await world.bot.db.run(lambda c: audit.entries(c, world.guild.id, topic_id=topic.id))
    assert [e.action for e in entries] == ["topic.open", "topic.close"]
    assert entries[1].reason == "duplicate" and entries[1].actor_id == mod.id


async def test_close_when_discord_refuses_the_lock_keeps_the_topic_open(world: World) -> None:
    asker = world.member("Asker")
    thread = await start_topic(world, asker)
    world.env.inject_error("PATCH", f"/channels/{thread.id}", status=403, code=50013, message="Missing Permissions")
    await world.admin.slash(world.general, "mod close", topic="#1", reason="stale")
    told = errors_text(world)
    assert "would not lock the thread" in told and "stays open" in told
    topic = await world.topic(thread)
    assert topic is not None and topic.status == "open"
    assert thread_state(thread) == (False, False)
    assert not any("Topic closed" in m.content for m in thread.history())  # the note was taken back
    assert await world.bot.db.run(lambda c: audit.entries(c, world.guild.id, topic_id=topic.id)) == []


COMMANDS = [
    ("mod close", {"topic": "#1"}),
    ("mod open", {"topic": "#1"}),
    ("mod role", {"role": "spectator"}),
    ("mod block", {}),
    ("mod unblock", {}),
    ("mod log", {}),
    ("mod history", {"post": "#1"}),
    ("mod spam", {"post": "#1"}),
    ("mod trash", {"post": "#1"}),
    ("mod restore", {"post": "#1"}),
    ("mod approve", {"post": "#1"}),
    ("mod spam-member", {}),
    ("mod stick", {"topic": "#1"}),
    ("mod queue", {}),
    ("mod split", {"post": "#1"}),
    ("mod merge", {"source": "#1", "target": "#1"}),
    ("mod move", {"topic": "#1"}),
    ("mod unstick", {"topic": "#1"}),
]


@pytest.mark.parametrize(("command", "options"), COMMANDS, ids=[c for c, _ in COMMANDS])
async def test_a_participant_is_refused_every_mod_command(world: World, command: str, options: dict) -> None:  # type: ignore[type-arg]
    asker = world.member("Asker")
    other = world.member("Other")
    await start_topic(world, asker)
    assert "mod" not in asker.available_commands(world.general)
    await world.show_to_everyone("mod")  # the server shows /mod to everyone: the bot still checks
    if command in ("mod role", "mod block", "mod unblock", "mod spam-member"):
        options = {**options, "member": other}
    if command == "mod move":
        options = {**options, "forum": world.forum}
    result = await asker.slash(world.general, command, **options)
    assert result.response is None or result.ephemeral
    assert "This command is for Moderators and Keymasters; your forum role is Participant." in errors_text(world)
    # Nothing happened but the refusal, which the audit log keeps (who tried what).
    entries = await world.bot.db.run(lambda c: audit.entries(c, world.guild.id))
    assert [e.action for e in entries] == ["access.refused", "forum.add"]
    assert entries[0].actor_id == asker.id and entries[0].details["command"] == f"/{command}"
    assert await world.bot.db.run(members.assignment, world.guild.id, other.id) is None
    topic = await world.bot.db.run(topics.containing_post_number, world.guild.id, 1)
    assert topic is not None and topic.status == "open"


async def test_role_limits_for_moderators_and_the_integrations_note(world: World) -> None:
    mod = await make_moderator(world)
    member = world.member("Member")
    other_mod = world.member("Other Mod")

    given = await mod.slash(world.general, "mod role", member=member, role="spectator")
    assert "**Spectator**" in text_of(given)
    stored = await world.bot.db.run(members.assignment, world.guild.id, member.id)
    assert stored is not None and stored.role.key == "spectator"
    # Spectators may not reply: Discord's overwrite follows the explicit role.
    overwrite = member_overwrite(world.forum, member.id)
    assert overwrite is not None and overwrite[1] & SEND_MESSAGES_IN_THREADS

    await mod.slash(world.general, "mod role", member=other_mod, role="moderator")
    await mod.slash(world.general, "mod role", member=world.admin, role="participant")
    told = errors_text(world)
    assert "Only a keymaster may make someone a Moderator." in told
    assert "Nobody changes a keymaster's role" in told
    assert await world.bot.db.run(members.assignment, world.guild.id, other_mod.id) is None

    promoted = await world.admin.slash(world.general, "mod role", member=other_mod, role="moderator")
    assert "**Moderator**" in text_of(promoted) and "Integrations" in text_of(promoted)

    cleared = await mod.slash(world.general, "mod role", member=member, role="default")
    assert "**Participant**" in text_of(cleared) and "cleared" in text_of(cleared)
    assert await world.bot.db.run(members.assignment, world.guild.id, member.id) is None
    assert member_overwrite(world.forum, member.id) is None

    entries = await world.bot.db.run(lambda c: audit.entries(c, world.guild.id, member_id=member.id))
    assert [(e.action, e.details["role"]) for e in entries] == [
        ("member.role", "default"),
        ("member.role", "spectator"),
    ]


async def test_a_timed_block_refuses_posts_and_lifts_itself(world: World) -> None:
    mod = await make_moderator(world)
    asker = world.member("Asker")
    troll = world.member("Troll")
    thread = await start_topic(world, asker)

    bad = await mod.slash(world.general, "mod block", member=troll, duration="soon")
    assert ("not a duration" in errors_text(world) and bad.response is None) or bad.ephemeral
    result = await mod.slash(world.general, "mod block", member=troll, duration="30m", reason="flooding")
    assert "is blocked from posting until" in text_of(result)
    overwrite = member_overwrite(world.forum, troll.id)
    assert overwrite is not None and overwrite[1] & SEND_MESSAGES_IN_THREADS

    await world.unchecked_message(thread, troll, "spam spam")
    assert any("You are blocked" in text for text in world.dm_texts(troll))
    assert all(m.content != "spam spam" for m in thread.history())

    await world.env.advance_time(29 * 60)
    assert await world.bot.db.run(members.assignment, world.guild.id, troll.id) is not None
    await world.env.advance_time(2 * 60 + 5)
    assert await world.bot.db.run(members.assignment, world.guild.id, troll.id) is None
    assert member_overwrite(world.forum, troll.id) is None
    await troll.send(thread, "I behave now")
    assert [p.content for p in await world.posts_of(thread)][-1] == "I behave now"

    entries = await world.bot.db.run(lambda c: audit.entries(c, world.guild.id, member_id=troll.id))
    assert [(e.action, e.reason) for e in entries] == [("member.unblock", "expired"), ("member.block", "flooding")]


async def test_a_timed_block_survives_a_restart(world: World) -> None:
    troll = world.member("Troll")
    await world.admin.slash(world.general, "mod block", member=troll, duration="2h")
    await world.restart()
    assert await world.bot.db.run(members.assignment, world.guild.id, troll.id) is not None
    await world.env.advance_time(2 * 3600 - 1)
    assert await world.bot.db.run(members.assignment, world.guild.id, troll.id) is not None
    await world.env.advance_time(2)  # the fresh bot planned the expiry from the database
    assert await world.bot.db.run(members.assignment, world.guild.id, troll.id) is None
    assert member_overwrite(world.forum, troll.id) is None


async def test_unblock_and_a_moderator_cannot_block_a_moderator(world: World) -> None:
    mod = await make_moderator(world)
    other_mod = await make_moderator(world, "Other Mod")
    troll = world.member("Troll")

    await mod.slash(world.general, "mod block", member=other_mod)
    assert "Only a keymaster may change a moderator's role." in errors_text(world)
    await mod.slash(world.general, "mod unblock", member=troll)
    assert "has no block" in errors_text(world)

    await mod.slash(world.general, "mod block", member=troll, reason="rude")
    assert member_overwrite(world.forum, troll.id) is not None
    result = await mod.slash(world.general, "mod unblock", member=troll)
    assert "is unblocked" in text_of(result) and "**Participant**" in text_of(result)
    assert member_overwrite(world.forum, troll.id) is None


async def test_log_filters_and_history_shows_revisions(world: World) -> None:
    asker = world.member("Asker")
    troll = world.member("Troll")
    thread = await start_topic(world, asker)
    await world.env.advance_time(20)
    reply = await asker.send(thread, "first words")
    await asker.edit(reply, "second words")
    await asker.edit(reply, "third words")
    await world.admin.slash(world.general, "mod close", topic="#1", reason="solved")
    await world.admin.slash(world.general, "mod block", member=troll, reason="rude")

    shown = text_of(await world.admin.slash(world.general, "mod log"))
    assert "`member.block`" in shown and "`topic.close`" in shown and "rude" in shown
    by_member = text_of(await world.admin.slash(world.general, "mod log", member=troll))
    assert "`member.block`" in by_member and "`topic.close`" not in by_member
    by_topic = text_of(await world.admin.slash(world.general, "mod log", topic="#1"))
    assert "`topic.close`" in by_topic and "topic #1" in by_topic and "`member.block`" not in by_topic

    history = text_of(await world.admin.slash(world.general, "mod history", post="#2"))
    assert "2 edits" in history
    assert history.index("first words") < history.index("second words") < history.index("third words")
    assert "Current" in history


async def test_trash_a_reply_then_restore_it_attributed_with_its_number(world: World) -> None:
    asker = world.member("Asker")
    helper = world.member("Helper")
    thread = await start_topic(world, asker)
    reply = await helper.send(thread, "Buy cheap watches")
    await world.env.advance_time(20)
    await asker.send(thread, "Thanks")

    result = await world.admin.slash(world.general, "mod trash", post="#2")
    assert "Post **#2** is now **trash**" in text_of(result)
    assert all(m.id != reply.id for m in thread.history())
    trashed = await world.bot.db.run(posts.by_number, world.guild.id, 2)
    assert trashed is not None and trashed.status == "trash"  # not 'deleted' by the delete listener
    assert [p.number for p in await world.posts_of(thread)] == [1, 3]
    topic = await world.topic(thread)
    assert topic is not None and topic.reply_count == 1

    restored = await world.admin.slash(world.general, "mod restore", post="#2")
    assert "Restored post **#2**" in text_of(restored)
    last = thread.history()[-1]
    assert "**Helper** · *Participant*" in last.content and "Buy cheap watches" in last.content
    back = await world.bot.db.run(posts.by_number, world.guild.id, 2)
    assert back is not None and back.status == "publish" and back.message_id == last.id and back.number == 2
    topic = await world.topic(thread)
    assert topic is not None and topic.reply_count == 2
    actions = [e.action for e in await world.bot.db.run(lambda c: audit.entries(c, world.guild.id, topic_id=topic.id))]
    assert actions == ["post.restore", "post.trash"]

    await world.admin.slash(world.general, "mod restore", post="#3")
    assert "only spam, trash and deleted posts can be restored" in errors_text(world)


async def test_spam_a_topic_removes_its_thread_and_restore_rebuilds_it(world: World) -> None:
    asker = world.member("Asker")
    helper = world.member("Helper")
    thread = await start_topic(world, asker, title="Spammy", body="Visit my site")
    await helper.send(thread, "Looks like spam")
    await world.env.advance_time(20)
    await asker.send(thread, "No it is not")

    result = await world.admin.slash(world.general, "mod spam", post="#1")
    assert "Topic **#1** is now **spam**" in text_of(result)
    assert all(t.id != thread.id for t in world.forum.threads)
    topic = await world.bot.db.run(topics.containing_post_number, world.guild.id, 1)
    assert topic is not None and topic.status == "spam"  # the thread-delete listener keeps it spam
    shown = await helper.slash(world.general, "topic show", topic="#1")
    assert "not available" in text_of(shown) and "not available" in errors_text(world)

    restored = await world.admin.slash(world.general, "mod restore", post="#1")
    assert "Restored topic **#1**" in text_of(restored) and "3 posts" in text_of(restored)
    rebuilt = world.thread("Spammy")
    assert rebuilt.id != thread.id and thread_state(rebuilt) == (False, False)
    contents = [m.content for m in rebuilt.history()]
    assert len(contents) == 3
    assert "`#1` **Asker** · *Participant*" in contents[0] and "Visit my site" in contents[0]
    assert "`#2` **Helper**" in contents[1] and "`#3` **Asker**" in contents[2]
    topic = await world.topic(rebuilt)
    assert topic is not None and topic.status == "open" and topic.number == 1
    kept = await world.posts_of(rebuilt)
    assert [p.number for p in kept] == [1, 2, 3]
    assert [p.message_id for p in kept] == [m.id for m in rebuilt.history()]
    assert all(p.channel_id == rebuilt.id for p in kept)

    await world.env.advance_time(20)
    await helper.send(rebuilt, "Welcome back")
    assert [p.number for p in await world.posts_of(rebuilt)] == [1, 2, 3, 4]


async def test_when_discord_refuses_the_delete_the_post_stays_published(world: World) -> None:
    asker = world.member("Asker")
    helper = world.member("Helper")
    thread = await start_topic(world, asker)
    reply = await helper.send(thread, "Borderline")
    world.env.inject_error(
        "DELETE", f"/channels/{thread.id}/messages/{reply.id}", status=403, code=50013, message="Missing Permissions"
    )
    await world.admin.slash(world.general, "mod spam", post="#2")
    told = errors_text(world)
    assert "would not delete the message" in told and "stays published" in told
    post = await world.bot.db.run(posts.by_number, world.guild.id, 2)
    assert post is not None and post.status == "publish"
    assert any(m.id == reply.id for m in thread.history())
    assert [e.action for e in await world.bot.db.run(lambda c: audit.entries(c, world.guild.id))] == ["forum.add"]


async def test_when_discord_refuses_the_repost_the_post_stays_trashed(world: World) -> None:
    asker = world.member("Asker")
    helper = world.member("Helper")
    thread = await start_topic(world, asker)
    await helper.send(thread, "Off topic")
    await world.admin.slash(world.general, "mod trash", post="#2")
    world.env.inject_error("POST", f"/channels/{thread.id}/messages", status=500, code=0, message="Server error")
    await world.admin.slash(world.general, "mod restore", post="#2")
    assert "stays trash" in errors_text(world)
    post = await world.bot.db.run(posts.by_number, world.guild.id, 2)
    assert post is not None and post.status == "trash"


async def test_stick_super_and_unstick_order_the_topic_list(world: World) -> None:
    asker = world.member("Asker")
    await start_topic(world, asker, title="Old rules")
    await world.env.advance_time(20)
    await start_topic(world, asker, title="Newest question")

    listed = text_of(await asker.slash(world.general, "topic list"))
    assert listed.index("Newest question") < listed.index("Old rules")
    result = await world.admin.slash(world.general, "mod stick", topic="#1")
    assert "now lists first in its forum" in text_of(result)
    listed = text_of(await asker.slash(world.general, "topic list"))
    assert listed.index("Old rules") < listed.index("Newest question")

    await world.admin.slash(world.general, "mod stick", topic="#1", super=True)
    topic = await world.bot.db.run(topics.containing_post_number, world.guild.id, 1)
    assert topic is not None and topic.sticky == "super"
    await world.admin.slash(world.general, "mod unstick", topic="#1")
    topic = await world.bot.db.run(topics.containing_post_number, world.guild.id, 1)
    assert topic is not None and topic.sticky == "none"
    listed = text_of(await asker.slash(world.general, "topic list"))
    assert listed.index("Newest question") < listed.index("Old rules")
    await world.admin.slash(world.general, "mod unstick", topic="#1")
    assert "is not sticky" in errors_text(world)
    actions = [e.action for e in await world.bot.db.run(lambda c: audit.entries(c, world.guild.id, topic_id=topic.id))]
    assert actions == ["topic.unstick", "topic.stick", "topic.stick"]


async def test_idle_topics_auto_close_as_stale_except_stickies(world: World) -> None:
    asker = world.member("Asker")
    await world.admin.slash(world.general, "forumadmin settings", auto_close_days=1)
    idle = await start_topic(world, asker, title="Idle one")
    await world.env.advance_time(20)
    pinned = await start_topic(world, asker, title="House rules")
    await world.env.advance_time(20)
    busy = await start_topic(world, asker, title="Busy one")
    await world.admin.slash(world.general, "mod stick", topic="#2")
    await world.env.advance_time(18 * 3600)
    await asker.send(busy, "Still going")
    await world.env.advance_time(6 * 3600 - 41)  # a day after the first topic, less a second
    assert (await world.topic(idle)).status == "open"  # type: ignore[union-attr]
    await world.env.advance_time(1)  # the scheduler wakes when the idle time has passed

    idle_topic, pinned_topic, busy_topic = [await world.topic(t) for t in (idle, pinned, busy)]
    assert idle_topic is not None and idle_topic.status == "closed" and idle_topic.close_reason == "stale"
    assert thread_state(idle) == (True, True)
    assert "Closed automatically" in idle.history()[-1].content
    assert pinned_topic is not None and pinned_topic.status == "open"
    assert busy_topic is not None and busy_topic.status == "open"
    entries = await world.bot.db.run(lambda c: audit.entries(c, world.guild.id, topic_id=idle_topic.id))
    assert [(e.action, e.reason, e.actor_id) for e in entries] == [("topic.close", "stale", world.bot.user.id)]

    # An unstuck sticky idle for a day is due at once; the busy one when its own day passes.
    await world.env.advance_time(20)
    await world.admin.slash(world.general, "mod unstick", topic="#2")
    pinned_topic = await world.topic(pinned)
    assert pinned_topic is not None and pinned_topic.status == "closed" and pinned_topic.close_reason == "stale"
    await world.env.advance_time(18 * 3600)
    busy_topic = await world.topic(busy)
    assert busy_topic is not None and busy_topic.status == "open"
    await world.env.advance_time(30)
    busy_topic = await world.topic(busy)
    assert busy_topic is not None and busy_topic.status == "closed"


async def test_the_log_pages_with_buttons(world: World) -> None:
    troll = world.member("Troll")
    for _ in range(8):
        await world.admin.slash(world.general, "mod block", member=troll)
        await world.admin.slash(world.general, "mod unblock", member=troll)
    first = await world.admin.slash(world.general, "mod log")
    assert "Page 1 of 2 · 17 entries" in text_of(first)
    assert text_of(first).count("`member.") == 15
    second = await world.admin.click(first.response, label="Next")
    assert "Page 2 of 2" in text_of(second) and "`forum.add`" in text_of(second)
    by_member = await world.admin.slash(world.general, "mod log", member=troll)
    assert "Page 1 of 2 · 16 entries" in text_of(by_member)


async def test_a_registration_comes_back_when_the_block_ends(world: World) -> None:
    await world.admin.slash(world.general, "forumadmin settings", default_role="spectator")
    member = world.member("Joiner")
    joined = await member.slash(world.general, "forum join")
    assert "Participant" in text_of(joined)
    await world.admin.slash(world.general, "mod block", member=member, duration="30m")
    overwrite = member_overwrite(world.forum, member.id)
    assert overwrite is not None and overwrite[1] & SEND_MESSAGES_IN_THREADS
    await world.env.advance_time(31 * 60)
    stored = await world.bot.db.run(members.assignment, world.guild.id, member.id)
    assert stored is not None and stored.source == "join" and stored.role.key == "participant"
    overwrite = member_overwrite(world.forum, member.id)
    assert overwrite is not None and overwrite[0] & SEND_MESSAGES_IN_THREADS


async def test_reply_command_is_refused_in_a_closed_topic_but_not_for_moderators(world: World) -> None:
    asker = world.member("Asker")
    helper = world.member("Helper")
    mod = await make_moderator(world)
    await start_topic(world, asker)
    await world.admin.slash(world.general, "mod close", topic="#1", reason="solved", note="Answered @everyone")
    refused = await helper.slash(world.general, "reply", topic="#1", body="One more thing")
    assert refused.ephemeral and "This topic is closed" in errors_text(world)
    allowed = await mod.slash(world.general, "reply", topic="#1", body="Moderator addendum")
    assert "Replied as **#2**" in text_of(allowed)
