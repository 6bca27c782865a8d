"""Progress of long work (bot/services/progress.py): /mod move, /forumadmin add|import|export show
a bar in their answer and a summary; past Discord's 15-minute token the bar and the summary
continue in a channel message that says so (a DM when the channel cannot be used)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot import clock
from bot.services import progress
from bot.services.progress import CONTINUED, bar
from tests.backends import BACKENDS
from tests.e2e.helpers import World, burst, text_of


def test_the_bar() -> None:
    assert bar(0, 10, width=10) == "▱▱▱▱▱▱▱▱▱▱ 0% (0/10)"
    assert bar(4, 10, width=10) == "▰▰▰▰▱▱▱▱▱▱ 40% (4/10)"
    assert bar(12, 10, width=10) == "▰▰▰▰▰▰▰▰▰▰ 100% (10/10)"
    assert bar(0, 0, width=4) == "▰▰▰▰ 100% (0/0)"


async def _busy_topic(world: World):  # type: ignore[no-untyped-def]
    asker = world.member("Asker")
    result = await asker.slash(world.general, "topic new", forum=world.forum, title="Busy", body="What is it?")
    assert "Started topic" in text_of(result)
    thread = world.thread("Busy")
    burst(world, thread, [(world.member(f"Helper {i}"), f"answer {i}") for i in range(12)])
    await world.env.settle()
    channel = world.guild.create_forum_channel("Questions")
    assert "Registered" in text_of(await world.admin.slash(world.general, "forumadmin add", channel=channel))
    return channel


def _edits(world: World) -> list[str]:
    return [
        r.json.get("content") or ""
        for r in world.env.http_requests
        if r.method == "PATCH" and r.path.endswith("/messages/@original")
    ]


async def test_a_move_shows_a_bar_then_its_summary(world: World) -> None:
    questions = await _busy_topic(world)
    result = await world.admin.slash(world.general, "mod move", topic="#1", forum=questions)
    assert "Moved topic **#1** with 13 posts" in text_of(result)
    bars = [text for text in _edits(world) if text.startswith("Moving… ")]
    # the clock stands still here: the first step and the last, nothing between (every few seconds)
    assert len(bars) == 2 and "(1/12)" in bars[0] and bars[-1].endswith("100% (12/12)")


def _refuse_the_token(world: World) -> None:
    """Discord refuses the interaction's token (as it does 15 minutes after the command)."""
    app = world.bot.application_id  # the interaction's webhook only, not the forum's own
    for method, path in [("PATCH", f"/webhooks/{app}/*/messages/@original"), ("POST", f"/webhooks/{app}/*")]:
        world.env.inject_error(method, path, status=401, code=50027, message="Invalid Webhook Token", times=None)


class SteppingClock:
    """bot.clock as the progress module reads it, a minute later at every reading: a long job
    without the wait (the token's 15 minutes pass within one command)."""

    def __init__(self, step: timedelta) -> None:
        self.now = clock.utcnow()
        self.step = step

    def utcnow(self) -> datetime:
        self.now += self.step
        return self.now


