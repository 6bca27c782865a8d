"""Message menu "Mark as answer": right and wrong members, toggling, the Solved tag, the note."""

from __future__ import annotations

import discord

from bot.storage import audit
from tests.e2e.helpers import text_of

TITLE = "Personalized or precision medicine?"


def solved_tag_applied(world, thread) -> bool:  # type: ignore[no-untyped-def]
    channel = world.bot.get_channel(thread.id)
    assert isinstance(channel, discord.Thread)
    return any(tag.name == "Solved" for tag in channel.applied_tags)


async def _asked(world):  # type: ignore[no-untyped-def]
    marzana, kumar, drm = world.member("Marzana M"), world.member("Dr. Kumar"), world.member("Dr. M")
    await marzana.slash(world.general, "topic new", forum=world.forum, title=TITLE, body="Are they the same?")
    thread = world.thread(TITLE)
    first = await kumar.send(thread, "They are often used interchangeably.")
    second = await drm.send(thread, "They overlap, but precision is about groups.")
    return thread, marzana, kumar, drm, first, second


async def test_author_marks_several_answers_and_unmarks_them(world) -> None:  # type: ignore[no-untyped-def]
    thread, marzana, _kumar, _drm, first, second = await _asked(world)

    marked = await marzana.context_menu(thread, "Mark as answer", first)
    assert marked.ephemeral
    assert "Marked [#2]" in text_of(marked)
    topic = await world.topic(thread)
    assert topic is not None and topic.solved
    assert solved_tag_applied(world, thread)
    note = thread.history()[-1]
    assert "marked [#2]" in note.content and "Dr. Kumar" in note.content
    assert not note.mentions and not note.mention_everyone

    await marzana.context_menu(thread, "Mark as answer", second)
    accepted = [p.number for p in await world.posts_of(thread) if p.accepted]
    assert accepted == [2, 3]

    shown = text_of(await marzana.slash(world.general, "topic show", topic="#1"))
    assert shown.index("#2**") < shown.index("#3**")
    assert shown.count("Accepted answer") == 2

    again = await marzana.context_menu(thread, "Mark as answer", first)
    assert "no longer an accepted answer" in text_of(again) and "stays solved" in text_of(again)
    topic = await world.topic(thread)
    assert topic is not None and topic.solved and solved_tag_applied(world, thread)

    await marzana.context_menu(thread, "Mark as answer", second)
    topic = await world.topic(thread)
    assert topic is not None and not topic.solved
    assert not solved_tag_applied(world, thread)
    assert not any(p.accepted for p in await world.posts_of(thread))

    log = await world.bot.db.run(audit.entries, world.guild.id, topic_id=topic.id)
    assert [e.action for e in reversed(log)] == ["answer.mark", "answer.mark", "answer.unmark", "answer.unmark"]
    assert log[0].actor_id == marzana.id


async def test_other_members_are_refused_and_moderators_may_mark(world) -> None:  # type: ignore[no-untyped-def]
    thread, marzana, kumar, _drm, first, second = await _asked(world)

    refused = await kumar.context_menu(thread, "Mark as answer", second)
    assert refused.ephemeral
    assert "Only the topic's author (Marzana M) or a moderator" in text_of(refused)
    assert any("Only the topic's author" in str(e) for e in world.env.errors)
    assert not any(p.accepted for p in await world.posts_of(thread))

    question = thread.history()[0]
    opening = await marzana.context_menu(thread, "Mark as answer", question)
    assert "That is the topic's question" in text_of(opening)
    assert any("topic's question" in str(e) for e in world.env.errors)

    mods = world.guild.create_role("Mods")
    await world.admin.slash(world.general, "forumadmin rolemap", forum_role="moderator", discord_role=mods)
    moderator = world.member("Mod", roles=(mods,))
    done = await moderator.context_menu(thread, "Mark as answer", second)
    assert "Marked [#3]" in text_of(done)
    topic = await world.topic(thread)
    assert topic is not None and topic.solved
    # accepted answers come first in /topic show, right after the question
    shown = text_of(await kumar.slash(world.general, "topic show", topic="#1"))
    assert shown.index("#1**") < shown.index("#3**") < shown.index("#2**")
    assert first.id  # the unaccepted reply is still shown, after the answer


async def test_messages_that_are_not_posts_are_refused(world) -> None:  # type: ignore[no-untyped-def]
    note = await world.admin.send(world.general, "not a forum post")
    result = await world.admin.context_menu(world.general, "Mark as answer", note)
    assert "not a post of this server's forums" in text_of(result)
    assert any("not a post" in str(e) for e in world.env.errors)


async def test_marking_in_a_closed_archived_thread_keeps_it_closed(world) -> None:  # type: ignore[no-untyped-def]
    thread, marzana, _kumar, _drm, first, _second = await _asked(world)
    channel = world.bot.get_channel(thread.id)
    assert isinstance(channel, discord.Thread)
    await channel.edit(archived=True, locked=True)
    await world.env.settle()
    history_before = len(thread.history())
    # Discord refuses edits of an archived thread that do not unarchive it
    world.env.inject_error("PATCH", f"/channels/{thread.id}", status=400, code=50083, times=1)

    marked = await marzana.context_menu(thread, "Mark as answer", first)
    assert "Marked [#2]" in text_of(marked)
    after = await world.bot.fetch_channel(thread.id)
    assert isinstance(after, discord.Thread)
    assert any(tag.name == "Solved" for tag in after.applied_tags)
    assert after.archived and after.locked  # still closed
    assert len(thread.history()) == history_before  # no note that would reopen it
