"""/search through simcord: relevance, links, awkward queries, hidden posts, persistent pages."""

from __future__ import annotations

import pytest

from tests.backends import BACKENDS
from tests.e2e.helpers import text_of


async def _thread_with_replies(world, count: int, word: str = "otter"):  # type: ignore[no-untyped-def]
    asked = await world.admin.slash(
        world.general, "topic new", forum=world.forum, title="Otters", body=f"Where do {word}s sleep? {word}"
    )
    assert "#1" in text_of(asked)
    thread = world.thread("Otters")
    for i in range(count):
        await world.admin.send(thread, f"{word} fact number {i}")  # the keymaster is not throttled
    return thread


@pytest.mark.parametrize("backend", BACKENDS)
async def test_search_finds_posts_with_numbers_links_and_highlights(world) -> None:  # type: ignore[no-untyped-def]
    thread = await _thread_with_replies(world, 2)
    marzana = world.member("Marzana M")
    await marzana.send(thread, "Precision medicine is *tailored*, not <@everyone> personal")
    result = await marzana.slash(world.general, "search", query="precision medicine")
    assert result.ephemeral
    page = text_of(result)
    assert "[**#4**](https://discord.com/channels/" in page
    assert f"/{thread.id}/" in page
    assert "**Precision** **medicine**" in page
    assert "\\*tailored\\*" in page  # members' Markdown is shown, not applied
    assert "Otters" in page and "Marzana M" in page
    assert "1 post " in footer(result)


AWKWARD = [
    ('"where do otters"', "#1"),
    ("otter*", "#1"),
    ("otters OR badgers", "#1"),
    ("NEAR(otters sleep)", "#1"),
    ("otters AND sleep", "#1"),
    ("(otters) sleep)", "#1"),
    ("otters -sleep", "Nothing found"),
    ("🦦 otters", "#1"),
    ("ōtters", "#1"),
    ("ОТТЕР 日本", "Nothing found"),
    ("col:otters", "Nothing found"),
]


@pytest.mark.parametrize(("query", "expected"), AWKWARD)
async def test_awkward_queries_give_results_or_nothing_found(world, query: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    await _thread_with_replies(world, 0)
    result = await world.admin.slash(world.general, "search", query=query)
    assert expected in text_of(result)
    assert not world.env.errors


@pytest.mark.parametrize(
    ("query", "message"),
    [("🦦", "at least one word"), ('"', "at least one word"), ("-otters", "not only words to leave out")],
)
async def test_impossible_queries_get_a_clear_ephemeral_message(world, query: str, message: str) -> None:  # type: ignore[no-untyped-def]
    await _thread_with_replies(world, 0)
    result = await world.admin.slash(world.general, "search", query=query)
    assert result.ephemeral
    assert message in text_of(result)
    assert any(message in str(error) for error in world.env.errors)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_deleted_posts_are_never_found(world) -> None:  # type: ignore[no-untyped-def]
    thread = await _thread_with_replies(world, 0)
    member = world.member("Deleter")
    message = await member.send(thread, "a secret walrus")
    assert "#2" in text_of(await member.slash(world.general, "search", query="walrus"))
    await member.delete(message)
    assert "Nothing found" in text_of(await member.slash(world.general, "search", query="walrus"))


@pytest.mark.parametrize("backend", BACKENDS)
async def test_filters_forum_author_and_solved_only(world) -> None:  # type: ignore[no-untyped-def]
    thread = await _thread_with_replies(world, 0)
    member = world.member("Filter")
    await member.send(thread, "otters again")
    by_member = text_of(await member.slash(world.general, "search", query="otters", author=member))
    assert "#2" in by_member and "#1**" not in by_member
    in_forum = text_of(await member.slash(world.general, "search", query="otters", forum=world.forum))
    assert "#1" in in_forum and "#2" in in_forum
    assert "Nothing found" in text_of(await member.slash(world.general, "search", query="otters", solved_only=True))
    other = world.guild.create_forum_channel("Unregistered")
    result = await member.slash(world.general, "search", query="otters", forum=other)
    assert "not a registered forum" in text_of(result)
    assert any("not a registered forum" in str(e) for e in world.env.errors)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_pages_of_ten_with_buttons_that_survive_a_restart(world) -> None:  # type: ignore[no-untyped-def]
    await _thread_with_replies(world, 24)
    result = await world.admin.slash(world.general, "search", query="otter")
    first = text_of(result)
    assert "Page 1 of 3" in footer(result) and "25 posts" in footer(result)
    assert first.count("[**#") == 10
    await world.restart()
    clicked = await world.admin.click(result.response, label="Next")
    assert clicked.acknowledged
    second = text_of(result)
    assert "Page 2 of 3" in footer(result)
    assert second.count("[**#") == 10
    assert set(_numbers(first)).isdisjoint(_numbers(second))
    await world.admin.click(result.response, label="Next")
    third = text_of(result)
    assert "Page 3 of 3" in footer(result) and third.count("[**#") == 5
    await world.admin.click(result.response, label="Previous")
    assert "Page 2 of 3" in footer(result)


def footer(result) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(e.footer.text or "" for e in result.response.embeds)


def _numbers(page: str) -> list[str]:
    return [part.split("**")[0] for part in page.split("[**#")[1:]]


async def test_a_member_searching_too_fast_is_told_when_to_try_again(world) -> None:  # type: ignore[no-untyped-def]
    from cogs.search import SEARCHES, WINDOW

    await _thread_with_replies(world, 2)
    fast, other = world.member("Fast Searcher"), world.member("Other Searcher")
    for i in range(SEARCHES):
        await world.env.advance_time(1)
        await fast.slash(world.general, "search", query="otter" if i % 2 else "-otter")  # refusals count too
    assert "#1" in text_of(await other.slash(world.general, "search", query="otter"))
    await world.env.advance_time(1)
    refused = await fast.slash(world.general, "search", query="otter")
    assert refused.ephemeral
    answer = text_of(refused)
    wait = int(WINDOW) - SEARCHES  # the first search was SEARCHES seconds ago
    assert f"at most {SEARCHES} searches every {WINDOW:.0f} seconds" in answer
    assert f"Try again in {wait} seconds" in answer and "#1" not in answer
    assert "#1" in text_of(await other.slash(world.general, "search", query="otter"))  # others are not slowed
    await world.env.advance_time(wait)
    assert "#1" in text_of(await fast.slash(world.general, "search", query="otter"))
    assert any("searching quickly" in str(error) for error in world.env.errors)
    assert any("not only words to leave out" in str(error) for error in world.env.errors)


async def test_a_search_past_its_time_budget_asks_to_narrow_it(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.storage import search as search_repo

    await _thread_with_replies(world, 24)
    monkeypatch.setattr(search_repo, "TIME_BUDGET_SECONDS", 0.0)  # any search that reads more than a few rows
    result = await world.admin.slash(world.general, "search", query="otter")
    assert result.ephemeral
    answer = text_of(result)
    assert "too broad" in answer and "narrow it" in answer and "#1" not in answer
    assert any("too broad" in str(error) for error in world.env.errors)
    monkeypatch.setattr(search_repo, "TIME_BUDGET_SECONDS", 60.0)
    await world.env.advance_time(1)
    assert "25 posts" in footer(await world.admin.slash(world.general, "search", query="otter"))
