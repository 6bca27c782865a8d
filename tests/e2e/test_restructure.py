"""/mod move and /mod split: posts recreated in order, attributed, numbers kept."""

from __future__ import annotations

from bot.storage import forums, posts, topics
from tests.e2e.helpers import World, applied_tag_ids, errors_text, text_of, thread_state


async def start_topic(world: World, author, title: str = "A question"):  # type: ignore[no-untyped-def]
    result = await author.slash(world.general, "topic new", forum=world.forum, title=title, body="What is it?")
    assert "Started topic" in text_of(result), text_of(result)
    return world.thread(title)


async def second_forum(world: World):  # type: ignore[no-untyped-def]
    channel = world.guild.create_forum_channel("Questions")
    result = await world.admin.slash(world.general, "forumadmin add", channel=channel)
    assert "Registered" in text_of(result)
    return channel


async def test_move_recreates_the_topic_in_order_and_locks_the_old_thread(world: World) -> None:
    questions = await second_forum(world)
    asker = world.member("Asker")
    helper = world.member("Helper")
    old = await start_topic(world, asker, title="Wrong place")
    await helper.send(old, "First answer")
    await world.env.advance_time(20)
    await asker.send(old, "Thanks")

    result = await world.admin.slash(world.general, "mod move", topic="#1", forum=questions)
    assert "Moved topic **#1** with 3 posts" in text_of(result)
    new = next(t for t in questions.threads if t.name == "Wrong place")
    contents = [m.content for m in new.history()]
    assert len(contents) == 3
    assert "`#1` **Asker** · *Participant*" in contents[0] and "What is it?" in contents[0]
    assert "`#2` **Helper**" in contents[1] and "First answer" in contents[1]
    assert "`#3` **Asker**" in contents[2] and "Thanks" in contents[2]
    assert thread_state(old) == (True, True)
    assert thread_state(new) == (False, False)  # locked while it filled, open again now
    # simcord posts a webhook's message outside the thread: the bot takes it back, then attributes.
    assert questions.history() == []
    assert f"<#{new.id}>" in old.history()[-1].content

    topic = await world.topic(new)
    target = await world.bot.db.run(forums.by_channel, questions.id)
    source = await world.bot.db.run(forums.by_channel, world.forum.id)
    assert topic is not None and target is not None and source is not None
    assert topic.forum_id == target.id and topic.number == 1
    kept = await world.posts_of(new)
    assert [p.number for p in kept] == [1, 2, 3]
    assert [p.message_id for p in kept] == [m.id for m in new.history()]
    assert (source.topic_count, source.post_count, target.topic_count, target.post_count) == (0, 0, 1, 3)

    # Replies go on in the new thread; the old one is never adopted as a topic, not even by a catch-up.
    await world.env.advance_time(20)
    await helper.send(new, "Found it here")
    assert [p.number for p in await world.posts_of(new)] == [1, 2, 3, 4]
    await world.unchecked_message(old, world.admin, "Late note in the old thread")
    await world.restart()
    assert await world.bot.db.run(topics.by_thread, old.id) is None
    assert await world.bot.db.run(posts.by_number, world.guild.id, 5) is None


async def test_move_when_discord_refuses_the_lock_changes_nothing(world: World) -> None:
    questions = await second_forum(world)
    asker = world.member("Asker")
    old = await start_topic(world, asker)
    world.env.inject_error("PATCH", f"/channels/{old.id}", status=403, code=50013, message="Missing Permissions")
    await world.admin.slash(world.general, "mod move", topic="#1", forum=questions)
    told = errors_text(world)
    assert "would not lock the old thread" in told and "Nothing was changed" in told
    assert questions.threads == []
    topic = await world.topic(old)
    assert topic is not None and topic.thread_id == old.id
    assert [p.channel_id for p in await world.posts_of(old)] == [old.id]


