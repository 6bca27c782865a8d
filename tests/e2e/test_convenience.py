"""Autocomplete on topic, post and tag options; the thread you are in as the default topic."""

from __future__ import annotations

import discord
import pytest

from bot.services.lookup import HERE_HINT
from tests.backends import BACKENDS
from tests.e2e.helpers import errors_text, text_of


async def _topics(world, titles: list[str]):  # type: ignore[no-untyped-def]
    asker = world.member("Asker")
    for title in titles:
        result = await asker.slash(world.general, "topic new", forum=world.forum, title=title, body="body")
        assert "Started topic" in text_of(result)
        await world.env.advance_time(11)
    return asker


def _names(found: list[dict]) -> list[str]:  # type: ignore[type-arg]
    return [choice["name"] for choice in found]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_topic_autocomplete_offers_numbers_and_titles_newest_first(world):
    titles = [f"Question {i} about {'indexes' if i % 2 else 'tea'}" for i in range(30)]
    asker = await _topics(world, titles)
    # nothing typed: the 25 most recent, numbers as values, "#n Title" as names
    found = await asker.autocomplete(world.general, "topic show", "topic", "")
    assert len(found) == 25
    assert found[0] == {"name": "#30 Question 29 about indexes", "value": "30"}
    assert [c["value"] for c in found] == [str(n) for n in range(30, 5, -1)]
    # words match titles (any case), newest first
    found = await asker.autocomplete(world.general, "topic show", "topic", "INDEX")
    assert [c["value"] for c in found] == [str(n) for n in range(30, 0, -2)]
    # digits match number prefixes: 2 → 29..20, then 2
    found = await asker.autocomplete(world.general, "topic show", "topic", "#2")
    assert [c["value"] for c in found] == [*map(str, range(29, 19, -1)), "2"]
    # the value a choice carries works as the option
    shown = await asker.slash(world.general, "topic show", topic=found[-1]["value"])
    assert "Question 1 about indexes" in text_of(shown)
    # /reply, /subscribe and the /mod commands offer the same
    assert _names(await asker.autocomplete(world.general, "reply", "topic", "tea 28")) == ["#29 Question 28 about tea"]
    assert (await asker.autocomplete(world.general, "subscribe", "topic", "3"))[0]["value"] == "30"
    assert len(await world.admin.autocomplete(world.general, "mod close", "topic", "")) == 25


@pytest.mark.parametrize("backend", BACKENDS)
async def test_autocomplete_offers_only_what_the_member_may_see(world):
    asker = await _topics(world, ["Public question"])
    staff = world.guild.create_forum_channel("Staff")
    result = await world.admin.slash(world.general, "forumadmin add", channel=staff)
    assert "Registered" in text_of(result)
    await world.admin.slash(world.general, "topic new", forum=staff, title="Staff secret", body="psst")
    outsider = world.member("Outsider")
    channel = world.bot.get_channel(staff.id)
    assert isinstance(channel, discord.ForumChannel)
    hidden = channel.guild.get_member(outsider.id)
    assert hidden is not None
    await channel.set_permissions(hidden, view_channel=False)
    await world.env.settle()
    assert _names(await outsider.autocomplete(world.general, "topic show", "topic", "")) == ["#1 Public question"]
    assert await outsider.autocomplete(world.general, "topic show", "topic", "secret") == []
    assert _names(await world.admin.autocomplete(world.general, "topic show", "topic", "secret")) == ["#2 Staff secret"]
    # trashed topics: gone for members, marked for moderators
    await world.admin.slash(world.general, "mod trash", post="1")
    assert await asker.autocomplete(world.general, "topic show", "topic", "public") == []
    found = await world.admin.autocomplete(world.general, "mod restore", "post", "public")
    assert _names(found) == ["#1 [trash] Public question"]
    # links and ids offer nothing
    assert await asker.autocomplete(world.general, "topic show", "topic", "https://discord.com/channels/1/2") == []


async def test_post_autocomplete_offers_replies_by_number(world):
    asker = await _topics(world, ["Slow queries"])
    thread = world.thread("Slow queries")
    replier = world.member("Replier")
    await replier.send(thread, "Try an index")
    await world.env.settle()
    found = await world.admin.autocomplete(world.general, "mod trash", "post", "")
    assert found == [
        {"name": "#2 reply in: Slow queries", "value": "2"},
        {"name": "#1 Slow queries", "value": "1"},
    ]
    assert await world.admin.autocomplete(world.general, "forumadmin purge", "post", "") == found
    assert asker is not None