def _channel_edits(world: World, channel_id: int) -> list[str]:
    return [
        r.json.get("content") or ""
        for r in world.env.http_requests
        if r.method == "PATCH" and r.path.startswith(f"/channels/{channel_id}/messages/")
    ]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_long_move_edits_its_bar_then_continues_in_the_channel_past_15_minutes(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = await _busy_topic(world)
    monkeypatch.setattr(progress, "clock", SteppingClock(timedelta(minutes=1)))
    result = await world.admin.slash(world.general, "mod move", topic="#1", forum=questions)
    # while the token lives: the bar in the command's answer, edited step by step
    bars = [text for text in _edits(world) if text.startswith("Moving… ")]
    assert len(bars) >= 3 and "(1/12)" in bars[0] and "(2/12)" in bars[1], bars
    assert "Moved topic" not in text_of(result)  # the summary did not go to the dead token
    # then one message in the channel, naming the member, saying why, edited to the summary
    [note] = [m for m in world.general.history() if CONTINUED in m.content]
    assert note.content.startswith(f"<@{world.admin.id}> ")
    assert "Moved topic **#1** with 13 posts" in note.content
    edits = _channel_edits(world, world.general.id)
    assert len(edits) >= 3 and any("100% (12/12)" in e for e in edits), edits
    assert not world.dm_texts(world.admin)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_adopting_a_forums_threads_shows_a_bar_and_a_summary(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = world.guild.create_forum_channel("Old posts")
    asker = world.member("Asker")
    for i in range(6):
        thread = world.env.backend.create_thread(channel.id, f"Old {i}", asker.id)  # before it is a forum
        world.env.backend.create_message(thread.id, asker.id, f"question {i}")
    await world.env.settle()
    monkeypatch.setattr(progress, "clock", SteppingClock(timedelta(seconds=2)))
    result = await world.admin.slash(world.general, "forumadmin add", channel=channel)
    assert "Adopted 6 post(s) from 6 existing threads" in text_of(result)
    bars = [text for text in _edits(world) if text.startswith("Adopting existing threads… ")]
    assert len(bars) >= 2 and bars[-1].endswith("100% (6/6)"), bars


@pytest.mark.parametrize("where", ["channel", "dm"])
async def test_past_the_interaction_token_the_work_continues_in_the_channel_or_a_dm(world: World, where: str) -> None:
    questions = await _busy_topic(world)
    _refuse_the_token(world)
    if where == "dm":  # the channel cannot be used (no Send Messages there)
        world.env.inject_error(
            "POST", f"/channels/{world.general.id}/messages", status=403, code=50013, message="Missing Permissions"
        )
    await world.admin.slash(world.general, "mod move", topic="#1", forum=questions)
    if where == "dm":
        [note] = world.dm_texts(world.admin)
    else:
        note = world.general.history()[-1].content
        assert f"<@{world.admin.id}>" in note and not world.dm_texts(world.admin)
    assert "Moved topic **#1** with 13 posts" in note and CONTINUED in note
    assert [t.name for t in questions.threads] == ["Busy"]
    world.env.errors  # noqa: B018 - the refused token was expected


async def test_an_import_past_the_token_ends_with_its_summary_in_the_channel(world: World) -> None:
    from pathlib import Path

    fixture = Path(__file__).parent.parent / "fixtures" / "bbpress-example.xml"
    _refuse_the_token(world)
    await world.admin.slash(world.general, "forumadmin import", file=("bbpress.xml", fixture.read_bytes()))
    note = world.general.history()[-1].content
    assert "Import finished: 2 topic(s)" in note and CONTINUED in note
    world.env.errors  # noqa: B018 - the refused token was expected


async def test_an_export_past_the_token_goes_by_dm_and_the_channel_says_so(world: World) -> None:
    _refuse_the_token(world)
    await world.admin.slash(world.general, "forumadmin export")
    [dm] = world.admin.user.dm_channel.history()
    assert "json export" in dm.content and dm.attachments
    note = world.general.history()[-1].content
    assert "I sent it to you by DM" in note and CONTINUED in note and not world.general.history()[-1].attachments
    world.env.errors  # noqa: B018 - the refused token was expected


async def test_sync_shows_the_catch_up_thread_by_thread_then_its_summary(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(4):
        await world.native_post(world.member(f"Asker {i}"), f"Topic {i}", f"question {i}")
    monkeypatch.setattr(progress, "clock", SteppingClock(timedelta(seconds=2)))
    result = await world.admin.slash(world.general, "forumadmin sync")
    assert "catch-up read 4 threads" in text_of(result)
    bars = [text for text in _edits(world) if text.startswith("Catching up… ")]
    assert [b.rsplit(" ", 1)[-1] for b in bars] == ["(1/4)", "(2/4)", "(3/4)", "(4/4)"], bars


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_merge_and_a_split_show_their_bars_then_their_summaries(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _busy_topic(world)  # #1 with 12 replies (#2..#13)
    asker = world.member("Asker")
    await world.env.advance_time(11)
    result = await asker.slash(world.general, "topic new", forum=world.forum, title="Other", body="Related?")
    assert "Started topic **#14**" in text_of(result)
    monkeypatch.setattr(progress, "clock", SteppingClock(timedelta(seconds=2)))
    split = await world.admin.slash(world.general, "mod split", post="#8", title="Second half")
    bars = [text for text in _edits(world) if text.startswith("Splitting… ")]
    assert len(bars) >= 3 and "(1/" in bars[0] and " 100% (" in bars[-1], bars
    assert "Split 6 posts from topic **#1** into the new topic **#8**" in text_of(split)
    merged = await world.admin.slash(world.general, "mod merge", source="#1", target="#14")
    bars = [text for text in _edits(world) if text.startswith("Merging… ")]
    assert len(bars) >= 3 and "(1/" in bars[0] and " 100% (" in bars[-1], bars
    assert "of topic **#1** into **#14**" in text_of(merged)


async def test_an_import_shows_a_bar_of_topics_then_its_summary(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    fixture = Path(__file__).parent.parent / "fixtures" / "bbpress-example.xml"
    monkeypatch.setattr(progress, "clock", SteppingClock(timedelta(seconds=3)))
    result = await world.admin.slash(world.general, "forumadmin import", file=("bbpress.xml", fixture.read_bytes()))
    bars = [text for text in _edits(world) if text.startswith("Importing… ▰")]
    assert len(bars) == 2 and "50% (1/2) topics" in bars[0] and "100% (2/2) topics" in bars[1], _edits(world)
    assert "Import finished: 2 topic(s)" in text_of(result)


@pytest.mark.parametrize("command", ["forumadmin sync", "forumadmin add"])
async def test_add_and_sync_past_the_token_end_with_their_summary_in_the_channel(world: World, command: str) -> None:
    for i in range(3):
        await world.native_post(world.member(f"Asker {i}"), f"Topic {i}", f"question {i}")
    options: dict[str, object] = {}
    if command == "forumadmin add":
        channel = world.guild.create_forum_channel("Old posts")
        asker = world.member("Old asker")
        thread = world.env.backend.create_thread(channel.id, "Old one", asker.id)
        world.env.backend.create_message(thread.id, asker.id, "an old question")
        await world.env.settle()
        options["channel"] = channel
    _refuse_the_token(world)
    await world.admin.slash(world.general, command, **options)
    note = world.general.history()[-1].content
    expected = "catch-up read" if command == "forumadmin sync" else "Adopted 1 post(s) from 1 existing thread."
    assert expected in note and CONTINUED in note and f"<@{world.admin.id}>" in note, note
    world.env.errors  # noqa: B018 - the refused token was expected