async def test_moving_a_300_post_topic_works(world: World) -> None:
    questions = await second_forum(world)
    asker = world.member("Asker")
    old = await start_topic(world, asker, title="Long one")
    for index in range(299):
        world.offline_message(old, asker, f"reply {index}")
    await world.restart()
    assert len(await world.posts_of(old)) == 300

    result = await world.admin.slash(world.general, "mod move", topic="#1", forum=questions)
    assert "with 300 posts" in text_of(result)
    new = next(t for t in questions.threads if t.name == "Long one")
    moved = await world.posts_of(new)
    assert [p.number for p in moved] == list(range(1, 301))
    assert all(p.channel_id == new.id for p in moved)
    history = new.history()
    assert len(history) == 300 and "reply 298" in history[-1].content


async def test_split_makes_a_new_topic_from_a_reply_on(world: World) -> None:
    asker = world.member("Asker")
    helper = world.member("Helper")
    old = await start_topic(world, asker, title="Mixed topic")
    await helper.send(old, "On topic")
    await world.env.advance_time(20)
    side = await helper.send(old, "A side question")
    await world.env.advance_time(20)
    await asker.send(old, "Answer to the side question")

    result = await world.admin.slash(world.general, "mod split", post="#3", title="The side question")
    assert "into the new topic **#3**" in text_of(result)
    new = world.thread("The side question")
    assert thread_state(new) == (False, False)
    assert [p.number for p in await world.posts_of(new)] == [3, 4]
    assert [p.number for p in await world.posts_of(old)] == [1, 2]
    assert all(m.id != side.id for m in old.history())
    contents = [m.content for m in new.history()]
    assert "`#3` **Helper**" in contents[0] and "`#4` **Asker**" in contents[1]
    created = await world.topic(new)
    before = await world.topic(old)
    assert created is not None and created.number == 3 and created.reply_count == 1
    assert before is not None and before.reply_count == 1
    forum = await world.bot.db.run(forums.by_channel, world.forum.id)
    assert forum is not None and (forum.topic_count, forum.post_count) == (2, 4)
    moved = await world.bot.db.run(posts.by_number, world.guild.id, 3)
    assert moved is not None and moved.is_opening and moved.status == "publish"

    await world.admin.slash(world.general, "mod split", post="#1")
    assert "opening post" in errors_text(world)


async def test_merge_joins_the_source_posts_to_the_target_and_closes_the_source(world: World) -> None:
    asker = world.member("Asker")
    other = world.member("Other")
    target = await start_topic(world, asker, title="Original question")
    await other.send(target, "An answer")
    await world.env.advance_time(20)
    result = await other.slash(world.general, "topic new", forum=world.forum, title="Same question", body="Dup?")
    assert "#3" in text_of(result)
    source = world.thread("Same question")
    await world.env.advance_time(20)
    await asker.send(source, "Answer in the duplicate")

    merged = await world.admin.slash(world.general, "mod merge", source="#3", target="#1")
    assert "Merged 2 posts of topic **#3** into **#1**" in text_of(merged)
    contents = [m.content for m in target.history()]
    assert len(contents) == 4
    assert "`#3` **Other**" in contents[2] and "Dup?" in contents[2]
    assert "`#4` **Asker**" in contents[3]
    assert thread_state(source) == (True, True)
    assert "merged into **#1**" in source.history()[-1].content

    kept = await world.posts_of(target)
    assert [p.number for p in kept] == [1, 2, 3, 4] and [p.is_opening for p in kept] == [True, False, False, False]
    assert all(p.channel_id == target.id for p in kept)
    closed = await world.bot.db.run(topics.by_thread, source.id)
    assert closed is not None and closed.status == "closed" and closed.close_reason == "merged"
    joined = await world.topic(target)
    assert joined is not None and joined.reply_count == 3 and joined.voice_count == 2
    forum = await world.bot.db.run(forums.by_channel, world.forum.id)
    assert forum is not None and forum.post_count == 4
    shown = text_of(await asker.slash(world.general, "topic show", topic="#3"))
    assert "Original question" in shown and "Dup?" in shown

    await world.admin.slash(world.general, "mod open", topic=str(source.id))
    assert "was merged into another topic" in errors_text(world)

    await world.restart()
    assert len(await world.posts_of(target)) == 4


