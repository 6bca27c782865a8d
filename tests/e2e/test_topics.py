"""Starting, answering and reading topics, and every bad input of the core commands."""

from __future__ import annotations

import pytest

from bot.storage import posts, topics
from tests.backends import BACKENDS
from tests.e2e.helpers import errors_text, text_of


async def count_posts(world) -> int:
    return await world.bot.db.run(lambda c: c.execute("SELECT COUNT(*) FROM posts").fetchone()[0])


@pytest.mark.parametrize("backend", BACKENDS)
async def test_topic_new_answers_with_number_and_link_and_records_the_opening_post(world):
    asker = world.member("Asker")
    result = await asker.slash(world.general, "topic new", forum=world.forum, title="  Hello   there ", body="Body")
    assert result.ephemeral and "Started topic **#1**" in text_of(result)
    assert "https://discord.com/channels/" in text_of(result)
    thread = world.thread("Hello there")
    topic = await world.topic(thread)
    assert topic is not None and (topic.number, topic.title, topic.author_name) == (1, "Hello there", "Asker")
    [opening] = await world.posts_of(thread)
    assert opening.is_opening and opening.content == "Body" and opening.message_id == thread.history()[0].id


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        ("", "body", "The title is empty"),
        ("   ", "body", "The title is empty"),
        ("x" * 101, "body", "the limit is 100"),
        ("Title", " \n ", "The text is empty"),
        ("Title", "y" * 4001, "the limit is 4000"),
    ],
)
async def test_topic_new_refuses_bad_titles_and_bodies_and_writes_nothing(world, title, body, expected):
    asker = world.member("Asker")
    result = await asker.slash(world.general, "topic new", forum=world.forum, title=title, body=body)
    assert result.ephemeral and expected in text_of(result)
    assert expected in errors_text(world)
    assert world.forum.threads == [] and await count_posts(world) == 0


async def test_topic_new_in_an_unregistered_forum_is_refused(world):
    other = world.guild.create_forum_channel("Elsewhere")
    result = await world.member("Asker").slash(world.general, "topic new", forum=other, title="T", body="B")
    assert "is not a registered forum" in text_of(result) and result.ephemeral
    assert "not a registered forum" in errors_text(world)
    assert other.threads == []


async def test_unknown_tags_are_refused_and_moderated_tags_are_for_moderators(world):
    asker = world.member("Asker")
    result = await asker.slash(world.general, "topic new", forum=world.forum, title="T", body="B", tags="nope")
    assert "has no tag `nope`" in text_of(result)
    result = await asker.slash(world.general, "topic new", forum=world.forum, title="T", body="B", tags="solved")
    assert "Only moderators may apply Solved" in text_of(result)
    world.env.errors  # noqa: B018 - both refusals were expected
    assert world.forum.threads == []


async def test_a_4000_character_body_is_split_never_truncated(world):
    body = ("word " * 800).strip()  # 3999 characters
    await world.member("Writer").slash(world.general, "topic new", forum=world.forum, title="Long", body=body)
    thread = world.thread("Long")
    messages = thread.history()  # oldest first
    assert len(messages) == 3 and all(len(m.content) <= 2000 for m in messages)
    assert "".join(m.content for m in messages).replace("\n", " ").endswith(body[-100:])
    [opening] = await world.posts_of(thread)
    assert opening.content == body


async def test_mentions_in_a_body_ping_nobody(world):
    body = "@everyone @here <@&123> look"
    await world.member("Pinger").slash(world.general, "topic new", forum=world.forum, title="Ping", body=body)
    created = [r for r in world.env.http_requests if r.method == "POST" and r.path.endswith("/threads")]
    assert created and created[-1].json["message"]["allowed_mentions"]["parse"] == []
    [opening] = await world.posts_of(world.thread("Ping"))
    assert opening.content == body


