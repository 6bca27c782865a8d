"""Progress of long work (bot/services/progress.py): /mod move shows a bar in its answer and a
summary; past Discord's 15-minute token the bar and the summary continue in a DM that says so."""

from __future__ import annotations

import pytest

from bot.services.progress import CONTINUED, bar
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
    assert "Moved topic **#1** with 13 post(s)" in text_of(result)
    bars = [text for text in _edits(world) if text.startswith("Moving… ")]
    # the clock stands still here: the first step and the last, nothing between (every few seconds)
    assert len(bars) == 2 and "(1/12)" in bars[0] and bars[-1].endswith("100% (12/12)")


@pytest.mark.parametrize("where", ["dm", "channel"])
async def test_past_the_interaction_token_the_work_continues_in_a_dm_or_the_channel(world: World, where: str) -> None:
    questions = await _busy_topic(world)
    # Discord refuses the token (as it does 15 minutes after the command): every edit and follow-up
    app = world.bot.application_id  # the interaction's webhook only, not the forum's own
    for method, path in [("PATCH", f"/webhooks/{app}/*/messages/@original"), ("POST", f"/webhooks/{app}/*")]:
        world.env.inject_error(method, path, status=401, code=50027, message="Invalid Webhook Token", times=None)
    if where == "channel":
        world.close_dms(world.admin)
    await world.admin.slash(world.general, "mod move", topic="#1", forum=questions)
    if where == "dm":
        [note] = world.dm_texts(world.admin)
    else:
        note = world.general.history()[-1].content
        assert f"<@{world.admin.id}>" in note
    assert "Moved topic **#1** with 13 post(s)" in note and CONTINUED in note
    assert [t.name for t in questions.threads] == ["Busy"]
    world.env.errors  # noqa: B018 - the refused token was expected


async def test_an_import_past_the_token_ends_with_its_summary_in_a_dm(world: World) -> None:
    from pathlib import Path

    fixture = Path(__file__).parent.parent / "fixtures" / "bbpress-example.xml"
    app = world.bot.application_id  # the interaction's webhook only, not the forum's own
    for method, path in [("PATCH", f"/webhooks/{app}/*/messages/@original"), ("POST", f"/webhooks/{app}/*")]:
        world.env.inject_error(method, path, status=401, code=50027, message="Invalid Webhook Token", times=None)
    await world.admin.slash(world.general, "forumadmin import", file=("bbpress.xml", fixture.read_bytes()))
    [note] = world.dm_texts(world.admin)
    assert "Import finished: 2 topic(s)" in note and CONTINUED in note
    world.env.errors  # noqa: B018 - the refused token was expected