async def test_merge_when_discord_refuses_a_copy_changes_nothing(world: World) -> None:
    asker = world.member("Asker")
    target = await start_topic(world, asker, title="Target")
    await world.env.advance_time(20)
    source = await start_topic(world, asker, title="Source")
    world.env.inject_error(
        "POST", f"/channels/{target.id}/messages", status=403, code=50013, message="Missing Permissions"
    )
    await world.admin.slash(world.general, "mod merge", source="#2", target="#1")
    assert "nothing was changed" in errors_text(world)
    assert [p.number for p in await world.posts_of(source)] == [2]
    assert thread_state(source) == (False, False)
    assert len(target.history()) == 1


async def test_a_closed_topic_moves_closed_with_its_tags(world: World) -> None:
    questions = await second_forum(world)
    asker = world.member("Asker")
    result = await asker.slash(
        world.general, "topic new", forum=world.forum, title="Closed one", body="Body", tags="Solved"
    )
    assert "Only moderators" in text_of(result) and "Only moderators" in errors_text(world)
    await world.admin.slash(
        world.general, "topic new", forum=world.forum, title="Closed one", body="Body", tags="Solved"
    )
    await world.admin.slash(world.general, "mod close", topic="#1", reason="solved")
    await world.admin.slash(world.general, "mod move", topic="#1", forum=questions)
    new = next(t for t in questions.threads if t.name == "Closed one")
    assert thread_state(new) == (True, True)
    topic = await world.topic(new)
    assert topic is not None and topic.status == "closed" and topic.close_reason == "solved"
    solved = next(t.id for t in world.bot.get_channel(questions.id).available_tags if t.name == "Solved")
    assert applied_tag_ids(new) == [solved]


async def test_move_without_webhooks_falls_back_to_attribution_lines(world: World) -> None:
    questions = await second_forum(world)
    asker = world.member("Asker")
    helper = world.member("Helper")
    old = await start_topic(world, asker, title="No hooks")
    await helper.send(old, "Reply one")
    world.env.inject_error("GET", f"/channels/{questions.id}/webhooks", status=403, code=50013, times=None)
    world.env.inject_error("POST", f"/channels/{questions.id}/webhooks", status=403, code=50013, times=None)
    result = await world.admin.slash(world.general, "mod move", topic="#1", forum=questions)
    assert "with 2 posts" in text_of(result)
    new = next(t for t in questions.threads if t.name == "No hooks")
    assert [m.webhook_id for m in new.history()] == [None, None]
    assert "`#2` **Helper** · *Participant*" in new.history()[-1].content
    assert [p.message_id for p in await world.posts_of(new)] == [m.id for m in new.history()]


async def test_a_long_post_moved_or_restored_is_removed_whole_when_trashed(world: World) -> None:
    """Every copy of a post too long for one message names all its messages, so trashing it
    later removes them all (a /reply, a move, a restore)."""
    questions = await second_forum(world)
    await start_topic(world, world.member("Asker"), title="Long one")
    body = ("word " * 790).strip()  # more than one message
    await world.member("Helper").slash(world.general, "reply", topic="#1", body=body)
    await world.admin.slash(world.general, "mod move", topic="#1", forum=questions)
    moved = next(t for t in questions.threads if t.name == "Long one")
    reply = (await world.posts_of(moved))[-1]
    assert reply.content == body and reply.continuations
    assert [m.id for m in moved.history()][1:] == [reply.message_id, *reply.continuations]

    await world.admin.slash(world.general, "mod trash", post="#2")
    assert len(moved.history()) == 1
    restored = await world.admin.slash(world.general, "mod restore", post="#2")
    assert "Restored post **#2**" in text_of(restored)
    again = (await world.posts_of(moved))[-1]
    assert again.status == "publish" and again.continuations
    assert [m.id for m in moved.history()][1:] == [again.message_id, *again.continuations]
    await world.admin.slash(world.general, "mod trash", post="#2")
    assert len(moved.history()) == 1  # only the opening post is left