async def test_tag_autocomplete_completes_the_last_of_a_comma_list(world):
    channel = world.bot.get_channel(world.forum.id)
    assert isinstance(channel, discord.ForumChannel)
    names = [t.name for t in channel.available_tags]
    asker = world.member("Asker")
    found = await asker.autocomplete(world.general, "topic new", "tags", "", forum=world.forum)
    assert [c["value"] for c in found] == names
    first = names[0]
    found = await asker.autocomplete(world.general, "topic new", "tags", f"{first}, {first[:2]}", forum=world.forum)
    assert all(c["value"].startswith(f"{first}, ") for c in found) and f"{first}, {first}" not in _names(found)
    assert await asker.autocomplete(world.general, "topic new", "tags", "x") == []  # no forum chosen yet


async def test_an_autocomplete_failure_offers_nothing_and_is_reported(world):
    asker = await _topics(world, ["Anything"])
    assert getattr(world.bot, "last_failure", None) is None
    await world.bot.db.close()  # the database is gone: every read fails
    assert await asker.autocomplete(world.general, "topic show", "topic", "any") == []
    failure = world.bot.last_failure  # reported through bot/failures (logged, health), never shown
    assert failure.where == "autocomplete of a topic in /topic show"


@pytest.mark.parametrize("backend", BACKENDS)
async def test_inside_a_thread_the_topic_may_be_left_out(world):
    asker = await _topics(world, ["First", "Second"])
    thread = world.thread("First")
    shown = await asker.slash(thread, "topic show")
    assert shown.ephemeral and "First" in text_of(shown) and "Second" not in text_of(shown)
    replied = await asker.slash(thread, "reply", body="Answering here")
    assert "in **First**" in text_of(replied)
    assert thread.history()[-1].content.endswith("Answering here")
    subscribed = await asker.slash(thread, "subscribe")
    assert "**First** (#1)" in text_of(subscribed)
    assert "Unsubscribed from **First**" in text_of(await asker.slash(thread, "unsubscribe"))
    closed = await world.admin.slash(thread, "mod close")
    assert "Closed topic **#1**" in text_of(closed)
    assert "Reopened topic **#1**" in text_of(await world.admin.slash(thread, "mod open"))
    assert "**#1** now lists first" in text_of(await world.admin.slash(thread, "mod stick"))
    assert "**#1** is no longer sticky" in text_of(await world.admin.slash(thread, "mod unstick"))
    assert "Topic **#1** now has no tags" in text_of(await asker.slash(thread, "topic tags", tags="none"))
    moved = await world.admin.slash(thread, "mod move", forum=world.forum)
    assert "Topic #1 is already in" in text_of(moved)  # the thread's topic was taken
    assert "Topic #1 is already in" in errors_text(world)
    # a topic given still wins over the thread
    assert "Second" in text_of(await asker.slash(thread, "topic show", topic="#2"))
    merged = await world.admin.slash(thread, "mod merge", target="#2")
    assert "of topic **#1** into **#2**" in text_of(merged)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_outside_a_thread_leaving_the_topic_out_is_a_clear_error(world):
    asker = await _topics(world, ["First"])
    for actor, command, options in [
        (asker, "topic show", {}),
        (asker, "reply", {"body": "lost"}),
        (asker, "subscribe", {}),
        (asker, "unsubscribe", {}),
        (asker, "topic tags", {"tags": "none"}),
        (world.admin, "mod close", {}),
        (world.admin, "mod open", {}),
        (world.admin, "mod stick", {}),
        (world.admin, "mod unstick", {}),
        (world.admin, "mod move", {"forum": world.forum}),
        (world.admin, "mod merge", {"target": "1"}),
    ]:
        result = await actor.slash(world.general, command, **options)
        assert result.ephemeral and HERE_HINT in text_of(result), (command, text_of(result))
    assert HERE_HINT in errors_text(world)
    assert len(world.thread("First").history()) == 1  # nothing was posted