@pytest.mark.parametrize("backend", BACKENDS)
async def test_reply_posts_on_the_members_behalf_and_accepts_every_reference_form(world):
    asker, helper = world.member("Asker"), world.member("Helper")
    await asker.slash(world.general, "topic new", forum=world.forum, title="Q", body="?")
    thread = world.thread("Q")
    link = f"https://discord.com/channels/{world.guild.id}/{thread.id}"
    for i, ref in enumerate(("#1", "1", link, str(thread.id))):
        result = await helper.slash(world.general, "reply", topic=ref, body=f"answer {i}")
        assert f"Replied as **#{i + 2}**" in text_of(result)
        await world.env.advance_time(11)
    recorded = await world.posts_of(thread)
    assert [(p.number, p.author_name, p.content) for p in recorded[1:]] == [
        (2, "Helper", "answer 0"),
        (3, "Helper", "answer 1"),
        (4, "Helper", "answer 2"),
        (5, "Helper", "answer 3"),
    ]
    assert "Helper" in thread.history()[-1].content and "Participant" in thread.history()[-1].content


@pytest.mark.parametrize(
    ("ref", "expected"),
    [("#99", "No topic or post `#99`"), ("abc", "is not a topic or post"), ("", "Use this inside a topic's thread")],
)
async def test_reply_with_an_unknown_or_malformed_topic_is_refused(world, ref, expected):
    result = await world.member("Helper").slash(world.general, "reply", topic=ref, body="hi")
    assert result.ephemeral and expected in text_of(result)
    assert expected in errors_text(world)
    assert await count_posts(world) == 0


async def test_another_guilds_topic_is_out_of_reach(world):
    await world.member("Asker").slash(world.general, "topic new", forum=world.forum, title="Q", body="?")
    other_owner = world.env.create_user("other_owner")
    other = world.env.create_guild("Other", owner=other_owner)
    outsider = other.add_member(other_owner)
    general = other.create_text_channel("general")
    result = await outsider.slash(general, "topic show", topic="#1")
    assert "No topic or post `#1`" in text_of(result)
    link = f"https://discord.com/channels/{world.guild.id}/{world.thread('Q').id}"
    result = await outsider.slash(general, "reply", topic=link, body="sneaky")
    assert "points to another server" in text_of(result)
    world.env.errors  # noqa: B018
    assert await count_posts(world) == 1


async def test_commands_in_direct_messages_get_a_clear_answer(world):
    user = world.member("Lonely").user
    result = await user.slash("topic list")
    assert result.ephemeral and "inside a server" in text_of(result)
    assert "NoPrivateMessage" in repr(world.env.errors)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_topic_show_pages_with_buttons_that_survive_a_restart(world):
    asker = world.member("Asker")
    await asker.slash(world.general, "topic new", forum=world.forum, title="Busy", body="first")
    thread = world.thread("Busy")
    members = [world.member(f"M{i}") for i in range(19)]
    for i, member in enumerate(members):
        await member.send(thread, f"reply {i}")
    shown = await asker.slash(world.general, "topic show", topic="#1")
    first_page = text_of(shown)
    assert "Page 1 of 2" in first_page and "reply 13" in first_page and "reply 14" not in first_page
    assert "Viewing 19 reply threads" in first_page
    await world.restart()
    clicked = await asker.click(shown.response, label="Next")
    second = clicked.response.embeds[0].description + clicked.response.embeds[0].footer.text
    assert "reply 14" in second and "reply 18" in second and "Page 2 of 2" in second
    page2 = await asker.slash(world.general, "topic show", topic="#1", page=2)
    assert "reply 18" in text_of(page2)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_topic_list_shows_voices_posts_freshness(world):
    asker, helper = world.member("Asker"), world.member("Helper")
    await asker.slash(world.general, "topic new", forum=world.forum, title="Old", body="?")
    await world.env.advance_time(11)
    await asker.slash(world.general, "topic new", forum=world.forum, title="New", body="?")
    await world.env.advance_time(2)
    await helper.send(world.thread("Old"), "answer")
    listed = text_of(await helper.slash(world.general, "topic list"))
    assert listed.index("New") < listed.index("Old")
    assert "Voices 2 · Posts 2" in listed and "Voices 1 · Posts 1" in listed and "Freshness" in listed
    active = text_of(await helper.slash(world.general, "topic list", forum=world.forum, sort="active"))
    assert active.index("Old") < active.index("New")
    unanswered = text_of(await helper.slash(world.general, "topic list", sort="unanswered"))
    assert "New" in unanswered and "Old" not in unanswered


async def test_forum_list(world):
    await world.member("Asker").slash(world.general, "topic new", forum=world.forum, title="Q", body="?")
    listed = text_of(await world.member("Reader").slash(world.general, "forum list"))
    assert "Discussion" in listed and "Topics 1 · Posts 1" in listed


@pytest.mark.parametrize("backend", BACKENDS)
async def test_native_new_post_is_adopted_with_its_first_message_as_opening_post(world):
    poster = world.member("Native")
    thread = await world.native_post(poster, "From the client", "opening words")
    await world.member("Answerer").send(thread, "an answer")
    recorded = await world.posts_of(thread)
    assert [(p.number, p.is_opening, p.content) for p in recorded] == [
        (1, True, "opening words"),
        (2, False, "an answer"),
    ]
    topic = await world.topic(thread)
    assert topic.title == "From the client" and topic.author_name == "Native"


@pytest.mark.parametrize("backend", BACKENDS)
async def test_nested_replies_edits_deletes_and_attachments_are_recorded(world):
    asker, helper = world.member("Asker"), world.member("Helper")
    await asker.slash(world.general, "topic new", forum=world.forum, title="Q", body="?")
    thread = world.thread("Q")
    first = await helper.send(thread, "a reply", attachments=[("log.txt", b"data")])
    await world.env.advance_time(11)
    nested = await asker.send(thread, "answering the reply", reply_to=first)
    await helper.edit(first, "a better reply")
    await asker.delete(nested)
    db = world.bot.db
    first_post = await db.run(posts.by_message, first.id)
    assert first_post.content == "a better reply" and first_post.attachments[0]["filename"] == "log.txt"
    assert [r[0] for r in await db.run(posts.revisions, first_post.id)] == ["a reply"]
    nested_post = await db.run(posts.by_message, nested.id)
    assert nested_post.parent_id == first_post.id and nested_post.status == "deleted"
    assert nested_post.content == "answering the reply"
    shown = text_of(await asker.slash(world.general, "topic show", topic="#1"))
    assert "answering the reply" not in shown and "a better reply" in shown
    topic = await db.run(topics.by_thread, thread.id)
    assert topic.reply_count == 1


async def test_edits_and_deletes_outside_forum_threads_cost_no_write(world):
    chatter = world.member("Chatter")
    said = await chatter.send(world.general, "just chatting")
    await world.bot.db.flush()
    commits = world.bot.db.commits
    await chatter.edit(said, "just chatting, edited")
    await chatter.delete(said)
    await world.bot.db.flush()
    assert world.bot.db.commits == commits
    await chatter.slash(world.general, "topic new", forum=world.forum, title="Q", body="?")
    await world.env.advance_time(11)  # past the posting throttle
    reply = await chatter.send(world.thread("Q"), "in the forum")
    await chatter.edit(reply, "in the forum, edited")
    post = await world.bot.db.run(posts.by_message, reply.id)
    assert post is not None and post.content == "in the forum, edited"


async def test_trashing_a_long_reply_removes_every_message_it_was_split_into(world):
    await world.member("Asker").slash(world.general, "topic new", forum=world.forum, title="Q", body="?")
    thread = world.thread("Q")
    body = ("word " * 790).strip()  # two messages with the header
    await world.member("Helper").slash(world.general, "reply", topic="#1", body=body)
    assert len(thread.history()) == 3
    reply = (await world.posts_of(thread))[-1]
    assert len(reply.continuations) == 1 and reply.content == body
    result = await world.admin.slash(world.general, "mod trash", post="#2")
    assert result.ephemeral
    assert [m.id for m in thread.history()] == [thread.history()[0].id]  # only the opening post is left
